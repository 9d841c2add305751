"""The ``campaigns`` command line: it parses, then hands a typed request to a command.

Exit codes (DESIGN.md): 0 success or no changes; 1 an error the user can fix; 2 changes
present (``plan --detailed-exitcode``); 3 a bug in this tool; 130 interrupted. Click's
own usage errors would exit 2, which CI scripts read as "changes present", so they are
mapped to 1 here.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

import click

from reconciler import __version__
from reconciler.commands.schema import SchemaRequest, run_schema
from reconciler.commands.validate import ValidateRequest, run_validate
from reconciler.errors import EXIT_BUG, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, UserError
from reconciler.manifest.load import DEFAULT_PATH
from reconciler.manifest.schema import SCHEMA_PATH
from reconciler.sandbox.command import sandbox


@dataclass(frozen=True)
class GlobalOptions:
    api_url: str | None
    api_key: str | None
    color: bool | None
    """False disables colour; None lets click colour only a terminal."""
    verbose: int


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--api-url",
    envvar="DOGRAH_API_URL",
    metavar="URL",
    help="Dograh's base URL [env DOGRAH_API_URL; default https://app.dograh.com].",
)
@click.option(
    "--api-key",
    envvar="DOGRAH_API_KEY",
    metavar="KEY",
    help="Dograh API key [env DOGRAH_API_KEY]. Never printed or logged.",
)
@click.option("--no-color", is_flag=True, help="No colour in output (NO_COLOR is honoured too).")
@click.option("-v", "--verbose", count=True, help="More detail on stderr; repeat for more.")
@click.version_option(__version__, "--version", prog_name="campaigns")
@click.pass_context
def cli(
    ctx: click.Context, api_url: str | None, api_key: str | None, no_color: bool, verbose: int
) -> None:
    """Campaigns-as-code for Dograh: validate, plan and apply campaign manifests."""
    color = False if no_color or os.environ.get("NO_COLOR") else None
    ctx.color = color
    ctx.obj = GlobalOptions(api_url, api_key, color, verbose)


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for machines.",
)
@click.pass_obj
def validate(options: GlobalOptions, paths: tuple[str, ...], output_format: str) -> int:
    """Check manifests and their CSVs offline; report every error with file:line:column.

    PATH is a manifest file or a directory searched recursively for *.yaml and *.yml
    (default: campaigns.d).
    """
    request = ValidateRequest(paths or (DEFAULT_PATH,), output_format, options.color)
    return run_validate(request)


@cli.command()
@click.option("--check", is_flag=True, help="Exit 1 if the file differs from the models.")
@click.option(
    "--output",
    default=SCHEMA_PATH,
    show_default=True,
    metavar="FILE",
    help="Where the schema is written.",
)
@click.pass_obj
def schema(options: GlobalOptions, check: bool, output: str) -> int:
    """Write the manifests' JSON Schema, generated from the models."""
    return run_schema(SchemaRequest(output, check))


cli.add_command(sandbox)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code, whatever happens inside."""
    try:
        result = cli.main(args=argv, prog_name="campaigns", standalone_mode=False)
    except click.exceptions.Exit as exc:  # --help, --version
        return exc.exit_code
    except click.ClickException as exc:  # usage errors: exit 1, not click's 2
        exc.show()
        return EXIT_ERROR
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except UserError as exc:
        click.secho(f"Error: {exc}", err=True, fg="red")
        return EXIT_ERROR
    except BrokenPipeError:  # `campaigns plan | head`
        return EXIT_OK
    except Exception as exc:  # the one place that catches everything
        return _crash(exc, argv)
    return result if isinstance(result, int) else EXIT_OK


def _crash(exc: Exception, argv: Sequence[str] | None) -> int:
    """A bug: a short message on stderr, the traceback in a file (with no secrets)."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    secret = os.environ.get("DOGRAH_API_KEY")
    args = list(sys.argv[1:] if argv is None else argv)
    if "--api-key" in args and args.index("--api-key") + 1 < len(args):
        secret = args[args.index("--api-key") + 1]
    if secret:
        text = text.replace(secret, "<redacted>")
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
    sys.exit(run())
