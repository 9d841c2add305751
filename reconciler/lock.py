"""One apply at a time per Dograh organization on this machine.

Two applies at once (a laptop and CI, two terminals) would each plan the same create and
send it: two campaigns for one manifest. An advisory lock per organization (the API URL
and a hash of the key: never the key itself) makes the second wait until the first is
done, then plan from what Dograh holds by then. Across machines, apply's re-read after
its creates covers the rest (apply.py).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from reconciler.cache import cache_directory


def lock_path(base_url: str, api_key: str, directory: Path | None = None) -> Path:
    organization = hashlib.sha256(f"{base_url.rstrip('/')}\0{api_key}".encode()).hexdigest()
    return (directory or cache_directory()) / "locks" / f"apply-{organization[:24]}.lock"


@contextmanager
def organization_lock(
    base_url: str,
    api_key: str,
    say: Callable[[str], None],
    *,
    directory: Path | None = None,
) -> Iterator[None]:
    """Held for the whole apply: the plan, the approval, the changes and the check."""
    path = lock_path(base_url, api_key, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 200, 0).decode("utf-8", "replace").strip()
            who = f" ({holder})" if holder else ""
            say(
                "Another `campaigns apply` against this Dograh organization is running on "
                f"this machine{who}; waiting for it to finish, then planning again..."
            )
            started = time.monotonic()
            fcntl.flock(handle, fcntl.LOCK_EX)
            say(f"The other apply finished after {time.monotonic() - started:.0f} s.")
        os.ftruncate(handle, 0)
        since = datetime.now(timezone.utc).isoformat(timespec="seconds")
        os.pwrite(handle, f"pid {os.getpid()}, since {since}".encode(), 0)
        yield
    finally:
        os.close(handle)  # releases the lock
