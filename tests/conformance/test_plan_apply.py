"""The end-to-end plan/apply story on the conformance target: the sandbox, or a real
Dograh when DOGRAH_TEST_API_URL and DOGRAH_TEST_API_KEY are set (docs/sandbox.md,
"Conformance"). It creates campaigns named with the run's prefix and never starts one:
on a real organization nobody is called, and Dograh cannot delete what it leaves.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dograh_sandbox.testing import DograhTarget
from reconciler.cli import run

MANIFEST = """\
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: {name}
spec:
  workflow: {{id: {workflow}}}
  source:
    csv: contacts/{csv}
  state: draft
{settings}"""


@pytest.fixture
def target_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dograh: DograhTarget) -> Path:
    (tmp_path / "campaigns.d" / "contacts").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    # An origin of this run's own: its owner token is this run's, so no campaign of an
    # earlier run (or of anyone) is ever this run's to pause.
    origin = f"https://example.com/{dograh.prefix.strip('-')}.git"
    subprocess.run(["git", "-C", str(tmp_path), "config", "remote.origin.url", origin], check=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOGRAH_API_URL", dograh.url)
    monkeypatch.setenv("DOGRAH_API_KEY", dograh.api_key)
    workflow = dograh.workflow()
    contacts = tmp_path / "campaigns.d" / "contacts"
    contacts.joinpath("a.csv").write_text(dograh.contacts_csv(3, first=0))
    contacts.joinpath("b.csv").write_text(dograh.contacts_csv(4, first=10))
    settings = {
        "a": "  retry_config:\n    max_retries: 1\n",
        "b": "  schedule:\n    timezone: America/Chicago\n    slots:\n"
        '      - days: [mon, tue]\n        start: "10:00"\n        end: "16:00"\n',
    }
    for key, extra in settings.items():
        (tmp_path / "campaigns.d" / f"{key}.yaml").write_text(
            MANIFEST.format(
                name=dograh.name(f"plan-apply-{key}"),
                workflow=workflow.id,
                csv=f"{key}.csv",
                settings=extra,
            )
        )
    _commit(tmp_path)
    return tmp_path


def _commit(repo: Path) -> None:
    """Apply runs what git holds."""
    for args in (("add", "-A"), ("commit", "-qm", "campaigns")):
        identity = ("-c", "user.name=Tests", "-c", "user.email=tests@example.com")
        subprocess.run(["git", "-C", str(repo), *identity, *args], check=True)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = run(["--no-color", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_plan_apply_plan_is_clean_on_the_target(
    target_repo: Path, dograh: DograhTarget, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _cli(capsys, "plan", "--detailed-exitcode")
    assert code == 2, out
    assert "Plan: 2 to create, 0 to update, 0 to start" in out
    code, out = _cli(capsys, "apply", "--auto-approve")
    assert code == 0, out
    names = {dograh.name("plan-apply-a"), dograh.name("plan-apply-b")}
    live = dograh.request("GET", "/api/v1/campaign/").json()["campaigns"]
    mine = [c for c in dograh.mine(live) if c["name"] in names]
    assert sorted(c["name"] for c in mine) == sorted(names)
    assert {c["state"] for c in mine} == {"created"}
    code, out = _cli(capsys, "plan", "--detailed-exitcode")
    assert code == 0, out
    assert "No changes. Live campaigns match the manifests." in out
    # One setting changed in git: exactly that update, then clean again.
    manifest = target_repo / "campaigns.d" / "a.yaml"
    manifest.write_text(manifest.read_text().replace("max_retries: 1", "max_retries: 3"))
    _commit(target_repo)
    code, out = _cli(capsys, "plan", "--detailed-exitcode")
    assert code == 2, out
    assert "~ retry_config.max_retries = 1 -> 3" in out
    assert "Plan: 0 to create, 1 to update, 0 to start" in out
    assert _cli(capsys, "apply", "--auto-approve")[0] == 0
    code, out = _cli(capsys, "plan", "--detailed-exitcode")
    assert code == 0, out
