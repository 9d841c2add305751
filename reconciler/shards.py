"""Planning thousands of manifests on every CPU.

Parsing a manifest costs about half a millisecond, and so does resolving and diffing it:
ten thousand campaigns are seconds of CPU, which one process spends alone. Here the
manifest files are shared out: each worker process loads its share, resolves it and
diffs it against the live state, and sends back only its part of the plan (changes,
conflicts, matched campaign ids), not its manifests, which would cost as much to send
as to parse. This process does the same with the first share, reads Dograh meanwhile,
and puts the parts together in file order, as one process would have.

The manifests' cross-checks stay whole: every share first reports its identities (names,
pinned ids) and errors; only if all of them are clean does each share get the live state
and every pinned id, and diff.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import multiprocessing.connection
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.client import ClientSettings, DograhClient
from reconciler.diagnostics import Diagnostic, has_errors, sorted_diagnostics
from reconciler.diff import plan_changes
from reconciler.errors import UserError
from reconciler.live import LiveState, fetch_live
from reconciler.manifest.load import (
    Identity,
    Manifest,
    collector_paused,
    duplicates,
    hash_of_parts,
    load_files,
    single_threaded,
    worker_count,
)
from reconciler.normalize import fingerprint
from reconciler.plan import CampaignChange, Conflict, Plan, Unmanaged
from reconciler.resolve import resolve


@dataclass
class _Loaded:
    """What a share says once loaded: enough for the cross-checks."""

    identities: list[Identity]
    diagnostics: list[Diagnostic]
    hash_parts: list[tuple[str, str, str, str]]


@dataclass
class _Part:
    """A share's part of the plan."""

    changes: list[CampaignChange] = field(default_factory=list)
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    """(file, name)"""
    conflicts: list[Conflict] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    matched: set[int] = field(default_factory=set)
    fingerprints: dict[str, str] = field(default_factory=dict)
    managed: int = 0


@dataclass(frozen=True)
class _Go:
    """What a share needs to diff: the live campaigns its manifests may match (by name or
    pinned id: a third of them, say, rather than all ten thousand to send), the
    organization's workflows and telephony, and every manifest's pinned id."""

    live: LiveState
    claimed: set[int]
    targets: tuple[str, ...]


def _plan_share(
    manifests: Sequence[Manifest],
    go: _Go,
    check_new: Callable[[Plan, Sequence[Manifest]], list[Diagnostic]],
) -> _Part:
    desired, findings = resolve(manifests, go.live)
    plan = plan_changes(desired, go.live, targets=go.targets, claimed=go.claimed, fingerprinted=())
    findings.extend(check_new(plan, manifests))
    by_name = {manifest.name: manifest.file for manifest in manifests}
    return _Part(
        changes=plan.changes,
        unchanged=[(by_name[name], name) for name in plan.unchanged],
        conflicts=plan.conflicts,
        diagnostics=findings,
        matched=plan.matched,
        fingerprints=plan.fingerprints,
        managed=plan.managed,
    )


def _worker(files: list[Path], connection: multiprocessing.connection.Connection) -> None:
    """A worker process: load, report, wait for the live state, diff, report, exit."""
    from reconciler.pipeline import check_new_contacts

    try:
        with collector_paused():
            manifests, diagnostics = load_files(files, check_rows=False)
            connection.send(
                _Loaded(
                    [m.identity() for m in manifests],
                    diagnostics,
                    [m.hash_part() for m in manifests],
                )
            )
            go = connection.recv()
            if go is None:
                return
            connection.send(_plan_share(manifests, go, check_new_contacts))
    except BaseException:  # the parent re-raises it as a bug, with this traceback
        connection.send(RuntimeError(traceback.format_exc()))
    finally:
        connection.close()


def _receive(connection: multiprocessing.connection.Connection) -> Any:
    message = connection.recv()
    if isinstance(message, RuntimeError):
        raise RuntimeError(f"a planning worker failed:\n{message}")
    return message


def plan_in_shares(
    files: list[Path],
    find_problems: list[Diagnostic],
    targets: Sequence[str],
    settings: ClientSettings,
    jobs: int | None = None,
) -> tuple[Plan, DograhClient | None] | None:
    """The plan, computed by several processes; None when there are too few files for
    that to pay (the caller then plans in this process)."""
    workers = worker_count(len(files), jobs)
    if workers < 1:
        return None
    from reconciler.pipeline import check_new_contacts, refused_plan, unknown_targets

    # This process takes a larger share: a worker's part also pays for receiving the live
    # state and sending its changes back (measured: a fifth to a quarter of its time).
    head = int(len(files) * 1.25 / (workers + 1.25))
    rest = files[head:]
    shares = [rest[i::workers] for i in range(workers)]
    # Forking is fast and safe while this process has no other thread; otherwise spawn.
    context: Any = multiprocessing.get_context("fork" if single_threaded() else "spawn")
    connections = []
    processes = []
    for share in shares:
        mine, theirs = context.Pipe()
        process = context.Process(target=_worker, args=(share, theirs), daemon=True)
        process.start()
        theirs.close()
        connections.append(mine)
        processes.append(process)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fetch")
    client: DograhClient | None = None
    reading: Future[LiveState] | None = None
    try:
        try:
            client = DograhClient(settings)
            reading = pool.submit(fetch_live, client)
        except UserError:
            client = None  # said after the manifests' own problems
        with collector_paused():
            own, own_problems = load_files(files[:head], check_rows=False)
            loaded = [_receive(connection) for connection in connections]
            identities = [m.identity() for m in own]
            problems = [*find_problems, *own_problems]
            parts = [m.hash_part() for m in own]
            for share in loaded:
                identities.extend(share.identities)
                problems.extend(share.diagnostics)
                parts.extend(share.hash_parts)
            problems.extend(duplicates(identities))
            if has_errors(problems):
                for connection in connections:
                    connection.send(None)
                from reconciler.manifest.load import LoadResult

                result = LoadResult([], sorted_diagnostics(problems), len(files))
                if client is not None:
                    client.close()
                return refused_plan(result), None
            if client is None:
                client = DograhClient(settings)  # raises the settings' problem now
            unknown_targets(targets, [identity.name for identity in identities])
            live = reading.result() if reading is not None else fetch_live(client)
            claimed = {i.pinned_id for i in identities if i.pinned_id is not None}
            for connection, share in zip(connections, loaded, strict=True):
                relevant = _relevant(live, share.identities)
                connection.send(_Go(relevant, claimed, tuple(targets)))
            own_go = _Go(live, claimed, tuple(targets))
            all_parts = [_plan_share(own, own_go, check_new_contacts)]
            fingerprints = {f"id:{c.id}": fingerprint(c) for c in live.campaigns}
            all_parts.extend(_receive(connection) for connection in connections)
            plan = _assemble(files, all_parts, problems, live, targets, hash_of_parts(parts))
            plan.fingerprints = dict(sorted({**fingerprints, **plan.fingerprints}.items()))
            return plan, client
    except BaseException:
        if client is not None:
            client.close()
        raise
    finally:
        pool.shutdown(wait=True)
        for connection in connections:
            connection.close()
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()


def _relevant(live: LiveState, identities: Sequence[Identity]) -> LiveState:
    """The live campaigns some of these manifests could match, and the rest of the state."""
    names = {identity.name for identity in identities}
    pinned = {identity.pinned_id for identity in identities if identity.pinned_id is not None}
    campaigns = tuple(c for c in live.campaigns if c.name in names or c.id in pinned)
    return dataclasses.replace(live, campaigns=campaigns)


def _assemble(
    files: list[Path],
    parts: list[_Part],
    problems: list[Diagnostic],
    live: LiveState,
    targets: Sequence[str],
    manifests_hash: str,
) -> Plan:
    """The parts in file order, as one process would have produced them."""
    from reconciler.manifest.paths import display_path

    order = {display_path(file): index for index, file in enumerate(files)}

    def place(where: str) -> int:
        # By file only: a file is in one share, whose own order within it is kept (the
        # sort is stable), exactly as one process orders a file's documents.
        return order.get(where.rsplit(":", 2)[0], len(order))

    changes = sorted(
        (change for part in parts for change in part.changes), key=lambda c: place(c.manifest)
    )
    conflicts = sorted(
        (conflict for part in parts for conflict in part.conflicts),
        key=lambda c: place(c.manifest),
    )
    unchanged = sorted(
        (item for part in parts for item in part.unchanged),
        key=lambda item: order.get(item[0], len(order)),
    )
    matched: set[int] = set().union(*(part.matched for part in parts))
    fingerprints: dict[str, str] = {}
    for part in parts:
        fingerprints.update(part.fingerprints)
    diagnostics = [*problems, *(d for part in parts for d in part.diagnostics)]
    return Plan(
        changes=changes,
        unchanged=[name for _, name in unchanged],
        conflicts=conflicts,
        diagnostics=sorted_diagnostics(diagnostics),
        unmanaged=[Unmanaged(c.id, c.name, c.state) for c in live.campaigns if c.id not in matched],
        fingerprints=dict(sorted(fingerprints.items())),
        manifests_hash=manifests_hash,
        managed=sum(part.managed for part in parts),
        live=len(live.campaigns),
        targets=tuple(sorted(set(targets))),
        labels={
            "workflow": {w.id: w.name for w in live.workflows},
            "telephony": {t.id: t.name for t in live.telephony},
        },
        matched=matched,
    )
