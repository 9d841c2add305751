"""Campaign operations with Dograh's checks, in Dograh's order, and its exact details.

Each function takes the sandbox state and the caller's organization, does one API
operation and returns the campaign row (or a body); a refusal is an ``HTTPException``
with the status and ``detail`` of docs/dograh-api.md §2.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sqlite3
from typing import Any

from fastapi import HTTPException

from dograh_sandbox import render, sources, telephony, workflows
from dograh_sandbox.bodies import (
    CreateCampaignRequest,
    RedialCampaignRequest,
    UpdateCampaignRequest,
)
from dograh_sandbox.simulation import storage_error
from dograh_sandbox.state import SandboxState
from dograh_sandbox.store import dumps
from dograh_sandbox.timestamps import format_z, to_seconds

NO_TELEPHONY = "You must configure telephony first by going to APP_URL/configure-telephony"
RUN_FILTER_ATTRIBUTES = frozenset(
    {"dateRange", "dispositionCode", "duration", "status", "tokenUsage"}
)
REDIAL_TAGS = {
    "retry_on_voicemail": "voicemail_detected",
    "retry_on_no_answer": "telephony_no-answer",
    "retry_on_busy": "telephony_busy",
}


class ServerError(Exception):
    """Where Dograh's code raises an unhandled exception: the route answers 500 as
    Starlette does (``render.internal_server_error``)."""


def names(state: SandboxState, org_id: int) -> tuple[dict[int, str], dict[int, str]]:
    """JSON-encoded workflow and telephony configuration names of the org, by id."""
    workflows = {
        int(row["id"]): json.dumps(row["name"], ensure_ascii=False)
        for row in state.store.workflows(org_id)
    }
    configs = {
        int(row["id"]): json.dumps(row["name"], ensure_ascii=False)
        for row in state.store.telephony_configs(org_id)
    }
    return workflows, configs


def rendered(state: SandboxState, org_id: int, row: sqlite3.Row) -> str:
    """The campaign's ``CampaignResponse`` JSON."""
    workflows, configs = names(state, org_id)
    [values] = state.store.campaign_values(org_id, int(row["id"]))
    return render.campaign_json(values, workflows, configs)


def listing(state: SandboxState, org_id: int) -> str:
    """``CampaignsResponse`` JSON: every campaign of the org, newest first."""
    workflows, configs = names(state, org_id)
    items = ",".join(
        render.campaign_json(values, workflows, configs)
        for values in state.store.campaign_values(org_id)
    )
    return f'{{"campaigns":[{items}]}}'


def _campaign(state: SandboxState, org_id: int, campaign_id: int) -> sqlite3.Row:
    row = state.store.campaign(org_id, campaign_id)
    if row is None:
        raise HTTPException(status_code=404, detail="Campaign not found")
    return row


def get(state: SandboxState, org_id: int, campaign_id: int) -> sqlite3.Row:
    return _campaign(state, org_id, campaign_id)


def create(
    state: SandboxState, org_id: int, body: CreateCampaignRequest, storage_url: str
) -> sqlite3.Row:
    """Dograh's ``create_campaign``: workflow, CSV, template variables of the *published*
    definition (checked only when it validates as Dograh's DTO and graph, and needs at
    least one variable), telephony, max_concurrency. A workflow without a published
    version fails after the CSV checks, where Dograh dereferences it (500)."""
    store = state.store
    workflow = store.workflow(org_id, body.workflow_id)
    if workflow is None:
        raise HTTPException(status_code=404, detail="Workflow not found")
    stored = store.get_object(body.source_id)
    if stored is None:
        raise HTTPException(status_code=400, detail=storage_error(storage_url))
    table = sources.parse(sources.decode(bytes(stored["content"]), stored["content_type"]))
    checked = sources.check(table)
    if checked.error is not None:
        raise HTTPException(status_code=400, detail=checked.error)
    published = store.workflow_version(body.workflow_id, "published")
    if published is None:
        raise ServerError("create reads workflow.released_definition.workflow_json")
    definition = json.loads(published["workflow_json"])
    required = workflows.required_variables(definition) if definition else None
    if required and checked.headers and checked.rows:
        error = sources.check_template_variables(checked.headers, checked.rows, required)
        if error is not None:
            raise HTTPException(status_code=400, detail=error)
    resolution = telephony.resolve(store, org_id, body.telephony_configuration_id)
    if resolution.config is None:
        raise HTTPException(status_code=400, detail=resolution.error)
    if body.max_concurrency is not None:
        error = telephony.check_max_concurrency(
            store, org_id, body.max_concurrency, resolution.config
        )
        if error is not None:
            raise HTTPException(status_code=400, detail=error)
    now = state.now()
    with store.transaction():
        campaign_id = store.insert_campaign(
            {
                "org_id": org_id,
                "name": body.name,
                "workflow_id": body.workflow_id,
                "state": "created",
                "source_type": body.source_type,
                "source_id": body.source_id,
                "created_at": now,
                **render.stored_settings(
                    body.retry_config, body.schedule_config, body.circuit_breaker
                ),
                "max_concurrency": body.max_concurrency,
                "telephony_configuration_id": resolution.config["id"],
            }
        )
    return _campaign(state, org_id, campaign_id)


def update(
    state: SandboxState, org_id: int, campaign_id: int, body: UpdateCampaignRequest
) -> sqlite3.Row:
    """PATCH: sub-objects replace the stored ones whole; null leaves a field unchanged."""
    row = _campaign(state, org_id, campaign_id)
    if row["state"] in ("completed", "failed"):
        raise HTTPException(status_code=400, detail=f"Cannot update a {row['state']} campaign")
    if body.max_concurrency is not None:
        config_id = row["telephony_configuration_id"]
        config = None if config_id is None else state.store.telephony_config(org_id, config_id)
        error = telephony.check_max_concurrency(state.store, org_id, body.max_concurrency, config)
        if error is not None:
            raise HTTPException(status_code=400, detail=error)
    values: dict[str, Any] = {}
    if body.name is not None:
        values["name"] = body.name
    if body.retry_config is not None:
        values["retry_config"] = render.stored_retry(body.retry_config.model_dump())
    if body.max_concurrency is not None:
        values["max_concurrency"] = body.max_concurrency
    if body.schedule_config is not None:
        values["schedule_config"] = render.stored_schedule(body.schedule_config.model_dump())
    if body.circuit_breaker is not None:
        values["circuit_breaker"] = render.stored_breaker(body.circuit_breaker.model_dump())
    state.store.update_campaign(campaign_id, **values)
    return _campaign(state, org_id, campaign_id)


def _require_telephony(state: SandboxState, org_id: int) -> None:
    """Start and resume refuse an org without any telephony configuration, inactive ones
    included, before they look the campaign up: a 401 that is not about the key."""
    if not state.store.telephony_configs(org_id):
        raise HTTPException(status_code=401, detail=NO_TELEPHONY)


def _require_quota(state: SandboxState, org_id: int) -> None:
    org = state.store.organization(org_id)
    if org is not None and org["quota_error"]:
        raise HTTPException(status_code=402, detail=org["quota_error"])


def start(state: SandboxState, org_id: int, campaign_id: int) -> sqlite3.Row:
    _require_telephony(state, org_id)
    row = _campaign(state, org_id, campaign_id)
    _require_quota(state, org_id)
    if row["state"] != "created":
        raise HTTPException(
            status_code=400,
            detail=f"Campaign must be in 'created' state to start, current state: {row['state']}",
        )
    now = state.now()
    if row["parent_campaign_id"] is not None:
        # A redial child has its queued runs already: no sync, straight to running.
        at = to_seconds(now)
        state.store.update_campaign(
            campaign_id,
            state="running",
            started_at=now,
            source_last_synced_at=now,
            sim=dumps({"next_dial_at": at, "window": [], "last_activity": at}),
        )
    else:
        state.store.update_campaign(
            campaign_id,
            state="syncing",
            started_at=now,
            source_sync_status="in_progress",
            sync_pending=1,
        )
    return _campaign(state, org_id, campaign_id)


def pause(state: SandboxState, org_id: int, campaign_id: int) -> sqlite3.Row:
    row = _campaign(state, org_id, campaign_id)
    if row["state"] not in ("running", "syncing"):
        raise HTTPException(
            status_code=400,
            detail="Campaign must be in 'running' or 'syncing' state to pause, "
            f"current state: {row['state']}",
        )
    state.store.update_campaign(campaign_id, state="paused")
    return _campaign(state, org_id, campaign_id)


def resume(state: SandboxState, org_id: int, campaign_id: int) -> sqlite3.Row:
    _require_telephony(state, org_id)
    row = _campaign(state, org_id, campaign_id)
    _require_quota(state, org_id)
    if row["state"] != "paused":
        raise HTTPException(
            status_code=400,
            detail=f"Campaign must be in 'paused' state to resume, current state: {row['state']}",
        )
    sim = json.loads(row["sim"])
    # circuit_breaker.reset: the window and the recent-failures list start over.
    sim.update(window=[], recent_failures=[], last_failure_at=None)
    state.store.update_campaign(campaign_id, state="running", sim=dumps(sim))
    return _campaign(state, org_id, campaign_id)


def redial(
    state: SandboxState, org_id: int, campaign_id: int, body: RedialCampaignRequest
) -> sqlite3.Row:
    store = state.store
    parent = _campaign(state, org_id, campaign_id)
    if parent["state"] != "completed":
        raise HTTPException(
            status_code=400,
            detail=f"Only completed campaigns can be redialed (current state: {parent['state']})",
        )
    if parent["redialed_campaign_id"]:
        raise HTTPException(status_code=400, detail="This campaign has already been redialed")
    wanted = {tag for flag, tag in REDIAL_TAGS.items() if getattr(body, flag)}
    latest: dict[str, sqlite3.Row] = {}
    for call in store.calls(campaign_id):
        if call["state"] == "processed":
            latest[call["source_uuid"]] = call
    candidates = [
        call
        for call in sorted(latest.values(), key=lambda call: int(call["row_number"]))
        if wanted & set(json.loads(call["tags"]))
    ]
    if not candidates:
        raise HTTPException(
            status_code=400, detail="No subscribers match the selected redial criteria"
        )
    now = state.now()
    retry = (
        render.stored_retry(body.retry_config.model_dump())
        if body.retry_config is not None
        else parent["retry_config"]
    )
    with store.transaction():
        child_id = store.insert_campaign(
            {
                "org_id": org_id,
                "name": body.name or f"{parent['name']} (Redial)",
                "workflow_id": parent["workflow_id"],
                "state": "created",
                "source_type": parent["source_type"],
                "source_id": parent["source_id"],
                "total_rows": len(candidates),
                "total_queued_count": len(candidates),
                # create_redial_campaign: the child's runs exist, its source counts as synced.
                "source_sync_status": "completed",
                "created_at": now,
                "retry_config": retry,
                "max_concurrency": parent["max_concurrency"],
                "schedule_config": parent["schedule_config"],
                "circuit_breaker": parent["circuit_breaker"],
                "parent_campaign_id": parent["id"],
            }
        )
        store.insert_runs(
            {
                "campaign_id": child_id,
                "source_uuid": call["source_uuid"],
                "row_number": call["row_number"],
                "phone_number": call["phone_number"],
                "context": call["context"],
                "state": "queued",
                "retry_count": 0,
                "scheduled_for": 0,
                "created_at": now,
                "tags": "[]",
            }
            for call in candidates
        )
        store.update_campaign(campaign_id, redialed_campaign_id=child_id)
    return _campaign(state, org_id, child_id)


def progress(state: SandboxState, org_id: int, campaign_id: int) -> dict[str, Any]:
    row = _campaign(state, org_id, campaign_id)
    failed_calls = sum(
        1
        for call in state.store.calls(campaign_id)
        if call["call_status"] in ("failed", "busy", "no-answer")
    )
    total = row["total_rows"] or 0
    return {
        "campaign_id": row["id"],
        "state": row["state"],
        "total_rows": total,
        "processed_rows": row["processed_rows"],
        "failed_calls": failed_calls,
        "progress_percentage": float(row["processed_rows"] / total * 100) if total > 0 else 0.0,
        "source_sync": {
            "status": row["source_sync_status"],
            "last_synced_at": format_z(row["source_last_synced_at"]),
            "error": row["source_sync_error"],
        },
        "rate_limit": row["rate_limit"],
        "started_at": format_z(row["started_at"]),
        "completed_at": format_z(row["completed_at"]),
    }


def _call(row: sqlite3.Row, workflow_id: int) -> dict[str, Any]:
    """One run of ``/runs``: a dialed call (Dograh's workflow run, reduced)."""
    ended = row["state"] == "processed"
    duration = (
        (row["ended_at"] - row["started_at"]) / 1_000_000
        if ended and row["ended_at"] is not None
        else None
    )
    return {
        "id": row["id"],
        "workflow_id": workflow_id,
        "name": f"WR-CMP-{row['campaign_id']}-{row['id']}",
        "mode": "sandbox",
        "created_at": format_z(row["started_at"]),
        "completed_at": format_z(row["ended_at"]) if ended else None,
        "is_completed": ended,
        "phone_number": row["phone_number"],
        "call_status": row["call_status"],
        "tags": json.loads(row["tags"]),
        "duration": duration,
        "initial_context": {
            **json.loads(row["context"]),
            "campaign_id": row["campaign_id"],
            "source_uuid": row["source_uuid"],
        },
        "gathered_context": {},
    }


def runs(
    state: SandboxState,
    org_id: int,
    campaign_id: int,
    page: int,
    limit: int,
    filters: str | None,
    sort_by: str | None,
    sort_order: str | None,
) -> dict[str, Any]:
    """Filters are checked as Dograh checks them, then not applied: the sandbox has no
    dispositions, token usage or call quality to filter on."""
    if filters:
        try:
            criteria = json.loads(filters)
        except json.JSONDecodeError:
            raise HTTPException(status_code=400, detail="Invalid filter format") from None
        if not isinstance(criteria, list) or not all(isinstance(item, dict) for item in criteria):
            raise HTTPException(status_code=400, detail="Invalid filter format")
        for item in criteria:
            attribute = item.get("attribute")
            if attribute and attribute not in RUN_FILTER_ATTRIBUTES:
                raise HTTPException(status_code=403, detail=f"Invalid attribute '{attribute}'")
    row = state.store.campaign(org_id, campaign_id)
    if row is None:
        raise HTTPException(status_code=404, detail=f"Campaign {campaign_id} not found")
    calls = [_call(call, int(row["workflow_id"])) for call in state.store.calls(campaign_id)]
    key = "duration" if sort_by == "duration" else "created_at"
    calls.sort(key=lambda call: (call[key] is not None, call[key] or 0, call["id"]))
    if (sort_order or "desc").lower() != "asc":
        calls.reverse()
    start = (page - 1) * limit
    return {
        "runs": calls[start : start + limit],
        "total_count": len(calls),
        "page": page,
        "limit": limit,
        "total_pages": math.ceil(len(calls) / limit),
    }


def source_download(state: SandboxState, org_id: int, campaign_id: int) -> tuple[sqlite3.Row, str]:
    """The campaign, once the checks pass; the route signs the URL."""
    row = _campaign(state, org_id, campaign_id)
    if row["source_type"] != "csv":
        raise HTTPException(
            status_code=400,
            detail="Download URL only available for CSV sources. "
            f"This campaign uses {row['source_type']}",
        )
    if not str(row["source_id"]).startswith(f"campaigns/{org_id}/"):
        raise HTTPException(
            status_code=403,
            detail="Access denied: Source file does not belong to your organization",
        )
    return row, str(row["source_id"])


def report(
    state: SandboxState, org_id: int, campaign_id: int, start: int | None, end: int | None
) -> tuple[str, str]:
    """``(csv text, file name)``: the campaign's finished calls."""
    _campaign(state, org_id, campaign_id)
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(
        ["run_id", "phone_number", "call_status", "tags", "attempt", "created_at", "completed_at"]
    )
    for call in state.store.calls(campaign_id):
        if call["state"] != "processed":
            continue
        if start is not None and call["started_at"] < start:
            continue
        if end is not None and call["started_at"] > end:
            continue
        writer.writerow(
            [
                call["id"],
                call["phone_number"],
                call["call_status"],
                ";".join(json.loads(call["tags"])),
                int(call["retry_count"]) + 1,
                format_z(call["started_at"]),
                format_z(call["ended_at"]),
            ]
        )
    return output.getvalue(), f"campaign_{campaign_id}_report.csv"
