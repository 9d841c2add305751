"""Findings in words: what reaches whom, when, under which rule, and where that rule is
written; counts and row numbers, never a phone number.

The caller prefixes each message with ``file:line:column: campaign-name: ``; so a
message starts with the slot as the manifest writes it (``mon-fri 09:00-17:00``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from reconciler.hours.clock import days_text
from reconciler.hours.recipients import EXAMPLE_ROWS, Recipients
from reconciler.hours.rules import Rule
from reconciler.hours.windows import Reach


@dataclass(frozen=True)
class HoursFinding:
    severity: Literal["error", "warning"]
    message: str
    contacts: int
    rows: tuple[int, ...]
    """The first few rows concerned, in Dograh's numbering (the header is row 1)."""
    rule: str | None
    """The key of the rule breached, if any."""


def reach_finding(
    schedule_zone: str,
    reach: Reach,
    zone: str,
    rule: Rule,
    margin: int,
    contacts: int,
    rows: Iterable[int],
) -> HoursFinding:
    """A slot group that reaches ``zone`` outside ``rule``, or on days whose holidays
    the rule forbids."""
    where = f"{_contacts(contacts)} in {zone}"
    if reach.breach == "holiday":
        return _holiday(schedule_zone, reach, where, rule, contacts, rows)
    text = f"{_slot(reach, schedule_zone)} reaches {where} at {reach.local_hours()}"
    return _breach(text, reach, rule, margin, contacts, rows)


def unplaced_finding(
    schedule_zone: str,
    reach: Reach,
    zones: dict[str, Reach],
    rule: Rule,
    margin: int,
    contacts: int,
    rows: Iterable[int],
) -> HoursFinding:
    """The same for numbers of no fixed place, naming every zone they may ring in."""
    whom = f"{_contacts(contacts)} of no fixed place (toll-free and the like)"
    if reach.breach == "holiday":
        where = f"{whom}, which may ring in {', '.join(sorted(zones))},"
        return _holiday(schedule_zone, reach, where, rule, contacts, rows)
    hours = "; ".join(f"{z} at {zones[z].local_hours()}" for z in sorted(zones))
    text = f"{_slot(reach, schedule_zone)} reaches {whom}, which may ring in {hours}"
    return _breach(text, reach, rule, margin, contacts, rows)


def _breach(
    text: str, reach: Reach, rule: Rule, margin: int, contacts: int, rows: Iterable[int]
) -> HoursFinding:
    message = f"{text} ({_source(rule)})"
    if reach.breach == "margin":
        message += (
            f", within the last {margin} minutes before the legal end, which the policy "
            "keeps free (margin_minutes)"
        )
    return HoursFinding("error", message, contacts, _first(rows), rule.key)


def _holiday(
    schedule_zone: str,
    reach: Reach,
    where: str,
    rule: Rule,
    contacts: int,
    rows: Iterable[int],
) -> HoursFinding:
    assert rule.holidays is not None
    message = (
        f"{_slot(reach, schedule_zone)} reaches {where} where {rule.label} also forbids "
        f"calls on {rule.holidays.which}, which Dograh's weekly schedule cannot skip: "
        f"pause the campaign on those days ({_source(rule)})"
    )
    return HoursFinding("warning", message, contacts, _first(rows), rule.key)


def _slot(reach: Reach, schedule_zone: str) -> str:
    return f"{days_text(reach.days)} {reach.start}-{reach.end} {schedule_zone}"


def _source(rule: Rule) -> str:
    return f"{rule.label}: {rule.describe()}, {rule.citation}"


def no_schedule_finding(rule: Rule, contacts: int, rows: Iterable[int]) -> HoursFinding:
    """A campaign without a schedule dials at any hour."""
    verb = "is" if contacts == 1 else "are"
    message = (
        f"no schedule: Dograh calls at any hour, and {_contacts(contacts)} {verb} under "
        f"{rule.label} ({rule.describe()}, {rule.citation}); add spec.schedule with "
        "slots inside those hours"
    )
    return HoursFinding("error", message, contacts, _first(rows), rule.key)


def number_findings(recipients: Recipients) -> list[HoursFinding]:
    """Invalid numbers, two spellings of one number and bad ``timezone`` cells: what is
    wrong with the rows whatever the schedule."""
    found = []
    invalid = recipients.invalid
    if invalid.count:
        message = (
            f"{_rows(invalid.count, invalid.examples)}: "
            f"{'the number is' if invalid.count == 1 else 'the numbers are'} not valid by "
            "phonenumbers' data (such as the fictional area code 555), so "
            f"{'it rings' if invalid.count == 1 else 'they ring'} no one, though Dograh "
            "would still dial; check them"
        )
        found.append(HoursFinding("warning", message, invalid.count, invalid.examples, None))
    if recipients.duplicate_count:
        pairs = "; ".join(f"rows {a} and {b}" for a, b in recipients.duplicates)
        more = recipients.duplicate_count - len(recipients.duplicates)
        if more > 0:
            pairs += f"; and {more} more"
        message = (
            f"one number written two ways ({pairs}): Dograh compares the text and would "
            "call it twice; write each number once, as + and digits"
        )
        rows = tuple(sorted({r for pair in recipients.duplicates for r in pair}))
        found.append(
            HoursFinding("warning", message, recipients.duplicate_count, rows[:EXAMPLE_ROWS], None)
        )
    bad = recipients.bad_timezones
    if bad.count:
        message = (
            f"{_rows(bad.count, bad.examples)}: the timezone column names no IANA time "
            "zone (such as America/New_York); the number's own zones are checked instead"
        )
        found.append(HoursFinding("error", message, bad.count, bad.examples, None))
    return found


def _contacts(count: int) -> str:
    return f"{count} contact" if count == 1 else f"{count} contacts"


def _first(rows: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(rows)[:EXAMPLE_ROWS])


def _rows(count: int, examples: tuple[int, ...]) -> str:
    shown = ", ".join(str(r) for r in examples)
    more = count - len(examples)
    word = "row" if count == 1 else "rows"
    return f"{word} {shown}" + (f" and {more} more" if more > 0 else "")
