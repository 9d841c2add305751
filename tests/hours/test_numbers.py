"""Numbers placed by phonenumbers, through the per-prefix cache."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import zoneinfo
from pathlib import Path

import phonenumbers
import pytest
from phonenumbers import timezone

from reconciler.hours import normalise_e164
from reconciler.hours.numbers import (
    INVALID,
    NANP,
    US_TERRITORIES,
    area_codes,
    nanp_table,
    place,
    place_id,
    valid_in_region,
)

from .helpers import (
    ALL_VALID,
    ANCHORAGE,
    FICTIONAL,
    HONOLULU,
    MIAMI,
    PENSACOLA,
    TOLL_FREE,
    TORONTO,
    is_valid,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ALL_VALID)
def test_the_test_numbers_are_valid(name: str) -> None:
    assert is_valid(ALL_VALID[name])


SPELLINGS = [
    ("+14155550101", "+14155550101"),
    ("  +14155550101 ", "+14155550101"),
    ("+1 415 555 0101", "+14155550101"),
    ("+1 (415) 555-0101", "+14155550101"),
    ("+1.415.555.0101", "+14155550101"),
    ("+44 20 7946 0958", "+442079460958"),
    ("14155550101", None),  # no +: Dograh refuses it
    ("+1 415 CALL NOW", None),
    ("", None),
    ("+", None),
    ("+12", None),
    ("+12345678901234567", None),
]


def test_normalise_e164() -> None:
    """One test, not one per spelling: test ids would show the numbers."""
    assert [normalise_e164(written) for written, _ in SPELLINGS] == [e for _, e in SPELLINGS]


def test_a_number_is_placed_in_its_zones_and_state() -> None:
    assert place(place_id(HONOLULU)).zones == ("Pacific/Honolulu",)
    assert place(place_id(MIAMI)).zones == ("America/New_York",)
    assert place(place_id(PENSACOLA)).zones == ("America/Chicago",)
    assert place(place_id(MIAMI)).regions == ("US-FL",)
    assert place(place_id(PENSACOLA)).regions == ("US-FL",)
    # placed by its area code alone, in a state of several zones: every one of them
    anchorage = place(place_id(ANCHORAGE))
    assert anchorage.widened
    assert anchorage.zones == nanp_table().zones_of_area_code("907")
    assert {"America/Adak", "America/Anchorage", "America/Juneau"} <= set(anchorage.zones)
    toronto = place(place_id(TORONTO))
    assert (toronto.zones, toronto.countries, toronto.fixed) == (
        ("America/Toronto",),
        ("CA",),
        True,
    )


def test_states_without_rules_of_their_own_are_not_kept() -> None:
    """Fewer places, fewer sums: New York has no rule stricter than the federal one."""
    new_york = place(place_id("+12125550123"))
    assert new_york.regions == ()
    assert new_york.countries == ("US",)


def test_a_toll_free_number_has_no_fixed_place() -> None:
    found = place(place_id(TOLL_FREE))
    assert not found.fixed
    assert found.countries == NANP
    assert "Pacific/Honolulu" in found.zones


def test_invalid_numbers_ring_nowhere() -> None:
    for phone in (FICTIONAL, "+10005551234", "+1415555010", "+999123"):
        assert place_id(phone) == INVALID


def test_the_prefix_decides_what_phonenumbers_would_answer() -> None:
    """The cache's premise: past +1 NPA NXX, no digit changes phonenumbers' answer.

    For a sample of every area code's exchanges, numbers that differ only in their last
    four digits get the answer phonenumbers gives each of them whole."""
    rng = random.Random(11)
    for area_code in sorted(area_codes()):
        for nxx in rng.sample(range(200, 1000), 3):
            for line in rng.sample(range(10000), 2):
                phone = f"+1{area_code}{nxx}{line:04d}"
                number = phonenumbers.parse(phone)
                found = place_id(phone)
                where = f"area code {area_code}, exchange {nxx}"
                assert (found != INVALID) == phonenumbers.is_valid_number(number), where
                if found != INVALID and not place(found).widened:
                    zones = timezone.time_zones_for_number(number)
                    assert place(found).zones == zones, where
                elif found != INVALID:
                    zones = nanp_table().zones_of_area_code(area_code)
                    assert place(found).zones == zones, where


def test_the_table_names_every_region_the_geocoder_names() -> None:
    """The table is the project's own, but never narrower than phonenumbers' geocoder
    for a state or province: the script lists any area code where it is."""
    script = ROOT / "scripts/check_area_codes.py"
    done = subprocess.run([sys.executable, script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    table = nanp_table()
    assert table.area_codes["305"] == ("US-FL",)
    assert table.area_codes["902"] == ("CA-NS", "CA-PE")
    assert table.area_codes["867"] == ("CA-NT", "CA-NU", "CA-YT")


def test_the_table_names_its_sources_and_real_zones() -> None:
    raw = json.loads((ROOT / "reconciler/hours/area_codes.json").read_text("utf-8"))
    assert any("NANPA" in source for source in raw["sources"])
    assert any("zone.tab" in source for source in raw["sources"])
    table = nanp_table()
    for region in {r for regions in table.area_codes.values() for r in regions}:
        assert table.regions[region], region
    for zones in [*table.regions.values(), *table.area_code_zones.values()]:
        for zone in zones:
            zoneinfo.ZoneInfo(zone)
    for area_code, zones in table.area_code_zones.items():
        assert set(zones) <= set(table.zones_of_area_code(area_code)), area_code


ORLANDO = "+16892345678"  # 689: phonenumbers says Chicago
SASKATCHEWAN = "+14742345678"  # 474: phonenumbers says Winnipeg
WHITEHORSE = "+18676672345"  # 867 667: phonenumbers says Vancouver
NORTH = "+18672345678"  # 867, "NWT/Nunavut/Yukon": phonenumbers says Fort Nelson alone
PANHANDLE = "+18509712345"  # 850 of no exchange of its own: placed by area code only


@pytest.mark.parametrize(
    ("phone", "zones", "wrong"),
    [
        (ORLANDO, {"America/New_York", "America/Chicago"}, None),
        (SASKATCHEWAN, {"America/Regina", "America/Swift_Current"}, "America/Winnipeg"),
        (WHITEHORSE, {"America/Whitehorse", "America/Iqaluit"}, "America/Vancouver"),
        (NORTH, {"America/Whitehorse", "America/Iqaluit"}, "America/Fort_Nelson"),
        (PANHANDLE, {"America/New_York", "America/Chicago"}, None),
    ],
    ids=["689", "474", "867-667", "867", "850-by-area-code"],
)
def test_zones_phonenumbers_gets_wrong_are_widened_to_the_region(
    phone: str, zones: set[str], wrong: str | None
) -> None:
    """Every zone of the state, province or territories, and not phonenumbers' wrong one."""
    found = place(place_id(phone))
    assert found.widened
    assert set(found.zones) == set(nanp_table().zones_of_area_code(phone[2:5]))
    assert zones <= set(found.zones)
    assert wrong not in found.zones


def test_zones_phonenumbers_and_the_table_agree_on_are_kept() -> None:
    for phone in (MIAMI, PENSACOLA, TORONTO, HONOLULU):
        assert not place(place_id(phone)).widened


def test_validity_from_the_patterns_is_phonenumbers_own() -> None:
    """Every exchange of every area code in the table: the fast validity check gives
    phonenumbers' answer (the line number is fixed; the sampled test above shows that
    it never matters)."""
    for area_code, regions in sorted(area_codes().items()):
        region = regions[0][3:] if regions[0][3:] in US_TERRITORIES else regions[0][:2]
        for nxx in range(1000):
            national = f"{area_code}{nxx:03d}4567"
            number = phonenumbers.PhoneNumber(country_code=1, national_number=int(national))
            expected = phonenumbers.is_valid_number_for_region(number, region)
            assert valid_in_region(national, region) == expected, f"{area_code} {nxx:03d}"
