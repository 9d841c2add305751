"""Loading many files: in a pool of processes, the result is the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.planner.run import validate_paths

MANIFEST = """\
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: c{i:04d}
spec:
  workflow: W
  source:
    csv: c{i:04d}.csv
  max_concurrency: {concurrency}
"""


def test_workers_give_the_same_result_in_the_same_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three processes (forced, whatever the CPUs) report what one does."""
    (tmp_path / ".git").mkdir()
    for i in range(60):
        concurrency = 500 if i % 7 == 0 else 5  # some invalid, spread over every share
        (tmp_path / f"m{i:04d}.yaml").write_text(
            MANIFEST.format(i=i, concurrency=concurrency), encoding="utf-8"
        )
        (tmp_path / f"c{i:04d}.csv").write_text(
            f"phone_number\n+1312555{i:04d}\n", encoding="utf-8"
        )
    (tmp_path / "c0003.csv").write_text("phone_number\n5550003\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    alone = validate_paths(["."], jobs=1)
    shared = validate_paths(["."], jobs=3)
    assert shared == alone
    assert alone.manifests == 60 - 9 - 1
    assert alone.files == 60
    assert len(alone.diagnostics) == 10
