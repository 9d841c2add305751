"""The managed campaigns' status: a typed report, built from the one campaign list.

Dograh's list carries, for every campaign at once, what an operator asks first
(docs/dograh-api.md §2.2, §2.4): the state, the row counters, the retries queued, the
log entries that say why a campaign was paused or failed (§9), and the link to its
redial (§2.9). Its ``failed_rows`` counts only busy or unanswered contacts out of
retries (§10.2): a campaign whose every call failed reads 0. So the failed calls are
read from ``/progress`` (§2.10) for each managed campaign that dialled at least once;
``--progress`` reads it for all and shows the contacts' sync too. Rendering is in
reconciler/render/status_text.py.

The report is typed data that serialises itself: ``status --format json`` prints
``StatusReport.model_dump_json()``, a shape documented in the README (a removed or
renamed key increments ``format_version``).

Nothing here prints a phone number or a signed URL: Dograh's log messages are passed
through ``redact``, since a failed sync quotes the signed URL of the contacts file, and
a provider's error may quote the number it could not call.
"""

from __future__ import annotations

import re
import shlex
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from reconciler import __version__
from reconciler.calling_window import is_open, next_start
from reconciler.live import DIALING_STATES, CampaignProgress, LiveCampaign, LogEntry
from reconciler.manifest.load import Manifest
from reconciler.manifest.located import Place
from reconciler.planner.each import Managed
from reconciler.redact import without_phones

STATUS_FORMAT_VERSION: Literal[2] = 2
STATE_ORDER = ("created", "syncing", "running", "paused", "completed", "failed")
FAILURE_EVENTS = ("source_sync_failed", "batch_failed", "phone_number_pool_exhausted")
"""The log events of a campaign failed by Dograh (§3.4, §9), newest first wins."""

_QUERY = re.compile(r"(https?://[^\s?#'\"<>]+)\?[^\s'\"<>]*")


def redact(text: str) -> str:
    """Dograh's words without what they may carry of secrets and personal data: a URL's
    query (a signature that opens the contacts file) and anything shaped like a phone
    number in international form."""
    return without_phones(_QUERY.sub(r"\1?<query removed>", text))


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


class Calls(_Model):
    """The calls Dograh placed, whatever its row counters say."""

    dispatched: int = Field(
        description="Dograh's `executed_count`: calls placed, retries included."
    )
    failed: int | None = Field(
        description="Calls whose last status is failed, busy or no answer, retries included "
        "(from `/progress`); null when it could not be read."
    )
    retried: int | None = Field(
        description="Retries queued: `total_queued_count` beyond `total_rows`; null until the "
        "sync has counted the rows."
    )


class OutsideWindow(_Model):
    """A campaign Dograh would dial, but whose calling window is closed now."""

    now: str = Field(description="Dograh's clock (the `Date` of its answer), ISO 8601.")
    timezone: str = Field(description="The schedule's zone.")
    next_start: str | None = Field(
        description="When the next window opens, ISO 8601 in the schedule's zone; null when "
        "none opens within eight days."
    )


class Redial(_Model):
    id: int
    name: str | None = Field(description="Null when the list does not hold the redial.")
    state: str | None
    managed_by: Place | None = Field(
        description="Where the manifest that manages the redial says so (its own "
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
    manifest: Place = Field(description="Where the manifest's metadata.name is.")
    state: str | None = Field(
        description="Dograh's state: created, syncing, running, paused, completed, failed; "
        "null when the campaign is not in Dograh."
    )
    desired_state: str = Field(description="The manifest's `spec.state`.")
    held: bool = Field(description="Paused in Dograh while its manifest says running.")
    held_by: Literal["circuit_breaker", "by_hand"] | None = Field(
        default=None,
        description="Why it is held: Dograh's circuit breaker (its trip in `reason`), or a "
        "pause by hand or by another tool (no trip in Dograh's logs).",
    )
    resume: str | None = Field(
        default=None, description="The command that resumes a held campaign."
    )
    reason: Reason | None = Field(
        default=None, description="Why it is paused (the newest circuit breaker trip) or failed."
    )
    rows: Rows | None = Field(default=None, description="Null until the campaign is started.")
    calls: Calls | None = Field(default=None, description="Null until the campaign is started.")
    outside_window: OutsideWindow | None = Field(
        default=None,
        description="Set when Dograh would dial the campaign but its calling window is closed.",
    )
    redial: Redial | None = Field(
        default=None, description="The campaign Dograh made to redial this one."
    )
    progress: Progress | None = Field(default=None, description="With `--progress` only.")


class Summary(_Model):
    managed: int = Field(
        description="Entries of `campaigns`, and the redials managed through their parent's "
        "`spec.redial` (shown under the parent's `redial`, with no entry of their own)."
    )
    redials: int = Field(description="Of `managed`, the redials without an entry of their own.")
    states: dict[str, int] = Field(description="Managed campaigns per Dograh state.")
    held: int
    outside_window: int = Field(description="Campaigns Dograh would dial, outside their window.")
    failed: int
    not_created: int = Field(description="Manifests that Dograh has no campaign for yet.")


class StatusReport(_Model):
    """What ``campaigns status`` found, ``--format json`` prints it."""

    format_version: Literal[2] = STATUS_FORMAT_VERSION
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
        every = [*(entry.state for entry in self.campaigns), *redials]
        states = Counter(state for state in every if state is not None)
        ordered = sorted(states, key=lambda s: STATE_ORDER.index(s) if s in STATE_ORDER else 99)
        return Summary(
            managed=len(self.campaigns) + len(redials),
            redials=len(redials),
            states={state: states[state] for state in ordered},
            held=sum(entry.held for entry in self.campaigns),
            outside_window=sum(entry.outside_window is not None for entry in self.campaigns),
            failed=states.get("failed", 0),
            not_created=sum(entry.state is None for entry in self.campaigns),
        )


def build_status(
    managed: Managed,
    progress: Mapping[int, CampaignProgress],
    now: datetime,
    *,
    show_progress: bool = False,
) -> StatusReport:
    """One entry per managed live campaign (a manifest matched to two, in a name
    conflict, has two), and one per manifest that Dograh has no campaign for.
    ``progress``: what ``/progress`` answered, by campaign id (a campaign that never
    dialled needs none: it has no failed call); ``now``: Dograh's clock."""
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
            found = progress.get(campaign_id)
            entry = _entry(manifest, campaign, managed, by_id, found, now)
            if not show_progress:
                entry = entry.model_copy(update={"progress": None})
            entries.append(entry)
    return StatusReport(
        campaigns=tuple(entries),
        unmanaged=len(managed.unmanaged()),
        live=len(managed.live.campaigns),
    )


def _absent(manifest: Manifest) -> CampaignStatus:
    return CampaignStatus(
        name=manifest.name,
        id=manifest.pinned_id,
        manifest=manifest.place("metadata.name"),
        state=None,
        desired_state=manifest.campaign.spec.state,
        held=False,
    )


def _entry(
    manifest: Manifest,
    campaign: LiveCampaign,
    managed: Managed,
    by_id: Mapping[int, LiveCampaign],
    progress: CampaignProgress | None,
    now: datetime,
) -> CampaignStatus:
    desired = manifest.campaign.spec.state
    entry = explanation(campaign)
    held = campaign.state == "paused" and desired == "running"
    started = campaign.state != "created"
    return CampaignStatus(
        name=manifest.name,
        id=campaign.id,
        manifest=manifest.place("metadata.name"),
        state=campaign.state,
        desired_state=desired,
        held=held,
        held_by=None if not held else "by_hand" if entry is None else "circuit_breaker",
        resume=f"campaigns apply --resume {shlex.quote(manifest.name)}" if held else None,
        reason=None if entry is None else _reason(entry),
        rows=None
        if not started
        else Rows(
            total=campaign.total_rows,
            processed=campaign.processed_rows,
            failed=campaign.failed_rows,
        ),
        calls=_calls(campaign, progress) if started else None,
        outside_window=_outside_window(campaign, now),
        redial=_redial(campaign, managed, by_id),
        progress=None if progress is None else _progress(progress),
    )


def _calls(campaign: LiveCampaign, progress: CampaignProgress | None) -> Calls:
    if progress is not None:
        failed: int | None = progress.failed_calls
    else:
        failed = 0 if campaign.executed_count == 0 else None
    total = campaign.total_rows
    return Calls(
        dispatched=campaign.executed_count,
        failed=failed,
        retried=None if total is None else max(0, campaign.total_queued_count - total),
    )


def _outside_window(campaign: LiveCampaign, now: datetime) -> OutsideWindow | None:
    schedule = campaign.schedule_config
    if campaign.state not in DIALING_STATES or schedule is None or is_open(schedule, now):
        return None
    opens = next_start(schedule, now)
    return OutsideWindow(
        now=now.isoformat(timespec="seconds"),
        timezone=schedule.timezone,
        next_start=None if opens is None else opens.isoformat(timespec="minutes"),
    )


def explanation(campaign: LiveCampaign) -> LogEntry | None:
    """The log entry that says why a campaign is paused or failed, if Dograh wrote one.

    A pause writes no log entry (§9), so for a paused campaign this is its circuit
    breaker's trip when that is the newest entry (``LiveCampaign.breaker_trip``, the
    rule the plan's held reasons use too).
    """
    if campaign.state == "failed":
        return campaign.last_log(*FAILURE_EVENTS) or campaign.last_log(level="error")
    if campaign.state == "paused":
        return campaign.breaker_trip()
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
        managed_by: Place | None = manifest.place("metadata.name")
    else:
        managed_by = parents.place("spec.redial") if parents is not None else None
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
