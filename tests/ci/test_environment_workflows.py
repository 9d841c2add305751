"""The examples for several environments, run as a runner would run them against the
sandbox: the drift watch (examples/github/drift.yml, the action's drift mode, with a
fake GitHub API on loopback) and the matrix of environments.yml (one plan comment per
environment, each with its own key)."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

from dograh_sandbox.seed import DEFAULT_SEED_DATA
from dograh_sandbox.testing import SandboxHandle
from reconciler.drift import marker
from tests.ci.gh_stub import GhStub
from tests.ci.runner import ROOT, JobRun, Runner, load_yaml, runner_env, triggers
from tests.fake_github import REPOSITORY, TOKEN, FakeGitHub, running_fake_github

BIN = Path(sys.executable).parent
DRIFT_FILE = ROOT / "examples" / "github" / "drift.yml"
ENVIRONMENTS_FILE = ROOT / "examples" / "github" / "environments.yml"


def _run(repo: Path, temp: Path, sandbox: SandboxHandle, github: FakeGitHub) -> JobRun:
    context = {
        "event_name": "schedule",
        "repository": REPOSITORY,
        "server_url": "https://github.com",
        "run_id": "77",
        "token": TOKEN,
        "ref": "refs/heads/main",
        "ref_name": "main",
        "event": {"repository": {"default_branch": "main"}},
    }
    (temp / "home").mkdir(parents=True)
    env = runner_env(workspace=repo, temp=temp, home=temp / "home", path_prefix=[], github=context)
    env["GITHUB_API_URL"] = github.url
    runner = Runner(
        workspace=repo,
        temp=temp,
        base_env=env,
        github=context,
        secrets={"DOGRAH_API_KEY": sandbox.api_key},
        variables={"DOGRAH_API_URL": sandbox.url},
        matrix={"environment": "production"},
    )
    return runner.run_job(DRIFT_FILE, "drift")


def _commit(repo: Path) -> None:
    who = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), *who, "commit", "-qm", "manifests"], check=True)


def test_the_drift_watch_opens_then_closes_the_environments_issue(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    repo = tmp_path / "repo"
    (repo / "campaigns.d").mkdir(parents=True)
    subprocess.run(["git", "init", "--quiet", str(repo)], check=True)
    shutil.copytree(ROOT / "campaigns.d", repo / "campaigns.d" / "production")
    _commit(repo)  # apply runs what git holds, as from a checkout
    with running_fake_github() as github:
        first = _run(repo, tmp_path / "run1", sandbox, github)
        assert first.failed  # drift: the scheduled run goes red beside its issue
        assert first.step("drift").outputs["exit-code"] == "2"
        (issue,) = github.issues
        assert issue["body"].startswith(marker("production"))
        assert "Plan: 3 to create" in issue["body"]
        assert "Plan: 3 to create" in first.summary
        assert TOKEN not in first.logs() and sandbox.api_key not in first.logs()

        # Someone looked: the environment is applied; the next run finds it clean.
        applied = subprocess.run(
            [BIN / "campaigns", "apply", "--auto-approve", "campaigns.d/production"],
            cwd=repo,
            env={
                "DOGRAH_API_URL": sandbox.url,
                "DOGRAH_API_KEY": sandbox.api_key,
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            },
            capture_output=True,
            text=True,
            check=False,
        )
        assert applied.returncode == 0, applied.stderr
        second = _run(repo, tmp_path / "run2", sandbox, github)
        assert not second.failed, second.logs()
        assert second.step("drift").outputs["exit-code"] == "0"
        assert issue["state"] == "closed"
        assert [c[0] for c in github.calls if c[0] != "GET"] == ["POST", "POST", "POST", "PATCH"]


def test_the_drift_example_runs_on_a_schedule_and_never_applies() -> None:
    workflow = load_yaml(DRIFT_FILE)
    assert set(triggers(workflow)) == {"schedule", "workflow_dispatch"}
    job = workflow["jobs"]["drift"]
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    steps = [s for s in job["steps"] if "/dograh-campaigns@" in s.get("uses", "")]
    assert [s["with"]["command"] for s in steps] == ["drift"]


def test_the_environments_example_runs_each_environment_in_its_own() -> None:
    jobs = load_yaml(ENVIRONMENTS_FILE)["jobs"]
    for job_id, environment in (("plan", "${{ matrix.environment }}-plan"), ("apply", None)):
        job = jobs[job_id]
        assert job["strategy"]["matrix"]["environment"] == ["staging", "production"]
        assert job["environment"] == (environment or "${{ matrix.environment }}")
        (step,) = [s for s in job["steps"] if "/dograh-campaigns@" in s.get("uses", "")]
        assert step["with"]["environment"] == "${{ matrix.environment }}"
        assert step["with"]["path"] == "campaigns.d/${{ matrix.environment }}"
    assert jobs["apply"]["concurrency"] == {
        "group": "dograh-campaigns-${{ matrix.environment }}",
        "cancel-in-progress": False,
    }


def _seed_two_organizations(sandbox: SandboxHandle) -> dict[str, tuple[int, str]]:
    staging = copy.deepcopy(DEFAULT_SEED_DATA["organizations"][0])
    production = copy.deepcopy(DEFAULT_SEED_DATA["organizations"][0])
    staging.update(name="Acme staging", api_keys=[{"name": "staging-ci"}])
    production.update(name="Acme production", api_keys=[{"name": "production-ci"}])
    organizations = sandbox.admin.reset({"organizations": [staging, production]})
    return {
        env: (int(org["id"]), str(org["api_keys"][0]["key"]))
        for env, org in zip(("staging", "production"), organizations, strict=True)
    }


def test_each_environment_plans_with_its_own_key_into_its_own_comment(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    orgs = _seed_two_organizations(sandbox)
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "--quiet", str(repo)], check=True)
    for env, (org, _) in orgs.items():
        shutil.copytree(ROOT / "campaigns.d", repo / "campaigns.d" / env)
        (repo / "campaigns.d" / env / "policy.yaml").write_text(
            "apiVersion: dograh-campaigns/v1\nkind: Policy\nmetadata:\n"
            f"  name: {env}\nspec:\n  organization: {org}\n  owner: acme-{env}\n"
        )
    gh = GhStub.install(tmp_path / "gh", {"7": []})
    context = {
        "event_name": "pull_request",
        "repository": REPOSITORY,
        "server_url": "https://github.com",
        "run_id": "78",
        "token": TOKEN,
        "ref": "refs/pull/7/merge",
        "ref_name": "7/merge",
        "event": {"pull_request": {"number": 7}, "repository": {"default_branch": "main"}},
    }

    def plan(env: str, key_of: str, run: str) -> JobRun:
        temp = tmp_path / f"{run}-{env}"
        (temp / "home").mkdir(parents=True)
        runner = Runner(
            workspace=repo,
            temp=temp,
            base_env=runner_env(
                workspace=repo,
                temp=temp,
                home=temp / "home",
                path_prefix=[gh.bin_dir],
                github=context,
            ),
            github=context,
            # The job's GitHub environment holds that environment's key.
            secrets={"DOGRAH_API_KEY": orgs[key_of][1]},
            variables={"DOGRAH_API_URL": sandbox.url},
            matrix={"environment": env},
        )
        return runner.run_job(ENVIRONMENTS_FILE, "plan")

    for env in ("staging", "production"):
        job = plan(env, env, "first")
        assert not job.failed, job.logs()
    comments = gh.comments(7)
    assert [c["body"].splitlines()[0] for c in comments] == [
        "<!-- dograh-campaigns-plan:staging -->",
        "<!-- dograh-campaigns-plan:production -->",
    ]
    for comment, (env, (org, _)) in zip(comments, orgs.items(), strict=True):
        assert f"Dograh organization {org}, as Policy '{env}' at " in comment["body"]
    # Pushed again: each environment edits its own comment.
    assert not plan("production", "production", "second").failed
    assert [c["id"] for c in gh.comments(7)] == [c["id"] for c in comments]
    # The staging key put in production's environment: refused, naming both.
    wrong = plan("production", "staging", "third")
    assert wrong.failed
    assert (
        f"the API key belongs to Dograh organization {orgs['staging'][0]}, and Policy 'production'"
    ) in wrong.logs()
