"""The reporters: one per output format, chosen by name (``--format``), as
check-jsonschema's ``REPORTER_BY_NAME``.

A reporter writes what validate, plan or status found to stdout in its format, through
the renderers of this package, which escape every value for their medium (escape.py):
text for a terminal or a CI log, JSON, Markdown for a pull-request comment. A format
offers a kind of report by defining its method; ``formats`` lists, for the ``--format``
choice of a command, the formats that define the command's. The renderers are imported
when a report is written: the command line builds its choices from this module, and
pays on start-up for no renderer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, Literal

import click

from reconciler.render.terminal import echo_lines, use_color

if TYPE_CHECKING:
    from reconciler.diagnostics import Diagnostic
    from reconciler.plan import Plan
    from reconciler.status import StatusReport

Report = Literal["validation", "plan", "status"]
"""What a command reports: the name of the reporters' method that writes it."""


class Reporter:
    """Writes one command's result to stdout. ``color``: False never, None on a terminal."""

    audience: ClassVar[str]
    """Who reads this format, for the ``--format`` help."""

    def __init__(self, *, color: bool | None) -> None:
        self.color = color

    def validation(self, diagnostics: Sequence[Diagnostic], *, manifests: int, files: int) -> None:
        self._cannot("validation")

    def plan(self, plan: Plan, *, show_unmanaged: bool) -> None:
        self._cannot("plan")

    def status(self, report: StatusReport, *, broken: frozenset[str]) -> None:
        self._cannot("status")

    def _cannot(self, report: Report) -> None:
        """Reached only past the ``--format`` choice, which offers no such format."""
        raise click.UsageError(f"this output format cannot show a {report} report")


class TextReporter(Reporter):
    audience = "for people"

    def validation(self, diagnostics: Sequence[Diagnostic], *, manifests: int, files: int) -> None:
        from reconciler.render.diagnostics import render_text, summary

        lines = [*render_text(diagnostics), summary(diagnostics, manifests, files)]
        echo_lines(lines, self.color)

    def plan(self, plan: Plan, *, show_unmanaged: bool) -> None:
        from reconciler.render.plan_text import render_plan_text

        color = use_color(self.color)
        echo_lines(render_plan_text(plan, show_unmanaged=show_unmanaged, color=color), self.color)

    def status(self, report: StatusReport, *, broken: frozenset[str]) -> None:
        from reconciler.render.status_text import render_status_text

        lines = render_status_text(report, color=use_color(self.color), broken=broken)
        echo_lines(lines, self.color)


class JsonReporter(Reporter):
    audience = "for machines"

    def validation(self, diagnostics: Sequence[Diagnostic], *, manifests: int, files: int) -> None:
        from reconciler.render.diagnostics import render_json

        click.echo(render_json(diagnostics))

    def plan(self, plan: Plan, *, show_unmanaged: bool) -> None:
        from reconciler.render.plan_json import render_plan_json

        click.echo(render_plan_json(plan))

    def status(self, report: StatusReport, *, broken: frozenset[str]) -> None:
        from reconciler.render.status_text import render_status_json

        click.echo(render_status_json(report))


class MarkdownReporter(Reporter):
    audience = "for a pull-request comment"

    def plan(self, plan: Plan, *, show_unmanaged: bool) -> None:
        from reconciler.render.plan_markdown import render_plan_markdown

        click.echo(render_plan_markdown(plan, show_unmanaged=show_unmanaged))


REPORTER_BY_NAME: dict[str, type[Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "markdown": MarkdownReporter,
}


def formats(report: Report) -> list[str]:
    """The names of the formats that write ``report``, in the registry's order."""
    return [
        name
        for name, reporter in REPORTER_BY_NAME.items()
        if getattr(reporter, report) is not getattr(Reporter, report)
    ]


def build_reporter(name: str, *, color: bool | None) -> Reporter:
    return REPORTER_BY_NAME[name](color=color)
