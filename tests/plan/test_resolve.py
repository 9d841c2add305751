"""Names to ids, with the manifest line of every problem."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from reconciler.live import TelephonyConfig, Workflow
from reconciler.resolve import resolve
from tests.plan.builders import TELEPHONY, WORKFLOWS, manifests, plan_of, state


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
    blocked = dataclasses.replace(
        TELEPHONY[1], is_ready_for_outbound=False, outbound_blocked_reason="Add a phone number."
    )
    inactive = dataclasses.replace(TELEPHONY[0], inactive=True, inactive_reason="card declined")
    found = manifests(
        tmp_path,
        "name: a\nworkflow: Renewal reminder\ntelephony: Vonage EU",
        "name: b\nworkflow: Renewal reminder\ntelephony: Twilio US",
    )
    live = dataclasses.replace(state(), telephony=(inactive, blocked))
    _, problems = resolve(found, live)
    assert problems == []
    plan = plan_of(found, live)
    assert [f"{d.line}:{d.path}: {d.message}" for d in plan.errors] == [
        "9:spec.telephony: 'Vonage EU' is not ready for outbound calls. Add a phone number.; "
        "Dograh would refuse the campaign",
        "9:spec.telephony: the telephony configuration 'Twilio US' is inactive: card declined; "
        "Dograh would refuse the campaign",
    ]


def test_a_configuration_without_numbers_blocks_a_running_campaign(tmp_path: Path) -> None:
    """Without numbers, Dograh accepts the campaign, then fails it at its first call."""
    empty = dataclasses.replace(TELEPHONY[1], phone_number_count=0)
    found = manifests(
        tmp_path,
        "name: a\nworkflow: Renewal reminder\ntelephony: Vonage EU\nstate: running",
        "name: b\nworkflow: Renewal reminder\ntelephony: Vonage EU\nstate: draft",
    )
    plan = plan_of(found, dataclasses.replace(state(), telephony=(TELEPHONY[0], empty)))
    (error,) = plan.errors
    assert error.path == "spec.telephony"
    assert "'Vonage EU' has no phone numbers: Dograh would fail the campaign" in error.message
    assert [c.name for c in plan.changes] == ["b"]


def test_the_default_configuration_is_named_as_the_default(tmp_path: Path) -> None:
    """A manifest that names no configuration is told which one Dograh would use."""
    empty = dataclasses.replace(TELEPHONY[0], phone_number_count=0)
    found = manifests(tmp_path, "name: a\nworkflow: Renewal reminder\nstate: running")
    plan = plan_of(found, dataclasses.replace(state(), telephony=(empty, TELEPHONY[1])))
    (error,) = plan.errors
    assert error.path == "metadata.name"
    assert error.message.startswith(
        "the telephony configuration 'Twilio US' has no phone numbers: Dograh would fail the "
        "campaign at its first call (phone_number_pool_exhausted) (the organization's "
        "default: no spec.telephony)"
    )


def test_no_telephony_at_all_blocks_a_create(tmp_path: Path) -> None:
    found = manifests(tmp_path, "name: a\nworkflow: Renewal reminder")
    live = dataclasses.replace(state(), telephony=tuple[TelephonyConfig, ...]())
    (error,) = plan_of(found, live).errors
    assert "no active telephony configuration" in error.message
