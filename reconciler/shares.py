"""Running the pipeline's per-file work in shares: this process and, for thousands of
files, one forked process per other CPU.

Parsing, resolving and diffing a manifest cost about a millisecond: ten thousand are
seconds of CPU, which one process spends alone. Each share loads its files, reports a
small summary (identities, diagnostics), waits for a context (the live state), plans
against it and sends back its part. The manifests themselves never travel: they cost
as much to send between processes as to parse. A worker usually waits for its context
(this process also reads Dograh meanwhile): it spends the wait on ``prepare``.

One share is one process; with one share (the common case, and the only one below
``MIN_FILES_PER_WORKER`` files each), everything runs in this process through the
same two calls. Children are forked before the caller starts any thread (a fork must
not copy a half-held lock), so the caller may read Dograh while the shares load.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import threading
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

from reconciler import content_cache

MIN_FILES_PER_WORKER = 500
"""Below this, starting a process costs more than it saves."""

Summary_co = TypeVar("Summary_co", covariant=True)
Part_co = TypeVar("Part_co", covariant=True)
Context_contra = TypeVar("Context_contra", contravariant=True)
S = TypeVar("S")
P = TypeVar("P")
C = TypeVar("C")


class Share(Protocol[Summary_co, Context_contra, Part_co]):
    """The work of one share: built from its files (loading them), then planned."""

    def summary(self) -> Summary_co: ...

    def prepare(self) -> None:
        """Work of ``plan`` that may not need the context, done by a worker process while
        it waits for it (this process, which builds the contexts, does not wait)."""

    def plan(self, context: Context_contra) -> Part_co: ...


Factory = Callable[[list[Path]], Share[S, C, P]]


def worker_count(files: int, jobs: int | None = None) -> int:
    """Processes to start beside this one for ``files`` files: one per other CPU (or
    ``jobs`` in all), none below MIN_FILES_PER_WORKER files each."""
    if jobs is not None:
        return max(0, jobs - 1)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(0, min((cpus or 1) - 1, files // MIN_FILES_PER_WORKER))


def split(files: Sequence[Path], workers: int) -> list[list[Path]]:
    """The files in ``workers + 1`` equal shares, this process's first: a worker also
    pays for receiving its context and sending its part back, and this process about as
    much for reading Dograh meanwhile and assembling the parts."""
    if workers < 1:
        return [list(files)]
    return [list(files[i :: workers + 1]) for i in range(workers + 1)]


class WorkerFailed(RuntimeError):
    """A share's process raised: a bug, reported with the worker's traceback."""


class Shares(Generic[S, C, P]):
    """The shares of one run: ``summaries()`` once, then ``parts(contexts)`` at most once.

    Use as a context manager: children that were never sent a context are told to stop,
    and every child is joined on the way out.
    """

    def __init__(self, factory: Factory[S, C, P], shares: list[list[Path]]) -> None:
        self._factory = factory
        self._shares = shares
        self._pipes: list[multiprocessing.connection.Connection] = []
        self._processes: list[Any] = []
        self._own: Share[S, C, P] | None = None
        self._planned = False

    def __enter__(self) -> Shares[S, C, P]:
        if len(self._shares) > 1:
            # Fork is fast and keeps this process's imports; spawn would redo them.
            context: Any = multiprocessing.get_context("fork" if _single_threaded() else "spawn")
            for files in self._shares[1:]:
                mine, theirs = context.Pipe()
                process = context.Process(
                    target=_work, args=(self._factory, files, theirs), daemon=True
                )
                process.start()
                theirs.close()
                self._pipes.append(mine)
                self._processes.append(process)
        return self

    def summaries(self) -> list[S]:
        """Every share's summary, in share order; this process loads its own meanwhile."""
        self._own = self._factory(self._shares[0])
        return [self._own.summary(), *(_receive(pipe) for pipe in self._pipes)]

    def parts(self, contexts: Sequence[C]) -> list[P]:
        """Every share's part, planned against its context (one per share, in order)."""
        assert self._own is not None, "summaries() first"
        for pipe, context in zip(self._pipes, contexts[1:], strict=True):
            pipe.send(context)
        self._planned = True
        own = self._own.plan(contexts[0])
        parts = [own, *(_receive(pipe) for pipe in self._pipes)]
        for pipe in self._pipes:
            content_cache.keep_pending(_receive(pipe))
        return parts

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for pipe in self._pipes:
            if not self._planned:
                with contextlib.suppress(OSError):
                    pipe.send(None)
            pipe.close()
        for process in self._processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()


def _work(factory: Factory[Any, Any, Any], files: list[Path], pipe: Any) -> None:
    """A share's process: load, report, wait for the context, plan, report (its part,
    then the cache entries it made, which the parent writes), exit."""
    try:
        share = factory(files)
        pipe.send(share.summary())
        share.prepare()
        context = pipe.recv()
        if context is not None:
            pipe.send(share.plan(context))
            # The cache entries it made: the parent writes them once the output is out.
            pipe.send(content_cache.take_pending())
    except BaseException:  # the parent raises it as a bug, with this traceback
        pipe.send(WorkerFailed(traceback.format_exc()))
    finally:
        pipe.close()


def _receive(pipe: multiprocessing.connection.Connection) -> Any:
    message = pipe.recv()
    if isinstance(message, WorkerFailed):
        raise WorkerFailed(f"a planning process failed:\n{message}")
    return message


def _single_threaded() -> bool:
    """No other thread, counting those Python did not start (as Python 3.12+ does when
    it warns about forking): on Linux, the kernel's list of the process's threads."""
    try:
        return len(list(Path("/proc/self/task").iterdir())) == 1
    except OSError:
        return threading.active_count() == 1
