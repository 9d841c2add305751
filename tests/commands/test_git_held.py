"""apply runs what git holds: planned manifests and CSVs that are untracked, ignored or
not committed are refused by apply and warned by plan, unless --allow-dirty."""

from __future__ import annotations

import shutil
from pathlib import Path

from dograh_sandbox.testing import SandboxHandle
from tests.commands.conftest import Campaigns, git

EAST = "campaigns.d/spring-renewals-east.yaml"
EAST_CSV = "campaigns.d/contacts/spring-renewals-east.csv"


def _names(sandbox: SandboxHandle) -> list[str]:
    campaigns = sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
    return sorted(c["name"] for c in campaigns)


def _commit(repo: Path) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "campaigns")


def test_untracked_files_are_warned_by_plan_and_refused_by_apply(
    campaigns_from_git: Campaigns, sandbox: SandboxHandle
) -> None:
    result = campaigns_from_git("plan")
    assert result.code == 0, result.out + result.err
    assert (
        f"{EAST}:1:1: warning: not as committed in git (untracked): apply refuses to act on "
        "it unless --allow-dirty" in result.out
    )
    assert f"{EAST_CSV}:1:1: warning: not as committed in git (untracked)" in result.out
    result = campaigns_from_git("apply", "--auto-approve")
    assert result.code == 1
    assert "apply runs what git holds, and 6 planned files are not committed: " in result.err
    assert f"{EAST} (untracked)" in result.err and f"{EAST_CSV} (untracked)" in result.err
    assert _names(sandbox) == []
    assert sandbox.admin.requests(method="POST") == []


def test_committed_files_apply_and_an_edit_is_refused_staged_or_not(
    campaigns_from_git: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    _commit(repo)
    result = campaigns_from_git("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    assert "not as committed" not in result.out
    east = repo / EAST
    east.write_text(east.read_text().replace("max_concurrency: 5", "max_concurrency: 4"))
    result = campaigns_from_git("apply", "--auto-approve")
    assert result.code == 1
    assert f"1 planned file is not committed: {EAST} (modified)." in result.err
    git(repo, "add", EAST)
    result = campaigns_from_git("apply", "--auto-approve")
    assert f"1 planned file is not committed: {EAST} (staged, not committed)." in result.err
    assert sandbox.admin.requests(method="PATCH") == []
    result = campaigns_from_git("apply", "--auto-approve", "--allow-dirty")
    assert result.code == 0, result.out + result.err
    assert len(sandbox.admin.requests(method="PATCH")) == 1


def test_an_ignored_csv_is_refused(
    campaigns_from_git: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    (repo / ".gitignore").write_text("campaigns.d/contacts/\n")
    _commit(repo)
    result = campaigns_from_git("apply", "--auto-approve")
    assert result.code == 1
    assert f"{EAST_CSV} (ignored by git)" in result.err
    assert f"{EAST} (" not in result.err  # the manifests are committed
    assert _names(sandbox) == []


def test_only_the_files_of_planned_changes_are_checked(
    campaigns_from_git: Campaigns, repo: Path
) -> None:
    """A file whose campaign the plan leaves alone may differ from HEAD."""
    _commit(repo)
    assert campaigns_from_git("apply", "--auto-approve").code == 0
    notes = repo / "campaigns.d" / "winback-survey.yaml"
    notes.write_text(notes.read_text() + "# reviewed later\n")
    result = campaigns_from_git("plan")
    assert result.code == 0
    assert "not as committed" not in result.out


def test_outside_a_git_repository_nothing_is_checked(
    campaigns_from_git: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    shutil.rmtree(repo / ".git")
    result = campaigns_from_git("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    assert "not as committed" not in result.out
    assert len(_names(sandbox)) == 3
