"""Where a weekly schedule lands in another zone, and whether a rule allows it there.

Dograh allows a call at an instant when the campaign zone's wall clock at that instant
falls in a slot of that weekday. So a slot is a set of instants, and the question is
what the recipient's wall clock reads over them: on every date of a reference year, so
that summer and winter clocks and the weeks in which the two zones change their clocks
on different dates are all seen, as is the day of a change itself. Offsets are steps
(``zones.pieces``), so each date is a little interval arithmetic, not a conversion per
minute.

A slot that crosses local midnight in the recipient's zone is checked against the
window of each local day it touches. The margin ends the allowed window that many
minutes before the legal end: a call started at 20:59 is still going at 21:00.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from reconciler.hours.clock import DAY_MINUTES, hhmm, minutes
from reconciler.hours.rules import Rule
from reconciler.hours.zones import DAY, pieces, span

Breach = Literal["outside", "margin", "holiday"]
"""``outside``: the slot reaches hours the rule forbids; ``margin``: only the margin's
last minutes; ``holiday``: it reaches days on which the rule also forbids holidays."""

SUMMER_FROM = (7, 10)
WINTER_FROM = (1, 10)
"""The first occurrence of a slot on or after these (month, day) is its summer and its
winter occurrence. Every rule here is North American, where July is summer."""


@dataclass(frozen=True)
class Slot:
    """One of Dograh's slots: a weekday (0 is Monday) and a window, end exclusive."""

    day: int
    start: str
    end: str


@dataclass(frozen=True)
class Reach:
    """Slots of one window that reach a zone at the same local hours, and breach a rule
    the same way."""

    days: tuple[int, ...]
    start: str
    end: str
    summer: str
    winter: str
    other: tuple[str, ...]
    """Local windows of breaching dates that are neither the summer nor the winter one:
    the weeks of clock changes."""
    breach: Breach

    def local_hours(self) -> str:
        """``03:00-11:00``, or ``03:00-11:00 in summer, 04:00-12:00 in winter``, and the
        other windows reached around clock changes."""
        if self.summer == self.winter:
            text = self.summer
        else:
            text = f"{self.summer} in summer, {self.winter} in winter"
        if self.other:
            text += f" ({', '.join(self.other)} around clock changes)"
        return text


def evaluate(
    schedule_zone: str, slots: tuple[Slot, ...], zone: str, rule: Rule, margin: int, year: int
) -> tuple[Reach, ...]:
    """How the slots reach ``zone`` under ``rule``: one entry per group of slots that
    breach it, nothing when every slot is within the rule on every date of ``year``."""
    found: dict[tuple[str, str, str, str, tuple[str, ...], Breach], list[int]] = {}
    for slot in slots:
        result = _slot(schedule_zone, slot.day, slot.start, slot.end, zone, rule, margin, year)
        if result is not None:
            found.setdefault((slot.start, slot.end, *result), []).append(slot.day)
    return tuple(
        Reach(tuple(sorted(days)), start, end, summer, winter, other, breach)
        for (start, end, summer, winter, other, breach), days in found.items()
    )


def _slot(
    schedule_zone: str,
    day: int,
    start: str,
    end: str,
    zone: str,
    rule: Rule,
    margin: int,
    year: int,
) -> tuple[str, str, tuple[str, ...], Breach] | None:
    summer, winter, shapes = _reached(schedule_zone, day, start, end, zone, year)
    breaching: dict[str, Breach] = {}
    for text, intervals in shapes:
        breach = _breach(intervals, rule, margin * 60)
        if breach is not None and _worse(breach, breaching.get(text)):
            breaching[text] = breach
    if not breaching:
        return None
    worst: Breach = "holiday"
    for breach in breaching.values():
        if _worse(breach, worst):
            worst = breach
    other = tuple(sorted(t for t, b in breaching.items() if t not in (summer, winter)))
    return summer, winter, other if worst != "holiday" else (), worst


Shape = tuple[tuple[int, int], ...]


@lru_cache(maxsize=100_000)
def _reached(
    schedule_zone: str, day: int, start: str, end: str, zone: str, year: int
) -> tuple[str, str, tuple[tuple[str, Shape], ...]]:
    """What one weekly slot reaches in ``zone`` over the year, whatever the rule: the
    summer and winter local windows, and each distinct week (its local window's text and
    its intervals, as in the first week of that shape). Weeks of one shape breach a rule
    alike (the rules go by weekday), so each rule is checked on a few weeks, not 52."""
    first, last = span(year)
    ours = pieces(schedule_zone, year)
    theirs = pieces(zone, year)
    begin, finish = minutes(start) * 60, minutes(end) * 60
    summer_day = (date(year, *SUMMER_FROM) - date(1970, 1, 1)).days
    winter_day = (date(year, *WINTER_FROM) - date(1970, 1, 1)).days
    summer = winter = ""
    shapes: dict[Shape, tuple[str, Shape]] = {}
    # Most weeks are far from any clock change: there the slot lands at one offset.
    changes = sorted({at for at, _ in ours} | {at for at, _ in theirs})
    local_day = first // DAY + 1
    local_day += (day - (local_day + 3) % 7) % 7  # 1970-01-01 was a Thursday (3)
    by_shift: dict[int, str] = {}  # a steady week's text by its shift (its shape is seen)
    while local_day * DAY + finish < last - DAY:
        base = local_day * DAY
        shift = None
        if begin < finish and _steady(changes, base + begin, base + finish):
            shift = _offset(theirs, base + begin) - _offset(ours, base + begin)
            text = by_shift.get(shift, "")
            intervals = [] if text else [(base + begin + shift, base + finish + shift)]
        else:
            intervals = _local(base + begin, base + finish, ours, theirs)
        if intervals:
            text = _text(intervals[0][0], intervals[-1][1])
            shape = tuple((low - base, high - base) for low, high in intervals)
            if shape not in shapes:
                shapes[shape] = (text, tuple(intervals))
            if shift is not None:
                by_shift[shift] = text
        if intervals or shift is not None:
            if not summer and local_day >= summer_day:
                summer = text
            if not winter and local_day >= winter_day:
                winter = text
        local_day += 7
    return summer, winter, tuple(shapes.values())


_NEAR = 2 * DAY
"""Farther than this from a clock change (of either zone, or the start of their
steps), a wall-clock window is one interval at one offset: an offset is at most 14
hours, so every instant the window may stand for lies within it."""


def _steady(changes: list[int], wall_start: int, wall_end: int) -> bool:
    """Whether no clock change lies near the window (``_NEAR``)."""
    at = bisect_left(changes, wall_start - _NEAR)
    return at == len(changes) or changes[at] > wall_end + _NEAR


def _offset(steps: tuple[tuple[int, int], ...], at: int) -> int:
    """A zone's offset at a UTC instant at or after its first step."""
    return steps[bisect_right(steps, (at, 1 << 62)) - 1][1]


def _local(
    wall_start: int,
    wall_end: int,
    ours: tuple[tuple[int, int], ...],
    theirs: tuple[tuple[int, int], ...],
) -> list[tuple[int, int]]:
    """The recipient's wall-clock intervals (seconds, as if UTC) over the instants at
    which our wall clock reads [wall_start, wall_end)."""
    found: list[tuple[int, int]] = []
    for utc_start, utc_end in _steps(wall_start, wall_end, ours):
        for piece_start, piece_end, offset in _bounded(theirs):
            low, high = max(utc_start, piece_start), min(utc_end, piece_end)
            if low < high:
                found.append((low + offset, high + offset))
    return found


def _steps(
    wall_start: int, wall_end: int, ours: tuple[tuple[int, int], ...]
) -> list[tuple[int, int]]:
    found = []
    for piece_start, piece_end, offset in _bounded(ours):
        low = max(wall_start - offset, piece_start)
        high = min(wall_end - offset, piece_end)
        if low < high:
            found.append((low, high))
    return found


@lru_cache(maxsize=1024)
def _bounded(steps: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int, int], ...]:
    """A zone's clock pieces with their ends: made once per zone, not once per week."""
    ends = [start for start, _ in steps[1:]] + [1 << 62]
    return tuple((start, end, offset) for (start, offset), end in zip(steps, ends, strict=True))


def _breach(intervals: Sequence[tuple[int, int]], rule: Rule, margin: int) -> Breach | None:
    """The worst breach of the rule over the local intervals, day by day."""
    worst: Breach | None = None
    for low, high in intervals:
        day = low // DAY
        while day * DAY < high:
            part_low, part_high = max(low, day * DAY), min(high, (day + 1) * DAY)
            weekday = (day + 3) % 7
            window = rule.windows[weekday]
            found: Breach | None = None
            if window is None:
                found = "outside"
            else:
                legal_start, legal_end = day * DAY + window[0] * 60, day * DAY + window[1] * 60
                if part_low < legal_start or part_high > legal_end:
                    found = "outside"
                elif part_high > legal_end - margin:
                    found = "margin"
                elif rule.holidays is not None and weekday in rule.holidays.days:
                    found = "holiday"
            if found is not None and _worse(found, worst):
                worst = found
            day += 1
    return worst


_RANK: dict[Breach | None, int] = {None: 0, "holiday": 1, "margin": 2, "outside": 3}


def _worse(breach: Breach, than: Breach | None) -> bool:
    return _RANK[breach] > _RANK[than]


def _text(low: int, high: int) -> str:
    """A local window as ``HH:MM-HH:MM``; one that ends at midnight ends at ``24:00``."""
    end = ((high - 1) % DAY + 1) // 60
    return f"{hhmm(low % DAY // 60)}-{hhmm(end if end <= DAY_MINUTES else end % DAY_MINUTES)}"
