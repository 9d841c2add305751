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


def test_an_invalid_number_is_a_warning_and_rings_nowhere() -> None:
    found = recipients(NEW_YORK, FICTIONAL, "+1 000 555 1234")
    assert found.contacts == 1
    assert [(f.severity, f.rows) for f in findings_for_numbers(found)] == [("warning", (3, 4))]
    assert messages(findings_for_numbers(found)) == [
        "rows 3, 4: the numbers are not valid by phonenumbers' data (such as the fictional "
        "area code 555), so they ring no one, though Dograh would still dial them; check them"
    ]
    assert check("America/New_York", None, recipients(FICTIONAL)) == []


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
    result = findings_for_numbers(found)
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
        "Recipients(places=2, contacts=2, invalid=1, bad_timezones=0, numbers=<3 numbers>)"
    )
    assert_no_phone_number([found, *found.places, *findings_for_numbers(found)])


def test_recipients_travel_between_processes() -> None:
    found = recipients(HONOLULU, MIAMI, FICTIONAL)
    again = pickle.loads(pickle.dumps(found))
    assert again == found
    schedule = slots(range(5), "09:00", "17:00")
    assert check("America/New_York", schedule, again) == check("America/New_York", schedule, found)


def test_rows_from_a_generator() -> None:
    found = analyze_recipients((row, HONOLULU, None) for row in range(2, 5))
    assert [(p.contacts, p.rows) for p in found.places] == [(3, (2, 3, 4))]
