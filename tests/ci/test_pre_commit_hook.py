"""The `campaigns-validate` hook of .pre-commit-hooks.yaml, run by pre-commit itself in a
repository of manifests, as a user's `.pre-commit-config.yaml` would run it.

`pre-commit try-repo REPO HOOK` is this, exactly: it writes the config
`{repos: [{repo: REPO, rev: HEAD, hooks: [{id: HOOK}]}]}` and calls `pre-commit run` with
it, but in a new temporary store each time, so that every call would build the hook's
virtual environment again (pip installing the tool and its dependencies: some 15 s). The
test writes the same config and keeps one store for its runs, so the environment is built
once. The hook repository is a git repository made from this checkout's files (the hook
definition, pyproject.toml, README.md and reconciler/), committed, as pre-commit clones it.
Building the environment needs the package index (PyPI), as it does for every user: the
test is marked ``network``, so that ``pytest -m "not network"`` leaves it out offline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.ci.runner import ROOT

HOOK_FILES = (".pre-commit-hooks.yaml", "pyproject.toml", "README.md")
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def _git(repo: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **GIT_IDENTITY},
    )
    return completed.stdout.strip()


def _hook_repository(path: Path) -> str:
    """This checkout's hook and package as a committed repository; returns its HEAD."""
    path.mkdir()
    for name in HOOK_FILES:
        shutil.copy2(ROOT / name, path / name)
    shutil.copytree(
        ROOT / "reconciler", path / "reconciler", ignore=shutil.ignore_patterns("__pycache__")
    )
    _git(path, "init", "--quiet")
    _git(path, "add", "--all")
    _git(path, "commit", "--quiet", "--message", "hooks")
    return _git(path, "rev-parse", "HEAD")


@pytest.mark.network
def test_campaigns_validate_hook_passes_good_and_fails_bad_manifests(tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    config = tmp_path / "pre-commit-config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "repos": [
                    {
                        "repo": str(hooks),
                        "rev": _hook_repository(hooks),
                        "hooks": [{"id": "campaigns-validate"}],
                    }
                ]
            }
        )
    )
    repo = tmp_path / "manifests"
    repo.mkdir()
    shutil.copytree(ROOT / "campaigns.d", repo / "campaigns.d")
    (repo / "README.md").write_text("Our campaigns.\n")
    _git(repo, "init", "--quiet")
    _git(repo, "add", "--all")
    env = {
        **os.environ,
        **GIT_IDENTITY,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PIP_CACHE_DIR": str(tmp_path / "pip-cache"),
        "PRE_COMMIT_COLOR": "never",
    }
    for name in ("DOGRAH_API_KEY", "DOGRAH_API_URL", "PRE_COMMIT", "SKIP"):
        env.pop(name, None)
    pre_commit = Path(sys.executable).parent / "pre-commit"

    def run(*files: str) -> subprocess.CompletedProcess[str]:
        selection = ["--files", *files] if files else ["--all-files"]
        return subprocess.run(
            [str(pre_commit), "run", "--config", str(config), *selection],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    good = run()
    assert good.returncode == 0, good.stdout + good.stderr
    assert "campaigns validate" in good.stdout and "Passed" in good.stdout

    east = repo / "campaigns.d" / "spring-renewals-east.yaml"
    east.write_text(east.read_text().replace("max_concurrency: 5", "max_concurrency: 150"))
    bad = run("campaigns.d/spring-renewals-east.yaml")
    assert bad.returncode == 1
    assert "Failed" in bad.stdout
    assert (
        "campaigns.d/spring-renewals-east.yaml:13:20: spec.max_concurrency: "
        "150 is more than the maximum, 100" in bad.stdout
    )

    # A commit that changes only a CSV is checked against the manifests that use it.
    east.write_text((ROOT / "campaigns.d" / "spring-renewals-east.yaml").read_text())
    contacts = repo / "campaigns.d" / "contacts" / "winback-survey.csv"
    contacts.write_text(contacts.read_text().replace("+13125550101", "13125550101"))
    csv_only = run("campaigns.d/contacts/winback-survey.csv")
    assert csv_only.returncode == 1
    assert "campaigns.d/contacts/winback-survey.csv:3:" in csv_only.stdout

    unrelated = run("README.md")
    assert unrelated.returncode == 0
    assert "Skipped" in unrelated.stdout
