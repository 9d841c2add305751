"""Dograh's read-only catalog: workflows (docs/dograh-api.md §8), the organization's telephony
configurations and campaign defaults, and health."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from dograh_sandbox import render, telephony
from dograh_sandbox.auth import Caller, caller, sandbox_of
from dograh_sandbox.render import json_response

router = APIRouter(prefix="/api/v1")
Authorized = Annotated[Caller, Depends(caller)]
WORKFLOW_STATUSES = ("active", "archived")
SANDBOX_VERSION = "sandbox"


def _statuses(status: str | None) -> list[str]:
    """Dograh's ``_validate_status_filter``: a 422 whose detail is a string."""
    if status is None or status == "":
        return []
    requested = [part.strip() for part in status.split(",")]
    invalid = sorted({part for part in requested if part not in WORKFLOW_STATUSES})
    if invalid:
        shown = ["<empty>" if part == "" else part for part in invalid]
        raise HTTPException(
            status_code=422,
            detail=f"Invalid workflow status filter: {shown}. "
            f"Allowed values: {sorted(WORKFLOW_STATUSES)}.",
        )
    return requested


StatusFilter = Annotated[
    str | None,
    Query(description="Filter by status - active, archived or a comma-separated list"),
]


def _workflow_rows(request: Request, org_id: int, status: str | None) -> list[Any]:
    """The organization's workflows, filtered by status as both listings filter them."""
    store = sandbox_of(request).store
    statuses = _statuses(status)
    if statuses:
        return [row for value in statuses for row in store.workflows(org_id, value)]
    return list(store.workflows(org_id))


@router.get("/workflow/fetch")
async def list_workflows(
    request: Request, who: Authorized, status: StatusFilter = None
) -> Response:
    rows = _workflow_rows(request, who.org_id, status)
    return json_response([render.workflow_listing(row) for row in rows])


@router.get("/workflow/summary")
async def workflow_summary(
    request: Request, who: Authorized, status: StatusFilter = None
) -> Response:
    rows = _workflow_rows(request, who.org_id, status)
    return json_response([{"id": row["id"], "name": row["name"]} for row in rows])


@router.get("/workflow/fetch/{workflow_id}")
async def get_workflow(request: Request, workflow_id: int, who: Authorized) -> Response:
    """The draft when there is one, else the published version; with neither, Dograh's
    handler dereferences a missing published version: a 500."""
    store = sandbox_of(request).store
    row = store.workflow(who.org_id, workflow_id)
    if row is None:
        raise HTTPException(status_code=404, detail=f"Workflow with id {workflow_id} not found")
    published = store.workflow_version(workflow_id, "published")
    active = store.workflow_version(workflow_id, "draft") or published
    if active is None:
        return render.internal_server_error()
    return json_response(render.workflow(row, active, published))


@router.get("/workflow/{workflow_id}/versions")
async def workflow_versions(
    request: Request,
    workflow_id: int,
    who: Authorized,
    limit: Annotated[int | None, Query(ge=1, le=100)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Every version, newest first; ``limit``/``offset`` page as Dograh's do."""
    store = sandbox_of(request).store
    if store.workflow(who.org_id, workflow_id) is None:
        raise HTTPException(status_code=404, detail=f"Workflow with id {workflow_id} not found")
    rows = store.workflow_versions(workflow_id)[offset:]
    if limit is not None:
        rows = rows[:limit]
    return json_response([render.workflow_version(row) for row in rows])


@router.get("/organizations/telephony-configs")
async def telephony_configs(request: Request, who: Authorized) -> Response:
    rows = sandbox_of(request).store.telephony_configs(who.org_id)
    return json_response({"configurations": [telephony.listing_item(row) for row in rows]})


@router.get("/organizations/context")
async def organization_context(request: Request, who: Authorized) -> Response:
    """``routes/organization.py``: the key's organization. Dograh's ``model_services`` (the
    organization's AI service keys) is left out: nothing here reads it."""
    return json_response(
        {"organization_id": who.org_id, "organization_provider_id": f"org_oss_{who.org_id}"}
    )


@router.get("/organizations/campaign-defaults")
async def campaign_defaults(request: Request, who: Authorized) -> Response:
    store = sandbox_of(request).store
    default = next(
        (
            row
            for row in store.telephony_configs(who.org_id)
            if row["is_default_outbound"] and not row["inactive"]
        ),
        None,
    )
    latest = store.latest_campaign(who.org_id)
    last = None
    if latest is not None:
        last = {
            "retry_config": render.retry_config(json.loads(latest["retry_config"])),
            "max_concurrency": latest["max_concurrency"],
            "schedule_config": render.schedule_config(
                None if latest["schedule_config"] is None else json.loads(latest["schedule_config"])
            ),
            "circuit_breaker": render.circuit_breaker(
                None if latest["circuit_breaker"] is None else json.loads(latest["circuit_breaker"])
            ),
        }
    return json_response(
        {
            "concurrent_call_limit": store.org_limit(who.org_id),
            "from_numbers_count": 0
            if default is None
            else len(json.loads(default["phone_numbers"])),
            "default_retry_config": render.retry_config(render.DEFAULT_RETRY_CONFIG),
            "last_campaign_settings": last,
        }
    )


@router.get("/health")
async def health(request: Request) -> Response:
    return json_response(
        {
            "status": "ok",
            "version": SANDBOX_VERSION,
            "backend_api_endpoint": str(request.base_url).rstrip("/"),
            "tunnel_url": None,
            "deployment_mode": "oss",
            "auth_provider": sandbox_of(request).auth_provider,
            "turn_enabled": False,
            "force_turn_relay": False,
            "signup_enabled": False,
            "stack_project_id": None,
            "stack_publishable_client_key": None,
        }
    )
