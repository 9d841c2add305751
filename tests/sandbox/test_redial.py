"""POST /campaign/{id}/redial (docs/dograh-api.md §2.9)."""

from __future__ import annotations

from typing import Any

from dograh_sandbox.testing import DograhTarget, SandboxHandle
from tests.sandbox.helpers import Target, call, campaign, created, started, survey_csv
from tests.sandbox.spec import assert_schema


def redial(sandbox: Target, campaign_id: int, body: Any = None) -> Any:
    return call(
        sandbox, "POST", f"/api/v1/campaign/{campaign_id}/redial", json={} if body is None else body
    )


def completed_with_unanswered(sandbox: SandboxHandle, rows: int = 4) -> int:
    """A completed campaign whose every contact ended unanswered (no retries)."""
    sandbox.admin.set_simulation(no_answer_rate=1.0, call_duration_seconds=1)
    campaign_id = started(
        sandbox,
        survey_csv(rows),
        workflow_id=3,
        max_concurrency=2,
        schedule_config={
            "slots": [
                {"day_of_week": d, "start_time": "00:00", "end_time": "24:00"} for d in range(7)
            ]
        },
        circuit_breaker={"failure_threshold": 0.9},
        retry_config={"enabled": False},
    )
    sandbox.admin.advance(60)
    assert campaign(sandbox, campaign_id)["state"] == "completed"
    return campaign_id


def test_redial_creates_a_child(sandbox: SandboxHandle) -> None:
    parent_id = completed_with_unanswered(sandbox)
    answer = redial(sandbox, parent_id)
    assert answer.status_code == 200, answer.text
    child = answer.json()
    assert_schema(child, "CampaignResponse")
    parent = campaign(sandbox, parent_id)
    assert child["name"] == f"{parent['name']} (Redial)"
    assert (child["state"], child["total_rows"], child["total_queued_count"]) == ("created", 4, 4)
    assert child["parent_campaign_id"] == parent_id
    assert parent["redialed_campaign_id"] == child["id"]
    assert child["telephony_configuration_id"] is None  # not copied
    for inherited in ("workflow_id", "source_id", "max_concurrency", "schedule_config"):
        assert child[inherited] == parent[inherited]
    assert child["circuit_breaker"] == parent["circuit_breaker"]
    assert child["retry_config"] == parent["retry_config"]
    # Start goes straight to running: no sync for a redial child.
    sandbox.admin.set_simulation(no_answer_rate=0.0)
    started_child = call(sandbox, "POST", f"/api/v1/campaign/{child['id']}/start").json()
    assert started_child["state"] == "running"
    sandbox.admin.advance(60)
    done = campaign(sandbox, child["id"])
    assert (done["state"], done["processed_rows"]) == ("completed", 4)
    again = redial(sandbox, parent_id)
    assert (again.status_code, again.json()) == (
        400,
        {"detail": "This campaign has already been redialed"},
    )


def test_redial_name_and_retry_config(sandbox: SandboxHandle) -> None:
    parent_id = completed_with_unanswered(sandbox)
    child = redial(
        sandbox, parent_id, {"name": "second pass", "retry_config": {"max_retries": 4}}
    ).json()
    assert child["name"] == "second pass"
    assert child["retry_config"]["max_retries"] == 4
    assert child["retry_config"]["retry_on_voicemail"] is True  # request defaults fill gaps


def test_redial_preconditions(sandbox: SandboxHandle) -> None:
    parent_id = completed_with_unanswered(sandbox)
    none_match = redial(sandbox, parent_id, {"retry_on_no_answer": False})
    assert (none_match.status_code, none_match.json()) == (
        400,
        {"detail": "No subscribers match the selected redial criteria"},
    )
    no_flags = redial(
        sandbox,
        parent_id,
        {"retry_on_no_answer": False, "retry_on_busy": False, "retry_on_voicemail": False},
    )
    assert no_flags.status_code == 422
    assert no_flags.json()["detail"][0]["loc"] == ["body"]
    missing_body = call(sandbox, "POST", f"/api/v1/campaign/{parent_id}/redial")
    assert missing_body.status_code == 422
    running = started(sandbox)
    answer = redial(sandbox, running)
    assert (answer.status_code, answer.json()) == (
        400,
        {"detail": "Only completed campaigns can be redialed (current state: running)"},
    )
    assert redial(sandbox, 999).json() == {"detail": "Campaign not found"}


def test_only_a_completed_campaign_is_redialed(dograh: DograhTarget) -> None:
    """The refusals that need no call placed: the body is checked first, then the state."""
    draft = created(dograh)["id"]
    answer = redial(dograh, draft)
    assert (answer.status_code, answer.json()) == (
        400,
        {"detail": "Only completed campaigns can be redialed (current state: created)"},
    )
    missing_body = call(dograh, "POST", f"/api/v1/campaign/{draft}/redial")
    assert missing_body.status_code == 422
    assert missing_body.json()["detail"][0]["loc"] == ["body"]
    assert redial(dograh, 2**31 - 1).json() == {"detail": "Campaign not found"}
