"""Timestamps as Dograh writes them (docs/dograh-api.md §10.1), and as the sandbox stores them.

The store keeps integer microseconds since the epoch, so that a value read back is the
value written. Responses show ``created_at`` and friends as pydantic does for an aware
UTC datetime (``2026-03-02T09:00:00Z``, a six-digit fraction only when it is not zero);
log entries carry Python's ``isoformat()`` (``+00:00``).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import overload

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def to_micros(seconds: float) -> int:
    return round(seconds * 1_000_000)


def to_seconds(micros: int) -> float:
    return micros / 1_000_000


def micros_to_datetime(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


@overload
def format_z(micros: int) -> str: ...
@overload
def format_z(micros: None) -> None: ...
@overload
def format_z(micros: int | None) -> str | None: ...
def format_z(micros: int | None) -> str | None:
    """``2026-03-02T09:00:00Z`` or ``2026-03-02T09:00:00.250000Z``; None stays None."""
    if micros is None:
        return None
    seconds, fraction = divmod(micros, 1_000_000)
    t = time.gmtime(seconds)
    text = f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}T{t[3]:02d}:{t[4]:02d}:{t[5]:02d}"
    if fraction:
        text += f".{fraction:06d}"
    return text + "Z"


def format_log_ts(micros: int) -> str:
    """A log entry's ``ts``: ``datetime.isoformat()`` of an aware UTC datetime."""
    return micros_to_datetime(micros).isoformat()


def parse_to_micros(text: str) -> int:
    """An ISO-8601 instant (``Z`` or an offset; naive means UTC) as epoch microseconds."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // timedelta(microseconds=1)
