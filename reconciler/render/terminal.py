"""Writing rendered lines: colour only where it is wanted, in one write."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

Styler = Callable[..., str]


def styler(color: bool) -> Styler:
    """``click.style``, or nothing at all without colour: stripping escape codes
    afterwards costs a regular expression per line (at ten thousand campaigns, seconds)."""
    return click.style if color else _plain


def _plain(text: str, **_: Any) -> str:
    return text


def use_color(color: bool | None, *, err: bool = False) -> bool:
    """``--no-color``/``NO_COLOR`` (False) win; otherwise colour only on a terminal."""
    if color is not None:
        return color
    stream = sys.stderr if err else sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def echo_lines(lines: Sequence[str], color: bool | None, *, err: bool = False) -> None:
    """One write: ten thousand click.echo calls cost more than the plan they print."""
    if lines:
        click.echo("\n".join(lines), color=color, err=err)
