"""Workflows, telephony configurations and campaign defaults (docs/dograh-api.md §8, §4.3)."""

from __future__ import annotations

from dograh_sandbox.testing import DograhTarget, SandboxHandle
from dograh_sandbox.workflows import generated_definition
from tests.sandbox.helpers import call, created
from tests.sandbox.spec import assert_list_schema, assert_schema, assert_z

SEED = {
    "organizations": [
        {
            "name": "o",
            "workflows": [
                {"name": "Live", "template_variables": ["first_name"]},
                {"name": "Old", "status": "archived"},
                {"name": "Live"},
            ],
            "telephony_configurations": [
                {"name": "A", "phone_numbers": ["+15550001", "+15550002"]},
                {"name": "B", "is_default_outbound": True, "phone_numbers": 3},
                {
                    "name": "C",
                    "inactive": True,
                    "inactive_reason": "Billing",
                    "ready": False,
                    "blocked_reason": "Suspended.",
                },
            ],
        }
    ]
}


def test_default_seed_matches_the_demo_manifests(sandbox: SandboxHandle) -> None:
    workflows = call(sandbox, "GET", "/api/v1/workflow/fetch").json()
    assert [(w["name"], w["status"]) for w in workflows] == [
        ("Renewal reminder", "active"),
        ("Appointment confirmation", "active"),
        ("Customer survey", "active"),
    ]
    configs = call(sandbox, "GET", "/api/v1/organizations/telephony-configs").json()
    assert [
        (c["name"], c["is_default_outbound"], c["phone_number_count"], c["is_ready_for_outbound"])
        for c in configs["configurations"]
    ] == [("Twilio US", True, 10, True), ("Vonage EU", False, 5, True)]
    defaults = call(sandbox, "GET", "/api/v1/organizations/campaign-defaults").json()
    assert defaults["concurrent_call_limit"] == 20
    assert defaults["from_numbers_count"] == 10


def test_workflow_listing_and_filters(dograh: DograhTarget) -> None:
    live = dograh.new_workflow(generated_definition(["first_name"]), "live")
    old_definition = generated_definition([])
    old_definition["nodes"][0]["data"]["prompt"] = "A workflow that listing tests archive."
    old = dograh.new_workflow(old_definition, "old")
    archived = call(dograh, "PUT", f"/api/v1/workflow/{old}/status", json={"status": "archived"})
    assert (archived.status_code, archived.json()["status"]) == (200, "archived")
    everything = call(dograh, "GET", "/api/v1/workflow/fetch")
    assert_list_schema(everything.json(), "WorkflowListResponse")
    mine = {w["id"]: w["status"] for w in everything.json() if w["id"] in (live, old)}
    assert mine == {live: "active", old: "archived"}
    for workflow in everything.json():
        assert_z(workflow["created_at"])
    active = call(dograh, "GET", "/api/v1/workflow/fetch", params={"status": "active"}).json()
    assert {w["status"] for w in active} == {"active"} and live in {w["id"] for w in active}
    both = call(
        dograh, "GET", "/api/v1/workflow/fetch", params={"status": "active, archived"}
    ).json()
    assert {live, old} <= {w["id"] for w in both}
    assert {w["status"] for w in both} <= {"active", "archived"}
    summary = call(dograh, "GET", "/api/v1/workflow/summary", params={"status": "archived"})
    assert_list_schema(summary.json(), "WorkflowSummaryResponse")
    assert {"id": old, "name": dograh.name("old")} in summary.json()
    assert live not in {w["id"] for w in summary.json()}


def test_invalid_status_filter_has_a_string_detail(dograh: DograhTarget) -> None:
    for path in ("/api/v1/workflow/fetch", "/api/v1/workflow/summary"):
        answer = call(dograh, "GET", path, params={"status": "active,deleted,"})
        assert (answer.status_code, answer.json()) == (
            422,
            {
                "detail": "Invalid workflow status filter: ['<empty>', 'deleted']. "
                "Allowed values: ['active', 'archived']."
            },
        )


def test_get_workflow(dograh: DograhTarget) -> None:
    workflow_id = dograh.new_workflow(generated_definition(["first_name", "renewal_date"]))
    answer = call(dograh, "GET", f"/api/v1/workflow/fetch/{workflow_id}")
    assert_schema(answer.json(), "WorkflowResponse")
    prompt = answer.json()["workflow_definition"]["nodes"][0]["data"]["prompt"]
    assert "{{first_name}}" in prompt and "{{renewal_date}}" in prompt
    missing = call(dograh, "GET", f"/api/v1/workflow/fetch/{2**31 - 1}")
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": f"Workflow with id {2**31 - 1} not found"},
    )


def test_telephony_configurations(sandbox: SandboxHandle) -> None:
    sandbox.admin.reset(SEED)
    body = call(sandbox, "GET", "/api/v1/organizations/telephony-configs").json()
    assert_schema(body, "TelephonyConfigurationListResponse")
    a, b, c = body["configurations"]
    assert (a["name"], a["phone_number_count"], a["is_default_outbound"]) == ("A", 2, False)
    assert (b["name"], b["is_default_outbound"]) == ("B", True)
    assert (c["inactive"], c["inactive_reason"], c["is_ready_for_outbound"]) == (
        True,
        "Billing",
        False,
    )
    assert c["outbound_blocked_reason"] == "Suspended."
    assert_z(c["inactive_since"])


def test_campaign_defaults(sandbox: SandboxHandle) -> None:
    body = call(sandbox, "GET", "/api/v1/organizations/campaign-defaults").json()
    assert_schema(body, "CampaignDefaultsResponse")
    assert body["default_retry_config"]["max_retries"] == 1
    assert body["last_campaign_settings"] is None
    created(sandbox, max_concurrency=3)
    after = call(sandbox, "GET", "/api/v1/organizations/campaign-defaults").json()
    assert_schema(after, "CampaignDefaultsResponse")
    last = after["last_campaign_settings"]
    assert last["max_concurrency"] == 3
    assert last["retry_config"]["max_retries"] == 1
    assert last["circuit_breaker"]["enabled"] is False
    assert last["schedule_config"] is None
