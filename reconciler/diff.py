"""Desired campaigns + live state -> their changes: the planner's stage "each".

Pure: no I/O; each manifest's changes are a value of its own (``DiffPart``), joined in
the manifests' order, so the same input always gives the same part.

Which live campaign a manifest manages is identity.py's rule (its pinned ``metadata.id``,
else our campaign of its name); here, what each answer means: a namesake made elsewhere
is a conflict that says how to adopt it, never a silent takeover; two of ours of one
name are a conflict too; unstarted twins left aside are a warning.

Contacts are compared by content: from the upload name when this tool made the campaign,
else by the live file, which only the process that talks to Dograh can read: the part
lists those comparisons (``ContactCheck``) for the planner to settle (planner/whole.py).

Settings are compared as effective values in the manifest's terms (normalize.py). A
setting the manifest omits is not managed: never sent on update, left to Dograh's own
default on create, where the plan shows the value Dograh will use (docs/dograh-api.md
§4).

A completed campaign's ``spec.redial`` plans its redial (docs/dograh-api.md §2.9): made
once, found again through the parent's ``redialed_campaign_id``, never by name; of the
redial, only its state is the manifest's (``spec.redial.state``), under the rules of any
campaign's state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.diagnostics import Diagnostic
from reconciler.dograh_defaults import DOGRAH_BREAKER, NOT_MANAGED, default_retry
from reconciler.explain import field_differences
from reconciler.identity import LiveIndex, Match, owner_of
from reconciler.live import (
    DIALING_STATES,
    TERMINAL_STATES,
    LiveCampaign,
    LiveState,
    TelephonyConfig,
)
from reconciler.manifest.located import Place
from reconciler.normalize import (
    View,
    api_breaker,
    api_retry,
    api_schedule,
    api_schedule_disabled,
    breaker_view,
    group_windows,
    live_view,
    retry_view,
    windows_of,
)
from reconciler.owner import upload_file_name
from reconciler.plan import (
    Action,
    CampaignChange,
    Conflict,
    CreateRequest,
    FieldChange,
    RedialOf,
    RedialRequest,
    Requests,
    UpdateRequest,
    Upload,
)
from reconciler.preflight import create_problems, redial_problems, update_problems
from reconciler.resolve import Desired
from reconciler.templates import TemplateCheck, facts_of

MUTABLE = ("name", "max_concurrency", "retry_config", "schedule", "circuit_breaker")
IMMUTABLE = {"workflow": "spec.workflow", "telephony": "spec.telephony"}


@dataclass
class DiffPart:
    """The changes of one manifest, or of several put together (``join``); the
    planner's last stage (planner/whole.py) makes the plan of them."""

    changes: list[CampaignChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    matched: dict[int, str] = field(default_factory=dict)
    """Live campaign id -> the name of the manifest that matched it."""
    templates: list[TemplateCheck] = field(default_factory=list)
    """The campaigns to create, for the check of their workflows' variables."""
    contacts: list[ContactCheck] = field(default_factory=list)
    """Matched campaigns whose live contacts must be compared with the CSV."""
    resumes: list[Resume] = field(default_factory=list)
    """Paused campaigns the manifests want running: resumed only if a reviewed change
    asks for it (review.py decides), else held."""
    redials: dict[int, int] = field(default_factory=dict)
    """A redial's live campaign id -> its parent's, whose manifest's spec.redial made it:
    managed through that manifest (its state), so neither unmanaged nor an orphan."""
    managed: int = 0
    namesakes: dict[int, str] = field(default_factory=dict)
    """Live campaigns a conflict is about, and the first such manifest's name: not
    "unmanaged" (``diff`` counts them as matched, unless a manifest matched them)."""


def join(parts: Iterable[DiffPart]) -> DiffPart:
    """The parts as one, in their order (a campaign two manifests matched: the last's).
    One pass over every manifest's parts (``_each`` returns them as a list), not a join
    per manifest: ten thousand manifests' parts are tens of thousands."""
    whole = DiffPart()
    changes, unchanged, conflicts = whole.changes, whole.unchanged, whole.conflicts
    diagnostics, templates, contacts = whole.diagnostics, whole.templates, whole.contacts
    resumes, matched, redials = whole.resumes, whole.matched, whole.redials
    namesakes = whole.namesakes
    for part in parts:
        changes += part.changes
        unchanged += part.unchanged
        conflicts += part.conflicts
        diagnostics += part.diagnostics
        matched.update(part.matched)
        templates += part.templates
        contacts += part.contacts
        resumes += part.resumes
        redials.update(part.redials)
        whole.managed += part.managed
        for campaign_id, name in part.namesakes.items():
            namesakes.setdefault(campaign_id, name)
    return whole


@dataclass(frozen=True)
class ContactCheck:
    """A matched campaign's live contacts against its manifest's CSV."""

    name: str
    campaign_id: int
    source_id: str
    live_content: str | None
    """From the upload name; None: the live file must be read."""
    content: str
    csv_path: str
    csv_display: str
    where: Place
    """The manifest's ``spec.source.csv``."""
    why: str
    """Why the campaign was matched: ``pinned`` (adoption) or ``named`` (created here)."""


@dataclass(frozen=True)
class Resume:
    """A paused campaign whose manifest says running: what decides whether to resume."""

    name: str
    """The campaign's name, as ``--resume`` names it."""
    campaign_id: int
    file: str
    """The manifest file, to read at the reviewed base revision."""
    pinned_id: int | None
    where: Place
    """Where the manifest says the state (``state_path``)."""
    reason: str
    """Why it is paused, from Dograh's logs."""
    manifest_name: str | None = None
    """The manifest's ``metadata.name`` when it is not the campaign's (a redial's)."""
    state_path: str = "spec.state"
    """Where the manifest says the campaign's state: ``spec.redial.state`` for a redial."""


def diff(
    desired: Sequence[Desired],
    live: LiveState,
    *,
    owner: str,
    claimed: frozenset[int] = frozenset(),
    targets: frozenset[str] = frozenset(),
) -> DiffPart:
    """The changes of ``desired`` against ``live``. ``owner``: this repository's token;
    ``claimed``: the ids every manifest pins (a campaign pinned by one manifest is not
    matched by another's name)."""
    index = LiveIndex(live.campaigns, owner, claimed)
    return _counted(
        join(part for item in desired for part in _each(item, index, live, owner, targets))
    )


def matches(
    desired: Sequence[Desired], live: LiveState, *, owner: str, claimed: frozenset[int]
) -> DiffPart:
    """Only which live campaign each manifest manages (``matched``, ``redials``), as
    ``diff`` finds it: for status and import, which plan nothing."""
    index = LiveIndex(live.campaigns, owner, claimed)
    return _counted(
        join(_matched(item, index.match(item.name, item.pinned_id), index) for item in desired)
    )


def _counted(part: DiffPart) -> DiffPart:
    """The namesakes of conflicts counted as matched (not "unmanaged"), unless some
    manifest matched them."""
    return replace(part, matched={**part.namesakes, **part.matched}, namesakes={})


def _each(
    item: Desired, index: LiveIndex, live: LiveState, owner: str, targets: frozenset[str]
) -> list[DiffPart]:
    """One manifest's parts, in order: what it matched, and unless ``targets`` leave it
    out, its changes (``diff`` joins every manifest's parts at once)."""
    found = index.match(item.name, item.pinned_id)
    if targets and item.name not in targets:
        return [_matched(item, found, index)]
    matched = _matched(item, found, index, managed=1)
    if found.conflict:
        return [matched, DiffPart(conflicts=[_conflict(item, found)])]
    if found.campaign is None:
        return [matched, _plan_create(item, live, owner)]
    twins = DiffPart(diagnostics=_twins(item, found))
    return [
        matched,
        twins,
        *_plan_existing(item, found.campaign, live, index.by_id, index.claimed),
    ]


def _matched(item: Desired, found: Match, index: LiveIndex, managed: int = 0) -> DiffPart:
    """The live campaign the manifest manages, and its redial (managed through the
    manifest's ``spec.redial``, unless another manifest pins it); on a conflict, the
    namesakes it is about. ``managed``: 1 when the manifest is planned."""
    match = found.campaign
    if match is None:
        names = index.namesakes(item.name) if found.conflict else []
        return DiffPart(namesakes={campaign.id: item.name for campaign in names}, managed=managed)
    child = match.redialed_campaign_id
    redials = {}
    if child is not None and item.manifest.campaign.spec.redial and child not in index.claimed:
        redials[child] = match.id
    return DiffPart(matched={match.id: item.name}, redials=redials, managed=managed)


def _twins(item: Desired, found: Match) -> list[Diagnostic]:
    """A warning naming the unstarted twins left aside, if any."""
    if not found.twins or found.campaign is None:
        return []
    first, many = found.campaign.id, len(found.twins) > 1
    return [
        item.manifest.diagnostic(
            "metadata.name",
            f"live campaign{'s' if many else ''} {', '.join(str(c.id) for c in found.twins)} "
            f"{'are unstarted twins' if many else 'is an unstarted twin'} of "
            f"'{item.name}' (id {first}), left by two applies at once or by a create "
            f"answered too late; this manifest manages id {first} and never starts the "
            "twins (Dograh cannot delete them)",
            severity="warning",
        )
    ]


def _conflict(item: Desired, found: Match) -> Conflict:
    """Why the manifest matches no campaign it may manage (identity.py)."""
    where = item.manifest.place("metadata.name")
    if found.pinned_elsewhere:
        ids = ", ".join(str(c.id) for c in found.pinned_elsewhere)
        return Conflict(
            name=item.name,
            id=None,
            manifest=where,
            message=f"the live campaign named '{item.name}' (id {ids}) was created from this "
            "repository, and another manifest pins it with metadata.id: this manifest would "
            "create a second campaign of the name and call its contacts again, so nothing is "
            "planned for it. Keep one manifest for the campaign: remove this one, pin it to "
            "another id, or give it another metadata.name (if the other manifest renames the "
            "campaign, apply that first)",
        )
    if found.unknown_pin is not None:
        return Conflict(
            name=item.name,
            id=found.unknown_pin,
            manifest=item.manifest.place("metadata.id"),
            message=f"metadata.id {found.unknown_pin} matches no live campaign in this "
            "organization; remove the id to create the campaign, or correct it",
        )
    if found.ambiguous:
        ids = ", ".join(str(c.id) for c in found.ambiguous)
        return Conflict(
            name=item.name,
            id=None,
            manifest=where,
            message=f"{len(found.ambiguous)} live campaigns named '{item.name}' were created "
            f"from this repository (ids {ids}); pin the one this manifest manages with "
            "metadata.id",
        )
    first = found.foreign[0]
    other = owner_of(first)
    made = (
        f"created by another repository (owner '{other}')"
        if other
        else "not created by these manifests (made in Dograh, or by another tool)"
    )
    ids = ", ".join(str(c.id) for c in found.foreign)
    return Conflict(
        name=item.name,
        id=None,
        manifest=where,
        message=f"a live campaign named '{item.name}' (id {ids}) exists, {made}; "
        f"this manifest does not take it over. To manage it, pin metadata.id: "
        f"{first.id} (adoption: its contacts must equal the CSV); to create a "
        "campaign of your own, give this manifest another metadata.name",
    )


# -- create -----------------------------------------------------------------------------


def _plan_create(item: Desired, live: LiveState, owner: str) -> DiffPart:
    spec = item.manifest.campaign.spec
    config = item.telephony or live.default_telephony()
    problems = create_problems(item, config, live)
    if problems or item.telephony_unresolved:  # an unknown name: said by resolve
        return DiffPart(diagnostics=[item.manifest.diagnostic(path, p) for path, p in problems])
    contacts = item.manifest.contacts
    request = CreateRequest(
        name=item.name,
        workflow_id=item.workflow.id,
        telephony_configuration_id=item.telephony.id if item.telephony else None,
        max_concurrency=spec.max_concurrency,
        retry_config=api_retry(spec.retry_config) if spec.retry_config else None,
        schedule_config=api_schedule(spec.schedule) if spec.schedule else None,
        circuit_breaker=api_breaker(spec.circuit_breaker) if spec.circuit_breaker else None,
    )
    template = TemplateCheck(
        campaign=item.name,
        workflow_id=item.workflow.id,
        workflow=item.manifest.diagnostic("spec.workflow", ""),
        source=item.manifest.diagnostic("spec.source.csv", ""),
        csv=contacts.display,
        facts=facts_of(contacts),
    )
    after, defaults = _create_view(item, config, live)
    actions: tuple[Action, ...] = ("create", "start") if item.state == "running" else ("create",)
    change = CampaignChange(
        name=item.name,
        id=None,
        manifest=item.manifest.place("metadata.name"),
        actions=actions,
        live_state=None,
        desired_state=item.state,
        after={**after, "state": item.state},
        defaults=defaults,
        sources=dict(item.manifest.sources),
        requests=Requests(
            upload=Upload(
                path=contacts.display,
                sha256=contacts.sha256,
                content=contacts.content,
                size=contacts.size,
                rows=contacts.rows,
                file_name=upload_file_name(contacts.display, owner, contacts.content),
            ),
            create=request,
        ),
    )
    return DiffPart(changes=[change], templates=[template])


def _create_view(
    item: Desired, config: TelephonyConfig | None, live: LiveState
) -> tuple[View, tuple[str, ...]]:
    """The settings a new campaign will have, and which of them are Dograh's defaults."""
    view = dict(item.view)
    defaults = []
    if view["telephony"] is None and config is not None:
        view["telephony"] = config.id
        defaults.append("telephony")
    if view["retry_config"] is None:
        view["retry_config"] = default_retry(live)
        defaults.append("retry_config")
    if view["circuit_breaker"] is None:
        view["circuit_breaker"] = dict(DOGRAH_BREAKER)
        defaults.append("circuit_breaker")
    return view, tuple(defaults)


# -- update and lifecycle ---------------------------------------------------------------


def _plan_existing(
    item: Desired,
    campaign: LiveCampaign,
    live: LiveState,
    by_id: dict[int, LiveCampaign],
    claimed: frozenset[int],
) -> list[DiffPart]:
    """A matched campaign's parts, in order (``_each``)."""
    # Every problem of the campaign is said at once: a contacts conflict, an unknown
    # telephony name, an immutable change, a lifecycle one, telephony and concurrency.
    before, after, blocked, check = _compared(item, campaign)
    conflicts = [
        Conflict(
            name=item.name,
            id=campaign.id,
            manifest=item.manifest.place(IMMUTABLE[key]),
            message=message,
        )
        for key, message in _immutable_changes(item, campaign, before, after)
    ]
    changes = [
        change.model_copy(update={"source": item.manifest.source_of(change.path.split(".")[0])})
        for change in field_changes(before, after)
    ]
    if campaign.state in TERMINAL_STATES:
        ended = DiffPart(
            contacts=check,
            diagnostics=_terminal(item, campaign, changes, before, after),
            conflicts=conflicts,
        )
        if conflicts or blocked:
            return [ended]
        unchanged = DiffPart(unchanged=[item.name])
        return [ended, unchanged, _plan_redial(item, campaign, live, by_id, claimed)]
    action, lifecycle_problem = _lifecycle(item.state, campaign)
    if lifecycle_problem:
        conflicts.append(
            Conflict(
                name=item.name,
                id=campaign.id,
                manifest=item.manifest.place("spec.state"),
                message=lifecycle_problem,
            )
        )
    problems = update_problems(
        item,
        campaign,
        live,
        max_concurrency=(
            after["max_concurrency"] if any(c.path == "max_concurrency" for c in changes) else None
        ),
        starts=action in ("start", "resume"),
    )
    found = DiffPart(
        contacts=check,
        conflicts=conflicts,
        diagnostics=[item.manifest.diagnostic(path, p) for path, p in problems],
    )
    if conflicts or problems or blocked:
        return [found]
    return [found, _plan_change(item, campaign, action, changes, (before, after))]


def _compared(item: Desired, campaign: LiveCampaign) -> tuple[View, View, bool, list[ContactCheck]]:
    """The live campaign's settings and the manifest's, in the manifest's terms, and
    whether the contacts or an unknown telephony name block any change. Contacts that
    the upload name cannot tell are left to the planner to compare (``ContactCheck``)."""
    before = live_view(campaign)
    after = dict(item.view)
    if item.pinned_id is None:
        after["name"] = campaign.name  # matched by name: equal by definition
    for key in NOT_MANAGED:
        if after[key] is None:
            after[key] = before[key]
    contacts = item.manifest.contacts
    blocked = item.telephony_unresolved
    if item.telephony_unresolved:
        after["telephony"] = before["telephony"]
    if before["source"] == after["source"]:
        return before, after, blocked, []
    check = ContactCheck(
        name=item.name,
        campaign_id=campaign.id,
        source_id=campaign.source_id,
        live_content=before["source"],
        content=contacts.content,
        csv_path=contacts.path,
        csv_display=contacts.display,
        where=item.manifest.place("spec.source.csv"),
        why="pinned" if item.pinned_id is not None else "named",
    )
    if before["source"] is not None:
        blocked = True  # this tool's upload, of other contacts: a conflict, with counts
        after["source"] = before["source"]
    else:
        after["source"] = before["source"] = None  # compared by the planner
    return before, after, blocked, [check]


def _plan_change(
    item: Desired,
    campaign: LiveCampaign,
    action: Action | None,
    changes: Sequence[FieldChange],
    views: tuple[View, View],
) -> DiffPart:
    """The update and lifecycle action of a campaign that nothing blocks; a resume is
    listed for the review (review.py), which may hold it."""
    before, after = views
    notes = []
    if any(c.path.startswith("circuit_breaker") for c in changes) and (
        campaign.circuit_breaker is None or not campaign.circuit_breaker.enabled
    ):
        notes.append(
            "Dograh reports a breaker it was never sent as disabled (it runs enabled); "
            "sending it makes its state explicit"
        )
    actions: list[Action] = []
    update = None
    if changes:
        actions.append("update")
        update = _update_request(item, campaign, {c.path.split(".")[0] for c in changes})
    resumes = []
    if action == "resume":
        resumes.append(
            Resume(
                name=item.name,
                campaign_id=campaign.id,
                file=item.manifest.file,
                pinned_id=item.pinned_id,
                where=item.manifest.place("spec.state"),
                reason=pause_reason(campaign),
            )
        )
    if action:
        actions.append(action)
    if not actions:
        return DiffPart(unchanged=[item.name])
    change = CampaignChange(
        name=item.name,
        id=campaign.id,
        manifest=item.manifest.place("metadata.name"),
        actions=tuple(actions),
        changes=tuple(changes),
        before={**before, "state": campaign.state},
        after={**after, "state": item.state},
        live_state=campaign.state,
        desired_state=item.state,
        rename_from=campaign.name if after["name"] != campaign.name else None,
        sources=dict(item.manifest.sources),
        notes=tuple(notes),
        requests=Requests(update=update),
    )
    return DiffPart(changes=[change], resumes=resumes)


def pause_reason(campaign: LiveCampaign) -> str:
    """Why a paused campaign is paused, as far as Dograh's logs tell: its circuit breaker
    logs a trip; a pause by hand (or by this tool) logs nothing."""
    trip = campaign.breaker_trip()
    if trip is not None:
        return f"Dograh's circuit breaker paused it at {trip.ts}: {trip.message}"
    return "it was paused outside these manifests (by hand, or by an apply they asked for)"


def _terminal(
    item: Desired,
    campaign: LiveCampaign,
    changes: Sequence[FieldChange],
    before: View,
    after: View,
) -> list[Diagnostic]:
    """A completed or failed campaign takes no change and dials no more: a warning that
    says so (and why it failed), never a conflict that would block the other campaigns."""
    found = []
    if campaign.state == "failed" and item.state == "running":
        reason = f": {campaign.last_error}" if campaign.last_error else ""
        found.append(
            item.manifest.diagnostic(
                "spec.state",
                f"the campaign failed{reason}; Dograh cannot restart it. To call these "
                "contacts again, give this manifest a new metadata.name (a new campaign)",
                severity="warning",
            )
        )
    if changes:
        fields = field_differences(
            {key: before[key] for key in MUTABLE}, {key: after[key] for key in MUTABLE}
        )
        found.append(
            item.manifest.diagnostic(
                "metadata.name",
                f"the campaign is {campaign.state} and Dograh accepts no change to it "
                f"({', '.join(fields)}); nothing is planned "
                "for it. To run these contacts again with new settings, give this manifest "
                "a new metadata.name (a new campaign)",
                severity="warning",
            )
        )
    return found


# -- redial ------------------------------------------------------------------------------


def _plan_redial(
    item: Desired,
    parent: LiveCampaign,
    live: LiveState,
    by_id: dict[int, LiveCampaign],
    claimed: frozenset[int],
) -> DiffPart:
    """A completed campaign's ``spec.redial``: the redial to make, or the state of the
    one made, found through ``redialed_campaign_id`` (never by name: Dograh makes one per
    campaign, §2.9). A redial pinned by a manifest of its own is that manifest's."""
    redial = item.manifest.campaign.spec.redial
    if redial is None:
        return DiffPart()
    if parent.state != "completed":
        return _warning(
            item.manifest.diagnostic(
                "spec.redial",
                f"the campaign is {parent.state}: Dograh redials only completed campaigns, so "
                "nothing is planned for spec.redial",
                severity="warning",
            )
        )
    child_id = parent.redialed_campaign_id
    if child_id is None:
        return _plan_new_redial(item, parent, live)
    if child_id in claimed:
        return DiffPart()
    child = by_id.get(child_id)
    if child is None:
        return _warning(
            item.manifest.diagnostic(
                "spec.redial",
                f"'{parent.name}' (id {parent.id}) was redialed as campaign id {child_id}, "
                "which Dograh's campaign list does not hold; nothing is planned for it",
                severity="warning",
            )
        )
    return _plan_child(item, parent, child, live)


def _plan_new_redial(item: Desired, parent: LiveCampaign, live: LiveState) -> DiffPart:
    """``POST /campaign/{parent}/redial``, then a start when spec.redial.state is running.

    The redial inherits the parent's settings as Dograh holds them, except its telephony
    configuration: none is copied, so Dograh resolves the organization's default at each
    batch (§2.9, §8.3). A redial that starts is preflighted as a start is, on that
    configuration."""
    redial = item.manifest.campaign.spec.redial
    assert redial is not None
    config = live.default_telephony()
    view = live_view(parent)
    starts = redial.state == "running"
    if starts:
        problems = redial_problems(item, config, view["schedule"], parent, live)
        if problems:
            return DiffPart(diagnostics=[item.manifest.diagnostic(p, m) for p, m in problems])
    retry = api_retry(redial.retry_config) if redial.retry_config else None
    after: View = {
        **view,
        "name": redial.name or f"{parent.name} (Redial)",
        "telephony": config.id if config else None,
        "state": redial.state,
    }
    inherited = ["workflow", "source", "max_concurrency", "schedule", "circuit_breaker"]
    if redial.retry_config is None:
        inherited.insert(3, "retry_config")
    else:
        after["retry_config"] = retry_view(redial.retry_config)
    defaults = ["telephony"] if config else []
    if item.manifest.campaign.spec.circuit_breaker is None and view["circuit_breaker"] == (
        breaker_view(None)
    ):
        # Never sent to the parent (it reads disabled): none is copied, and the redial
        # runs Dograh's default breaker, as its parent did (§2.9, §4.2).
        after["circuit_breaker"] = dict(DOGRAH_BREAKER)
        inherited.remove("circuit_breaker")
        defaults.append("circuit_breaker")
    notes = []
    if config is not None and parent.telephony_configuration_id not in (None, config.id):
        was = parent.telephony_configuration_name or f"id {parent.telephony_configuration_id}"
        notes.append(
            f"'{parent.name}' called through '{was}'; Dograh does not copy a campaign's "
            "telephony configuration to its redial, which calls through the organization's "
            f"default, '{config.name}' (id {config.id})"
        )
    change = CampaignChange(
        name=after["name"],
        id=None,
        manifest=item.manifest.place("spec.redial"),
        actions=("redial", "start") if starts else ("redial",),
        live_state=None,
        desired_state=redial.state,
        after=after,
        defaults=tuple(defaults),
        inherited=tuple(inherited),
        notes=tuple(notes),
        requests=Requests(
            redial=RedialRequest(
                name=redial.name,
                retry_on_voicemail="voicemail" in redial.on,
                retry_on_no_answer="no_answer" in redial.on,
                retry_on_busy="busy" in redial.on,
                retry_config=retry,
            )
        ),
        redial=RedialOf(
            parent_id=parent.id,
            parent_name=parent.name,
            on=tuple(redial.on),
            contacts_at_most=parent.total_rows or 0,
        ),
    )
    return DiffPart(changes=[change])


def _plan_child(
    item: Desired, parent: LiveCampaign, child: LiveCampaign, live: LiveState
) -> DiffPart:
    """The redial made: only its state is the manifest's (spec.redial.state), under the
    rules of any campaign's state; a paused one is resumed only when a reviewed change
    asks for it (review.py)."""
    redial = item.manifest.campaign.spec.redial
    assert redial is not None
    what = f"redial '{child.name}' (id {child.id})"
    if child.state in TERMINAL_STATES:
        return _ended_redial(item, parent, child, what)
    action, problem = _lifecycle(redial.state, child, what=what, field="spec.redial.state")
    if problem:
        where = item.manifest.place("spec.redial.state")
        conflict = Conflict(name=child.name, id=child.id, manifest=where, message=problem)
        return DiffPart(conflicts=[conflict])
    if action is None:
        return DiffPart()
    if action in ("start", "resume"):
        config = live.telephony_by_id(child.telephony_configuration_id) or live.default_telephony()
        schedule = live_view(child)["schedule"]
        problems = redial_problems(item, config, schedule, child, live)
        if problems:
            return DiffPart(diagnostics=[item.manifest.diagnostic(p, m) for p, m in problems])
    before = {**live_view(child), "state": child.state}
    change = CampaignChange(
        name=child.name,
        id=child.id,
        manifest=item.manifest.place("spec.redial"),
        actions=(action,),
        live_state=child.state,
        desired_state=redial.state,
        before=before,
        after={**before, "state": redial.state},
        notes=(
            f"the redial of '{parent.name}' (id {parent.id}): its manifest's "
            "spec.redial.state manages its state, and nothing else of it",
        ),
        redial=RedialOf(parent_id=parent.id, parent_name=parent.name, on=tuple(redial.on)),
    )
    if action != "resume":
        return DiffPart(changes=[change])
    resume = Resume(
        name=child.name,
        campaign_id=child.id,
        file=item.manifest.file,
        pinned_id=item.pinned_id,
        where=item.manifest.place("spec.redial.state"),
        reason=pause_reason(child),
        manifest_name=item.name,
        state_path="spec.redial.state",
    )
    return DiffPart(changes=[change], resumes=[resume])


def _ended_redial(item: Desired, parent: LiveCampaign, child: LiveCampaign, what: str) -> DiffPart:
    """A completed or failed redial takes no change; a failed one the manifest wants
    running is a warning that says why."""
    redial = item.manifest.campaign.spec.redial
    if child.state != "failed" or redial is None or redial.state != "running":
        return DiffPart()
    reason = f": {child.last_error}" if child.last_error else ""
    return _warning(
        item.manifest.diagnostic(
            "spec.redial.state",
            f"the {what} failed{reason}; Dograh can neither restart it nor redial "
            f"'{parent.name}' again",
            severity="warning",
        )
    )


def _warning(diagnostic: Diagnostic) -> DiffPart:
    return DiffPart(diagnostics=[diagnostic])


def _immutable_changes(
    item: Desired, campaign: LiveCampaign, before: View, after: View
) -> list[tuple[str, str]]:
    found = []
    if before["workflow"] != after["workflow"]:
        found.append(
            (
                "workflow",
                f"the workflow cannot change after creation: the live campaign uses "
                f"'{campaign.workflow_name}' (id {campaign.workflow_id}), the manifest says "
                f"'{item.workflow.name}' (id {item.workflow.id}); to use another workflow, "
                "give this manifest a new metadata.name (a new campaign)",
            )
        )
    if before["telephony"] != after["telephony"]:
        was = campaign.telephony_configuration_name or (
            f"id {campaign.telephony_configuration_id}"
            if campaign.telephony_configuration_id
            else "none"
        )
        now = item.telephony.name if item.telephony else "none"
        found.append(
            (
                "telephony",
                f"the telephony configuration cannot change after creation: the live "
                f"campaign uses '{was}', the manifest says '{now}'; remove spec.telephony "
                "to leave it as it is, or give this manifest a new metadata.name",
            )
        )
    return found


def _lifecycle(
    desired: str, campaign: LiveCampaign, *, what: str = "campaign", field: str = "state"
) -> tuple[Action | None, str | None]:
    """The lifecycle action to take for a campaign that is not completed or failed, or
    why none can be; ``field`` is where the manifest says the state."""
    live = campaign.state
    if desired == "draft":
        if live == "created":
            return None, None
        return (
            None,
            f"the {what} is {live}: a started campaign cannot return to draft; set "
            f"{field}: paused to stop it dialing, or running to let it go on",
        )
    if desired == "running":
        return {"created": "start", "paused": "resume"}.get(live), None  # type: ignore[return-value]
    return ("pause" if live in DIALING_STATES else None), None


def field_changes(before: View, after: View) -> list[FieldChange]:
    """The changed settings, in the manifest's terms: objects key by key; a schedule as
    the windows that change, grouped as a manifest writes them."""
    found: list[FieldChange] = []
    for key in MUTABLE:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key == "schedule" and old and new:
            found.extend(_schedule_changes(old, new))
        elif isinstance(old, dict) and isinstance(new, dict):
            found.extend(
                FieldChange(path=f"{key}.{sub}", before=old.get(sub), after=new.get(sub))
                for sub in dict.fromkeys([*new, *old])
                if old.get(sub) != new.get(sub)
            )
        else:
            found.append(FieldChange(path=key, before=old, after=new))
    return found


def _schedule_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    """Windows as sets: those removed and added, paired when the same days only change
    their hours (``mon-fri 09:00-17:00 -> mon-fri 09:00-18:30``), or when one slot was
    replaced by one other."""
    found = []
    if old["timezone"] != new["timezone"]:
        found.append(
            FieldChange(path="schedule.timezone", before=old["timezone"], after=new["timezone"])
        )
    before, after = windows_of(old), windows_of(new)
    removed = group_windows(before - after)
    added = group_windows(after - before)
    for slot in list(removed):
        twin = next((a for a in added if a["days"] == slot["days"]), None)
        if twin is not None:
            added.remove(twin)
            removed.remove(slot)
            found.append(FieldChange(path="schedule.slots", before=slot, after=twin))
    if len(removed) == 1 and len(added) == 1:
        found.append(FieldChange(path="schedule.slots", before=removed.pop(), after=added.pop()))
    found.extend(FieldChange(path="schedule.slots", before=slot) for slot in removed)
    found.extend(FieldChange(path="schedule.slots", after=slot) for slot in added)
    return found


def _update_request(item: Desired, campaign: LiveCampaign, changed: set[str]) -> UpdateRequest:
    """Only the changed top-level fields, each object whole (PATCH replaces them whole)."""
    spec = item.manifest.campaign.spec
    fields: dict[str, Any] = {}
    if "name" in changed:
        fields["name"] = item.name
    if "max_concurrency" in changed:
        fields["max_concurrency"] = spec.max_concurrency
    if "retry_config" in changed and spec.retry_config is not None:
        fields["retry_config"] = api_retry(spec.retry_config)
    if "schedule" in changed:
        if spec.schedule is not None:
            fields["schedule_config"] = api_schedule(spec.schedule)
        elif campaign.schedule_config is not None:
            fields["schedule_config"] = api_schedule_disabled(campaign.schedule_config)
    if "circuit_breaker" in changed and spec.circuit_breaker is not None:
        fields["circuit_breaker"] = api_breaker(spec.circuit_breaker)
    return UpdateRequest(**fields)
