"""`campaigns status`: how the managed campaigns are doing, for an operator or a CI job.

Exit 0 whatever the campaigns' states, so that a report is never mistaken for a
failure; ``--fail-on failed`` makes a failed campaign exit 1, ``--fail-on held`` a
campaign held paused (by Dograh's circuit breaker or an operator) while its manifest
says running, for a scheduled job that should go red. Errors in the manifests are
reported as plan reports them and exit 1, after the report: a manifest that does not
load matches no campaign, which would then be counted as unmanaged.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import click

from reconciler.client import DograhClient
from reconciler.client_settings import ClientSettings
from reconciler.errors import EXIT_ERROR, EXIT_OK
from reconciler.live import CampaignProgress
from reconciler.planner.each import Managed
from reconciler.planner.run import read_managed
from reconciler.render import escape
from reconciler.render.diagnostics import render_text
from reconciler.render.reporters import build_reporter
from reconciler.render.terminal import echo_lines
from reconciler.status import build_status

PROGRESS_AT_ONCE = 8


@dataclass(frozen=True)
class StatusRequest:
    paths: Sequence[str]
    output_format: str
    progress: bool
    fail_on: tuple[str, ...]
    color: bool | None
    client: ClientSettings


def run_status(request: StatusRequest) -> int:
    with DograhClient(request.client) as client:
        managed = read_managed(request.paths, client)
        now = _dograh_now(client.server_date)
        progress = _progress(client, managed, everything=request.progress)
    report = build_status(managed, progress, now, show_progress=request.progress)
    if managed.diagnostics:
        echo_lines(render_text(managed.diagnostics), request.color, err=True)
    broken = frozenset(d.file for d in managed.diagnostics if d.severity == "error")
    build_reporter(request.output_format, color=request.color).status(report, broken=broken)
    if not managed.ok:
        click.secho(
            "The manifests have errors (above): their campaigns may be counted as unmanaged.",
            err=True,
            fg="red",
        )
        return EXIT_ERROR
    code = EXIT_OK
    for kind in request.fail_on:
        found = [
            entry
            for entry in report.campaigns
            if (entry.state == "failed" if kind == "failed" else entry.held)
        ]
        if found:
            names = ", ".join(f"{entry.name} (id {entry.id})" for entry in found)
            said = "failed" if kind == "failed" else "held paused"
            click.secho(f"--fail-on {kind}: {escape.text(names)} {said}.", err=True, fg="red")
            code = EXIT_ERROR
    return code


def _dograh_now(date: str | None) -> datetime:
    """Dograh's clock, from the ``Date`` of its answer: Dograh decides whether a window is
    open. This machine's clock when Dograh sent none (or one that does not parse)."""
    if date:
        try:
            return parsedate_to_datetime(date).astimezone(timezone.utc)
        except (TypeError, ValueError):
            pass
    return datetime.now(timezone.utc)


def _progress(
    client: DograhClient, managed: Managed, *, everything: bool
) -> dict[int, CampaignProgress]:
    """One ``/progress`` request per managed live campaign that placed a call (the
    failed calls, which the list does not count), or per managed campaign with
    ``everything``; a few at once."""
    by_id = {campaign.id: campaign for campaign in managed.live.campaigns}
    ids = sorted(
        campaign_id
        for campaign_id in managed.matched
        if everything or by_id[campaign_id].executed_count > 0
    )
    if not ids:
        return {}
    with ThreadPoolExecutor(max_workers=PROGRESS_AT_ONCE, thread_name_prefix="progress") as pool:
        return dict(zip(ids, pool.map(client.campaign_progress, ids), strict=True))
