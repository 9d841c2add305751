"""Dograh's campaign routes, ``/api/v1/campaign`` (docs/dograh-api.md §2).

Routes parse, delegate to ``campaigns`` and render; every one is ``async def`` so the
store is only ever used from the event loop.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from dograh_sandbox import campaigns, storage
from dograh_sandbox.auth import Caller, caller, sandbox_of
from dograh_sandbox.bodies import (
    CreateCampaignRequest,
    RedialCampaignRequest,
    UpdateCampaignRequest,
)
from dograh_sandbox.render import internal_server_error, json_response, text_response
from dograh_sandbox.timestamps import to_micros

router = APIRouter(prefix="/api/v1/campaign")
Authorized = Annotated[Caller, Depends(caller)]


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.post("/create")
async def create_campaign(
    request: Request, body: CreateCampaignRequest, who: Authorized
) -> Response:
    state = sandbox_of(request)
    url = storage.object_url(base_url(request), body.source_id)
    try:
        row = campaigns.create(state, who.org_id, body, url)
    except campaigns.ServerError:
        return internal_server_error()
    request.state.created_campaign_id = int(row["id"])
    return text_response(campaigns.rendered(state, who.org_id, row))


@router.get("/")
async def list_campaigns(request: Request, who: Authorized) -> Response:
    return text_response(campaigns.listing(sandbox_of(request), who.org_id))


@router.get("/{campaign_id}")
async def get_campaign(request: Request, campaign_id: int, who: Authorized) -> Response:
    state = sandbox_of(request)
    row = campaigns.get(state, who.org_id, campaign_id)
    return text_response(campaigns.rendered(state, who.org_id, row))


@router.patch("/{campaign_id}")
async def update_campaign(
    request: Request, campaign_id: int, body: UpdateCampaignRequest, who: Authorized
) -> Response:
    state = sandbox_of(request)
    row = campaigns.update(state, who.org_id, campaign_id, body)
    return text_response(campaigns.rendered(state, who.org_id, row))


@router.post("/{campaign_id}/start")
async def start_campaign(request: Request, campaign_id: int, who: Authorized) -> Response:
    state = sandbox_of(request)
    row = campaigns.start(state, who.org_id, campaign_id)
    return text_response(campaigns.rendered(state, who.org_id, row))


@router.post("/{campaign_id}/pause")
async def pause_campaign(request: Request, campaign_id: int, who: Authorized) -> Response:
    state = sandbox_of(request)
    row = campaigns.pause(state, who.org_id, campaign_id)
    return text_response(campaigns.rendered(state, who.org_id, row))


@router.post("/{campaign_id}/resume")
async def resume_campaign(request: Request, campaign_id: int, who: Authorized) -> Response:
    state = sandbox_of(request)
    row = campaigns.resume(state, who.org_id, campaign_id)
    return text_response(campaigns.rendered(state, who.org_id, row))


@router.post("/{campaign_id}/redial")
async def redial_campaign(
    request: Request, campaign_id: int, body: RedialCampaignRequest, who: Authorized
) -> Response:
    state = sandbox_of(request)
    row = campaigns.redial(state, who.org_id, campaign_id, body)
    request.state.created_campaign_id = int(row["id"])
    return text_response(campaigns.rendered(state, who.org_id, row))


@router.get("/{campaign_id}/progress")
async def campaign_progress(request: Request, campaign_id: int, who: Authorized) -> Response:
    return json_response(campaigns.progress(sandbox_of(request), who.org_id, campaign_id))


@router.get("/{campaign_id}/runs")
async def campaign_runs(
    request: Request,
    campaign_id: int,
    who: Authorized,
    page: Annotated[int, Query(ge=1, description="Page number (starts from 1)")] = 1,
    limit: Annotated[int, Query(ge=1, le=100, description="Number of items per page")] = 50,
    filters: Annotated[str | None, Query(description="JSON-encoded filter criteria")] = None,
    sort_by: Annotated[str | None, Query()] = None,
    sort_order: Annotated[str | None, Query()] = "desc",
) -> Response:
    body = campaigns.runs(
        sandbox_of(request), who.org_id, campaign_id, page, limit, filters, sort_by, sort_order
    )
    return json_response(body)


@router.get("/{campaign_id}/source-download-url")
async def source_download_url(request: Request, campaign_id: int, who: Authorized) -> Response:
    state = sandbox_of(request)
    _, key = campaigns.source_download(state, who.org_id, campaign_id)
    expires_at = int(state.clock.now()) + storage.DOWNLOAD_SECONDS
    url = storage.download_url(base_url(request), state.store.secret(), key, expires_at)
    return json_response({"download_url": url, "expires_in": storage.DOWNLOAD_SECONDS})


def _micros(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return to_micros(moment.timestamp())


@router.get("/{campaign_id}/report")
async def campaign_report(
    request: Request,
    campaign_id: int,
    who: Authorized,
    start_date: Annotated[datetime | None, Query()] = None,
    end_date: Annotated[datetime | None, Query()] = None,
) -> Response:
    text, filename = campaigns.report(
        sandbox_of(request), who.org_id, campaign_id, _micros(start_date), _micros(end_date)
    )
    return Response(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
