"""The Dograh API client: the only module of the reconciler that speaks HTTP.

httpx does the HTTP (connections, TLS, proxies, decoding); the client adds only what a
dialer needs to trust the network (docs/dograh-api.md §12.1): the settings checked before
any request (client_settings.py: no key in clear text), one retry policy per request
(``Tries``), the limits of every answer (client_limits.py), and errors named for what
they are, with no secret and no phone number in them (client_errors.py). A request that
is not idempotent (create, redial, start, pause, resume, an upload) is sent again only
when it surely never reached Dograh (no connection, or a 429) or when the caller has read
that it did not happen; otherwise ``OutcomeUnknown`` is raised, ``answered`` False when
no answer of Dograh's came (a 502, 503 or 504, or a body that is not Dograh's JSON, is
a gateway's). A redirect is named, never followed.
"""

from __future__ import annotations

import logging
import random
import re
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import SplitResult, urlsplit

import httpx

from reconciler import __version__
from reconciler.client_errors import (
    ClearTextRefused,
    DeadlineExceeded,
    DograhError,
    OutcomeUnknown,
    ResponseTooLarge,
    TLSFailure,
    Unavailable,
    Unreadable,
    check_answered,
    connect_reason,
    error_for,
    redirected,
    tls_problem,
    too_slow,
    unreadable,
)
from reconciler.client_limits import ACCEPT_ENCODING, Expired, Watch, read_body
from reconciler.client_settings import (
    API_PREFIX,
    DEFAULT_API_URL,
    ClientSettings,
    check_settings,
    clear_text_route,
    environment_proxies,
    proxy_for,
)
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
from reconciler.redact import without_userinfo

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Retried for idempotent requests. 500 too: a read is safe to repeat, and a passing
database error is the commonest 500 (a deterministic one fails again, boundedly)."""
ERROR_BODY_BYTES = 64 * 1024
"""An error answer is read this far: only its ``detail`` (or an excerpt) is shown."""
MAX_DOWNLOAD = 10 * 1024 * 1024
"""Dograh's upload limit (docs/dograh-api.md §6.1): no contacts file is larger."""
_S3_CODE = re.compile(rb"<Code>([A-Za-z]+)</Code>")

log = logging.getLogger("reconciler.client")
T = TypeVar("T")


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
        self._tls: ssl.SSLContext | None = None
        self._proxies = environment_proxies()
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
        proxy = proxy_for(self._proxies, url.scheme, url.host)
        transport = self._transport or httpx.HTTPTransport(
            verify=self._tls_for(url),
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

    def _tls_for(self, url: httpx.URL) -> ssl.SSLContext:
        """The shared TLS context for an https origin, built on first use (loading the
        certificates costs ~50 ms); for http, one that verifies against no certificate
        at all: a TLS connection it were ever used for would fail, not go unchecked."""
        if url.scheme != "https":
            return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        with self._lock:
            if self._tls is None:
                self._tls = httpx.create_ssl_context()
            return self._tls

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

    def _read(self, kind: type[T], path: str) -> T:
        return parse_answer(kind, self._body("GET", path), f"GET {path}")

    def list_campaigns(self) -> list[LiveCampaign]:
        return list(self._read(CampaignList, "/campaign/").campaigns)

    def get_campaign(self, campaign_id: int) -> LiveCampaign:
        return self._read(LiveCampaign, f"/campaign/{campaign_id}")

    def list_workflows(self) -> list[Workflow]:
        """Active and archived workflows: an archived one may still back a campaign."""
        body = self._body("GET", "/workflow/fetch", params={"status": "active,archived"})
        return parse_list(Workflow, body, "GET /workflow/fetch")

    def telephony_configurations(self) -> list[TelephonyConfig]:
        return list(self._read(TelephonyList, "/organizations/telephony-configs").configurations)

    def workflow_versions(self, workflow_id: int) -> list[WorkflowVersion]:
        """Every version of a workflow, newest first: the published one is what Dograh's
        create checks and its calls run (docs/dograh-api.md §7)."""
        path = f"/workflow/{workflow_id}/versions"
        return parse_list(WorkflowVersion, self._body("GET", path), f"GET {path}")

    def source_download_url(self, campaign_id: int) -> DownloadTarget:
        """A signed URL of the campaign's contacts file, valid for an hour (§2.11)."""
        return self._read(DownloadTarget, f"/campaign/{campaign_id}/source-download-url")

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
            raise redirected(label, answer.status, answer.headers, url)
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
        return self._read(OrganizationContext, "/organizations/context")

    def campaign_defaults(self) -> CampaignDefaults:
        return self._read(CampaignDefaults, "/organizations/campaign-defaults")

    def campaign_progress(self, campaign_id: int) -> CampaignProgress:
        return self._read(CampaignProgress, f"/campaign/{campaign_id}/progress")

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
            raise redirected(label, answer.status, answer.headers, url)
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
            raise redirected(
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
                body = read_body(
                    response,
                    cap if whole else ERROR_BODY_BYTES,
                    watch,
                    self.settings.ledger,
                    whole=whole,
                )
        except Expired:
            raise too_slow(label, watch.limit, idempotent, status) from None
        except Unreadable as exc:
            raise unreadable(
                label, exc, idempotent, status, self.settings.max_response_bytes
            ) from None
        except httpx.TransportError as exc:
            return self._failed(exc, kind, label, target, watch, (idempotent, status))
        log.info("%s -> %s in %.0f ms", label, status, (time.monotonic() - started) * 1000)
        if not idempotent and status != 429:  # a 429 says it was not processed
            check_answered(label, status, response.headers, body, dograh=kind == "api")
        if status in RETRY_STATUSES:
            return _Again(f"HTTP {status}", _retry_after(response.headers))
        return _Answer(status, response.headers, body)

    def _failed(
        self,
        exc: httpx.TransportError,
        kind: str,
        label: str,
        target: httpx.URL,
        watch: Watch,
        request: tuple[bool, int],
    ) -> _Again:
        """A failed exchange: said at once, or how it may be attempted again. ``request``:
        whether it is idempotent, and the answer's status (0 before its head came)."""
        idempotent, status = request
        connecting = not status and isinstance(exc, CONNECTING)
        if watch.passed():
            raise too_slow(label, watch.limit, idempotent or connecting, status) from exc
        if connecting:  # nothing reached Dograh: safe to repeat, whatever it is
            tls = tls_problem(exc)
            if tls:  # a retry meets the same certificate
                host = target.netloc.decode("ascii")
                raise TLSFailure(f"{label}: TLS handshake with {host} failed: {tls}", request=label)
            origin = without_userinfo(f"{target.scheme}://{target.netloc.decode('ascii')}")
            where = f"Dograh at {origin}" if kind == "api" else f"the upload storage at {origin}"
            reason = connect_reason(exc, self.settings.connect_timeout)
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

    def _watch(self, label: str, stream: Any) -> Watch:
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
            return Watch(
                settings.request_timeout,
                f"within {settings.request_timeout:g} s (the limit of one request: "
                "--request-timeout or DOGRAH_REQUEST_TIMEOUT)",
                stream,
            )
        return Watch(left, f"within {run_limit}", stream)

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


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils  # only for a Retry-After date: rare, and slow to import

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
