"""Calling windows as Dograh's orchestrator reads them (docs/dograh-api.md §2.8, §3.6).

A slot matches when its ``day_of_week`` (0 = Monday) is today in the campaign's timezone
and ``start_time <= now("%H:%M") < end_time``, compared as strings: so ``"24:00"`` ends a
day and ``"25:99"`` never opens. No schedule, a disabled one, no slots or an unknown
timezone all mean "always open" (Dograh fails open).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

_MINUTES = [f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(24 * 60)]
_HORIZON_DAYS = 8


@dataclass(frozen=True)
class Slot:
    day_of_week: int
    start_time: str
    end_time: str


class Schedule:
    def __init__(self, zone: ZoneInfo, slots: list[Slot]) -> None:
        self.zone = zone
        self.slots = slots

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> Schedule | None:
        """None when the config allows calls at any time."""
        if not config or not config.get("enabled", False) or not config.get("slots"):
            return None
        try:
            zone = ZoneInfo(str(config.get("timezone", "UTC")))
        except Exception:
            return None
        slots = [
            Slot(int(slot["day_of_week"]), str(slot["start_time"]), str(slot["end_time"]))
            for slot in config["slots"]
        ]
        return cls(zone, slots)

    def is_open(self, instant: float) -> bool:
        local = datetime.fromtimestamp(instant, self.zone)
        now = local.strftime("%H:%M")
        weekday = local.weekday()
        return any(
            slot.day_of_week == weekday and slot.start_time <= now < slot.end_time
            for slot in self.slots
        )

    def next_open(self, instant: float) -> float | None:
        """The first instant at or after ``instant`` when a slot is open, within 8 days."""
        if self.is_open(instant):
            return instant
        today = datetime.fromtimestamp(instant, self.zone).date()
        best: float | None = None
        for offset in range(_HORIZON_DAYS):
            day = today + timedelta(days=offset)
            for slot in self.slots:
                if slot.day_of_week != day.weekday():
                    continue
                first = bisect_left(_MINUTES, slot.start_time)
                if first >= len(_MINUTES) or not _MINUTES[first] < slot.end_time:
                    continue
                local = datetime(day.year, day.month, day.day, first // 60, first % 60)
                candidate = self._first_open_from(local.replace(tzinfo=self.zone).timestamp())
                if candidate is not None and candidate >= instant:
                    best = candidate if best is None else min(best, candidate)
            if best is not None:
                return best
        return best

    def _first_open_from(self, instant: float) -> float | None:
        """``instant`` if open, else the next open minute within 3 hours (DST gaps)."""
        if self.is_open(instant):
            return instant
        minute = instant - instant % 60
        for step in range(1, 181):
            candidate = minute + 60 * step
            if self.is_open(candidate):
                return candidate
        return None
