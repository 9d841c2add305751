"""Nobody is dialled unless git names them and a reviewed change says so.

One test per way a campaign could dial unasked, as a user meets it: the CLI against the
sandbox over loopback, the sandbox's clock and faults making Dograh's behaviour (breaker
trips, syncs, late answers) happen on cue. Each asserts what the plan says and what
Dograh received (its request log): no start or resume the manifests did not ask for.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from dograh_sandbox.testing import SandboxHandle
from reconciler import apply as apply_module
from reconciler.client_settings import ClientSettings, RetryPolicy
from reconciler.commands.apply import ApplyRequest, run_apply
from reconciler.planner.options import PlanOptions
from reconciler.planner.run import connected, plan_paths
from tests.commands.conftest import NO_CHANGES, OWNER, ROOT, Campaigns, git, init_repository

MONDAY_MORNING_NEW_YORK = "2026-11-30T15:00:00Z"
"""10:00 in New York, 07:00 in Los Angeles: spring-renewals-east's window is open."""

CHICAGO = """\
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: {name}{pin}
spec:
  workflow: Customer survey
  source:
    csv: contacts/{csv}
  state: {state}
  schedule:
    timezone: America/Chicago
    slots:
      - days: [mon, tue, wed, thu, fri]
        start: "10:00"
        end: "17:00"
"""


def _live(sandbox: SandboxHandle) -> dict[str, dict[str, Any]]:
    campaigns = sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
    return {c["name"]: c for c in campaigns}


def _dialing_requests(sandbox: SandboxHandle) -> list[Any]:
    return [
        r for r in sandbox.admin.requests(method="POST") if r.path.endswith(("/start", "/resume"))
    ]


def _edit(repo: Path, name: str, old: str, new: str) -> None:
    path = repo / "campaigns.d" / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _made_in_dograh(sandbox: SandboxHandle, name: str, csv: str, *, start: bool = False) -> int:
    """A campaign created through Dograh's API (its UI does the same), not by this tool."""
    key = sandbox.upload_csv(csv.encode(), file_name="people.csv")
    body = {"name": name, "workflow_id": 3, "source_type": "csv", "source_id": key}
    created = sandbox.request("POST", "/api/v1/campaign/create", json=body).json()
    if start:
        sandbox.request("POST", f"/api/v1/campaign/{created['id']}/start")
    return int(created["id"])


OTHERS = "phone_number,first_name\n+13125550900,Olga\n+13125550901,Oscar\n+13125550100,Ada\n"
OURS = "phone_number,first_name\n+13125550100,Ada\n+13125550101,Farid\n+13125550102,Gus\n"


def test_a_pinned_campaign_is_adopted_only_with_the_contacts_in_git(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    ui = _made_in_dograh(sandbox, "made-in-the-ui", OTHERS)
    (repo / "campaigns.d" / "contacts" / "ui.csv").write_text(OURS)
    (repo / "campaigns.d" / "ui.yaml").write_text(
        CHICAGO.format(name="made-in-the-ui", pin=f"\n  id: {ui}", csv="ui.csv", state="running")
    )
    result = campaigns("plan")
    assert result.code == 1
    assert (
        f"made-in-the-ui (id {ui}): the live campaign's contacts differ from "
        "campaigns.d/contacts/ui.csv (2 number(s) in the CSV are not in the campaign, 2 in "
        "the campaign are not in the CSV)" in result.out
    )
    assert "+1312" not in result.out + result.err  # counts, never the numbers
    sandbox.admin.clear_requests()
    assert campaigns("apply", "--auto-approve").code == 1
    assert _dialing_requests(sandbox) == []
    # The campaign's own list in git (as `campaigns import` writes it): adopted, started.
    (repo / "campaigns.d" / "contacts" / "ui.csv").write_text(OTHERS.replace("\n", "\r\n"))
    result = campaigns("plan")
    assert result.code == 0, result.out
    assert (
        f"# made-in-the-ui (id {ui}) will be updated in place, then started: PLACES CALLS"
        in result.out
    )
    # The live file was read once: the next plans take its hash from the cache.
    downloads = sandbox.admin.requests(path=f"/api/v1/campaign/{ui}/source-download-url")
    campaigns("plan")
    again = sandbox.admin.requests(path=f"/api/v1/campaign/{ui}/source-download-url")
    assert len(again) == len(downloads)


def test_a_namesake_made_elsewhere_is_never_taken_over(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    theirs = _made_in_dograh(sandbox, "spring-renewals-east", OTHERS, start=True)
    sandbox.admin.clear_requests()
    result = campaigns("apply", "--auto-approve")
    assert result.code == 1
    assert (
        f"a live campaign named 'spring-renewals-east' (id {theirs}) exists, not created by "
        "these manifests" in result.out
    )
    assert f"pin metadata.id: {theirs}" in result.out
    touched = [r for r in sandbox.admin.requests() if r.campaign_id == theirs and r.method != "GET"]
    assert touched == []


def test_a_removed_manifest_pauses_its_campaign_and_a_rename_is_recognised(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    sandbox.admin.set_clock(MONDAY_MORNING_NEW_YORK)
    assert campaigns("apply", "--auto-approve").code == 0
    sandbox.admin.advance(1)  # the syncs end: running
    west = _live(sandbox)["appointments-west"]["id"]
    (repo / "campaigns.d" / "appointments-west.yaml").unlink()
    result = campaigns("plan")
    assert f"# appointments-west (id {west}) will be paused" in result.out
    assert "its manifest is gone" in result.out
    # Renamed without a pinned id: a second campaign would call the same people.
    east = _live(sandbox)["spring-renewals-east"]["id"]
    old = repo / "campaigns.d" / "spring-renewals-east.yaml"
    new = repo / "campaigns.d" / "spring-2027.yaml"
    new.write_text(old.read_text().replace("name: spring-renewals-east", "name: spring-2027"))
    old.unlink()
    result = campaigns("plan")
    assert result.code == 1
    assert (
        f"this looks like campaign 'spring-renewals-east' (id {east}, running) renamed"
        in result.out
    )
    assert f"pin metadata.id: {east} to rename it instead" in result.out
    # Pinned as advised: a rename, no second campaign.
    new.write_text(new.read_text().replace("name: spring-2027", f"name: spring-2027\n  id: {east}"))
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out
    live = _live(sandbox)
    assert "spring-2027" in live and "spring-renewals-east" not in live
    assert live["appointments-west"]["state"] == "paused"


def _trip_the_breaker(sandbox: SandboxHandle) -> dict[str, Any]:
    sandbox.admin.set_simulation(failure_rate=1.0)
    sandbox.admin.advance(30)
    east = _live(sandbox)["spring-renewals-east"]
    assert east["state"] == "paused", east["state"]
    assert east["logs"][-1]["event"] == "circuit_breaker_tripped"
    sandbox.admin.set_simulation(failure_rate=0.0)
    return east


def test_the_breakers_pause_is_held_until_a_reviewed_change_or_an_operator(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    sandbox.admin.set_clock(MONDAY_MORNING_NEW_YORK)
    assert campaigns("apply", "--auto-approve").code == 0
    sandbox.admin.advance(1)
    east = _trip_the_breaker(sandbox)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "campaigns")
    # An unrelated change, reviewed against the commit before it: the breaker's pause holds.
    _edit(repo, "appointments-west", "max_concurrency: 3", "max_concurrency: 2")
    sandbox.admin.clear_requests()
    result = campaigns("apply", "--auto-approve", "--base", "HEAD")
    assert result.code == 0, result.out
    assert "Apply complete! 1 updated." in result.out
    assert (
        f"spring-renewals-east (id {east['id']}): Dograh's circuit breaker paused it at "
        in result.out
    )
    assert "Paused: failure rate" in result.out and "held paused" in result.out
    assert _dialing_requests(sandbox) == []
    assert _live(sandbox)["spring-renewals-east"]["state"] == "paused"
    # An operator who looked into it resumes it by name; a typo resumes nothing, and says so.
    result = campaigns("apply", "--auto-approve", "--resume", "spring-renewal-east")
    assert result.code == 1
    assert (
        "Error: --resume names no campaign of the manifests: 'spring-renewal-east' (did you "
        "mean 'spring-renewals-east'?)" in result.err
    )
    assert _dialing_requests(sandbox) == []
    result = campaigns("apply", "--auto-approve", "--resume", "spring-renewals-east")
    assert result.code == 0, result.out
    assert "Apply complete! 1 resumed." in result.out
    assert [r.campaign_id for r in _dialing_requests(sandbox)] == [east["id"]]


def test_an_emergency_pause_by_hand_is_held_too(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    sandbox.admin.set_clock(MONDAY_MORNING_NEW_YORK)
    assert campaigns("apply", "--auto-approve").code == 0
    sandbox.admin.advance(1)
    west = _live(sandbox)["appointments-west"]["id"]
    sandbox.request("POST", f"/api/v1/campaign/{west}/pause")
    sandbox.admin.clear_requests()
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0
    assert "it was paused outside these manifests" in result.out
    assert _dialing_requests(sandbox) == []


def test_a_pause_during_the_sync_sticks(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    sandbox.admin.set_clock(MONDAY_MORNING_NEW_YORK)
    assert campaigns("apply", "--auto-approve").code == 0
    assert _live(sandbox)["spring-renewals-east"]["state"] == "syncing"  # the clock stands
    _edit(repo, "spring-renewals-east", "state: running", "state: paused")
    # The sync ends while apply waits for it (Dograh would set running after a pause).
    sync = threading.Timer(1.0, lambda: sandbox.admin.advance(1))
    sync.start()
    try:
        result = campaigns("apply", "--auto-approve")
    finally:
        sync.join()
    assert result.code == 0, result.out
    assert "waiting for the sync to end" in result.out
    assert "Apply complete! 1 paused." in result.out
    sandbox.admin.advance(60)
    assert _live(sandbox)["spring-renewals-east"]["state"] == "paused"


def test_a_sync_that_never_ends_is_not_reported_paused(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(apply_module, "SYNC_WAIT", 0.5)
    assert campaigns("apply", "--auto-approve").code == 0
    _edit(repo, "spring-renewals-east", "state: running", "state: paused")
    result = campaigns("apply", "--auto-approve")
    assert result.code == 1
    assert "not paused: Dograh was still syncing the campaign" in result.out
    assert "Apply complete" not in result.out


def _apply_process(repo: Path, sandbox: SandboxHandle, cache: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DOGRAH_API_URL": sandbox.url,
        "DOGRAH_API_KEY": sandbox.api_key,
        "XDG_CACHE_HOME": str(cache),
        "NO_COLOR": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--allow-dirty"],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize("machines", ["one machine", "two machines"])
def test_two_applies_at_once_dial_one_campaign_per_manifest(
    repo: Path, sandbox: SandboxHandle, tmp_path: Path, machines: str
) -> None:
    """Two `campaigns apply` processes started together (a laptop and CI). On one
    machine the second waits for the first's lock, then has nothing to do. On two (no
    shared lock), both may create: the later campaign of a name is never started."""
    sandbox.admin.set_faults(
        {"method": "POST", "path": "/api/v1/campaign/create", "kind": "latency", "seconds": 0.5}
    )
    caches = [
        tmp_path / "cache-a",
        tmp_path / ("cache-a" if machines == "one machine" else "cache-b"),
    ]
    processes = [_apply_process(repo, sandbox, cache) for cache in caches]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    codes = [process.returncode for process in processes]
    campaigns = sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
    started = [c for c in campaigns if c["state"] != "created"]
    assert sorted(c["name"] for c in started) == ["appointments-west", "spring-renewals-east"]
    if machines == "one machine":
        assert sorted(codes) == [0, 0], outputs
        assert len(campaigns) == 3
        assert any("waiting for it to finish" in output for output in outputs), outputs
    else:
        assert len(campaigns) <= 6  # at most one unstarted twin per created campaign
        assert all(
            "another apply created" in output
            for output, code in zip(outputs, codes, strict=True)
            if code
        ), outputs
    # Whatever happened, planning again is clean: twins are named, never started.
    settings = ClientSettings(base_url=sandbox.url, api_key=sandbox.api_key)
    os.chdir(repo)
    with connected(settings) as client:
        plan = plan_paths(("campaigns.d",), client)
    assert not plan.blocked, plan.conflicts
    assert not plan.places_calls


def test_a_failed_campaign_blocks_nothing_else(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    """A campaign of these manifests that Dograh failed: a warning with Dograh's reason;
    the other campaigns plan and apply as usual."""
    logs = [
        {
            "ts": "2026-11-30T15:00:00+00:00",
            "level": "error",
            "event": "batch_failed",
            "message": "Batch processing failed: No active telephony configuration found",
        }
    ]
    upload = f"spring-renewals-east.dc-{OWNER}.ee633c402405a415.csv"
    sandbox.admin.insert_campaigns(
        [
            {
                "name": "spring-renewals-east",
                "workflow": "Renewal reminder",
                "state": "failed",
                "source_id": f"campaigns/1/0000_{upload}",
                "logs": logs,
            }
        ]
    )
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out
    assert (
        "warning: spec.state: the campaign failed: Batch processing failed: No active "
        "telephony configuration found; Dograh cannot restart it" in result.out
    )
    assert "Apply complete! 2 created, 1 started." in result.out
    assert len(_live(sandbox)) == 3


def test_line_endings_are_not_other_contacts(campaigns: Campaigns, repo: Path) -> None:
    assert campaigns("apply", "--auto-approve").code == 0
    for csv in (repo / "campaigns.d" / "contacts").glob("*.csv"):
        csv.write_bytes(csv.read_bytes().replace(b"\n", b"\r\n").rstrip(b"\r\n"))
    result = campaigns("plan", "--detailed-exitcode")
    assert (result.code, result.out) == (0, NO_CHANGES)


def test_one_person_in_two_running_campaigns_blocks_the_plan(
    campaigns: Campaigns, repo: Path
) -> None:
    east = (repo / "campaigns.d" / "contacts" / "spring-renewals-east.csv").read_text()
    rows = east.splitlines()
    (repo / "campaigns.d" / "contacts" / "again.csv").write_text(
        "phone_number,first_name\n" + "\n".join(r.split(",")[0] + ",X" for r in rows[1:3]) + "\n"
    )
    (repo / "campaigns.d" / "again.yaml").write_text(
        CHICAGO.replace("America/Chicago", "America/New_York").format(
            name="again", pin="", csv="again.csv", state="running"
        )
    )
    result = campaigns("plan")
    assert result.code == 1
    assert (
        "campaigns.d/spring-renewals-east.yaml:6:9: error: metadata.name: spring-renewals-east: "
        "2 people in campaigns.d/contacts/spring-renewals-east.csv (rows 2, 3) are also in "
        "'again' (campaigns.d/again.yaml: campaigns.d/contacts/again.csv, rows 2, 3), and both "
        "campaigns dial after this plan" in result.out
    )
    assert "+1212" not in result.out


def test_a_create_answered_after_the_timeout_is_not_sent_again(
    repo: Path, sandbox: SandboxHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    """Dograh answers the create after the client gave up (it commits late): apply looks
    for the campaign while it may still be created, finds it, and sends nothing twice."""
    sandbox.admin.set_faults(
        {"method": "POST", "path": "/api/v1/campaign/create", "kind": "latency", "seconds": 1.5}
    )
    settings = ClientSettings(
        base_url=sandbox.url,
        api_key=sandbox.api_key,
        timeout=0.5,
        retry=RetryPolicy(attempts=4, base_delay=0.1, max_delay=0.5, budget=10),
    )
    request = ApplyRequest(
        plan_file=None,
        paths=("campaigns.d",),
        options=PlanOptions(),
        auto_approve=True,
        parallelism=3,
        color=False,
        client=settings,
        interactive=False,
        allow_dirty=True,
    )
    code = run_apply(request)
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count("the create's answer was lost (no answer), but Dograh has the campaign") == 3
    assert len(sandbox.admin.requests(method="POST", path="/api/v1/campaign/create")) == 3
    assert len(_live(sandbox)) == 3


def test_two_repositories_share_one_organization(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    """Two owners: each plans its own campaigns, and sees the other's as unmanaged:
    never paused as its own removed manifests, never taken over by name."""
    assert campaigns("apply", "--auto-approve").code == 0
    other = tmp_path / "other-team"
    shutil.copytree(ROOT / "campaigns.d", other / "campaigns.d")
    init_repository(other, "git@github.com:acme/inbound-team.git")
    for name in ("spring-renewals-east", "appointments-west"):
        (other / "campaigns.d" / f"{name}.yaml").unlink()
    os.chdir(other)
    result = campaigns("plan")
    assert result.code == 1  # winback-survey: a namesake of the first repository's
    assert "created by another repository (owner 'outbound-" in result.out
    assert "will be paused" not in result.out
    (other / "campaigns.d" / "winback-survey.yaml").write_text(
        (other / "campaigns.d" / "winback-survey.yaml")
        .read_text()
        .replace("name: winback-survey", "name: winback-inbound")
    )
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out
    assert "3 live campaigns are not managed by any manifest" in result.out
    os.chdir(repo)
    result = campaigns("plan", "--detailed-exitcode")
    assert result.code == 0
    assert "1 live campaign is not managed by any manifest" in result.out


def test_no_output_ever_holds_a_phone_number(campaigns: Campaigns, repo: Path) -> None:
    numbers = {
        line.split(",")[0]
        for csv in (repo / "campaigns.d" / "contacts").glob("*.csv")
        for line in csv.read_text().splitlines()[1:]
    }
    outputs = [
        campaigns("validate"),
        campaigns("validate", "--format", "json"),
        campaigns("plan"),
        campaigns("plan", "--format", "json"),
        campaigns("plan", "--format", "markdown"),
        campaigns("apply", "--auto-approve"),
        campaigns("plan"),
    ]
    text = "".join(o.out + o.err for o in outputs)
    assert not [number for number in numbers if number in text]
    assert "+1" not in text.replace("+1 ", "")
