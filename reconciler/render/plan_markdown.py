"""The plan as Markdown for a pull-request comment: the summary first, the details
folded, and never over GitHub's 65,536-character comment limit: when it would be, the
details are cut and the summary stays. Names and files are inline code, messages are
prose, both escaped (escape.py): no value can end a table cell, a code span or a line."""

from __future__ import annotations

from reconciler.plan import CampaignChange, Plan
from reconciler.render import escape
from reconciler.render.escape import markdown, markdown_code
from reconciler.render.findings import findings
from reconciler.render.plan_text import (
    headline,
    held_headline,
    no_changes,
    organization_line,
    rows_of,
    summary_line,
)
from reconciler.render.values import out_of_scope_line, plural, show

LIMIT = 65_536
MARKER = "<!-- dograh-campaigns-plan -->"
"""Lets a CI step find its own comment to edit it in place."""


def render_plan_markdown(plan: Plan, *, show_unmanaged: bool = False, limit: int = LIMIT) -> str:
    head = [MARKER, "### Dograh campaigns plan", ""]
    if plan.blocked:
        count = len(plan.conflicts) + len(plan.errors)
        head.append(f"**:x: Plan blocked: {plural(count, 'problem')}; apply will change nothing.**")
    elif plan.changes:
        head.append(f"**{summary_line(plan)}**")
    else:
        head.append(f"**{no_changes(plan)}**")
    head.append("")
    organization = organization_line(plan)
    if organization is not None:
        head.extend([markdown(organization), ""])
    if plan.held and not plan.blocked:
        head.append(held_headline(plan))
        head.append("")
        head.extend(
            f"- {markdown_code(h.name)} (id {h.id}): {markdown(h.reason)}" for h in plan.held
        )
        head.append("")
    calling = plan.places_calls
    if calling:
        names = ", ".join(
            f"{markdown_code(change.name)} ({', '.join(change.actions)})" for change in calling[:20]
        )
        more = f" and {len(calling) - 20} more" if len(calling) > 20 else ""
        who = plural(len(calling), "campaign")
        head.append(f"> [!WARNING]\n> **{who} will place calls:** {names}{more}")
        head.append("")
    found = findings(plan)
    problems = [
        f"- {markdown_code(f.where)} {markdown(f.text)}" for f in found if f.severity == "error"
    ]
    warnings = [
        f"- {markdown_code(f.where)} {markdown(f.text)}" for f in found if f.severity == "warning"
    ]
    tail = []
    if plan.out_of_scope:
        tail.append(out_of_scope_line(len(plan.out_of_scope)))
    if plan.unmanaged:
        tail.append(
            f"{plural(len(plan.unmanaged), 'live campaign')} not managed by any manifest "
            "will not be touched."
        )
    sections: list[tuple[str, list[str]]] = []
    if problems:
        sections.append(("Problems", problems))
    if warnings:
        sections.append(("Warnings", warnings))
    if plan.changes:
        table = ["| Campaign | Actions | Places calls | Manifest |", "|---|---|---|---|"]
        table += [
            f"| {markdown_code(c.name, table=True)}{_ident(c.id)} | {', '.join(c.actions)} | "
            f"{'**yes**' if c.places_calls else 'no'} | {markdown_code(c.manifest, table=True)} |"
            for c in plan.changes
        ]
        sections.append(("Changes", table))
    details = ["```diff"]
    for change in plan.changes:
        details.extend(_diff_block(change, plan.labels))
    details.append("```")
    if show_unmanaged and plan.unmanaged:
        sections.append(
            (
                "Unmanaged",
                [
                    f"- {markdown_code(u.name)} (id {u.id}, {markdown(u.state)})"
                    for u in plan.unmanaged
                ],
            )
        )

    out = "\n".join(head)
    footer = "\n".join(["", *tail]) if tail else ""
    cut_note = "\n\n_Cut to fit GitHub's comment limit: run `campaigns plan` for the whole plan._"
    budget = limit - len(out) - len(footer) - len(cut_note) - 64
    body, cut = _fit(sections, details if plan.changes else [], budget)
    out += body + footer + (cut_note if cut else "")
    return out[:limit]


def _ident(campaign_id: int | None) -> str:
    return f" (id {campaign_id})" if campaign_id else ""


def _fit(
    sections: list[tuple[str, list[str]]], details: list[str], budget: int
) -> tuple[str, bool]:
    """Sections in order, each folded; lines are dropped from the end to fit the budget."""
    parts: list[str] = []
    cut = False
    for title, lines in [*sections, ("Details", details)]:
        if not lines:
            continue
        opening = (
            f"\n<details{' open' if title == 'Problems' else ''}><summary>{title}</summary>\n\n"
        )
        closing = "\n\n</details>\n"
        room = budget - sum(len(p) for p in parts) - len(opening) - len(closing)
        if room <= 0:
            cut = True
            break
        kept: list[str] = []
        used = 0
        for line in lines:
            if used + len(line) + 1 > room:
                cut = True
                break
            kept.append(line)
            used += len(line) + 1
        if kept and kept[0] == "```diff" and kept[-1] != "```":
            kept.append("```")
        if kept:
            parts.append(opening + "\n".join(kept) + closing)
    return "".join(parts), cut


def _diff_block(change: CampaignChange, labels: dict[str, dict[int, str]]) -> list[str]:
    """One campaign in a ``diff`` block: every setting of a create, every changed setting
    of an update (the rows of the text plan), and where its manifest is."""
    lines = [f"# {headline(change)}", f"#   {escape.text(change.manifest)}"]
    if change.id is None:
        lines.append(f"+ campaign {show(change.name)}")
    else:
        lines.append(f"~ campaign {show(change.name)} (id {change.id})")
    rows = rows_of(change, labels)
    width = max((len(path) for _, path, _ in rows), default=0)
    for mark, path, text in rows:
        if mark == "~":
            before, _, after = text.partition(" -> ")
            lines.append(f"-   {path.ljust(width)} = {before}")
            lines.append(f"+   {path.ljust(width)} = {after}")
        else:
            lines.append(f"{mark}   {path.ljust(width)} = {text}")
    lines.extend(f"#   note: {escape.text(note)}" for note in change.notes)
    if change.reason:
        lines.append(f"#   why: {escape.text(change.reason)}")
    lines.append("")
    return lines
