"""`plan --out` into a path that cannot hold a file: exit 1 with a
sentence naming the path, before Dograh is read, and nothing left behind: no temporary
file beside the target, no crash log."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from dograh_sandbox.testing import SandboxHandle
from reconciler.errors import UserError
from reconciler.plan import Plan
from reconciler.planfile import SavedPlan, save_plan
from tests.commands.conftest import Campaigns
from tests.permissions import run_held_to_permissions


@pytest.fixture
def crash_logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where a crash log would go: the bug handler writes to the temporary directory."""
    logs = tmp_path / "tmp"
    logs.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(logs))
    return logs


def _everything(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_out_into_a_directory_is_an_error_before_dograh_is_read(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle, crash_logs: Path
) -> None:
    (repo / "plans").mkdir()
    before = _everything(repo)
    for target in ("plans", "plans/", "."):
        result = campaigns("plan", "--out", target)
        assert result.code == 1, result.err
        assert f"Error: --out {target} is a directory; give the plan file's name" in result.err
        assert result.out == ""
    assert _everything(repo) == before
    assert list(crash_logs.iterdir()) == []
    assert sandbox.admin.requests() == []


def test_out_under_a_file_is_an_error(campaigns: Campaigns, repo: Path, crash_logs: Path) -> None:
    (repo / "taken").write_text("", encoding="utf-8")
    result = campaigns("plan", "--out", "taken/plan.json")
    assert result.code == 1
    assert "Error: cannot write the plan file taken/plan.json: taken is not a directory" in (
        result.err
    )
    assert list(crash_logs.iterdir()) == []


def test_manifests_outside_the_directory_are_refused_before_dograh_is_read(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle, crash_logs: Path
) -> None:
    """A plan file holds only paths inside the directory apply runs from: one outside is
    a sentence at the start, not a crash at the end."""
    outside = repo.parent / f"{repo.name}-elsewhere"
    outside.mkdir()
    for path in ("../x", str(outside)):
        result = campaigns("plan", "--out", "plan.json", path)
        assert result.code == 1
        assert f"Error: --out: {path} is outside this directory" in result.err
        assert list(crash_logs.iterdir()) == []
    assert sandbox.admin.requests() == []
    # An absolute path inside it is saved relative, and the plan applies.
    assert campaigns("plan", "--out", "plan.json", str(repo / "campaigns.d")).code == 0
    assert json.loads((repo / "plan.json").read_text())["paths"] == ["campaigns.d"]
    assert campaigns("apply", "plan.json").code == 0


def test_a_failed_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As root, no directory is unwritable: the rename fails instead, as it would on a
    full disk or a read-only mount, and the temporary file is removed."""

    def refuse(self: Path, target: Path) -> Path:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(Path, "replace", refuse)
    with pytest.raises(UserError, match=r"cannot write the plan file .*: Read-only file system"):
        save_plan(str(tmp_path / "plan.json"), SavedPlan(api_url="x", paths=(), plan=Plan()))
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_directory_is_an_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    child = run_held_to_permissions(
        ["--api-url", "http://127.0.0.1:9", "--api-key", "dgr_x", "plan", "--out", "locked/p"],
        tmp_path,
    )
    assert child.returncode == 1, child.stderr
    assert child.stderr == (
        "Error: cannot write the plan file locked/p: the directory locked is not writable\n"
    )
    assert list(locked.iterdir()) == []
