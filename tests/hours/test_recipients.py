"""What a CSV's rows reduce to: counts per place, example rows, and the numbers only on
request; invalid numbers and zone names reported whatever the schedule."""

from __future__ import annotations

import pickle

from reconciler.hours import analyze_recipients, findings_for_numbers

from .helpers import (
    FICTIONAL,
    HONOLULU,
    MIAMI,
    NEW_YORK,
    TORONTO,
    assert_no_phone_number,
    check,
    messages,
    recipients,
    slots,
)


def test_counts_and_first_rows_per_place() -> None:
    found = recipients(*[HONOLULU] * 7, MIAMI, "", TORONTO)
    counts = {p.place.zones: (p.contacts, p.rows) for p in found.places}
    assert counts[("Pacific/Honolulu",)] == (7, (2, 3, 4, 5, 6))
    assert counts[("America/New_York",)] == (1, (9,))
    assert counts[("America/Toronto",)] == (1, (11,))
    assert found.contacts == 9  # the empty cell of row 10 is the CSV check's concern
    assert found.numbers is None


def test_an_invalid_number_is_an_error_when_the_campaign_dials_and_rings_nowhere() -> None:
    found = recipients(NEW_YORK, FICTIONAL, "+1 000 555 1234")
    assert found.contacts == 1
    result = findings_for_numbers(found, dials=True)
    assert [(f.severity, f.rows) for f in result] == [("error", (3, 4))]
    assert messages(result) == [
        "rows 3, 4: the numbers are not valid by phonenumbers' data (an area code or "
        "exchange it does not know, or a wrong length; 1 of them is a fictional 555 number), "
        "so their place and calling hours cannot be checked, though Dograh would still dial "
        "them; the campaign is to run: correct them (+ and digits) or remove them"
    ]
    assert check("America/New_York", None, recipients(FICTIONAL)) == []


def test_an_invalid_number_in_a_draft_is_a_warning() -> None:
    result = findings_for_numbers(recipients(NEW_YORK, "+1234"), dials=False)
    assert [(f.severity, f.rows) for f in result] == [("warning", (3,))]
    assert "555" not in result[0].message  # only a 555 number is called fictional
    assert result[0].message.endswith("correct it before the campaign runs (then this is an error)")


UNREADABLE = {
    "en-dash": "+1 212\u2013555\u20130123",
    "non-breaking-hyphen": "+1 212\u2011555\u20110123",
    "slash": "+1 212/555/0123",
    "underscore": "+1_212_555_0123",
    "ext": "+12125550123 ext 5",
    "ext-param": "+12125550123;ext=1",
    "zero-width-space": "+12125550123\u200b",
    "letter-o": "+1212555O123",
}
"""Spellings this tool cannot read as a number, by name (ids never show a number)."""


def test_numbers_that_cannot_be_read_are_errors_naming_their_rows() -> None:
    found = recipients(NEW_YORK, *UNREADABLE.values())
    assert (found.contacts, found.unreadable.total, found.invalid.total) == (1, 8, 0)
    result = findings_for_numbers(found, dials=True)
    assert [(f.severity, f.contacts, f.rows) for f in result] == [("error", 8, (3, 4, 5, 6, 7))]
    assert result[0].message.startswith(
        "rows 3 (an en dash), 4 (a non-breaking hyphen), 5 ('/'), 6 ('_'), 7 (an extension) "
        "and 3 more: the phone numbers are not written as + and digits"
    )
    assert found.unreadable.total == 8
    last = recipients(*list(UNREADABLE.values())[5:])
    assert last.unreadable_why == (
        "an extension",
        "an invisible character (U+200B)",
        "the letter O for a zero",
    )
    draft = findings_for_numbers(found, dials=False)
    assert [f.severity for f in draft] == ["warning"]
    assert_no_phone_number([found, *result])


def test_a_timezone_cell_that_names_no_zone_is_an_error_naming_its_rows() -> None:
    rows = [
        (2, NEW_YORK, "America/NewYork"),
        (3, NEW_YORK, "localtime"),
        (4, NEW_YORK, "posix/America/New_York"),
        (5, NEW_YORK, " America/Chicago "),
        (6, NEW_YORK, ""),
        (7, NEW_YORK, "US/Eastern"),  # refused in schedule.timezone, so here too
    ]
    found = analyze_recipients(rows)
    result = findings_for_numbers(found, dials=True)
    assert [(f.severity, f.rows) for f in result] == [("error", (2, 3, 4, 7))]
    assert result[0].message == (
        "rows 2, 3, 4, 7: the timezone column names no IANA area/location zone (such as "
        "America/New_York; legacy aliases such as US/Eastern are refused, as in "
        "schedule.timezone); the number's own zones are checked instead"
    )
    zones = sorted((p.place.zones, p.contacts) for p in found.places)
    assert zones == [(("America/Chicago",), 1), (("America/New_York",), 5)]


def test_numbers_only_when_asked_and_never_in_a_repr() -> None:
    rows = [(2, "+1 (212) 555-0123", None), (3, HONOLULU, None), (4, FICTIONAL, None)]
    found = analyze_recipients(rows, numbers=True)
    assert found.numbers == frozenset({NEW_YORK, HONOLULU, FICTIONAL})
    assert repr(found) == (
        "Recipients(places=2, contacts=2, invalid=1, unreadable=0, "
        "bad_timezones=0, "
        "numbers=<3 numbers>)"
    )
    assert_no_phone_number([found, *found.places, *findings_for_numbers(found, dials=True)])


def test_recipients_travel_between_processes() -> None:
    found = recipients(HONOLULU, MIAMI, FICTIONAL)
    again = pickle.loads(pickle.dumps(found))
    assert again == found
    schedule = slots(range(5), "09:00", "17:00")
    assert check("America/New_York", schedule, again) == check("America/New_York", schedule, found)


def test_rows_from_a_generator() -> None:
    found = analyze_recipients((row, HONOLULU, None) for row in range(2, 5))
    assert [(p.contacts, p.rows) for p in found.places] == [(3, (2, 3, 4))]


def test_a_drafts_rows_are_warnings_whatever_is_wrong_with_them() -> None:
    """A draft dials no one: what would block it once running is said, not blocking."""
    found = analyze_recipients([(2, NEW_YORK, "Mars/Olympus"), (3, "+1234", None)])
    assert {f.severity for f in findings_for_numbers(found, dials=False)} == {"warning"}
    assert {f.severity for f in findings_for_numbers(found, dials=True)} == {"error"}
