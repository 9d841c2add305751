"""The ``campaigns`` command line: it parses, then hands a typed request to a command.

Exit codes (README, 'Use in CI'): 0 success or no changes; 1 an error the user can fix; 2 changes
present (``plan --detailed-exitcode``); 3 a bug in this tool; 130 interrupted. Click's
own usage errors would exit 2, which CI scripts read as "changes present", so they are
mapped to 1 here.
"""

from __future__ import annotations

import gc
import io
import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import click

from reconciler import __version__, content_cache
from reconciler.errors import EXIT_BUG, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, UserError
from reconciler.global_options import (
    GlobalOptions,
    GroupWithGlobalOptions,
    current,
    global_options,
    pass_options,
    stop_logging,
)
from reconciler.redact import redact, register, register_url
from reconciler.render import escape, reporters

# Each command imports what it needs when it runs: `validate` has no use for the HTTP
# client, the diff library or the sandbox, and a CLI's start-up time is paid on every run.
DEFAULT_PATH = "campaigns.d"


class _Campaigns(GroupWithGlobalOptions):
    """The group, with `campaigns sandbox` added when it is named or the commands are
    listed (help, completion): importing it costs every other run ~15 ms of start-up."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "sandbox":
            _add_sandbox_command(self)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        _add_sandbox_command(self)
        return super().list_commands(ctx)


@click.group(
    cls=_Campaigns,
    params=global_options(read_environment=True),
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="campaigns")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Campaigns-as-code for Dograh: validate, plan and apply campaign manifests."""
    ctx.color = current(ctx).color  # NO_COLOR too; a command's --no-color sets its own


def format_option(report: reporters.Report) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """``--format NAME``: the formats of the reporters' registry that write ``report``."""
    names = reporters.formats(report)
    audiences = ", ".join(f"{name} {reporters.REPORTER_BY_NAME[name].audience}" for name in names)
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(names),
        default=names[0],
        show_default=True,
        help=f"{audiences}.",
    )


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@format_option("validation")
@pass_options
def validate(options: GlobalOptions, paths: tuple[str, ...], output_format: str) -> int:
    """Check manifests and their CSVs offline; report every error with file:line:column.

    PATH is a manifest file or a directory searched recursively for *.yaml and *.yml
    (default: campaigns.d).
    """
    from reconciler.commands import validate as command

    request = command.ValidateRequest(paths or (DEFAULT_PATH,), output_format, options.color)
    return command.run_validate(request)


def review_options(command: Callable[..., int]) -> Callable[..., int]:
    """``--base REV`` and ``--resume NAME``: what allows a paused campaign to resume."""
    command = click.option(
        "--resume",
        "resume",
        multiple=True,
        metavar="NAME",
        help="Resume this paused campaign, whatever paused it (repeatable).",
    )(command)
    return click.option(
        "--base",
        metavar="REV",
        help=(
            "The git revision the change is reviewed against: a paused campaign whose "
            "manifest was not 'running' there is resumed."
        ),
    )(command)


def allow_dirty_option(command: Callable[..., int]) -> Callable[..., int]:
    """``--allow-dirty``: act on planned files that git does not hold as committed."""
    return click.option(
        "--allow-dirty",
        is_flag=True,
        help="Inside a git repository, plan and apply manifests and CSVs that are "
        "untracked, ignored or not committed (apply refuses them otherwise).",
    )(command)


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option("--out", metavar="PLANFILE", help="Save the plan for `campaigns apply PLANFILE`.")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when there are changes (0: none, 1: error), as Terraform's.",
)
@format_option("plan")
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="NAME",
    help="Plan only this campaign (repeatable).",
)
@click.option("--show-unmanaged", is_flag=True, help="List live campaigns no manifest manages.")
@review_options
@allow_dirty_option
@pass_options
def plan(
    options: GlobalOptions,
    paths: tuple[str, ...],
    out: str | None,
    detailed_exitcode: bool,
    output_format: str,
    targets: tuple[str, ...],
    show_unmanaged: bool,
    base: str | None,
    resume: tuple[str, ...],
    allow_dirty: bool,
) -> int:
    """Show what apply would change in Dograh, without changing anything.

    PATH is a manifest file or a directory (default: campaigns.d). Needs the API key.
    """
    from reconciler.commands.plan import PlanRequest, run_plan
    from reconciler.planner.options import PlanOptions

    request = PlanRequest(
        paths=paths or (DEFAULT_PATH,),
        options=PlanOptions(targets=targets, base=base, resume=resume),
        output_format=output_format,
        out=out,
        detailed_exitcode=detailed_exitcode,
        show_unmanaged=show_unmanaged,
        color=options.color,
        client=options.client_settings(),
        allow_dirty=allow_dirty,
    )
    return run_plan(request)


@cli.command()
@click.argument("targets_or_plan", nargs=-1, metavar="[PLANFILE | PATH...]")
@click.option("--auto-approve", is_flag=True, help="Do not ask for approval (for CI).")
@click.option(
    "--parallelism",
    type=click.IntRange(1, 64),
    default=10,
    show_default=True,
    help="Campaigns applied at once.",
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="NAME",
    help="Apply only this campaign (repeatable; not with a plan file).",
)
@review_options
@allow_dirty_option
@pass_options
def apply(
    options: GlobalOptions,
    targets_or_plan: tuple[str, ...],
    auto_approve: bool,
    parallelism: int,
    targets: tuple[str, ...],
    base: str | None,
    resume: tuple[str, ...],
    allow_dirty: bool,
) -> int:
    """Change Dograh to match the manifests, or run a plan saved by `plan --out`.

    Without a plan file it plans, shows the plan and asks for approval (`yes`). With
    one, it plans again and runs only if that is the saved plan.
    """
    plan_file = next((arg for arg in targets_or_plan if _is_plan_file(arg)), None)
    if plan_file and len(targets_or_plan) > 1:
        raise click.UsageError(
            f"{plan_file} is a saved plan, which is applied alone: `campaigns apply "
            f"{plan_file}` (it applies the manifests it was made from)"
        )
    if plan_file and (targets or base or resume):
        raise click.UsageError(
            "--target, --base and --resume cannot change a saved plan; plan again with them"
        )
    from reconciler.commands.apply import ApplyRequest, run_apply, stdin_is_terminal
    from reconciler.planner.options import PlanOptions

    request = ApplyRequest(
        plan_file=plan_file,
        paths=() if plan_file else (targets_or_plan or (DEFAULT_PATH,)),
        options=PlanOptions(targets=targets, base=base, resume=resume),
        auto_approve=auto_approve,
        parallelism=parallelism,
        color=options.color,
        client=options.client_settings(),
        interactive=stdin_is_terminal(),
        allow_dirty=allow_dirty,
    )
    return run_apply(request)


def _is_plan_file(path: str) -> bool:
    """A file that is not YAML is taken for a plan file (which is JSON). YAML is told by
    its suffix in any case (``x.YAML`` too), as directory scans tell manifests: a
    manifest is never read as a plan."""
    return Path(path).is_file() and not path.lower().endswith((".yaml", ".yml"))


@cli.command()
@click.option("--check", is_flag=True, help="Exit 1 if a file differs from the models.")
@click.option(
    "--output",
    metavar="DIR",
    help="Where the schemas are written [default: schema].",
)
@pass_options
def schema(options: GlobalOptions, check: bool, output: str) -> int:
    """Write the JSON Schemas of manifests and plans, generated from the models."""
    # pydantic's generator is slow to import: only this command pays for it.
    from reconciler.commands.schema import SchemaRequest, run_schema

    return run_schema(SchemaRequest(output, check))


@cli.command("import")
@click.argument("selectors", nargs=-1, metavar="[NAME | ID]...")
@click.option(
    "--dir",
    "directory",
    default=DEFAULT_PATH,
    show_default=True,
    metavar="DIR",
    help="Where the manifests are written (their CSVs under DIR/contacts).",
)
@pass_options
def import_(options: GlobalOptions, selectors: tuple[str, ...], directory: str) -> int:
    """Write a manifest and its contacts CSV for live campaigns no manifest manages.

    NAME or ID selects campaigns (a completed or failed one too); without any, every
    unmanaged campaign that is not completed or failed. Never overwrites a file.
    """
    from reconciler.commands.import_ import ImportRequest, run_import

    return run_import(ImportRequest(selectors, directory, options.client_settings()))


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@format_option("status")
@click.option(
    "--progress",
    is_flag=True,
    help="Also show each managed campaign's progress and contacts' sync (one request per "
    "campaign; the failed calls are shown without it).",
)
@click.option(
    "--fail-on",
    "fail_on",
    type=click.Choice(["failed", "held"]),
    multiple=True,
    help="Exit 1 when a managed campaign is failed, or held paused while its manifest says "
    "running (repeatable; for a scheduled CI job).",
)
@pass_options
def status(
    options: GlobalOptions,
    paths: tuple[str, ...],
    output_format: str,
    progress: bool,
    fail_on: tuple[str, ...],
) -> int:
    """Each managed campaign's state, calls, window, why it is held or failed, and its redial.

    PATH is a manifest file or a directory (default: campaigns.d). Needs the API key.
    """
    from reconciler.commands.status import StatusRequest, run_status

    request = StatusRequest(
        paths=paths or (DEFAULT_PATH,),
        output_format=output_format,
        progress=progress,
        fail_on=fail_on,
        color=options.color,
        client=options.client_settings(),
    )
    return run_status(request)


@cli.command("drift-issue")
@click.option("--environment", required=True, metavar="NAME", help="The environment's name.")
@click.option(
    "--plan-markdown",
    required=True,
    metavar="FILE",
    help="What `plan --detailed-exitcode --format markdown` printed.",
)
@click.option("--plan-exit", required=True, type=int, metavar="CODE", help="plan's exit code.")
@click.option(
    "--status-json",
    required=True,
    metavar="FILE",
    help="What `status --format json --fail-on failed --fail-on held` printed.",
)
@click.option("--status-exit", required=True, type=int, metavar="CODE", help="status's exit code.")
@click.option("--run-url", metavar="URL", help="The job's run, linked from the issue.")
def drift_issue(
    environment: str,
    plan_markdown: str,
    plan_exit: int,
    status_json: str,
    status_exit: int,
    run_url: str | None,
) -> int:
    """Keep one GitHub issue per environment for the drift watch: open or edit it while
    the plan has changes or a managed campaign is failed or held, close it when clean.

    Talks to GitHub's REST API with GITHUB_TOKEN, GITHUB_REPOSITORY and GITHUB_API_URL
    (as a workflow sets them). Exit 2 when there is drift, 0 when there is none.
    """
    from reconciler.commands.drift_issue import DriftRequest, run_drift_issue

    request = DriftRequest(environment, plan_markdown, plan_exit, status_json, status_exit, run_url)
    return run_drift_issue(request)


def _add_sandbox_command(group: click.Group) -> None:
    """The CLI hook: the one place where the tool meets the sandbox, a package of its own
    that is installed beside it (its server needs the ``sandbox`` extra)."""
    if "sandbox" in group.commands:
        return
    try:
        from dograh_sandbox.command import sandbox
    except ImportError:  # pragma: no cover - an install without the package
        return
    group.add_command(sandbox)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code, whatever happens inside.

    Every error it prints, and the crash log, passes through ``redact``: a message can
    quote a server that echoed the API key, or a URL with a password."""
    _register_environment_secrets()
    content_cache.use(True)  # until a --no-cache of this run says otherwise
    try:
        args = sys.argv[1:] if argv is None else list(argv)
        result = cli.main(args=args, prog_name="campaigns", standalone_mode=False)
    except click.exceptions.Exit as exc:  # --help, --version
        return exc.exit_code
    except click.ClickException as exc:  # usage errors: exit 1, not click's 2
        shown = io.StringIO()
        exc.show(file=shown)
        click.echo(redact(shown.getvalue()), err=True, nl=False)
        return EXIT_ERROR
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except UserError as exc:
        click.secho(f"Error: {escape.text(redact(str(exc)))}", err=True, fg="red")
        return EXIT_ERROR
    except BrokenPipeError:  # `campaigns plan | head`
        return EXIT_OK
    except Exception as exc:  # the one place that catches everything
        return _crash(exc)
    finally:
        stop_logging()
        content_cache.write_pending()  # once the output is printed
    return result if isinstance(result, int) else EXIT_OK


def _register_environment_secrets() -> None:
    """The key and the passwords of the API URL and of the proxies, from the environment,
    known to ``redact`` before anything can fail (the options' callbacks register what
    the command line gives as click parses it, the client the proxies again)."""
    register(os.environ.get("DOGRAH_API_KEY"))
    register_url(os.environ.get("DOGRAH_API_URL"))
    for name, value in os.environ.items():
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            register_url(value)


def _crash(exc: Exception) -> int:
    """A bug: a short message on stderr, the traceback in a file (with no secrets)."""
    text = redact("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    handle, path = tempfile.mkstemp(prefix="campaigns-crash-", suffix=".log")
    with os.fdopen(handle, "w") as log:
        log.write(f"campaigns {__version__}\n{text}")
    click.echo(
        f"campaigns: internal error ({type(exc).__name__}); this is a bug in campaigns, not in "
        f"your manifests. The traceback was written to {path}: please report it.",
        err=True,
    )
    return EXIT_BUG


def main() -> NoReturn:
    """The console script, and the only place that tunes the process for one batch run:

    - no cyclic garbage collection (but for the long-running sandbox server): a run over
      thousands of manifests makes many objects and few cycles, and the collector's
      passes over that heap cost seconds and free next to nothing;
    - ``os._exit`` once the output is flushed: freeing the objects of ten thousand
      manifests one by one at interpreter exit takes longer than some plans (mypy's
      command line does the same).
    """
    if sys.argv[1:2] != ["sandbox"]:
        gc.disable()
    code = run()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a closed pipe (`campaigns plan | head`)
        pass
    logging.shutdown()
    os._exit(code)
