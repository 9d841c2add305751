"""The top-level help's command list, each command's one-liner whole.

Click cuts a command's one-liner to what fits beside its name on one line and ends it
with "...", so `campaigns --help` hid half of what most commands do. Here each one-liner
is the first sentence of the command's help, wrapped rather than cut.
"""

from __future__ import annotations

import sys

import click


class WholeHelpGroup(click.Group):
    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=sys.maxsize)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
