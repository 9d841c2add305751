"""The plan as text, in Terraform's manner: one block per campaign, ``old -> new`` per
field, the actions that place calls said in words, and a summary line CI can grep.
Every name, path and message is escaped as text (escape.py) where it enters a line."""

from __future__ import annotations

from typing import Any

from reconciler.manifest.defaults import DEFAULTED
from reconciler.manifest.located import shown
from reconciler.plan import CampaignChange, FieldChange, Plan
from reconciler.render import escape
from reconciler.render.findings import findings
from reconciler.render.terminal import Styler, styler
from reconciler.render.values import (
    contacts_label,
    describe_schedule,
    out_of_scope_line,
    plural,
    show,
)

SYMBOLS = {"create": "+", "redial": "+", "update": "~", "start": ">", "resume": ">", "pause": "||"}
COLOURS = {"+": "green", "~": "yellow", ">": "red", "||": "cyan"}
"""By symbol: the legend's colours."""
ROW_COLOURS = {"+": "green", "-": "red"}
"""By a row's mark; a change (``~``) is yellow."""
CALLS = "PLACES CALLS"
NO_CHANGES = "No changes. Live campaigns match the manifests."
NOTHING_TO_APPLY = "No changes to apply."
"""When campaigns are held: live campaigns do not match the manifests, and nothing the
plan would do changes that without ``--resume`` or ``--base``."""


def held_headline(plan: Plan) -> str:
    """``1 campaign is held paused while its manifest says running:``."""
    count = len(plan.held)
    verb = "is" if count == 1 else "are"
    whose = "its manifest says" if count == 1 else "their manifests say"
    return f"{plural(count, 'campaign')} {verb} held paused while {whose} running:"


def no_changes(plan: Plan) -> str:
    return NOTHING_TO_APPLY if plan.held else NO_CHANGES


def summary_line(plan: Plan) -> str:
    """Terraform's line, which scripts grep; redials, when there are any, end it
    (``..., 0 to resume, 1 to redial.``) so that every other plan's line is unchanged."""
    counts = plan.counts()
    redials = f", {counts['redial']} to redial" if counts["redial"] else ""
    return (
        f"Plan: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['start']} to start, {counts['pause']} to pause, {counts['resume']} to resume"
        f"{redials}."
    )


def organization_line(plan: Plan) -> str | None:
    """Which Dograh organization the plan was made against, and who said so (not yet
    escaped: each medium escapes it)."""
    note = plan.organization
    if note is None:
        return None
    if note.policy is None:
        return f"Dograh organization {note.id}: the API key's; no Policy sets spec.organization."
    return f"Dograh organization {note.id}, as Policy {note.policy} requires."


def headline(change: CampaignChange) -> str:
    """``spring-east (id 12) will be updated in place, then resumed: PLACES CALLS``."""
    name = escape.text(change.name)
    ident = f"{name} (id {change.id})" if change.id else name
    words = []
    for action in change.actions:
        if action == "create":
            words.append("created")
        elif action == "redial" and change.redial is not None:
            parent = escape.text(change.redial.parent_name)
            words.append(f"created by redialing {parent} (id {change.redial.parent_id})")
        elif action == "update":
            words.append(
                "renamed and updated in place" if change.rename_from else "updated in place"
            )
        else:
            words.append({"start": "started", "pause": "paused", "resume": "resumed"}[action])
    text = f"{ident} will be {', then '.join(words)}"
    return f"{text}: {CALLS}" if change.places_calls else text


def render_plan_text(plan: Plan, *, show_unmanaged: bool = False, color: bool = True) -> list[str]:
    """The plan's lines, styled only with ``color`` (``styler``)."""
    style = styler(color)
    lines: list[str] = []
    organization = organization_line(plan)
    if organization is not None:
        lines.extend([escape.text(organization, line_start=True), ""])
    found = findings(plan)
    for finding in found:
        colour = "yellow" if finding.severity == "warning" else "red"
        where = escape.text(finding.where, line_start=True)
        lines.append(
            style(f"{where}: {finding.severity}:", fg=colour, bold=True)
            + f" {escape.text(finding.text)}"
        )
    if found:
        lines.append("")
    if plan.changes:
        lines.append("Dograh campaigns will change as follows:")
        lines.append(
            "  "
            + "   ".join(
                [
                    style("+ create", fg="green"),
                    style("~ update in place", fg="yellow"),
                    style(f"> start or resume: {CALLS}", fg="red", bold=True),
                    style("|| pause", fg="cyan"),
                ]
            )
        )
        for change in plan.changes:
            lines.append("")
            lines.extend(_block(change, plan.labels, style))
        lines.append("")
    if plan.blocked:
        problems = len(plan.conflicts) + len(plan.errors)
        lines.append(
            style(
                f"Plan blocked by {plural(problems, 'problem')}: nothing will be applied.",
                fg="red",
                bold=True,
            )
        )
    elif plan.changes:
        lines.append(style(summary_line(plan), bold=True))
        calling = plan.places_calls
        if calling:
            names = ", ".join(escape.text(change.name) for change in calling[:10])
            more = f" and {len(calling) - 10} more" if len(calling) > 10 else ""
            lines.append(
                style(
                    f"{plural(len(calling), 'campaign')} will place calls: {names}{more}.",
                    fg="red",
                    bold=True,
                )
            )
    else:
        lines.append(style(no_changes(plan), fg="yellow" if plan.held else "green"))
    if plan.held and not plan.blocked:
        lines.append(held_headline(plan))
        lines.extend(
            f"  - {escape.text(h.name)} (id {h.id}): {escape.text(h.reason)}" for h in plan.held
        )
    if plan.out_of_scope:
        lines.append(out_of_scope_line(len(plan.out_of_scope)))
    lines.extend(_unmanaged(plan, show_unmanaged))
    return lines


def _block(change: CampaignChange, labels: dict[str, dict[int, str]], style: Styler) -> list[str]:
    first = change.actions[0]
    symbol = SYMBOLS[first]
    colour = COLOURS[symbol]
    lines = [style(f"  # {headline(change)}", bold=True)]
    lines.append(style(f"  {symbol} campaign {show(change.name)}", fg=colour) + " {")
    rows = rows_of(change, labels)
    width = max((len(path) for _, path, _ in rows), default=0)
    for mark, path, text in rows:
        line = f"      {mark} {path.ljust(width)} = {text}"
        lines.append(style(line, fg=ROW_COLOURS.get(mark, "yellow")))
    lines.append("    }")
    for note in change.notes:
        lines.append(f"    note: {escape.text(note)}")
    if change.reason:
        lines.append(f"    why: {escape.text(change.reason)}")
    if change.id is None or change.reason is None:
        lines.append(f"    ({escape.text(shown(change.manifest))})")
    return lines


Row = tuple[str, str, str]
"""(mark, setting, value): ``+`` added, ``-`` removed, ``~`` changed."""


def rows_of(change: CampaignChange, labels: dict[str, dict[int, str]]) -> list[Row]:
    """A change's rows, as its first action calls for."""
    if change.actions[0] == "create":
        return create_rows(change, labels)
    if change.actions[0] == "redial":
        return redial_rows(change, labels)
    return change_rows(change, labels)


def create_rows(change: CampaignChange, labels: dict[str, dict[int, str]]) -> list[Row]:
    """Every setting of a campaign to create; those left to Dograh are marked so."""
    after = change.after
    rows: list[Row] = [("+", "workflow", value_text("workflow", after["workflow"], labels))]
    upload = change.requests.upload
    if upload:
        rows.append(
            (
                "+",
                "source",
                f"{show(upload.path)} ({contacts_label(upload)}, content {upload.content})",
            )
        )
    for key in DEFAULTED:
        value = after.get(key)
        if key == "max_concurrency" and value is None:
            text = "(none: the organization's limit)"
        else:
            text = value_text(key, value, labels)
        if key in change.defaults:
            text += " (Dograh's default)"
        elif key in change.sources:
            text += f" (from {escape.text(change.sources[key])})"
        rows.append(("+", key, text))
    rows.append(("+", "state", show(change.desired_state)))
    return rows


def source_note(change: CampaignChange, field: FieldChange) -> str:
    """`` (from defaults.yaml:9)`` when a Defaults document gives the value, `` (not set
    in defaults.yaml:5)`` when the Defaults that applies leaves it out; else nothing."""
    if field.source is None:
        return ""
    where = escape.text(field.source)
    if change.after.get(field.path.split(".")[0]) is None:
        return f" (not set in {where})"
    return f" (from {where})"


def redial_rows(change: CampaignChange, labels: dict[str, dict[int, str]]) -> list[Row]:
    """Every setting of a redial to make: whom it calls, and what it takes from its
    parent, said as such; its telephony configuration is Dograh's default at each batch,
    as a redial copies none (docs/dograh-api.md §2.9)."""
    redial = change.redial
    assert redial is not None
    after = change.after
    outcomes = " or ".join(o.replace("_", " ") for o in redial.on)
    at_most = redial.contacts_at_most or 0
    rows: list[Row] = [
        ("+", "redial_of", f"{show(redial.parent_name)} (id {redial.parent_id})"),
        ("+", "on", show(list(redial.on))),
        (
            "+",
            "contacts",
            f"at most {plural(at_most, 'contact')}: those of the parent whose last call ended "
            f"in {outcomes} (Dograh picks them when it makes the redial)",
        ),
    ]
    for key in ("workflow", *DEFAULTED):
        value = after.get(key)
        if key == "max_concurrency" and value is None:
            text = "(none: the organization's limit)"
        elif key == "telephony" and value is None:
            text = "(none: the organization has no usable configuration)"
        else:
            text = value_text(key, value, labels)
        if key in change.inherited:
            text += " (the parent's)"
        elif key == "telephony":
            text += " (Dograh's default, resolved at each batch: a redial copies none)"
        elif key in change.defaults:
            text += " (Dograh's default, as the parent's)"
        rows.append(("+", key, text))
    rows.append(("+", "state", show(change.desired_state)))
    return rows


def change_rows(change: CampaignChange, labels: dict[str, dict[int, str]]) -> list[Row]:
    """Every changed setting of a live campaign, then its state if that changes."""
    rows: list[Row] = []
    for field in change.changes:
        note = source_note(change, field)
        if field.path == "schedule.slots" and field.before is None:
            rows.append(("+", field.path, show(field.after) + note))
        elif field.path == "schedule.slots" and field.after is None:
            rows.append(("-", field.path, show(field.before) + note))
        else:
            before = value_text(field.path, field.before, labels)
            after = value_text(field.path, field.after, labels)
            rows.append(("~", field.path, f"{before} -> {after}{note}"))
    if change.lifecycle:
        rows.append(("~", "state", f"{show(change.live_state)} -> {show(change.desired_state)}"))
    return rows


def value_text(path: str, value: Any, labels: dict[str, dict[int, str]]) -> str:
    key = path.split(".")[0]
    if key in ("workflow", "telephony") and isinstance(value, int):
        name = labels.get(key, {}).get(value)
        return f"{show(name)} (id {value})" if name else f"id {value}"
    if path == "schedule":
        return describe_schedule(value)
    if path == "source":
        return f"content {escape.text(str(value))}" if value else "(not uploaded by this tool)"
    return show(value)


def _unmanaged(plan: Plan, show_all: bool) -> list[str]:
    if not plan.unmanaged:
        return []
    count = len(plan.unmanaged)
    verb = "is" if count == 1 else "are"
    lines = [
        f"{plural(count, 'live campaign')} {verb} not managed by any manifest and will not be "
        "touched" + ("." if show_all else " (--show-unmanaged lists them).")
    ]
    if show_all:
        lines.extend(
            f"  - {escape.text(u.name)} (id {u.id}, {escape.text(u.state)})" for u in plan.unmanaged
        )
    return lines
