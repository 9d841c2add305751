"""The drift watch's issue, against the sandbox and a fake GitHub API on loopback: the
real plan and status outputs of one environment open the issue, a circuit breaker trip
updates it in place (with Dograh's reason and time), and a clean environment closes it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dograh_sandbox.testing import SandboxHandle
from reconciler.drift import LABEL, marker
from tests.commands.conftest import Campaigns, phone_numbers
from tests.fake_github import REPOSITORY, TOKEN, FakeGitHub, running_fake_github

MONDAY_10_IN_NEW_YORK = "2026-03-02T15:00:00Z"
RUN_URL = "https://github.com/acme/outbound/actions/runs/42"


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    with running_fake_github() as fake:
        monkeypatch.setenv("GITHUB_API_URL", fake.url)
        monkeypatch.setenv("GITHUB_REPOSITORY", REPOSITORY)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        yield fake


def _watch(campaigns: Campaigns, repo: Path, environment: str = "production") -> int:
    """What the Action's drift mode runs: plan and status, then the issue."""
    plan = campaigns("plan", "--detailed-exitcode", "--format", "markdown", "campaigns.d")
    (repo / "plan.md").write_text(plan.out)
    status = campaigns(
        "status", "--format", "json", "--fail-on", "failed", "--fail-on", "held", "campaigns.d"
    )
    (repo / "status.json").write_text(status.out)
    result = campaigns(
        "drift-issue",
        "--environment",
        environment,
        "--plan-markdown",
        "plan.md",
        "--plan-exit",
        str(plan.code),
        "--status-json",
        "status.json",
        "--status-exit",
        str(status.code),
        "--run-url",
        RUN_URL,
    )
    assert TOKEN not in result.out + result.err
    return result.code


def _ours(github: FakeGitHub) -> list[dict[str, Any]]:
    return [
        i
        for i in github.issues
        if "pull_request" not in i and i["body"].startswith(marker("production"))
    ]


def test_the_issue_is_opened_updated_in_place_and_closed(
    campaigns: Campaigns, sandbox: SandboxHandle, repo: Path, github: FakeGitHub
) -> None:
    github.page_size = 2  # the issue is found across pages
    others = [
        github.add_issue(title="Unrelated", body=f"Quoting the bot: {marker('production')}"),
        github.add_issue(title="A pull request", body=marker("production"), pull_request={}),
        github.add_issue(title="Staging's", body=marker("staging") + "\nstale"),
        github.add_issue(title="A note", body="Labelled by hand, not the watch's."),
    ]
    github.labels[LABEL] = {"name": LABEL}
    for issue in others[1:]:
        issue["labels"] = [github.labels[LABEL]]
    before = json.dumps(others)

    # Nothing applied yet: the plan creates every campaign. Drift: the issue is opened.
    assert _watch(campaigns, repo) == 2
    (issue,) = _ours(github)
    assert (issue["title"], issue["state"]) == ("Dograh campaigns drift: production", "open")
    assert [label["name"] for label in issue["labels"]] == [LABEL]
    assert "- **The plan has changes**" in issue["body"]
    assert "Plan: 3 to create, 0 to update, 2 to start" in issue["body"]
    assert f"([the run]({RUN_URL}))" in issue["body"]

    # Applied, then Dograh's circuit breaker pauses a campaign: the same issue, edited.
    sandbox.admin.set_clock(MONDAY_10_IN_NEW_YORK)
    assert campaigns("apply", "--auto-approve").code == 0
    sandbox.admin.set_simulation(failure_rate=1.0)
    sandbox.admin.advance(30)
    answer = sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
    east = next(c for c in answer if c["name"] == "spring-renewals-east")
    (trip,) = [e for e in east["logs"] if e["event"] == "circuit_breaker_tripped"]
    assert _watch(campaigns, repo) == 2
    assert _ours(github) == [issue]
    body = issue["body"]
    assert "- **The plan has changes**" not in body
    assert "#### Failed or held campaigns" in body
    assert (
        f"| `spring-renewals-east` (id {east['id']}) | held: paused, its manifest says running"
        in (body)
    )
    assert "circuit breaker tripped: Paused: failure rate 100.00% (5/5)" in body
    assert trip["ts"] in body
    assert not [number for number in phone_numbers(repo) if number in body]
    patches = [call for call in github.calls if call[0] == "PATCH"]
    assert len(patches) == 1

    # Unchanged drift: the issue is left as it is.
    assert _watch(campaigns, repo) == 2
    assert [call for call in github.calls if call[0] == "PATCH"] == patches

    # The operator keeps it paused in the manifest: nothing to plan, nothing held.
    manifest = repo / "campaigns.d/spring-renewals-east.yaml"
    manifest.write_text(manifest.read_text().replace("state: running", "state: paused"))
    assert _watch(campaigns, repo) == 0
    assert issue["state"] == "closed"
    (comment,) = github.comments[issue["number"]]
    assert comment.startswith("No drift any more")
    assert json.dumps(others) == before  # nobody else's issue was touched
    assert list(github.labels) == [LABEL]

    # Still clean: nothing to open, nothing to close.
    calls = len(github.calls)
    assert _watch(campaigns, repo) == 0
    assert [c[0] for c in github.calls[calls:]] == ["GET"] * 2  # two pages of open issues


def test_an_environment_that_cannot_be_checked_is_drift(
    campaigns: Campaigns, repo: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOGRAH_API_KEY", "dgr_not_a_key_of_this_sandbox")
    assert _watch(campaigns, repo) == 2
    (issue,) = _ours(github)
    assert "- **The plan failed** (exit code 1)" in issue["body"]
    assert "- **status failed** (exit code 1)" in issue["body"]
    assert LABEL in github.labels  # made before the first issue


def test_a_wrong_token_is_an_error_that_does_not_show_it(
    campaigns: Campaigns, repo: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "plan.md").write_text("")
    (repo / "status.json").write_text("")
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_wrong_token_value")
    result = campaigns(
        "drift-issue",
        "--environment",
        "production",
        "--plan-markdown",
        "plan.md",
        "--plan-exit",
        "1",
        "--status-json",
        "status.json",
        "--status-exit",
        "1",
    )
    assert result.code == 1
    assert "answered 401: Bad credentials" in result.err
    assert "ghs_wrong_token_value" not in result.out + result.err
    assert github.issues == []
