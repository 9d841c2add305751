"""What differs between two readings of one campaign, field by field, in the manifest's
terms (``max_concurrency 3 -> 5``, ``schedule.slots[1].end 17:00 -> 18:30``).

A refusal that says only "the request bodies differ" sends the reviewer back to compare
two plans by eye; this names each field with both values. Used where a reading is refused
or questioned: a stale saved plan, a completed campaign's refused change, and import's
check that what it wrote plans clean. ``deepdiff`` is imported on those paths only, so
the plan path's start-up does not pay for it. The values are settings: a request body
and a settings view hold no phone number and no key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reconciler.manifest.messages import format_path
from reconciler.normalize import View, schedule_view

if TYPE_CHECKING:
    from reconciler.plan import (
        CampaignChange,
        CreateRequest,
        RedialRequest,
        ScheduleBody,
        UpdateRequest,
        Upload,
    )

UNORDERED = ("slots", "days", "on")
"""Lists Dograh keeps as sets: a schedule's windows, a slot's days, a redial's outcomes.
Their items are paired by likeness, so one inserted window is not read as every later
window changed."""

_REDIAL_FLAGS = (
    ("retry_on_no_answer", "no_answer"),
    ("retry_on_busy", "busy"),
    ("retry_on_voicemail", "voicemail"),
)


def field_differences(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[str]:
    """Each differing field of two settings views: ``path old -> new``, ``path added: v``,
    ``path removed (was v)``; an added or removed object is named, not spelled out.

    A field whose values are plain values, or objects of the same keys holding them (the
    usual refused change: ``max_concurrency``, ``retry.delay_seconds``), is told here as
    deepdiff tells it; deepdiff compares only the other fields (lists, added or removed
    keys), and is imported only then: a plan may explain hundreds of completed campaigns.
    """
    before, after = dict(old or {}), dict(new or {})
    lines: list[tuple[str, str]] = []
    deep = before.keys() != after.keys()
    for key in [k for k in before if k in after]:
        plain = _plainly(before[key], after[key], (key,))
        if plain is None:
            deep = True
        else:  # told: deepdiff sees it unchanged (and the same keys, which it weighs)
            lines.extend(plain)
            after[key] = before[key]
    if deep:
        lines.extend(_deep(before, after))
    return [line for _, line in sorted(lines)]


def _deep(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str]]:
    from deepdiff import DeepDiff  # on the refusal paths only

    if _regrouped(before.get("schedule"), after.get("schedule")):
        before["schedule"] = _by_day(before["schedule"])
        after["schedule"] = _by_day(after["schedule"])
    found = DeepDiff(
        before,
        after,
        view="tree",
        ignore_order_func=_unordered,
        verbose_level=2,
    )
    lines: list[tuple[str, str]] = []
    for kind, levels in found.items():
        for level in levels:
            added = kind.endswith("_added")
            where = format_path(tuple(level.path(output_format="list", use_t2=added)))
            if added:
                lines.append((where, f"{where} added{_scalar(level.t2, ': ')}"))
            elif kind.endswith("_removed"):
                lines.append((where, f"{where} removed{_scalar(level.t1, ' (was ', ')')}"))
            else:
                lines.append((where, f"{where} {_value(level.t1)} -> {_value(level.t2)}"))
    return lines


_PLAIN = (type(None), bool, int, float, str)


def _plainly(old: Any, new: Any, path: tuple[Any, ...]) -> list[tuple[str, str]] | None:
    """The differences of two values as deepdiff reports them (a value of another type is
    a change too: ``3 -> 3.0``), or None where deepdiff is needed: a list (compared as a
    set), a key on one side only, an object against a value."""
    if type(old) in _PLAIN and type(new) in _PLAIN:
        if type(old) is type(new) and old == new:
            return []
        where = format_path(path)
        return [(where, f"{where} {_value(old)} -> {_value(new)}")]
    if type(old) is dict and type(new) is dict and old.keys() == new.keys():
        found: list[tuple[str, str]] = []
        for key in old:
            more = _plainly(old[key], new[key], (*path, key))
            if more is None:
                return None
            found.extend(more)
        return found
    if type(old) is list and type(new) is list and len(old) == len(new):
        same = all(_plainly(a, b, path) == [] for a, b in zip(old, new, strict=True))
        return [] if same else None
    return None


def change_differences(old: CampaignChange, new: CampaignChange) -> list[str]:
    """A saved change against the change made again: the actions, the desired state and
    each request's fields, in the manifest's terms."""
    found = []
    if old.actions != new.actions:
        found.append(f"actions {', '.join(old.actions)} -> {', '.join(new.actions)}")
    if old.desired_state != new.desired_state:
        found.append(f"state {old.desired_state} -> {new.desired_state}")
    for kind in ("upload", "create", "update", "redial"):
        before, after = getattr(old.requests, kind), getattr(new.requests, kind)
        if before == after:
            continue
        if before is None or after is None:
            found.append(f"{kind} request {'added' if before is None else 'removed'}")
            continue
        fields = field_differences(request_view(before), request_view(after))
        found.append(f"{kind} request: {', '.join(fields) or 'its body differs'}")
    return found


def live_differences(old: View | None, new: View) -> list[str]:
    """A live campaign as a plan read it against as it is now. ``syncing`` reads as
    ``running`` (it becomes that by itself) and contacts the plan left to the planner's last stage
    (``source`` None) are not compared."""
    if old is None:
        return []
    before, after = dict(old), dict(new)
    for view in (before, after):
        if view.get("state") == "syncing":
            view["state"] = "running"
    if before.get("source") is None:
        before.pop("source", None)
        after.pop("source", None)
    return field_differences(before, after)


def request_view(
    request: CreateRequest | UpdateRequest | RedialRequest | Upload,
) -> dict[str, Any]:
    """A request body in the manifest's terms: ``schedule`` as a manifest writes its
    windows, ``telephony`` and ``workflow`` by id, a redial's flags as ``on``."""
    body = request.model_dump(mode="json", exclude_none=True)
    view: dict[str, Any] = {}
    for key, value in body.items():
        if key == "schedule_config":
            view["schedule"] = _schedule(request.schedule_config)  # type: ignore[union-attr]
        elif key == "telephony_configuration_id":
            view["telephony"] = value
        elif key == "workflow_id":
            view["workflow"] = value
        elif key in dict(_REDIAL_FLAGS):
            continue
        else:
            view[key] = value
    if "retry_on_busy" in body:
        view["on"] = [outcome for flag, outcome in _REDIAL_FLAGS if body[flag]]
    return view


def _schedule(config: ScheduleBody | None) -> dict[str, Any] | str | None:
    if config is None:
        return None
    if not config.enabled:
        return "disabled"
    windows = ((s.day_of_week, s.start_time, s.end_time) for s in config.slots)
    return schedule_view(config.timezone, windows)


def _regrouped(old: Any, new: Any) -> bool:
    """Whether two schedules group their days into slots differently: then slot by slot
    means nothing (one day's new hours split a slot in two), and day by day does."""
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return False
    days = [{tuple(slot["days"]) for slot in view["slots"]} for view in (old, new)]
    return days[0] != days[1]


def _by_day(view: dict[str, Any]) -> dict[str, Any]:
    """A schedule as each day's windows: ``{"timezone": ..., "wed": ["09:00-17:00"]}``."""
    days: dict[str, list[str]] = {}
    for slot in view["slots"]:
        for day in slot["days"]:
            days.setdefault(day, []).append(f"{slot['start']}-{slot['end']}")
    return {"timezone": view["timezone"], **{day: sorted(w) for day, w in days.items()}}


def _unordered(level: Any) -> bool:
    steps = level.path(output_format="list")
    return bool(steps) and steps[-1] in UNORDERED


def _scalar(value: Any, before: str, after: str = "") -> str:
    """The value of an added or removed field, unless it is an object (only named)."""
    if isinstance(value, dict) or (
        isinstance(value, (list, tuple)) and any(isinstance(v, (dict, list)) for v in value)
    ):
        return ""
    return f"{before}{_value(value)}{after}"


def _value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)
