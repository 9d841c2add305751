"""Something of a manifest file that messages point at: its file and where its values are.

Manifests, Policies, Defaults and the identities sent between processes (identity.py)
all point at their files alike: ``file:line:column`` of a dotted path, or its nearest
tracked ancestor.
"""

from __future__ import annotations

from reconciler.diagnostics import Diagnostic, Severity
from reconciler.manifest.yaml_source import Position


class Located:
    """A document of a manifest file, with where its values start."""

    file: str
    positions: dict[str, Position]

    def position(self, path: str) -> Position:
        """Where the value at dotted ``path`` starts, or its nearest tracked ancestor."""
        while path not in self.positions and path:
            path = path.rpartition(".")[0]
        return self.positions.get(path, (1, 1))

    def where(self, path: str) -> str:
        """``file:line:column`` of a value of this manifest, for messages of later stages."""
        line, column = self.position(path)
        return f"{self.file}:{line}:{column}"

    def diagnostic(self, path: str, message: str, severity: Severity = "error") -> Diagnostic:
        line, column = self.position(path)
        return Diagnostic(self.file, line, column, path, message, severity)
