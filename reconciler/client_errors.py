"""The client's errors: what an answer or a failure of Dograh means, named for the user.

Every error the client raises is built here, from ``DograhError``, which takes out what
server text may carry (the key, a URL's password, phone numbers) and makes it printable.
Only Dograh's answer is an answer: a 502, 503 or 504, or an error body that is not
Dograh's JSON, is what a proxy or gateway in front of it says (docs/dograh-api.md §1.3).
"""

from __future__ import annotations

import json as jsonlib
import re
import socket
import ssl
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from reconciler.client_settings import DEFAULT_API_URL, MIB
from reconciler.errors import UserError
from reconciler.redact import printable, redact, without_phones, without_userinfo

TELEPHONY_FIRST = "You must configure telephony first"
GATEWAY_STATUSES = frozenset({502, 503, 504})
"""What a proxy or gateway in front of Dograh answers when Dograh did not answer it in
time (or at all): never Dograh's own word on a request."""
SHOWN_TEXT = 300
"""Characters of server text (a ``detail``, an error page) quoted in a message."""


def clean(text: str) -> str:
    """Server text as an error may carry it: no secret, no phone number."""
    return without_phones(redact(text))


class DograhError(UserError):
    """Dograh refused a request, or could not be reached; the message says what to do.

    Messages quote server text: the message and ``detail`` are cleaned (``clean``) and
    made printable here, the one place every client error is built."""

    def __init__(
        self, message: str, *, status: int | None = None, detail: Any = None, request: str = ""
    ) -> None:
        super().__init__(printable(clean(message)))
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


class Unreadable(Exception):
    """An answer this client will not read whole; the text says why."""


class TooLarge(Unreadable):
    """Over the size limit: this answer alone, or with those read at the same time."""

    def __init__(self, reason: str, *, together: bool = False) -> None:
        super().__init__(reason)
        self.together = together


def size_text(count: int) -> str:
    """``count`` bytes as a message says it: 1.5 MiB."""
    for unit, scale in (("GiB", 1024 * MIB), ("MiB", MIB), ("KiB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{count} bytes"


def check_answered(
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


def redirected(
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


def too_slow(label: str, limit: str, may_repeat: bool, status: int) -> DograhError:
    """The deadline (stated as ``limit``) passed. ``may_repeat``: a read, or a request
    that never left (no connection): nothing happened that the caller must look for.
    ``status``: the answer's, when its head came before the deadline (else 0)."""
    message = f"{label}: no complete answer from Dograh {limit}"
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


def unreadable(
    label: str, problem: Unreadable, idempotent: bool, status: int, limit: int
) -> DograhError:
    """An answer not read whole: too large, or in an encoding not asked for. For a
    request that is not idempotent, its status says it was carried out."""
    what, advice = f"Dograh's answer is {problem}", ""
    if isinstance(problem, TooLarge):
        size = size_text(limit)
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
        kind = ResponseTooLarge if isinstance(problem, TooLarge) else DograhError
        return kind(f"{label}: {what}{advice}", status=status)
    return OutcomeUnknown(
        f"{label}: Dograh answered HTTP {status}, so the request was carried out, but "
        f"its result cannot be read: {what}{advice}",
        answered=True,
        status=status,
        request=label,
    )


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


def tls_problem(exc: BaseException) -> str | None:
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


def connect_reason(exc: BaseException, connect_timeout: float) -> str:
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
    kind: type[DograhError] = DograhError
    message = f"{label}: Dograh answered HTTP {status}: {text or 'no detail'}"
    if status == 401 and text and text.startswith(TELEPHONY_FIRST):
        kind, message = (
            TelephonyNotConfigured,
            (
                f"{label}: Dograh says the organization has no telephony configuration ({text}). "
                "This is not a problem with the API key: add a telephony configuration in "
                "Dograh, then apply again"
            ),
        )
    elif status == 401:
        kind, message = (
            AuthError,
            (
                f"Dograh refused the API key ({text or 'HTTP 401'}): check DOGRAH_API_KEY; keys "
                "look like dgr_ followed by 43 characters, and belong to one organization"
            ),
        )
    elif status == 402:
        kind, message = (
            QuotaExceeded,
            (f"{label}: Dograh refused for quota reasons: {text or 'HTTP 402'}"),
        )
    elif status == 404:
        kind, message = NotFound, f"{label}: {text or 'not found'} in this organization"
        if text == "Not Found":  # FastAPI's own: no such route, not no object
            message = (
                f"{label}: the server has no such route (HTTP 404 Not Found): is the API URL "
                f"Dograh's base URL, such as {DEFAULT_API_URL}?"
            )
    elif status in (400, 422):
        kind = Refused
        message = f"{label}: Dograh refused it: {_excerpt(describe_detail(detail))}"
    return kind(message, status=status, detail=detail, request=label)


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
        return clean(value)
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    if isinstance(value, dict):
        return {key: _cleaned(item) for key, item in value.items()}
    return value
