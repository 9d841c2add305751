"""Which campaign a manifest names, and which live campaign that is: the rule, once.

A manifest names its campaign by its pinned ``metadata.id`` when it has one, else by its
``metadata.name``; its ``spec.redial`` names one campaign more, the redial, by the name
Dograh gives it (``<name> (Redial)`` unless ``spec.redial.name`` says).

A live campaign is a manifest's (``LiveIndex.match``):

- pinned: the campaign of that id, whoever made it (adoption: its contacts must equal
  the CSV);
- unpinned: the campaign of that name that this repository created (the owner token in
  its upload name, owner.py) and that no manifest pins. A namesake made elsewhere is a
  conflict, never a silent takeover; two of ours are a conflict too, unless the newer
  ones are unstarted twins of the oldest (same contacts, never started: two applies at
  once, or a create answered too late), which is then the campaign. When the only one
  of ours is pinned by another manifest, which manifest owns it cannot be told: a
  conflict too, never a second campaign of the same contacts.

Dograh allows two campaigns of one name, so the names a manifest matches by are its own
when it pins nothing, and its redial's (``matched_names``). Two manifests that share a
pinned id, or a name that one of them matches by, are one identity twice: an error at
each place (``duplicates``).

The same rule answers the other questions: whether some manifest of the repository
still names a live campaign, else it is gone (``named_by``, scope.py); which manifest
manages a matched campaign (``manager``: status, import); which campaigns a create that
lost its answer made (``made_by_create``: apply); and which manifest at the reviewed
base may have named a paused campaign (``may_have_named``: review.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from reconciler.diagnostics import Diagnostic
from reconciler.live import LiveCampaign
from reconciler.manifest.located import Located
from reconciler.manifest.look_alike import look_alike
from reconciler.manifest.yaml_source import Position
from reconciler.owner import mark_of

IDENTITY_PATHS = frozenset({"", "metadata.name", "metadata.id", "spec.redial", "spec.redial.name"})
"""Where a manifest says what it names: for messages that point at it."""


class Identified(Protocol):
    """A manifest as far as its identity goes: loaded, read cheaply, or at a revision."""

    @property
    def name(self) -> str | None: ...

    @property
    def pinned_id(self) -> int | None: ...

    @property
    def redial_name(self) -> str | None: ...


@dataclass(frozen=True)
class Identity(Located):
    """What tells manifests apart (name, pinned id) and where: small enough to send
    between the processes that plan thousands of manifests."""

    name: str
    pinned_id: int | None
    file: str
    positions: dict[str, Position]
    redial_name: str | None = None
    """The name of the campaign its ``spec.redial`` makes, if any: a campaign's name too."""


T = TypeVar("T", bound=Identified)


def pinned_ids(identities: Iterable[Identified]) -> frozenset[int]:
    """The ids the manifests pin: a campaign pinned by one is matched by no other's name."""
    return frozenset(i.pinned_id for i in identities if i.pinned_id is not None)


def matched_names(identity: Identified) -> tuple[str, ...]:
    """The names by which a manifest matches campaigns this repository created: its own
    when it pins no id, and its redial's (a pinned manifest's redial is still known by
    its name: Dograh gives it one, and the manifest names it so)."""
    found = () if identity.pinned_id is not None or identity.name is None else (identity.name,)
    return found if identity.redial_name is None else (*found, identity.redial_name)


def owner_of(campaign: LiveCampaign) -> str | None:
    """The owner token of the repository that created the campaign; None: not this tool."""
    mark = mark_of(campaign.source_id)
    return mark.owner if mark else None


def content_of(campaign: LiveCampaign) -> str | None:
    """The contacts a campaign this tool created holds, from its upload name."""
    mark = mark_of(campaign.source_id)
    return mark.content if mark else None


def created_by(campaign: LiveCampaign, owner: str) -> bool:
    """Whether the repository of this owner token created the campaign."""
    return owner_of(campaign) == owner


@dataclass(frozen=True)
class Match:
    """What the live campaigns say of one manifest: its campaign, or why there is none."""

    campaign: LiveCampaign | None = None
    """None, and nothing below: the campaign is to be created."""
    twins: tuple[LiveCampaign, ...] = ()
    """Unstarted twins of ``campaign``: never started, never managed."""
    unknown_pin: int | None = None
    """The pinned id, when no live campaign has it."""
    ambiguous: tuple[LiveCampaign, ...] = ()
    """Two or more campaigns of the name that this repository created, not twins."""
    foreign: tuple[LiveCampaign, ...] = ()
    """Namesakes this repository did not create (by id): never taken over."""
    pinned_elsewhere: tuple[LiveCampaign, ...] = ()
    """Namesakes this repository created that another manifest pins: which manifest owns
    them cannot be told, and a second campaign of the name would call their contacts
    again, so the manifest gets neither (a conflict: the reading that calls fewer)."""

    @property
    def conflict(self) -> bool:
        return self.unknown_pin is not None or bool(
            self.ambiguous or self.foreign or self.pinned_elsewhere
        )


class LiveIndex:
    """The live campaigns by id and by name, for matching manifests to them."""

    def __init__(
        self, campaigns: Iterable[LiveCampaign], owner: str, claimed: frozenset[int]
    ) -> None:
        self.owner = owner
        """This repository's owner token (owner.py)."""
        self.claimed = claimed
        """The ids every manifest pins (``pinned_ids``)."""
        self.by_id: dict[int, LiveCampaign] = {}
        self._by_name: dict[str, list[LiveCampaign]] = {}
        for campaign in campaigns:
            self.by_id[campaign.id] = campaign
            self._by_name.setdefault(campaign.name, []).append(campaign)

    def namesakes(self, name: str) -> list[LiveCampaign]:
        """The live campaigns of this name that no manifest pins, in the list's order."""
        return [c for c in self._by_name.get(name, []) if c.id not in self.claimed]

    def match(self, name: str, pinned_id: int | None) -> Match:
        """The live campaign of a manifest of this name and pinned id (module docstring)."""
        if pinned_id is not None:
            found = self.by_id.get(pinned_id)
            return Match(campaign=found) if found is not None else Match(unknown_pin=pinned_id)
        candidates = self.namesakes(name)
        ours = sorted((c for c in candidates if created_by(c, self.owner)), key=lambda c: c.id)
        if len(ours) > 1:
            if unstarted_twins(ours):
                return Match(campaign=ours[0], twins=tuple(ours[1:]))
            return Match(ambiguous=tuple(ours))
        if ours:
            return Match(campaign=ours[0])
        taken = [
            c
            for c in self._by_name.get(name, [])
            if c.id in self.claimed and created_by(c, self.owner)
        ]
        if taken:
            return Match(pinned_elsewhere=tuple(sorted(taken, key=lambda c: c.id)))
        return Match(foreign=tuple(sorted(candidates, key=lambda c: c.id)))


def unstarted_twins(ours: Sequence[LiveCampaign]) -> bool:
    """Whether the campaigns after the first (the oldest) are its unstarted twins: the
    same contacts, never started."""
    return len({content_of(c) for c in ours}) == 1 and all(c.state == "created" for c in ours[1:])


def named_by(
    campaign: LiveCampaign,
    identities: Iterable[Identified],
    owner: str,
    pinned: frozenset[int] | None = None,
) -> bool:
    """Whether some manifest names this live campaign: pins its id, or, for one this
    repository created, has a name it matches by. ``pinned``: the manifests' pinned ids,
    when the caller holds them already."""
    if campaign.id in (pinned_ids(identities) if pinned is None else pinned):
        return True
    return created_by(campaign, owner) and any(
        campaign.name in matched_names(identity) for identity in identities
    )


def manager(identities: Iterable[T], campaign_id: int, name: str) -> T | None:
    """Of the manifests, the one that manages a campaign matched by the manifest named
    ``name``: the one pinning its id, else the unpinned one of that name (a name repeats
    only among pinned manifests)."""
    unpinned = None
    for identity in identities:
        if identity.pinned_id == campaign_id:
            return identity
        if unpinned is None and identity.pinned_id is None and identity.name == name:
            unpinned = identity
    return unpinned


def made_by_create(
    campaigns: Iterable[LiveCampaign], name: str, content: str, owner: str
) -> list[LiveCampaign]:
    """The live campaigns a create of this name and contacts made from this repository
    (from any, when ``owner`` is empty): its own, or a twin that another apply made."""
    found = []
    for campaign in campaigns:
        mark = mark_of(campaign.source_id)
        if (
            campaign.name == name
            and mark is not None
            and mark.content == content
            and (not owner or mark.owner == owner)
        ):
            found.append(campaign)
    return found


def may_have_named(
    identity: Identified, name: str, pinned_id: int | None, campaign_id: int | None
) -> bool:
    """Whether a manifest at another revision may have named the campaign that the
    manifest ``name`` (pinning ``pinned_id``) names now: broader than matching, since
    the live state of then is unknown. Pinned now: it pinned that id, or pinned nothing
    and had the name. Unpinned now: it had the name, or pinned ``campaign_id`` (None
    for a redial, which no manifest pins)."""
    if pinned_id is not None:
        return identity.pinned_id == pinned_id or (
            identity.pinned_id is None and identity.name == name
        )
    return identity.name == name or (campaign_id is not None and identity.pinned_id == campaign_id)


# -- duplicates ------------------------------------------------------------------------

_Place = tuple[Identity, str]
"""A manifest's identity, and the path of the name or id it uses there."""


def duplicates(identities: Iterable[Identity]) -> list[Diagnostic]:
    """The same name, or the same pinned id, in two manifests: each place names the other.

    A name may repeat when every manifest that uses it pins an id: the id is then each
    one's identity, as Dograh allows two campaigns of one name (``campaigns import``
    writes them so). Names that look alike are warned of (look_alike.py)."""
    by_key = _places(identities)
    found: list[Diagnostic] = []
    for (kind, value), places in by_key.items():
        if len(places) > 1 and (kind == "id" or _name_collides(places)):
            found.extend(_collision(kind, value, places))
    named = {  # a redial's name is not a manifest's: look-alikes are the manifests' own
        str(value): [identity for identity, path in places if path == "metadata.name"]
        for (kind, value), places in by_key.items()
        if kind == "name"
    }
    found.extend(look_alike(named))
    return found


def _places(identities: Iterable[Identity]) -> dict[tuple[str, str | int], list[_Place]]:
    """Where each name and each pinned id is used, in the manifests' order."""
    by_key: dict[tuple[str, str | int], list[_Place]] = {}
    for identity in identities:
        by_key.setdefault(("name", identity.name), []).append((identity, "metadata.name"))
        if identity.pinned_id is not None:
            by_key.setdefault(("id", identity.pinned_id), []).append((identity, "metadata.id"))
        if identity.redial_name is not None:
            # A redial is a campaign of its name that this repository makes: a manifest of
            # that name would match it (and it would match itself, named as its parent).
            path = "spec.redial.name" if "spec.redial.name" in identity.positions else "spec.redial"
            by_key.setdefault(("name", identity.redial_name), []).append((identity, path))
    return by_key


def _name_collides(places: Sequence[_Place]) -> bool:
    """Whether a name used at these places names two campaigns as one. A pinned manifest
    matches its campaign by id, never by name: it shares a name with other pinned ones,
    or with one redial, harmlessly."""
    redial = any(path.startswith("spec.redial") for _, path in places)
    by_name = sum(
        identity.pinned_id is None or path != "metadata.name" for identity, path in places
    )
    return by_name >= (2 if redial else 1)


def _collision(kind: str, value: str | int, places: Sequence[_Place]) -> list[Diagnostic]:
    """An error at each place, naming the others."""
    wheres = [identity.where(path) for identity, path in places]
    if any(path.startswith("spec.redial") for _, path in places):
        need = "a redial is a campaign of its own, and needs a name no other campaign has"
    elif kind == "name":
        need = (
            "each campaign needs one manifest: rename one, or, for two live campaigns "
            "of this name (Dograh allows it), pin each manifest to its own with "
            "metadata.id (campaigns status shows the ids)"
        )
    else:
        need = "each campaign needs one manifest"
    what = f"campaign name '{value}'" if kind == "name" else f"campaign id {value}"
    found = []
    for (identity, path), here in zip(places, wheres, strict=True):
        others = ", ".join(w for w in wheres if w != here)
        found.append(identity.diagnostic(path, f"the {what} is also used at {others}; {need}"))
    return found
