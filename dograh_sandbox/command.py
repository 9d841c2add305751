"""``campaigns sandbox``: run a local Dograh-compatible server.

The server's modules are imported when the command runs, not when the CLI loads, so the
rest of ``campaigns`` works without the ``sandbox`` extra (fastapi, uvicorn) installed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import platformdirs

from dograh_sandbox.dblock import DatabaseInUse, lock_database


def default_db() -> Path:
    """``sandbox/dograh.db`` in the user's state directory (``$XDG_STATE_HOME/dograh-campaigns``
    on Linux): outside any repository, so the database is never committed by mistake."""
    state = Path(platformdirs.user_state_dir("dograh-campaigns", appauthor=False))
    return state / "sandbox" / "dograh.db"


@dataclass(frozen=True)
class SandboxRequest:
    host: str
    port: int
    db: str | None
    seed: str | None
    reset: bool
    ready_file: str | None
    clock: str | None
    admin_token: str | None
    faults: tuple[str, ...]
    fault_seed: int | None
    simulation: dict[str, Any]
    check_content_type: bool | None
    log_level: str
    admin_api: bool = True


def run_sandbox(request: SandboxRequest) -> int:
    try:
        from dograh_sandbox.app import build
        from dograh_sandbox.faults import parse_fault_spec
        from dograh_sandbox.seed import load_seed
        from dograh_sandbox.server import base_url, bind, serve
        from dograh_sandbox.state import Options
    except ImportError as error:  # pragma: no cover - depends on the install
        raise click.ClickException(
            f"the sandbox needs the 'sandbox' extra ({error.name} is missing): "
            "pip install 'dograh-campaigns[sandbox]'"
        ) from None
    db = str(default_db()) if request.db is None else request.db
    try:
        # Held while this process serves: the handle closes when it returns or exits.
        held = lock_database(db)
    except (DatabaseInUse, OSError) as error:
        raise click.ClickException(str(error)) from None
    try:
        rules = tuple(parse_fault_spec(spec) for spec in request.faults)
        seed = None if request.seed is None else load_seed(request.seed)
        options = Options(
            db=db,
            seed=seed,
            reset=request.reset,
            clock="manual"
            if request.clock == "manual"
            else ("realtime" if request.clock == "realtime" else None),
            admin_token=request.admin_token,
            admin_api=request.admin_api,
            simulation=request.simulation,
            faults=rules,
            fault_seed=request.fault_seed,
            check_content_type=request.check_content_type,
        )
        state, app = build(options)
    except (OSError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    try:
        sock = bind(request.host, request.port)
    except OSError as error:
        raise click.ClickException(
            f"cannot listen on {request.host}:{request.port}: {error.strerror}"
        ) from None
    url = base_url(sock)
    # Read before serving: once uvicorn runs, the store belongs to its event loop's thread.
    first = state.store.organizations()[0]
    keys = state.store.api_keys(int(first["id"]))
    usable = [key for key in keys if not key["archived"] and key["owner"] == "present"]
    api_key = str((usable or keys)[0]["key"])
    org = str(first["name"])

    def ready() -> None:
        click.echo(f"Dograh sandbox listening on {url}")
        click.echo(f"API key ({org}): {api_key}")
        if request.admin_api:
            click.echo(f"Admin token (X-Sandbox-Admin-Token): {state.admin_token}")
        else:
            click.echo("Admin API: off (only Dograh's routes are served)")
        where = db if db == ":memory:" else str(Path(db).resolve())
        click.echo(f"Database: {where}   Clock: {state.clock.mode}")
        click.echo(f'Try: curl -H "X-API-Key: {api_key}" {url}/api/v1/campaign/')
        if request.ready_file:
            info = {
                "url": url,
                "api_key": api_key,
                "admin_token": state.admin_token if request.admin_api else None,
                "pid": os.getpid(),
            }
            path = Path(request.ready_file)
            partial = path.with_name(path.name + ".partial")
            partial.write_text(json.dumps(info), encoding="utf-8")
            partial.replace(path)

    try:
        serve(app, sock, ready, request.log_level)
    finally:
        state.store.close()
        if held is not None:
            held.close()
        if request.ready_file:
            Path(request.ready_file).unlink(missing_ok=True)
    return 0


def _simulation(**values: float | int | None) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


@click.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port; 0 picks a free one (the real one is printed).",
)
@click.option(
    "--db",
    metavar="FILE",
    help="SQLite file that keeps the state across restarts; ':memory:' keeps nothing "
    "[default: sandbox/dograh.db in the user's state directory, printed at start].",
)
@click.option(
    "--seed",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="YAML seed: organizations, keys, workflows, telephony, settings, faults.",
)
@click.option("--reset", is_flag=True, help="Wipe the database and load the seed again.")
@click.option(
    "--ready-file",
    metavar="FILE",
    help='Write {"url", "api_key", "admin_token", "pid"} as JSON once serving.',
)
@click.option(
    "--clock",
    type=click.Choice(["realtime", "manual"]),
    help="realtime (default): calls progress by themselves; manual: only the admin API moves time.",
)
@click.option(
    "--admin-token",
    envvar="DOGRAH_SANDBOX_ADMIN_TOKEN",
    metavar="TOKEN",
    help="Admin API token [env DOGRAH_SANDBOX_ADMIN_TOKEN; default: generated, kept "
    "in the database].",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="SPEC",
    help="A fault rule, 'METHOD PATH KIND [key=value]...', e.g. "
    "'POST /api/v1/campaign/create drop rate=0.5'. Repeatable.",
)
@click.option("--fault-seed", type=int, help="Seed of the fault dice.")
@click.option(
    "--calls-per-second",
    type=click.FloatRange(min=0, min_open=True),
    help="Dialing pace of a running campaign [default 1].",
)
@click.option("--call-duration", type=click.FloatRange(min=0), help="Seconds per call [5].")
@click.option("--failure-rate", type=click.FloatRange(0, 1), help="Share of failed calls [0].")
@click.option("--busy-rate", type=click.FloatRange(0, 1), help="Share of busy calls [0].")
@click.option("--no-answer-rate", type=click.FloatRange(0, 1), help="Share unanswered [0].")
@click.option("--voicemail-rate", type=click.FloatRange(0, 1), help="Share voicemail [0].")
@click.option(
    "--idle-seconds",
    type=click.FloatRange(min=0),
    help="Quiet seconds before a finished campaign completes [5].",
)
@click.option("--random-seed", type=int, help="Seed of the call outcomes [0].")
@click.option(
    "--check-content-type/--no-check-content-type",
    default=None,
    help="Refuse an upload PUT whose Content-Type differs from the one requested, "
    "as S3 does [default: on].",
)
@click.option(
    "--no-admin-api",
    "no_admin_api",
    is_flag=True,
    help="Serve only Dograh's routes, without the /_sandbox admin API: a stand-in for a "
    "real Dograh (make conformance).",
)
@click.option(
    "--log-level",
    default="warning",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    help="How much the web server (uvicorn) logs to stderr.",
)
def sandbox(
    host: str,
    port: int,
    db: str | None,
    seed: str | None,
    reset: bool,
    ready_file: str | None,
    clock: str | None,
    admin_token: str | None,
    faults: tuple[str, ...],
    fault_seed: int | None,
    calls_per_second: float | None,
    call_duration: float | None,
    failure_rate: float | None,
    busy_rate: float | None,
    no_answer_rate: float | None,
    voicemail_rate: float | None,
    idle_seconds: float | None,
    random_seed: int | None,
    check_content_type: bool | None,
    no_admin_api: bool,
    log_level: str,
) -> int:
    """Run a local Dograh-compatible API server (the sandbox) until interrupted.

    It prints its URL, an API key and where its database is (the user's state
    directory unless --db says otherwise); `curl -H "X-API-Key: KEY"
    URL/api/v1/campaign/` then works. See docs/sandbox.md for the seed format, the admin
    API and faults.
    """
    simulation = _simulation(
        calls_per_second=calls_per_second,
        call_duration_seconds=call_duration,
        failure_rate=failure_rate,
        busy_rate=busy_rate,
        no_answer_rate=no_answer_rate,
        voicemail_rate=voicemail_rate,
        idle_seconds=idle_seconds,
        random_seed=random_seed,
    )
    return run_sandbox(
        SandboxRequest(
            host,
            port,
            db,
            seed,
            reset,
            ready_file,
            clock,
            admin_token,
            faults,
            fault_seed,
            simulation,
            check_content_type,
            log_level,
            admin_api=not no_admin_api,
        )
    )
