"""`campaigns plan` against the sandbox, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dograh_sandbox.testing import SandboxHandle
from reconciler.render.plan_markdown import MARKER
from tests.commands.conftest import NO_CHANGES, Campaigns


def test_an_empty_organization_plans_every_create(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    result = campaigns("plan")
    assert result.code == 0
    assert "Plan: 3 to create, 0 to update, 2 to start, 0 to pause, 0 to resume." in result.out
    assert "2 campaigns will place calls: appointments-west, spring-renewals-east." in result.out
    assert "# winback-survey will be created\n" in result.out
    assert campaigns("plan", "--detailed-exitcode").code == 2
    # The key's organization, then four requests, whatever the number of campaigns, and
    # one per workflow of the campaigns to create (three here), for their template
    # variables; nothing written.
    logged = sandbox.admin.requests()
    assert len(logged) == 2 * (1 + 4 + 3)
    assert sorted({r.path for r in logged if "/versions" in r.path}) == [
        f"/api/v1/workflow/{n}/versions" for n in (1, 2, 3)
    ]
    assert {r.method for r in logged} == {"GET"}


def test_after_apply_there_are_no_changes(campaigns: Campaigns) -> None:
    assert campaigns("apply", "--auto-approve").code == 0
    result = campaigns("plan", "--detailed-exitcode")
    assert (result.code, result.out) == (0, NO_CHANGES)


def test_changes_made_by_hand_show_as_exactly_those(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    assert campaigns("apply", "--auto-approve").code == 0
    ids = {
        c["name"]: c["id"] for c in sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
    }
    east, west = ids["spring-renewals-east"], ids["appointments-west"]
    sandbox.request("PATCH", f"/api/v1/campaign/{east}", json={"max_concurrency": 2})
    sandbox.request(
        "PATCH",
        f"/api/v1/campaign/{west}",
        json={"retry_config": {"max_retries": 1, "retry_delay_seconds": 900}},
    )
    sandbox.admin.advance(1)  # the syncs finish: syncing -> running
    sandbox.request("POST", f"/api/v1/campaign/{west}/pause")
    result = campaigns("plan", "--format", "json")
    document = json.loads(result.out)
    changes = {c["name"]: c for c in document["changes"]}
    assert set(changes) == {"spring-renewals-east", "appointments-west"}
    assert changes["spring-renewals-east"]["actions"] == ["update"]
    assert changes["spring-renewals-east"]["changes"] == [
        {"path": "max_concurrency", "before": 2, "after": 5, "source": None}
    ]
    # Paused by hand: held, not resumed, but its settings still updated.
    assert changes["appointments-west"]["actions"] == ["update"]
    assert changes["appointments-west"]["places_calls"] is False
    assert [h["name"] for h in document["held"]] == ["appointments-west"]
    assert "paused outside these manifests" in document["held"][0]["reason"]
    assert changes["appointments-west"]["changes"] == [
        {"path": "retry_config.retry_delay_seconds", "before": 900, "after": 600, "source": None}
    ]
    assert changes["appointments-west"]["requests"]["update"] == {
        "retry_config": {
            "enabled": True,
            "max_retries": 1,
            "retry_delay_seconds": 600,
            "retry_on_busy": True,
            "retry_on_no_answer": True,
            "retry_on_voicemail": True,
        }
    }
    text = campaigns("plan").out
    assert "~ max_concurrency = 2 -> 5" in text
    assert "~ retry_config.retry_delay_seconds = 900 -> 600" in text
    assert f"# appointments-west (id {west}) will be updated in place\n" in text
    resumed = campaigns("plan", "--resume", "appointments-west").out
    assert (
        f"# appointments-west (id {west}) will be updated in place, then resumed: PLACES CALLS"
        in resumed
    )
    assert "note: resumed: --resume appointments-west" in resumed


def test_a_paused_manifest_pauses_and_places_no_call(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    assert campaigns("apply", "--auto-approve").code == 0
    east = repo / "campaigns.d" / "spring-renewals-east.yaml"
    east.write_text(east.read_text().replace("state: running", "state: paused"))
    result = campaigns("plan", "--format", "json")
    (change,) = json.loads(result.out)["changes"]
    assert (change["actions"], change["places_calls"]) == (["pause"], False)


def test_markdown_for_a_pull_request(campaigns: Campaigns) -> None:
    result = campaigns("plan", "--format", "markdown")
    assert result.code == 0
    assert result.out.startswith(MARKER + "\n### Dograh campaigns plan\n")
    assert "**Plan: 3 to create, 0 to update, 2 to start, 0 to pause, 0 to resume.**" in result.out


def test_targets(campaigns: Campaigns) -> None:
    result = campaigns("plan", "--target", "winback-survey", "--format", "json")
    assert [c["name"] for c in json.loads(result.out)["changes"]] == ["winback-survey"]
    result = campaigns("plan", "--target", "winback")
    assert result.code == 1
    assert (
        "--target names no campaign of the manifests: 'winback' (did you mean 'winback-survey'?)"
        in result.err
    )


def test_unmanaged_campaigns_are_counted_and_listed_on_request(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    key = sandbox.upload_csv(b"phone_number,first_name\n+15550100,Ada\n")
    sandbox.request(
        "POST",
        "/api/v1/campaign/create",
        json={"name": "made-in-the-ui", "workflow_id": 3, "source_type": "csv", "source_id": key},
    )
    assert (
        "1 live campaign is not managed by any manifest and will not be touched "
        "(--show-unmanaged lists them)." in campaigns("plan").out
    )
    assert "  - made-in-the-ui (id 1, created)" in campaigns("plan", "--show-unmanaged").out


def test_a_broken_manifest_is_reported_and_nothing_is_written(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    east = repo / "campaigns.d" / "spring-renewals-east.yaml"
    east.write_text(east.read_text().replace("max_concurrency: 5", "max_concurrency: 500"))
    result = campaigns("plan")
    assert result.code == 1
    assert (
        "campaigns.d/spring-renewals-east.yaml:13:20: error: spec.max_concurrency: 500 is "
        "more than the maximum, 100" in result.out
    )
    # The reads may already have started while the manifests were parsed; nothing else.
    assert {r.method for r in sandbox.admin.requests()} <= {"GET"}


def test_an_unknown_workflow_is_reported_at_its_line(campaigns: Campaigns, repo: Path) -> None:
    east = repo / "campaigns.d" / "spring-renewals-east.yaml"
    east.write_text(east.read_text().replace("Renewal reminder", "Renewal reminders"))
    result = campaigns("plan")
    assert result.code == 1
    assert (
        "campaigns.d/spring-renewals-east.yaml:8:13: error: spec.workflow: no workflow named "
        "'Renewal reminders' in this organization; did you mean 'Renewal reminder'?"
    ) in result.out
    assert "Plan blocked by 1 problem: nothing will be applied." in result.out


def test_a_conflict_blocks_with_exit_1_and_no_plan_file(campaigns: Campaigns, repo: Path) -> None:
    assert campaigns("apply", "--auto-approve").code == 0
    east = repo / "campaigns.d" / "spring-renewals-east.yaml"
    east.write_text(east.read_text().replace("Renewal reminder", "Customer survey"))
    result = campaigns("plan", "--out", "plan.json", "--detailed-exitcode")
    assert result.code == 1
    assert "the workflow cannot change after creation" in result.out
    assert "No plan file written: the plan is blocked." in result.err
    assert not (repo / "plan.json").exists()


def test_missing_key_and_bad_key(campaigns: Campaigns, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOGRAH_API_KEY")
    result = campaigns("plan")
    assert result.code == 1
    assert "no Dograh API key: set DOGRAH_API_KEY or pass --api-key" in result.err
    wrong = "dgr_" + "w" * 32
    result = campaigns("--api-key", wrong, "plan")
    assert result.code == 1
    assert "Dograh refused the API key (Invalid or expired API key)" in result.err
    assert wrong not in result.err + result.out


def test_verbose_logs_requests_but_never_the_key(campaigns: Campaigns) -> None:
    result = campaigns("-v", "plan")
    assert "GET /campaign/ -> 200" in result.err
    assert result.code == 0


def test_broken_manifests_are_reported_even_without_a_key(
    campaigns: Campaigns, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DOGRAH_API_KEY")
    east = repo / "campaigns.d" / "spring-renewals-east.yaml"
    east.write_text(east.read_text().replace("max_concurrency: 5", "max_concurrency: 500"))
    for command in ("plan", "apply"):
        result = campaigns(command, "--auto-approve") if command == "apply" else campaigns(command)
        assert result.code == 1
        assert "500 is more than the maximum, 100" in result.out
        assert "no Dograh API key" not in result.err


def test_a_new_campaigns_csv_is_checked_by_dograhs_rules(campaigns: Campaigns, repo: Path) -> None:
    csv = repo / "campaigns.d" / "contacts" / "winback-survey.csv"
    csv.write_text(csv.read_text() + "5550999,Zed\n")
    result = campaigns("plan")
    assert result.code == 1
    assert (
        "campaigns.d/contacts/winback-survey.csv:62:1: error: phone numbers must start"
        in result.out
    )


def test_every_campaigns_csv_is_checked(campaigns: Campaigns, repo: Path) -> None:
    """Contacts are compared by content for every campaign, so every CSV is read: a row
    the rules warn about is shown before the campaign is created and after."""
    csv = repo / "campaigns.d" / "contacts" / "winback-survey.csv"
    csv.write_text(csv.read_text() + ",Nobody\n")
    warning = "row 62 has no phone number; Dograh will skip it"
    assert warning in campaigns("plan").out
    assert campaigns("apply", "--auto-approve").code == 0
    result = campaigns("plan", "--detailed-exitcode")
    assert result.code == 0
    assert warning in result.out


def test_a_plan_with_only_held_campaigns_has_no_changes_to_apply(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    """Held is not a change (exit 0 with --detailed-exitcode), but the live campaign does
    not match its manifest: the plan says so, and how to resume it, in every format."""
    sandbox.admin.set_clock("2026-03-02T15:00:00Z")  # inside spring-renewals-east's window
    assert campaigns("apply", "--auto-approve").code == 0
    sandbox.admin.set_simulation(failure_rate=1.0)
    sandbox.admin.advance(30)
    east = next(
        c
        for c in sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
        if c["name"] == "spring-renewals-east"
    )
    assert east["state"] == "paused"

    result = campaigns("plan", "--detailed-exitcode")
    assert result.code == 0
    assert "match the manifests" not in result.out
    lines = result.out.splitlines()
    at = lines.index("No changes to apply.")
    assert lines[at + 1] == "1 campaign is held paused while its manifest says running:"
    assert lines[at + 2].startswith(
        f"  - spring-renewals-east (id {east['id']}): Dograh's circuit breaker paused it at "
    )
    assert lines[at + 2].endswith(
        "held paused: no reviewed change asks for it (plan --base REV). To resume it: "
        "campaigns apply --resume spring-renewals-east"
    )

    document = json.loads(campaigns("plan", "--format", "json").out)
    assert document["changes"] == [] and document["summary"]["held"] == 1
    (held,) = document["held"]
    assert held["resume"] == "campaigns apply --resume spring-renewals-east"

    markdown = campaigns("plan", "--format", "markdown").out
    assert "match the manifests" not in markdown
    assert (
        "**No changes to apply.**\n\nDograh organization 1: the API key's; no Policy sets "
        "spec.organization.\n\n1 campaign is held paused while its manifest says running:"
        f"\n\n- `spring-renewals-east` (id {east['id']}): Dograh's circuit breaker paused it"
    ) in markdown

    resumed = campaigns("plan", "--resume", "spring-renewals-east", "--detailed-exitcode")
    assert resumed.code == 2
    assert "Plan: 0 to create, 0 to update, 0 to start, 0 to pause, 1 to resume." in resumed.out
