"""Field-by-field differences in the manifest's terms (reconciler/explain.py)."""

from __future__ import annotations

import subprocess
import sys

from reconciler.explain import change_differences, field_differences, live_differences
from reconciler.manifest.located import Place
from reconciler.plan import CampaignChange, Requests, UpdateRequest

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def _schedule(*slots: tuple[list[str], str, str]) -> dict[str, object]:
    return {
        "timezone": "America/New_York",
        "slots": [{"days": days, "start": start, "end": end} for days, start, end in slots],
    }


def test_scalars_and_objects_name_each_field() -> None:
    old = {"max_concurrency": 3, "retry_config": {"enabled": True}, "circuit_breaker": None}
    new = {"max_concurrency": 5, "retry_config": {"enabled": True, "max_retries": 3}}
    assert field_differences(old, new) == [
        "circuit_breaker removed (was none)",
        "max_concurrency 3 -> 5",
        "retry_config.max_retries added: 3",
    ]


def test_a_slot_is_named_by_index_and_field() -> None:
    old = {"schedule": _schedule((["sat"], "10:00", "12:00"), (WEEKDAYS, "09:00", "17:00"))}
    new = {"schedule": _schedule((WEEKDAYS, "09:00", "18:30"), (["sat"], "10:00", "12:00"))}
    assert field_differences(old, new) == ["schedule.slots[1].end 17:00 -> 18:30"]


def test_one_days_new_hours_are_named_by_day() -> None:
    """The grouping splits (Wednesday leaves the weekday slot): day by day, not a slot
    replaced and another added."""
    old = {"schedule": _schedule((WEEKDAYS, "09:00", "17:00"))}
    split = [d for d in WEEKDAYS if d != "wed"]
    new = {"schedule": _schedule((split, "09:00", "17:00"), (["wed"], "09:00", "18:30"))}
    assert field_differences(old, new) == ["schedule.wed[0] 09:00-17:00 -> 09:00-18:30"]


def test_an_added_slot_does_not_shift_the_others() -> None:
    old = {"schedule": _schedule((WEEKDAYS, "09:00", "12:00"), (WEEKDAYS, "14:00", "17:00"))}
    new = {
        "schedule": _schedule(
            (WEEKDAYS, "07:00", "08:00"), (WEEKDAYS, "09:00", "12:00"), (WEEKDAYS, "14:00", "17:00")
        )
    }
    assert field_differences(old, new) == ["schedule.slots[0] added"]


def test_live_differences_read_syncing_as_running_and_skip_unread_contacts() -> None:
    old = {"state": "syncing", "source": None, "max_concurrency": 2}
    new = {"state": "running", "source": "abc", "max_concurrency": 2}
    assert live_differences(old, new) == []
    assert live_differences(None, new) == []


def _change(*actions: str, state: str, update: UpdateRequest | None) -> CampaignChange:
    return CampaignChange(
        name="n",
        id=1,
        manifest=Place(file="campaigns.d/n.yaml", line=3, column=9),
        actions=actions,  # type: ignore[arg-type]
        live_state="paused",
        desired_state=state,
        after={},
        requests=Requests(update=update),
    )


def test_change_differences_name_actions_state_and_request_fields() -> None:
    saved = _change("update", state="paused", update=UpdateRequest(max_concurrency=3))
    now = _change("update", "resume", state="running", update=UpdateRequest(max_concurrency=5))
    assert change_differences(saved, now) == [
        "actions update -> update, resume",
        "state paused -> running",
        "update request: max_concurrency 3 -> 5",
    ]
    assert change_differences(saved, saved) == []
    assert change_differences(saved, _change("resume", state="paused", update=None)) == [
        "actions update -> resume",
        "update request removed",
    ]


def test_the_plan_path_does_not_import_deepdiff() -> None:
    """deepdiff is loaded only where a difference is explained: a plan, an apply and an
    import that refuse nothing never pay for its import."""
    modules = (
        "reconciler.cli, reconciler.commands.apply, reconciler.commands.plan, "
        "reconciler.commands.import_, reconciler.planner.run, reconciler.diff"
    )
    code = f"import sys, {modules}; print('deepdiff' in sys.modules)"
    answer = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (answer.returncode, answer.stdout) == (0, "False\n"), answer.stderr


def test_plain_values_of_another_type_are_changes() -> None:
    """As deepdiff tells them: ``3 -> 3.0`` and ``true -> 1`` differ, though Python's
    ``==`` would call them equal; an object of the same keys is named field by field."""
    old = {"a": 3, "b": True, "c": None, "retry": {"delay": 300, "on": ["busy"]}, "d": "x"}
    new = {"a": 3.0, "b": 1, "c": 5, "retry": {"delay": 600, "on": ["busy"]}, "d": "x"}
    assert field_differences(old, new) == [
        "a 3 -> 3.0",
        "b true -> 1",
        "c none -> 5",
        "retry.delay 300 -> 600",
    ]


def test_plain_fields_beside_a_list_are_told_with_it() -> None:
    old = {"max_concurrency": 3, "schedule": _schedule((WEEKDAYS, "09:00", "17:00"))}
    new = {"max_concurrency": 5, "schedule": _schedule((WEEKDAYS, "09:00", "18:00"))}
    assert field_differences(old, new) == [
        "max_concurrency 3 -> 5",
        "schedule.slots[0].end 17:00 -> 18:00",
    ]


def test_deepdiff_is_imported_only_for_what_plain_comparison_cannot_tell() -> None:
    """A plan explains every completed campaign's refused change: plain fields (the
    usual ones) are told without loading deepdiff; a list or an added key loads it."""
    code = (
        "import sys; from reconciler.explain import field_differences as f; "
        "f({'max_concurrency': 3, 'retry': {'delay': 1}}, {'max_concurrency': 5, "
        "'retry': {'delay': 2}}); print('deepdiff' in sys.modules); "
        "f({'on': ['busy']}, {'on': ['busy', 'voicemail']}); print('deepdiff' in sys.modules)"
    )
    answer = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (answer.returncode, answer.stdout) == (0, "False\nTrue\n"), answer.stderr
