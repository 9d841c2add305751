"""Planning in several processes gives the plan one process gives, in the same order.

The share count is forced (``jobs``), so that these tests compare one process with
three whatever the machine's CPUs."""

from __future__ import annotations

from pathlib import Path

import pytest

from dograh_sandbox.testing import SandboxHandle
from reconciler.client import ClientSettings
from reconciler.manifest.contacts import contacts_of_bytes
from reconciler.owner import default_owner, upload_file_name
from reconciler.pipeline import PlanOptions, plan_paths
from reconciler.plan import Plan
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
            f"phone_number,first_name\n+1555{i:04d}01,Ada\n"
        )
        (tmp_path / "campaigns.d" / f"shard-{i:03d}.yaml").write_text(
            MANIFEST.format(i=i, pin=pin, state=state, concurrency=1 + i % 5)
        )


def _plan(sandbox: SandboxHandle, jobs: int) -> Plan:
    settings = ClientSettings(base_url=sandbox.url, api_key=sandbox.api_key)
    plan, client = plan_paths(("campaigns.d",), settings, PlanOptions(jobs=jobs))
    if client is not None:
        client.close()
    return plan


def test_shares_plan_like_one_process(
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


def test_shares_report_broken_manifests_like_one_process(
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
