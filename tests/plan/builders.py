"""Live campaigns and manifests for the pure tests of resolve, diff and the renderers."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import orjson

from reconciler.diff import DiffPart, diff
from reconciler.live import (
    CampaignDefaults,
    LiveCampaign,
    LiveState,
    TelephonyConfig,
    Workflow,
    parse_answer,
)
from reconciler.manifest.load import Manifest
from reconciler.owner import Owner, upload_file_name
from reconciler.plan import Plan
from reconciler.planner.each import each
from reconciler.planner.options import PlanOptions
from reconciler.planner.run import load_manifests
from reconciler.planner.whole import Facts, Review, assemble
from reconciler.resolve import resolve
from reconciler.review import decide

WORKFLOWS = (
    Workflow(1, "Renewal reminder", "active"),
    Workflow(2, "Appointment confirmation", "active"),
    Workflow(3, "Customer survey", "active"),
)
TELEPHONY = (
    TelephonyConfig(1, "Twilio US", is_default_outbound=True, phone_number_count=10),
    TelephonyConfig(2, "Vonage EU", phone_number_count=5),
)
RETRY = {
    "enabled": True,
    "max_retries": 2,
    "retry_delay_seconds": 120,
    "retry_on_busy": True,
    "retry_on_no_answer": True,
    "retry_on_voicemail": True,
}
BREAKER = {
    "enabled": True,
    "failure_threshold": 0.5,
    "window_seconds": 120,
    "min_calls_in_window": 5,
}
CSV = "phone_number,first_name\n+15550100,Ada\n+15550101,Ben\n"
EAST = """
name: east
workflow: Renewal reminder
telephony: Twilio US
state: running
max_concurrency: 5
schedule:
  timezone: America/New_York
  slots:
    - days: [mon, tue, wed, thu, fri]
      start: "09:00"
      end: "17:00"
"""
"""A scheduled, running campaign's spec, as ``manifests`` takes it."""


def manifests(tmp_path: Path, *specs: str) -> list[Manifest]:
    """Manifests from YAML snippets; each snippet is the manifest's ``spec`` plus
    ``name:`` (and optionally ``id:``) on its first lines."""
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "c.csv").write_text(CSV, encoding="utf-8")
    for index, spec in enumerate(specs):
        lines = textwrap.dedent(spec).strip().splitlines()
        meta = [line for line in lines if line.startswith(("name:", "id:"))]
        rest = [line for line in lines if not line.startswith(("name:", "id:"))]
        text = (
            "apiVersion: dograh-campaigns/v1\nkind: Campaign\nmetadata:\n"
            + "".join(f"  {line}\n" for line in meta)
            + "spec:\n  source:\n    csv: c.csv\n"
            + "".join(f"  {line}\n" for line in rest)
        )
        (tmp_path / f"m{index:02d}.yaml").write_text(text, encoding="utf-8")
    found, diagnostics = load_manifests([str(tmp_path)])
    assert not [d for d in diagnostics if d.severity == "error"], diagnostics
    return found


def source_id_for(manifest: Manifest) -> str:
    name = upload_file_name(manifest.contacts.display, OWNER, manifest.contacts.content)
    return f"campaigns/1/0b9f1a2c-uuid_{name}"


def live_campaign(**changes: Any) -> LiveCampaign:
    """A live campaign as Dograh answers it; ``changes`` in Dograh's JSON field names
    (``schedule_config``, ``telephony_configuration_id``...), as dicts or records."""
    base: dict[str, Any] = {
        "id": 10,
        "name": "east",
        "state": "created",
        "workflow_id": 1,
        "workflow_name": "Renewal reminder",
        "source_id": "campaigns/1/uuid_c.0000000000000000.csv",
        "telephony_configuration_id": 1,
        "telephony_configuration_name": "Twilio US",
        "retry_config": dict(RETRY),
        "circuit_breaker": dict(BREAKER),
        "created_at": "2026-11-20T10:00:00Z",
    }
    raw = {**base, **changes}
    return parse_answer(LiveCampaign, orjson.dumps(raw), "a test's campaign")


def state(*campaigns: LiveCampaign, limit: int | None = 20) -> LiveState:
    return LiveState(
        tuple(campaigns), WORKFLOWS, TELEPHONY, CampaignDefaults(concurrent_call_limit=limit)
    )


OWNER = "tests-0a1b2c"


def diff_of(found: list[Manifest], live: LiveState) -> DiffPart:
    """The manifests' changes, as diff makes them (resolve's findings left aside)."""
    desired, _ = resolve(found, live)
    return diff(desired, live, owner=OWNER)


def plan_of(
    found: list[Manifest],
    live: LiveState,
    targets: tuple[str, ...] = (),
    *,
    resume: tuple[str, ...] = (),
) -> Plan:
    """The plan of these manifests against ``live``, as the planner makes it, without
    the cross-checks of loading nor what needs Dograh (live contacts, workflows: see
    tests/commands for those)."""
    part = each(found, live, owner=OWNER, targets=frozenset(targets))
    decision = decide(part.resumes, None, resume)
    facts = Facts(
        files=[], diagnostics=[], broken=False, manifests_hash="", owner=Owner(OWNER, "tests")
    )
    return assemble(
        part,
        facts,
        live,
        PlanOptions(targets=targets, resume=resume),
        Review(notes=decision.notes, held=decision.held),
    )
