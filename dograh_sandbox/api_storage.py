"""Uploads: Dograh's ``POST /api/v1/s3/presigned-upload-url`` (docs/dograh-api.md §6.1) and the
sandbox's storage endpoint that its presigned URLs point at."""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from dograh_sandbox import storage
from dograh_sandbox.auth import Caller, caller, sandbox_of
from dograh_sandbox.bodies import PresignedUploadUrlRequest
from dograh_sandbox.render import json_response
from dograh_sandbox.timestamps import to_micros

router = APIRouter()
Authorized = Annotated[Caller, Depends(caller)]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.post("/api/v1/s3/presigned-upload-url")
async def presigned_upload_url(
    request: Request, body: PresignedUploadUrlRequest, who: Authorized
) -> Response:
    state = sandbox_of(request)
    sanitized = re.sub(r"[^a-zA-Z0-9._-]", "_", body.file_name)
    file_key = f"campaigns/{who.org_id}/{uuid.uuid4()}_{sanitized}"
    token = secrets.token_urlsafe(24)
    expires_at = state.now() + to_micros(storage.UPLOAD_SECONDS)
    state.store.create_upload(token, file_key, body.content_type, expires_at)
    return json_response(
        {
            "upload_url": storage.upload_url(_base(request), file_key, token),
            "file_key": file_key,
            "expires_in": storage.UPLOAD_SECONDS,
        }
    )


@router.put(storage.STORAGE_PREFIX + "{key:path}")
async def put_object(request: Request, key: str) -> Response:
    state = sandbox_of(request)
    token = request.query_params.get("X-Amz-Signature", "")
    upload = state.store.upload(token) if token else None
    if upload is None or upload["file_key"] != key:
        return storage.s3_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
            key,
            "Use the upload_url returned by POST /api/v1/s3/presigned-upload-url as it is.",
        )
    if upload["used_at"] is not None:
        return storage.s3_error(
            403, "AccessDenied", "Request has expired", key, "This upload URL was already used."
        )
    if state.now() > upload["expires_at"]:
        return storage.s3_error(
            403, "AccessDenied", "Request has expired", key, "Upload URLs are valid for 900 s."
        )
    content_type = request.headers.get("content-type")
    if state.storage.check_content_type and content_type != upload["content_type"]:
        return storage.s3_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
            key,
            f"The URL was signed for Content-Type {upload['content_type']!r}; the PUT sent "
            f"{content_type!r}.",
        )
    content = await request.body()
    with state.store.transaction():
        state.store.put_object(key, content, content_type, state.now())
        state.store.mark_upload_used(token, state.now())
    etag = f'"{uuid.uuid5(uuid.NAMESPACE_URL, key).hex}"'
    return Response(status_code=200, headers={"ETag": etag})


@router.get(storage.STORAGE_PREFIX + "{key:path}")
async def get_object(request: Request, key: str) -> Response:
    state = sandbox_of(request)
    signature = request.query_params.get("X-Amz-Signature", "")
    try:
        expires_at = int(request.query_params.get("X-Sandbox-Expires-At", ""))
    except ValueError:
        expires_at = -1
    expected = storage.download_signature(state.store.secret(), key, expires_at)
    if not secrets.compare_digest(signature, expected):
        return storage.s3_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
            key,
        )
    if state.clock.now() > expires_at:
        return storage.s3_error(403, "AccessDenied", "Request has expired", key)
    stored = state.store.get_object(key)
    if stored is None:
        return storage.s3_error(404, "NoSuchKey", "The specified key does not exist.", key)
    return Response(
        bytes(stored["content"]),
        media_type=stored["content_type"] or "application/octet-stream",
    )
