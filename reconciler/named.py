"""What a manifest file names, read cheaply: its campaigns' names and pinned ids.

Deciding that a live campaign's manifest is gone, or what a manifest said at the
reviewed base, needs only what each manifest names, not the whole check (model, CSV,
calling hours): the files outside a plan's paths, or at another revision, are read this
way. They are read as every manifest is (yaml_source.py: YAML 1.2, the same limits), so
that a name such as ``2026-12-01`` or ``no`` is the same string here as in the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reconciler.diagnostics import Diagnostic
from reconciler.identity import IDENTITY_PATHS
from reconciler.manifest.model import API_VERSION, KIND
from reconciler.manifest.yaml_source import Position, decode_text, documents_of_text

MARK = API_VERSION.split("/", 1)[0].encode() + b"/"
"""``dograh-campaigns/``: a file without it holds no manifest, and is not parsed."""


@dataclass(frozen=True)
class Named:
    """One campaign manifest's identity, where it is, and its spec as written."""

    file: str
    name: str | None
    pinned_id: int | None
    spec: dict[str, Any]
    positions: dict[str, Position] = field(default_factory=dict)
    """Where its identity is written: the keys of ``IDENTITY_PATHS``."""

    @property
    def redial_name(self) -> str | None:
        """The name of the campaign its ``spec.redial`` makes (Dograh's default unless
        named), as Manifest.redial_name says."""
        redial = self.spec.get("redial")
        if not isinstance(redial, dict) or self.name is None:
            return None
        name = redial.get("name")
        return name if isinstance(name, str) else f"{self.name} (Redial)"


def named_in(raw: bytes, file: str) -> tuple[list[Named], Diagnostic | None]:
    """The campaign manifests of a file's bytes, and why some could not be read: None
    when all could. A file that never mentions the apiVersion is no manifest: skipped."""
    if MARK not in raw:
        return [], None
    text, problem = decode_text(raw, file, "the manifest")
    if text is None or problem is not None:
        return [], problem or Diagnostic(file, 1, 1, "", "not UTF-8 text")
    documents, problems = documents_of_text(text, file, IDENTITY_PATHS)
    found: list[Named] = []
    for document in documents:
        data = document.data
        if not isinstance(data, dict) or data.get("kind") != KIND:
            continue
        metadata = data.get("metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        name = metadata.get("name")
        pinned = metadata.get("id")
        if isinstance(pinned, bool) or not isinstance(pinned, int):
            pinned = None
        spec = data.get("spec")
        found.append(
            Named(
                file=file,
                name=name if isinstance(name, str) else None,
                pinned_id=pinned,
                spec=spec if isinstance(spec, dict) else {},
                positions=document.positions,
            )
        )
    return found, problems[0] if problems else None
