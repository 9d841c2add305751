"""One sandbox per database file.

The default database is in the user's state directory, the same for every sandbox the
user starts: a second one started there would share the first one's state, clock and
keys. The second is refused instead, with the way out (its own ``--db``).
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO


class DatabaseInUse(RuntimeError):
    pass


def lock_database(db: str) -> IO[bytes] | None:
    """Hold ``<db>.lock`` until the returned handle is closed (or the process ends);
    None for ``:memory:``, which no other process can share."""
    if db == ":memory:":
        return None
    path = Path(db + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise DatabaseInUse(
            f"another `campaigns sandbox` is using {db}: stop it, or give this one a "
            "database of its own with --db FILE (or --db :memory:)"
        ) from None
    return handle
