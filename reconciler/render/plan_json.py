"""The plan as JSON for machines: the Plan model's own serialisation, whose JSON Schema
is ``schema/plan.schema.json`` (a change that removes or renames a key increments
``format_version``)."""

from __future__ import annotations

from reconciler.plan import Plan
from reconciler.render.escape import json_text


def render_plan_json(plan: Plan) -> str:
    """One line; `jq .` indents it for reading. Nothing in it can act in a CI log
    (escape.json_text)."""
    return json_text(plan.model_dump_json())
