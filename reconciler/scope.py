"""What a plan of some of the repository's manifests may touch: only their campaigns.

Where the paths lie in an environment (a tree with its own Policy, environment.py), "the
repository" here is that tree: the other trees are other organizations.

``campaigns plan campaigns.d/a.yaml`` (a file, a sub-folder, the Action's ``path:``)
plans those manifests. A live campaign that this repository created and that no given
manifest names is "gone", and paused, only when no manifest of the whole repository
names it either (its pinned id, or its name), wherever that manifest lies. The others
are out of this plan's scope: not touched, and counted in the plan.

The repository's other manifests are read cheaply (named.py: what each names, no model,
no CSV): a file that never mentions ``dograh-campaigns/`` is not even parsed. In git,
the files are those git lists (tracked, or untracked and not ignored: an ignored
``node_modules`` is not walked); elsewhere, every file under the repository's
directory. A file outside the paths that looks like a manifest but cannot be read might
name any campaign: then none is paused as gone, and the plan says why.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from reconciler.diagnostics import Diagnostic
from reconciler.environment import tree_root
from reconciler.identity import Identity, named_by, pinned_ids
from reconciler.live import LiveCampaign
from reconciler.manifest.load import is_manifest_name
from reconciler.manifest.paths import SourcePaths, display_path, inside, repository_of
from reconciler.manifest.yaml_source import MAX_FILE_BYTES, NotRegular, TooBig, read_capped
from reconciler.named import MARK, Named, named_in


@dataclass(frozen=True)
class Outside:
    """The repository's manifests outside the given paths: what they name."""

    manifests: tuple[Named, ...] = ()
    unsure: tuple[Diagnostic, ...] = field(default=())
    """Why some manifest outside the paths may name a campaign unseen: a file that looks
    like a manifest and cannot be read, a directory too large to search. Each is a
    warning of the plan, which then pauses nothing as gone."""

    def identities(self) -> list[Identity]:
        """As the loaded manifests' identities, for the cross-checks (duplicates)."""
        return [
            Identity(m.name, m.pinned_id, m.file, m.positions, m.redial_name)
            for m in self.manifests
            if m.name is not None
        ]

    @property
    def pinned(self) -> frozenset[int]:
        return pinned_ids(self.manifests)

    def manages(self, campaign: LiveCampaign, owner: str) -> bool:
        """Whether some manifest outside the paths names this live campaign (identity.py
        ``named_by``)."""
        return named_by(campaign, self.manifests, owner, self.pinned)


def outside(paths: Sequence[str], planned: Collection[str]) -> Outside:
    """The manifests of the repositories of ``paths`` other than the ``planned`` files."""
    real = SourcePaths()
    given = _Planned(real, planned)
    trees = _Trees(paths)
    seen: set[str] = set()
    manifests: list[Named] = []
    unsure: list[Diagnostic] = []
    cwd = os.getcwd()
    for root in dict.fromkeys(repository_of(path) for path in paths):
        files, complete = _files(root)
        if not complete:
            unsure.append(_too_many_folders(root, cwd))
        for file in files:
            # A planned file, or one seen from another root: no syscall (most files).
            where = real.in_real_dir(file)
            if where in given.entries or where in seen or os.path.islink(where):
                continue  # a link is never read
            seen.add(where)
            try:
                raw = read_capped(file, MAX_FILE_BYTES, follow=False)
            except (TooBig, NotRegular, OSError):
                continue  # refused as a manifest by every command: it names nothing
            if MARK not in raw or not trees.hold(where):
                continue  # names nothing (named.py), or another environment's
            named, problem = named_in(raw, display_path(file, cwd))
            if (named or problem is not None) and not given.leads_to(where):
                manifests.extend(named)
                if problem is not None:
                    unsure.append(_unreadable(problem))
    return Outside(tuple(manifests), tuple(unsure))


class _Trees:
    """The environments the paths lie in (``_trees``), worked out at the first file
    outside the paths that mentions a manifest: looking for their Policies reads each
    YAML file of the planned directory, which a repository of one environment (its other
    YAML files GitHub workflows) never needs."""

    def __init__(self, paths: Sequence[str]) -> None:
        self._paths = paths
        self._found: list[str] | None = None

    def hold(self, where: str) -> bool:
        """Whether a real path is in one of the environments (all are, without any)."""
        if self._found is None:
            self._found = _trees(self._paths)
        return not self._found or any(inside(where, tree) for tree in self._found)


class _Planned:
    """The planned files as entries of their real directories (no syscall per file), and,
    only when a file outside the paths names something, the files their links lead to:
    one lstat per planned file, which most runs never need."""

    def __init__(self, real: SourcePaths, files: Collection[str]) -> None:
        self._real = real
        self._files = files
        self.entries = {real.in_real_dir(file) for file in files}
        self._targets: set[str] | None = None

    def leads_to(self, where: str) -> bool:
        """Whether a planned file is a link to the real file ``where``."""
        if self._targets is None:
            resolved = (self._real.real_file(file) for file in self._files)
            self._targets = {target for target, linked in resolved if linked}
        return where in self._targets


def _unreadable(problem: Diagnostic) -> Diagnostic:
    return replace(
        problem,
        message="outside the given paths, this manifest cannot be read "
        f"({problem.message}); a campaign it may name would look gone, so no "
        "campaign is paused as gone in this plan",
        severity="warning",
    )


def _too_many_folders(root: str, cwd: str) -> Diagnostic:
    return Diagnostic(
        os.path.relpath(root) if inside(root, os.path.realpath(cwd)) else root,
        1,
        1,
        "",
        f"not a git repository, and more than {MAX_DIRECTORIES:,} folders to "
        "search for the manifests outside the given paths: they were not all "
        "read, so no campaign is paused as gone in this plan (plan in a git "
        "repository, or give every manifest's path)",
        "warning",
    )


def _trees(paths: Sequence[str]) -> list[str]:
    """The environments (environment.py) the paths lie in: another tree is another
    organization, whose manifests neither name this one's campaigns nor share its names."""
    found = []
    for path in paths:
        directory = path if Path(path).is_dir() else str(Path(path).parent)
        tree = tree_root(directory)
        if tree is not None:
            found.append(os.path.realpath(tree))
    return list(dict.fromkeys(found))


MAX_DIRECTORIES = 10_000
"""Outside git, how many folders are searched: a run from a home directory must not
read the whole disk."""


def _files(root: str) -> tuple[list[str], bool]:
    """Every manifest-named file of the repository at ``root`` (a real path); False when
    there were too many folders to search them all. Paths as strings: ten thousand
    ``Path`` objects cost more than the rest of the search."""
    if Path(root, ".git").exists():
        try:
            listed = subprocess.run(
                ["git", "-C", root, "ls-files", "-z", "-co", "--exclude-standard"],
                capture_output=True,
                check=False,
            )
        except OSError:  # no git here: the directory is walked instead
            listed = subprocess.CompletedProcess([], 1)
        if listed.returncode == 0:
            names = (os.fsdecode(name) for name in listed.stdout.split(b"\0") if name)
            return [os.path.join(root, name) for name in names if is_manifest_name(name)], True
    found: list[str] = []
    for count, (directory, subdirectories, files) in enumerate(os.walk(root)):
        if count >= MAX_DIRECTORIES:
            return found, False
        subdirectories[:] = [d for d in subdirectories if d != ".git"]
        found.extend(os.path.join(directory, f) for f in files if is_manifest_name(f))
    return found, True
