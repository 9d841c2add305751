"""Both sides of the diff as effective values, so that equal means "same behaviour".

False diffs are what users of every tool of this kind complain about most: a campaign
applied from its manifest must plan as "No changes". So the manifest's omissions are
filled with what Dograh will store, and Dograh's answers are read for what they mean:

- a schedule that is absent, disabled, or has no slots allows calls at any time: all
  three are ``None`` here;
- slots are a sorted set of (day, start, end) per day: ``days: [mon, tue]`` equals two
  ``day_of_week`` slots, and order or repeats mean nothing to Dograh;
- times are HH:MM, whatever the zero padding;
- a breaker Dograh reports as ``null`` reads as its response default, disabled: only an
  explicitly sent breaker can be compared, which is why this tool always sends it;
- numbers are compared as numbers (0.5 and 0.50 are one threshold).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

import orjson

from reconciler.live import LiveCampaign
from reconciler.manifest.model import DAYS, CircuitBreaker, RetryConfig, Schedule

RETRY_FIELDS = tuple(RetryConfig.model_fields)
BREAKER_FIELDS = tuple(CircuitBreaker.model_fields)
BREAKER_RESPONSE_DEFAULT: dict[str, Any] = {
    "enabled": False,  # CircuitBreakerConfigResponse's default: what an omitted breaker reads as
    "failure_threshold": 0.5,
    "window_seconds": 120,
    "min_calls_in_window": 5,
}
SOURCE_HASH = re.compile(r"\.([0-9a-f]{16})\.csv$")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
_TIME = re.compile(r"^(\d{1,2}):(\d{1,2})(?::\d{1,2})?$")

View = dict[str, Any]
"""A campaign's managed settings: name, workflow, source, telephony, max_concurrency,
retry_config, schedule, circuit_breaker."""


def upload_file_name(csv_path: str, sha256: str) -> str:
    """``<stem>.<sha256[:16]>.csv``: Dograh keeps it in ``source_id``, so plan can tell
    whether a live campaign's contacts are the file in git without downloading them."""
    stem = _UNSAFE_NAME.sub("_", PurePath(csv_path).stem) or "contacts"
    return f"{stem[:100]}.{sha256[:16]}.csv"


def source_hash(source_id: str) -> str | None:
    """The sha256 prefix a source_id carries, if this tool uploaded it."""
    match = SOURCE_HASH.search(source_id)
    return match.group(1) if match else None


def retry_view(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: values.get(name) for name in RETRY_FIELDS}


def breaker_view(values: Mapping[str, Any] | None) -> dict[str, Any]:
    merged = {**BREAKER_RESPONSE_DEFAULT, **(values or {})}
    view = {name: merged.get(name) for name in BREAKER_FIELDS}
    threshold = view["failure_threshold"]
    if isinstance(threshold, (int, float)) and not isinstance(threshold, bool):
        view["failure_threshold"] = float(threshold)
    return view


def _time(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if len(value) == 5 and value[2] == ":" and value[:2].isdigit() and value[3:].isdigit():
        return value  # already HH:MM, as Dograh stores it: the common case, kept cheap
    match = _TIME.match(value.strip())
    if not match:
        return value
    return f"{int(match.group(1)):02d}:{int(match.group(2)):02d}"


def _slots_view(slots: list[tuple[int, str, str]]) -> list[dict[str, Any]]:
    return [
        {"day": DAYS[day] if 0 <= day < len(DAYS) else day, "start": start, "end": end}
        for day, start, end in sorted(set(slots))
    ]


def desired_schedule_view(schedule: Schedule | None) -> dict[str, Any] | None:
    if schedule is None:
        return None
    return {"timezone": schedule.timezone, "slots": _slots_view(schedule.api_slots())}


def live_schedule_view(config: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not config or not config.get("enabled", True) or not config.get("slots"):
        return None
    slots = []
    for slot in config["slots"]:
        day = slot.get("day_of_week")
        start, end = slot.get("start_time"), slot.get("end_time")
        if not (isinstance(start, str) and len(start) == 5 and start[2] == ":"):
            start = _time(start)
        if not (isinstance(end, str) and len(end) == 5 and end[2] == ":"):
            end = _time(end)
        slots.append((day if isinstance(day, int) else -1, start, end))
    return {"timezone": config.get("timezone", "UTC"), "slots": _slots_view(slots)}


def api_schedule(schedule: Schedule) -> dict[str, Any]:
    """The ``schedule_config`` to send for a manifest's schedule."""
    return {
        "enabled": True,
        "timezone": schedule.timezone,
        "slots": [
            {"day_of_week": day, "start_time": start, "end_time": end}
            for day, start, end in schedule.api_slots()
        ],
    }


def api_schedule_disabled(config: Mapping[str, Any]) -> dict[str, Any]:
    """Dograh cannot remove a schedule: it is disabled, keeping its (required) slots."""
    return {
        "enabled": False,
        "timezone": config.get("timezone", "UTC"),
        "slots": [
            {
                "day_of_week": slot.get("day_of_week", 0),
                "start_time": _time(slot.get("start_time", "09:00")),
                "end_time": _time(slot.get("end_time", "17:00")),
            }
            for slot in config.get("slots") or [{}]
        ],
    }


def live_view(live: LiveCampaign) -> View:
    return {
        "name": live.name,
        "workflow": live.workflow_id,
        "source": source_hash(live.source_id),
        "telephony": live.telephony_id,
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
        live.telephony_id,
        live.max_concurrency,
        live.retry_config,
        live.schedule_config,
        live.circuit_breaker,
    )
    return hashlib.sha256(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]
