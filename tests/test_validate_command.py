"""`campaigns validate` as a user runs it: output, exit codes, formats, colour."""

from __future__ import annotations

import gc
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli, run
from reconciler.commands import validate as validate_command

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: {name}
spec:
  workflow: Renewal reminder
  source:
    csv: contacts.csv
  max_concurrency: {concurrency}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository of manifests, as the working directory."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "campaigns.d").mkdir()
    (tmp_path / "campaigns.d" / "contacts.csv").write_text(
        "phone_number,first_name\n+13125550100,Ada\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write(repo: Path, name: str, text: str) -> None:
    (repo / "campaigns.d" / name).write_text(text, encoding="utf-8")


def test_the_repositorys_own_manifests_are_valid(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    assert run(["validate"]) == 0
    assert capsys.readouterr().out == "3 campaigns in 3 files are valid\n"
    assert run(["validate", "examples/minimal.yaml", "examples/full.yaml"]) == 0
    assert capsys.readouterr().out == "2 campaigns in 2 files are valid\n"
    # examples/github/ holds GitHub workflows: skipped in a scan, and said so.
    assert run(["validate", "examples"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "4 campaigns in 5 files are valid; 3 YAML files skipped: not a manifest"
    )


def test_run_in_process_leaves_the_interpreter_as_it_was(repo: Path) -> None:
    """The batch tuning (no cyclic GC, ``os._exit``) belongs to the console script only:
    a program or a test that calls ``run`` keeps its collector, and gets its code back."""
    _write(repo, "a.yaml", GOOD.format(name="a", concurrency=2))
    assert gc.isenabled()
    assert run(["validate"]) == 0
    assert run(["plan", "--help"]) == 0
    assert gc.isenabled()


def test_errors_of_every_file_are_reported_sorted(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(repo, "b.yaml", GOOD.format(name="b", concurrency=150))
    _write(repo, "a.yaml", GOOD.format(name="a", concurrency=0).replace("kind: Campaign\n", ""))
    _write(repo, "c.yaml", GOOD.format(name="c", concurrency=5))
    assert run(["validate"]) == 1
    assert capsys.readouterr().out == (
        "campaigns.d/a.yaml:1:1: kind: 'kind' is required; this tool supports kind: "
        "Campaign, Policy or Defaults\n"
        "campaigns.d/b.yaml:9:20: spec.max_concurrency: 150 is more than the maximum, 100\n"
        "2 errors in 2 files\n"
    )


def test_one_file_many_documents(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(
        repo,
        "all.yaml",
        GOOD.format(name="one", concurrency=1) + "---\n" + GOOD.format(name="two", concurrency=2),
    )
    assert run(["validate"]) == 0
    assert capsys.readouterr().out == "2 campaigns in 1 file are valid\n"


def test_the_same_name_twice_names_both_places(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(repo, "a.yaml", GOOD.format(name="east", concurrency=1))
    _write(repo, "b.yaml", GOOD.format(name="east", concurrency=2))
    assert run(["validate"]) == 1
    fix = (
        "each campaign needs one manifest: rename one, or, for two live campaigns of this "
        "name (Dograh allows it), pin each manifest to its own with metadata.id (campaigns "
        "status shows the ids)"
    )
    assert capsys.readouterr().out == (
        "campaigns.d/a.yaml:4:9: metadata.name: the campaign name 'east' is also used at "
        f"campaigns.d/b.yaml:4:9; {fix}\n"
        "campaigns.d/b.yaml:4:9: metadata.name: the campaign name 'east' is also used at "
        f"campaigns.d/a.yaml:4:9; {fix}\n"
        "2 errors in 2 files\n"
    )


def test_the_same_pinned_id_twice(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pinned = "  name: {0}\n  id: 42\n"
    _write(
        repo,
        "a.yaml",
        GOOD.format(name="a", concurrency=1).replace("  name: a\n", pinned.format("a")),
    )
    _write(
        repo,
        "b.yaml",
        GOOD.format(name="b", concurrency=1).replace("  name: b\n", pinned.format("b")),
    )
    assert run(["validate"]) == 1
    out = capsys.readouterr().out
    assert (
        "campaigns.d/a.yaml:5:7: metadata.id: the campaign id 42 is also used at "
        "campaigns.d/b.yaml:5:7" in out
    )


def test_one_name_twice_is_valid_when_each_pins_its_campaign(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Dograh allows two campaigns of one name; pinned ids tell their manifests apart."""
    pinned = "  name: east\n  id: {0}\n"
    for file, campaign_id in (("a.yaml", 41), ("b.yaml", 42)):
        text = GOOD.format(name="east", concurrency=1)
        _write(repo, file, text.replace("  name: east\n", pinned.format(campaign_id)))
    assert run(["validate"]) == 0
    assert capsys.readouterr().out == "2 campaigns in 2 files are valid\n"
    # One of them unpinned: its name is its identity again, and it is ambiguous.
    _write(repo, "b.yaml", GOOD.format(name="east", concurrency=1))
    assert run(["validate"]) == 1
    assert "the campaign name 'east' is also used at" in capsys.readouterr().out


def test_csv_problems_name_the_csv_and_its_rows(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "campaigns.d" / "contacts.csv").write_text(
        "phone_number\n5550100\n+15550101\n", encoding="utf-8"
    )
    _write(repo, "a.yaml", GOOD.format(name="a", concurrency=1))
    assert run(["validate"]) == 1
    assert capsys.readouterr().out == (
        "campaigns.d/contacts.csv:2:1: phone numbers must start with '+' and the country "
        "code; row 2 does not\n1 error in 1 file\n"
    )


def test_a_missing_csv_is_reported_at_the_manifest_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(repo, "a.yaml", GOOD.format(name="a", concurrency=1).replace("contacts.csv", "gone.csv"))
    assert run(["validate"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        "campaigns.d/a.yaml:8:10: spec.source.csv: the contacts file 'gone.csv' does not "
        "exist (campaigns.d/gone.csv)"
    )


def test_json_format_is_a_list_of_diagnostics(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(repo, "b.yaml", GOOD.format(name="b", concurrency=150))
    assert run(["validate", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out) == [
        {
            "file": "campaigns.d/b.yaml",
            "line": 9,
            "column": 20,
            "path": "spec.max_concurrency",
            "message": "150 is more than the maximum, 100",
            "severity": "error",
        }
    ]


def test_json_format_when_valid_is_an_empty_list(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(repo, "b.yaml", GOOD.format(name="b", concurrency=1))
    assert run(["validate", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_missing_paths_and_empty_directories(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "empty").mkdir()
    assert run(["validate", "nowhere", "empty"]) == 1
    assert capsys.readouterr().out == (
        "empty:1:1: no manifest files (*.yaml, *.yml) in this directory\n"
        "nowhere:1:1: no such file or directory\n"
        "2 errors in 2 files\n"
    )


def test_run_from_inside_the_manifests_directory_says_where_it_looked(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(repo, "b.yaml", GOOD.format(name="b", concurrency=1))
    monkeypatch.chdir(repo / "campaigns.d")
    assert run(["validate"]) == 1
    assert capsys.readouterr().out == (
        f"campaigns.d:1:1: no such file or directory (looked for {repo}/campaigns.d/campaigns.d);"
        f" it is at '.' from here: run from {repo} (the repository root), or pass the path: "
        "'.'\n"
        "1 error in 1 file\n"
    )
    assert run(["validate", "."]) == 0


def test_a_semicolon_separated_csv_is_named_as_such(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "campaigns.d" / "contacts.csv").write_text(
        "phone_number;first_name\n+15550100;Ada\n", encoding="utf-8"
    )
    _write(repo, "b.yaml", GOOD.format(name="b", concurrency=1))
    assert run(["validate"]) == 1
    out = capsys.readouterr().out
    assert "the separator looks like ';' (semicolon), and Dograh reads commas only" in out


def test_colour_on_a_terminal_and_never_with_no_color(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(repo, "b.yaml", GOOD.format(name="b", concurrency=150))
    runner = CliRunner()
    coloured = runner.invoke(cli, ["validate"], color=True)
    assert "\x1b[" in coloured.output
    plain = runner.invoke(cli, ["--no-color", "validate"], color=True)
    assert "\x1b[" not in plain.output
    assert "150 is more than the maximum, 100" in plain.output
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in runner.invoke(cli, ["validate"], color=True).output


def test_usage_errors_exit_1_not_2(capsys: pytest.CaptureFixture[str]) -> None:
    """2 means "changes present" to CI scripts; a typo in a flag must not look like it."""
    assert run(["validate", "--format", "xml"]) == 1
    assert "Invalid value for '--format'" in capsys.readouterr().err
    assert run(["frobnicate"]) == 1


def test_a_bug_exits_3_with_the_traceback_in_a_file_without_the_key(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "dgr_" + "s" * 32

    def explode(_: object) -> int:
        raise RuntimeError(f"something broke near {secret}")

    monkeypatch.setattr(validate_command, "run_validate", explode)
    assert run(["--api-key", secret, "validate"]) == 3
    err = capsys.readouterr().err
    assert "internal error (RuntimeError)" in err
    assert secret not in err
    log = Path(err.split("written to ")[1].split(":")[0])
    text = log.read_text(encoding="utf-8")
    log.unlink()
    assert "something broke near <redacted>" in text
    assert secret not in text


def test_the_console_script_runs() -> None:
    exe = shutil.which("campaigns", path=str(Path(sys.executable).parent))
    assert exe is not None
    result = subprocess.run(
        [exe, "validate", "campaigns.d"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout) == (0, "3 campaigns in 3 files are valid\n")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("campaigns, version ")


def test_csv_symlinks_are_followed_only_inside_the_repository(
    repo: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.csv"
    outside.write_text("phone_number\n+13125550100\n", encoding="utf-8")
    (repo / "campaigns.d" / "inside.csv").symlink_to(repo / "campaigns.d" / "contacts.csv")
    (repo / "campaigns.d" / "outside.csv").symlink_to(outside)
    (repo / "campaigns.d" / "folder.csv").mkdir()
    _write(
        repo, "a.yaml", GOOD.format(name="a", concurrency=1).replace("contacts.csv", "inside.csv")
    )
    _write(
        repo, "b.yaml", GOOD.format(name="b", concurrency=1).replace("contacts.csv", "outside.csv")
    )
    _write(
        repo, "c.yaml", GOOD.format(name="c", concurrency=1).replace("contacts.csv", "folder.csv")
    )
    assert run(["validate"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(
        "campaigns.d/b.yaml:8:10: spec.source.csv: 'outside.csv' points outside the repository"
    )
    assert out[1] == (
        "campaigns.d/c.yaml:8:10: spec.source.csv: the contacts file 'folder.csv' is a "
        "directory, not a file (campaigns.d/folder.csv)"
    )
    assert out[2] == "2 errors in 2 files"
