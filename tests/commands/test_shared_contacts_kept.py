"""One person in two dialling campaigns, with the content cache warm: the verdict that
nobody is shared is kept, so a warm run reads no number while it holds; an edited CSV,
a damaged verdict or ``--no-cache`` reads the numbers again and finds what a cold run
finds. The CLI against the sandbox, over loopback."""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler import content_cache
from reconciler.manifest.contacts import ContactsFile
from reconciler.planner import dialed
from tests.commands.conftest import Campaigns

CONTACTS = Path("campaigns.d") / "contacts"
EAST = CONTACTS / "spring-renewals-east.csv"
WEST = CONTACTS / "appointments-west.csv"
"""The two running campaigns of the example repository (the third is a draft)."""

SHARED = "are also in 'appointments-west'"


@pytest.fixture
def read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many CSVs each reading of the numbers of restored manifests took."""
    counts: list[int] = []
    reading = dialed.numbers_read

    def counting(contacts: list[ContactsFile]) -> list[tuple[array[int], array[int]]]:
        counts.append(len(contacts))
        return reading(contacts)

    monkeypatch.setattr(dialed, "numbers_read", counting)
    return counts


def _verdicts() -> list[Path]:
    return sorted(dialed.verdict_path("0" * 64).parent.glob("*"))


def _share_two(repo: Path) -> None:
    """West's CSV gets the first two people of east's."""
    east = (repo / EAST).read_text().splitlines()[1:3]
    west = repo / WEST
    west.write_text(west.read_text() + "".join(f"{line}\n" for line in east))


def _key(repo: Path) -> str:
    """The verdict's key for the running campaigns' CSVs as they are now."""
    return dialed.verdict_key(
        hashlib.sha256((repo / p).read_bytes()).hexdigest() for p in (EAST, WEST)
    )


def test_a_warm_run_reads_no_number_while_nobody_is_shared(
    campaigns: Campaigns, read: list[int]
) -> None:
    cold = campaigns("plan")
    assert cold.code == 0, cold.out
    assert "also in" not in cold.out
    assert read == []  # every file loaded: its numbers were read with its places
    assert len(_verdicts()) == 1
    assert campaigns("plan") == cold
    assert campaigns("validate").code == 0
    assert read == []


def test_a_person_added_to_a_cached_csv_is_found_on_a_warm_run(
    campaigns: Campaigns, repo: Path, read: list[int]
) -> None:
    assert "also in" not in campaigns("validate").out
    kept = _verdicts()
    _share_two(repo)
    warm = campaigns("validate")
    assert SHARED in warm.out, warm.out
    assert read == [1]  # east's numbers, restored by the cache; west's loaded anew
    assert warm == campaigns("--no-cache", "validate")
    result = campaigns("plan")
    assert result.code == 1
    assert "and both campaigns dial after this plan: each would call them" in result.out
    assert _verdicts() == kept  # "some shared" is never kept


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data.replace(b"no number", b"a number"),
        lambda data: data[: len(data) // 2],
        lambda data: b"",
        lambda data: data.split(b"\n", 1)[0] + b"\n",
    ],
    ids=["edited", "truncated", "empty", "digest only"],
)
def test_a_damaged_verdict_is_a_miss(
    campaigns: Campaigns, read: list[int], damage: Callable[[bytes], bytes]
) -> None:
    cold = campaigns("validate")
    [verdict] = _verdicts()
    kept = verdict.read_bytes()
    verdict.write_bytes(damage(kept))
    assert campaigns("validate") == cold
    assert read == [2]
    assert verdict.read_bytes() == kept  # written anew


def test_a_verdict_made_for_other_csvs_is_not_taken(
    campaigns: Campaigns, repo: Path, read: list[int]
) -> None:
    campaigns("validate")
    [verdict] = _verdicts()
    _share_two(repo)
    dialed.verdict_path(_key(repo)).write_bytes(verdict.read_bytes())
    assert SHARED in campaigns("validate").out
    assert read == [1]


def test_no_cache_neither_takes_nor_keeps_a_verdict(
    campaigns: Campaigns, repo: Path, read: list[int]
) -> None:
    """A verdict planted for CSVs that share people is taken by a cached run (the cache
    is as trusted as the checkout), never by one with --no-cache."""
    assert "also in" not in campaigns("--no-cache", "validate").out
    assert _verdicts() == []
    _share_two(repo)
    key = _key(repo)
    path = dialed.verdict_path(key)
    path.parent.mkdir(parents=True)
    path.write_bytes(content_cache.signed(key, dialed.VERDICT))
    assert "also in" not in campaigns("validate").out
    assert SHARED in campaigns("--no-cache", "validate").out
    assert SHARED in campaigns("--no-cache", "plan").out
    assert read == []


def test_status_and_import_read_no_number_and_keep_no_verdict(
    campaigns: Campaigns, repo: Path, read: list[int]
) -> None:
    """They never check one person in two campaigns: a miss of the verdict (here, after
    an edit of a cached CSV) costs them no reading of the numbers."""
    assert campaigns("validate").code == 0
    _share_two(repo)  # the edited CSV loads anew; east's is restored, its numbers unread
    for verdict in _verdicts():
        verdict.unlink()
    assert campaigns("status").code == 0
    assert campaigns("import", "--dir", "campaigns.d").code == 0
    assert read == []
    assert _verdicts() == []
    assert SHARED in campaigns("validate").out  # the check itself still reads them:
    assert read == [2]  # both restored now (status kept the edited file's entry)
