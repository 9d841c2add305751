"""One apply at a time per Dograh organization on this machine.

Two applies at once (a laptop and CI, two terminals) would each plan the same create and
send it: two campaigns for one manifest. An advisory lock per organization makes the
second wait until the first is done, then plan from what Dograh holds by then. Across
machines, apply's re-read after its creates covers the rest (apply.py).

The organization is Dograh's own answer (``GET /organizations/context``: its id and
provider id), not the URL as typed nor the key: ``http://127.0.0.1:8000`` and
``http://localhost:8000``, or two keys of one organization, are one lock. Two Dograh
installations whose organizations share both ids wait for each other: a needless wait,
never a second campaign.

The lock file lives in the user's cache directory, which others may be able to plant
files in on a shared machine: it is opened without following a symbolic link, and
refused unless it is a regular file of this user with no other name (a hard link), so
that taking the lock never writes into, or truncates, another file.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from reconciler.client import DograhClient
from reconciler.client_settings import ClientSettings, check_settings
from reconciler.content_cache import cache_directory
from reconciler.errors import UserError
from reconciler.live import OrganizationContext
from reconciler.organization import key_context


def lock_path(organization: OrganizationContext, directory: Path | None = None) -> Path:
    identity = f"{organization.organization_id}\0{organization.organization_provider_id or ''}"
    key = hashlib.sha256(identity.encode()).hexdigest()
    return (directory or cache_directory()) / "locks" / f"apply-{key[:24]}.lock"


@contextmanager
def organization_lock(
    settings: ClientSettings,
    say: Callable[[str], None],
    *,
    directory: Path | None = None,
) -> Iterator[OrganizationContext | None]:
    """Held for the whole apply: the plan, the approval, the changes and the check.
    Asks Dograh which organization the key belongs to (one request per run, shared with
    the organization guard), then locks it.
    Settings that cannot make a request (no key) need no lock: nothing can be sent, and
    the plan says what is wrong after the manifests' own problems (None is yielded)."""
    try:
        check_settings(settings)
    except UserError:
        yield None
        return
    with DograhClient(settings) as client:
        organization = key_context(client)
    path = lock_path(organization, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = _open(path)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 200, 0).decode("utf-8", "replace").strip()
            who = f" ({holder})" if holder.isprintable() and holder else ""
            say(
                "Another `campaigns apply` against this Dograh organization (id "
                f"{organization.organization_id}) is running on this machine{who}; waiting "
                "for it to finish, then planning again..."
            )
            started = time.monotonic()
            fcntl.flock(handle, fcntl.LOCK_EX)
            say(f"The other apply finished after {time.monotonic() - started:.0f} s.")
        os.ftruncate(handle, 0)
        since = datetime.now(timezone.utc).isoformat(timespec="seconds")
        os.pwrite(handle, f"pid {os.getpid()}, since {since}".encode(), 0)
        yield organization
    finally:
        os.close(handle)  # releases the lock


def _open(path: Path) -> int:
    """The lock file, created if need be; never through a link, never another file."""
    refused = (
        f"refusing to use the apply lock file {path}: it {{}}; remove it (apply creates "
        "it again) and check who put it there"
    )
    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
    try:
        handle = os.open(path, flags, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP or path.is_symlink():
            raise UserError(refused.format("is a symbolic link")) from None
        raise UserError(f"cannot open the apply lock file {path}: {exc.strerror}") from None
    info = os.fstat(handle)
    problem = None
    if not stat.S_ISREG(info.st_mode):
        problem = "is not a regular file"
    elif info.st_nlink != 1:
        problem = f"has {info.st_nlink} names (a hard link to another file)"
    elif info.st_uid != os.getuid():
        problem = "belongs to another user"
    if problem:
        os.close(handle)
        raise UserError(refused.format(problem))
    return handle
