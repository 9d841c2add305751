"""Who a contacts CSV calls, reduced to where: counts per place, never the numbers.

``analyze_recipients`` runs on every row of every running manifest's CSV, in
`validate` too, so its loop does the least it can per row: a clean E.164 NANP number
costs a slice and two dict lookups (see numbers.py for the per-prefix cache); other
spellings, other countries and a ``timezone`` column take the slower path.

Its result is small and picklable, because it travels back from the worker processes that
load thousands of manifests: counts per place with a few example rows, and the set of
numbers only when the caller asks for it (to find a number in two campaigns).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from reconciler.hours import numbers as where
from reconciler.hours.numbers import INVALID, Place, normalise_e164
from reconciler.manifest.timezones import is_canonical

EXAMPLE_ROWS = 5

UNREADABLE = -2
"""The tally key of rows whose cell is not a number as written (see ``normalise_e164``)."""
"""Rows named per finding: Dograh's own messages name five."""


class Rows(NamedTuple):
    """How many rows, and the first few of them (Dograh's numbering: the header is 1)."""

    total: int
    examples: tuple[int, ...]


class PlaceCount(NamedTuple):
    """The contacts of one place. A tuple, not a dataclass: a campaign has dozens, and a
    frozen dataclass costs five times as much to make."""

    place: Place
    contacts: int
    rows: tuple[int, ...]


@dataclass(frozen=True)
class Recipients:
    """Where a CSV's contacts may ring; no phone number unless ``numbers`` was asked."""

    places: tuple[PlaceCount, ...]
    invalid: Rows
    """Rows whose number is written as + and digits but phonenumbers finds invalid (an
    area code or exchange it does not know, a wrong length)."""
    unreadable: Rows
    """Rows whose cell is not + and digits once spaces, dashes, dots and parentheses are
    taken out (an en dash, a slash, a letter, an extension, an invisible character)."""
    unreadable_why: tuple[str, ...]
    """What is wrong with each of ``unreadable.examples``, in words (never the cell)."""
    fictional: int
    """Of the invalid rows, those of the fictional 555 area code or exchange."""
    bad_timezones: Rows
    """Rows whose ``timezone`` cell is not a canonical IANA zone name."""
    numbers: frozenset[str] | None = None
    """Normalised E.164 numbers, only when asked (see ``analyze_recipients``)."""

    @property
    def contacts(self) -> int:
        """Rows placed somewhere: every row with a valid number."""
        return sum(p.contacts for p in self.places)

    def __repr__(self) -> str:
        shown = f", numbers=<{len(self.numbers)} numbers>" if self.numbers is not None else ""
        return (
            f"Recipients(places={len(self.places)}, contacts={self.contacts}, "
            f"invalid={self.invalid.total}, unreadable={self.unreadable.total}, "
            f"bad_timezones={self.bad_timezones.total}{shown})"
        )


def analyze_recipients(
    rows: Iterable[tuple[int, str, str | None]], *, numbers: bool = False
) -> Recipients:
    """Places, counts and example rows of a CSV's rows.

    ``rows`` are (Dograh's row number, the ``phone_number`` cell as written, the
    ``timezone`` cell or None when the CSV has no such column). An empty phone cell is
    skipped (the CSV check reports it). A valid ``timezone`` cell replaces the number's
    zones for its row; the number still decides the state, whose law follows the area
    code. ``numbers=True`` also returns every normalised number, for the check of one
    number in two campaigns.
    """
    items = rows if isinstance(rows, (list, tuple)) else list(rows)
    cache = where.nanp_cache().get
    place_id = where.place_id
    tally: dict[int, list[int]] = {}
    tally_get = tally.get
    spelled: list[tuple[int, str, str]] = []
    bad_zones: list[int] = []
    for row, phone, zone in items:
        # The common case: a 12-character +1 number of a known prefix, no timezone cell.
        found = cache(phone[:8])
        if found is None or zone or len(phone) != 12 or not phone[8:].isdigit():
            if not zone and len(phone) == 12 and phone[:2] == "+1" and phone[1:].isdigit():
                found = place_id(phone)  # a prefix not seen yet
            else:
                found = _slow(row, phone, zone, spelled, bad_zones)
                if found is None:
                    continue
        entry = tally_get(found)
        if entry is None:
            tally[found] = [row]
        else:
            entry.append(row)
    invalid = tally.pop(INVALID, [])
    unreadable = tally.pop(UNREADABLE, [])
    places = tuple(
        PlaceCount(where.place(pid), len(found_rows), tuple(found_rows[:EXAMPLE_ROWS]))
        for pid, found_rows in tally.items()
    )
    return Recipients(
        places=places,
        invalid=Rows(len(invalid), tuple(invalid[:EXAMPLE_ROWS])),
        unreadable=Rows(len(unreadable), tuple(unreadable[:EXAMPLE_ROWS])),
        unreadable_why=_why_unreadable(unreadable[:EXAMPLE_ROWS], items),
        fictional=_fictional(invalid, items) if invalid else 0,
        bad_timezones=Rows(len(bad_zones), tuple(bad_zones[:EXAMPLE_ROWS])),
        numbers=_numbers(items, spelled) if numbers else None,
    )


def _slow(
    row: int,
    phone: str,
    zone: str | None,
    spelled: list[tuple[int, str, str]],
    bad_zones: list[int],
) -> int | None:
    """The place id of a row off the fast path; None to skip the row (no phone)."""
    text = phone.strip()
    if not text:
        return None
    e164 = normalise_e164(text)
    if e164 is None:
        return UNREADABLE
    if e164 != text:
        spelled.append((row, text, e164))
    found = where.place_id(e164)
    zone = zone.strip() if zone else ""
    if not zone or found == INVALID:
        return found
    if not is_canonical(zone):  # the names schedule.timezone accepts, no other
        bad_zones.append(row)
        return found
    own = where.place(found)
    return where.intern_place(Place((zone,), own.countries, own.regions, True))


_NAMED = {
    "\u2010": "a hyphen (U+2010)",
    "\u2011": "a non-breaking hyphen",
    "\u2012": "a figure dash",
    "\u2013": "an en dash",
    "\u2014": "an em dash",
    "\u2212": "a minus sign",
    "/": "'/'",
    "_": "'_'",
    "#": "'#'",
    ";": "';'",
    ",": "','",
    "*": "'*'",
}


def _why_unreadable(
    rows: list[int], items: Sequence[tuple[int, str, str | None]]
) -> tuple[str, ...]:
    """What is wrong with each of a few unreadable cells, in words that never repeat the
    cell: the first character that is not a digit or a spelling of one."""
    wanted = set(rows)
    found = {row: _why(phone) for row, phone, _ in items if row in wanted}
    return tuple(found[row] for row in rows)


def _why(phone: str) -> str:
    text = phone.strip()
    lowered = text.lower()
    if "ext" in lowered or lowered.rstrip("0123456789").endswith(("x", "x.")):
        return "an extension"
    for char in text[1:]:
        if char.isdigit() and char.isascii():
            continue
        if char in " -().\u00a0\t":
            continue
        if char in _NAMED:
            return _NAMED[char]
        if char in "oO":
            return "the letter O for a zero"
        if char.isalpha():
            return "a letter"
        if not char.isprintable() or char.isspace() or unicodedata.category(char) == "Cf":
            return f"an invisible character (U+{ord(char):04X})"
        return f"the character U+{ord(char):04X}"
    if text[:1] != "+":
        return "no + before the country code"
    return "too few or too many digits"


def _fictional(invalid: list[int], rows: Sequence[tuple[int, str, str | None]]) -> int:
    """How many invalid rows are fictional 555 numbers (area code 555, or 555-01XX of
    any area code), so that the message says so, and only then."""
    wanted = set(invalid)
    count = 0
    for row, phone, _ in rows:
        if row in wanted:
            e164 = normalise_e164(phone) or ""
            fictional = e164[2:5] == "555" or (e164[5:8] == "555" and e164[8:10] == "01")
            count += e164[:2] == "+1" and fictional
    return count


def _numbers(
    rows: Sequence[tuple[int, str, str | None]], spelled: list[tuple[int, str, str]]
) -> frozenset[str]:
    """Every number as Dograh would dial it, valid or not."""
    spelling = {row: e164 for row, _, e164 in spelled}
    found = set()
    for row, phone, _ in rows:
        e164 = spelling.get(row) or normalise_e164(phone)
        if e164 is not None:
            found.add(e164)
    return frozenset(found)
