"""Which time zone names a manifest may use: the same zone on every machine.

Dograh loads ``schedule.timezone`` with ``ZoneInfo`` on its own server (docs/dograh-api.md
§2.1), from whatever tzdata that server has. A name is accepted only if it means the
same there as here:

- the names of the ``tzdata`` package this tool depends on, not the machine's own
  /usr/share/zoneinfo, which also holds ``localtime`` (the machine's zone), ``posixrules``,
  ``posix/...`` and ``right/...`` (leap seconds counted: clocks 27 seconds apart);
- of those, only the IANA area/location names (``Europe/Berlin``, ``Etc/GMT+5``) and
  ``UTC``. The bare legacy names (``EST5EDT``, ``CET``, ``GB``, ``Japan``, ``Factory``)
  and the old country names (``US/Eastern``, ``Canada/Pacific``) are refused: tzdata
  2024b redefined several of them as other zones, and Debian-based systems (Dograh's
  server image among them) install them only with the separate tzdata-legacy package,
  so whether Dograh loads them at all depends on its machine. The message names the
  area/location zone to write instead.
"""

from __future__ import annotations

import difflib
import functools
import zoneinfo
from importlib import resources

AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
        "Etc",
    }
)
"""The IANA areas; ``Etc`` holds the fixed offsets (``Etc/GMT+5``, west of Greenwich)."""

SCHEMA_PATTERN = (
    r"^(UTC|(" + "|".join(sorted(AREAS)) + r")/[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*)(?!\n)$"
)
"""The shape of an accepted name, for editors; whether the zone exists is the models'."""

MACHINE_DEPENDENT = frozenset({"localtime", "posixrules", "Factory"})

_SYSTEM_V = {
    "EST5EDT": "America/New_York",
    "CST6CDT": "America/Chicago",
    "MST7MDT": "America/Denver",
    "PST8PDT": "America/Los_Angeles",
}
"""Legacy names whose data is not a copy of one area/location zone's (their rules are)."""


@functools.cache
def _known() -> frozenset[str]:
    """Every name of the tzdata package (it lists them in ``zones``), else, without it,
    the names Python finds on this machine."""
    try:
        text = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    except (ImportError, OSError):
        return frozenset(zoneinfo.available_timezones())
    return frozenset(text.split())


@functools.cache
def canonical() -> frozenset[str]:
    """The names a manifest may use."""
    return frozenset(
        name
        for name in _known()
        if name == "UTC" or ("/" in name and name.partition("/")[0] in AREAS)
    )


def is_canonical(name: str) -> bool:
    return name in canonical()


def message(name: str) -> str:
    """Why ``name`` is refused, with the canonical name to write instead when there is one."""
    stripped = name.removeprefix("posix/").removeprefix("right/")
    if name in MACHINE_DEPENDENT or stripped != name:
        hint = (
            f"; write {stripped}"
            if is_canonical(stripped)
            else "; name the zone itself, such as Europe/Berlin"
        )
        return (
            f"'{name}' depends on the machine that reads it (its own settings or tzdata "
            f"build), so Dograh's server may read another zone{hint}"
        )
    if name in _known():
        equal = _equivalents(name)
        hint = f"; write {' or '.join(equal)}" if equal else "; name an area/location zone"
        return (
            f"'{name}' is a legacy time zone alias: Dograh's server may not have it (recent "
            f"systems install it separately) or may read it as another zone{hint}"
        )
    zones = sorted(canonical())
    by_lower = {zone.lower(): zone for zone in zones}
    exact = by_lower.get(name.strip().lower().replace(" ", "_"))
    close = [exact] if exact else difflib.get_close_matches(name, zones, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else " (such as Europe/Berlin)"
    return f"'{name}' is not an IANA time zone name{hint}"


def _equivalents(alias: str) -> list[str]:
    """The area/location zones with the alias's very data (tzdata ships a link as a copy
    of its target), at most two; for the System V names, the zone of their rules."""
    if alias in _SYSTEM_V:
        return [_SYSTEM_V[alias]]
    if alias in ("UCT", "Universal", "Zulu"):
        return ["UTC"]
    folder = resources.files("tzdata").joinpath("zoneinfo")
    try:
        data = folder.joinpath(*alias.split("/")).read_bytes()
        found = [
            zone
            for zone in sorted(canonical() - {"UTC"})
            if folder.joinpath(*zone.split("/")).read_bytes() == data
        ]
    except (ImportError, OSError):
        return []
    return found[:2]
