"""One person in two campaigns that dial: each would call them.

Dograh checks a campaign's own CSV for a number twice, never two campaigns against each
other. A person in the CSVs of two campaigns that both dial after this plan is called
by each; so the plan is blocked unless the Policy allows that many people
(``limits.max_shared_contacts``, default 0). ``validate`` says the same as a warning:
only the plan knows which campaigns will dial (a held or a completed one does not).

Messages give counts and row numbers, never a number. Ten thousand campaigns of a
hundred rows are a million numbers, mostly distinct: the numbers are integers (E.164
digits), the repeated ones are found with set operations in C, and only the campaigns
that hold one are walked row by row. The common answer, nobody shared, is kept between
runs (planner/dialed.py): while it holds, no number is read at all.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace

from reconciler.diagnostics import Diagnostic
from reconciler.hours import normalise_e164

LISTED_ROWS = 5
"""Rows named per campaign, as Dograh's own messages name five."""


@dataclass(frozen=True)
class Dialed:
    """The numbers a campaign that dials calls, as integers (E.164 digits), with the CSV
    row of each: compact to send between the processes that load the manifests."""

    name: str
    numbers: array[int]
    rows: array[int]
    """``rows[i]`` is the CSV row (Dograh's numbering: the header is row 1) of
    ``numbers[i]``."""
    at: Diagnostic
    """Where to report: the manifest's ``metadata.name``."""
    csv: str = ""
    """The contacts file, as the messages show it."""
    by_redial: bool = field(default=False)
    """Its ``spec.redial`` dials too: the campaign's own state does not decide alone."""


def dialed(
    name: str, rows: Iterable[tuple[int, str]], at: Diagnostic, csv: str, by_redial: bool
) -> Dialed:
    """The campaign's numbers (``numbers_of``), where to report them and how it dials."""
    numbers, found_rows = numbers_of(rows)
    return Dialed(name, numbers, found_rows, at, csv, by_redial)


def numbers_of(rows: Iterable[tuple[int, str]]) -> tuple[array[int], array[int]]:
    """The E.164 digits of each row's phone as an integer, and its row: a clean
    ``+digits`` cell as it is, any other spelling normalised first (two spellings of one
    number are one person); a cell that is no number at all is not a person this check
    can compare."""
    items = rows if isinstance(rows, (list, tuple)) else list(rows)
    try:  # the common case in bulk: every cell is "+" and digits (int() takes no other)
        numbers = array("q", [int(phone[1:]) for _, phone in items if phone[:1] == "+"])
        if len(numbers) != len(items):
            raise ValueError("a number without +")
        found_rows = array("i", [row for row, _ in items])
    except (ValueError, OverflowError):
        numbers, found_rows = array("q"), array("i")
        for row, phone in items:
            normal = normalise_e164(phone)
            digits = normal[1:] if normal else ""
            if digits.isdigit() and len(digits) <= 18:
                numbers.append(int(digits))
                found_rows.append(row)
    return numbers, found_rows


def repeated_numbers(campaigns: Sequence[Dialed]) -> set[int]:
    """The numbers that are in more than one of the campaigns (one CSV's own repeats
    are not: the CSV check says those)."""
    everyone: set[int] = set()
    everyone.update(*(campaign.numbers for campaign in campaigns))
    if len(everyone) == sum(len(campaign.numbers) for campaign in campaigns):
        return set()  # no number said twice, the common case: one pass, in C
    seen: set[int] = set()
    repeated: set[int] = set()
    for campaign in campaigns:
        numbers = set(campaign.numbers)
        repeated |= seen & numbers
        seen |= numbers
    return repeated


@dataclass
class _Pair:
    earlier: Dialed
    later: Dialed
    earlier_rows: list[int] = field(default_factory=list)
    later_rows: list[int] = field(default_factory=list)


def shared_contacts(
    campaigns: Sequence[Dialed],
    *,
    allowed: int,
    policy: str | None,
    blocking: bool,
    idle: Collection[str] = (),
) -> list[Diagnostic]:
    """One finding per pair of campaigns that dial people in common, at the later one.

    ``allowed`` is the Policy's ``limits.max_shared_contacts`` (``policy`` its name, None
    without one): past it, each finding is an error when ``blocking`` (plan, apply), a
    warning saying so otherwise (validate); within it, a warning. ``idle`` names the
    campaigns that will not dial after this plan (held, completed or failed), left out.
    """
    dialing = [c for c in campaigns if c.by_redial or c.name not in idle]
    repeated = repeated_numbers(dialing)
    if not repeated:
        return []
    first: dict[int, tuple[int, int]] = {}
    pairs: dict[tuple[int, int], _Pair] = {}
    for index, campaign in enumerate(dialing):
        if repeated.isdisjoint(campaign.numbers):
            continue
        for number, row in zip(campaign.numbers, campaign.rows, strict=True):
            if number not in repeated:
                continue
            earlier = first.setdefault(number, (index, row))
            if earlier[0] == index:
                continue
            pair = pairs.get((earlier[0], index))
            if pair is None:
                pair = pairs[earlier[0], index] = _Pair(dialing[earlier[0]], campaign)
            pair.earlier_rows.append(earlier[1])
            pair.later_rows.append(row)
    over = len(repeated) > allowed
    return [
        _finding(pair, len(repeated), allowed, policy, over, blocking) for pair in pairs.values()
    ]


def _finding(
    pair: _Pair, total: int, allowed: int, policy: str | None, over: bool, blocking: bool
) -> Diagnostic:
    count = len(pair.later_rows)
    earlier, later = pair.earlier, pair.later
    people = "1 person" if count == 1 else f"{count} people"
    head = (
        f"{later.name}: {people} in {later.csv} ({_rows(pair.later_rows)}) "
        f"{'is' if count == 1 else 'are'} also in '{earlier.name}' ({earlier.at.file}: "
        f"{earlier.csv}, {_rows(pair.earlier_rows)}), and both campaigns dial"
        f"{' after this plan' if blocking else ''}: each would call them"
    )
    limit = "limits.max_shared_contacts"
    if not over:
        return replace(
            later.at,
            message=f"{head}; the Policy '{policy}' allows {allowed} shared in all ({limit}), "
            f"and {total} are",
            severity="warning",
        )
    where = f"in the Policy '{policy}'" if policy is not None else "in a Policy document"
    allows = (
        f"the Policy '{policy}' allows {allowed} ({limit})"
        if policy is not None
        else f"without a Policy none is allowed ({limit}, default 0)"
    )
    refused = "" if blocking else "; plan and apply refuse this"
    return replace(
        later.at,
        message=f"{head}. {total} {'person is' if total == 1 else 'people are'} in more than "
        f"one dialing campaign, and {allows}{refused}. Remove those rows from one of the "
        f"CSVs, or raise {limit} {where} in a reviewed change",
        severity="error" if blocking else "warning",
    )


def _rows(rows: list[int]) -> str:
    ordered = sorted(rows)
    shown = ", ".join(str(row) for row in ordered[:LISTED_ROWS])
    more = len(ordered) - LISTED_ROWS
    word = "row" if len(ordered) == 1 else "rows"
    return f"{word} {shown}" + (f" and {more} more" if more > 0 else "")
