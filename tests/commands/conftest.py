"""A repository of manifests (a copy of campaigns.d/) as the working directory, with the
environment pointing at the test's sandbox."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from dograh_sandbox.testing import SandboxHandle
from reconciler.cli import run

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass
class Result:
    code: int
    out: str
    err: str


Campaigns = Callable[..., Result]


def phone_numbers(directory: Path) -> set[str]:
    """Every phone number of the CSVs under ``directory``, as written and stripped."""
    found = set()
    for csv in directory.rglob("*.csv"):
        try:
            lines = csv.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        header = [cell.strip().lower() for cell in lines[0].split(",")] if lines else []
        if "phone_number" not in header:
            continue
        at = header.index("phone_number")
        for line in lines[1:]:
            cells = line.split(",")
            if len(cells) > at and len(cells[at].strip()) >= 8:
                found.add(cells[at].strip())
    return found


KEY_ORGANIZATION = "Dograh organization 1: the API key's; no Policy sets spec.organization.\n\n"
"""The text plan's first lines, made with the sandbox's first key and no Policy."""
NO_CHANGES = KEY_ORGANIZATION + "No changes. Live campaigns match the manifests.\n"

ORIGIN = "https://github.com/acme/outbound.git"
OWNER = "outbound-" + hashlib.sha256(b"github.com/acme/outbound").hexdigest()[:6]
"""The owner token of the test repository: from its git remote, as in real use."""


def git(directory: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(directory), *args], capture_output=True, text=True, check=True
    )
    return result.stdout


def init_repository(directory: Path, origin: str = ORIGIN) -> None:
    git(directory, "init", "-q", "-b", "main")
    git(directory, "config", "user.email", "tests@example.com")
    git(directory, "config", "user.name", "Tests")
    git(directory, "config", "remote.origin.url", origin)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: SandboxHandle) -> Path:
    shutil.copytree(ROOT / "campaigns.d", tmp_path / "campaigns.d")
    init_repository(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOGRAH_API_URL", sandbox.url)
    monkeypatch.setenv("DOGRAH_API_KEY", sandbox.api_key)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


CHECKS_GIT = ("plan", "apply")
"""The commands that check the planned files against git (``--allow-dirty``)."""


def _runner(
    repo: Path, sandbox: SandboxHandle, capsys: pytest.CaptureFixture[str], *, allow_dirty: bool
) -> Campaigns:
    def invoke(*args: str) -> Result:
        if allow_dirty and args and args[0] in CHECKS_GIT:
            args = (args[0], "--allow-dirty", *args[1:])
        capsys.readouterr()
        code = run(["--no-color", *args])
        captured = capsys.readouterr()
        printed = captured.out + captured.err
        assert sandbox.api_key not in printed
        leaked = [number for number in phone_numbers(repo) if number in printed]
        assert leaked == [], f"phone numbers printed: {len(leaked)}"
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def campaigns(repo: Path, sandbox: SandboxHandle, capsys: pytest.CaptureFixture[str]) -> Campaigns:
    """Runs the CLI; every output is checked never to hold the API key, nor a phone
    number of the repository's CSVs (outputs give row numbers and counts only). The
    repository's files are not committed: plan and apply run with --allow-dirty
    (``campaigns_from_git`` runs them as a user would)."""
    return _runner(repo, sandbox, capsys, allow_dirty=True)


@pytest.fixture
def campaigns_from_git(
    repo: Path, sandbox: SandboxHandle, capsys: pytest.CaptureFixture[str]
) -> Campaigns:
    """The CLI as ``campaigns`` runs it, with apply checking the planned files in git."""
    return _runner(repo, sandbox, capsys, allow_dirty=False)
