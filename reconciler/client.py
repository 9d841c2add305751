"""The Dograh API client: the only module of the reconciler that speaks HTTP.

httpx does the HTTP (connections, TLS, proxies, decoding); this module adds only what a
dialer needs to trust the network, following docs/dograh-api.md:

- The API key travels only in the ``X-API-Key`` header, and never in clear text but
  straight to a loopback address: ``http://`` to another host, or through a proxy
  (``HTTP_PROXY``, ``ALL_PROXY``, unless ``NO_PROXY`` covers the host), is refused unless
  ``--insecure``. Contacts (personal data) travel under the same rule. A key that a
  header cannot carry as it is is refused before any request. Every error passes through
  ``reconciler.redact`` (the key, URL passwords) and loses phone numbers, server text
  included.
- One retry policy per request (``RetryPolicy``): a request is sent at most ``attempts``
  times, with at most ``budget`` seconds of pauses between, each attempt within
  ``request_timeout``. A request that is not idempotent (create, redial, start, pause,
  resume, an upload) is sent again only when it surely never reached Dograh (no
  connection, or a 429) or when the caller has read that it did not happen (``Tries``);
  otherwise ``OutcomeUnknown`` is raised.
- Only Dograh's answer is an answer. A 502, 503 or 504, or an error whose body is not
  Dograh's JSON, says nothing of what Dograh did: for a request that is not idempotent
  it is "no answer" (``OutcomeUnknown.answered`` False). A redirect is named, never
  followed.
- Every exchange is bounded: an answer larger than ``max_response_bytes`` is refused while
  it streams (raw and decoded), one attempt has ``request_timeout`` seconds in all (a
  watchdog shuts its connection when they pass: a server sending a byte at a time,
  headers included, cannot stretch it), and one run ``command_timeout`` seconds of
  waiting on Dograh. Neither limit is retried.
- Failures are named for what they are: a TLS failure is said at once, an unreachable
  host after a few quick tries, and a 401 that means "configure telephony first" is not
  reported as a bad key.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json as jsonlib
import logging
import random
import re
import socket
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

import httpx

from reconciler import __version__
from reconciler.errors import UserError
from reconciler.live import (
    CampaignDefaults,
    CampaignList,
    CampaignProgress,
    DownloadTarget,
    LiveCampaign,
    OrganizationContext,
    TelephonyConfig,
    TelephonyList,
    UploadTarget,
    Workflow,
    WorkflowVersion,
    parse_answer,
    parse_list,
)
from reconciler.redact import printable, redact, register, register_url, without_userinfo

DEFAULT_API_URL = "https://app.dograh.com"
API_PREFIX = "/api/v1"
TELEPHONY_FIRST = "You must configure telephony first"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Retried for idempotent requests. 500 too: a read is safe to repeat, and a passing
database error is the commonest 500 (a deterministic one fails again, boundedly)."""
GATEWAY_STATUSES = frozenset({502, 503, 504})
"""What a proxy or gateway in front of Dograh answers when Dograh did not answer it in
time (or at all): never Dograh's own word on a request (docs/dograh-api.md §1.3)."""
MIB = 1024 * 1024
DEFAULT_MAX_RESPONSE_BYTES = 640 * MIB
"""The largest answer read. Dograh's largest is the campaign list, every campaign with
all its log entries and no pagination (docs/dograh-api.md §2.4): 10,000 campaigns with
seven log entries each weigh 40.4 MiB (bench/answer_size.py). This is about 16 times that."""
ERROR_BODY_BYTES = 64 * 1024
"""An error answer is read this far: only its ``detail`` (or an excerpt) is shown."""
DEFAULT_REQUEST_TIMEOUT = 60.0
DEFAULT_COMMAND_TIMEOUT = 3600.0
"""An apply of thousands of campaigns waits on Dograh for minutes; an hour is a backstop
that only a Dograh stuck in slow motion reaches."""
ACCEPTED_CODINGS = ("gzip", "deflate")
ACCEPT_ENCODING = ", ".join(ACCEPTED_CODINGS)
"""Asked for explicitly: httpx would also offer brotli and zstd when installed."""
PIECE = 16 * 1024
"""Raw bytes handed to httpx's decoder at a time: a piece of a gzip bomb inflates to at
most about a thousand times its size (16 MiB) before the size limit is checked."""
SHOWN_TEXT = 300
"""Characters of server text (a ``detail``, an error page) quoted in a message."""
MAX_DOWNLOAD = 10 * 1024 * 1024
"""Dograh's upload limit (docs/dograh-api.md §6.1): no contacts file is larger."""
_S3_CODE = re.compile(rb"<Code>([A-Za-z]+)</Code>")
_PHONE = re.compile(r"\+\d[\d ().-]{5,}\d")
"""A phone number in international form, as server text may quote one of a CSV."""

log = logging.getLogger("reconciler.client")


def _clean(text: str) -> str:
    """Server text as an error may carry it: no secret, no phone number."""
    return _PHONE.sub("<phone number>", redact(text))


class DograhError(UserError):
    """Dograh refused a request, or could not be reached; the message says what to do.

    Messages quote server text: the message and ``detail`` are cleaned (``_clean``) and
    made printable here, the one place every client error is built."""

    def __init__(
        self, message: str, *, status: int | None = None, detail: Any = None, request: str = ""
    ) -> None:
        super().__init__(printable(_clean(message)))
        self.status = status
        self.detail = _cleaned(detail)
        self.request = request


class AuthError(DograhError):
    """The API key was refused (401 other than the telephony one)."""


class TelephonyNotConfigured(DograhError):
    """Dograh's 401 on start/resume when the organization has no telephony configuration."""


class QuotaExceeded(DograhError):
    """402: the organization's quota does not allow the call."""


class NotFound(DograhError):
    """404: the object does not exist in this organization (other organizations' too)."""


class Refused(DograhError):
    """400 or 422: Dograh understood the request and said no, with its reason."""


class Unavailable(DograhError):
    """Dograh could not be reached, or kept failing, within the request's retry policy."""


class ResponseTooLarge(DograhError):
    """An answer larger than ``max_response_bytes``, raw or decoded."""


class DeadlineExceeded(DograhError):
    """No complete answer within ``request_timeout``, or the run's ``command_timeout``."""


class TLSFailure(DograhError):
    """The TLS handshake failed (a certificate, or a server that does not speak TLS)."""


class ClearTextRefused(DograhError):
    """Contacts that would cross a network in clear text: not sent (``--insecure``)."""


class OutcomeUnknown(DograhError):
    """A request that is not idempotent may or may not have been carried out.

    ``answered`` is True when Dograh's HTTP answer arrived (any status: its handler
    finished, whatever it did), False when none came (a timeout, a connection lost after
    sending: the handler may still be running, or never have run). A create without an
    answer must not be sent again before the campaign list says it did not happen."""

    def __init__(
        self,
        message: str,
        *,
        answered: bool,
        status: int | None = None,
        detail: Any = None,
        request: str = "",
    ) -> None:
        super().__init__(message, status=status, detail=detail, request=request)
        self.answered = answered


@dataclass(frozen=True)
class RetryPolicy:
    """The one retry policy of every request (docs/dograh-api.md, "Retries").

    One request is sent at most ``attempts`` times in all, its pauses together at most
    ``budget`` seconds, each attempt within the settings' ``request_timeout``: its worst
    case is ``worst_case(request_timeout)`` (6 x 60 + 60 = 420 s by default), and a run
    stops waiting on Dograh after ``command_timeout`` whatever its requests."""

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 8.0
    """The backoff: full jitter, up to ``base_delay * 2**n``, never over ``max_delay``."""
    budget: float = 60.0
    """Seconds of pauses, all retries of one request together."""
    retry_after_cap: float = 60.0
    """The longest Retry-After honoured as given (0 to 60 s: a larger one is cut)."""
    connect_attempts: int = 3
    """Of the attempts, how many may find no connection (refused, unknown host): a Dograh
    that is down or a wrong URL is said in a second, not after the budget."""
    connect_delay: float = 0.25
    """The pause after the first failed connection; it doubles after each."""

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """The pause before the next attempt: the backoff, or the server's Retry-After
        (within 0 to ``retry_after_cap``) when it asks for longer: a ``Retry-After: 0``
        does not make the attempts follow each other at once."""
        backoff = rng.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))
        if retry_after is None:
            return backoff
        return max(backoff, min(max(retry_after, 0.0), self.retry_after_cap))

    def worst_case(self, request_timeout: float) -> float:
        """The longest one request can take: every attempt to its deadline, every pause."""
        return self.attempts * request_timeout + self.budget


class RunLedger:
    """What every client and thread of one run shares, so that the run's limits hold
    however many requests are under way at once (plan reads four routes side by side,
    apply ten campaigns):

    - the time the run has waited on Dograh: while at least one request, or a pause
      before its retry, was under way (not the approval prompt, not the manifests);
    - the bytes of the answers being read at this moment, so that answers read side by
      side hold no more memory together than one answer may.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy = 0
        self._since = 0.0
        self._spent = 0.0
        self._reading = 0

    def reserve(self, count: int, limit: int) -> int | None:
        """Take ``count`` bytes for an answer being read; None when the answers being
        read would then hold more than ``limit`` together, else what the others hold."""
        with self._lock:
            if self._reading + count > limit:
                return None
            self._reading += count
            return self._reading - count

    def release(self, count: int) -> None:
        with self._lock:
            self._reading -= count

    def reading(self) -> int:
        with self._lock:
            return self._reading

    @contextmanager
    def waiting(self) -> Iterator[None]:
        with self._lock:
            if self._busy == 0:
                self._since = time.monotonic()
            self._busy += 1
        try:
            yield
        finally:
            with self._lock:
                self._busy -= 1
                if self._busy == 0:
                    self._spent += time.monotonic() - self._since

    def spent(self) -> float:
        with self._lock:
            return self._spent + (time.monotonic() - self._since if self._busy else 0.0)


@dataclass(frozen=True)
class ClientSettings:
    """Where Dograh is, the key, and the limits of one run.

    ``base_url`` never holds userinfo: a ``user:password@`` written in it moves to
    ``credentials`` (sent as HTTP Basic auth, as httpx would have sent it), so that no
    message, log or saved plan shows the password. Making settings registers their
    secrets with ``reconciler.redact``. Every client made from one settings object shares
    its ``ledger``: plan and apply make several clients in one run.
    """

    base_url: str = DEFAULT_API_URL
    api_key: str = field(default="", repr=False)
    insecure: bool = False
    timeout: float = 30.0
    """Seconds between two reads (or writes) of one exchange."""
    connect_timeout: float = 10.0
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    """Seconds for one exchange, from connecting to the answer's last byte."""
    command_timeout: float = DEFAULT_COMMAND_TIMEOUT
    """Seconds one run may wait on Dograh in all (``RunLedger``)."""
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    """Bytes of one answer, and of the answers being read at once (``RunLedger``)."""
    retry: RetryPolicy = RetryPolicy()
    credentials: tuple[str, str] | None = field(default=None, repr=False)
    ledger: RunLedger = field(default_factory=RunLedger, repr=False, compare=False)

    def __post_init__(self) -> None:
        register(self.api_key)
        register_url(self.base_url)
        try:
            parts = urlsplit(self.base_url)
        except ValueError:
            return  # check_settings says what is wrong with it
        if "@" in parts.netloc:
            user, password = unquote(parts.username or ""), unquote(parts.password or "")
            object.__setattr__(self, "base_url", without_userinfo(self.base_url))
            object.__setattr__(self, "credentials", (user, password))


def check_settings(settings: ClientSettings) -> None:
    """Refuse settings that would leak the key or cannot work, before any request."""
    if not settings.api_key:
        raise UserError(
            "no Dograh API key: set DOGRAH_API_KEY or pass --api-key (keys start with dgr_)"
        )
    problem = _key_problem(settings.api_key)
    if problem:
        raise UserError(
            f"the API key {problem}, which an HTTP header cannot carry: set DOGRAH_API_KEY "
            "(or --api-key) to the key alone, as Dograh showed it (dgr_ and 43 letters, "
            "digits, - or _)"
        )
    url = settings.base_url
    not_http = f"the API URL '{url}' is not an http(s) URL such as {DEFAULT_API_URL}"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise UserError(not_http) from None
    if parts.scheme not in ("http", "https") or not host:
        raise UserError(not_http)
    if parts.path.rstrip("/").endswith(API_PREFIX):
        fixed = parts._replace(path=parts.path.rstrip("/")[: -len(API_PREFIX)]).geturl()
        raise UserError(
            f"the API URL '{url}' ends in {API_PREFIX}, which campaigns adds itself: "
            f"use --api-url {fixed} (or DOGRAH_API_URL)"
        )
    route = clear_text_route(parts.scheme, host, _environment_proxies())
    if route and not settings.insecure:
        raise UserError(
            f"refusing to send the API key in clear text to {host} over http://: {route}; "
            "use https://, or pass --insecure if this network is trusted"
        )


def clear_text_route(scheme: str, host: str, proxies: Mapping[str, str]) -> str | None:
    """Why a request to ``host`` would cross a network in clear text, or None when it
    cannot: HTTPS, or plain HTTP straight to a loopback address (no proxy between)."""
    if scheme != "http":
        return None
    if not _is_loopback(host):
        return f"{host} is not this machine"
    proxy = _proxy_for(proxies, scheme, host)
    if proxy:
        return (
            f"the connection goes through the proxy {without_userinfo(proxy)} (HTTP_PROXY or "
            f"ALL_PROXY; add {host} to NO_PROXY to go straight to it)"
        )
    return None


def _proxy_for(proxies: Mapping[str, str], scheme: str, host: str) -> str | None:
    """The proxy a request to ``host`` goes through, as the client's transport picks it."""
    proxy = proxies.get(scheme) or proxies.get("all")
    if proxy and urllib.request.proxy_bypass(host):  # NO_PROXY
        return None
    return proxy


def _key_problem(key: str) -> str | None:
    """What makes ``key`` unfit for a header, without quoting it."""
    if key != key.strip():
        return "starts or ends with whitespace (a space or a line break copied with it?)"
    for position, char in enumerate(key, 1):
        if not char.isascii():
            return f"has a non-ASCII character (character {position})"
        if char in "\r\n":
            return f"has a line break (character {position})"
        if ord(char) < 0x20 or ord(char) == 0x7F:
            return f"has a control character (character {position})"
    return None


def _is_loopback(host: str) -> bool:
    """A loopback address, or ``localhost`` when every address it resolves to is one."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    if host.lower().rstrip(".") != "localhost":
        return False
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    addresses = {str(info[4][0]).split("%")[0] for info in found}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def _environment_proxies() -> dict[str, str]:
    """The environment's proxies (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY) by scheme, as URLs.
    Their passwords are secrets too: they are registered for redaction."""
    found = {}
    for scheme, url in urllib.request.getproxies().items():
        if scheme in ("http", "https", "all") and url:
            found[scheme] = url if "://" in url else f"http://{url}"
            register_url(found[scheme])
    return found


# -- one attempt's deadline, and the answer read under the limits ------------------------


class _Watch:
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

    def __enter__(self) -> _Watch:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


class _Unreadable(Exception):
    """An answer this client will not read whole; the text says why."""


class _TooLarge(_Unreadable):
    """Over the size limit: this answer alone, or with those read at the same time."""

    def __init__(self, reason: str, *, together: bool = False) -> None:
        super().__init__(reason)
        self.together = together


class _Expired(Exception):
    """The deadline passed between two pieces of the answer."""


class _Metered(httpx.SyncByteStream):
    """The raw body as httpx's decoder takes it: in pieces of at most ``PIECE`` bytes, the
    deadline and the raw size checked before each (bytes after a gzip stream's end
    decode to nothing, but still count)."""

    def __init__(self, raw: httpx.SyncByteStream, watch: _Watch, limit: int | None) -> None:
        self._raw = raw
        self._watch = watch
        self._limit = limit

    def __iter__(self) -> Iterator[bytes]:
        received = 0
        for chunk in self._raw:
            for start in range(0, len(chunk), PIECE):
                if self._watch.passed():
                    raise _Expired
                piece = chunk[start : start + PIECE]
                received += len(piece)
                if self._limit is not None and received > self._limit:
                    raise _TooLarge(f"{_size(received)} received")
                yield piece

    def close(self) -> None:
        self._raw.close()


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1024 * MIB), ("MiB", MIB), ("KiB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{count} bytes"


def _codings(response: httpx.Response) -> list[str]:
    """The answer's content codings other than identity; ``_Unreadable`` for one not asked."""
    header = response.headers.get("Content-Encoding", "")
    codings = [c.strip().lower() for c in header.split(",") if c.strip().lower() != "identity"]
    codings = [c for c in codings if c]
    if any(c not in ACCEPTED_CODINGS for c in codings):
        raise _Unreadable(f"it is encoded as {header!r}, not as asked ({ACCEPT_ENCODING})")
    return codings


def _read_body(
    response: httpx.Response, limit: int, watch: _Watch, ledger: RunLedger, *, whole: bool
) -> bytes:
    """The body, decoded by httpx, up to ``limit`` bytes raw and decoded. ``whole``: all
    of it or ``_TooLarge``, within what the run's other answers being read leave of
    ``limit``; otherwise (an error answer) its beginning, or nothing if unreadable."""
    declared = response.headers.get("Content-Length", "")
    if whole and declared.isdigit() and int(declared) > limit:
        raise _TooLarge(f"it declares {int(declared):,} bytes")
    try:
        codings = _codings(response)
    except _Unreadable:
        if whole:
            raise
        return b""
    if isinstance(response.stream, httpx.SyncByteStream):  # not when made in memory
        response.stream = _Metered(response.stream, watch, limit if whole else None)
    # One growing buffer, not a list of chunks: large, it is given back to the system
    # when cleared, where small blocks freed by one thread stay in its malloc arena.
    buffer = bytearray()
    try:
        for piece in response.iter_bytes():
            if len(buffer) + len(piece) > limit:
                if not whole:
                    return bytes(buffer) + piece[: limit - len(buffer)]
                if codings:
                    raise _TooLarge(f"its {codings[0]} body inflates past it")
                raise _TooLarge(f"{_size(len(buffer) + len(piece))} received")
            if whole and ledger.reserve(len(piece), limit) is None:
                raise _TooLarge(f"{_size(len(buffer) + len(piece))} of this one", together=True)
            buffer += piece
        if watch.expired:  # a body without a length ends when its connection is shut
            raise _Expired
        return bytes(buffer)
    except httpx.DecodingError as exc:
        if whole:
            raise _Unreadable(f"its {codings[0]} encoding is broken ({exc})") from None
        return bytes(buffer)
    finally:
        if whole:
            ledger.release(len(buffer))
        # A failed read's traceback keeps this frame alive: what it read must not stay.
        buffer.clear()


CONNECTING = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Errors raised before the request was sent: it did not reach Dograh."""


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: httpx.Headers
    body: bytes


@dataclass(frozen=True)
class _Again:
    """An attempt that may be repeated: what went wrong, and how the server asked to wait."""

    problem: str
    retry_after: float | None = None
    unreachable: bool = False


class Tries:
    """One request's attempts under the run's ``RetryPolicy``, however many calls make
    them: the client's retries and the caller's sending again of an action that Dograh
    answered without doing (apply reads that first) draw on one count and one budget."""

    def __init__(self, client: DograhClient) -> None:
        self._client = client
        self.policy = client.settings.retry
        self.began = time.monotonic()
        self.sent = 0
        self.unreachable = 0
        self.paused = 0.0

    def again(self, label: str, problem: str, retry_after: float | None = None) -> None:
        """Pause before the next attempt, or raise ``Unavailable`` when the policy allows
        none."""
        policy = self.policy
        pause = policy.delay(self.sent, retry_after, self._client.rng)
        if self.sent >= policy.attempts or self.paused + pause > policy.budget:
            asked = ""
            if retry_after is not None and retry_after > policy.retry_after_cap:
                asked = (
                    f" (it asked to wait {retry_after:.0f} s; this tool waits at most "
                    f"{policy.retry_after_cap:g} s)"
                )
            raise Unavailable(
                f"{label}: {problem}{asked}, still after {self.sent} attempt"
                f"{'s' if self.sent != 1 else ''} in {time.monotonic() - self.began:.1f} s; "
                "Dograh may be down or overloaded, try again later",
                request=label,
            )
        self.paused += pause
        self._client.pause(label, problem, pause)

    def reconnect(self, label: str, problem: str) -> None:
        """Pause before trying to connect again: a few short pauses, then ``Unavailable``."""
        policy = self.policy
        self.unreachable += 1
        if self.unreachable >= policy.connect_attempts or self.sent >= policy.attempts:
            raise Unavailable(
                f"{label}: {problem} ({self.sent} attempts in "
                f"{time.monotonic() - self.began:.1f} s); check the URL (--api-url or "
                "DOGRAH_API_URL) and that Dograh is up",
                request=label,
            )
        self._client.pause(label, problem, policy.connect_delay * 2 ** (self.unreachable - 1))


@dataclass
class _Line:
    """One thread's client of one origin, and the connection it opened last (the one it
    keeps alive), which the watchdog shuts when an attempt outlives its deadline."""

    client: httpx.Client
    stream: Any = None


class DograhClient:
    """A thread-safe client: plan and apply call it from several threads at once.

    Each thread gets its own ``httpx.Client`` per origin (one kept-alive connection: a
    shared pool serialises twenty threads on its lock), on httpx's ``HTTPTransport``,
    through the proxy the environment names for that origin (``_proxy_for``, the rule
    the clear-text check reads). They share one TLS context, which is costly to build.
    """

    def __init__(
        self,
        settings: ClientSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        check_settings(settings)
        self.settings = settings
        self._sleep = sleep
        self.rng = rng or random.Random()
        self._transport = transport
        self._tls = httpx.create_ssl_context()
        self._proxies = _environment_proxies()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[httpx.Client] = []
        self._sent = 0
        self.server_date: str | None = None
        """HTTP's ``Date`` of Dograh's latest answer: its clock, which decides whether a
        campaign is inside its calling window (``status`` reads "now" there)."""

    @property
    def requests_sent(self) -> int:
        return self._sent

    def tries(self) -> Tries:
        """A fresh count of attempts for one request (``Tries``)."""
        return Tries(self)

    def _line(self, kind: str, url: httpx.URL) -> _Line:
        """This thread's client of ``url``'s origin."""
        lines: dict[tuple[str, str], _Line] = self._local.__dict__.setdefault("lines", {})
        key = (kind, f"{url.scheme}://{url.netloc.decode('ascii')}")
        line = lines.get(key)
        if line is None:
            line = lines[key] = _Line(self._open(kind, url))
            with self._lock:
                self._opened.append(line.client)
        return line

    def _open(self, kind: str, url: httpx.URL) -> httpx.Client:
        proxy = _proxy_for(self._proxies, url.scheme, url.host)
        transport = self._transport or httpx.HTTPTransport(
            verify=self._tls,
            limits=httpx.Limits(max_keepalive_connections=1, keepalive_expiry=5.0),
            proxy=proxy,
            trust_env=False,
        )
        headers = {
            "User-Agent": f"dograh-campaigns/{__version__} (+python-httpx)",
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        credentials = self.settings.credentials
        if kind == "api":  # storage's signed URLs must not receive the API key
            headers |= {"X-API-Key": self.settings.api_key, "Accept": "application/json"}
        return httpx.Client(
            headers=headers,
            auth=httpx.BasicAuth(*credentials) if credentials and kind == "api" else None,
            transport=transport,
            follow_redirects=False,
            trust_env=False,
        )

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for client in opened:
            client.close()

    def __enter__(self) -> DograhClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------

    def list_campaigns(self) -> list[LiveCampaign]:
        route = "GET /campaign/"
        return list(parse_answer(CampaignList, self._body("GET", "/campaign/"), route).campaigns)

    def get_campaign(self, campaign_id: int) -> LiveCampaign:
        path = f"/campaign/{campaign_id}"
        return parse_answer(LiveCampaign, self._body("GET", path), f"GET {path}")

    def list_workflows(self) -> list[Workflow]:
        """Active and archived workflows: an archived one may still back a campaign."""
        body = self._body("GET", "/workflow/fetch", params={"status": "active,archived"})
        return parse_list(Workflow, body, "GET /workflow/fetch")

    def telephony_configurations(self) -> list[TelephonyConfig]:
        path = "/organizations/telephony-configs"
        return list(
            parse_answer(TelephonyList, self._body("GET", path), f"GET {path}").configurations
        )

    def workflow_versions(self, workflow_id: int) -> list[WorkflowVersion]:
        """Every version of a workflow, newest first: the published one is what Dograh's
        create checks and its calls run (docs/dograh-api.md §7)."""
        path = f"/workflow/{workflow_id}/versions"
        return parse_list(WorkflowVersion, self._body("GET", path), f"GET {path}")

    def source_download_url(self, campaign_id: int) -> DownloadTarget:
        """A signed URL of the campaign's contacts file, valid for an hour
        (docs/dograh-api.md §2.11)."""
        path = f"/campaign/{campaign_id}/source-download-url"
        return parse_answer(DownloadTarget, self._body("GET", path), f"GET {path}")

    def download(self, url: str, limit: int = MAX_DOWNLOAD) -> bytes:
        """The object at a signed storage URL, through the storage client: the URL is
        its own credential, and the API key is never sent to storage (§6.1). Read no
        further than ``limit`` bytes; the URL, which opens personal data, stays out of
        every message."""
        label = "GET download URL"
        self._check_storage(urlsplit(url), label, "download the contacts file from")
        try:
            answer = self._send("storage", label, "GET", url, idempotent=True, limit=limit)
        except ResponseTooLarge:
            raise DograhError(
                f"the contacts file Dograh sent is over {limit:,} bytes, Dograh's own limit for "
                "a contacts file; it was not read further",
                request=label,
            ) from None
        if 300 <= answer.status < 400:
            raise _redirected(label, answer.status, answer.headers, url)
        if answer.status >= 300:
            code = _S3_CODE.search(answer.body)
            named = f" ({code.group(1).decode()})" if code else ""
            raise DograhError(
                f"downloading the contacts file failed with HTTP {answer.status}{named}",
                status=answer.status,
                request=label,
            )
        return answer.body

    def organization(self) -> OrganizationContext:
        """The organization the key belongs to: one request, asked once per run."""
        path = "/organizations/context"
        return parse_answer(OrganizationContext, self._body("GET", path), f"GET {path}")

    def campaign_defaults(self) -> CampaignDefaults:
        path = "/organizations/campaign-defaults"
        return parse_answer(CampaignDefaults, self._body("GET", path), f"GET {path}")

    def campaign_progress(self, campaign_id: int) -> CampaignProgress:
        path = f"/campaign/{campaign_id}/progress"
        return parse_answer(CampaignProgress, self._body("GET", path), f"GET {path}")

    # -- writing ---------------------------------------------------------------------

    def presigned_upload(self, file_name: str, file_size: int) -> UploadTarget:
        """An upload URL; asking twice only wastes a URL, so this is retried."""
        path = "/s3/presigned-upload-url"
        body = {"file_name": file_name, "file_size": file_size, "content_type": "text/csv"}
        answer = self._body("POST", path, json=body, idempotent=True)
        return parse_answer(UploadTarget, answer, f"POST {path}")

    def upload(self, url: str, content: bytes, tries: Tries | None = None) -> None:
        """PUT the file to the presigned URL: storage, so the API key is not sent there.

        Not retried after it may have arrived: a presigned URL may refuse a second PUT.
        The caller asks for a new URL instead (``tries``: the PUT's count of attempts);
        an orphan upload costs nothing.
        """
        headers = {"Content-Type": "text/csv"}  # the S3 backend signs the content type
        label = "PUT upload URL"
        self._check_storage(urlsplit(url), label, "upload the contacts file to")
        answer = self._send(
            "storage",
            label,
            "PUT",
            url,
            idempotent=False,
            tries=tries,
            content=content,
            headers=headers,
        )
        if 300 <= answer.status < 400:
            raise _redirected(label, answer.status, answer.headers, url)
        if answer.status >= 300:
            raise DograhError(
                f"uploading the contacts file failed with HTTP {answer.status}",
                status=answer.status,
                request=label,
            )

    def _check_storage(self, parts: SplitResult, label: str, doing: str) -> None:
        """Contacts travel as the key does: over HTTPS, or straight to this machine.
        The message names the host only: the URL's query is its signature."""
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or not host:
            raise DograhError(f"{label}: Dograh's storage URL is not an http(s) URL", request=label)
        route = clear_text_route(parts.scheme, host, self._proxies)
        if route and not self.settings.insecure:
            raise ClearTextRefused(
                f"refusing to {doing} {host} over plain http:// ({route}): contacts are "
                "personal data, sent only over https:// or straight to this machine; fix "
                "Dograh's storage URL, or pass --insecure if this network is trusted",
                request=label,
            )

    def create_campaign(self, body: Mapping[str, Any], tries: Tries | None = None) -> LiveCampaign:
        """Not idempotent: ``tries`` counts the attempts of a create that the caller sends
        again once it has read that the last one did not happen."""
        answer = self._body(
            "POST", "/campaign/create", json=dict(body), idempotent=False, tries=tries
        )
        return parse_answer(LiveCampaign, answer, "POST /campaign/create")

    def redial(
        self, campaign_id: int, body: Mapping[str, Any], tries: Tries | None = None
    ) -> LiveCampaign:
        """A completed campaign's redial: a new campaign, answered as one (docs/dograh-api.md
        §2.9). Not idempotent: an unknown outcome is settled by the caller, through the
        parent's ``redialed_campaign_id``."""
        path = f"/campaign/{campaign_id}/redial"
        answer = self._body("POST", path, json=dict(body), idempotent=False, tries=tries)
        return parse_answer(LiveCampaign, answer, f"POST {path}")

    def update_campaign(self, campaign_id: int, body: Mapping[str, Any]) -> LiveCampaign:
        # PATCH replaces the sent objects whole: sending the same body twice is harmless.
        path = f"/campaign/{campaign_id}"
        answer = self._body("PATCH", path, json=dict(body), idempotent=True)
        return parse_answer(LiveCampaign, answer, f"PATCH {path}")

    def lifecycle(self, campaign_id: int, action: str, tries: Tries | None = None) -> LiveCampaign:
        """start, pause or resume; none is idempotent (a repeat gets a 400)."""
        if action not in ("start", "pause", "resume"):
            raise ValueError(f"unknown lifecycle action {action!r}")
        path = f"/campaign/{campaign_id}/{action}"
        answer = self._body("POST", path, idempotent=False, tries=tries)
        return parse_answer(LiveCampaign, answer, f"POST {path}")

    # -- plumbing --------------------------------------------------------------------

    def _body(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        tries: Tries | None = None,
    ) -> bytes:
        """The answer's bytes, once Dograh answered with a success status."""
        safe = method in ("GET", "HEAD") if idempotent is None else idempotent
        label = f"{method} {path}"
        url = self.settings.base_url.rstrip("/") + API_PREFIX + path
        answer = self._send(
            "api", label, method, url, idempotent=safe, tries=tries, json=json, params=params
        )
        if 300 <= answer.status < 400:
            raise _redirected(
                label,
                answer.status,
                answer.headers,
                url,
                "; check the API URL (--api-url or DOGRAH_API_URL): it must be where Dograh "
                f"answers, such as {DEFAULT_API_URL}",
            )
        if answer.status >= 400:
            raise error_for(answer.status, answer.body, label)
        self.server_date = answer.headers.get("date") or self.server_date
        return answer.body

    def _send(
        self,
        kind: str,
        label: str,
        method: str,
        url: str,
        *,
        idempotent: bool,
        tries: Tries | None = None,
        limit: int | None = None,
        **options: Any,
    ) -> _Answer:
        """One request, attempted as the retry policy and the request's safety allow."""
        tries = tries or self.tries()
        with self.settings.ledger.waiting():
            while True:
                tries.sent += 1
                outcome = self._attempt(kind, label, method, url, idempotent, limit, options)
                if isinstance(outcome, _Answer):
                    return outcome
                if outcome.unreachable:
                    tries.reconnect(label, outcome.problem)
                else:
                    tries.again(label, outcome.problem, outcome.retry_after)

    def _attempt(
        self,
        kind: str,
        label: str,
        method: str,
        url: str,
        idempotent: bool,
        limit: int | None,
        options: dict[str, Any],
    ) -> _Answer | _Again:
        """One attempt within its deadline: the answer, or why it may be repeated."""
        target = httpx.URL(url)
        line = self._line(kind, target)
        watch = self._watch(label, line.stream)
        left = watch.at - time.monotonic()
        timeout = httpx.Timeout(
            min(self.settings.timeout, left), connect=min(self.settings.connect_timeout, left)
        )
        status = 0  # until the answer's head arrives: Dograh's handler has finished
        with self._lock:
            self._sent += 1
        started = time.monotonic()
        try:
            with (
                watch,
                line.client.stream(
                    method, target, timeout=timeout, extensions={"trace": watch.trace}, **options
                ) as response,
            ):
                line.stream = watch.stream
                status = response.status_code
                cap = limit or self.settings.max_response_bytes
                whole = status < 300
                body = _read_body(
                    response,
                    cap if whole else ERROR_BODY_BYTES,
                    watch,
                    self.settings.ledger,
                    whole=whole,
                )
        except _Expired:
            raise self._too_slow(label, watch, idempotent, status) from None
        except _Unreadable as exc:
            raise self._unreadable(label, exc, idempotent, status) from None
        except httpx.TransportError as exc:
            return self._failed(exc, kind, label, target, watch, (idempotent, status))
        log.info("%s -> %s in %.0f ms", label, status, (time.monotonic() - started) * 1000)
        if not idempotent and status != 429:  # a 429 says it was not processed
            _check_answered(label, status, response.headers, body, dograh=kind == "api")
        if status in RETRY_STATUSES:
            return _Again(f"HTTP {status}", _retry_after(response.headers))
        return _Answer(status, response.headers, body)

    def _failed(
        self,
        exc: httpx.TransportError,
        kind: str,
        label: str,
        target: httpx.URL,
        watch: _Watch,
        request: tuple[bool, int],
    ) -> _Again:
        """A failed exchange: said at once, or how it may be attempted again. ``request``:
        whether it is idempotent, and the answer's status (0 before its head came)."""
        idempotent, status = request
        connecting = not status and isinstance(exc, CONNECTING)
        if watch.passed():
            raise self._too_slow(label, watch, idempotent or connecting, status) from exc
        if connecting:  # nothing reached Dograh: safe to repeat, whatever it is
            tls = _tls_problem(exc)
            if tls:  # a retry meets the same certificate
                host = target.netloc.decode("ascii")
                raise TLSFailure(f"{label}: TLS handshake with {host} failed: {tls}", request=label)
            origin = without_userinfo(f"{target.scheme}://{target.netloc.decode('ascii')}")
            where = f"Dograh at {origin}" if kind == "api" else f"the upload storage at {origin}"
            reason = _connect_reason(exc, self.settings.connect_timeout)
            return _Again(f"cannot connect to {where}: {reason}", unreachable=True)
        if not idempotent:
            raise OutcomeUnknown(
                f"{label}: the connection failed after the request was sent "
                f"({type(exc).__name__}); Dograh may or may not have carried it out",
                answered=bool(status),
                status=status or None,
                request=label,
            ) from exc
        return _Again(f"network error ({type(exc).__name__})")

    def _watch(self, label: str, stream: Any) -> _Watch:
        """The deadline of the next attempt: the request's, or what is left of the run's."""
        settings = self.settings
        left = settings.command_timeout - settings.ledger.spent()
        run_limit = (
            f"the {settings.command_timeout:g} s this run may wait on Dograh in all "
            "(--command-timeout or DOGRAH_COMMAND_TIMEOUT)"
        )
        if left <= 0:
            raise DeadlineExceeded(f"{label}: not sent: this run has used {run_limit}")
        if settings.request_timeout <= left:
            return _Watch(
                settings.request_timeout,
                f"within {settings.request_timeout:g} s (the limit of one request: "
                "--request-timeout or DOGRAH_REQUEST_TIMEOUT)",
                stream,
            )
        return _Watch(left, f"within {run_limit}", stream)

    def pause(self, label: str, problem: str, pause: float) -> None:
        """Wait before an attempt again, within what is left of the run's deadline."""
        settings = self.settings
        if settings.ledger.spent() + pause >= settings.command_timeout:
            raise DeadlineExceeded(
                f"{label}: {problem}; no time left to try again within the "
                f"{settings.command_timeout:g} s this run may wait on Dograh in all "
                "(--command-timeout or DOGRAH_COMMAND_TIMEOUT)",
                request=label,
            )
        log.info("%s: %s; retrying in %.2f s", label, problem, pause)
        with settings.ledger.waiting():
            self._sleep(pause)

    def _too_slow(self, label: str, watch: _Watch, may_repeat: bool, status: int) -> DograhError:
        """The deadline passed. ``may_repeat``: a read, or a request that never left
        (no connection was made): nothing happened that the caller must look for.
        ``status``: the answer's, when its head came before the deadline (else 0)."""
        message = f"{label}: no complete answer from Dograh {watch.limit}"
        if may_repeat:
            return DeadlineExceeded(message, status=status or None, request=label)
        if 200 <= status < 300:
            outcome = f"it answered HTTP {status}, so it was carried out, but the result is lost"
        else:
            outcome = "Dograh may or may not have carried it out"
        return OutcomeUnknown(
            f"{message}; {outcome}",
            answered=status != 0,
            status=status or None,
            request=label,
        )

    def _unreadable(
        self, label: str, problem: _Unreadable, idempotent: bool, status: int
    ) -> DograhError:
        """An answer not read whole: too large, or in an encoding not asked for. For a
        request that is not idempotent, its status says it was carried out."""
        what, advice = f"Dograh's answer is {problem}", ""
        if isinstance(problem, _TooLarge):
            size = _size(self.settings.max_response_bytes)
            what = f"Dograh's answer is larger than the {size} this tool reads ({problem})"
            if problem.together:
                what = (
                    "Dograh's answers read at the same time hold more than the "
                    f"{size} this tool reads at once ({problem})"
                )
            advice = (
                "; if the organization really has that much, raise --max-response-size or "
                "DOGRAH_MAX_RESPONSE_SIZE"
            )
        if idempotent:
            kind = ResponseTooLarge if isinstance(problem, _TooLarge) else DograhError
            return kind(f"{label}: {what}{advice}", status=status)
        return OutcomeUnknown(
            f"{label}: Dograh answered HTTP {status}, so the request was carried out, but "
            f"its result cannot be read: {what}{advice}",
            answered=True,
            status=status,
            request=label,
        )


def _check_answered(
    label: str, status: int, headers: httpx.Headers, body: bytes, *, dograh: bool
) -> None:
    """For a request that is not idempotent: an error that is not Dograh's own (a 502,
    503 or 504, or a body that is not Dograh's JSON) is no answer at all: what Dograh did
    is unknown. Dograh's own 5xx says its handler ran: unknown too, but answered.
    ``dograh`` False: storage, whose answers are never Dograh's; a 5xx is unknown."""
    if status < 400:
        return
    if dograh and (status in GATEWAY_STATUSES or not _dograhs_body(body)):
        what = f"HTTP {status}" + (f" with {_body_kind(headers, body)}" if body else "")
        raise OutcomeUnknown(
            f"{label}: no answer from Dograh: {what}, which is not Dograh's answer (a proxy "
            "or gateway in front of it speaks so); Dograh may or may not have carried it out",
            answered=False,
            status=status,
            request=label,
        )
    if status >= 500:
        raise OutcomeUnknown(
            f"{label}: Dograh answered HTTP {status} after receiving the request; "
            "it may or may not have carried it out",
            answered=True,
            status=status,
            request=label,
        )


def _dograhs_body(body: bytes) -> bool:
    """Whether an error body is Dograh's: a JSON object with its ``detail`` (§1.3)."""
    try:
        parsed = jsonlib.loads(body)
    except ValueError:
        return False
    return isinstance(parsed, dict) and "detail" in parsed


def _body_kind(headers: httpx.Headers, body: bytes) -> str:
    """What a foreign error body is, in a few words: its media type, never its text."""
    media = headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media and re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", media):
        return f"a {media} body"
    return "a body that is not JSON" if body.lstrip()[:1] not in (b"{", b"[") else "a JSON body"


def _redirected(
    label: str, status: int, headers: httpx.Headers, url: str, advice: str = ""
) -> DograhError:
    """A 3xx, named as such: its status and the origin it points to (never its path or
    query, which may be a signed URL)."""
    location = headers.get("Location", "")
    target = ""
    if location:
        try:
            parts = urlsplit(urljoin(url, location))
            if parts.scheme and parts.hostname:
                target = f" to {without_userinfo(f'{parts.scheme}://{parts.netloc}')}"
        except ValueError:
            target = ""
    return DograhError(
        f"{label}: answered HTTP {status}, a redirect{target or ' (without a usable Location)'}; "
        f"this tool does not follow redirects{advice}",
        status=status,
        request=label,
    )


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what caused it: httpx wraps httpcore's error, which wraps the OS's."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


_SSL_WHERE = re.compile(r"\s*\(_ssl\.c:\d+\)$")
NOT_TLS = frozenset(
    {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST", "PACKET_LENGTH_TOO_LONG"}
)
"""OpenSSL's reasons when the server answered the handshake with something else."""


def _tls_problem(exc: BaseException) -> str | None:
    """What failed in the TLS handshake, or None when it was not TLS (or a dropped
    connection, which a retry may get past)."""
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return (
                f"certificate verify failed: {cause.verify_message}. If Dograh's certificate "
                "comes from a private authority, point SSL_CERT_FILE at its certificate"
            )
        if isinstance(cause, (ssl.SSLEOFError, ssl.SSLZeroReturnError)):
            return None
        if isinstance(cause, ssl.SSLError):
            text = _SSL_WHERE.sub("", str(cause))
            if cause.reason in NOT_TLS:
                text += "; the server does not speak TLS on this port: is its URL http://?"
            return text
    return None


def _connect_reason(exc: BaseException, connect_timeout: float) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"no connection within {connect_timeout:g} s"
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            return f"the host name does not resolve ({cause.strerror})"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, OSError) and cause.strerror:
            return str(cause.strerror)
    return f"{type(exc).__name__}: {exc}"


def error_for(status: int, body: bytes, label: str) -> DograhError:
    """The user-facing error for a 4xx or 5xx answer (its body as far as it was read)."""
    try:
        parsed = jsonlib.loads(body)
        detail: Any = parsed.get("detail") if isinstance(parsed, dict) else None
    except ValueError:
        detail = _excerpt(body.decode("utf-8", "replace")) or None
    text = _excerpt(detail) if isinstance(detail, str) else None
    if status == 401 and text and text.startswith(TELEPHONY_FIRST):
        return TelephonyNotConfigured(
            f"{label}: Dograh says the organization has no telephony configuration ({text}). "
            "This is not a problem with the API key: add a telephony configuration in "
            "Dograh, then apply again",
            status=status,
            detail=detail,
            request=label,
        )
    if status == 401:
        return AuthError(
            f"Dograh refused the API key ({text or 'HTTP 401'}): check DOGRAH_API_KEY; keys "
            "look like dgr_ followed by 43 characters, and belong to one organization",
            status=status,
            detail=detail,
            request=label,
        )
    if status == 402:
        return QuotaExceeded(
            f"{label}: Dograh refused for quota reasons: {text or 'HTTP 402'}",
            status=status,
            detail=detail,
            request=label,
        )
    if status == 404 and text == "Not Found":  # FastAPI's own: no such route, not no object
        return NotFound(
            f"{label}: the server has no such route (HTTP 404 Not Found): is the API URL "
            f"Dograh's base URL, such as {DEFAULT_API_URL}?",
            status=status,
            detail=detail,
            request=label,
        )
    if status == 404:
        return NotFound(
            f"{label}: {text or 'not found'} in this organization",
            status=status,
            detail=detail,
            request=label,
        )
    if status in (400, 422):
        return Refused(
            f"{label}: Dograh refused it: {_excerpt(describe_detail(detail))}",
            status=status,
            detail=detail,
            request=label,
        )
    return DograhError(
        f"{label}: Dograh answered HTTP {status}: {text or 'no detail'}",
        status=status,
        detail=detail,
        request=label,
    )


def describe_detail(detail: Any) -> str:
    """Dograh's ``detail``: a sentence, or FastAPI's list of field errors, as one line."""
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if not isinstance(item, dict):
                continue
            loc = [str(step) for step in item.get("loc", []) if step != "body"]
            where = ".".join(loc) or "request"
            parts.append(f"{where}: {item.get('msg', 'invalid')}")
        if parts:
            return "; ".join(parts)
    return "no detail given"


def _excerpt(text: str) -> str:
    """Server text as quoted in one line of a message: spaces collapsed, cut short."""
    line = " ".join(text.split())
    return line if len(line) <= SHOWN_TEXT else line[: SHOWN_TEXT - 3] + "..."


def _cleaned(value: Any) -> Any:
    """A ``detail`` as kept on an error: its strings cleaned, its shape unchanged."""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    if isinstance(value, dict):
        return {key: _cleaned(item) for key, item in value.items()}
    return value
