"""The pipeline of DESIGN.md, end to end up to the Plan: load, fetch, resolve, diff.

Plan and apply both go through ``plan_manifests``; apply then executes what it returns.
Loading and fetching run side by side (the stages are independent until resolution);
a broken manifest is reported with every error, and nothing is written to Dograh.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from reconciler.client import ClientSettings, DograhClient
from reconciler.diagnostics import Diagnostic, sorted_diagnostics
from reconciler.diff import plan_changes
from reconciler.errors import UserError
from reconciler.live import LiveState, fetch_live
from reconciler.manifest.contacts import ContactsFile, check_contacts
from reconciler.manifest.load import (
    LoadResult,
    Manifest,
    find_manifest_files,
    load_manifests,
    manifests_hash,
)
from reconciler.plan import Plan
from reconciler.resolve import resolve
from reconciler.shards import plan_in_shares


def plan_manifests(
    paths: Sequence[str],
    targets: Sequence[str],
    settings: ClientSettings,
    *,
    shared_out: bool = True,
) -> tuple[Plan, DograhClient | None]:
    """Load the manifests while Dograh's state is read, then plan; also returns the
    client (None if the manifests did not validate), which the caller closes.

    The reads start once the loading workers are forked (a fork must not copy threads),
    so the network wait hides behind the parsing. Broken manifests are still reported
    first, and without an API key: a missing key only stops the reads.
    """
    if shared_out:  # several processes for thousands of files (see shards.py)
        files, find_problems = find_manifest_files(paths)
        shared = plan_in_shares(files, find_problems, targets, settings)
        if shared is not None:
            return shared
    client: DograhClient | None = None
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch")
    reading: Future[LiveState] | None = None

    def start_reading() -> None:
        nonlocal client, reading
        try:
            client = DograhClient(settings)
        except UserError:
            return  # said after the manifests' own problems, below
        reading = pool.submit(fetch_live, client)

    try:
        loaded = load_for_plan(paths, meanwhile=start_reading)
        if not loaded.ok:
            return refused_plan(loaded), None
        if client is None:
            client = DograhClient(settings)  # raises the settings' problem now
        live = reading.result() if reading is not None else None
        return make_plan(paths, targets, client, loaded, live), client
    except BaseException:
        if client is not None:
            client.close()
        raise
    finally:
        pool.shutdown(wait=True)


def make_plan(
    paths: Sequence[str],
    targets: Sequence[str],
    client: DograhClient,
    loaded: LoadResult | None = None,
    live: LiveState | None = None,
) -> Plan:
    """The plan for the manifests under ``paths``; apply passes the manifests it already
    loaded (``loaded``) when it plans again to check convergence."""
    if loaded is None:
        loaded = load_for_plan(paths)
    if not loaded.ok:
        return refused_plan(loaded)
    unknown_targets(targets, [manifest.name for manifest in loaded.manifests])
    if live is None:
        live = fetch_live(client)
    desired, findings = resolve(loaded.manifests, live)
    plan = plan_changes(desired, live, targets=targets)
    findings.extend(check_new_contacts(plan, loaded.manifests))
    plan.diagnostics = sorted_diagnostics([*loaded.diagnostics, *findings])
    plan.manifests_hash = manifests_hash(loaded.manifests)
    plan.loaded = loaded
    return plan


def unknown_targets(targets: Sequence[str], names: Sequence[str]) -> None:
    """Refuse a --target that names no manifest, with the closest name."""
    unknown = [target for target in targets if target not in names]
    if unknown:
        hints = []
        for target in unknown:
            close = difflib.get_close_matches(target, names, n=1)
            hints.append(f"'{target}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        raise UserError(f"--target names no campaign of the manifests: {', '.join(hints)}")


def load_for_plan(paths: Sequence[str], meanwhile: Callable[[], None] | None = None) -> LoadResult:
    """The manifests, as plan needs them: CSV rows are checked for the campaigns to
    create only (see ``hash_contacts``), once the plan knows which."""
    return load_manifests(paths, check_rows=False, meanwhile=meanwhile)


def refused_plan(loaded: LoadResult) -> Plan:
    """The plan of manifests that do not validate: their diagnostics, and nothing else."""
    return Plan(
        changes=[],
        unchanged=[],
        conflicts=[],
        diagnostics=loaded.diagnostics,
        unmanaged=[],
        fingerprints={},
        manifests_hash="",
    )


def check_new_contacts(plan: Plan, manifests: Sequence[Manifest]) -> list[Diagnostic]:
    """Dograh's CSV rules for each campaign the plan creates: a create must not fail on
    its contacts in the middle of an apply. Also fills in the contact counts."""
    by_name = {manifest.name: manifest for manifest in manifests}
    findings: list[Diagnostic] = []
    checked: dict[str, ContactsFile | None] = {}
    for index, change in enumerate(plan.changes):
        if change.upload is None:
            continue
        source = by_name[change.name].contacts
        if source.path not in checked:
            contacts, problems = check_contacts(source.path, source.display)
            checked[source.path] = contacts
            findings.extend(problems)
        contacts = checked[source.path]
        if contacts is not None:
            upload = dataclasses.replace(change.upload, rows=contacts.rows)
            plan.changes[index] = dataclasses.replace(change, upload=upload)
    return findings
