"""``campaigns status`` as text and as JSON, every value escaped for its medium
(escape.py): a campaign's name, a redial's, Dograh's log messages and sync errors are
nobody's validated input, and a terminal or a CI log would act on what they hold."""

from __future__ import annotations

from datetime import datetime

from reconciler.live import BREAKER_EVENT, MANIFEST_STATE, TERMINAL_STATES
from reconciler.render import escape
from reconciler.render.escape import json_text
from reconciler.render.terminal import Styler, styler
from reconciler.status import CampaignStatus, StatusReport


def render_status_json(report: StatusReport) -> str:
    """One line; nothing in it can act in a CI log (escape.json_text)."""
    return json_text(report.model_dump_json())


def render_status_text(
    report: StatusReport, *, color: bool = False, broken: frozenset[str] = frozenset()
) -> list[str]:
    """A headline per campaign (name, id, state), then indented lines: why it is held or
    failed, its calls, its window, its redial, its progress; then the counts. ``broken``:
    the files with errors, whose manifests matched nothing for that reason."""
    style = styler(color)
    lines: list[str] = []
    for entry in report.campaigns:
        if entry.state is None and entry.manifest.file in broken:
            lines.append(
                f"{escape.text(entry.name, line_start=True)}: matched no campaign, as its "
                "manifest has errors"
            )
            continue
        lines.append(_headline(entry, style))
        lines.extend(f"    {line}" for line in _details(entry))
    if report.campaigns:
        lines.append("")
    lines.append(_summary_line(report))
    if report.unmanaged:
        count = report.unmanaged
        lines.append(
            f"{count} live {'campaign is' if count == 1 else 'campaigns are'} not managed by any "
            "manifest (campaigns plan --show-unmanaged lists them)."
        )
    return lines


def _headline(entry: CampaignStatus, style: Styler) -> str:
    name = escape.text(entry.name, line_start=True)
    if entry.state is None:
        if entry.id is not None:
            return f"{name} (id {entry.id}): not in Dograh (its pinned id matches no campaign)"
        return f"{name}: not in Dograh yet (apply creates it)"
    text = f"{name} (id {entry.id}): "
    if entry.state == "failed":
        return text + style("failed", fg="red", bold=True)
    if entry.held:
        return f"{text}paused, {style('held', fg='yellow', bold=True)}: its manifest says running"
    text += escape.text(entry.state)
    if entry.state == "created":
        text += " (not started)"
    if entry.outside_window is not None:
        text += ", " + style("outside its calling window", fg="yellow", bold=True)
    expected = MANIFEST_STATE.get(entry.state, entry.state)
    if entry.state not in TERMINAL_STATES and expected != entry.desired_state:
        text += f"; its manifest says {escape.text(entry.desired_state)}"
    return text


def _details(entry: CampaignStatus) -> list[str]:
    lines = _why(entry)
    if entry.outside_window is not None:
        lines.append(_window(entry))
    if entry.rows is not None:
        rows = entry.rows
        total = "?" if rows.total is None else str(rows.total)
        counted = "" if rows.total is not None else " (total counted when the sync ends)"
        if rows.total is not None and rows.processed > rows.total:
            counted = " (Dograh counts each retry as a row processed)"
        lines.append(f"rows: {rows.processed} of {total} processed{counted}")
    if entry.calls is not None:
        calls = entry.calls
        failed = "?" if calls.failed is None else str(calls.failed)
        retried = "? retried" if calls.retried is None else f"{calls.retried} retried"
        lines.append(
            f"calls: {calls.dispatched} placed, {failed} failed (failed, busy or no answer), "
            f"{retried}"
        )
    if entry.progress is not None:
        progress = entry.progress
        sync = progress.source_sync
        synced = f"sync {escape.text(sync.status)}" + (
            f" at {escape.text(sync.last_synced_at)}" if sync.last_synced_at else ""
        )
        if sync.error:
            synced += f": {escape.text(sync.error)}"
        lines.append(f"progress: {progress.progress_percentage:.1f}%; {synced}")
    if entry.redial is not None:
        redial = entry.redial
        if redial.name is None:
            lines.append(f"redial: id {redial.id}, not in the campaign list")
        else:
            owner = "not managed"
            if redial.managed_by:
                owner = f"managed by {escape.text(str(redial.managed_by))}"
            lines.append(
                f'redial: "{escape.text(redial.name)}" (id {redial.id}), '
                f"{escape.text(redial.state or '?')}, {owner}"
            )
    return lines


def _why(entry: CampaignStatus) -> list[str]:
    """Why a campaign is held or failed, and, when held, how to resume it."""
    lines = []
    reason = entry.reason
    if reason is not None:
        what = (
            "held by Dograh's circuit breaker, tripped"
            if reason.event == BREAKER_EVENT and entry.held
            else "circuit breaker tripped"
            if reason.event == BREAKER_EVENT
            else escape.text(reason.event)
        )
        lines.append(f"{what} at {escape.text(reason.at)}: {escape.text(reason.message)}")
    elif entry.held:
        lines.append(
            "held: paused by hand or by another tool (no circuit breaker trip in Dograh's logs)"
        )
    elif entry.state == "failed":
        lines.append("Dograh's logs do not say why")
    if entry.resume is not None:
        lines.append(f"to resume it: {escape.text(entry.resume)}")
    return lines


def _window(entry: CampaignStatus) -> str:
    window = entry.outside_window
    assert window is not None
    zone = escape.text(window.timezone)
    if window.next_start is None:
        return f"no calling window opens in the next eight days ({zone}): Dograh places no calls"
    opens = datetime.fromisoformat(window.next_start)
    return (
        f"Dograh places no calls until its next window opens: "
        f"{opens:%a %Y-%m-%d %H:%M} {zone} (now {_at(window.now, opens)} there)"
    )


def _at(now: str, opens: datetime) -> str:
    """Dograh's now, in the schedule's zone."""
    moment = datetime.fromisoformat(now)
    if opens.tzinfo is not None:
        moment = moment.astimezone(opens.tzinfo)
    return f"{moment:%a %H:%M}"


def _summary_line(report: StatusReport) -> str:
    summary = report.summary
    count = summary.managed
    if not count:
        return "No managed campaigns."
    parts = []
    for state, number in summary.states.items():
        part = f"{number} {escape.text(state)}"
        if state == "paused" and summary.held:
            part += f" ({summary.held} held)"
        parts.append(part)
    if summary.outside_window:
        parts.append(f"{summary.outside_window} outside the calling window")
    if summary.not_created:
        parts.append(f"{summary.not_created} not in Dograh")
    noun = "campaign" if count == 1 else "campaigns"
    if summary.redials:
        noun += f" ({summary.redials} of them {'a redial' if summary.redials == 1 else 'redials'})"
    return f"{count} managed {noun}: {', '.join(parts)}."
