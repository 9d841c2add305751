"""spec.redial against the sandbox: a completed campaign's redial is planned, made once
and started only as its manifest says, whatever the network does to the answer
(docs/dograh-api.md §2.9). The parent runs under the sandbox's manual clock, some of its
contacts not answering, until Dograh completes it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from dograh_sandbox.testing import SandboxHandle
from reconciler import apply as apply_module
from reconciler.apply import ApplyError, Executor
from reconciler.client import DograhClient
from reconciler.client_settings import ClientSettings, RetryPolicy
from reconciler.commands.apply import ApplyRequest, run_apply
from reconciler.planner.options import PlanOptions
from reconciler.planner.run import plan_paths
from tests.commands.conftest import NO_CHANGES, Campaigns

MONDAY_MORNING_NEW_YORK = "2026-11-30T15:00:00Z"
"""10:00 in New York: the parent's window is open."""

EAST = """\
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: spring-renewals-east
spec:
  workflow: Renewal reminder
  source:
    csv: contacts/spring-renewals-east.csv
  telephony: {telephony}
  state: running
  max_concurrency: 5
  retry_config:
    enabled: false
  schedule:
    timezone: America/New_York
    slots:
      - days: [mon, tue, wed, thu, fri]
        start: "09:00"
        end: "17:00"
  redial:
    on: [no_answer, busy]
    state: {state}
"""
PARENT = "spring-renewals-east"
CHILD = "spring-renewals-east (Redial)"


def _manifest(repo: Path, *, state: str = "running", telephony: str = "Twilio US") -> None:
    """The one manifest of the repository: the campaign, and its redial."""
    directory = repo / "campaigns.d"
    for other in ("appointments-west", "winback-survey"):
        (directory / f"{other}.yaml").unlink()
    (directory / f"{PARENT}.yaml").write_text(EAST.format(state=state, telephony=telephony))


def _live(sandbox: SandboxHandle) -> dict[str, dict[str, Any]]:
    campaigns = sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
    return {c["name"]: c for c in campaigns}


def _completed(
    campaigns: Campaigns, sandbox: SandboxHandle, *, no_answer_rate: float = 0.5
) -> dict[str, Any]:
    """Apply the manifest (the parent starts), then run the clock until Dograh completes
    the parent: the contacts that did not answer are the redial's."""
    sandbox.admin.set_clock(MONDAY_MORNING_NEW_YORK)
    sandbox.admin.set_simulation(no_answer_rate=no_answer_rate, failure_rate=0.0)
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    for _ in range(30):
        sandbox.admin.advance(60)
        parent = _live(sandbox)[PARENT]
        if parent["state"] == "completed":
            return parent
    raise AssertionError(f"the parent did not complete: {parent['state']}")


def _redials(sandbox: SandboxHandle, parent_id: int) -> list[Any]:
    return sandbox.admin.requests(method="POST", path=f"/api/v1/campaign/{parent_id}/redial")


def _starts(sandbox: SandboxHandle, campaign_id: int) -> list[Any]:
    return sandbox.admin.requests(method="POST", path=f"/api/v1/campaign/{campaign_id}/start")


def test_a_redial_is_made_once_its_parent_completes_then_started(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    _manifest(repo)
    parent = _completed(campaigns, sandbox)
    assert parent["redialed_campaign_id"] is None
    result = campaigns("plan", "--detailed-exitcode")
    assert result.code == 2, result.out
    assert (
        f"  # {CHILD} will be created by redialing {PARENT} (id {parent['id']}), then started: "
        "PLACES CALLS"
    ) in result.out
    assert (
        "Plan: 0 to create, 0 to update, 1 to start, 0 to pause, 0 to resume, 1 to redial."
        in result.out
    )
    assert f"1 campaign will place calls: {CHILD}." in result.out
    document = json.loads(campaigns("plan", "--format", "json").out)
    (change,) = document["changes"]
    assert change["requests"]["redial"] == {
        "retry_on_voicemail": False,
        "retry_on_no_answer": True,
        "retry_on_busy": True,
    }
    assert change["redial"]["contacts_at_most"] == parent["total_rows"] == 40

    sandbox.admin.clear_requests()
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    live = _live(sandbox)
    child = live[CHILD]
    assert f"{CHILD}: redialed (id {child['id']}) in " in result.out
    assert "Apply complete! 1 redialed, 1 started." in result.out
    assert live[PARENT]["redialed_campaign_id"] == child["id"]
    assert child["parent_campaign_id"] == parent["id"]
    assert 0 < child["total_rows"] < 40  # the contacts that did not answer, only
    assert child["state"] == "running"
    assert len(_redials(sandbox, parent["id"])) == 1
    assert len(_starts(sandbox, child["id"])) == 1
    # Made once: the redial is found through its parent, and nothing is left to do.
    result = campaigns("plan", "--detailed-exitcode")
    assert (result.code, result.out) == (0, NO_CHANGES)
    status = campaigns("status").out
    assert (
        f'redial: "{CHILD}" (id {child["id"]}), running, managed by '
        "campaigns.d/spring-renewals-east.yaml:21:5" in status
    )
    # Counted: a summary without the redial would read as if nothing were dialing.
    assert status.endswith("2 managed campaigns (1 of them a redial): 1 running, 1 completed.\n"), (
        status
    )
    # Managed through spec.redial: not a campaign for import to adopt.
    assert campaigns("import").out.startswith("Nothing to import: every live campaign")
    # It completes in turn; the parent's manifest never makes a second one.
    for _ in range(30):
        sandbox.admin.advance(60)
        if _live(sandbox)[CHILD]["state"] == "completed":
            break
    assert campaigns("apply", "--auto-approve").out.endswith(
        "No changes. Live campaigns match the manifests.\n"
    )
    assert len(_redials(sandbox, parent["id"])) == 1


def test_a_lost_redial_answer_is_settled_by_reading_the_parent(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    """Dograh made the redial and the answer was lost on the way (the connection closed
    after its handler committed): the parent names the redial, so it is not sent again."""
    _manifest(repo)
    parent = _completed(campaigns, sandbox)
    sandbox.admin.set_faults(
        {"method": "POST", "path": "/api/v1/campaign/*/redial", "kind": "drop", "count": 1}
    )
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    child = _live(sandbox)[CHILD]
    assert (
        f"{CHILD}: the redial's answer was lost (no answer), but Dograh has it (id "
        f"{child['id']}): not redialing again" in result.out
    )
    assert "Apply complete! 1 redialed, 1 started." in result.out
    assert len(_redials(sandbox, parent["id"])) == 1
    assert sorted(_live(sandbox)) == [PARENT, CHILD]
    assert child["state"] == "running"


def test_a_redial_without_any_answer_is_never_sent_blindly(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No answer at all (the connection reset): the parent is read again for a while,
    names no redial, and the outcome is reported unknown; the next apply plans again."""
    monkeypatch.setattr(apply_module, "UNANSWERED_WAIT", 0.3)
    _manifest(repo)
    parent = _completed(campaigns, sandbox)
    sandbox.admin.set_faults(
        {"method": "POST", "path": "/api/v1/campaign/*/redial", "kind": "reset", "count": 1}
    )
    result = campaigns("apply", "--auto-approve")
    assert result.code == 1
    assert (
        f"outcome unknown: the redial was sent and no answer came, and '{PARENT}' (id "
        f"{parent['id']}) names no redial after 0 s. Dograh may still be handling it: wait a "
        "few minutes, then run apply again"
    ) in result.out
    assert "Apply failed for 1 of 1 campaigns. Done: nothing changed." in result.out
    assert len(_redials(sandbox, parent["id"])) == 1
    assert CHILD not in _live(sandbox)
    # The reset came before Dograh's handler: nothing was made, so the next apply makes it.
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    assert len(_redials(sandbox, parent["id"])) == 2
    assert sorted(_live(sandbox)) == [PARENT, CHILD]


def test_a_redial_made_after_the_wait_is_found_by_the_next_apply(
    repo: Path,
    sandbox: SandboxHandle,
    campaigns: Campaigns,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A slow Dograh: the client gives up, and Dograh makes the redial later. Apply reads
    the parent for a while, then says the outcome is unknown; the next apply finds the
    redial through the parent and starts it, without a second redial."""
    monkeypatch.setattr(apply_module, "UNANSWERED_WAIT", 0.2)
    _manifest(repo)
    parent = _completed(campaigns, sandbox)
    sandbox.admin.set_faults(
        {
            "method": "POST",
            "path": "/api/v1/campaign/*/redial",
            "kind": "latency",
            "seconds": 1.5,
            "count": 1,
        }
    )
    settings = ClientSettings(
        base_url=sandbox.url,
        api_key=sandbox.api_key,
        request_timeout=0.5,
        retry=RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.1, budget=10),
    )
    request = ApplyRequest(
        plan_file=None,
        paths=("campaigns.d",),
        options=PlanOptions(),
        auto_approve=True,
        parallelism=1,
        color=False,
        client=settings,
        interactive=False,
        allow_dirty=True,
    )
    capsys.readouterr()
    assert run_apply(request) == 1
    assert "outcome unknown: the redial was sent and no answer came" in capsys.readouterr().out
    while CHILD not in _live(sandbox):  # pytest's timeout ends it if it never comes
        time.sleep(0.1)  # Dograh (the sandbox's latency fault) is still at it
    child = _live(sandbox)[CHILD]
    assert child["state"] == "created"
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    assert f"  # {CHILD} (id {child['id']}) will be started: PLACES CALLS" in result.out
    assert "Apply complete! 1 started." in result.out
    assert len(_redials(sandbox, parent["id"])) == 1
    assert _live(sandbox)[CHILD]["state"] == "running"


def test_nobody_to_redial_is_an_outcome_not_an_error(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    """Everyone answered: Dograh refuses the redial ("No subscribers match"). Nobody is
    left to call, which is what the manifest asked for: exit 0, said as such."""
    _manifest(repo)
    parent = _completed(campaigns, sandbox, no_answer_rate=0.0)
    result = campaigns("plan")
    assert f"# {CHILD} will be created by redialing {PARENT}" in result.out  # Dograh picks
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    assert (
        f"{CHILD}: nothing to redial: no contact of '{PARENT}' (id {parent['id']}) had a last "
        "call that ended in no answer or busy (Dograh: No subscribers match the selected "
        "redial criteria)" in result.out
    )
    assert "Apply complete! nothing changed; 1 redial found nobody to call again." in result.out
    assert "FAILED" not in result.out and "did not converge" not in result.err
    assert sorted(_live(sandbox)) == [PARENT]
    assert len(_redials(sandbox, parent["id"])) == 1


def test_a_redial_made_meanwhile_is_read_not_made_again(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone redials the parent in Dograh between the plan and the request: Dograh
    refuses ("already been redialed"), the redial is read through the parent, and started
    as the manifest says."""
    _manifest(repo)
    parent = _completed(campaigns, sandbox)
    redial = DograhClient.redial

    def someone_else_first(self: DograhClient, campaign_id: int, body: Any, *rest: Any) -> Any:
        made = sandbox.request("POST", f"/api/v1/campaign/{campaign_id}/redial", json={})
        assert made.status_code == 200, made.text
        return redial(self, campaign_id, body, *rest)

    monkeypatch.setattr(DograhClient, "redial", someone_else_first)
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    child = _live(sandbox)[CHILD]
    assert (
        f"{CHILD}: already redialed by another apply or in Dograh (id {child['id']}, created): "
        "not redialing again" in result.out
    )
    assert "Apply complete! 1 started." in result.out
    assert len(_redials(sandbox, parent["id"])) == 2  # ours refused
    assert child["state"] == "running"


POLICY = """\
apiVersion: dograh-campaigns/v1
kind: Policy
metadata:
  name: org-policy
spec:
  limits:
    {limit}
"""


def test_the_policy_counts_a_redial_that_starts(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    _manifest(repo)
    parent = _completed(campaigns, sandbox)
    policy = repo / "campaigns.d" / "policy.yaml"
    policy.write_text(POLICY.format(limit="max_starts_per_apply: 0"))
    result = campaigns("apply", "--auto-approve")
    assert result.code == 1
    assert (
        f"campaigns.d/policy.yaml:6:3: error: spec: this plan starts or resumes 1 campaign "
        f"({CHILD}); the Policy allows 0 per apply (limits.max_starts_per_apply)" in result.out
    )
    policy.write_text(POLICY.format(limit="max_new_contacts_per_apply: 39"))
    result = campaigns("plan")
    assert result.code == 1
    assert (
        "this plan puts 40 contacts into new campaigns (at most: a redial counts all its "
        "parent's contacts, of which Dograh calls again those whose last call ended as "
        "spec.redial.on says); the Policy allows 39 per apply" in result.out
    )
    assert len(_redials(sandbox, parent["id"])) == 0
    policy.write_text(POLICY.format(limit="max_starts_per_apply: 1"))
    assert campaigns("apply", "--auto-approve").code == 0


def test_a_draft_redial_is_made_and_never_started(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    _manifest(repo, state="draft", telephony="Vonage EU")
    parent = _completed(campaigns, sandbox)
    result = campaigns("plan")
    assert f"  # {CHILD} will be created by redialing {PARENT} (id {parent['id']})\n" in (
        result.out
    )
    assert "PLACES CALLS\n" not in result.out.split("> start or resume")[1]
    # The configuration it will call through, said: Dograh copies none from the parent.
    assert (
        '      + telephony       = "Twilio US" (id 1) (Dograh\'s default, resolved at each '
        "batch: a redial copies none)" in result.out
    )
    assert (
        f"    note: '{PARENT}' called through 'Vonage EU'; Dograh does not copy a campaign's "
        "telephony configuration to its redial, which calls through the organization's "
        "default, 'Twilio US' (id 1)" in result.out
    )

    # A plan that starts it anyway is refused before any request: the manifest says draft.
    settings = ClientSettings(base_url=sandbox.url, api_key=sandbox.api_key)
    client = DograhClient(settings)
    plan = plan_paths(("campaigns.d",), client)
    (change,) = plan.changes
    tampered = change.model_copy(update={"actions": ("redial", "start")})
    sandbox.admin.clear_requests()
    with client, pytest.raises(ApplyError) as refused:
        Executor(client, parallelism=1, report=lambda line: None).run([tampered])
    assert str(refused.value) == (
        f"{CHILD}: the plan asks to start a campaign whose manifest says spec.redial.state: "
        "draft; refusing (only spec.redial.state: running places calls)"
    )
    assert sandbox.admin.requests(method="POST") == []
    # A saved plan edited to start it is not the plan made again: refused too.
    assert campaigns("plan", "--out", "reviewed.plan").code == 0
    saved = json.loads((repo / "reviewed.plan").read_text())
    saved["plan"]["changes"][0]["actions"] = ["redial", "start"]
    (repo / "reviewed.plan").write_text(json.dumps(saved))
    result = campaigns("apply", "reviewed.plan")
    assert result.code == 1
    assert f"What differs:\n  - {CHILD}: actions redial, start -> redial\n" in result.err
    assert sandbox.admin.requests(method="POST") == []
    # The plan as reviewed applies: the parent it redials has not changed since.
    assert campaigns("plan", "--out", "reviewed.plan").code == 0
    result = campaigns("apply", "reviewed.plan")
    assert result.code == 0, result.out + result.err
    assert "Apply complete! 1 redialed." in result.out
    child = _live(sandbox)[CHILD]
    assert child["state"] == "created"
    assert _starts(sandbox, child["id"]) == []
    assert campaigns("plan").out == NO_CHANGES


def test_a_redial_answered_unreadably_is_found_through_its_parent(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    """A success answer without the redial's ``id`` (a proxy, another version; no Dograh
    does it: the sandbox's ``omit`` fault): the redial happened, so it is found through
    the parent, never sent again, and started as the manifest says."""
    _manifest(repo)
    parent = _completed(campaigns, sandbox)
    sandbox.admin.set_faults(
        {"method": "POST", "path": "/api/v1/campaign/*/redial", "kind": "omit", "key": "id"}
    )
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    child = _live(sandbox)[CHILD]
    assert (
        f"{CHILD}: Dograh's answer to the redial could not be read, but Dograh has the "
        f"campaign (id {child['id']}): going on with it" in result.out
    )
    assert "Apply complete! 1 redialed, 1 started." in result.out
    assert len(_redials(sandbox, parent["id"])) == 1
    assert child["state"] == "running"
