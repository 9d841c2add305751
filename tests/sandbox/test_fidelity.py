"""Where the next features of ``campaigns`` rely on the sandbox, checked against what
Dograh's code does: campaign defaults, the log entries the orchestrator writes, redial,
the source download and telephony readiness (one test per point; file and function of
Dograh's code in each docstring)."""

from __future__ import annotations

from typing import Any

import httpx

from dograh_sandbox.testing import DograhTarget, SandboxHandle
from tests.sandbox.helpers import call, campaign, create, created, started, survey_csv
from tests.sandbox.spec import assert_schema

DEFAULT_RETRY = {
    "enabled": True,
    "max_retries": 1,
    "retry_delay_seconds": 120,
    "retry_on_busy": True,
    "retry_on_no_answer": True,
    "retry_on_voicemail": False,
}
"""``api/constants.py`` ``DEFAULT_CAMPAIGN_RETRY_CONFIG``."""


def org(**fields: Any) -> dict[str, Any]:
    return {"organizations": [{"name": "o", "workflows": [{"name": "w"}], **fields}]}


def test_campaign_defaults_give_the_stored_default(dograh: DograhTarget) -> None:
    """``routes/organization.py`` ``get_campaign_defaults``: the constant, which
    ``campaign_client.create_campaign`` also stores when create sends no retry_config."""
    defaults = call(dograh, "GET", "/api/v1/organizations/campaign-defaults").json()
    assert_schema(defaults, "CampaignDefaultsResponse")
    assert defaults["default_retry_config"] == DEFAULT_RETRY
    assert created(dograh)["retry_config"] == DEFAULT_RETRY
    latest = call(dograh, "GET", "/api/v1/organizations/campaign-defaults").json()
    assert latest["last_campaign_settings"]["retry_config"] == DEFAULT_RETRY


def test_telephony_readiness_follows_the_provider(sandbox: SandboxHandle) -> None:
    """``routes/organization.py`` ``list_telephony_configurations`` with
    ``factory.get_setup_checklist``: a carrier without numbers is not ready (the caller-ID
    step), ARI needs none, an unknown provider has no checklist (ready in the listing)
    but ``outbound_readiness`` refuses it; connectivity comes from the provider."""
    sandbox.admin.reset(
        org(
            telephony_configurations=[
                {"name": "Twilio", "provider": "twilio", "phone_numbers": 0},
                {"name": "Vonage", "provider": "vonage", "phone_numbers": 2},
                {"name": "PBX", "provider": "ari", "phone_numbers": 0},
                {"name": "Cx", "provider": "cloudonix", "phone_numbers": 0},
                {"name": "Odd", "provider": "carrier-pigeon", "phone_numbers": 1},
            ]
        )
    )
    body = call(sandbox, "GET", "/api/v1/organizations/telephony-configs").json()
    assert_schema(body, "TelephonyConfigurationListResponse")
    shown = {
        item["name"]: (
            item["connectivity"],
            item["phone_number_count"],
            item["is_ready_for_outbound"],
            item["outbound_blocked_reason"],
        )
        for item in body["configurations"]
    }
    assert shown == {
        "Twilio": (
            "api",
            0,
            False,
            "Outbound calls need a number to dial from. Add at least one number from your "
            "Twilio account under Phone numbers below.",
        ),
        "Vonage": ("api", 2, True, None),
        "PBX": ("sip", 0, True, None),
        "Cx": (
            "sip",
            0,
            False,
            "Add at least one number your carrier delivers to you. Cloudonix requires a "
            "caller ID on every outbound call and rejects the call without one.",
        ),
        "Odd": ("api", 1, True, None),
    }
    refused = create(
        sandbox, "phone_number\n+15550000001\n", workflow_id=1, telephony_configuration_id=1
    )
    assert refused.json() == {
        "detail": f"'Twilio' is not ready for outbound calls. {shown['Twilio'][3]}"
    }
    odd = create(
        sandbox, "phone_number\n+15550000001\n", workflow_id=1, telephony_configuration_id=5
    )
    assert odd.json() == {
        "detail": "'Odd' is not ready for outbound calls. Provider 'carrier-pigeon' is unavailable."
    }
    # Without an id, the first ready one: Vonage (the blocked Twilio is passed over).
    assert (
        created(sandbox, "phone_number\n+15550000001\n", workflow_id=1)[
            "telephony_configuration_name"
        ]
        == "Vonage"
    )


def test_a_configuration_that_cannot_dial_fails_the_batch(sandbox: SandboxHandle) -> None:
    """``tasks/campaign_tasks.py`` ``process_campaign_batch``: the dispatcher's readiness
    error fails the campaign with ``batch_failed``, "Batch processing failed: <error>" and
    ``{"error": ...}``; ``completed_at`` stays null."""
    sandbox.admin.reset(
        org(telephony_configurations=[{"name": "Bare", "phone_numbers": 0}], concurrency_limit=5)
    )
    [campaign_id] = sandbox.admin.insert_campaigns(
        [
            {
                "name": "c",
                "state": "running",
                "csv": "phone_number\n+15550000001\n",
                "telephony": "Bare",
            }
        ]
    )
    sandbox.admin.advance(1)
    body = campaign(sandbox, campaign_id)
    error = (
        "'Bare' is not ready for outbound calls. Outbound calls need a number to dial from. "
        "Add at least one number from your Twilio account under Phone numbers below."
    )
    assert (body["state"], body["completed_at"]) == ("failed", None)
    assert [(e["event"], e["level"], e["message"], e["details"]) for e in body["logs"]] == [
        ("batch_failed", "error", f"Batch processing failed: {error}", {"error": error})
    ]


def test_a_redial_child_without_a_usable_configuration(sandbox: SandboxHandle) -> None:
    """The child has no configuration of its own; at dispatch the resolution finds no
    active one: ``OutboundConfigurationNotFoundError``'s text in ``batch_failed``."""
    sandbox.admin.reset(org(telephony_configurations=[{"name": "Old", "inactive": True}]))
    [child] = sandbox.admin.insert_campaigns(
        [{"name": "child", "state": "running", "csv": "phone_number\n+15550000001\n"}]
    )
    sandbox.admin.advance(1)
    [entry] = campaign(sandbox, child)["logs"]
    assert entry["message"] == (
        "Batch processing failed: No active telephony configuration found for organization 1"
    )


def test_source_sync_failure_entry(sandbox: SandboxHandle) -> None:
    """``campaign_tasks.sync_campaign_source``: "Source sync failed: <error>", level
    error, ``{"error": <error>}``; the error is also ``source_sync.error``."""
    [campaign_id] = sandbox.admin.insert_campaigns([{"name": "lost", "state": "syncing"}])
    sandbox.admin.advance(1)
    [entry] = campaign(sandbox, campaign_id)["logs"]
    error = call(sandbox, "GET", f"/api/v1/campaign/{campaign_id}/progress").json()["source_sync"][
        "error"
    ]
    assert error.startswith("Failed to download CSV file from storage: Client error '404")
    assert (entry["event"], entry["level"]) == ("source_sync_failed", "error")
    assert (entry["message"], entry["details"]) == (
        f"Source sync failed: {error}",
        {"error": error},
    )


def test_a_pause_during_sync_is_overwritten_and_a_later_one_sticks(sandbox: SandboxHandle) -> None:
    """``sync_campaign_source`` sets ``running`` without reading the state: the pause sent
    while syncing is lost; one sent after the sync holds."""
    campaign_id = int(created(sandbox)["id"])
    call(sandbox, "POST", f"/api/v1/campaign/{campaign_id}/start")
    paused = call(sandbox, "POST", f"/api/v1/campaign/{campaign_id}/pause").json()
    assert paused["state"] == "paused"
    sandbox.admin.advance(0)
    assert campaign(sandbox, campaign_id)["state"] == "running"
    call(sandbox, "POST", f"/api/v1/campaign/{campaign_id}/pause")
    sandbox.admin.advance(60)
    assert campaign(sandbox, campaign_id)["state"] == "paused"


def test_breaker_details_name_the_failed_calls(sandbox: SandboxHandle) -> None:
    """``circuit_breaker.record_and_evaluate``: details carry the stats and the recent
    failures, newest first, each with its run and reason; resume clears them."""
    sandbox.admin.set_simulation(failure_rate=1.0, call_duration_seconds=1)
    campaign_id = started(sandbox, survey_csv(20), workflow_id=3)
    sandbox.admin.advance(30)
    [entry] = campaign(sandbox, campaign_id)["logs"]
    details = entry["details"]
    assert set(details) == {
        "failure_rate",
        "failure_count",
        "success_count",
        "threshold",
        "window_seconds",
        "recent_failures",
    }
    assert (details["failure_rate"], details["threshold"], details["window_seconds"]) == (
        1.0,
        0.5,
        120,
    )
    failures = details["recent_failures"]
    runs = [run["id"] for run in sandbox.admin.runs(campaign_id) if run["call_status"] == "failed"]
    assert [failure["workflow_run_id"] for failure in failures] == runs[::-1][: len(failures)]
    assert {failure["reason"] for failure in failures} == {"failed"}
    assert all(isinstance(failure["ts"], float) for failure in failures)


def test_redial_child_counts_as_synced(sandbox: SandboxHandle) -> None:
    """``campaign_client.create_redial_campaign``: the child is created with
    ``source_sync_status="completed"``, its parent's settings and no configuration."""
    sandbox.admin.set_simulation(busy_rate=1.0, call_duration_seconds=1)
    parent_id = started(sandbox, survey_csv(2), workflow_id=3, retry_config={"enabled": False})
    sandbox.admin.advance(60)
    child = call(sandbox, "POST", f"/api/v1/campaign/{parent_id}/redial", json={}).json()
    sync = call(sandbox, "GET", f"/api/v1/campaign/{child['id']}/progress").json()["source_sync"]
    assert sync == {"status": "completed", "last_synced_at": None, "error": None}
    assert (child["parent_campaign_id"], child["telephony_configuration_id"]) == (parent_id, None)
    assert campaign(sandbox, parent_id)["redialed_campaign_id"] == child["id"]


def test_download_refusals_and_expiry(sandbox: SandboxHandle) -> None:
    """``get_campaign_source_download_url``: 403 for a key outside the org's prefix; the
    URL, signed for 3600 s, is refused after that and when tampered with."""
    body = created(sandbox)
    url = call(sandbox, "GET", f"/api/v1/campaign/{body['id']}/source-download-url").json()[
        "download_url"
    ]
    assert httpx.get(url).status_code == 200
    assert httpx.get(url.replace("X-Amz-Signature=", "X-Amz-Signature=0")).status_code == 403
    sandbox.admin.advance(3601)
    expired = httpx.get(url)
    assert expired.status_code == 403 and "Request has expired" in expired.text
    [foreign] = sandbox.admin.insert_campaigns(
        [{"name": "f", "source_id": "campaigns/2/x.csv", "csv": "phone_number\n+1\n"}]
    )
    refused = call(sandbox, "GET", f"/api/v1/campaign/{foreign}/source-download-url")
    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": "Access denied: Source file does not belong to your organization"},
    )
