"""Realistic, valid US and Canadian phone numbers for benchmarks, from a seed.

Real area codes, chosen to cover every US and Canadian time zone (Hawaii, Alaska,
Arizona without daylight saving, the two zones of Florida) and every state with a rule
of its own, weighted roughly by population; the exchange (NXX) is drawn uniformly from
those phonenumbers finds valid, and the line number uniformly, so that a million
numbers spread over tens of thousands of prefixes, as a country-wide contact list does.

    from phone_numbers import us_canada_numbers  # from a script in bench/
    numbers = us_canada_numbers(1_000_000, seed=7)

(Not ``bench/numbers.py``: a script run from bench/ would shadow the standard library's
``numbers`` module with it.)
"""

from __future__ import annotations

import random
from functools import cache

import phonenumbers

AREA_CODES: tuple[tuple[str, int], ...] = (
    # Eastern
    ("212", 5), ("718", 5), ("516", 2), ("215", 3), ("617", 3), ("401", 1), ("203", 2),
    ("410", 2), ("301", 2), ("404", 3), ("704", 2), ("305", 3), ("407", 2), ("904", 1),
    ("313", 2), ("216", 2), ("614", 2), ("202", 1), ("757", 1), ("803", 1),
    # Central
    ("312", 4), ("773", 3), ("214", 3), ("713", 4), ("512", 2), ("210", 2), ("405", 1),
    ("918", 1), ("504", 1), ("225", 1), ("601", 1), ("228", 1), ("605", 1), ("850", 1),
    ("314", 2), ("612", 2), ("414", 2), ("615", 2), ("205", 1), ("316", 1),
    # Mountain, Arizona, Pacific
    ("303", 2), ("720", 1), ("801", 2), ("385", 1), ("406", 1), ("208", 1), ("505", 1),
    ("602", 3), ("480", 2), ("520", 1), ("213", 4), ("415", 2), ("619", 2), ("916", 2),
    ("206", 2), ("509", 1), ("503", 2), ("702", 2),
    # Alaska, Hawaii
    ("907", 1), ("808", 1),
    # Canada
    ("416", 3), ("647", 2), ("613", 1), ("514", 2), ("418", 1), ("604", 2), ("250", 1),
    ("403", 1), ("780", 1), ("204", 1), ("306", 1), ("902", 1), ("506", 1), ("709", 1),
)  # fmt: skip


@cache
def exchanges(area_code: str) -> tuple[str, ...]:
    """The exchanges (NXX) of an area code whose numbers phonenumbers finds valid."""
    found = []
    for nxx in range(200, 1000):
        number = phonenumbers.PhoneNumber(
            country_code=1, national_number=int(f"{area_code}{nxx}4567")
        )
        if nxx % 100 != 11 and nxx != 555 and phonenumbers.is_valid_number(number):
            found.append(str(nxx))
    return tuple(found)


def us_canada_numbers(count: int, seed: int = 0) -> list[str]:
    """``count`` distinct valid E.164 numbers (``+1NPANXXXXXX``), the same for the same
    seed. Distinct, as a contact list is: plan refuses one person in two campaigns that
    dial (limits.max_shared_contacts), and a million draws repeat a thousand numbers."""
    rng = random.Random(seed)
    codes = [code for code, _ in AREA_CODES]
    weights = [weight for _, weight in AREA_CODES]
    found: dict[str, None] = {}
    while len(found) < count:
        for code in rng.choices(codes, weights, k=count - len(found)):
            found[f"+1{code}{rng.choice(exchanges(code))}{rng.randrange(10000):04d}"] = None
    return list(found)
