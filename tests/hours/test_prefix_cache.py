"""The prefix cache: where NANP prefixes ring, kept between runs in the user's cache
directory, each place written once. It never changes a verdict: it is keyed by every
input of the answer, and a file that is damaged, edited or of other inputs is ignored
and written anew."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

import reconciler
from reconciler.cache import PrefixCache
from reconciler.hours import KnownPrefixes, Place, learn_prefixes, numbers, rules

FAKE = "+1999123"
"""A prefix no phone number has (area code 999): found only if the file was read."""
HONOLULU = Place(("Pacific/Honolulu",), ("US",), (), True)
ORLANDO = "+16892345678"  # 689: phonenumbers says Chicago; the table, Eastern


@pytest.fixture(autouse=True)
def _fresh_prefixes() -> Iterator[None]:
    """This test's own prefix table: what it learns reaches no other test."""
    table = numbers.nanp_cache()
    before = dict(table)
    table.clear()
    yield
    table.clear()
    table.update(before)


def _new_process() -> None:
    """What a new run knows before it reads the cache: nothing."""
    numbers.nanp_cache().clear()


def _saved(directory: Path, prefixes: dict[str, int]) -> PrefixCache:
    """A cache file that holds these prefixes (of the one place, Honolulu), as a run
    writes it."""
    learn_prefixes(KnownPrefixes((HONOLULU,), prefixes))
    cache = PrefixCache(directory)
    cache.keep()
    return cache


def test_saved_prefixes_are_learnt(tmp_path: Path) -> None:
    _saved(tmp_path, {FAKE: 0, "+1999124": -1})
    _new_process()
    PrefixCache(tmp_path).learn()
    found = numbers.place_id(FAKE + "0000")
    assert numbers.place(found).zones == ("Pacific/Honolulu",)
    assert numbers.place_id("+19991240000") == numbers.INVALID


def test_what_a_run_learns_is_kept_with_what_was_saved(tmp_path: Path) -> None:
    cache = _saved(tmp_path, {FAKE: 0})
    _new_process()
    cache = PrefixCache(tmp_path)
    cache.learn()
    before = cache.path.read_bytes()
    cache.keep()  # nothing new: the file is left as it was
    assert cache.path.read_bytes() == before
    new_york = numbers.place_id("+1212555" + "0100")  # a prefix this run classifies
    cache.keep()
    saved = _body(cache)  # JSON, never pickle
    assert set(saved["prefixes"]) == {FAKE, "+1212555"}
    assert len(saved["places"]) == len({str(p) for p in saved["places"]})  # each place once
    assert tuple(saved["places"][saved["prefixes"]["+1212555"]][0]) == (
        numbers.place(new_york).zones
    )


def _body(cache: PrefixCache) -> Any:
    """The file's JSON: the line after its digest, as every file of the content cache."""
    digest, _, body = cache.path.read_bytes().partition(b"\n")
    assert len(digest) == 64
    return json.loads(body)


def _rewrite(cache: PrefixCache, edit: object) -> None:
    """A hand edit of the JSON, the digest left as it was."""
    digest = cache.path.read_bytes().partition(b"\n")[0]
    data = _body(cache)
    assert callable(edit)
    edit(data)
    cache.path.write_bytes(digest + b"\n" + json.dumps(data).encode())


@pytest.mark.parametrize(
    "damaged",
    [
        "{not json",
        json.dumps({"places": [], "prefixes": {FAKE: 0}}),
        json.dumps([1, 2]),
        "",
    ],
    ids=["not-json", "unsigned", "a-list", "empty"],
)
def test_a_damaged_file_is_ignored_and_written_anew(tmp_path: Path, damaged: str) -> None:
    cache = PrefixCache(tmp_path)
    cache.path.parent.mkdir(parents=True, exist_ok=True)
    cache.path.write_text(damaged, encoding="utf-8")
    cache.learn()
    assert FAKE not in numbers.nanp_cache()
    numbers.place_id("+1212555" + "0100")
    cache.keep()
    assert PrefixCache(tmp_path).load() is not None  # trusted again


def _move_to_chicago(data: dict[str, list[list[object]]]) -> None:
    """A hand edit: every place is put in Chicago alone, as phonenumbers has 689."""
    data["places"] = [[["America/Chicago"], p[1], p[2], p[3], False] for p in data["places"]]


def _index_past_the_places(data: dict[str, dict[str, int]]) -> None:
    data["prefixes"][FAKE] = 7


def _short_place(data: dict[str, list[list[object]]]) -> None:
    data["places"][0] = data["places"][0][:4]


@pytest.mark.parametrize(
    "edit",
    [_move_to_chicago, _index_past_the_places, _short_place],
    ids=["zones-moved", "index-out-of-range", "short-place"],
)
def test_an_edited_file_changes_no_verdict(tmp_path: Path, edit: object) -> None:
    cache = PrefixCache(tmp_path)
    cache.learn()
    widened = numbers.place(numbers.place_id(ORLANDO))
    assert widened.widened
    cache.keep()
    learn_prefixes(KnownPrefixes((HONOLULU,), {FAKE: 0}))
    cache.keep()
    _rewrite(cache, edit)
    _new_process()
    cache = PrefixCache(tmp_path)
    cache.learn()
    assert FAKE not in numbers.nanp_cache()
    assert numbers.place(numbers.place_id(ORLANDO)) == widened
    cache.keep()  # and the file is written anew, trusted again
    assert PrefixCache(tmp_path).load() is not None


def test_a_changed_area_code_table_is_not_answered_from_a_warm_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run with an older table (689 confirmed as Chicago) warms the cache; a run with
    the shipped table gets the shipped table's verdict, not the cache's."""
    shipped = numbers.nanp_table()
    older = replace(
        shipped, area_code_zones={**shipped.area_code_zones, "689": ("America/Chicago",)}
    )
    monkeypatch.setattr(numbers, "nanp_table", lambda: older)
    monkeypatch.setattr(numbers, "area_codes_bytes", lambda: b"an older table")
    warm = PrefixCache(tmp_path)
    warm.learn()
    assert not numbers.place(numbers.place_id(ORLANDO)).widened
    warm.keep()
    assert warm.load() is not None
    monkeypatch.undo()
    _new_process()
    cache = PrefixCache(tmp_path)
    assert cache.path != warm.path
    cache.learn()
    assert numbers.place(numbers.place_id(ORLANDO)).widened


@pytest.mark.parametrize("changed", ["tool", "rules", "area-codes", "phonenumbers"])
def test_every_input_of_the_verdict_keys_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changed: str
) -> None:
    _saved(tmp_path, {FAKE: 0})
    if changed == "tool":
        monkeypatch.setattr(reconciler, "__version__", "0.0.0-other")
    elif changed == "rules":
        monkeypatch.setattr(rules, "rules_bytes", lambda: b'{"rules": []}')
    elif changed == "area-codes":
        monkeypatch.setattr(numbers, "area_codes_bytes", lambda: b"{}")
    else:
        installed = metadata.version
        monkeypatch.setattr(
            metadata, "version", lambda name: "0.0.0" if name == "phonenumbers" else installed(name)
        )
    _new_process()
    cache = PrefixCache(tmp_path)
    assert cache.load() is None
    cache.learn()
    assert FAKE not in numbers.nanp_cache()
