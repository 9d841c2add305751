"""The calling-hours check of the manifests: each running campaign's schedule against the
places its contacts' numbers ring, under the Policy's rules (reconciler/hours).

Offline, in ``validate`` and again in ``plan``: a manifest that is or will be running
(``state: running``, or ``spec.redial.state: running``: the redial calls some of the
same contacts in the same schedule, docs/dograh-api.md §2.9) is checked on every row of
its CSV; a draft is not (it does not dial), but its change to running is, and a
draft's unreadable or invalid numbers are warnings (errors once it dials). Findings are
diagnostics at the manifest's ``spec.schedule`` (or the state that dials when it has
none), prefixed with the campaign's name; they give counts and row numbers, never a
number. A manifest whose file the content cache holds brings the verdict made for it
(``checked``), used only under the same ``verdict_key``: then its numbers' places are not
even decoded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from functools import cache

import orjson
from pydantic import BaseModel

from reconciler import content_cache
from reconciler.content_cache import Held
from reconciler.diagnostics import Diagnostic
from reconciler.hours import (
    HoursFinding,
    HoursPolicy,
    Recipients,
    Slot,
    all_rules,
    analyze_recipients,
    check_hours,
    findings_for_numbers,
    findings_for_zones,
    holidays_text,
    reference_year,
)
from reconciler.manifest.contacts import (
    PHONE_COLUMN,
    ContactsFile,
    bytes_of,
    column_at,
    read_records,
)
from reconciler.manifest.load import Manifest
from reconciler.manifest.policy import Policy
from reconciler.shared_contacts import Dialed, dialed

TIMEZONE_COLUMN = "timezone"


def hours_policy(policy: Policy | None) -> HoursPolicy:
    if policy is None:
        return HoursPolicy()
    hours = policy.spec.calling_hours
    return HoursPolicy(rule_sets=tuple(hours.rules), margin_minutes=hours.margin_minutes)


def dials(manifest: Manifest) -> bool:
    """Whether the manifest asks its campaign, or its redial, to dial: only those are
    checked. A redial calls the contacts of the CSV whose last call ended as
    ``spec.redial.on`` says, in the schedule the campaign had (diff.py refuses to start
    one whose schedule is not the manifest's)."""
    spec = manifest.campaign.spec
    return spec.state == "running" or (spec.redial is not None and spec.redial.state == "running")


def recipients_of(manifest: Manifest) -> tuple[Recipients, Dialed]:
    """Where each row's number rings, from the CSV the manifest names (its rows were
    checked when it loaded), and the numbers it dials, for the check of one person in
    two campaigns (shared_contacts.py)."""
    rows = rows_of(manifest.contacts)
    return analyze_recipients(rows), dialed_of(manifest, rows)


def dialed_of(manifest: Manifest, rows: list[tuple[int, str, str | None]] | None = None) -> Dialed:
    """The numbers the manifest dials (``rows``: its CSV's, when already read)."""
    redial = manifest.campaign.spec.redial
    return dialed(
        manifest.name,
        [(row, phone) for row, phone, _ in (rows_of(manifest.contacts) if rows is None else rows)],
        manifest.diagnostic("metadata.name", "", "warning"),
        manifest.contacts.display,
        by_redial=redial is not None and redial.state == "running",
    )


def rows_of(contacts: ContactsFile) -> list[tuple[int, str, str | None]]:
    if contacts.phones and TIMEZONE_COLUMN not in contacts.columns:
        return [(row, phone, None) for row, phone in enumerate(contacts.phones, start=2)]
    text = bytes_of(contacts).decode("utf-8")
    records = read_records(text[1:] if text.startswith("\ufeff") else text)
    columns = contacts.columns
    phone_at = column_at(columns, PHONE_COLUMN)
    zone_at = column_at(columns, TIMEZONE_COLUMN)
    if zone_at < 0:  # in bulk: the phones of a file restored from the content cache
        phones = [r[phone_at].strip() if len(r) > phone_at else "" for r in records[1:]]
        return [(row, phone, None) for row, phone in enumerate(phones, start=2) if phone]
    rows = []
    for number, record in enumerate(records[1:], start=2):
        phone = record[phone_at].strip() if len(record) > phone_at else ""
        if not phone:
            continue
        zone = record[zone_at].strip() if 0 <= zone_at < len(record) else None
        rows.append((number, phone, zone or None))
    return rows


def check_manifest(
    manifest: Manifest, recipients: Recipients, policy: HoursPolicy
) -> tuple[list[Diagnostic], list[HolidayReach]]:
    """The manifest's findings; its holiday warnings apart, said once per rule for all
    the manifests together by ``holidays_once``. A draft (it does not dial) has only the
    findings about its numbers, as warnings; its change to running is checked whole."""
    spec = manifest.campaign.spec
    if not dials(manifest):
        numbers = findings_for_numbers(recipients, dials=False)
        return [_diagnostic(manifest, "spec.source.csv", f) for f in numbers], []
    schedule = spec.schedule
    if schedule is None:
        found = check_hours(None, None, recipients, policy)
        path = "spec.state" if spec.state == "running" else "spec.redial.state"
    else:
        slots = [Slot(day, start, end) for day, start, end in schedule.api_slots()]
        found = check_hours(schedule.timezone, slots, recipients, policy)
        path = "spec.schedule"
    numbers = findings_for_numbers(recipients, dials=True) + findings_for_zones(recipients)
    holidays = [
        HolidayReach(f.rule, manifest.name, f.contacts, _diagnostic(manifest, path, f))
        for f in found
        if f.holiday and f.rule is not None
    ]
    return [_diagnostic(manifest, path, f) for f in found if not f.holiday] + [
        _diagnostic(manifest, "spec.source.csv", f) for f in numbers
    ], holidays


def checked(
    manifest: Manifest, recipients: Recipients | None, held: Held | None, policy: HoursPolicy
) -> tuple[list[Diagnostic], list[HolidayReach]]:
    """``check_manifest``, or the verdict its content cache entry holds (``held``) when
    that was made under this run's ``verdict_key``; then where its numbers ring is never
    decoded (``recipients`` None: not yet). A verdict made here goes into the entry."""
    key = verdict_key(manifest, policy) if held is not None else ""
    stored = content_cache.verdict(held, key) if held is not None else None
    if stored is not None:
        return stored[0], [HolidayReach(*reach) for reach in stored[1]]
    if recipients is None and held is not None:
        recipients = content_cache.recipients_in(held, manifest.contacts.sha256)
    if recipients is None:  # its entry is gone meanwhile: from the CSV itself
        recipients = analyze_recipients(rows_of(manifest.contacts))
    found, holidays = check_manifest(manifest, recipients, policy)
    if held is not None:
        reaches = [(h.rule, h.campaign, h.contacts, h.said) for h in holidays]
        content_cache.judged(held, key, (found, reaches), manifest.contacts.sha256)
    return found, holidays


def verdict_key(manifest: Manifest, policy: HoursPolicy) -> str:
    """Everything ``check_manifest`` reads beside what the manifest's content cache entry
    is keyed by (its file's bytes and place, this tool's code and data, the CSV's digest
    checked when read): the Policy's rules (every field of ``HoursPolicy``), the
    reference year, and what Defaults gave the campaign (each setting's value and the
    line its messages name)."""
    key = _policy_key(policy)
    if not manifest.sources:
        return key
    spec = manifest.campaign.spec
    given = {setting: _plain(getattr(spec, setting)) for setting in manifest.sources}
    defaults = [dict(manifest.sources), given]
    return key + orjson.dumps(defaults, option=orjson.OPT_SORT_KEYS).decode()


def _plain(value: object) -> object:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


@cache
def _policy_key(policy: HoursPolicy) -> str:
    return orjson.dumps([asdict(policy), reference_year()], option=orjson.OPT_SORT_KEYS).decode()


@dataclass(frozen=True)
class HolidayReach:
    """A running campaign that reaches contacts of a rule that also forbids calls on
    holidays, which no weekly schedule can skip. A national list reaches those states
    from every campaign: one warning per rule, not one per campaign (``holidays_once``)."""

    rule: str
    campaign: str
    contacts: int
    said: Diagnostic
    """The campaign's own warning, given as it is when no other campaign reaches the rule."""


LISTED_CAMPAIGNS = 10


def holidays_once(reaches: Sequence[HolidayReach]) -> list[Diagnostic]:
    """One warning per rule: the campaign's own when it is the only one, else one that
    names them (the first ten) at the first of them, by file and line."""
    by_rule: dict[str, list[HolidayReach]] = {}
    for reach in reaches:
        by_rule.setdefault(reach.rule, []).append(reach)
    rules = {rule.key: rule for rule in all_rules()}
    found: list[Diagnostic] = []
    for key, group in by_rule.items():
        group.sort(key=lambda r: (r.said.file, r.said.line, r.said.column, r.campaign))
        reached: dict[str, int] = {}  # per campaign, in order: its contacts under the rule
        for reach in group:
            reached[reach.campaign] = max(reached.get(reach.campaign, 0), reach.contacts)
        campaigns = list(reached)
        if len(campaigns) == 1:
            found.extend(reach.said for reach in group)
            continue
        names = ", ".join(campaigns[:LISTED_CAMPAIGNS])
        if len(campaigns) > LISTED_CAMPAIGNS:
            names += f" and {len(campaigns) - LISTED_CAMPAIGNS} more"
        message = holidays_text(rules[key], len(campaigns), names, sum(reached.values()))
        found.append(replace(group[0].said, message=message))
    return found


def _diagnostic(manifest: Manifest, path: str, finding: HoursFinding) -> Diagnostic:
    return manifest.diagnostic(path, f"{manifest.name}: {finding.text()}", finding.severity)
