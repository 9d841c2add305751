"""The ``--base`` review finds a held campaign's manifest by what it names, anywhere in
the base tree, read as the manifests are (YAML 1.2): a rename of the file, or a name
that YAML 1.1 would read as a date, a boolean or a number, is not a change that asks
for running, and does not resume a campaign Dograh's breaker paused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dograh_sandbox.testing import SandboxHandle
from tests.commands.conftest import Campaigns, git

MONDAY_MORNING_NEW_YORK = "2026-11-30T15:00:00Z"
"""10:00 in New York: spring-renewals-east's window is open."""


def _live(sandbox: SandboxHandle) -> dict[str, dict[str, Any]]:
    campaigns = sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
    return {c["name"]: c for c in campaigns}


def _running_then_tripped(campaigns: Campaigns, repo: Path, sandbox: SandboxHandle) -> int:
    """The manifests applied and committed; spring-renewals-east paused by the breaker."""
    sandbox.admin.set_clock(MONDAY_MORNING_NEW_YORK)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "campaigns")
    assert campaigns("apply", "--auto-approve").code == 0
    sandbox.admin.advance(1)
    sandbox.admin.set_simulation(failure_rate=1.0)
    sandbox.admin.advance(30)
    sandbox.admin.set_simulation(failure_rate=0.0)
    east = _live(sandbox)["spring-renewals-east"]
    assert east["state"] == "paused"
    return int(east["id"])


def test_a_renamed_manifest_does_not_resume_a_held_campaign(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    east = _running_then_tripped(campaigns, repo, sandbox)
    (repo / "campaigns.d" / "east").mkdir()
    git(repo, "mv", "campaigns.d/spring-renewals-east.yaml", "campaigns.d/east/renewals.yaml")
    moved = repo / "campaigns.d" / "east" / "renewals.yaml"
    moved.write_text(moved.read_text().replace("csv: contacts/", "csv: ../contacts/"))
    result = campaigns("plan", "--base", "HEAD")
    assert result.code == 0, result.out
    assert "will be resumed" not in result.out
    assert f"spring-renewals-east (id {east}): Dograh's circuit breaker paused it" in result.out
    assert (
        "held paused: state: running is not new since HEAD, in "
        "campaigns.d/spring-renewals-east.yaml" in result.out
    )
    # Committed too, and reviewed against the commit before the rename: still held.
    git(repo, "commit", "-qm", "move east")
    sandbox.admin.clear_requests()
    result = campaigns("apply", "--auto-approve", "--base", "HEAD~1")
    assert result.code == 0, result.out
    assert [r for r in sandbox.admin.requests(method="POST") if r.path.endswith("/resume")] == []
    assert _live(sandbox)["spring-renewals-east"]["state"] == "paused"


def test_a_rename_that_also_sets_running_resumes(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    east = _running_then_tripped(campaigns, repo, sandbox)
    old = repo / "campaigns.d" / "spring-renewals-east.yaml"
    old.write_text(old.read_text().replace("state: running", "state: paused"))
    assert campaigns("apply", "--auto-approve").code == 0
    git(repo, "commit", "-qam", "pause east")
    git(repo, "mv", "campaigns.d/spring-renewals-east.yaml", "campaigns.d/renewals.yaml")
    new = repo / "campaigns.d" / "renewals.yaml"
    new.write_text(new.read_text().replace("state: paused", "state: running"))
    result = campaigns("plan", "--base", "HEAD")
    assert result.code == 0, result.out
    assert f"# spring-renewals-east (id {east}) will be resumed" in result.out
    assert (
        "resumed: the change under review sets state: running (state: paused at HEAD, in "
        "campaigns.d/spring-renewals-east.yaml)" in result.out
    )


@pytest.mark.parametrize("name", ["2026-12-01", "no", "on", "12:30"])
def test_a_name_yaml_1_1_would_not_read_as_a_string_is_found_at_the_base(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle, name: str
) -> None:
    manifest = repo / "campaigns.d" / "spring-renewals-east.yaml"
    manifest.write_text(manifest.read_text().replace("name: spring-renewals-east", f"name: {name}"))
    sandbox.admin.set_clock(MONDAY_MORNING_NEW_YORK)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "campaigns")
    assert campaigns("apply", "--auto-approve").code == 0
    sandbox.admin.advance(1)
    sandbox.admin.set_simulation(failure_rate=1.0)
    sandbox.admin.advance(30)
    sandbox.admin.set_simulation(failure_rate=0.0)
    assert _live(sandbox)[name]["state"] == "paused"
    result = campaigns("plan", "--base", "HEAD")
    assert result.code == 0, result.out
    assert "will be resumed" not in result.out
    assert "held paused: state: running is not new since HEAD." in result.out


def test_a_base_manifest_that_cannot_be_read_holds(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    _running_then_tripped(campaigns, repo, sandbox)
    manifest = repo / "campaigns.d" / "spring-renewals-east.yaml"
    good = manifest.read_text()
    manifest.write_text("apiVersion: dograh-campaigns/v1\nkind: Campaign\nmetadata: [unclosed\n")
    git(repo, "commit", "-qam", "broken")
    manifest.write_text(good)
    result = campaigns("plan", "--base", "HEAD")
    assert result.code == 0, result.out
    assert "will be resumed" not in result.out
    assert (
        "held paused: what its manifest said at HEAD cannot be told: "
        "campaigns.d/spring-renewals-east.yaml:4:1: invalid YAML: " in result.out
    )
