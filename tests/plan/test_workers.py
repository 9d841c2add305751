"""Where the planner loads files: this thread, or a pool of processes when that pays."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler import content_cache
from reconciler.manifest.load import find_manifest_files
from reconciler.planner import workers
from reconciler.planner.run import validate_paths
from reconciler.planner.workers import MainThreadExecutor, chunks, processes

MANIFEST = """\
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: c{i:02d}
spec:
  workflow: W
  source:
    csv: c{i:02d}.csv
"""


def test_the_main_thread_executor_runs_each_function_when_submitted() -> None:
    ran: list[str] = []
    done = MainThreadExecutor().submit(ran.append, "loaded")
    assert ran == ["loaded"] and done.done() and done.result() is None
    failed = MainThreadExecutor().submit(int, "not a number")
    assert failed.done() and isinstance(failed.exception(), ValueError)


def test_chunks_are_runs_of_consecutive_files_in_order() -> None:
    files = [Path(f"m{i}.yaml") for i in range(7)]
    found = chunks(files, 3)
    assert [len(chunk) for chunk in found] == [3, 2, 2]
    assert [file for chunk in found for file in chunk] == files


def test_a_pool_for_many_files_a_file_the_content_cache_holds_weighing_less(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one process per 5 files to load (instead of 500), ten files the cache does
    not hold are worth two processes (on a machine of two CPUs or more); once it holds
    them, one (ten at 0.4 are four files' worth); thirty it holds, two again. ``jobs``
    decides when given."""
    monkeypatch.setattr(workers, "MIN_FILES_PER_WORKER", 5)
    (tmp_path / ".git").mkdir()
    for i in range(30):
        (tmp_path / f"m{i:02d}.yaml").write_text(MANIFEST.format(i=i), encoding="utf-8")
        (tmp_path / f"c{i:02d}.csv").write_text(f"phone_number\n+1312555{i:04d}\n")
    monkeypatch.chdir(tmp_path)
    every, _ = find_manifest_files(["."])
    files = every[:10]
    cpus = len(os.sched_getaffinity(0))
    assert processes(files, None, cached=True) == min(cpus, 2)
    assert validate_paths(["."]).ok
    content_cache.write_pending()
    assert processes(files, None, cached=True) == 1
    assert processes(every, None, cached=True) == min(cpus, 2)
    assert processes(files, None, cached=False) == min(cpus, 2)
    assert processes(files, 3, cached=True) == 3
    assert processes(files, 1, cached=False) == 1
