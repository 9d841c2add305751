"""The generated schemas are tested code: valid JSON Schema, current, and in agreement
with the models: the manifest schema on a corpus of valid and invalid manifests
(tests/corpus/), the plan schema on real plans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from reconciler.cli import run
from reconciler.importing import SCHEMA_HINT
from reconciler.manifest.yaml_source import load_documents
from reconciler.planner.run import validate_paths
from reconciler.schemas import DRAFT, SCHEMAS, Document, render_schema

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "schema" / "campaign.schema.json"
PLAN_SCHEMA_FILE = ROOT / "schema" / "plan.schema.json"
CORPUS = Path(__file__).resolve().parent / "corpus"


def _cases(kind: str) -> list[Path]:
    return sorted((CORPUS / kind).glob("*.yaml"))


def _data(path: Path) -> Any:
    documents, problems = load_documents(path, path.name)
    assert not problems, problems
    assert len(documents) == 1
    return documents[0].data


def _schema_accepts(data: Any) -> bool:
    validator = Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    return bool(validator.is_valid(data))


def _model_accepts(data: Any) -> bool:
    try:
        Document.model_validate(data)
    except ValidationError:
        return False
    return True


def _expectations(path: Path) -> list[str]:
    prefix = "# expect: "
    return [
        line[len(prefix) :].replace("\\n", "\n")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith(prefix)
    ]


def _reported(path: Path) -> list[str]:
    result = validate_paths([str(path)])
    return [
        f"{d.line}:{d.column}: {d.path + ': ' if d.path else ''}{d.message}"
        for d in result.diagnostics
    ]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schemas_are_valid_draft_2020_12_and_current(name: str) -> None:
    text = (ROOT / "schema" / name).read_text(encoding="utf-8")
    schema = json.loads(text)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DRAFT
    assert schema["$id"] == SCHEMAS[name][0]
    assert text == render_schema(name)


def test_every_property_has_a_description() -> None:
    """Editors show these as hints; a field without one is a field nobody can read."""
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    missing = []
    for name, definition in [("Campaign", schema), *schema["$defs"].items()]:
        for field, spec in definition.get("properties", {}).items():
            if field in ("metadata", "spec", "source"):
                continue  # described by their own definitions
            if "description" not in spec or (
                "examples" not in spec and "$ref" not in spec and "anyOf" not in spec
            ):
                missing.append(f"{name}.{field}")
    assert missing == []


def test_schema_check_fails_when_stale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "campaign.schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert run(["schema", "--check", "--output", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "campaign.schema.json differs from what the models generate" in err
    assert "plan.schema.json is missing" in err
    assert run(["schema", "--output", str(tmp_path)]) == 0
    assert run(["schema", "--check", "--output", str(tmp_path)]) == 0
    assert stale.read_text(encoding="utf-8") == render_schema("campaign.schema.json")


def test_corpus_is_not_empty() -> None:
    assert len(_cases("valid")) >= 5
    assert len(_cases("invalid")) >= 40
    assert len(_cases("beyond_schema")) >= 4


@pytest.mark.parametrize("path", _cases("valid"), ids=lambda p: p.stem)
def test_valid_manifest_is_accepted_by_schema_and_models(path: Path) -> None:
    data = _data(path)
    assert _model_accepts(data)
    assert _schema_accepts(data)
    assert _reported(path) == []


@pytest.mark.parametrize("path", _cases("invalid"), ids=lambda p: p.stem)
def test_invalid_manifest_is_refused_by_schema_and_models(path: Path) -> None:
    data = _data(path)
    assert not _model_accepts(data)
    assert not _schema_accepts(data)
    _assert_reported(path)


@pytest.mark.parametrize("path", _cases("beyond_schema"), ids=lambda p: p.stem)
def test_rules_beyond_json_schema_are_enforced_by_the_models(path: Path) -> None:
    """Time zones, start before end, expanded slot count, 5.0 as an integer: JSON Schema
    cannot say these (or says the opposite), and a name in NFC or free of the invisible
    characters beyond U+FFFF it cannot say either: the schema accepts what the models refuse.
    This list is the whole of the difference."""
    data = _data(path)
    assert _schema_accepts(data)
    assert not _model_accepts(data)
    _assert_reported(path)


def _assert_reported(path: Path) -> None:
    expected = _expectations(path)
    assert expected, f"{path.name} states no '# expect:' line"
    reported = _reported(path)
    for line in expected:
        assert any(r.startswith(line) for r in reported), (line, reported)


def test_every_schema_comment_says_how_to_get_the_schema() -> None:
    """A user's repository has no schema/ at first: each ``$schema`` comment names the
    command that writes it, after the path (which the YAML language server reads up to
    the first space)."""
    files = [ROOT / "README.md", *sorted((ROOT / "examples").glob("*.yaml"))]
    files += sorted((ROOT / "campaigns.d").glob("*.yaml"))
    seen = 0
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if "$schema=" in line:
                seen += 1
                path_part, _, rest = line.partition("$schema=")[2].partition(" ")
                assert path_part.endswith("schema/campaign.schema.json"), f"{path}:{number + 1}"
                assert rest.strip() == SCHEMA_HINT, f"{path}:{number + 1}"
    assert seen >= 7
    assert "`campaigns schema`" in SCHEMA_HINT
