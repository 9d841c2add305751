"""Which campaigns this repository created: the owner token in their upload names.

Dograh has no labels and allows duplicate names, so the only mark a campaign can carry
from its creator is its contacts file's name, which Dograh keeps in ``source_id``:
``campaigns/{org}/{uuid}_{stem}.dc-{owner}.{content}.csv``. ``owner`` says which
repository created it, ``content`` which contacts it holds (contacts.py). Two
repositories managing one organization never touch each other's campaigns, and a
campaign made in Dograh's UI is never taken over by a manifest that merely shares its
name.

The token is a Policy's ``spec.owner`` when one is given, else derived from the git
remote ``origin`` (``github.com/acme/outbound`` -> ``outbound-1f3a9c``: readable, and
distinct for two repositories of one name), else from the repository directory's name.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePath

UPLOAD_NAME = re.compile(r"\.dc-([a-z0-9-]{1,32})\.([0-9a-f]{16})\.csv$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Owner:
    token: str
    source: str
    """Where the token comes from, for messages: ``Policy org-policy``, ``git origin
    github.com/acme/outbound``, ``directory outbound``."""


@dataclass(frozen=True)
class Mark:
    """What a live campaign's ``source_id`` says of it, if this tool uploaded its file."""

    owner: str
    content: str


def upload_file_name(csv_path: str, owner: str, content: str) -> str:
    """``<stem>.dc-<owner>.<content>.csv``, within Dograh's safe characters."""
    stem = _UNSAFE.sub("_", PurePath(csv_path).stem) or "contacts"
    return f"{stem[:80]}.dc-{owner}.{content}.csv"


def mark_of(source_id: str) -> Mark | None:
    match = UPLOAD_NAME.search(source_id)
    return Mark(match.group(1), match.group(2)) if match else None


def default_owner(root: Path) -> Owner:
    """The token of the repository at ``root``, from its ``origin`` remote if it has one."""
    origin = _origin_url(root)
    if origin:
        where = normalise_remote(origin)
        name = _slug(where.rsplit("/", 1)[-1])[:24] or "repo"
        digest = hashlib.sha256(where.encode("utf-8")).hexdigest()[:6]
        return Owner(f"{name}-{digest}", f"git origin {where}")
    return Owner(_slug(root.name)[:32] or "repo", f"directory {root.name}")


def normalise_remote(url: str) -> str:
    """``git@github.com:Acme/Outbound.git`` and ``https://user@github.com/acme/outbound``
    alike: ``github.com/acme/outbound``."""
    text = url.strip()
    text = re.sub(r"^[a-z+]+://", "", text)
    text = re.sub(r"^[^@/]+@", "", text)
    text = text.replace(":", "/", 1) if "/" not in text.split(":", 1)[0] else text
    text = re.sub(r"\.git/?$", "", text).rstrip("/")
    host, _, path = text.partition("/")
    return f"{host.lower()}/{path.lower()}" if path else host.lower()


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")


def _origin_url(root: Path) -> str | None:
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "config", "--get", "remote.origin.url"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    url = result.stdout.strip()
    return url if result.returncode == 0 and url else None


def repository_root(start: Path) -> Path:
    """The nearest directory at or above ``start`` holding ``.git``; else ``start``."""
    current = start.resolve()
    for directory in (current, *current.parents):
        if (directory / ".git").exists():
            return directory
    return current
