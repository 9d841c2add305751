"""The pipeline, from files to a Plan: one path, whatever the number of processes.

    files --load (each share)--> manifests --summary--> cross-checks (this process)
    Dograh --the key's organization (a thread, meanwhile)--> guard (organization.py)
    Dograh --fetch, once the guard passed--> live state
    manifests + live --resolve, diff (each share)--> parts
    parts --settle (this process: live contacts, workflows, reviews)--> assemble --> Plan

``validate`` stops after the summaries; ``plan`` and ``apply`` go on. The per-file work
runs in shares (shares.py): one share, this process, for a few hundred files; one per
CPU for thousands. Every problem of every kind (YAML, schema, CSV, resolution,
preflight, conflicts) is collected in one run.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from reconciler import content_cache
from reconciler.adoption import settle
from reconciler.cache import ContactsCache, PrefixCache
from reconciler.calling_hours import (
    HolidayReach,
    check_manifest,
    dialed_of,
    dials,
    holidays_once,
    hours_policy,
    recipients_of,
)
from reconciler.client import ClientSettings, DograhClient
from reconciler.content_cache import FileCache
from reconciler.diagnostics import Diagnostic, has_errors, sorted_diagnostics
from reconciler.diff import DiffPart, diff
from reconciler.environment import one_policy, policy_files_above, second_policy
from reconciler.errors import UserError
from reconciler.fetch import fetch_definitions, fetch_live
from reconciler.hours import HoursPolicy, Recipients
from reconciler.identity import Identity, content_of, created_by, duplicates, pinned_ids
from reconciler.live import DIALING_STATES, TERMINAL_STATES, LiveState
from reconciler.manifest.load import (
    Manifest,
    PolicyDocument,
    find_manifest_files,
    hash_of_parts,
    load_files,
)
from reconciler.manifest.located import Place
from reconciler.manifest.paths import display_path
from reconciler.manifest.policy import Policy
from reconciler.normalize import fingerprint
from reconciler.organization import guard
from reconciler.owner import Owner, default_owner, repository_root
from reconciler.plan import CampaignChange, Conflict, Held, OrganizationNote, Plan, Unmanaged
from reconciler.resolve import resolve
from reconciler.review import decide
from reconciler.scope import Outside, outside
from reconciler.shared_contacts import Dialed, shared_contacts
from reconciler.shares import Shares, split, worker_count
from reconciler.templates import TemplateCheck, check_template


@dataclass(frozen=True)
class PlanOptions:
    """What narrows or widens one plan, beyond the manifests themselves."""

    targets: tuple[str, ...] = ()
    base: str | None = None
    """The git revision the change is reviewed against (``--base``)."""
    resume: tuple[str, ...] = ()
    """Campaigns an operator resumes by name (``--resume``)."""
    jobs: int | None = None


@dataclass(frozen=True)
class ShareSummary:
    """What a share says once loaded: enough for the cross-checks and for validate."""

    identities: list[Identity]
    policies: list[PolicyDocument]
    diagnostics: list[Diagnostic]
    hash_parts: list[tuple[str, str, str, str]]


@dataclass(frozen=True)
class ShareContext:
    """What a share needs to plan: the Policy's calling hours; and, for plan (not for
    validate), the live campaigns its manifests may match (by name or pinned id: a
    fraction of them, rather than all to send), the rest of the live state, the ids
    every manifest pins, and this repository's owner token."""

    hours: HoursPolicy
    live: LiveState | None = None
    claimed: frozenset[int] = frozenset()
    targets: frozenset[str] = frozenset()
    owner: str = ""


class HoursCheck(NamedTuple):
    """A share's calling-hours findings, its holiday reaches apart (said once for all)."""

    diagnostics: list[Diagnostic]
    holidays: list[HolidayReach]


class ManifestShare:
    """One share's manifests: loaded (and checked, CSVs included) when made."""

    def __init__(self, files: list[Path], cached: bool | None = None) -> None:
        """``cached``: whether the content cache is used; by default as this process
        was told (``--no-cache``); the parent's choice in a worker, which may be spawned."""
        cache = FileCache() if (content_cache.enabled() if cached is None else cached) else None
        self.loaded = load_files(files, cache)
        self.recipients: dict[int, tuple[Recipients, Dialed]] = {}
        """Per manifest: where its numbers ring, and the numbers it dials (a draft's
        numbers are checked too: one it cannot read is a warning there)."""
        prefixes: PrefixCache | None = None
        for manifest in self.loaded.manifests:
            known = cache.recipients(id(manifest)) if cache is not None else None
            if known is not None:
                self.recipients[id(manifest)] = (known, dialed_of(manifest))
                continue
            if prefixes is None:  # only when some file was not in the content cache
                prefixes = PrefixCache()
                prefixes.learn()
            self.recipients[id(manifest)] = recipients_of(manifest)
            if cache is not None:
                cache.placed(id(manifest), self.recipients[id(manifest)][0])
        if prefixes is not None:
            prefixes.keep()
        if cache is not None:
            cache.stage()
        self._checked: tuple[HoursPolicy, HoursCheck] | None = None

    def summary(self) -> ShareSummary:
        manifests = self.loaded.manifests
        return ShareSummary(
            [manifest.identity() for manifest in manifests],
            self.loaded.policies,
            self.loaded.diagnostics,
            [manifest.hash_part() for manifest in manifests]
            + [policy.hash_part() for policy in self.loaded.policies]
            + [defaults.hash_part() for defaults in self.loaded.defaults],
        )

    def prepare(self) -> None:
        """The calling-hours check under the Policy this share holds (else the default):
        the one the context brings, unless another share holds the Policy."""
        own = self.loaded.policies[0].policy if self.loaded.policies else None
        policy = hours_policy(own)
        self._checked = (policy, self._check_hours(policy))

    def _check_hours(self, policy: HoursPolicy) -> HoursCheck:
        hours: list[Diagnostic] = []
        holidays: list[HolidayReach] = []
        for manifest in self.loaded.manifests:
            if id(manifest) in self.recipients:
                recipients = self.recipients[id(manifest)][0]
                found, reached = check_manifest(manifest, recipients, policy)
                hours.extend(found)
                holidays.extend(reached)
        return HoursCheck(hours, holidays)

    def plan(self, context: ShareContext) -> DiffPart:
        """The calling-hours check of the running manifests; with the live state, their
        changes too, and the numbers they dial (for the overlap check)."""
        if self._checked is not None and self._checked[0] == context.hours:
            checked = self._checked[1]
        else:
            checked = self._check_hours(context.hours)
        hours, holidays = list(checked.diagnostics), list(checked.holidays)
        running = [m for m in self.loaded.manifests if dials(m)]
        dialed = [self.recipients[id(m)][1] for m in running]
        if context.live is None:
            return DiffPart(diagnostics=hours, dialed=dialed, holidays=holidays)
        desired, findings = resolve(self.loaded.manifests, context.live)
        part = diff(
            desired,
            context.live,
            owner=context.owner,
            claimed=context.claimed,
            targets=context.targets,
        )
        part.diagnostics.extend(findings)
        part.diagnostics.extend(hours)
        part.dialed = dialed
        part.holidays = holidays
        return part


def _share_factory() -> Callable[[list[Path]], ManifestShare]:
    return functools.partial(ManifestShare, cached=content_cache.enabled())


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
    shares = split(files, worker_count(len(files), jobs))
    with Shares(_share_factory(), shares) as run:
        summaries = [*run.summaries(), *tree_policies(paths, files)]
        diagnostics, identities = _cross_checked(problems, summaries)
        policy = _policy(summaries)
        context = ShareContext(hours=hours_policy(policy))
        parts = run.parts([context] * len(shares))
    diagnostics.extend(d for part in parts for d in part.diagnostics)
    diagnostics.extend(_across(parts, policy, blocking=False))
    return Validation(sorted_diagnostics(diagnostics), len(identities), len(files))


def _across(
    parts: Sequence[DiffPart],
    policy: Policy | None,
    *,
    blocking: bool,
    idle: Collection[str] = (),
) -> list[Diagnostic]:
    """What only all the manifests together tell: people two campaigns that dial would
    both call (``blocking``: an error past the Policy's limit; ``idle``: campaigns that
    will not dial after the plan), and the holiday warnings, once per rule."""
    dialed = [campaign for part in parts for campaign in part.dialed]
    dialed.sort(key=lambda c: (c.at.file, c.at.line, c.at.column))
    shared = shared_contacts(
        dialed,
        allowed=policy.spec.limits.max_shared_contacts if policy is not None else 0,
        policy=policy.metadata.name if policy is not None else None,
        blocking=blocking,
        idle=idle,
    )
    return [*shared, *holidays_once([r for part in parts for r in part.holidays])]


def plan_paths(
    paths: Sequence[str],
    settings: ClientSettings,
    options: PlanOptions = PlanOptions(),
) -> tuple[Plan, DograhClient | None]:
    """The plan of the manifests under ``paths``; also the client (None when the
    manifests did not validate and no key was given), which the caller closes.

    The key's organization is asked while the shares load; the campaigns are read once
    it is checked against the Policy's (organization.py), so that a key of another
    organization is refused before anything else is sent. Broken manifests are reported
    first, and without an API key: a missing key only stops the reading.
    """
    files, problems = find_manifest_files(paths)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fetch")
    client: DograhClient | None = None
    asking: Future[OrganizationNote] | None = None
    shares = split(files, worker_count(len(files), options.jobs))
    try:
        with Shares(_share_factory(), shares) as run:
            try:  # after the fork: the reading thread is not copied into the shares
                client = DograhClient(settings)
                # The key's organization while the files load: the one request sent
                # before the Policy's organization is checked.
                asking = pool.submit(guard, client, None)
            except UserError:
                client = None  # said after the manifests' own problems, below
            loaded_here = run.summaries()
            summaries = [*loaded_here, *tree_policies(paths, files)]
            diagnostics, identities = _cross_checked(problems, summaries)
            owner, found = _owner(summaries, paths)
            diagnostics.extend(found)
            if client is None or asking is None:
                if has_errors(diagnostics):
                    return Plan(diagnostics=tuple(sorted_diagnostics(diagnostics))), None
                client = DograhClient(settings)  # raises the settings' problem now
                raise AssertionError("unreachable: the settings were refused once")
            asking.result()
            organization = guard(client, one_policy(_policies(summaries)))
            reading = pool.submit(fetch_live, client)
            names = [identity.name for identity in identities]
            _unknown_names("--target", options.targets, names)
            redials = [i.redial_name for i in identities if i.redial_name is not None]
            _unknown_names("--resume", options.resume, [*names, *redials])
            beyond = outside(paths, [str(file) for file in files])
            diagnostics.extend(_shared_with_outside(identities, beyond))
            live = reading.result()
            # Pinned outside the paths: not matched here by name either.
            claimed = pinned_ids(identities) | beyond.pinned
            hours = hours_policy(_policy(summaries))
            contexts = [
                ShareContext(
                    hours,
                    _relevant(live, s.identities),
                    claimed,
                    frozenset(options.targets),
                    owner.token,
                )
                for s in loaded_here
            ]
            parts = run.parts(contexts)
        loaded = Loaded(
            files=files,
            diagnostics=diagnostics,
            broken=has_errors(diagnostics),
            manifests_hash=hash_of_parts(p for s in summaries for p in s.hash_parts),
            owner=owner,
            policy=next((p for s in summaries for p in s.policies), None),
            outside=beyond,
            organization=organization,
        )
        return settle_and_assemble(client, settings, parts, loaded, live, options), client
    except BaseException:
        if client is not None:
            client.close()
        raise
    finally:
        pool.shutdown(wait=True)


@dataclass(frozen=True)
class Loaded:
    """What the loading told of the whole: for assembling the plan."""

    files: Sequence[Path]
    diagnostics: Sequence[Diagnostic]
    broken: bool
    """Some manifest did not load: campaigns without a manifest may be its."""
    manifests_hash: str
    owner: Owner = field(default_factory=lambda: Owner("repo", "directory repo"))
    policy: PolicyDocument | None = None
    outside: Outside = field(default_factory=Outside)
    """The repository's manifests outside the given paths (scope.py)."""
    organization: OrganizationNote | None = None


def settle_and_assemble(
    client: DograhClient,
    settings: ClientSettings,
    parts: Sequence[DiffPart],
    loaded: Loaded,
    live: LiveState,
    options: PlanOptions,
) -> Plan:
    """What only this process can settle, then the Plan: live contacts (cache, else
    download), the workflows' template variables, the resumes' reviews."""
    settled = settle(
        [check for part in parts for check in part.contacts],
        client,
        ContactsCache(settings.base_url),
    )
    findings = preflight(client, [check for part in parts for check in part.templates], live)
    decision = decide([r for part in parts for r in part.resumes], options.base, options.resume)
    return assemble(
        parts,
        loaded,
        live,
        options,
        extra_diagnostics=findings,
        extra_conflicts=settled.conflicts,
        refused=settled.refused,
        decision_notes=decision.notes,
        held=decision.held,
    )


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
    policies = _policies(summaries)
    for extra in policies[1:]:
        diagnostics.append(extra.diagnostic("metadata.name", second_policy(policies[0], extra)))
    return diagnostics, identities


def _shared_with_outside(identities: Sequence[Identity], beyond: Outside) -> list[Diagnostic]:
    """A name or pinned id that a manifest outside the given paths uses too: the same
    error (or look-alike warning) a plan of the whole repository gives, said at the
    planned manifests only (the campaign would be managed from two places)."""
    if not beyond.manifests:
        return []
    here = {identity.file for identity in identities}
    found = duplicates([*identities, *beyond.identities()])
    said = {(d.file, d.line, d.column, d.path) for d in duplicates(identities)}
    return [d for d in found if d.file in here and (d.file, d.line, d.column, d.path) not in said]


def tree_policies(paths: Sequence[str], files: Sequence[Path]) -> list[ShareSummary]:
    """The Policy of the tree the paths are in, when it lies above them (environment.py):
    its documents and problems, its part of the manifests' hash; its campaigns, if the
    file holds any, are outside the given paths and planned by nobody here."""
    above = policy_files_above(paths, files)
    if not above:
        return []
    loaded = load_files(above)
    return [
        ShareSummary(
            [],
            loaded.policies,
            loaded.diagnostics,
            [policy.hash_part() for policy in loaded.policies],
        )
    ]


def _policies(summaries: Sequence[ShareSummary]) -> list[PolicyDocument]:
    return [policy for s in summaries for policy in s.policies]


def _policy(summaries: Sequence[ShareSummary]) -> Policy | None:
    policies = _policies(summaries)
    return policies[0].policy if policies else None


def _owner(
    summaries: Sequence[ShareSummary], paths: Sequence[str]
) -> tuple[Owner, list[Diagnostic]]:
    """This repository's owner token: the Policy's, else from git, else the directory."""
    policies = [policy for s in summaries for policy in s.policies]
    if policies and policies[0].policy.spec.owner:
        policy = policies[0]
        return Owner(policy.policy.spec.owner or "", f"Policy '{policy.policy.metadata.name}'"), []
    start = Path(paths[0]) if paths else Path()
    return default_owner(repository_root(start if start.is_dir() else start.parent)), []


def _unknown_names(option: str, given: Sequence[str], names: Sequence[str]) -> None:
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


def _relevant(live: LiveState, identities: Sequence[Identity]) -> LiveState:
    """The live campaigns some of these manifests could match, their redials (a
    ``spec.redial`` finds its campaign through the parent's ``redialed_campaign_id``), and
    the rest of the state."""
    names = {identity.name for identity in identities}
    pinned = pinned_ids(identities)
    matching = [c for c in live.campaigns if c.name in names or c.id in pinned]
    redials = {c.redialed_campaign_id for c in matching if c.redialed_campaign_id is not None}
    if redials and any(identity.redial_name is not None for identity in identities):
        matching.extend(
            c
            for c in live.campaigns
            if c.id in redials and c.name not in names and c.id not in pinned
        )
    return replace(live, campaigns=tuple(matching))


def assemble(
    parts: Sequence[DiffPart],
    loaded: Loaded,
    live: LiveState,
    options: PlanOptions,
    *,
    extra_diagnostics: Sequence[Diagnostic] = (),
    extra_conflicts: Sequence[Conflict] = (),
    refused: Collection[int] = (),
    decision_notes: dict[int, str] | None = None,
    held: Sequence[Held] = (),
) -> Plan:
    """The parts in file order, as one process would have produced them, and what only
    the whole can tell: campaigns whose manifest is gone (paused), renames, the
    unmanaged campaigns, and every live campaign's fingerprint."""
    order = {display_path(file): index for index, file in enumerate(loaded.files)}

    def place(where: Place | None) -> int:
        # By file only: a file is in one share, which keeps its documents' order (the
        # sort is stable).
        return len(order) if where is None else order.get(where.file, len(order))

    held_ids = {h.id for h in held}
    notes = decision_notes or {}
    changes: list[CampaignChange] = []
    for part in parts:
        for change in part.changes:
            if change.id in refused or (change.redial and change.redial.parent_id in refused):
                continue
            if change.id in held_ids:
                actions = tuple(a for a in change.actions if a != "resume")
                if not actions:
                    continue
                change = change.model_copy(
                    update={"actions": actions, "desired_state": change.live_state or "paused"}
                )
            elif change.id is not None and change.id in notes:
                change = change.model_copy(update={"notes": (*change.notes, notes[change.id])})
            changes.append(change)
    matched: dict[int, str] = {}
    for part in parts:
        matched.update(part.matched)
    idle = _idle(live, matched, held)  # before the redials join their parents' names
    for part in parts:  # a redial is managed through its parent's manifest
        for child_id, parent_id in part.redials.items():
            matched.setdefault(child_id, matched[parent_id])
    conflicts = [c for p in parts for c in p.conflicts]
    conflicts.extend(extra_conflicts)
    beyond = [
        c
        for c in live.campaigns
        if c.id not in matched and loaded.outside.manages(c, loaded.owner.token)
    ]
    out_of_scope = {c.id for c in beyond}
    orphan_warnings: list[Diagnostic] = []
    if loaded.outside.unsure and not options.targets and not loaded.broken:
        orphan_warnings = list(loaded.outside.unsure)
    elif not options.targets and not loaded.broken:
        orphans, renames, orphan_warnings = _orphans(
            live, matched, changes, loaded.owner, out_of_scope
        )
        changes.extend(orphans)
        renamed = {c.name for c in renames}
        changes = [c for c in changes if not (c.id is None and c.name in renamed)]
        conflicts.extend(renames)
    changes.sort(key=lambda c: place(c.manifest))
    conflicts.sort(key=lambda c: place(c.manifest))
    unchanged = [name for part in parts for name in part.unchanged]
    planned = {change.id for change in changes}
    findings = [
        *loaded.diagnostics,
        *(d for part in parts for d in part.diagnostics),
        *extra_diagnostics,
        *orphan_warnings,
        *_across(
            parts,
            loaded.policy.policy if loaded.policy is not None else None,
            blocking=True,
            idle=idle,
        ),
    ]
    plan = Plan(
        changes=tuple(changes),
        unchanged=tuple(sorted(unchanged)),
        conflicts=tuple(conflicts),
        held=tuple(held),
        diagnostics=tuple(sorted_diagnostics(findings)),
        unmanaged=tuple(
            Unmanaged(id=c.id, name=c.name, state=c.state)
            for c in live.campaigns
            if c.id not in matched and c.id not in planned and c.id not in out_of_scope
        ),
        out_of_scope=tuple(
            Unmanaged(id=c.id, name=c.name, state=c.state) for c in beyond if c.id not in planned
        ),
        matched=dict(sorted(matched.items())),
        targets=tuple(sorted(set(options.targets))),
        fingerprints={
            f"id:{c.id}": fingerprint(c) for c in sorted(live.campaigns, key=lambda c: c.id)
        },
        manifests_hash=loaded.manifests_hash,
        managed=sum(part.managed for part in parts),
        live=len(live.campaigns),
        owner=loaded.owner.token,
        organization=loaded.organization,
        labels={
            "workflow": {w.id: w.name for w in live.workflows},
            "telephony": {t.id: t.name for t in live.telephony},
        },
    )
    return _within_limits(plan, loaded.policy)


def _idle(live: LiveState, matched: dict[int, str], held: Sequence[Held]) -> set[str]:
    """The manifests whose campaign will not dial after this plan: held paused, or
    completed or failed (Dograh never runs those again; a redial is a campaign of its own)."""
    done = {c.id for c in live.campaigns if c.state in TERMINAL_STATES}
    return {h.name for h in held} | {name for id_, name in matched.items() if id_ in done}


def _within_limits(plan: Plan, policy: PolicyDocument | None) -> Plan:
    """The plan, with an error at the Policy for each of its limits it passes
    (``Plan.over_limits``): past them, the plan is blocked."""
    if policy is None:
        return plan
    over = [policy.diagnostic("spec", m) for m in plan.over_limits(policy.policy.spec.limits)]
    if not over:
        return plan
    return plan.model_copy(
        update={"diagnostics": tuple(sorted_diagnostics([*plan.diagnostics, *over]))}
    )


def _orphans(
    live: LiveState,
    matched: dict[int, str],
    changes: Sequence[CampaignChange],
    owner: Owner,
    out_of_scope: Collection[int] = (),
) -> tuple[list[CampaignChange], list[Conflict], list[Diagnostic]]:
    """Campaigns this repository created that no manifest manages any more: paused when
    they dial; and a new manifest with the same contacts is a rename, said as such. A
    campaign that a manifest outside the given paths names is not gone: out of scope."""
    creates = {
        change.requests.upload.content: change
        for change in changes
        if change.id is None and change.requests.upload is not None
    }
    pauses: list[CampaignChange] = []
    renames: list[Conflict] = []
    warnings: list[Diagnostic] = []
    for campaign in live.campaigns:
        if campaign.id in matched or not created_by(campaign, owner.token):
            continue
        if campaign.id in out_of_scope:
            continue
        twin = creates.get(content_of(campaign) or "")
        if twin is not None and twin.manifest is not None and campaign.state == "created":
            warnings.append(
                Diagnostic(
                    twin.manifest.file,
                    twin.manifest.line,
                    twin.manifest.column,
                    "metadata.name",
                    f"this looks like campaign '{campaign.name}' (id {campaign.id}, never "
                    "started) renamed: same contacts, and its manifest is gone; pin "
                    f"metadata.id: {campaign.id} to rename it instead of creating a second "
                    "campaign (the first would stay, unstarted)",
                    "warning",
                )
            )
        elif (
            twin is not None and twin.manifest is not None and campaign.state not in TERMINAL_STATES
        ):
            renames.append(
                Conflict(
                    name=twin.name,
                    id=None,
                    manifest=twin.manifest,
                    message=f"this looks like campaign '{campaign.name}' (id {campaign.id}, "
                    f"{campaign.state}) renamed: same contacts, created from this repository, "
                    "and its manifest is gone. Creating a second campaign would call the same "
                    f"people again: pin metadata.id: {campaign.id} to rename it instead, or "
                    "keep its manifest (state: paused) to run a new campaign beside it",
                )
            )
        if campaign.state in DIALING_STATES:
            pauses.append(
                CampaignChange(
                    name=campaign.name,
                    id=campaign.id,
                    manifest=None,
                    actions=("pause",),
                    live_state=campaign.state,
                    desired_state="paused",
                    after={"state": "paused"},
                    reason="its manifest is gone: a campaign created from this repository "
                    "dials only while a manifest says so",
                )
            )
    return pauses, renames, warnings


def load_manifests(paths: Sequence[str]) -> tuple[list[Manifest], list[Diagnostic]]:
    """Every manifest under ``paths`` in this process, with the cross-checks: for a
    caller that needs the manifests themselves (import, tests)."""
    files, problems = find_manifest_files(paths)
    share = ManifestShare(files)
    diagnostics, _ = _cross_checked(problems, [share.summary(), *tree_policies(paths, files)])
    return share.loaded.manifests, sorted_diagnostics(diagnostics)
