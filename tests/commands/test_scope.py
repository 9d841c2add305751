"""A plan of some of the repository's manifests (a file, a sub-folder, the Action's
``path:``) touches only their campaigns: the others, managed by manifests elsewhere in
the repository, are out of scope, counted, and never paused as "gone". A campaign that
no manifest of the repository names any more is still paused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from dograh_sandbox.testing import SandboxHandle
from reconciler import scope
from tests.commands.conftest import Campaigns

MONDAY_MORNING_NEW_YORK = "2026-11-30T15:00:00Z"
"""10:00 in New York, 07:00 in Los Angeles: spring-renewals-east's window is open."""

OUT_OF_SCOPE = (
    "2 campaigns managed by manifests outside the given paths are out of scope: not changed."
)


def _live(sandbox: SandboxHandle) -> dict[str, dict[str, Any]]:
    campaigns = sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
    return {c["name"]: c for c in campaigns}


def _pauses(sandbox: SandboxHandle) -> list[Any]:
    return [r for r in sandbox.admin.requests(method="POST") if r.path.endswith("/pause")]


def _applied(campaigns: Campaigns, sandbox: SandboxHandle) -> None:
    sandbox.admin.set_clock(MONDAY_MORNING_NEW_YORK)
    assert campaigns("apply", "--auto-approve").code == 0
    sandbox.admin.advance(1)  # the syncs end: running
    live = _live(sandbox)
    assert live["spring-renewals-east"]["state"] == "running"
    assert live["appointments-west"]["state"] in ("running", "created", "syncing")


def test_a_plan_of_one_file_leaves_the_other_campaigns_alone(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    _applied(campaigns, sandbox)
    result = campaigns("plan", "campaigns.d/winback-survey.yaml")
    assert result.code == 0, result.out
    assert "will be paused" not in result.out
    assert "its manifest is gone" not in result.out
    assert OUT_OF_SCOPE in result.out
    assert "not managed by any manifest" not in result.out
    markdown = campaigns("plan", "--format", "markdown", "campaigns.d/winback-survey.yaml")
    assert OUT_OF_SCOPE in markdown.out
    plan = json.loads(campaigns("plan", "--format", "json", "campaigns.d/winback-survey.yaml").out)
    assert sorted(c["name"] for c in plan["out_of_scope"]) == [
        "appointments-west",
        "spring-renewals-east",
    ]
    assert plan["summary"]["out_of_scope"] == 2
    assert plan["changes"] == [] and plan["unmanaged"] == []
    # And apply of that file pauses nothing.
    sandbox.admin.clear_requests()
    result = campaigns("apply", "--auto-approve", "campaigns.d/winback-survey.yaml")
    assert result.code == 0, result.out
    assert _pauses(sandbox) == []
    assert _live(sandbox)["spring-renewals-east"]["state"] == "running"


def test_a_sub_folder_is_a_scope_too(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    _applied(campaigns, sandbox)
    (repo / "campaigns.d" / "west").mkdir()
    old = repo / "campaigns.d" / "appointments-west.yaml"
    new = repo / "campaigns.d" / "west" / "appointments-west.yaml"
    new.write_text(old.read_text().replace("csv: contacts/", "csv: ../contacts/"))
    old.unlink()
    result = campaigns("plan", "campaigns.d/west")
    assert result.code == 0, result.out
    assert "will be paused" not in result.out
    assert OUT_OF_SCOPE in result.out
    result = campaigns("plan", "campaigns.d")  # the whole tree: the move is no change
    assert "No changes" in result.out, result.out
    assert "out of scope" not in result.out


def test_a_campaign_no_manifest_of_the_repository_names_is_still_paused(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    _applied(campaigns, sandbox)
    east = _live(sandbox)["spring-renewals-east"]["id"]
    (repo / "campaigns.d" / "spring-renewals-east.yaml").unlink()
    result = campaigns("plan", "campaigns.d/winback-survey.yaml")
    assert result.code == 0, result.out
    assert f"# spring-renewals-east (id {east}) will be paused" in result.out
    assert "its manifest is gone" in result.out
    assert (
        "1 campaign managed by manifests outside the given paths is out of scope: not changed."
        in result.out
    )


def test_a_manifest_elsewhere_that_cannot_be_read_pauses_nothing(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    _applied(campaigns, sandbox)
    (repo / "campaigns.d" / "spring-renewals-east.yaml").write_text(
        "apiVersion: dograh-campaigns/v1\nkind: Campaign\nmetadata: [unclosed\n"
    )
    result = campaigns("plan", "campaigns.d/winback-survey.yaml")
    assert result.code == 0, result.out
    assert "will be paused" not in result.out
    assert (
        "campaigns.d/spring-renewals-east.yaml:4:1: warning: outside the given paths, this "
        "manifest cannot be read (invalid YAML: " in result.out
    )
    assert "so no campaign is paused as gone in this plan" in result.out


def test_a_name_a_manifest_elsewhere_uses_is_the_same_error_as_in_the_whole(
    campaigns: Campaigns, repo: Path
) -> None:
    (repo / "other").mkdir()
    winback = (repo / "campaigns.d" / "winback-survey.yaml").read_text()
    (repo / "other" / "copy.yaml").write_text(
        winback.replace("csv: contacts/", "csv: ../campaigns.d/contacts/")
    )
    result = campaigns("plan", "other")
    assert result.code == 1
    assert (
        "other/copy.yaml:7:9: error: metadata.name: the campaign name 'winback-survey' is also "
        "used at campaigns.d/winback-survey.yaml:7:9; each campaign needs one manifest"
        in result.out
    )
    assert "campaigns.d/winback-survey.yaml:7:9: error" not in result.out


def test_import_into_another_folder_leaves_the_campaigns_of_the_repository_alone(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    _applied(campaigns, sandbox)
    result = campaigns("import", "--dir", "imported")
    assert result.code == 0, result.out + result.err
    assert "Nothing to import" in result.out
    assert not (repo / "imported").exists()


def test_outside_git_a_directory_too_large_to_search_pauses_nothing(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.rmtree(repo / ".git")
    _applied(campaigns, sandbox)
    (repo / "campaigns.d" / "spring-renewals-east.yaml").unlink()
    result = campaigns("plan", "campaigns.d/winback-survey.yaml")
    assert "# spring-renewals-east" in result.out  # gone: no manifest of the directory has it
    monkeypatch.setattr(scope, "MAX_DIRECTORIES", 1)
    result = campaigns("plan", "campaigns.d/winback-survey.yaml")
    assert result.code == 0, result.out
    assert "will be paused" not in result.out
    assert (
        ".:1:1: warning: not a git repository, and more than 1 folders to search for the manifests "
        "outside the given paths: they were not all read, so no campaign is paused as gone"
        in result.out
    )


@pytest.mark.parametrize("paths", [(), ("campaigns.d/winback-survey.yaml",)])
def test_a_campaign_another_manifest_pins_is_not_created_again(
    campaigns: Campaigns, sandbox: SandboxHandle, repo: Path, paths: tuple[str, ...]
) -> None:
    """Which manifest owns a campaign cannot be told when one pins it (to rename it) and
    another would match it by name: a conflict, never a second campaign of the same
    contacts."""
    assert campaigns("apply", "--auto-approve").code == 0
    winback = _live(sandbox)["winback-survey"]["id"]
    text = (repo / "campaigns.d/winback-survey.yaml").read_text(encoding="utf-8")
    pinned = text.replace("name: winback-survey", f"name: winback-renamed\n  id: {winback}")
    (repo / "elsewhere").mkdir()
    (repo / "elsewhere/winback.yaml").write_text(
        pinned.replace("contacts/winback-survey.csv", "../campaigns.d/contacts/winback-survey.csv")
    )
    sandbox.admin.clear_requests()
    result = campaigns("plan", *paths)
    assert result.code == 1, result.out
    assert (
        f"the live campaign named 'winback-survey' (id {winback}) was created from this "
        "repository, and another manifest pins it with metadata.id" in result.out
    )
    assert "will be created" not in result.out
    assert sandbox.admin.requests(method="POST") == []
