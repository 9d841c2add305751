"""`campaigns schema`: write the generated JSON Schemas, or check the committed ones."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from reconciler.errors import EXIT_ERROR, EXIT_OK
from reconciler.schemas import SCHEMA_DIRECTORY, SCHEMAS, render_schema


@dataclass(frozen=True)
class SchemaRequest:
    output: str | None
    """The directory; None: the committed location, SCHEMA_DIRECTORY."""
    check: bool


def run_schema(request: SchemaRequest) -> int:
    directory = Path(request.output or SCHEMA_DIRECTORY)
    stale = []
    for name in SCHEMAS:
        wanted = render_schema(name)
        path = directory / name
        if request.check:
            try:
                current: str | None = path.read_text(encoding="utf-8")
            except OSError:
                current = None
            if current != wanted:
                state = "is missing" if current is None else "differs from what the models generate"
                stale.append(f"{path} {state}")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(wanted, encoding="utf-8")
        click.echo(f"Wrote {path}.")
    if stale:
        for line in stale:
            click.echo(f"{line}; run `campaigns schema` and commit the result.", err=True)
        return EXIT_ERROR
    if request.check:
        click.echo(f"The schemas in {directory} are current.")
    return EXIT_OK
