"""The diff, pure: desired campaigns and a live state in, a Plan out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.diff import plan_changes
from reconciler.live import LiveCampaign, LiveState
from reconciler.manifest.load import Manifest
from reconciler.plan import FieldChange, Plan
from reconciler.resolve import resolve
from tests.plan.builders import BREAKER, RETRY, live_campaign, manifests, source_id_for, state
from tests.plan.builders import EAST as SCHEDULED


def _plan(found: list[Manifest], live: LiveState, targets: tuple[str, ...] = ()) -> Plan:
    desired, problems = resolve(found, live)
    assert problems == []
    return plan_changes(desired, live, targets=targets)


def _matching(manifest: Manifest, **changes: Any) -> LiveCampaign:
    """The live campaign that applying ``manifest`` creates (then started)."""
    schedule = {
        "enabled": True,
        "timezone": "America/New_York",
        "slots": [{"day_of_week": d, "start_time": "09:00", "end_time": "17:00"} for d in range(5)],
    }
    base: dict[str, Any] = {
        "name": manifest.name,
        "state": "running",
        "source_id": source_id_for(manifest),
        "max_concurrency": 5,
        "schedule_config": schedule,
    }
    return live_campaign(**{**base, **changes})


def test_an_empty_organization_plans_creates(tmp_path: Path) -> None:
    found = manifests(tmp_path, SCHEDULED, "name: west\nworkflow: {id: 2}\nstate: paused")
    plan = _plan(found, state())
    assert [(c.name, c.actions) for c in plan.changes] == [
        ("east", ("create", "start")),
        ("west", ("create",)),
    ]
    east = plan.changes[0]
    assert east.places_calls
    assert east.create_body == {
        "name": "east",
        "workflow_id": 1,
        "source_type": "csv",
        "telephony_configuration_id": 1,
        "max_concurrency": 5,
        "retry_config": RETRY,
        "circuit_breaker": BREAKER,
        "schedule_config": {
            "enabled": True,
            "timezone": "America/New_York",
            "slots": [
                {"day_of_week": d, "start_time": "09:00", "end_time": "17:00"} for d in range(5)
            ],
        },
    }
    assert east.upload is not None
    assert east.upload.file_name == f"c.{found[0].contacts.sha256[:16]}.csv"
    assert plan.summary() == {"create": 2, "update": 0, "start": 1, "pause": 0, "resume": 0}
    assert plan.fingerprints == {"name:east": "absent", "name:west": "absent"}


def test_a_campaign_as_apply_created_it_has_no_changes(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, SCHEDULED)
    plan = _plan([manifest], state(_matching(manifest)))
    assert plan.changes == []
    assert plan.unchanged == ["east"]
    assert not plan.blocked


def test_syncing_is_running_enough(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, SCHEDULED)
    assert _plan([manifest], state(_matching(manifest, state="syncing"))).changes == []


@pytest.mark.parametrize(
    ("live_changes", "expected", "patch"),
    [
        (
            {"max_concurrency": 3},
            [FieldChange("max_concurrency", 3, 5)],
            {"max_concurrency": 5},
        ),
        (
            {"retry_config": {**RETRY, "max_retries": 4}},
            [FieldChange("retry_config.max_retries", 4, 2)],
            {"retry_config": RETRY},
        ),
        (
            {"circuit_breaker": {**BREAKER, "failure_threshold": 0.25, "window_seconds": 60}},
            [
                FieldChange("circuit_breaker.failure_threshold", 0.25, 0.5),
                FieldChange("circuit_breaker.window_seconds", 60, 120),
            ],
            {"circuit_breaker": BREAKER},
        ),
    ],
    ids=["max_concurrency", "retry_config", "circuit_breaker"],
)
def test_each_changed_field_is_exactly_that_update(
    tmp_path: Path,
    live_changes: dict[str, Any],
    expected: list[FieldChange],
    patch: dict[str, Any],
) -> None:
    (manifest,) = manifests(tmp_path, SCHEDULED)
    plan = _plan([manifest], state(_matching(manifest, **live_changes)))
    (change,) = plan.changes
    assert change.actions == ("update",)
    assert list(change.changes) == expected
    assert change.patch_body == patch
    assert not change.places_calls


def test_a_changed_slot_is_named_by_its_path(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, SCHEDULED)
    live = _matching(manifest)
    slots = [dict(slot) for slot in live.schedule_config["slots"]]  # type: ignore[index]
    slots[0]["end_time"] = "18:00"
    config = {**live.schedule_config, "slots": slots}  # type: ignore[dict-item]
    plan = _plan([manifest], state(_matching(manifest, schedule_config=config)))
    (change,) = plan.changes
    assert list(change.changes) == [FieldChange("schedule.slots[0].end", "18:00", "17:00")]
    assert change.patch_body is not None
    assert change.patch_body["schedule_config"]["slots"][0] == {
        "day_of_week": 0,
        "start_time": "09:00",
        "end_time": "17:00",
    }


def test_a_removed_schedule_is_disabled_keeping_its_slots(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, "name: east\nworkflow: Renewal reminder\nstate: running")
    live = _matching(manifest, max_concurrency=None)
    plan = _plan([manifest], state(live))
    (change,) = plan.changes
    assert change.changes[0].path == "schedule"
    assert change.changes[0].after is None
    assert change.patch_body == {
        "schedule_config": {**live.schedule_config, "enabled": False}  # type: ignore[dict-item]
    }


def test_a_disabled_live_schedule_matches_no_schedule(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, "name: east\nworkflow: Renewal reminder\nstate: running")
    live = _matching(manifest, max_concurrency=None)
    disabled = {**live.schedule_config, "enabled": False}  # type: ignore[dict-item]
    assert _plan([manifest], state(_matching(manifest, schedule_config=disabled))).changes == []


def test_unmanaged_fields_are_left_alone(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, "name: east\nworkflow: Renewal reminder\nstate: running")
    live = _matching(manifest, max_concurrency=17, telephony_id=2, schedule_config=None)
    assert _plan([manifest], state(live)).changes == []


def test_a_breaker_reported_as_never_sent_is_sent(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, SCHEDULED)
    plan = _plan([manifest], state(_matching(manifest, circuit_breaker=None)))
    (change,) = plan.changes
    assert list(change.changes) == [FieldChange("circuit_breaker.enabled", False, True)]
    assert "never sent" in change.notes[0]


def test_rename_through_a_pinned_id(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, SCHEDULED.replace("name: east", "name: east-2027\nid: 10"))
    plan = _plan([manifest], state(_matching(manifest, name="east")))
    (change,) = plan.changes
    assert change.rename_from == "east"
    assert change.patch_body == {"name": "east-2027"}
    assert list(change.changes) == [FieldChange("name", "east", "east-2027")]


@pytest.mark.parametrize(
    ("live_state", "desired", "actions", "note"),
    [
        ("created", "running", ("start",), None),
        ("paused", "running", ("resume",), None),
        ("running", "paused", ("pause",), None),
        ("syncing", "paused", ("pause",), None),
        ("created", "paused", (), "never started"),
        ("completed", "running", (), "completed"),
        ("completed", "paused", (), "completed"),
        ("failed", "paused", (), "failed"),
        ("created", "draft", (), None),
        ("paused", "paused", (), None),
    ],
)
def test_lifecycle_transitions(
    tmp_path: Path, live_state: str, desired: str, actions: tuple[str, ...], note: str | None
) -> None:
    (manifest,) = manifests(tmp_path, SCHEDULED.replace("state: running", f"state: {desired}"))
    plan = _plan([manifest], state(_matching(manifest, state=live_state)))
    assert not plan.blocked
    if actions:
        (change,) = plan.changes
        assert change.actions == actions
        assert change.places_calls == (actions[0] in ("start", "resume"))
    else:
        assert plan.changes == []


def _conflicts(plan: Plan) -> list[str]:
    return [f"{c.manifest}: {c.message}" for c in plan.conflicts]


def test_immutable_fields_are_conflicts(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, SCHEDULED)
    live = _matching(
        manifest,
        workflow_id=2,
        workflow_name="Appointment confirmation",
        telephony_id=2,
        telephony_name="Vonage EU",
        source_id="campaigns/1/u_c.ffffffffffffffff.csv",
    )
    plan = _plan([manifest], state(live))
    assert plan.blocked
    assert plan.changes == []
    messages = _conflicts(plan)
    assert len(messages) == 3
    assert messages[0].startswith(f"{manifest.file}:8:13: the workflow cannot change")
    assert "'Appointment confirmation' (id 2)" in messages[0]
    assert "sha256 ffffffffffffffff..." in messages[1]
    assert "'Vonage EU'" in messages[2] and "'Twilio US'" in messages[2]
    assert all("new metadata.name" in m for m in messages)


def test_contacts_not_uploaded_by_this_tool_are_not_a_conflict(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, SCHEDULED)
    live = _matching(manifest, source_id="campaigns/1/abc_contacts.csv")
    assert _plan([manifest], state(live)).changes == []


def test_a_started_campaign_cannot_return_to_draft(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, SCHEDULED.replace("state: running", "state: draft"))
    plan = _plan([manifest], state(_matching(manifest, state="running")))
    assert "cannot return to draft" in _conflicts(plan)[0]
    assert "set state: paused" in _conflicts(plan)[0]


def test_terminal_campaigns_accept_no_change(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, SCHEDULED)
    plan = _plan([manifest], state(_matching(manifest, state="completed", max_concurrency=2)))
    (message,) = _conflicts(plan)
    assert "completed and Dograh accepts no change to it (max_concurrency)" in message
    failed = _matching(manifest, state="failed", last_error="phone number pool exhausted")
    (message,) = _conflicts(_plan([manifest], state(failed)))
    assert "failed (phone number pool exhausted) and Dograh cannot restart it" in message


def test_two_live_campaigns_of_one_name_name_both_ids(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, SCHEDULED)
    plan = _plan([manifest], state(_matching(manifest, id=4), _matching(manifest, id=9)))
    (message,) = _conflicts(plan)
    assert "2 live campaigns are named 'east' (ids 4, 9); pin the one" in message
    assert plan.unmanaged == []


def test_a_pinned_id_wins_over_the_name(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, SCHEDULED.replace("name: east", "name: east\nid: 9"))
    plan = _plan([manifest], state(_matching(manifest, id=4), _matching(manifest, id=9)))
    assert not plan.blocked
    assert [(u.id, u.name) for u in plan.unmanaged] == [(4, "east")]


def test_a_pinned_id_that_does_not_exist(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, SCHEDULED.replace("name: east", "name: east\nid: 77"))
    (message,) = _conflicts(_plan([manifest], state()))
    assert "metadata.id 77 matches no live campaign" in message


def test_unmanaged_campaigns_are_counted_and_never_planned(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, SCHEDULED)
    other = live_campaign(id=3, name="someone-elses", state="running", max_concurrency=99)
    plan = _plan([manifest], state(_matching(manifest), other))
    assert plan.changes == []
    assert [(u.id, u.name, u.state) for u in plan.unmanaged] == [(3, "someone-elses", "running")]
    assert plan.fingerprints.keys() == {"id:10", "id:3"}


def test_targets_narrow_the_plan_but_not_what_is_managed(tmp_path: Path) -> None:
    found = manifests(tmp_path, SCHEDULED, SCHEDULED.replace("name: east", "name: west"))
    live = _matching(found[1], id=11, max_concurrency=1)
    plan = _plan(found, state(live), targets=("east",))
    assert [c.name for c in plan.changes] == ["east"]
    assert plan.unmanaged == []
    assert plan.managed == 1


def test_max_concurrency_beyond_the_organization_limit(tmp_path: Path) -> None:
    (manifest,) = manifests(
        tmp_path, SCHEDULED.replace("max_concurrency: 5", "max_concurrency: 30")
    )
    (message,) = _conflicts(_plan([manifest], state(limit=20)))
    assert message.endswith(
        "max_concurrency (30) cannot exceed 10: the telephony configuration "
        "has 10 phone number(s); add numbers in Dograh or lower spec.max_concurrency"
    )
    (manifest,) = manifests(tmp_path, SCHEDULED.replace("max_concurrency: 5", "max_concurrency: 8"))
    (message,) = _conflicts(_plan([manifest], state(limit=6)))
    assert message.endswith("max_concurrency (8) cannot exceed the organization's limit (6)")


def test_the_plan_is_deterministic(tmp_path: Path) -> None:
    found = manifests(tmp_path, SCHEDULED, SCHEDULED.replace("name: east", "name: west"))
    live = state(_matching(found[0], max_concurrency=2), live_campaign(id=3, name="x"))
    assert _plan(found, live) == _plan(found, live)
