"""`campaigns apply`: converge Dograh to the manifests, or run a saved plan that still holds.

The whole apply runs under the organization's lock (lock.py): the plan, the approval,
the changes and the check that Dograh converged. A saved plan is an expectation, not a
program: apply plans again from the manifests and Dograh, and runs only if that plan is
the saved one (the same campaigns, actions and request bodies).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

import click

from reconciler.apply import Crashed, Executor, Interrupted, Outcome, summarize
from reconciler.client import DograhClient
from reconciler.client_settings import ClientSettings
from reconciler.committed import planned_files, refusal, uncommitted, with_warnings
from reconciler.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, UserError
from reconciler.explain import live_differences
from reconciler.lock import organization_lock
from reconciler.normalize import fingerprint, live_view
from reconciler.organization import guard_saved
from reconciler.plan import CampaignChange, Plan
from reconciler.planfile import SavedPlan, differences, load_plan
from reconciler.planner.options import PlanOptions
from reconciler.planner.run import connected, plan_paths
from reconciler.redact import redact
from reconciler.render import escape
from reconciler.render.diagnostics import render_text
from reconciler.render.plan_text import render_plan_text
from reconciler.render.terminal import echo_lines, use_color


@dataclass(frozen=True)
class ApplyRequest:
    plan_file: str | None
    paths: Sequence[str]
    options: PlanOptions
    auto_approve: bool
    parallelism: int
    color: bool | None
    client: ClientSettings
    interactive: bool
    allow_dirty: bool = False


def run_apply(request: ApplyRequest) -> int:
    say = lambda line: click.echo(line, err=True)  # noqa: E731 - a message on stderr
    saved = load_plan(request.plan_file) if request.plan_file else None
    if saved is not None:
        _check_dograh(saved, request.client, request.plan_file or "")
    with organization_lock(request.client, say):
        if saved is not None:
            return _apply_saved(request, saved)
        with connected(request.client) as client:
            plan = plan_paths(request.paths, client, request.options)
            if isinstance(client, UserError):  # the manifests did not validate
                _echo_plan(plan, request.color)
                return EXIT_ERROR
            dirty = [] if request.allow_dirty else uncommitted(planned_files(plan))
            _echo_plan(with_warnings(plan, dirty), request.color)
            if plan.blocked:
                return EXIT_ERROR
            if not plan.changes:
                return EXIT_OK
            if dirty:
                raise refusal(dirty)
            if not _approved(request, plan):
                return EXIT_ERROR
            return _execute(client, plan, tuple(request.paths), request.options, request)


def _check_dograh(saved: SavedPlan, settings: ClientSettings, plan_file: str) -> None:
    """A saved plan runs against the Dograh, and the organization, it was made for: the
    URL said before any request, the organization after one (which the lock reuses)."""
    if saved.api_url.rstrip("/") != settings.base_url.rstrip("/"):
        raise UserError(
            f"the plan was made against {saved.api_url}, not {settings.base_url}: make the "
            "plan again for this Dograh"
        )
    with DograhClient(settings) as asking:
        guard_saved(asking, saved.plan.organization, plan_file)


def _apply_saved(request: ApplyRequest, saved: SavedPlan) -> int:
    """Plan again as the saved plan was made; run it only if it is the same plan."""
    settings = request.client
    options = PlanOptions(targets=saved.plan.targets, base=saved.base, resume=saved.resume)
    with connected(settings) as client:
        plan = plan_paths(saved.paths, client, options)
        if isinstance(client, UserError) or plan.errors:
            for line in render_text(plan.errors):
                click.echo(line, err=True)
            raise UserError(
                "the manifests of the saved plan no longer validate; nothing was changed"
            )
        found = [*_drift(saved.plan, client), *differences(saved.plan, plan)]
        if found:
            _refuse_stale(found)
            return EXIT_ERROR
        dirty = [] if request.allow_dirty else uncommitted(planned_files(plan))
        if dirty:
            raise refusal(dirty)
        click.echo(f"Applying the saved plan {request.plan_file} ({saved.created_at}).")
        return _execute(client, plan, saved.paths, options, request)


def _refuse_stale(found: list[str]) -> None:
    """One line per difference: each names a campaign and its fields, old and new."""
    click.secho(
        "Error: Saved plan is stale: planning again gives another plan, so nothing was "
        "changed; make the plan again and review it. What differs:",
        err=True,
        fg="red",
    )
    for line in found:
        click.echo(f"  - {escape.text(redact(line))}", err=True)


def _drift(saved: Plan, client: DograhClient) -> list[str]:
    """The live campaigns the plan acts on, changed since it was made (even in a way that
    does not change the plan: a reviewed plan runs against the Dograh it was made for),
    with each field that changed where the plan read the campaign's settings."""
    now = {c.id: c for c in client.list_campaigns()}
    found = []
    for change in saved.changes:
        acted_on = change.id
        if acted_on is None and change.redial is not None:
            acted_on = change.redial.parent_id  # a redial to make acts on its parent
        if acted_on is None:
            continue
        live = now.get(acted_on)
        if live is None:
            found.append(f"{change.name} (id {acted_on}) is gone")
            continue
        if fingerprint(live) == saved.fingerprints.get(f"id:{acted_on}"):
            continue
        fields = []
        if change.id == acted_on:
            fields = live_differences(change.before, {**live_view(live), "state": live.state})
        shown = f": {', '.join(fields)}" if fields else ""
        found.append(f"{change.name} (id {acted_on}) changed in Dograh since the plan{shown}")
    return found


def _approved(request: ApplyRequest, plan: Plan) -> bool:
    if request.auto_approve:
        return True
    if not request.interactive:
        raise UserError(
            "apply needs approval and there is no terminal to ask: pass --auto-approve "
            "(as CI does, after a reviewed plan), or apply a saved plan file"
        )
    calling = len(plan.places_calls)
    calls = (
        f" {calling} campaign{'s' if calling != 1 else ''} will start placing calls."
        if calling
        else " No campaign will start placing calls."
    )
    click.echo("")
    click.echo(f"Do you want to perform these actions in Dograh?{calls}")
    answer = click.prompt("Only 'yes' will be accepted to approve", default="", show_default=False)
    if answer.strip() != "yes":
        click.echo("Apply cancelled: nothing was changed.", err=True)
        return False
    return True


def _execute(
    client: DograhClient,
    plan: Plan,
    paths: Sequence[str],
    options: PlanOptions,
    request: ApplyRequest,
) -> int:
    executor = Executor(
        client, parallelism=request.parallelism, report=click.echo, owner=plan.owner
    )
    changes: list[CampaignChange] = list(plan.changes)
    try:
        outcomes = executor.run(changes)
    except Interrupted as stop:
        _report_interrupted(stop.outcomes)
        return EXIT_INTERRUPTED
    except Crashed as crash:
        done, failures = summarize(crash.outcomes)
        click.echo(f"Apply stopped by an internal error. Done: {done}.", err=True)
        for line in failures:
            click.echo(f"  {line}", err=True)
        raise crash.bug from None
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
    nobody = frozenset(o.change.redial.parent_id for o in outcomes if o.nobody and o.change.redial)
    return _converged(paths, options, request, nobody)


def _report_interrupted(outcomes: Sequence[Outcome]) -> None:
    done, failures = summarize(outcomes)
    not_started = [o.change.name for o in outcomes if o.skipped]
    click.echo(f"Apply interrupted. Done: {done}.", err=True)
    for line in failures:
        click.echo(f"  failed: {line}", err=True)
    partial = [
        f"{o.change.name} ({', '.join(o.remaining)})"
        for o in outcomes
        if o.remaining and not o.skipped and not o.error
    ]
    if partial:
        click.echo(f"  not finished: {', '.join(partial)}", err=True)
    if not_started:
        click.echo(f"  not started: {', '.join(not_started)}", err=True)
    click.echo("Run apply again to finish: it plans from what Dograh holds now.", err=True)


def _converged(
    paths: Sequence[str],
    options: PlanOptions,
    request: ApplyRequest,
    nobody: frozenset[int] = frozenset(),
) -> int:
    """Plan again, from the same manifests: what remains is what apply could not do. The
    resumes just made are not asked again (their campaigns now run). A redial Dograh
    just found nobody for (``nobody``: the parents' ids) is planned again, as Dograh
    keeps no trace of it: that is not a failure to converge."""
    with connected(request.client) as client:
        plan = plan_paths(paths, client, options)
    left = [
        change
        for change in plan.changes
        if not (change.id is None and change.redial and change.redial.parent_id in nobody)
    ]
    if left or plan.blocked:
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
