"""Secrets out of what the tool prints: the API key, the password of any URL; and phone numbers.

A secret can reach a message by paths this tool does not control: a proxy that echoes
the request's headers in its error page, a server that quotes the URL it was asked for,
a traceback. So secrets are registered once, when they are known (the command line, the
environment, the client's settings), and every printed error, log line and crash log
passes through ``redact``, which also strips the userinfo of any URL it finds. A server's
words may also quote a contact's phone number (a provider's error, a failed sync): where
they are shown, ``without_phones`` takes it out.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from urllib.parse import unquote, urlsplit

REDACTED = "<redacted>"
SHORTEST_SECRET = 4
"""Shorter values are not registered: replacing every "pw" in a message would garble it,
and a URL's userinfo is stripped by its shape whatever its length."""

_USERINFO = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.\-]*://)[^\s/?#@]+@")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_PHONE = re.compile(r"\+\d[\d ().-]{5,}\d")

_lock = threading.Lock()
_secrets: list[str] = []


def register(secret: str | None) -> None:
    """Remember a secret, and the escaped form a repr or a traceback would show."""
    if not secret:
        return
    forms = {secret, secret.strip(), repr(secret)[1:-1]}
    with _lock:
        for form in forms:
            if len(form) >= SHORTEST_SECRET and form not in _secrets:
                _secrets.append(form)
        _secrets.sort(key=len, reverse=True)  # a longer secret may contain a shorter one


def register_url(url: str | None) -> None:
    """The password of a URL, as written and decoded, and the HTTP Basic credentials
    that httpx would make of the userinfo (a proxy that echoes headers shows those)."""
    if not url:
        return
    try:
        parts = urlsplit(url)
        username, password = parts.username, parts.password
    except ValueError:
        return
    if password is None:
        return
    register(password)
    register(unquote(password))
    pair = f"{unquote(username or '')}:{unquote(password)}".encode()
    register(base64.b64encode(pair).decode("ascii"))


def redact(text: str) -> str:
    """``text`` without any registered secret, and with URLs shown without userinfo."""
    with _lock:
        secrets = list(_secrets)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _USERINFO.sub(r"\1", text)


def without_phones(text: str) -> str:
    """``text`` with anything shaped like a phone number in international form replaced:
    Dograh's words may quote a contact's (a provider's error, a failed sync)."""
    return _PHONE.sub("<phone number>", text)


def printable(text: str) -> str:
    """Server text made safe for a terminal: control characters (escape sequences, line
    breaks, NUL) become visible escapes instead of acting on the terminal."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def without_userinfo(url: str) -> str:
    """``url`` as shown in messages: no user name, no password."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO.sub(r"\1", url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


class RedactingFormatter(logging.Formatter):
    """For ``-v``: a log line (and any traceback it carries) never shows a secret."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
