"""Where a phone number may ring: its place, from phonenumbers, cached per prefix.

The check runs on every row of every running manifest, in `validate` too, and asking
phonenumbers costs tens of microseconds a number; a million numbers would take a
minute. What phonenumbers answers for a number (valid or not, its time zones, whether
it has a fixed place) depends only on its country code, its leading digits and its
length, so the answer is cached per prefix: for a NANP number, ``+1`` with the area
code and exchange (``+1 NPA NXX``, the deepest prefix of phonenumbers' NANP time zone
and validity data; the last four digits never matter) and the number's length. Numbers
of other countries are rare here and their deciding prefixes vary, so each is looked up
whole, in a bounded cache.

A million real numbers still span some sixty thousand NANP prefixes; so for an area
code of the table below, a new prefix costs a few microseconds, not twenty: validity is
read from phonenumbers' own patterns for the region (``valid_in_region``, held to
``is_valid_number_for_region`` by the tests for every exchange), and zones from its
zone data once per area code when no exchange of it has zones of its own.

A place is identified by a small integer so that tallying a row costs one dict lookup;
the places themselves are interned here, per process.

The state, province or territory of a NANP number comes from its area code, through
the project's own table in area_codes.json (its sources named in it;
scripts/check_area_codes.py holds it to phonenumbers' geocoder, whose loading costs half
a second, too much for every run). phonenumbers' zones are wrong for some area codes
(689, Orlando, in Chicago), so they are held to that table: where the two disagree, or
phonenumbers places a number only by its area code in a place of several clocks, the
number is held to every zone of its state, province or territories (``_table_zones``),
and its place says so (``Place.widened``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from reconciler.hours.rules import all_rules

if TYPE_CHECKING:  # imported where a number is classified: a warm run classifies none
    from phonenumbers import PhoneNumber
    from phonenumbers.phonemetadata import PhoneNumberDesc

INVALID = -1
"""The place id of a number phonenumbers finds invalid: it rings nowhere."""

NANP = ("US", "CA")
"""The countries of the North American Numbering Plan that rules here cover."""

US_TERRITORIES = frozenset({"PR", "VI", "GU", "AS", "MP"})
"""NANP regions under US federal law, which phonenumbers names apart from "US"."""

_SEPARATORS = str.maketrans("", "", " -().\u00a0\t")


@dataclass(frozen=True)
class Place:
    """Where the numbers of one kind may ring, and so which rules hold for them."""

    zones: tuple[str, ...]
    """Candidate IANA zones; every one must pass."""
    countries: tuple[str, ...]
    """ISO 3166-1 codes whose rules apply ("US" for US states and territories)."""
    regions: tuple[str, ...]
    """ISO 3166-2 codes of the candidate states or provinces that have rules of their
    own ("US-FL"); empty when unknown or when none has."""
    fixed: bool
    """False for numbers of no fixed place (toll-free, personal, premium) and numbers
    of unknown zone: they may ring anywhere in their countries.

    A NANP number of no fixed place is given both NANP countries here (toll-free
    numbers are shared by the whole plan, so one may ring in Canada as well as in the
    US) and no region: the check then holds it to every rule of both countries, each in
    that rule's own zones (US federal in every US zone, Florida's in Florida's two,
    Canada's in every Canadian zone)."""
    widened: bool = False
    """True when phonenumbers' zones were not trusted alone (see ``_table_zones``): the
    number is held to every zone of its state, province or territory (of its country
    when the table does not know its area code), and the report counts it."""


_places: list[Place] = []
_place_ids: dict[Place, int] = {}
_nanp: dict[str, int] = {}
"""Place id per ``+1NPANXX`` prefix of a 12-character NANP number."""
_nanp_other: dict[tuple[str, int], int] = {}
"""Place id per (prefix, length) of NANP numbers of other lengths."""


def normalise_e164(phone: str) -> str | None:
    """The number as ``+`` and digits, as Dograh would dial it; None when it is not one.

    Spaces, dashes, dots and parentheses are spellings, not digits. A number without
    its leading ``+`` is not one: Dograh refuses it.
    """
    text = phone.strip()
    if text[:1] != "+" or not text[1:].isdigit():
        text = text.translate(_SEPARATORS)
        if text[:1] != "+" or not text[1:].isdigit():
            return None
    return text if 4 <= len(text) <= 16 else None


def place(place_id: int) -> Place:
    return _places[place_id]


def place_id(e164: str) -> int:
    """The place id of a normalised number (see ``normalise_e164``), or ``INVALID``."""
    if e164[1] == "1":
        if len(e164) == 12:
            found = _nanp.get(e164[:8])
            if found is None:
                found = _nanp[e164[:8]] = _classify(e164)
            return found
        key = (e164[:8], len(e164))
        found = _nanp_other.get(key)
        if found is None:
            found = _nanp_other[key] = _classify(e164)
        return found
    return _classify_whole(e164)


@dataclass(frozen=True)
class KnownPrefixes:
    """What a process has learnt of NANP prefixes, to keep between runs (classifying a
    new prefix costs ~20 µs, and a country-wide list has tens of thousands): the places,
    and each ``+1NPANXX`` prefix's index among them (``INVALID``: rings nowhere). A few
    hundred places serve tens of thousands of prefixes, so each is written once."""

    places: tuple[Place, ...]
    prefixes: dict[str, int]


def known_prefixes() -> KnownPrefixes:
    return KnownPrefixes(tuple(_places), dict(_nanp))


def learn_prefixes(known: KnownPrefixes) -> None:
    """Prefixes learnt by an earlier run, with the same phonenumbers data: taken as this
    process's own (what this process learnt itself wins)."""
    ids = [_intern(place) for place in known.places]
    learnt = {p: INVALID if at == INVALID else ids[at] for p, at in known.prefixes.items()}
    learnt.update(_nanp)
    _nanp.update(learnt)


def nanp_cache() -> dict[str, int]:
    """The per-prefix cache of 12-character NANP numbers, for the hot loop of
    ``analyze_recipients`` (a miss goes through ``place_id``)."""
    return _nanp


@lru_cache(maxsize=1 << 16)
def _classify_whole(e164: str) -> int:
    return _classify(e164)


def _classify(e164: str) -> int:
    if e164[1] == "1" and len(e164) == 12:
        regions = area_codes().get(e164[2:5])
        if regions:
            return _classify_geographic(e164, regions)
    import phonenumbers

    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return INVALID
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        return INVALID
    return _intern(_place_of(number, kind))


def _classify_geographic(e164: str, regions: tuple[str, ...]) -> int:
    """A number of an area code the table places: its validity from phonenumbers'
    patterns for its region, its zones from phonenumbers' zone data held to the table's
    (``_table_zones``)."""
    country = regions[0][3:] if regions[0][3:] in US_TERRITORIES else regions[0][:2]
    if not valid_in_region(e164[2:], country):
        return INVALID
    zones = _area_code_zones(e164[2:5])
    exchange = None
    if zones is None:
        from phonenumbers import PhoneNumber, timezone

        number = PhoneNumber(country_code=1, national_number=int(e164[2:]))
        zones = timezone.time_zones_for_geographical_number(number)
        exchange = e164[2:]
    return _geographic_place(*_table_zones(e164[2:5], zones, exchange), regions)


_TRUSTED, _WIDENED, _IF_BY_EXCHANGE = 0, 1, 2


def _table_zones(
    area_code: str, zones: tuple[str, ...], national: str | None
) -> tuple[tuple[str, ...], bool]:
    """The zones a number must pass in, and whether they were widened past
    phonenumbers' own: phonenumbers' zones are taken when they lie within the zones the
    table gives the area code, and phonenumbers places the number by its exchange or the
    table confirms that the whole area code keeps one clock (the code's own ``zones``,
    or a state, province or territory of one zone). Otherwise (phonenumbers names a
    zone the table does not, such as Chicago for Orlando's 689; or it places the number
    by its area code alone, which says only the state, and the state has several
    clocks), every zone of the area code's states, provinces or territories.

    ``national`` is the national number when phonenumbers' zones were looked up for it
    (None: its zones are the area code's, from its data for the whole code). The verdict
    per area code and zones is kept on the table: a few hundred serve every prefix."""
    table = nanp_table()
    key = (area_code, zones)
    verdict = table.verdicts.get(key)
    if verdict is None:
        from phonenumbers import timezone

        own = table.area_code_zones.get(area_code)
        allowed = own if own is not None else table.zones_of_area_code(area_code)
        known = {z for z in zones if z != timezone.UNKNOWN_TIMEZONE}
        if not known or not known <= set(allowed):
            verdict = _WIDENED
        elif own is not None or len(allowed) == 1:
            verdict = _TRUSTED
        else:
            verdict = _IF_BY_EXCHANGE
        table.verdicts[key] = verdict
    if verdict == _IF_BY_EXCHANGE and national is not None and _by_exchange(national):
        verdict = _TRUSTED
    if verdict == _TRUSTED:
        return zones, False
    return table.zones_of_area_code(area_code), True


def _by_exchange(national: str) -> bool:
    """Whether phonenumbers' zone data places this number by more than its area code
    (a key of ``1`` and four to six digits of it)."""
    from phonenumbers.tzdata import TIMEZONE_DATA

    return f"1{national[:4]}" in TIMEZONE_DATA or any(
        f"1{national[:n]}" in TIMEZONE_DATA for n in (5, 6)
    )


def valid_in_region(national: str, region: str) -> bool:
    """What ``phonenumbers.is_valid_number_for_region`` answers for a national number,
    at a tenth of its cost: the same patterns, tried the same way, without building a
    PhoneNumber. tests/hours/test_numbers.py holds it to phonenumbers' own answer for
    every exchange of every area code in the table."""
    general, kinds = _patterns(region)
    if not _matches(national, general):
        return False
    return any(_matches(national, kind) for kind in kinds)


_Pattern = tuple[frozenset[int], "re.Pattern[str] | None"]


def _matches(national: str, pattern: _Pattern) -> bool:
    lengths, regex = pattern
    if lengths and len(national) not in lengths:
        return False
    return regex is not None and regex.fullmatch(national) is not None


@cache
def _patterns(region: str) -> tuple[_Pattern, tuple[_Pattern, ...]]:
    """The region's general pattern and the patterns of its number types. A number is
    valid when it matches the first and any of the others, so the others are tried
    most likely first (fixed line, mobile) and those without a pattern are left out."""
    from phonenumbers.phonemetadata import PhoneMetadata

    metadata = PhoneMetadata.metadata_for_region(region)
    assert metadata is not None, region
    kinds = (
        metadata.fixed_line,
        metadata.mobile,
        metadata.premium_rate,
        metadata.toll_free,
        metadata.shared_cost,
        metadata.voip,
        metadata.personal_number,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
    )
    patterns = tuple(_pattern(kind) for kind in kinds)
    return _pattern(metadata.general_desc), tuple(p for p in patterns if p[1] is not None)


def _pattern(desc: PhoneNumberDesc | None) -> _Pattern:
    if desc is None:
        return frozenset(), None
    text = desc.national_number_pattern
    return frozenset(desc.possible_length or ()), re.compile(text) if text else None


@cache
def _geographic_place(zones: tuple[str, ...], widened: bool, regions: tuple[str, ...]) -> int:
    from phonenumbers import timezone

    known = tuple(z for z in zones if z != timezone.UNKNOWN_TIMEZONE)
    countries = tuple(sorted({r[:2] for r in regions}))
    ruled = tuple(r for r in regions if r in ruled_regions())
    return _intern(Place(known, countries, ruled, bool(known), widened))


@cache
def _area_code_zones(area_code: str) -> tuple[str, ...] | None:
    """The zones of every number of an area code, when phonenumbers' data has none
    finer for it; None when its exchanges differ (850: Eastern and Central)."""
    from phonenumbers.tzdata import TIMEZONE_DATA

    prefix = f"1{area_code}"
    if any(len(key) > 4 and key.startswith(prefix) for key in _nanp_zone_keys()):
        return None
    zones: tuple[str, ...] | None = TIMEZONE_DATA.get(prefix)
    return zones


@cache
def _nanp_zone_keys() -> tuple[str, ...]:
    from phonenumbers.tzdata import TIMEZONE_DATA

    return tuple(key for key in TIMEZONE_DATA if key.startswith("1") and len(key) > 4)


@cache
def ruled_regions() -> frozenset[str]:
    """States and provinces with rules of their own. Only these are kept in a place:
    the others change nothing, and fewer places make fewer sums per campaign."""
    return frozenset(rule.place for rule in all_rules() if rule.region is not None)


def _place_of(number: PhoneNumber, kind: int) -> Place:
    import phonenumbers
    from phonenumbers import timezone

    geographic = phonenumbers.is_number_type_geographical(kind, number.country_code or 0)
    if geographic:
        zones = timezone.time_zones_for_geographical_number(number)
    else:
        zones = timezone.time_zones_for_number(number)
    known = tuple(z for z in zones if z != timezone.UNKNOWN_TIMEZONE)
    fixed = geographic and bool(known)
    if number.country_code == 1 and not fixed:
        return Place(known, NANP, (), False)
    region = phonenumbers.region_code_for_number(number) or ""
    country = "US" if region in US_TERRITORIES else region
    if number.country_code == 1 and country in NANP:
        # An area code of the US or Canada that the table does not know: its state is
        # unknown, so it may ring in every zone of its country, under every state's rule.
        return Place(known, (country,), (), False, widened=True)
    return Place(known, (country,) if country else (), (), fixed)


def _intern(found: Place) -> int:
    known = _place_ids.get(found)
    if known is None:
        known = _place_ids[found] = len(_places)
        _places.append(found)
    return known


def intern_place(found: Place) -> int:
    """The id of a place built elsewhere (a row whose ``timezone`` column overrides)."""
    return _intern(found)


@dataclass(frozen=True)
class NanpTable:
    """The project's own NANP table (area_codes.json, sources named in it)."""

    area_codes: dict[str, tuple[str, ...]]
    """Area code -> ISO 3166-2 codes of its states, provinces or territories."""
    area_code_zones: dict[str, tuple[str, ...]]
    """Area code -> its zones, only for a code whose numbers all keep one clock."""
    regions: dict[str, tuple[str, ...]]
    """State, province or territory -> every IANA zone its numbers may ring in."""
    _by_area_code: dict[str, tuple[str, ...]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    verdicts: dict[tuple[str, tuple[str, ...]], int] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    """``_table_zones``' verdict per (area code, phonenumbers' zones), made once."""

    def zones_of_area_code(self, area_code: str) -> tuple[str, ...]:
        """Every zone of the area code's states, provinces or territories."""
        found = self._by_area_code.get(area_code)
        if found is None:
            found = _union(self.regions[r] for r in self.area_codes[area_code])
            self._by_area_code[area_code] = found
        return found


def _union(groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(sorted({zone for group in groups for zone in group}))


@cache
def nanp_table() -> NanpTable:
    raw = json.loads(area_codes_bytes())
    entries: dict[str, dict[str, list[str]]] = raw["area_codes"]
    return NanpTable(
        {npa: tuple(entry["regions"]) for npa, entry in entries.items()},
        {npa: tuple(entry["zones"]) for npa, entry in entries.items() if "zones" in entry},
        {region: tuple(zones) for region, zones in raw["regions"].items()},
    )


@cache
def area_codes_bytes() -> bytes:
    """The table file as shipped: read once, and hashed into the prefix cache's key."""
    return resources.files("reconciler.hours").joinpath("area_codes.json").read_bytes()


def area_codes() -> dict[str, tuple[str, ...]]:
    """NANP area code -> ISO 3166-2 codes of its states, provinces or territories."""
    return nanp_table().area_codes
