"""Redaction: the key and any URL's password out of every printed error, log line and
crash log, and the CLI's global options for the client's limits."""

from __future__ import annotations

import base64
import logging
import tempfile
from pathlib import Path

import pytest

from reconciler import client_settings, redact
from reconciler.cli import run
from reconciler.client_settings import ClientSettings
from reconciler.errors import UserError

KEY = "dgr_redactionTestKey0123456789abcdefghijklmnop"


def test_registered_secrets_and_their_escaped_forms_are_removed() -> None:
    redact.register(KEY)
    redact.register("dgr_with\nline break")
    text = f"sent {KEY}; repr {'dgr_with' + chr(10) + 'line break'!r}"
    assert redact.redact(text) == "sent <redacted>; repr '<redacted>'"


def test_a_url_password_is_removed_as_written_decoded_and_as_basic_auth() -> None:
    redact.register_url("https://ops:p%40ssw0rdLong@proxy.example.com/")
    basic = base64.b64encode(b"ops:p@ssw0rdLong").decode()
    text = f"p%40ssw0rdLong p@ssw0rdLong Authorization: Basic {basic}"
    assert redact.redact(text) == "<redacted> <redacted> Authorization: Basic <redacted>"


def test_userinfo_is_stripped_from_any_url_whatever_its_length() -> None:
    text = "GET http://a:pw@host:8080/x failed; see https://u@h.example/?q=1 and ftp://x:y@z"
    assert redact.redact(text) == (
        "GET http://host:8080/x failed; see https://h.example/?q=1 and ftp://z"
    )
    assert redact.without_userinfo("https://user:pass@[::1]:443/p") == "https://[::1]:443/p"
    assert redact.without_userinfo("https://host/p") == "https://host/p"


def test_short_values_are_not_registered_they_would_garble_messages() -> None:
    redact.register("pw")
    assert redact.redact("upward") == "upward"


def test_server_text_is_made_printable() -> None:
    assert redact.printable("a\x1b[2Jb\r\n\x00\x9bc") == "a\\x1b[2Jb\\x0d\\x0a\\x00\\x9bc"


def test_settings_keep_no_userinfo_in_the_url() -> None:
    settings = ClientSettings(base_url="https://ops:s3cretLongPass@dograh.example.com", api_key=KEY)
    assert settings.base_url == "https://dograh.example.com"
    assert settings.credentials == ("ops", "s3cretLongPass")
    assert "s3cretLongPass" not in repr(settings) and KEY not in repr(settings)


def test_the_crash_log_and_its_message_show_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    url = "https://ops:cr4shPassw0rd@127.0.0.1:9"

    def crash(request: object) -> int:
        raise RuntimeError(f"bug with {KEY} and {url} in it")

    monkeypatch.setattr("reconciler.commands.plan.run_plan", crash)
    code = run(["--api-url", url, f"--api-key={KEY}", "plan"])
    captured = capsys.readouterr()
    (log,) = tmp_path.glob("campaigns-crash-*.log")
    text = log.read_text()
    assert code == 3
    assert "RuntimeError: bug with <redacted> and https://127.0.0.1:9 in it" in text
    for output in (text, captured.out, captured.err):
        assert KEY not in output and "cr4shPassw0rd" not in output


def test_every_error_the_cli_prints_is_redacted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not only the client's: any UserError can quote a URL or a server's text."""

    def refuse(request: object) -> int:
        raise UserError(f"saved against https://ops:us3rErrPassw0rd@dograh.example.com {KEY}")

    monkeypatch.setattr("reconciler.commands.plan.run_plan", refuse)
    url = "https://ops:us3rErrPassw0rd@dograh.example.com"
    assert run(["--api-url", url, "--api-key", KEY, "plan"]) == 1
    assert capsys.readouterr().err == (
        "Error: saved against https://dograh.example.com <redacted>\n"
    )


def test_verbose_logging_is_redacted_and_removed_after_the_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def logs(request: object) -> int:
        logging.getLogger("reconciler.client").info("echoed: X-API-Key: %s", KEY)
        return 0

    monkeypatch.setattr("reconciler.commands.plan.run_plan", logs)
    assert run(["-v", "--api-key", KEY, "plan"]) == 0
    assert capsys.readouterr().err == "reconciler.client: echoed: X-API-Key: <redacted>\n"
    assert logging.getLogger("reconciler").handlers == []


def test_the_limits_reach_the_client_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[ClientSettings] = []

    def keep(request: object) -> int:
        seen.append(request.client)  # type: ignore[attr-defined]
        return 0

    monkeypatch.setattr("reconciler.commands.plan.run_plan", keep)
    monkeypatch.setenv("DOGRAH_REQUEST_TIMEOUT", "2.5")
    assert run(["--max-response-size", "64KiB", "--command-timeout", "90", "plan"]) == 0
    assert run(["plan"]) == 0
    monkeypatch.delenv("DOGRAH_REQUEST_TIMEOUT")
    assert run(["plan"]) == 0
    given, from_env, defaults = seen
    assert (given.max_response_bytes, given.request_timeout, given.command_timeout) == (
        64 * 1024,
        2.5,
        90,
    )
    assert from_env.request_timeout == 2.5
    assert (defaults.max_response_bytes, defaults.request_timeout, defaults.command_timeout) == (
        client_settings.DEFAULT_MAX_RESPONSE_BYTES,
        client_settings.DEFAULT_REQUEST_TIMEOUT,
        client_settings.DEFAULT_COMMAND_TIMEOUT,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--max-response-size", "12XB"],
        ["--max-response-size", "0"],
        ["--request-timeout", "0"],
        ["--command-timeout", "-1"],
    ],
)
def test_bad_limits_are_usage_errors(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run([*args, "plan"]) == 1
    assert "Invalid value for" in capsys.readouterr().err


def test_the_help_states_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert (
        f"default {client_settings.DEFAULT_MAX_RESPONSE_BYTES // client_settings.MIB}MiB" in shown
    )
    assert f"default {client_settings.DEFAULT_REQUEST_TIMEOUT:g}]" in shown
    assert f"default {client_settings.DEFAULT_COMMAND_TIMEOUT:g}]" in shown
