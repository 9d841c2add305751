"""POST /campaign/create: Dograh's checks, in order, with its exact details (§1, §4-§6)."""

from __future__ import annotations

from typing import Any

import pytest

from dograh_sandbox.testing import DograhTarget, SandboxHandle
from dograh_sandbox.workflows import generated_definition
from tests.sandbox.helpers import (
    TWILIO,
    VONAGE,
    Target,
    call,
    create,
    created,
    survey_csv,
)
from tests.sandbox.spec import assert_schema, assert_z

DEFAULT_RETRY = {
    "enabled": True,
    "max_retries": 1,
    "retry_delay_seconds": 120,
    "retry_on_busy": True,
    "retry_on_no_answer": True,
    "retry_on_voicemail": False,
}
NO_SUCH_ID = 2**31 - 1
"""An id no organization has (the largest Postgres integer)."""
REQUEST_RETRY = {**DEFAULT_RETRY, "max_retries": 2, "retry_on_voicemail": True}


def detail(sandbox: Target, csv: str | None = None, **fields: Any) -> Any:
    answer = create(sandbox, csv, **fields)
    assert answer.status_code in (400, 404), answer.text
    return answer.json()["detail"]


def test_create_returns_a_created_campaign(dograh: DograhTarget) -> None:
    body = created(dograh)
    assert_schema(body, "CampaignResponse")
    assert body["state"] == "created"
    assert body["workflow_name"] == dograh.workflow().name
    assert body["total_rows"] is None
    assert (body["processed_rows"], body["failed_rows"]) == (0, 0)
    assert (body["executed_count"], body["total_queued_count"]) == (0, 0)
    assert body["started_at"] is None and body["completed_at"] is None
    assert_z(body["created_at"])
    assert body["retry_config"] == DEFAULT_RETRY
    assert body["max_concurrency"] is None
    assert body["schedule_config"] is None
    # The quirk: an omitted breaker runs enabled, yet shows as disabled.
    assert body["circuit_breaker"] == {
        "enabled": False,
        "failure_threshold": 0.5,
        "window_seconds": 120,
        "min_calls_in_window": 5,
    }
    # Resolved at create: the default (or first ready) configuration, stored and named.
    assert isinstance(body["telephony_configuration_id"], int)
    assert isinstance(body["telephony_configuration_name"], str)
    if dograh.is_sandbox:
        assert (body["telephony_configuration_id"], body["telephony_configuration_name"]) == (
            TWILIO,
            "Twilio US",
        )
    assert body["logs"] == []
    assert body["parent_campaign_id"] is None and body["redialed_campaign_id"] is None


def test_retry_defaults(dograh: DograhTarget) -> None:
    assert created(dograh, retry_config=None)["retry_config"] == DEFAULT_RETRY
    assert created(dograh, retry_config={})["retry_config"] == REQUEST_RETRY
    partial = created(dograh, retry_config={"max_retries": 5})["retry_config"]
    assert partial == {**REQUEST_RETRY, "max_retries": 5}


def test_sub_objects_are_stored_with_request_defaults(dograh: DograhTarget) -> None:
    body = created(
        dograh,
        max_concurrency=1,
        schedule_config={"slots": [{"day_of_week": 0, "start_time": "09:00", "end_time": "17:00"}]},
        circuit_breaker={"failure_threshold": 1},
    )
    assert body["max_concurrency"] == 1
    assert body["schedule_config"] == {
        "enabled": True,
        "timezone": "UTC",
        "slots": [{"day_of_week": 0, "start_time": "09:00", "end_time": "17:00"}],
    }
    assert body["circuit_breaker"] == {
        "enabled": True,
        "failure_threshold": 1.0,
        "window_seconds": 120,
        "min_calls_in_window": 5,
    }


def test_lax_types_and_unknown_fields(dograh: DograhTarget) -> None:
    body = created(
        dograh,
        max_concurrency="1",
        workflow_id=str(dograh.workflow().id),
        time_slots=[{"day": "monday", "start": "09:00", "end": "17:00"}],
        labels={"team": "east"},
    )
    assert body["max_concurrency"] == 1
    assert body["schedule_config"] is None  # the docs' time_slots is silently ignored
    assert created(dograh, max_concurrency=1.0)["max_concurrency"] == 1
    answer = create(dograh, max_concurrency=1.5)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "max_concurrency"]


def test_name_is_not_stripped_nor_unique(dograh: DograhTarget) -> None:
    assert created(dograh, name="spaced ")["name"] == dograh.name("spaced ")
    first = created(dograh, name="twin")
    second = created(dograh, name="twin")
    assert first["id"] != second["id"]


@pytest.mark.parametrize(
    ("fields", "loc", "message"),
    [
        ({"name": ""}, ["body", "name"], None),
        ({"source_type": "google_sheet"}, ["body", "source_type"], None),
        ({"max_concurrency": 0}, ["body", "max_concurrency"], None),
        ({"max_concurrency": 101}, ["body", "max_concurrency"], None),
        ({"retry_config": {"max_retries": 11}}, ["body", "retry_config", "max_retries"], None),
        (
            {"retry_config": {"retry_delay_seconds": 29}},
            ["body", "retry_config", "retry_delay_seconds"],
            None,
        ),
        (
            {"circuit_breaker": {"failure_threshold": 1.5}},
            ["body", "circuit_breaker", "failure_threshold"],
            None,
        ),
        (
            {"circuit_breaker": {"window_seconds": 601}},
            ["body", "circuit_breaker", "window_seconds"],
            None,
        ),
        (
            {"schedule_config": {"slots": []}},
            ["body", "schedule_config", "slots"],
            None,
        ),
        (
            {
                "schedule_config": {
                    "slots": [{"day_of_week": 0, "start_time": "17:00", "end_time": "09:00"}]
                }
            },
            ["body", "schedule_config", "slots", 0],
            "Value error, start_time must be before end_time",
        ),
        (
            {
                "schedule_config": {
                    "slots": [{"day_of_week": 0, "start_time": "09:00", "end_time": "09:00"}]
                }
            },
            ["body", "schedule_config", "slots", 0],
            "Value error, start_time must be before end_time",
        ),
        (
            {
                "schedule_config": {
                    "slots": [{"day_of_week": 7, "start_time": "09:00", "end_time": "10:00"}]
                }
            },
            ["body", "schedule_config", "slots", 0, "day_of_week"],
            None,
        ),
        (
            {
                "schedule_config": {
                    "slots": [{"day_of_week": 0, "start_time": "9:00", "end_time": "10:00"}]
                }
            },
            ["body", "schedule_config", "slots", 0, "start_time"],
            None,
        ),
        (
            {
                "schedule_config": {
                    "timezone": "utc",
                    "slots": [{"day_of_week": 0, "start_time": "09:00", "end_time": "10:00"}],
                }
            },
            ["body", "schedule_config", "timezone"],
            "Value error, Invalid timezone: utc",
        ),
        (
            {
                "schedule_config": {
                    "timezone": "",
                    "slots": [{"day_of_week": 0, "start_time": "09:00", "end_time": "10:00"}],
                }
            },
            ["body", "schedule_config", "timezone"],
            "Value error, Invalid timezone: ",
        ),
    ],
)
def test_body_validation(
    dograh: DograhTarget, fields: dict[str, Any], loc: list[Any], message: str | None
) -> None:
    answer = create(dograh, **fields)
    assert answer.status_code == 422, answer.text
    assert_schema(answer.json(), "HTTPValidationError")
    errors = answer.json()["detail"]
    assert errors[0]["loc"] == loc
    if message is not None:
        assert errors[0]["msg"] == message


def test_regex_only_schedule_times_are_accepted(dograh: DograhTarget) -> None:
    body = created(
        dograh,
        schedule_config={
            "timezone": "America/New_York",
            "slots": [
                {"day_of_week": 0, "start_time": "22:00", "end_time": "24:00"},
                {"day_of_week": 1, "start_time": "09:00", "end_time": "25:99"},
            ],
        },
    )
    assert body["schedule_config"]["slots"][1]["end_time"] == "25:99"


def test_workflow_not_found(dograh: DograhTarget) -> None:
    assert detail(dograh, workflow_id=NO_SUCH_ID) == "Workflow not found"
    # 404 comes before the CSV checks.
    assert detail(dograh, "junk", workflow_id=NO_SUCH_ID) == "Workflow not found"


def test_archived_workflow_is_accepted(dograh: DograhTarget) -> None:
    definition = generated_definition([])
    definition["nodes"][0]["data"]["prompt"] = "A workflow that create tests archive."
    workflow_id = dograh.new_workflow(definition, "old")
    archived = call(
        dograh, "PUT", f"/api/v1/workflow/{workflow_id}/status", json={"status": "archived"}
    )
    assert archived.status_code == 200, archived.text
    body = created(dograh, "phone_number\n+15550000001\n", workflow_id=workflow_id)
    assert body["workflow_name"] == dograh.name("old")


def test_missing_object(dograh: DograhTarget) -> None:
    answer = call(
        dograh,
        "POST",
        "/api/v1/campaign/create",
        json={
            "name": dograh.name("x"),
            "workflow_id": dograh.workflow().id,
            "source_type": "csv",
            "source_id": "campaigns/1/nope.csv",
        },
    )
    assert answer.status_code == 400
    message = answer.json()["detail"]
    assert message.startswith(
        "Failed to download CSV file from storage: Client error '404 Not Found' for url "
    )
    assert "campaigns/1/nope.csv" in message


CSV_CASES = [
    ("", "CSV file must have a header row and at least one data row"),
    ("phone_number,first_name\n", "CSV file must have a header row and at least one data row"),
    ("mobile,first_name\n+1555,Ada\n", "Source must contain a 'phone_number' column"),
    (
        "\ufeffphone_number,first_name,renewal_date\n+15550000001,Ada,x\n",
        "Source must contain a 'phone_number' column",
    ),
    (
        "phone_number,first_name,renewal_date\n5550001,A,x\n+1555,B,x\n",
        "Invalid phone numbers in rows: 2. All phone numbers must include country code "
        "(start with '+')",
    ),
    (
        "phone_number,first_name,renewal_date\n" + "".join(f"555000{n},A{n},x\n" for n in range(8)),
        "Invalid phone numbers in rows: 2, 3, 4, 5, 6 and 3 more. All phone numbers must "
        "include country code (start with '+')",
    ),
    (
        "phone_number,first_name,renewal_date\n+1555,A,x\n +1555 ,B,x\n+1556,C,x\n+1556,D,x\n",
        "Duplicate phone numbers found in rows: 3, 5. Phone numbers in a campaign must be unique.",
    ),
]
"""Refused before the template-variable check: whatever the workflow."""

TEMPLATE_CASES = [
    (
        "phone_number,first_name\n+15550000001,Ada\n",
        "Workflow uses template variables that are missing from the source data: "
        "'renewal_date'. Add the missing columns or remove them from the workflow.",
    ),
    (
        "phone_number\n+15550000001\n",
        "Workflow uses template variables that are missing from the source data: "
        "'first_name', 'renewal_date'. Add the missing columns or remove them from the "
        "workflow.",
    ),
    (
        "phone_number,first_name,renewal_date\n+15550000001,Ada,x\n+15550000002, ,x\n",
        "Template variable 'first_name' is empty in rows: 3. All template variables used in "
        "the workflow must have values in every row.",
    ),
    (
        "phone_number,first_name,renewal_date\n+15550000001,Ada,x\n\n+15550000002,Bo,y\n",
        "Template variable 'first_name' is empty in rows: 3. All template variables used in "
        "the workflow must have values in every row.",
    ),
]
"""Refused by the check of Renewal reminder's variables (first_name, renewal_date)."""


def renewal_workflow(dograh: DograhTarget) -> int:
    """A workflow of the test's own with Renewal reminder's variables."""
    return dograh.new_workflow(generated_definition(["first_name", "renewal_date"]), "renewal")


@pytest.mark.parametrize(("csv", "message"), CSV_CASES)
def test_csv_checks(dograh: DograhTarget, csv: str, message: str) -> None:
    assert detail(dograh, csv) == message


@pytest.mark.parametrize(("csv", "message"), TEMPLATE_CASES)
def test_template_variable_checks(dograh: DograhTarget, csv: str, message: str) -> None:
    assert detail(dograh, csv, workflow_id=renewal_workflow(dograh)) == message


def test_csv_edge_cases_that_pass(dograh: DograhTarget) -> None:
    workflow_id = renewal_workflow(dograh)
    # Headers are stripped and lowercased; empty phone cells and short rows are skipped.
    csv = " Phone_Number ,FIRST_NAME,Renewal_Date\n+15550000001,Ada,x\n,Bo,y\n"
    assert created(dograh, csv, workflow_id=workflow_id)["state"] == "created"
    # No E.164 check beyond the leading '+'.
    plus_one = "phone_number,first_name,renewal_date\n+1,A,x\n"
    assert created(dograh, plus_one, workflow_id=workflow_id)["id"]


def test_uppercase_template_variable_never_matches(dograh: DograhTarget) -> None:
    workflow_id = dograh.new_workflow(generated_definition(["First_Name"]), "shouty")
    message = detail(dograh, "phone_number,First_Name\n+1555,Ada\n", workflow_id=workflow_id)
    assert message.startswith(
        "Workflow uses template variables that are missing from the source data: 'First_Name'."
    )


def test_the_template_check_uses_the_chosen_workflow(dograh: DograhTarget) -> None:
    survey = dograh.new_workflow(generated_definition(["first_name"]), "survey")
    appointment = dograh.new_workflow(
        generated_definition(["appointment_time", "first_name"]), "appointment"
    )
    assert created(dograh, survey_csv(3), workflow_id=survey)["workflow_name"] == (
        dograh.name("survey")
    )
    message = detail(dograh, survey_csv(3), workflow_id=appointment)
    assert "'appointment_time'" in message


TELEPHONY_SEED: dict[str, Any] = {
    "organizations": [
        {
            "name": "o",
            "concurrency_limit": 20,
            "workflows": [{"name": "w"}],
            "telephony_configurations": [
                {"name": "Off", "inactive": True, "inactive_reason": "suspended"},
                {
                    "name": "Default",
                    "is_default_outbound": True,
                    "ready": False,
                    "blocked_reason": "Add a phone number.",
                },
                {"name": "Second", "phone_numbers": 4},
                {"name": "Big", "phone_numbers": 50},
            ],
        }
    ]
}
CSV = "phone_number\n+15550000001\n"


def test_telephony_resolution(sandbox: SandboxHandle) -> None:
    sandbox.admin.reset(TELEPHONY_SEED)
    assert detail(sandbox, CSV, workflow_id=1, telephony_configuration_id=1) == (
        "telephony_configuration_not_found"
    )
    assert detail(sandbox, CSV, workflow_id=1, telephony_configuration_id=99) == (
        "telephony_configuration_not_found"
    )
    assert detail(sandbox, CSV, workflow_id=1, telephony_configuration_id=2) == (
        "'Default' is not ready for outbound calls. Add a phone number."
    )
    # Omitted: the blocked default is passed over for the first ready one.
    body = created(sandbox, CSV, workflow_id=1)
    assert body["telephony_configuration_name"] == "Second"
    assert (
        created(sandbox, CSV, workflow_id=1, telephony_configuration_id=4)[
            "telephony_configuration_name"
        ]
        == "Big"
    )


def test_all_blocked_and_none_active(sandbox: SandboxHandle) -> None:
    blocked = {
        "organizations": [
            {
                "name": "o",
                "workflows": [{"name": "w"}],
                "telephony_configurations": [
                    {"name": "A", "ready": False, "blocked_reason": "Verify the account."},
                    {"name": "B", "ready": False},
                ],
            }
        ]
    }
    sandbox.admin.reset(blocked)
    assert detail(sandbox, CSV, workflow_id=1) == (
        "'A' is not ready for outbound calls. Verify the account."
    )
    inactive = {
        "organizations": [
            {
                "name": "o",
                "workflows": [{"name": "w"}],
                "telephony_configurations": [{"name": "A", "inactive": True}],
            }
        ]
    }
    sandbox.admin.reset(inactive)
    assert detail(sandbox, CSV, workflow_id=1) == "telephony_configuration_not_found"


def test_max_concurrency_limits(sandbox: SandboxHandle) -> None:
    # Twilio US has 10 numbers, the org limit is 20.
    assert created(sandbox, max_concurrency=10)["max_concurrency"] == 10
    assert detail(sandbox, max_concurrency=11) == (
        "max_concurrency (11) cannot exceed 10. You have 10 phone number(s) configured. "
        "Add more CLIs in telephony configuration to increase concurrency."
    )
    assert detail(sandbox, max_concurrency=6, telephony_configuration_id=VONAGE) == (
        "max_concurrency (6) cannot exceed 5. You have 5 phone number(s) configured. "
        "Add more CLIs in telephony configuration to increase concurrency."
    )
    sandbox.admin.reset(TELEPHONY_SEED)
    assert detail(
        sandbox, CSV, workflow_id=1, telephony_configuration_id=4, max_concurrency=21
    ) == ("max_concurrency (21) cannot exceed organization limit (20)")


def test_default_org_limit_is_ten(sandbox: SandboxHandle) -> None:
    seed = {
        "organizations": [
            {
                "name": "o",
                "workflows": [{"name": "w"}],
                "telephony_configurations": [{"name": "T", "phone_numbers": 30}],
            }
        ]
    }
    sandbox.admin.reset(seed)
    assert detail(sandbox, CSV, workflow_id=1, max_concurrency=11) == (
        "max_concurrency (11) cannot exceed organization limit (10)"
    )


def test_check_order_csv_before_telephony(sandbox: SandboxHandle) -> None:
    sandbox.admin.reset(TELEPHONY_SEED)
    # Both the CSV and the telephony id are wrong: the CSV is reported.
    assert detail(sandbox, "junk\n", workflow_id=1, telephony_configuration_id=99) == (
        "CSV file must have a header row and at least one data row"
    )
    # Telephony before max_concurrency.
    assert detail(
        sandbox, CSV, workflow_id=1, telephony_configuration_id=99, max_concurrency=99
    ) == ("telephony_configuration_not_found")


def test_list_is_newest_first(dograh: DograhTarget) -> None:
    first = created(dograh, name="first")["id"]
    if dograh.admin is not None:
        dograh.admin.advance(1)
    second = created(dograh, name="second")["id"]
    third = created(dograh, name="third")["id"]
    answer = call(dograh, "GET", "/api/v1/campaign/")
    assert_schema(answer.json(), "CampaignsResponse")
    # Other tests (other workers) create campaigns meanwhile: keep this test's three.
    ids = [c["id"] for c in answer.json()["campaigns"] if c["id"] in (first, second, third)]
    assert ids == [third, second, first]
    assert {c["id"] for c in dograh.mine(answer.json()["campaigns"])} >= set(ids)


def test_get_campaign(dograh: DograhTarget) -> None:
    body = created(dograh)
    answer = call(dograh, "GET", f"/api/v1/campaign/{body['id']}")
    assert answer.json() == body
    missing = call(dograh, "GET", f"/api/v1/campaign/{NO_SUCH_ID}")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Campaign not found"})
