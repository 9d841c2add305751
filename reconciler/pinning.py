"""Pinning an existing manifest to its live campaign: ``metadata.id`` written in its file.

``campaigns import`` does it when it writes a second manifest of one name (Dograh
allows two campaigns of one name; two manifests of one name are told apart only when
every one is pinned, identity.py ``duplicates``). The manifest's own campaign is
known without asking anyone: it is the one this repository created, found by its owner
token (owner.py). The edit is one line after ``name:``, in the file's own indentation;
the file is read back as validate reads it, and restored when it does not say exactly
that id.
"""

from __future__ import annotations

from pathlib import Path

from reconciler.diagnostics import has_errors
from reconciler.manifest.load import Manifest, load_files


class CannotPin(Exception):
    """The manifest could not be pinned; nothing was changed. The message says why."""


def pin(manifest: Manifest, campaign_id: int) -> None:
    """Add ``id: campaign_id`` under the manifest's ``metadata.name``; raises CannotPin,
    with the file unchanged, when the file is not in a shape to take it."""
    path = Path(manifest.file)
    original = path.read_bytes()
    lines = original.decode("utf-8").splitlines(keepends=True)
    line, _ = manifest.position("metadata.name")
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    indent = text[: len(text) - len(text.lstrip(" "))]
    if not text.lstrip(" ").startswith("name:"):
        raise CannotPin(
            f"{manifest.where('metadata.name')} is not a 'name:' line of a block mapping"
        )
    ending = "\r\n" if text.endswith("\r\n") else "\n"
    if not text.endswith(("\n", "\r")):
        lines[line - 1] = text + ending
    lines.insert(line, f"{indent}id: {campaign_id}{ending}")
    _replace(path, "".join(lines).encode("utf-8"))
    loaded = load_files([path])
    pinned = [m for m in loaded.manifests if m.name == manifest.name]
    if has_errors(loaded.diagnostics) or len(pinned) != 1 or pinned[0].pinned_id != campaign_id:
        _replace(path, original)
        raise CannotPin(f"{manifest.file} does not read back pinned to id {campaign_id}")


def _replace(path: Path, content: bytes) -> None:
    """The file's new content in one rename, with its mode kept."""
    temporary = path.with_name(f".{path.name}.pinning")
    temporary.write_bytes(content)
    temporary.chmod(path.stat().st_mode & 0o7777)
    temporary.replace(path)
