"""Response bodies, built as plain dicts in the spec's key order.

Listing 10,000 campaigns must answer in well under a second, so campaigns are not passed
through a pydantic response model: this module renders what Dograh's
``_build_campaign_response`` would, and the test suite checks every body against the
component schemas of ``dograh-openapi.json``.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from fastapi import Response

from reconciler.sandbox.timestamps import format_z

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


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def campaign(
    row: sqlite3.Row, workflow_names: dict[int, str], config_names: dict[int, str]
) -> dict[str, Any]:
    """One ``CampaignResponse``."""
    retry = _loads(row["retry_config"]) or DEFAULT_RETRY_CONFIG
    config_id = row["telephony_configuration_id"]
    return {
        "id": row["id"],
        "name": row["name"],
        "workflow_id": row["workflow_id"],
        "workflow_name": workflow_names.get(row["workflow_id"], "Unknown"),
        "state": row["state"],
        "source_type": row["source_type"],
        "source_id": row["source_id"],
        "total_rows": row["total_rows"],
        "processed_rows": row["processed_rows"],
        "failed_rows": row["failed_rows"],
        "created_at": format_z(row["created_at"]),
        "started_at": format_z(row["started_at"]),
        "completed_at": format_z(row["completed_at"]),
        "retry_config": retry_config(retry),
        "max_concurrency": row["max_concurrency"],
        "schedule_config": schedule_config(_loads(row["schedule_config"])),
        "circuit_breaker": circuit_breaker(_loads(row["circuit_breaker"])),
        "executed_count": row["executed_count"],
        "total_queued_count": row["total_queued_count"],
        "parent_campaign_id": row["parent_campaign_id"],
        "redialed_campaign_id": row["redialed_campaign_id"],
        "telephony_configuration_id": config_id,
        "telephony_configuration_name": None if config_id is None else config_names.get(config_id),
        "logs": [_log(entry) for entry in json.loads(row["logs"]) if isinstance(entry, dict)],
    }


def _log(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "ts": entry["ts"],
        "level": entry["level"],
        "event": entry["event"],
        "message": entry["message"],
        "details": entry.get("details"),
    }


def telephony_config(row: sqlite3.Row) -> dict[str, Any]:
    """One ``TelephonyConfigurationListItem``."""
    return {
        "id": row["id"],
        "name": row["name"],
        "provider": row["provider"],
        "connectivity": row["connectivity"],
        "is_default_outbound": bool(row["is_default_outbound"]),
        "inactive": bool(row["inactive"]),
        "inactive_since": format_z(row["inactive_since"]),
        "inactive_reason": row["inactive_reason"],
        "phone_number_count": len(json.loads(row["phone_numbers"])),
        "is_ready_for_outbound": bool(row["ready"]),
        "outbound_blocked_reason": None
        if row["ready"]
        else (row["blocked_reason"] or "Complete the telephony configuration's setup checklist."),
        "created_at": format_z(row["created_at"]),
        "updated_at": format_z(row["updated_at"]),
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


def workflow_definition(variables: list[str]) -> dict[str, Any]:
    """A small published definition whose start node uses the workflow's variables."""
    greeting = " ".join(f"{{{{{name}}}}}" for name in variables)
    return {
        "nodes": [
            {
                "id": "1",
                "type": "startCall",
                "position": {"x": 0, "y": 0},
                "data": {
                    "name": "Start",
                    "prompt": f"You are calling for the sandbox. Context: {greeting}".strip(),
                    "is_start": True,
                },
            },
            {
                "id": "2",
                "type": "endCall",
                "position": {"x": 0, "y": 200},
                "data": {"name": "End", "prompt": "Thank the caller and end the call."},
            },
        ],
        "edges": [
            {
                "id": "1-2",
                "source": "1",
                "target": "2",
                "data": {"label": "done", "condition": "The conversation is over."},
            }
        ],
    }


def workflow(row: sqlite3.Row) -> dict[str, Any]:
    """One ``WorkflowResponse`` (the published version: the sandbox keeps no drafts)."""
    variables = json.loads(row["template_variables"])
    return {
        "id": row["id"],
        "name": row["name"],
        "status": row["status"],
        "created_at": format_z(row["created_at"]),
        "workflow_definition": workflow_definition(variables),
        "current_definition_id": row["id"],
        "template_context_variables": {},
        "call_disposition_codes": None,
        "total_runs": row["total_runs"],
        "workflow_configurations": {},
        "version_number": 1,
        "version_status": "published",
        "workflow_uuid": row["workflow_uuid"],
    }


def json_response(body: Any, status_code: int = 200) -> Response:
    """JSON as FastAPI's ``JSONResponse`` writes it, without a response model's cost."""
    content = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return Response(content.encode("utf-8"), status_code=status_code, media_type="application/json")
