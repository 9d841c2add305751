"""``POST /workflow/create/definition``: a workflow made through Dograh's public API, so that
a test needing a workflow of its own makes it the same way on the sandbox and on a real
Dograh (docs/sandbox.md, "Conformance").

As Dograh's ``create_workflow`` (``api/routes/workflow.py``) does it: the definition is
not validated as a whole (a draft may be incomplete), only the node counts that have a
maximum and the transition tool names; the definition becomes version 1, published.
Trigger paths and tool-name collisions with the organization's tools are not modelled:
the sandbox knows neither triggers nor tools.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel

from dograh_sandbox import render
from dograh_sandbox.api_catalog import Authorized
from dograh_sandbox.auth import sandbox_of
from dograh_sandbox.render import json_response

router = APIRouter(prefix="/api/v1")

MAX_ONE = {"startCall": "Start Call", "globalNode": "Global Node"}
"""The node types of ``NodeSpec.graph_constraints.max_instances == 1`` the sandbox knows,
with their display names."""


class CreateWorkflowRequest(BaseModel):
    name: str
    workflow_definition: dict[str, Any]


def _refused(errors: list[dict[str, Any]]) -> HTTPException:
    """``_validation_errors_http_exception``: a 422 whose detail is a ValidateWorkflowResponse."""
    return HTTPException(status_code=422, detail={"is_valid": False, "errors": errors})


def node_count_errors(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """``validate_node_instance_constraints`` without the minimums."""
    nodes = definition.get("nodes")
    if not isinstance(nodes, list):
        return []
    counts = Counter(
        node.get("type")
        for node in nodes
        if isinstance(node, dict) and isinstance(node.get("type"), str)
    )
    return [
        {
            "kind": "workflow",
            "id": None,
            "field": None,
            "message": f"Workflow can have at most one {label}",
        }
        for node_type, label in MAX_ONE.items()
        if counts[node_type] > 1
    ]


def tool_name_errors(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """``validate_unique_transition_tool_names``: two edges of one node whose labels make
    the same LLM tool name; each of them is named."""
    edges = definition.get("edges")
    if not isinstance(edges, list):
        return []
    grouped: dict[tuple[str, str], list[str]] = {}
    for edge in edges:
        if not isinstance(edge, dict):
            continue
        data = edge.get("data")
        label = data.get("label") if isinstance(data, dict) else None
        edge_id, source = edge.get("id"), edge.get("source")
        if (
            isinstance(edge_id, str)
            and isinstance(source, str)
            and isinstance(label, str)
            and label
        ):
            tool = re.sub(r"[^a-z0-9]", "_", label.lower())
            grouped.setdefault((source, tool), []).append(edge_id)
    return [
        {
            "kind": "edge",
            "id": edge_id,
            "field": "data.label",
            "message": f'Transition tool name "{tool}" is duplicated for this node. '
            "Use a unique edge label.",
        }
        for (_, tool), edge_ids in grouped.items()
        if len(edge_ids) > 1
        for edge_id in edge_ids
    ]


@router.post("/workflow/create/definition")
async def create_workflow(
    request: Request, body: CreateWorkflowRequest, who: Authorized
) -> Response:
    definition = body.workflow_definition
    for check in (node_count_errors, tool_name_errors):
        errors = check(definition) if definition else []
        if errors:
            raise _refused(errors)
    state = sandbox_of(request)
    store = state.store
    with store.transaction():
        workflow_id = store.create_workflow(who.org_id, body.name, definition, state.now())
    row = store.workflow(who.org_id, workflow_id)
    published = store.workflow_version(workflow_id, "published")
    assert row is not None and published is not None
    answer = render.workflow(row, published, published)
    # The handler's dict leaves these to the response model's defaults.
    answer.update(total_runs=None, version_number=None, version_status=None, workflow_uuid=None)
    return json_response(answer)
