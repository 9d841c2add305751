"""A finding's kind is a field set where it is made: code decides by it, never by the
message's text, and it is not part of what the JSON outputs show."""

from __future__ import annotations

import json
import pickle

from reconciler.diagnostics import NOT_A_MANIFEST, Diagnostic, is_skipped_file
from reconciler.plan import Plan
from reconciler.render.diagnostics import render_json, summary


def test_a_skipped_file_is_told_by_its_kind_not_by_its_text() -> None:
    skipped = Diagnostic("ci.yaml", 1, 1, "", NOT_A_MANIFEST, "warning", "not_a_manifest")
    same_words = Diagnostic("m.yaml", 3, 1, "spec", NOT_A_MANIFEST, "warning")
    assert [is_skipped_file(d) for d in (skipped, same_words)] == [True, False]
    said = summary([skipped, same_words], campaigns=1, files=2)
    assert "1 campaign in 1 file is valid (1 warning); 1 YAML file skipped" in said


def test_the_kind_is_not_shown_in_json() -> None:
    skipped = Diagnostic("ci.yaml", 1, 1, "", NOT_A_MANIFEST, "warning", "not_a_manifest")
    (shown,) = json.loads(render_json([skipped]))
    assert sorted(shown) == ["column", "file", "line", "message", "path", "severity"]
    (in_plan,) = json.loads(Plan(diagnostics=(skipped,)).model_dump_json())["diagnostics"]
    assert in_plan == shown


def test_a_diagnostic_crosses_between_processes_with_its_kind() -> None:
    """The pool's processes send their findings back pickled: every field comes back,
    the kind included (code decides by it)."""
    skipped = Diagnostic("ci.yaml", 1, 2, "", NOT_A_MANIFEST, "warning", "not_a_manifest")
    back = pickle.loads(pickle.dumps([skipped]))[0]
    assert back == skipped and back.kind == "not_a_manifest" and is_skipped_file(back)
