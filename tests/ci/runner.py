"""A small stand-in for the GitHub Actions runner: it runs one job of a workflow file,
and the composite action it uses, step by step, the way the runner does.

What it does as the runner does: the job's and each step's `if:` (with the implicit
`success() &&`); `${{ }}` in `env:` (the workflow's, the job's, the step's), `with:`,
`working-directory:` and input defaults; `shell: bash` as `bash --noprofile --norc -eo
pipefail FILE`; a fresh `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` file per step, read
back into `steps.<id>.outputs` and the job summary; the step's environment built from the
runner's variables, the calling step's `env:` and the step's own; `GITHUB_ACTION_PATH`
for the action's steps; a failed step fails the job and skips the steps after it unless
their `if:` says otherwise. A step that writes to `GITHUB_ENV` or `GITHUB_PATH` fails the
test: the action must leave the job's environment as it found it.

What it does not do, on purpose: it never runs other actions. `actions/checkout` is
skipped (the test has laid out the repository), `actions/setup-python` too (the tests run
on a Python already), `actions/cache` too (a test starts with no cache); and the action's
`install` step is replaced by a link to the test's own virtual environment where the step
would have created one, since installing the
tool and its dependencies from the package index would take far longer than the rest of
the test. Any other `uses:` is an error, so that a new dependency is noticed here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.ci.expressions import Scope, condition, interpolate

ROOT = Path(__file__).resolve().parents[2]
ACTION_FILE = ROOT / "action.yml"
EXAMPLE_FILE = ROOT / "examples" / "github" / "campaigns.yml"
CI_FILE = ROOT / ".github" / "workflows" / "ci.yml"

THIS_ACTION = re.compile(r"^[\w.-]+/dograh-campaigns@[0-9a-f]{40}$")
"""How the example refers to this repository's action: owner/name, pinned by SHA."""
SKIPPED_ACTIONS = ("actions/checkout@", "actions/setup-python@", "actions/cache@")
VENV_DIR_NAME = "dograh-campaigns-venv"
"""Where the action's install step makes its virtual environment, under RUNNER_TEMP."""
STEP_TIMEOUT = 120


def load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def triggers(workflow: Mapping[str, Any]) -> dict[str, Any]:
    """The `on:` mapping (PyYAML reads the bare key `on` as the boolean true)."""
    value = workflow.get("on", workflow.get(True))  # type: ignore[call-overload]
    assert isinstance(value, dict), "triggers must be a mapping of events"
    return value


@dataclass
class StepRun:
    """What one step did."""

    name: str
    step_id: str | None
    outcome: str
    """success, failure or skipped."""
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class JobRun:
    """What one job did: its steps (those of the action included), summary and outputs."""

    job_id: str
    ran: bool
    steps: list[StepRun] = field(default_factory=list)
    summary: str = ""
    action_outputs: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(step.outcome == "failure" for step in self.steps)

    def step(self, step_id: str) -> StepRun:
        return next(step for step in self.steps if step.step_id == step_id)

    def logs(self) -> str:
        """Everything the steps printed, as the job's log would show it."""
        return "\n".join(f"{step.stdout}\n{step.stderr}" for step in self.steps)


@dataclass
class Runner:
    """One job's machine: the workspace (the checked-out repository), a temp directory,
    the base environment and the expression contexts of the event."""

    workspace: Path
    temp: Path
    base_env: dict[str, str]
    github: dict[str, Any]
    secrets: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    matrix: dict[str, str] = field(default_factory=dict)
    """The job's matrix entry, when it has a strategy."""
    summary_parts: list[str] = field(default_factory=list)
    """Each step's GITHUB_STEP_SUMMARY, in order: GitHub shows them joined."""
    step_count: int = 0

    def run_job(self, workflow_file: Path, job_id: str) -> JobRun:
        workflow = load_yaml(workflow_file)
        job = workflow["jobs"][job_id]
        scope = Scope(self._contexts(steps={}))
        result = JobRun(job_id, ran=condition(job.get("if"), scope))
        if not result.ran:
            return result
        steps: dict[str, Any] = {}
        for index, step in enumerate(job["steps"]):
            name = step.get("name") or step.get("uses") or f"step {index}"
            scope = Scope(self._contexts(steps=steps), failed=result.failed)
            if not condition(step.get("if"), scope):
                result.steps.append(StepRun(name, step.get("id"), "skipped"))
                continue
            declared_env = {**workflow.get("env", {}), **job.get("env", {}), **step.get("env", {})}
            step_env = {key: interpolate(str(value), scope) for key, value in declared_env.items()}
            uses = step.get("uses")
            if uses is None:
                run = self._run_script(name, step, scope, step_env, action_path=None)
                result.steps.append(run)
            elif uses.startswith(SKIPPED_ACTIONS):
                result.steps.append(StepRun(name, step.get("id"), "skipped"))
            elif THIS_ACTION.match(uses):
                inputs = {
                    key: interpolate(str(value), scope)
                    for key, value in step.get("with", {}).items()
                }
                outputs = self._run_action(ACTION_FILE, inputs, step_env, result)
                result.action_outputs = outputs
                run = StepRun(name, step.get("id"), "failure" if result.failed else "success")
                run.outputs = outputs
                result.steps.append(run)
            else:
                raise AssertionError(f"the test runner does not know the action {uses!r}")
            if step.get("id"):
                steps[step["id"]] = {"outputs": result.steps[-1].outputs}
        result.summary = "".join(self.summary_parts)
        return result

    def _contexts(
        self, *, steps: Mapping[str, Any], inputs: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        return {
            "github": self.github,
            "secrets": self.secrets,
            "vars": self.variables,
            "matrix": self.matrix,
            "steps": steps,
            "inputs": inputs or {},
            "runner": {"temp": str(self.temp), "os": "Linux"},
        }

    def _run_action(
        self,
        action_file: Path,
        given: Mapping[str, str],
        caller_env: Mapping[str, str],
        job: JobRun,
    ) -> dict[str, str]:
        """A composite action's steps; returns its outputs."""
        action = load_yaml(action_file)
        declared = action.get("inputs", {})
        unknown = set(given) - set(declared)
        assert not unknown, f"the workflow passes inputs the action does not declare: {unknown}"
        base_scope = Scope(self._contexts(steps={}))
        inputs = {
            name: given[name]
            if name in given
            else interpolate(str(spec.get("default", "")), base_scope)
            for name, spec in declared.items()
        }
        steps: dict[str, Any] = {}
        for index, step in enumerate(action["runs"]["steps"]):
            name = step.get("name") or f"action step {index}"
            scope = Scope(self._contexts(steps=steps, inputs=inputs), failed=job.failed)
            if not condition(step.get("if"), scope):
                job.steps.append(StepRun(name, step.get("id"), "skipped"))
                run = job.steps[-1]
            elif step.get("uses"):
                assert step["uses"].startswith(SKIPPED_ACTIONS), f"unknown action {step['uses']}"
                job.steps.append(StepRun(name, step.get("id"), "skipped"))
                run = job.steps[-1]
            elif step.get("id") == "install":
                self._stand_in_for_install()
                run = StepRun(name, "install", "success")
                job.steps.append(run)
            else:
                assert step.get("shell") == "bash", (
                    "every run step of the action must say shell: bash"
                )
                env = {**caller_env}
                env.update(
                    {
                        key: interpolate(str(value), scope)
                        for key, value in step.get("env", {}).items()
                    }
                )
                run = self._run_script(name, step, scope, env, action_path=action_file.parent)
                job.steps.append(run)
            if step.get("id"):
                steps[step["id"]] = {
                    "outputs": run.outputs,
                    "outcome": run.outcome,
                    "conclusion": run.outcome,
                }
        scope = Scope(self._contexts(steps=steps, inputs=inputs), failed=job.failed)
        return {
            name: interpolate(str(spec["value"]), scope)
            for name, spec in action.get("outputs", {}).items()
        }

    def _stand_in_for_install(self) -> None:
        venv = self.temp / VENV_DIR_NAME
        if not venv.exists():
            venv.symlink_to(Path(sys.prefix), target_is_directory=True)

    def _run_script(
        self,
        name: str,
        step: Mapping[str, Any],
        scope: Scope,
        step_env: Mapping[str, str],
        *,
        action_path: Path | None,
    ) -> StepRun:
        self.step_count += 1
        files = self.temp / "_runner_file_commands" / str(self.step_count)
        files.mkdir(parents=True)
        output_file, summary_file = files / "output", files / "summary"
        env_file, path_file = files / "env", files / "path"
        for path in (output_file, summary_file, env_file, path_file):
            path.touch()
        script = files / "script.sh"
        script.write_text(str(step["run"]), encoding="utf-8")
        env = {
            **self.base_env,
            **step_env,
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
            "GITHUB_ENV": str(env_file),
            "GITHUB_PATH": str(path_file),
        }
        if action_path is not None:
            env["GITHUB_ACTION_PATH"] = str(action_path)
        workdir = self.workspace / interpolate(str(step.get("working-directory", ".")), scope)
        completed = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
        assert env_file.read_text() == "", f"{name} wrote to GITHUB_ENV"
        assert path_file.read_text() == "", f"{name} wrote to GITHUB_PATH"
        run = StepRun(
            name,
            step.get("id"),
            "success" if completed.returncode == 0 else "failure",
            completed.returncode,
            completed.stdout,
            completed.stderr,
            parse_outputs(output_file.read_text(encoding="utf-8")),
        )
        self.summary_parts.append(summary_file.read_text(encoding="utf-8"))
        return run


def parse_outputs(text: str) -> dict[str, str]:
    """`name=value` lines and `name<<DELIMITER` blocks, as the runner reads GITHUB_OUTPUT."""
    outputs: dict[str, str] = {}
    lines = text.splitlines()
    at = 0
    while at < len(lines):
        line = lines[at]
        at += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            block: list[str] = []
            while lines[at] != delimiter:
                block.append(lines[at])
                at += 1
            at += 1
            outputs[key] = "\n".join(block)
        else:
            key, value = line.split("=", 1)
            outputs[key] = value
    return outputs


def runner_env(
    *, workspace: Path, temp: Path, home: Path, path_prefix: list[Path], github: Mapping[str, Any]
) -> dict[str, str]:
    """The variables a GitHub-hosted runner sets for every step, and no others from this
    process: a key or URL in the test's own environment must not reach the scripts."""
    return {
        "PATH": os.pathsep.join([*map(str, path_prefix), os.environ.get("PATH", "/usr/bin:/bin")]),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_REPOSITORY": str(github["repository"]),
        "GITHUB_EVENT_NAME": str(github["event_name"]),
        "GITHUB_REF": str(github["ref"]),
        "GITHUB_REF_NAME": str(github["ref_name"]),
        "GITHUB_SERVER_URL": str(github["server_url"]),
        "GITHUB_RUN_ID": str(github["run_id"]),
        "RUNNER_TEMP": str(temp),
        "RUNNER_OS": "Linux",
    }
