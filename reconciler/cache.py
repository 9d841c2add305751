"""What this tool keeps in the user's cache directory (``$XDG_CACHE_HOME/dograh-campaigns``
on Linux, platformdirs' choice elsewhere): the content hashes of live contacts files,
where the phone number prefixes ring, and the apply locks. Nothing in it is secret: no
key, no phone number (a prefix is an area code and an exchange).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import orjson
import platformdirs

from reconciler.hours import Place

CACHE_VERSION = 1
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]")


def cache_directory() -> Path:
    """``$XDG_CACHE_HOME/dograh-campaigns`` (platformdirs' user cache directory)."""
    return Path(platformdirs.user_cache_dir("dograh-campaigns", appauthor=False))


class ContactsCache:
    """Content hashes of live contacts files, one small JSON file per ``source_id``."""

    def __init__(self, base_url: str, directory: Path | None = None) -> None:
        self.directory = (directory or cache_directory()) / f"contacts-v{CACHE_VERSION}"
        self._base = base_url.rstrip("/")

    def _path(self, source_id: str) -> Path:
        key = hashlib.sha256(f"{self._base}\0{source_id}".encode()).hexdigest()
        return self.directory / key[:2] / f"{key}.json"

    def get(self, source_id: str) -> str | None:
        try:
            record = json.loads(self._path(source_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        content = record.get("content") if isinstance(record, dict) else None
        return content if isinstance(content, str) else None

    def put(self, source_id: str, content: str) -> None:
        """Written whole or not at all; a cache that cannot be written only costs a
        download next time."""
        path = self._path(source_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps({"content": content}), encoding="utf-8")
            temporary.replace(path)
        except OSError:
            return


class PrefixCache:
    """Where NANP number prefixes ring (``+1NPANXX`` -> a place), as the calling-hours
    check learnt it: one JSON file per version of the phonenumbers data, merged by every
    process that learnt more (a lost merge only costs the lookups again)."""

    def __init__(self, directory: Path | None = None) -> None:
        import phonenumbers

        version = _UNSAFE.sub("_", phonenumbers.__version__)
        self.path = (directory or cache_directory()) / f"prefixes-v1-{version}.json"

    def load(self) -> dict[str, Place | None]:
        try:
            raw = orjson.loads(self.path.read_bytes())
            return {
                prefix: None
                if value is None
                else Place(tuple(value[0]), tuple(value[1]), tuple(value[2]), bool(value[3]))
                for prefix, value in raw.items()
            }
        except (OSError, ValueError, TypeError, IndexError):
            return {}

    def save(self, found: dict[str, Place | None]) -> None:
        merged = {**self.load(), **found}
        data = {
            prefix: None
            if place is None
            else [place.zones, place.countries, place.regions, place.fixed]
            for prefix, place in merged.items()
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(orjson.dumps(data))
            temporary.replace(self.path)
        except OSError:
            return
