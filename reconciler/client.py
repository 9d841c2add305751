"""The Dograh API client: the only module of the reconciler that speaks HTTP.

It follows docs/dograh-api.md (not the sandbox, which follows Dograh on its own), and
it owns the rules that let a dialer trust the network:

- The API key travels only in the ``X-API-Key`` header, never in a message or a log, and
  never in clear text but straight to a loopback address: ``http://`` to another host,
  or through a proxy (``HTTP_PROXY``, ``ALL_PROXY``, unless ``NO_PROXY`` covers the
  host), is refused unless ``--insecure``. Contacts (personal data) are uploaded and
  downloaded under the same rule, whatever URL Dograh hands out. A
  key that an HTTP header cannot carry as it is (non-ASCII, a control character, spaces
  around it) is refused before any request. Every message passes through
  ``reconciler.redact``, server text included.
- Only idempotent requests (GET, and a PATCH of the same body) are retried on a network
  error or a 5xx. A request that is not idempotent (create, redial, start, pause,
  resume) is retried only when it surely never reached Dograh (no connection could be
  made, or a 429 said it was not processed); otherwise ``OutcomeUnknown`` is raised, and
  the caller must find out what happened before it tries again.
- Only Dograh's answer is an answer. A 502, 503 or 504, or an error whose body is not
  Dograh's JSON (``{"detail": ...}``: an HTML page from a proxy, a gateway's text), says
  nothing of what Dograh did: for a request that is not idempotent it is "no answer"
  (``OutcomeUnknown.answered`` False), never "Dograh answered without doing it". A
  redirect is named as one (its status and where it points, origin only), never
  followed.
- Every exchange is bounded: an answer larger than ``max_response_bytes`` is refused while
  it streams (counted raw and inflated), one request has ``request_timeout`` seconds for
  its whole exchange, and one run ``command_timeout`` seconds of waiting on Dograh in
  all. Neither limit is retried: a server that sent too much, or too slowly, does again.
- Failures are named for what they are: a TLS failure or an unreachable host is said at
  once instead of being retried as an outage, and a 401 that means "configure telephony
  first" is not reported as a bad key.
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
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

import httpcore
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
RETRY_AFTER_MAX = 60.0
"""The longest ``Retry-After`` honoured: a larger one is cut to this."""
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
ACCEPT_ENCODING = "gzip, deflate"
"""The encodings ``_Inflater`` undoes under the size limit (httpx would also offer brotli
and zstd when installed, and inflate each chunk whole)."""
SHOWN_TEXT = 300
"""Characters of server text (a ``detail``, an error page) quoted in a message."""
MAX_DOWNLOAD = 10 * 1024 * 1024
"""Dograh's upload limit (docs/dograh-api.md §6.1): no contacts file is larger."""
_S3_CODE = re.compile(rb"<Code>([A-Za-z]+)</Code>")

log = logging.getLogger("reconciler.client")
T = TypeVar("T")


class DograhError(UserError):
    """Dograh refused a request, or could not be reached; the message says what to do.

    Messages quote server text: the message and ``detail`` are redacted and made
    printable here, the one place every client error is built."""

    def __init__(
        self, message: str, *, status: int | None = None, detail: Any = None, request: str = ""
    ) -> None:
        super().__init__(printable(redact(message)))
        self.status = status
        self.detail = _redacted(detail)
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
    """Dograh could not be reached, or kept failing, for a request that is safe to repeat."""


class ResponseTooLarge(DograhError):
    """An answer larger than ``max_response_bytes``, raw or inflated."""


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
    """Exponential backoff with full jitter, bounded in attempts and in total time."""

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 8.0
    budget: float = 60.0
    """Seconds of waiting, all retries of one request together."""
    retry_after_cap: float = RETRY_AFTER_MAX
    """The longest Retry-After honoured as given (0 to 60 s: a larger one is cut)."""
    connect_attempts: int = 3
    """Attempts when no connection can be made (refused, unknown host): a Dograh that is
    down or a wrong URL is reported in a second, not after the outage budget."""
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


class RunLedger:
    """What every client and thread of one run shares, so that the run's limits hold
    however many requests are under way at once (plan reads four routes side by side,
    apply ten campaigns):

    - the time the run has waited on Dograh: while at least one request, or a pause
      before its retry, was under way. The time at apply's approval prompt or spent on
      the manifests does not count: no misbehaving server can stretch it;
    - the bytes of the answers being read at this moment, so that four routes answering
      a gzip bomb each hold no more memory together than one answer may.
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


# -- the deadline of one exchange, on every socket operation ------------------------------


class _Watch:
    """One exchange's deadline, and whether it was what stopped the exchange."""

    def __init__(self, at: float, limit: str) -> None:
        self.at = at
        self.limit = limit
        """How the message states the limit: 'within 60 s (...)'."""
        self.expired = False


_current = threading.local()


@contextmanager
def _watching(watch: _Watch) -> Iterator[None]:
    """Let the network backend of this thread see ``watch`` for one exchange."""
    previous = getattr(_current, "watch", None)
    _current.watch = watch
    try:
        yield
    finally:
        _current.watch = previous


def _bounded(
    operation: Callable[[float | None], T], timeout: float | None, kind: type[Exception]
) -> T:
    """``operation`` with its timeout cut to what is left of the exchange's deadline."""
    watch: _Watch | None = getattr(_current, "watch", None)
    if watch is None:
        return operation(timeout)
    left = watch.at - time.monotonic()
    if left <= 0:
        watch.expired = True
        raise kind("the exchange's deadline passed")
    if timeout is not None and timeout < left:
        return operation(timeout)
    try:
        return operation(left)
    except httpcore.TimeoutException:
        watch.expired = True
        raise


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return _bounded(lambda t: self._stream.read(max_bytes, t), timeout, httpcore.ReadTimeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        _bounded(lambda t: self._stream.write(buffer, t), timeout, httpcore.WriteTimeout)

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        def handshake(t: float | None) -> httpcore.NetworkStream:
            return self._stream.start_tls(ssl_context, server_hostname, t)

        return _DeadlineStream(_bounded(handshake, timeout, httpcore.ConnectTimeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sockets, each connect, handshake, read and write bounded by the deadline
    of the exchange in progress: httpx's timeouts bound each of those alone, so a server
    sending a byte every few seconds would never time out."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        def connect(t: float | None) -> httpcore.NetworkStream:
            return self._backend.connect_tcp(host, port, t, local_address, socket_options)

        return _DeadlineStream(_bounded(connect, timeout, httpcore.ConnectTimeout))

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


_CORE_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)
"""httpcore's errors as httpx's, most specific first (as httpx's own transport maps them)."""


@contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for core, mapped in _CORE_ERRORS:
            if isinstance(exc, core):
                raise mapped(str(exc)) from exc
        raise


class _CoreStream(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _httpx_errors():
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class _DeadlineTransport(httpx.BaseTransport):
    """httpx's transport (httpcore's connection pools) on ``_DeadlineBackend``, which httpx
    does not take as a parameter; through the environment's proxy, as httpx would go,
    so that a proxy is held to the deadline as Dograh is."""

    def __init__(self, ssl_context: ssl.SSLContext, proxies: Mapping[str, str]) -> None:
        self._ssl = ssl_context
        self._proxies = proxies
        self._pools: dict[str | None, httpcore.ConnectionPool] = {}

    def _pool(self, url: httpx.URL) -> httpcore.ConnectionPool:
        proxy = _proxy_for(self._proxies, url.scheme, url.host)
        pool = self._pools.get(proxy)
        if pool is None:
            pool = self._pools[proxy] = self._open(proxy)
        return pool

    def _open(self, proxy: str | None) -> httpcore.ConnectionPool:
        limits: dict[str, Any] = {
            "max_connections": 100,
            "max_keepalive_connections": 20,
            "keepalive_expiry": 5.0,
        }
        if proxy is None:
            return httpcore.ConnectionPool(
                ssl_context=self._ssl, network_backend=_DeadlineBackend(), **limits
            )
        parsed = httpx.Proxy(proxy)  # its userinfo becomes Proxy-Authorization
        return httpcore.HTTPProxy(
            proxy_url=httpcore.URL(
                scheme=parsed.url.raw_scheme,
                host=parsed.url.raw_host,
                port=parsed.url.port,
                target=parsed.url.raw_path,
            ),
            proxy_auth=parsed.raw_auth,
            proxy_headers=parsed.headers.raw,
            ssl_context=self._ssl,
            network_backend=_DeadlineBackend(),
            **limits,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _httpx_errors():
            answer = self._pool(request.url).handle_request(core)
        assert isinstance(answer.stream, Iterable)
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_CoreStream(answer.stream),
            extensions=answer.extensions,
        )

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()


def _environment_proxies() -> dict[str, str]:
    """The environment's proxies (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY) by scheme, as URLs.
    Their passwords are secrets too: they are registered for redaction."""
    found = {}
    for scheme, url in urllib.request.getproxies().items():
        if scheme in ("http", "https", "all") and url:
            found[scheme] = url if "://" in url else f"http://{url}"
            register_url(found[scheme])
    return found


# -- reading an answer under the limits ---------------------------------------------------


class _Unreadable(Exception):
    """An answer this client will not read whole; the text says why."""


class _TooLarge(_Unreadable):
    """Over the size limit: this answer alone, or with those read at the same time."""

    def __init__(self, reason: str, *, together: bool = False) -> None:
        super().__init__(reason)
        self.together = together


class _Expired(Exception):
    """The deadline passed between two chunks (any transport, proxies included)."""


class _Inflater:
    """A Content-Encoding undone in steps of at most ``STEP`` bytes, each counted before
    the next is made: a small gzip body that inflates to gigabytes stops at the limit
    (httpx's own decoders inflate each chunk whole: 64 KiB of gzip can make 64 MiB)."""

    STEP = MIB

    def __init__(self, encoding: str) -> None:
        codings = [c.strip().lower() for c in encoding.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        self.coding = codings[0] if len(codings) == 1 else encoding
        self._raw_deflate_next = False
        self._zlib: Any = None
        if not codings:
            return
        if self.coding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.coding == "deflate":  # zlib-wrapped, or raw as some servers send it
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)
            self._raw_deflate_next = True
        else:
            raise _Unreadable(f"it is encoded as {encoding!r}, not as asked ({ACCEPT_ENCODING})")

    @property
    def encoded(self) -> bool:
        return self._zlib is not None

    def inflate(self, data: bytes) -> Iterator[bytes]:
        """What ``data`` inflates to, a step at a time."""
        if self._zlib is None:
            yield data
            return
        while data:
            try:
                piece = self._zlib.decompress(data, self.STEP)
            except zlib.error as exc:
                if not self._raw_deflate_next:
                    raise _Unreadable(f"its {self.coding} encoding is broken ({exc})") from None
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                self._raw_deflate_next = False
                continue
            self._raw_deflate_next = False
            data = self._zlib.unconsumed_tail
            if piece:
                yield piece
            elif self._zlib.eof:
                return  # bytes after the end of the stream count only as received


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1024 * MIB), ("MiB", MIB), ("KiB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{count} bytes"


def _read_body(
    response: httpx.Response, limit: int, watch: _Watch, ledger: RunLedger, *, whole: bool
) -> bytes:
    """The body, streamed: up to ``limit`` bytes, raw and inflated. ``whole``: all of it
    or ``_TooLarge``, within what the run's other answers being read leave of ``limit``;
    otherwise (an error answer, read no further than a small ``limit``) its beginning."""
    declared = response.headers.get("Content-Length", "")
    if whole and declared.isdigit() and int(declared) > limit:
        raise _TooLarge(f"it declares {int(declared):,} bytes")
    raws: Iterable[bytes] = response.iter_raw()
    encoding = response.headers.get("Content-Encoding", "")
    if response.is_stream_consumed:  # made in memory (a mocked transport): decoded already
        raws, encoding = [response.content], ""
    try:
        inflater = _Inflater(encoding)
    except _Unreadable:
        if whole:
            raise
        return b""
    # One growing buffer, not a list of the 64 KiB chunks read: large, it is mapped
    # apart and given back to the system when cleared, where small blocks freed by one
    # thread stay in that thread's malloc arena, out of reach of the threads still reading.
    buffer = bytearray()
    try:
        for raw in raws:
            if time.monotonic() >= watch.at:
                raise _Expired
            received = response.num_bytes_downloaded
            if received > limit and whole:
                raise _TooLarge(f"{_size(received)} received")
            try:
                for piece in inflater.inflate(raw):
                    size = len(buffer)
                    if size + len(piece) > limit:
                        if whole and inflater.encoded:
                            raise _TooLarge(f"its {inflater.coding} body inflates past it")
                        if whole:
                            raise _TooLarge(f"{_size(size + len(piece))} received")
                        return bytes(buffer) + piece[: limit - size]  # an error answer's start
                    if whole and ledger.reserve(len(piece), limit) is None:
                        raise _TooLarge(f"{_size(size + len(piece))} of this one", together=True)
                    buffer += piece
            except _Unreadable:
                if whole:
                    raise
                break
        return bytes(buffer)
    finally:
        if whole:
            ledger.release(len(buffer))
        # A failed read's traceback keeps this frame alive (in a Future, with the CLI's
        # garbage collector off): what it read must not stay with it.
        buffer.clear()


CONNECTING = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Errors raised before the request was sent: it did not reach Dograh."""


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: httpx.Headers
    body: bytes


class DograhClient:
    """A thread-safe client: plan and apply call it from several threads at once.

    Each thread gets its own httpx client (one keep-alive connection each): a shared
    connection pool serialises twenty threads on its lock. They share one TLS context,
    which is costly to build.
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
        self._rng = rng or random.Random()
        self._transport = transport
        self._tls = httpx.create_ssl_context()
        self._proxies = _environment_proxies()
        # A SOCKS proxy is left to httpx's own transport (the deadline is then checked
        # between reads only).
        self._own_transport = all(
            urlsplit(url).scheme in ("http", "https") for url in self._proxies.values()
        )
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

    def _client(self, kind: str) -> httpx.Client:
        client: httpx.Client | None = getattr(self._local, kind, None)
        if client is None:
            agent = f"dograh-campaigns/{__version__} (+python-httpx)"
            timeout = httpx.Timeout(self.settings.timeout, connect=self.settings.connect_timeout)
            transport = self._transport
            if transport is None and self._own_transport:
                transport = _DeadlineTransport(self._tls, self._proxies)
            common: dict[str, Any] = {
                "timeout": timeout,
                "verify": self._tls,
                "transport": transport,
                "follow_redirects": False,
            }
            if kind == "api":
                credentials = self.settings.credentials
                client = httpx.Client(
                    base_url=self.settings.base_url.rstrip("/") + API_PREFIX,
                    headers={
                        "X-API-Key": self.settings.api_key,
                        "User-Agent": agent,
                        "Accept": "application/json",
                        "Accept-Encoding": ACCEPT_ENCODING,
                    },
                    auth=httpx.BasicAuth(*credentials) if credentials else None,
                    **common,
                )
            else:  # storage: presigned URLs, which must not receive the API key
                client = httpx.Client(
                    headers={"User-Agent": agent, "Accept-Encoding": ACCEPT_ENCODING},
                    **common,
                )
            setattr(self._local, kind, client)
            with self._lock:
                self._opened.append(client)
        return client

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
        parts = urlsplit(url)
        origin = without_userinfo(f"{parts.scheme}://{parts.netloc}")  # no signed query
        label = "GET download URL"
        self._check_storage(parts, label, "download the contacts file from")
        try:
            answer = self._send(
                "storage", label, "GET", url, idempotent=True, origin=origin, limit=limit
            )
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

    def upload(self, url: str, content: bytes) -> None:
        """PUT the file to the presigned URL: storage, so the API key is not sent there.

        Not retried after it may have arrived: a presigned URL may refuse a second PUT.
        The caller asks for a new URL instead; an orphan upload costs nothing.
        """
        headers = {"Content-Type": "text/csv"}  # the S3 backend signs the content type
        parts = urlsplit(url)
        origin = without_userinfo(f"{parts.scheme}://{parts.netloc}")  # no signed query
        label = "PUT upload URL"
        self._check_storage(parts, label, "upload the contacts file to")
        answer = self._send(
            "storage",
            label,
            "PUT",
            url,
            idempotent=False,
            origin=origin,
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

    def create_campaign(self, body: Mapping[str, Any]) -> LiveCampaign:
        answer = self._body("POST", "/campaign/create", json=dict(body), idempotent=False)
        return parse_answer(LiveCampaign, answer, "POST /campaign/create")

    def redial(self, campaign_id: int, body: Mapping[str, Any]) -> LiveCampaign:
        """A completed campaign's redial: a new campaign, answered as one (docs/dograh-api.md
        §2.9). Not idempotent: an unknown outcome is settled by the caller, through the
        parent's ``redialed_campaign_id``."""
        path = f"/campaign/{campaign_id}/redial"
        answer = self._body("POST", path, json=dict(body), idempotent=False)
        return parse_answer(LiveCampaign, answer, f"POST {path}")

    def update_campaign(self, campaign_id: int, body: Mapping[str, Any]) -> LiveCampaign:
        # PATCH replaces the sent objects whole: sending the same body twice is harmless.
        path = f"/campaign/{campaign_id}"
        answer = self._body("PATCH", path, json=dict(body), idempotent=True)
        return parse_answer(LiveCampaign, answer, f"PATCH {path}")

    def lifecycle(self, campaign_id: int, action: str) -> LiveCampaign:
        """start, pause or resume; none is idempotent (a repeat gets a 400)."""
        if action not in ("start", "pause", "resume"):
            raise ValueError(f"unknown lifecycle action {action!r}")
        path = f"/campaign/{campaign_id}/{action}"
        answer = self._body("POST", path, idempotent=False)
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
    ) -> bytes:
        """The answer's bytes, once Dograh answered with a success status."""
        safe = method in ("GET", "HEAD") if idempotent is None else idempotent
        label = f"{method} {path}"
        answer = self._send(
            "api",
            label,
            method,
            path,
            idempotent=safe,
            origin=self.settings.base_url,
            json=json,
            params=params,
        )
        if 300 <= answer.status < 400:
            raise _redirected(
                label,
                answer.status,
                answer.headers,
                self.settings.base_url.rstrip("/") + API_PREFIX + path,
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
        origin: str,
        limit: int | None = None,
        **options: Any,
    ) -> _Answer:
        """One request, retried as the policy and the request's safety allow, each attempt
        within its deadline and the answer within the size limit."""
        policy = self.settings.retry
        where = f"Dograh at {origin}" if kind == "api" else f"the upload storage at {origin}"
        began = time.monotonic()
        waited = 0.0
        attempt = 0
        unreachable = 0
        with self.settings.ledger.waiting():
            while True:
                watch = self._watch(label)
                started = time.monotonic()
                status = 0  # until the answer's head arrives: Dograh's handler has finished
                try:
                    with self._lock:
                        self._sent += 1
                    with (
                        _watching(watch),
                        self._client(kind).stream(method, url, **options) as response,
                    ):
                        status = response.status_code
                        cap = limit or self.settings.max_response_bytes
                        limit_now = cap if status < 300 else 0
                        body = _read_body(
                            response,
                            limit_now or ERROR_BODY_BYTES,
                            watch,
                            self.settings.ledger,
                            whole=bool(limit_now),
                        )
                except _Expired:
                    raise self._too_slow(label, watch, idempotent, status) from None
                except _Unreadable as exc:
                    raise self._unreadable(label, exc, idempotent, status) from None
                except httpx.TransportError as exc:
                    connecting = not status and isinstance(exc, CONNECTING)
                    if watch.expired or time.monotonic() >= watch.at:
                        raise self._too_slow(
                            label, watch, idempotent or connecting, status
                        ) from exc
                    if connecting:  # nothing reached Dograh: safe to repeat, whatever it is
                        unreachable += 1
                        self._not_connected(exc, label, origin, where, unreachable, began)
                        continue
                    if not idempotent:
                        raise OutcomeUnknown(
                            f"{label}: the connection failed after the request was sent "
                            f"({type(exc).__name__}); Dograh may or may not have carried it out",
                            answered=bool(status),
                            status=status or None,
                            request=label,
                        ) from exc
                    problem: str = f"network error ({type(exc).__name__})"
                    retry_after = None
                else:
                    log.info(
                        "%s -> %s in %.0f ms", label, status, (time.monotonic() - started) * 1000
                    )
                    if not idempotent and status != 429:
                        _check_answered(label, status, response.headers, body, dograh=kind == "api")
                    if status not in RETRY_STATUSES:
                        return _Answer(status, response.headers, body)
                    problem = f"HTTP {status}"
                    retry_after = _retry_after(response.headers)
                attempt += 1
                pause = policy.delay(attempt, retry_after, self._rng)
                if attempt >= policy.attempts or waited + pause > policy.budget:
                    asked = ""
                    if retry_after is not None and retry_after > policy.retry_after_cap:
                        asked = (
                            f" (it asked to wait {retry_after:.0f} s; this tool waits at most "
                            f"{policy.retry_after_cap:g} s)"
                        )
                    raise Unavailable(
                        f"{label}: {problem}{asked}, still after {attempt} attempt"
                        f"{'s' if attempt != 1 else ''} in {time.monotonic() - began:.1f} s; "
                        "Dograh may be down or overloaded, try again later",
                        request=label,
                    )
                waited += pause
                self._pause(label, problem, pause)

    def _not_connected(
        self,
        exc: httpx.TransportError,
        label: str,
        origin: str,
        where: str,
        failures: int,
        began: float,
    ) -> None:
        """No connection: a TLS failure is said at once (a retry meets the same
        certificate); anything else gets the policy's few quick retries, then is said."""
        tls = _tls_problem(exc)
        if tls:
            host = urlsplit(origin).netloc
            raise TLSFailure(f"{label}: TLS handshake with {host} failed: {tls}", request=label)
        policy = self.settings.retry
        reason = _connect_reason(exc, self.settings.connect_timeout)
        if failures >= policy.connect_attempts:
            raise Unavailable(
                f"{label}: cannot connect to {where}: {reason} ({failures} attempts in "
                f"{time.monotonic() - began:.1f} s); check the URL (--api-url or "
                "DOGRAH_API_URL) and that Dograh is up",
                request=label,
            )
        pause = policy.connect_delay * 2 ** (failures - 1)
        self._pause(label, f"cannot connect to {where}: {reason}", pause)

    def _watch(self, label: str) -> _Watch:
        """The deadline of the next attempt: the request's, or what is left of the run's."""
        settings = self.settings
        left = settings.command_timeout - settings.ledger.spent()
        run_limit = (
            f"the {settings.command_timeout:g} s this run may wait on Dograh in all "
            "(--command-timeout or DOGRAH_COMMAND_TIMEOUT)"
        )
        if left <= 0:
            raise DeadlineExceeded(f"{label}: not sent: this run has used {run_limit}")
        now = time.monotonic()
        if settings.request_timeout <= left:
            return _Watch(
                now + settings.request_timeout,
                f"within {settings.request_timeout:g} s (the limit of one request: "
                "--request-timeout or DOGRAH_REQUEST_TIMEOUT)",
            )
        return _Watch(now + left, f"within {run_limit}")

    def _pause(self, label: str, problem: str, pause: float) -> None:
        settings = self.settings
        if settings.ledger.spent() + pause >= settings.command_timeout:
            raise DeadlineExceeded(
                f"{label}: {problem}; no time left to try again within the "
                f"{settings.command_timeout:g} s this run may wait on Dograh in all "
                "(--command-timeout or DOGRAH_COMMAND_TIMEOUT)",
                request=label,
            )
        log.info("%s: %s; retrying in %.2f s", label, problem, pause)
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


def _redacted(value: Any) -> Any:
    """A ``detail`` as kept on an error: its strings redacted, its shape unchanged."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    return value
