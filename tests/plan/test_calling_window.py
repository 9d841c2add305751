"""Whether Dograh dials now by a schedule, and when its next window opens, as Dograh's
orchestrator reads a schedule (docs/dograh-api.md §2.8, §3.6)."""

from __future__ import annotations

from datetime import datetime, timezone

from reconciler.calling_window import is_open, next_start
from reconciler.live import ScheduleConfig, TimeSlot

WEEKDAYS_9_TO_17 = ScheduleConfig(
    slots=tuple(TimeSlot(day, "09:00", "17:00") for day in range(5)),
    timezone="America/New_York",
)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_open_inside_a_slot_and_always_without_a_schedule_that_can_close() -> None:
    assert is_open(WEEKDAYS_9_TO_17, _utc("2026-03-02T15:00:00"))  # Mon 10:00 New York
    assert not is_open(WEEKDAYS_9_TO_17, _utc("2026-03-02T22:00:00"))  # Mon 17:00: closed
    assert is_open(None, _utc("2026-03-02T03:00:00"))
    disabled = ScheduleConfig(slots=WEEKDAYS_9_TO_17.slots, enabled=False)
    assert is_open(disabled, _utc("2026-03-02T03:00:00"))
    unknown_zone = ScheduleConfig(slots=WEEKDAYS_9_TO_17.slots, timezone="Mars/Olympus")
    assert is_open(unknown_zone, _utc("2026-03-02T03:00:00"))  # Dograh fails open


def test_the_next_window_is_given_in_the_schedules_zone() -> None:
    friday_evening = _utc("2026-03-06T23:00:00")  # Fri 18:00 New York
    opens = next_start(WEEKDAYS_9_TO_17, friday_evening)
    assert opens is not None
    assert opens.isoformat() == "2026-03-09T09:00:00-04:00"  # Monday, after the DST change


def test_no_window_that_ever_opens_says_none() -> None:
    never = ScheduleConfig(slots=(TimeSlot(0, "25:00", "26:00"),), timezone="UTC")
    assert not is_open(never, _utc("2026-03-02T12:00:00"))
    assert next_start(never, _utc("2026-03-02T12:00:00")) is None
