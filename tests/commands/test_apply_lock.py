"""The apply lock: one per Dograh organization, however its URL is spelled, and a lock
file that is never a way to write into another file."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dograh_sandbox.testing import SandboxHandle
from reconciler.client import DograhClient
from reconciler.client_settings import ClientSettings
from reconciler.errors import UserError
from reconciler.live import OrganizationContext
from reconciler.lock import lock_path, organization_lock


def _spellings(sandbox: SandboxHandle) -> tuple[ClientSettings, ClientSettings]:
    port = urlsplit(sandbox.url).port
    return (
        ClientSettings(base_url=f"http://127.0.0.1:{port}", api_key=sandbox.api_key),
        ClientSettings(base_url=f"http://localhost:{port}/", api_key=sandbox.api_key),
    )


def _organization(settings: ClientSettings) -> OrganizationContext:
    with DograhClient(settings) as client:
        return client.organization()


def test_two_spellings_of_one_dograh_wait_for_one_lock(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    numeric, named = _spellings(sandbox)
    said: list[str] = []
    second_holds = threading.Event()

    def second() -> None:
        with organization_lock(named, said.append, directory=tmp_path):
            second_holds.set()

    with organization_lock(numeric, said.append, directory=tmp_path) as organization:
        waiter = threading.Thread(target=second)
        waiter.start()
        while not said and waiter.is_alive():
            waiter.join(0.05)
        assert not second_holds.is_set()
    waiter.join(30)
    assert second_holds.is_set()
    assert organization is not None
    assert said[0].startswith(
        "Another `campaigns apply` against this Dograh organization (id "
        f"{organization.organization_id}) is running on this machine (pid {os.getpid()}"
    )
    assert said[1].startswith("The other apply finished after")
    assert [p.name for p in (tmp_path / "locks").iterdir()] == [
        lock_path(organization, tmp_path).name
    ]


def test_a_symbolic_link_at_the_lock_path_is_refused_and_its_target_untouched(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    settings, _ = _spellings(sandbox)
    path = lock_path(_organization(settings), tmp_path)
    path.parent.mkdir(parents=True)
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    path.symlink_to(target)
    with (
        pytest.raises(UserError, match="it is a symbolic link; remove it") as caught,
        organization_lock(settings, print, directory=tmp_path),
    ):
        pytest.fail("the lock was taken through a symbolic link")
    assert str(path) in str(caught.value)
    assert target.read_text() == "keep me\n"


def test_a_hard_link_at_the_lock_path_is_refused_and_its_target_untouched(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    settings, _ = _spellings(sandbox)
    path = lock_path(_organization(settings), tmp_path)
    path.parent.mkdir(parents=True)
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    os.link(target, path)
    with (
        pytest.raises(UserError, match="has 2 names"),
        organization_lock(settings, print, directory=tmp_path),
    ):
        pytest.fail("the lock was taken through a hard link")
    assert target.read_text() == "keep me\n"
