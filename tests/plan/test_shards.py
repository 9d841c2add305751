"""Loading in a pool of processes gives the plan one process gives, in the same order.

The process count is forced (``jobs``), so that these tests compare this process alone
(the main-thread executor) with three processes (this one and a pool of two), whatever
the machine's CPUs."""

from __future__ import annotations

from pathlib import Path

import pytest

from dograh_sandbox.testing import SandboxHandle
from reconciler.client_settings import ClientSettings
from reconciler.manifest.contacts import contacts_of_bytes
from reconciler.owner import default_owner, upload_file_name
from reconciler.plan import Plan
from reconciler.planner.options import PlanOptions
from reconciler.planner.run import connected, plan_paths, validate_paths
from tests.plan.builders import BREAKER, RETRY

MANIFEST = """\
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: shard-{i:03d}{pin}
spec:
  workflow: Customer survey
  source:
    csv: contacts/shard-{i:03d}.csv
  state: {state}
  max_concurrency: {concurrency}
"""


def _repository(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "campaigns.d" / "contacts").mkdir(parents=True)
    for i in range(60):
        pin = "\n  id: 2" if i == 7 else ""  # pins live campaign 2 (named shard-001)
        state = ("running", "paused", "draft")[i % 3]
        (tmp_path / "campaigns.d" / "contacts" / f"shard-{i:03d}.csv").write_text(
            # a London number: no rule of this tool holds there, so these schedule-less
            # manifests pass the calling-hours check, and the number is one it can place
            f"phone_number,first_name\n+4420794{60000 + i},Ada\n"
        )
        (tmp_path / "campaigns.d" / f"shard-{i:03d}.yaml").write_text(
            MANIFEST.format(i=i, pin=pin, state=state, concurrency=1 + i % 5)
        )


def _plan(sandbox: SandboxHandle, jobs: int) -> Plan:
    settings = ClientSettings(base_url=sandbox.url, api_key=sandbox.api_key)
    with connected(settings) as client:
        return plan_paths(("campaigns.d",), client, PlanOptions(jobs=jobs))


def test_a_pool_plans_like_one_process(
    tmp_path: Path, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    _repository(tmp_path)
    monkeypatch.chdir(tmp_path)
    # Live: some campaigns as the manifests want them, some not, one unmanaged; made
    # from this repository (their upload names), but for id 2, pinned by shard-007 and
    # adopted: its contacts are shard-007's. Ids follow the records' order.
    owner = default_owner(tmp_path).token
    contacts = tmp_path / "campaigns.d" / "contacts"
    records: list[dict[str, object]] = []
    for i in range(40):
        csv = (contacts / f"shard-{i:03d}.csv").read_bytes()
        facts, _ = contacts_of_bytes(csv, "", "")
        assert facts is not None
        records.append(
            {
                "name": f"shard-{i:03d}",
                "workflow": "Customer survey",
                "state": "running" if i == 2 else "created",  # shard-002 wants draft: a conflict
                "retry_config": RETRY,
                "circuit_breaker": BREAKER,
                "max_concurrency": 1 + i % 5 if i % 4 else 9,
                "source_id": f"campaigns/1/{i:04d}_"
                + upload_file_name(f"shard-{i:03d}.csv", owner, facts.content),
            }
        )
    adopted = (contacts / "shard-007.csv").read_text()
    records[1] = {**records[1], "source_id": "campaigns/1/ui_made.csv", "csv": adopted}
    records.append({"name": "not-ours", "workflow": "Customer survey", "state": "running"})
    sandbox.admin.insert_campaigns(records)
    alone = _plan(sandbox, jobs=1)
    assert not alone.errors, alone.errors
    shared = _plan(sandbox, jobs=3)
    assert shared.changes == alone.changes
    assert shared.unchanged == alone.unchanged
    assert shared.conflicts == alone.conflicts
    assert shared.diagnostics == alone.diagnostics
    assert [u.id for u in shared.unmanaged] == [u.id for u in alone.unmanaged]
    assert shared.fingerprints == alone.fingerprints
    assert (shared.manifests_hash, shared.managed, shared.live) == (
        alone.manifests_hash,
        alone.managed,
        alone.live,
    )
    assert shared.changes and shared.conflicts and shared.unchanged and shared.unmanaged


def test_a_pool_reports_broken_manifests_like_one_process(
    tmp_path: Path, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    _repository(tmp_path)
    monkeypatch.chdir(tmp_path)
    broken = tmp_path / "campaigns.d" / "shard-054.yaml"
    broken.write_text(broken.read_text().replace("state: running", "state: runing"))
    twin = tmp_path / "campaigns.d" / "shard-003.yaml"
    twin.write_text(twin.read_text().replace("shard-003\n", "shard-050\n"))
    alone = _plan(sandbox, jobs=1)
    shared = _plan(sandbox, jobs=3)
    assert shared.blocked
    assert shared.diagnostics == alone.diagnostics
    assert len(shared.errors) == 3  # the typo, and the name used twice (both places)


SCHEDULE = (
    "  schedule:\n    timezone: America/New_York\n    slots:\n"
    '      - days: [mon, tue, wed, thu, fri]\n        start: "19:00"\n        end: "20:50"\n'
)
POLICY = "apiVersion: dograh-campaigns/v1\nkind: Policy\nmetadata:\n  name: org-policy\n"


@pytest.mark.parametrize("policy_file", ["a-policy.yaml", "b-policy.yaml"])
@pytest.mark.parametrize("margin", [0, 15])
def test_calling_hours_are_checked_under_the_policy_another_process_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy_file: str, margin: int
) -> None:
    """The Policy decides the calling hours of every manifest, whichever process loaded
    it. With two processes, a-*.yaml is the first one's file and b-*.yaml the second's:
    New York numbers called until 20:50 pass with no margin only."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "campaigns.d" / "contacts").mkdir(parents=True)
    (tmp_path / "campaigns.d" / "contacts" / "shard-001.csv").write_text(
        "phone_number,first_name\n+12125550123,Ada\n+12124567890,Bo\n"
    )
    campaign = MANIFEST.format(i=1, pin="", state="running", concurrency=1) + SCHEDULE
    campaign_file = "a-late.yaml" if policy_file.startswith("b") else "b-late.yaml"
    (tmp_path / "campaigns.d" / campaign_file).write_text(campaign)
    policy = POLICY + f"spec:\n  calling_hours:\n    margin_minutes: {margin}\n"
    (tmp_path / "campaigns.d" / policy_file).write_text(policy)
    monkeypatch.chdir(tmp_path)
    alone = validate_paths(["campaigns.d"], jobs=1)
    shared = validate_paths(["campaigns.d"], jobs=2)
    assert shared.diagnostics == alone.diagnostics
    found = [d.message for d in shared.diagnostics if d.severity == "error"]
    if margin == 0:
        assert found == []
    else:
        assert len(found) == 1 and "shard-001: mon-fri 19:00-20:50 America/New_York" in found[0]
