"""The three renderings of one plan, against golden files (UPDATE_GOLDEN=1 rewrites them
after a deliberate change: review the diff of tests/golden/ like code)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
import pytest
from jsonschema import Draft202012Validator

from reconciler.plan import Plan
from reconciler.render.plan_json import render_plan_json
from reconciler.render.plan_markdown import LIMIT, render_plan_markdown
from reconciler.render.plan_text import render_plan_text
from tests.plan.builders import (
    BREAKER,
    EAST,
    live_campaign,
    manifests,
    plan_of,
    source_id_for,
    state,
)

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


@pytest.fixture
def plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Plan:
    monkeypatch.chdir(tmp_path)
    found = manifests(
        tmp_path,
        EAST,
        EAST.replace("name: east", "name: west").replace("max_concurrency: 5", "max_concurrency: 8")
        + "circuit_breaker:\n  failure_threshold: 0.5\n",
        "name: survey\nworkflow: Customer survey\nstate: paused",
        "name: legacy\nworkflow: Renewal reminder\nstate: draft",
        "name: south\nworkflow: Appointment confirmation\nstate: running",
    )
    west, survey, legacy = found[1], found[2], found[3]
    schedule = {
        "enabled": True,
        "timezone": "America/New_York",
        "slots": [{"day_of_week": d, "start_time": "09:00", "end_time": "16:00"} for d in range(4)],
    }
    live = state(
        live_campaign(
            id=21,
            name="west",
            state="paused",
            source_id=source_id_for(west),
            max_concurrency=4,
            schedule_config=schedule,
            circuit_breaker=None,
        ),
        live_campaign(
            id=22,
            name="survey",
            state="running",
            workflow_id=3,
            source_id=source_id_for(survey),
            telephony_configuration_id=1,
        ),
        live_campaign(id=23, name="legacy", state="running", source_id=source_id_for(legacy)),
        live_campaign(id=24, name="adhoc", state="completed", circuit_breaker=BREAKER),
    )
    return plan_of(found, live, resume=("west",))


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_text(plan: Plan) -> None:
    lines = render_plan_text(plan, show_unmanaged=True)
    _golden("plan.txt", "\n".join(click.unstyle(line) for line in lines) + "\n")


def test_json(plan: Plan) -> None:
    text = render_plan_json(plan)
    document = json.loads(text)
    assert document["format_version"] == 3
    assert document["summary"]["places_calls"] == 3
    assert "\n" not in text  # one line
    schema = json.loads((GOLDEN.parent.parent / "schema" / "plan.schema.json").read_text())
    Draft202012Validator(schema).validate(document)  # the published format holds
    _golden("plan.json", json.dumps(document, indent=2) + "\n")  # indented, for review


def test_markdown(plan: Plan) -> None:
    _golden("plan.md", render_plan_markdown(plan, show_unmanaged=True) + "\n")


def test_markdown_stays_within_githubs_limit_and_keeps_the_summary(tmp_path: Path) -> None:
    specs = [EAST.replace("name: east", f"name: campaign-{i:04d}") for i in range(3000)]
    found = manifests(tmp_path, *specs)
    plan = plan_of(found, state())
    text = render_plan_markdown(plan)
    assert len(text) <= LIMIT
    assert "**Plan: 3000 to create, 0 to update, 3000 to start, 0 to pause, 0 to resume.**" in text
    assert "3000 campaigns will place calls" in text
    assert "Cut to fit GitHub's comment limit" in text
    assert text.count("```") % 2 == 0


def test_no_changes_says_so(tmp_path: Path) -> None:
    plan = Plan(unchanged=("east",))
    assert [click.unstyle(line) for line in render_plan_text(plan)] == [
        "No changes. Live campaigns match the manifests."
    ]
    assert "**No changes. Live campaigns match the manifests.**" in render_plan_markdown(plan)
