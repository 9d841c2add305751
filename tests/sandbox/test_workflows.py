"""Workflow versions as Dograh keeps them: ``GET /workflow/{id}/versions``, the draft that
``GET /workflow/fetch/{id}`` prefers, and create's template-variable check, which reads
the *published* definition and extracts variables as ``workflow_graph.py`` does.

The spec has no component for ``WorkflowVersionResponse``: ``VERSION_KEYS`` and
``assert_version`` follow the model in Dograh's ``api/routes/workflow.py``.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from dograh_sandbox.testing import DograhTarget, SandboxHandle
from dograh_sandbox.workflows import extract_template_variables, generated_definition
from tests.sandbox.helpers import call, create, created
from tests.sandbox.spec import assert_schema, assert_z

VERSION_KEYS: dict[str, type | tuple[type, ...]] = {
    "id": int,
    "version_number": int,
    "status": str,
    "created_at": str,
    "published_at": (str, type(None)),
    "workflow_json": dict,
    "workflow_configurations": (dict, type(None)),
    "template_context_variables": (dict, type(None)),
}


def assert_version(version: dict[str, Any]) -> None:
    """One ``WorkflowVersionResponse``: exactly its keys, their types, Dograh's statuses."""
    assert set(version) == set(VERSION_KEYS), sorted(version)
    for key, kind in VERSION_KEYS.items():
        assert isinstance(version[key], kind), (key, version[key])
    assert version["status"] in ("draft", "published", "archived")
    assert_z(version["created_at"])
    assert_z(version["published_at"])


def versions(target: DograhTarget | SandboxHandle, workflow_id: int) -> list[dict[str, Any]]:
    answer = call(target, "GET", f"/api/v1/workflow/{workflow_id}/versions")
    assert answer.status_code == 200, answer.text
    body: list[dict[str, Any]] = answer.json()
    for version in body:
        assert_version(version)
    return body


def flow(
    prompt: str = "Hello.",
    *,
    greeting: str | None = None,
    end_prompt: str = "Goodbye.",
    speech: str | None = None,
    extra_nodes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A valid definition: start -> end, with the texts Dograh scans where asked."""
    definition = generated_definition([])
    start, end = definition["nodes"]
    start["data"]["prompt"] = prompt
    if greeting is not None:
        start["data"]["greeting"] = greeting
    end["data"]["prompt"] = end_prompt
    if speech is not None:
        definition["edges"][0]["data"]["transition_speech"] = speech
    definition["nodes"] += extra_nodes or []
    return definition


def agent(node_id: str) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": "agentNode",
        "position": {"x": 0, "y": 0},
        "data": {"name": node_id, "prompt": "Ask."},
    }


def edge(source: str, target: str, label: str) -> dict[str, Any]:
    return {
        "id": f"{source}-{target}-{label}",
        "source": source,
        "target": target,
        "data": {"label": label, "condition": "When it is time."},
    }


def one_workflow(**workflow: Any) -> dict[str, Any]:
    return {
        "organizations": [
            {
                "name": "o",
                "workflows": [{"name": "w", **workflow}],
                "telephony_configurations": [{"name": "T", "phone_numbers": 2}],
            }
        ]
    }


# -- conformance-capable: shapes and consistency, on the sandbox or a real Dograh ------------


def test_versions_and_fetch_agree(dograh: DograhTarget) -> None:
    """Newest first; at most one draft and one published; fetch shows the draft when
    there is one (``version_status`` says which), and points at the published one."""
    workflow = dograh.workflow()
    found = versions(dograh, workflow.id)
    numbers = [version["version_number"] for version in found]
    assert numbers == sorted(numbers, reverse=True)
    drafts = [version for version in found if version["status"] == "draft"]
    published = [version for version in found if version["status"] == "published"]
    assert len(drafts) <= 1 and len(published) == 1
    answer = call(dograh, "GET", f"/api/v1/workflow/fetch/{workflow.id}")
    assert_schema(answer.json(), "WorkflowResponse")
    body = answer.json()
    shown = drafts[0] if drafts else published[0]
    assert (body["version_number"], body["version_status"]) == (
        shown["version_number"],
        shown["status"],
    )
    assert body["workflow_definition"] == shown["workflow_json"]
    assert body["current_definition_id"] == published[0]["id"]
    assert body["total_runs"] is None  # the handler never sets it


def test_versions_paging_and_refusals(dograh: DograhTarget) -> None:
    workflow_id = dograh.workflow().id
    everything = versions(dograh, workflow_id)
    first = call(dograh, "GET", f"/api/v1/workflow/{workflow_id}/versions", params={"limit": 1})
    assert first.json() == everything[:1]
    rest = call(dograh, "GET", f"/api/v1/workflow/{workflow_id}/versions", params={"offset": 1})
    assert rest.json() == everything[1:]
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}):
        refused = call(dograh, "GET", f"/api/v1/workflow/{workflow_id}/versions", params=params)
        assert refused.status_code == 422
        assert_schema(refused.json(), "HTTPValidationError")
    missing = call(dograh, "GET", f"/api/v1/workflow/{2**31 - 1}/versions")
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": f"Workflow with id {2**31 - 1} not found"},
    )


def test_a_csv_without_the_published_variables_is_refused(dograh: DograhTarget) -> None:
    workflow = dograh.workflow()
    if not workflow.variables:
        pytest.skip("the organization's first workflow uses no template variable")
    first = workflow.variables[0]
    lines = dograh.contacts_csv(2).splitlines()
    header = lines[0].split(",")
    keep = [index for index, column in enumerate(header) if column != first]
    csv = "\n".join(",".join(line.split(",")[i] for i in keep) for line in lines) + "\n"
    answer = create(dograh, csv)
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith(
        "Workflow uses template variables that are missing from the source data: "
    )
    assert f"'{first}'" in answer.json()["detail"]


# -- the sandbox's seeds and admin routes ----------------------------------------------------


def own_workflow(dograh: DograhTarget, purpose: str, variables: list[str]) -> int:
    """A workflow for one test alone (its definition names the test's purpose), which the
    test may change: no other test of the run shares it."""
    definition = generated_definition(variables)
    definition["nodes"][0]["data"]["prompt"] += f" ({purpose})"
    return dograh.new_workflow(definition, purpose)


def save_draft(dograh: DograhTarget, workflow_id: int, variables: list[str]) -> Any:
    answer = call(
        dograh,
        "PUT",
        f"/api/v1/workflow/{workflow_id}",
        json={"workflow_definition": generated_definition(variables)},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def publish(dograh: DograhTarget, workflow_id: int) -> Any:
    answer = call(dograh, "POST", f"/api/v1/workflow/{workflow_id}/publish")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_draft_is_shown_and_the_published_version_checked(dograh: DograhTarget) -> None:
    workflow_id = own_workflow(dograh, "draft-shown", ["first_name"])
    saved = save_draft(dograh, workflow_id, ["nickname"])
    assert (saved["version_number"], saved["version_status"]) == (2, "draft")
    draft, published = versions(dograh, workflow_id)
    assert (draft["version_number"], draft["status"], draft["published_at"]) == (2, "draft", None)
    assert (published["version_number"], published["status"]) == (1, "published")
    assert published["published_at"] is not None
    assert "{{nickname}}" in draft["workflow_json"]["nodes"][0]["data"]["prompt"]
    body = call(dograh, "GET", f"/api/v1/workflow/fetch/{workflow_id}").json()
    assert_schema(body, "WorkflowResponse")
    assert (body["version_number"], body["version_status"]) == (2, "draft")
    assert body["current_definition_id"] == published["id"]
    assert body["call_disposition_codes"] == {"disposition_codes": []}
    # Create checks the published definition, not the draft.
    csv = "phone_number,first_name\n+15550000001,Ada\n"
    assert created(dograh, csv, workflow_id=workflow_id)
    refused = create(dograh, "phone_number,nickname\n+15550000001,Ada\n", workflow_id=workflow_id)
    assert refused.json()["detail"].startswith(
        "Workflow uses template variables that are missing from the source data: 'first_name'"
    )


def test_publish_archives_the_published_version(dograh: DograhTarget) -> None:
    workflow_id = own_workflow(dograh, "publish", ["first_name"])
    save_draft(dograh, workflow_id, ["city"])
    published = publish(dograh, workflow_id)
    assert (published["version_number"], published["status"]) == (2, "published")
    assert_z(published["published_at"])
    statuses = [(v["version_number"], v["status"]) for v in versions(dograh, workflow_id)]
    assert statuses == [(2, "published"), (1, "archived")]
    body = call(dograh, "GET", f"/api/v1/workflow/fetch/{workflow_id}").json()
    assert (body["version_number"], body["version_status"]) == (2, "published")
    csv = "phone_number,first_name\n+15550000001,Ada\n"
    refused = create(dograh, csv, workflow_id=workflow_id)
    assert "'city'" in refused.json()["detail"]
    # A new draft takes the next number.
    assert save_draft(dograh, workflow_id, [])["version_number"] == 3


def test_workflow_changes_refused(dograh: DograhTarget) -> None:
    workflow_id = own_workflow(dograh, "refusals", [])
    assert call(dograh, "POST", f"/api/v1/workflow/{workflow_id}/publish").json() == {
        "detail": "No draft to publish"
    }
    two_starts = generated_definition([])
    two_starts["nodes"].append({**copy.deepcopy(two_starts["nodes"][0]), "id": "s2"})
    update = call(
        dograh,
        "PUT",
        f"/api/v1/workflow/{workflow_id}",
        json={"workflow_definition": two_starts},
    )
    assert update.status_code == 409
    assert update.json()["detail"]["errors"][0]["message"] == (
        "Workflow can have at most one Start Call"
    )
    missing = 2**31 - 1
    answers = {
        "publish": call(dograh, "POST", f"/api/v1/workflow/{missing}/publish"),
        "update": call(dograh, "PUT", f"/api/v1/workflow/{missing}", json={"name": "x"}),
        "status": call(
            dograh, "PUT", f"/api/v1/workflow/{missing}/status", json={"status": "archived"}
        ),
    }
    assert {key: (a.status_code, a.json()) for key, a in answers.items()} == {
        "publish": (404, {"detail": f"Workflow with id {missing} not found"}),
        "update": (404, {"detail": f"Workflow with ID {missing} not found"}),
        "status": (404, {"detail": f"Workflow with ID {missing} not found"}),
    }


def test_admin_discards_a_draft(sandbox: SandboxHandle) -> None:
    sandbox.admin.reset(one_workflow(template_variables=["first_name"]))
    view = sandbox.admin.change_workflow(1, draft_template_variables=["city"])
    assert (view["template_variables"], view["draft_template_variables"]) == (
        ["first_name"],
        ["city"],
    )
    sandbox.admin.change_workflow(1, publish=True)
    sandbox.admin.change_workflow(1, draft_template_variables=[])
    assert versions(sandbox, 1)[0]["version_number"] == 3
    assert sandbox.admin.change_workflow(1, discard_draft=True)["draft_version"] is None
    assert [v["version_number"] for v in versions(sandbox, 1)] == [2, 1]


def test_a_workflow_without_a_published_version(sandbox: SandboxHandle) -> None:
    """Dograh dereferences ``released_definition``: create fails with a 500 after the CSV
    checks, and fetch does too unless a draft exists."""
    sandbox.admin.reset(one_workflow(published=False))
    assert versions(sandbox, 1) == []
    fetched = call(sandbox, "GET", "/api/v1/workflow/fetch/1")
    assert (fetched.status_code, fetched.text) == (500, "Internal Server Error")
    assert fetched.headers["content-type"].startswith("text/plain")
    csv_error = create(sandbox, "mobile\n+15550000001\n", workflow_id=1)
    assert csv_error.json() == {"detail": "Source must contain a 'phone_number' column"}
    failed = create(sandbox, "phone_number\n+15550000001\n", workflow_id=1)
    assert (failed.status_code, failed.text) == (500, "Internal Server Error")
    sandbox.admin.change_workflow(1, draft_template_variables=["x"])
    body = call(sandbox, "GET", "/api/v1/workflow/fetch/1").json()
    assert (body["version_number"], body["version_status"], body["current_definition_id"]) == (
        1,
        "draft",
        None,
    )


@pytest.mark.parametrize(
    ("definition", "variables", "columns"),
    [
        # Start prompt and greeting, agent, end and global prompts, transition speech.
        (
            flow("{{a}}", greeting="{{b}}", end_prompt="{{c}}", speech="{{d}}"),
            ["a", "b", "c", "d"],
            "a,b,c,d",
        ),
        (
            flow(
                extra_nodes=[
                    {
                        "id": "g",
                        "type": "globalNode",
                        "position": {"x": 1, "y": 1},
                        "data": {"name": "G", "prompt": "Always {{ e }}."},
                    }
                ]
            ),
            ["e"],
            "e",
        ),
        # Dotted paths, fallbacks and system variables are skipped.
        (
            flow(
                "{{gathered_context.city}} {{nick | default}} {{x|fallback:y}} "
                "{{campaign_id}} {{provider}} {{source_uuid}}"
            ),
            [],
            "other",
        ),
    ],
)
def test_variables_as_dograh_extracts_them(
    dograh: DograhTarget, definition: dict[str, Any], variables: list[str], columns: str
) -> None:
    workflow_id = dograh.new_workflow(definition, "variables")
    values = ",".join("v" for _ in columns.split(","))
    answer = create(
        dograh, f"phone_number,{columns}\n+15550000001,{values}\n", workflow_id=workflow_id
    )
    assert answer.status_code == 200, answer.text
    short = create(dograh, "phone_number\n+15550000001\n", workflow_id=workflow_id)
    if variables:
        assert short.json() == {
            "detail": "Workflow uses template variables that are missing from the source data: "
            + ", ".join(f"'{name}'" for name in variables)
            + ". Add the missing columns or remove them from the workflow."
        }
    else:
        assert short.status_code == 200, short.text


def test_variables_keep_their_case(dograh: DograhTarget) -> None:
    """Headers are lowercased, variables are not: an uppercase variable never matches."""
    workflow_id = dograh.new_workflow(flow("Hi {{Big}}"), "big")
    answer = create(dograh, "phone_number,Big\n+15550000001,v\n", workflow_id=workflow_id)
    assert answer.json()["detail"].startswith(
        "Workflow uses template variables that are missing from the source data: 'Big'"
    )


def test_empty_cells_and_blank_lines(dograh: DograhTarget) -> None:
    workflow_id = dograh.new_workflow(generated_definition(["b"]), "empty-cells")
    csv = "phone_number,a,b\n+15550000001,x,\n\n+15550000002,y, \n" + "".join(
        f"+1555000001{n},z,\n" for n in range(5)
    )
    answer = create(dograh, csv, workflow_id=workflow_id)
    assert answer.json() == {
        "detail": "Template variable 'b' is empty in rows: 2, 3, 4, 5, 6 and 3 more. All "
        "template variables used in the workflow must have values in every row."
    }


ACCEPTED_AT_CREATE = [
    "unknown node type",
    "blank prompt",
    "missing name",
    "edge to nowhere",
    "incoming edge on start",
    "unreached agent",
    "empty edge label",
    "id not a string",
]
"""Breakages that ``POST /workflow/create/definition`` lets through (it checks only node
counts and transition tool names, since a draft may be incomplete)."""
REFUSED_AT_CREATE = ["two start nodes", "duplicate tool names"]


def broken(breakage: str) -> dict[str, Any]:
    """A definition that needs ``{{needed}}``, broken as ``breakage`` says."""
    definition = flow("{{needed}}")
    nodes, edges = definition["nodes"], definition["edges"]
    if breakage == "unknown node type":
        nodes.append({"id": "x", "type": "smsNode", "position": {"x": 0, "y": 0}, "data": {}})
    elif breakage == "blank prompt":
        nodes[1]["data"]["prompt"] = "   "
    elif breakage == "missing name":
        del nodes[1]["data"]["name"]
    elif breakage == "edge to nowhere":
        edges.append(
            {"id": "e", "source": "1", "target": "9", "data": {"label": "on", "condition": "c"}}
        )
    elif breakage == "two start nodes":
        nodes.append({**copy.deepcopy(nodes[0]), "id": "s2"})
    elif breakage == "incoming edge on start":
        edges.append(
            {"id": "e", "source": "2", "target": "1", "data": {"label": "b", "condition": "c"}}
        )
    elif breakage == "unreached agent":
        nodes.append(agent("a"))
    elif breakage == "duplicate tool names":
        nodes.append(agent("a"))
        edges.append(
            {"id": "e", "source": "1", "target": "a", "data": {"label": "Done", "condition": "c"}}
        )
    elif breakage == "empty edge label":
        edges[0]["data"]["label"] = ""
    elif breakage == "id not a string":
        nodes[1]["id"] = 2
        edges[0]["target"] = 2
    return definition


@pytest.mark.parametrize("breakage", ACCEPTED_AT_CREATE)
def test_invalid_definitions_are_not_checked(dograh: DograhTarget, breakage: str) -> None:
    """Dograh builds its DTO and graph inside a try that swallows every error: a definition
    they reject is never checked, whatever variables it names."""
    workflow_id = dograh.new_workflow(broken(breakage), "invalid")
    answer = created(dograh, "phone_number\n+15550000001\n", workflow_id=workflow_id)
    assert answer["state"] == "created"


@pytest.mark.parametrize("breakage", REFUSED_AT_CREATE)
def test_seeded_invalid_definitions_are_not_checked(sandbox: SandboxHandle, breakage: str) -> None:
    """The breakages the public API refuses to create, seeded: not checked either."""
    sandbox.admin.reset(one_workflow(definition=broken(breakage)))
    assert sandbox.admin.workflow(1)["template_variables"] is None
    assert created(sandbox, "phone_number\n+15550000001\n", workflow_id=1)["state"] == "created"


def test_create_definition_refuses_counts_and_tool_names(dograh: DograhTarget) -> None:
    """``create_workflow`` checks only what a draft cannot leave incomplete: at most one
    start node, and distinct tool names among a node's transitions."""
    answers = {
        breakage: call(
            dograh,
            "POST",
            "/api/v1/workflow/create/definition",
            json={"name": dograh.name("refused"), "workflow_definition": broken(breakage)},
        )
        for breakage in REFUSED_AT_CREATE
    }
    assert {key: answer.status_code for key, answer in answers.items()} == dict.fromkeys(
        REFUSED_AT_CREATE, 422
    )
    assert answers["two start nodes"].json()["detail"] == {
        "is_valid": False,
        "errors": [
            {
                "kind": "workflow",
                "id": None,
                "field": None,
                "message": "Workflow can have at most one Start Call",
            }
        ],
    }
    duplicated = 'Transition tool name "done" is duplicated for this node. Use a unique edge label.'
    assert answers["duplicate tool names"].json()["detail"] == {
        "is_valid": False,
        "errors": [
            {"kind": "edge", "id": edge_id, "field": "data.label", "message": duplicated}
            for edge_id in ("1-2", "e")
        ],
    }


def test_create_definition_publishes_version_one(dograh: DograhTarget) -> None:
    definition = generated_definition(["first_name"])
    answer = call(
        dograh,
        "POST",
        "/api/v1/workflow/create/definition",
        json={"name": dograh.name("published"), "workflow_definition": definition},
    )
    assert answer.status_code == 200, answer.text
    made = answer.json()
    assert (made["name"], made["status"]) == (dograh.name("published"), "active")
    assert made["workflow_definition"] == definition
    [version] = versions(dograh, made["id"])
    assert (version["version_number"], version["status"]) == (1, "published")
    assert made["current_definition_id"] == version["id"]
    missing = create(dograh, "phone_number\n+15550000001\n", workflow_id=made["id"])
    assert "'first_name'" in missing.json()["detail"]


def test_the_generated_definition_is_valid_and_scanned() -> None:
    """The seed's ``template_variables`` stand for a definition Dograh would check."""
    from dograh_sandbox.workflows import required_variables

    assert required_variables(generated_definition(["a", "b"])) == {"a", "b"}
    assert required_variables(generated_definition([])) == set()
    assert extract_template_variables("{{ a }} {{b|x}} {{c.d}} {{ e | }}") == {"a"}
