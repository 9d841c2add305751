"""The pipeline of DESIGN.md, end to end up to the Plan: load, fetch, resolve, diff.

Plan and apply both go through ``make_plan``; apply then executes what it returns.
Manifests are loaded (and refused, with every error) before anything is asked of
Dograh: a broken manifest costs no request.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from reconciler.client import DograhClient
from reconciler.diagnostics import sorted_diagnostics
from reconciler.diff import plan_changes
from reconciler.errors import UserError
from reconciler.live import fetch_live
from reconciler.manifest.load import load_manifests, manifests_hash
from reconciler.plan import Plan
from reconciler.resolve import resolve


def make_plan(paths: Sequence[str], targets: Sequence[str], client: DograhClient) -> Plan:
    loaded = load_manifests(paths)
    if not loaded.ok:
        return Plan(
            changes=[],
            unchanged=[],
            conflicts=[],
            diagnostics=loaded.diagnostics,
            unmanaged=[],
            fingerprints={},
            manifests_hash="",
        )
    names = [manifest.name for manifest in loaded.manifests]
    unknown = [target for target in targets if target not in names]
    if unknown:
        hints = []
        for target in unknown:
            close = difflib.get_close_matches(target, names, n=1)
            hints.append(f"'{target}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        raise UserError(f"--target names no campaign of the manifests: {', '.join(hints)}")
    live = fetch_live(client)
    desired, findings = resolve(loaded.manifests, live)
    plan = plan_changes(desired, live, targets=targets)
    plan.diagnostics = sorted_diagnostics([*loaded.diagnostics, *findings])
    plan.manifests_hash = manifests_hash(loaded.manifests)
    return plan
