"""Live contacts against the manifests' CSVs, for campaigns whose upload name does not
say (made in Dograh's UI, by another tool) or says other contacts.

Plan reads such a campaign's file once (``GET /campaign/{id}/source-download-url``,
then the URL) and keeps its content hash in the user's cache directory, keyed by
``source_id``: a key's object never changes in Dograh, so a steady-state plan makes no
request for it. A download that fails is an error naming the campaign, never a guess.
When the contacts differ, the conflict gives counts of numbers added and removed, never
the numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from reconciler.cache import ContactsCache
from reconciler.client import DograhClient
from reconciler.client_errors import DograhError
from reconciler.diff import ContactCheck
from reconciler.errors import UserError
from reconciler.hours import normalise_e164
from reconciler.manifest.contacts import PHONE_COLUMN, column_at, contacts_of_bytes, read_records
from reconciler.plan import Conflict


@dataclass(frozen=True)
class Settled:
    """The comparisons that failed: the campaigns whose changes must not run."""

    conflicts: list[Conflict]
    refused: set[int]
    """Live campaign ids whose planned changes are dropped."""


def settle(checks: Sequence[ContactCheck], client: DograhClient, cache: ContactsCache) -> Settled:
    """Compare each check's live contacts with its CSV: from the cache, else downloaded
    (side by side); a mismatch is a conflict with counts."""
    unknown = [c for c in checks if c.live_content is None and cache.get(c.source_id) is None]
    mismatched = [c for c in checks if c.live_content is not None]
    downloaded: dict[int, bytes] = {}
    needed = [*unknown, *mismatched]
    if needed:
        with ThreadPoolExecutor(max_workers=min(8, len(needed)), thread_name_prefix="dl") as pool:
            answers = pool.map(lambda c: _download(client, c), needed)
            downloaded = dict(zip((c.campaign_id for c in needed), answers, strict=True))
    conflicts = []
    refused: set[int] = set()
    for check in checks:
        content = check.live_content
        raw = downloaded.get(check.campaign_id)
        if content is None:
            content = cache.get(check.source_id)
        if content is None and raw is not None:
            content = _content_of(raw, check)
            cache.put(check.source_id, content)
        if content == check.content:
            continue
        # Known from the cache to differ: read it again for the counts.
        live_raw = raw if raw is not None else _download(client, check)
        refused.add(check.campaign_id)
        conflicts.append(_conflict(check, live_raw))
    return Settled(conflicts, refused)


def _download(client: DograhClient, check: ContactCheck) -> bytes:
    try:
        target = client.source_download_url(check.campaign_id)
        return client.download(target.download_url)
    except DograhError as exc:
        raise UserError(
            f"cannot read the live contacts of campaign '{check.name}' (id "
            f"{check.campaign_id}) to compare them with {check.csv_display}: {exc}"
        ) from exc


def _content_of(raw: bytes, check: ContactCheck) -> str:
    contacts, _ = contacts_of_bytes(raw, "", f"campaign {check.campaign_id}'s contacts")
    if contacts is None:
        # Not a CSV this tool can read: no CSV in git can equal it.
        return "unreadable:" + hashlib.sha256(raw).hexdigest()[:16]
    return contacts.content


def _numbers(raw: bytes) -> set[str]:
    """The phone numbers of a CSV, normalised (E.164 where they parse)."""
    try:
        text = raw.decode("utf-8").lstrip("\ufeff")
        records = read_records(text)
    except (UnicodeDecodeError, ValueError):
        return set()
    if not records:
        return set()
    at = column_at([cell.strip().lower() for cell in records[0]], PHONE_COLUMN)
    if at < 0:
        return set()
    found = set()
    for record in records[1:]:
        phone = record[at].strip() if len(record) > at else ""
        if phone:
            found.add(normalise_e164(phone) or phone)
    return found


def _conflict(check: ContactCheck, live_raw: bytes) -> Conflict:
    local = _numbers(Path(check.csv_path).read_bytes())
    live = _numbers(live_raw)
    added, removed = len(local - live), len(live - local)
    counts = (
        f"{added} number(s) in the CSV are not in the campaign, {removed} in the campaign "
        "are not in the CSV"
    )
    if not added and not removed:
        counts = "the same numbers, with other columns or cells"
    if check.why == "pinned":
        message = (
            f"the live campaign's contacts differ from {check.csv_display} ({counts}); a "
            "pinned campaign is adopted only when they are the same: Dograh would call its "
            "own list, not the file in git. Put the campaign's contacts in the CSV "
            "(`campaigns import` writes them), or remove metadata.id to create a new "
            "campaign from this CSV"
        )
    else:
        message = (
            f"the contacts cannot change after creation: the live campaign's differ from "
            f"{check.csv_display} ({counts}); to call other contacts, give this manifest a "
            "new metadata.name (a new campaign)"
        )
    return Conflict(name=check.name, id=check.campaign_id, manifest=check.where, message=message)
