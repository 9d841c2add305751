"""Values as a plan shows them, shared by the text and Markdown renderers: each string
escaped as text (escape.py), since live values come from Dograh unchecked."""

from __future__ import annotations

import json
from itertools import groupby
from typing import TYPE_CHECKING, Any

from reconciler.manifest.model import DAYS
from reconciler.render.escape import plain, text

if TYPE_CHECKING:
    from reconciler.plan import Upload

ABSENT = "(none)"
_SCHEDULE = frozenset({"timezone", "slots"})
_SLOT = frozenset({"days", "start", "end"})


def show(value: Any) -> str:
    """A value in the plan's notation: strings quoted, objects as ``{key = value}``."""
    if value is None:
        return ABSENT
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):  # quoted, with JSON's escapes; then what JSON leaves raw
        if plain(value) and '"' not in value and "\\" not in value:
            return f'"{value}"'  # what JSON makes of it: nothing to escape
        return text(json.dumps(value, ensure_ascii=False))
    if isinstance(value, dict):
        if value.keys() == _SCHEDULE:
            return describe_schedule(value)
        if value.keys() == _SLOT:
            return describe_slot(value)
        return "{" + ", ".join(f"{text(str(k))} = {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return text(str(value))


def describe_schedule(schedule: dict[str, Any] | None) -> str:
    """``mon-fri 09:00-17:00, sat 10:00-13:00 (America/New_York)``."""
    if not schedule:
        return "(none: calls at any time)"
    parts = [describe_slot(slot) for slot in schedule.get("slots", [])]
    return f"{', '.join(parts)} ({text(str(schedule.get('timezone', 'UTC')))})"


def describe_slot(slot: dict[str, Any]) -> str:
    """A manifest-form slot, ``{days: [mon, ..., fri], start, end}``: ``mon-fri 09:00-17:00``."""
    return f"{describe_days(slot['days'])} {text(str(slot['start']))}-{text(str(slot['end']))}"


def describe_days(days: list[str]) -> str:
    """Runs of consecutive days as ranges: mon, tue, wed, fri -> mon-wed, fri."""
    order = enumerate(sorted({DAYS.index(d) for d in days if d in DAYS}))
    # Consecutive days keep the same difference to their rank in the order.
    runs = [[day for _, day in run] for _, run in groupby(order, key=lambda at: at[1] - at[0])]
    named = [
        f"{DAYS[run[0]]}-{DAYS[run[-1]]}" if len(run) > 2 else ", ".join(DAYS[d] for d in run)
        for run in runs
    ]
    return ", ".join(named)


def contacts_label(upload: Upload) -> str:
    return "contacts not counted" if upload.rows is None else plural(upload.rows, "contact")


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def out_of_scope_line(count: int) -> str:
    """What a plan of some paths leaves alone: the campaigns of the repository's other
    manifests (scope.py), said as one line in every format."""
    verb = "is" if count == 1 else "are"
    return (
        f"{plural(count, 'campaign')} managed by manifests outside the given paths {verb} out "
        "of scope: not changed."
    )
