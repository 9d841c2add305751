"""PATCH /campaign/{id}: sub-objects replaced whole, null means unchanged (§1, §4)."""

from __future__ import annotations

from dograh_sandbox.testing import DograhTarget, SandboxHandle
from tests.sandbox.helpers import VONAGE, Target, call, campaign, created
from tests.sandbox.spec import assert_schema

SLOT = {"day_of_week": 0, "start_time": "09:00", "end_time": "17:00"}


def patch(dograh: Target, campaign_id: int, body: object) -> dict[str, object]:
    answer = call(dograh, "PATCH", f"/api/v1/campaign/{campaign_id}", json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, object] = answer.json()
    assert_schema(result, "CampaignResponse")
    return result


def test_empty_and_null_patches_change_nothing(dograh: DograhTarget) -> None:
    body = created(
        dograh,
        max_concurrency=1,
        schedule_config={"timezone": "Europe/London", "slots": [SLOT]},
        circuit_breaker={"failure_threshold": 0.3},
    )
    assert patch(dograh, body["id"], {}) == body
    nulls = {
        "name": None,
        "retry_config": None,
        "max_concurrency": None,
        "schedule_config": None,
        "circuit_breaker": None,
    }
    assert patch(dograh, body["id"], nulls) == body


def test_sub_objects_are_replaced_whole(dograh: DograhTarget) -> None:
    body = created(
        dograh,
        retry_config={"max_retries": 5, "retry_delay_seconds": 600, "retry_on_voicemail": False},
        schedule_config={"timezone": "Europe/London", "slots": [SLOT, {**SLOT, "day_of_week": 1}]},
        circuit_breaker={"failure_threshold": 0.3, "window_seconds": 300},
    )
    result = patch(
        dograh,
        body["id"],
        {
            "retry_config": {"max_retries": 3},
            "schedule_config": {"slots": [SLOT]},
            "circuit_breaker": {"min_calls_in_window": 10},
        },
    )
    assert result["retry_config"] == {
        "enabled": True,
        "max_retries": 3,
        "retry_delay_seconds": 120,
        "retry_on_busy": True,
        "retry_on_no_answer": True,
        "retry_on_voicemail": True,
    }
    assert result["schedule_config"] == {"enabled": True, "timezone": "UTC", "slots": [SLOT]}
    assert result["circuit_breaker"] == {
        "enabled": True,
        "failure_threshold": 0.5,
        "window_seconds": 120,
        "min_calls_in_window": 10,
    }


def test_immutable_fields_are_ignored(dograh: DograhTarget) -> None:
    body = created(dograh)
    result = patch(
        dograh,
        body["id"],
        {
            "name": dograh.name("renamed"),
            "workflow_id": body["workflow_id"] + 1,
            "source_id": "campaigns/1/other.csv",
            "telephony_configuration_id": (body["telephony_configuration_id"] or 0) + 1,
            "state": "running",
        },
    )
    assert result["name"] == dograh.name("renamed")
    assert result["workflow_id"] == body["workflow_id"]
    assert result["source_id"] == body["source_id"]
    assert result["telephony_configuration_id"] == body["telephony_configuration_id"]
    assert result["state"] == "created"


def test_max_concurrency_is_checked_against_the_stored_configuration(
    sandbox: SandboxHandle,
) -> None:
    body = created(sandbox, telephony_configuration_id=VONAGE)
    answer = call(sandbox, "PATCH", f"/api/v1/campaign/{body['id']}", json={"max_concurrency": 6})
    assert (answer.status_code, answer.json()) == (
        400,
        {
            "detail": "max_concurrency (6) cannot exceed 5. You have 5 phone number(s) "
            "configured. Add more CLIs in telephony configuration to increase concurrency."
        },
    )
    assert patch(sandbox, body["id"], {"max_concurrency": 5})["max_concurrency"] == 5
    # A campaign without a configuration (like a redial child) meets the org limit.
    sandbox.admin.reset(
        {
            "organizations": [
                {
                    "name": "o",
                    "concurrency_limit": 20,
                    "workflows": [{"name": "w"}],
                }
            ]
        }
    )
    [orphan] = sandbox.admin.insert_campaigns([{"name": "orphan"}])
    assert campaign(sandbox, orphan)["telephony_configuration_id"] is None
    answer = call(sandbox, "PATCH", f"/api/v1/campaign/{orphan}", json={"max_concurrency": 21})
    assert answer.json() == {"detail": "max_concurrency (21) cannot exceed organization limit (20)"}
    assert patch(sandbox, orphan, {"max_concurrency": 20})["max_concurrency"] == 20


def test_validation_and_missing_campaign(dograh: DograhTarget) -> None:
    body = created(dograh)
    answer = call(dograh, "PATCH", f"/api/v1/campaign/{body['id']}", json={"max_concurrency": 0})
    assert answer.status_code == 422
    assert_schema(answer.json(), "HTTPValidationError")
    missing = call(dograh, "PATCH", f"/api/v1/campaign/{2**31 - 1}", json={})
    assert (missing.status_code, missing.json()) == (404, {"detail": "Campaign not found"})
    no_body = call(dograh, "PATCH", f"/api/v1/campaign/{body['id']}")
    assert no_body.status_code == 422


def test_terminal_campaigns_refuse_updates(sandbox: SandboxHandle) -> None:
    done, failed = sandbox.admin.insert_campaigns(
        [{"name": "done", "state": "completed"}, {"name": "broken", "state": "failed"}]
    )
    for campaign_id, state in ((done, "completed"), (failed, "failed")):
        answer = call(sandbox, "PATCH", f"/api/v1/campaign/{campaign_id}", json={"name": "x"})
        assert (answer.status_code, answer.json()) == (
            400,
            {"detail": f"Cannot update a {state} campaign"},
        )


def test_live_states_accept_updates(sandbox: SandboxHandle) -> None:
    ids = sandbox.admin.insert_campaigns(
        [
            {"name": state, "state": state, "csv": "phone_number\n+1\n"}
            for state in ("syncing", "running", "paused")
        ]
    )
    for campaign_id in ids:
        assert patch(sandbox, campaign_id, {"name": "edited"})["name"] == "edited"
