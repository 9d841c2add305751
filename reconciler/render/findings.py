"""A plan's problems of every kind in one list, sorted by file and line: diagnostics
(YAML, schema, CSV, resolution, preflight), conflicts and held campaigns alike, so a
reviewer reads them in the order of the files, not of the stages that found them."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.diagnostics import Severity
from reconciler.manifest.located import Place
from reconciler.plan import Plan


@dataclass(frozen=True)
class Finding:
    where: str
    """``file:line:column``."""
    severity: Severity
    text: str
    """The path (or the campaign) and the message."""
    sort_key: tuple[str, int, int]


def findings(plan: Plan) -> list[Finding]:
    found = [
        Finding(
            f"{d.file}:{d.line}:{d.column}",
            d.severity,
            f"{d.path}: {d.message}" if d.path else d.message,
            (d.file, d.line, d.column),
        )
        for d in plan.diagnostics
    ]
    for conflict in plan.conflicts:
        ident = f" (id {conflict.id})" if conflict.id else ""
        found.append(
            Finding(
                str(conflict.manifest),
                "error",
                f"{conflict.name}{ident}: {conflict.message}",
                _place(conflict.manifest),
            )
        )
    for held in plan.held:
        found.append(
            Finding(
                str(held.manifest),
                "warning",
                f"{held.name} (id {held.id}): {held.reason}",
                _place(held.manifest),
            )
        )
    return sorted(found, key=lambda finding: finding.sort_key)


def _place(where: Place) -> tuple[str, int, int]:
    return (where.file, where.line, where.column)
