"""The workflows and the action, checked as GitHub and a security reviewer would read them:
GitHub's own schemas (as vendored by check-jsonschema), zizmor's audits (offline), and
the rules of docs/ci.md that neither tool knows: pinned actions, minimal permissions, the
key only in `env:`, no expression inside a script, one apply at a time."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reconciler.render.plan_markdown import MARKER
from tests.ci.runner import ACTION_FILE, CI_FILE, EXAMPLE_FILE, ROOT, load_yaml, triggers

BIN = Path(sys.executable).parent
WORKFLOWS = sorted(
    [
        *(ROOT / ".github" / "workflows").glob("*.y*ml"),
        *(ROOT / "examples" / "github").glob("*.y*ml"),
    ]
)
ZIZMOR_CONFIG = ROOT / ".github" / "zizmor.yml"
PINNED_USES = re.compile(r"^\s*(?:-\s+)?uses:\s+[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(?:\.\d+)*\s*$")


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(arg) for arg in args], capture_output=True, text=True, timeout=120, check=False
    )


def _check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return _run(sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *files)


def _zizmor(*inputs: Path, config: Path | None = ZIZMOR_CONFIG) -> list[dict[str, Any]]:
    options = ["--config", str(config)] if config else ["--no-config"]
    completed = _run(
        BIN / "zizmor", "--offline", "--persona", "auditor", "--format", "json", *options, *inputs
    )
    assert completed.returncode != 1, completed.stderr  # 1: zizmor itself failed
    findings: list[dict[str, Any]] = json.loads(completed.stdout)
    return findings


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_there_are_workflows_to_check() -> None:
    assert CI_FILE in WORKFLOWS and EXAMPLE_FILE in WORKFLOWS


def test_workflows_match_githubs_workflow_schema() -> None:
    completed = _check_jsonschema("vendor.github-workflows", *WORKFLOWS)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_action_matches_githubs_action_schema() -> None:
    completed = _check_jsonschema("vendor.github-actions", ACTION_FILE)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_readme_workflow_matches_githubs_schema(tmp_path: Path) -> None:
    """The README's "Use in CI" section shows the example's essential part: still valid."""
    section = (ROOT / "README.md").read_text().split("\n## Use in CI\n", 1)[1]
    snippet = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    workflow = tmp_path / "readme.yml"
    workflow.write_text(snippet)
    completed = _check_jsonschema("vendor.github-workflows", workflow)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert load_yaml(workflow)["jobs"]["apply"]["concurrency"] == {
        "group": "dograh-campaigns",
        "cancel-in-progress": False,
    }


def test_the_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    assert _check_jsonschema("vendor.github-workflows", broken).returncode == 1


def test_zizmor_finds_nothing_of_medium_or_high_severity() -> None:
    """Under the auditor persona, the strictest; ignored findings are in .github/zizmor.yml
    with their reason."""
    findings = _zizmor(*WORKFLOWS, ACTION_FILE)
    serious = [
        f"{f['ident']} ({f['determinations']['severity']}): {f['desc']} at "
        f"{f['locations'][0]['symbolic']['key']} line "
        f"{f['locations'][0]['concrete']['location']['start_point']['row'] + 1}"
        for f in findings
        if f["determinations"]["severity"] in ("Medium", "High") and not f.get("ignored")
    ]
    assert serious == []


def test_zizmor_runs_offline_and_does_find_template_injection(tmp_path: Path) -> None:
    """The audit above must not pass because zizmor checked nothing."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        '    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n'
    )
    assert "template-injection" in {f["ident"] for f in _zizmor(bad, config=None)}


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION_FILE], ids=lambda p: p.name)
def test_every_action_is_pinned_by_sha_with_its_version(path: Path) -> None:
    lines = [line for line in path.read_text().splitlines() if re.match(r"^\s*(-\s+)?uses:", line)]
    assert lines
    for line in lines:
        if "/dograh-campaigns@" in line:
            continue  # this repository's own action: see test_the_example_pins_this_action
        assert PINNED_USES.match(line), f"{path.name}: {line.strip()} is not pinned by SHA"


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION_FILE], ids=lambda p: p.name)
def test_no_expression_inside_a_script(path: Path) -> None:
    """`${{ }}` in `run:` is pasted into the script before bash reads it: a branch name or
    a manifest could become code. Values go through `env:`."""
    data = load_yaml(path)
    steps = data["runs"]["steps"] if path == ACTION_FILE else _steps(data)
    for step in steps:
        assert "${{" not in step.get("run", ""), f"{path.name}: {step.get('name')}"


def test_checkouts_do_not_keep_the_token() -> None:
    for path in WORKFLOWS:
        for step in _steps(load_yaml(path)):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, path.name


def test_ci_runs_make_test_and_the_schema_check_on_every_supported_python() -> None:
    workflow = load_yaml(CI_FILE)
    assert set(triggers(workflow)) == {"push", "pull_request"}
    assert workflow["permissions"] == {"contents": "read"}
    [job] = workflow["jobs"].values()
    assert job["strategy"]["matrix"]["python-version"] == ["3.10", "3.11", "3.12", "3.13"]
    scripts = [step.get("run", "") for step in job["steps"]]
    assert ".venv/bin/campaigns schema --check" in scripts
    assert scripts[-1] == "make test"


def _matches(pattern: str, path: str) -> bool:
    """GitHub's filter patterns: `*` stays within a directory, `**` crosses them."""
    regex = ""
    at = 0
    while at < len(pattern):
        if pattern.startswith("**/", at):
            regex, at = regex + "(?:.*/)?", at + 3
        elif pattern.startswith("**", at):
            regex, at = regex + ".*", at + 2
        elif pattern[at] == "*":
            regex, at = regex + "[^/]*", at + 1
        else:
            regex, at = regex + re.escape(pattern[at]), at + 1
    return re.fullmatch(regex, path) is not None


def test_the_example_runs_for_manifest_and_csv_changes_only() -> None:
    on = triggers(load_yaml(EXAMPLE_FILE))
    assert set(on) == {"pull_request", "push"}
    assert on["push"]["branches"] == ["main"]
    for event in ("pull_request", "push"):
        patterns = on[event]["paths"]
        for changed in (
            "campaigns.d/east.yaml",
            "campaigns.d/team/west.yml",
            "campaigns.d/contacts/east.csv",
            "contacts/shared.csv",
            ".github/workflows/campaigns.yml",
        ):
            assert any(_matches(p, changed) for p in patterns), f"{event}: {changed}"
        assert not any(_matches(p, "README.md") for p in patterns)


def test_the_example_asks_for_the_least_permissions() -> None:
    workflow = load_yaml(EXAMPLE_FILE)
    assert workflow["permissions"] == {}
    assert workflow["jobs"]["plan"]["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
    }
    assert workflow["jobs"]["apply"]["permissions"] == {"contents": "read"}


def test_the_example_never_runs_two_applies_at_once() -> None:
    apply = load_yaml(EXAMPLE_FILE)["jobs"]["apply"]
    assert apply["concurrency"] == {"group": "dograh-campaigns", "cancel-in-progress": False}
    assert apply["environment"] == "dograh"


def test_the_key_reaches_the_action_through_env_only() -> None:
    text = EXAMPLE_FILE.read_text()
    uses = [line for line in text.splitlines() if "secrets." in line]
    assert uses and all(
        line.strip() == "DOGRAH_API_KEY: ${{ secrets.DOGRAH_API_KEY }}" for line in uses
    )
    for step in _steps(load_yaml(EXAMPLE_FILE)):
        assert "secrets." not in json.dumps(step.get("with", {}))


def test_the_example_pins_this_action_and_passes_only_its_inputs() -> None:
    declared = set(load_yaml(ACTION_FILE)["inputs"])
    ours = [s for s in _steps(load_yaml(EXAMPLE_FILE)) if "/dograh-campaigns@" in s.get("uses", "")]
    assert len(ours) == 2
    for step in ours:
        assert re.fullmatch(r"[\w.-]+/dograh-campaigns@[0-9a-f]{40}", step["uses"])
        assert set(step["with"]) <= declared


def test_the_action_finds_its_comment_by_the_plans_marker() -> None:
    steps = load_yaml(ACTION_FILE)["runs"]["steps"]
    markers = {step["env"]["PLAN_MARKER"] for step in steps if "PLAN_MARKER" in step.get("env", {})}
    assert markers == {MARKER}


def test_the_pre_commit_hook_definition_is_valid() -> None:
    completed = _run(BIN / "pre-commit", "validate-manifest", ROOT / ".pre-commit-hooks.yaml")
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_every_pin_of_this_action_is_the_examples(tmp_path: Path) -> None:
    """The README, docs/ci.md and the example show one convention: the same owner, commit
    and version comment, so a reader copying any of them gets the same action."""
    [pin] = {
        line.split("uses:", 1)[1].strip()
        for line in EXAMPLE_FILE.read_text().splitlines()
        if "/dograh-campaigns@" in line
    }
    assert re.fullmatch(r"dograh-hq/dograh-campaigns@[0-9a-f]{40} # v\d+\.\d+\.\d+", pin)
    commit = pin.split("@", 1)[1].split(" ", 1)[0]
    for path in (ROOT / "README.md", ROOT / "docs" / "ci.md"):
        text = path.read_text()
        assert "OWNER/dograh-campaigns" not in text, path.name
        refs = re.findall(r"[\w.-]+/dograh-campaigns@\S+(?: # v[\d.]+)?", text)
        assert refs, path.name
        for ref in refs:
            assert ref.startswith("dograh-hq/dograh-campaigns@" + commit), (path.name, ref)
            assert ref.endswith(pin.split(" ", 1)[1]), (path.name, ref)


def test_the_required_check_variant_in_the_guide_is_valid(tmp_path: Path) -> None:
    """docs/ci.md's triggers for a required "Plan" check: GitHub's schema, every pull
    request and merge group starts it, and a plan with no manifest changed is skipped by
    its `if:` (which counts as a success), not by a `paths:` filter (which never reports)."""
    section = (
        (ROOT / "docs" / "ci.md").read_text().split("\n## Required checks and merge queues\n", 1)[1]
    )
    snippet = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    workflow = tmp_path / "required.yml"
    workflow.write_text("name: Dograh campaigns\n" + snippet)
    completed = _check_jsonschema("vendor.github-workflows", workflow)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    data = load_yaml(workflow)
    on = triggers(data)
    assert on["pull_request"] is None and "merge_group" in on
    assert on["push"]["paths"] == triggers(load_yaml(EXAMPLE_FILE))["push"]["paths"]
    plan = data["jobs"]["plan"]
    assert plan["name"] == "Plan" and plan["needs"] == "changes"
    assert plan["if"] == "needs.changes.outputs.manifests == 'true'"
    for step in _steps(data):
        assert "${{" not in step.get("run", "")
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"])
