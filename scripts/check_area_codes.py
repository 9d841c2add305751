"""Checks reconciler/hours/area_codes.json against phonenumbers' geocoder.

The table is the project's own (its sources are named in it): the calling-hours check
holds phonenumbers' time zones to it, so it must not simply repeat them. But every
state or province that the geocoder's English descriptions ("Miami, FL", "Florida",
"Washington State") name for an area code must be among the table's regions for that
code, or a state's rule could be missed. This lists every area code where they differ
(a missing code, or a region the table lacks) and exits 1 if there is one. Run it after
upgrading phonenumbers, and edit the table, naming the source, where it is right:

    .venv/bin/python scripts/check_area_codes.py
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import phonenumbers
from phonenumbers.geodata import GEOCODE_DATA

TABLE = Path(__file__).resolve().parent.parent / "reconciler" / "hours" / "area_codes.json"

US = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "Florida": "FL",
    "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN",
    "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME",
    "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE",
    "Nevada": "NV", "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM",
    "New York": "NY", "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH",
    "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI",
    "South Carolina": "SC", "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX",
    "Utah": "UT", "Vermont": "VT", "Virginia": "VA", "Washington State": "WA",
    "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY", "Washington D.C.": "DC",
}  # fmt: skip
CANADA = {
    "Alberta": "AB", "British Columbia": "BC", "British Colombia": "BC", "Manitoba": "MB",
    "New Brunswick": "NB", "Newfoundland and Labrador": "NL", "Nova Scotia": "NS",
    "Ontario": "ON", "Prince Edward Island": "PE", "Quebec": "QC", "Saskatchewan": "SK",
    "Northwest Territories": "NT", "Nunavut": "NU", "Yukon": "YT",
}  # fmt: skip
US_CODES = set(US.values()) | {"VI", "PR", "GU", "AS", "MP"}
CANADA_CODES = set(CANADA.values())
SUFFIX = re.compile(r", ([A-Z]{2})$")


def places_of(description: str) -> set[str]:
    """ISO 3166-2 codes of the states or provinces one geocoder description names."""
    match = SUFFIX.search(description)
    names = description.split("/") if match is None else []
    codes = {match.group(1)} if match else {US.get(n) or CANADA.get(n) or "" for n in names}
    return {f"US-{c}" for c in codes & US_CODES} | {f"CA-{c}" for c in codes & CANADA_CODES}


def main() -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    places: dict[str, set[str]] = defaultdict(set)
    for prefix, names in GEOCODE_DATA.items():
        if prefix.startswith("1") and len(prefix) >= 4:
            places[prefix[1:4]] |= places_of(names.get("en", ""))
    table = json.loads(TABLE.read_text(encoding="utf-8"))["area_codes"]
    differences = 0
    for npa, codes in sorted(places.items()):
        own = set(table.get(npa, {}).get("regions", ()))
        if codes - own:
            differences += 1
            missing = ", ".join(sorted(codes - own))
            print(f"{npa}: the geocoder names {missing}, the table does not", file=sys.stderr)
    print(
        f"{differences} difference(s) with phonenumbers {phonenumbers.__version__}",
        file=sys.stderr,
    )
    return 1 if differences else 0


if __name__ == "__main__":
    raise SystemExit(main())
