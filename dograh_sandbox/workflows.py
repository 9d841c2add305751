"""Workflow definitions as Dograh reads them: the template variables that create checks
against a campaign's CSV, and the validation that decides whether it checks at all.

Create (``api/routes/campaign.py`` ``create_campaign``) reads the workflow's *published*
definition, builds ``ReactFlowDTO(**definition)`` and ``WorkflowGraph(dto,
skip_instance_constraints_for={"trigger"})``, and asks the graph for
``get_required_template_variables()``; any exception on the way is swallowed and the
campaign is created unchecked. So a definition that Dograh's DTO or graph rejects is
never checked, and the sandbox must reject exactly those too: the pydantic models below
mirror the DTO's node and edge models (field names, types and lax coercion), and
``_graph_is_valid`` the graph's node-count, edge-count and tool-name invariants
(``services/workflow/workflow_graph.py``, the ``graph_constraints`` of ``dto.py``).

Integration node types (Dograh's ``api/services/integrations`` packages) are unknown to
the sandbox: a definition that uses one is invalid here, and so is never checked.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from enum import Enum
from typing import Any

from pydantic import BaseModel, ValidationError, model_validator

TEMPLATE_VAR_PATTERN = r"\{\{\s*([^|\s}]+)(?:\s*\|\s*([^:}]+)(?::([^}]+))?)?\s*\}\}"
"""Dograh's ``TEMPLATE_VAR_PATTERN``: group 1 the variable path, group 2 a filter."""

SYSTEM_VARIABLES = frozenset({"campaign_id", "provider", "source_uuid"})
"""Dograh's ``_SYSTEM_VARIABLES``: injected at call time, never read from the CSV."""

START, AGENT, END, GLOBAL = "startCall", "agentNode", "endCall", "globalNode"
TRIGGER, WEBHOOK, QA = "trigger", "webhook", "qa"


def extract_template_variables(text: str) -> set[str]:
    """Dograh's ``extract_template_variables``: ``{{name}}`` tokens, less dotted paths,
    tokens with a ``| filter`` fallback and the system variables."""
    variables: set[str] = set()
    for match in re.finditer(TEMPLATE_VAR_PATTERN, text):
        name = match.group(1).strip()
        if "." in name or match.group(2) is not None or name in SYSTEM_VARIABLES:
            continue
        variables.add(name)
    return variables


# -- the DTO's models (api/services/workflow/dto.py, node_data.py) ---------------------------


class _Position(BaseModel):
    x: float
    y: float


class _VariableType(str, Enum):
    string = "string"
    number = "number"
    boolean = "boolean"


class _PreCallFetchMode(str, Enum):
    disabled = "disabled"
    always = "always"
    inbound = "inbound"
    outbound = "outbound"


class _ExtractionVariable(BaseModel):
    name: str
    type: _VariableType
    prompt: str | None = None


class _CustomHeader(BaseModel):
    key: str
    value: str


class _NodeData(BaseModel):
    """``BaseNodeData``: ``name`` is required (its ``min_length`` is UI metadata only)."""

    name: str
    is_start: bool = False
    is_end: bool = False


class _Prompted(BaseModel):
    prompt: str | None = None
    allow_interrupt: bool = False
    add_global_prompt: bool = True


class _Extraction(BaseModel):
    extraction_enabled: bool = False
    extraction_prompt: str | None = None
    extraction_variables: list[_ExtractionVariable] | None = None


class _ToolRefs(BaseModel):
    tool_uuids: list[str] | None = None
    document_uuids: list[str] | None = None
    mcp_tool_filters: dict[str, list[str]] | None = None


class _StartData(_NodeData, _Prompted, _Extraction, _ToolRefs):
    is_start: bool = True
    greeting: str | None = None
    greeting_type: str | None = None
    greeting_recording_id: str | None = None
    delayed_start: bool = False
    delayed_start_duration: float | None = None
    pre_call_fetch_mode: _PreCallFetchMode = _PreCallFetchMode.disabled
    pre_call_fetch_url: str | None = None
    pre_call_fetch_credential_uuid: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _legacy_pre_call_fetch(cls, data: Any) -> Any:
        """The DTO's shim for the old ``pre_call_fetch_enabled`` toggle."""
        if not isinstance(data, dict) or "pre_call_fetch_enabled" not in data:
            return data
        data = dict(data)
        enabled = data.pop("pre_call_fetch_enabled")
        if data.get("pre_call_fetch_mode") is None:
            data["pre_call_fetch_mode"] = "always" if enabled else "disabled"
        return data


class _AgentData(_NodeData, _Prompted, _Extraction, _ToolRefs):
    pass


class _EndData(_NodeData, _Prompted, _Extraction):
    is_end: bool = True


class _GlobalData(_NodeData, _Prompted):
    pass


class _TriggerData(_NodeData):
    trigger_path: str | None = None
    enabled: bool = True


class _WebhookData(_NodeData):
    enabled: bool = True
    http_method: str | None = None
    endpoint_url: str | None = None
    credential_uuid: str | None = None
    custom_headers: list[_CustomHeader] | None = None
    payload_template: dict[str, Any] | None = None


class _QAData(_NodeData):
    qa_enabled: bool = True
    qa_use_workflow_llm: bool = True
    qa_provider: str | None = None
    qa_model: str | None = None
    qa_api_key: str | None = None
    qa_endpoint: str | None = None
    qa_system_prompt: str | None = None
    qa_min_call_duration: int = 15
    qa_voicemail_calls: bool = False
    qa_sample_rate: int = 100


_NODE_DATA: dict[str, type[_NodeData]] = {
    START: _StartData,
    AGENT: _AgentData,
    END: _EndData,
    GLOBAL: _GlobalData,
    TRIGGER: _TriggerData,
    WEBHOOK: _WebhookData,
    QA: _QAData,
}
_PROMPT_REQUIRED = frozenset({START, AGENT, END, GLOBAL})


class _Node(BaseModel):
    """``RFNodeDTO``: a known type, its data model, and a non-blank prompt where needed."""

    id: str
    position: _Position
    type: str
    data: Any

    @model_validator(mode="after")
    def _data(self) -> _Node:
        model = _NODE_DATA.get(self.type)
        if model is None:
            raise ValueError(f"Unknown node type: {self.type!r}")
        self.data = model.model_validate(self.data)
        if self.type in _PROMPT_REQUIRED:
            prompt = getattr(self.data, "prompt", None)
            if not prompt or not prompt.strip():
                raise ValueError("Prompt is required")
        return self


class _EdgeData(BaseModel):
    label: str
    condition: str
    transition_speech: str | None = None
    transition_speech_type: str | None = None
    transition_speech_recording_id: str | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> _EdgeData:
        if not self.label or not self.condition:
            raise ValueError("label and condition need at least one character")
        return self


class _Edge(BaseModel):
    id: str
    source: str
    target: str
    data: _EdgeData


class _Flow(BaseModel):
    """``ReactFlowDTO``: every edge's endpoints must be nodes."""

    nodes: list[_Node]
    edges: list[_Edge]

    @model_validator(mode="after")
    def _referential_integrity(self) -> _Flow:
        ids = {node.id for node in self.nodes}
        for edge in self.edges:
            if edge.source not in ids or edge.target not in ids:
                raise ValueError("Edge references missing node")
        return self


# -- the graph's invariants (WorkflowGraph._validate_graph) ---------------------------------

_INSTANCES: dict[str, tuple[int | None, int | None]] = {
    START: (1, 1),
    GLOBAL: (None, 1),
    TRIGGER: (None, 1),
}
"""``(min_instances, max_instances)`` of the node specs that set them."""

_EDGES: dict[str, tuple[int | None, int | None, int | None, int | None]] = {
    START: (0, 0, None, None),
    AGENT: (1, None, None, None),
    END: (1, None, 0, 0),
    GLOBAL: (0, 0, 0, 0),
    TRIGGER: (0, 0, None, None),
    WEBHOOK: (0, 0, 0, 0),
    QA: (0, 0, 0, 0),
}
"""``(min_incoming, max_incoming, min_outgoing, max_outgoing)`` per node type."""


def _tool_name(label: str) -> str:
    return re.sub(r"[^a-z0-9]", "_", label.lower())


def _graph_is_valid(flow: _Flow) -> bool:
    nodes = {node.id: node for node in flow.nodes}  # a repeated id: the last one wins
    counts = Counter(node.type for node in nodes.values())
    for node_type, (least, most) in _INSTANCES.items():
        if node_type == TRIGGER:
            continue  # create skips the trigger's instance constraints
        count = counts.get(node_type, 0)
        if (least is not None and count < least) or (most is not None and count > most):
            return False
    # Adjacency is a dict per source: parallel edges to one target count once.
    targets: dict[str, set[str]] = {node_id: set() for node_id in nodes}
    for edge in flow.edges:
        targets[edge.source].add(edge.target)
    incoming = Counter(target for found in targets.values() for target in found)
    for node_id, node in nodes.items():
        bounds = _EDGES.get(node.type)
        if bounds is None:
            continue
        min_in, max_in, min_out, max_out = bounds
        degree_in, degree_out = incoming.get(node_id, 0), len(targets[node_id])
        if (min_in is not None and degree_in < min_in) or (
            max_in is not None and degree_in > max_in
        ):
            return False
        if (min_out is not None and degree_out < min_out) or (
            max_out is not None and degree_out > max_out
        ):
            return False
    tool_names = Counter((edge.source, _tool_name(edge.data.label)) for edge in flow.edges)
    return all(count < 2 for count in tool_names.values())


def required_variables(definition: Any) -> set[str] | None:
    """The variables create checks, or None where Dograh's extraction raises (an invalid
    definition) and so checks nothing.

    Scanned as ``get_required_template_variables`` scans: the prompts of start, agent,
    end and global nodes, the start node's greeting, every edge's transition_speech.
    """
    if not isinstance(definition, dict):
        return None
    try:
        flow = _Flow.model_validate(definition)
    except ValidationError:
        return None
    if not _graph_is_valid(flow):
        return None
    variables: set[str] = set()
    for node in {node.id: node for node in flow.nodes}.values():
        if node.type in _PROMPT_REQUIRED and node.data.prompt:
            variables |= extract_template_variables(node.data.prompt)
        if node.type == START and node.data.greeting:
            variables |= extract_template_variables(node.data.greeting)
    for edge in flow.edges:
        if edge.data.transition_speech:
            variables |= extract_template_variables(edge.data.transition_speech)
    return variables


def generated_definition(variables: list[str]) -> dict[str, Any]:
    """A small valid definition whose start prompt uses ``variables``: what a seed's
    ``template_variables`` stands for."""
    tokens = " ".join(f"{{{{{name}}}}}" for name in variables)
    return {
        "nodes": [
            {
                "id": "1",
                "type": START,
                "position": {"x": 0, "y": 0},
                "data": {
                    "name": "Start",
                    "prompt": f"You are calling for the sandbox. Context: {tokens}".strip(),
                    "is_start": True,
                },
            },
            {
                "id": "2",
                "type": END,
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


def mask_definition(definition: Any) -> Any:
    """Dograh's ``mask_workflow_definition`` for the core node types: a QA node's
    ``qa_api_key`` shows only its last four characters."""
    if not definition or not isinstance(definition, dict):
        return definition
    masked = copy.deepcopy(definition)
    for node in masked.get("nodes", []):
        if not isinstance(node, dict) or node.get("type") != QA:
            continue
        data = node.get("data", {})
        key = data.get("qa_api_key") if isinstance(data, dict) else None
        if key and isinstance(key, str):
            shown = key[-4:] if len(key) > 4 else ""
            data["qa_api_key"] = "*" * (len(key) - len(shown)) + shown
    return masked
