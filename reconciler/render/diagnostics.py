"""Diagnostics as text for people or JSON for machines.

Text is one ``file:line:column: path: message`` line each, the form editors and CI
annotations already understand, then one summary line. JSON is a list of objects with
the keys ``file``, ``line``, ``column``, ``path``, ``message`` and ``severity``
(documented in the README), sorted by file and line. Messages quote what manifests say,
so every part is escaped for its medium (escape.py): a line of text is one line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

from reconciler.diagnostics import Diagnostic, is_skipped_file
from reconciler.render import escape
from reconciler.render.values import plural


def render_text(diagnostics: Sequence[Diagnostic]) -> list[str]:
    lines = []
    for d in diagnostics:
        colour = "yellow" if d.severity == "warning" else "red"
        file = escape.text(d.file, line_start=True)
        where = click.style(f"{file}:{d.line}:{d.column}:", fg=colour, bold=True)
        # Errors are the norm here; only warnings carry a label.
        label = click.style(" warning:", fg=colour, bold=True) if d.severity == "warning" else ""
        path = f" {click.style(escape.text(d.path), fg='cyan')}:" if d.path else ""
        lines.append(f"{where}{label}{path} {escape.text(d.message)}")
    return lines


def summary(diagnostics: Sequence[Diagnostic], campaigns: int, files: int) -> str:
    """``2 campaigns in 2 files are valid; 1 YAML file skipped: not a manifest``. The
    skipped files (a workflow beside the manifests) are counted apart from the
    warnings and from the files read as manifests."""
    skipped = sum(1 for d in diagnostics if is_skipped_file(d))
    errors = [d for d in diagnostics if d.severity == "error"]
    warnings = len(diagnostics) - len(errors) - skipped
    files -= skipped
    tail = f"; {plural(skipped, 'YAML file')} skipped: not a manifest" if skipped else ""
    if not errors:
        verb = "is" if campaigns == 1 else "are"
        text = f"{plural(campaigns, 'campaign')} in {plural(files, 'file')} {verb} valid"
        if warnings:
            text += f" ({plural(warnings, 'warning')})"
        return click.style(text + tail, fg="green")
    failing = len({d.file for d in errors})
    text = f"{plural(len(errors), 'error')} in {plural(failing, 'file')}"
    if warnings:
        text += f" and {plural(warnings, 'warning')}"
    return click.style(text + tail, fg="red", bold=True)


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    """JSON escapes newlines and control characters itself; the text stays exact."""
    document = json.dumps([d.as_dict() for d in diagnostics], indent=2, ensure_ascii=False)
    return escape.json_text(document)
