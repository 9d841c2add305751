"""A workflow's template variables against a campaign's CSV, checked as Dograh's create
checks them (docs/dograh-api.md §7), so that plan says what create would refuse.

Pure: the workflow's published definition comes in (the pipeline reads it, one request
per workflow), the CSV's facts come from the share that loaded it, findings go out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from reconciler.diagnostics import Diagnostic
from reconciler.manifest.contacts import ContactsFile, EmptyCells

TOKEN = re.compile(r"\{\{\s*([^|\s}]+)(?:\s*\|\s*([^:}]+)(?::([^}]+))?)?\s*\}\}")
"""Dograh's ``TEMPLATE_VAR_PATTERN``: group 1 the name, group 2 a filter."""
SYSTEM_VARIABLES = frozenset({"campaign_id", "provider", "source_uuid"})
"""Injected at call time, never read from the CSV (Dograh's ``_SYSTEM_VARIABLES``)."""
PROMPT_NODES = frozenset({"startCall", "agentNode", "endCall", "globalNode"})
LISTED_ROWS = 5


def variables_in(text: str) -> set[str]:
    """The names a text requires: not dotted paths, not those with a filter (a fallback),
    not Dograh's system variables."""
    return {
        name
        for name, filtered, _ in TOKEN.findall(text)
        if "." not in name and not filtered and name not in SYSTEM_VARIABLES
    }


def required_variables(definition: Any) -> set[str]:
    """What Dograh's ``get_required_template_variables`` reads: the prompts of start,
    agent, end and global nodes, the start node's greeting, every edge's
    ``transition_speech``. A definition of another shape requires nothing (Dograh skips
    the check when it cannot build the graph)."""
    if not isinstance(definition, Mapping):
        return set()
    found: set[str] = set()
    for node in _items(definition.get("nodes")):
        data = node.get("data")
        if not isinstance(data, Mapping) or node.get("type") not in PROMPT_NODES:
            continue
        fields = ("prompt", "greeting") if node.get("type") == "startCall" else ("prompt",)
        for key in fields:
            if isinstance(data.get(key), str):
                found |= variables_in(data[key])
    for edge in _items(definition.get("edges")):
        data = edge.get("data")
        if isinstance(data, Mapping) and isinstance(data.get("transition_speech"), str):
            found |= variables_in(data["transition_speech"])
    return found


def _items(value: Any) -> Iterable[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


@dataclass(frozen=True)
class CsvFacts:
    """What the template check needs of a campaign's CSV: computed where the CSV was
    loaded, sent where the workflow's definition is known."""

    columns: frozenset[str]
    empty: Mapping[str, EmptyCells]
    """Per column, the rows without a value."""


@dataclass(frozen=True)
class TemplateCheck:
    """One campaign to create, whose workflow's variables are to be checked: what the
    share that planned it knows, for the process that reads the workflow."""

    campaign: str
    workflow_id: int
    workflow: Diagnostic
    """A diagnostic at the manifest's ``spec.workflow``: the place and path to report at."""
    source: Diagnostic
    """The same at ``spec.source.csv``."""
    csv: str
    """The CSV as the user sees it."""
    facts: CsvFacts


def check_template(
    check: TemplateCheck, published: Any, draft: Any | None, workflow_name: str
) -> list[Diagnostic]:
    """Dograh's refusals of this campaign's create, at the manifest's lines and the CSV's
    rows; and a warning when a draft of the workflow differs from what Dograh checks."""
    findings = []
    required = required_variables(published)
    missing = sorted(required - check.facts.columns)
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        findings.append(
            replace(
                check.source,
                message=f"the workflow '{workflow_name}' uses template variables that "
                f"{check.csv} has no column for: {names}; Dograh would refuse the campaign. "
                "Add the columns (headers are read lowercased), or change the workflow",
            )
        )
    for name in sorted(required - set(missing)):
        cells = check.facts.empty.get(name)
        if cells is None:
            continue
        findings.append(
            Diagnostic(
                check.csv,
                cells.line,
                1,
                "",
                f"template variable '{name}' of the workflow '{workflow_name}' is empty in "
                f"{describe_rows(cells)}; Dograh would refuse the campaign "
                f"'{check.campaign}': every row needs a value",
            )
        )
    if draft is not None and draft != published:
        drafted = required_variables(draft)
        difference = ""
        if drafted != required:
            added = ", ".join(sorted(drafted - required)) or "none"
            removed = ", ".join(sorted(required - drafted)) or "none"
            difference = f" (its variables: {added} added, {removed} removed)"
        findings.append(
            replace(
                check.workflow,
                message=f"the workflow '{workflow_name}' has a draft that differs from its "
                f"published version{difference}; Dograh checks and runs the published "
                "version, so this plan does too",
                severity="warning",
            )
        )
    return findings


def describe_rows(cells: EmptyCells) -> str:
    shown = ", ".join(str(row) for row in cells.rows[:LISTED_ROWS])
    more = cells.count - min(cells.count, LISTED_ROWS)
    word = "row" if cells.count == 1 else "rows"
    return f"{word} {shown}" + (f" and {more} more" if more > 0 else "")


def facts_of(contacts: ContactsFile) -> CsvFacts:
    """The CSV's columns and, per column, its rows without a value: found when the CSV
    was read (contacts.py ``empty_cells``), or restored with it from the content cache."""
    return CsvFacts(frozenset(contacts.columns), contacts.empty)
