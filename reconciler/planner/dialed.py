"""The numbers the manifests that dial call, for the check of one person in two
campaigns (shared_contacts.py), and the kept verdict that spares reading them.

A manifest loaded from its files brings its numbers (``load_chunk`` reads them with the
places they ring); one the content cache restores does not: the cache holds no phone
number, nor a digest of one (a short digest of a number is reversed by trying them
all). Reading 10,000 CSVs again costs about a second, every run, for the common answer:
no number is in two of them. So that answer is kept, as a signed file of the content
cache named by a digest of everything it depends on (``verdict_key``): the cache's
inputs (this tool's code among them: which column is dialled, how a number is
normalised; and Python's version), and the sha256 of the bytes of each dialling
manifest's CSV, sorted, repeats kept (two campaigns of one CSV share everyone). Nobody shared among
all the campaigns that dial means nobody among any of them (a plan leaves out those that
will not dial): only that verdict is kept. With none, or one damaged, the numbers the
cache restored are read from the bytes the manifests carry, in the pool's processes as
the files were, and checked as ever; a new verdict is written after the output, with the
cache's entries.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from reconciler import content_cache
from reconciler.calling_hours import dialed_of, dials, rows_of
from reconciler.manifest.contacts import ContactsFile
from reconciler.manifest.load import Manifest
from reconciler.planner.workers import Pool, chunks
from reconciler.shared_contacts import Dialed, numbers_of, repeated_numbers

VERDICT = b"no number is in two of these CSVs\n"
"""The body of a verdict file: the only verdict kept."""


def dialed_numbers(
    manifests: Sequence[Manifest], loaded: Sequence[Dialed | None], pool: Pool
) -> list[Dialed]:
    """The numbers of the manifests that dial (``loaded``: theirs as loading found them,
    None where the content cache restored the manifest) when some number is in two of
    their CSVs; none otherwise, as nobody is shared whichever campaigns dial."""
    dialing = [manifest for manifest in manifests if dials(manifest)]
    if len(dialing) < 2:
        return []  # one CSV's own repeats are the CSV check's
    key = None
    if content_cache.enabled():
        key = verdict_key(manifest.contacts.sha256 for manifest in dialing)
        if content_cache.read_signed(verdict_path(key), key) == VERDICT:
            return []
    found = _completed(dialing, loaded, pool)
    if repeated_numbers(found):
        return found
    if key is not None:
        content_cache.keep_file(verdict_path(key), content_cache.signed(key, VERDICT))
    return []


def verdict_key(csvs: Iterable[str]) -> str:
    """The digest of what decides whether a number is in two of the CSVs: the content
    cache's inputs (the tool's code, Python's version: its ``csv`` reader, the digits
    ``int`` takes) and the sha256 of each CSV's bytes (``csvs``), sorted, repeats kept."""
    digest = hashlib.sha256(content_cache.inputs())
    digest.update(b"\0shared contacts")
    for csv in sorted(csvs):
        digest.update(b"\0" + csv.encode("ascii"))
    return digest.hexdigest()


def verdict_path(key: str) -> Path:
    """Under the content cache's format directory: ``--no-cache`` and an emptied cache
    pass it by as they pass the entries."""
    return content_cache.cache_path() / "shared-contacts" / f"{key}.verdict"


def numbers_read(contacts: list[ContactsFile]) -> list[tuple[array[int], array[int]]]:
    """Each CSV's numbers and their rows, read from its bytes (in any process: only the
    CSVs' facts travel, and compact arrays come back)."""
    return [numbers_of([(row, phone) for row, phone, _ in rows_of(c)]) for c in contacts]


def _completed(
    dialing: Sequence[Manifest], loaded: Sequence[Dialed | None], pool: Pool
) -> list[Dialed]:
    """``loaded`` with the numbers of the restored manifests read: a run of them in this
    process, one in each process of the pool, as the files were loaded."""
    missing = [manifest for manifest, known in zip(dialing, loaded, strict=True) if known is None]
    if not missing:
        return [known for known in loaded if known is not None]
    first, *others = chunks(missing, pool.processes if len(missing) > 1 else 1)
    reading = [pool.executor.submit(numbers_read, [m.contacts for m in run]) for run in others]
    read = numbers_read([m.contacts for m in first])
    read.extend(numbers for future in reading for numbers in future.result())
    taken = iter(read)
    found = []
    for manifest, known in zip(dialing, loaded, strict=True):
        if known is None:
            numbers, rows = next(taken)
            known = replace(dialed_of(manifest, []), numbers=numbers, rows=rows)
        found.append(known)
    return found
