"""The life cycle under the manual clock: sync, dialing pace, concurrency, schedules,
circuit breaker, retries, pause and resume, completion (docs/dograh-api.md §3-§4). No sleeping:
the tests move the sandbox's clock."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from dograh_sandbox.testing import DograhTarget, SandboxHandle
from tests.sandbox.helpers import Target, call, campaign, created, started, survey_csv
from tests.sandbox.spec import assert_schema, assert_z

NOON = "2026-03-04T12:00:00Z"  # a Wednesday


def action(sandbox: Target, campaign_id: int, verb: str) -> Any:
    return call(sandbox, "POST", f"/api/v1/campaign/{campaign_id}/{verb}")


def progress(sandbox: SandboxHandle, campaign_id: int) -> dict[str, Any]:
    answer = call(sandbox, "GET", f"/api/v1/campaign/{campaign_id}/progress")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert_schema(body, "CampaignProgressResponse")
    return body


def test_start_syncs_then_dials_then_completes(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_clock(NOON)
    campaign_id = created(sandbox)["id"]
    answer = action(sandbox, campaign_id, "start")
    assert answer.status_code == 200
    body = answer.json()
    assert_schema(body, "CampaignResponse")
    assert body["state"] == "syncing"
    assert body["started_at"] == NOON
    assert body["total_rows"] is None
    assert progress(sandbox, campaign_id)["source_sync"] == {
        "status": "in_progress",
        "last_synced_at": None,
        "error": None,
    }
    sandbox.admin.advance(0)  # the next simulation step runs the sync
    body = campaign(sandbox, campaign_id)
    assert (body["state"], body["total_rows"], body["processed_rows"]) == ("running", 3, 0)
    assert body["total_queued_count"] == 3
    sandbox.admin.advance(1)
    assert campaign(sandbox, campaign_id)["processed_rows"] == 1  # one call per second
    sandbox.admin.advance(2)
    now = progress(sandbox, campaign_id)
    assert (now["processed_rows"], now["progress_percentage"]) == (3, 100.0)
    assert now["source_sync"]["status"] == "completed"
    assert now["source_sync"]["last_synced_at"] == NOON
    # Calls last 5 s (the last ends at +7); 5 s of quiet later the campaign completes.
    sandbox.admin.advance(8.9)
    assert campaign(sandbox, campaign_id)["state"] == "running"
    sandbox.admin.advance(0.2)
    done = campaign(sandbox, campaign_id)
    assert done["state"] == "completed"
    assert done["completed_at"] == "2026-03-04T12:00:12Z"
    assert done["executed_count"] == 3
    assert_schema(done, "CampaignResponse")


def test_pace_is_configurable(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_simulation(calls_per_second=4, call_duration_seconds=0.5)
    campaign_id = started(sandbox, survey_csv(40), workflow_id=3)
    sandbox.admin.advance(5)
    assert campaign(sandbox, campaign_id)["processed_rows"] == 20


def test_max_concurrency_caps_calls_in_flight(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_simulation(call_duration_seconds=10)
    campaign_id = started(sandbox, survey_csv(10), workflow_id=3, max_concurrency=2)
    sandbox.admin.advance(9.5)
    assert campaign(sandbox, campaign_id)["processed_rows"] == 2  # both slots busy
    sandbox.admin.advance(1)
    assert campaign(sandbox, campaign_id)["processed_rows"] == 3  # the first call ended at 10


def test_phone_numbers_cap_concurrency(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_simulation(call_duration_seconds=100, calls_per_second=10)
    campaign_id = started(sandbox, survey_csv(30), workflow_id=3, telephony_configuration_id=2)
    sandbox.admin.advance(50)
    assert campaign(sandbox, campaign_id)["processed_rows"] == 5  # Vonage EU: 5 numbers


def test_the_org_limit_is_shared(sandbox: SandboxHandle) -> None:
    seed = {
        "organizations": [
            {
                "name": "o",
                "concurrency_limit": 3,
                "workflows": [{"name": "w"}],
                "telephony_configurations": [{"name": "T", "phone_numbers": 10}],
            }
        ],
        "simulation": {"call_duration_seconds": 100, "calls_per_second": 10},
    }
    sandbox.admin.reset(seed)
    first = started(sandbox, survey_csv(10), workflow_id=1, name="a")
    second = started(sandbox, survey_csv(10), workflow_id=1, name="b")
    sandbox.admin.advance(50)
    total = campaign(sandbox, first)["processed_rows"] + campaign(sandbox, second)["processed_rows"]
    assert total == 3
    sandbox.admin.advance(60)  # the first three calls ended at 100 s: three more
    total = campaign(sandbox, first)["processed_rows"] + campaign(sandbox, second)["processed_rows"]
    assert total == 6


def test_schedule_window_in_the_campaigns_timezone(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_simulation(calls_per_second=1 / 600, call_duration_seconds=60)
    # Monday 2026-03-02 08:00 in New York (EST, UTC-5) is 13:00Z.
    sandbox.admin.set_clock("2026-03-02T13:00:00Z")
    campaign_id = started(
        sandbox,
        survey_csv(10),
        workflow_id=3,
        schedule_config={
            "timezone": "America/New_York",
            "slots": [{"day_of_week": 0, "start_time": "09:00", "end_time": "10:00"}],
        },
    )
    sandbox.admin.set_clock("2026-03-02T13:59:59Z")  # 08:59:59 local: closed
    assert campaign(sandbox, campaign_id)["processed_rows"] == 0
    sandbox.admin.set_clock("2026-03-02T14:00:01Z")  # 09:00:01: the first call at 09:00:00
    assert campaign(sandbox, campaign_id)["processed_rows"] == 1
    runs = call(sandbox, "GET", f"/api/v1/campaign/{campaign_id}/runs").json()["runs"]
    assert runs[0]["created_at"] == "2026-03-02T14:00:00Z"
    # One call every 10 minutes: 09:00 ... 09:50 is six calls; 10:00 is outside (exclusive).
    sandbox.admin.set_clock("2026-03-03T14:00:00Z")
    body = campaign(sandbox, campaign_id)
    assert (body["processed_rows"], body["state"]) == (6, "running")  # waits, not completed
    # The next Monday it goes on at 09:00 local.
    sandbox.admin.set_clock("2026-03-09T13:00:01Z")  # DST began on the 8th: 09:00:01 EDT
    assert campaign(sandbox, campaign_id)["processed_rows"] == 7


def test_day_of_week_is_counted_in_the_timezone_from_monday(sandbox: SandboxHandle) -> None:
    # Sunday 2026-03-01 23:30 in Los Angeles (PST, UTC-8) is Monday 07:30Z.
    sandbox.admin.set_clock("2026-03-02T07:30:00Z")
    campaign_id = started(
        sandbox,
        survey_csv(3),
        workflow_id=3,
        schedule_config={
            "timezone": "America/Los_Angeles",
            "slots": [{"day_of_week": 0, "start_time": "00:00", "end_time": "24:00"}],
        },
    )
    sandbox.admin.advance(1799)  # still Sunday in Los Angeles
    assert campaign(sandbox, campaign_id)["processed_rows"] == 0
    sandbox.admin.advance(2)  # Monday 00:00:01 local
    assert campaign(sandbox, campaign_id)["processed_rows"] == 1


def test_disabled_schedule_dials_at_any_time(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_clock("2026-03-01T03:00:00Z")  # a Sunday night
    campaign_id = started(
        sandbox,
        survey_csv(3),
        workflow_id=3,
        schedule_config={
            "enabled": False,
            "slots": [{"day_of_week": 0, "start_time": "09:00", "end_time": "17:00"}],
        },
    )
    sandbox.admin.advance(3)
    assert campaign(sandbox, campaign_id)["processed_rows"] == 3


def test_circuit_breaker_trips_and_resume_resets_it(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_simulation(failure_rate=1.0, call_duration_seconds=2)
    campaign_id = started(sandbox, survey_csv(30), workflow_id=3)  # breaker omitted
    sandbox.admin.advance(30)
    body = campaign(sandbox, campaign_id)
    assert body["state"] == "paused"
    # The omitted breaker ran with Dograh's defaults (5 calls, 0.5) though it shows disabled.
    assert body["circuit_breaker"]["enabled"] is False
    [entry] = body["logs"]
    assert (entry["event"], entry["level"]) == ("circuit_breaker_tripped", "warning")
    assert entry["ts"].endswith("+00:00")
    assert entry["message"] == (
        "Paused: failure rate 100.00% (5/5) exceeded threshold 50.00% in 120s window"
    )
    details = entry["details"]
    assert (details["failure_count"], details["success_count"]) == (5, 0)
    assert [failure["reason"] for failure in details["recent_failures"]] == ["failed"] * 5
    # Calls start every second and last 2 s: the fifth failure (at 6 s) trips the breaker
    # while the sixth call is in flight; it ends, but dialing stops.
    assert body["processed_rows"] == 6
    assert_schema(body, "CampaignResponse")
    assert progress(sandbox, campaign_id)["failed_calls"] == 6
    assert action(sandbox, campaign_id, "resume").json()["state"] == "running"
    sandbox.admin.advance(30)
    again = campaign(sandbox, campaign_id)
    assert again["state"] == "paused"
    assert [e["event"] for e in again["logs"]] == ["circuit_breaker_tripped"] * 2


def test_a_disabled_breaker_never_trips(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_simulation(failure_rate=1.0, call_duration_seconds=1)
    campaign_id = started(
        sandbox, survey_csv(10), workflow_id=3, circuit_breaker={"enabled": False}
    )
    sandbox.admin.advance(100)
    body = campaign(sandbox, campaign_id)
    assert (body["state"], body["processed_rows"]) == ("completed", 10)


def test_breaker_threshold_is_inclusive(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_simulation(failure_rate=1.0, call_duration_seconds=1)
    campaign_id = started(
        sandbox,
        survey_csv(10),
        workflow_id=3,
        circuit_breaker={"failure_threshold": 1.0, "min_calls_in_window": 2},
    )
    sandbox.admin.advance(20)
    body = campaign(sandbox, campaign_id)
    assert body["state"] == "paused"
    details = body["logs"][0]["details"]
    assert (details["failure_count"], details["success_count"], details["threshold"]) == (
        2,
        0,
        1.0,
    )


def test_pause_and_resume(sandbox: SandboxHandle) -> None:
    campaign_id = started(sandbox, survey_csv(10), workflow_id=3)
    sandbox.admin.advance(2)
    paused = action(sandbox, campaign_id, "pause")
    assert_schema(paused.json(), "CampaignResponse")
    assert paused.json()["state"] == "paused"
    assert paused.json()["logs"] == []  # pause writes no log entry
    sandbox.admin.advance(100)
    assert campaign(sandbox, campaign_id)["processed_rows"] == 2
    resumed = action(sandbox, campaign_id, "resume").json()
    assert_schema(resumed, "CampaignResponse")
    assert resumed["state"] == "running"
    assert resumed["started_at"] == paused.json()["started_at"]
    sandbox.admin.advance(2)
    assert campaign(sandbox, campaign_id)["processed_rows"] == 4


def test_a_created_campaign_cannot_be_paused_nor_resumed(dograh: DograhTarget) -> None:
    campaign_id = created(dograh)["id"]
    pause = action(dograh, campaign_id, "pause")
    assert (pause.status_code, pause.json()) == (
        400,
        {
            "detail": "Campaign must be in 'running' or 'syncing' state to pause, "
            "current state: created"
        },
    )
    resume = action(dograh, campaign_id, "resume")
    assert resume.json() == {
        "detail": "Campaign must be in 'paused' state to resume, current state: created"
    }
    assert action(dograh, 2**31 - 1, "pause").json() == {"detail": "Campaign not found"}


def test_lifecycle_calls_are_not_idempotent(sandbox: SandboxHandle) -> None:
    campaign_id = created(sandbox)["id"]
    assert action(sandbox, campaign_id, "start").status_code == 200
    again = action(sandbox, campaign_id, "start")
    assert (again.status_code, again.json()) == (
        400,
        {"detail": "Campaign must be in 'created' state to start, current state: syncing"},
    )
    assert action(sandbox, campaign_id, "pause").json()["state"] == "paused"  # from syncing
    twice = action(sandbox, campaign_id, "pause")
    assert twice.json()["detail"].endswith("current state: paused")
    assert action(sandbox, 999, "start").json() == {"detail": "Campaign not found"}


def test_start_ignores_any_body(sandbox: SandboxHandle) -> None:
    campaign_id = created(sandbox)["id"]
    answer = call(sandbox, "POST", f"/api/v1/campaign/{campaign_id}/start", content=b"garbage")
    assert answer.json()["state"] == "syncing"


def test_a_pause_during_sync_is_lost(sandbox: SandboxHandle) -> None:
    campaign_id = created(sandbox)["id"]
    action(sandbox, campaign_id, "start")
    assert action(sandbox, campaign_id, "pause").json()["state"] == "paused"
    sandbox.admin.advance(0)
    assert campaign(sandbox, campaign_id)["state"] == "running"  # Dograh's sync overwrote it


def test_a_pause_during_sync_can_be_kept(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_simulation(pause_lost_during_sync=False)
    campaign_id = created(sandbox)["id"]
    action(sandbox, campaign_id, "start")
    action(sandbox, campaign_id, "pause")
    sandbox.admin.advance(10)
    body = campaign(sandbox, campaign_id)
    assert (body["state"], body["total_rows"], body["processed_rows"]) == ("paused", 3, 0)
    action(sandbox, campaign_id, "resume")
    sandbox.admin.advance(3)
    assert campaign(sandbox, campaign_id)["processed_rows"] == 3


def test_a_csv_without_phones_completes_at_sync(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_clock(NOON)
    campaign_id = created(sandbox, "phone_number,first_name,renewal_date\n,Ada,x\n")["id"]
    action(sandbox, campaign_id, "start")
    sandbox.admin.advance(0)
    body = campaign(sandbox, campaign_id)
    assert (body["state"], body["total_rows"], body["completed_at"]) == ("completed", 0, NOON)


def test_no_telephony_is_a_401_before_the_404(sandbox: SandboxHandle) -> None:
    sandbox.admin.reset({"organizations": [{"name": "o", "workflows": [{"name": "w"}]}]})
    [campaign_id] = sandbox.admin.insert_campaigns([{"name": "x", "csv": "phone_number\n+1\n"}])
    message = "You must configure telephony first by going to APP_URL/configure-telephony"
    for target in (campaign_id, 999):
        for verb in ("start", "resume"):
            answer = action(sandbox, target, verb)
            assert (answer.status_code, answer.json()) == (401, {"detail": message})
    # Pause needs no telephony.
    assert action(sandbox, campaign_id, "pause").status_code == 400


def test_inactive_configurations_count_for_start(sandbox: SandboxHandle) -> None:
    seed = {
        "organizations": [
            {
                "name": "o",
                "workflows": [{"name": "w"}],
                "telephony_configurations": [{"name": "Off", "inactive": True}],
            }
        ]
    }
    sandbox.admin.reset(seed)
    [campaign_id] = sandbox.admin.insert_campaigns([{"name": "x", "csv": "phone_number\n+1\n"}])
    assert action(sandbox, campaign_id, "start").json()["state"] == "syncing"


def test_quota_refusal(sandbox: SandboxHandle) -> None:
    seed = {
        "organizations": [
            {
                "name": "o",
                "quota_error": "Insufficient credits. Please top up.",
                "workflows": [{"name": "w"}],
                "telephony_configurations": [{"name": "T"}],
            }
        ]
    }
    sandbox.admin.reset(seed)
    [campaign_id] = sandbox.admin.insert_campaigns([{"name": "x", "csv": "phone_number\n+1\n"}])
    answer = action(sandbox, campaign_id, "start")
    assert (answer.status_code, answer.json()) == (
        402,
        {"detail": "Insufficient credits. Please top up."},
    )
    assert action(sandbox, 999, "start").status_code == 404  # 404 before 402


def test_busy_calls_are_retried(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_simulation(busy_rate=1.0, call_duration_seconds=1)
    campaign_id = started(
        sandbox,
        survey_csv(2),
        workflow_id=3,
        retry_config={"max_retries": 1, "retry_delay_seconds": 30},
    )
    sandbox.admin.advance(10)
    body = campaign(sandbox, campaign_id)
    assert (body["processed_rows"], body["total_queued_count"], body["failed_rows"]) == (2, 4, 0)
    sandbox.admin.advance(30)
    body = campaign(sandbox, campaign_id)
    assert (body["processed_rows"], body["failed_rows"]) == (4, 2)  # retries count as processed
    assert progress(sandbox, campaign_id)["progress_percentage"] == 200.0
    runs = sandbox.admin.runs(campaign_id)
    assert [(r["retry_count"], r["call_status"]) for r in runs] == [
        (0, "busy"),
        (0, "busy"),
        (1, "busy"),
        (1, "busy"),
    ]
    sandbox.admin.advance(10)
    assert campaign(sandbox, campaign_id)["state"] == "completed"


def test_outcomes_do_not_depend_on_the_step_size(sandbox: SandboxHandle) -> None:
    def outcomes(steps: list[float]) -> list[Any]:
        sandbox.admin.reset()
        sandbox.admin.set_clock(NOON)
        sandbox.admin.set_simulation(failure_rate=0.2, busy_rate=0.2, no_answer_rate=0.2)
        campaign_id = started(
            sandbox, survey_csv(20), workflow_id=3, circuit_breaker={"enabled": False}
        )
        for step in steps:
            sandbox.admin.advance(step)
        return [
            (r["id"], r["call_status"], r["started_at"]) for r in sandbox.admin.runs(campaign_id)
        ]

    once = outcomes([1000])
    assert {status for _, status, _ in once} == {"completed", "failed", "busy", "no-answer"}
    assert once == outcomes([7.3] * 137)


def test_progress_runs_and_report(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_clock(NOON)
    campaign_id = started(sandbox)
    sandbox.admin.advance(20)
    runs = call(sandbox, "GET", f"/api/v1/campaign/{campaign_id}/runs", params={"limit": 2})
    assert_schema(runs.json(), "CampaignRunsResponse")
    assert (runs.json()["total_count"], runs.json()["total_pages"]) == (3, 2)
    assert len(runs.json()["runs"]) == 2
    ordered = call(
        sandbox, "GET", f"/api/v1/campaign/{campaign_id}/runs", params={"sort_order": "asc"}
    ).json()["runs"]
    assert [r["created_at"] for r in ordered] == sorted(r["created_at"] for r in ordered)
    for run in ordered:
        assert_z(run["created_at"])
    bad_json = call(sandbox, "GET", f"/api/v1/campaign/{campaign_id}/runs", params={"filters": "{"})
    assert (bad_json.status_code, bad_json.json()) == (400, {"detail": "Invalid filter format"})
    bad_attr = call(
        sandbox,
        "GET",
        f"/api/v1/campaign/{campaign_id}/runs",
        params={"filters": '[{"attribute": "phone_number"}]'},
    )
    assert (bad_attr.status_code, bad_attr.json()) == (
        403,
        {"detail": "Invalid attribute 'phone_number'"},
    )
    allowed = call(
        sandbox,
        "GET",
        f"/api/v1/campaign/{campaign_id}/runs",
        params={"filters": '[{"attribute": "status", "value": "completed"}]'},
    )
    assert allowed.status_code == 200
    # Filters are checked before the campaign is looked up.
    early = call(sandbox, "GET", "/api/v1/campaign/999/runs", params={"filters": "{"})
    assert early.status_code == 400
    for params in ({"page": 0}, {"limit": 101}):
        answer = call(sandbox, "GET", f"/api/v1/campaign/{campaign_id}/runs", params=params)
        assert answer.status_code == 422
    report = call(sandbox, "GET", f"/api/v1/campaign/{campaign_id}/report")
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/csv")
    assert "attachment" in report.headers["content-disposition"]
    lines = report.text.strip().splitlines()
    assert len(lines) == 4 and lines[0].startswith("run_id,phone_number")
    late = call(
        sandbox,
        "GET",
        f"/api/v1/campaign/{campaign_id}/report",
        params={"start_date": "2026-03-04T12:00:01Z"},
    )
    assert len(late.text.strip().splitlines()) == 3
    assert call(sandbox, "GET", "/api/v1/campaign/999/report").status_code == 404
    assert call(sandbox, "GET", "/api/v1/campaign/999/progress").json() == {
        "detail": "Campaign not found"
    }


def test_created_campaign_progress(sandbox: SandboxHandle) -> None:
    campaign_id = created(sandbox)["id"]
    body = progress(sandbox, campaign_id)
    assert (body["total_rows"], body["progress_percentage"], body["rate_limit"]) == (0, 0.0, 1)
    assert body["source_sync"]["status"] == "pending"


def test_a_missing_source_fails_the_sync(sandbox: SandboxHandle) -> None:
    [campaign_id] = sandbox.admin.insert_campaigns([{"name": "lost", "state": "syncing"}])
    sandbox.admin.advance(1)
    body = campaign(sandbox, campaign_id)
    assert (body["state"], body["completed_at"]) == ("failed", None)
    assert body["logs"][0]["event"] == "source_sync_failed"
    sync = progress(sandbox, campaign_id)["source_sync"]
    assert sync["status"] == "failed"
    assert sync["error"].startswith("Failed to download CSV file from storage")


def test_an_empty_phone_pool_fails_the_campaign(sandbox: SandboxHandle) -> None:
    """A provider that needs no caller ID (ARI) is ready without numbers; each batch then
    waits 600 s for a number, twice logs a retry, and the third attempt fails it."""
    seed = {
        "organizations": [
            {
                "name": "o",
                "workflows": [{"name": "w"}],
                "telephony_configurations": [
                    {"name": "PBX", "provider": "ari", "phone_numbers": 0}
                ],
            }
        ]
    }
    sandbox.admin.reset(seed)
    campaign_id = started(sandbox, "phone_number\n+1555\n", workflow_id=1)
    sandbox.admin.advance(599)
    assert (campaign(sandbox, campaign_id)["state"], campaign(sandbox, campaign_id)["logs"]) == (
        "running",
        [],
    )
    sandbox.admin.advance(1200)
    assert len(campaign(sandbox, campaign_id)["logs"]) == 2
    sandbox.admin.advance(2)
    body = campaign(sandbox, campaign_id)
    assert (body["state"], body["completed_at"], body["processed_rows"]) == ("failed", None, 0)
    assert [(e["event"], e["level"]) for e in body["logs"]] == [
        ("phone_number_pool_exhausted_retry", "warning"),
        ("phone_number_pool_exhausted_retry", "warning"),
        ("phone_number_pool_exhausted", "error"),
    ]
    first, _, last = body["logs"]
    assert first["message"] == (
        "Phone number pool exhausted for org 1: no free from_number available to dispatch "
        "outbound calls; retry attempt 1/3"
    )
    assert last["message"] == (
        "Phone number pool exhausted for org 1 after 3 consecutive attempts: no free "
        "from_number available to dispatch outbound calls"
    )
    assert last["details"] == {
        "error": "All phone numbers are in use for org 1. No available from_number in pool.",
        "organization_id": 1,
        "attempt": 3,
        "max_attempts": 3,
    }
    gaps = [
        datetime.fromisoformat(entry["ts"]) - datetime.fromisoformat(first["ts"])
        for entry in body["logs"]
    ]
    assert [gap.total_seconds() for gap in gaps] == [0, 600, 1200]
    assert_schema(body, "CampaignResponse")


def test_patch_applies_to_a_running_campaign(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_simulation(call_duration_seconds=100)
    campaign_id = started(sandbox, survey_csv(10), workflow_id=3, max_concurrency=1)
    sandbox.admin.advance(10)
    assert campaign(sandbox, campaign_id)["processed_rows"] == 1
    call(sandbox, "PATCH", f"/api/v1/campaign/{campaign_id}", json={"max_concurrency": 3})
    sandbox.admin.advance(10)
    assert campaign(sandbox, campaign_id)["processed_rows"] == 3


def test_clock_instants_in_responses(sandbox: SandboxHandle) -> None:
    sandbox.admin.set_clock(datetime(2026, 3, 4, 12, 0, 0, 250000, tzinfo=timezone.utc))
    body = created(sandbox)
    assert body["created_at"] == "2026-03-04T12:00:00.250000Z"


def test_many_small_steps_keep_the_org_limit_busy(sandbox: SandboxHandle) -> None:
    """Steps as the realtime clock takes them (0.2 s) give the same throughput as one big
    step: campaigns waiting for an org slot are woken when one frees."""
    seed = {
        "organizations": [
            {
                "name": "o",
                "concurrency_limit": 3,
                "workflows": [{"name": "w"}],
                "telephony_configurations": [{"name": "T", "phone_numbers": 10}],
            }
        ],
        "simulation": {"call_duration_seconds": 2, "calls_per_second": 5, "idle_seconds": 1},
    }

    def totals(steps: list[float]) -> tuple[int, list[str]]:
        sandbox.admin.reset(seed)
        sandbox.admin.set_clock(NOON)
        ids = [started(sandbox, survey_csv(12), workflow_id=1, name=f"c{n}") for n in range(5)]
        for step in steps:
            sandbox.admin.advance(step)
        bodies = [campaign(sandbox, campaign_id) for campaign_id in ids]
        return sum(b["processed_rows"] for b in bodies), [b["state"] for b in bodies]

    assert totals([9.9]) == totals([0.2] * 49 + [0.1]) == (15, ["running"] * 5)
    # 60 calls, 3 at a time, 2 s each: all done after 40 s, then 1 s of quiet.
    assert totals([41.5]) == totals([0.2] * 207 + [0.1]) == (60, ["completed"] * 5)
