"""The global options mean the same before and after the command's name; a command's
copy wins over the group's, the command line over the environment; a key given after
the command is redacted like one given before it."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import pytest

from reconciler.cli import run
from reconciler.client_settings import ClientSettings

KEY = "dgr_globalOptionsTestKey0123456789abcdef"
URL = "https://ops:gl0balPassw0rd@dograh.example.com"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> list[ClientSettings]:
    """The client settings each `campaigns plan` run would use."""
    seen: list[ClientSettings] = []

    def keep(request: object) -> int:
        seen.append(request.client)  # type: ignore[attr-defined]
        return 0

    monkeypatch.delenv("DOGRAH_API_KEY", raising=False)
    monkeypatch.delenv("DOGRAH_API_URL", raising=False)
    monkeypatch.setattr("reconciler.commands.plan.run_plan", keep)
    return seen


OPTIONS = [
    "--api-url",
    URL,
    f"--api-key={KEY}",
    "--insecure",
    "--max-response-size",
    "64KiB",
    "--request-timeout=5",
    "--command-timeout",
    "90",
]


def test_the_options_mean_the_same_before_and_after_the_command(
    settings: list[ClientSettings],
) -> None:
    assert run([*OPTIONS, "plan"]) == 0
    assert run(["plan", *OPTIONS]) == 0
    assert run(["plan", "campaigns.d", *OPTIONS[:4], "--target", "x", *OPTIONS[4:]]) == 0
    before, after, between = settings
    assert before == after == between
    assert (before.base_url, before.api_key, before.insecure) == (
        "https://dograh.example.com",
        KEY,
        True,
    )
    assert (before.max_response_bytes, before.request_timeout, before.command_timeout) == (
        64 * 1024,
        5,
        90,
    )


def test_the_commands_copy_wins_and_the_command_line_over_the_environment(
    settings: list[ClientSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(["--request-timeout", "5", "plan", "--request-timeout", "7"]) == 0
    monkeypatch.setenv("DOGRAH_API_KEY", "dgr_fromTheEnvironment0123456789")
    assert run(["plan", "--api-key", KEY]) == 0
    assert run(["--api-key", KEY, "plan"]) == 0
    assert run(["plan"]) == 0
    assert [s.request_timeout for s in settings[:1]] == [7]
    assert [s.api_key for s in settings[1:]] == [KEY, KEY, "dgr_fromTheEnvironment0123456789"]


def test_an_option_after_a_double_dash_is_a_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["validate", "--", "-v"]) == 1
    assert "-v" in capsys.readouterr().out
    assert logging.getLogger("reconciler").handlers == []


def test_verbose_and_no_color_after_the_command(
    settings: list[ClientSettings],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def logs(request: object) -> int:
        logging.getLogger("reconciler.client").info("echoed: X-API-Key: %s", KEY)
        return 0

    monkeypatch.setattr("reconciler.commands.plan.run_plan", logs)
    assert run(["plan", "--api-key", KEY, "-v", "-v"]) == 0
    assert capsys.readouterr().err == "reconciler.client: echoed: X-API-Key: <redacted>\n"
    assert logging.getLogger("reconciler").handlers == []


def test_a_key_after_the_command_is_redacted_from_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    key = "dgr_afterTheCommand0123456789abcdef"

    def crash(request: object) -> int:
        raise RuntimeError(f"bug with {key} and {URL} in it")

    monkeypatch.setattr("reconciler.commands.plan.run_plan", crash)
    assert run(["plan", "--api-url", URL, "--api-key", key]) == 3
    (log,) = tmp_path.glob("campaigns-crash-*.log")
    printed = capsys.readouterr()
    for output in (log.read_text(), printed.out, printed.err):
        assert key not in output and "gl0balPassw0rd" not in output


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--max-response-size", "12XB"],
        ["plan", "--request-timeout", "0"],
        ["schema", "--command-timeout", "-1"],
    ],
)
def test_a_bad_value_after_the_command_is_a_usage_error(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(args) == 1
    assert "Invalid value for" in capsys.readouterr().err


def test_each_commands_help_lists_the_global_options_apart(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["status", "--help"]) == 0
    own, shared = capsys.readouterr().out.split("Global options (also before the command):")
    assert "--fail-on" in own and "--api-key" not in own
    assert "[PATH]" not in own.split("Options:")[1]  # arguments are not options
    assert "--api-key KEY" in shared and "-v, --verbose" in shared and "--fail-on" not in shared
