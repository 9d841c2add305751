"""The admin API: its token, the request log, bulk insert, clock and settings."""

from __future__ import annotations

import time

import httpx
import pytest

from dograh_sandbox.testing import SandboxAdmin, SandboxAdminError, SandboxHandle
from tests.sandbox.helpers import call, campaign, created, survey_csv
from tests.sandbox.spec import assert_schema


def test_admin_token_is_required(sandbox: SandboxHandle) -> None:
    for headers in ({}, {"X-Sandbox-Admin-Token": "wrong"}, {"X-API-Key": sandbox.api_key}):
        answer = httpx.get(f"{sandbox.url}/_sandbox/state", headers=headers)
        assert answer.status_code == 401
    with pytest.raises(SandboxAdminError):
        SandboxAdmin(sandbox.url, "wrong").state()


def test_admin_routes_are_not_part_of_dograhs_api(sandbox: SandboxHandle) -> None:
    assert call(sandbox, "GET", "/_sandbox/state").status_code == 401  # an API key is no token
    assert call(sandbox, "GET", "/openapi.json").status_code == 404


def test_request_log(sandbox: SandboxHandle) -> None:
    campaign_id = created(sandbox)["id"]
    call(sandbox, "GET", f"/api/v1/campaign/{campaign_id}/progress")
    call(sandbox, "GET", "/api/v1/campaign")  # a 307
    httpx.get(f"{sandbox.url}/api/v1/campaign/")  # no key: a 401
    sandbox.admin.state()  # admin calls are not logged
    records = sandbox.admin.requests()
    assert [(r.method, r.path, r.status) for r in records] == [
        ("POST", "/api/v1/s3/presigned-upload-url", 200),
        ("PUT", records[1].path, 200),
        ("POST", "/api/v1/campaign/create", 200),
        ("GET", f"/api/v1/campaign/{campaign_id}/progress", 200),
        ("GET", "/api/v1/campaign", 307),
        ("GET", "/api/v1/campaign/", 401),
    ]
    assert records[1].path.startswith("/_storage/campaigns/1/")
    assert [r.campaign_id for r in records] == [None, None, campaign_id, campaign_id, None, None]
    assert [r.organization_id for r in records] == [1, None, 1, 1, None, None]
    assert records[2].created_campaign_id == campaign_id
    assert all(r.at.endswith("Z") and r.duration_ms >= 0 for r in records)
    # Asserting what a client never sent: no start for this campaign.
    assert not [
        r for r in sandbox.admin.requests(campaign_id=campaign_id) if r.path.endswith("/start")
    ]
    since = records[-1].seq
    call(sandbox, "GET", "/api/v1/health")
    assert [r.path for r in sandbox.admin.requests(since=since)] == ["/api/v1/health"]
    sandbox.admin.clear_requests()
    assert sandbox.admin.requests() == []


def test_bulk_insert(sandbox: SandboxHandle) -> None:
    csv = survey_csv(5)
    records = [
        {"name": f"bulk-{n}", "workflow": "Customer survey", "csv": csv, "state": state}
        for n, state in enumerate(["created", "running", "paused", "completed", "failed"] * 200)
    ]
    began = time.process_time()  # the sandbox runs in a thread of this process
    ids = sandbox.admin.insert_campaigns(records)
    cpu = time.process_time() - began
    assert cpu < 5
    assert len(ids) == 1000
    listing = call(sandbox, "GET", "/api/v1/campaign/").json()
    assert len(listing["campaigns"]) == 1000
    assert_schema({"campaigns": listing["campaigns"][:25]}, "CampaignsResponse")
    running = campaign(sandbox, ids[1])
    assert (running["state"], running["total_rows"], running["telephony_configuration_name"]) == (
        "running",
        5,
        "Twilio US",
    )
    completed = campaign(sandbox, ids[3])
    assert (completed["processed_rows"], completed["completed_at"] is not None) == (5, True)
    # Inserted running campaigns dial like any other, within the org's limit of 20 calls.
    sandbox.admin.advance(2)
    after = call(sandbox, "GET", "/api/v1/campaign/").json()["campaigns"]
    dialing = [c["processed_rows"] for c in after if c["state"] == "running"]
    assert sum(dialing) == 20
    assert campaign(sandbox, ids[2])["processed_rows"] == 0  # paused


def test_bulk_insert_full_records(sandbox: SandboxHandle) -> None:
    [campaign_id] = sandbox.admin.insert_campaigns(
        [
            {
                "name": "legacy",
                "workflow_id": 2,
                "telephony": "Vonage EU",
                "state": "running",
                "csv": "phone_number,first_name,appointment_time\n+1,A,9\n+2,B,10\n+3,C,11\n",
                "processed_rows": 2,
                "failed_rows": 1,
                "created_at": "2026-01-05T10:00:00Z",
                "started_at": "2026-01-05T10:05:00Z",
                "max_concurrency": 2,
                "retry_config": {"max_retries": 3},
                "circuit_breaker": {"enabled": False},
                "logs": [
                    {
                        "ts": "2026-01-05T10:06:00+00:00",
                        "level": "warning",
                        "event": "phone_number_pool_exhausted_retry",
                        "message": "retrying",
                    }
                ],
            }
        ]
    )
    body = campaign(sandbox, campaign_id)
    assert_schema(body, "CampaignResponse")
    assert body["workflow_name"] == "Appointment confirmation"
    assert body["telephony_configuration_name"] == "Vonage EU"
    assert (body["total_rows"], body["processed_rows"], body["failed_rows"]) == (3, 2, 1)
    assert (body["created_at"], body["started_at"]) == (
        "2026-01-05T10:00:00Z",
        "2026-01-05T10:05:00Z",
    )
    assert body["retry_config"]["max_retries"] == 3
    assert body["logs"][0]["event"] == "phone_number_pool_exhausted_retry"
    assert [r["state"] for r in sandbox.admin.runs(campaign_id)] == [
        "processed",
        "processed",
        "queued",
    ]


def test_bulk_insert_refuses_bad_records(sandbox: SandboxHandle) -> None:
    with pytest.raises(SandboxAdminError, match="422"):
        sandbox.admin.insert_campaigns([{"name": "x", "state": "draft"}])
    with pytest.raises(SandboxAdminError, match="no workflow"):
        sandbox.admin.insert_campaigns([{"name": "x", "workflow": "Nope"}])
    assert call(sandbox, "GET", "/api/v1/campaign/").json() == {"campaigns": []}


def test_organizations(sandbox: SandboxHandle) -> None:
    [org] = sandbox.admin.organizations()
    assert org["name"] == "Sandbox organization"
    assert org["concurrency_limit"] == 20
    assert org["api_keys"][0]["key"] == sandbox.api_key
    assert [w["name"] for w in org["workflows"]] == [
        "Renewal reminder",
        "Appointment confirmation",
        "Customer survey",
    ]
    assert [t["name"] for t in org["telephony_configurations"]] == ["Twilio US", "Vonage EU"]


def test_keys_survive_resets(sandbox: SandboxHandle) -> None:
    key = sandbox.api_key
    sandbox.admin.reset()
    assert sandbox.api_key == key


def test_reset_to_another_seed_moves_the_default_key(sandbox: SandboxHandle) -> None:
    sandbox.admin.reset(
        {"organizations": [{"name": "o", "api_keys": [{"key": "dgr_" + "k" * 32}]}]}
    )
    assert sandbox.api_key == "dgr_" + "k" * 32
    assert call(sandbox, "GET", "/api/v1/campaign/").status_code == 200


def test_bad_seed_and_settings(sandbox: SandboxHandle) -> None:
    with pytest.raises(SandboxAdminError, match="422"):
        sandbox.admin.reset({"organizations": [{"name": "o", "workflow": []}]})
    twins = [{"name": "T"}, {"name": "T"}]
    with pytest.raises(SandboxAdminError, match="must be unique"):
        sandbox.admin.reset({"organizations": [{"name": "o", "telephony_configurations": twins}]})
    with pytest.raises(SandboxAdminError, match="422"):
        sandbox.admin.set_simulation(failure_rate=2)
    with pytest.raises(SandboxAdminError, match="422"):
        sandbox.admin.set_faults({"path": "/x", "kind": "explode"})


def test_clock(sandbox: SandboxHandle) -> None:
    moment = sandbox.admin.set_clock("2026-03-02T09:00:00Z")
    assert moment.isoformat() == "2026-03-02T09:00:00+00:00"
    assert sandbox.admin.advance(90).isoformat() == "2026-03-02T09:01:30+00:00"
    assert sandbox.admin.now() == sandbox.admin.advance(0)
    state = sandbox.admin.state()
    assert state["clock"] == {"now": "2026-03-02T09:01:30Z", "mode": "manual"}
    # Backwards is allowed (no simulation runs over it).
    assert sandbox.admin.set_clock("2026-01-01T00:00:00Z").year == 2026
