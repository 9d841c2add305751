"""Running the sandbox under uvicorn: in the foreground (``campaigns sandbox``) or in a
background thread (the pytest fixture).

The listening socket is bound here, before uvicorn starts, so that ``--port 0`` knows its
real port at once; "ready" means the server has answered ``GET /api/v1/health``.
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Callable
from types import FrameType

import httpx
import uvicorn

from dograh_sandbox.middleware import ASGIApp

READY_TIMEOUT = 30.0


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio sets TCP_NODELAY on accepted connections only when it
    # does, and without it every keep-alive response waits 40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _http_implementation() -> str:
    """httptools (C) when installed, as in uvicorn's standard set: it parses a request in
    a fraction of h11's time, so the sandbox is never what limits a benchmark. Both give
    the connection faults the transport they abort."""
    try:
        import httptools  # noqa: F401
    except ImportError:
        return "h11"
    return "httptools"


_HTTP = _http_implementation()


def _server(app: ASGIApp, log_level: str) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        http=_HTTP,
        lifespan="on",
        proxy_headers=False,
        server_header=False,
        date_header=False,  # the application's, from the sandbox's clock
        timeout_graceful_shutdown=2,
    )
    return uvicorn.Server(config)


def wait_until_healthy(url: str, server: uvicorn.Server, timeout: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the sandbox did not start listening")
        time.sleep(0.01)
    with httpx.Client(timeout=5, trust_env=False) as client:
        while True:
            try:
                if client.get(f"{url}/api/v1/health").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the sandbox does not answer GET /api/v1/health")
            time.sleep(0.02)


def serve(
    app: ASGIApp, sock: socket.socket, on_ready: Callable[[], None], log_level: str = "warning"
) -> None:
    """Serve in the foreground until SIGINT or SIGTERM; ``on_ready`` runs once healthy."""
    server = _server(app, log_level)
    url = base_url(sock)

    def announce() -> None:
        try:
            wait_until_healthy(url, server)
        except RuntimeError:
            return
        on_ready()

    threading.Thread(target=announce, name="sandbox-ready", daemon=True).start()
    # uvicorn shuts down gracefully on SIGTERM, then re-raises it with the previous
    # handler: make that handler an exit, so that the caller's cleanup runs.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        server.run(sockets=[sock])
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


class ThreadedServer:
    """uvicorn in a daemon thread, for tests."""

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sock = bind(host, port)
        self.url = base_url(self.sock)
        self._server = _server(app, "warning")
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self.sock]},
            name="dograh-sandbox",
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()
        wait_until_healthy(self.url, self._server)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.sock.close()
