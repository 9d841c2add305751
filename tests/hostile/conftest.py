"""Tiny misbehaving HTTP servers on loopback, and `campaigns` run against them in a child
process whose exit, output, peak memory and CPU time are kept (what a hostile or broken
network does to the tool). No wall time is measured: a child that does not end by itself
is killed after ``SAFETY_NET_SECONDS``, which fails its test.

Each server is a plain socket in a thread: it answers every connection with one
behaviour (an endless body, a gzip bomb, a byte at a time, an echo of the request's
headers, a TLS handshake with a self-signed certificate...), which no real HTTP server
library would produce on purpose.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
KEY = "dgr_hostileTestKey0123456789abcdefghijklmnopqrs"
PASSWORD = "pr0xyPassw0rd"
MIB = 1024 * 1024
SAFETY_NET_SECONDS = 60
"""When a child that has not ended by itself is killed: far beyond any run of these tests
on a busy machine, well within pytest's timeout."""

Handler = Callable[[socket.socket], None]


def read_head(conn: socket.socket) -> bytes:
    """The request line and headers (and nothing of a body: the tests send GETs)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.partition(b"\r\n\r\n")[0]


class RawServer:
    """A loopback server that hands every connection to ``handler`` in a thread of its
    own; ``connections`` counts them (a request refused before sending makes none)."""

    def __init__(self, handler: Handler, tls: ssl.SSLContext | None = None) -> None:
        self._handler = handler
        self._tls = tls
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.connections = 0
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, scheme: str = "http", userinfo: str = "") -> str:
        return f"{scheme}://{userinfo}127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                self.connections += 1
                self._open.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self._tls is not None:
                conn = self._tls.wrap_socket(conn, server_side=True)
            self._handler(conn)
        except OSError:
            pass  # the client gave up: what these servers are for
        finally:
            conn.close()

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            for conn in self._open:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()


Serve = Callable[..., RawServer]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Starts servers for one test: ``serve(handler, tls=None)``; all closed after it."""
    servers: list[RawServer] = []

    def start(handler: Handler, tls: ssl.SSLContext | None = None) -> RawServer:
        server = RawServer(handler, tls)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture(scope="session")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """A server TLS context with a self-signed certificate for 127.0.0.1 (openssl)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.fixture(scope="session")
def gzip_bomb() -> bytes:
    """About 1 MiB of gzip that inflates to 1 GiB of zeros."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MIB)
    return b"".join([*(packer.compress(zeros) for _ in range(1024)), packer.flush()])


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    """A repository of manifests (a copy of campaigns.d/) to plan; plan never gets past
    reading Dograh in these tests."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "campaigns.d", repo / "campaigns.d")
    (repo / ".git").mkdir()
    return repo


@dataclass
class Run:
    code: int
    out: str
    err: str
    killed: bool
    """The safety net ended it: it did not end by itself (a limit was not enforced)."""
    cpu_seconds: float
    peak_mib: float
    crash_logs: list[str]

    def shows(self, secret: str) -> bool:
        return any(secret in text for text in (self.out, self.err, *self.crash_logs))


def campaigns(
    repo: Path, *args: str, url: str, key: str = KEY, env: dict[str, str] | None = None
) -> Run:
    """``campaigns ARGS`` in a child process: its exit code, output, whether the safety
    net killed it, its CPU time and peak memory (its own, by wait4) and any crash log it
    wrote (TMPDIR is the test's)."""
    tmp = repo.parent / "tmp"
    tmp.mkdir(exist_ok=True)
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DOGRAH_") and name not in ("NO_COLOR",)
    }
    environment.update(
        {"DOGRAH_API_URL": url, "DOGRAH_API_KEY": key, "TMPDIR": str(tmp), "NO_COLOR": "1"}
    )
    environment.update(env or {})
    out_path, err_path = tmp / "stdout", tmp / "stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "reconciler", *args],
            cwd=repo,
            env=environment,
            stdout=out,
            stderr=err,
        )
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        process.kill()

    killer = threading.Timer(SAFETY_NET_SECONDS, kill)
    killer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)  # this child's own usage, not all of them
    finally:
        killer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    run = Run(
        process.returncode,
        out_path.read_text(),
        err_path.read_text(),
        killed.is_set(),
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        [path.read_text() for path in tmp.glob("campaigns-crash-*.log")],
    )
    print(
        f"\n[hostile] {' '.join(args)}: exit {run.code}{' (killed)' if run.killed else ''}, "
        f"{run.cpu_seconds:.2f} s of CPU, peak {run.peak_mib:.0f} MiB: "
        f"{run.err.strip().splitlines()[-1:]}"
    )
    return run
