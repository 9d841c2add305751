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


@pytest.fixture
def campaigns(repo: Path, sandbox: SandboxHandle, capsys: pytest.CaptureFixture[str]) -> Campaigns:
    """Runs the CLI; every output is checked never to hold the API key."""

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        code = run(["--no-color", *args])
        captured = capsys.readouterr()
        assert sandbox.api_key not in captured.out
        assert sandbox.api_key not in captured.err
        return Result(code, captured.out, captured.err)

    return invoke
