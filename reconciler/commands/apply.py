"""`campaigns apply`: converge Dograh to the manifests, or run a saved plan exactly."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

import click

from reconciler.apply import Executor, Interrupted, summarize
from reconciler.client import ClientSettings, DograhClient
from reconciler.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, UserError
from reconciler.normalize import fingerprint
from reconciler.pipeline import plan_paths
from reconciler.plan import CampaignChange, Plan
from reconciler.planfile import SavedPlan, load_plan
from reconciler.render.diagnostics import render_text
from reconciler.render.plan_text import render_plan_text
from reconciler.render.terminal import echo_lines, use_color

QUESTION = "Do you want to perform these actions? Only 'yes' will be accepted."


@dataclass(frozen=True)
class ApplyRequest:
    plan_file: str | None
    paths: Sequence[str]
    targets: Sequence[str]
    auto_approve: bool
    parallelism: int
    color: bool | None
    client: ClientSettings
    interactive: bool


def run_apply(request: ApplyRequest) -> int:
    if request.plan_file:
        saved = load_plan(request.plan_file)
        with DograhClient(request.client) as client:
            _check_saved(saved, request.plan_file, request.client, client)
            click.echo(f"Applying the saved plan {request.plan_file} ({saved.created_at}).")
            return _execute(
                client, list(saved.plan.changes), saved.paths, saved.plan.targets, request
            )
    plan, opened = plan_paths(request.paths, request.targets, request.client)
    if opened is None:  # the manifests did not validate
        _echo_plan(plan, request.color)
        return EXIT_ERROR
    with opened as client:
        _echo_plan(plan, request.color)
        if plan.blocked:
            return EXIT_ERROR
        if not plan.changes:
            return EXIT_OK
        if not _approved(request):
            return EXIT_ERROR
        return _execute(
            client, list(plan.changes), tuple(request.paths), tuple(request.targets), request
        )


def _approved(request: ApplyRequest) -> bool:
    if request.auto_approve:
        return True
    if not request.interactive:
        raise UserError(
            "apply needs approval and there is no terminal to ask: pass --auto-approve "
            "(as CI does, after a reviewed plan), or apply a saved plan file"
        )
    click.echo("")
    answer = click.prompt(QUESTION, default="", show_default=False)
    if answer.strip() != "yes":
        click.echo("Apply cancelled: nothing was changed.", err=True)
        return False
    return True


def _check_saved(
    saved: SavedPlan, path: str, settings: ClientSettings, client: DograhClient
) -> None:
    """A saved plan holds only if its manifests and the campaigns it covers are unchanged."""
    if saved.api_url.rstrip("/") != settings.base_url.rstrip("/"):
        raise UserError(
            f"the plan was made against {saved.api_url}, not {settings.base_url}: make the "
            "plan again for this Dograh"
        )
    plan, opened = plan_paths(saved.paths, saved.plan.targets, settings)
    if opened is not None:
        opened.close()
    if plan.errors:
        for line in render_text(plan.errors):
            click.echo(line, err=True)
        raise UserError("the manifests of the saved plan no longer validate")
    if plan.manifests_hash != saved.plan.manifests_hash:
        raise UserError(
            "Saved plan is stale: the manifests or their CSVs changed since the plan was made; "
            "make the plan again"
        )
    live = client.list_campaigns()
    now = {f"id:{c.id}": fingerprint(c) for c in live}
    names = {c.name: c.id for c in live}
    changed = []
    for change in saved.plan.changes:
        if change.id is not None:
            key = f"id:{change.id}"
            if now.get(key) != saved.plan.fingerprints.get(key):
                what = "is gone" if key not in now else "changed"
                changed.append(f"{change.name} (id {change.id}) {what}")
        elif change.name in names:
            changed.append(f"{change.name} now exists (id {names[change.name]})")
    if changed:
        raise UserError(
            "Saved plan is stale: since it was made, "
            + "; ".join(changed)
            + ". Nothing was changed; make the plan again."
        )


def _execute(
    client: DograhClient,
    changes: list[CampaignChange],
    paths: Sequence[str],
    targets: Sequence[str],
    request: ApplyRequest,
) -> int:
    executor = Executor(client, parallelism=request.parallelism, report=click.echo)
    try:
        outcomes = executor.run(changes)
    except Interrupted as stop:
        done, failures = summarize(stop.outcomes)
        not_started = [o.change.name for o in stop.outcomes if o.skipped]
        click.echo(f"Apply interrupted. Done: {done}.", err=True)
        for line in failures:
            click.echo(f"  failed: {line}", err=True)
        partial = [
            f"{o.change.name} ({', '.join(o.remaining)})"
            for o in stop.outcomes
            if o.remaining and not o.skipped and not o.error
        ]
        if partial:
            click.echo(f"  not finished: {', '.join(partial)}", err=True)
        if not_started:
            click.echo(f"  not started: {', '.join(not_started)}", err=True)
        click.echo("Run apply again to finish: it plans from what Dograh holds now.", err=True)
        return EXIT_INTERRUPTED
    done, failures = summarize(outcomes)
    if failures:
        click.secho(
            f"Apply failed for {len(failures)} of {len(outcomes)} campaigns. Done: {done}.",
            fg="red",
            bold=True,
            color=request.color,
        )
        for line in failures:
            click.echo(f"  {line}")
        return EXIT_ERROR
    click.secho(f"Apply complete! {done}.", fg="green", bold=True, color=request.color)
    return _converged(paths, targets, request)


def _converged(paths: Sequence[str], targets: Sequence[str], request: ApplyRequest) -> int:
    """Plan again, from the same manifests: what remains is what apply could not do."""
    plan, client = plan_paths(paths, targets, request.client)
    if client is not None:
        client.close()
    if plan.changes or plan.blocked:
        click.secho(
            "Error: apply did not converge; planning again still shows:",
            fg="red",
            bold=True,
            err=True,
            color=request.color,
        )
        _echo_plan(plan, request.color, err=True)
        return EXIT_ERROR
    return EXIT_OK


def _echo_plan(plan: Plan, color: bool | None, *, err: bool = False) -> None:
    lines = render_plan_text(plan, color=use_color(color, err=err))
    echo_lines(lines, color, err=err)


def stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()
