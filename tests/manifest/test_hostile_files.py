"""Files a pull request can put where manifests are read: FIFOs and devices, links out
of the repository, unreadable directories, names in any case or not in UTF-8, YAML
that is not a manifest. Each ends with exit 1 or a warning and a sentence that
names the path and the problem. Nothing here needs Dograh: broken manifests are
reported by ``plan`` without a key, as by ``validate``.

The tests run as root in CI's container, and root reads a ``chmod 000`` directory
anyway. The unreadable directory is therefore tested twice: by the tool in a child
process held to permissions (tests/permissions.py), and through an ``os.scandir`` that
raises PermissionError, the fault itself, which needs no privilege to set up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.cli import run
from reconciler.manifest import load
from reconciler.planner.run import validate_paths
from tests.permissions import run_held_to_permissions

MANIFEST = """\
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: {name}
spec:
  workflow: Renewal reminder
  source:
    csv: {csv}
"""

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository as the working directory, with one valid manifest and its CSV."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "campaigns.d").mkdir()
    (root / "campaigns.d" / "c.csv").write_text("phone_number\n+13125550100\n", encoding="utf-8")
    _manifest(root, "ok.yaml", "ok")
    monkeypatch.chdir(root)
    monkeypatch.delenv("DOGRAH_API_KEY", raising=False)
    return root


@pytest.fixture
def campaigns(capsys: pytest.CaptureFixture[str]) -> Run:
    def invoke(*args: str) -> tuple[int, str, str]:
        code = run(["--no-color", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def _manifest(root: Path, name: str, campaign: str, csv: str = "c.csv") -> Path:
    path = root / "campaigns.d" / name
    path.write_text(MANIFEST.format(name=campaign, csv=csv), encoding="utf-8")
    return path


def _lines(out: str) -> list[str]:
    return out.splitlines()


# FIFOs and devices are refused unread, never waited on.


@pytest.mark.timeout(10)
def test_a_fifo_named_like_a_manifest_is_refused_not_waited_on(repo: Path, campaigns: Run) -> None:
    os.mkfifo(repo / "campaigns.d" / "x.yaml")
    code, out, _ = campaigns("validate")
    assert code == 1
    assert "campaigns.d/x.yaml:1:1: the manifest is a FIFO, not a regular file" in out
    code, out, _ = campaigns("validate", "campaigns.d/x.yaml")
    assert (code, _lines(out)[0]) == (
        1,
        "campaigns.d/x.yaml:1:1: the manifest is a FIFO, not a regular file; only files are read",
    )
    code, out, _ = campaigns("plan")  # no key: the manifests' problems come first
    assert code == 1
    assert "campaigns.d/x.yaml:1:1: error: the manifest is a FIFO, not a regular file" in out


@pytest.mark.timeout(10)
def test_a_csv_that_is_a_fifo_is_refused_at_the_manifests_line(repo: Path, campaigns: Run) -> None:
    os.mkfifo(repo / "campaigns.d" / "pipe.csv")
    _manifest(repo, "ok.yaml", "ok", csv="pipe.csv")
    code, out, _ = campaigns("validate")
    assert (code, _lines(out)[0]) == (
        1,
        "campaigns.d/ok.yaml:8:10: spec.source.csv: the contacts file 'pipe.csv' is a FIFO, "
        "not a regular file (campaigns.d/pipe.csv)",
    )


def test_a_fifo_swapped_in_after_the_scan_is_refused_by_the_read(repo: Path) -> None:
    """The scan's type is a hint; fstat on the open descriptor decides."""
    fifo = repo / "campaigns.d" / "late.yaml"
    os.mkfifo(fifo)
    loaded = load.load_files([load.ScannedPath(fifo)])
    assert loaded.manifests == []
    assert [d.message for d in loaded.diagnostics] == [
        "the manifest is a FIFO, not a regular file; only files are read"
    ]


@pytest.mark.timeout(20)
def test_dev_stdin_as_a_manifest_ends_whatever_stdin_is(repo: Path) -> None:
    """Named on the command line with stdin a pipe nobody writes to (the CI case), and as
    a link in the repository: both end at once with exit 1."""
    (repo / "campaigns.d" / "stdin.yaml").symlink_to("/dev/stdin")
    for args in (["/dev/stdin"], ["campaigns.d"]):
        child = subprocess.run(
            [sys.executable, "-m", "reconciler", "--no-color", "validate", *args],
            stdin=subprocess.PIPE,
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        )
        assert child.returncode == 1, child.stderr
        if args == ["/dev/stdin"]:
            assert "/dev/stdin:1:1: the manifest is a FIFO, not a regular file" in child.stdout
        else:
            assert "campaigns.d/stdin.yaml:1:1: a symbolic link to a file outside the " in (
                child.stdout
            )


# A manifest link out of the repository is refused, and its content never shown.


def test_a_manifest_link_out_of_the_repository_is_refused_unread(
    repo: Path, tmp_path: Path, campaigns: Run
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.yaml"
    secret.write_text("token: TOP-SECRET-VALUE\n", encoding="utf-8")
    (repo / "campaigns.d" / "leak.yaml").symlink_to(secret)
    (repo / "campaigns.d" / "elsewhere").symlink_to(outside)
    inside = repo / "shared"
    inside.mkdir()
    _manifest(repo, "x.yaml", "linked").rename(inside / "linked.yaml")
    (inside / "c.csv").write_text("phone_number\n+13125550101\n", encoding="utf-8")
    (repo / "campaigns.d" / "linked.yaml").symlink_to(inside / "linked.yaml")
    real = os.path.realpath(repo)
    for command in ("validate", "plan"):
        for args in ([], ["campaigns.d/leak.yaml"]):
            code, out, err = campaigns(command, *args)
            assert code == 1
            assert "TOP-SECRET-VALUE" not in out + err
            label = " error:" if command == "plan" else ""
            assert (
                f"campaigns.d/leak.yaml:1:1:{label} a symbolic link to a file outside the "
                f"repository ({real}); keep manifests inside it: it was not read" in out
            )
        code, out, _ = campaigns("plan", "--format", "markdown")
        assert "TOP-SECRET-VALUE" not in out
    code, out, _ = campaigns("validate")
    assert "campaigns.d/elsewhere:1:1: a symbolic link to a directory outside the repository" in (
        out
    )
    # A link that stays inside the repository is followed, as for CSVs.
    assert "linked.yaml" not in out
    assert _lines(out)[-1] == "2 errors in 2 files"


def test_a_linked_directory_inside_the_repository_is_searched_once(repo: Path) -> None:
    (repo / "campaigns.d" / "loop").symlink_to(repo / "campaigns.d")
    files, problems = load.find_manifest_files(["campaigns.d"])
    assert problems == []
    assert [str(f) for f in files] == ["campaigns.d/ok.yaml"]


def test_a_link_to_another_checkout_does_not_become_the_repository(
    repo: Path, tmp_path: Path
) -> None:
    """A link in the repository to another git checkout of the machine: the search for
    ``.git`` passes over links, so the other checkout is outside, not a repository."""
    other = tmp_path / "other-checkout"
    (other / ".git").mkdir(parents=True)
    _manifest(repo, "x.yaml", "theirs").rename(other / "theirs.yaml")
    (repo / "campaigns.d" / "other").symlink_to(other)
    files, problems = load.find_manifest_files(["campaigns.d/other/theirs.yaml"])
    assert files == []
    assert [p.message.split(" (")[0] for p in problems] == [
        "a symbolic link to a file outside the repository"
    ]


# An unreadable directory is named; *.YAML is a manifest; a name that is not
# UTF-8 is reported in validate and plan, not a crash.


def test_an_unreadable_directory_is_an_error_naming_it(
    repo: Path, campaigns: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = repo / "campaigns.d" / "locked"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, out, _ = campaigns("validate")
    assert (code, _lines(out)) == (
        1,
        [
            "campaigns.d/locked:1:1: cannot read this directory (Permission denied): the "
            "manifests in it were not checked",
            "1 error in 1 file",
        ],
    )


@pytest.mark.timeout(30)
def test_an_unreadable_directory_for_real(repo: Path) -> None:
    locked = repo / "campaigns.d" / "locked"
    locked.mkdir()
    _manifest(repo, "x.yaml", "hidden").rename(locked / "hidden.yaml")
    locked.chmod(0)
    try:
        child = run_held_to_permissions(["validate"], repo)
    finally:
        locked.chmod(0o755)
    assert child.returncode == 1, child.stderr
    assert child.stdout.splitlines() == [
        "campaigns.d/locked:1:1: cannot read this directory (Permission denied): the "
        "manifests in it were not checked",
        "1 error in 1 file",
    ]


def test_upper_case_suffixes_are_manifests_in_scans_and_never_plan_files(
    repo: Path, campaigns: Run
) -> None:
    _manifest(repo, "EAST.YAML", "east")
    _manifest(repo, "West.Yml", "west")
    code, out, _ = campaigns("validate")
    assert (code, out) == (0, "3 campaigns in 3 files are valid\n")
    # Read as manifests (valid ones), apply goes on to ask for the key it needs: neither
    # is a saved plan (which is read as JSON, and applied alone).
    for targets in (["campaigns.d/EAST.YAML"], ["campaigns.d/EAST.YAML", "campaigns.d/West.Yml"]):
        code, _, err = campaigns("apply", *targets)
        assert code == 1
        assert "no Dograh API key" in err
        assert "plan" not in err


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_reported_not_a_crash(repo: Path, campaigns: Run) -> None:
    raw = os.fsencode(repo / "campaigns.d") + b"/caf\xe9.yaml"
    descriptor = os.open(raw, os.O_WRONLY | os.O_CREAT, 0o644)  # pathlib cannot name it
    os.write(descriptor, MANIFEST.format(name="cafe", csv="c.csv").encode())
    os.close(descriptor)
    message = (
        "campaigns.d/caf\\xe9.yaml:1:1: {}the file name is not valid UTF-8 (its other bytes "
        "are shown as \\xNN); rename it: it was not read"
    )
    code, out, _ = campaigns("validate")
    assert (code, _lines(out)) == (1, [message.format(""), "1 error in 1 file"])
    code, out, _ = campaigns("validate", os.fsdecode(raw))  # named, by its absolute path
    assert (code, _lines(out)) == (1, [message.format(""), "1 error in 1 file"])
    code, out, _ = campaigns("plan")
    assert (code, _lines(out)[0]) == (1, message.format("error: "))
    for output_format in ("json", "markdown"):
        code, out, _ = campaigns("plan", "--format", output_format)
        assert code == 1
        assert "caf\\\\xe9.yaml" in out if output_format == "json" else "caf\\xe9.yaml" in out
    code, out, _ = campaigns("validate", "--format", "json")
    assert json.loads(out)[0]["file"] == "campaigns.d/caf\\xe9.yaml"


# A YAML file that is not a manifest is skipped in a scan, and said so.


def test_a_yaml_file_that_is_no_manifest_is_skipped_in_a_scan(repo: Path, campaigns: Run) -> None:
    workflow = repo / "campaigns.d" / "ci.yml"
    workflow.write_text("name: CI\non: push\njobs: {}\n", encoding="utf-8")
    code, out, _ = campaigns("validate")
    assert (code, _lines(out)) == (
        0,
        [
            "campaigns.d/ci.yml:1:1: warning: skipped: not a campaign manifest (no document "
            "has apiVersion, kind, metadata or spec at its top level); name the file to check "
            "it anyway",
            "1 campaign in 1 file is valid; 1 YAML file skipped: not a manifest",
        ],
    )
    code, out, _ = campaigns("validate", "campaigns.d/ci.yml")  # named: checked
    assert code == 1
    assert "campaigns.d/ci.yml:1:1: apiVersion: 'apiVersion' is required" in out
    # One that looks like a manifest, or does not parse, is not skipped.
    workflow.write_text("metadata: {name: x}\n", encoding="utf-8")
    assert campaigns("validate")[0] == 1
    workflow.write_text("on: [push\n", encoding="utf-8")
    code, out, _ = campaigns("validate")
    assert (code, "invalid YAML" in out) == (1, True)


def test_validate_examples_reads_the_manifests_and_skips_the_workflow(
    monkeypatch: pytest.MonkeyPatch, campaigns: Run
) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    code, out, _ = campaigns("validate", "examples")
    assert (code, _lines(out)[-1]) == (
        0,
        "4 campaigns in 5 files are valid; 3 YAML files skipped: not a manifest",
    )
    assert _lines(out)[0].startswith("examples/github/campaigns.yml:1:1: warning: skipped:")
    assert _lines(out)[1].startswith("examples/github/drift.yml:1:1: warning: skipped:")


def test_the_pipeline_counts_skipped_files_apart(repo: Path) -> None:
    (repo / "campaigns.d" / "other.yaml").write_text("", encoding="utf-8")
    result = validate_paths(["campaigns.d"])
    assert (result.manifests, result.files, result.ok) == (1, 2, True)
    assert [d.severity for d in result.diagnostics] == ["warning"]
