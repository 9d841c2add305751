"""`campaigns drift-issue`: the drift watch's issue for one environment (drift.py)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import click
from pydantic import ValidationError

from reconciler.drift import Check, GitHub, keep_issue
from reconciler.errors import EXIT_CHANGES, EXIT_OK, UserError
from reconciler.status import StatusReport


@dataclass(frozen=True)
class DriftRequest:
    environment: str
    plan_markdown: str
    plan_exit: int
    status_json: str
    status_exit: int
    run_url: str | None


def run_drift_issue(request: DriftRequest) -> int:
    check = Check(
        environment=request.environment,
        plan_exit=request.plan_exit,
        plan_markdown=_read(request.plan_markdown),
        status_exit=request.status_exit,
        status=_status(request.status_json),
        run_url=request.run_url,
    )
    github = GitHub(
        os.environ.get("GITHUB_API_URL") or "https://api.github.com",
        os.environ.get("GITHUB_REPOSITORY", ""),
        os.environ.get("GITHUB_TOKEN", ""),
    )
    with github:
        click.echo(keep_issue(github, check))
    return EXIT_CHANGES if check.drifted else EXIT_OK


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""  # the command printed nothing: its exit code says it failed
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None


def _status(path: str) -> StatusReport | None:
    """The status report, or None when status printed none (it failed before)."""
    text = _read(path).strip()
    if not text:
        return None
    try:
        document = json.loads(text)
        if isinstance(document, dict):
            document.pop("summary", None)  # computed from the campaigns, not an input
        return StatusReport.model_validate(document)
    except json.JSONDecodeError as exc:
        raise UserError(f"{path} is not JSON: {exc.msg}") from None
    except ValidationError as exc:
        raise UserError(
            f"{path} is not what `campaigns status --format json` prints: "
            f"{exc.errors(include_url=False)[0]['msg']}"
        ) from None
