"""Diagnostics: one finding about one place in one file.

Every stage that reads user input (YAML, the manifest model, CSVs, name uniqueness)
reports into the same shape, so that `validate` can collect all of them, sort them by
file and line, and render them as text for people or JSON for machines.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Literal

from pydantic import Field

Severity = Literal["error", "warning"]
Kind = Literal["finding", "empty_file", "not_a_manifest"]
"""What a finding is, for the code that decides by it (never by its text): a file with
nothing in it (``empty_file``, an error, which a directory scan may still skip), a YAML
file that holds no manifest (``not_a_manifest``, a warning counted apart), or any other
finding. Not shown: the severity and the message say it to the reader."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A finding. ``line`` and ``column`` are 1-based, as editors show them."""

    file: str
    line: int
    column: int
    path: str
    message: str
    severity: Severity = "error"
    kind: Annotated[Kind, Field(exclude=True)] = "finding"

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.path, self.message)

    def __reduce__(self) -> tuple[type[Diagnostic], tuple[str, int, int, str, str, Severity, Kind]]:
        """Pickled as its fields, for the pool's processes: a slotted dataclass's own
        state methods look its fields up for each object (2.5 times slower, and
        thousands of a warm load's verdicts cross between processes)."""
        fields = (self.file, self.line, self.column, self.path, self.message)
        return (Diagnostic, (*fields, self.severity, self.kind))

    def as_dict(self) -> dict[str, object]:
        """As ``validate --format json`` shows it (the kind is the code's, not shown)."""
        return {key: value for key, value in asdict(self).items() if key != "kind"}


NOT_A_MANIFEST = (
    "skipped: not a campaign manifest (no document has apiVersion, kind, metadata or spec "
    "at its top level); name the file to check it anyway"
)
"""The warning for a YAML file that a directory scan met and that holds no manifest (a
GitHub workflow beside the manifests, say): said, counted apart, never an error."""


def is_skipped_file(diagnostic: Diagnostic) -> bool:
    return diagnostic.kind == "not_a_manifest"


def sorted_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Sort by place and drop exact repeats (one YAML alias can fail twice alike)."""
    return sorted(set(diagnostics), key=Diagnostic.sort_key)


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)
