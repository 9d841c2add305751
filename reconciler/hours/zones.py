"""Time zones: which names are real, which zones a jurisdiction spans, and their clocks.

A zone's offset from UTC is a step function of time; the engine works on its steps
(``pieces``) over one reference year instead of converting every call time, so that a
whole year of a weekly schedule costs a few hundred arithmetic steps.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta, timezone
from functools import cache

from reconciler.hours.numbers import nanp_table

DAY = 86400


@cache
def jurisdiction_zones(place: str) -> tuple[str, ...]:
    """Every zone of a country ("US") or of a state or province ("US-FL") in the
    project's NANP table (area_codes.json): where a number of no fixed place, or of an
    unknown state, may ring under its rules."""
    regions = nanp_table().regions
    return tuple(
        sorted({z for r, zones in regions.items() if r == place or r[:2] == place for z in zones})
    )


@cache
def pieces(zone: str, year: int) -> tuple[tuple[int, int], ...]:
    """The zone's offsets over the reference span of ``year`` (see ``span``): each
    (UTC second it starts at, offset in seconds), in order, the first at the span's
    start. Found by sampling each day at noon UTC and bisecting each change to the
    second; zones change their clocks at most once a day."""
    tz = zoneinfo.ZoneInfo(zone)
    start, end = span(year)

    def offset(at: int) -> int:
        delta = datetime.fromtimestamp(at, tz).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    found = [(start, offset(start))]
    previous = start
    for at in range(start - start % DAY + DAY // 2, end + DAY, DAY):
        current = offset(at)
        if current != found[-1][1]:
            low, high = previous, at
            while high - low > 1:
                middle = (low + high) // 2
                if offset(middle) == current:
                    high = middle
                else:
                    low = middle
            found.append((high, current))
        previous = at
    return tuple(found)


@cache
def span(year: int) -> tuple[int, int]:
    """UTC seconds from two days before 1 January of ``year`` to 9 days into the next:
    every weekday of the year in every zone, both clocks, and both clock changes."""
    first = datetime(year, 1, 1, tzinfo=timezone.utc) - timedelta(days=2)
    last = datetime(year + 1, 1, 10, tzinfo=timezone.utc)
    return int(first.timestamp()), int(last.timestamp())
