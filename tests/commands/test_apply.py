"""`campaigns apply` against the sandbox: what a user sees and what Dograh receives."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from dograh_sandbox.testing import SandboxHandle
from reconciler import apply as apply_module
from reconciler.apply import Executor
from reconciler.client import DograhClient, Tries
from reconciler.client_settings import ClientSettings, RetryPolicy
from reconciler.commands import apply as apply_command
from reconciler.live import LiveCampaign
from reconciler.planner.run import plan_paths
from tests.commands.conftest import NO_CHANGES, OWNER, Campaigns, git


def _live(sandbox: SandboxHandle) -> dict[str, dict[str, Any]]:
    campaigns = sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
    return {c["name"]: c for c in campaigns}


def _edit(repo: Path, name: str, old: str, new: str) -> None:
    path = repo / "campaigns.d" / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_create_and_start(campaigns: Campaigns, sandbox: SandboxHandle) -> None:
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    lines = result.out.splitlines()
    assert "Plan: 3 to create, 0 to update, 2 to start, 0 to pause, 0 to resume." in lines
    assert "Apply complete! 3 created, 2 started." in lines
    live = _live(sandbox)
    ids = {name: campaign["id"] for name, campaign in live.items()}
    for name in ("spring-renewals-east", "appointments-west", "winback-survey"):
        assert f"{name}: created (id {ids[name]}) in " in result.out
    assert {name: c["state"] for name, c in live.items()} == {
        "spring-renewals-east": "syncing",
        "appointments-west": "syncing",
        "winback-survey": "created",
    }
    # The manifest's settings sent, contacts uploaded under their content hash.
    east = live["spring-renewals-east"]
    assert east["circuit_breaker"]["enabled"] is True
    assert east["source_id"].endswith(f"_spring-renewals-east.dc-{OWNER}.ee633c402405a415.csv")
    assert east["telephony_configuration_name"] == "Twilio US"
    starts = sandbox.admin.requests(method="POST")
    started = {r.campaign_id for r in starts if r.path.endswith("/start")}
    assert started == {ids["spring-renewals-east"], ids["appointments-west"]}


def test_update_pause_and_resume_flows(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    assert campaigns("apply", "--auto-approve").code == 0
    sandbox.admin.advance(1)  # syncs finish
    _edit(repo, "spring-renewals-east", "max_concurrency: 5", "max_concurrency: 4")
    _edit(repo, "appointments-west", "state: running", "state: paused")
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    assert "Apply complete! 1 updated, 1 paused." in result.out
    live = _live(sandbox)
    assert live["spring-renewals-east"]["max_concurrency"] == 4
    assert live["appointments-west"]["state"] == "paused"
    # Back to running: a resume, only when the reviewed change asks for it.
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "pause appointments-west")
    _edit(repo, "appointments-west", "state: paused", "state: running")
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0
    assert "match the manifests" not in result.out
    assert (
        "\nNo changes to apply.\n1 campaign is held paused while its manifest says running:\n"
        "  - appointments-west (id "
    ) in result.out
    assert "warning: appointments-west (id " in result.out
    assert "held paused: no reviewed change asks for it (plan --base REV)" in result.out
    result = campaigns("apply", "--auto-approve", "--base", "HEAD")
    assert "Apply complete! 1 resumed." in result.out
    assert "the change under review sets state: running (state: paused at HEAD)" in result.out
    assert _live(sandbox)["appointments-west"]["state"] == "running"


def test_no_changes_applies_nothing(campaigns: Campaigns, sandbox: SandboxHandle) -> None:
    assert campaigns("apply", "--auto-approve").code == 0
    sandbox.admin.clear_requests()
    result = campaigns("apply", "--auto-approve")
    assert (result.code, result.out) == (0, NO_CHANGES)
    assert {r.method for r in sandbox.admin.requests()} == {"GET"}


def test_a_saved_plan_is_applied_exactly(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    result = campaigns("plan", "--out", "reviewed.plan")
    assert result.code == 0
    assert "Plan saved to reviewed.plan" in result.err
    saved = json.loads((repo / "reviewed.plan").read_text())
    assert sandbox.api_key not in json.dumps(saved)
    result = campaigns("apply", "reviewed.plan")
    assert result.code == 0, result.out + result.err
    assert "Applying the saved plan reviewed.plan" in result.out
    assert "Apply complete! 3 created, 2 started." in result.out


def test_a_stale_plan_is_refused(campaigns: Campaigns, repo: Path, sandbox: SandboxHandle) -> None:
    assert campaigns("apply", "--auto-approve").code == 0
    _edit(repo, "spring-renewals-east", "max_concurrency: 5", "max_concurrency: 4")
    assert campaigns("plan", "--out", "reviewed.plan").code == 0
    east = _live(sandbox)["spring-renewals-east"]["id"]
    sandbox.request("PATCH", f"/api/v1/campaign/{east}", json={"max_concurrency": 2})
    sandbox.admin.clear_requests()
    result = campaigns("apply", "reviewed.plan")
    assert result.code == 1
    assert (
        "Saved plan is stale: planning again gives another plan, so nothing was changed; "
        "make the plan again and review it. What differs:\n"
        f"  - spring-renewals-east (id {east}) changed in Dograh since the plan: "
        "max_concurrency 5 -> 2\n" in result.err
    )
    assert {r.method for r in sandbox.admin.requests()} == {"GET"}


def test_a_stale_plan_names_each_field_with_both_values(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    """Settings changed in Dograh after the review: the refusal names each field, old and
    new, as Dograh changed it, and the field the request made again adds."""
    assert campaigns("apply", "--auto-approve").code == 0
    _edit(repo, "spring-renewals-east", "max_concurrency: 5", "max_concurrency: 4")
    assert campaigns("plan", "--out", "reviewed.plan").code == 0
    east = _live(sandbox)["spring-renewals-east"]
    slots = [{"day_of_week": day, "start_time": "09:00", "end_time": "18:30"} for day in range(5)]
    schedule = {**east["schedule_config"], "slots": slots}
    answer = sandbox.request(
        "PATCH",
        f"/api/v1/campaign/{east['id']}",
        json={"max_concurrency": 3, "schedule_config": schedule},
    )
    assert answer.status_code == 200, answer.text
    sandbox.admin.clear_requests()
    result = campaigns("apply", "reviewed.plan")
    assert result.code == 1
    assert (
        f"  - spring-renewals-east (id {east['id']}) changed in Dograh since the plan: "
        "max_concurrency 5 -> 3, schedule.slots[0].end 17:00 -> 18:30\n" in result.err
    )
    assert f"  - spring-renewals-east (id {east['id']}): update request: schedule added\n" in (
        result.err
    )
    assert {r.method for r in sandbox.admin.requests()} == {"GET"}
    assert "bodies differ" not in result.err


def test_an_edited_plan_is_refused_whatever_it_asks(campaigns: Campaigns, repo: Path) -> None:
    """A saved plan is an expectation, not a program. An edit that
    starts a draft, or adds a campaign no manifest has (its CSV from outside the
    repository), makes a plan that planning again does not give: refused, nothing done."""
    assert campaigns("plan", "--out", "reviewed.plan").code == 0
    original = json.loads((repo / "reviewed.plan").read_text())
    changes = original["plan"]["changes"]
    winback = next(c for c in changes if c["name"] == "winback-survey")
    winback["actions"] = ["create", "start"]
    winback["desired_state"] = "running"
    intruder = json.loads(json.dumps(winback))
    intruder["name"] = "intruder"
    intruder["requests"]["create"]["name"] = "intruder"
    intruder["requests"]["upload"]["path"] = "/etc/passwd.csv"
    changes.append(intruder)
    (repo / "edited.plan").write_text(json.dumps(original))
    result = campaigns("apply", "edited.plan")
    assert result.code == 1
    assert "Saved plan is stale" in result.err
    assert "intruder (create, start) is in the saved plan, not in the plan made now" in result.err
    assert "winback-survey: actions create, start -> create" in result.err
    original["paths"] = ["../elsewhere"]
    (repo / "outside.plan").write_text(json.dumps(original))
    result = campaigns("apply", "outside.plan")
    assert result.code == 1
    assert "is not a path inside the repository" in result.err


def test_a_plan_whose_manifests_changed_is_refused(campaigns: Campaigns, repo: Path) -> None:
    assert campaigns("plan", "--out", "reviewed.plan").code == 0
    _edit(repo, "winback-survey", "name: winback-survey", "name: winback-survey\n  # edited")
    result = campaigns("apply", "reviewed.plan")
    assert result.code == 1
    assert "Saved plan is stale" in result.err
    assert "What differs:\n  - the manifests or their CSVs changed since\n" in result.err


def test_a_plan_for_another_dograh_is_refused(campaigns: Campaigns) -> None:
    assert campaigns("plan", "--out", "reviewed.plan").code == 0
    result = campaigns("--api-url", "http://127.0.0.1:9", "apply", "reviewed.plan")
    assert result.code == 1
    assert "the plan was made against http://127.0.0.1:" in result.err


def test_without_a_terminal_it_refuses_and_says_why(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    result = campaigns("apply")
    assert result.code == 1
    assert "there is no terminal to ask: pass --auto-approve" in result.err
    assert _live(sandbox) == {}


@pytest.mark.parametrize(("answer", "code", "created"), [("no\n", 1, 0), ("yes\n", 0, 3)])
def test_only_yes_is_accepted(
    campaigns: Campaigns,
    sandbox: SandboxHandle,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    code: int,
    created: int,
) -> None:
    monkeypatch.setattr(apply_command, "stdin_is_terminal", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO(answer))
    result = campaigns("apply")
    assert result.code == code, result.out + result.err
    assert (
        "Do you want to perform these actions in Dograh? 2 campaigns will start placing "
        "calls.\nOnly 'yes' will be accepted to approve: " in result.out
    )
    assert len(_live(sandbox)) == created


@pytest.mark.parametrize(("parallelism", "least"), [(1, 1), (5, 3)])
def test_campaigns_are_applied_in_parallel(
    campaigns: Campaigns,
    repo: Path,
    sandbox: SandboxHandle,
    monkeypatch: pytest.MonkeyPatch,
    parallelism: int,
    least: int,
) -> None:
    for i in range(12):
        text = (repo / "campaigns.d" / "winback-survey.yaml").read_text()
        (repo / "campaigns.d" / f"extra-{i}.yaml").write_text(
            text.replace("name: winback-survey", f"name: extra-{i}")
        )
    sandbox.admin.set_faults(
        {"method": "POST", "path": "/api/v1/campaign/create", "kind": "latency", "seconds": 0.1}
    )
    gauge = _InFlight()
    original = DograhClient.create_campaign

    def counted(self: DograhClient, body: Any, tries: Tries | None = None) -> LiveCampaign:
        with gauge:
            return original(self, body, tries)

    monkeypatch.setattr(DograhClient, "create_campaign", counted)
    result = campaigns("apply", "--auto-approve", "--parallelism", str(parallelism))
    assert result.code == 0, result.out + result.err
    assert len(sandbox.admin.requests(method="POST", path="/api/v1/campaign/create")) == 15
    assert least <= gauge.most <= parallelism


class _InFlight:
    """Counts the calls inside it at once, and remembers the most."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0
        self.lock = threading.Lock()

    def __enter__(self) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.now -= 1


def test_a_failed_campaign_does_not_stop_the_others(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    # A refusal the plan cannot foresee: the second create is refused.
    sandbox.admin.set_faults(
        {
            "method": "POST",
            "path": "/api/v1/campaign/create",
            "kind": "error",
            "status": 400,
            "body": '{"detail": "Workflow not found"}',
            "skip": 1,
            "count": 1,
        }
    )
    result = campaigns("apply", "--auto-approve", "--parallelism", "1")
    assert result.code == 1
    assert "spring-renewals-east: FAILED: POST /campaign/create: Dograh refused it" in result.out
    assert "Apply failed for 1 of 3 campaigns. Done: 2 created, 1 started." in result.out
    assert "(not done: create, start)" in result.out
    assert set(_live(sandbox)) == {"appointments-west", "winback-survey"}


def test_a_workflow_variable_missing_from_the_csv_is_refused_by_the_plan(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    """The create Dograh would refuse is a plan error, and apply
    changes nothing at all."""
    (repo / "campaigns.d" / "contacts" / "bare.csv").write_text("phone_number\n+15550199\n")
    text = (repo / "campaigns.d" / "winback-survey.yaml").read_text()
    (repo / "campaigns.d" / "bare.yaml").write_text(
        text.replace("name: winback-survey", "name: bare").replace("winback-survey.csv", "bare.csv")
    )
    result = campaigns("apply", "--auto-approve")
    assert result.code == 1
    assert (
        "campaigns.d/bare.yaml:11:10: error: spec.source.csv: the workflow 'Customer survey' "
        "uses template variables that campaigns.d/contacts/bare.csv has no column for: "
        "'first_name'; Dograh would refuse the campaign" in result.out
    )
    assert "Plan blocked" in result.out
    assert _live(sandbox) == {}


def test_a_create_whose_answer_is_lost_is_not_sent_twice(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    sandbox.admin.set_faults(
        {"method": "POST", "path": "/api/v1/campaign/create", "kind": "drop", "count": 3}
    )
    result = campaigns("apply", "--auto-approve", "--parallelism", "1")
    assert result.code == 0, result.out + result.err
    assert result.out.count("but Dograh has the campaign") == 3
    assert len(sandbox.admin.requests(method="POST", path="/api/v1/campaign/create")) == 3
    assert sorted(_live(sandbox)) == ["appointments-west", "spring-renewals-east", "winback-survey"]


def test_a_create_answered_without_happening_is_sent_again(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    """Dograh answered (its own 500, with its JSON detail): a re-read that finds nothing
    means the create did not happen, so sending it again is safe."""
    sandbox.admin.set_faults(
        {
            "method": "POST",
            "path": "/api/v1/campaign/create",
            "kind": "error",
            "status": 500,
            "body": '{"detail": "Internal error"}',
            "count": 1,
        }
    )
    result = campaigns("apply", "--auto-approve", "--parallelism", "1")
    assert result.code == 0, result.out + result.err
    assert "Dograh answered the create without creating the campaign; sending it again" in (
        result.out
    )
    assert len(_live(sandbox)) == 3


def test_a_create_without_an_answer_is_never_sent_blindly(
    campaigns: Campaigns, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No answer came (the connection dropped after sending), so
    the create may still be running: looked for, then reported unknown, never re-sent;
    the next apply finds out."""
    monkeypatch.setattr(apply_module, "UNANSWERED_WAIT", 0.3)
    sandbox.admin.set_faults(
        {"method": "POST", "path": "/api/v1/campaign/create", "kind": "reset", "count": 1}
    )
    result = campaigns("apply", "--auto-approve", "--parallelism", "1")
    assert result.code == 1
    assert "outcome unknown: the create was sent and no answer came" in result.out
    assert "Apply complete" not in result.out
    assert len(sandbox.admin.requests(method="POST", path="/api/v1/campaign/create")) == 3
    assert len(_live(sandbox)) == 2
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    assert len(_live(sandbox)) == 3


@pytest.mark.parametrize(
    ("status", "body"),
    [(504, "<html><body><h1>504 Gateway Time-out</h1></body></html>"), (502, "Bad Gateway")],
    ids=["504-html", "502-text"],
)
def test_a_gateways_error_on_a_create_is_no_answer(
    campaigns: Campaigns,
    sandbox: SandboxHandle,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    body: str,
) -> None:
    """A proxy's error is not Dograh's word: the create is looked for, then reported
    unknown; it is never sent again in that apply, and the next apply makes exactly one."""
    monkeypatch.setattr(apply_module, "UNANSWERED_WAIT", 0.3)
    sandbox.admin.set_faults(
        {
            "method": "POST",
            "path": "/api/v1/campaign/create",
            "kind": "error",
            "status": status,
            "body": body,
            "count": 1,
        }
    )
    result = campaigns("apply", "--auto-approve", "--parallelism", "1")
    assert result.code == 1
    assert (
        f"the create got no answer from Dograh (HTTP {status} came from something in front "
        "of it); looking for the campaign" in result.out
    )
    assert "outcome unknown: the create was sent and no answer came from Dograh" in result.out
    assert "sending it again" not in result.out
    assert len(sandbox.admin.requests(method="POST", path="/api/v1/campaign/create")) == 3
    assert len(_live(sandbox)) == 2
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    every = sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
    assert sorted(c["name"] for c in every) == [
        "appointments-west",
        "spring-renewals-east",
        "winback-survey",
    ]
    assert len(sandbox.admin.requests(method="POST", path="/api/v1/campaign/create")) == 4


def test_apply_that_does_not_converge_says_so(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert campaigns("apply", "--auto-approve").code == 0
    _edit(repo, "spring-renewals-east", "max_concurrency: 5", "max_concurrency: 4")
    # A Dograh that answers 200 to the PATCH but keeps nothing.
    monkeypatch.setattr(DograhClient, "update_campaign", lambda self, cid, body: {})
    result = campaigns("apply", "--auto-approve")
    assert result.code == 1
    assert "Apply complete! 1 updated." in result.out
    assert "Error: apply did not converge; planning again still shows:" in result.err
    assert "~ max_concurrency = 5 -> 4" in result.err


INTERRUPTIBLE = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from reconciler.cli import main; main()"
)
"""``campaigns`` as a user runs it, Ctrl-C raising KeyboardInterrupt in it whatever the
test runner's worker inherited (an ignored SIGINT would be inherited too)."""


def test_ctrl_c_lets_calls_in_flight_finish_and_reports(repo: Path, sandbox: SandboxHandle) -> None:
    """A real SIGINT, sent once the first create has reached Dograh and is held there:
    that create finishes, the two others are never sent."""
    create = "/api/v1/campaign/create"
    sandbox.admin.set_faults({"method": "POST", "path": create, "kind": "latency", "seconds": 2})
    command = [sys.executable, "-c", INTERRUPTIBLE, "--no-color", "apply", "--auto-approve"]
    process = subprocess.Popen(
        [*command, "--allow-dirty", "--parallelism", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while not sandbox.admin.requests(method="POST", path=create):
            assert process.poll() is None, process.communicate()
            time.sleep(0.02)  # pytest's timeout ends it if the create never comes
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, out + err
    assert "Interrupted: finishing the calls in flight, starting no more..." in out
    assert "Apply interrupted. Done: 1 created" in err
    assert "not started:" in err
    assert "Run apply again to finish" in err
    assert sandbox.api_key not in out + err
    assert len(sandbox.admin.requests(method="POST", path=create)) == 1
    assert len(_live(sandbox)) == 1


def test_no_line_of_apply_reads_as_a_ci_command(campaigns: Campaigns, repo: Path) -> None:
    """A campaign name is one line, but it may begin like a GitHub Actions workflow
    command: apply's progress lines are escaped, like the plan's."""
    _edit(repo, "winback-survey", "name: winback-survey", 'name: "::error title=x::boom"')
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out
    assert not [line for line in (result.out + result.err).splitlines() if line.startswith("::")]
    assert "\\x3a:error title=x::boom: created" in result.out


def test_a_create_is_sent_at_most_the_policys_attempts_in_all(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    """Dograh answers every create with its own 500 and makes nothing: apply sends it
    again after each read, but within the client's one count of attempts, not a count of
    its own on top."""
    policy = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.002, budget=1.0)
    settings = ClientSettings(base_url=sandbox.url, api_key=sandbox.api_key, retry=policy)
    client = DograhClient(settings)
    plan = plan_paths(("campaigns.d",), client)
    change = next(c for c in plan.changes if c.actions[0] == "create")
    sandbox.admin.set_faults(
        {
            "method": "POST",
            "path": "/api/v1/campaign/create",
            "kind": "error",
            "status": 500,
            "body": '{"detail": "Internal error"}',
        }
    )
    with client:
        (outcome,) = Executor(client, parallelism=1, report=lambda line: None).run([change])
    assert outcome.error is not None
    assert "without creating it, still after 3 attempts" in outcome.error
    assert len(sandbox.admin.requests(method="POST", path="/api/v1/campaign/create")) == 3
    assert _live(sandbox) == {}
