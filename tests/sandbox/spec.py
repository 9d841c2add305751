"""Response bodies checked against the component schemas of ``dograh-openapi.json`` (a
copy of the shared spec: OpenAPI 3.1, so its schemas are JSON Schema 2020-12).

The check is stricter than the spec: every object schema that lists properties is closed
(``additionalProperties: false``), so a misspelled or invented key fails too.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).with_name("dograh-openapi.json")
URI = "urn:dograh-openapi"
Z_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$")


def _close(node: Any) -> None:
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close(value)
    elif isinstance(node, list):
        for value in node:
            _close(value)


@cache
def _registry() -> Registry[Any]:
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    closed = copy.deepcopy(spec)
    _close(closed["components"])
    resource: Resource[Any] = DRAFT202012.create_resource(closed)
    registry: Registry[Any] = Registry().with_resource(URI, resource)
    return registry


def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


def assert_schema(body: Any, component: str) -> None:
    """``body`` is a valid ``#/components/schemas/<component>``; every error is listed."""
    validator = Draft202012Validator(
        {"$ref": f"{URI}#/components/schemas/{component}"}, registry=_registry()
    )
    errors = sorted(validator.iter_errors(body), key=lambda error: list(error.absolute_path))
    assert not errors, "\n".join(
        f"{list(error.absolute_path)}: {error.message}" for error in errors
    )


def assert_list_schema(body: Any, component: str) -> None:
    assert isinstance(body, list)
    for item in body:
        assert_schema(item, component)


def assert_z(value: str | None) -> None:
    """Dograh's timestamps: ISO-8601 UTC with Z, a six-digit fraction only when non-zero."""
    if value is not None:
        assert Z_INSTANT.match(value), value
        assert not value.endswith(".000000Z"), value
