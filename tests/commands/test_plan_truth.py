"""What a plan and an apply say, where no other module covers it: all errors of all files
in one run,
an apply that never loses an error, and the small things a new user met on the way."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from dograh_sandbox.testing import SandboxHandle
from reconciler.client import DograhClient
from tests.commands.conftest import Campaigns


def test_every_kind_of_error_of_every_file_in_one_run(campaigns: Campaigns, repo: Path) -> None:
    """A duplicate key in one file no longer hides the unknown workflow of
    another, nor a CSV row Dograh would refuse in a third; sorted by file and line."""
    manifests = repo / "campaigns.d"
    east = manifests / "spring-renewals-east.yaml"
    east.write_text(east.read_text() + "metadata:\n  name: again\n")
    west = manifests / "appointments-west.yaml"
    text = west.read_text()
    workflow = re.search(r"workflow: (.+)", text)
    assert workflow is not None
    west.write_text(text.replace(workflow.group(0), "workflow: No such workflow"))
    survey = manifests / "contacts" / "winback-survey.csv"
    lines = survey.read_text().splitlines()
    survey.write_text("\n".join([*lines, "call-me,Nobody"]) + "\n")

    result = campaigns("plan")

    assert result.code == 1
    errors = [line for line in result.out.splitlines() if ": error: " in line]
    places = [line.split(": error: ")[0] for line in errors]
    assert any(p.startswith("campaigns.d/appointments-west.yaml:") for p in places), result.out
    assert any(p.startswith("campaigns.d/spring-renewals-east.yaml:") for p in places)
    assert any(p.startswith("campaigns.d/contacts/winback-survey.csv:") for p in places)
    assert "'No such workflow'" in result.out
    assert "duplicate key" in result.out.lower()
    assert places == sorted(places, key=_file_then_line)


def _file_then_line(place: str) -> tuple[str, int]:
    path, line, *_ = place.split(":")
    return path, int(line)


def _answers_without_an_id(sandbox: SandboxHandle, method: str) -> None:
    """Success answers about one campaign, to ``method`` requests, that lack its ``id``: no
    Dograh does this; a proxy or another version might (the sandbox's ``omit`` fault)."""
    sandbox.admin.set_faults(
        {"method": method, "path": "/api/v1/campaign/*", "kind": "omit", "key": "id"}
    )


def test_a_create_answered_without_an_id_is_found_not_lost(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    """The create happened although its answer cannot be read. Apply says
    so, finds the campaign it made, never creates it again, and goes on to start it."""
    _answers_without_an_id(sandbox, "POST")
    result = campaigns("apply", "--auto-approve", "--parallelism", "1")
    assert result.out.count("Dograh's answer to the create could not be read, but Dograh has") == 3
    assert len(sandbox.admin.requests(method="POST", path="/api/v1/campaign/create")) == 3
    live = sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
    assert len(live) == 3
    # The starts' answers lack the id too: each start happened, and is reported as done
    # and as that campaign's error (unconfirmed); none is lost, none sent twice.
    assert result.code == 1, result.out + result.err
    assert "Apply failed for 2 of 3 campaigns. Done: 3 created, 2 started." in result.out
    assert "appointments-west: the start was accepted, but Dograh's answer to POST " in result.out
    assert "/start is not what this tool reads: id: Field required" in result.out
    assert {c["state"] for c in live if c["name"] != "winback-survey"} <= {"syncing", "running"}


def test_an_update_answered_without_an_id_fails_that_campaign(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    """Not "Apply complete! nothing changed." with exit 0: that campaign's error, exit 1."""
    assert campaigns("apply", "--auto-approve").code == 0
    east = repo / "campaigns.d" / "spring-renewals-east.yaml"
    east.write_text(east.read_text().replace("max_concurrency: 5", "max_concurrency: 4"))
    _answers_without_an_id(sandbox, "PATCH")
    result = campaigns("apply", "--auto-approve")
    assert result.code == 1, result.out + result.err
    assert "Apply complete" not in result.out
    assert "Apply failed for 1 of 1 campaigns. Done: 1 updated." in result.out
    assert re.search(
        r"spring-renewals-east: the update was accepted, but Dograh's answer to PATCH "
        r"/campaign/\d+ is not what this tool reads: id: Field required",
        result.out,
    )
    assert _live_concurrency(sandbox, "spring-renewals-east") == 4


def _live_concurrency(sandbox: SandboxHandle, name: str) -> int:
    live = sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
    return int(next(c["max_concurrency"] for c in live if c["name"] == name))


def test_an_unexpected_exception_in_a_worker_is_a_bug_with_a_crash_log(
    campaigns: Campaigns, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A bug of ours in a worker: exit 3, what was done said first, the traceback in the
    crash log; the other campaigns were still applied."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    real = DograhClient.create_campaign
    calls: list[str] = []

    def create(self: DograhClient, body: Any, *rest: Any) -> Any:
        calls.append(body["name"])
        if body["name"] == "appointments-west":
            raise RuntimeError("a bug of ours")
        return real(self, body, *rest)

    monkeypatch.setattr(DograhClient, "create_campaign", create)
    result = campaigns("apply", "--auto-approve", "--parallelism", "1")
    assert result.code == 3, result.out + result.err
    assert "Apply complete" not in result.out
    assert "Apply stopped by an internal error. Done: 2 created" in result.err
    assert "appointments-west: FAILED: internal error (RuntimeError)" in result.out
    assert "crash" in result.err.lower()
    assert len(calls) == 3


def test_global_options_after_the_command(campaigns: Campaigns) -> None:
    result = campaigns("plan", "-v", "--request-timeout", "5", "--max-response-size=64MiB")
    assert result.code == 0, result.err
    assert "GET /campaign/ -> 200" in result.err
    assert campaigns("plan", "--request-timeout", "0").code == 1


def test_a_saved_plan_with_paths_is_refused(campaigns: Campaigns, repo: Path) -> None:
    assert campaigns("plan", "--out", "plan.json").code == 0
    result = campaigns("apply", "plan.json", "campaigns.d")
    assert result.code == 1
    assert "plan.json is a saved plan, which is applied alone: `campaigns apply plan.json`" in (
        result.err
    )


def _of_format_2(data: dict[str, Any]) -> dict[str, Any]:
    """The plan as format 2 wrote it: places as ``file:line:column`` text."""
    plan = data["plan"]
    changes = [
        {**change, "manifest": "{file}:{line}:{column}".format(**change["manifest"])}
        for change in plan["changes"]
    ]
    assert changes, "the plan has a change whose place is written"
    return {**data, "format_version": 2, "plan": {**plan, "format_version": 2, "changes": changes}}


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda data: {k: v for k, v in data.items() if k != "plan"},
            "plan.json is a damaged plan file: plan: Field required; make the plan again",
        ),
        (lambda data: "{not json", "plan.json is not a plan file: it is not JSON"),
        (
            _of_format_2,
            "plan.json is a plan of another format; this campaigns reads format 3: make the "
            "plan again",
        ),
    ],
    ids=["key-missing", "not-json", "format-2"],
)
def test_a_damaged_plan_file_says_what_is_wrong(
    campaigns: Campaigns, repo: Path, damage: Any, message: str
) -> None:
    assert campaigns("plan", "--out", "plan.json").code == 0
    damaged = damage(json.loads((repo / "plan.json").read_text()))
    text = damaged if isinstance(damaged, str) else json.dumps(damaged)
    (repo / "plan.json").write_text(text)
    result = campaigns("apply", "plan.json")
    assert result.code == 1
    assert message in result.err
    assert "KeyError" not in result.err
