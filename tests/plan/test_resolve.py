"""Names to ids, with the manifest line of every problem."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from reconciler.diff import plan_changes
from reconciler.live import TelephonyConfig, Workflow
from reconciler.resolve import resolve
from tests.plan.builders import TELEPHONY, WORKFLOWS, manifests, state


def _problems(tmp_path: Path, spec: str, workflows: tuple[Workflow, ...] = WORKFLOWS) -> list[str]:
    found = manifests(tmp_path, spec)
    _, problems = resolve(found, dataclasses.replace(state(), workflows=workflows))
    return [f"{p.line}:{p.column}: {p.severity}: {p.path}: {p.message}" for p in problems]


def test_unknown_workflow_suggests_the_closest(tmp_path: Path) -> None:
    assert _problems(tmp_path, "name: e\nworkflow: Renewal reminders") == [
        "8:13: error: spec.workflow: no workflow named 'Renewal reminders' in this "
        "organization; did you mean 'Renewal reminder'?"
    ]


def test_unknown_workflow_lists_what_exists(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, "name: e\nworkflow: Zzz")
    assert problem.endswith(
        "the organization has 'Appointment confirmation', 'Customer survey', 'Renewal reminder'"
    )


def test_two_workflows_of_one_name(tmp_path: Path) -> None:
    workflows = (*WORKFLOWS, Workflow(8, "Renewal reminder", "active"))
    assert _problems(tmp_path, "name: e\nworkflow: Renewal reminder", workflows=workflows) == [
        "8:13: error: spec.workflow: 2 workflows are named 'Renewal reminder' (ids 1, 8); "
        "give the one you mean as {id: N}"
    ]


def test_an_archived_namesake_does_not_make_it_ambiguous(tmp_path: Path) -> None:
    workflows = (*WORKFLOWS, Workflow(8, "Renewal reminder", "archived"))
    assert _problems(tmp_path, "name: e\nworkflow: Renewal reminder", workflows=workflows) == []


def test_an_archived_workflow_is_a_warning(tmp_path: Path) -> None:
    workflows = (Workflow(5, "Old script", "archived"),)
    assert _problems(tmp_path, "name: e\nworkflow: Old script", workflows=workflows) == [
        "8:13: warning: spec.workflow: the workflow 'Old script' (id 5) is archived; Dograh "
        "still runs campaigns on it"
    ]


def test_ids_that_do_not_exist(tmp_path: Path) -> None:
    assert _problems(tmp_path, "name: e\nworkflow: {id: 99}\ntelephony: {id: 42}") == [
        "8:13: error: spec.workflow: no workflow has id 99 in this organization",
        "9:14: error: spec.telephony: no telephony configuration has id 42 in this organization",
    ]


def test_unknown_telephony_name(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, "name: e\nworkflow: Renewal reminder\ntelephony: Twilio")
    assert problem.startswith(
        "9:14: error: spec.telephony: no telephony configuration named 'Twilio' in this "
        "organization; did you mean 'Twilio US'?"
    )


def test_an_unusable_telephony_configuration_blocks_a_create(tmp_path: Path) -> None:
    blocked = dataclasses.replace(TELEPHONY[1], ready=False, blocked_reason="Add a phone number.")
    inactive = dataclasses.replace(TELEPHONY[0], inactive=True, inactive_reason="card declined")
    found = manifests(
        tmp_path,
        "name: a\nworkflow: Renewal reminder\ntelephony: Vonage EU",
        "name: b\nworkflow: Renewal reminder\ntelephony: Twilio US",
    )
    live = dataclasses.replace(state(), telephony=(inactive, blocked))
    desired, problems = resolve(found, live)
    assert problems == []
    plan = plan_changes(desired, live)
    assert [c.message for c in plan.conflicts] == [
        "'Vonage EU' is not ready for outbound calls. Add a phone number.; Dograh would refuse "
        "to create the campaign",
        "the telephony configuration 'Twilio US' is inactive: card declined; Dograh would "
        "refuse to create the campaign",
    ]


def test_no_telephony_at_all_blocks_a_create(tmp_path: Path) -> None:
    found = manifests(tmp_path, "name: a\nworkflow: Renewal reminder")
    live = dataclasses.replace(state(), telephony=tuple[TelephonyConfig, ...]())
    desired, _ = resolve(found, live)
    (conflict,) = plan_changes(desired, live).conflicts
    assert "no active telephony configuration" in conflict.message
