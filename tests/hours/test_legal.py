"""What would be legal: the widest windows in the schedule's zone, for every zone its
contacts ring, summer and winter, the margin kept; a day without one is said."""

from __future__ import annotations

from reconciler.hours import HoursPolicy

from .helpers import (
    HONOLULU,
    NEW_YORK,
    PHOENIX,
    SIOUX_FALLS,
    TORONTO,
    WEEKDAYS,
    check,
    recipients,
    slots,
)


def test_a_schedule_too_early_for_hawaii_is_answered_with_the_legal_window() -> None:
    """08:00 in Honolulu (no summer time) is 14:00 in New York's summer, 13:00 in its
    winter: only 14:00 holds all year; 21:00 in New York less 15 minutes ends it."""
    found = check(
        "America/New_York", slots(WEEKDAYS, "09:00", "17:00"), recipients(NEW_YORK, HONOLULU)
    )
    assert [f.legal for f in found] == [
        "legal for all 2 zones: mon-fri 14:00-20:45 (America/New_York)"
    ]
    assert check("America/New_York", slots(WEEKDAYS, "14:00", "20:45"), recipients(HONOLULU)) == []


def test_a_day_may_have_two_windows() -> None:
    """For Honolulu alone, New York's small hours are its evening before, still legal
    (the federal rule holds every day)."""
    found = check("America/New_York", slots(WEEKDAYS, "09:00", "17:00"), recipients(HONOLULU))
    assert [f.legal for f in found] == [
        "legal for its one zone, Pacific/Honolulu: mon-fri 00:00-01:45 and 14:00-24:00 "
        "(America/New_York)"
    ]


def test_every_zone_counts_and_the_narrowest_wins() -> None:
    found = check(
        "America/New_York",
        slots(WEEKDAYS, "09:00", "17:00"),
        recipients(NEW_YORK, HONOLULU, PHOENIX),
    )
    assert {f.legal for f in found} == {
        "legal for all 3 zones: mon-fri 14:00-20:45 (America/New_York)"
    }
    # Phoenix keeps no summer time: 21:00 there is 23:00 or 24:00 in New York, later than
    # New York's own end.


def test_a_day_with_no_legal_window_says_so() -> None:
    """South Dakota allows automated calls on weekdays only."""
    found = check("America/Chicago", slots(range(7), "10:00", "12:00"), recipients(SIOUX_FALLS))
    assert [f.legal for f in found] == [
        "legal for its one zone, America/Chicago: mon-fri 09:00-20:45 (America/Chicago); "
        "no legal window on sat-sun"
    ]


def test_a_schedule_of_days_with_none_at_all() -> None:
    found = check("America/Chicago", slots([5, 6], "10:00", "12:00"), recipients(SIOUX_FALLS))
    assert [f.legal for f in found] == [
        "legal for its one zone, America/Chicago: no legal window on sat-sun, whatever the hours"
    ]


def test_the_windows_are_for_the_days_the_schedule_calls_on_each_its_own() -> None:
    """Canada: weekdays 09:00-21:30, weekends 10:00-18:00; the margin is the Policy's."""
    found = check(
        "America/Toronto",
        slots([0, 5], "08:00", "12:00"),
        recipients(TORONTO),
        HoursPolicy(margin_minutes=30),
    )
    assert {f.legal for f in found} == {
        "legal for its one zone, America/Toronto: mon 09:00-21:00, sat 10:00-17:30 "
        "(America/Toronto)"
    }


def test_warnings_carry_no_window() -> None:
    found = check("America/Chicago", slots(WEEKDAYS, "10:00", "12:00"), recipients(SIOUX_FALLS))
    assert found == []
