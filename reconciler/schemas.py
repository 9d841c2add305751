"""The JSON Schema of manifest format v1, generated from the models.

The schema is committed (``schema/campaign.schema.json``) so that editors validate
manifests as they are typed (the ``yaml-language-server`` comment at the top of each
manifest points to it). It is generated, never edited: ``campaigns schema --check``
fails CI when it is stale.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode
from pydantic_core import CoreSchema

from reconciler.manifest.model import Campaign

SCHEMA_PATH = "schema/campaign.schema.json"
SCHEMA_ID = "urn:dograh-campaigns:schema:campaign:v1"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


class _Generator(GenerateJsonSchema):
    """Adds the dialect and the id, which pydantic leaves out."""

    def generate(self, schema: CoreSchema, mode: JsonSchemaMode = "validation") -> Any:
        generated = super().generate(schema, mode=mode)
        return {"$schema": DRAFT, "$id": SCHEMA_ID, **generated}


def campaign_schema() -> dict[str, Any]:
    return Campaign.model_json_schema(by_alias=True, schema_generator=_Generator)


def render_schema() -> str:
    return json.dumps(campaign_schema(), indent=2, ensure_ascii=False) + "\n"
