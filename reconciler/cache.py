"""What this tool keeps in the user's cache directory (``$XDG_CACHE_HOME/dograh-campaigns``
on Linux, platformdirs' choice elsewhere, content_cache.py's ``cache_directory``) beside
the loaded manifests: the content hashes of live contacts files, where the phone number
prefixes ring, and the apply locks. Nothing in it is secret: no key, no phone number (a
prefix is an area code and an exchange).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import orjson

from reconciler import content_cache
from reconciler.content_cache import cache_directory
from reconciler.hours import KnownPrefixes, Place, known_prefixes, learn_prefixes

CACHE_VERSION = 1


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
    check learnt it: each place written once and each prefix as its index, merged by
    every process that learnt more (a lost merge only costs the lookups again).

    A cache must never change a verdict. So it is a file of the content cache
    (content_cache.py), in its directory and form: named by, and signed with, a digest
    of every input of where a prefix rings (``verdict_inputs``: this tool's version and
    code, phonenumbers', tzdata's and the system's zone data, the rules and the
    area-code table, by hash) and of its entries. A file whose digest does not match,
    or that is not exactly the expected shape, is a miss, never a partial answer, and
    is written anew. JSON, never pickle: reading it runs no code."""

    def __init__(self, directory: Path | None = None) -> None:
        self.key = _digest(content_cache.inputs())
        self.path = content_cache.cache_path(directory) / f"prefixes-{self.key[:24]}.json"
        self._learnt = 0
        self._rewrite = False
        """Whether the file was missing, damaged or of other inputs: written anew."""

    def load(self) -> KnownPrefixes | None:
        """The saved prefixes, or None when there is no file or it cannot be trusted."""
        body = content_cache.read_signed(self.path, self.key)
        try:
            raw = orjson.loads(body) if body is not None else None
        except ValueError:
            return None
        if not isinstance(raw, dict) or set(raw) != {"places", "prefixes"}:
            return None
        places = raw["places"]
        prefixes = raw["prefixes"]
        if not isinstance(places, list) or not all(map(_is_place, places)):
            return None
        if not isinstance(prefixes, dict) or not all(
            _PREFIX.fullmatch(p) and type(at) is int and -1 <= at < len(places)
            for p, at in prefixes.items()
        ):
            return None
        return KnownPrefixes(
            tuple(
                Place(tuple(zones), tuple(countries), tuple(regions), fixed, widened)
                for zones, countries, regions, fixed, widened in places
            ),
            prefixes,
        )

    def learn(self) -> None:
        """Take the saved prefixes as this process's own."""
        saved = self.load()
        self._rewrite = saved is None
        if saved is not None:
            learn_prefixes(saved)
        self._learnt = len(known_prefixes().prefixes)

    def keep(self) -> None:
        """Save what this process learnt since ``learn``, if anything, with what another
        process saved meanwhile; or everything it knows when the file was not trusted."""
        if len(known_prefixes().prefixes) <= self._learnt and not self._rewrite:
            return
        saved = self.load()
        if saved is not None:
            learn_prefixes(saved)
        known = known_prefixes()
        if not known.prefixes:
            return
        data = {
            "places": [[p.zones, p.countries, p.regions, p.fixed, p.widened] for p in known.places],
            "prefixes": known.prefixes,
        }
        body = content_cache.signed(self.key, orjson.dumps(data))
        if not content_cache.write_whole(self.path, body):
            return
        self._rewrite = False
        self._learnt = len(known.prefixes)


_PREFIX = re.compile(r"\+1[0-9]{6}")


def _is_place(item: object) -> bool:
    if not isinstance(item, list) or len(item) != 5:
        return False
    zones, countries, regions, fixed, widened = item
    texts = (zones, countries, regions)
    return (
        all(isinstance(t, list) and all(isinstance(s, str) for s in t) for t in texts)
        and type(fixed) is bool
        and type(widened) is bool
    )


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
