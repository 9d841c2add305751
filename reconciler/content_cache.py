"""What loading a manifest file found, kept between runs, as ruff and mypy keep theirs.

Loading a file costs its YAML, its CSV's checks and the places its numbers ring; a
second run over the same bytes finds the same. So each manifest file that loaded
cleanly leaves an entry, named by a digest of everything its result depends on: the
file's bytes and where it lies (its name in messages, the directory a run starts in),
and every input of the verdict (``verdict_inputs``: this tool's version and code,
phonenumbers', tzdata's and the system's zone data, the rules and the area-code table).
What the file points at is checked when the entry is read: the CSV by the digest of its
bytes, the Defaults by loading them as a miss would (only the YAML of the campaign
comes from the entry; its model is validated again).

Beside each document, its calling-hours verdict (its diagnostics and holiday reaches),
under a key of what else the check read (calling_hours.py ``verdict_key``: the Policy's
rules and margin, the year, what Defaults gave): a run under that key takes it and
never decodes where the numbers ring; another one decodes them (``recipients_in``),
checks, and writes the entry again with its own verdict (``judged``).

Entries are kept in 256 shard files, ``files-v2/<two hex characters>.entries`` in the
cache directory (``cache_directory``), named by the first characters of their keys. A
key starts with a digest of where the file is (``slot``), so a file's entries are always
in one shard, and its new entry replaces its old one there: an edit rewrites one shard,
and the cache holds one entry per file, not one per version. A cold run of 10,000 files
writes 256 files, not 10,000 (creating a file costs up to half a millisecond). A shard
is a run of records ``<key> <digest> <length>\\n<JSON>\\n``, written under a lock
(``_writing``): a run that writes while another does waits, then merges. Where NANP
prefixes ring (cache.py's PrefixCache) is one more file, ``<digest>\\n<JSON>``, under
the same inputs; so is the verdict that no number is in two dialling manifests' CSVs
(planner/dialed.py). JSON, never pickle: reading a file planted in a shared CI
cache runs no code. The digest covers the entry's key and its bytes; an entry whose
digest, key or shape is not exactly as written is a miss, and the file is loaded and its
entry written anew. A digest detects damage, not a forger who can write the cache: such
a cache is as trusted as the checkout. Entries are written once the output is printed
(``write_pending``), and hold no phone number: places, counts and row numbers only.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import stat
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from sys import intern
from typing import TYPE_CHECKING, Any

import orjson

from reconciler.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:  # the CLI imports this module for ``use``: the rest when loading
    from reconciler.hours import Recipients, Rows
    from reconciler.hours.numbers import Place
    from reconciler.manifest.contacts import EmptyCells

FORMAT = "files-v2"

SLOT = 64
"""The length of a key's first part: the digest of where its file is (``slot``)."""

_MAX_BYTES = 1 << 28
"""Past this, a file of this cache is not read (a miss): no entry is near it."""

_enabled = True


def use(enabled: bool) -> None:
    """Whether this process reads and writes the cache (``--no-cache``: not at all)."""
    global _enabled
    _enabled = enabled


def enabled() -> bool:
    return _enabled


@dataclass
class CachedDocument:
    """One campaign document of a cached file: what loading it found."""

    data: Any
    """The document's YAML, as plain JSON values."""
    positions: dict[str, tuple[int, int]]
    csv: str
    """``spec.source.csv`` as written."""
    target: str
    """The CSV's real path when the entry was written."""
    csv_sha256: str
    display: str
    content: str
    size: int
    rows: int
    columns: tuple[str, ...]
    empty: Mapping[str, EmptyCells]
    findings: list[Diagnostic]
    said: bool
    """Whether ``findings`` are the CSV's (this document read it first when the entry
    was made); if not, another manifest said them, and the entry is taken only in a
    run that has read the CSV before it."""
    recipients: Recipients | None = None
    """Where its numbers ring: of a document loaded in this run (one read from an entry
    is decoded only if its verdict is not this run's, ``recipients_in``)."""
    held: Held | None = None
    """Of a document read from an entry: its place there, and its verdict as stored."""


@dataclass(frozen=True)
class Held:
    """A manifest of a file the cache holds: its entry (by key), its document's index
    there, and the calling-hours verdict stored with it, with the key it was made under
    (None: none stored, or not of the shape ``judged`` writes), used only by a run of
    that key (``verdict``). Decoded when read, so that the entry's values are let go:
    kept as read, every run held them (30 MB at 10,000 files) beside what they give."""

    entry: str
    index: int
    verdict: tuple[str, Verdict] | None = None


Reach = tuple[str, str, int, Diagnostic]
"""A holiday reach of a verdict (calling_hours.py ``HolidayReach``): its rule, the
campaign, its contacts under the rule, and the campaign's own warning."""
Verdict = tuple[list[Diagnostic], list[Reach]]
"""The calling-hours check of one manifest (calling_hours.py ``check_manifest``)."""


@dataclass
class _Pending:
    key: str
    documents: list[CachedDocument] = field(default_factory=list)
    kept: bool = False


@dataclass
class Unsigned:
    """An entry to write: its documents in JSON, and one verdict per document, filled in
    by the calling-hours check (``judged``); signed when written (``write_pending``)."""

    path: str
    documents: bytes
    verdicts: list[Any]


_PENDING: dict[str, Unsigned] = {}
"""Entries made by this process, by key, written by ``write_pending``."""

_REOPENED: dict[str, list[Any] | None] = {}
"""Entries read again by this process for a verdict that was not this run's (by key):
their documents and verdicts, or None when the entry is gone or not as written."""


class FileCache:
    """The entries of one share of files: read while loading, written afterwards."""

    def __init__(self, directory: Path | None = None) -> None:
        self._inputs = inputs()
        self.directory = cache_path(directory)
        self._building: dict[int, tuple[_Pending, CachedDocument, int]] = {}
        self._entries: list[_Pending] = []
        self._held: dict[int, Held] = {}
        self._shards_read: set[str] = set()
        self._read: dict[str, list[CachedDocument] | None] = {}
        self._wanted: set[str] | None = None

    def key(self, cwd: str, file: str, display: str, scanned: bool, text: str) -> str:
        """Where the file is (``slot``: its shard, and the entry a new one replaces), then
        a digest of that, its bytes and every input of the verdict."""
        where = slot(cwd, file, display, scanned)
        digest = hashlib.sha256(self._inputs)
        digest.update(b"\0" + where.encode("ascii") + b"\0" + text.encode("utf-8"))
        return where + digest.hexdigest()

    def _path(self, key: str) -> str:
        return _shard_path(self.directory, key)

    def expect(self, keys: Iterable[str]) -> None:
        """The keys this process will read: of each shard, only their entries are decoded
        (the others are other processes' files, or files not of this run)."""
        self._wanted = set(keys)

    def read(self, key: str) -> list[CachedDocument] | None:
        """The entry's documents, or None: no entry, or one that cannot be trusted."""
        path = self._path(key)
        if path not in self._shards_read:  # each shard read once, its entries decoded
            self._shards_read.add(path)
            shard = read_shard(path)
            taken = set(shard) if self._wanted is None else self._wanted.intersection(shard)
            taken.update((key,) if key in shard else ())  # asked, if not announced
            # Decoded now, not when asked: the files come in their order, the shards in
            # their keys', so every shard is read early on, and its records kept as bytes
            # until asked were every entry's at once (46 MB at 10,000 files), the places
            # of their numbers included, which a run decodes only when its verdict misses.
            for wanted in taken:
                self._read[wanted] = _entry(wanted, shard[wanted])
        return self._read.pop(key, None)

    def start(self, key: str) -> _Pending:
        """A new entry for a file that loads cleanly; kept once every document is in."""
        return _Pending(key)

    def add(self, pending: _Pending, manifest_id: int, document: CachedDocument) -> None:
        self._building[manifest_id] = (pending, document, len(pending.documents))
        pending.documents.append(document)

    def keep(self, pending: _Pending) -> None:
        pending.kept = True
        self._entries.append(pending)

    def restored(self, manifest_id: int, held: Held | None) -> None:
        if held is not None:
            self._held[manifest_id] = held

    def holds(self, manifest_id: int) -> bool:
        """Whether the manifest was restored from an entry (its numbers are not placed)."""
        return manifest_id in self._held

    def placed(self, manifest_id: int, recipients: Recipients) -> None:
        """Where a manifest loaded in this run rings: the last part of its entry."""
        building = self._building.get(manifest_id)
        if building is not None:
            building[1].recipients = recipients

    def held(self, manifest_id: int) -> Held | None:
        """The manifest's place in the cache: the entry it was restored from, or the one
        made for it in this run (None: its file is not cached)."""
        found = self._held.get(manifest_id)
        if found is None:
            building = self._building.get(manifest_id)
            if building is not None and building[0].kept:
                found = Held(building[0].key, building[2])
        return found

    def stage(self) -> None:
        """Every complete entry of this share, to be written by ``write_pending`` with
        the verdicts that the calling-hours check gives them meanwhile (``judged``)."""
        for entry in self._entries:
            if any(d.recipients is None for d in entry.documents):
                continue
            body = orjson.dumps([_document_json(d) for d in entry.documents])
            verdicts: list[Any] = [None] * len(entry.documents)
            _PENDING[entry.key] = Unsigned(self._path(entry.key), body, verdicts)
        self._entries.clear()
        self._read.clear()


def slot(cwd: str, file: str, display: str, scanned: bool) -> str:
    """Where a manifest file is, as a digest: the first part of its entries' keys."""
    digest = hashlib.sha256()
    for part in (cwd, file, display, "scanned" if scanned else "named"):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


Shard = dict[str, tuple[bytes, memoryview]]
"""A shard's records as read: each key's digest and JSON body, checked when taken."""


def read_shard(path: str) -> Shard:
    """The records of a shard file; one not of the form written ends the reading (the
    rest are misses), as does a file that is not there or not a regular file."""
    from reconciler.manifest.yaml_source import NotRegular, TooBig, read_capped

    try:
        data = read_capped(path, _MAX_BYTES)
    except (OSError, TooBig, NotRegular):  # a FIFO or device planted here is not waited on
        return {}
    view, found, at = memoryview(data), {}, 0
    while at < len(data):
        end = data.find(b"\n", at)
        header = data[at:end].split(b" ") if end >= 0 else []
        if len(header) != 3 or len(header[0]) != 2 * SLOT or not header[2].isdigit():
            break
        start = end + 1
        stop = start + int(header[2])
        if data[stop : stop + 1] != b"\n" or not _hex(header[0]):
            break
        found[header[0].decode("ascii")] = (header[1], view[start:stop])
        at = stop + 1
    return found


def _hex(text: bytes) -> bool:
    try:
        bytes.fromhex(text.decode("ascii"))
    except ValueError:  # UnicodeDecodeError too
        return False
    return True


def _entry(key: str, record: tuple[bytes, memoryview]) -> list[CachedDocument] | None:
    body = _verified(record, key)
    if body is None:
        return None
    try:
        return _documents(key, orjson.loads(body))
    except (ValueError, TypeError, KeyError):
        return None


def _verified(record: tuple[bytes, memoryview] | None, key: str) -> memoryview | None:
    """The body of ``key``'s record, if its digest is that of the key and the body."""
    if record is None or record[0] != _sign(key, record[1]).encode("ascii"):
        return None
    return record[1]


def inputs() -> bytes:
    """Every input of a verdict (``verdict_inputs``) and this tool's code, in one
    canonical form: what every key of this cache starts from."""
    found = {**verdict_inputs(), "code": _code_digest()}
    return orjson.dumps(found, option=orjson.OPT_SORT_KEYS)


def signed(key: str, body: bytes) -> bytes:
    """A file of this cache: the digest of its key and body, a newline, the body."""
    return _sign(key, body).encode("ascii") + b"\n" + body


def read_signed(path: Path | str, key: str) -> bytes | None:
    """The body of a file of this cache made for ``key``, or None: no file, or one whose
    digest is not that of the key and the body read."""
    from reconciler.manifest.yaml_source import NotRegular, TooBig, read_capped

    try:  # one open and one fstat, no file object: every entry of every run
        raw = read_capped(path, _MAX_BYTES)
    except (OSError, TooBig, NotRegular):  # a FIFO or device planted here is not waited on
        return None
    digest, _, body = raw.partition(b"\n")
    return body if digest == _sign(key, body).encode("ascii") else None


def write_whole(path: Path | str, data: bytes) -> bool:
    """Write a file of this cache whole or not at all (a temporary file, renamed); False
    when it cannot be written, which only costs the work again next time."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(data)
        temporary.replace(path)
    except OSError:
        return False
    return True


def cache_directory() -> Path:
    """``$XDG_CACHE_HOME/dograh-campaigns`` (platformdirs' user cache directory): this
    cache's, and those of cache.py and lock.py."""
    import platformdirs  # here, as the rest: the CLI imports this module at start-up

    return Path(platformdirs.user_cache_dir("dograh-campaigns", appauthor=False))


def cache_path(directory: Path | None = None) -> Path:
    """Where the entries are: ``files-v2`` in the cache directory."""
    return (directory or cache_directory()) / FORMAT


def take_pending() -> dict[str, Unsigned]:
    """The entries this process made, for another to write (a share's process)."""
    taken = dict(_PENDING)
    _PENDING.clear()
    return taken


def keep_pending(entries: dict[str, Unsigned]) -> None:
    """Entries another process made, written with this one's."""
    _PENDING.update(entries)


_FILES: list[tuple[Path, bytes]] = []
"""Files of this cache that are not entries (planner/dialed.py's verdict), as signed."""


def keep_file(path: Path, data: bytes) -> None:
    """A file of this cache that is not an entry, written with the entries."""
    _FILES.append((path, data))


def write_pending() -> None:
    """Write the entries this process made or gave a new verdict, into their shards, and
    its other files, each whole or not at all; a cache that cannot be written only
    costs the loading next time."""
    shards: dict[str, dict[str, bytes]] = {}
    while _PENDING:
        key, entry = _PENDING.popitem()
        body = b"[" + entry.documents + b"," + orjson.dumps(entry.verdicts) + b"]"
        shards.setdefault(entry.path, {})[key] = body
    for directory in {Path(path).parent for path in shards}:
        with _writing(directory) as allowed:
            for path, entries in shards.items():
                if allowed and Path(path).parent == directory:
                    write_whole(path, _merged(path, entries))
    while _FILES:
        write_whole(*_FILES.pop())
    _REOPENED.clear()
    _REOPENED_SHARDS.clear()


LOCK_WAIT = 5.0
"""Seconds a run waits for another run's writing of the shards; past them, it leaves its
own entries unwritten (they cost their loading next time), rather than hang."""


@contextmanager
def _writing(directory: Path) -> Iterator[bool]:
    """Whether this run may write the shards of ``directory``, held while it reads, merges
    and writes them: two runs that write at once (two terminals, CI jobs sharing a
    cache) keep both's entries. The lock file is opened read-only and never written, so
    a file planted there is not changed through it; one that is not a regular file is
    not waited on, nor is a directory the lock cannot be made in (the writes say), nor
    a file system that has no locks."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        flags = os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
        handle = os.open(directory / "write.lock", flags, 0o600)
    except OSError:
        yield True
        return
    try:
        yield _locked(handle)
    finally:
        os.close(handle)  # releases the lock


def _locked(handle: int) -> bool:
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        return True
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        except OSError:  # no locks on this file system (ENOLCK): written as before locks
            return True


def _merged(path: str, entries: dict[str, bytes]) -> bytes:
    """The shard as it is now with ``entries``: each replaces the record of its file (its
    slot); the other files' records are kept as they are (a damaged one stays a miss)."""
    slots = {key[:SLOT] for key in entries}
    kept = read_shard(path)
    records = [
        _record(k, digest, body) for k, (digest, body) in kept.items() if k[:SLOT] not in slots
    ]
    for key, body in entries.items():
        records.append(_record(key, _sign(key, body).encode("ascii"), body))
    return b"".join(records)


def _record(key: str, digest: bytes, body: bytes | memoryview) -> bytes:
    return b"%s %s %d\n%s\n" % (key.encode("ascii"), digest, len(body), body)


def verdict(held: Held, key: str) -> Verdict | None:
    """The calling-hours verdict stored for a manifest, if it was made under ``key``
    (everything the check reads that its entry's key does not cover: the Policy's
    rules, the year, what Defaults give; calling_hours.py ``verdict_key``); None
    otherwise, or when it is not of the shape ``judged`` writes."""
    stored = held.verdict
    return stored[1] if stored is not None and stored[0] == key else None


def recipients_in(held: Held, csv_sha256: str) -> Recipients | None:
    """Where a restored manifest's numbers ring, from its entry, read again (a verdict
    not of this run's key is rare: a Policy changed); None when the entry is gone or no
    longer the one of this CSV."""
    document = _document_of(held, csv_sha256)
    if document is None:
        return None
    try:
        return _recipients(orjson.loads(_text(document[12])))
    except ValueError:  # not JSON, or not of the shape written (_Malformed)
        return None


def _document_of(held: Held, csv_sha256: str) -> list[Any] | None:
    """The manifest's document in its entry read again, if it is still of this CSV."""
    found = _reopened(held.entry)
    if found is None or held.index >= len(found[0]):
        return None
    document: list[Any] = found[0][held.index]
    return document if document[4] == csv_sha256 else None


def judged(held: Held, key: str, found: Verdict, csv_sha256: str) -> None:
    """A manifest's verdict under ``key``, into its entry, written anew after the
    output: the entry made in this run, or the one read again (``recipients_in``) if
    its document is still of this CSV (the verdict is of this CSV's numbers)."""
    if held.entry in _REOPENED:
        reopened = _REOPENED[held.entry]
        if reopened is None or _document_of(held, csv_sha256) is None:
            return  # the entry is gone or another's: not touched
        if held.entry not in _PENDING:
            documents, verdicts = reopened
            path = _shard_path(cache_path(), held.entry)
            _PENDING[held.entry] = Unsigned(path, orjson.dumps(documents), verdicts)
    entry = _PENDING.get(held.entry)
    if entry is not None:
        entry.verdicts[held.index] = _verdict_json(key, found)


_REOPENED_SHARDS: dict[str, Shard] = {}
"""Shards read again by this process, by path: a verdict not of this run's key is
usually every file's (a Policy changed), each shard read once."""


def _reopened(key: str) -> list[Any] | None:
    if key not in _REOPENED:
        found = None
        path = _shard_path(cache_path(), key)
        if path not in _REOPENED_SHARDS:
            _REOPENED_SHARDS[path] = read_shard(path)
        body = _verified(_REOPENED_SHARDS[path].get(key), key)
        try:
            raw = orjson.loads(body) if body is not None else None
            documents, verdicts = _shape(raw)
            for document in documents:
                _check(type(document) is list and len(document) == 14)
            found = [documents, verdicts]
        except (ValueError, TypeError):
            found = None
        _REOPENED[key] = found
    return _REOPENED[key]


def plain_json(data: Any) -> bool:
    """Whether YAML data reads back from JSON as it is (no NaN, no huge integer, no key
    that is not a string): only such data is cached."""
    try:
        return bool(orjson.loads(orjson.dumps(data)) == data)
    except (TypeError, ValueError):
        return False


def verdict_inputs() -> dict[str, str]:
    """Everything that decides where a number rings and which rules hold there, and how
    a file reads (Python's: its ``csv`` reader, the digits ``int`` takes): a change of
    any one is another cache (phonenumbers' version as installed: a run that finds every
    file in the content cache does not import it)."""
    import sys

    import reconciler
    from reconciler.hours import numbers, rules

    return {
        "tool": reconciler.__version__,
        "python": sys.version,
        "phonenumbers": _package_version("phonenumbers"),
        "tzdata": _package_version("tzdata"),
        "zoneinfo": _system_zone_data(),
        "area_codes": hashlib.sha256(numbers.area_codes_bytes()).hexdigest(),
        "rules": hashlib.sha256(rules.rules_bytes()).hexdigest(),
    }


def _package_version(name: str) -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "none"


def _system_zone_data() -> str:
    """The version of the zone data that ``zoneinfo`` reads first (the system's, when
    there is one; tzdata's package otherwise)."""
    import zoneinfo

    for directory in zoneinfo.TZPATH:
        try:
            with (Path(directory) / "tzdata.zi").open("rb") as file:
                first = file.readline(100)
        except OSError:
            continue
        return first.decode("ascii", "replace").strip().removeprefix("# version ")
    return "package"


def _shard_path(directory: Path, key: str) -> str:
    """An entry's shard, named by the first two hex characters of its key (a string:
    pathlib joins per entry cost more than the rest of finding it)."""
    return f"{directory}{os.sep}{key[:2]}.entries"


def _sign(key: str, body: bytes | memoryview) -> str:
    digest = hashlib.sha256(key.encode("ascii") + b"\0")
    digest.update(body)
    return digest.hexdigest()


_CODE: list[str] = []


def _code_digest() -> str:
    """This tool's code, by each module's name, size and modification time: a changed
    checkout (an editable install) is another cache even at the same version."""
    if not _CODE:
        found: list[str] = []
        _code_files(Path(__file__).resolve().parent, "", found)
        digest = hashlib.sha256()
        for line in sorted(found):
            digest.update(line.encode())
        _CODE.append(digest.hexdigest())
    return _CODE[0]


def _code_files(directory: Path, prefix: str, found: list[str]) -> None:
    """``name size mtime`` of each module under ``directory``, by ``os.scandir`` and
    without the ``__pycache__`` folders: pathlib's walk cost every run ~6 ms."""
    with os.scandir(directory) as listing:
        for entry in listing:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    _code_files(Path(entry.path), f"{prefix}{entry.name}/", found)
            elif entry.name.endswith((".py", ".json")):
                status = entry.stat()
                found.append(f"{prefix}{entry.name}\0{status.st_size}\0{status.st_mtime_ns}\n")


def _document_json(d: CachedDocument) -> list[Any]:
    assert d.recipients is not None
    return [
        d.data,
        d.positions,
        d.csv,
        d.target,
        d.csv_sha256,
        d.display,
        d.content,
        d.size,
        d.rows,
        d.columns,
        [[column, c.rows, c.count, c.line] for column, c in d.empty.items()],
        [_diagnostic_json(f) for f in d.findings],
        # As JSON text: a run that takes the verdict never parses it (a third of the entry).
        orjson.dumps(_recipients_json(d.recipients)).decode(),
        d.said,
    ]


def _recipients_json(r: Recipients) -> list[Any]:
    places = [
        [_place_json(p.place) for p in r.places],
        [p.contacts for p in r.places],
        [p.rows for p in r.places],
    ]
    return [
        places,
        [r.invalid.total, r.invalid.examples],
        [r.unreadable.total, r.unreadable.examples],
        r.unreadable_why,
        r.fictional,
        [r.bad_timezones.total, r.bad_timezones.examples],
    ]


def _place_json(place: Place) -> str:
    """A place as one string: read back through a table, one parse per distinct place;
    made once per distinct place too (a few dozen places among a million numbers)."""
    text = _PLACE_TEXTS.get(place)
    if text is None:
        fields = [place.zones, place.countries, place.regions, place.fixed, place.widened]
        text = _PLACE_TEXTS[place] = orjson.dumps(fields).decode()
    return text


_PLACE_TEXTS: dict[Place, str] = {}


class _Malformed(ValueError):
    """An entry not of the shape this module writes."""


def _check(condition: bool) -> None:
    if not condition:
        raise _Malformed


def _text(value: Any) -> str:
    _check(type(value) is str)
    return str(value)


def _int(value: Any) -> int:
    _check(type(value) is int and value >= 0)
    return int(value)


def _texts(value: Any) -> tuple[str, ...]:
    _check(type(value) is list and _only(str, value))
    return tuple(value)


def _ints(value: Any) -> tuple[int, ...]:
    _check(type(value) is list and _only(int, value) and min(value, default=0) >= 0)
    return tuple(value)


def _rows(value: Any) -> Rows:
    from reconciler.hours import Rows

    _check(type(value) is list and len(value) == 2)
    return Rows(_int(value[0]), _ints(value[1]))


def _shape(raw: Any) -> tuple[list[Any], list[Any]]:
    """An entry's documents and their verdicts, one each (None: no verdict yet)."""
    _check(type(raw) is list and len(raw) == 2)
    documents, verdicts = raw
    _check(type(documents) is list and len(documents) > 0)
    _check(type(verdicts) is list and len(verdicts) == len(documents))
    return documents, verdicts


def _documents(key: str, raw: Any) -> list[CachedDocument]:
    documents, verdicts = _shape(raw)
    return [
        _document(item, Held(key, index, _stored(verdicts[index])))
        for index, item in enumerate(documents)
    ]


def _stored(value: Any) -> tuple[str, Verdict] | None:
    """A verdict as ``judged`` wrote it, with its key; None if none, or of another shape
    (the check is made again, and the entry given the new verdict)."""
    if type(value) is not list or len(value) != 3 or type(value[0]) is not str:
        return None
    try:
        return intern(value[0]), _verdict(value[1], value[2])
    except _Malformed:
        return None


def _document(item: Any, held: Held) -> CachedDocument:
    """A document of an entry; where its numbers ring is left as read (``recipients_in``
    decodes it when the verdict stored beside it is not this run's)."""
    _check(type(item) is list and len(item) == 14)
    (
        data,
        positions,
        csv,
        target,
        sha,
        display,
        content,
        size,
        rows,
        columns,
        empty,
        found,
        _,
        said,
    ) = item
    _check(type(data) is dict and type(positions) is dict and type(said) is bool)
    # Each check in one expression, no call per value: this runs for every file of
    # every run (a dozen positions: cheaper than checks in bulk).
    where = {}
    for path, at in positions.items():
        _check(type(at) is list and len(at) == 2)
        line, column = at
        _check(type(line) is int and type(column) is int and line > 0 and column > 0)
        where[path] = (line, column)
    return CachedDocument(
        data,
        where,
        _text(csv),
        _text(target),
        _text(sha),
        _text(display),
        _text(content),
        _int(size),
        _int(rows),
        _texts(columns),
        _empty(empty),
        _diagnostics(found),
        said,
        held=held,
    )


def _diagnostics(value: Any) -> list[Diagnostic]:
    """Diagnostics as ``_diagnostic_json`` writes them (each check in one expression:
    a verdict has a few, and every file of every run has one)."""
    _check(type(value) is list)
    found = []
    for item in value:
        _check(type(item) is list and len(item) == 6)
        file, line, column, path, message, severity = item
        _check(
            type(file) is str
            and type(line) is int
            and type(column) is int
            and line >= 0
            and column >= 0
            and type(path) is str
            and type(message) is str
            and severity in ("error", "warning")
        )
        # One string for each name many diagnostics repeat (thousands are kept at once).
        level: Severity = "warning" if severity == "warning" else "error"
        found.append(Diagnostic(intern(file), line, column, intern(path), message, level))
    return found


def _diagnostic_json(d: Diagnostic) -> list[Any]:
    return [d.file, d.line, d.column, d.path, d.message, d.severity]


def _verdict_json(key: str, found: Verdict) -> list[Any]:
    """A verdict as stored: its diagnostics and holiday reaches (places, messages,
    counts and row numbers), under the key it was made under."""
    diagnostics, holidays = found
    reaches = [[rule, who, n, _diagnostic_json(said)] for rule, who, n, said in holidays]
    return [key, [_diagnostic_json(d) for d in diagnostics], reaches]


def _verdict(diagnostics: Any, holidays: Any) -> Verdict:
    _check(type(holidays) is list)
    reaches: list[Reach] = []
    for reach in holidays:
        _check(type(reach) is list and len(reach) == 4)
        rule, campaign, contacts, said = reach
        _check(type(rule) is str and type(campaign) is str and type(contacts) is int)
        _check(contacts >= 0)
        reaches.append((rule, campaign, contacts, _diagnostics([said])[0]))
    return _diagnostics(diagnostics), reaches


def _empty(value: Any) -> dict[str, EmptyCells]:
    from reconciler.manifest.contacts import EmptyCells

    found = {}
    for item in _list(value):
        _check(type(item) is list and len(item) == 4)
        column, rows, count, line = item
        found[_text(column)] = EmptyCells(_ints(rows), _int(count), _int(line))
    _check(len(found) == len(value))
    return found


def _only(kind: type, values: Iterable[Any]) -> bool:
    """Whether every value is exactly of ``kind`` (not a subclass: no bool for int)."""
    return set(map(type, values)) <= {kind}


def _list(value: Any) -> list[Any]:
    _check(type(value) is list)
    return list(value)


_PLACES: dict[str, Place] = {}
"""One object per place, as the loader makes them: the check memoises by place."""


def _place(text: Any) -> Place:
    from reconciler.hours.numbers import Place

    _check(type(text) is str)
    known = _PLACES.get(text)
    if known is None:
        value = orjson.loads(text)
        _check(type(value) is list and len(value) == 5)
        zones, countries, regions, fixed, widened = value
        _check(type(fixed) is bool and type(widened) is bool)
        known = Place(_texts(zones), _texts(countries), _texts(regions), fixed, widened)
        _PLACES[text] = known
    return known


def _recipients(value: Any) -> Recipients:
    from reconciler.hours import PlaceCount, Recipients

    _check(type(value) is list and len(value) == 6)
    places, invalid, unreadable, why, fictional, bad_timezones = value
    _check(type(places) is list and len(places) == 3)
    keys, contacts, rows = places
    _check(type(keys) is list and type(contacts) is list and type(rows) is list)
    _check(len(keys) == len(contacts) == len(rows))
    # Checked in bulk (types as sets, bounds by min): every place of every file, every run.
    _check(_only(int, contacts) and min(contacts, default=1) > 0)
    _check(_only(list, rows))
    every = list(chain.from_iterable(rows))
    _check(_only(int, every) and min(every, default=2) > 1)
    get = _PLACES.get
    places = [get(key) or _place(key) for key in keys]
    counts = tuple(map(PlaceCount, places, contacts, map(tuple, rows)))
    return Recipients(
        places=counts,
        invalid=_rows(invalid),
        unreadable=_rows(unreadable),
        unreadable_why=_texts(why),
        fictional=_int(fictional),
        bad_timezones=_rows(bad_timezones),
    )
