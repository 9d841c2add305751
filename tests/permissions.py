"""Running the tool held to file permissions, even as root.

The tests run as root in CI's container, and root reads and writes whatever the mode
bits say: a ``chmod 000`` directory proves nothing there. A child process whose
bounding set lacks CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH execs without them, and is
then held to permissions like any user. Dropping them takes CAP_SETPCAP (which a
container's root has by default); without it, or off Linux as root, the caller skips.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

_CANNOT_DROP = 97
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def _drop_permission_override() -> None:  # pragma: no cover - runs in the child
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            os._exit(_CANNOT_DROP)


def run_held_to_permissions(
    args: Sequence[str], cwd: Path, timeout: float = 25
) -> subprocess.CompletedProcess[str]:
    """``python -m reconciler ARGS`` in ``cwd``, unable to override permissions."""
    root = os.geteuid() == 0
    if root and not sys.platform.startswith("linux"):
        pytest.skip("root ignores permissions, and dropping that needs Linux")
    child = subprocess.run(
        [sys.executable, "-m", "reconciler", "--no-color", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        preexec_fn=_drop_permission_override if root else None,
    )
    if root and child.returncode == _CANNOT_DROP:
        pytest.skip("this root cannot drop CAP_DAC_OVERRIDE (no CAP_SETPCAP)")
    return child
