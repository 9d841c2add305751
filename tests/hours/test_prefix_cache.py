"""The prefix cache: where NANP prefixes ring, kept between runs in the user's cache
directory, each place written once; a damaged file is ignored, never trusted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.cache import PrefixCache
from reconciler.hours import numbers

FAKE = "+1999123"
"""A prefix no phone number has (area code 999): found only if the file was read."""


@pytest.fixture(autouse=True)
def _fresh_prefixes(monkeypatch: pytest.MonkeyPatch) -> None:
    """This test's own prefix table: what it learns reaches no other test."""
    monkeypatch.setattr(numbers, "_nanp", {})


def _write(cache: PrefixCache, data: object) -> None:
    cache.path.parent.mkdir(parents=True, exist_ok=True)
    cache.path.write_text(json.dumps(data), encoding="utf-8")


def test_saved_prefixes_are_learnt(tmp_path: Path) -> None:
    cache = PrefixCache(tmp_path)
    place = [["Pacific/Honolulu"], ["US"], [], True]
    _write(cache, {"places": [place], "prefixes": {FAKE: 0, "+1999124": -1}})
    cache.learn()
    found = numbers.place_id(FAKE + "0000")
    assert numbers.place(found).zones == ("Pacific/Honolulu",)
    assert numbers.place_id("+19991240000") == numbers.INVALID


def test_what_a_run_learns_is_kept_with_what_was_saved(tmp_path: Path) -> None:
    cache = PrefixCache(tmp_path)
    _write(cache, {"places": [[["Pacific/Honolulu"], ["US"], [], True]], "prefixes": {FAKE: 0}})
    cache.learn()
    cache.keep()  # nothing new: the file is left as it was
    assert json.loads(cache.path.read_text())["prefixes"] == {FAKE: 0}
    new_york = numbers.place_id("+1212555" + "0100")  # a prefix this run classifies
    cache.keep()
    saved = json.loads(cache.path.read_text())
    assert set(saved["prefixes"]) == {FAKE, "+1212555"}
    assert len(saved["places"]) == len({str(p) for p in saved["places"]})  # each place once
    assert tuple(saved["places"][saved["prefixes"]["+1212555"]][0]) == (
        numbers.place(new_york).zones
    )


@pytest.mark.parametrize(
    "damaged",
    [
        "{not json",
        json.dumps({"places": [], "prefixes": {FAKE: 0}}),  # an index past the places
        json.dumps({"prefixes": {FAKE: 0}}),
        json.dumps([1, 2]),
        json.dumps({"places": [["x"]], "prefixes": {}}),
    ],
    ids=["not-json", "index-out-of-range", "no-places", "a-list", "short-place"],
)
def test_a_damaged_file_is_ignored(tmp_path: Path, damaged: str) -> None:
    cache = PrefixCache(tmp_path)
    cache.path.parent.mkdir(parents=True, exist_ok=True)
    cache.path.write_text(damaged, encoding="utf-8")
    cache.learn()
    assert FAKE not in numbers.nanp_cache()
