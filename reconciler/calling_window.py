"""Whether Dograh dials a running campaign now, by its schedule, and when it next may.

Dograh's orchestrator reads a schedule thus (docs/dograh-api.md §2.8, §3.6): a slot is
open when its ``day_of_week`` (0 = Monday) is today in the schedule's zone and
``start_time <= now("%H:%M") < end_time``, compared as strings. No schedule, a disabled
one, no slots or an unknown zone mean "always open". "Now" is Dograh's clock (the
``Date`` of its answer), since it is Dograh that decides.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reconciler.live import ScheduleConfig

HORIZON_DAYS = 8


def _zone(schedule: ScheduleConfig | None) -> ZoneInfo | None:
    """The schedule's zone when the schedule can close; None when it is always open."""
    if schedule is None or not schedule.enabled or not schedule.slots:
        return None
    try:
        return ZoneInfo(schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _open_at(schedule: ScheduleConfig, local: datetime) -> bool:
    now = local.strftime("%H:%M")
    return any(
        slot.day_of_week == local.weekday() and slot.start_time <= now < slot.end_time
        for slot in schedule.slots
    )


def is_open(schedule: ScheduleConfig | None, now: datetime) -> bool:
    """Whether Dograh may dial at ``now`` (always, without a schedule that can close)."""
    zone = _zone(schedule)
    return zone is None or schedule is None or _open_at(schedule, now.astimezone(zone))


def next_start(schedule: ScheduleConfig, now: datetime) -> datetime | None:
    """The next start of a window after ``now``, in the schedule's zone, within eight
    days; None when none opens in that time (a slot such as ``"25:00"`` never does)."""
    zone = _zone(schedule)
    if zone is None:
        return None
    local = now.astimezone(zone)
    for offset in range(HORIZON_DAYS):
        day = (local + timedelta(days=offset)).date()
        starts = []
        for slot in schedule.slots:
            if slot.day_of_week != day.weekday():
                continue
            try:
                hour, minute = (int(part) for part in slot.start_time.split(":"))
                start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
            except ValueError:
                continue
            if start > local and _open_at(schedule, start):
                starts.append(start)
        if starts:
            return min(starts)
    return None
