"""The calling-hours check of one campaign: its schedule against its recipients' places.

10,000 campaigns often share one schedule, and their contacts fall into a few dozen
places; so a schedule is interned once per process and what it does in each place
(under each rule, in each zone) is computed once and cached, leaving each campaign a
lookup per place and the sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from reconciler.hours.numbers import Place
from reconciler.hours.recipients import Recipients
from reconciler.hours.report import (
    HoursFinding,
    no_schedule_finding,
    number_findings,
    reach_finding,
    unplaced_finding,
)
from reconciler.hours.rules import RULE_SETS, Rule, all_rules, rules_for
from reconciler.hours.windows import Reach, Slot, evaluate
from reconciler.hours.zones import jurisdiction_zones

DEFAULT_ZONE = "UTC"
"""The zone of a schedule that names none: Dograh's default."""

_CACHE_LIMIT = 100_000
"""Entries kept per cache before it is emptied: bounded memory for odd workloads."""


@dataclass(frozen=True)
class HoursPolicy:
    """Which rules hold, and how long before a legal end calls must stop."""

    rule_sets: tuple[str, ...] = RULE_SETS
    margin_minutes: int = 15


@dataclass(eq=False)
class _Schedule:
    """An interned schedule: compared and hashed by identity, so cache keys are cheap."""

    zone: str
    slots: tuple[Slot, ...]
    hits: dict[tuple[Place, tuple[Rule, ...], int], list[tuple[Rule, str, Reach]]] = field(
        default_factory=dict
    )


_schedules: dict[tuple[str, tuple[Slot, ...]], _Schedule] = {}


def check_hours(
    schedule_zone: str | None,
    slots: Sequence[Slot] | None,
    recipients: Recipients,
    policy: HoursPolicy,
) -> list[HoursFinding]:
    """Findings of calling hours for a campaign that is or will be running.

    ``slots`` None means no schedule: Dograh then calls at any hour, an error for the
    contacts of every rule. Each slot, in ``schedule_zone``, must reach each zone of
    each recipient inside the window of every rule that holds there, less the margin,
    on every date of the year. Invalid numbers and spellings are reported by
    ``findings_for_numbers``, whatever the schedule.
    """
    rules = rules_for(tuple(policy.rule_sets))
    if slots is None:
        return _unscheduled(recipients, rules)
    schedule = _schedule(schedule_zone or DEFAULT_ZONE, tuple(slots))
    margin = policy.margin_minutes
    totals: dict[tuple[Rule, str, Reach], _Total] = {}
    for counted in recipients.places:
        fixed = counted.place.fixed
        for rule, zone, reach in _hits(schedule, counted.place, rules, margin):
            # Numbers of no fixed place make one finding per rule and slot group, naming
            # every zone, rather than one per zone they may ring in.
            key = (rule, zone, reach) if fixed else (rule, "", _unplaced(reach))
            total = totals.get(key)
            if total is None:
                total = totals[key] = _Total()
            if total.last is not counted:
                total.last = counted
                total.contacts += counted.contacts
                total.rows.extend(counted.rows)
            if not fixed:
                total.zones[zone] = reach
    order = {rule.key: index for index, rule in enumerate(all_rules())}
    ranked = sorted(
        totals.items(),
        key=lambda item: (
            order[item[0][0].key],
            item[0][2].days,
            item[0][2].start,
            item[0][1],
            item[0][2].summer,
        ),
    )
    found = []
    for (rule, zone, reach), total in ranked:
        if zone:
            found.append(
                reach_finding(schedule.zone, reach, zone, rule, margin, total.contacts, total.rows)
            )
        else:
            found.append(
                unplaced_finding(
                    schedule.zone, reach, total.zones, rule, margin, total.contacts, total.rows
                )
            )
    return found


@dataclass(eq=False)
class _Total:
    contacts: int = 0
    rows: list[int] = field(default_factory=list)
    zones: dict[str, Reach] = field(default_factory=dict)
    last: object = None
    """The place counted last, so that a place reached in several zones counts once."""


def _unplaced(reach: Reach) -> Reach:
    """A reach without its local hours: the key of a no-fixed-place finding."""
    return Reach(reach.days, reach.start, reach.end, "", "", (), reach.breach)


def findings_for_numbers(recipients: Recipients) -> list[HoursFinding]:
    """Warnings about the numbers themselves (invalid, written two ways) and errors in
    the ``timezone`` column: they hold whatever the schedule and the state."""
    return number_findings(recipients)


def _unscheduled(recipients: Recipients, rules: tuple[Rule, ...]) -> list[HoursFinding]:
    found = []
    for rule in rules:
        contacts, rows = 0, list[int]()
        for counted in recipients.places:
            if _zones(counted.place, rule):
                contacts += counted.contacts
                rows.extend(counted.rows)
        if contacts:
            found.append(no_schedule_finding(rule, contacts, rows))
    return found


def _schedule(zone: str, slots: tuple[Slot, ...]) -> _Schedule:
    key = (zone, slots)
    found = _schedules.get(key)
    if found is None:
        if len(_schedules) >= _CACHE_LIMIT:
            _schedules.clear()
        found = _schedules[key] = _Schedule(zone, slots)
    return found


def _hits(
    schedule: _Schedule, place: Place, rules: tuple[Rule, ...], margin: int
) -> list[tuple[Rule, str, Reach]]:
    """(rule, zone, reach) for every breach the schedule makes in a place."""
    key = (place, rules, margin)
    found = schedule.hits.get(key)
    if found is None:
        found = []
        for rule in rules:
            for zone in _zones(place, rule):
                for reach in _evaluate(schedule, zone, rule, margin):
                    found.append((rule, zone, reach))
        schedule.hits[key] = found
    return found


def _zones(place: Place, rule: Rule) -> tuple[str, ...]:
    """The zones in which a place is held to a rule; none when the rule does not hold."""
    if rule.country not in place.countries:
        return ()
    if not place.fixed:
        return jurisdiction_zones(rule.place)
    if rule.region is None or rule.place in place.regions:
        return place.zones
    return ()


_evaluations: dict[tuple[_Schedule, str, Rule, int], tuple[Reach, ...]] = {}


def _evaluate(schedule: _Schedule, zone: str, rule: Rule, margin: int) -> tuple[Reach, ...]:
    key = (schedule, zone, rule, margin)
    found = _evaluations.get(key)
    if found is None:
        if len(_evaluations) >= _CACHE_LIMIT:
            _evaluations.clear()
        found = _evaluations[key] = evaluate(
            schedule.zone, schedule.slots, zone, rule, margin, _year()
        )
    return found


@cache
def _year() -> int:
    """The reference year: this one, so that the time zone rules in force are used."""
    return date.today().year
