"""An answer read under the limits: one attempt's deadline, and the size of what it reads.

httpx's timeouts bound each read alone, so a server sending a byte at a time would never
time out; and httpx decodes a gzip chunk whole. So each attempt has a watchdog that shuts
its connection when its deadline passes (``Watch``), and the raw body reaches httpx's
decoder in small pieces, each counted and each decoded piece counted too (``read_body``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import httpx

from reconciler.client_errors import TooLarge, Unreadable, size_text
from reconciler.client_settings import RunLedger

ACCEPTED_CODINGS = ("gzip", "deflate")
ACCEPT_ENCODING = ", ".join(ACCEPTED_CODINGS)
"""Asked for explicitly: httpx would also offer brotli and zstd when installed."""
PIECE = 16 * 1024
"""Raw bytes handed to httpx's decoder at a time: a piece of a gzip bomb inflates to at
most about a thousand times its size (16 MiB) before the size limit is checked."""


class Watch:
    """One attempt's deadline. httpx's timeouts bound each read alone, so a server sending
    a byte at a time would never time out: when the deadline passes, a timer shuts the
    attempt's connection down (the one httpcore's trace says it opened, else the thread's
    kept-alive one), which ends any read in progress, headers included."""

    def __init__(self, seconds: float, limit: str, stream: Any) -> None:
        self.at = time.monotonic() + seconds
        self.limit = limit
        """How the message states the limit: 'within 60 s (...)'."""
        self.expired = False
        self.stream = stream
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: the connection this attempt opened."""
        if event == "connection.connect_tcp.complete":
            with self._lock:
                self.stream = info.get("return_value")
                if self.expired:
                    self._shut()

    def passed(self) -> bool:
        return self.expired or time.monotonic() >= self.at

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            self._shut()

    def _shut(self) -> None:
        sock = self.stream.get_extra_info("socket") if self.stream is not None else None
        if isinstance(sock, socket.socket):
            with suppress(OSError):  # the plain socket's shutdown, under any TLS layer
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def __enter__(self) -> Watch:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


class Expired(Exception):
    """The deadline passed between two pieces of the answer."""


class Metered(httpx.SyncByteStream):
    """The raw body as httpx's decoder takes it: in pieces of at most ``PIECE`` bytes, the
    deadline and the raw size checked before each (bytes after a gzip stream's end
    decode to nothing, but still count)."""

    def __init__(self, raw: httpx.SyncByteStream, watch: Watch, limit: int | None) -> None:
        self._raw = raw
        self._watch = watch
        self._limit = limit

    def __iter__(self) -> Iterator[bytes]:
        received = 0
        for chunk in self._raw:
            for start in range(0, len(chunk), PIECE):
                if self._watch.passed():
                    raise Expired
                piece = chunk[start : start + PIECE]
                received += len(piece)
                if self._limit is not None and received > self._limit:
                    raise TooLarge(f"{size_text(received)} received")
                yield piece

    def close(self) -> None:
        self._raw.close()


def codings_of(response: httpx.Response) -> list[str]:
    """The answer's content codings other than identity; ``Unreadable`` for one not asked."""
    header = response.headers.get("Content-Encoding", "")
    codings = [c.strip().lower() for c in header.split(",") if c.strip().lower() != "identity"]
    codings = [c for c in codings if c]
    if any(c not in ACCEPTED_CODINGS for c in codings):
        raise Unreadable(f"it is encoded as {header!r}, not as asked ({ACCEPT_ENCODING})")
    return codings


def read_body(
    response: httpx.Response, limit: int, watch: Watch, ledger: RunLedger, *, whole: bool
) -> bytes:
    """The body, decoded by httpx, up to ``limit`` bytes raw and decoded. ``whole``: all
    of it or ``TooLarge``, within what the run's other answers being read leave of
    ``limit``; otherwise (an error answer) its beginning, or nothing if unreadable."""
    declared = response.headers.get("Content-Length", "")
    if whole and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"it declares {int(declared):,} bytes")
    try:
        codings = codings_of(response)
    except Unreadable:
        if whole:
            raise
        return b""
    if isinstance(response.stream, httpx.SyncByteStream):  # not when made in memory
        response.stream = Metered(response.stream, watch, limit if whole else None)
    # One growing buffer, not a list of chunks: large, it is given back to the system
    # when cleared, where small blocks freed by one thread stay in its malloc arena.
    buffer = bytearray()
    try:
        for piece in response.iter_bytes():
            if len(buffer) + len(piece) > limit:
                if not whole:
                    return bytes(buffer) + piece[: limit - len(buffer)]
                if codings:
                    raise TooLarge(f"its {codings[0]} body inflates past it")
                raise TooLarge(f"{size_text(len(buffer) + len(piece))} received")
            if whole and ledger.reserve(len(piece), limit) is None:
                raise TooLarge(f"{size_text(len(buffer) + len(piece))} of this one", together=True)
            buffer += piece
        if watch.expired:  # a body without a length ends when its connection is shut
            raise Expired
        return bytes(buffer)
    except httpx.DecodingError as exc:
        if whole:
            raise Unreadable(f"its {codings[0]} encoding is broken ({exc})") from None
        return bytes(buffer)
    finally:
        if whole:
            ledger.release(len(buffer))
        # A failed read's traceback keeps this frame alive: what it read must not stay.
        buffer.clear()
