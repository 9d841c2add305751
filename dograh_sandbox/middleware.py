"""The outermost ASGI layer: fault injection and the request log.

It wraps the whole FastAPI application, so it sees uvicorn's own ``send``: a bound
method of uvicorn's request-response cycle, whose ``transport`` can be aborted. That is
how a fault cuts a connection the way a crashed proxy would, so that a real HTTP client
sees a reset or a dropped connection rather than a 500:

- ``reset``: SO_LINGER 0, then abort, before the application runs: the client gets a TCP
  RST (httpx: ``ReadError``/``ConnectError``).
- ``drop``: the application runs and commits; its response is swallowed and the
  connection aborted (httpx: ``RemoteProtocolError``, "Server disconnected without
  sending a response").

And one fault of content: ``omit`` lets the application run and commit, then sends its
JSON object without one key (a success answer without the campaign's ``id``), which no
Dograh sends but a proxy or another version might.

Admin requests (``/_sandbox/...``) pass through untouched and unlogged.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import time
from collections.abc import Awaitable, Callable, MutableMapping
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

from dograh_sandbox.requestlog import RequestRecord, campaign_id_of
from dograh_sandbox.state import SandboxState
from dograh_sandbox.timestamps import format_z

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ADMIN_PREFIX = "/_sandbox"


class TransportUnavailable(RuntimeError):
    """The server is not uvicorn: a connection cannot be cut from here."""


def _abort(send: Send, *, reset: bool) -> None:
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        raise TransportUnavailable("connection faults need uvicorn's transport")
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


async def _until_disconnected(receive: Receive) -> None:
    """Let uvicorn notice the closed connection before the application returns, so it
    does not try to answer on it."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def _received(receive: Receive) -> Receive:
    """The request's body read now, replayed to the application later."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            break

    async def replay() -> Message:
        if messages:
            return messages.pop(0)
        return await receive()

    return replay


class SandboxMiddleware:
    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        state = self.state
        scope.setdefault("state", {})
        began = time.perf_counter()
        method = scope["method"]
        path = scope["path"]
        record = RequestRecord(
            seq=state.requests.next_seq(),
            at=format_z(state.now()) or "",
            method=method,
            path=path,
            query=scope.get("query_string", b"").decode("latin-1"),
            status=None,
            fault=None,
            handler_status=None,
            campaign_id=campaign_id_of(path),
            created_campaign_id=None,
            organization_id=None,
            duration_ms=0.0,
        )
        state.requests.append(record)
        try:
            await self._handle(scope, receive, send, record)
        finally:
            request_state = scope.get("state") or {}
            record.organization_id = request_state.get("organization_id")
            created = request_state.get("created_campaign_id")
            record.created_campaign_id = created
            if record.campaign_id is None:
                record.campaign_id = created
            record.duration_ms = round((time.perf_counter() - began) * 1000, 3)

    async def _handle(
        self, scope: Scope, receive: Receive, send: Send, record: RequestRecord
    ) -> None:
        decision = self.state.faults.decide(record.method, record.path)
        if decision.latency:
            # A slow Dograh has received the whole request before it is slow: its
            # handler goes on (and commits) even when the client gave up meanwhile.
            record.fault = "latency"
            receive = await _received(receive)
            await asyncio.sleep(decision.latency)
        rule = decision.terminal
        if rule is not None and rule.kind == "reset":
            record.fault = "reset"
            _abort(send, reset=True)
            await _until_disconnected(receive)
            return
        if rule is not None and rule.kind == "error":
            record.fault = "error"
            record.status = rule.status
            headers = [(b"content-type", b"text/plain; charset=utf-8")]
            retry_after = rule.retry_after
            if retry_after is None and rule.status == 429:
                retry_after = 1
            if retry_after is not None:
                headers.append((b"retry-after", str(retry_after).encode()))
            body = rule.body if rule.body is not None else _phrase(rule.status)
            await send({"type": "http.response.start", "status": rule.status, "headers": headers})
            await send({"type": "http.response.body", "body": body.encode()})
            return
        drop = rule is not None and rule.kind == "drop"
        omit = rule.key if rule is not None and rule.kind == "omit" else None
        held: list[Message] = []

        async def send_or_drop(message: Message) -> None:
            if message["type"] == "http.response.start":
                # HTTP's Date from the sandbox's clock, as Dograh's server sends its own:
                # the tool reads "now" there (a calling window is Dograh's to judge).
                date = formatdate(self.state.now() / 1_000_000, usegmt=True).encode()
                message = {**message, "headers": [*message.get("headers", []), (b"date", date)]}
                record.handler_status = int(message["status"])
                if drop:
                    record.fault = "dropped"
                    _abort(send, reset=False)
                    return
                record.status = int(message["status"])
            if drop:
                return
            if omit is not None:
                held.append(message)
                if message["type"] == "http.response.body" and not message.get("more_body"):
                    for answer in _without(held, omit, record):
                        await send(answer)
                return
            await send(message)

        await self.app(scope, receive, send_or_drop)
        if drop:
            await _until_disconnected(receive)


def _without(held: list[Message], key: str, record: RequestRecord) -> list[Message]:
    """The held response, its JSON object without ``key`` (and its length to match);
    any other answer as it was."""
    start, *parts = held
    body = b"".join(part.get("body", b"") for part in parts)
    try:
        answer = json.loads(body)
    except ValueError:
        return held
    if not isinstance(answer, dict) or key not in answer:
        return held
    del answer[key]
    record.fault = "omitted"
    body = json.dumps(answer).encode()
    headers = [
        (name, value) for name, value in start.get("headers", []) if name != b"content-length"
    ]
    headers.append((b"content-length", str(len(body)).encode()))
    return [{**start, "headers": headers}, {"type": "http.response.body", "body": body}]


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
