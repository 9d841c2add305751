"""Values printed for what they are, in every medium.

Names from manifests can hold backticks and pipes; what Dograh answers (a live
campaign's name, a workflow's) is nobody's validated input and can hold anything: a
newline followed by ``::error`` (a GitHub Actions workflow command once it starts a
line), ``##[error]`` (the runner's legacy form, read anywhere in a line), ESC, the
bidi overrides. Each renderer must show them escaped, and Markdown must keep its
table's cells and code spans whole.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest

from reconciler.cli import run
from reconciler.diagnostics import Diagnostic
from reconciler.live import CampaignDefaults, LiveState, Workflow
from reconciler.manifest.characters import INVISIBLE
from reconciler.plan import Plan
from reconciler.render import escape
from reconciler.render.diagnostics import render_json, render_text
from reconciler.render.plan_json import render_plan_json
from reconciler.render.plan_markdown import render_plan_markdown
from reconciler.render.plan_text import render_plan_text
from tests.plan.builders import (
    TELEPHONY,
    WORKFLOWS,
    live_campaign,
    manifests,
    plan_of,
    source_id_for,
)

HOSTILE = "old\n::error file=a.yaml,line=1::pwned\r::notice::hi \x1b[2J\u202etxt.exe ##[error]x"
TICKS = "east `|` west | x ``"


@pytest.fixture
def plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Plan:
    monkeypatch.chdir(tmp_path)
    found = manifests(
        tmp_path,
        f'name: "{TICKS}"\nworkflow: {{id: 9}}\nstate: running',
        "name: renamed\nid: 10\nworkflow: Renewal reminder",
    )
    live = LiveState(
        (
            live_campaign(id=10, name=HOSTILE, source_id=source_id_for(found[1])),
            live_campaign(id=11, name=HOSTILE + " unmanaged", state="paused"),
        ),
        (*WORKFLOWS, Workflow(9, "Renewal\n::error::workflow")),
        TELEPHONY,
        CampaignDefaults(concurrent_call_limit=20),
    )
    made = plan_of(found, live)
    finding = Diagnostic(
        "::error::file.yaml", 1, 1, "spec.`x`", "unknown key 'a\n::warning::b |`c`|'"
    )
    return made.model_copy(update={"diagnostics": (*made.diagnostics, finding)})


def _assert_inert(lines: list[str]) -> None:
    for line in lines:
        assert "\n" not in line and "\r" not in line, line
        assert not line.lstrip().startswith("::"), line
        assert "##[" not in line, line
        assert not INVISIBLE.search(line), line


def test_text_plan_has_no_line_a_ci_log_acts_on(plan: Plan) -> None:
    lines = [click.unstyle(line) for line in render_plan_text(plan, show_unmanaged=True)]
    _assert_inert(lines)
    text = "\n".join(lines)
    assert text == "\n".join(text.splitlines())  # no other line breaks either
    assert '~ name = "old\\n::error file=a.yaml,line=1::pwned\\r::notice::hi \\u001b[2J' in text
    unmanaged = "old\\n::error file=a.yaml,line=1::pwned\\r::notice::hi \\x1b[2J\\u202etxt.exe"
    assert f"  - {unmanaged} ##\\x5berror]x unmanaged (id 11, paused)" in text
    assert '+ workflow        = "Renewal\\n::error::workflow" (id 9)' in text
    assert "\\x3a:error::file.yaml:1:1: error: spec.`x`: unknown key 'a\\n::warning::b" in text
    coloured = "\n".join(render_plan_text(plan, show_unmanaged=True, color=True))
    assert "\x1b[2J" not in coloured


def test_markdown_cells_and_code_spans_stay_whole(plan: Plan) -> None:
    markdown = render_plan_markdown(plan, show_unmanaged=True)
    _assert_inert(markdown.splitlines())
    header = "| Campaign | Actions | Places calls | Manifest |"
    rows = markdown.split(header, 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    assert len(rows) == 2
    for row in rows:
        # GitHub's table parser: a pipe right after a backslash belongs to the cell.
        cells = re.split(r"(?<!\\)\|", row)[1:-1]
        assert len(cells) == 4, row
    first = re.split(r"(?<!\\)\|", rows[0])[1].strip().replace("\\|", "|")
    fence = "```"  # longer than the name's longest run of backticks
    assert first == f"{fence} {TICKS} {fence}"
    assert "- `old\\n::error file=a.yaml,line=1::pwned\\r::notice::hi " in markdown
    assert (
        "- `::error::file.yaml:1:1` spec.\\`x\\`: unknown key 'a\\\\n::warning::b \\|\\`c\\`\\|'"
        in (markdown)
    )


def test_json_is_exact_and_inert(plan: Plan) -> None:
    document = render_plan_json(plan)
    assert "\n" not in document and "\r" not in document and "##[" not in document
    parsed = json.loads(document)
    assert parsed["unmanaged"][0]["name"] == HOSTILE + " unmanaged"  # exact, once parsed
    assert HOSTILE in {c["rename_from"] for c in parsed["changes"]}
    diagnostics = [
        Diagnostic("a.yaml", 1, 1, "", "x\n::error::y ##[error]z \x1b \u202e"),
    ]
    text = render_json(diagnostics)
    _assert_inert(text.splitlines())
    assert json.loads(text)[0]["message"] == "x\n::error::y ##[error]z \x1b \u202e"
    assert [click.unstyle(line) for line in render_text(diagnostics)] == [
        "a.yaml:1:1: x\\n::error::y ##\\x5berror]z \\x1b \\u202e"
    ]


def test_validate_escapes_a_yaml_key_quoted_in_its_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "c.csv").write_text("phone_number\n+15550100\n", encoding="utf-8")
    (tmp_path / "m.yaml").write_text(
        "apiVersion: dograh-campaigns/v1\nkind: Campaign\nmetadata: {name: m}\n"
        'spec: {workflow: W, source: {csv: c.csv}, "x\\n::error::owned\\u202e": 1}\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert run(["validate", "."]) == 1
    lines = capsys.readouterr().out.splitlines()
    _assert_inert(lines)
    assert lines[0].startswith("m.yaml:4:43: spec.x\\n::error::owned\\u202e: unknown key")


@pytest.mark.parametrize(
    ("value", "table", "expected"),
    [
        ("east", False, "`east`"),
        ("a`b", False, "``a`b``"),
        ("`a", False, "`` `a ``"),
        ("a|b", True, "`a\\|b`"),
        ("a\\|b", True, "`a\\\\|b`"),  # the table parser absorbs a pipe after a backslash
        ("a\nb", False, "`a\\nb`"),
        ("", False, "`  `"),
    ],
)
def test_markdown_code_spans(value: str, table: bool, expected: str) -> None:
    assert escape.markdown_code(value, table=table) == expected


def test_text_escapes() -> None:
    assert escape.text("tab\there\x07\x7f\u0085\u2028\U000e0041\udcff") == (
        "tab\\there\\x07\\x7f\\x85\\u2028\\U000e0041\\udcff"
    )
    assert escape.text("  ::error::x", line_start=True) == "  \\x3a:error::x"
    assert escape.text("a::b", line_start=True) == "a::b"
    assert escape.markdown("max_retries _x_ *b* [l](u) <i> & $m$ ~s~") == (
        "max_retries \\_x\\_ \\*b\\* \\[l\\](u) \\<i\\> \\& \\$m\\$ \\~s\\~"
    )
