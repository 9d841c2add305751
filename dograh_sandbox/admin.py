"""The sandbox's admin API, under ``/_sandbox`` with its own token
(``X-Sandbox-Admin-Token``). Not part of Dograh's surface: it resets, drives the clock,
sets faults and simulation settings, reads the request log and bulk-inserts campaigns.
"""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from dograh_sandbox import render, sources, telephony, workflows
from dograh_sandbox.auth import sandbox_of
from dograh_sandbox.bodies import (
    CircuitBreakerConfigRequest,
    RetryConfigRequest,
    ScheduleConfigRequest,
)
from dograh_sandbox.faults import FaultRule
from dograh_sandbox.render import json_response
from dograh_sandbox.seed import Seed, SimulationSettings
from dograh_sandbox.state import SandboxState
from dograh_sandbox.store import dumps
from dograh_sandbox.timestamps import format_z, parse_to_micros, to_seconds

PREFIX = "/_sandbox"


async def _admin(
    request: Request,
    token: Annotated[str | None, Header(alias="X-Sandbox-Admin-Token")] = None,
) -> SandboxState:
    state = sandbox_of(request)
    if token is None or not secrets.compare_digest(token, state.admin_token):
        raise HTTPException(status_code=401, detail="Invalid or missing X-Sandbox-Admin-Token")
    return state


router = APIRouter(prefix=PREFIX, include_in_schema=False)
Admin = Annotated[SandboxState, Depends(_admin)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResetBody(_Body):
    seed: Seed | None = None


class AdvanceBody(_Body):
    seconds: float = Field(ge=0)


class ClockBody(_Body):
    now: str | None = Field(default=None, description="ISO-8601 instant to move the clock to.")
    mode: Literal["realtime", "manual"] | None = None


class FaultsBody(_Body):
    rules: list[FaultRule] = Field(default_factory=list)
    seed: int | None = None


class LogRecord(_Body):
    ts: str
    level: str
    event: str
    message: str
    details: dict[str, Any] | None = None


class CampaignRecord(_Body):
    """One campaign for bulk insert: a full record in any state."""

    name: str
    organization_id: int | None = None
    workflow_id: int | None = None
    workflow: str | None = Field(default=None, description="A workflow name of the org.")
    state: Literal["created", "syncing", "running", "paused", "completed", "failed"] = "created"
    csv: str | None = Field(default=None, description="The CSV content (stored as an object).")
    source_id: str | None = None
    source_type: str = "csv"
    telephony_configuration_id: int | None = None
    telephony: str | None = Field(default=None, description="A configuration name of the org.")
    retry_config: RetryConfigRequest | None = None
    max_concurrency: int | None = None
    schedule_config: ScheduleConfigRequest | None = None
    circuit_breaker: CircuitBreakerConfigRequest | None = None
    total_rows: int | None = None
    processed_rows: int | None = None
    failed_rows: int = 0
    executed_count: int | None = None
    total_queued_count: int | None = None
    created_at: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    logs: list[LogRecord] = Field(default_factory=list)
    parent_campaign_id: int | None = None
    redialed_campaign_id: int | None = None


class WorkflowBody(_Body):
    """A change to a workflow's versions, applied as Dograh's editor would: a new draft
    (saved in place if one exists), then optionally published (the published version is
    archived) or the draft discarded."""

    draft_definition: dict[str, Any] | None = None
    draft_template_variables: list[str] | None = None
    publish: bool = False
    discard_draft: bool = False
    status: Literal["active", "archived"] | None = None


class BulkBody(_Body):
    campaigns: list[CampaignRecord]


def clock_body(state: SandboxState) -> dict[str, Any]:
    return {"now": format_z(state.now()), "mode": state.clock.mode}


def _variables(version: Any) -> list[str] | None:
    """The variables create would check in a version (None: none, or not checked)."""
    if version is None:
        return None
    found = workflows.required_variables(json.loads(version["workflow_json"]))
    return None if found is None else sorted(found)


def workflow_body(state: SandboxState, row: Any) -> dict[str, Any]:
    """``WORKFLOW``: a workflow with its published version and draft, and the variables
    create checks in each (null when there is no such version or its definition does not
    validate, so that create checks nothing)."""
    published = state.store.workflow_version(int(row["id"]), "published")
    draft = state.store.workflow_version(int(row["id"]), "draft")
    return {
        "id": row["id"],
        "name": row["name"],
        "status": row["status"],
        "template_variables": _variables(published),
        "published_version": None if published is None else render.workflow_version(published),
        "draft_template_variables": _variables(draft),
        "draft_version": None if draft is None else render.workflow_version(draft),
    }


def organizations_body(state: SandboxState) -> list[dict[str, Any]]:
    store = state.store
    result = []
    for org in store.organizations():
        org_id = int(org["id"])
        result.append(
            {
                "id": org_id,
                "name": org["name"],
                "concurrency_limit": store.org_limit(org_id),
                "quota_error": org["quota_error"],
                "api_keys": [
                    {
                        "id": key["id"],
                        "key": key["key"],
                        "name": key["name"],
                        "archived": bool(key["archived"]),
                        "owner": key["owner"],
                        "last_used_at": format_z(key["last_used_at"]),
                    }
                    for key in store.api_keys(org_id)
                ],
                "workflows": [workflow_body(state, row) for row in store.workflows(org_id)],
                "telephony_configurations": [
                    telephony.listing_item(row) for row in store.telephony_configs(org_id)
                ],
            }
        )
    return result


@router.get("/state")
async def get_state(state: Admin) -> Response:
    return json_response(
        {
            "clock": clock_body(state),
            "simulation": state.settings.model_dump(),
            "storage": state.storage.model_dump(),
            "faults": {"seed": state.faults.seed, "rules": state.faults.rules()},
            "campaigns": state.store.count_campaigns(),
            "requests": len(state.requests.entries()),
        }
    )


@router.post("/reset")
async def reset(state: Admin, body: ResetBody | None = None) -> Response:
    state.reset(None if body is None else body.seed)
    return json_response({"organizations": organizations_body(state), "clock": clock_body(state)})


@router.get("/organizations")
async def organizations(state: Admin) -> Response:
    return json_response(organizations_body(state))


@router.get("/clock")
async def get_clock(state: Admin) -> Response:
    return json_response(clock_body(state))


@router.post("/clock")
async def set_clock(state: Admin, body: ClockBody) -> Response:
    if body.mode is not None:
        state.clock.set_mode(body.mode)
    if body.now is not None:
        state.set_clock(to_seconds(parse_to_micros(body.now)))
    else:
        state.step()
    return json_response(clock_body(state))


@router.post("/clock/advance")
async def advance(state: Admin, body: AdvanceBody) -> Response:
    state.clock.advance(body.seconds)
    state.step()
    return json_response(clock_body(state))


@router.get("/simulation")
async def get_simulation(state: Admin) -> Response:
    return json_response(state.settings.model_dump())


@router.patch("/simulation")
async def patch_simulation(state: Admin, body: dict[str, Any]) -> Response:
    try:
        state.settings = SimulationSettings.model_validate({**state.settings.model_dump(), **body})
    except ValueError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    state.store.forget_wake_times()
    return json_response(state.settings.model_dump())


@router.get("/faults")
async def get_faults(state: Admin) -> Response:
    return json_response({"seed": state.faults.seed, "rules": state.faults.rules()})


@router.put("/faults")
async def set_faults(state: Admin, body: FaultsBody) -> Response:
    state.faults.configure(body.rules, body.seed)
    return json_response({"seed": state.faults.seed, "rules": state.faults.rules()})


@router.post("/faults/rules")
async def add_fault(state: Admin, body: FaultRule) -> Response:
    state.faults.add(body)
    return json_response({"seed": state.faults.seed, "rules": state.faults.rules()})


@router.delete("/faults")
async def clear_faults(state: Admin) -> Response:
    state.faults.clear()
    return json_response({"seed": state.faults.seed, "rules": []})


@router.get("/requests")
async def get_requests(state: Admin, since: int = 0) -> Response:
    return json_response({"requests": [entry.as_dict() for entry in state.requests.entries(since)]})


@router.delete("/requests")
async def clear_requests(state: Admin) -> Response:
    state.requests.clear()
    return json_response({"requests": []})


@router.get("/campaigns/{campaign_id}/runs")
async def campaign_runs(state: Admin, campaign_id: int) -> Response:
    """Every queued run of a campaign, retries included, as the simulation keeps them."""
    rows = state.store.runs(campaign_id)
    return json_response(
        {
            "runs": [
                {
                    "id": row["id"],
                    "source_uuid": row["source_uuid"],
                    "row_number": row["row_number"],
                    "phone_number": row["phone_number"],
                    "state": row["state"],
                    "retry_count": row["retry_count"],
                    "parent_run_id": row["parent_run_id"],
                    "scheduled_for": format_z(row["scheduled_for"]),
                    "started_at": format_z(row["started_at"]),
                    "ended_at": format_z(row["ended_at"]),
                    "call_status": row["call_status"],
                    "tags": json.loads(row["tags"]),
                    "context": json.loads(row["context"]),
                }
                for row in rows
            ]
        }
    )


@router.get("/workflows/{workflow_id}")
async def get_workflow(state: Admin, workflow_id: int) -> Response:
    row = _workflow_row(state, workflow_id)
    return json_response(workflow_body(state, row))


@router.put("/workflows/{workflow_id}")
async def change_workflow(state: Admin, workflow_id: int, body: WorkflowBody) -> Response:
    """Draft, publish, discard or archive after a reset: what a test needs when the seed
    is not enough (a draft that appears between two plans, a publish that changes the
    variables create checks)."""
    _workflow_row(state, workflow_id)
    if body.draft_definition is not None and body.draft_template_variables is not None:
        raise HTTPException(422, "give draft_definition or draft_template_variables, not both")
    if body.publish and body.discard_draft:
        raise HTTPException(422, "give publish or discard_draft, not both")
    store = state.store
    now = state.now()
    with store.transaction():
        if body.draft_definition is not None:
            store.save_draft(workflow_id, body.draft_definition, now)
        elif body.draft_template_variables is not None:
            store.save_draft(
                workflow_id, workflows.generated_definition(body.draft_template_variables), now
            )
        if body.publish and not store.publish_draft(workflow_id, now):
            raise HTTPException(400, "No draft to publish")
        if body.discard_draft and not store.discard_draft(workflow_id):
            raise HTTPException(400, "No draft to discard")
        if body.status is not None:
            store.db.execute(
                "UPDATE workflows SET status = ? WHERE id = ?", (body.status, workflow_id)
            )
    return json_response(workflow_body(state, _workflow_row(state, workflow_id)))


def _workflow_row(state: SandboxState, workflow_id: int) -> Any:
    row = state.store.db.execute("SELECT * FROM workflows WHERE id = ?", (workflow_id,)).fetchone()
    if row is None:
        raise HTTPException(404, f"No workflow {workflow_id}")
    return row


@router.post("/campaigns")
async def insert_campaigns(state: Admin, body: BulkBody) -> Response:
    ids = _bulk_insert(state, body.campaigns)
    return json_response({"ids": ids})


def _bulk_insert(state: SandboxState, records: list[CampaignRecord]) -> list[int]:
    store = state.store
    now = state.now()
    orgs = [int(org["id"]) for org in store.organizations()]
    workflows: dict[int, list[Any]] = {org: store.workflows(org) for org in orgs}
    configs: dict[int, list[Any]] = {org: store.telephony_configs(org) for org in orgs}
    parsed: dict[tuple[str, str], list[sources.Contact]] = {}
    contexts: dict[tuple[str, str], list[str]] = {}
    runs: list[tuple[Any, ...]] = []
    defaults: dict[int, int | None] = {}
    ids: list[int] = []
    with store.transaction():
        for index, record in enumerate(records):
            org_id = record.organization_id or orgs[0]
            if org_id not in workflows:
                raise HTTPException(422, f"campaigns[{index}]: no organization {org_id}")
            workflow_id = record.workflow_id
            if workflow_id is None:
                matching = [
                    row
                    for row in workflows[org_id]
                    if record.workflow is None or row["name"] == record.workflow
                ]
                if not matching:
                    raise HTTPException(422, f"campaigns[{index}]: no workflow {record.workflow!r}")
                workflow_id = int(matching[0]["id"])
            config_id = record.telephony_configuration_id
            if config_id is None and record.telephony is not None:
                named = [row for row in configs[org_id] if row["name"] == record.telephony]
                if not named:
                    raise HTTPException(
                        422, f"campaigns[{index}]: no telephony configuration {record.telephony!r}"
                    )
                config_id = int(named[0]["id"])
            if config_id is None:
                if org_id not in defaults:
                    resolved = telephony.resolve(store, org_id, None).config
                    defaults[org_id] = None if resolved is None else int(resolved["id"])
                config_id = defaults[org_id]
            source_id = record.source_id or (
                f"campaigns/{org_id}/{uuid.uuid4()}_{_slug(record.name)}.csv"
            )
            contacts: list[sources.Contact] = []
            if record.csv is not None:
                store.put_object(source_id, record.csv.encode(), "text/csv", now)
                cache_key = (source_id if record.source_id else "", record.csv)
                if cache_key not in parsed:
                    parsed[cache_key] = sources.contacts(source_id, sources.parse(record.csv))
                    contexts[cache_key] = [dumps(c.context) for c in parsed[cache_key]]
                contacts = parsed[cache_key]
            created = _micros(record.created_at, now)
            started = _micros(record.started_at, None if record.state == "created" else created)
            synced = record.state in ("running", "paused", "completed")
            total = (
                record.total_rows
                if record.total_rows is not None
                else (len(contacts) if synced else None)
            )
            default_processed = (total or 0) if record.state == "completed" else 0
            processed = (
                record.processed_rows if record.processed_rows is not None else default_processed
            )
            completed_at = _micros(
                record.completed_at, created if record.state == "completed" else None
            )
            make_runs = record.state in ("running", "paused") and bool(contacts)
            campaign_id = store.insert_campaign(
                {
                    "org_id": org_id,
                    "name": record.name,
                    "workflow_id": workflow_id,
                    "state": record.state,
                    "source_type": record.source_type,
                    "source_id": source_id,
                    "total_rows": total,
                    "processed_rows": processed,
                    "failed_rows": record.failed_rows,
                    "created_at": created,
                    "started_at": started,
                    "completed_at": completed_at,
                    **render.stored_settings(
                        record.retry_config, record.schedule_config, record.circuit_breaker
                    ),
                    "max_concurrency": record.max_concurrency,
                    "parent_campaign_id": record.parent_campaign_id,
                    "redialed_campaign_id": record.redialed_campaign_id,
                    "telephony_configuration_id": config_id,
                    "logs": dumps([entry.model_dump() for entry in record.logs]),
                    "executed_count": record.executed_count
                    if record.executed_count is not None
                    else (min(processed, len(contacts)) if make_runs else processed),
                    "total_queued_count": record.total_queued_count
                    if record.total_queued_count is not None
                    else (len(contacts) if make_runs else (total or 0)),
                    "source_sync_status": "completed"
                    if synced
                    else ("in_progress" if record.state == "syncing" else "pending"),
                    "source_last_synced_at": started if synced else None,
                    "sync_pending": 1 if record.state == "syncing" else 0,
                    "sim": dumps(
                        {
                            "next_dial_at": to_seconds(now),
                            "window": [],
                            "last_activity": to_seconds(now),
                        }
                    ),
                }
            )
            if make_runs:
                done = min(processed, len(contacts))
                at = started or now
                runs.extend(
                    (
                        campaign_id,
                        contact.source_uuid,
                        contact.row_number,
                        contact.phone_number,
                        contexts[cache_key][position],
                        "processed" if position < done else "queued",
                        0,
                        None,
                        at,
                        at,
                        at if position < done else None,
                        at if position < done else None,
                        "completed" if position < done else None,
                        '["completed"]' if position < done else "[]",
                    )
                    for position, contact in enumerate(contacts)
                )
            ids.append(campaign_id)
        store.insert_run_values(runs)
    return ids


def _micros(text: str | None, default: int | None) -> int | None:
    return default if text is None else parse_to_micros(text)


def _slug(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)
    return cleaned[:60] or "campaign"
