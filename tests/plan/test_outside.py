"""Which manifests lie outside the planned files (scope.py). With links: a planned link
stands for the file it leads to, a link outside the paths is never read, and a linked
directory is not searched, in git and outside it alike. In an environment: only the
manifests of its own tree count, and a YAML file that is no manifest names nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reconciler.scope import outside


def _manifest(name: str) -> str:
    return f"apiVersion: dograh-campaigns/v1\nkind: Campaign\nmetadata:\n  name: {name}\n"


@pytest.mark.parametrize("in_git", [True, False])
def test_links_name_what_they_lead_to_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_git: bool
) -> None:
    if in_git:
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    else:
        (tmp_path / ".git").mkdir()  # the repository's root, but no git
    planned_dir = tmp_path / "campaigns.d"
    other = tmp_path / "other"
    planned_dir.mkdir()
    other.mkdir()
    (planned_dir / "a.yaml").write_text(_manifest("a"))
    (other / "b.yaml").write_text(_manifest("b"))
    (other / "c.yaml").write_text(_manifest("c"))  # planned through the link below
    (planned_dir / "c.yaml").symlink_to(other / "c.yaml")
    (other / "a-again.yaml").symlink_to(planned_dir / "a.yaml")
    (other / "d-link.yaml").symlink_to(tmp_path / "d.txt")  # a link is never read
    (tmp_path / "d.txt").write_text(_manifest("d"))
    (tmp_path / "linked").symlink_to(other, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    found = outside(["campaigns.d"], ["campaigns.d/a.yaml", "campaigns.d/c.yaml"])
    assert [(m.name, m.file) for m in found.manifests] == [("b", str(Path("other", "b.yaml")))]
    assert found.unsure == ()


def test_in_an_environment_only_its_own_tree_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    policy = "apiVersion: dograh-campaigns/v1\nkind: Policy\nmetadata:\n  name: {}\n"
    for env in ("staging", "production"):
        (tmp_path / env / "spring").mkdir(parents=True)
        (tmp_path / env / "policy.yaml").write_text(policy.format(env))
        (tmp_path / env / "spring" / "a.yaml").write_text(_manifest(f"{env}-a"))
        (tmp_path / env / "b.yaml").write_text(_manifest(f"{env}-b"))
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "plan.yml").write_text("on: pull_request\n")
    monkeypatch.chdir(tmp_path)
    found = outside(["staging/spring"], ["staging/spring/a.yaml"])
    assert [m.name for m in found.manifests] == ["staging-b"]
    assert found.unsure == ()
