"""The campaign manifests a git revision holds, wherever they lie in its tree.

The ``--base`` review asks what a campaign's manifest said at the reviewed base. A
manifest is found by what it names (its pinned id, else its name), not by its path: a
``git mv`` of a paused campaign's manifest is not "no such manifest at main", which
would resume it. Files are read as the manifests are (the YAML 1.2 loader of
yaml_source.py, the same size limit): under YAML 1.1 a campaign named ``2026-12-01``,
``no`` or ``12:30`` would not be the string its manifest says, and would match nothing.

The whole tree is listed once and every manifest-named blob read in one ``git cat-file
--batch``: two processes, whatever the number of files.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.errors import UserError
from reconciler.manifest.load import is_manifest_name
from reconciler.manifest.yaml_source import MAX_FILE_BYTES
from reconciler.named import Named, named_in


@dataclass
class Revision:
    """What a revision's tree holds: its campaign manifests, and the files that look
    meant as manifests but could not be read (which might have named any campaign)."""

    revision: str
    manifests: list[Named] = field(default_factory=list)
    """Their files: paths in the tree, relative to the repository's root."""
    unreadable: list[str] = field(default_factory=list)


def manifests_at(root: Path, revision: str) -> Revision:
    """Every campaign manifest in ``revision``'s whole tree of the repository at ``root``."""
    if _git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}") is None:
        raise UserError(
            f"--base {revision}: no such git revision in {root} (fetch it first: the Action "
            "checks out with fetch-depth 0 for this)"
        )
    listing = _git(root, "ls-tree", "-r", "-z", "-l", "--full-tree", revision)
    if listing is None:
        raise UserError(f"--base {revision}: git could not list its files in {root}")
    found = Revision(revision)
    blobs: list[tuple[str, str]] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, sha, size = meta.split()
        path = raw_path.decode("utf-8", "backslashreplace")
        # A symbolic link's blob is its target's path; the target is listed itself.
        if kind != b"blob" or mode == b"120000" or not is_manifest_name(path):
            continue
        if int(size) > MAX_FILE_BYTES:
            continue  # refused as a manifest anywhere: it never named a campaign
        blobs.append((sha.decode("ascii"), path))
    if not blobs:
        return found
    contents = _cat(root, [sha for sha, _ in blobs])
    for (_, path), raw in zip(blobs, contents, strict=True):
        _read(found, path, raw)
    return found


def _read(found: Revision, path: str, raw: bytes) -> None:
    named, problem = named_in(raw, path)
    found.manifests.extend(named)
    if problem is not None:
        where = f"{problem.file}:{problem.line}:{problem.column}"
        found.unreadable.append(f"{where}: {problem.message}")


def _git(root: Path, *args: str) -> bytes | None:
    result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    return result.stdout if result.returncode == 0 else None


def _cat(root: Path, shas: list[str]) -> list[bytes]:
    """The blobs' bytes, in order, from one ``git cat-file --batch``."""
    result = subprocess.run(
        ["git", "-C", str(root), "cat-file", "--batch"],
        input=("\n".join(shas) + "\n").encode("ascii"),
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise UserError(f"--base: git could not read the files of the revision in {root}")
    out, at, blobs = result.stdout, 0, []
    for _ in shas:
        header_end = out.index(b"\n", at)
        size = int(out[at:header_end].split()[2])
        blobs.append(out[header_end + 1 : header_end + 1 + size])
        at = header_end + 1 + size + 1
    return blobs
