"""What this tool keeps in the user's cache directory (``$XDG_CACHE_HOME/dograh-campaigns``
on Linux, platformdirs' choice elsewhere): the content hashes of live contacts files,
and the apply locks. Nothing in it is secret: no key, no phone number.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import platformdirs

CACHE_VERSION = 1


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
