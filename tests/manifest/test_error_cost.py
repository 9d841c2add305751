"""The cost of errors is linear in their number.

A manifest with 9,000 unknown keys took minutes: each error walked from the document's
root and scanned the mapping's keys to find its line. The bounds are on this process's
CPU time, which other jobs on a busy machine do not inflate as they do the wall clock,
and are generous for a slow two-core machine (the run takes a fraction of them); a
quadratic walk misses them by far (9,000 errors: 15 s, ten documents of them: minutes).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from reconciler.manifest.yaml_source import Locator, load_documents, locate
from reconciler.planner.run import validate_paths

HEAD = """\
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: {name}
spec:
  workflow: Renewal reminder
  source:
    csv: c.csv
"""


def _document(name: str, keys: int) -> str:
    return HEAD.format(name=name) + "".join(f"  k{i:04d}: {i % 10}\n" for i in range(keys))


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "c.csv").write_text("phone_number\n+15550100\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_nine_thousand_unknown_keys_validate_in_well_under_three_seconds(repo: Path) -> None:
    (repo / "m.yaml").write_text(_document("many", 9_000), encoding="utf-8")
    started = time.process_time()
    result = validate_paths(["m.yaml"])
    elapsed = time.process_time() - started
    assert len(result.diagnostics) == 9_000
    first, last = result.diagnostics[0], result.diagnostics[-1]
    assert (first.line, first.column, first.path) == (9, 3, "spec.k0000")
    assert (last.line, last.column, last.path) == (9_008, 3, "spec.k8999")
    assert elapsed < 3.0, f"9,000 errors took {elapsed:.2f} s of CPU"


def test_ten_such_documents_near_the_size_limit(repo: Path) -> None:
    """The reported case: a file of 957 KiB, ten documents of 9,000 unknown keys each."""
    text = "---\n".join(_document(f"d{i}", 9_000) for i in range(10))
    assert 950 * 1024 < len(text) < 1024 * 1024
    (repo / "m.yaml").write_text(text, encoding="utf-8")
    started = time.process_time()
    result = validate_paths(["m.yaml"])
    elapsed = time.process_time() - started
    assert len(result.diagnostics) == 90_000
    assert elapsed < 20.0, f"90,000 errors in ten documents took {elapsed:.2f} s of CPU"


def test_the_index_finds_what_the_walk_from_the_root_found(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "a:\n  b: [1, {c: 2}]\n  'd': &x {e: 3}\n  f: *x\n2: two\ntrue: yes\n", encoding="utf-8"
    )
    (document,), _ = load_documents(path, "m.yaml")
    locator = Locator(document.root)
    cases: list[tuple[tuple[object, ...], bool, tuple[int, int]]] = [
        ((), False, (1, 1)),
        (("a",), False, (2, 3)),
        (("a",), True, (1, 1)),
        (("a", "b", 1, "c"), False, (2, 14)),
        (("a", "b", 1, "c"), True, (2, 11)),
        (("a", "b", 7), False, (2, 6)),  # no such index: its parent
        (("a", "f", "e"), False, (3, 15)),  # through an alias: where the anchored value is
        (("a", "missing", "deeper"), True, (1, 1)),
        ((2,), True, (5, 1)),
        ((True,), False, (6, 7)),
    ]
    for path_, key, (line, column) in cases:
        mark = locator.mark(path_, key=key)
        assert (mark.line + 1, mark.column + 1) == (line, column), path_
        assert locate(document.root, path_, key=key) == mark
