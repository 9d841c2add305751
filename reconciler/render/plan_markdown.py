"""The plan as Markdown for a pull-request comment: the summary first, the details
folded, and never over GitHub's 65,536-character comment limit: when it would be, the
details are cut and the summary stays. Names and files are inline code, messages are
prose, both escaped (escape.py): no value can end a table cell, a code span or a line."""

from __future__ import annotations

from reconciler.manifest.located import shown
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
    out = "\n".join(_head(plan))
    tail = _tail(plan)
    footer = "\n".join(["", *tail]) if tail else ""
    cut_note = "\n\n_Cut to fit GitHub's comment limit: run `campaigns plan` for the whole plan._"
    budget = limit - len(out) - len(footer) - len(cut_note) - 64
    body, cut = _fit(_sections(plan, show_unmanaged), _details(plan), budget)
    out += body + footer + (cut_note if cut else "")
    return out[:limit]


def _head(plan: Plan) -> list[str]:
    """What is never cut: the verdict, the organization, held campaigns, who is called."""
    head = [MARKER, "### Dograh campaigns plan", "", f"**{_verdict(plan)}**", ""]
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
    return head


def _verdict(plan: Plan) -> str:
    if plan.blocked:
        count = len(plan.conflicts) + len(plan.errors)
        return f":x: Plan blocked: {plural(count, 'problem')}; apply will change nothing."
    return summary_line(plan) if plan.changes else no_changes(plan)


def _sections(plan: Plan, show_unmanaged: bool) -> list[tuple[str, list[str]]]:
    """The folded sections, in order: problems, warnings, the changes' table, and the
    unmanaged campaigns when asked for."""
    found = findings(plan)
    sections = [
        (
            title,
            [f"- {markdown_code(f.where)} {markdown(f.text)}" for f in found if f.severity == kind],
        )
        for title, kind in (("Problems", "error"), ("Warnings", "warning"))
    ]
    if plan.changes:
        table = ["| Campaign | Actions | Places calls | Manifest |", "|---|---|---|---|"]
        table += [
            f"| {markdown_code(c.name, table=True)}{_ident(c.id)} | {', '.join(c.actions)} | "
            f"{'**yes**' if c.places_calls else 'no'} | "
            f"{markdown_code(shown(c.manifest), table=True)} |"
            for c in plan.changes
        ]
        sections.append(("Changes", table))
    if show_unmanaged and plan.unmanaged:
        unmanaged = [
            f"- {markdown_code(u.name)} (id {u.id}, {markdown(u.state)})" for u in plan.unmanaged
        ]
        sections.append(("Unmanaged", unmanaged))
    return [(title, lines) for title, lines in sections if lines]


def _details(plan: Plan) -> list[str]:
    """Every change as a ``diff`` block; nothing when there is no change."""
    if not plan.changes:
        return []
    details = ["```diff"]
    for change in plan.changes:
        details.extend(_diff_block(change, plan.labels))
    details.append("```")
    return details


def _tail(plan: Plan) -> list[str]:
    """After the sections: what the plan leaves alone."""
    tail = []
    if plan.out_of_scope:
        tail.append(out_of_scope_line(len(plan.out_of_scope)))
    if plan.unmanaged:
        tail.append(
            f"{plural(len(plan.unmanaged), 'live campaign')} not managed by any manifest "
            "will not be touched."
        )
    return tail


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
    lines = [f"# {headline(change)}", f"#   {escape.text(shown(change.manifest))}"]
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
