"""The identity rule, as every command asks it: which live campaign a manifest names."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.identity import (
    LiveIndex,
    made_by_create,
    manager,
    matched_names,
    may_have_named,
    named_by,
    pinned_ids,
)
from reconciler.live import LiveCampaign
from reconciler.owner import upload_file_name
from tests.plan.builders import OWNER, live_campaign


@dataclass(frozen=True)
class Said:
    """A manifest as far as its identity goes."""

    name: str | None
    pinned_id: int | None = None
    redial_name: str | None = None


def _ours(
    id_: int, name: str, *, content: str = "a" * 16, owner: str = OWNER, **more: object
) -> LiveCampaign:
    source = f"campaigns/1/uuid_{upload_file_name('c.csv', owner, content)}"
    return live_campaign(id=id_, name=name, source_id=source, **more)


def _elsewhere(id_: int, name: str) -> LiveCampaign:
    return live_campaign(id=id_, name=name, source_id="campaigns/1/uuid_upload.csv")


def test_a_pinned_manifest_matches_its_id_whoever_made_it() -> None:
    index = LiveIndex([_elsewhere(4, "west"), _ours(5, "east")], OWNER, frozenset({4}))
    assert index.match("east", 4).campaign == _elsewhere(4, "west")
    missing = index.match("east", 99)
    assert (missing.campaign, missing.unknown_pin, missing.conflict) == (None, 99, True)


def test_an_unpinned_manifest_matches_our_campaign_of_its_name_only() -> None:
    ours, theirs = _ours(5, "east"), _elsewhere(6, "east")
    assert LiveIndex([theirs, ours], OWNER, frozenset()).match("east", None).campaign == ours
    foreign = LiveIndex([theirs], OWNER, frozenset()).match("east", None)
    assert (foreign.campaign, foreign.foreign, foreign.conflict) == (None, (theirs,), True)
    # Pinned by some manifest: no other manifest matches it by name, nor makes a second
    # campaign of its contacts: which manifest owns it cannot be told, a conflict.
    claimed = LiveIndex([ours], OWNER, frozenset({5})).match("east", None)
    assert (claimed.campaign, claimed.pinned_elsewhere, claimed.conflict) == (None, (ours,), True)
    # Made elsewhere and pinned: nothing of ours has the name, so the manifest creates.
    other = LiveIndex([theirs], OWNER, frozenset({6})).match("east", None)
    assert (other.campaign, other.conflict) == (None, False)


def test_two_of_ours_are_a_conflict_unless_the_newer_are_unstarted_twins() -> None:
    first, twin = _ours(5, "east", state="running"), _ours(8, "east")
    found = LiveIndex([twin, first], OWNER, frozenset()).match("east", None)
    assert (found.campaign, found.twins, found.conflict) == (first, (twin,), False)
    other = _ours(8, "east", content="b" * 16)
    found = LiveIndex([first, other], OWNER, frozenset()).match("east", None)
    assert (found.campaign, found.ambiguous) == (None, (first, other))


def test_a_manifest_names_by_pin_or_by_the_names_it_matches_by() -> None:
    pinned = Said("east", 5, "east (Redial)")
    assert matched_names(pinned) == ("east (Redial)",)
    assert matched_names(Said("east")) == ("east",)
    assert pinned_ids([pinned, Said("west")]) == frozenset({5})
    assert named_by(_elsewhere(5, "anything"), [pinned], OWNER)
    assert named_by(_ours(9, "east (Redial)"), [pinned], OWNER)
    assert not named_by(_ours(9, "east"), [pinned], OWNER)
    assert not named_by(_elsewhere(9, "west"), [Said("west")], OWNER)


def test_the_manager_of_a_matched_campaign_is_its_pin_else_the_unpinned_namesake() -> None:
    unpinned, pinned = Said("east"), Said("east", 5)
    assert manager([unpinned, pinned], 5, "east") is pinned
    assert manager([unpinned, pinned], 6, "east") is unpinned
    assert manager([pinned], 6, "east") is None


def test_a_lost_create_is_found_by_name_contacts_and_owner() -> None:
    mine, other = _ours(5, "east"), _ours(6, "east", owner="someone-else")
    assert made_by_create([mine, other], "east", "a" * 16, OWNER) == [mine]
    assert made_by_create([mine, other], "east", "a" * 16, "") == [mine, other]
    assert made_by_create([mine], "east", "b" * 16, OWNER) == []


def test_at_the_base_the_broader_reading_names_more_manifests() -> None:
    assert may_have_named(Said("east"), "east", 5, 5)
    assert not may_have_named(Said("east", 6), "east", 5, 5)
    assert may_have_named(Said("east", 6), "east", None, 5)
    assert may_have_named(Said("west", 5), "east", None, 5)
    assert not may_have_named(Said("west", 5), "east", None, None)
