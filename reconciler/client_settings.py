"""Where Dograh is, the key, and the limits and retry policy of one run, checked before
any request: a key or a URL that would leak the key, or cannot work, is refused here.

The API key is sent in clear text only straight to a loopback address: ``http://`` to
another host, or through a proxy (``HTTP_PROXY``, ``ALL_PROXY``, unless ``NO_PROXY``
covers the host), is refused unless ``--insecure``. ``proxy_for`` is the one rule of
which proxy a request goes through: the client's transports follow it too.
"""

from __future__ import annotations

import ipaddress
import random
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from reconciler.errors import UserError
from reconciler.redact import register, register_url, without_userinfo

DEFAULT_API_URL = "https://app.dograh.com"
API_PREFIX = "/api/v1"
MIB = 1024 * 1024
DEFAULT_MAX_RESPONSE_BYTES = 640 * MIB
"""The largest answer read. Dograh's largest is the campaign list, every campaign with
all its log entries and no pagination (docs/dograh-api.md §2.4): 10,000 campaigns with
seven log entries each weigh 40.4 MiB (bench/answer_size.py). This is about 16 times that."""
DEFAULT_REQUEST_TIMEOUT = 60.0
DEFAULT_COMMAND_TIMEOUT = 3600.0
"""An apply of thousands of campaigns waits on Dograh for minutes; an hour is a backstop
that only a Dograh stuck in slow motion reaches."""


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
    route = clear_text_route(parts.scheme, host, environment_proxies())
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
    proxy = proxy_for(proxies, scheme, host)
    if proxy:
        return (
            f"the connection goes through the proxy {without_userinfo(proxy)} (HTTP_PROXY or "
            f"ALL_PROXY; add {host} to NO_PROXY to go straight to it)"
        )
    return None


def proxy_for(proxies: Mapping[str, str], scheme: str, host: str) -> str | None:
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


def environment_proxies() -> dict[str, str]:
    """The environment's proxies (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY) by scheme, as URLs.
    Their passwords are secrets too: they are registered for redaction."""
    found = {}
    for scheme, url in urllib.request.getproxies().items():
        if scheme in ("http", "https", "all") and url:
            found[scheme] = url if "://" in url else f"http://{url}"
            register_url(found[scheme])
    return found
