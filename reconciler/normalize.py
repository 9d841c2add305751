"""Both sides of the diff as effective values, in the manifest's terms.

False diffs are what users of every tool of this kind complain about most: a campaign
applied from its manifest must plan as "No changes". So the manifest's omissions are
read for what Dograh does with them, and Dograh's answers for what they mean:

- a schedule that is absent, disabled, or has no slots allows calls at any time: all
  three are ``None`` here;
- a schedule is a set of (day, start, end) windows in a time zone, written grouped as a
  manifest writes it (``days: [mon, ..., fri]``): order, repeats and the choice between
  ``days`` and ``day_of_week`` mean nothing to Dograh;
- times are HH:MM, whatever the zero padding;
- a breaker Dograh reports without ever having been sent one reads as its response
  default, ``enabled: false``, though it runs enabled (docs/dograh-api.md §4);
- numbers are compared as numbers (0.5 and 0.50 are one threshold).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import orjson

from reconciler.live import (
    CircuitBreakerConfig,
    LiveCampaign,
    RetryConfig,
    ScheduleConfig,
    TimeSlot,
)
from reconciler.manifest.model import DAYS, Schedule
from reconciler.manifest.model import CircuitBreaker as ManifestBreaker
from reconciler.manifest.model import RetryConfig as ManifestRetry
from reconciler.owner import mark_of
from reconciler.plan import BreakerBody, RetryBody, ScheduleBody, SlotBody

_TIME = re.compile(r"^(\d{1,2}):(\d{1,2})(?::\d{1,2})?$")

View = dict[str, Any]
"""A campaign's managed settings: name, workflow, source, telephony, max_concurrency,
retry_config, schedule, circuit_breaker."""

Window = tuple[int, str, str]
"""A calling window as Dograh stores it: (day_of_week, start, end), 0 is Monday."""


def retry_view(config: RetryConfig | ManifestRetry) -> dict[str, Any]:
    return {
        "enabled": config.enabled,
        "max_retries": config.max_retries,
        "retry_delay_seconds": config.retry_delay_seconds,
        "retry_on_busy": config.retry_on_busy,
        "retry_on_no_answer": config.retry_on_no_answer,
        "retry_on_voicemail": config.retry_on_voicemail,
    }


def breaker_view(config: CircuitBreakerConfig | ManifestBreaker | None) -> dict[str, Any]:
    config = config or CircuitBreakerConfig()
    return {
        "enabled": config.enabled,
        "failure_threshold": float(config.failure_threshold),
        "window_seconds": config.window_seconds,
        "min_calls_in_window": config.min_calls_in_window,
    }


def _time(value: str) -> str:
    if len(value) == 5 and value[2] == ":":
        return value  # already HH:MM, as Dograh stores it: the common case, kept cheap
    match = _TIME.match(value.strip())
    if not match:
        return value
    return f"{int(match.group(1)):02d}:{int(match.group(2)):02d}"


def group_windows(windows: Iterable[Window]) -> list[dict[str, Any]]:
    """Windows as a manifest writes them: one slot per (start, end) with its days, in
    day order then time order."""
    by_time: dict[tuple[str, str], set[int]] = {}
    for day, start, end in windows:
        by_time.setdefault((start, end), set()).add(day)
    slots = [
        {"days": [_day(d) for d in sorted(days)], "start": start, "end": end}
        for (start, end), days in by_time.items()
    ]
    return sorted(slots, key=lambda s: (_day_index(s["days"][0]), s["start"], s["end"]))


def _day(day: int) -> str:
    return DAYS[day] if 0 <= day < len(DAYS) else str(day)


def _day_index(name: str) -> int:
    return DAYS.index(name) if name in DAYS else len(DAYS)


def schedule_view(timezone: str, windows: Iterable[Window]) -> dict[str, Any] | None:
    return _view(timezone, _grouped(frozenset(windows)))


def desired_schedule_view(schedule: Schedule | None) -> dict[str, Any] | None:
    if schedule is None:
        return None
    return _view(schedule.timezone, _slots_grouped(_slots_key(schedule)))


SlotsKey = tuple[tuple[str, str, tuple[int, ...]], ...]
"""A manifest's slots as what its windows depend on: (start, end, weekdays) each."""


def _slots_key(schedule: Schedule) -> SlotsKey:
    return tuple((slot.start, slot.end, tuple(slot.weekdays())) for slot in schedule.slots)


Grouped = tuple[tuple[tuple[str, ...], str, str], ...]
"""``group_windows``'s slots as tuples (days, start, end): a value to keep."""


@lru_cache(maxsize=1024)
def _grouped(windows: frozenset[Window]) -> Grouped:
    """``group_windows`` once per set of windows: the campaigns of a large plan share a
    few schedules, and each view is built anew from this (no view shares its lists)."""
    return tuple(
        (tuple(slot["days"]), slot["start"], slot["end"]) for slot in group_windows(windows)
    )


@lru_cache(maxsize=1024)
def _slots_grouped(slots: SlotsKey) -> Grouped:
    """A manifest's slots (start, end, weekdays) grouped: ``Schedule.api_slots`` once per
    distinct slots."""
    return _grouped(frozenset((day, start, end) for start, end, days in slots for day in days))


def _view(timezone: str, grouped: Grouped) -> dict[str, Any] | None:
    if not grouped:
        return None
    slots = [{"days": list(days), "start": start, "end": end} for days, start, end in grouped]
    return {"timezone": timezone, "slots": slots}


def live_windows(config: ScheduleConfig | None) -> list[Window]:
    if config is None or not config.enabled:
        return []
    return [(s.day_of_week, _time(s.start_time), _time(s.end_time)) for s in config.slots]


def live_schedule_view(config: ScheduleConfig | None) -> dict[str, Any] | None:
    if config is None:
        return None
    return schedule_view(config.timezone, live_windows(config))


def windows_of(view: dict[str, Any] | None) -> set[Window]:
    """A schedule view's windows, back from the grouped form."""
    if not view:
        return set()
    return {
        (_day_index(day), slot["start"], slot["end"])
        for slot in view["slots"]
        for day in slot["days"]
    }


def api_retry(config: ManifestRetry) -> RetryBody:
    return RetryBody(**retry_view(config))


def api_breaker(config: ManifestBreaker) -> BreakerBody:
    return BreakerBody(**breaker_view(config))


def api_schedule(schedule: Schedule) -> ScheduleBody:
    """The ``schedule_config`` to send for a manifest's schedule."""
    return _schedule_body(schedule.timezone, _slots_key(schedule))


@lru_cache(maxsize=1024)
def _schedule_body(timezone: str, slots: SlotsKey) -> ScheduleBody:
    """Once per distinct schedule: a frozen model, which the requests of the campaigns
    of one schedule share. The slots as ``Schedule.api_slots`` orders them."""
    windows = sorted({(day, start, end) for start, end, days in slots for day in days})
    return ScheduleBody(
        enabled=True,
        timezone=timezone,
        slots=tuple(
            SlotBody(day_of_week=day, start_time=start, end_time=end) for day, start, end in windows
        ),
    )


def api_schedule_disabled(config: ScheduleConfig) -> ScheduleBody:
    """Dograh cannot remove a schedule: it is disabled, keeping its (required) slots."""
    slots = config.slots or (TimeSlot(0, "09:00", "17:00"),)  # Dograh requires one
    return ScheduleBody(
        enabled=False,
        timezone=config.timezone,
        slots=tuple(
            SlotBody(
                day_of_week=slot.day_of_week,
                start_time=_time(slot.start_time),
                end_time=_time(slot.end_time),
            )
            for slot in slots
        ),
    )


def live_view(live: LiveCampaign) -> View:
    return {
        "name": live.name,
        "workflow": live.workflow_id,
        "source": mark.content if (mark := mark_of(live.source_id)) else None,
        "telephony": live.telephony_configuration_id,
        "max_concurrency": live.max_concurrency,
        "retry_config": retry_view(live.retry_config),
        "schedule": live_schedule_view(live.schedule_config),
        "circuit_breaker": breaker_view(live.circuit_breaker),
    }


def fingerprint(live: LiveCampaign) -> str:
    """What a saved plan assumed about a live campaign; apply refuses if it changed.

    The settings as Dograh stores them (any change to them counts), without the progress
    counters (a running campaign's change every second), and with ``syncing`` read as
    ``running``, which it becomes by itself.
    """
    state = "running" if live.state == "syncing" else live.state
    record = (
        live.id,
        state,
        live.name,
        live.workflow_id,
        live.source_id,
        live.telephony_configuration_id,
        live.max_concurrency,
        live.retry_config,
        live.schedule_config,
        live.circuit_breaker,
    )
    return hashlib.sha256(orjson.dumps(record)).hexdigest()[:16]
