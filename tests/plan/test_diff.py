"""The diff, pure: desired campaigns and a live state in, a Plan out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.live import LiveCampaign, RetryConfig
from reconciler.manifest.load import Manifest
from reconciler.plan import FieldChange, Plan
from tests.plan.builders import (
    BREAKER,
    OWNER,
    RETRY,
    diff_of,
    live_campaign,
    manifests,
    plan_of,
    source_id_for,
    state,
)
from tests.plan.builders import EAST as SCHEDULED

MANAGED = (
    SCHEDULED
    + """retry_config:
  max_retries: 2
circuit_breaker:
  failure_threshold: 0.5
"""
)
"""The scheduled campaign with every optional setting managed."""
WEEKDAYS = [{"day_of_week": d, "start_time": "09:00", "end_time": "17:00"} for d in range(5)]


def _matching(manifest: Manifest, **changes: Any) -> LiveCampaign:
    """The live campaign that applying ``manifest`` creates (then started)."""
    base: dict[str, Any] = {
        "name": manifest.name,
        "state": "running",
        "source_id": source_id_for(manifest),
        "max_concurrency": 5,
        "schedule_config": {"enabled": True, "timezone": "America/New_York", "slots": WEEKDAYS},
    }
    return live_campaign(**{**base, **changes})


def test_an_empty_organization_plans_creates(tmp_path: Path) -> None:
    found = manifests(tmp_path, MANAGED, "name: west\nworkflow: {id: 2}\nstate: paused")
    plan = plan_of(found, state())
    assert [(c.name, c.actions) for c in plan.changes] == [
        ("east", ("create", "start")),
        ("west", ("create",)),
    ]
    east, _ = plan.changes
    assert east.places_calls
    assert east.requests.create is not None
    assert east.requests.create.body("key") == {
        "name": "east",
        "workflow_id": 1,
        "source_type": "csv",
        "source_id": "key",
        "telephony_configuration_id": 1,
        "max_concurrency": 5,
        "retry_config": RETRY,
        "circuit_breaker": BREAKER,
        "schedule_config": {"enabled": True, "timezone": "America/New_York", "slots": WEEKDAYS},
    }
    assert east.requests.upload is not None
    assert east.requests.upload.file_name == f"c.dc-{OWNER}.{found[0].contacts.content}.csv"
    assert plan.counts() == {
        "create": 2,
        "update": 0,
        "redial": 0,
        "start": 1,
        "pause": 0,
        "resume": 0,
    }
    assert east.defaults == ()


def test_omitted_settings_are_not_sent_and_show_dograhs_defaults(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, "name: west\nworkflow: {id: 2}\nstate: draft")
    (change,) = plan_of([manifest], state()).changes
    assert change.requests.create is not None
    assert change.requests.create.body("key") == {
        "name": "west",
        "workflow_id": 2,
        "source_type": "csv",
        "source_id": "key",
    }
    assert change.defaults == ("telephony", "retry_config", "circuit_breaker")
    assert change.after["telephony"] == 1  # Twilio US: default outbound
    assert change.after["retry_config"]["max_retries"] == 1
    assert change.after["retry_config"]["retry_on_voicemail"] is False
    assert change.after["circuit_breaker"]["enabled"] is True


def test_the_organizations_retry_default_is_the_one_shown(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, "name: west\nworkflow: {id: 2}")
    live = state()
    default = RetryConfig(True, 3, 600, True, False, False)
    live = live.__class__(
        live.campaigns, live.workflows, live.telephony, live.defaults.__class__(20, 10, default)
    )
    (change,) = plan_of([manifest], live).changes
    assert change.after["retry_config"]["max_retries"] == 3
    assert change.after["retry_config"]["retry_delay_seconds"] == 600


def test_a_campaign_as_apply_created_it_has_no_changes(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, MANAGED)
    plan = plan_of([manifest], state(_matching(manifest)))
    assert plan.changes == ()
    assert plan.unchanged == ("east",)
    assert not plan.blocked


def test_syncing_is_running_enough(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, MANAGED)
    assert plan_of([manifest], state(_matching(manifest, state="syncing"))).changes == ()


@pytest.mark.parametrize(
    ("live_changes", "expected", "patch"),
    [
        (
            {"max_concurrency": 3},
            [FieldChange(path="max_concurrency", before=3, after=5)],
            {"max_concurrency": 5},
        ),
        (
            {"retry_config": {**RETRY, "max_retries": 4}},
            [FieldChange(path="retry_config.max_retries", before=4, after=2)],
            {"retry_config": RETRY},
        ),
        (
            {"circuit_breaker": {**BREAKER, "failure_threshold": 0.25, "window_seconds": 60}},
            [
                FieldChange(path="circuit_breaker.failure_threshold", before=0.25, after=0.5),
                FieldChange(path="circuit_breaker.window_seconds", before=60, after=120),
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
    (manifest,) = manifests(tmp_path, MANAGED)
    plan = plan_of([manifest], state(_matching(manifest, **live_changes)))
    (change,) = plan.changes
    assert change.actions == ("update",)
    assert list(change.changes) == expected
    assert change.requests.update is not None
    assert change.requests.update.body() == patch
    assert not change.places_calls


def test_omitted_settings_are_never_changed(tmp_path: Path) -> None:
    """A manifest without retry_config leaves Dograh's alone."""
    (manifest,) = manifests(tmp_path, SCHEDULED)
    retry = {**RETRY, "max_retries": 1, "retry_on_voicemail": False}
    live = _matching(manifest, retry_config=retry, circuit_breaker=None)
    assert plan_of([manifest], state(live)).changes == ()


def test_a_changed_window_reads_as_the_manifest_writes_it(tmp_path: Path) -> None:
    """One line for one slot of five days, not five."""
    (manifest,) = manifests(tmp_path, MANAGED)
    slots = [{**slot, "end_time": "18:30"} for slot in WEEKDAYS]
    config = {"enabled": True, "timezone": "America/New_York", "slots": slots}
    (change,) = plan_of([manifest], state(_matching(manifest, schedule_config=config))).changes
    weekdays = ["mon", "tue", "wed", "thu", "fri"]
    assert list(change.changes) == [
        FieldChange(
            path="schedule.slots",
            before={"days": weekdays, "start": "09:00", "end": "18:30"},
            after={"days": weekdays, "start": "09:00", "end": "17:00"},
        )
    ]
    assert change.requests.update is not None
    assert change.requests.update.body()["schedule_config"]["slots"][0] == WEEKDAYS[0]


def test_an_added_window_is_one_addition(tmp_path: Path) -> None:
    (manifest,) = manifests(
        tmp_path,
        MANAGED.replace(
            '      end: "17:00"\n',
            '      end: "17:00"\n    - days: [mon]\n      start: "07:00"\n      end: "08:00"\n',
        ),
    )
    (change,) = plan_of([manifest], state(_matching(manifest))).changes
    assert list(change.changes) == [
        FieldChange(
            path="schedule.slots",
            before=None,
            after={"days": ["mon"], "start": "07:00", "end": "08:00"},
        )
    ]


def test_a_removed_schedule_is_disabled_keeping_its_slots(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, "name: east\nworkflow: Renewal reminder\nstate: running")
    live = _matching(manifest, max_concurrency=None)
    (change,) = plan_of([manifest], state(live)).changes
    assert change.changes[0].path == "schedule"
    assert change.changes[0].after is None
    assert change.requests.update is not None
    assert change.requests.update.body() == {
        "schedule_config": {"enabled": False, "timezone": "America/New_York", "slots": WEEKDAYS}
    }


def test_a_disabled_live_schedule_matches_no_schedule(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, "name: east\nworkflow: Renewal reminder\nstate: running")
    disabled = {"enabled": False, "timezone": "America/New_York", "slots": WEEKDAYS}
    live = _matching(manifest, schedule_config=disabled, max_concurrency=None)
    assert plan_of([manifest], state(live)).changes == ()


def test_unmanaged_fields_are_left_alone(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, "name: east\nworkflow: Renewal reminder\nstate: running")
    live = _matching(
        manifest, max_concurrency=17, telephony_configuration_id=2, schedule_config=None
    )
    assert plan_of([manifest], state(live)).changes == ()


def test_a_breaker_reported_as_never_sent_is_sent_when_managed(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, MANAGED)
    (change,) = plan_of([manifest], state(_matching(manifest, circuit_breaker=None))).changes
    assert list(change.changes) == [
        FieldChange(path="circuit_breaker.enabled", before=False, after=True)
    ]
    assert "never sent" in change.notes[0]


def test_rename_through_a_pinned_id(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, MANAGED.replace("name: east", "name: east-2027\nid: 10"))
    (change,) = plan_of([manifest], state(_matching(manifest, name="east"))).changes
    assert change.rename_from == "east"
    assert change.requests.update is not None
    assert change.requests.update.body() == {"name": "east-2027"}
    assert list(change.changes) == [FieldChange(path="name", before="east", after="east-2027")]


@pytest.mark.parametrize(
    ("live_state", "desired", "actions"),
    [
        ("created", "running", ("start",)),
        ("paused", "running", ()),  # held: see test_a_paused_campaign_is_held_unless_asked
        ("running", "paused", ("pause",)),
        ("syncing", "paused", ("pause",)),
        ("created", "paused", ()),
        ("completed", "running", ()),
        ("completed", "paused", ()),
        ("failed", "paused", ()),
        ("created", "draft", ()),
        ("paused", "paused", ()),
    ],
)
def test_lifecycle_transitions(
    tmp_path: Path, live_state: str, desired: str, actions: tuple[str, ...]
) -> None:
    (manifest,) = manifests(tmp_path, MANAGED.replace("state: running", f"state: {desired}"))
    plan = plan_of([manifest], state(_matching(manifest, state=live_state)))
    assert not plan.blocked
    if actions:
        (change,) = plan.changes
        assert change.actions == actions
        assert change.places_calls == (actions[0] in ("start", "resume"))
    else:
        assert plan.changes == ()


def _conflicts(plan: Plan) -> list[str]:
    return [f"{c.manifest}: {c.message}" for c in plan.conflicts]


def _errors(plan: Plan) -> list[str]:
    return [f"{d.line}:{d.column}: {d.path}: {d.message}" for d in plan.errors]


def test_immutable_fields_are_conflicts(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, MANAGED)
    live = _matching(
        manifest,
        workflow_id=2,
        workflow_name="Appointment confirmation",
        telephony_configuration_id=2,
        telephony_configuration_name="Vonage EU",
    )
    plan = plan_of([manifest], state(live))
    assert plan.blocked
    assert plan.changes == ()
    messages = _conflicts(plan)
    assert len(messages) == 2
    assert messages[0].startswith(f"{manifest.file}:8:13: the workflow cannot change")
    assert "'Appointment confirmation' (id 2)" in messages[0]
    assert "'Vonage EU'" in messages[1] and "'Twilio US'" in messages[1]
    assert all("new metadata.name" in m for m in messages)


def test_other_contacts_of_ours_are_left_to_the_pipeline_to_count(tmp_path: Path) -> None:
    """The upload name says which contacts a campaign of ours has: other ones are a
    conflict, settled (with counts, from the live file) where Dograh can be read."""
    (manifest,) = manifests(tmp_path, MANAGED)
    other = f"campaigns/1/u_c.dc-{OWNER}.ffffffffffffffff.csv"
    part = diff_of([manifest], state(_matching(manifest, source_id=other)))
    assert (part.changes, part.conflicts) == ([], [])
    (check,) = part.contacts
    assert (check.live_content, check.content) == ("ffffffffffffffff", manifest.contacts.content)


def test_a_campaign_made_elsewhere_is_never_taken_over_by_name(tmp_path: Path) -> None:
    """A new manifest named like another team's campaign."""
    (manifest,) = manifests(tmp_path, MANAGED)
    for source_id, who in (
        ("campaigns/1/abc_contacts.csv", "not created by these manifests"),
        ("campaigns/1/abc_c.dc-other-team.6a6d37f53df41255.csv", "owner 'other-team'"),
    ):
        live = _matching(manifest, id=31, source_id=source_id, state="running")
        plan = plan_of([manifest], state(live))
        (message,) = _conflicts(plan)
        assert who in message
        assert "pin metadata.id: 31" in message
        assert plan.changes == ()


def test_a_pinned_campaign_made_elsewhere_is_compared_by_its_live_contacts(
    tmp_path: Path,
) -> None:
    """Adoption compares the live file with the CSV (by the
    pipeline, which reads Dograh); the change waits for that comparison."""
    (manifest,) = manifests(tmp_path, MANAGED.replace("name: east", "name: east\nid: 10"))
    live = _matching(manifest, source_id="campaigns/1/abc_contacts.csv", max_concurrency=2)
    part = diff_of([manifest], state(live))
    (check,) = part.contacts
    assert (check.live_content, check.why, check.campaign_id) == (None, "pinned", 10)
    assert [c.actions for c in part.changes] == [("update",)]


def test_a_started_campaign_cannot_return_to_draft(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, MANAGED.replace("state: running", "state: draft"))
    plan = plan_of([manifest], state(_matching(manifest, state="running")))
    assert "cannot return to draft" in _conflicts(plan)[0]
    assert "set state: paused" in _conflicts(plan)[0]


def test_terminal_campaigns_are_warnings_not_conflicts(tmp_path: Path) -> None:
    """A failed campaign never blocks the plan of the others."""
    found = manifests(tmp_path, MANAGED, MANAGED.replace("name: east", "name: west"))
    done = _matching(found[0], state="completed", max_concurrency=2)
    plan = plan_of(found, state(done))
    assert not plan.blocked
    assert [c.name for c in plan.changes] == ["west"]
    (warning,) = plan.warnings
    refused = "completed and Dograh accepts no change to it (max_concurrency 2 -> 5)"
    assert refused in warning.message
    logs = [{"ts": "2026-11-20T10:00:00+00:00", "level": "error", "event": "batch_failed",
             "message": "Batch processing failed: no phone numbers"}]  # fmt: skip
    failed = _matching(found[0], state="failed", logs=logs)
    plan = plan_of(found, state(failed))
    assert not plan.blocked
    (warning,) = plan.warnings
    assert warning.path == "spec.state"
    assert (
        "the campaign failed: Batch processing failed: no phone numbers; Dograh cannot "
        "restart it" in warning.message
    )
    assert [c.name for c in plan.changes] == ["west"]


def test_two_live_campaigns_of_one_name_name_both_ids(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, MANAGED)
    plan = plan_of([manifest], state(_matching(manifest, id=4), _matching(manifest, id=9)))
    (message,) = _conflicts(plan)
    assert "2 live campaigns named 'east' were created from this repository (ids 4, 9)" in message
    assert plan.unmanaged == ()


def test_an_unstarted_twin_is_named_and_left_alone(tmp_path: Path) -> None:
    """Two applies at once, or a create that landed after apply gave up on it: the
    oldest campaign is the manifest's; the unstarted later one is named, never started."""
    (manifest,) = manifests(tmp_path, MANAGED)
    plan = plan_of(
        [manifest], state(_matching(manifest, id=4), _matching(manifest, id=9, state="created"))
    )
    assert not plan.blocked and plan.changes == ()
    (warning,) = [d.message for d in plan.diagnostics if d.severity == "warning"]
    assert warning.startswith(
        "live campaign 9 is an unstarted twin of 'east' (id 4), left by two applies at once "
        "or by a create answered too late; this manifest manages id 4 and never starts"
    )


def test_a_pinned_id_wins_over_the_name(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, MANAGED.replace("name: east", "name: east\nid: 9"))
    live = state(_matching(manifest, id=4), _matching(manifest, id=9))
    plan = plan_of([manifest], live)
    assert not plan.blocked
    # The other one, created from this repository and dialing, has no manifest: paused.
    (pause,) = plan.changes
    assert (pause.id, pause.actions, pause.manifest) == (4, ("pause",), None)
    assert pause.reason is not None and "its manifest is gone" in pause.reason


def test_a_pinned_id_that_does_not_exist(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, MANAGED.replace("name: east", "name: east\nid: 77"))
    (message,) = _conflicts(plan_of([manifest], state()))
    assert "metadata.id 77 matches no live campaign" in message


def test_unmanaged_campaigns_are_counted_and_never_planned(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, MANAGED)
    other = live_campaign(id=3, name="someone-elses", state="running", max_concurrency=99)
    plan = plan_of([manifest], state(_matching(manifest), other))
    assert plan.changes == ()
    assert [(u.id, u.name, u.state) for u in plan.unmanaged] == [(3, "someone-elses", "running")]
    assert plan.fingerprints.keys() == {"id:10", "id:3"}


def test_targets_narrow_the_plan_but_not_what_is_managed(tmp_path: Path) -> None:
    found = manifests(tmp_path, MANAGED, MANAGED.replace("name: east", "name: west"))
    live = _matching(found[1], id=11, max_concurrency=1)
    plan = plan_of(found, state(live), targets=("east",))
    assert [c.name for c in plan.changes] == ["east"]
    assert plan.unmanaged == ()
    assert plan.managed == 1


def test_max_concurrency_beyond_the_organization_limit(tmp_path: Path) -> None:
    (manifest,) = manifests(tmp_path, MANAGED.replace("max_concurrency: 5", "max_concurrency: 30"))
    (message,) = _errors(plan_of([manifest], state(limit=20)))
    assert message.endswith(
        "max_concurrency (30) cannot exceed 10: the telephony configuration "
        "has 10 phone number(s); add numbers in Dograh or lower spec.max_concurrency"
    )
    assert message.startswith("11:20: spec.max_concurrency: ")
    (manifest,) = manifests(tmp_path, MANAGED.replace("max_concurrency: 5", "max_concurrency: 8"))
    (message,) = _errors(plan_of([manifest], state(limit=6)))
    assert message.endswith("max_concurrency (8) cannot exceed the organization's limit (6)")


def test_the_plan_is_deterministic(tmp_path: Path) -> None:
    found = manifests(tmp_path, MANAGED, MANAGED.replace("name: east", "name: west"))
    live = state(_matching(found[0], max_concurrency=2), live_campaign(id=3, name="x"))
    assert plan_of(found, live) == plan_of(found, live)
