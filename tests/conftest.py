"""Shared fixtures. The sandbox: one server per test session (per xdist worker), reset to
its default seed before each test that asks for ``sandbox``; see docs/sandbox.md."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dograh_sandbox.testing import SandboxHandle, running_sandbox


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxHandle]:
    """A Dograh sandbox in a thread of the test process, manual clock, in-memory state."""
    with running_sandbox() as handle:
        yield handle


@pytest.fixture
def sandbox(sandbox_server: SandboxHandle) -> SandboxHandle:
    """The session's sandbox, reset: default seed, clean request log, no faults."""
    sandbox_server.admin.reset()
    return sandbox_server
