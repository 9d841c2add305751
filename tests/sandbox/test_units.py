"""Units of the sandbox that are easier to pin down without HTTP."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dograh_sandbox.faults import FaultInjector, FaultRule, parse_fault_spec
from dograh_sandbox.schedule import Schedule
from dograh_sandbox.sources import check, contacts, decode, parse

pytestmark = pytest.mark.needs_admin("unit tests of the sandbox's own modules")

NEW_YORK = ZoneInfo("America/New_York")


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=NEW_YORK).timestamp()


def schedule(*slots: tuple[int, str, str]) -> Schedule:
    config = {
        "enabled": True,
        "timezone": "America/New_York",
        "slots": [{"day_of_week": d, "start_time": s, "end_time": e} for d, s, e in slots],
    }
    built = Schedule.from_config(config)
    assert built is not None
    return built


def test_schedule_windows() -> None:
    weekday = schedule(*[(day, "09:00", "17:00") for day in range(5)])
    assert weekday.is_open(at("2026-03-02T09:00:00"))  # Monday
    assert not weekday.is_open(at("2026-03-02T17:00:00"))  # end is exclusive
    assert not weekday.is_open(at("2026-03-07T10:00:00"))  # Saturday
    assert weekday.next_open(at("2026-03-06T17:30:00")) == at("2026-03-09T09:00:00")
    assert weekday.next_open(at("2026-03-02T10:00:00")) == at("2026-03-02T10:00:00")


def test_schedule_string_comparisons() -> None:
    late = schedule((0, "22:00", "24:00"))
    assert late.is_open(at("2026-03-02T23:59:00"))
    never = schedule((0, "25:00", "25:99"))
    assert never.next_open(at("2026-03-02T00:00:00")) is None


def test_schedule_across_a_dst_gap() -> None:
    # 2026-03-08 is the spring-forward Sunday in New York: 02:00-03:00 does not exist.
    night = schedule((6, "02:30", "04:00"))
    opens = night.next_open(at("2026-03-08T00:00:00"))
    assert opens is not None
    assert datetime.fromtimestamp(opens, NEW_YORK).strftime("%H:%M") == "03:30"


def test_no_schedule_means_always() -> None:
    assert Schedule.from_config(None) is None
    assert Schedule.from_config({"enabled": False, "slots": [{}]}) is None
    assert Schedule.from_config({"enabled": True, "timezone": "Nowhere/Else", "slots": [1]}) is None


def test_decoding_follows_the_stored_content_type() -> None:
    latin = "phone_number,first_name\n+1,Zoë\n".encode("latin-1")
    assert "Zoë" in decode(latin, "text/csv; charset=latin-1")
    assert "\ufffd" in decode(latin, "text/csv")  # UTF-8 with replacement
    assert decode("\ufeffa".encode(), "text/csv").startswith("\ufeff")  # no BOM stripping
    assert decode(b"a", "text/csv; charset=klingon") == "a"


def test_sync_contacts() -> None:
    table = parse("Phone_Number,Name\n+1,A\n,B\n  ,C\n+4\n")
    found = contacts("campaigns/1/x.csv", table)
    assert [(c.row_number, c.phone_number) for c in found] == [(1, "+1"), (3, "  "), (4, "+4")]
    assert found[2].context == {"phone_number": "+4", "name": ""}
    assert found[0].source_uuid.startswith("csv_") and found[0].source_uuid.endswith("_row_1")
    assert check(table).error is None


def test_fault_specs_and_dice() -> None:
    rule = parse_fault_spec("post /api/v1/campaign/create error status=429 rate=0.5 count=3")
    assert (rule.method, rule.status, rule.rate, rule.count) == ("POST", 429, 0.5, 3)
    with pytest.raises(ValueError, match="key=value"):
        parse_fault_spec("GET /x error 503")
    injector = FaultInjector()
    injector.configure([FaultRule(path="/x", kind="reset", rate=0.5)], seed=3)
    first = [injector.decide("GET", "/x").terminal is not None for _ in range(50)]
    injector.configure([FaultRule(path="/x", kind="reset", rate=0.5)], seed=3)
    assert [injector.decide("GET", "/x").terminal is not None for _ in range(50)] == first
    assert injector.decide("GET", "/y").terminal is None
