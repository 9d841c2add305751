"""Names that cannot mislead: no character that is not shown as itself, a campaign's
name in NFC, and names that differ only in case or Unicode form warned about at both
places."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

import pytest

from reconciler.cli import run
from reconciler.manifest.characters import INVISIBLE, SCHEMA_CLASS, code_point
from reconciler.manifest.confusables import skeleton
from reconciler.manifest.model import NAME_PATTERN, REF_NAME_PATTERN

MANIFEST = """\
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: "{name}"
spec:
  workflow: "{workflow}"
  source:
    csv: c.csv
"""
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "c.csv").write_text("phone_number\n+13125550100\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _validate(
    repo: Path, capsys: pytest.CaptureFixture[str], **names: tuple[str, str]
) -> tuple[int, list[str]]:
    for file, (name, workflow) in names.items():
        (repo / f"{file}.yaml").write_text(
            MANIFEST.format(name=name, workflow=workflow), encoding="utf-8"
        )
    code = run(["--no-color", "validate", "."])
    return code, capsys.readouterr().out.splitlines()


@pytest.mark.parametrize(
    ("escaped", "where", "shown"),
    [
        ("east\\u202Etsew", 5, "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("east\\u200Bwest", 5, "U+200B ZERO WIDTH SPACE"),
        ("east\\a", 5, "U+0007 ALERT"),
        ("\\e[2Jeast", 1, "U+001B ESCAPE"),
        ("ea\\u2029st", 3, "U+2029 PARAGRAPH SEPARATOR"),
        ("east\\u2066", 5, "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ],
)
def test_a_name_with_a_character_not_shown_as_itself_is_refused(
    repo: Path, capsys: pytest.CaptureFixture[str], escaped: str, where: int, shown: str
) -> None:
    """Written with YAML escapes; the message names the character by its code point and
    does not print it."""
    code, lines = _validate(repo, capsys, a=(escaped, "Renewal reminder"))
    assert code == 1
    assert lines[0].startswith(f"a.yaml:4:9: metadata.name: contains {shown} at character {where}")
    assert not any(INVISIBLE.search(line) for line in lines)


def test_workflow_and_telephony_names_too(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = _validate(repo, capsys, a=("east", "Renewal\\u200Dreminder"))
    assert (code, lines[0]) == (
        1,
        "a.yaml:6:13: spec.workflow: contains U+200D ZERO WIDTH JOINER at character 8, an "
        "invisible formatting character: it is not shown as itself, so the name would not "
        "read as what it is; remove it",
    )


def test_nfc_and_nfd_spellings_of_one_name(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The NFD spelling is refused, with the characters to write; written in NFC, the two
    manifests are one name twice: an error at both places."""
    code, lines = _validate(
        repo, capsys, a=("caf\\u00e9", "Renewal reminder"), b=("cafe\\u0301", "Renewal reminder")
    )
    assert (code, lines) == (
        1,
        [
            "b.yaml:4:9: metadata.name: is not in Unicode normalization form C (NFC): it has "
            "U+0065 LATIN SMALL LETTER E + U+0301 COMBINING ACUTE ACCENT where NFC has U+00E9 "
            "LATIN SMALL LETTER E WITH ACUTE; write it in NFC, so that the name in git and in "
            "Dograh are the same characters",
            "1 error in 1 file",
        ],
    )
    code, lines = _validate(repo, capsys, b=("caf\\u00e9", "Renewal reminder"))
    assert code == 1
    assert lines[0].startswith("a.yaml:4:9: metadata.name: the campaign name 'café' is also used")


def test_names_that_differ_only_in_case_or_form_warn_at_both_places(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = _validate(
        repo,
        capsys,
        a=("Spring East", "Renewal reminder"),
        b=("spring east", "Renewal reminder"),
        c=("\\uff33pring East", "Renewal reminder"),  # a full-width S
    )
    assert code == 0
    assert lines[-1] == "3 campaigns in 3 files are valid (3 warnings)"
    assert lines[1] == (
        "b.yaml:4:9: warning: metadata.name: the campaign name 'spring east' differs only in "
        "case or Unicode form from 'Spring East' at a.yaml:4:9, '\uff33pring East' at c.yaml:4:9: "
        "the campaigns would look alike in plans and in Dograh; rename one"
    )
    assert [line.split(":")[0] for line in lines[:3]] == ["a.yaml", "b.yaml", "c.yaml"]


def test_names_whose_confusable_skeletons_are_equal_warn_at_both_places(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """UTS #39: a Cyrillic E beside a Latin one, the digit 1 beside the letter l."""
    code, lines = _validate(
        repo,
        capsys,
        a=("Spring East", "Renewal reminder"),
        b=("Spring \\u0415ast", "Renewal reminder"),  # CYRILLIC CAPITAL LETTER IE
        c=("Wave 1", "Renewal reminder"),
        d=("Wave l", "Renewal reminder"),
        e=("Spring West", "Renewal reminder"),
    )
    assert code == 0
    assert lines[-1] == "5 campaigns in 5 files are valid (4 warnings)"
    assert lines[0] == (
        "a.yaml:4:9: warning: metadata.name: the campaign name 'Spring East' looks like "
        "'Spring \u0415ast' at b.yaml:4:9 (character 8, U+0045 LATIN CAPITAL LETTER E, looks "
        "like U+0415 CYRILLIC CAPITAL LETTER IE: Unicode confusables, UTS #39): the campaigns "
        "would look alike in plans and in Dograh; rename one"
    )
    assert lines[1].startswith(
        "b.yaml:4:9: warning: metadata.name: the campaign name 'Spring \u0415ast' looks like "
        "'Spring East' at a.yaml:4:9 (character 8, U+0415 CYRILLIC CAPITAL LETTER IE, looks "
        "like U+0045 LATIN CAPITAL LETTER E"
    )
    assert lines[2].startswith(
        "c.yaml:4:9: warning: metadata.name: the campaign name 'Wave 1' looks like 'Wave l' at "
        "d.yaml:4:9 (character 6, U+0031 DIGIT ONE, looks like U+006C LATIN SMALL LETTER L"
    )
    assert not any(line.startswith("e.yaml") for line in lines)


def test_an_ascii_name_has_the_skeleton_the_whole_table_gives() -> None:
    """An ASCII name is looked up in the ASCII lines of Unicode's table alone; a name with
    a Cyrillic E in it, in the whole table: every ASCII character maps alike in both."""
    for char in map(chr, range(128)):
        assert skeleton(char) + "E" == skeleton(char + "\u0415"), hex(ord(char))
    assert skeleton("Wave 1") == skeleton("Wave l") == "Wave l"
    assert skeleton("rn") == skeleton("m")


def test_a_cyrillic_twin_in_another_case_is_alike_too(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = _validate(
        repo,
        capsys,
        a=("spring east", "Renewal reminder"),
        b=("Spring \\u0415ast", "Renewal reminder"),
    )
    assert code == 0
    assert lines[-1] == "2 campaigns in 2 files are valid (2 warnings)"


def test_the_set_covers_every_such_character_this_python_knows() -> None:
    """The set is fixed (Unicode 15.0) so that the schema is the same file everywhere;
    a Python with a newer Unicode that adds such a character fails here first."""
    categories = {"Cc", "Cf", "Cs", "Zl", "Zp"}
    missing = [
        code_point(chr(cp))
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) in categories and not INVISIBLE.match(chr(cp))
    ]
    assert missing == []
    extra = [
        code_point(chr(cp))
        for cp in range(sys.maxunicode + 1)
        if INVISIBLE.match(chr(cp)) and unicodedata.category(chr(cp)) not in categories | {"Cn"}
    ]
    assert extra == []


def test_the_schema_patterns_refuse_what_they_can_name() -> None:
    """BMP characters in the patterns (JSON Schema's regular expressions cannot name the
    others without the u flag); the schema carries exactly the models' patterns."""
    schema = json.loads((ROOT / "schema" / "campaign.schema.json").read_text(encoding="utf-8"))
    assert schema["$defs"]["Metadata"]["properties"]["name"]["pattern"] == NAME_PATTERN
    bmp = re.compile(f"[{SCHEMA_CLASS}]")
    for cp in range(0x10000):
        char = chr(cp)
        if 0xD800 <= cp <= 0xDFFF:
            continue
        refused = re.match(REF_NAME_PATTERN, f"a{char}b") is None
        assert refused == bool(bmp.match(char)), code_point(char)
        if bmp.match(char):
            assert re.match(NAME_PATTERN, f"a{char}b") is None
    for name in ("east", "café Ελλάδα 東京 📞", "a b"):
        assert re.match(NAME_PATTERN, name)
    for name in (" east", "east ", "east\n", "\u3000east"):
        assert not re.match(NAME_PATTERN, name)
