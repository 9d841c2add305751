"""Whether the files a plan acts on are the ones git holds.

What was reviewed is what is committed; apply dials from the working tree. A manifest
or contacts file that is untracked, ignored, or differs from HEAD (staged or not) was
never reviewed, so `apply` refuses to act on it and `plan` warns, unless
``--allow-dirty``. Outside a git repository there is nothing to compare with, and
nothing changes. One ``git status`` over the planned files answers for all of them.

Where git cannot answer inside a repository (git missing, a broken repository), the
files cannot be shown to be committed: apply refuses, and says why.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler.diagnostics import Diagnostic, sorted_diagnostics
from reconciler.errors import UserError
from reconciler.manifest.paths import SourcePaths
from reconciler.owner import repository_root
from reconciler.plan import Plan

GIT_TIMEOUT = 60.0
NOT_A_REPOSITORY = "not a git repository"
_STATES = {"??": "untracked", "!!": "ignored by git"}


@dataclass(frozen=True)
class Uncommitted:
    path: str
    """As the plan names it (relative to the working directory)."""
    state: str
    """``untracked``, ``ignored by git``, ``modified`` or ``staged, not committed``."""


def planned_files(plan: Plan) -> list[str]:
    """The manifests of the campaigns the plan changes, and the contacts it uploads."""
    files: set[str] = set()
    for change in plan.changes:
        if change.requests.upload is not None:
            files.add(change.requests.upload.path)
        if change.manifest is not None and Path(change.manifest.file).is_file():
            files.add(change.manifest.file)
    return sorted(files)


def uncommitted(paths: Sequence[str]) -> list[Uncommitted]:
    """The files of ``paths`` that are not as HEAD holds them; none outside git."""
    if not paths:
        return []
    real = SourcePaths()  # thousands of files in a few directories, each resolved once
    located = {path: real.in_real_dir(path) for path in paths}
    root = repository_root(Path(os.path.commonpath({real.dir_of(path) for path in paths})))
    if not (root / ".git").exists():
        return []
    relative = {_relative(where, str(root)): path for path, where in located.items()}
    command = ["git", "-C", str(root), "status", "--porcelain=v1", "-z", "--ignored=traditional"]
    command += ["--untracked-files=all", "--", *relative]
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise _cannot_tell(root, f"git could not run ({type(exc).__name__})") from None
    if result.returncode != 0:
        if NOT_A_REPOSITORY in result.stderr:
            return []
        first = (result.stderr.strip().splitlines() or ["no message"])[0]
        raise _cannot_tell(root, f"git status failed: {first}")
    found = []
    entries = iter(result.stdout.split("\0"))
    for entry in entries:
        if len(entry) < 4:
            continue
        code, name = entry[:2], entry[3:]
        if code[0] in "RC":
            next(entries, None)  # a rename's or copy's old name follows
        given = relative.get(name)
        if given is not None:
            found.append(Uncommitted(given, _STATES.get(code) or _changed(code)))
    return sorted(found, key=lambda item: item.path)


def _relative(where: str, root: str) -> str:
    """``os.path.relpath`` of an absolute path, without its work for one inside root."""
    if where.startswith(root + os.sep) and root != os.sep:
        return where[len(root) + 1 :]
    return os.path.relpath(where, root)


def _changed(code: str) -> str:
    return "modified" if code[1] != " " else "staged, not committed"


def _cannot_tell(root: Path, why: str) -> UserError:
    return UserError(
        f"cannot tell whether the planned files are committed in the git repository at "
        f"{root}: {why}; apply runs what git holds, so nothing was changed (pass "
        "--allow-dirty to apply the files as they are)"
    )


def with_warnings(plan: Plan, found: Sequence[Uncommitted]) -> Plan:
    """The plan with one warning per file that git does not hold as planned."""
    if not found:
        return plan
    warnings = [
        Diagnostic(
            item.path,
            1,
            1,
            "",
            f"not as committed in git ({item.state}): apply refuses to act on it unless "
            "--allow-dirty; commit it to apply what was reviewed",
            "warning",
        )
        for item in found
    ]
    diagnostics = sorted_diagnostics([*plan.diagnostics, *warnings])
    return plan.model_copy(update={"diagnostics": tuple(diagnostics)})


def refusal(found: Sequence[Uncommitted]) -> UserError:
    named = ", ".join(f"{item.path} ({item.state})" for item in found)
    count = len(found)
    return UserError(
        f"apply runs what git holds, and {count} planned file{'s are' if count != 1 else ' is'} "
        f"not committed: {named}. Commit {'them' if count != 1 else 'it'} (the change then "
        "is what was reviewed), or pass --allow-dirty to apply the working tree as it is. "
        "Nothing was changed"
    )
