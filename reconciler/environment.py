"""Environments: directory trees of one repository, each with its own Policy.

A repository may hold several trees (``campaigns.d/staging/``, ``campaigns.d/production/``),
each with the Policy of one Dograh organization (its owner token, its limits). A run
plans one tree, and the Policy at or above the paths it is given decides: planning
``campaigns.d/production/spring/`` alone is still held to production's Policy, found in
a directory above it. Two Policies in one run (two trees, or two Policies in one tree)
are refused, naming both: which organization, owner and limits would hold is not for
the tool to guess.

Looking above a path reads only the YAML files directly in each directory on the way up
to the repository's root, and of those only the ones that declare ``kind: Policy``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Sequence
from pathlib import Path

from reconciler.errors import UserError
from reconciler.manifest.load import MANIFEST_SUFFIXES, PolicyDocument
from reconciler.manifest.paths import SourcePaths, display_path, inside, repository_of
from reconciler.manifest.yaml_source import NotRegular, TooBig, read_capped

_POLICY_KIND = re.compile(rb"^kind:[ \t]*[\"']?Policy[\"']?[ \t]*(?:#.*)?$", re.MULTILINE)
MAX_POLICY_BYTES = 1024 * 1024
"""A Policy file is a few lines; a larger YAML file above the tree is not read."""


def policy_files_above(paths: Sequence[str], loaded: Sequence[Path]) -> list[Path]:
    """The files, in the directories at or above the given paths up to the repository's
    root, that declare a Policy and are not among the files ``loaded`` already: for a
    directory, the directories above it; for a file, its own directory and those above."""
    known = _RealPaths(loaded)
    found: list[Path] = []
    seen: set[Path] = set()
    for argument in paths:
        root = repository_of(argument)
        for directory in _upwards(_lexical(argument).parent, root):
            if directory.resolve() in seen:
                break
            seen.add(directory.resolve())
            for file in _declaring_policy(directory, known):
                known.add(file)
                found.append(Path(display_path(file)))
    return found


def tree_root(directory: str) -> str | None:
    """The environment a directory is in: the nearest directory at or above it, up to the
    repository's root, that holds a Policy file; None when there is none."""
    for candidate in _upwards(_lexical(directory), repository_of(directory)):
        if candidate.is_dir() and _declaring_policy(candidate):
            return display_path(candidate)
    return None


def _lexical(path: str) -> Path:
    """The absolute path as written (``..`` folded, links not followed)."""
    return Path(os.path.normpath(Path(path).absolute()))


def _upwards(start: Path, root: str) -> list[Path]:
    """``start`` and its ancestors, while they are inside the repository's root."""
    found = []
    for directory in [start, *start.parents]:
        real = str(directory.resolve())
        if not inside(real, root):
            break
        found.append(directory)
        if real == root:
            break
    return found


class _RealPaths:
    """The real paths of the files a run loaded, worked out only when a directory above
    them holds a YAML file to compare (most hold none): a thousand ``resolve()`` calls
    cost more than the rest of the search."""

    def __init__(self, files: Sequence[Path]) -> None:
        self._files = files
        self._real: set[str] | None = None

    def __contains__(self, file: object) -> bool:
        return os.path.realpath(str(file)) in self._resolved()

    def add(self, file: Path) -> None:
        self._resolved().add(os.path.realpath(file))

    def _resolved(self) -> set[str]:
        if self._real is None:
            paths = SourcePaths()  # each directory resolved once, not each file's parts
            self._real = {paths.real_file(file)[0] for file in self._files}
        return self._real


def _declaring_policy(directory: Path, known: Collection[Path] | _RealPaths = ()) -> list[Path]:
    """The regular YAML files directly in ``directory`` that declare ``kind: Policy``,
    but for those ``known`` (real paths) already: those are not read again."""
    try:
        with os.scandir(directory) as listing:
            names = sorted(e.path for e in listing if e.name.lower().endswith(MANIFEST_SUFFIXES))
    except OSError:
        return []
    found = []
    for name in names:
        if name in known:
            continue
        try:  # a regular file, not through a link, not too large
            text = read_capped(name, MAX_POLICY_BYTES, follow=False)
        except (OSError, NotRegular, TooBig):
            continue
        if _POLICY_KIND.search(text):
            found.append(Path(name))
    return found


def tree_of(policy: PolicyDocument) -> str:
    """The environment a Policy governs: the directory of its file."""
    return Path(policy.file).parent.as_posix()


def describe(policy: PolicyDocument) -> str:
    """``campaigns.d/production (Policy 'production', organization 42)``."""
    organization = policy.policy.spec.organization
    which = f"organization {organization}" if organization is not None else "no organization"
    return f"{tree_of(policy)} (Policy '{policy.policy.metadata.name}', {which})"


def second_policy(first: PolicyDocument, extra: PolicyDocument) -> str:
    """Why a run cannot hold two Policies, naming both."""
    if tree_of(first) != tree_of(extra):
        return (
            f"two environments in one run: {describe(first)} and {describe(extra)}; a run "
            f"plans one tree: give the paths of one of them (such as `{tree_of(first)}`)"
        )
    return (
        f"a second Policy ('{extra.policy.metadata.name}'); an environment has one "
        f"(the first is '{first.policy.metadata.name}' in {first.file})"
    )


def one_policy(policies: Sequence[PolicyDocument]) -> PolicyDocument | None:
    """The run's Policy; two are refused, naming both, before Dograh is read (only the
    key's organization may have been asked)."""
    if len(policies) > 1:
        raise UserError(second_policy(policies[0], policies[1]) + "; nothing was planned")
    return policies[0] if policies else None
