"""The help a new user reads: every option explains itself, and the top-level command list
shows each command's one-liner whole."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from reconciler.cli import cli


def _commands(command: click.Command, path: str) -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        context = click.Context(command)
        for name in command.list_commands(context):  # as help lists them (sandbox too)
            sub = command.get_command(context, name)
            assert sub is not None
            yield from _commands(sub, f"{path} {name}")


def test_every_option_of_every_command_has_help() -> None:
    commands = list(_commands(cli, "campaigns"))
    assert {path for path, _ in commands} >= {"campaigns", "campaigns sandbox", "campaigns plan"}
    context = click.Context(cli)
    missing = [
        f"{path} {param.opts[0]}"
        for path, command in commands
        for param in command.get_params(context)
        if isinstance(param, click.Option) and not (param.help or "").strip()
    ]
    assert missing == []


@pytest.mark.parametrize("width", [80, 60])
def test_the_command_list_shows_each_one_liner_whole(width: int) -> None:
    result = CliRunner().invoke(cli, ["--help"], terminal_width=width)
    assert result.exit_code == 0, result.output
    listing = " ".join(result.output.split("Commands:")[1].split())
    assert "..." not in listing
    for name, command in cli.commands.items():
        first_sentence = " ".join(command.get_short_help_str(limit=10_000).split())
        assert first_sentence.endswith(".")
        assert f"{name} {first_sentence}" in listing
