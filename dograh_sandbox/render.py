"""Response bodies, built as plain dicts in the spec's key order.

Listing 10,000 campaigns must answer in well under a second, so campaigns are not passed
through a pydantic response model: this module renders what Dograh's
``_build_campaign_response`` would, and the test suite checks every body against the
component schemas of ``dograh-openapi.json``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from json.encoder import encode_basestring
from typing import Any

from fastapi import Response
from pydantic import BaseModel

from dograh_sandbox.timestamps import format_z
from dograh_sandbox.workflows import mask_definition

DEFAULT_RETRY_CONFIG: dict[str, Any] = {
    "enabled": True,
    "max_retries": 1,
    "retry_delay_seconds": 120,
    "retry_on_busy": True,
    "retry_on_no_answer": True,
    "retry_on_voicemail": False,
}
"""Dograh's ``DEFAULT_CAMPAIGN_RETRY_CONFIG``: stored when create sends no retry_config."""

_RESPONSE_BREAKER_DEFAULTS: dict[str, Any] = {
    "enabled": False,
    "failure_threshold": 0.5,
    "window_seconds": 120,
    "min_calls_in_window": 5,
}
"""``CircuitBreakerConfigResponse``'s defaults: an omitted breaker shows as disabled."""


def retry_config(stored: dict[str, Any]) -> dict[str, Any]:
    return {
        "enabled": bool(stored["enabled"]),
        "max_retries": int(stored["max_retries"]),
        "retry_delay_seconds": int(stored["retry_delay_seconds"]),
        "retry_on_busy": bool(stored["retry_on_busy"]),
        "retry_on_no_answer": bool(stored["retry_on_no_answer"]),
        "retry_on_voicemail": bool(stored["retry_on_voicemail"]),
    }


def schedule_config(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    if not stored:
        return None
    return {
        "enabled": bool(stored.get("enabled", False)),
        "timezone": stored.get("timezone", "UTC"),
        "slots": [
            {
                "day_of_week": int(slot["day_of_week"]),
                "start_time": str(slot["start_time"]),
                "end_time": str(slot["end_time"]),
            }
            for slot in stored.get("slots", [])
        ],
    }


def circuit_breaker(stored: dict[str, Any] | None) -> dict[str, Any]:
    merged = {**_RESPONSE_BREAKER_DEFAULTS, **(stored or {})}
    return {
        "enabled": bool(merged["enabled"]),
        "failure_threshold": float(merged["failure_threshold"]),
        "window_seconds": int(merged["window_seconds"]),
        "min_calls_in_window": int(merged["min_calls_in_window"]),
    }


RESPONSE_COLUMNS = (
    "id, name, workflow_id, state, source_type, source_id, total_rows, processed_rows, "
    "failed_rows, created_at, started_at, completed_at, retry_config, max_concurrency, "
    "schedule_config, circuit_breaker, executed_count, total_queued_count, "
    "parent_campaign_id, redialed_campaign_id, telephony_configuration_id, logs"
)
"""The columns ``campaign_json`` reads, in its order."""

UNKNOWN_WORKFLOW = '"Unknown"'
"""Dograh's ``workflow_name`` when the workflow lookup fails."""
DEFAULT_RETRY_TEXT = json.dumps(DEFAULT_RETRY_CONFIG, separators=(",", ":"))
DEFAULT_BREAKER_TEXT = json.dumps(_RESPONSE_BREAKER_DEFAULTS, separators=(",", ":"))


def _string(value: str) -> str:
    """A JSON string, as ``json.dumps(value, ensure_ascii=False)`` writes it (C speed)."""
    return encode_basestring(value)


def _number(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def _instant(micros: int | None) -> str:
    return "null" if micros is None else f'"{format_z(micros)}"'


def campaign_json(
    values: Sequence[Any], workflow_names: dict[int, str], config_names: dict[int, str]
) -> str:
    """One ``CampaignResponse`` as JSON text, from a row of ``RESPONSE_COLUMNS``.

    The sub-objects are stored as the response shows them (``stored_*`` below), so they
    are copied, not parsed: this is what lets a list of 10,000 campaigns answer fast.
    ``workflow_names`` and ``config_names`` hold JSON-encoded names by id.
    """
    (
        campaign_id,
        name,
        workflow_id,
        state,
        source_type,
        source_id,
        total_rows,
        processed_rows,
        failed_rows,
        created_at,
        started_at,
        completed_at,
        retry,
        max_concurrency,
        schedule,
        breaker,
        executed_count,
        total_queued_count,
        parent_id,
        redialed_id,
        config_id,
        logs,
    ) = values
    config_name = "null" if config_id is None else config_names.get(config_id, "null")
    return (
        f'{{"id":{campaign_id},"name":{_string(name)},"workflow_id":{workflow_id},'
        f'"workflow_name":{workflow_names.get(workflow_id, UNKNOWN_WORKFLOW)},'
        f'"state":"{state}","source_type":{_string(source_type)},'
        f'"source_id":{_string(source_id)},"total_rows":{_number(total_rows)},'
        f'"processed_rows":{processed_rows},"failed_rows":{failed_rows},'
        f'"created_at":{_instant(created_at)},"started_at":{_instant(started_at)},'
        f'"completed_at":{_instant(completed_at)},"retry_config":{retry or DEFAULT_RETRY_TEXT},'
        f'"max_concurrency":{_number(max_concurrency)},"schedule_config":{schedule or "null"},'
        f'"circuit_breaker":{breaker or DEFAULT_BREAKER_TEXT},'
        f'"executed_count":{executed_count},"total_queued_count":{total_queued_count},'
        f'"parent_campaign_id":{_number(parent_id)},"redialed_campaign_id":{_number(redialed_id)},'
        f'"telephony_configuration_id":{_number(config_id)},'
        f'"telephony_configuration_name":{config_name},"logs":{logs}}}'
    )


def stored_retry(config: dict[str, Any]) -> str:
    """A retry_config as stored: its response form."""
    return json.dumps(retry_config(config), separators=(",", ":"))


def stored_schedule(config: dict[str, Any] | None) -> str | None:
    shown = schedule_config(config)
    return None if shown is None else json.dumps(shown, separators=(",", ":"))


def stored_breaker(config: dict[str, Any] | None) -> str | None:
    """None when omitted: the response then shows the disabled default (the quirk)."""
    return None if config is None else json.dumps(circuit_breaker(config), separators=(",", ":"))


def stored_settings(
    retry: BaseModel | None, schedule: BaseModel | None, breaker: BaseModel | None
) -> dict[str, str | None]:
    """A create's (or a bulk insert's) settings as stored: an omitted retry_config takes
    Dograh's constant, an omitted schedule or breaker stays absent."""
    return {
        "retry_config": stored_retry(
            retry.model_dump() if retry is not None else DEFAULT_RETRY_CONFIG
        ),
        "schedule_config": None if schedule is None else stored_schedule(schedule.model_dump()),
        "circuit_breaker": None if breaker is None else stored_breaker(breaker.model_dump()),
    }


def log(entry: dict[str, Any]) -> dict[str, Any]:
    """A log entry in its response form (``details`` always present)."""
    return {
        "ts": str(entry["ts"]),
        "level": str(entry["level"]),
        "event": str(entry["event"]),
        "message": str(entry["message"]),
        "details": entry.get("details"),
    }


def workflow_listing(row: sqlite3.Row) -> dict[str, Any]:
    """One ``WorkflowListResponse``."""
    return {
        "id": row["id"],
        "name": row["name"],
        "status": row["status"],
        "created_at": format_z(row["created_at"]),
        "total_runs": row["total_runs"],
        "folder_id": None,
        "workflow_uuid": row["workflow_uuid"],
    }


def workflow_version(row: sqlite3.Row) -> dict[str, Any]:
    """One ``WorkflowVersionResponse`` (``api/routes/workflow.py``)."""
    return {
        "id": row["id"],
        "version_number": row["version_number"],
        "status": row["status"],
        "created_at": format_z(row["created_at"]),
        "published_at": format_z(row["published_at"]),
        "workflow_json": mask_definition(json.loads(row["workflow_json"])),
        "workflow_configurations": json.loads(row["workflow_configurations"]),
        "template_context_variables": json.loads(row["template_context_variables"]),
    }


def workflow(
    row: sqlite3.Row, active: sqlite3.Row, published: sqlite3.Row | None
) -> dict[str, Any]:
    """One ``WorkflowResponse`` of ``GET /workflow/fetch/{id}``: the ``active`` version's
    content (the draft when there is one, else the published one).

    As Dograh's handler builds it: ``current_definition_id`` is the published (current)
    version's id; ``total_runs`` is not set there, so it is null; the workflow's
    ``call_disposition_codes`` column defaults to ``{}``, which the response model shows as
    ``{"disposition_codes": []}``.
    """
    return {
        "id": row["id"],
        "name": row["name"],
        "status": row["status"],
        "created_at": format_z(row["created_at"]),
        "workflow_definition": mask_definition(json.loads(active["workflow_json"])),
        "current_definition_id": None if published is None else published["id"],
        "template_context_variables": json.loads(active["template_context_variables"]),
        "call_disposition_codes": {"disposition_codes": []},
        "total_runs": None,
        "workflow_configurations": json.loads(active["workflow_configurations"]),
        "version_number": active["version_number"],
        "version_status": active["status"],
        "workflow_uuid": row["workflow_uuid"],
    }


def internal_server_error() -> Response:
    """What Dograh answers where its code raises an unhandled exception: Starlette's
    ``ServerErrorMiddleware`` response."""
    return Response(
        b"Internal Server Error", status_code=500, media_type="text/plain; charset=utf-8"
    )


def json_response(body: Any, status_code: int = 200) -> Response:
    """JSON as FastAPI's ``JSONResponse`` writes it, without a response model's cost."""
    content = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text_response(content, status_code)


def text_response(content: str, status_code: int = 200) -> Response:
    """JSON already rendered as text."""
    return Response(content.encode("utf-8"), status_code=status_code, media_type="application/json")
