"""Desired campaigns + live state -> Plan. Pure: no I/O, and the same input always gives
the same plan, in the same order (the manifests' order).

Identity: a manifest matches the live campaign of its pinned ``metadata.id``, else the
live campaign of its name. Dograh allows duplicate names, so two live campaigns of one
manifest's name is a conflict, never a guess. Live campaigns that no manifest matches
are unmanaged: counted, listed on request, never touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from reconciler.live import TERMINAL_STATES, LiveCampaign, LiveState, TelephonyConfig
from reconciler.manifest.messages import format_path
from reconciler.normalize import (
    BREAKER_RESPONSE_DEFAULT,
    View,
    api_schedule,
    api_schedule_disabled,
    fingerprint,
    live_view,
    upload_file_name,
)
from reconciler.plan import Action, CampaignChange, Conflict, FieldChange, Plan, Unmanaged, Upload
from reconciler.resolve import Desired

MUTABLE = ("name", "max_concurrency", "retry_config", "schedule", "circuit_breaker")
IMMUTABLE = {
    "workflow": "spec.workflow",
    "source": "spec.source.csv",
    "telephony": "spec.telephony",
}


def plan_changes(
    desired: Sequence[Desired],
    live: LiveState,
    *,
    targets: Iterable[str] = (),
    claimed: set[int] | None = None,
    fingerprinted: Sequence[LiveCampaign] | None = None,
) -> Plan:
    """The plan of ``desired`` against ``live``.

    When the manifests are planned in shares (see shards.py), each share is given the
    ids pinned by every manifest (``claimed``) and the slice of live campaigns whose
    fingerprints it computes (``fingerprinted``); its ``unmanaged`` list is then
    meaningless, and the caller derives it from the union of ``matched``.
    """
    wanted = set(targets)
    by_id = {campaign.id: campaign for campaign in live.campaigns}
    by_name: dict[str, list[LiveCampaign]] = {}
    for campaign in live.campaigns:
        by_name.setdefault(campaign.name, []).append(campaign)
    if claimed is None:
        claimed = {d.pinned_id for d in desired if d.pinned_id is not None}
    views: dict[int, View] = {}

    def view_of(campaign: LiveCampaign) -> View:
        found = views.get(campaign.id)
        if found is None:
            found = views[campaign.id] = live_view(campaign)
        return found

    to_fingerprint = live.campaigns if fingerprinted is None else fingerprinted
    plan = Plan(
        changes=[],
        unchanged=[],
        conflicts=[],
        diagnostics=[],
        unmanaged=[],
        fingerprints={f"id:{c.id}": fingerprint(c) for c in to_fingerprint},
        manifests_hash="",  # the caller's: it knows every manifest, resolved or not
        live=len(live.campaigns),
        targets=tuple(sorted(wanted)),
        labels={
            "workflow": {w.id: w.name for w in live.workflows},
            "telephony": {t.id: t.name for t in live.telephony},
        },
    )
    matched: set[int] = set()
    for item in desired:
        match, conflict = _match(item, by_id, by_name, claimed)
        if match is not None:
            matched.add(match.id)
        elif conflict is not None:
            matched.update(c.id for c in by_name.get(item.name, []) if c.id not in claimed)
        if wanted and item.name not in wanted:
            continue
        plan.managed += 1
        if conflict is not None:
            plan.conflicts.append(conflict)
            continue
        if match is None:
            _plan_create(plan, item, live)
        else:
            _plan_existing(plan, item, match, view_of(match), live)
    plan.matched = matched
    plan.fingerprints = dict(sorted(plan.fingerprints.items()))  # whoever computed them
    plan.unmanaged = [
        Unmanaged(c.id, c.name, c.state) for c in live.campaigns if c.id not in matched
    ]
    return plan


def _match(
    item: Desired,
    by_id: dict[int, LiveCampaign],
    by_name: dict[str, list[LiveCampaign]],
    claimed: set[int],
) -> tuple[LiveCampaign | None, Conflict | None]:
    where = item.manifest.where("metadata.name")
    if item.pinned_id is not None:
        found = by_id.get(item.pinned_id)
        if found is None:
            return None, Conflict(
                item.name,
                item.pinned_id,
                item.manifest.where("metadata.id"),
                f"metadata.id {item.pinned_id} matches no live campaign in this organization; "
                "remove the id to create the campaign, or correct it",
            )
        return found, None
    candidates = [c for c in by_name.get(item.name, []) if c.id not in claimed]
    if len(candidates) > 1:
        ids = ", ".join(str(c.id) for c in sorted(candidates, key=lambda c: c.id))
        return None, Conflict(
            item.name,
            None,
            where,
            f"{len(candidates)} live campaigns are named '{item.name}' (ids {ids}); pin the "
            "one this manifest manages with metadata.id",
        )
    return (candidates[0] if candidates else None), None


def _plan_create(plan: Plan, item: Desired, live: LiveState) -> None:
    spec = item.manifest.campaign.spec
    where = item.manifest.where("metadata.name")
    problems = _telephony_problems(item, live) + _concurrency_problems(
        spec.max_concurrency, _numbers_for_create(item, live), live.concurrency_limit
    )
    if problems:
        plan.conflicts.extend(Conflict(item.name, None, where, p) for p in problems)
        return
    contacts = item.manifest.contacts
    body: dict[str, Any] = {
        "name": item.name,
        "workflow_id": item.workflow.id,
        "source_type": "csv",
        "retry_config": spec.retry_config.model_dump(),
        "circuit_breaker": spec.circuit_breaker.model_dump(),
    }
    if item.telephony is not None:
        body["telephony_configuration_id"] = item.telephony.id
    if spec.max_concurrency is not None:
        body["max_concurrency"] = spec.max_concurrency
    if spec.schedule is not None:
        body["schedule_config"] = api_schedule(spec.schedule)
    actions: tuple[Action, ...] = ("create", "start") if item.state == "running" else ("create",)
    plan.fingerprints[f"name:{item.name}"] = "absent"
    plan.changes.append(
        CampaignChange(
            name=item.name,
            campaign_id=None,
            manifest=where,
            actions=actions,
            changes=(),
            before=None,
            after={**item.view, "state": item.state},
            live_state=None,
            desired_state=item.state,
            create_body=body,
            upload=Upload(
                path=contacts.display,
                sha256=contacts.sha256,
                size=contacts.size,
                rows=contacts.rows,
                file_name=upload_file_name(contacts.display, contacts.sha256),
            ),
        )
    )


def _plan_existing(
    plan: Plan, item: Desired, campaign: LiveCampaign, before: View, live: LiveState
) -> None:
    where = item.manifest.where("metadata.name")
    after = dict(item.view)
    if item.pinned_id is None:
        after["name"] = campaign.name  # matched by name: equal by definition
    if item.telephony is None:
        after["telephony"] = before["telephony"]  # not managed
    if after["max_concurrency"] is None:
        after["max_concurrency"] = before["max_concurrency"]  # not managed

    conflicts = [
        Conflict(item.name, campaign.id, item.manifest.where(IMMUTABLE[key]), message)
        for key, message in _immutable_changes(item, campaign, before, after)
    ]
    changes = field_changes(before, after, MUTABLE)
    if changes and campaign.state in TERMINAL_STATES:
        conflicts.append(
            Conflict(
                item.name,
                campaign.id,
                where,
                f"the campaign is {campaign.state} and Dograh accepts no change to it "
                f"({', '.join(c.path for c in changes)}); to run these contacts again with "
                "new settings, give this manifest a new metadata.name (a new campaign)",
            )
        )
    action, lifecycle_problem, lifecycle_note = _lifecycle(item.state, campaign)
    if lifecycle_problem:
        conflicts.append(
            Conflict(item.name, campaign.id, item.manifest.where("spec.state"), lifecycle_problem)
        )
    if "max_concurrency" in {c.path for c in changes}:
        numbers = _numbers_of(campaign.telephony_id, live)
        conflicts.extend(
            Conflict(item.name, campaign.id, item.manifest.where("spec.max_concurrency"), p)
            for p in _concurrency_problems(
                after["max_concurrency"], numbers, live.concurrency_limit
            )
        )
    if conflicts:
        plan.conflicts.extend(conflicts)
        return
    notes = [lifecycle_note] if lifecycle_note else []
    if action in ("start", "resume") and item.telephony is not None:
        reason = item.telephony.unusable_reason()
        if reason:
            notes.append(f"warning: {reason}; Dograh may fail the campaign once it dials")
    if any(c.path.startswith("circuit_breaker") for c in changes) and campaign.circuit_breaker in (
        None,
        BREAKER_RESPONSE_DEFAULT,
    ):
        notes.append(
            "Dograh reports a breaker it was never sent as disabled (it runs enabled); "
            "sending it makes its state explicit"
        )
    actions: list[Action] = []
    patch: dict[str, Any] | None = None
    if changes:
        actions.append("update")
        patch = _patch_body(item, campaign, {c.path.split(".")[0].split("[")[0] for c in changes})
    if action:
        actions.append(action)
    if not actions:
        plan.unchanged.append(item.name)
        return
    plan.changes.append(
        CampaignChange(
            name=item.name,
            campaign_id=campaign.id,
            manifest=where,
            actions=tuple(actions),
            changes=tuple(changes),
            before={**before, "state": campaign.state},
            after={**after, "state": item.state},
            live_state=campaign.state,
            desired_state=item.state,
            rename_from=campaign.name if after["name"] != campaign.name else None,
            patch_body=patch,
            notes=tuple(notes),
        )
    )


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
    if before["source"] is not None and before["source"] != after["source"]:
        found.append(
            (
                "source",
                f"the contacts cannot change after creation: the live campaign was created "
                f"from a file with sha256 {before['source']}..., "
                f"{item.manifest.contacts.display} has {after['source']}...; to call other "
                "contacts, give this manifest a new metadata.name (a new campaign)",
            )
        )
    if before["telephony"] != after["telephony"]:
        was = campaign.telephony_name or (
            f"id {campaign.telephony_id}" if campaign.telephony_id else "none"
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
    desired: str, campaign: LiveCampaign
) -> tuple[Action | None, str | None, str | None]:
    """The lifecycle action to take, or why none can be, or a note on why none is needed."""
    live = campaign.state
    if desired == "draft":
        if live == "created":
            return None, None, None
        return (
            None,
            f"the campaign is {live}: a started campaign cannot return to draft; set "
            "state: paused to stop it dialing, or running to let it go on",
            None,
        )
    if desired == "running":
        if live == "created":
            return "start", None, None
        if live == "paused":
            return "resume", None, None
        if live == "failed":
            reason = f" ({campaign.last_error})" if campaign.last_error else ""
            return (
                None,
                f"the campaign failed{reason} and Dograh cannot restart it; to call these "
                "contacts again, give this manifest a new metadata.name (a new campaign)",
                None,
            )
        if live == "completed":
            return None, None, "completed: every contact has been called"
        return None, None, None
    # desired == "paused"
    if live in ("running", "syncing"):
        return "pause", None, None
    if live == "created":
        return None, None, "never started, so not dialing"
    if live in TERMINAL_STATES:
        return None, None, f"{live}: no longer dialing"
    return None, None, None


def field_changes(before: View, after: View, keys: Sequence[str]) -> list[FieldChange]:
    """The changed leaves. Flat objects are compared key by key; nested ones (a schedule's
    slots) through deepdiff, which names the changed list items."""
    found: list[FieldChange] = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            if _flat(old) and _flat(new):
                found.extend(
                    FieldChange(f"{key}.{sub}", old.get(sub), new.get(sub))
                    for sub in dict.fromkeys([*new, *old])
                    if old.get(sub) != new.get(sub)
                )
            else:
                found.extend(_deep_changes(key, old, new))
        else:
            found.append(FieldChange(key, old, new))
    return found


def _flat(value: dict[str, Any]) -> bool:
    return not any(isinstance(v, (dict, list)) for v in value.values())


def _deep_changes(key: str, old: Any, new: Any) -> list[FieldChange]:
    from deepdiff import DeepDiff  # imported when a nested object changed: it is slow to load

    found = []
    tree = DeepDiff(old, new, verbose_level=2).tree
    for report in sorted(tree):
        for level in tree[report]:
            path = format_path((key, *level.path(output_format="list")))
            before = None if report.endswith("_added") else level.t1
            after = None if report.endswith("_removed") else level.t2
            found.append(FieldChange(path, before, after))
    return sorted(found, key=lambda change: change.path)


def _patch_body(item: Desired, campaign: LiveCampaign, changed: set[str]) -> dict[str, Any]:
    """Only the changed top-level fields, each object whole (PATCH replaces them whole)."""
    spec = item.manifest.campaign.spec
    body: dict[str, Any] = {}
    if "name" in changed:
        body["name"] = item.name
    if "max_concurrency" in changed:
        body["max_concurrency"] = spec.max_concurrency
    if "retry_config" in changed:
        body["retry_config"] = spec.retry_config.model_dump()
    if "schedule" in changed:
        if spec.schedule is not None:
            body["schedule_config"] = api_schedule(spec.schedule)
        elif campaign.schedule_config:
            body["schedule_config"] = api_schedule_disabled(campaign.schedule_config)
    if "circuit_breaker" in changed:
        body["circuit_breaker"] = spec.circuit_breaker.model_dump()
    return body


def _telephony_problems(item: Desired, live: LiveState) -> list[str]:
    if item.telephony is not None:
        reason = item.telephony.unusable_reason()
        return [f"{reason}; Dograh would refuse to create the campaign"] if reason else []
    if not any(not config.inactive for config in live.telephony):
        return [
            "the organization has no active telephony configuration, so Dograh would refuse "
            "to create the campaign (telephony_configuration_not_found); add one in Dograh"
        ]
    return []


def _default_config(live: LiveState) -> TelephonyConfig | None:
    """The configuration Dograh picks when none is given (contract §6)."""
    usable = [c for c in live.telephony if not c.inactive]
    usable.sort(key=lambda c: (not c.is_default_outbound,))
    ready = [c for c in usable if c.ready]
    candidates = ready or usable
    return candidates[0] if candidates else None


def _numbers_for_create(item: Desired, live: LiveState) -> int:
    config = item.telephony or _default_config(live)
    return config.phone_numbers if config else 0


def _numbers_of(telephony_id: int | None, live: LiveState) -> int:
    for config in live.telephony:
        if config.id == telephony_id:
            return config.phone_numbers
    return 0


def _concurrency_problems(value: int | None, numbers: int, limit: int | None) -> list[str]:
    """Dograh's own check of max_concurrency (contract §4), with its wording."""
    if value is None or limit is None:
        return []
    effective = min(limit, numbers) if numbers > 0 else limit
    if value <= effective:
        return []
    if 0 < numbers < limit:
        return [
            f"max_concurrency ({value}) cannot exceed {effective}: the telephony "
            f"configuration has {numbers} phone number(s); add numbers in Dograh or lower "
            "spec.max_concurrency"
        ]
    return [f"max_concurrency ({value}) cannot exceed the organization's limit ({effective})"]
