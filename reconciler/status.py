"""The managed campaigns' status: a typed report, built from the one campaign list.

Dograh's list carries, for every campaign at once, what an operator asks first
(docs/dograh-api.md §2.2, §2.4): the state, the row counters, the log entries that say
why a campaign was paused or failed (§9), and the link to its redial (§2.9). So status
costs the four requests of a plan however many campaigns there are; only
``--progress`` adds one request per managed campaign (§2.10: the failed calls and the
contacts' sync, which the list does not carry).

The report is typed data that serialises itself: ``status --format json`` prints
``StatusReport.model_dump_json()``, a shape documented in the README (a removed or
renamed key increments ``format_version``).

Nothing here prints a phone number or a signed URL: Dograh's log messages are passed
through ``redact``, since a failed sync quotes the signed URL of the contacts file, and
a provider's error may quote the number it could not call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

import click
from pydantic import BaseModel, ConfigDict, Field, computed_field

from reconciler import __version__
from reconciler.live import TERMINAL_STATES, CampaignProgress, LiveCampaign, LogEntry
from reconciler.managed import Managed
from reconciler.manifest.load import Manifest

STATUS_FORMAT_VERSION: Literal[1] = 1
STATE_ORDER = ("created", "syncing", "running", "paused", "completed", "failed")
BREAKER_EVENT = "circuit_breaker_tripped"
FAILURE_EVENTS = ("source_sync_failed", "batch_failed", "phone_number_pool_exhausted")
"""The log events of a campaign failed by Dograh (§3.4, §9), newest first wins."""
LIVE_TO_MANIFEST = {"created": "draft", "syncing": "running", "running": "running"}

_QUERY = re.compile(r"(https?://[^\s?#'\"<>]+)\?[^\s'\"<>]*")
_PHONE = re.compile(r"\+\d[\d ().-]{5,}\d")


def redact(text: str) -> str:
    """Dograh's words without what they may carry of secrets and personal data: a URL's
    query (a signature that opens the contacts file) and anything shaped like a phone
    number in international form."""
    return _PHONE.sub("<phone number>", _QUERY.sub(r"\1?<query removed>", text))


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Reason(_Model):
    """The log entry that explains a pause or a failure, as Dograh wrote it."""

    event: str = Field(description="Such as `circuit_breaker_tripped`, `source_sync_failed`.")
    level: str = Field(description="`warning` or `error`.")
    at: str = Field(description="When Dograh wrote it (its `ts`, ISO 8601).")
    message: str = Field(description="Dograh's message; URL queries and phone numbers removed.")


class Rows(_Model):
    """Dograh's counters, with their limits (docs/dograh-api.md §10.2)."""

    total: int | None = Field(
        description="Contacts queued by the sync (rows with a phone number); null until it ends."
    )
    processed: int = Field(
        description="Dograh's `processed_rows`: calls dispatched, retries included (Dograh "
        "raises it at most once per batch of ten, so it lags)."
    )
    failed: int = Field(
        description="Dograh's `failed_rows`: contacts whose busy or unanswered calls used up "
        "their retries."
    )


class Redial(_Model):
    id: int
    name: str | None = Field(description="Null when the list does not hold the redial.")
    state: str | None
    managed_by: str | None = Field(
        description="`file:line:column` of the manifest that manages the redial (its own "
        "`metadata.name`, or the `spec.redial` of this campaign's manifest), or null."
    )


class SourceSync(_Model):
    status: str = Field(description="`pending`, `in_progress`, `completed` or `failed`.")
    last_synced_at: str | None
    error: str | None = Field(description="Why the sync failed; URL queries removed.")


class Progress(_Model):
    """From ``GET /campaign/{id}/progress``, with ``--progress`` only."""

    failed_calls: int = Field(
        description="Calls whose last status is failed, busy or no-answer, retries included."
    )
    progress_percentage: float = Field(description="Dograh's: processed of total rows, in %.")
    source_sync: SourceSync


class CampaignStatus(_Model):
    name: str = Field(description="The manifest's `metadata.name`.")
    id: int | None = Field(description="The live campaign; null when Dograh has none yet.")
    manifest: str = Field(description="`file:line:column` of the manifest's metadata.name.")
    state: str | None = Field(
        description="Dograh's state: created, syncing, running, paused, completed, failed; "
        "null when the campaign is not in Dograh."
    )
    desired_state: str = Field(description="The manifest's `spec.state`.")
    held: bool = Field(description="Paused in Dograh while its manifest says running.")
    reason: Reason | None = Field(
        description="Why it is paused (the newest circuit breaker trip) or failed."
    )
    rows: Rows | None = Field(description="Null until the campaign is started.")
    redial: Redial | None = Field(description="The campaign Dograh made to redial this one.")
    progress: Progress | None = Field(description="With `--progress` only.")


class Summary(_Model):
    managed: int = Field(
        description="Entries of `campaigns`, and the redials managed through their parent's "
        "`spec.redial` (shown under the parent's `redial`, with no entry of their own)."
    )
    redials: int = Field(description="Of `managed`, the redials without an entry of their own.")
    states: dict[str, int] = Field(description="Managed campaigns per Dograh state.")
    held: int
    failed: int
    not_created: int = Field(description="Manifests that Dograh has no campaign for yet.")


class StatusReport(_Model):
    """What ``campaigns status`` found, ``--format json`` prints it."""

    format_version: Literal[1] = STATUS_FORMAT_VERSION
    tool_version: str = __version__
    campaigns: tuple[CampaignStatus, ...] = Field(
        default=(), description="One per managed live campaign, in manifest order."
    )
    unmanaged: int = Field(default=0, description="Live campaigns no manifest manages.")
    live: int = Field(default=0, description="Live campaigns read.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> Summary:
        """Counts of every managed campaign: a redial dials too, so a summary that left
        it out could read as if nothing were running."""
        listed = {entry.id for entry in self.campaigns}
        redials = [
            entry.redial.state
            for entry in self.campaigns
            if entry.redial is not None
            and entry.redial.managed_by is not None
            and entry.redial.id not in listed
        ]
        states: dict[str, int] = {}
        for state in [entry.state for entry in self.campaigns] + redials:
            if state is not None:
                states[state] = states.get(state, 0) + 1
        ordered = sorted(states, key=lambda s: STATE_ORDER.index(s) if s in STATE_ORDER else 99)
        return Summary(
            managed=len(self.campaigns) + len(redials),
            redials=len(redials),
            states={state: states[state] for state in ordered},
            held=sum(entry.held for entry in self.campaigns),
            failed=states.get("failed", 0),
            not_created=sum(entry.state is None for entry in self.campaigns),
        )


def build_status(
    managed: Managed, progress: Mapping[int, CampaignProgress] | None = None
) -> StatusReport:
    """One entry per managed live campaign (a manifest matched to two, in a name
    conflict, has two), and one per manifest that Dograh has no campaign for."""
    by_id = {campaign.id: campaign for campaign in managed.live.campaigns}
    owned: dict[int, list[int]] = {}
    for campaign_id in sorted(managed.matched):
        manifest = managed.manifest_for(campaign_id)
        if manifest is not None:
            owned.setdefault(id(manifest), []).append(campaign_id)
    entries: list[CampaignStatus] = []
    for manifest in managed.manifests:
        ids = owned.get(id(manifest), [])
        if not ids:
            entries.append(_absent(manifest))
        for campaign_id in ids:
            campaign = by_id[campaign_id]
            found = progress.get(campaign_id) if progress is not None else None
            entries.append(_entry(manifest, campaign, managed, by_id, found))
    return StatusReport(
        campaigns=tuple(entries),
        unmanaged=len(managed.unmanaged()),
        live=len(managed.live.campaigns),
    )


def _absent(manifest: Manifest) -> CampaignStatus:
    return CampaignStatus(
        name=manifest.name,
        id=manifest.campaign.metadata.id,
        manifest=manifest.where("metadata.name"),
        state=None,
        desired_state=manifest.campaign.spec.state,
        held=False,
        reason=None,
        rows=None,
        redial=None,
        progress=None,
    )


def _entry(
    manifest: Manifest,
    campaign: LiveCampaign,
    managed: Managed,
    by_id: Mapping[int, LiveCampaign],
    progress: CampaignProgress | None,
) -> CampaignStatus:
    desired = manifest.campaign.spec.state
    entry = explanation(campaign)
    return CampaignStatus(
        name=manifest.name,
        id=campaign.id,
        manifest=manifest.where("metadata.name"),
        state=campaign.state,
        desired_state=desired,
        held=campaign.state == "paused" and desired == "running",
        reason=None if entry is None else _reason(entry),
        rows=None
        if campaign.state == "created"
        else Rows(
            total=campaign.total_rows,
            processed=campaign.processed_rows,
            failed=campaign.failed_rows,
        ),
        redial=_redial(campaign, managed, by_id),
        progress=None if progress is None else _progress(progress),
    )


def explanation(campaign: LiveCampaign) -> LogEntry | None:
    """The log entry that says why a campaign is paused or failed, if Dograh wrote one.

    A pause writes no log entry (§9), so for a paused campaign this is the newest trip
    of its circuit breaker: the cause when the breaker paused it last, history when
    someone paused it by hand since a resume (Dograh's logs cannot tell these apart).
    """
    if campaign.state == "failed":
        return campaign.last_log(*FAILURE_EVENTS) or campaign.last_log(level="error")
    if campaign.state == "paused":
        return campaign.last_log(BREAKER_EVENT)
    return None


def _reason(entry: LogEntry) -> Reason:
    return Reason(
        event=entry.event, level=entry.level, at=entry.ts, message=redact(entry.message or "")
    )


def _redial(
    campaign: LiveCampaign, managed: Managed, by_id: Mapping[int, LiveCampaign]
) -> Redial | None:
    child_id = campaign.redialed_campaign_id
    if child_id is None:
        return None
    child = by_id.get(child_id)
    manifest = managed.manifest_for(child_id)
    parents = managed.redial_manifest(child_id)
    if manifest is not None:
        managed_by: str | None = manifest.where("metadata.name")
    else:
        managed_by = parents.where("spec.redial") if parents is not None else None
    return Redial(
        id=child_id,
        name=child.name if child else None,
        state=child.state if child else None,
        managed_by=managed_by,
    )


def _progress(progress: CampaignProgress) -> Progress:
    sync = progress.source_sync
    return Progress(
        failed_calls=progress.failed_calls,
        progress_percentage=progress.progress_percentage,
        source_sync=SourceSync(
            status=sync.status,
            last_synced_at=sync.last_synced_at,
            error=None if sync.error is None else redact(sync.error),
        ),
    )


# -- text ------------------------------------------------------------------------------

Styler = Callable[..., str]


def _plain(text: str, **_: Any) -> str:
    return text


def render_status_text(
    report: StatusReport, *, color: bool = False, broken: frozenset[str] = frozenset()
) -> list[str]:
    """A headline per campaign (name, id, state), then indented lines: why it is held or
    failed, its rows, its redial, its progress; then the counts. ``broken``: the files
    with errors, whose manifests matched nothing for that reason."""
    style: Styler = click.style if color else _plain
    lines: list[str] = []
    for entry in report.campaigns:
        if entry.state is None and entry.manifest.rsplit(":", 2)[0] in broken:
            lines.append(f"{entry.name}: matched no campaign, as its manifest has errors")
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
    if entry.state is None:
        if entry.id is not None:
            return (
                f"{entry.name} (id {entry.id}): not in Dograh (its pinned id matches no campaign)"
            )
        return f"{entry.name}: not in Dograh yet (apply creates it)"
    text = f"{entry.name} (id {entry.id}): "
    if entry.state == "failed":
        return text + style("failed", fg="red", bold=True)
    if entry.held:
        return (
            text
            + "paused, "
            + style("held", fg="yellow", bold=True)
            + ": its manifest says running"
        )
    text += entry.state
    if entry.state == "created":
        text += " (not started)"
    expected = LIVE_TO_MANIFEST.get(entry.state, entry.state)
    if entry.state not in TERMINAL_STATES and expected != entry.desired_state:
        text += f"; its manifest says {entry.desired_state}"
    return text


def _details(entry: CampaignStatus) -> list[str]:
    lines = []
    if entry.reason is not None:
        what = (
            "circuit breaker tripped"
            if entry.reason.event == BREAKER_EVENT
            else f"{entry.reason.event}"
        )
        lines.append(f"{what} at {entry.reason.at}: {entry.reason.message}")
    elif entry.held:
        lines.append("paused outside these manifests (no circuit breaker trip in Dograh's logs)")
    elif entry.state == "failed":
        lines.append("Dograh's logs do not say why")
    if entry.rows is not None:
        rows = entry.rows
        total = "?" if rows.total is None else str(rows.total)
        counted = "" if rows.total is not None else " (total counted when the sync ends)"
        lines.append(f"rows: {rows.processed} of {total} processed, {rows.failed} failed{counted}")
    if entry.progress is not None:
        progress = entry.progress
        sync = progress.source_sync
        synced = f"sync {sync.status}" + (
            f" at {sync.last_synced_at}" if sync.last_synced_at else ""
        )
        if sync.error:
            synced += f": {sync.error}"
        lines.append(
            f"progress: {progress.progress_percentage:.1f}%, {progress.failed_calls} failed "
            f"calls (failed, busy or no answer); {synced}"
        )
    if entry.redial is not None:
        redial = entry.redial
        if redial.name is None:
            lines.append(f"redial: id {redial.id}, not in the campaign list")
        else:
            owner = f"managed by {redial.managed_by}" if redial.managed_by else "not managed"
            lines.append(f'redial: "{redial.name}" (id {redial.id}), {redial.state}, {owner}')
    return lines


def _summary_line(report: StatusReport) -> str:
    summary = report.summary
    count = summary.managed
    if not count:
        return "No managed campaigns."
    parts = []
    for state, number in summary.states.items():
        part = f"{number} {state}"
        if state == "paused" and summary.held:
            part += f" ({summary.held} held)"
        parts.append(part)
    if summary.not_created:
        parts.append(f"{summary.not_created} not in Dograh")
    noun = "campaign" if count == 1 else "campaigns"
    if summary.redials:
        noun += f" ({summary.redials} of them {'a redial' if summary.redials == 1 else 'redials'})"
    return f"{count} managed {noun}: {', '.join(parts)}."
