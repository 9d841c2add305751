"""Calling-hours rules: data with sources, loaded from rules.json.

Laws change more often than code should, and a reviewer must be able to check each
window against its statute; so the rules live in a data file that names, for each one,
its citation and where its text was read. JSON, not YAML, because `validate` loads it
on every run and the JSON parser is the cheaper one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from reconciler.hours.clock import days_text, hhmm, minutes
from reconciler.manifest.model import DAYS

RULE_SETS: tuple[str, ...] = ("us-federal", "us-states", "ca-crtc")
"""Every rule set, in the order findings list them."""


@dataclass(frozen=True)
class Holidays:
    """Days on which a rule also forbids holidays, which a weekly schedule cannot skip."""

    days: frozenset[int]
    which: str
    """As the statute names them: "state or federal holidays"."""


@dataclass(frozen=True, eq=False)
class Rule:
    """One rule of rules.json. Compared by identity: ``all_rules`` makes each once, and
    the check's caches hash rules many times."""

    key: str
    rule_set: str
    country: str
    """ISO 3166-1 code of the country whose numbers it covers: "US", "CA"."""
    region: str | None
    """State or province code ("FL"), or None for a whole country."""
    label: str
    windows: tuple[tuple[int, int] | None, ...]
    """Per weekday (0 is Monday): the legal window in local minutes, end exclusive, or
    None when no call is allowed that day."""
    holidays: Holidays | None
    citation: str
    source: str

    @property
    def place(self) -> str:
        """ISO 3166-2 code of the region ("US-FL"), or the country code."""
        return f"{self.country}-{self.region}" if self.region else self.country

    def describe(self) -> str:
        """The windows in a few words: ``08:00-21:00``, or per day when they differ."""
        return _describe(self)


@cache
def _describe(rule: Rule) -> str:
    shown = [f"{hhmm(w[0])}-{hhmm(w[1])}" if w else "none" for w in rule.windows]
    if len(set(shown)) == 1:
        return shown[0]
    groups: dict[str, list[int]] = {}
    for day, text in enumerate(shown):
        groups.setdefault(text, []).append(day)
    return ", ".join(f"{days_text(days)} {text}" for text, days in groups.items())


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule of rules.json, in file order (federal, states, Canada)."""
    return tuple(_rule(entry) for entry in json.loads(rules_bytes())["rules"])


@cache
def rules_bytes() -> bytes:
    """rules.json as shipped: read once, and hashed into the prefix cache's key."""
    return resources.files("reconciler.hours").joinpath("rules.json").read_bytes()


@cache
def rules_for(rule_sets: tuple[str, ...]) -> tuple[Rule, ...]:
    """The rules of the given sets; an unknown set name is a programming error."""
    unknown = set(rule_sets) - set(RULE_SETS)
    if unknown:
        raise ValueError(f"unknown rule sets: {', '.join(sorted(unknown))}")
    return tuple(rule for rule in all_rules() if rule.rule_set in rule_sets)


def _rule(entry: dict[str, Any]) -> Rule:
    windows = [entry["windows"][day] for day in DAYS]
    holidays = entry["holidays"]
    return Rule(
        key=entry["key"],
        rule_set=entry["rule_set"],
        country=entry["country"],
        region=entry["region"],
        label=entry["label"],
        windows=tuple(None if w is None else (minutes(w[0]), minutes(w[1])) for w in windows),
        holidays=None
        if holidays is None
        else Holidays(frozenset(DAYS.index(d) for d in holidays["days"]), holidays["which"]),
        citation=entry["citation"],
        source=entry["source"],
    )
