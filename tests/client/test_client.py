"""The Dograh client against the sandbox over real loopback HTTP: Dograh's answers and the
sandbox's injected faults, and what the client makes of them."""

from __future__ import annotations

import email.utils
import random
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from dograh_sandbox.testing import SandboxHandle
from reconciler.client import DograhClient
from reconciler.client_errors import (
    AuthError,
    ClearTextRefused,
    NotFound,
    OutcomeUnknown,
    Refused,
    TelephonyNotConfigured,
    Unavailable,
)
from reconciler.client_settings import DEFAULT_REQUEST_TIMEOUT, ClientSettings, RetryPolicy
from reconciler.errors import UserError
from reconciler.live import AnswerShapeError

FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, budget=5.0)


class Sleeps:
    """Records the client's pauses instead of sleeping them."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def _client(sandbox: SandboxHandle, sleeps: Sleeps | None = None, **changes: Any) -> DograhClient:
    settings = ClientSettings(base_url=sandbox.url, api_key=sandbox.api_key, retry=FAST)
    for key, value in changes.items():
        settings = ClientSettings(**{**settings.__dict__, key: value})
    return DograhClient(settings, sleep=sleeps or Sleeps())


def _create_body(sandbox: SandboxHandle, name: str = "east") -> dict[str, Any]:
    key = sandbox.upload_csv(b"phone_number,first_name\n+15550100,Ada\n")
    return {"name": name, "workflow_id": 3, "source_type": "csv", "source_id": key}


def test_reading_the_organization(sandbox: SandboxHandle) -> None:
    with _client(sandbox) as client:
        assert client.list_campaigns() == []
        assert [w.name for w in client.list_workflows()] == [
            "Renewal reminder",
            "Appointment confirmation",
            "Customer survey",
        ]
        assert [t.name for t in client.telephony_configurations()] == ["Twilio US", "Vonage EU"]
        assert client.campaign_defaults().concurrent_call_limit == 20
        assert client.requests_sent == 4


def test_a_bad_key_is_an_auth_error_that_never_shows_the_key(sandbox: SandboxHandle) -> None:
    wrong = "dgr_" + "x" * 32
    with (
        _client(sandbox, api_key=wrong) as client,
        pytest.raises(AuthError) as caught,
    ):
        client.list_campaigns()
    assert "Invalid or expired API key" in str(caught.value)
    assert wrong not in str(caught.value)
    assert caught.value.status == 401


def test_settings_are_refused_before_any_request() -> None:
    with pytest.raises(UserError, match="no Dograh API key"):
        DograhClient(ClientSettings(base_url="https://app.dograh.com", api_key=""))
    with pytest.raises(UserError, match="refusing to send the API key in clear text"):
        DograhClient(ClientSettings(base_url="http://dograh.example.com", api_key="dgr_k"))
    with pytest.raises(UserError, match="not an http"):
        DograhClient(ClientSettings(base_url="ftp://x", api_key="dgr_k"))
    with pytest.raises(UserError, match="ends in /api/v1, which campaigns adds itself"):
        DograhClient(ClientSettings(base_url="https://dograh.example.com/api/v1", api_key="dgr_k"))
    for key in ("dgr_k\n", " dgr_k", "dgr_\u00e9", "dgr_k\r\nX-Other: 1", "dgr_\x7f"):
        with pytest.raises(UserError, match="which an HTTP header cannot carry") as caught:
            DograhClient(ClientSettings(base_url="https://app.dograh.com", api_key=key))
        assert key.strip() not in str(caught.value)
    DograhClient(
        ClientSettings(base_url="http://dograh.example.com", api_key="dgr_k", insecure=True)
    ).close()
    for loopback in ("http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1"):
        DograhClient(ClientSettings(base_url=loopback, api_key="dgr_k")).close()


def test_the_telephony_401_is_not_an_auth_error(sandbox: SandboxHandle) -> None:
    seed = {
        "organizations": [
            {
                "name": "No phones",
                "workflows": [{"name": "Customer survey", "template_variables": []}],
                "telephony_configurations": [],
            }
        ]
    }
    sandbox.admin.reset(seed)
    with _client(sandbox, api_key=sandbox.api_key) as client:
        with pytest.raises(TelephonyNotConfigured) as caught:
            client.lifecycle(1, "start")
        assert "not a problem with the API key" in str(caught.value)
        with pytest.raises(NotFound, match="Campaign not found"):
            client.get_campaign(999)


def test_refusals_carry_dograhs_detail_per_field(sandbox: SandboxHandle) -> None:
    with _client(sandbox) as client:
        body = _create_body(sandbox)
        with pytest.raises(Refused) as caught:
            client.create_campaign({**body, "max_concurrency": 500, "name": ""})
        assert caught.value.status == 422
        message = str(caught.value)
        assert "max_concurrency:" in message and "name:" in message
        created = client.create_campaign(body)
        client.lifecycle(created.id, "start")
        with pytest.raises(Refused, match="current state: syncing"):
            client.lifecycle(created.id, "start")


def test_reads_are_retried_through_5xx_and_429(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_faults(
        {"method": "GET", "path": "/api/v1/campaign/", "kind": "error", "status": 503, "count": 1},
        {
            "method": "GET",
            "path": "/api/v1/campaign/",
            "kind": "error",
            "status": 502,
            "count": 1,
            "skip": 1,
        },
        {
            "method": "GET",
            "path": "/api/v1/campaign/",
            "kind": "error",
            "status": 429,
            "retry_after": 3,
            "count": 1,
            "skip": 2,
        },
    )
    sleeps = Sleeps()
    with _client(sandbox, sleeps) as client:
        assert client.list_campaigns() == []
    statuses = [r.status for r in sandbox.admin.requests(path="/api/v1/campaign/")]
    assert statuses == [503, 502, 429, 200]
    assert len(sleeps.calls) == 3
    assert sleeps.calls[2] == 3.0  # Retry-After, honoured


def test_retries_are_bounded(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_faults({"path": "/api/v1/workflow/fetch", "kind": "error", "status": 503})
    with _client(sandbox) as client, pytest.raises(Unavailable, match="after 4 attempts"):
        client.list_workflows()
    assert len(sandbox.admin.requests(path="/api/v1/workflow/fetch")) == FAST.attempts


def test_a_reset_connection_is_retried_for_a_read(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_faults({"path": "/api/v1/campaign/", "kind": "reset", "count": 2})
    with _client(sandbox) as client:
        assert client.list_campaigns() == []


DOGRAHS = '{"detail": "Internal error"}'
HTML = "<html><body><h1>504 Gateway Time-out</h1></body></html>"


@pytest.mark.parametrize(
    ("fault", "answered"),
    [
        ({"kind": "error", "status": 500, "body": DOGRAHS}, True),
        ({"kind": "error", "status": 500}, False),
        ({"kind": "error", "status": 502, "body": DOGRAHS}, False),
        ({"kind": "error", "status": 503, "body": DOGRAHS}, False),
        ({"kind": "error", "status": 504, "body": HTML}, False),
        ({"kind": "error", "status": 400, "body": HTML}, False),
        ({"kind": "drop"}, False),
        ({"kind": "reset"}, False),
    ],
    ids=["500-dograh", "500-text", "502", "503", "504-html", "400-html", "drop", "reset"],
)
def test_a_create_that_may_have_happened_is_never_retried(
    sandbox: SandboxHandle, fault: dict[str, Any], answered: bool
) -> None:
    body = _create_body(sandbox)
    sandbox.admin.set_faults(
        {"method": "POST", "path": "/api/v1/campaign/create", "count": 1, **fault}
    )
    with _client(sandbox) as client, pytest.raises(OutcomeUnknown) as caught:
        client.create_campaign(body)
    assert caught.value.answered is answered
    if not answered and "status" in fault:
        assert "no answer from Dograh" in str(caught.value)
        assert "Gateway" not in str(caught.value)  # the page's text is not quoted
    assert len(sandbox.admin.requests(path="/api/v1/campaign/create")) == 1


def test_a_gateway_error_on_a_read_is_retried_as_before(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_faults(
        {"path": "/api/v1/campaign/", "kind": "error", "status": 504, "body": HTML, "count": 1}
    )
    with _client(sandbox) as client:
        assert client.list_campaigns() == []


def test_a_negative_retry_after_is_no_reason_to_hurry(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_faults(
        {"path": "/api/v1/campaign/", "kind": "error", "status": 429, "count": 3}
    )
    sleeps = Sleeps()
    settings = ClientSettings(base_url=sandbox.url, api_key=sandbox.api_key, retry=FAST)

    class NegativeRetryAfter(httpx.BaseTransport):
        def __init__(self) -> None:
            self._inner = httpx.HTTPTransport()

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            answer = self._inner.handle_request(request)
            if answer.status_code == 429:
                answer.headers["Retry-After"] = "-5"
            return answer

    client = DograhClient(
        settings, transport=NegativeRetryAfter(), sleep=sleeps, rng=random.Random(7)
    )
    with client:
        assert client.list_campaigns() == []
    assert len(sleeps.calls) == 3
    assert all(pause > 0 for pause in sleeps.calls)


def test_a_huge_retry_after_is_cut_to_a_minute_and_said(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_faults(
        {"path": "/api/v1/campaign/", "kind": "error", "status": 429, "retry_after": 86400}
    )
    sleeps = Sleeps()
    policy = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, budget=1000)
    with _client(sandbox, sleeps, retry=policy) as client, pytest.raises(Unavailable) as caught:
        client.list_campaigns()
    assert sleeps.calls == [60.0, 60.0]
    assert "it asked to wait 86400 s; this tool waits at most 60 s" in str(caught.value)


def test_the_message_gives_the_time_really_spent(sandbox: SandboxHandle) -> None:
    """Each attempt takes 0.2 s in the server; the pauses are not slept: the message
    counts the time the attempts took, not only the pauses."""
    sandbox.admin.set_faults(
        {"path": "/api/v1/workflow/fetch", "kind": "latency", "seconds": 0.2},
        {"path": "/api/v1/workflow/fetch", "kind": "error", "status": 503},
    )
    with _client(sandbox) as client, pytest.raises(Unavailable) as caught:
        client.list_workflows()
    spent = re.search(r"after 4 attempts in ([0-9.]+) s", str(caught.value))
    assert spent is not None, str(caught.value)
    assert float(spent.group(1)) >= 4 * 0.2


def test_a_redirect_is_named_with_its_origin_only() -> None:
    """A proxy's redirect to https (the sandbox never sends one to another origin)."""

    def handler(request: httpx.Request) -> httpx.Response:
        target = "https://dograh.example.com:8443/api/v1/campaign/?X-Amz-Signature=abc"
        return httpx.Response(301, headers={"Location": target}, text="<html>Moved</html>")

    with _mocked(handler) as client, pytest.raises(UserError) as caught:
        client.list_campaigns()
    message = str(caught.value)
    assert "GET /campaign/: answered HTTP 301, a redirect to https://dograh.example.com:8443;" in (
        message
    )
    assert "Signature" not in message and "/api/v1/campaign/" not in message
    assert "Invalid JSON" not in message


def test_a_create_refused_with_429_was_not_processed_and_is_retried(sandbox: SandboxHandle) -> None:
    body = _create_body(sandbox)
    sandbox.admin.set_faults(
        {
            "method": "POST",
            "path": "/api/v1/campaign/create",
            "kind": "error",
            "status": 429,
            "retry_after": 0,
            "count": 1,
        }
    )
    with _client(sandbox) as client:
        assert client.create_campaign(body).name == "east"
        assert len(client.list_campaigns()) == 1


def test_a_patch_is_retried_it_is_idempotent(sandbox: SandboxHandle) -> None:
    with _client(sandbox) as client:
        created = client.create_campaign(_create_body(sandbox))
        sandbox.admin.set_faults(
            {"method": "PATCH", "path": "/api/v1/campaign/*", "kind": "drop", "count": 1}
        )
        updated = client.update_campaign(created.id, {"max_concurrency": 3})
    assert updated.max_concurrency == 3
    assert [r.fault for r in sandbox.admin.requests(method="PATCH")] == ["dropped", None]


def test_a_slow_answer_times_out(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_faults({"path": "/api/v1/campaign/create", "kind": "latency", "seconds": 1.0})
    body = _create_body(sandbox)
    with (
        _client(sandbox, timeout=0.2) as client,
        pytest.raises(OutcomeUnknown, match="ReadTimeout") as caught,
    ):
        client.create_campaign(body)
    assert caught.value.answered is False


def test_upload_sends_no_api_key_to_storage(sandbox: SandboxHandle) -> None:
    seen: list[httpx.Headers] = []
    transport = httpx.HTTPTransport()

    class Spy(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request.headers)
            return transport.handle_request(request)

    settings = ClientSettings(base_url=sandbox.url, api_key=sandbox.api_key, retry=FAST)
    with DograhClient(settings, transport=Spy()) as client:
        target = client.presigned_upload("c.csv", 20)
        client.upload(target.upload_url, b"phone_number\n+15550\n")
    assert "x-api-key" in seen[0]
    assert "x-api-key" not in seen[1]
    assert seen[1]["content-type"] == "text/csv"


# Faults a real server cannot produce on purpose: mocked transports.


def _mocked(handler: Any, sleeps: Sleeps | None = None) -> DograhClient:
    settings = ClientSettings(base_url="https://dograh.test", api_key="dgr_secret", retry=FAST)
    return DograhClient(settings, transport=httpx.MockTransport(handler), sleep=sleeps or Sleeps())


def test_retry_after_as_an_http_date() -> None:
    """The pause is the time left until the date, as read between the test's own two
    readings of the clock: how long the call takes does not matter."""
    answers = iter([429, 200])
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    target = email.utils.parsedate_to_datetime(when).timestamp()  # whole seconds

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        if status == 429:
            return httpx.Response(429, headers={"Retry-After": when})
        return httpx.Response(200, json={"campaigns": []})

    sleeps = Sleeps()
    settings = ClientSettings(
        base_url="https://dograh.test", api_key="dgr_secret", retry=replace(FAST, budget=60)
    )
    with DograhClient(settings, transport=httpx.MockTransport(handler), sleep=sleeps) as client:
        before = time.time()
        assert client.list_campaigns() == []
        after = time.time()
    [pause] = sleeps.calls
    assert target - after <= pause <= target - before


def test_an_answer_that_is_not_json() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>maintenance</html>")

    with _mocked(handler) as client, pytest.raises(AnswerShapeError) as caught:
        client.list_campaigns()
    assert "Dograh's answer to GET /campaign/ is not what this tool reads" in str(caught.value)
    assert "Invalid JSON" in str(caught.value)


def test_an_answer_of_another_shape_names_the_route_and_the_field() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"campaigns": [1, "x", None]})

    with _mocked(handler) as client, pytest.raises(AnswerShapeError) as caught:
        client.list_campaigns()
    message = str(caught.value)
    assert message.startswith("Dograh's answer to GET /campaign/ is not what this tool reads:")
    assert "campaigns[0]:" in message and "campaigns[1]:" in message


def test_the_key_is_sent_as_header_only_and_the_user_agent_says_who() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(401, json={"detail": "Invalid or expired API key"})

    with _mocked(handler) as client, pytest.raises(AuthError) as caught:
        client.list_campaigns()
    request = seen[0]
    assert request.headers["X-API-Key"] == "dgr_secret"
    assert request.headers["User-Agent"].startswith("dograh-campaigns/")
    assert "dgr_secret" not in str(request.url)
    assert "dgr_secret" not in str(caught.value)


PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def _proxies(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    """Exactly these proxy variables, in both spellings."""
    for name in PROXY_VARIABLES:
        for spelled in (name, name.lower()):
            monkeypatch.delenv(spelled, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
        monkeypatch.setenv(name.lower(), value)


def test_plain_http_only_straight_to_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    loopback = ClientSettings(base_url="http://127.0.0.1:1", api_key="dgr_k")
    _proxies(monkeypatch, HTTP_PROXY="http://user:s3cret-pw@proxy.example:3128")
    with pytest.raises(UserError) as caught:
        DograhClient(loopback)
    assert "goes through the proxy http://proxy.example:3128 (HTTP_PROXY or ALL_PROXY" in str(
        caught.value
    )
    assert "s3cret" not in str(caught.value)
    _proxies(monkeypatch, ALL_PROXY="socks5://proxy.example:1080")
    with pytest.raises(UserError, match=r"goes through the proxy socks5://proxy\.example:1080"):
        DograhClient(ClientSettings(base_url="http://localhost:1", api_key="dgr_k"))
    _proxies(monkeypatch, HTTP_PROXY="http://proxy.example:3128", NO_PROXY="127.0.0.1")
    DograhClient(loopback).close()
    _proxies(monkeypatch, HTTP_PROXY="http://proxy.example:3128")
    DograhClient(ClientSettings(base_url="http://127.0.0.1:1", api_key="dgr_k", insecure=True))
    DograhClient(ClientSettings(base_url="https://app.dograh.com", api_key="dgr_k")).close()


@pytest.mark.parametrize("insecure", [False, True])
def test_contacts_are_uploaded_only_over_https_or_to_this_machine(insecure: bool) -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.host}")
        if request.method == "POST":
            url = "http://storage.example.com/b/x.csv?X-Amz-Signature=abc123"
            return httpx.Response(200, json={"upload_url": url, "file_key": "k"})
        return httpx.Response(200)

    settings = ClientSettings(
        base_url="https://dograh.test", api_key="dgr_secret", retry=FAST, insecure=insecure
    )
    with DograhClient(settings, transport=httpx.MockTransport(handler)) as client:
        target = client.presigned_upload("c.csv", 20)
        if insecure:
            client.upload(target.upload_url, b"phone_number\n+15550\n")
            assert sent == ["POST dograh.test", "PUT storage.example.com"]
            return
        with pytest.raises(ClearTextRefused) as caught:
            client.upload(target.upload_url, b"phone_number\n+15550\n")
    message = str(caught.value)
    assert message.startswith(
        "refusing to upload the contacts file to storage.example.com over plain http:// "
        "(storage.example.com is not this machine)"
    )
    assert "abc123" not in message and "/b/x.csv" not in message
    assert sent == ["POST dograh.test"]


def test_an_upload_answered_with_a_5xx_is_not_sent_again(sandbox: SandboxHandle) -> None:
    """A presigned URL may refuse a second PUT: the caller asks for a new URL instead."""
    sandbox.admin.set_faults({"method": "PUT", "path": "/_storage/*", "kind": "error", "count": 1})
    with _client(sandbox) as client:
        target = client.presigned_upload("c.csv", 20)
        with pytest.raises(OutcomeUnknown) as caught:
            client.upload(target.upload_url, b"phone_number\n+15550\n")
    assert (caught.value.answered, caught.value.status) == (True, 503)
    assert len(sandbox.admin.requests(method="PUT")) == 1


def test_the_documented_worst_case_is_the_policys() -> None:
    """docs/dograh-api.md states how long one request can take: the policy's own figure."""
    policy = RetryPolicy()
    worst = policy.worst_case(DEFAULT_REQUEST_TIMEOUT)
    text = (Path(__file__).resolve().parents[2] / "docs" / "dograh-api.md").read_text()
    stated = (
        f"`attempts x request_timeout + budget` = {policy.attempts} x "
        f"{DEFAULT_REQUEST_TIMEOUT:g} + {policy.budget:g} = {worst:g} s"
    )
    assert stated in text
