"""The calling-hours check of one campaign: its schedule against its recipients' places.

10,000 campaigns often share one schedule, and their contacts fall into a few dozen
places; so a schedule is interned once per process and what it does in each place
(under each rule, in each zone) is computed once and cached, leaving each campaign a
lookup per place and the sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache

from reconciler.hours.clock import days_text
from reconciler.hours.legal import legal_text, legal_windows
from reconciler.hours.numbers import Place
from reconciler.hours.recipients import Recipients
from reconciler.hours.report import (
    HoursFinding,
    Template,
    no_schedule_finding,
    number_findings,
    reach_template,
    unplaced_template,
    widened_finding,
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
class _Hit:
    """One finding a schedule makes, whoever's contacts it counts: interned per
    schedule, hashed by identity, with its words and its place in the report ready."""

    rank: tuple[int, tuple[int, ...], str, str, str]
    template: Template
    holiday: tuple[str, object] | None = None
    """For a holiday warning, its rule and place: the warnings of one campaign that share
    them are said once, naming every slot (they differ in nothing else)."""
    slot: str = ""
    """The slot group as the manifest writes it: ``mon-fri 09:00-17:00``."""


@dataclass(eq=False)
class _Schedule:
    """An interned schedule: compared and hashed by identity, so cache keys are cheap."""

    zone: str
    slots: tuple[Slot, ...]
    hits: dict[tuple[Place, tuple[Rule, ...], int], tuple[_Hit, ...]] = field(default_factory=dict)
    """The findings the schedule makes in each place, under a policy."""
    interned: dict[object, _Hit] = field(default_factory=dict)
    legal: dict[tuple[tuple[tuple[str, Rule], ...], int], str] = field(default_factory=dict)
    """What would be legal, per set of (zone, rule) reached and margin (legal.py)."""


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
    on every date of the year. Invalid numbers and bad zone cells are reported by
    ``findings_for_numbers``, whatever the schedule.
    """
    rules = rules_for(tuple(policy.rule_sets))
    if slots is None:
        return _unscheduled(recipients, rules)
    schedule = _schedule(schedule_zone or DEFAULT_ZONE, tuple(slots))
    margin = policy.margin_minutes
    known = schedule.hits
    totals: dict[_Hit, tuple[int, list[int]]] = {}
    for counted in recipients.places:
        hits = known.get((counted.place, rules, margin))
        if hits is None:
            hits = _hits(schedule, counted.place, rules, margin)
        for hit in hits:
            total = totals.get(hit)
            if total is None:
                totals[hit] = (counted.contacts, list(counted.rows))
            else:
                total[1].extend(counted.rows)
                totals[hit] = (total[0] + counted.contacts, total[1])
    found = _said_once(schedule.zone, [(hit, totals[hit]) for hit in sorted(totals, key=_rank)])
    if any(f.severity == "error" for f in found):
        reached = tuple(
            sorted(
                {
                    (zone, rule)
                    for counted in recipients.places
                    for rule in rules
                    for zone in _zones(counted.place, rule)
                },
                key=lambda pair: (pair[0], pair[1].key),
            )
        )
        legal = _legal_text(schedule, reached, margin)
        found = [replace(f, legal=legal) if f.severity == "error" else f for f in found]
    return found


def _legal_text(schedule: _Schedule, reached: tuple[tuple[str, Rule], ...], margin: int) -> str:
    """What would be legal for these zones and rules, said once per schedule."""
    key = (reached, margin)
    text = schedule.legal.get(key)
    if text is None:
        masks = legal_windows(schedule.zone, reached, margin, reference_year())
        days = [slot.day for slot in schedule.slots]
        zones = sorted({zone for zone, _ in reached})
        text = schedule.legal[key] = legal_text(schedule.zone, days, masks, zones)
    return text


def _rank(hit: _Hit) -> tuple[int, tuple[int, ...], str, str, str]:
    return hit.rank


def _said_once(
    schedule_zone: str, hits: list[tuple[_Hit, tuple[int, list[int]]]]
) -> list[HoursFinding]:
    """The findings, each holiday warning once per rule and place however many slots
    reach it (a weekday schedule of five slots would otherwise say it five times)."""
    groups: dict[tuple[str, object], list[tuple[_Hit, tuple[int, list[int]]]]] = {}
    for hit, total in hits:
        if hit.holiday is not None:
            groups.setdefault(hit.holiday, []).append((hit, total))
    found = []
    for hit, (contacts, rows) in hits:
        group = groups.get(hit.holiday) if hit.holiday is not None else None
        if group is None or len(group) == 1:
            found.append(hit.template.finding(contacts, rows))
        elif group[0][0] is hit:
            slots = ", ".join(member.slot for member, _ in group)
            words = hit.template._replace(head=f"{slots} {schedule_zone} reach ")
            most = max(total[0] for _, total in group)
            found.append(words.finding(most, {r for _, total in group for r in total[1]}))
    return found


def findings_for_numbers(recipients: Recipients, *, dials: bool) -> list[HoursFinding]:
    """Findings about the numbers themselves (unreadable, invalid, written two ways) and
    errors in the ``timezone`` column: they hold whatever the schedule; an unreadable or
    invalid number is an error in a campaign that dials (``dials``), else a warning."""
    return number_findings(recipients, dials=dials)


def findings_for_zones(recipients: Recipients) -> list[HoursFinding]:
    """The count of contacts held to every zone of their state, province or territory
    (``Place.widened``): for a campaign that dials, beside its calling-hours findings."""
    found = widened_finding(recipients)
    return [found] if found is not None else []


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
) -> tuple[_Hit, ...]:
    """The findings the schedule makes in a place, each once.

    Numbers of no fixed place make one finding per rule and slot group, naming every
    zone they may ring in, rather than one per zone.
    """
    found: list[_Hit] = []
    for rule in rules:
        unplaced: dict[Reach, dict[str, Reach]] = {}
        for zone in _zones(place, rule):
            for reach in _evaluate(schedule, zone, rule, margin):
                if place.fixed:
                    found.append(_intern(schedule, (rule, zone, reach), rule, zone, reach, margin))
                else:
                    key = Reach(reach.days, reach.start, reach.end, "", "", (), reach.breach)
                    unplaced.setdefault(key, {})[zone] = reach
        for key, zones in unplaced.items():
            shown = dict(sorted(zones.items()))
            found.append(
                _intern(schedule, (rule, key, tuple(shown.items())), rule, "", key, margin, shown)
            )
    hits = schedule.hits[(place, rules, margin)] = tuple(found)
    return hits


def _intern(
    schedule: _Schedule,
    key: object,
    rule: Rule,
    zone: str,
    reach: Reach,
    margin: int,
    zones: dict[str, Reach] | None = None,
) -> _Hit:
    hit = schedule.interned.get(key)
    if hit is None:
        if zones is None:
            template = reach_template(schedule.zone, reach, zone, rule, margin)
        else:
            template = unplaced_template(schedule.zone, reach, zones, rule, margin)
        rank = (_order()[rule.key], reach.days, reach.start, zone, reach.summer)
        place = zone if zones is None else tuple(zones)
        holiday = (rule.key, place) if reach.breach == "holiday" else None
        slot = f"{days_text(reach.days)} {reach.start}-{reach.end}"
        hit = schedule.interned[key] = _Hit(rank, template, holiday, slot)
    return hit


@cache
def _order() -> dict[str, int]:
    return {rule.key: index for index, rule in enumerate(all_rules())}


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
            schedule.zone, schedule.slots, zone, rule, margin, reference_year()
        )
    return found


@cache
def reference_year() -> int:
    """The reference year: this one, so that the time zone rules in force are used (a
    verdict kept in the content cache is made under it)."""
    return date.today().year
