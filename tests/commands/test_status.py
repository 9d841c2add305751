"""`campaigns status` against the sandbox: states, progress, why a campaign is held or
failed (from Dograh's logs), its redial, the JSON shape, and the requests it costs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dograh_sandbox.testing import SandboxHandle
from reconciler.render import escape
from reconciler.status import redact
from tests.commands.conftest import Campaigns, Result

MONDAY_10_IN_NEW_YORK = "2026-03-02T15:00:00Z"
"""spring-renewals-east may call (mon-fri 09:00-17:00 New York), appointments-west may
not (16:00-20:00 Los Angeles)."""


def _live(sandbox: SandboxHandle) -> dict[str, dict[str, Any]]:
    answer = sandbox.request("GET", "/api/v1/campaign/").json()
    return {campaign["name"]: campaign for campaign in answer["campaigns"]}


def _phones(repo: Path) -> list[str]:
    numbers = []
    for csv in (repo / "campaigns.d/contacts").glob("*.csv"):
        numbers += [line.split(",")[0] for line in csv.read_text().splitlines()[1:]]
    return numbers


def _no_phone_number(result: Result, repo: Path) -> None:
    for number in _phones(repo):
        assert number not in result.out + result.err


def test_a_breaker_trip_holds_the_campaign(
    campaigns: Campaigns, sandbox: SandboxHandle, repo: Path
) -> None:
    sandbox.admin.set_clock(MONDAY_10_IN_NEW_YORK)
    assert campaigns("apply", "--auto-approve").code == 0
    sandbox.admin.set_simulation(failure_rate=1.0)
    sandbox.admin.advance(30)
    live = _live(sandbox)
    east, west, survey = (
        live[name] for name in ("spring-renewals-east", "appointments-west", "winback-survey")
    )
    assert east["state"] == "paused"
    (trip,) = [entry for entry in east["logs"] if entry["event"] == "circuit_breaker_tripped"]

    result = campaigns("status")
    assert result.code == 0
    placed = east["executed_count"]
    assert placed >= 5
    assert result.out == (
        f"appointments-west (id {west['id']}): running, outside its calling window\n"
        "    Dograh places no calls until its next window opens: Mon 2026-03-02 16:00 "
        "America/Los_Angeles (now Mon 07:00 there)\n"
        "    rows: 0 of 25 processed\n"
        "    calls: 0 placed, 0 failed (failed, busy or no answer), 0 retried\n"
        f"spring-renewals-east (id {east['id']}): paused, held: its manifest says running\n"
        f"    held by Dograh's circuit breaker, tripped at {trip['ts']}: {trip['message']}\n"
        "    to resume it: campaigns apply --resume spring-renewals-east\n"
        f"    rows: {east['processed_rows']} of 40 processed\n"
        f"    calls: {placed} placed, {placed} failed (failed, busy or no answer), 0 retried\n"
        f"winback-survey (id {survey['id']}): created (not started)\n"
        "\n"
        "3 managed campaigns: 1 created, 1 running, 1 paused (1 held), 1 outside the calling "
        "window.\n"
    )
    assert trip["message"].startswith("Paused: failure rate 100.00% (5/5) exceeded threshold")
    _no_phone_number(result, repo)
    # A scheduled job goes red on it with --fail-on held, not with --fail-on failed alone.
    assert campaigns("status", "--fail-on", "failed").code == 0
    held = campaigns("status", "--fail-on", "failed", "--fail-on", "held")
    assert (held.code, held.out) == (1, result.out)
    assert f"--fail-on held: spring-renewals-east (id {east['id']}) held paused.\n" in held.err

    document = json.loads(campaigns("status", "--format", "json").out)
    entry = next(c for c in document["campaigns"] if c["name"] == "spring-renewals-east")
    assert entry == {
        "name": "spring-renewals-east",
        "id": east["id"],
        "manifest": {"file": "campaigns.d/spring-renewals-east.yaml", "line": 6, "column": 9},
        "state": "paused",
        "desired_state": "running",
        "held": True,
        "held_by": "circuit_breaker",
        "resume": "campaigns apply --resume spring-renewals-east",
        "reason": {
            "event": "circuit_breaker_tripped",
            "level": "warning",
            "at": trip["ts"],
            "message": trip["message"],
        },
        "rows": {"total": 40, "processed": east["processed_rows"], "failed": 0},
        "calls": {"dispatched": placed, "failed": placed, "retried": 0},
        "outside_window": None,
        "redial": None,
        "progress": None,
    }


def test_the_json_shape(campaigns: Campaigns, sandbox: SandboxHandle) -> None:
    """The keys the README documents, and only those: a script may rely on them."""
    assert campaigns("apply", "--auto-approve").code == 0
    document = json.loads(campaigns("status", "--format", "json").out)
    assert list(document) == [
        "format_version",
        "tool_version",
        "campaigns",
        "unmanaged",
        "live",
        "summary",
    ]
    assert document["format_version"] == 2
    assert [c["name"] for c in document["campaigns"]] == [
        "appointments-west",
        "spring-renewals-east",
        "winback-survey",
    ]
    assert [list(c) for c in document["campaigns"]] == [
        [
            "name",
            "id",
            "manifest",
            "state",
            "desired_state",
            "held",
            "held_by",
            "resume",
            "reason",
            "rows",
            "calls",
            "outside_window",
            "redial",
            "progress",
        ]
    ] * 3
    assert document["summary"] == {
        "managed": 3,
        "redials": 0,
        "states": {"created": 1, "syncing": 2},
        "held": 0,
        "outside_window": 2,  # the clock starts at 09:00 UTC, before either window
        "failed": 0,
        "not_created": 0,
    }
    assert (document["unmanaged"], document["live"]) == (0, 3)


def test_a_failed_sync_and_fail_on_failed(
    campaigns: Campaigns, sandbox: SandboxHandle, repo: Path
) -> None:
    """A campaign whose contacts file is gone fails at its sync; the others are not in
    Dograh yet. A scheduled job fails on it with --fail-on failed only."""
    (failing,) = sandbox.admin.insert_campaigns(
        [{"name": "winback-survey", "workflow": "Customer survey", "state": "syncing"}]
    )
    sandbox.admin.advance(0)
    (entry,) = _live(sandbox)["winback-survey"]["logs"]
    assert (entry["event"], _live(sandbox)["winback-survey"]["state"]) == (
        "source_sync_failed",
        "failed",
    )

    result = campaigns("status")
    assert result.code == 0
    assert result.out == (
        "appointments-west: not in Dograh yet (apply creates it)\n"
        "spring-renewals-east: not in Dograh yet (apply creates it)\n"
        f"winback-survey (id {failing}): failed\n"
        f"    source_sync_failed at {entry['ts']}: {escape.text(redact(entry['message']))}\n"
        "    rows: 0 of ? processed (total counted when the sync ends)\n"
        "    calls: 0 placed, 0 failed (failed, busy or no answer), ? retried\n"
        "\n"
        "3 managed campaigns: 1 failed, 2 not in Dograh.\n"
    )
    failed = campaigns("status", "--fail-on", "failed")
    assert failed.code == 1
    assert failed.out == result.out
    assert f"--fail-on failed: winback-survey (id {failing}) failed.\n" in failed.err
    document = json.loads(campaigns("status", "--format", "json", "--fail-on", "failed").out)
    assert document["summary"]["failed"] == 1
    assert document["summary"]["not_created"] == 2


def test_dograh_words_lose_signed_urls_and_phone_numbers(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    message = (
        "Batch processing failed: the carrier refused +1 (415) 555-0100; see "
        "https://storage.example/campaigns/1/a.csv?X-Amz-Signature=s3cr3t&X-Amz-Expires=3600"
    )
    sandbox.admin.insert_campaigns(
        [
            {
                "name": "winback-survey",
                "state": "failed",
                "logs": [
                    {
                        "ts": "2026-03-02T15:00:00+00:00",
                        "level": "error",
                        "event": "batch_failed",
                        "message": message,
                    }
                ],
            }
        ]
    )
    result = campaigns("status", "winback-survey")
    text = campaigns("status").out + campaigns("status", "--format", "json").out
    assert "s3cr3t" not in text
    assert "555-0100" not in text
    assert (
        "batch_failed at 2026-03-02T15:00:00+00:00: Batch processing failed: the carrier "
        "refused <phone number>; see https://storage.example/campaigns/1/a.csv?<query removed>"
    ) in text
    assert result.code == 1  # not a manifest: said as plan says it
    assert "winback-survey:1:1: no such file or directory" in result.err


def test_a_redial_child_and_the_unmanaged_count(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    parent, child, other = sandbox.admin.insert_campaigns(
        [
            {
                "name": "spring-renewals-east",
                "state": "completed",
                "redialed_campaign_id": 2,
                "source_id": "campaigns/1/east.csv",
                "csv": "phone_number,first_name,renewal_date\n+12125550100,Ada,2027-04-01\n",
                "total_rows": 0,
            },
            {
                "name": "spring-renewals-east (Redial)",
                "state": "running",
                "parent_campaign_id": 1,
                "source_id": "campaigns/1/east.csv",  # a redial's contacts are its parent's
            },
            {"name": "made-in-the-ui", "state": "created"},
        ]
    )
    assert (parent, child, other) == (1, 2, 3)
    result = campaigns("status", "campaigns.d/spring-renewals-east.yaml")
    assert result.code == 0
    assert result.out == (
        "spring-renewals-east (id 1): completed\n"
        "    rows: 0 of 0 processed\n"
        "    calls: 0 placed, 0 failed (failed, busy or no answer), 0 retried\n"
        '    redial: "spring-renewals-east (Redial)" (id 2), running, not managed\n'
        "\n"
        "1 managed campaign: 1 completed.\n"
        "2 live campaigns are not managed by any manifest (campaigns plan --show-unmanaged "
        "lists them).\n"
    )
    document = json.loads(
        campaigns("status", "campaigns.d/spring-renewals-east.yaml", "--format", "json").out
    )
    assert document["campaigns"][0]["redial"] == {
        "id": 2,
        "name": "spring-renewals-east (Redial)",
        "state": "running",
        "managed_by": None,
    }
    assert (document["unmanaged"], document["live"]) == (2, 3)
    # Managed too, once imported.
    imported = campaigns("import", "--dir", "campaigns.d", "2")
    # Written as Dograh runs it, at any hour: validate's error is said, exit 1.
    assert imported.code == 1
    assert "campaigns validate campaigns.d now fails: 1 error in 1 file" in imported.err
    document = json.loads(campaigns("status", "--format", "json").out)
    east = next(c for c in document["campaigns"] if c["name"] == "spring-renewals-east")
    assert east["redial"]["managed_by"] == {
        "file": "campaigns.d/spring-renewals-east-redial.yaml",
        "line": 7,
        "column": 9,
    }


def test_progress_costs_one_request_per_managed_campaign(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    assert campaigns("apply", "--auto-approve").code == 0
    sandbox.admin.insert_campaigns([{"name": "made-in-the-ui"}])
    sandbox.admin.advance(0)  # the syncs end
    ids = sorted(c["id"] for name, c in _live(sandbox).items() if name != "made-in-the-ui")

    sandbox.admin.clear_requests()
    assert campaigns("status").code == 0
    plain = sandbox.admin.requests()
    assert sorted(r.path for r in plain) == [
        "/api/v1/campaign/",
        "/api/v1/organizations/campaign-defaults",
        "/api/v1/organizations/context",
        "/api/v1/organizations/telephony-configs",
        "/api/v1/workflow/fetch",
    ]

    sandbox.admin.clear_requests()
    result = campaigns("status", "--progress")
    assert result.code == 0
    logged = sandbox.admin.requests()
    progress = sorted(r.path for r in logged if r.path.endswith("/progress"))
    assert progress == sorted(f"/api/v1/campaign/{i}/progress" for i in ids)
    assert len(logged) == len(plain) + len(ids)
    assert {r.method for r in logged} == {"GET"}
    assert result.out.count("    progress: 0.0%; ") == 3
    assert "sync completed at " in result.out
    assert "sync pending" in result.out  # winback-survey, a draft, never started
    document = json.loads(campaigns("status", "--progress", "--format", "json").out)
    assert {c["progress"]["source_sync"]["status"] for c in document["campaigns"]} == {
        "completed",
        "pending",
    }


def test_manifest_errors_are_reported_and_exit_1(campaigns: Campaigns, repo: Path) -> None:
    east = repo / "campaigns.d/spring-renewals-east.yaml"
    east.write_text(east.read_text().replace("max_concurrency: 5", "max_concurrency: 500"))
    result = campaigns("status")
    assert result.code == 1
    assert "campaigns.d/spring-renewals-east.yaml:13:20: spec.max_concurrency:" in result.err
    assert "The manifests have errors (above)" in result.err
    assert "2 managed campaigns: 2 not in Dograh." in result.out
    # A workflow renamed in Dograh: the manifest loads, but matches nothing.
    east.write_text(east.read_text().replace("max_concurrency: 500", "max_concurrency: 5"))
    east.write_text(east.read_text().replace("Renewal reminder", "Renewal remindr"))
    result = campaigns("status")
    assert result.code == 1
    assert "spring-renewals-east: matched no campaign, as its manifest has errors\n" in result.out


def test_every_call_failed_and_the_retries_show_without_progress(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    """Dograh's failed_rows stays 0 when calls fail (it counts only busy or unanswered
    contacts out of retries): status reads the failed calls all the same."""
    sandbox.admin.set_clock(MONDAY_10_IN_NEW_YORK)
    sandbox.admin.set_simulation(busy_rate=1.0)
    assert campaigns("apply", "--auto-approve", "--target", "spring-renewals-east").code == 0
    sandbox.admin.advance(400)  # past the first retries (300 s)
    live = _live(sandbox)["spring-renewals-east"]
    assert live["failed_rows"] == 0 and live["state"] == "running"
    retried = live["total_queued_count"] - live["total_rows"]
    assert retried > 0

    result = campaigns("status", "campaigns.d/spring-renewals-east.yaml")
    placed = live["executed_count"]
    assert (
        f"    rows: {live['processed_rows']} of 40 processed (Dograh counts each retry as a "
        "row processed)\n"
    ) in result.out
    assert (
        f"    calls: {placed} placed, {placed} failed (failed, busy or no answer), "
        f"{retried} retried\n"
    ) in result.out
    document = json.loads(campaigns("status", "--format", "json").out)
    entry = next(c for c in document["campaigns"] if c["name"] == "spring-renewals-east")
    assert entry["calls"] == {"dispatched": placed, "failed": placed, "retried": retried}
    assert entry["progress"] is None


def test_a_campaign_paused_by_hand_says_so(campaigns: Campaigns, sandbox: SandboxHandle) -> None:
    (paused,) = sandbox.admin.insert_campaigns(
        [{"name": "spring-renewals-east", "state": "paused", "source_id": "campaigns/1/e.csv"}]
    )
    result = campaigns("status", "campaigns.d/spring-renewals-east.yaml")
    assert result.out.startswith(
        f"spring-renewals-east (id {paused}): paused, held: its manifest says running\n"
        "    held: paused by hand or by another tool (no circuit breaker trip in Dograh's logs)\n"
        "    to resume it: campaigns apply --resume spring-renewals-east\n"
    )
    document = json.loads(campaigns("status", "--format", "json").out)
    assert document["campaigns"][1]["held_by"] == "by_hand"


def test_what_dograh_says_is_escaped_in_every_format(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    """A log message or a redial name from Dograh cannot move a terminal's cursor, ring
    its bell, or start a CI log's workflow command."""
    sandbox.admin.insert_campaigns(
        [
            {
                "name": "winback-survey",
                "state": "failed",
                "redialed_campaign_id": 2,
                "logs": [
                    {
                        "ts": "2026-03-02T15:00:00+00:00",
                        "level": "error",
                        "event": "batch_failed",
                        "message": "\n::warning::forged\x1b[2J\x07 ##[error]x",
                    }
                ],
            },
            {
                "name": "::error::redial\x1b]0;title\x07",
                "state": "running",
                "parent_campaign_id": 1,
            },
        ]
    )
    text = campaigns("status").out
    document = campaigns("status", "--format", "json").out
    for output in (text, document):
        assert "\x1b" not in output and "\x07" not in output and "##[" not in output
        assert not any(line.lstrip().startswith("::") for line in output.splitlines())
    assert (
        "batch_failed at 2026-03-02T15:00:00+00:00: \\n::warning::forged\\x1b[2J\\x07 "
        "##\\x5berror]x"
    ) in text
    assert '    redial: "::error::redial\\x1b]0;title\\x07" (id 2), running, not managed' in text
    survey = json.loads(document)["campaigns"][2]
    assert survey["reason"]["message"] == "\n::warning::forged\x1b[2J\x07 ##[error]x"
    assert survey["redial"]["name"] == "::error::redial\x1b]0;title\x07"


def test_what_only_a_plan_refuses_does_not_fail_status(campaigns: Campaigns, repo: Path) -> None:
    """Status reports on the campaigns the manifests manage; a change that plan would
    refuse (more concurrency than Dograh allows) is plan's to say, not an error of the
    manifests."""
    assert campaigns("apply", "--auto-approve").code == 0
    east = repo / "campaigns.d/spring-renewals-east.yaml"
    east.write_text(east.read_text().replace("max_concurrency: 5", "max_concurrency: 50"))
    plan = campaigns("plan")
    assert plan.code == 1 and "error: spec.max_concurrency:" in plan.out
    result = campaigns("status")
    assert result.code == 0, result.err
    assert "spec.max_concurrency" not in result.out + result.err
    assert "spring-renewals-east (id " in result.out and "3 managed campaigns" in result.out
