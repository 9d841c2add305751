"""Something of a manifest file that messages point at: its file and where its values are.

Manifests, Policies, Defaults and the identities sent between processes (identity.py)
all point at their files alike: ``file:line:column`` of a dotted path, or its nearest
tracked ancestor. A plan keeps that place typed (``Place``), shown as text in one place.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from reconciler.diagnostics import Diagnostic, Severity
from reconciler.manifest.yaml_source import Position


class Place(BaseModel):
    """Where in a manifest file a plan's entry comes from, as a diagnostic's place is:
    the file as the plan names it, and a 1-based line and column."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str = Field(
        description="The manifest file as messages name it: relative to the working "
        "directory when inside it."
    )
    line: int = Field(description="1-based, as editors show it.")
    column: int = Field(description="1-based.")

    def __str__(self) -> str:
        """``file:line:column``, the form editors and CI annotations read."""
        return f"{self.file}:{self.line}:{self.column}"


NO_MANIFEST = "(no manifest)"
"""How a change without a place (``None``: a campaign paused because its manifest is
gone) is shown."""


def shown(place: Place | None) -> str:
    """A plan entry's place as text; ``(no manifest)`` for none."""
    return NO_MANIFEST if place is None else str(place)


class Located:
    """A document of a manifest file, with where its values start."""

    file: str
    positions: dict[str, Position]

    def position(self, path: str) -> Position:
        """Where the value at dotted ``path`` starts, or its nearest tracked ancestor."""
        while path not in self.positions and path:
            path = path.rpartition(".")[0]
        return self.positions.get(path, (1, 1))

    def place(self, path: str) -> Place:
        """Where a value of this manifest starts, for the entries of a plan."""
        line, column = self.position(path)
        return Place(file=self.file, line=line, column=column)

    def where(self, path: str) -> str:
        """``file:line:column`` of a value of this manifest, for messages of later stages."""
        return str(self.place(path))

    def diagnostic(self, path: str, message: str, severity: Severity = "error") -> Diagnostic:
        line, column = self.position(path)
        return Diagnostic(self.file, line, column, path, message, severity)
