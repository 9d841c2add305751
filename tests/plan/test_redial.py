"""spec.redial in the diff, pure: a completed campaign's redial to make, or the state of
the one made (docs/dograh-api.md §2.9), and what plan shows of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from reconciler.calling_hours import dials
from reconciler.diff import Resume, diff
from reconciler.live import LiveCampaign, TelephonyConfig
from reconciler.manifest.load import Manifest
from reconciler.manifest.located import Place
from reconciler.plan import Plan
from reconciler.planner.run import load_manifests, validate_paths
from reconciler.render.plan_markdown import render_plan_markdown
from reconciler.render.plan_text import render_plan_text
from reconciler.resolve import resolve
from reconciler.review import decide
from tests.commands.conftest import git, init_repository
from tests.hours.helpers import MIAMI
from tests.plan.builders import (
    BREAKER,
    EAST,
    OWNER,
    RETRY,
    live_campaign,
    manifests,
    plan_of,
    source_id_for,
    state,
)

REDIAL = EAST + "redial:\n  on: [no_answer, busy]\n  state: running\n"
"""The scheduled running campaign, redialed and started once it completes."""
WEEKDAYS = [{"day_of_week": d, "start_time": "09:00", "end_time": "17:00"} for d in range(5)]


def _parent(manifest: Manifest, **changes: Any) -> LiveCampaign:
    """The campaign apply created from ``manifest``, completed with 40 rows."""
    base: dict[str, Any] = {
        "id": 10,
        "name": manifest.name,
        "state": "completed",
        "source_id": source_id_for(manifest),
        "max_concurrency": 5,
        "schedule_config": {"enabled": True, "timezone": "America/New_York", "slots": WEEKDAYS},
        "total_rows": 40,
    }
    return live_campaign(**{**base, **changes})


def _child(parent: LiveCampaign, **changes: Any) -> LiveCampaign:
    """Its redial as Dograh makes it: the parent's settings, no telephony (§2.9)."""
    base: dict[str, Any] = {
        "id": 11,
        "name": f"{parent.name} (Redial)",
        "state": "created",
        "source_id": parent.source_id,
        "parent_campaign_id": parent.id,
        "telephony_configuration_id": None,
        "telephony_configuration_name": None,
        "max_concurrency": 5,
        "schedule_config": {"enabled": True, "timezone": "America/New_York", "slots": WEEKDAYS},
        "total_rows": 7,
    }
    return live_campaign(**{**base, **changes})


def _text(plan: Plan) -> str:
    return "\n".join(click.unstyle(line) for line in render_plan_text(plan, color=False))


def test_a_completed_campaign_is_redialed_then_started(tmp_path: Path) -> None:
    (east,) = manifests(tmp_path, REDIAL)
    plan = plan_of([east], state(_parent(east)))
    (change,) = plan.changes
    assert (change.name, change.id, change.actions) == ("east (Redial)", None, ("redial", "start"))
    assert change.places_calls and change.desired_state == "running"
    assert str(change.manifest) == f"{east.file}:19:5"  # spec.redial
    assert change.redial is not None
    assert (change.redial.parent_id, change.redial.on) == (10, ("no_answer", "busy"))
    assert change.redial.contacts_at_most == 40
    assert change.requests.redial is not None
    assert change.requests.redial.body() == {  # every flag sent: Dograh's defaults are true
        "retry_on_voicemail": False,
        "retry_on_no_answer": True,
        "retry_on_busy": True,
    }
    # Dograh copies no telephony configuration: the organization's default is used.
    assert change.after["telephony"] == 1 and change.defaults == ("telephony",)
    assert change.inherited == (
        "workflow",
        "source",
        "max_concurrency",
        "retry_config",
        "schedule",
        "circuit_breaker",
    )
    assert plan.unchanged == ("east",)
    assert plan.summary.redial == 1 and plan.summary.start == 1
    text = _text(plan)
    assert (
        "  # east (Redial) will be created by redialing east (id 10), then started: PLACES CALLS"
        in text
    )
    assert (
        '      + telephony       = "Twilio US" (id 1) (Dograh\'s default, resolved at each '
        "batch: a redial copies none)" in text
    )
    assert (
        "      + contacts        = at most 40 contacts: those of the parent whose last call "
        "ended in no answer or busy (Dograh picks them when it makes the redial)" in text
    )
    assert "      + schedule        = mon-fri 09:00-17:00 (America/New_York) (the parent's)" in text
    assert "Plan: 0 to create, 0 to update, 1 to start, 0 to pause, 0 to resume, 1 to redial." in (
        text
    )
    assert "1 campaign will place calls: east (Redial)." in text
    markdown = render_plan_markdown(plan)
    assert "| `east (Redial)` | redial, start | **yes** |" in markdown
    assert '+ campaign "east (Redial)"' in markdown


def test_its_own_name_and_retries_are_sent(tmp_path: Path) -> None:
    spec = (
        EAST
        + "redial:\n  on: [voicemail]\n  name: east again\n  retry_config:\n    max_retries: 0\n"
    )
    (east,) = manifests(tmp_path, spec)
    (change,) = plan_of([east], state(_parent(east))).changes
    assert (change.name, change.actions, change.places_calls) == ("east again", ("redial",), False)
    assert change.requests.redial is not None
    assert change.requests.redial.body() == {
        "name": "east again",
        "retry_on_voicemail": True,
        "retry_on_no_answer": False,
        "retry_on_busy": False,
        "retry_config": {**RETRY, "max_retries": 0},
    }
    assert "retry_config" not in change.inherited


def test_nothing_is_redialed_before_completion_nor_after_a_failure(tmp_path: Path) -> None:
    (east,) = manifests(tmp_path, REDIAL)
    assert plan_of([east], state(_parent(east, state="running"))).changes == ()
    plan = plan_of([east], state(_parent(east, state="failed")))
    assert plan.changes == ()
    assert any(
        d.path == "spec.redial" and "Dograh redials only completed campaigns" in d.message
        for d in plan.warnings
    )


def test_once_redialed_only_the_redials_state_is_planned(tmp_path: Path) -> None:
    (east,) = manifests(tmp_path, REDIAL)
    parent = _parent(east, redialed_campaign_id=11)
    plan = plan_of([east], state(parent, _child(parent)))
    (change,) = plan.changes
    assert (change.name, change.id, change.actions) == ("east (Redial)", 11, ("start",))
    assert change.redial is not None and change.redial.parent_id == 10
    assert plan.summary.redial == 0
    assert plan.unmanaged == () and plan.matched == {10: "east", 11: "east"}
    assert "  # east (Redial) (id 11) will be started: PLACES CALLS" in _text(plan)
    # Started: nothing more, whatever else of it differs from the manifest.
    running = _child(parent, state="running", max_concurrency=2)
    assert plan_of([east], state(parent, running)).changes == ()
    # A draft redial: made, never started.
    (tmp_path / "draft").mkdir()
    (draft,) = manifests(tmp_path / "draft", REDIAL.replace("state: running\n", "state: draft\n"))
    assert plan_of([draft], state(parent, _child(parent))).changes == ()


def test_a_running_redial_is_its_parents_not_an_orphan(tmp_path: Path) -> None:
    (east,) = manifests(tmp_path, REDIAL)
    parent = _parent(east, redialed_campaign_id=11)
    plan = plan_of([east], state(parent, _child(parent, state="running")))
    assert plan.changes == ()
    # Managed, though only another manifest is planned (--target).
    (tmp_path / "two").mkdir()
    found = manifests(tmp_path / "two", REDIAL, "name: west\nworkflow: Renewal reminder")
    plan = plan_of(found, state(parent, _child(parent, state="running")), targets=("west",))
    assert plan.unmanaged == ()
    # Without spec.redial, a running campaign of this repository that no manifest names is
    # paused: it dials only while a manifest says so.
    (tmp_path / "bare").mkdir()
    (bare,) = manifests(tmp_path / "bare", EAST)
    plan = plan_of([bare], state(parent, _child(parent, state="running")))
    assert [(c.id, c.actions, c.reason is not None) for c in plan.changes] == [
        (11, ("pause",), True)
    ]


def test_a_paused_redial_is_held_like_any_campaign(tmp_path: Path) -> None:
    (east,) = manifests(tmp_path, REDIAL)
    parent = _parent(east, redialed_campaign_id=11)
    live = state(parent, _child(parent, state="paused"))
    plan = plan_of([east], live)
    assert plan.changes == ()
    (held,) = plan.held
    assert (held.name, held.id) == ("east (Redial)", 11)
    assert str(held.manifest) == f"{east.file}:20:12"  # spec.redial.state
    assert "held paused" in held.reason and "--resume 'east (Redial)'" in held.reason
    plan = plan_of([east], live, resume=("east (Redial)",))
    (change,) = plan.changes
    assert (change.id, change.actions) == (11, ("resume",))
    assert change.notes[-1] == "resumed: --resume east (Redial)"


def test_a_started_redial_cannot_return_to_draft(tmp_path: Path) -> None:
    (east,) = manifests(tmp_path, REDIAL.replace("state: running\n", "state: draft\n"))
    parent = _parent(east, redialed_campaign_id=11)
    plan = plan_of([east], state(parent, _child(parent, state="running")))
    (conflict,) = plan.conflicts
    assert conflict.id == 11
    assert conflict.message == (
        "the redial 'east (Redial)' (id 11) is running: a started campaign cannot return to "
        "draft; set spec.redial.state: paused to stop it dialing, or running to let it go on"
    )


def test_a_redial_pinned_by_its_own_manifest_is_that_manifests(tmp_path: Path) -> None:
    found = manifests(tmp_path, REDIAL, "name: east (Redial)\nid: 11\nworkflow: Renewal reminder")
    parent = _parent(found[0], redialed_campaign_id=11)
    live = state(parent, _child(parent))
    desired, _ = resolve(found, live)
    part = diff(desired, live, owner=OWNER, claimed=frozenset({11}))
    assert [c.redial for c in part.changes] == [None]  # its own manifest's update only
    assert part.redials == {}
    assert part.matched == {10: "east", 11: "east (Redial)"}


def test_the_redials_telephony_is_preflighted_as_a_start(tmp_path: Path) -> None:
    (east,) = manifests(tmp_path, REDIAL)
    parent = _parent(east)
    numberless = TelephonyConfig(1, "Twilio US", is_default_outbound=True, phone_number_count=0)
    blocked = TelephonyConfig(
        1,
        "Twilio US",
        is_default_outbound=True,
        is_ready_for_outbound=False,
        outbound_blocked_reason="Add a number.",
        phone_number_count=10,
    )
    for config, message in [
        (numberless, "the telephony configuration 'Twilio US' has no phone numbers"),
        (blocked, "'Twilio US' is not ready for outbound calls. Add a number.; Dograh would "),
    ]:
        live = state(parent)
        live = type(live)(live.campaigns, live.workflows, (config,), live.defaults)
        plan = plan_of([east], live)
        assert plan.changes == ()
        assert [(e.path, e.message[: len(message)]) for e in plan.errors] == [
            ("spec.redial", message)
        ]
    # A draft redial dials nothing: Dograh makes it without any telephony check (§2.9).
    (tmp_path / "draft").mkdir()
    (draft,) = manifests(tmp_path / "draft", REDIAL.replace("state: running\n", "state: draft\n"))
    live = state(_parent(draft))
    live = type(live)(live.campaigns, live.workflows, (numberless,), live.defaults)
    assert [c.actions for c in plan_of([draft], live).changes] == [("redial",)]


def test_the_parents_telephony_is_not_the_redials(tmp_path: Path) -> None:
    (east,) = manifests(tmp_path, REDIAL.replace("telephony: Twilio US", "telephony: Vonage EU"))
    parent = _parent(east, telephony_configuration_id=2, telephony_configuration_name="Vonage EU")
    (change,) = plan_of([east], state(parent)).changes
    assert change.after["telephony"] == 1
    assert change.notes == (
        "'east' called through 'Vonage EU'; Dograh does not copy a campaign's telephony "
        "configuration to its redial, which calls through the organization's default, "
        "'Twilio US' (id 1)",
    )


def test_a_redial_is_not_started_in_a_schedule_other_than_the_manifests(tmp_path: Path) -> None:
    (east,) = manifests(tmp_path, REDIAL)
    evenings = [{"day_of_week": d, "start_time": "09:00", "end_time": "21:30"} for d in range(5)]
    schedule = {"enabled": True, "timezone": "America/New_York", "slots": evenings}
    plan = plan_of([east], state(_parent(east, schedule_config=schedule)))
    assert plan.changes == ()
    (error,) = plan.errors
    assert error.path == "spec.redial"
    assert error.message.startswith(
        "the redial would call in the schedule Dograh holds for 'east' (id 10), which is not "
        "spec.schedule, and the calling hours are checked on spec.schedule"
    )


def test_a_breaker_never_sent_runs_dograhs_default_in_the_redial(tmp_path: Path) -> None:
    (east,) = manifests(tmp_path, REDIAL)
    never_sent = {**BREAKER, "enabled": False}  # as Dograh reports an omitted one
    (change,) = plan_of([east], state(_parent(east, circuit_breaker=never_sent))).changes
    assert change.after["circuit_breaker"] == BREAKER
    assert change.defaults == ("telephony", "circuit_breaker")
    assert "+ circuit_breaker = {enabled = true, " in _text(plan_of([east], state(_parent(east))))


def test_a_redial_that_starts_dials_for_the_calling_hours(tmp_path: Path) -> None:
    found = manifests(
        tmp_path,
        "name: a\nworkflow: Renewal reminder\nstate: paused\nredial:\n  on: [busy]\n"
        "  state: running",
        "name: b\nworkflow: Renewal reminder\nstate: paused\nredial:\n  on: [busy]",
    )
    assert [dials(m) for m in found] == [True, False]


def test_a_redials_name_is_a_campaign_name(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "c.csv").write_text("phone_number\n+15550100\n", encoding="utf-8")
    head = "apiVersion: dograh-campaigns/v1\nkind: Campaign\nmetadata:\n  name: {name}\nspec:\n"
    body = "  workflow: Renewal reminder\n  source:\n    csv: c.csv\n"
    (tmp_path / "a.yaml").write_text(
        head.format(name="east") + body + "  redial:\n    on: [busy]\n", encoding="utf-8"
    )
    (tmp_path / "b.yaml").write_text(head.format(name="east (Redial)") + body, encoding="utf-8")
    (tmp_path / "c.yaml").write_text(
        head.format(name="west") + body + "  redial:\n    on: [busy]\n    name: west\n",
        encoding="utf-8",
    )
    _, diagnostics = load_manifests([str(tmp_path)])
    need = "a redial is a campaign of its own, and needs a name no other campaign has"
    found = [
        f"{Path(d.file).name}:{d.line}: {d.path}: {d.message}".replace(f"{tmp_path}/", "")
        for d in diagnostics
    ]
    assert sorted(found) == [
        f"a.yaml:10: spec.redial: the campaign name 'east (Redial)' is also used at b.yaml:4:9; "
        f"{need}",
        f"b.yaml:4: metadata.name: the campaign name 'east (Redial)' is also used at "
        f"a.yaml:10:5; {need}",
        f"c.yaml:11: spec.redial.name: the campaign name 'west' is also used at c.yaml:4:9; {need}",
        f"c.yaml:4: metadata.name: the campaign name 'west' is also used at c.yaml:11:11; {need}",
    ]
    # A manifest that pins the redial's id (as import writes it) shares its name harmlessly.
    (tmp_path / "b.yaml").write_text(
        head.format(name="east (Redial)\n  id: 11") + body, encoding="utf-8"
    )
    (tmp_path / "c.yaml").unlink()
    assert load_manifests([str(tmp_path)])[1] == []


def _reviewed(directory: Path, base_text: str | None) -> str:
    """What the review of ``--base main`` says of east's paused redial, its parent manifest
    (m.yaml) having said ``base_text`` at main (None: no such file there): the note of a
    resume that goes ahead, else the reason it is held."""
    directory.mkdir()
    init_repository(directory)
    if base_text is not None:
        (directory / "m.yaml").write_text(f"apiVersion: dograh-campaigns/v1\n{base_text}")
        git(directory, "add", "m.yaml")
    git(directory, "commit", "-q", "--allow-empty", "-m", "base")
    resume = Resume(
        name="east (Redial)",
        campaign_id=11,
        file=str(directory / "m.yaml"),
        pinned_id=None,
        where=Place(file="m.yaml", line=17, column=10),
        reason="paused",
        manifest_name="east",
        state_path="spec.redial.state",
    )
    decision = decide([resume], "main", ())
    if decision.resumed == {11}:
        return decision.notes[11]
    [held] = decision.held
    return held.reason


def test_a_reviewed_change_reads_the_redials_state_at_its_base(tmp_path: Path) -> None:
    text = "kind: Campaign\nmetadata:\n  name: east\nspec:\n  state: running\n"
    sets = "resumed: the change under review sets redial.state: running"
    # No redial there: none that dials.
    assert _reviewed(tmp_path / "a", text) == f"{sets} (redial.state: draft at main)"
    paused = text + "  redial:\n    on: [busy]\n    state: paused\n"
    assert _reviewed(tmp_path / "b", paused) == f"{sets} (redial.state: paused at main)"
    west = text.replace("name: east", "name: west")
    assert _reviewed(tmp_path / "c", west) == f"{sets} (no such manifest at main)"
    running = paused.replace("state: paused", "state: running")
    assert _reviewed(tmp_path / "d", running).startswith(
        "paused; held paused: redial.state: running is not new since main. To resume it: "
    )


def test_the_calling_hours_of_a_redial_that_starts_are_checked(tmp_path: Path) -> None:
    """The parent is paused and done with, but its redial will dial the same contacts in
    the same schedule: the manifest is checked as a running one, at spec.redial.state
    when it has no schedule."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "c.csv").write_text(f"phone_number\n{MIAMI}\n", encoding="utf-8")
    manifest = (
        "apiVersion: dograh-campaigns/v1\nkind: Campaign\nmetadata:\n  name: east\nspec:\n"
        "  workflow: Renewal reminder\n  source:\n    csv: c.csv\n  state: paused\n"
        "  redial:\n    on: [busy]\n    state: {state}\n"
    )
    (tmp_path / "m.yaml").write_text(manifest.format(state="running"), encoding="utf-8")
    found = validate_paths([str(tmp_path)]).diagnostics
    assert {(d.line, d.path, d.severity) for d in found} == {(12, "spec.redial.state", "error")}
    assert all(d.message.startswith("east: no schedule: Dograh calls at any hour") for d in found)
    (tmp_path / "m.yaml").write_text(manifest.format(state="draft"), encoding="utf-8")
    assert validate_paths([str(tmp_path)]).diagnostics == []
