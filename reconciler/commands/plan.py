"""`campaigns plan`: what apply would change, for a person, a machine or a pull request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import click

from reconciler.client_settings import ClientSettings
from reconciler.committed import planned_files, uncommitted, with_warnings
from reconciler.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK
from reconciler.planfile import SavedPlan, check_destination, save_plan, saved_paths
from reconciler.planner.options import PlanOptions
from reconciler.planner.run import connected, plan_paths
from reconciler.render.reporters import build_reporter


@dataclass(frozen=True)
class PlanRequest:
    paths: Sequence[str]
    options: PlanOptions
    output_format: str
    out: str | None
    detailed_exitcode: bool
    show_unmanaged: bool
    color: bool | None
    client: ClientSettings
    allow_dirty: bool = False


def run_plan(request: PlanRequest) -> int:
    paths = tuple(request.paths)
    if request.out:  # before Dograh is read, not after
        check_destination(request.out)
        paths = saved_paths(paths)
    with connected(request.client) as client:
        plan = plan_paths(paths, client, request.options)
    if not request.allow_dirty:
        plan = with_warnings(plan, uncommitted(planned_files(plan)))
    reporter = build_reporter(request.output_format, color=request.color)
    reporter.plan(plan, show_unmanaged=request.show_unmanaged)
    if plan.blocked:
        if request.out:
            click.echo("No plan file written: the plan is blocked.", err=True)
        return EXIT_ERROR
    if request.out:
        saved = SavedPlan(
            api_url=request.client.base_url,
            paths=paths,
            base=request.options.base,
            resume=request.options.resume,
            plan=plan,
        )
        save_plan(request.out, saved)
        click.echo(
            f"Plan saved to {request.out}; `campaigns apply {request.out}` applies exactly it.",
            err=True,
        )
    if request.detailed_exitcode and plan.changes:
        return EXIT_CHANGES
    return EXIT_OK
