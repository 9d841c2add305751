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


def number_findings(recipients: Recipients, *, dials: bool) -> list[HoursFinding]:
    """Numbers this tool cannot place and bad ``timezone`` cells: what is wrong with the
    rows whatever the schedule (one number in two rows is the CSV check's,
    manifest/contacts.py).

    A number that cannot be read or is not valid cannot have its calling hours checked,
    yet Dograh queues every cell that starts with ``+`` and hands it to the provider as
    written, which may still ring it. So in a campaign that dials (``dials``) it is an
    error, in a draft a warning: fail closed where it matters."""
    found = []
    severity: Literal["error", "warning"] = "error" if dials else "warning"
    unreadable = recipients.unreadable
    if unreadable.total:
        one = unreadable.total == 1
        named = zip(unreadable.examples, recipients.unreadable_why, strict=True)
        shown = ", ".join(f"{row} ({why})" for row, why in named)
        more = unreadable.total - len(unreadable.examples)
        message = (
            f"{'row' if one else 'rows'} {shown}{f' and {more} more' if more > 0 else ''}: "
            f"{'the phone number is' if one else 'the phone numbers are'} not written as + "
            "and digits (spaces, dashes, dots and parentheses aside), so "
            f"{'its' if one else 'their'} calling hours cannot be checked, though Dograh "
            f"would hand {'it' if one else 'them'} to the provider as written"
            f"{_what_to_do(dials, one)}"
        )
        found.append(HoursFinding(severity, message, unreadable.total, unreadable.examples, None))
    invalid = recipients.invalid
    if invalid.total:
        one = invalid.total == 1
        fictional = recipients.fictional
        why = "an area code or exchange it does not know, or a wrong length"
        if fictional:
            if one:
                why += "; it is a fictional 555 number"
            elif fictional == 1:
                why += "; 1 of them is a fictional 555 number"
            else:
                why += f"; {fictional} of them are fictional 555 numbers"
        message = (
            f"{_rows(invalid.total, invalid.examples)}: "
            f"{'the number is' if one else 'the numbers are'} not valid by phonenumbers' "
            f"data ({why}), so {'its' if one else 'their'} place and calling hours cannot "
            f"be checked, though Dograh would still dial {'it' if one else 'them'}"
            f"{_what_to_do(dials, one)}"
        )
        found.append(HoursFinding(severity, message, invalid.total, invalid.examples, None))
    bad = recipients.bad_timezones
    if bad.total:
        message = (
            f"{_rows(bad.total, bad.examples)}: the timezone column names no IANA "
            "area/location zone (such as America/New_York; legacy aliases such as "
            "US/Eastern are refused, as in schedule.timezone); the number's own zones are "
            "checked instead"
        )
        found.append(HoursFinding(severity, message, bad.total, bad.examples, None))
    return found


def _what_to_do(dials: bool, one: bool) -> str:
    it = "it" if one else "them"
    if dials:
        return f"; the campaign is to run: correct {it} (+ and digits) or remove {it}"
    return f"; correct {it} before the campaign runs (then this is an error)"


def widened_finding(recipients: Recipients) -> HoursFinding | None:
    """How many contacts are held to every zone of their state, province or territory
    (of their country when their area code is unknown) because phonenumbers' zones for
    them were not confirmed by the project's area-code table: said, so that a stricter
    verdict than phonenumbers alone would give is explained."""
    rows = [r for counted in recipients.places if counted.place.widened for r in counted.rows]
    contacts = sum(c.contacts for c in recipients.places if c.place.widened)
    if not contacts:
        return None
    message = (
        f"{_contacts(contacts)}: phonenumbers' time zones for "
        f"{'this number' if contacts == 1 else 'these numbers'} disagree with the "
        "area-code table (reconciler/hours/area_codes.json) or place "
        f"{'it' if contacts == 1 else 'them'} only by state, province or territory; "
        f"{'it is' if contacts == 1 else 'they are'} checked in every zone of "
        "that state, province or territory (of the country where the area code is unknown)"
    )
    return HoursFinding("warning", message, contacts, _first(rows), None)


def _contacts(count: int) -> str:
    return f"{count} contact" if count == 1 else f"{count} contacts"


def _first(rows: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(rows)[:EXAMPLE_ROWS])


def _rows(count: int, examples: tuple[int, ...]) -> str:
    shown = ", ".join(str(r) for r in examples)
    more = count - len(examples)
    word = "row" if count == 1 else "rows"
    return f"{word} {shown}" + (f" and {more} more" if more > 0 else "")
