"""Diagnostics: one finding about one place in one file.

Every stage that reads user input (YAML, the manifest model, CSVs, name uniqueness)
reports into the same shape, so that `validate` can collect all of them, sort them by
file and line, and render them as text for people or JSON for machines.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """A finding. ``line`` and ``column`` are 1-based, as editors show them."""

    file: str
    line: int
    column: int
    path: str
    message: str
    severity: Severity = "error"

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.path, self.message)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


NOT_A_MANIFEST = (
    "skipped: not a campaign manifest (no document has apiVersion, kind, metadata or spec "
    "at its top level); name the file to check it anyway"
)
"""The warning for a YAML file that a directory scan met and that holds no manifest (a
GitHub workflow beside the manifests, say): said, counted apart, never an error."""


def is_skipped_file(diagnostic: Diagnostic) -> bool:
    return diagnostic.severity == "warning" and diagnostic.message == NOT_A_MANIFEST


def sorted_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Sort by place and drop exact repeats (one YAML alias can fail twice alike)."""
    return sorted(set(diagnostics), key=Diagnostic.sort_key)


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)
