"""Manifests + live state -> desired campaigns: names become ids, CSVs become hashes.

Every problem is a diagnostic at the manifest line that names the thing, so that a
workflow renamed in Dograh is reported like a typo in YAML: file, line, what exists.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from reconciler.diagnostics import Diagnostic
from reconciler.live import LiveState, TelephonyConfig, Workflow
from reconciler.manifest.load import Manifest
from reconciler.manifest.model import IdRef
from reconciler.normalize import (
    View,
    breaker_view,
    desired_schedule_view,
    retry_view,
)


@dataclass(frozen=True)
class Desired:
    """One manifest, resolved against the organization."""

    manifest: Manifest
    workflow: Workflow
    telephony: TelephonyConfig | None
    """None when the manifest leaves telephony to Dograh's default."""
    view: View
    telephony_unresolved: bool = False
    """``spec.telephony`` names no configuration (resolve said so): the campaign is still
    checked for every other problem (contacts, workflow, concurrency), so that all of
    them are said at once, and no change is planned for it."""

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def state(self) -> str:
        return self.manifest.campaign.spec.state

    @property
    def pinned_id(self) -> int | None:
        return self.manifest.pinned_id


def resolve(
    manifests: Sequence[Manifest], live: LiveState
) -> tuple[list[Desired], list[Diagnostic]]:
    workflows = _Index(live.workflows)
    telephony = _Index(live.telephony)
    desired: list[Desired] = []
    findings: list[Diagnostic] = []
    for manifest in manifests:
        spec = manifest.campaign.spec
        workflow, problems = _resolve_workflow(manifest, spec.workflow, workflows)
        findings.extend(problems)
        config: TelephonyConfig | None = None
        unresolved = False
        if spec.telephony is not None:
            config, problems = _resolve_telephony(manifest, spec.telephony, telephony)
            findings.extend(problems)
            unresolved = config is None
        if workflow is None:
            continue
        view: View = {
            "name": manifest.name,
            "workflow": workflow.id,
            "source": manifest.contacts.content,
            "telephony": config.id if config else None,
            "max_concurrency": spec.max_concurrency,
            "retry_config": retry_view(spec.retry_config) if spec.retry_config else None,
            "schedule": desired_schedule_view(spec.schedule),
            "circuit_breaker": breaker_view(spec.circuit_breaker) if spec.circuit_breaker else None,
        }
        desired.append(Desired(manifest, workflow, config, view, unresolved))
    return desired, findings


_T = TypeVar("_T", Workflow, TelephonyConfig)


class _Index(Generic[_T]):
    """Objects by id and by name; names may repeat (Dograh does not forbid it)."""

    def __init__(self, items: Sequence[_T]) -> None:
        self.by_id: dict[int, _T] = {item.id: item for item in items}
        self.by_name: dict[str, list[_T]] = {}
        for item in items:
            self.by_name.setdefault(item.name, []).append(item)

    def close_names(self, name: str) -> str:
        close = difflib.get_close_matches(name, list(self.by_name), n=3, cutoff=0.6)
        if close:
            return "; did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
        names = sorted(self.by_name)
        if not names:
            return "; the organization has none"
        shown = ", ".join(f"'{n}'" for n in names[:10])
        return f"; the organization has {shown}" + (" and more" if len(names) > 10 else "")


def _resolve_workflow(
    manifest: Manifest, ref: str | IdRef, index: _Index[Workflow]
) -> tuple[Workflow | None, list[Diagnostic]]:
    path = "spec.workflow"
    if isinstance(ref, IdRef):
        found = index.by_id.get(ref.id)
        if found is None:
            return None, [
                manifest.diagnostic(path, f"no workflow has id {ref.id} in this organization")
            ]
        candidates = [found]
    else:
        candidates = list(index.by_name.get(ref, []))
        if not candidates:
            message = f"no workflow named '{ref}' in this organization{index.close_names(ref)}"
            return None, [manifest.diagnostic(path, message)]
        active = [w for w in candidates if w.status == "active"]
        if len(candidates) > 1 and len(active) == 1:
            candidates = active
        if len(candidates) > 1:
            ids = ", ".join(str(w.id) for w in candidates)
            return None, [
                manifest.diagnostic(
                    path,
                    f"{len(candidates)} workflows are named '{ref}' (ids {ids}); "
                    "give the one you mean as {id: N}",
                )
            ]
    workflow = candidates[0]
    if workflow.status == "archived":
        return workflow, [
            manifest.diagnostic(
                path,
                f"the workflow '{workflow.name}' (id {workflow.id}) is archived; Dograh still "
                "runs campaigns on it",
                severity="warning",
            )
        ]
    return workflow, []


def _resolve_telephony(
    manifest: Manifest, ref: str | IdRef, index: _Index[TelephonyConfig]
) -> tuple[TelephonyConfig | None, list[Diagnostic]]:
    path = "spec.telephony"
    if isinstance(ref, IdRef):
        found = index.by_id.get(ref.id)
        if found is None:
            message = f"no telephony configuration has id {ref.id} in this organization"
            return None, [manifest.diagnostic(path, message)]
    else:
        matches = index.by_name.get(ref, [])
        if not matches:
            message = (
                f"no telephony configuration named '{ref}' in this organization"
                f"{index.close_names(ref)}"
            )
            return None, [manifest.diagnostic(path, message)]
        found = matches[0]
    return found, []
