"""Fault injection seen by a real HTTP client: latency, error statuses (Retry-After), a
reset connection, commit-then-drop, and an answer without one of its keys."""

from __future__ import annotations

import httpx
import pytest

from dograh_sandbox.testing import SandboxHandle
from tests.sandbox.helpers import RENEWAL_CSV, call, create, created

CREATE = "/api/v1/campaign/create"


def create_body(sandbox: SandboxHandle) -> dict[str, object]:
    return {
        "name": "faulty",
        "workflow_id": 1,
        "source_type": "csv",
        "source_id": sandbox.upload_csv(RENEWAL_CSV),
    }


def campaign_count(sandbox: SandboxHandle) -> int:
    return len(call(sandbox, "GET", "/api/v1/campaign/").json()["campaigns"])


def test_latency(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_faults(
        {"method": "GET", "path": "/api/v1/campaign/", "kind": "latency", "seconds": 0.3}
    )
    assert call(sandbox, "GET", "/api/v1/campaign/").status_code == 200
    with pytest.raises(httpx.ReadTimeout):  # no answer before the latency is over
        call(sandbox, "GET", "/api/v1/campaign/", timeout=0.1)
    call(sandbox, "GET", "/api/v1/workflow/fetch")
    [first, *_] = sandbox.admin.requests(path="/api/v1/campaign/")
    assert (first.status, first.fault) == (200, "latency")
    assert first.duration_ms >= 300  # the sandbox's own account: the latency was added
    [other] = sandbox.admin.requests(path="/api/v1/workflow/fetch")
    assert other.fault is None  # a route the rule does not match is not delayed


@pytest.mark.parametrize("status", [500, 502, 503])
def test_error_statuses(sandbox: SandboxHandle, status: int) -> None:
    sandbox.admin.set_faults({"method": "POST", "path": CREATE, "kind": "error", "status": status})
    body = create_body(sandbox)
    answer = call(sandbox, "POST", CREATE, json=body)
    assert answer.status_code == status
    assert campaign_count(sandbox) == 0  # the handler never ran
    [record] = sandbox.admin.requests(path=CREATE)
    assert (record.status, record.fault, record.campaign_id) == (status, "error", None)


def test_429_with_retry_after(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_faults(
        {"path": "/api/v1/campaign/", "kind": "error", "status": 429},
        {"path": "/api/v1/workflow/*", "kind": "error", "status": 429, "retry_after": 7},
    )
    default = call(sandbox, "GET", "/api/v1/campaign/")
    assert (default.status_code, default.headers["retry-after"]) == (429, "1")
    custom = call(sandbox, "GET", "/api/v1/workflow/fetch")
    assert (custom.status_code, custom.headers["retry-after"]) == (429, "7")


def test_reset_before_the_handler(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_faults({"method": "POST", "path": CREATE, "kind": "reset"})
    body = create_body(sandbox)
    with httpx.Client(base_url=sandbox.url, headers={"X-API-Key": sandbox.api_key}) as client:
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)) as caught:
            client.post(CREATE, json=body)
        assert not isinstance(caught.value, httpx.HTTPStatusError)
        # The same client goes on, on a new connection.
        assert client.get("/api/v1/campaign/").json() == {"campaigns": []}
    [record] = sandbox.admin.requests(path=CREATE)
    assert (record.status, record.fault) == (None, "reset")


def test_commit_then_drop(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_faults({"method": "POST", "path": CREATE, "kind": "drop"})
    body = create_body(sandbox)
    with (
        httpx.Client(base_url=sandbox.url, headers={"X-API-Key": sandbox.api_key}) as client,
        pytest.raises(httpx.RemoteProtocolError, match="without sending a response"),
    ):
        client.post(CREATE, json=body)
    [record] = sandbox.admin.requests(path=CREATE)
    assert (record.status, record.fault, record.handler_status) == (None, "dropped", 200)
    # The campaign exists: a client that retries blindly makes a duplicate.
    campaigns = call(sandbox, "GET", "/api/v1/campaign/").json()["campaigns"]
    assert [c["id"] for c in campaigns] == [record.created_campaign_id]
    assert record.campaign_id == record.created_campaign_id
    assert campaigns[0]["name"] == "faulty"


def test_drop_on_a_lifecycle_call(sandbox: SandboxHandle) -> None:
    campaign_id = created(sandbox)["id"]
    sandbox.admin.set_faults({"method": "POST", "path": "/api/v1/campaign/*/start", "kind": "drop"})
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(
            f"{sandbox.url}/api/v1/campaign/{campaign_id}/start",
            headers={"X-API-Key": sandbox.api_key},
        )
    assert call(sandbox, "GET", f"/api/v1/campaign/{campaign_id}").json()["state"] == "syncing"
    records = sandbox.admin.requests(method="POST", campaign_id=campaign_id)
    assert [(r.path, r.fault) for r in records] == [
        (CREATE, None),
        (f"/api/v1/campaign/{campaign_id}/start", "dropped"),
    ]


def test_an_answer_without_a_key(sandbox: SandboxHandle) -> None:
    """The handler runs and commits; its answer lacks the key (its length to match), as a
    proxy or another version might send it. An answer without the key is left alone."""
    sandbox.admin.set_faults({"method": "POST", "path": "/api/v1/campaign/*", "kind": "omit"})
    answer = call(sandbox, "POST", CREATE, json=create_body(sandbox))
    assert answer.status_code == 200
    assert "id" not in answer.json() and answer.json()["name"] == "faulty"
    assert int(answer.headers["content-length"]) == len(answer.content)
    [record] = sandbox.admin.requests(path=CREATE)
    assert (record.status, record.fault) == (200, "omitted")
    [made] = call(sandbox, "GET", "/api/v1/campaign/").json()["campaigns"]
    assert record.created_campaign_id == made["id"]
    sandbox.admin.set_faults(
        {"method": "GET", "path": "/api/v1/campaign/", "kind": "omit", "key": "absent"}
    )
    assert [c["id"] for c in call(sandbox, "GET", "/api/v1/campaign/").json()["campaigns"]] == [
        made["id"]
    ]
    [listed] = sandbox.admin.requests(method="GET", path="/api/v1/campaign/")[-1:]
    assert listed.fault is None


def test_skip_and_count(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_faults(
        {"path": "/api/v1/workflow/fetch", "kind": "error", "status": 503, "skip": 1, "count": 2}
    )
    statuses = [call(sandbox, "GET", "/api/v1/workflow/fetch").status_code for _ in range(5)]
    assert statuses == [200, 503, 503, 200, 200]
    [rule] = sandbox.admin.faults()
    assert (rule["matched"], rule["fired"]) == (5, 2)


def test_rates_are_seeded(sandbox: SandboxHandle) -> None:
    def run() -> list[int]:
        sandbox.admin.set_faults(
            {"path": "/api/v1/workflow/fetch", "kind": "error", "status": 500, "rate": 0.5}, seed=42
        )
        return [call(sandbox, "GET", "/api/v1/workflow/fetch").status_code for _ in range(30)]

    first = run()
    assert 0 < first.count(500) < 30
    assert run() == first


def test_faults_from_the_seed_and_clearing(sandbox: SandboxHandle) -> None:
    sandbox.admin.reset(
        {
            "organizations": [{"name": "o", "workflows": [{"name": "w"}]}],
            "faults": {"seed": 1, "rules": [{"path": "/api/v1/*", "kind": "error", "status": 502}]},
        }
    )
    assert call(sandbox, "GET", "/api/v1/health").status_code == 502
    # The admin API is never faulted.
    assert sandbox.admin.faults()[0]["fired"] == 1
    sandbox.admin.clear_faults()
    assert call(sandbox, "GET", "/api/v1/health").status_code == 200


def test_a_dropped_create_then_a_plain_create(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_faults({"method": "POST", "path": CREATE, "kind": "drop", "count": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        create(sandbox)
    assert create(sandbox).status_code == 200
    records = sandbox.admin.requests(path=CREATE)
    assert [(r.fault, r.status) for r in records] == [("dropped", None), (None, 200)]
    assert campaign_count(sandbox) == 2
