"""The YAML reader: YAML 1.2 scalars, marks, and bounded handling of hostile input."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from reconciler.manifest.yaml_source import MAX_DEPTH, MAX_NODES, load_documents, locate


def _load(tmp_path: Path, text: str | bytes) -> tuple[list[object], list[str]]:
    path = tmp_path / "m.yaml"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    documents, problems = load_documents(path, "m.yaml")
    return [d.data for d in documents], [f"{p.line}:{p.column}: {p.message}" for p in problems]


def test_scalars_follow_yaml_1_2_core(tmp_path: Path) -> None:
    data, problems = _load(
        tmp_path,
        "a: 17:00\nb: no\nc: yes\nd: on\ne: 010\nf: 0o10\ng: 0x1f\nh: 1.5\ni: .inf\n"
        "j: ~\nk: null\nl: true\nm: False\nn: 2027-01-01\no: '5'\np: -3\nq: 1e3\n",
    )
    assert problems == []
    assert data == [
        {
            "a": "17:00",
            "b": "no",
            "c": "yes",
            "d": "on",
            "e": 10,
            "f": 8,
            "g": 31,
            "h": 1.5,
            "i": math.inf,
            "j": None,
            "k": None,
            "l": True,
            "m": False,
            "n": "2027-01-01",
            "o": "5",
            "p": -3,
            "q": 1000.0,
        }
    ]


def test_several_documents_and_empty_ones(tmp_path: Path) -> None:
    data, problems = _load(tmp_path, "---\na: 1\n---\n---\nb: 2\n---\n")
    assert problems == []
    assert data == [{"a": 1}, {"b": 2}]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n...\n"])
def test_a_file_without_documents_is_an_error(tmp_path: Path, text: str) -> None:
    assert _load(tmp_path, text) == (
        [],
        ["1:1: the file is empty: it holds no campaign manifest"],
    )


def test_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, "a: [1, 2\nb: c\n")
    assert problems == [
        "2:2: invalid YAML: while parsing a flow sequence did not find expected ',' or ']'"
    ]


def test_tab_indentation_is_reported(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, "a:\n\tb: 1\n")
    assert len(problems) == 1
    assert problems[0].startswith("2:1: invalid YAML:")


def test_duplicate_keys_are_errors_naming_both_lines(tmp_path: Path) -> None:
    data, problems = _load(tmp_path, "a: 1\nb:\n  c: 1\n  c: 2\n")
    assert data == []
    assert problems == [
        "4:3: duplicate key 'c': it is already set on line 3; YAML would silently keep "
        "only the last one"
    ]


def test_unsafe_tags_are_refused(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, "a: !!python/object/apply:os.system ['echo hi']\n")
    assert problems == [
        "1:4: the YAML tag tag:yaml.org,2002:python/object/apply:os.system is not supported"
    ]


def test_complex_keys_are_refused(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, "? [a, b]\n: 1\n")
    assert problems == ["1:3: a key must be a plain value, not a list or mapping"]


def test_locate_points_at_values_keys_and_items(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("spec:\n  slots:\n    - start: '09:00'\n      end: x\n", encoding="utf-8")
    (document,), _ = load_documents(path, "m.yaml")
    value = locate(document.root, ("spec", "slots", 0, "end"))
    key = locate(document.root, ("spec", "slots", 0, "end"), key=True)
    missing = locate(document.root, ("spec", "nope", 3))
    assert (value.line, value.column) == (3, 11)
    assert (key.line, key.column) == (3, 6)
    assert (missing.line, missing.column) == (1, 2)


# Hostile input: each gets one clear error, in bounded time and memory. The pytest
# timeout (pyproject) is the bound: none of these may hang or exhaust memory.


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    _, problems = _load(tmp_path, "\n".join(lines) + "\n")
    assert len(problems) == 1
    assert f"more than {MAX_NODES:,} values once its aliases are expanded" in problems[0]


def test_a_few_aliases_are_fine(tmp_path: Path) -> None:
    data, problems = _load(tmp_path, "a: &w [mon, tue]\nb: *w\n")
    assert problems == []
    assert data == [{"a": ["mon", "tue"], "b": ["mon", "tue"]}]


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    with path.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: costs no disk, nor memory to check
    documents, problems = load_documents(path, "m.yaml")
    assert documents == []
    assert [p.message for p in problems] == ["the manifest is 100 MiB, larger than the 1 MiB limit"]


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 5000 + "]" * 5000,
        "a: " + "{b: " * 5000 + "1" + "}" * 5000,
        "".join("  " * depth + f"k{depth}:\n" for depth in range(300)),
    ],
    ids=["flow-sequences", "flow-mappings", "block-mappings"],
)
def test_deep_nesting_is_refused(tmp_path: Path, text: str) -> None:
    _, problems = _load(tmp_path, text)
    assert len(problems) == 1
    assert "nest" in problems[0]


def test_nesting_limit_is_generous_for_manifests(tmp_path: Path) -> None:
    text = "".join("  " * depth + f"k{depth}:\n" for depth in range(MAX_DEPTH))
    _, problems = _load(tmp_path, text)
    assert problems == []


def test_binary_junk_is_refused(tmp_path: Path) -> None:
    junk = bytes(range(256)) * 40
    _, problems = _load(tmp_path, b"a: 1\n" + junk)
    assert problems == ["2:1: the manifest is binary, not text (a NUL byte)"]


def test_bytes_that_are_not_utf8_are_located(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, b"a: 1\nname: caf\xe9\n")
    assert problems == [
        "2:10: the manifest is not UTF-8 text: byte 0xe9 at offset 14 is not valid UTF-8; "
        "save the file as UTF-8"
    ]


def test_control_characters_are_a_yaml_error(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, "a: b\x07c\n")
    assert len(problems) == 1
    assert problems[0].startswith("1:")
    assert "invalid YAML" in problems[0]


def test_utf8_bom_in_a_manifest_is_accepted(tmp_path: Path) -> None:
    data, problems = _load(tmp_path, "\ufeffa: 1\n")
    assert (data, problems) == ([{"a": 1}], [])


def test_tracked_positions_are_kept_for_later_stages(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "# comment\nmetadata:\n  name: x\nspec:\n  slots:\n    - a: 1\n  source:\n    csv: c.csv\n",
        encoding="utf-8",
    )
    track = frozenset({"", "metadata.name", "spec.source.csv", "spec.slots", "spec.nope"})
    (document,), _ = load_documents(path, "m.yaml", track)
    assert document.positions == {
        "": (2, 1),
        "metadata.name": (3, 9),
        "spec.slots": (6, 5),
        "spec.source.csv": (8, 10),
    }
