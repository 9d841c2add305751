"""The reporters' registry: each command offers exactly the formats that can write its
report, and every format writes what it is given escaped for its medium."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from reconciler.cli import cli
from reconciler.diagnostics import Diagnostic
from reconciler.live import CampaignDefaults, LiveState
from reconciler.plan import Plan
from reconciler.render.reporters import REPORTER_BY_NAME, Report, build_reporter, formats
from tests.plan.builders import TELEPHONY, WORKFLOWS, live_campaign, manifests, plan_of

HOSTILE = "old\n::error file=a.yaml::pwned\r::notice::hi \x1b[2J\u202etxt ##[error]x\x07"
FINDING = Diagnostic("::error::f.yaml", 1, 1, "spec.x", "unknown key 'a\n::warning::b\x1b'")


def _inert(output: str) -> None:
    assert "\x1b" not in output and "\x07" not in output and "\u202e" not in output
    assert "##[" not in output and "\r" not in output
    assert not any(line.lstrip().startswith("::") for line in output.splitlines())


@pytest.mark.parametrize(
    ("command", "report", "offered"),
    [
        ("validate", "validation", ["text", "json"]),
        ("plan", "plan", ["text", "json", "markdown"]),
        ("status", "status", ["text", "json"]),
    ],
)
def test_each_command_offers_the_formats_that_write_its_report(
    command: str, report: Report, offered: list[str]
) -> None:
    (option,) = [p for p in cli.commands[command].params if p.name == "output_format"]
    assert isinstance(option.type, click.Choice)
    assert list(option.type.choices) == formats(report) == offered
    assert option.default == "text"
    for name in offered:
        assert f"{name} {REPORTER_BY_NAME[name].audience}" in (option.help or "")


@pytest.fixture
def plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Plan:
    monkeypatch.chdir(tmp_path)
    found = manifests(tmp_path, "name: renewals\nworkflow: Renewal reminder\nstate: running")
    live = LiveState(
        (live_campaign(id=11, name=HOSTILE, state="paused"),),
        WORKFLOWS,
        TELEPHONY,
        CampaignDefaults(concurrent_call_limit=20),
    )
    made = plan_of(found, live)
    return made.model_copy(update={"diagnostics": (*made.diagnostics, FINDING)})


@pytest.mark.parametrize("name", formats("plan"))
def test_every_plan_format_is_inert(
    name: str, plan: Plan, capsys: pytest.CaptureFixture[str]
) -> None:
    build_reporter(name, color=False).plan(plan, show_unmanaged=True)
    out = capsys.readouterr().out
    _inert(out)
    assert "pwned" in out and "::warning::b" in out  # shown, escaped


@pytest.mark.parametrize("name", formats("validation"))
def test_every_validation_format_is_inert_and_json_exact(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    build_reporter(name, color=None).validation([FINDING], manifests=0, files=1)
    out = capsys.readouterr().out
    _inert(out)
    if name == "json":
        assert json.loads(out)[0]["message"] == FINDING.message
    else:
        assert out.splitlines()[-1] == "1 error in 1 file"
