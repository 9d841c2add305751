"""What would be legal: the widest windows, in the schedule's own zone, that every rule
holds to in every zone a campaign's contacts ring.

An error that says "09:00 New York rings Honolulu at 03:00" leaves the reader to do the
arithmetic over two zones, two clocks each, and the margin. This answers it, from the
same rules and clocks as the check (windows.py): for each weekday of the schedule's
zone, the minutes of its wall clock at which a call is legal in every zone, under every
rule, on every date of the reference year (summer, winter and the weeks between), the
margin kept free before each legal end.

The answer is the whole day's, not clipped to the schedule's slots: a slot may have to
move as well as shrink. It covers the weekdays the schedule calls on; a day on which no
minute is legal is said to have none. Minutes at which the zone's clock never reads
(the hour skipped in spring) constrain nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from reconciler.hours.clock import DAY_MINUTES, days_text, hhmm
from reconciler.hours.rules import Rule
from reconciler.hours.windows import _bounded
from reconciler.hours.zones import DAY, pieces, span

_FULL = (1 << DAY_MINUTES) - 1
_RUNS = re.compile("1+")


def legal_windows(
    schedule_zone: str, reached: Iterable[tuple[str, Rule]], margin: int, year: int
) -> tuple[int, ...]:
    """Per weekday of the schedule's zone (0 is Monday), the legal minutes of its wall
    clock as a bit mask (bit m: the minute from m): legal in each (zone, rule)."""
    forbidden = [0] * 7
    for zone, rule in reached:
        for day, mask in enumerate(_forbidden(schedule_zone, zone, rule, margin, year)):
            forbidden[day] |= mask
    return tuple(_FULL & ~mask for mask in forbidden)


@lru_cache(maxsize=4096)
def _forbidden(
    schedule_zone: str, zone: str, rule: Rule, margin: int, year: int
) -> tuple[int, ...]:
    """Per weekday of the schedule's zone, the minutes of its wall clock at which, on
    some date of the year, the zone's clock is outside the rule's window (less the
    margin). Each date is interval arithmetic over the two zones' clock pieces."""
    first, last = span(year)
    ours, theirs = _bounded(pieces(schedule_zone, year)), _bounded(pieces(zone, year))
    masks = [0] * 7
    day = first // DAY + 1
    while (day + 1) * DAY < last - DAY:
        base = day * DAY
        exists = legal = 0
        for our_start, our_end, our_offset in ours:
            low, high = max(base - our_offset, our_start), min(base + DAY - our_offset, our_end)
            for their_start, their_end, their_offset in theirs:
                begin, end = max(low, their_start), min(high, their_end)
                if begin >= end:
                    continue
                shift = our_offset - base  # a UTC second to seconds of our wall-clock day
                exists |= _minutes(begin + shift, end + shift, touched=True)
                for local_begin, local_end in _legal(
                    begin + their_offset, end + their_offset, rule, margin
                ):
                    legal |= _minutes(
                        local_begin - their_offset + shift,
                        local_end - their_offset + shift,
                        touched=False,
                    )
        masks[(day + 3) % 7] |= exists & ~legal  # 1970-01-01 was a Thursday (3)
        day += 1
    return tuple(masks)


def _legal(begin: int, end: int, rule: Rule, margin: int) -> list[tuple[int, int]]:
    """The parts of a local interval (seconds, as if UTC) inside the rule's window of
    each local day it touches, less the margin."""
    found = []
    day = begin // DAY
    while day * DAY < end:
        window = rule.windows[(day + 3) % 7]
        if window is not None:
            low = max(begin, day * DAY + window[0] * 60)
            high = min(end, day * DAY + (window[1] - margin) * 60)
            if low < high:
                found.append((low, high))
        day += 1
    return found


def _minutes(begin: int, end: int, *, touched: bool) -> int:
    """The minutes of a day within seconds [begin, end), as a mask: those it touches,
    or those it holds whole."""
    if touched:
        first, last = begin // 60, -(-end // 60)
    else:
        first, last = -(-begin // 60), end // 60
    first, last = max(first, 0), min(last, DAY_MINUTES)
    if first >= last:
        return 0
    return ((1 << (last - first)) - 1) << first


def runs(mask: int) -> tuple[tuple[int, int], ...]:
    """A mask's runs of legal minutes: (start, end) in minutes, end exclusive."""
    text = format(mask, f"0{DAY_MINUTES}b")[::-1]
    return tuple((m.start(), m.end()) for m in _RUNS.finditer(text))


def legal_text(
    schedule_zone: str, days: Sequence[int], masks: Sequence[int], zones: Sequence[str]
) -> str:
    """``legal for all 5 zones: mon-fri 14:00-19:45, sat 15:00-17:45
    (America/New_York)``; ``; none on sun`` for a day of the schedule without one."""
    by_windows: dict[str, list[int]] = {}
    empty: list[int] = []
    for day in sorted(set(days)):
        windows = runs(masks[day])
        if not windows:
            empty.append(day)
            continue
        text = " and ".join(f"{hhmm(start)}-{hhmm(end)}" for start, end in windows)
        by_windows.setdefault(text, []).append(day)
    whom = f"all {len(zones)} zones" if len(zones) > 1 else f"its one zone, {zones[0]}"
    none = f"no legal window on {days_text(empty)}" if empty else ""
    if not by_windows:
        return f"legal for {whom}: {none}, whatever the hours"
    groups = sorted(by_windows.items(), key=lambda item: item[1][0])
    shown = ", ".join(f"{days_text(group)} {text}" for text, group in groups)
    return f"legal for {whom}: {shown} ({schedule_zone})" + (f"; {none}" if none else "")
