"""Findings in words: what reaches whom, when, under which rule, and where that rule is
written; counts and row numbers, never a phone number.

The caller prefixes each message with ``file:line:column: campaign-name: ``; so a
message starts with the slot as the manifest writes it (``mon-fri 09:00-17:00``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple

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
    holiday: bool = False
    """A warning of holidays the rule forbids, which no weekly schedule can skip."""
    legal: str = ""
    """For a schedule's error: what would be legal, in its zone (legal.py)."""

    def text(self) -> str:
        """The message, and what would be legal when it says."""
        return f"{self.message}; {self.legal}" if self.legal else self.message


class Template(NamedTuple):
    """A finding's words around its count of contacts, made once per schedule and
    place and reused by every campaign that shares them: ``head + count + tail``."""

    severity: Literal["error", "warning"]
    head: str
    tail: str
    rule: str
    holiday: bool = False

    def finding(self, contacts: int, rows: Iterable[int]) -> HoursFinding:
        message = f"{self.head}{_contacts(contacts)}{self.tail}"
        return HoursFinding(self.severity, message, contacts, _first(rows), self.rule, self.holiday)


def reach_template(
    schedule_zone: str, reach: Reach, zone: str, rule: Rule, margin: int
) -> Template:
    """A slot group that reaches ``zone`` outside ``rule``, or on days whose holidays
    the rule forbids."""
    if reach.breach == "holiday":
        return _holiday(schedule_zone, reach, f" in {zone}", rule)
    return _breach(schedule_zone, reach, f" in {zone} at {reach.local_hours()}", rule, margin)


def unplaced_template(
    schedule_zone: str, reach: Reach, zones: dict[str, Reach], rule: Rule, margin: int
) -> Template:
    """The same for numbers of no fixed place, naming every zone they may ring in."""
    whom = " of no fixed place (toll-free and the like)"
    if reach.breach == "holiday":
        return _holiday(
            schedule_zone, reach, f"{whom}, which may ring in {', '.join(zones)},", rule
        )
    hours = "; ".join(f"{z} at {zones[z].local_hours()}" for z in zones)
    return _breach(schedule_zone, reach, f"{whom}, which may ring in {hours}", rule, margin)


def _breach(schedule_zone: str, reach: Reach, where: str, rule: Rule, margin: int) -> Template:
    tail = f"{where} ({_source(rule)})"
    if reach.breach == "margin":
        tail += (
            f", within the last {margin} minutes before the legal end, which are kept free "
            "(a Policy's spec.calling_hours.margin_minutes; 15 by default)"
        )
    return Template("error", _head(reach, schedule_zone), tail, rule.key)


def _holiday(schedule_zone: str, reach: Reach, where: str, rule: Rule) -> Template:
    assert rule.holidays is not None
    tail = (
        f"{where} where {rule.label} also forbids calls on {rule.holidays.which}, which "
        "Dograh's weekly schedule cannot skip: pause the campaign on those days "
        f"({_source(rule)})"
    )
    return Template("warning", _head(reach, schedule_zone), tail, rule.key, holiday=True)


def _head(reach: Reach, schedule_zone: str) -> str:
    return f"{days_text(reach.days)} {reach.start}-{reach.end} {schedule_zone} reaches "


def holidays_text(rule: Rule, campaigns: int, names: str, contacts: int) -> str:
    """The holiday warning of several campaigns at once: one line, whatever their number
    (a national list reaches those states from every campaign)."""
    assert rule.holidays is not None
    return (
        f"{campaigns} running campaigns ({names}) reach {_contacts(contacts)} where "
        f"{rule.label} also forbids calls on {rule.holidays.which}, which Dograh's weekly "
        f"schedule cannot skip: pause them on those days ({_source(rule)})"
    )


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
    """Invalid numbers and bad ``timezone`` cells: what is wrong with the rows whatever
    the schedule (one number in two rows is the CSV check's, manifest/contacts.py)."""
    found = []
    invalid = recipients.invalid
    if invalid.total:
        one = invalid.total == 1
        message = (
            f"{_rows(invalid.total, invalid.examples)}: "
            f"{'the number is' if one else 'the numbers are'} not valid by phonenumbers' "
            "data (such as the fictional area code 555), so "
            f"{'it rings' if one else 'they ring'} no one, though Dograh would still "
            f"dial {'it' if one else 'them'}; check {'it' if one else 'them'}"
        )
        found.append(HoursFinding("warning", message, invalid.total, invalid.examples, None))
    bad = recipients.bad_timezones
    if bad.total:
        message = (
            f"{_rows(bad.total, bad.examples)}: the timezone column names no IANA "
            "area/location zone (such as America/New_York; legacy aliases such as "
            "US/Eastern are refused, as in schedule.timezone); the number's own zones are "
            "checked instead"
        )
        found.append(HoursFinding("error", message, bad.total, bad.examples, None))
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
