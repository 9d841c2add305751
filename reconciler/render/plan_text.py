"""The plan as text, in Terraform's manner: one block per campaign, ``old -> new`` per
field, the actions that place calls said in words, and a summary line CI can grep."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from reconciler.plan import CampaignChange, FieldChange, Plan
from reconciler.render.values import contacts_label, describe_schedule, plural, show

SYMBOLS = {"create": "+", "update": "~", "start": ">", "resume": ">", "pause": "||"}
COLOURS = {"create": "green", "update": "yellow", "start": "red", "resume": "red", "pause": "cyan"}
CALLS = "PLACES CALLS"
NO_CHANGES = "No changes. Live campaigns match the manifests."


def summary_line(plan: Plan) -> str:
    counts = plan.summary()
    return (
        f"Plan: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['start']} to start, {counts['pause']} to pause, {counts['resume']} to resume."
    )


def headline(change: CampaignChange) -> str:
    """``spring-east (id 12) will be updated in place, then resumed: PLACES CALLS``."""
    ident = f"{change.name} (id {change.campaign_id})" if change.campaign_id else change.name
    words = []
    for action in change.actions:
        if action == "create":
            words.append("created")
        elif action == "update":
            words.append(
                "renamed and updated in place" if change.rename_from else "updated in place"
            )
        else:
            words.append({"start": "started", "pause": "paused", "resume": "resumed"}[action])
    text = f"{ident} will be {', then '.join(words)}"
    return f"{text}: {CALLS}" if change.places_calls else text


Styler = Callable[..., str]


def _plain(text: str, **_: Any) -> str:
    return text


def render_plan_text(plan: Plan, *, show_unmanaged: bool = False, color: bool = True) -> list[str]:
    """The plan's lines; without ``color`` no escape code is made at all (stripping them
    afterwards costs a regular expression per line: at ten thousand campaigns, seconds)."""
    style: Styler = click.style if color else _plain
    lines: list[str] = []
    for diagnostic in plan.diagnostics:
        label = "warning" if diagnostic.severity == "warning" else "error"
        colour = "yellow" if label == "warning" else "red"
        where = f"{diagnostic.file}:{diagnostic.line}:{diagnostic.column}"
        path = f" {diagnostic.path}:" if diagnostic.path else ""
        lines.append(
            style(f"{where}: {label}:", fg=colour, bold=True) + f"{path} {diagnostic.message}"
        )
    if plan.diagnostics:
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
    if plan.conflicts:
        count = len(plan.conflicts)
        lines.append(
            style(
                f"Error: {plural(count, 'conflict')} {'blocks' if count == 1 else 'block'} this "
                "plan; apply will change nothing until it is resolved:",
                fg="red",
                bold=True,
            )
        )
        for conflict in plan.conflicts:
            ident = f" (id {conflict.campaign_id})" if conflict.campaign_id else ""
            lines.append(f"  {conflict.manifest}: {conflict.name}{ident}: {conflict.message}")
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
            names = ", ".join(change.name for change in calling[:10])
            more = f" and {len(calling) - 10} more" if len(calling) > 10 else ""
            lines.append(
                style(
                    f"{plural(len(calling), 'campaign')} will place calls: {names}{more}.",
                    fg="red",
                    bold=True,
                )
            )
    else:
        lines.append(style(NO_CHANGES, fg="green"))
    lines.extend(_unmanaged(plan, show_unmanaged))
    return lines


def _block(change: CampaignChange, labels: dict[str, dict[int, str]], style: Styler) -> list[str]:
    first = change.actions[0]
    symbol = SYMBOLS[first]
    colour = COLOURS[first]
    lines = [style(f"  # {headline(change)}", bold=True)]
    lines.append(style(f"  {symbol} campaign {show(change.name)}", fg=colour) + " {")
    if first == "create":
        rows = _create_rows(change, labels)
    else:
        rows = [
            (
                ("~"),
                c.path,
                f"{_value(c.path, c.before, labels)} -> {_value(c.path, c.after, labels)}",
            )
            for c in change.changes
        ]
        if change.lifecycle:
            rows.append(
                ("~", "state", f"{show(change.live_state)} -> {show(change.desired_state)}")
            )
    width = max((len(path) for _, path, _ in rows), default=0)
    for mark, path, text in rows:
        line = f"      {mark} {path.ljust(width)} = {text}"
        lines.append(style(line, fg="green" if mark == "+" else "yellow"))
    lines.append("    }")
    for note in change.notes:
        lines.append(f"    note: {note}")
    lines.append(f"    ({change.manifest})")
    return lines


def _create_rows(
    change: CampaignChange, labels: dict[str, dict[int, str]]
) -> list[tuple[str, str, str]]:
    after = change.after
    rows = [("+", "workflow", _value("workflow", after["workflow"], labels))]
    if change.upload:
        rows.append(
            (
                "+",
                "source",
                f"{show(change.upload.path)} ({contacts_label(change.upload)}, "
                f"sha256 {change.upload.sha256[:16]})",
            )
        )
    if after.get("telephony") is not None:
        rows.append(("+", "telephony", _value("telephony", after["telephony"], labels)))
    rows.append(("+", "state", show(change.desired_state)))
    for key in ("max_concurrency", "retry_config", "schedule", "circuit_breaker"):
        if after.get(key) is not None or key == "schedule":
            rows.append(("+", key, _value(key, after.get(key), labels)))
    return rows


def _value(path: str, value: Any, labels: dict[str, dict[int, str]]) -> str:
    key = path.split(".")[0].split("[")[0]
    if key in ("workflow", "telephony") and isinstance(value, int):
        name = labels.get(key, {}).get(value)
        return f"{show(name)} (id {value})" if name else f"id {value}"
    if path == "schedule":
        return describe_schedule(value)
    if path == "source":
        return f"sha256 {value}..." if value else "(not uploaded by this tool)"
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
        lines.extend(f"  - {u.name} (id {u.id}, {u.state})" for u in plan.unmanaged)
    return lines


def field_line(change: FieldChange) -> str:
    return f"{change.path}: {show(change.before)} -> {show(change.after)}"
