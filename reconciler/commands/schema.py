"""`campaigns schema`: write the generated JSON Schema, or check the committed one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from reconciler.errors import EXIT_ERROR, EXIT_OK
from reconciler.manifest.schema import SCHEMA_PATH, render_schema


@dataclass(frozen=True)
class SchemaRequest:
    output: str | None
    """None: the committed location, SCHEMA_PATH."""
    check: bool


def run_schema(request: SchemaRequest) -> int:
    wanted = render_schema()
    path = Path(request.output or SCHEMA_PATH)
    if request.check:
        try:
            current = path.read_text(encoding="utf-8")
        except OSError:
            current = None
        if current != wanted:
            state = "is missing" if current is None else "differs from what the models generate"
            click.echo(f"{path} {state}; run `campaigns schema` and commit the result.", err=True)
            return EXIT_ERROR
        click.echo(f"{path} is current.")
        return EXIT_OK
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(wanted, encoding="utf-8")
    click.echo(f"Wrote {path}.")
    return EXIT_OK
