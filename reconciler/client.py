"""The Dograh API client: the only module of the reconciler that speaks HTTP.

It follows docs/dograh-api.md (not the sandbox, which follows Dograh on its own), and
it owns three safety rules:

- The API key travels only in the ``X-API-Key`` header, never in a message or a log, and
  never in clear text to a host other than this machine (``--insecure`` to override).
- Only idempotent requests (GET, and a PATCH of the same body) are retried on a network
  error or a 5xx. A request that is not idempotent (create, start, pause, resume) is
  retried only when it surely never reached Dograh (the connection was refused, or a 429
  said it was not processed); otherwise ``OutcomeUnknown`` is raised, and the caller
  must find out what happened before it tries again.
- Dograh's errors become messages a user can act on: a 401 that means "configure
  telephony first" is not reported as a bad key.
"""

from __future__ import annotations

import email.utils
import ipaddress
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from reconciler import __version__
from reconciler.errors import UserError
from reconciler.live import (
    CampaignDefaults,
    CampaignList,
    CampaignProgress,
    DownloadTarget,
    LiveCampaign,
    TelephonyConfig,
    TelephonyList,
    UploadTarget,
    Workflow,
    WorkflowVersion,
    parse_answer,
    parse_list,
)

DEFAULT_API_URL = "https://app.dograh.com"
API_PREFIX = "/api/v1"
TELEPHONY_FIRST = "You must configure telephony first"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Retried for idempotent requests. 500 too: a read is safe to repeat, and a passing
database error is the commonest 500 (a deterministic one fails again, boundedly)."""
MAX_DOWNLOAD = 10 * 1024 * 1024
"""Dograh's upload limit (docs/dograh-api.md §6.1): no contacts file is larger."""
_S3_CODE = re.compile(rb"<Code>([A-Za-z]+)</Code>")

log = logging.getLogger("reconciler.client")


class DograhError(UserError):
    """Dograh refused a request, or could not be reached; the message says what to do."""

    def __init__(
        self, message: str, *, status: int | None = None, detail: Any = None, request: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail
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


class OutcomeUnknown(DograhError):
    """A request that is not idempotent may or may not have been carried out.

    ``answered``: an HTTP answer came (any status: Dograh's handler finished, so a
    re-read tells the truth); False when none did (a timeout, a connection lost after
    sending: the request may still be running, and a re-read may not see it yet).
    """

    def __init__(self, message: str, *, answered: bool, **details: Any) -> None:
        super().__init__(message, **details)
        self.answered = answered


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded in attempts and in total time."""

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 8.0
    budget: float = 60.0
    """Seconds of waiting, all retries of one request together."""
    retry_after_cap: float = 30.0
    """The longest Retry-After honoured as given."""

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        if retry_after is not None:
            return min(retry_after, self.retry_after_cap)
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


@dataclass(frozen=True)
class ClientSettings:
    base_url: str = DEFAULT_API_URL
    api_key: str = field(default="", repr=False)
    insecure: bool = False
    timeout: float = 30.0
    connect_timeout: float = 10.0
    retry: RetryPolicy = RetryPolicy()


def check_settings(settings: ClientSettings) -> None:
    """Refuse settings that would leak the key or cannot work, before any request."""
    if not settings.api_key:
        raise UserError(
            "no Dograh API key: set DOGRAH_API_KEY or pass --api-key (keys start with dgr_)"
        )
    parts = urlsplit(settings.base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(
            f"the API URL '{settings.base_url}' is not an http(s) URL such as {DEFAULT_API_URL}"
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname) and not settings.insecure:
        raise UserError(
            f"refusing to send the API key in clear text to {parts.hostname} over http://; "
            "use https://, or pass --insecure if this network is trusted"
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[httpx.Client] = []
        self._sent = 0

    @property
    def requests_sent(self) -> int:
        return self._sent

    def _client(self, kind: str) -> httpx.Client:
        client: httpx.Client | None = getattr(self._local, kind, None)
        if client is None:
            agent = f"dograh-campaigns/{__version__} (+python-httpx)"
            timeout = httpx.Timeout(self.settings.timeout, connect=self.settings.connect_timeout)
            if kind == "api":
                client = httpx.Client(
                    base_url=self.settings.base_url.rstrip("/") + API_PREFIX,
                    headers={
                        "X-API-Key": self.settings.api_key,
                        "User-Agent": agent,
                        "Accept": "application/json",
                    },
                    timeout=timeout,
                    verify=self._tls,
                    transport=self._transport,
                    follow_redirects=False,
                )
            else:  # storage: presigned URLs, which must not receive the API key
                client = httpx.Client(
                    headers={"User-Agent": agent},
                    timeout=timeout,
                    verify=self._tls,
                    transport=self._transport,
                    follow_redirects=False,
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

    def campaign_defaults(self) -> CampaignDefaults:
        path = "/organizations/campaign-defaults"
        return parse_answer(CampaignDefaults, self._body("GET", path), f"GET {path}")

    def campaign_progress(self, campaign_id: int) -> CampaignProgress:
        path = f"/campaign/{campaign_id}/progress"
        return parse_answer(CampaignProgress, self._body("GET", path), f"GET {path}")

    def source_download_url(self, campaign_id: int) -> DownloadTarget:
        """A signed URL of the campaign's contacts file, valid for an hour (§2.11)."""
        path = f"/campaign/{campaign_id}/source-download-url"
        return parse_answer(DownloadTarget, self._body("GET", path), f"GET {path}")

    def download(self, url: str, limit: int = MAX_DOWNLOAD) -> bytes:
        """The object at a signed storage URL, through the storage client: the URL is
        its own credential, and the API key is never sent to storage (§6.1).

        At most ``limit`` + 1 bytes are read, whatever the server sends: one more than
        the limit tells a larger file, which is refused without being held in memory.
        The bytes are the object's own (a transfer encoding is undone), and the URL,
        which opens personal data, stays out of every message.
        """
        label = "GET download URL"
        body = bytearray()

        def send() -> httpx.Response:
            body.clear()
            with self._client("storage").stream("GET", url) as response:
                cap = limit + 1 if response.status_code < 300 else 2048
                for chunk in response.iter_bytes():
                    body.extend(chunk[: cap - len(body)])
                    if len(body) >= cap:
                        break
            return response

        response = self._send(label, send, idempotent=True)
        if response.status_code >= 300:
            code = _S3_CODE.search(bytes(body))
            named = f" ({code.group(1).decode()})" if code else ""
            raise DograhError(
                f"downloading the contacts file failed with HTTP {response.status_code}{named}",
                status=response.status_code,
                request=label,
            )
        if len(body) > limit:
            raise DograhError(
                f"the contacts file Dograh sent is over {limit:,} bytes", request=label
            )
        return bytes(body)

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

        def send() -> httpx.Response:
            return self._client("storage").put(url, content=content, headers=headers)

        response = self._send("PUT upload URL", send, idempotent=False)
        if response.status_code >= 300:
            raise DograhError(
                f"uploading the contacts file failed with HTTP {response.status_code}",
                status=response.status_code,
                request="PUT upload URL",
            )

    def create_campaign(self, body: Mapping[str, Any]) -> LiveCampaign:
        answer = self._body("POST", "/campaign/create", json=dict(body), idempotent=False)
        return parse_answer(LiveCampaign, answer, "POST /campaign/create")

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

        def send() -> httpx.Response:
            return self._client("api").request(method, path, json=json, params=params)

        response = self._send(label, send, idempotent=safe)
        if response.status_code >= 400:
            raise error_for(response, label)
        return response.content

    def _send(
        self, label: str, send: Callable[[], httpx.Response], *, idempotent: bool
    ) -> httpx.Response:
        policy = self.settings.retry
        waited = 0.0
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                with self._lock:
                    self._sent += 1
                response = send()
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                # Nothing reached Dograh: safe to repeat whatever the request.
                problem: str = (
                    f"cannot connect to Dograh at {self.settings.base_url} ({type(exc).__name__})"
                )
                retry_after = None
            except httpx.TransportError as exc:
                if not idempotent:
                    raise OutcomeUnknown(
                        f"{label}: the connection failed after the request was sent "
                        f"({type(exc).__name__}); Dograh may or may not have carried it out",
                        answered=False,
                        request=label,
                    ) from exc
                problem, retry_after = f"network error ({type(exc).__name__})", None
            else:
                log.info(
                    "%s -> %s in %.0f ms",
                    label,
                    response.status_code,
                    (time.monotonic() - started) * 1000,
                )
                status = response.status_code
                if not idempotent and status >= 500:
                    raise OutcomeUnknown(
                        f"{label}: Dograh answered HTTP {status} after receiving the request; "
                        "it may or may not have carried it out",
                        answered=True,
                        status=status,
                        request=label,
                    )
                if status not in RETRY_STATUSES:
                    return response
                problem = f"HTTP {status}"
                retry_after = _retry_after(response)
            attempt += 1
            pause = policy.delay(attempt, retry_after, self._rng)
            if attempt >= policy.attempts or waited + pause > policy.budget:
                raise Unavailable(
                    f"{label}: {problem}, still after {attempt} attempts over {waited:.1f} s; "
                    "Dograh may be down or overloaded, try again later",
                    request=label,
                )
            log.info("%s: %s; retrying in %.2f s", label, problem, pause)
            waited += pause
            self._sleep(pause)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
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


def error_for(response: httpx.Response, label: str) -> DograhError:
    """The user-facing error for a 4xx or 5xx answer."""
    status = response.status_code
    try:
        detail: Any = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = response.text[:200] or None
    text = detail if isinstance(detail, str) else None
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
            "look like dgr_ followed by 32 characters, and belong to one organization",
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
    if status == 404:
        return NotFound(
            f"{label}: {text or 'not found'} in this organization",
            status=status,
            detail=detail,
            request=label,
        )
    if status in (400, 422):
        return Refused(
            f"{label}: Dograh refused it: {describe_detail(detail)}",
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
