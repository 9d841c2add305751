"""The live side as typed records: what a Dograh organization holds.

Pure: nothing here speaks HTTP (``client.py`` does, ``fetch.py`` reads an organization
through it), so that resolution, the diff and the renderers import these types without
loading an HTTP library. Dograh's answers are parsed into them with pydantic
``TypeAdapter``s: an answer of another shape is refused with its route and the field
(``AnswerShapeError``), never half-read. Field names are Dograh's (docs/dograh-api.md
§2), so the adapters map answers without hand-written converters; unknown fields are
ignored, as a newer Dograh may add some.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from reconciler.errors import UserError
from reconciler.manifest.messages import format_path

TERMINAL_STATES = frozenset({"completed", "failed"})
"""Dograh accepts no change to a campaign in these states."""
DIALING_STATES = frozenset({"syncing", "running"})
"""States in which Dograh places calls (syncing becomes running by itself)."""
MANIFEST_STATE = {"created": "draft", "syncing": "running", "running": "running"} | dict.fromkeys(
    ("paused", "completed", "failed"), "paused"
)
"""Dograh's state -> the manifest's ``spec.state`` that plans no lifecycle action (a
terminal campaign accepts none; ``paused`` never asks it to dial)."""


BREAKER_EVENT = "circuit_breaker_tripped"
"""The log event of Dograh's circuit breaker pausing a campaign (§3.3)."""


@dataclass(frozen=True, slots=True)
class RetryConfig:
    enabled: bool
    max_retries: int
    retry_delay_seconds: int
    retry_on_busy: bool
    retry_on_no_answer: bool
    retry_on_voicemail: bool


@dataclass(frozen=True, slots=True)
class TimeSlot:
    day_of_week: int
    start_time: str
    end_time: str


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    slots: tuple[TimeSlot, ...]
    enabled: bool = True
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class CircuitBreakerConfig:
    """As Dograh reports it: ``enabled`` defaults to false in its response model, although
    a breaker never sent runs enabled (docs/dograh-api.md §4)."""

    enabled: bool = False
    failure_threshold: float = 0.5
    window_seconds: int = 120
    min_calls_in_window: int = 5


@dataclass(frozen=True, slots=True)
class LogEntry:
    ts: str
    level: str
    event: str
    message: str = ""
    details: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class LiveCampaign:
    id: int
    name: str
    state: str
    workflow_id: int
    source_id: str
    created_at: str
    retry_config: RetryConfig
    workflow_name: str = "Unknown"
    source_type: str = "csv"
    total_rows: int | None = None
    processed_rows: int = 0
    failed_rows: int = 0
    executed_count: int = 0
    """Queued runs dispatched, retries included (docs/dograh-api.md §10.2)."""
    total_queued_count: int = 0
    """Queued runs, retries included: beyond ``total_rows``, the retries queued."""
    started_at: str | None = None
    completed_at: str | None = None
    max_concurrency: int | None = None
    schedule_config: ScheduleConfig | None = None
    circuit_breaker: CircuitBreakerConfig | None = None
    telephony_configuration_id: int | None = None
    telephony_configuration_name: str | None = None
    parent_campaign_id: int | None = None
    redialed_campaign_id: int | None = None
    logs: tuple[LogEntry, ...] = ()

    def last_log(self, *events: str, level: str | None = None) -> LogEntry | None:
        """The newest log entry of these events (any event when none is named)."""
        for entry in reversed(self.logs):
            if (not events or entry.event in events) and (level is None or entry.level == level):
                return entry
        return None

    def breaker_trip(self) -> LogEntry | None:
        """The circuit breaker's trip, when it is what paused the campaign: the newest
        entry of its log (a pause or resume by hand logs nothing, §9, so a trip with
        anything logged after it is history). One rule for plan, status and the drift
        watch."""
        newest = self.last_log()
        return newest if newest is not None and newest.event == BREAKER_EVENT else None

    @property
    def last_error(self) -> str | None:
        """The newest error's message: why a campaign failed, in Dograh's words."""
        entry = self.last_log(level="error")
        return entry.message or entry.event if entry else None


@dataclass(frozen=True, slots=True)
class Workflow:
    id: int
    name: str
    status: str = ""


@dataclass(frozen=True, slots=True)
class WorkflowVersion:
    """One version of a workflow's definition (docs/dograh-api.md §7.4)."""

    id: int
    status: str
    """``draft``, ``published`` or ``archived``."""
    version_number: int | None = None
    workflow_json: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class TelephonyConfig:
    id: int
    name: str
    is_default_outbound: bool = False
    inactive: bool = False
    inactive_reason: str | None = None
    is_ready_for_outbound: bool = True
    outbound_blocked_reason: str | None = None
    phone_number_count: int = 0
    created_at: str = ""

    def unusable_reason(self) -> str | None:
        """Why Dograh would refuse a campaign on it, in Dograh's words (§8)."""
        if self.inactive:
            reason = f": {self.inactive_reason}" if self.inactive_reason else ""
            return f"the telephony configuration '{self.name}' is inactive{reason}"
        if not self.is_ready_for_outbound:
            reason = f" {self.outbound_blocked_reason}" if self.outbound_blocked_reason else ""
            return f"'{self.name}' is not ready for outbound calls.{reason}"
        return None

    def dialing_problem(self) -> str | None:
        """Why a campaign on it would fail once it dials, though Dograh accepts it."""
        if self.phone_number_count == 0:
            return (
                f"the telephony configuration '{self.name}' has no phone numbers: Dograh "
                "would fail the campaign at its first call (phone_number_pool_exhausted)"
            )
        return None


@dataclass(frozen=True, slots=True)
class CampaignDefaults:
    concurrent_call_limit: int | None = None
    from_numbers_count: int | None = None
    default_retry_config: RetryConfig | None = None


@dataclass(frozen=True, slots=True)
class LiveState:
    campaigns: tuple[LiveCampaign, ...]
    workflows: tuple[Workflow, ...]
    telephony: tuple[TelephonyConfig, ...]
    defaults: CampaignDefaults = field(default_factory=CampaignDefaults)

    @property
    def concurrency_limit(self) -> int | None:
        return self.defaults.concurrent_call_limit

    def telephony_by_id(self, config_id: int | None) -> TelephonyConfig | None:
        return next((c for c in self.telephony if c.id == config_id), None)

    def default_telephony(self) -> TelephonyConfig | None:
        """The configuration Dograh picks when a create names none (§8): active ones by
        default-outbound first, then age; the first ready one, else the first."""
        usable = sorted(
            (c for c in self.telephony if not c.inactive),
            key=lambda c: (not c.is_default_outbound, c.created_at, c.id),
        )
        ready = [c for c in usable if c.is_ready_for_outbound]
        candidates = ready or usable
        return candidates[0] if candidates else None


@dataclass(frozen=True, slots=True)
class CampaignList:
    campaigns: tuple[LiveCampaign, ...]


@dataclass(frozen=True, slots=True)
class TelephonyList:
    configurations: tuple[TelephonyConfig, ...]


@dataclass(frozen=True, slots=True)
class OrganizationContext:
    """The key's organization (docs/dograh-api.md §4.4): what a Policy's organization is
    checked against and what the apply lock is keyed by."""

    organization_id: int
    organization_provider_id: str | None = None


@dataclass(frozen=True, slots=True)
class UploadTarget:
    upload_url: str
    file_key: str


@dataclass(frozen=True, slots=True)
class DownloadTarget:
    download_url: str


@dataclass(frozen=True, slots=True)
class SourceSync:
    status: str = ""
    """``pending``, ``in_progress``, ``completed`` or ``failed``."""
    last_synced_at: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class CampaignProgress:
    """``GET /campaign/{id}/progress`` (docs/dograh-api.md §2.10): what the list does not
    carry, the failed calls and the state of the contacts' sync."""

    campaign_id: int
    state: str
    total_rows: int = 0
    processed_rows: int = 0
    failed_calls: int = 0
    """Calls whose last status is failed, busy or no-answer, retries included."""
    progress_percentage: float = 0.0
    source_sync: SourceSync = field(default_factory=SourceSync)


class AnswerShapeError(UserError):
    """Dograh answered with something this tool cannot read (another version, a proxy)."""


T = TypeVar("T")

_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def parse_answer(kind: type[T], body: bytes, route: str) -> T:
    """``body`` (JSON) as ``kind``, or an error that names the route and the field."""
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    try:
        result: T = adapter.validate_json(body)
    except ValidationError as exc:
        raise AnswerShapeError(_shape_message(exc, route)) from None
    return result


def parse_list(kind: type[T], body: bytes, route: str) -> list[T]:
    """A bare JSON list of ``kind`` (Dograh's workflow list has no envelope)."""
    return list(parse_answer(tuple[kind, ...], body, route))  # type: ignore[valid-type]


def _shape_message(exc: ValidationError, route: str) -> str:
    problems = exc.errors(include_url=False, include_input=False)
    shown = "; ".join(
        f"{format_path(problem['loc']) or 'the answer'}: {problem['msg']}"
        for problem in problems[:3]
    )
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return (
        f"Dograh's answer to {route} is not what this tool reads: {shown}{more}. Is the "
        "API URL a Dograh server, and a version this tool supports?"
    )
