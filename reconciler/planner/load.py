"""Stage one, load: the files under the paths, each loaded, then the cross-checks.

Per chunk of files (``load_chunk``, in this process or a pool's, workers.py): YAML,
model, CSV facts and where each number rings, restored from the content cache when it
holds the file. What a chunk sends back is compact: the manifests without the phone list
their CSV check kept (the numbers they dial travel as integers; a restored manifest's
are read only when no kept verdict says nobody is shared: planner/dialed.py), and the
cache entries made, which this process writes after the output. Then, for all chunks
together (``gather``): the numbers the check of one person in two campaigns needs, the
Policy of the tree above the paths, the names and pinned ids used twice, a second
Policy, the owner token. The calling-hours check needs the one Policy, so it runs on the
whole (``hours_checked``): a file the content cache holds brings its
verdict, used when made under this Policy, and the places its numbers ring are decoded
only when it is not; the entries made or given a new verdict are written afterwards.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path

from reconciler import content_cache
from reconciler.cache import PrefixCache
from reconciler.calling_hours import (
    HolidayReach,
    checked,
    dials,
    holidays_once,
    hours_policy,
    recipients_of,
)
from reconciler.content_cache import FileCache, Held, Unsigned
from reconciler.diagnostics import Diagnostic
from reconciler.environment import policy_files_above, second_policy
from reconciler.errors import UserError
from reconciler.hours import Recipients
from reconciler.identity import Identity, duplicates
from reconciler.manifest.load import (
    DefaultsDocument,
    Manifest,
    PolicyDocument,
    hash_of_parts,
    load_files,
)
from reconciler.manifest.policy import Policy
from reconciler.owner import Owner, default_owner, repository_root
from reconciler.planner.dialed import dialed_numbers
from reconciler.planner.workers import Pool
from reconciler.scope import Outside
from reconciler.shared_contacts import Dialed, shared_contacts


@dataclass(frozen=True)
class Chunk:
    """Some consecutive files, loaded: what a worker process sends back."""

    manifests: list[Manifest]
    policies: list[PolicyDocument]
    defaults: list[DefaultsDocument]
    diagnostics: list[Diagnostic]
    recipients: list[Recipients | None]
    """Where each manifest's numbers ring (a draft's too: its unreadable numbers are
    warnings), in the manifests' order; None for one restored from the content cache
    (its entry's calling-hours verdict is used, or decoded only when it misses)."""
    held: list[Held | None]
    """Each manifest's place in the content cache (None: not cached)."""
    dialed: list[Dialed | None]
    """The numbers each manifest that dials calls (shared_contacts.py), None where the
    content cache restored it: read only when no verdict is kept (planner/dialed.py)."""
    entries: dict[str, Unsigned]
    """The content cache entries made, for this process to write after the output with
    their calling-hours verdicts."""


def load_chunk(files: list[Path], cached: bool) -> Chunk:
    """The files loaded, in their order (``cached``: whether the content cache is used,
    as the parent process was told)."""
    cache = FileCache() if cached else None
    loaded = load_files(files, cache)
    prefixes: PrefixCache | None = None
    recipients: list[Recipients | None] = []
    dialed: list[Dialed | None] = []
    for manifest in loaded.manifests:
        known: Recipients | None = None
        numbers: Dialed | None = None
        if cache is None or not cache.holds(id(manifest)):
            if prefixes is None:  # only when some file was not in the content cache
                prefixes = PrefixCache()
                prefixes.learn()
            known, numbers = recipients_of(manifest)
            if cache is not None:
                cache.placed(id(manifest), known)
        recipients.append(known)
        if dials(manifest):
            dialed.append(numbers)
    if prefixes is not None:
        prefixes.keep()
    if cache is not None:
        cache.stage()
    return Chunk(
        [_let_go(m) for m in loaded.manifests],
        loaded.policies,
        loaded.defaults,
        loaded.diagnostics,
        recipients,
        [cache.held(id(m)) if cache is not None else None for m in loaded.manifests],
        dialed,
        content_cache.take_pending(),
    )


def _let_go(manifest: Manifest) -> Manifest:
    """The manifest without its CSV's bytes and the phone list its CSV check kept: what
    later stages need of them is read again (``bytes_of``), which is rare, while keeping
    them costs every run their memory and, from a pool's process, their pickling."""
    if not manifest.contacts.raw and not manifest.contacts.phones:  # restored: kept none
        return manifest
    return replace(manifest, contacts=replace(manifest.contacts, raw=b"", phones=()))


@dataclass(frozen=True)
class Loaded:
    """Every file under the paths, loaded and cross-checked."""

    files: list[Path]
    manifests: list[Manifest]
    recipients: list[Recipients | None]
    held: list[Held | None]
    dialed: list[Dialed]
    """The numbers each manifest that dials calls, when some number is in two of their
    CSVs; none otherwise (planner/dialed.py), or when no check of them was asked for."""
    policies: list[PolicyDocument]
    """The Policies found, the tree's above the paths included; more than one is an error."""
    diagnostics: list[Diagnostic]
    identities: list[Identity]
    owner: Owner
    manifests_hash: str

    @property
    def policy(self) -> PolicyDocument | None:
        return self.policies[0] if self.policies else None

    @property
    def rules(self) -> Policy | None:
        return self.policies[0].policy if self.policies else None


def gather(
    paths: Sequence[str],
    files: list[Path],
    problems: list[Diagnostic],
    loading: list[Future[Chunk]],
    pool: Pool | None,
) -> Loaded:
    """The chunks put together, in the files' order, with the Policy of the tree above
    the paths, and the cross-checks of them all (``pool``: where the numbers the content
    cache restored are read, if they must be; None when nobody checks one person in two
    campaigns: status and import, whose ``dialed`` is then empty)."""
    parts = [*(future.result() for future in loading), *tree_policies(paths, files)]
    manifests = [m for part in parts for m in part.manifests]
    policies = [p for part in parts for p in part.policies]
    identities = [m.identity() for m in manifests]
    for part in parts:
        content_cache.keep_pending(part.entries)
    return Loaded(
        files=files,
        manifests=manifests,
        recipients=[r for part in parts for r in part.recipients],
        held=[h for part in parts for h in part.held],
        dialed=(
            dialed_numbers(manifests, [d for part in parts for d in part.dialed], pool)
            if pool is not None
            else []
        ),
        policies=policies,
        diagnostics=[
            *problems,
            *(d for part in parts for d in part.diagnostics),
            *cross_checks(identities, policies),
        ],
        identities=identities,
        owner=owner_of(policies, paths),
        manifests_hash=hash_of_parts(_hash_parts(parts)),
    )


def cross_checks(
    identities: Sequence[Identity], policies: Sequence[PolicyDocument]
) -> list[Diagnostic]:
    """A name or pinned id two manifests use, and a second Policy: errors."""
    found = duplicates(identities)
    found.extend(
        extra.diagnostic("metadata.name", second_policy(policies[0], extra))
        for extra in policies[1:]
    )
    return found


def _hash_parts(parts: Sequence[Chunk]) -> Iterator[tuple[str, str, str, str]]:
    """What the plan is made from (``manifests_hash``): each file's bytes and its CSV's."""
    for part in parts:
        yield from (m.hash_part() for m in part.manifests)
        yield from (p.hash_part() for p in part.policies)
        yield from (d.hash_part() for d in part.defaults)


def tree_policies(paths: Sequence[str], files: Sequence[Path]) -> list[Chunk]:
    """The Policy of the tree the paths are in, when it lies above them (environment.py):
    its documents and problems; its campaigns, if the file holds any, are outside the
    given paths and planned by nobody here."""
    above = policy_files_above(paths, files)
    if not above:
        return []
    loaded = load_files(above)
    return [Chunk([], loaded.policies, [], loaded.diagnostics, [], [], [], {})]


def owner_of(policies: Sequence[PolicyDocument], paths: Sequence[str]) -> Owner:
    """This repository's owner token: the Policy's, else from git, else the directory."""
    if policies and policies[0].policy.spec.owner:
        policy = policies[0].policy
        return Owner(policy.spec.owner or "", f"Policy '{policy.metadata.name}'")
    start = Path(paths[0]) if paths else Path()
    return default_owner(repository_root(start if start.is_dir() else start.parent))


def hours_checked(loaded: Loaded) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """The calling-hours check of every manifest under the Policy's rules (else the
    default ones), or its verdict as the content cache holds it; and the holiday
    warnings, one per rule for all the manifests, made here so that each campaign's own
    reaches (thousands at 10,000 manifests) are let go before the plan is made."""
    policy = hours_policy(loaded.rules)
    found: list[Diagnostic] = []
    holidays: list[HolidayReach] = []
    each = zip(loaded.manifests, loaded.recipients, loaded.held, strict=True)
    for manifest, recipients, held in each:
        diagnostics, reached = checked(manifest, recipients, held, policy)
        found.extend(diagnostics)
        holidays.extend(reached)
    return found, holidays_once(holidays)


def across(
    dialed: Sequence[Dialed],
    policy: Policy | None,
    holidays: Sequence[Diagnostic],
    *,
    blocking: bool,
    idle: frozenset[str] = frozenset(),
) -> list[Diagnostic]:
    """What only all the manifests together tell: people two campaigns that dial would
    both call (``blocking``: an error past the Policy's limit; ``idle``: campaigns that
    will not dial after the plan), and the holiday warnings (``hours_checked``)."""
    shared = shared_contacts(
        sorted(dialed, key=lambda c: (c.at.file, c.at.line, c.at.column)),
        allowed=policy.spec.limits.max_shared_contacts if policy is not None else 0,
        policy=policy.metadata.name if policy is not None else None,
        blocking=blocking,
        idle=idle,
    )
    return [*shared, *holidays]


def shared_with_outside(identities: Sequence[Identity], beyond: Outside) -> list[Diagnostic]:
    """A name or pinned id that a manifest outside the given paths uses too: the same
    error (or look-alike warning) a plan of the whole repository gives, said at the
    planned manifests only (the campaign would be managed from two places)."""
    if not beyond.manifests:
        return []
    here = {identity.file for identity in identities}
    found = duplicates([*identities, *beyond.identities()])
    said = {(d.file, d.line, d.column, d.path) for d in duplicates(identities)}
    return [d for d in found if d.file in here and (d.file, d.line, d.column, d.path) not in said]


def unknown_names(option: str, given: Sequence[str], names: Sequence[str]) -> None:
    """Refuse a --target or --resume that names no campaign of the manifests, with the
    closest name: a typo must not pass silently (a resume that was asked for would not
    happen, and nobody would know why)."""
    unknown = [name for name in given if name not in names]
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, names, n=1)
            hints.append(f"'{name}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        raise UserError(f"{option} names no campaign of the manifests: {', '.join(hints)}")
