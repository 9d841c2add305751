"""Shared fixtures. The sandbox: one server per test session (per xdist worker), reset to
its default seed before each test that asks for ``sandbox``; see docs/sandbox.md.

The conformance switch: with ``DOGRAH_TEST_API_URL`` and ``DOGRAH_TEST_API_KEY`` set,
the ``dograh`` fixture targets that real Dograh instead of the sandbox, tests marked
``needs_admin`` are skipped, and so are the contract tests (tests/sandbox/) that ask for
``sandbox`` itself, since they drive its admin API. Without them, everything runs
against the sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dograh_sandbox.testing import (
    DograhTarget,
    SandboxHandle,
    conformance_settings,
    run_prefix,
    running_sandbox,
    sandbox_target,
)

CONTRACT_SUITE = Path(__file__).parent / "sandbox"
NEEDS_ADMIN = (
    "needs the sandbox's admin API (seed, clock, faults, request log or bulk insert); "
    "skipped against a real Dograh"
)

NEEDS_SANDBOX = (
    "asks for the sandbox itself (a seed of its own, the clock, the simulation or bulk "
    "insert); skipped against a real Dograh"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "needs_admin(reason=None): the test drives the sandbox's admin API; skipped when "
        "DOGRAH_TEST_API_URL/DOGRAH_TEST_API_KEY point the suite at a real Dograh",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Against a real Dograh, ``needs_admin`` tests are skipped, with their reason."""
    if conformance_settings() is None:
        return
    for item in items:
        marker = item.get_closest_marker("needs_admin")
        if marker is None:
            continue
        reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else None)
        item.add_marker(
            pytest.mark.skip(reason=f"{reason}; {NEEDS_ADMIN}" if reason else NEEDS_ADMIN)
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Against a real Dograh, one counted line: how many tests ran, how many were skipped,
    and why, grouped (``-rs`` lists them one by one)."""
    settings = conformance_settings()
    if settings is None:
        return
    stats = terminalreporter.stats
    passed, failed = len(stats.get("passed", [])), len(stats.get("failed", []))
    errors = len(stats.get("error", []))
    reasons: dict[str, int] = {}
    for report in stats.get("skipped", []):
        longrepr = report.longrepr
        text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reason = text.removeprefix("Skipped: ").split("; ")[0]
        reasons[reason] = reasons.get(reason, 0) + 1
    skipped = sum(reasons.values())
    ran = passed + failed + errors
    terminalreporter.write_sep("=", "conformance", bold=True)
    terminalreporter.write_line(
        f"against {settings[0]}: {ran} of {ran + skipped} tests ran "
        f"({passed} passed, {failed} failed, {errors} errors), {skipped} skipped:"
    )
    for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0])):
        terminalreporter.write_line(f"  {count:4d}  {reason}")


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxHandle]:
    """A Dograh sandbox in a thread of the test process, manual clock, in-memory state."""
    with running_sandbox() as handle:
        yield handle


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> SandboxHandle:
    """The session's sandbox, reset: default seed, clean request log, no faults.

    Against a real Dograh, a contract test that asks for it is skipped: it needs the
    sandbox itself."""
    if conformance_settings() is not None and CONTRACT_SUITE in Path(request.path).parents:
        pytest.skip(NEEDS_SANDBOX)
    handle: SandboxHandle = request.getfixturevalue("sandbox_server")
    handle.admin.reset()
    return handle


@pytest.fixture(scope="session")
def dograh_run_prefix() -> str:
    """This run's campaign-name prefix, ``dc-test-<8 hex>-``."""
    return run_prefix()


@pytest.fixture(scope="session")
def real_dograh(dograh_run_prefix: str) -> Iterator[DograhTarget | None]:
    """The real Dograh of the conformance switch, or None (one client per session)."""
    settings = conformance_settings()
    if settings is None:
        yield None
        return
    target = DograhTarget(url=settings[0], api_key=settings[1], prefix=dograh_run_prefix)
    yield target
    target.close()


@pytest.fixture
def dograh(
    request: pytest.FixtureRequest, real_dograh: DograhTarget | None, dograh_run_prefix: str
) -> Iterator[DograhTarget]:
    """The target of a contract test: a real Dograh when the two variables are set, else
    the sandbox, reset as ``sandbox`` is. ``needs_admin`` tests are skipped on a real one.
    """
    if real_dograh is not None:
        yield real_dograh
        return
    handle: SandboxHandle = request.getfixturevalue("sandbox_server")
    handle.admin.reset()
    target = sandbox_target(handle, dograh_run_prefix)
    yield target
    target.close()


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hermetic: no test writes to the user's cache directory (live contacts' hashes,
    apply locks); each test gets an empty one."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
