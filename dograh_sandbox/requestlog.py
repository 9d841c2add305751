"""The request log: every request that reached the server, faulted ones included.

Tests read it to assert what a client sent (or never sent: no ``start`` for campaign 7),
benchmarks to count requests. Admin requests (``/_sandbox/...``) are not logged. The log
lives in memory, capped; ``seq`` keeps counting across clears so a reader can poll with
``since``.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

_CAMPAIGN_PATH = re.compile(r"^/api/v1/campaign/(\d+)(?:/|$)")
MAX_ENTRIES = 200_000


@dataclass
class RequestRecord:
    seq: int
    at: str
    """The sandbox clock's time when the request arrived (ISO-8601, Z)."""
    method: str
    path: str
    query: str
    status: int | None
    """The status sent; None when the connection was reset or dropped."""
    fault: str | None
    """None, or latency, error, reset, dropped."""
    handler_status: int | None
    """For dropped: the status the handler had produced (its work is committed)."""
    campaign_id: int | None
    """From the path; for a create, the campaign it made."""
    created_campaign_id: int | None
    """The campaign a create or redial made (committed even when the response dropped)."""
    organization_id: int | None
    duration_ms: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def campaign_id_of(path: str) -> int | None:
    match = _CAMPAIGN_PATH.match(path)
    return int(match.group(1)) if match else None


class RequestLog:
    def __init__(self) -> None:
        self._entries: deque[RequestRecord] = deque(maxlen=MAX_ENTRIES)
        self._seq = 0

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def append(self, record: RequestRecord) -> None:
        self._entries.append(record)

    def entries(self, since: int = 0) -> list[RequestRecord]:
        return [entry for entry in self._entries if entry.seq > since]

    def clear(self) -> None:
        self._entries.clear()
