"""The JSON Schemas this tool publishes, generated from its models and committed.

- ``schema/campaign.schema.json``: the manifest format, every kind of document
  (``Campaign``, ``Policy`` and ``Defaults``, told apart by ``kind``), so that editors validate
  manifests as they are typed (the ``yaml-language-server`` comment at the top of each
  manifest points to it);
- ``schema/plan.schema.json``: the plan format, what ``campaigns plan --format json``
  prints (its ``plan`` object is also what a saved plan file holds).

They are generated, never edited: ``campaigns schema --check`` fails CI when one is
stale.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, RootModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode
from pydantic_core import CoreSchema

from reconciler.manifest.defaults import Defaults
from reconciler.manifest.model import Campaign
from reconciler.manifest.policy import Policy
from reconciler.plan import Plan


class Document(RootModel[Annotated[Campaign | Policy | Defaults, Field(discriminator="kind")]]):
    """A document of the manifests: a campaign, the repository's Policy, or the Defaults
    of a directory."""

    model_config = ConfigDict(title="Dograh campaigns manifest")


SCHEMA_DIRECTORY = "schema"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _generator(schema_id: str) -> type[GenerateJsonSchema]:
    class Generator(GenerateJsonSchema):
        """Adds the dialect and the id, which pydantic leaves out."""

        def generate(self, schema: CoreSchema, mode: JsonSchemaMode = "validation") -> Any:
            generated = super().generate(schema, mode=mode)
            return {"$schema": DRAFT, "$id": schema_id, **generated}

    return Generator


SCHEMAS: dict[str, tuple[str, type[BaseModel], JsonSchemaMode]] = {
    "campaign.schema.json": ("urn:dograh-campaigns:schema:campaign:v1", Document, "validation"),
    "plan.schema.json": ("urn:dograh-campaigns:schema:plan:v3", Plan, "serialization"),
}
"""File name -> ($id, model, mode)."""


def render_schema(name: str) -> str:
    schema_id, model, mode = SCHEMAS[name]
    schema = model.model_json_schema(
        by_alias=True, schema_generator=_generator(schema_id), mode=mode
    )
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
