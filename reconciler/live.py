"""The live side: what Dograh holds now, read with a constant number of requests.

Four requests, whatever the number of campaigns: the campaign list, the workflows
(active and archived), the telephony configurations and the campaign defaults, fetched
concurrently. Responses are turned into typed records here, so that the stages after
this one never see Dograh's JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from reconciler.client import DograhClient, DograhError

T = TypeVar("T")

TERMINAL_STATES = frozenset({"completed", "failed"})
STARTED_STATES = frozenset({"syncing", "running", "paused", "completed", "failed"})


@dataclass(frozen=True)
class LiveCampaign:
    id: int
    name: str
    state: str
    workflow_id: int
    workflow_name: str
    source_id: str
    telephony_id: int | None
    telephony_name: str | None
    max_concurrency: int | None
    retry_config: Mapping[str, Any]
    schedule_config: Mapping[str, Any] | None
    circuit_breaker: Mapping[str, Any] | None
    created_at: str
    total_rows: int | None
    processed_rows: int
    parent_campaign_id: int | None
    last_error: str | None
    """The newest error in the campaign's logs, which says why a campaign failed."""


@dataclass(frozen=True)
class Workflow:
    id: int
    name: str
    status: str


@dataclass(frozen=True)
class TelephonyConfig:
    id: int
    name: str
    is_default_outbound: bool
    inactive: bool
    inactive_reason: str | None
    ready: bool
    blocked_reason: str | None
    phone_numbers: int

    def unusable_reason(self) -> str | None:
        """Why Dograh would refuse to create a campaign on it, in Dograh's words."""
        if self.inactive:
            reason = f": {self.inactive_reason}" if self.inactive_reason else ""
            return f"the telephony configuration '{self.name}' is inactive{reason}"
        if not self.ready:
            reason = f" {self.blocked_reason}" if self.blocked_reason else ""
            return f"'{self.name}' is not ready for outbound calls.{reason}"
        return None


@dataclass(frozen=True)
class LiveState:
    campaigns: tuple[LiveCampaign, ...]
    workflows: tuple[Workflow, ...]
    telephony: tuple[TelephonyConfig, ...]
    concurrency_limit: int | None
    """The organization's concurrent call limit (campaign defaults), if Dograh said."""


def fetch_live(client: DograhClient) -> LiveState:
    """Read the organization's state: four requests, run concurrently."""
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="fetch") as pool:
        campaigns = pool.submit(client.list_campaigns)
        workflows = pool.submit(client.list_workflows)
        telephony = pool.submit(client.telephony_configurations)
        defaults = pool.submit(client.campaign_defaults)
        raw_campaigns = campaigns.result()
        raw_workflows = workflows.result()
        raw_telephony = telephony.result()
        raw_defaults = defaults.result()
    limit = raw_defaults.get("concurrent_call_limit")
    return LiveState(
        campaigns=tuple(_parse_each(raw_campaigns, parse_campaign, "campaign")),
        workflows=tuple(_parse_each(raw_workflows, _parse_workflow, "workflow")),
        telephony=tuple(_parse_each(raw_telephony, _parse_telephony, "telephony configuration")),
        concurrency_limit=limit if isinstance(limit, int) and not isinstance(limit, bool) else None,
    )


def _parse_each(
    items: list[dict[str, Any]], parse: Callable[[dict[str, Any]], T], what: str
) -> list[T]:
    parsed = []
    for item in items:
        try:
            parsed.append(parse(item))
        except (KeyError, TypeError, ValueError) as exc:
            ident = item.get("id", "?") if isinstance(item, dict) else "?"
            raise DograhError(
                f"Dograh sent a {what} (id {ident}) this tool cannot read: {exc!r}"
            ) from exc
    return parsed


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _opt_int(value: Any) -> int | None:
    return None if value is None else _int(value)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def parse_campaign(raw: dict[str, Any]) -> LiveCampaign:
    retry = raw.get("retry_config")
    schedule = raw.get("schedule_config")
    breaker = raw.get("circuit_breaker")
    return LiveCampaign(
        id=_int(raw["id"]),
        name=str(raw["name"]),
        state=str(raw["state"]),
        workflow_id=_int(raw["workflow_id"]),
        workflow_name=str(raw.get("workflow_name", "Unknown")),
        source_id=str(raw.get("source_id") or ""),
        telephony_id=_opt_int(raw.get("telephony_configuration_id")),
        telephony_name=_opt_str(raw.get("telephony_configuration_name")),
        max_concurrency=_opt_int(raw.get("max_concurrency")),
        retry_config=dict(retry) if isinstance(retry, dict) else {},
        schedule_config=dict(schedule) if isinstance(schedule, dict) else None,
        circuit_breaker=dict(breaker) if isinstance(breaker, dict) else None,
        created_at=str(raw.get("created_at", "")),
        total_rows=_opt_int(raw.get("total_rows")),
        processed_rows=_int(raw.get("processed_rows", 0)),
        parent_campaign_id=_opt_int(raw.get("parent_campaign_id")),
        last_error=_last_error(raw.get("logs")),
    )


def _last_error(logs: Any) -> str | None:
    if not isinstance(logs, list):
        return None
    for entry in reversed(logs):
        if isinstance(entry, dict) and entry.get("level") == "error" and entry.get("message"):
            return str(entry["message"])
    return None


def _parse_workflow(raw: dict[str, Any]) -> Workflow:
    return Workflow(id=_int(raw["id"]), name=str(raw["name"]), status=str(raw.get("status", "")))


def _parse_telephony(raw: dict[str, Any]) -> TelephonyConfig:
    return TelephonyConfig(
        id=_int(raw["id"]),
        name=str(raw["name"]),
        is_default_outbound=bool(raw.get("is_default_outbound", False)),
        inactive=bool(raw.get("inactive", False)),
        inactive_reason=_opt_str(raw.get("inactive_reason")),
        ready=bool(raw.get("is_ready_for_outbound", True)),
        blocked_reason=_opt_str(raw.get("outbound_blocked_reason")),
        phone_numbers=_int(raw.get("phone_number_count", 0)),
    )
