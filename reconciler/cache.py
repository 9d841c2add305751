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

from reconciler.hours import KnownPrefixes, Place, known_prefixes, learn_prefixes

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
    check learnt it: one JSON file per version of the phonenumbers data, each place
    written once and each prefix as its index, merged by every process that learnt more
    (a lost merge only costs the lookups again)."""

    def __init__(self, directory: Path | None = None) -> None:
        import phonenumbers

        version = _UNSAFE.sub("_", phonenumbers.__version__)
        self.path = (directory or cache_directory()) / f"prefixes-v2-{version}.json"
        self._learnt = 0

    def load(self) -> KnownPrefixes:
        try:
            raw = orjson.loads(self.path.read_bytes())
            places = tuple(
                Place(tuple(zones), tuple(countries), tuple(regions), bool(fixed))
                for zones, countries, regions, fixed in raw["places"]
            )
            prefixes: dict[str, int] = raw["prefixes"]
            if not all(isinstance(at, int) and -1 <= at < len(places) for at in prefixes.values()):
                return KnownPrefixes((), {})
            return KnownPrefixes(places, prefixes)
        except (OSError, ValueError, TypeError, KeyError):
            return KnownPrefixes((), {})

    def learn(self) -> None:
        """Take the saved prefixes as this process's own."""
        learn_prefixes(self.load())
        self._learnt = len(known_prefixes().prefixes)

    def keep(self) -> None:
        """Save what this process learnt since ``learn``, if anything, with what another
        process saved meanwhile."""
        if len(known_prefixes().prefixes) <= self._learnt:
            return
        learn_prefixes(self.load())
        known = known_prefixes()
        data = {
            "places": [[p.zones, p.countries, p.regions, p.fixed] for p in known.places],
            "prefixes": known.prefixes,
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(orjson.dumps(data))
            temporary.replace(self.path)
        except OSError:
            return
