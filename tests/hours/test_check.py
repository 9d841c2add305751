"""The check, rule by rule, with numbers of each zone; messages asserted exactly where
their words matter, and never a phone number in any of them (see helpers.check)."""

from __future__ import annotations

import pytest

from reconciler.hours import HoursPolicy, findings_for_zones

from .helpers import (
    ANCHORAGE,
    CRTC,
    FEDERAL,
    HONOLULU,
    MIAMI,
    NEW_YORK,
    PENSACOLA,
    PHOENIX,
    PROVIDENCE,
    SIOUX_FALLS,
    TOLL_FREE,
    TORONTO,
    WEEKDAYS,
    check,
    messages,
    recipients,
    slots,
)

NINE_TO_FIVE = slots(WEEKDAYS, "09:00", "17:00")


def test_nine_to_five_in_new_york_reaches_honolulu_before_dawn() -> None:
    found = check("America/New_York", NINE_TO_FIVE, recipients(HONOLULU, "+18089563001"))
    assert messages(found) == [
        "mon-fri 09:00-17:00 America/New_York reaches 2 contacts in Pacific/Honolulu at "
        f"03:00-11:00 in summer, 04:00-12:00 in winter ({FEDERAL})"
    ]
    assert [(f.severity, f.contacts, f.rows, f.rule) for f in found] == [
        ("error", 2, (2, 3), "us-federal")
    ]


def test_a_window_legal_in_winter_only_is_an_error() -> None:
    """Honolulu keeps no summer time: New York's summer clock moves the call earlier."""
    found = check("America/New_York", slots(WEEKDAYS, "13:30", "15:00"), recipients(HONOLULU))
    assert messages(found) == [
        "mon-fri 13:30-15:00 America/New_York reaches 1 contact in Pacific/Honolulu at "
        f"07:30-09:00 in summer, 08:30-10:00 in winter ({FEDERAL})"
    ]
    assert check("America/New_York", slots(WEEKDAYS, "14:00", "15:00"), recipients(HONOLULU)) == []


def test_every_candidate_zone_of_a_number_must_pass() -> None:
    """phonenumbers places this Alaska exchange in Adak or Anchorage; Adak is an hour
    behind, so 09:00 Los Angeles is 08:00 in Anchorage but 07:00 in Adak."""
    found = check("America/Los_Angeles", NINE_TO_FIVE, recipients(ANCHORAGE))
    assert messages(found) == [
        "mon-fri 09:00-17:00 America/Los_Angeles reaches 1 contact in America/Adak at "
        f"07:00-15:00 ({FEDERAL})"
    ]


def test_phoenix_keeps_no_summer_time() -> None:
    found = check("America/Denver", slots(WEEKDAYS, "08:00", "20:00"), recipients(PHOENIX))
    assert messages(found) == [
        "mon-fri 08:00-20:00 America/Denver reaches 1 contact in America/Phoenix at "
        f"07:00-19:00 in summer, 08:00-20:00 in winter ({FEDERAL})"
    ]


def test_florida_ends_at_eight_in_both_its_zones() -> None:
    """Miami is Eastern, Pensacola Central: one Chicago window lands differently."""
    found = check(
        "America/Chicago", slots(WEEKDAYS, "19:00", "19:50"), recipients(MIAMI, PENSACOLA)
    )
    florida = "Florida: 08:00-20:00, Fla. Stat. § 501.616(6)(a)"
    margin = (
        ", within the last 15 minutes before the legal end, which are kept free "
        "(a Policy's spec.calling_hours.margin_minutes; 15 by default)"
    )
    assert messages(found) == [
        "mon-fri 19:00-19:50 America/Chicago reaches 1 contact in America/New_York at "
        f"20:00-20:50 ({FEDERAL}){margin}",
        "mon-fri 19:00-19:50 America/Chicago reaches 1 contact in America/Chicago at "
        f"19:00-19:50 ({florida}){margin}",
        "mon-fri 19:00-19:50 America/Chicago reaches 1 contact in America/New_York at "
        f"20:00-20:50 ({florida})",
    ]
    assert [f.rows for f in found] == [(2,), (3,), (2,)]


def test_the_margin_is_a_parameter() -> None:
    evening = slots(WEEKDAYS, "19:00", "19:50")
    assert (
        check("America/Chicago", evening, recipients(PENSACOLA), HoursPolicy(margin_minutes=0))
        == []
    )
    assert (
        check("America/Chicago", evening, recipients(PENSACOLA), HoursPolicy(margin_minutes=5))
        == []
    )
    assert len(check("America/Chicago", evening, recipients(PENSACOLA))) == 1


def test_toronto_on_a_saturday_morning() -> None:
    found = check("America/Toronto", slots([0, 5], "09:00", "12:00"), recipients(TORONTO))
    assert messages(found) == [
        "sat 09:00-12:00 America/Toronto reaches 1 contact in America/Toronto at "
        f"09:00-12:00 ({CRTC})"
    ]
    assert check("America/Toronto", slots([5], "10:00", "12:00"), recipients(TORONTO)) == []


def test_rule_sets_are_a_parameter() -> None:
    morning = slots([5], "09:00", "12:00")
    us_only = HoursPolicy(rule_sets=("us-federal", "us-states"))
    assert check("America/Toronto", morning, recipients(TORONTO), us_only) == []


def test_a_toll_free_number_must_pass_everywhere_its_rules_hold() -> None:
    found = check("America/New_York", NINE_TO_FIVE, recipients(TOLL_FREE))
    federal = found[0]
    assert federal.rule == "us-federal"
    assert federal.message.startswith(
        "mon-fri 09:00-17:00 America/New_York reaches 1 contact of no fixed place "
        "(toll-free and the like), which may ring in America/Adak at 04:00-12:00; "
    )
    assert "Pacific/Honolulu at 03:00-11:00 in summer, 04:00-12:00 in winter" in federal.message
    assert {f.rule for f in found} == {
        "us-federal", "us-wa", "us-ri", "us-la", "us-ut", "us-sd", "ca-crtc"
    }  # fmt: skip
    assert all(f.rows == (2,) and f.contacts == 1 for f in found)


def test_a_timezone_column_overrides_the_number() -> None:
    moved = check("America/New_York", NINE_TO_FIVE, recipients(NEW_YORK, zone="Pacific/Honolulu"))
    assert [f.rule for f in moved] == ["us-federal"]
    assert "in Pacific/Honolulu at 03:00-11:00" in moved[0].message
    home = check("America/New_York", NINE_TO_FIVE, recipients(HONOLULU, zone="America/New_York"))
    assert home == []


def test_a_state_rule_follows_the_area_code_whatever_the_zone_column() -> None:
    """Florida presumes a Florida area code is a Florida resident."""
    found = check(
        "America/Los_Angeles",
        slots(WEEKDAYS, "19:00", "20:30"),
        recipients(MIAMI, zone="America/Los_Angeles"),
    )
    assert [f.rule for f in found] == ["us-fl"]


def test_weeks_when_the_two_zones_change_clocks_on_different_dates() -> None:
    """London and New York are five hours apart, except for a few weeks in March and
    in October-November when they are four. The slot also crosses local midnight:
    Tuesday in London is Monday evening in New York."""
    found = check("Europe/London", slots([1], "00:00", "01:45"), recipients(NEW_YORK))
    assert messages(found) == [
        "tue 00:00-01:45 Europe/London reaches 1 contact in America/New_York at 19:00-20:45 "
        f"(20:00-21:45 around clock changes) ({FEDERAL})"
    ]


def test_a_slot_across_local_midnight_is_checked_on_both_days() -> None:
    found = check("Pacific/Honolulu", slots([0], "16:00", "20:00"), recipients(NEW_YORK))
    assert messages(found) == [
        "mon 16:00-20:00 Pacific/Honolulu reaches 1 contact in America/New_York at "
        f"22:00-02:00 in summer, 21:00-01:00 in winter ({FEDERAL})"
    ]
    sunday_night = check(
        "America/Los_Angeles", slots([6], "20:30", "21:00"), recipients(PROVIDENCE)
    )
    assert [f.rule for f in sunday_night] == ["us-federal", "us-ri"]


def test_rhode_island_holidays_are_a_warning_and_its_sundays_an_error() -> None:
    found = check("America/New_York", slots(range(7), "10:00", "12:00"), recipients(PROVIDENCE))
    rhode_island = (
        "Rhode Island: mon-fri 09:00-18:00, sat 10:00-17:00, sun none, "
        "R.I. Gen. Laws §§ 5-61-3.6, 5-61-2"
    )
    assert [(f.severity, f.message) for f in found] == [
        (
            "warning",
            "mon-fri 10:00-12:00 America/New_York reaches 1 contact in America/New_York "
            "where Rhode Island also forbids calls on state or federal holidays, which "
            "Dograh's weekly schedule cannot skip: pause the campaign on those days "
            f"({rhode_island})",
        ),
        (
            "error",
            "sun 10:00-12:00 America/New_York reaches 1 contact in America/New_York at "
            f"10:00-12:00 ({rhode_island})",
        ),
    ]


def test_a_holiday_warning_is_said_once_for_every_slot_that_reaches_it() -> None:
    two = [*slots([0, 1, 2], "10:00", "12:00"), *slots([3, 4], "13:00", "15:00")]
    found = check("America/New_York", two, recipients(PROVIDENCE, PROVIDENCE))
    assert [(f.severity, f.contacts) for f in found] == [("warning", 2)]
    assert found[0].message.startswith(
        "mon-wed 10:00-12:00, thu-fri 13:00-15:00 America/New_York reach 2 contacts in "
        "America/New_York where Rhode Island also forbids calls on state or federal holidays"
    )


def test_south_dakota_allows_automated_calls_on_weekdays_only() -> None:
    found = check("America/Chicago", slots([5], "10:00", "12:00"), recipients(SIOUX_FALLS))
    assert [f.rule for f in found] == ["us-sd"]


def test_a_running_campaign_without_a_schedule() -> None:
    found = check(None, None, recipients(NEW_YORK, TORONTO, MIAMI))
    assert [(f.rule, f.contacts, f.rows) for f in found] == [
        ("us-federal", 2, (2, 4)),
        ("us-fl", 1, (4,)),
        ("ca-crtc", 1, (3,)),
    ]
    assert found[0].message == (
        "no schedule: Dograh calls at any hour, and 2 contacts are under US federal "
        "(08:00-21:00, 47 CFR 64.1200(c)(1)); add spec.schedule with slots inside those hours"
    )
    assert check(None, None, recipients("+442079460958")) == []


def test_a_schedule_without_a_zone_is_in_utc() -> None:
    found = check(None, slots([0], "12:00", "13:00"), recipients(NEW_YORK))
    assert messages(found) == [
        "mon 12:00-13:00 UTC reaches 1 contact in America/New_York at 08:00-09:00 in "
        f"summer, 07:00-08:00 in winter ({FEDERAL})"
    ]


def test_campaigns_sharing_a_schedule_share_its_evaluation() -> None:
    one = check("America/New_York", NINE_TO_FIVE, recipients(HONOLULU))
    two = check("America/New_York", list(NINE_TO_FIVE), recipients(HONOLULU, HONOLULU))
    assert messages(one)[0].replace("1 contact", "2 contacts") == messages(two)[0]


@pytest.mark.parametrize(
    ("phone", "zone", "start", "end", "breached"),
    [
        # Orlando: legal in Chicago under Florida's 08:00-20:00, not in New York
        ("+16892345678", "America/Chicago", "08:00", "19:30", "America/New_York"),
        # Saskatchewan: legal in Winnipeg under the CRTC's 09:00, an hour early in Regina
        ("+14742345678", "America/Winnipeg", "09:00", "21:00", "America/Regina"),
        # Whitehorse (UTC-7 all year): legal in Vancouver, past 21:15 there in winter
        ("+18676672345", "America/Vancouver", "10:00", "20:45", "America/Whitehorse"),
        # the territories: legal in Fort Nelson, past 21:15 in Iqaluit
        ("+18672345678", "America/Fort_Nelson", "09:00", "19:00", "America/Iqaluit"),
    ],
    ids=["689", "474", "867-667", "867"],
)
def test_a_schedule_legal_only_in_phonenumbers_wrong_zone_is_refused(
    phone: str, zone: str, start: str, end: str, breached: str
) -> None:
    found = check(zone, slots(WEEKDAYS, start, end), recipients(phone))
    assert [f.severity for f in found] and {f.severity for f in found} == {"error"}
    assert any(f" in {breached} at " in f.message for f in found), messages(found)


def test_the_widened_contacts_are_counted_not_named() -> None:
    found = recipients("+16892345678", "+18676672345", "+13053750000")
    said = findings_for_zones(found)
    assert [(f.severity, f.contacts, f.rows) for f in said] == [("warning", 2, (2, 3))]
    assert said[0].message.startswith(
        "2 contacts: phonenumbers' time zones for these numbers disagree with the area-code"
    )
    assert findings_for_zones(recipients("+13053750000")) == []
