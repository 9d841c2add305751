"""Workflows made and changed through Dograh's public API (``api/routes/workflow.py``), so
that a test needing a workflow of its own, a draft or an archived workflow makes it the
same way on the sandbox and on a real Dograh (docs/sandbox.md, "Conformance").

- ``POST /workflow/create/definition`` (``create_workflow``): the definition is not
  validated as a whole (a draft may be incomplete), only the node counts that have a
  maximum and the transition tool names (422); it becomes version 1, published.
- ``PUT /workflow/{id}`` (``update_workflow``): the same checks (409); a name is changed
  in place, a definition saved as the draft.
- ``POST /workflow/{id}/publish``: the draft becomes the published version, the old one
  archived; an invalid draft is refused (422), with the sandbox's own error list.
- ``PUT /workflow/{id}/status``: ``active`` or ``archived``.

Trigger paths, tool-name collisions with the organization's tools, workflow
configurations and secrets merging are not modelled: the sandbox knows none of them.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel

from dograh_sandbox import render, workflows
from dograh_sandbox.api_catalog import Authorized
from dograh_sandbox.auth import sandbox_of
from dograh_sandbox.render import json_response
from dograh_sandbox.timestamps import format_z

router = APIRouter(prefix="/api/v1")

MAX_ONE = {"startCall": "Start Call", "globalNode": "Global Node"}
"""The node types of ``NodeSpec.graph_constraints.max_instances == 1`` the sandbox knows,
with their display names."""


class CreateWorkflowRequest(BaseModel):
    name: str
    workflow_definition: dict[str, Any]


class UpdateWorkflowRequest(BaseModel):
    name: str | None = None
    workflow_definition: dict[str, Any] | None = None
    template_context_variables: dict[str, Any] | None = None
    workflow_configurations: dict[str, Any] | None = None


class UpdateWorkflowStatusRequest(BaseModel):
    status: str


def _refused(errors: list[dict[str, Any]], status_code: int = 422) -> HTTPException:
    """``_validation_errors_http_exception``: the detail is a ValidateWorkflowResponse."""
    return HTTPException(status_code=status_code, detail={"is_valid": False, "errors": errors})


def _check_draft(definition: dict[str, Any] | None, status_code: int) -> None:
    """What create and update check of a definition that may be incomplete."""
    for check in (node_count_errors, tool_name_errors):
        errors = check(definition) if definition else []
        if errors:
            raise _refused(errors, status_code)


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
    _check_draft(definition, 422)
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


def _not_found(workflow_id: int) -> HTTPException:
    """The ``ValueError`` of the database client, turned into a 404 (``ID`` in capitals)."""
    return HTTPException(status_code=404, detail=f"Workflow with ID {workflow_id} not found")


@router.put("/workflow/{workflow_id}")
async def update_workflow(
    request: Request, workflow_id: int, body: UpdateWorkflowRequest, who: Authorized
) -> Response:
    _check_draft(body.workflow_definition, 409)
    state = sandbox_of(request)
    store = state.store
    if store.workflow(who.org_id, workflow_id) is None:
        raise _not_found(workflow_id)
    with store.transaction():
        if body.name is not None:
            store.rename_workflow(workflow_id, body.name)
        versioned = (
            body.workflow_definition,
            body.template_context_variables,
            body.workflow_configurations,
        )
        if any(value is not None for value in versioned):
            current = store.workflow_version(workflow_id, "draft") or store.workflow_version(
                workflow_id, "published"
            )
            definition = body.workflow_definition
            if definition is None and current is not None:
                definition = json.loads(current["workflow_json"])
            store.save_draft(workflow_id, definition, state.now())
    row = store.workflow(who.org_id, workflow_id)
    published = store.workflow_version(workflow_id, "published")
    active = store.workflow_version(workflow_id, "draft") or published
    assert row is not None and active is not None
    answer = render.workflow(row, active, published)
    answer.update(total_runs=None, workflow_uuid=None)
    return json_response(answer)


@router.post("/workflow/{workflow_id}/publish")
async def publish_workflow(request: Request, workflow_id: int, who: Authorized) -> Response:
    state = sandbox_of(request)
    store = state.store
    if store.workflow(who.org_id, workflow_id) is None:
        raise HTTPException(status_code=404, detail=f"Workflow with id {workflow_id} not found")
    draft = store.workflow_version(workflow_id, "draft")
    if draft is None:
        raise HTTPException(status_code=400, detail="No draft to publish")
    if workflows.required_variables(json.loads(draft["workflow_json"])) is None:
        raise _refused(
            [
                {
                    "kind": "workflow",
                    "id": None,
                    "field": None,
                    "message": "The draft is not a valid workflow (the sandbox does not "
                    "name the problem as Dograh would).",
                }
            ]
        )
    with store.transaction():
        store.publish_draft(workflow_id, state.now())
    published = store.workflow_version(workflow_id, "published")
    assert published is not None
    return json_response(
        {
            "id": published["id"],
            "version_number": published["version_number"],
            "status": published["status"],
            "published_at": format_z(published["published_at"]),
        }
    )


@router.put("/workflow/{workflow_id}/status")
async def update_workflow_status(
    request: Request, workflow_id: int, body: UpdateWorkflowStatusRequest, who: Authorized
) -> Response:
    store = sandbox_of(request).store
    if store.workflow(who.org_id, workflow_id) is None:
        raise _not_found(workflow_id)
    with store.transaction():
        store.set_workflow_status(workflow_id, body.status)
    row = store.workflow(who.org_id, workflow_id)
    published = store.workflow_version(workflow_id, "published")
    assert row is not None and published is not None
    answer = render.workflow(row, published, published)
    answer.update(
        total_runs=row["total_runs"], version_number=None, version_status=None, workflow_uuid=None
    )
    return json_response(answer)
