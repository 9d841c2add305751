"""The example workflow, run as a runner would run it, against the sandbox: so that what
users copy keeps working as the tool changes.

The scripts are read from examples/github/campaigns.yml and action.yml themselves (see
tests/ci/runner.py for what the stand-in runner does and skips). The repository is a copy
of this project's campaigns.d/, the Dograh is the sandbox fixture, and `gh` is a stub
that keeps the pull request's comments.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dograh_sandbox.testing import SandboxHandle
from reconciler.render.plan_markdown import MARKER
from tests.ci.gh_stub import GhStub
from tests.ci.runner import EXAMPLE_FILE, ROOT, JobRun, Runner, runner_env

PULL_REQUEST = 7
REPOSITORY = "acme/campaigns"
TOKEN = "ghs_stub_token_for_tests"
OTHER_COMMENTS = [
    {"id": 11, "body": "Looks good to me.", "user": {"login": "reviewer"}},
    {"id": 12, "body": f"Quoting the bot:\n> {MARKER}", "user": {"login": "reviewer"}},
    {"id": 13, "body": "Will this call the west coast too?", "user": {"login": "ops"}},
]
"""Comments that are not the plan's, one of them mentioning the marker: never edited."""
EAST = "campaigns.d/spring-renewals-east.yaml"


@dataclass
class Workspace:
    """A repository of manifests, the sandbox it plans against, and the stub `gh`."""

    repo: Path
    root: Path
    sandbox: SandboxHandle
    gh: GhStub
    runs: int = 0

    def run(self, event: str, *, api_key: str | None = None) -> dict[str, JobRun]:
        """Every job of the example for one event, each on a fresh runner."""
        self.runs += 1
        github = _github_context(event, self.runs)
        jobs = {}
        for job_id in ("plan", "apply"):
            temp = self.root / f"run{self.runs}-{job_id}"
            (temp / "home").mkdir(parents=True)
            runner = Runner(
                workspace=self.repo,
                temp=temp,
                base_env=runner_env(
                    workspace=self.repo,
                    temp=temp,
                    home=temp / "home",
                    path_prefix=[self.gh.bin_dir],
                    github=github,
                ),
                github=github,
                secrets={"DOGRAH_API_KEY": api_key or self.sandbox.api_key},
                variables={"DOGRAH_API_URL": self.sandbox.url},
            )
            jobs[job_id] = runner.run_job(EXAMPLE_FILE, job_id)
        return jobs

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.repo / relative
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
        _commit(self.repo, f"edit {relative}")  # a workflow runs on a commit

    def plan_comments(self) -> list[dict[str, Any]]:
        return [c for c in self.gh.comments(PULL_REQUEST) if c["body"].startswith(MARKER)]

    def everything_printed(self, *jobs: JobRun) -> str:
        """All the text a person or GitHub could see: logs, summaries, outputs, comments,
        the calls to gh, and the files the outputs point at."""
        parts = [json.dumps(self.gh.state())]
        for job in jobs:
            parts += [job.logs(), job.summary, json.dumps(job.action_outputs)]
            for name in ("plan-file", "markdown-file"):
                if job.action_outputs.get(name):
                    parts.append(Path(job.action_outputs[name]).read_text(encoding="utf-8"))
        return "\n".join(parts)


def _github_context(event: str, run: int) -> dict[str, Any]:
    common = {
        "event_name": event,
        "repository": REPOSITORY,
        "server_url": "https://github.com",
        "run_id": str(1000 + run),
        "token": TOKEN,
    }
    if event == "pull_request":
        return {
            **common,
            "ref": f"refs/pull/{PULL_REQUEST}/merge",
            "ref_name": f"{PULL_REQUEST}/merge",
            "event": {
                "pull_request": {"number": PULL_REQUEST},
                "repository": {"default_branch": "main"},
            },
        }
    return {
        **common,
        "ref": "refs/heads/main",
        "ref_name": "main",
        "event": {"repository": {"default_branch": "main"}},
    }


def _commit(repo: Path, message: str) -> None:
    for args in (("add", "-A"), ("commit", "--quiet", "-m", message)):
        subprocess.run(
            [
                "git",
                "-C",
                str(repo),
                "-c",
                "user.name=CI",
                "-c",
                "user.email=ci@example.com",
                *args,
            ],
            check=True,
        )


@pytest.fixture
def workspace(tmp_path: Path, sandbox: SandboxHandle) -> Workspace:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "--quiet", str(repo)], check=True)
    shutil.copytree(ROOT / "campaigns.d", repo / "campaigns.d")
    _commit(repo, "campaigns")  # a checkout: apply runs what git holds
    gh = GhStub.install(tmp_path / "gh", {str(PULL_REQUEST): [dict(c) for c in OTHER_COMMENTS]})
    return Workspace(repo, tmp_path, sandbox, gh)


def _live_campaigns(sandbox: SandboxHandle) -> list[dict[str, Any]]:
    response = sandbox.request("GET", "/api/v1/campaign/")
    response.raise_for_status()
    body = response.json()
    campaigns: list[dict[str, Any]] = body["campaigns"] if isinstance(body, dict) else body
    return campaigns


def test_pull_request_plan_is_one_comment_edited_in_place(workspace: Workspace) -> None:
    first = workspace.run("pull_request")
    plan = first["plan"]
    assert not first["apply"].ran, "the apply job must not run for a pull request"
    assert plan.ran and not plan.failed, plan.logs()
    assert plan.action_outputs["exit-code"] == "2"
    assert plan.action_outputs["has-changes"] == "true"
    assert Path(plan.action_outputs["plan-file"]).is_file()
    markdown = Path(plan.action_outputs["markdown-file"]).read_text(encoding="utf-8")
    assert markdown.startswith(MARKER + "\n")
    assert "**Plan: 3 to create, 0 to update, 2 to start, 0 to pause, 0 to resume.**" in markdown
    assert markdown in plan.summary
    [comment] = workspace.plan_comments()
    assert comment["body"] == markdown
    assert plan.action_outputs["comment-id"] == str(comment["id"])
    posts = [call for call in workspace.gh.calls() if "POST" in call["args"]]
    assert len(posts) == 1 and all(call["token"] for call in workspace.gh.calls())

    workspace.edit(EAST, "max_concurrency: 5", "max_concurrency: 6")
    second = workspace.run("pull_request")["plan"]
    assert not second.failed, second.logs()
    assert second.action_outputs["exit-code"] == "2"
    [edited] = workspace.plan_comments()
    assert edited["id"] == comment["id"]
    assert "max_concurrency = 6" in edited["body"] and "max_concurrency = 5" not in edited["body"]
    patches = [call for call in workspace.gh.calls() if "PATCH" in call["args"]]
    assert [call["args"][3] for call in patches] == [
        f"repos/{REPOSITORY}/issues/comments/{comment['id']}"
    ]
    assert len([call for call in workspace.gh.calls() if "POST" in call["args"]]) == 1
    others = [c for c in workspace.gh.comments(PULL_REQUEST) if c["id"] != comment["id"]]
    assert others == OTHER_COMMENTS
    assert workspace.sandbox.api_key not in workspace.everything_printed(plan, second)
    assert _live_campaigns(workspace.sandbox) == [], "a plan must change nothing"


def test_push_to_the_default_branch_applies_and_converges(workspace: Workspace) -> None:
    jobs = workspace.run("push")
    apply = jobs["apply"]
    assert not jobs["plan"].ran, "the plan job must not run for a push"
    assert apply.ran and not apply.failed, apply.logs()
    assert apply.action_outputs["exit-code"] == "0"
    assert "Apply complete! 3 created, 2 started." in apply.summary
    names = sorted(c["name"] for c in _live_campaigns(workspace.sandbox))
    assert names == ["appointments-west", "spring-renewals-east", "winback-survey"]

    again = workspace.run("pull_request")["plan"]
    assert not again.failed, again.logs()
    assert again.action_outputs["exit-code"] == "0"
    assert again.action_outputs["has-changes"] == "false"
    [comment] = workspace.plan_comments()
    assert "No changes. Live campaigns match the manifests." in comment["body"]
    assert workspace.sandbox.api_key not in workspace.everything_printed(apply, again)


def test_invalid_manifest_fails_the_check_with_annotations_and_a_comment(
    workspace: Workspace,
) -> None:
    workspace.edit(EAST, "max_concurrency: 5", "max_concurrency: 150")
    plan = workspace.run("pull_request")["plan"]
    assert plan.failed
    assert plan.step("result").outcome == "failure"
    assert plan.action_outputs["exit-code"] == "1"
    assert plan.action_outputs["has-changes"] == "false"
    assert plan.action_outputs["plan-file"] == "", "a blocked plan is not saved"
    annotation = (
        f"::error file={EAST},line=13,col=20,title=campaigns validate::"
        "spec.max_concurrency: 150 is more than the maximum, 100"
    )
    assert annotation in plan.step("validate").stdout.splitlines()
    [comment] = workspace.plan_comments()
    assert "Plan blocked: 1 problem" in comment["body"]
    assert f"`{EAST}:13:20` spec.max_concurrency: 150 is more than the maximum" in comment["body"]
    assert comment["body"] in plan.summary

    apply = workspace.run("push")["apply"]
    assert apply.failed and apply.step("apply").outcome == "skipped"
    assert apply.action_outputs["exit-code"] == "1"
    assert _live_campaigns(workspace.sandbox) == []


def test_a_refused_key_fails_the_check_and_says_so_in_the_comment(workspace: Workspace) -> None:
    wrong_key = "dgr_not_a_key_of_this_organization_0000"
    plan = workspace.run("pull_request", api_key=wrong_key)["plan"]
    assert plan.failed
    assert plan.action_outputs["exit-code"] == "1"
    [comment] = workspace.plan_comments()
    assert "No plan: `campaigns plan` failed with exit code 1." in comment["body"]
    assert f"https://github.com/{REPOSITORY}/actions/runs/" in comment["body"]
    assert wrong_key not in workspace.everything_printed(plan)


def test_a_comment_that_cannot_be_posted_is_a_warning(workspace: Workspace) -> None:
    workspace.gh.refuse()  # a pull request from a fork gets a read-only token
    plan = workspace.run("pull_request")["plan"]
    assert not plan.failed, plan.logs()
    assert plan.action_outputs["exit-code"] == "2"
    assert plan.action_outputs["comment-id"] == ""
    assert re.search(r"^::warning .*could not post the plan", plan.logs(), re.MULTILINE)
    assert MARKER in plan.summary
    assert workspace.plan_comments() == []
