"""Numbers of each zone, checked valid by phonenumbers, and the check's entry points."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import phonenumbers

from reconciler.hours import (
    HoursFinding,
    HoursPolicy,
    Recipients,
    Slot,
    analyze_recipients,
    check_hours,
)

HONOLULU = "+18089563000"
ANCHORAGE = "+19078884567"  # an exchange phonenumbers places in Adak or Anchorage
PHOENIX = "+16022530000"
MIAMI = "+13053750000"  # Florida, Eastern
PENSACOLA = "+18504330000"  # Florida, Central
TORONTO = "+14163920000"
TOLL_FREE = "+18002752273"
NEW_YORK = "+12125550123"
PROVIDENCE = "+14013310000"  # Rhode Island
SIOUX_FALLS = "+16052241000"  # South Dakota, Central
FICTIONAL = "+15555550101"  # area code 555 is not assigned
ALL_VALID = {
    "honolulu": HONOLULU,
    "anchorage": ANCHORAGE,
    "phoenix": PHOENIX,
    "miami": MIAMI,
    "pensacola": PENSACOLA,
    "toronto": TORONTO,
    "toll-free": TOLL_FREE,
    "new-york": NEW_YORK,
    "providence": PROVIDENCE,
    "sioux-falls": SIOUX_FALLS,
}
"""By name: test ids name places, never numbers, so no test output shows one."""

WEEKDAYS = range(5)
FEDERAL = "US federal: 08:00-21:00, 47 CFR 64.1200(c)(1)"
CRTC = (
    "Canada (CRTC): mon-fri 09:00-21:30, sat-sun 10:00-18:00, CRTC Unsolicited "
    "Telecommunications Rules, Part III (Telemarketing Rules), rule 23"
)


def recipients(*phones: str, zone: str | None = None) -> Recipients:
    """A CSV of these numbers, rows numbered from 2 as Dograh numbers them."""
    return analyze_recipients([(row, phone, zone) for row, phone in enumerate(phones, 2)])


def slots(days: Iterable[int], start: str, end: str) -> list[Slot]:
    return [Slot(day, start, end) for day in days]


def check(
    zone: str | None,
    schedule: Sequence[Slot] | None,
    found: Recipients,
    policy: HoursPolicy | None = None,
) -> list[HoursFinding]:
    findings = check_hours(zone, schedule, found, policy or HoursPolicy())
    assert_no_phone_number(findings)
    return findings


def messages(findings: Iterable[HoursFinding]) -> list[str]:
    return [f.message for f in findings]


PHONE_LIKE = re.compile(r"\d{7}|\d{3}[ ()./-]+\d{3}[ ./-]+\d{4}")


def assert_no_phone_number(things: Iterable[object]) -> None:
    """No message, repr or string of a finding holds anything like a phone number."""
    for thing in things:
        for text in (str(thing), repr(thing), getattr(thing, "message", "")):
            assert not PHONE_LIKE.search(text), text


def is_valid(phone: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(phone))
