"""`campaigns validate`: load every manifest, report every problem, exit 0 or 1."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.errors import EXIT_ERROR, EXIT_OK
from reconciler.planner.run import validate_paths
from reconciler.render.reporters import build_reporter


@dataclass(frozen=True)
class ValidateRequest:
    paths: Sequence[str]
    output_format: str
    color: bool | None


def run_validate(request: ValidateRequest) -> int:
    result = validate_paths(request.paths)
    reporter = build_reporter(request.output_format, color=request.color)
    reporter.validation(result.diagnostics, manifests=result.manifests, files=result.files)
    return EXIT_OK if result.ok else EXIT_ERROR
