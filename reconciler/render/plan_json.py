"""The plan as JSON for machines: the Plan model's own serialisation, whose JSON Schema
is ``schema/plan.schema.json`` (a change that removes or renames a key increments
``format_version``)."""

from __future__ import annotations

from reconciler.plan import Plan


def render_plan_json(plan: Plan) -> str:
    """One line; `jq .` indents it for reading."""
    return plan.model_dump_json()
