"""The pipeline, from files to a Plan: one path, whatever the number of processes.

    files --load (each share)--> manifests --summary--> cross-checks (this process)
    Dograh --fetch (a thread, meanwhile)--> live state
    manifests + live --resolve, diff (each share)--> parts --assemble--> Plan

``validate`` stops after the summaries; ``plan`` and ``apply`` go on. The per-file work
runs in shares (shares.py): one share, this process, for a few hundred files; one per
CPU for thousands. Every problem of every kind (YAML, schema, CSV, resolution,
conflicts) is collected in one run.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from reconciler.client import ClientSettings, DograhClient
from reconciler.diagnostics import Diagnostic, has_errors, sorted_diagnostics
from reconciler.diff import DiffPart, diff
from reconciler.errors import UserError
from reconciler.fetch import fetch_definitions, fetch_live
from reconciler.live import LiveState
from reconciler.manifest.load import (
    Identity,
    Manifest,
    duplicates,
    find_manifest_files,
    hash_of_parts,
    load_files,
)
from reconciler.manifest.paths import display_path
from reconciler.normalize import fingerprint
from reconciler.plan import Plan, Unmanaged
from reconciler.resolve import resolve
from reconciler.shares import Shares, split, worker_count
from reconciler.templates import TemplateCheck, check_template


@dataclass(frozen=True)
class ShareSummary:
    """What a share says once loaded: enough for the cross-checks and for validate."""

    identities: list[Identity]
    diagnostics: list[Diagnostic]
    hash_parts: list[tuple[str, str, str, str]]


@dataclass(frozen=True)
class ShareContext:
    """What a share needs to plan: the live campaigns its manifests may match (by name
    or pinned id: a fraction of them, rather than all to send), the rest of the live
    state, and the ids every manifest pins."""

    live: LiveState
    claimed: frozenset[int]
    targets: frozenset[str]


class ManifestShare:
    """One share's manifests: loaded (and checked, CSVs included) when made."""

    def __init__(self, files: list[Path]) -> None:
        self.manifests, self.diagnostics = load_files(files)

    def summary(self) -> ShareSummary:
        return ShareSummary(
            [manifest.identity() for manifest in self.manifests],
            self.diagnostics,
            [manifest.hash_part() for manifest in self.manifests],
        )

    def plan(self, context: ShareContext) -> DiffPart:
        desired, findings = resolve(self.manifests, context.live)
        part = diff(desired, context.live, claimed=context.claimed, targets=context.targets)
        part.diagnostics.extend(findings)
        return part


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
    with Shares(ManifestShare, split(files, worker_count(len(files), jobs))) as run:
        summaries = run.summaries()
    diagnostics, identities = _cross_checked(problems, summaries)
    return Validation(sorted_diagnostics(diagnostics), len(identities), len(files))


def plan_paths(
    paths: Sequence[str],
    targets: Sequence[str],
    settings: ClientSettings,
    *,
    jobs: int | None = None,
) -> tuple[Plan, DograhClient | None]:
    """The plan of the manifests under ``paths``; also the client (None when the
    manifests did not validate and no key was given), which the caller closes.

    Dograh is read while the shares load. Broken manifests are reported first, and
    without an API key: a missing key only stops the reading.
    """
    files, problems = find_manifest_files(paths)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fetch")
    client: DograhClient | None = None
    reading: Future[LiveState] | None = None
    try:
        with Shares(ManifestShare, split(files, worker_count(len(files), jobs))) as run:
            try:  # after the fork: the reading thread is not copied into the shares
                client = DograhClient(settings)
                reading = pool.submit(fetch_live, client)
            except UserError:
                client = None  # said after the manifests' own problems, below
            summaries = run.summaries()
            diagnostics, identities = _cross_checked(problems, summaries)
            loaded_hash = hash_of_parts(p for s in summaries for p in s.hash_parts)
            if client is None or reading is None:
                if has_errors(diagnostics):
                    return Plan(diagnostics=tuple(sorted_diagnostics(diagnostics))), None
                client = DograhClient(settings)  # raises the settings' problem now
                raise AssertionError("unreachable: the settings were refused once")
            _unknown_targets(targets, [identity.name for identity in identities])
            live = reading.result()
            claimed = frozenset(i.pinned_id for i in identities if i.pinned_id is not None)
            contexts = [
                ShareContext(_relevant(live, s.identities), claimed, frozenset(targets))
                for s in summaries
            ]
            parts = run.parts(contexts)
        findings = preflight(client, [check for part in parts for check in part.templates], live)
        plan = assemble(files, parts, [*diagnostics, *findings], live, targets, loaded_hash)
        return plan, client
    except BaseException:
        if client is not None:
            client.close()
        raise
    finally:
        pool.shutdown(wait=True)


def preflight(
    client: DograhClient, checks: Sequence[TemplateCheck], live: LiveState
) -> list[Diagnostic]:
    """What Dograh's create would refuse that only its workflows tell: their template
    variables against each new campaign's CSV (docs/dograh-api.md §7)."""
    definitions = fetch_definitions(client, (check.workflow_id for check in checks))
    names = {workflow.id: workflow.name for workflow in live.workflows}
    findings: list[Diagnostic] = []
    for check in checks:
        found = definitions[check.workflow_id]
        name = names.get(check.workflow_id, f"id {check.workflow_id}")
        if not found.has_published:
            findings.append(
                replace(
                    check.workflow,
                    message=f"the workflow '{name}' has no published version: Dograh cannot "
                    "create a campaign on it; publish it in Dograh first",
                )
            )
            continue
        findings.extend(check_template(check, found.published, found.draft, name))
    return findings


def _cross_checked(
    problems: list[Diagnostic], summaries: Sequence[ShareSummary]
) -> tuple[list[Diagnostic], list[Identity]]:
    identities = [identity for s in summaries for identity in s.identities]
    diagnostics = [*problems, *(d for s in summaries for d in s.diagnostics)]
    diagnostics.extend(duplicates(identities))
    return diagnostics, identities


def _unknown_targets(targets: Sequence[str], names: Sequence[str]) -> None:
    """Refuse a --target that names no manifest, with the closest name."""
    unknown = [target for target in targets if target not in names]
    if unknown:
        hints = []
        for target in unknown:
            close = difflib.get_close_matches(target, names, n=1)
            hints.append(f"'{target}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        raise UserError(f"--target names no campaign of the manifests: {', '.join(hints)}")


def _relevant(live: LiveState, identities: Sequence[Identity]) -> LiveState:
    """The live campaigns some of these manifests could match, and the rest of the state."""
    names = {identity.name for identity in identities}
    pinned = {identity.pinned_id for identity in identities if identity.pinned_id is not None}
    campaigns = tuple(c for c in live.campaigns if c.name in names or c.id in pinned)
    return replace(live, campaigns=campaigns)


def assemble(
    files: Sequence[Path],
    parts: Sequence[DiffPart],
    diagnostics: Sequence[Diagnostic],
    live: LiveState,
    targets: Sequence[str],
    manifests_hash: str,
) -> Plan:
    """The parts in file order, as one process would have produced them, and what only
    the whole can tell: the unmanaged campaigns and every live campaign's fingerprint."""
    order = {display_path(file): index for index, file in enumerate(files)}

    def place(where: str) -> int:
        # By file only: a file is in one share, which keeps its documents' order (the
        # sort is stable).
        return order.get(where.rsplit(":", 2)[0], len(order))

    changes = sorted((c for p in parts for c in p.changes), key=lambda c: place(c.manifest))
    conflicts = sorted((c for p in parts for c in p.conflicts), key=lambda c: place(c.manifest))
    unchanged = [name for part in parts for name in part.unchanged]
    matched: dict[int, str] = {}
    for part in parts:
        matched.update(part.matched)
    findings = [*diagnostics, *(d for part in parts for d in part.diagnostics)]
    return Plan(
        changes=tuple(changes),
        unchanged=tuple(sorted(unchanged)),
        conflicts=tuple(conflicts),
        diagnostics=tuple(sorted_diagnostics(findings)),
        unmanaged=tuple(
            Unmanaged(id=c.id, name=c.name, state=c.state)
            for c in live.campaigns
            if c.id not in matched
        ),
        matched=dict(sorted(matched.items())),
        targets=tuple(sorted(set(targets))),
        fingerprints={
            f"id:{c.id}": fingerprint(c) for c in sorted(live.campaigns, key=lambda c: c.id)
        },
        manifests_hash=manifests_hash,
        managed=sum(part.managed for part in parts),
        live=len(live.campaigns),
        labels={
            "workflow": {w.id: w.name for w in live.workflows},
            "telephony": {t.id: t.name for t in live.telephony},
        },
    )


def load_manifests(paths: Sequence[str]) -> tuple[list[Manifest], list[Diagnostic]]:
    """Every manifest under ``paths`` in this process, with the cross-checks: for a
    caller that needs the manifests themselves (import, tests)."""
    files, problems = find_manifest_files(paths)
    share = ManifestShare(files)
    diagnostics, _ = _cross_checked(problems, [share.summary()])
    return share.manifests, sorted_diagnostics(diagnostics)
