"""Who Dograh dials: the column it reads, and each person once.

A header Dograh reads twice (its sync keeps the last column of a name) and one person
in several rows are errors of validate; one person in two campaigns that dial after
the plan blocks plan and apply unless the Policy's limits.max_shared_contacts allows
it. The CLI against the sandbox, over loopback: nothing is created or dialled when the
plan is blocked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dograh_sandbox.testing import SandboxHandle
from tests.commands.conftest import OWNER, Campaigns

MANIFEST = """\
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: {name}
spec:
  workflow: Customer survey
  source:
    csv: contacts/{name}.csv
  state: {state}
  schedule:
    timezone: America/New_York
    slots:
      - days: [mon, tue, wed, thu, fri]
        start: "10:00"
        end: "16:00"
"""

POLICY = """\
apiVersion: dograh-campaigns/v1
kind: Policy
metadata:
  name: org-policy
spec:
  limits:
    max_shared_contacts: {allowed}
"""


def _campaign(repo: Path, name: str, csv: str, state: str = "running") -> None:
    (repo / "campaigns.d" / "contacts" / f"{name}.csv").write_text(csv, encoding="utf-8")
    (repo / "campaigns.d" / f"{name}.yaml").write_text(
        MANIFEST.format(name=name, state=state), encoding="utf-8"
    )


def _east_rows(repo: Path) -> list[str]:
    """The numbers of the example campaign spring-renewals-east, rows 2, 3, ..."""
    text = (repo / "campaigns.d" / "contacts" / "spring-renewals-east.csv").read_text()
    return [line.split(",")[0] for line in text.splitlines()[1:]]


def _live(sandbox: SandboxHandle) -> dict[str, dict[str, Any]]:
    campaigns = sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
    return {c["name"]: c for c in campaigns}


def _nothing_dialled(sandbox: SandboxHandle) -> None:
    posts = sandbox.admin.requests(method="POST")
    assert [r.path for r in posts if r.path.endswith(("/create", "/start", "/resume"))] == []
    assert sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"] == []


def test_a_header_dograh_reads_twice_is_an_error(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    """Dograh checks the first phone_number column at create and dials the last: the
    checks would pass a file whose other column is called at night."""
    _campaign(
        repo,
        "two-columns",
        "phone_number,first_name,Phone_Number\n+12125550142,Ada,+18085550142\n",
    )
    result = campaigns("validate")
    assert result.code == 1
    assert result.out.startswith(
        "campaigns.d/contacts/two-columns.csv:1:25: columns 1 ('phone_number') and 3 "
        "('Phone_Number') are one column to Dograh, 'phone_number' (it strips and lowercases "
        "headers): each call dials column 3's number, while its checks at create read "
        "column 1; rename or remove all but one of them\n"
    )
    assert campaigns("apply", "--auto-approve").code == 1
    _nothing_dialled(sandbox)


def test_one_person_in_three_spellings_is_an_error(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    number = _east_rows(repo)[0]
    area, exchange, line = number[2:5], number[5:8], number[8:]
    spellings = [number, f"+1 ({area}) {exchange}-{line}", f"+1.{area}.{exchange}.{line}"]
    _campaign(
        repo,
        "spelled",
        "phone_number,first_name\n+12125550199,Ada\n" + ",Ben\n".join(spellings) + ",Ben\n",
    )
    result = campaigns("validate")
    assert result.code == 1
    assert (
        "campaigns.d/contacts/spelled.csv:4:1: one person is in more than one row "
        "(3 rows in all: rows 3, 4, 5): one number, however it is written; Dograh compares "
        "the text and would call them once per row; keep one row per number"
    ) in result.out
    # The file stays readable, so the campaign's other problems are said in the same run.
    assert "is also in 'spelled' (campaigns.d/spelled.yaml: " in result.out
    assert all(spelling not in result.out for spelling in spellings)
    result = campaigns("apply", "--auto-approve")
    assert result.code == 1
    assert all(spelling not in result.out for spelling in spellings)
    _nothing_dialled(sandbox)


def test_one_person_in_two_running_campaigns_blocks_apply(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    """Two spellings across campaigns are one person too; the message names both
    manifests, the rows of each, and the two ways out."""
    east = _east_rows(repo)
    spelled = f"+1 {east[2][2:5]} {east[2][5:8]} {east[2][8:]}"
    _campaign(repo, "again", f"phone_number,first_name\n+12125550199,A\n{east[0]},B\n{spelled},C\n")
    result = campaigns("validate")
    assert result.code == 0, result.out
    shared = (
        "spring-renewals-east: 2 people in campaigns.d/contacts/spring-renewals-east.csv "
        "(rows 2, 4) are also in 'again' (campaigns.d/again.yaml: "
        "campaigns.d/contacts/again.csv, rows 3, 4), and both campaigns dial"
    )
    assert (
        f"campaigns.d/spring-renewals-east.yaml:6:9: warning: metadata.name: {shared}: each "
        "would call them. 2 people are in more than one dialing campaign, and without a "
        "Policy none is allowed (limits.max_shared_contacts, default 0); plan and apply "
        "refuse this. Remove those rows from one of the CSVs, or raise "
        "limits.max_shared_contacts in a Policy document in a reviewed change\n"
    ) in result.out
    result = campaigns("apply", "--auto-approve")
    assert result.code == 1
    assert (
        f"campaigns.d/spring-renewals-east.yaml:6:9: error: metadata.name: {shared} after "
        "this plan: each would call them."
    ) in result.out
    _nothing_dialled(sandbox)


def test_the_policy_may_allow_shared_contacts(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    east = _east_rows(repo)
    _campaign(repo, "again", f"phone_number,first_name\n{east[0]},A\n{east[1]},B\n")
    (repo / "campaigns.d" / "policy.yaml").write_text(POLICY.format(allowed=1))
    result = campaigns("plan")
    assert result.code == 1
    assert (
        "2 people are in more than one dialing campaign, and the Policy 'org-policy' allows "
        "1 (limits.max_shared_contacts). Remove those rows from one of the CSVs, or raise "
        "limits.max_shared_contacts in the Policy 'org-policy' in a reviewed change"
    ) in result.out
    (repo / "campaigns.d" / "policy.yaml").write_text(POLICY.format(allowed=2))
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out
    assert (
        "warning: metadata.name: spring-renewals-east: 2 people in "
        "campaigns.d/contacts/spring-renewals-east.csv (rows 2, 3) are also in 'again'"
    ) in result.out
    assert "the Policy 'org-policy' allows 2 shared in all (limits.max_shared_contacts)" in (
        result.out
    )
    live = sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
    assert sorted(c["name"] for c in live if c["state"] != "created") == [
        "again",
        "appointments-west",
        "spring-renewals-east",
    ]


def test_a_draft_or_a_completed_campaign_shares_nobody(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    """Only campaigns that dial after the plan count: a draft does not, and neither does
    a completed one (Dograh never runs it again), whatever its manifest says."""
    east = _east_rows(repo)
    _campaign(repo, "again", f"phone_number,first_name\n{east[0]},A\n", state="paused")
    result = campaigns("plan")
    assert "also in" not in result.out, result.out
    _campaign(repo, "again", f"phone_number,first_name\n{east[0]},A\n")
    upload = f"spring-renewals-east.dc-{OWNER}.ee633c402405a415.csv"
    sandbox.admin.insert_campaigns(
        [
            {
                "name": "spring-renewals-east",
                "workflow": "Renewal reminder",
                "state": "completed",
                "source_id": f"campaigns/1/0000_{upload}",
            }
        ]
    )
    result = campaigns("apply", "--auto-approve")
    assert result.code == 0, result.out
    assert "also in" not in result.out


def test_a_held_campaign_shares_nobody_until_it_is_resumed(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    """Paused by Dograh's breaker, spring-renewals-east is held, and does not dial after
    the plan; resuming it (--resume) would, and that plan is blocked."""
    sandbox.admin.set_clock("2026-11-30T15:00:00Z")  # 10:00 in New York: east dials
    assert campaigns("apply", "--auto-approve").code == 0
    sandbox.admin.advance(1)  # the syncs end: running
    sandbox.admin.set_simulation(failure_rate=1.0)
    sandbox.admin.advance(30)
    sandbox.admin.set_simulation(failure_rate=0.0)
    assert _live(sandbox)["spring-renewals-east"]["state"] == "paused"
    east = _east_rows(repo)
    _campaign(repo, "again", f"phone_number,first_name\n{east[0]},A\n")
    result = campaigns("plan")
    assert result.code == 0, result.out
    assert "held paused" in result.out
    assert "also in" not in result.out
    result = campaigns("apply", "--auto-approve", "--resume", "spring-renewals-east")
    assert result.code == 1
    assert "1 person in campaigns.d/contacts/spring-renewals-east.csv (row 2) is also in" in (
        result.out
    )
    live = _live(sandbox)
    assert "again" not in live
    assert live["spring-renewals-east"]["state"] == "paused"
