"""What a hostile or broken network does to the tool, each case reproduced against a tiny
misbehaving server and run through the CLI in a child process: it ends by itself, exit 1
with a message that names the problem (and the limit that stopped it), under a memory
bound, and never the key or the URL's password on stdout, stderr or in a crash log.

The limits are set short through the environment, as a user would
(DOGRAH_MAX_RESPONSE_SIZE, DOGRAH_REQUEST_TIMEOUT...). No assert reads the wall clock: a
limit that is not enforced leaves the child waiting on a server that never finishes, and
the safety net (``SAFETY_NET_SECONDS``) kills it, which fails the test; retries are
counted in the pauses the tool logs with ``-v``.
"""

from __future__ import annotations

import base64
import re
import socket
import ssl
import time
from pathlib import Path

import pytest

from tests.hostile.conftest import (
    KEY,
    PASSWORD,
    Handler,
    RawServer,
    Run,
    Serve,
    campaigns,
    read_head,
)

MEMORY_BOUND_MIB = 300
USER = "hostile"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
SECRETS = (KEY, PASSWORD, BASIC)


def _assert_clean_failure(run: Run, *, message: str) -> None:
    """Ended by itself, exit 1 (a user error, not a crash), the message, in memory, no
    secret."""
    assert not run.killed, f"did not end by itself: {run.err}"
    assert run.code == 1, run.err
    assert re.search(message, run.err), run.err
    assert run.crash_logs == []
    assert run.peak_mib < MEMORY_BOUND_MIB
    for secret in SECRETS:
        assert not run.shows(secret), secret


def _answer(conn: socket.socket, status: str, body: bytes, *headers: str) -> None:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *headers]
    conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)


# 1. No limit on response size -------------------------------------------------------------

ONE_ANSWER = r"Dograh's answer is larger than the 16 MiB this tool reads "
TOGETHER = (
    r"Dograh's answers read at the same time hold more than the 16 MiB this tool reads at "
    r"once \([\d.]+ MiB of this one\)"
)
"""plan reads four routes at once and the server answers each alike: whichever limit
trips first, the answer's own or the one the four share."""


def _endless_json(conn: socket.socket) -> None:
    read_head(conn)
    conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"campaigns": [')
    items = b'{"id": 1, "name": "spring-renewals-east", "state": "running"},' * 1024
    while True:
        conn.sendall(items)


def test_an_endless_answer_stops_at_the_size_limit(serve: Serve, manifests: Path) -> None:
    server = serve(_endless_json)
    run = campaigns(manifests, "plan", url=server.url(), env={"DOGRAH_MAX_RESPONSE_SIZE": "16MiB"})
    _assert_clean_failure(
        run,
        message=rf"Error: GET /\S+: ({ONE_ANSWER}\(16(\.\d)? MiB received\)|{TOGETHER}); if the "
        r"organization really has that much, raise --max-response-size or "
        r"DOGRAH_MAX_RESPONSE_SIZE",
    )


def test_a_gzip_bomb_stops_at_the_size_limit_inflated(
    serve: Serve, manifests: Path, gzip_bomb: bytes
) -> None:
    def bomb(conn: socket.socket) -> None:
        read_head(conn)
        _answer(
            conn, "200 OK", gzip_bomb, "Content-Type: application/json", "Content-Encoding: gzip"
        )

    server = serve(bomb)
    run = campaigns(manifests, "plan", url=server.url(), env={"DOGRAH_MAX_RESPONSE_SIZE": "16MiB"})
    _assert_clean_failure(
        run,
        message=rf"Error: GET /\S+: ({ONE_ANSWER}\(its gzip body inflates past it\)|{TOGETHER})",
    )


def test_the_routes_plan_reads_at_once_share_the_size_limit(serve: Serve, manifests: Path) -> None:
    """Four endless routes hold no more than one limit's worth of memory together."""
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    baseline = campaigns(manifests, "plan", url=f"http://127.0.0.1:{port}")  # same imports
    server = serve(_endless_json)
    run = campaigns(manifests, "plan", url=server.url(), env={"DOGRAH_MAX_RESPONSE_SIZE": "64MiB"})
    assert run.code == 1 and "64 MiB" in run.err
    assert run.peak_mib < baseline.peak_mib + 2 * 64, (baseline.peak_mib, run.peak_mib)


# 2. No overall deadline ---------------------------------------------------------------------


def _drip(every: float, *, from_status_line: bool) -> Handler:
    """A byte every ``every`` seconds: of the body, or of the status line itself."""

    def handler(conn: socket.socket) -> None:
        read_head(conn)
        head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        )
        payload = head + b" " * 100_000 if from_status_line else b" " * 100_000
        if not from_status_line:
            conn.sendall(head)
        for byte in payload:
            conn.sendall(bytes([byte]))
            time.sleep(every)

    return handler


@pytest.mark.parametrize("from_status_line", [False, True], ids=["body", "status-line"])
def test_a_server_sending_a_byte_at_a_time_meets_the_request_deadline(
    serve: Serve, manifests: Path, from_status_line: bool
) -> None:
    server = serve(_drip(0.2, from_status_line=from_status_line))
    run = campaigns(manifests, "plan", url=server.url(), env={"DOGRAH_REQUEST_TIMEOUT": "1.5"})
    _assert_clean_failure(
        run,
        message=r"Error: GET /\S+: no complete answer from Dograh within 1.5 s \(the limit of "
        r"one request: --request-timeout or DOGRAH_REQUEST_TIMEOUT\)",
    )


def test_the_whole_run_meets_the_command_deadline(serve: Serve, manifests: Path) -> None:
    server = serve(_drip(0.2, from_status_line=False))
    run = campaigns(
        manifests,
        "plan",
        url=server.url(),
        env={"DOGRAH_REQUEST_TIMEOUT": "30", "DOGRAH_COMMAND_TIMEOUT": "1"},
    )
    _assert_clean_failure(
        run,
        message=r"no complete answer from Dograh within the 1 s this run may wait on Dograh "
        r"in all \(--command-timeout or DOGRAH_COMMAND_TIMEOUT\)",
    )


def _through_proxy(proxy: RawServer, userinfo: str = "") -> dict[str, str]:
    """The environment of a run whose requests go through ``proxy`` (nothing bypasses it);
    the run needs --insecure, as the key then crosses the proxy in clear."""
    url = proxy.url(userinfo=userinfo)
    return {"HTTP_PROXY": url, "http_proxy": url, "NO_PROXY": "", "no_proxy": ""}


def test_a_proxy_is_held_to_the_deadline_too(serve: Serve, manifests: Path) -> None:
    proxy = serve(_drip(0.2, from_status_line=True))
    run = campaigns(
        manifests,
        "--insecure",
        "plan",
        url="http://127.0.0.1:9",  # never reached: the proxy answers, a byte at a time
        env={**_through_proxy(proxy), "DOGRAH_REQUEST_TIMEOUT": "1.5"},
    )
    _assert_clean_failure(run, message=r"no complete answer from Dograh within 1\.5 s")
    assert proxy.connections == 1  # the key's organization, asked first


# 3. List items that are not objects ---------------------------------------------------------


def test_list_items_that_are_not_objects_are_a_user_error(serve: Serve, manifests: Path) -> None:
    def non_objects(conn: socket.socket) -> None:
        while head := read_head(conn):  # keep-alive: one answer per request
            body = (
                b'{"organization_id": 1}'  # the key's organization, asked first, is sound
                if b" /api/v1/organizations/context " in head
                else b'{"campaigns": [1, "x", null]}'
            )
            _answer(conn, "200 OK", body, "Content-Type: application/json")

    server = serve(non_objects)
    run = campaigns(manifests, "plan", url=server.url())
    _assert_clean_failure(
        run,
        message=r"Error: Dograh's answer to GET /campaign/ is not what this tool reads: "
        r"campaigns\[0\]: .*campaigns\[1\]: ",
    )


# 4. Server text and URLs printed verbatim ------------------------------------------------


def _echo_headers(conn: socket.socket) -> None:
    """A proxy's error page that quotes the request's headers, credentials first, with a
    terminal escape sequence for good measure."""
    lines = read_head(conn).decode("latin-1").split("\r\n")[1:]
    secret = ("x-api-key", "authorization", "proxy-authorization")
    lines.sort(key=lambda line: not line.lower().startswith(secret))
    body = ("\x1b[2J403 Forbidden by proxy. You sent: " + " | ".join(lines)).encode("latin-1")
    _answer(conn, "403 Forbidden", body, "Content-Type: text/plain", "Connection: close")


def test_a_proxy_echoing_the_headers_shows_no_secret(serve: Serve, manifests: Path) -> None:
    server = serve(_echo_headers)
    url = server.url(userinfo=f"{USER}:{PASSWORD}@")
    run = campaigns(manifests, "-v", "plan", url=url)
    _assert_clean_failure(
        run,
        message=r"Error: GET /\S+: Dograh answered HTTP 403: \\x1b\[2J403 Forbidden by proxy\. "
        r"You sent: (X-API-Key: <redacted> \| Authorization: Basic <redacted>|Authorization: "
        r"Basic <redacted> \| X-API-Key: <redacted>)",
    )
    assert "\x1b" not in run.err  # the escape sequence is shown, not sent to the terminal
    # -v logged, redacted too; the key's organization is the first request
    assert "reconciler.client: GET /organizations/context -> 403" in run.err


def test_a_proxy_echoing_its_credentials_shows_no_secret(serve: Serve, manifests: Path) -> None:
    proxy = serve(_echo_headers)
    run = campaigns(
        manifests,
        "--insecure",
        "plan",
        url="http://127.0.0.1:9",
        env=_through_proxy(proxy, userinfo=f"{USER}:{PASSWORD}@"),
    )
    _assert_clean_failure(run, message=r"Proxy-Authorization: Basic <redacted>")
    assert proxy.connections >= 1


def test_plain_http_through_a_proxy_is_refused_before_any_request(
    serve: Serve, manifests: Path
) -> None:
    """http:// to this machine is safe only straight to it: through a proxy, the key would
    cross the network in clear."""
    proxy = serve(_echo_headers)
    run = campaigns(
        manifests,
        "plan",
        url="http://localhost:9",
        env=_through_proxy(proxy, userinfo=f"{USER}:{PASSWORD}@"),
    )
    _assert_clean_failure(
        run,
        message=r"refusing to send the API key in clear text to localhost over http://: the "
        r"connection goes through the proxy http://127\.0\.0\.1:\d+ \(HTTP_PROXY or ALL_PROXY; "
        r"add localhost to NO_PROXY to go straight to it\); use https://, or pass --insecure",
    )
    assert PASSWORD not in run.err
    assert proxy.connections == 0
    bypassed = {**_through_proxy(proxy), "NO_PROXY": "localhost", "no_proxy": "localhost"}
    run = campaigns(manifests, "plan", url="http://localhost:9", env=bypassed)
    _assert_clean_failure(run, message=r"cannot connect to Dograh at http://localhost:9")
    assert proxy.connections == 0


def test_a_password_in_the_api_url_is_never_printed(serve: Serve, manifests: Path) -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    url = f"http://{USER}:{PASSWORD}@127.0.0.1:{port}"
    run = campaigns(manifests, "-v", "plan", url=url)
    _assert_clean_failure(
        run,
        message=rf"cannot connect to Dograh at http://127\.0\.0\.1:{port}: connection refused",
    )
    assert USER not in run.err


# 5. TLS failures ------------------------------------------------------------------------


def test_a_certificate_failure_is_named_at_once(
    serve: Serve, manifests: Path, self_signed: ssl.SSLContext
) -> None:
    server = serve(read_head, tls=self_signed)
    run = campaigns(manifests, "plan", url=server.url("https"))
    _assert_clean_failure(
        run,
        message=rf"Error: GET /\S+: TLS handshake with 127\.0\.0\.1:{server.port} failed: "
        r"certificate verify failed: self.signed certificate\. If Dograh's certificate comes "
        r"from a private authority, point SSL_CERT_FILE at its certificate",
    )
    assert server.connections == 1  # the key's organization, asked first: not retried


def test_https_to_a_plain_http_port_is_named_at_once(serve: Serve, manifests: Path) -> None:
    def plain_http(conn: socket.socket) -> None:
        conn.recv(4096)  # a TLS ClientHello, read as a broken request
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    server = serve(plain_http)
    run = campaigns(manifests, "plan", url=server.url("https"))
    _assert_clean_failure(
        run,
        message=rf"TLS handshake with 127\.0\.0\.1:{server.port} failed: .*; the server does "
        r"not speak TLS on this port: is its URL http://\?",
    )
    assert server.connections == 1  # the key's organization, asked first


# 6. Keys that HTTP headers cannot carry ------------------------------------------------


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (KEY[:-2] + "é1", "has a non-ASCII character"),
        (KEY + "\r\nX-Injected: 1", "has a line break"),
        (" " + KEY, "starts or ends with whitespace"),
        (KEY + "\n", "starts or ends with whitespace"),
        (KEY[:10] + "\x1b" + KEY[10:], "has a control character"),
    ],
    ids=["non-ascii", "crlf", "leading-space", "trailing-newline", "escape"],
)
def test_a_key_http_cannot_carry_is_a_usage_error_before_any_request(
    serve: Serve, manifests: Path, key: str, problem: str
) -> None:
    server = serve(read_head)
    run = campaigns(manifests, "plan", url=server.url(), key=key)
    _assert_clean_failure(
        run,
        message=rf"Error: the API key {problem}.*, which an HTTP header cannot carry: set "
        r"DOGRAH_API_KEY \(or --api-key\) to the key alone",
    )
    assert not run.shows(key) and not run.shows(key.strip())
    assert server.connections == 0


# The URL's /api/v1, and an unreachable Dograh ------------------------------------


def test_an_api_url_ending_in_api_v1_gets_the_fix(manifests: Path) -> None:
    run = campaigns(manifests, "plan", url="https://dograh.example.com/api/v1/")
    _assert_clean_failure(
        run,
        message=r"Error: the API URL 'https://dograh\.example\.com/api/v1/' ends in /api/v1, "
        r"which campaigns adds itself: use --api-url https://dograh\.example\.com ",
    )


RETRIES = re.compile(r"retrying in (\d+\.\d+) s")
"""The pause before each retry, as ``-v`` logs it."""


def test_a_refused_connection_fails_after_the_quick_connect_retries(manifests: Path) -> None:
    """Three attempts with two short pauses (0.25 s, then 0.5 s), not the outage budget."""
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    run = campaigns(manifests, "-v", "plan", url=f"http://127.0.0.1:{port}")
    _assert_clean_failure(
        run,
        message=rf"Error: GET /\S+: cannot connect to Dograh at http://127\.0\.0\.1:{port}: "
        r"connection refused \(3 attempts in [\d.]+ s\); check the URL",
    )
    assert RETRIES.findall(run.err) == ["0.25", "0.50"], run.err


def test_an_unknown_host_fails_after_the_quick_connect_retries(manifests: Path) -> None:
    """A name that does not resolve is retried as a refused connection is: three lookups
    with two short pauses, whatever the resolver takes for each."""
    host = "dograh-campaigns-test.invalid"
    run = campaigns(manifests, "-v", "plan", url=f"https://{host}")
    _assert_clean_failure(
        run,
        message=rf"cannot connect to Dograh at https://{re.escape(host)}: the host name does "
        r"not resolve( \([^)]*\))? \(3 attempts in [\d.]+ s\)",
    )
    assert RETRIES.findall(run.err) == ["0.25", "0.50"], run.err
