"""Numbers placed by phonenumbers, through the per-prefix cache."""

from __future__ import annotations

import json
import random
import subprocess
import sys
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
    assert place(place_id(ANCHORAGE)).zones == ("America/Adak", "America/Anchorage")
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
                if found != INVALID:
                    zones = timezone.time_zones_for_number(number)
                    assert place(found).zones == zones, where


def test_the_committed_area_code_table_is_what_the_script_makes(tmp_path: Path) -> None:
    """The table must follow the installed phonenumbers; regenerate it if this fails."""
    committed = json.loads((ROOT / "reconciler/hours/area_codes.json").read_text("utf-8"))
    script = ROOT / "scripts/generate_area_codes.py"
    out = tmp_path / "out.json"
    subprocess.run([sys.executable, script, "--out", out], check=True, capture_output=True)
    made = json.loads((tmp_path / "out.json").read_text("utf-8"))
    assert made["area_codes"] == committed["area_codes"]
    assert committed["area_codes"]["305"] == ["US-FL"]
    assert committed["area_codes"]["902"] == ["CA-NS", "CA-PE"]


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
