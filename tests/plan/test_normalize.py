"""Effective values: the shapes that mean the same to Dograh compare equal."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.live import CircuitBreakerConfig, ScheduleConfig, TimeSlot
from reconciler.manifest.model import Schedule
from reconciler.normalize import (
    breaker_view,
    desired_schedule_view,
    live_schedule_view,
)
from reconciler.owner import Mark, mark_of, normalise_remote, upload_file_name


def _schedule(slots: list[dict[str, Any]], timezone: str = "UTC") -> Schedule:
    return Schedule.model_validate({"timezone": timezone, "slots": slots})


def test_days_equal_day_of_week_slots_in_any_order() -> None:
    by_days = _schedule([{"days": ["tue", "mon"], "start": "09:00", "end": "17:00"}])
    by_numbers = _schedule(
        [
            {"day_of_week": 1, "start": "09:00", "end": "17:00"},
            {"day_of_week": 0, "start": "09:00", "end": "17:00"},
            {"day_of_week": 0, "start": "09:00", "end": "17:00"},
        ]
    )
    assert desired_schedule_view(by_days) == desired_schedule_view(by_numbers)
    live = ScheduleConfig(
        timezone="UTC",
        slots=(TimeSlot(1, "9:00", "17:00"), TimeSlot(0, "09:00", "17:00:00")),
    )
    assert live_schedule_view(live) == desired_schedule_view(by_days)
    assert desired_schedule_view(by_days) == {
        "timezone": "UTC",
        "slots": [{"days": ["mon", "tue"], "start": "09:00", "end": "17:00"}],
    }


def test_views_of_one_schedule_share_nothing_a_caller_can_change() -> None:
    """Campaigns of one schedule are grouped once; each view is its own value."""
    schedule = _schedule([{"days": ["mon", "tue"], "start": "09:00", "end": "17:00"}])
    live = ScheduleConfig(timezone="UTC", slots=(TimeSlot(0, "09:00", "17:00"),))
    for first, again, days in (
        (desired_schedule_view(schedule), desired_schedule_view(schedule), ["mon", "tue"]),
        (live_schedule_view(live), live_schedule_view(live), ["mon"]),
    ):
        assert first is not None and again is not None
        first["slots"][0]["days"].append("sun")
        first["slots"].append({"days": ["sat"], "start": "10:00", "end": "11:00"})
        assert again["slots"] == [{"days": days, "start": "09:00", "end": "17:00"}]


@pytest.mark.parametrize(
    "live",
    [
        None,
        ScheduleConfig(enabled=False, slots=(TimeSlot(0, "09:00", "17:00"),)),
        ScheduleConfig(enabled=True, slots=()),
    ],
)
def test_absent_disabled_and_empty_schedules_mean_no_window(live: ScheduleConfig | None) -> None:
    assert live_schedule_view(live) is None
    assert desired_schedule_view(None) is None


def test_a_breaker_never_sent_reads_as_the_response_default() -> None:
    assert breaker_view(None) == {
        "enabled": False,
        "failure_threshold": 0.5,
        "window_seconds": 120,
        "min_calls_in_window": 5,
    }
    breaker = CircuitBreakerConfig(enabled=True, failure_threshold=1)
    assert breaker_view(breaker)["failure_threshold"] == 1.0


def test_upload_names_carry_owner_and_contents_in_safe_characters() -> None:
    name = upload_file_name("contacts/spring east (v2).csv", "acme-outbound", "ab" * 8)
    assert name == "spring_east__v2_.dc-acme-outbound.abababababababab.csv"
    assert mark_of(f"campaigns/7/0f0e-uuid_{name}") == Mark("acme-outbound", "ab" * 8)
    assert mark_of("campaigns/7/uuid_contacts.csv") is None
    assert mark_of("campaigns/7/uuid_spring.0123456789abcdef.csv") is None  # before owners


@pytest.mark.parametrize(
    "url",
    [
        "git@github.com:Acme/Outbound.git",
        "https://github.com/acme/outbound",
        "https://user:token@github.com/acme/outbound.git/",
        "ssh://git@github.com/acme/outbound.git",
    ],
)
def test_one_remote_however_written(url: str) -> None:
    assert normalise_remote(url) == "github.com/acme/outbound"
