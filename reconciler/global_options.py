"""The options every command shares, accepted before and after the command's name.

Users type ``campaigns plan -v`` as often as ``campaigns -v plan``. The group and every
command carry the same options (pre-commit's ``_add_cmd`` does this for its subparsers);
each option's callback folds what it parsed into one ``GlobalOptions`` kept in the run's
``click.Context.meta``, which the group and its commands share. The group's options
read the environment too; a command's copy counts only when typed, and wins over the
group's. The key and the API URL's password reach ``redact`` in their callback, before
any other option is converted: a message about a bad value cannot quote them.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource
from click.decorators import pass_meta_key

from reconciler import content_cache
from reconciler.redact import RedactingFormatter, register, register_url

if TYPE_CHECKING:
    from reconciler.client_settings import ClientSettings

OPTIONS_KEY = "campaigns.options"
LOG_HANDLER = "campaigns -v"
ADDED_UP = frozenset({"verbose"})
"""Counted wherever they are given: ``-v plan -v`` is ``-vv``."""
ANY_OF = frozenset({"insecure", "no_color", "no_cache"})
"""Flags on wherever they are given."""


@dataclass(frozen=True)
class GlobalOptions:
    api_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    insecure: bool = False
    no_color: bool = False
    no_cache: bool = False
    verbose: int = 0
    max_response_size: int | None = None
    request_timeout: float | None = None
    command_timeout: float | None = None
    """The client's limits; None keeps the client's defaults."""

    @property
    def color(self) -> bool | None:
        """False disables colour (``--no-color`` or NO_COLOR); None lets click colour
        only a terminal."""
        return False if self.no_color or os.environ.get("NO_COLOR") else None

    def given(self, name: str, value: Any) -> GlobalOptions:
        """These options with one more that the command line or the environment gave."""
        if name in ADDED_UP:
            value = getattr(self, name) + value
        elif name in ANY_OF:
            value = getattr(self, name) or value
        return replace(self, **{name: value})

    def client_settings(self) -> ClientSettings:
        """One run's settings: every client of the command shares their run clock."""
        from reconciler import client_settings as settings

        return settings.ClientSettings(
            base_url=self.api_url or settings.DEFAULT_API_URL,
            api_key=self.api_key or "",
            insecure=self.insecure,
            max_response_bytes=self.max_response_size or settings.DEFAULT_MAX_RESPONSE_BYTES,
            request_timeout=self.request_timeout or settings.DEFAULT_REQUEST_TIMEOUT,
            command_timeout=self.command_timeout or settings.DEFAULT_COMMAND_TIMEOUT,
        )


pass_options = pass_meta_key(OPTIONS_KEY, doc_description="the global options")
"""Hands a command the run's ``GlobalOptions``, wherever on the line they were given."""


def current(ctx: click.Context) -> GlobalOptions:
    options = ctx.meta.get(OPTIONS_KEY)
    return options if isinstance(options, GlobalOptions) else GlobalOptions()


SECRETS: dict[str, Callable[[str | None], None]] = {"api_key": register, "api_url": register_url}


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    assert param.name is not None
    remember_secret = SECRETS.get(param.name)
    if remember_secret is not None:
        remember_secret(value)
    options = current(ctx)
    if ctx.get_parameter_source(param.name) not in (None, ParameterSource.DEFAULT):
        options = options.given(param.name, value)
    ctx.meta[OPTIONS_KEY] = options
    if param.name == "no_color" and options.no_color:
        ctx.color = False
    if param.name == "no_cache" and options.no_cache:
        content_cache.use(False)
    if param.name == "verbose" and options.verbose:
        start_logging()
    return value


class GlobalOption(click.Option):
    """One of the shared options: it folds its value into the run's ``GlobalOptions``
    rather than passing it to the command's function."""

    def __init__(self, decls: list[str], **attrs: Any) -> None:
        super().__init__(decls, expose_value=False, callback=_remember, **attrs)


SIZE_UNITS = {"": 1, "b": 1, "kib": 1024, "mib": 1024**2, "gib": 1024**3}


class ByteSize(click.ParamType[int]):
    """A size in bytes, or with a binary unit: 500000, 64KiB, 16MiB, 1GiB."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        match = re.fullmatch(r"\s*(\d+)\s*([A-Za-z]*)\s*", str(value))
        unit = match.group(2).lower() if match else ""
        if match is None or unit not in SIZE_UNITS or int(match.group(1)) == 0:
            self.fail(f"{value!r} is not a size such as 64MiB, 1GiB or 500000 (bytes)", param, ctx)
        return int(match.group(1)) * SIZE_UNITS[unit]


SECONDS = click.FloatRange(min=0, min_open=True)


def global_options(*, read_environment: bool) -> list[click.Option]:
    """Fresh copies of the shared options: with ``read_environment`` the group's (which
    also read DOGRAH_*), without it a command's (which count only when typed)."""

    def env(name: str) -> str | None:
        return name if read_environment else None

    return [
        GlobalOption(
            ["--api-url"],
            envvar=env("DOGRAH_API_URL"),
            is_eager=True,
            metavar="URL",
            help="Dograh's base URL [env DOGRAH_API_URL; default https://app.dograh.com].",
        ),
        GlobalOption(
            ["--api-key"],
            envvar=env("DOGRAH_API_KEY"),
            is_eager=True,
            metavar="KEY",
            help="Dograh API key [env DOGRAH_API_KEY]. Never printed or logged.",
        ),
        GlobalOption(
            ["--insecure"],
            is_flag=True,
            help="Allow http:// to a host other than this machine (the key then travels in clear).",
        ),
        GlobalOption(
            ["--max-response-size"],
            envvar=env("DOGRAH_MAX_RESPONSE_SIZE"),
            type=ByteSize(),
            metavar="SIZE",
            help="Refuse a larger answer from Dograh, e.g. 64MiB "
            "[env DOGRAH_MAX_RESPONSE_SIZE; default 640MiB].",
        ),
        GlobalOption(
            ["--request-timeout"],
            envvar=env("DOGRAH_REQUEST_TIMEOUT"),
            type=SECONDS,
            metavar="SECONDS",
            help="Most seconds for one request, its whole answer included "
            "[env DOGRAH_REQUEST_TIMEOUT; default 60].",
        ),
        GlobalOption(
            ["--command-timeout"],
            envvar=env("DOGRAH_COMMAND_TIMEOUT"),
            type=SECONDS,
            metavar="SECONDS",
            help="Most seconds this run waits on Dograh, all requests and retries together "
            "[env DOGRAH_COMMAND_TIMEOUT; default 3600].",
        ),
        GlobalOption(
            ["--no-color"], is_flag=True, help="No colour in output (NO_COLOR is honoured too)."
        ),
        GlobalOption(
            ["--no-cache"],
            is_flag=True,
            help="Neither read nor write the cache of loaded manifests.",
        ),
        GlobalOption(["-v", "--verbose"], count=True, help="Log each request and retry on stderr."),
    ]


def start_logging() -> None:
    """``-v``: the tool's log on stderr, redacted; once, however many ``-v`` were given."""
    logger = logging.getLogger("reconciler")
    if any(handler.get_name() == LOG_HANDLER for handler in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(name)s: %(message)s"))
    handler.set_name(LOG_HANDLER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def stop_logging() -> None:
    """Remove the ``-v`` handler: a test runs many commands in one process."""
    logger = logging.getLogger("reconciler")
    for handler in list(logger.handlers):
        if handler.get_name() == LOG_HANDLER:
            logger.removeHandler(handler)


class CommandWithGlobalOptions(click.Command):
    """A command whose help lists the shared options apart from its own."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        own: list[tuple[str, str]] = []
        shared: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx) if isinstance(param, click.Option) else None
            if record is not None:
                (shared if isinstance(param, GlobalOption) else own).append(record)
        for title, records in (
            ("Options", own),
            ("Global options (also before the command)", shared),
        ):
            if records:
                with formatter.section(title):
                    formatter.write_dl(records)


class GroupWithGlobalOptions(click.Group):
    """The ``campaigns`` group: every command added to it takes the shared options too
    (hidden from the help of a command that does not list them apart, the sandbox's)."""

    command_class = CommandWithGlobalOptions

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command's first sentence whole, wrapped: click cuts it to one line with
        "...", which hid half of what most commands do."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=sys.maxsize)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        listed = isinstance(cmd, CommandWithGlobalOptions)
        copies = global_options(read_environment=False)
        for option in copies:
            option.hidden = not listed
        cmd.params.extend(copies)
        super().add_command(cmd, name)
