"""`campaigns validate`: load every manifest, report every problem, exit 0 or 1."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import click

from reconciler.errors import EXIT_ERROR, EXIT_OK
from reconciler.pipeline import validate_paths
from reconciler.render.diagnostics import render_json, render_text, summary


@dataclass(frozen=True)
class ValidateRequest:
    paths: Sequence[str]
    output_format: str
    color: bool | None


def run_validate(request: ValidateRequest) -> int:
    result = validate_paths(request.paths)
    if request.output_format == "json":
        click.echo(render_json(result.diagnostics))
    else:
        for line in render_text(result.diagnostics):
            click.echo(line, color=request.color)
        click.echo(summary(result.diagnostics, result.manifests, result.files), color=request.color)
    return EXIT_OK if result.ok else EXIT_ERROR
