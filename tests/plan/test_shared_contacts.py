"""One person in two campaigns that dial: found by number (any spelling), counted
against the Policy's limit, reported with rows and never the number."""

from __future__ import annotations

import time
from array import array
from pathlib import Path

import pytest

from reconciler import content_cache
from reconciler.diagnostics import Diagnostic
from reconciler.planner.run import validate_paths
from reconciler.shared_contacts import Dialed, dialed, shared_contacts


def _campaign(name: str, phones: list[str], *, by_redial: bool = False) -> Dialed:
    at = Diagnostic(f"{name}.yaml", 4, 9, "metadata.name", "", "warning")
    rows = list(enumerate(phones, start=2))
    return dialed(name, rows, at, f"{name}.csv", by_redial)


A = _campaign("a", ["+14155550100", "+14155550101", "+14155550102"])
B = _campaign("b", ["+13125550100", "+1 (415) 555-0101", "+14155550102"])
C = _campaign("c", ["+14155550102"])


def test_each_pair_is_reported_at_the_later_campaign_with_both_rows() -> None:
    found = shared_contacts([A, B, C], allowed=0, policy=None, blocking=True)
    assert [(d.file, d.severity) for d in found] == [("b.yaml", "error"), ("c.yaml", "error")]
    assert found[0].message.startswith(
        "b: 2 people in b.csv (rows 3, 4) are also in 'a' (a.yaml: a.csv, rows 3, 4), and "
        "both campaigns dial after this plan: each would call them. 2 people are in more "
        "than one dialing campaign"
    )
    assert found[1].message.startswith("c: 1 person in c.csv (row 2) is also in 'a'")
    assert all("555" not in d.message for d in found)


def test_within_the_policys_limit_it_is_a_warning() -> None:
    found = shared_contacts([A, B], allowed=2, policy="org", blocking=True)
    assert [d.severity for d in found] == ["warning"]
    assert found[0].message.endswith(
        "; the Policy 'org' allows 2 shared in all (limits.max_shared_contacts), and 2 are"
    )
    found = shared_contacts([A, B], allowed=1, policy="org", blocking=True)
    assert [d.severity for d in found] == ["error"]
    assert "raise limits.max_shared_contacts in the Policy 'org' in a reviewed change" in (
        found[0].message
    )


def test_validate_warns_what_the_plan_refuses() -> None:
    found = shared_contacts([A, B], allowed=0, policy=None, blocking=False)
    assert [d.severity for d in found] == ["warning"]
    assert "; plan and apply refuse this." in found[0].message


def test_a_campaign_that_will_not_dial_shares_nobody_unless_its_redial_dials() -> None:
    assert shared_contacts([A, B], allowed=0, policy=None, blocking=True, idle={"a"}) == []
    redialing = _campaign("a", ["+14155550102"], by_redial=True)
    found = shared_contacts([redialing, B], allowed=0, policy=None, blocking=True, idle={"a"})
    assert [d.severity for d in found] == ["error"]


def test_a_hundred_rows_are_listed_as_five_and_a_count() -> None:
    phones = [f"+1415555{n:04d}" for n in range(100)]
    found = shared_contacts(
        [_campaign("a", phones), _campaign("b", phones[::-1])],
        allowed=0,
        policy=None,
        blocking=True,
    )
    assert "b: 100 people in b.csv (rows 2, 3, 4, 5, 6 and 95 more)" in found[0].message


def test_a_million_distinct_numbers_cost_little() -> None:
    """Ten thousand campaigns of a hundred rows, nobody shared: set operations in C."""
    campaigns = [Dialed(f"c{n}", _numbers(n), _rows(), A.at) for n in range(10_000)]
    started = time.process_time()
    assert shared_contacts(campaigns, allowed=0, policy=None, blocking=True) == []
    assert time.process_time() - started < 5


def _numbers(n: int) -> array[int]:
    return array("q", range(14155500000 + n * 100, 14155500000 + n * 100 + 100))


def _rows() -> array[int]:
    return array("i", range(2, 102))


MANIFEST = """\
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: c{i}
spec:
  workflow: W
  source:
    csv: c{i}.csv
  state: running
"""


def test_a_person_in_a_cached_csv_is_found_by_the_pool_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four campaigns nobody shares, their files in the content cache; a fifth shares a
    person with the last of them, whose numbers another process reads: the same
    warning as without the cache."""
    (tmp_path / ".git").mkdir()
    for i in range(5):
        (tmp_path / f"m{i}.yaml").write_text(MANIFEST.format(i=i), encoding="utf-8")
        (tmp_path / f"c{i}.csv").write_text(f"phone_number\n+1312555{i:04d}\n+1415555{i:04d}\n")
    monkeypatch.chdir(tmp_path)
    content_cache.use(True)
    (tmp_path / "m4.yaml").rename(tmp_path / "later")
    assert not _shared(validate_paths(["."], jobs=2).diagnostics)
    content_cache.write_pending()
    (tmp_path / "later").rename(tmp_path / "m4.yaml")
    (tmp_path / "c4.csv").write_text("phone_number\n+1 (415) 555-0003\n")
    warm = validate_paths(["."], jobs=2).diagnostics
    assert [d.message.split(" (")[0] for d in _shared(warm)] == ["c4: 1 person in c4.csv"]
    content_cache.use(False)
    try:
        assert validate_paths(["."], jobs=2).diagnostics == warm
    finally:
        content_cache.use(True)


def _shared(found: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in found if "also in" in d.message]
