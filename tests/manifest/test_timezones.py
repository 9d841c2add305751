"""Time zones that mean the same on every machine: the IANA area/location names of the
tzdata package and UTC; machine-dependent names and legacy aliases refused, with the name
to write instead."""

from __future__ import annotations

import zoneinfo

import pytest
from pydantic import ValidationError

from reconciler.manifest import timezones
from reconciler.manifest.model import Schedule

SLOTS = [{"days": ["mon"], "start": "09:00", "end": "17:00"}]


def _refusal(name: str) -> str:
    with pytest.raises(ValidationError) as caught:
        Schedule.model_validate({"timezone": name, "slots": SLOTS})
    (error,) = caught.value.errors(include_url=False)
    return str(error["msg"])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("localtime", "name the zone itself, such as Europe/Berlin"),
        ("posixrules", "name the zone itself, such as Europe/Berlin"),
        ("Factory", "name the zone itself, such as Europe/Berlin"),
        ("posix/Asia/Tokyo", "write Asia/Tokyo"),
        ("right/Europe/London", "write Europe/London"),
    ],
)
def test_machine_dependent_names_are_refused(name: str, message: str) -> None:
    assert _refusal(name) == (
        f"'{name}' depends on the machine that reads it (its own settings or tzdata build), "
        f"so Dograh's server may read another zone; {message}"
    )


@pytest.mark.parametrize(
    ("name", "instead"),
    [
        ("EST5EDT", "America/New_York"),
        ("PST8PDT", "America/Los_Angeles"),
        ("US/Eastern", "America/New_York"),
        ("Japan", "Asia/Tokyo"),
        ("Zulu", "UTC"),
    ],
)
def test_legacy_aliases_are_refused_with_the_zone_to_write(name: str, instead: str) -> None:
    message = _refusal(name)
    assert message.startswith(f"'{name}' is a legacy time zone alias: Dograh's server may not")
    assert message.endswith(f"; write {instead}")


def test_unknown_names_get_the_closest_canonical_one() -> None:
    assert _refusal("America/New York") == (
        "'America/New York' is not an IANA time zone name; did you mean America/New_York?"
    )
    assert _refusal("Europe/Berln").endswith("did you mean Europe/Berlin?")


def test_canonical_names_are_accepted_and_all_load() -> None:
    accepted = timezones.canonical()
    assert {"UTC", "America/New_York", "Etc/GMT+5", "Asia/Kolkata"} <= accepted
    assert not any(name in accepted for name in ("localtime", "Factory", "GMT", "US/Eastern"))
    assert not any(name.startswith(("posix/", "right/")) for name in accepted)
    for name in sorted(accepted):
        zoneinfo.ZoneInfo(name)  # each one exists here, as on Dograh's side
    assert (
        Schedule.model_validate({"timezone": "Etc/GMT+5", "slots": SLOTS}).timezone == "Etc/GMT+5"
    )
