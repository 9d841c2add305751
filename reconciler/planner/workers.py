"""Where loading runs: in this process, or also in a pool of processes when that pays.

Loading a file that the content cache does not hold costs its YAML, its CSV's checks
and the places its numbers ring, about 1.2 ms of CPU (bench/plan.py's files): thousands
of such files are seconds, which other CPUs can share. A file the cache holds costs about
0.5 ms, and receiving a loaded manifest from another process about 0.2 ms: a pool pays
for those only by the thousand (10,000 cached files: 9.7 s in one process, 6.9 s with a
second one, bench/plan.py). So a pool is made when the work is many files' worth, a
cached file counted as CACHED_SHARE of one to load (or when ``PlanOptions.jobs`` asks):
this process loads the first chunk of the files, each process of the pool one of the
others. Otherwise everything runs here, on octoDNS's ``MainThreadExecutor``. Either way
the same chunks are submitted and their results read in order: one path, whatever the
number of processes.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from reconciler import content_cache
from reconciler.content_cache import FileCache
from reconciler.manifest.load import ScannedPath
from reconciler.manifest.paths import display_path
from reconciler.manifest.yaml_source import MAX_FILE_BYTES, read_text

MIN_FILES_PER_WORKER = 500
"""Below this many files to load (not in the cache) per process, a process costs more
than it saves."""

CACHED_SHARE = 0.4
"""What a file the content cache holds weighs against one it does not (0.5 of 1.2 ms)."""

SAMPLE = 16
"""Files looked up in the content cache to tell how many it holds."""

T = TypeVar("T")


class MainThreadExecutor(Executor):
    """Runs each function when it is submitted, in this thread, and returns its done
    Future (octoDNS ``manager.py``): the one-process case of the same calls."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # raised again by result(), as a pool's would be
            future.set_exception(error)
        return future


@dataclass(frozen=True)
class Pool:
    """Where the files load: this process, and ``executor`` for the other processes
    (``processes`` in all: a chunk of the files each)."""

    executor: Executor
    processes: int


def pool_for(files: Sequence[Path], jobs: int | None) -> Pool:
    count = processes(files, jobs, content_cache.enabled())
    return Pool(executor(count), count)


def processes(files: Sequence[Path], jobs: int | None, cached: bool) -> int:
    """How many processes load ``files``: ``jobs`` when given (``PlanOptions.jobs``: the
    processes in all); else one per CPU, none beyond one per MIN_FILES_PER_WORKER files'
    worth of loading (a file the content cache holds weighs CACHED_SHARE)."""
    if jobs is not None:
        return max(1, jobs)
    if len(files) < 2 * MIN_FILES_PER_WORKER:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    held = _held(files) if cached else 0
    work = len(files) - held + held * CACHED_SHARE
    return max(1, min(cpus or 1, int(work // MIN_FILES_PER_WORKER)))


def executor(count: int) -> Executor:
    """For the processes beside this one: none, this thread; else a pool of ``count - 1``,
    its processes started now: forked before this process starts a thread (the key's
    organization is asked while the files load), as a fork must not copy a lock another
    thread holds. A process that runs threads already gets a fork server's processes."""
    if count == 1:
        return MainThreadExecutor()
    method = "fork" if _single_threaded() else "forkserver"
    pool = ProcessPoolExecutor(count - 1, mp_context=multiprocessing.get_context(method))
    pool.submit(int).result()  # every process started, before the caller's threads
    return pool


def _single_threaded() -> bool:
    """No other thread, counting those Python did not start: on Linux, the kernel's list
    of the process's threads."""
    try:
        return len(list(Path("/proc/self/task").iterdir())) == 1
    except OSError:
        return threading.active_count() == 1


def chunks(files: Sequence[T], count: int) -> list[list[T]]:
    """The files in ``count`` runs of consecutive files: their results, put one after the
    other, are in the files' order."""
    size, extra = divmod(len(files), count)
    found, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        found.append(list(files[start:end]))
        start = end
    return found


def _held(files: Sequence[Path]) -> int:
    """About how many of the files the content cache holds, from an even sample."""
    cache = FileCache()
    cwd = str(Path.cwd())
    sample = list(files[:: max(1, len(files) // SAMPLE)])[:SAMPLE]
    keys = []
    for file in sample:
        display = display_path(file, cwd)
        text, _ = read_text(file, display, MAX_FILE_BYTES, "the manifest")
        if text is not None:
            keys.append(cache.key(cwd, str(file), display, isinstance(file, ScannedPath), text))
    cache.expect(keys)  # only these entries of their shards are decoded
    held = sum(cache.read(key) is not None for key in keys)
    return held * len(files) // len(sample)
