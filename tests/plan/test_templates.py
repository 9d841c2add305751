"""Template variables as Dograh's create checks them (docs/dograh-api.md §7): which names
a definition requires, and which rows of a CSV leave them empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.diagnostics import Diagnostic
from reconciler.manifest.contacts import check_contacts
from reconciler.templates import TemplateCheck, check_template, facts_of, required_variables

DEFINITION = {
    "nodes": [
        {"type": "startCall", "data": {"prompt": "Hi {{first_name}}", "greeting": "{{ title }}"}},
        {"type": "agentNode", "data": {"prompt": "Renewal on {{renewal_date | default}}"}},
        {"type": "endCall", "data": {"prompt": "Bye {{gathered_context.city}} {{campaign_id}}"}},
        {"type": "webhook", "data": {"prompt": "{{not_scanned}}"}},
        {"type": "globalNode", "data": {"prompt": "Plan: {{plan}} {{Plan}}"}},
    ],
    "edges": [{"data": {"transition_speech": "One moment, {{first_name}}"}}],
}


def test_the_names_a_definition_requires() -> None:
    assert required_variables(DEFINITION) == {"first_name", "title", "plan", "Plan"}
    assert required_variables({"nodes": "not a list"}) == set()
    assert required_variables(None) == set()


def _check(tmp_path: Path, text: str) -> list[Diagnostic]:
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8", newline="")
    contacts, problems = check_contacts(str(path), "people.csv")
    assert contacts is not None, problems
    check = TemplateCheck(
        campaign="east",
        workflow_id=1,
        workflow=Diagnostic("east.yaml", 8, 13, "spec.workflow", ""),
        source=Diagnostic("east.yaml", 10, 10, "spec.source.csv", ""),
        csv="people.csv",
        facts=facts_of(contacts),
    )
    return check_template(check, DEFINITION, None, "Renewal reminder")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_empty_cells_name_their_rows_and_line(tmp_path: Path, newline: str) -> None:
    rows = [
        "phone_number,first_name,title,PLAN",
        "+12125550100,Ada,Dr,gold",
        "+12125550101, ,Dr,gold",  # a blank cell is empty
        "+12125550102,Cy,,gold",
        "+12125550103,Di",  # a short row: its missing cells are empty
    ]
    found = _check(tmp_path, newline.join(rows) + newline)
    messages = [(d.file, d.line, d.message) for d in found]
    assert messages[0][2].startswith("the workflow 'Renewal reminder' uses template variables")
    assert "'Plan'" in messages[0][2]  # headers are lowercased: "Plan" can never match
    assert messages[1:] == [
        (
            "people.csv",
            3,
            "template variable 'first_name' of the workflow 'Renewal reminder' is empty in "
            "row 3; Dograh would refuse the campaign 'east': every row needs a value",
        ),
        (
            "people.csv",
            5,
            "template variable 'plan' of the workflow 'Renewal reminder' is empty in row 5; "
            "Dograh would refuse the campaign 'east': every row needs a value",
        ),
        (
            "people.csv",
            4,
            "template variable 'title' of the workflow 'Renewal reminder' is empty in rows "
            "4, 5; Dograh would refuse the campaign 'east': every row needs a value",
        ),
    ]


def test_a_draft_that_differs_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("phone_number,first_name\n+12125550100,Ada\n")
    contacts, _ = check_contacts(str(tmp_path / "people.csv"), "people.csv")
    assert contacts is not None
    check = TemplateCheck(
        "east",
        1,
        Diagnostic("east.yaml", 8, 13, "spec.workflow", ""),
        Diagnostic("east.yaml", 10, 10, "spec.source.csv", ""),
        "people.csv",
        facts_of(contacts),
    )
    published = {"nodes": [{"type": "startCall", "data": {"prompt": "Hi {{first_name}}"}}]}
    draft = {"nodes": [{"type": "startCall", "data": {"prompt": "Hi {{nickname}}"}}]}
    (warning,) = check_template(check, published, draft, "Renewal reminder")
    assert warning.severity == "warning"
    assert "(its variables: nickname added, first_name removed)" in warning.message
