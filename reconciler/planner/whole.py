"""Stage three, the whole: what no single manifest tells, then the ``Plan``.

What only this process can settle (it talks to Dograh): the live contacts that the
upload names cannot tell (adoption.py), the workflows' template variables of each new
campaign (preflight), the resumes a reviewed change asks for (review.py). Then, on all
the changes together: held resumes and refused comparisons taken out, campaigns whose
manifest is gone (paused) and renames, people two dialing campaigns share and the
holiday warnings, the Policy's limits (``Plan.over_limits``), every live campaign's
fingerprint and the labels of workflows and telephony configurations.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from reconciler.adoption import settle
from reconciler.cache import ContactsCache
from reconciler.client import DograhClient
from reconciler.diagnostics import Diagnostic, sorted_diagnostics
from reconciler.diff import DiffPart
from reconciler.fetch import fetch_definitions
from reconciler.identity import content_of, created_by
from reconciler.live import DIALING_STATES, TERMINAL_STATES, LiveCampaign, LiveState
from reconciler.manifest.load import PolicyDocument
from reconciler.manifest.located import Place
from reconciler.manifest.paths import display_path
from reconciler.normalize import fingerprint
from reconciler.owner import Owner
from reconciler.plan import CampaignChange, Conflict, Held, OrganizationNote, Plan, Unmanaged
from reconciler.planner.load import across
from reconciler.planner.options import PlanOptions
from reconciler.review import decide
from reconciler.scope import Outside
from reconciler.shared_contacts import Dialed
from reconciler.templates import TemplateCheck, check_template


@dataclass(frozen=True)
class Facts:
    """What the loading told of the whole, for assembling the plan."""

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
    dialed: Sequence[Dialed] = ()
    """The numbers each manifest that dials calls (shared_contacts.py)."""
    holidays: Sequence[Diagnostic] = ()
    """Said once per rule (planner/load.py ``hours_checked``)."""


@dataclass(frozen=True)
class Review:
    """What settling with Dograh and the review decided about the planned changes."""

    diagnostics: Sequence[Diagnostic] = ()
    conflicts: Sequence[Conflict] = ()
    refused: Collection[int] = ()
    """Live campaign ids whose contacts differ from the CSV: their changes are dropped."""
    notes: Mapping[int, str] = field(default_factory=dict)
    """Why a resume goes ahead, per campaign id."""
    held: Sequence[Held] = ()


def whole(
    client: DograhClient, part: DiffPart, facts: Facts, live: LiveState, options: PlanOptions
) -> Plan:
    """Settle with Dograh what the manifests could not tell alone, then assemble."""
    settled = settle(part.contacts, client, ContactsCache(client.settings.base_url))
    decision = decide(part.resumes, options.base, options.resume)
    review = Review(
        diagnostics=preflight(client, part.templates, live),
        conflicts=settled.conflicts,
        refused=settled.refused,
        notes=decision.notes,
        held=decision.held,
    )
    return assemble(part, facts, live, options, review)


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


def assemble(
    part: DiffPart,
    facts: Facts,
    live: LiveState,
    options: PlanOptions,
    review: Review = Review(),
) -> Plan:
    """The changes, in file order, and what only the whole can tell: campaigns whose
    manifest is gone (paused), renames, the unmanaged campaigns, and every live
    campaign's fingerprint."""
    changes = _reviewed(part.changes, review)
    idle = _idle(live, part.matched, review.held)  # before the redials join their parents'
    matched = _with_redials(part)
    beyond = [c for c in live.campaigns if c.id not in matched and _elsewhere(c, facts)]
    scoped = frozenset(c.id for c in beyond)
    conflicts = [*part.conflicts, *review.conflicts]
    gone = _gone(live, matched, changes, facts, options, scoped)
    changes = [*_not_renamed(changes, gone.renames), *gone.pauses]
    place = _places(facts.files)
    changes.sort(key=lambda c: place(c.manifest))
    conflicts = sorted([*conflicts, *gone.renames], key=lambda c: place(c.manifest))
    planned = {change.id for change in changes}
    listed = {*matched, *planned, *scoped}
    policy = facts.policy.policy if facts.policy is not None else None
    findings = [
        *facts.diagnostics,
        *part.diagnostics,
        *review.diagnostics,
        *gone.warnings,
        *across(facts.dialed, policy, facts.holidays, blocking=True, idle=idle),
    ]
    plan = Plan(
        changes=tuple(changes),
        unchanged=tuple(sorted(part.unchanged)),
        conflicts=tuple(conflicts),
        held=tuple(review.held),
        diagnostics=tuple(sorted_diagnostics(findings)),
        unmanaged=_listed(c for c in live.campaigns if c.id not in listed),
        out_of_scope=_listed(c for c in beyond if c.id not in planned),
        matched=dict(sorted(matched.items())),
        targets=tuple(sorted(set(options.targets))),
        fingerprints={
            f"id:{c.id}": fingerprint(c) for c in sorted(live.campaigns, key=lambda c: c.id)
        },
        manifests_hash=facts.manifests_hash,
        managed=part.managed,
        live=len(live.campaigns),
        owner=facts.owner.token,
        organization=facts.organization,
        labels=_labels(live),
    )
    return _within_limits(plan, facts.policy)


def _reviewed(changes: Sequence[CampaignChange], review: Review) -> list[CampaignChange]:
    """The changes less those of refused comparisons; a held resume dropped (the rest of
    its change kept), an allowed one with the review's note."""
    held = {h.id for h in review.held}
    kept: list[CampaignChange] = []
    for change in changes:
        if change.id in review.refused or (
            change.redial and change.redial.parent_id in review.refused
        ):
            continue
        if change.id in held:
            actions = tuple(a for a in change.actions if a != "resume")
            if actions:
                update = {"actions": actions, "desired_state": change.live_state or "paused"}
                kept.append(change.model_copy(update=update))
            continue
        note = review.notes.get(change.id) if change.id is not None else None
        if note is not None:
            change = change.model_copy(update={"notes": (*change.notes, note)})
        kept.append(change)
    return kept


def _with_redials(part: DiffPart) -> dict[int, str]:
    """The matched campaigns, and each redial under its parent's manifest's name (it is
    managed through that manifest's ``spec.redial``)."""
    matched = dict(part.matched)
    for child_id, parent_id in part.redials.items():
        matched.setdefault(child_id, matched[parent_id])
    return matched


def _elsewhere(campaign: LiveCampaign, facts: Facts) -> bool:
    return facts.outside.manages(campaign, facts.owner.token)


def _idle(live: LiveState, matched: Mapping[int, str], held: Sequence[Held]) -> frozenset[str]:
    """The manifests whose campaign will not dial after this plan: held paused, or
    completed or failed (Dograh never runs those again; a redial is a campaign of its own)."""
    done = {c.id for c in live.campaigns if c.state in TERMINAL_STATES}
    ended = {name for id_, name in matched.items() if id_ in done}
    return frozenset({h.name for h in held} | ended)


def _places(files: Sequence[Path]) -> Callable[[Place | None], int]:
    """A change's place in the plan: its manifest file's among the files, by file only
    (the sort is stable: a file's documents keep their order); gone ones last."""
    order = {display_path(file): index for index, file in enumerate(files)}
    return lambda where: len(order) if where is None else order.get(where.file, len(order))


def _listed(campaigns: Iterable[LiveCampaign]) -> tuple[Unmanaged, ...]:
    return tuple(Unmanaged(id=c.id, name=c.name, state=c.state) for c in campaigns)


def _labels(live: LiveState) -> dict[str, dict[int, str]]:
    return {
        "workflow": {w.id: w.name for w in live.workflows},
        "telephony": {t.id: t.name for t in live.telephony},
    }


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


@dataclass(frozen=True)
class Gone:
    """Campaigns this repository created that no manifest manages any more."""

    pauses: list[CampaignChange] = field(default_factory=list)
    renames: list[Conflict] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)


def _gone(
    live: LiveState,
    matched: Mapping[int, str],
    changes: Sequence[CampaignChange],
    facts: Facts,
    options: PlanOptions,
    out_of_scope: frozenset[int],
) -> Gone:
    """Campaigns gone from the manifests, only when the whole repository was read: not
    with ``--target``, nor when a manifest did not load (the campaign may be its), nor when
    a manifest outside the paths could not be read (it may name it: said as warnings)."""
    if options.targets or facts.broken:
        return Gone()
    if facts.outside.unsure:
        return Gone(warnings=list(facts.outside.unsure))
    creates = {
        change.requests.upload.content: change
        for change in changes
        if change.id is None and change.requests.upload is not None
    }
    gone = Gone()
    for campaign in live.campaigns:
        if campaign.id in matched or campaign.id in out_of_scope:
            continue
        if created_by(campaign, facts.owner.token):
            _orphan(campaign, creates.get(content_of(campaign) or ""), gone)
    return gone


def _orphan(campaign: LiveCampaign, twin: CampaignChange | None, gone: Gone) -> None:
    """A campaign of ours whose manifest is gone: paused when it dials; and a new manifest
    with the same contacts is a rename, said as such."""
    place = twin.manifest if twin is not None else None
    if twin is not None and place is not None and campaign.state == "created":
        gone.warnings.append(
            Diagnostic(
                place.file,
                place.line,
                place.column,
                "metadata.name",
                f"this looks like campaign '{campaign.name}' (id {campaign.id}, never "
                "started) renamed: same contacts, and its manifest is gone; pin "
                f"metadata.id: {campaign.id} to rename it instead of creating a second "
                "campaign (the first would stay, unstarted)",
                "warning",
            )
        )
    elif twin is not None and place is not None and campaign.state not in TERMINAL_STATES:
        gone.renames.append(
            Conflict(
                name=twin.name,
                id=None,
                manifest=place,
                message=f"this looks like campaign '{campaign.name}' (id {campaign.id}, "
                f"{campaign.state}) renamed: same contacts, created from this repository, "
                "and its manifest is gone. Creating a second campaign would call the same "
                f"people again: pin metadata.id: {campaign.id} to rename it instead, or "
                "keep its manifest (state: paused) to run a new campaign beside it",
            )
        )
    if campaign.state in DIALING_STATES:
        gone.pauses.append(
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


def _not_renamed(
    changes: Sequence[CampaignChange], renames: Sequence[Conflict]
) -> list[CampaignChange]:
    """The creates a rename conflict stands for are not planned."""
    renamed = {c.name for c in renames}
    return [c for c in changes if not (c.id is None and c.name in renamed)]
