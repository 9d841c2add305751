"""The commands' entry points: each runs the stages it needs, in the one order.

    validate:        load -> calling hours
    status, import:  load -> match (each, for the matches only)           -> Managed
    plan, apply:     load -> calling hours -> each -> whole               -> Plan

Dograh is read in this order, whatever the command: the key's organization (a thread,
while the files load), the guard against the Policy's organization (organization.py),
then the live campaigns; nothing else is sent before the guard passed. Broken manifests
are reported first, and without an API key: a missing key only stops the reading. The
caller opens and closes the client (``connected``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler import content_cache
from reconciler.calling_hours import hours_policy
from reconciler.diagnostics import Diagnostic, has_errors, sorted_diagnostics
from reconciler.environment import one_policy
from reconciler.errors import UserError
from reconciler.identity import pinned_ids
from reconciler.manifest.load import Manifest, find_manifest_files
from reconciler.planner.load import (
    Loaded,
    across,
    gather,
    hours_checked,
    load_chunk,
    shared_with_outside,
    unknown_names,
)
from reconciler.planner.options import PlanOptions
from reconciler.planner.workers import MainThreadExecutor, Pool, chunks, pool_for
from reconciler.scope import outside

# What only reads Dograh (the client and httpx, the diff, the last stage) is imported
# by the entry points that read it: validate, offline, pays for none of it at start-up.
if TYPE_CHECKING:
    from reconciler.client import DograhClient
    from reconciler.client_settings import ClientSettings
    from reconciler.plan import OrganizationNote, Plan
    from reconciler.planner.each import Managed


@contextmanager
def connected(settings: ClientSettings) -> Iterator[DograhClient | UserError]:
    """The client, closed on the way out; or why there is none (no API key), which
    ``plan_paths`` says only once the manifests have no problem of their own."""
    from reconciler.client import DograhClient

    try:
        client = DograhClient(settings)
    except UserError as missing:
        yield missing
        return
    with client:
        yield client


def load(
    paths: Sequence[str],
    files: list[Path],
    problems: list[Diagnostic],
    pool: Pool,
    *,
    numbers: bool = True,
) -> Loaded:
    """Stage one (planner/load.py): a chunk of the files per process, the first one in
    this process, while the others load theirs (none for one process). ``numbers``:
    whether the check of one person in two campaigns will need the numbers they dial."""
    cached = content_cache.enabled()
    first, *others = chunks(files, pool.processes)
    loading = [pool.executor.submit(load_chunk, chunk, cached) for chunk in others]
    here = MainThreadExecutor().submit(load_chunk, first, cached)
    return gather(paths, files, problems, [here, *loading], pool if numbers else None)


@dataclass(frozen=True)
class Validation:
    """What validate reports: every diagnostic, and how many manifests and files."""

    diagnostics: list[Diagnostic]
    manifests: int
    files: int

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def validate_paths(paths: Sequence[str], *, jobs: int | None = None) -> Validation:
    files, problems = find_manifest_files(paths)
    pool = pool_for(files, jobs)
    with pool.executor:
        loaded = load(paths, files, problems, pool)
    hours, holidays = hours_checked(loaded)
    diagnostics = [
        *loaded.diagnostics,
        *hours,
        *across(loaded.dialed, loaded.rules, holidays, blocking=False),
    ]
    return Validation(sorted_diagnostics(diagnostics), len(loaded.identities), len(files))


def load_manifests(paths: Sequence[str]) -> tuple[list[Manifest], list[Diagnostic]]:
    """Every manifest under ``paths``, cross-checked, in this process: for a caller that
    needs the manifests themselves (tests)."""
    files, problems = find_manifest_files(paths)
    pool = pool_for(files, 1)
    with pool.executor:
        loaded = load(paths, files, problems, pool, numbers=False)
    return loaded.manifests, sorted_diagnostics(loaded.diagnostics)


def read_managed(paths: Sequence[str], client: DograhClient) -> Managed:
    """The manifests under ``paths`` (none: no manifest manages anything) matched to the
    organization's campaigns; nothing else of a plan is done (no contacts downloaded,
    no workflow read)."""
    from reconciler.fetch import fetch_live
    from reconciler.organization import guard
    from reconciler.planner.each import Managed, match

    files, problems = find_manifest_files(paths) if paths else ([], [])
    pool = pool_for(files, None)
    with pool.executor, ThreadPoolExecutor(max_workers=1, thread_name_prefix="fetch") as reading:
        asking = reading.submit(guard, client, None)
        loaded = load(paths, files, problems, pool, numbers=False)
        organization = _guarded(client, asking, loaded)
        fetching = reading.submit(fetch_live, client)
        beyond = outside(paths or ["."], [str(file) for file in files])
        live = fetching.result()
    owner = loaded.owner.token
    claimed = pinned_ids(loaded.identities) | beyond.pinned
    part, findings = match(loaded.manifests, live, owner=owner, claimed=claimed)
    return Managed(
        manifests=tuple(loaded.manifests),
        diagnostics=tuple(sorted_diagnostics([*loaded.diagnostics, *findings])),
        live=live,
        matched=dict(part.matched),
        redials=dict(part.redials),
        owner=owner,
        hours=hours_policy(loaded.rules),
        organization=organization,
        elsewhere=frozenset(
            c.id for c in live.campaigns if c.id not in part.matched and beyond.manages(c, owner)
        ),
    )


def plan_paths(
    paths: Sequence[str], client: DograhClient | UserError, options: PlanOptions | None = None
) -> Plan:
    """The plan of the manifests under ``paths``. ``client``: the caller's (``connected``),
    or why there is none: then only the manifests' own problems can be said."""
    from reconciler.fetch import fetch_live
    from reconciler.organization import guard
    from reconciler.plan import Plan
    from reconciler.planner.each import each
    from reconciler.planner.whole import Facts, whole

    options = options or PlanOptions()
    files, problems = find_manifest_files(paths)
    pool = pool_for(files, options.jobs)
    with pool.executor, ThreadPoolExecutor(max_workers=1, thread_name_prefix="fetch") as reading:
        # The key's organization while the files load: the one request sent before the
        # Policy's organization is checked.
        asking = None if isinstance(client, UserError) else reading.submit(guard, client, None)
        loaded = load(paths, files, problems, pool)
        if isinstance(client, UserError):
            if has_errors(loaded.diagnostics):
                return Plan(diagnostics=tuple(sorted_diagnostics(loaded.diagnostics)))
            raise client
        assert asking is not None
        organization = _guarded(client, asking, loaded)
        fetching = reading.submit(fetch_live, client)
        names = [identity.name for identity in loaded.identities]
        unknown_names("--target", options.targets, names)
        redials = [i.redial_name for i in loaded.identities if i.redial_name is not None]
        unknown_names("--resume", options.resume, [*names, *redials])
        beyond = outside(paths, [str(file) for file in files])
        found = shared_with_outside(loaded.identities, beyond)
        # While Dograh answers: the calling-hours check needs no live state.
        hours, holidays = hours_checked(loaded)
        live = fetching.result()
    # Where the numbers ring is said now: thousands of manifests' places weigh megabytes.
    loaded = replace(loaded, recipients=[], held=[])
    # Pinned outside the paths: not matched here by name either.
    claimed = pinned_ids(loaded.identities) | beyond.pinned
    part = each(
        loaded.manifests,
        live,
        owner=loaded.owner.token,
        claimed=claimed,
        targets=frozenset(options.targets),
    )
    facts = Facts(
        files=files,
        diagnostics=[*loaded.diagnostics, *found, *hours],
        broken=has_errors([*loaded.diagnostics, *found]),
        manifests_hash=loaded.manifests_hash,
        owner=loaded.owner,
        policy=loaded.policy,
        outside=beyond,
        organization=organization,
        dialed=loaded.dialed,
        holidays=holidays,
    )
    return whole(client, part, facts, live, options)


def _guarded(
    client: DograhClient, asking: Future[OrganizationNote], loaded: Loaded
) -> OrganizationNote:
    """The organization this run works in, once the key's answer is in and the Policy
    (if it names one) agrees (organization.py)."""
    from reconciler.organization import guard

    asking.result()
    return guard(client, one_policy(loaded.policies))
