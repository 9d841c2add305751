"""The client's limits, in process against the same tiny servers: the exact exception, its
``answered``, what was retried (the connections the server saw, the pauses the client
took) and the time the client itself accounts for, so that no assert depends on how busy
the machine is."""

from __future__ import annotations

import gzip
import json
import socket
import ssl
import time
import zlib
from typing import Any

import httpx
import pytest

from reconciler.client import ERROR_BODY_BYTES, DograhClient
from reconciler.client_errors import (
    DeadlineExceeded,
    DograhError,
    NotFound,
    OutcomeUnknown,
    Refused,
    ResponseTooLarge,
    TLSFailure,
    Unavailable,
)
from reconciler.client_settings import ClientSettings, RetryPolicy, RunLedger
from tests.hostile.conftest import KEY, MIB, Serve, read_head

CREATE = {"name": "east", "workflow_id": 3, "source_type": "csv", "source_id": "k"}


def _client(url: str, pauses: list[float] | None = None, **settings: Any) -> DograhClient:
    """A client of ``url``; the pauses it takes before a retry go to ``pauses``."""
    sleep = time.sleep if pauses is None else pauses.append
    return DograhClient(ClientSettings(base_url=url, api_key=KEY, **settings), sleep=sleep)


def _answer(conn: socket.socket, status: str, body: bytes, *headers: str) -> None:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *headers]
    conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)


def _until_closed(conn: socket.socket) -> None:
    while conn.recv(65536):
        pass


def _silent(conn: socket.socket) -> None:
    """Reads the request, then says nothing until the client gives up."""
    _until_closed(conn)


def _stalled_body(conn: socket.socket) -> None:
    """Answers 200 with its headers, then never sends the body."""
    read_head(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{")
    _until_closed(conn)


def test_a_create_without_an_answer_is_unknown_and_not_answered(serve: Serve) -> None:
    server = serve(_silent)
    pauses: list[float] = []
    with (
        _client(server.url(), pauses, request_timeout=0.5) as client,
        pytest.raises(OutcomeUnknown) as caught,
    ):
        client.create_campaign(CREATE)
    assert caught.value.answered is False
    assert "no complete answer from Dograh within 0.5 s" in str(caught.value)
    assert "may or may not have carried it out" in str(caught.value)
    assert (server.connections, pauses) == (1, [])  # never sent twice
    assert client.settings.ledger.spent() >= 0.5  # its whole deadline, not less


def test_a_create_whose_answer_stalls_is_unknown_and_answered(serve: Serve) -> None:
    server = serve(_stalled_body)
    with (
        _client(server.url(), request_timeout=0.5) as client,
        pytest.raises(OutcomeUnknown) as caught,
    ):
        client.create_campaign(CREATE)
    assert caught.value.answered is True
    assert caught.value.status == 200
    assert server.connections == 1


@pytest.mark.parametrize(
    ("status", "answered"),
    [("500 Internal Server Error", True), ("503 Service Unavailable", False)],
    ids=["dograhs-500", "gateway-503"],
)
def test_a_create_answered_with_a_5xx_is_unknown(serve: Serve, status: str, answered: bool) -> None:
    """Dograh's own 500 (its JSON) says its handler ran; a 503 is a gateway's, whatever
    its body: no answer from Dograh."""

    def overloaded(conn: socket.socket) -> None:
        read_head(conn)
        _answer(conn, status, b'{"detail": "busy"}')

    server = serve(overloaded)
    with _client(server.url()) as client, pytest.raises(OutcomeUnknown) as caught:
        client.create_campaign(CREATE)
    assert (caught.value.answered, caught.value.status) == (answered, int(status[:3]))
    assert server.connections == 1


def test_a_read_that_meets_its_deadline_is_not_retried(serve: Serve) -> None:
    """The read waits its whole deadline, as the client accounts its time, and no more:
    no pause, no second connection."""
    server = serve(_silent)
    pauses: list[float] = []
    with (
        _client(server.url(), pauses, request_timeout=0.5) as client,
        pytest.raises(DeadlineExceeded, match=r"no complete answer from Dograh within 0\.5 s"),
    ):
        client.list_campaigns()
    assert client.settings.ledger.spent() >= 0.5
    assert (server.connections, pauses) == (1, [])


def test_the_run_deadline_spans_every_client_of_one_settings(serve: Serve) -> None:
    server = serve(_silent)
    settings = ClientSettings(
        base_url=server.url(), api_key=KEY, request_timeout=10, command_timeout=0.6
    )
    with (
        DograhClient(settings) as first,
        pytest.raises(DeadlineExceeded, match=r"within the 0\.6 s"),
    ):
        first.list_campaigns()  # the request's own 10 s would name itself
    assert settings.ledger.spent() >= 0.6
    with DograhClient(settings) as second, pytest.raises(DeadlineExceeded, match="not sent"):
        second.get_campaign(1)
    assert server.connections == 1  # the second request was never sent


def test_the_run_counts_only_time_spent_waiting_on_dograh() -> None:
    """The ledger's time lies within the test's own measure of the same wait (however
    long a busy machine makes it): a request under way alongside another is not counted
    twice, and the time after it is not counted at all."""
    ledger = RunLedger()
    began = time.monotonic()
    with ledger.waiting():
        time.sleep(0.05)
        with ledger.waiting():  # another thread's request at the same time counts once
            time.sleep(0.05)
    waited = time.monotonic() - began
    time.sleep(0.1)  # the approval prompt, the diff: not waiting on Dograh
    assert 0.1 <= ledger.spent() <= waited


def test_answers_read_at_the_same_time_share_the_size_limit(serve: Serve) -> None:
    """Four routes answering a bomb each must not hold four times the limit."""
    body = json.dumps({"campaigns": [], "padding": "x" * 200_000}).encode()

    def answer(conn: socket.socket) -> None:
        while read_head(conn):
            _answer(conn, "200 OK", body)

    server = serve(answer)
    settings = ClientSettings(base_url=server.url(), api_key=KEY, max_response_bytes=MIB)
    another = MIB - 100_000  # an answer another thread is reading
    assert settings.ledger.reserve(another, MIB) == 0
    with DograhClient(settings) as client:
        with pytest.raises(ResponseTooLarge) as caught:
            client.list_campaigns()
        assert str(caught.value).startswith(
            "GET /campaign/: Dograh's answers read at the same time hold more than the 1 MiB "
            "this tool reads at once ("
        )
        assert settings.ledger.reading() == another  # what it had taken, given back
        settings.ledger.release(another)
        assert client.list_campaigns() == []
    assert settings.ledger.reading() == 0


def test_a_declared_length_over_the_limit_is_refused_before_reading(serve: Serve) -> None:
    def huge(conn: socket.socket) -> None:
        read_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10737418240\r\n\r\n")
        _until_closed(conn)

    server = serve(huge)
    with (
        _client(server.url(), max_response_bytes=MIB, request_timeout=10) as client,
        pytest.raises(ResponseTooLarge) as caught,
    ):
        client.list_campaigns()  # reading the body would wait for bytes that never come
    assert "larger than the 1 MiB this tool reads (it declares 10,737,418,240 bytes)" in str(
        caught.value
    )


def test_a_create_whose_answer_is_too_large_happened_and_says_so(serve: Serve) -> None:
    def endless(conn: socket.socket) -> None:
        read_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
        while True:
            conn.sendall(b" " * 65536)

    server = serve(endless)
    with (
        _client(server.url(), max_response_bytes=MIB) as client,
        pytest.raises(OutcomeUnknown) as caught,
    ):
        client.create_campaign(CREATE)
    assert (caught.value.answered, caught.value.status) == (True, 200)
    assert "so the request was carried out, but its result cannot be read" in str(caught.value)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate", "identity"])
def test_encoded_answers_are_read_whole(serve: Serve, encoding: str) -> None:
    body = json.dumps({"campaigns": [], "padding": "x" * 300_000}).encode()
    if encoding == "gzip":
        packed = gzip.compress(body)
    elif encoding == "deflate":
        packed = zlib.compress(body)
    elif encoding == "raw-deflate":  # deflate without its zlib wrapper, as some servers send
        packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        packed = packer.compress(body) + packer.flush()
    else:
        packed = body
    coding = "deflate" if encoding == "raw-deflate" else encoding

    def encoded(conn: socket.socket) -> None:
        while read_head(conn):
            _answer(conn, "200 OK", packed, f"Content-Encoding: {coding}")

    server = serve(encoded)
    with _client(server.url(), max_response_bytes=len(body)) as client:
        assert client.list_campaigns() == []


def test_an_encoding_not_asked_for_is_refused(serve: Serve) -> None:
    def brotli(conn: socket.socket) -> None:
        read_head(conn)
        _answer(conn, "200 OK", b"\x8b\x02\x80{}\x03", "Content-Encoding: br")

    server = serve(brotli)
    with _client(server.url()) as client, pytest.raises(DograhError) as caught:
        client.list_campaigns()
    assert "encoded as 'br', not as asked (gzip, deflate)" in str(caught.value)


def test_an_endless_error_page_is_cut_not_read(serve: Serve) -> None:
    def endless_404(conn: socket.socket) -> None:
        read_head(conn)
        conn.sendall(b"HTTP/1.1 404 Not Found\r\n\r\n")
        while True:
            conn.sendall(b"<p>no such page</p>" * 4096)

    server = serve(endless_404)
    with _client(server.url()) as client, pytest.raises(NotFound) as caught:
        client.get_campaign(7)
    assert len(str(caught.value)) < 500
    assert caught.value.status == 404
    assert ERROR_BODY_BYTES < 1024 * 1024


def test_server_text_is_made_printable(serve: Serve) -> None:
    def colourful(conn: socket.socket) -> None:
        read_head(conn)
        _answer(conn, "400 Bad Request", b'{"detail": "\\u001b[31mred\\u001b[0m\\nnext line"}')

    server = serve(colourful)
    with _client(server.url()) as client, pytest.raises(Refused) as caught:
        client.create_campaign(CREATE)
    assert str(caught.value) == (
        "POST /campaign/create: Dograh refused it: \\x1b[31mred\\x1b[0m next line"
    )


def test_a_tls_failure_is_named_at_once_and_not_retried(
    serve: Serve, self_signed: ssl.SSLContext
) -> None:
    server = serve(read_head, tls=self_signed)
    pauses: list[float] = []
    with _client(server.url("https"), pauses) as client, pytest.raises(TLSFailure) as caught:
        client.create_campaign(CREATE)  # nothing was sent: not an unknown outcome
    assert pauses == []
    assert f"TLS handshake with 127.0.0.1:{server.port} failed: certificate verify failed" in str(
        caught.value
    )
    assert server.connections == 1


def test_a_refused_connection_is_retried_quickly_even_for_a_create() -> None:
    """Nothing reached Dograh: a create is as safe to repeat as a read."""
    answers = iter(["refuse", "refuse", "ok"])

    def handler(request: httpx.Request) -> httpx.Response:
        if next(answers) == "refuse":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return httpx.Response(200, json=_live_campaign())

    pauses: list[float] = []
    settings = ClientSettings(base_url="https://dograh.test", api_key=KEY)
    client = DograhClient(settings, transport=httpx.MockTransport(handler), sleep=pauses.append)
    with client:
        assert client.create_campaign(CREATE).name == "east"
    assert pauses == [0.25, 0.5]


def test_an_unreachable_dograh_is_given_up_after_the_connect_attempts(serve: Serve) -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    policy = RetryPolicy(connect_attempts=2, connect_delay=0.01)
    pauses: list[float] = []
    with (
        _client(f"http://127.0.0.1:{port}", pauses, retry=policy) as client,
        pytest.raises(
            Unavailable,
            match=rf"cannot connect to Dograh at http://127.0.0.1:{port}: connection "
            r"refused \(2 attempts",
        ),
    ):
        client.list_campaigns()
    assert pauses == [0.01]  # the connect policy's one short pause, not the outage budget


def _live_campaign() -> dict[str, Any]:
    return {
        "id": 1,
        "name": "east",
        "workflow_id": 3,
        "workflow_name": "Renewal reminder",
        "state": "created",
        "source_type": "csv",
        "source_id": "k",
        "total_rows": None,
        "processed_rows": 0,
        "failed_rows": 0,
        "created_at": "2026-05-01T10:00:00Z",
        "started_at": None,
        "completed_at": None,
        "retry_config": {
            "enabled": True,
            "max_retries": 2,
            "retry_delay_seconds": 120,
            "retry_on_busy": True,
            "retry_on_no_answer": True,
            "retry_on_voicemail": True,
        },
        "max_concurrency": None,
        "schedule_config": None,
        "circuit_breaker": {
            "enabled": False,
            "failure_threshold": 0.5,
            "window_seconds": 120,
            "min_calls_in_window": 5,
        },
        "executed_count": 0,
        "total_queued_count": 0,
        "parent_campaign_id": None,
        "redialed_campaign_id": None,
        "telephony_configuration_id": 1,
        "telephony_configuration_name": "Twilio US",
        "logs": [],
    }


def test_server_text_quoting_the_key_is_redacted_in_the_error_itself(serve: Serve) -> None:
    """apply prints a campaign's failure itself, not through the CLI's error handler: the
    error must be clean where it is made."""

    def echo(conn: socket.socket) -> None:
        head = read_head(conn).decode("latin-1")
        _answer(conn, "400 Bad Request", json.dumps({"detail": f"bad request: {head}"}).encode())

    server = serve(echo)
    with _client(server.url()) as client, pytest.raises(Refused) as caught:
        client.create_campaign(CREATE)
    assert "X-API-Key: <redacted>" in str(caught.value)
    assert KEY not in str(caught.value) and KEY not in str(caught.value.detail)


def test_bytes_after_the_gzip_stream_count_against_the_limit(serve: Serve) -> None:
    """Past the end of the gzip stream nothing inflates: only the raw count grows."""

    def trailing(conn: socket.socket) -> None:
        read_head(conn)
        head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n"
        conn.sendall(head + gzip.compress(b'{"campaigns": []}'))
        while True:
            conn.sendall(b"\x00" * 65536)

    server = serve(trailing)
    with (
        _client(server.url(), max_response_bytes=MIB) as client,
        pytest.raises(
            ResponseTooLarge,
            match=r"larger than the 1 MiB this tool reads \(1(\.\d)? MiB received\)",
        ),
    ):
        client.list_campaigns()


def test_a_phone_number_in_server_text_is_not_shown(serve: Serve) -> None:
    """Dograh's CSV messages may quote a contact's number: no error carries it."""

    def quoting(conn: socket.socket) -> None:
        read_head(conn)
        detail = {"detail": "Invalid phone number '+1 (555) 010-0123' in row 3"}
        _answer(conn, "400 Bad Request", json.dumps(detail).encode())

    server = serve(quoting)
    with _client(server.url()) as client, pytest.raises(Refused) as caught:
        client.create_campaign(CREATE)
    assert str(caught.value) == (
        "POST /campaign/create: Dograh refused it: Invalid phone number '<phone number>' in row 3"
    )
    assert "555" not in str(caught.value.detail)
