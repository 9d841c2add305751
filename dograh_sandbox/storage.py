"""The sandbox's object storage: presigned upload and download URLs served by the sandbox
itself, with S3's behaviour where a client can meet it.

An upload URL is good for one PUT within 900 s of the sandbox clock; with
``check_content_type`` (S3 signs it) the PUT must send the Content-Type that was asked
for. Refusals are S3's 403 XML errors. Download URLs carry an HMAC of key and expiry.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote
from xml.sax.saxutils import escape

from fastapi import Response

UPLOAD_SECONDS = 900
DOWNLOAD_SECONDS = 3600
STORAGE_PREFIX = "/_storage/"


def object_url(base_url: str, key: str) -> str:
    return f"{base_url}{STORAGE_PREFIX}{quote(key)}"


def upload_url(base_url: str, key: str, token: str) -> str:
    return (
        f"{object_url(base_url, key)}?X-Amz-Algorithm=SANDBOX&X-Amz-Expires={UPLOAD_SECONDS}"
        f"&X-Amz-Signature={token}"
    )


def download_signature(secret: str, key: str, expires_at: int) -> str:
    message = f"GET\n{key}\n{expires_at}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def download_url(base_url: str, secret: str, key: str, expires_at: int) -> str:
    signature = download_signature(secret, key, expires_at)
    return (
        f"{object_url(base_url, key)}?X-Amz-Algorithm=SANDBOX&X-Amz-Expires={DOWNLOAD_SECONDS}"
        f"&X-Sandbox-Expires-At={expires_at}&X-Amz-Signature={signature}"
    )


def s3_error(status: int, code: str, message: str, key: str, hint: str | None = None) -> Response:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>",
        f"<Key>{escape(key)}</Key>",
    ]
    if hint:
        parts.append(f"<SandboxHint>{escape(hint)}</SandboxHint>")
    parts.append("<RequestId>sandbox</RequestId></Error>")
    return Response("".join(parts), status_code=status, media_type="application/xml")
