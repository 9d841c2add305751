"""Times of day and days of the week as the manifests write them.

Minutes since midnight are what the engine computes with; ``"HH:MM"`` and ``mon-fri``
are what people read, in the manifest's own spelling, so that a finding can be matched
to the slot that caused it at a glance.
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.manifest.model import DAYS

DAY_MINUTES = 24 * 60


def minutes(text: str) -> int:
    """``"HH:MM"`` (``"24:00"`` allowed) as minutes since midnight."""
    hours, _, mins = text.partition(":")
    value = int(hours) * 60 + int(mins)
    if not (len(text) == 5 and text[2] == ":" and 0 <= int(mins) < 60 and value <= DAY_MINUTES):
        raise ValueError(f"not a time of day: {text!r}")
    return value


def hhmm(value: int) -> str:
    """Minutes since midnight as ``"HH:MM"``; a whole day is ``"24:00"``."""
    return f"{value // 60:02d}:{value % 60:02d}"


def days_text(days: Iterable[int]) -> str:
    """Days as the manifest would group them: ``mon-fri``, ``mon,wed``, ``sat-sun``.

    Runs of three or more consecutive days become a range; two consecutive days are
    written ``sat-sun`` too, since that is how people write weekends.
    """
    ordered = sorted(set(days))
    runs: list[list[int]] = []
    for day in ordered:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(
        DAYS[run[0]] if len(run) == 1 else f"{DAYS[run[0]]}-{DAYS[run[-1]]}" for run in runs
    )
