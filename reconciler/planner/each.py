"""Stage two, each manifest against an index of the live state: pure, returns a value.

``plan`` and ``apply`` take every manifest's changes (resolve.py, then diff.py, which
matches by identity.py's rule); ``status`` and ``import`` only which live campaign each
manifest manages (``match``, into ``Managed``), by the same rule and the same names
resolved, so that a campaign counts as managed exactly when plan matches it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from reconciler.diagnostics import Diagnostic, has_errors
from reconciler.diff import DiffPart, diff, matches
from reconciler.hours import HoursPolicy
from reconciler.identity import manager
from reconciler.live import LiveCampaign, LiveState
from reconciler.manifest.load import Manifest
from reconciler.plan import OrganizationNote
from reconciler.resolve import resolve


def each(
    manifests: list[Manifest],
    live: LiveState,
    *,
    owner: str,
    claimed: frozenset[int] = frozenset(),
    targets: frozenset[str] = frozenset(),
) -> DiffPart:
    """Every manifest's changes against ``live``; resolve's findings (an unknown workflow)
    with the diff's own. ``claimed``: the ids any manifest of the repository pins (a
    campaign pinned by one is not matched by another's name)."""
    desired, findings = resolve(manifests, live)
    part = diff(desired, live, owner=owner, claimed=claimed, targets=targets)
    return replace(part, diagnostics=[*findings, *part.diagnostics])


def match(
    manifests: list[Manifest], live: LiveState, *, owner: str, claimed: frozenset[int]
) -> tuple[DiffPart, list[Diagnostic]]:
    """Which live campaign each manifest manages, as ``each`` matches them (a manifest
    whose names do not resolve matches nothing), and resolve's findings."""
    desired, findings = resolve(manifests, live)
    return matches(desired, live, owner=owner, claimed=claimed), findings


@dataclass(frozen=True)
class Managed:
    """Which live campaigns the manifests manage, with the live state read once: what
    ``status`` reports on and what ``import`` must not write a second manifest for."""

    manifests: tuple[Manifest, ...]
    diagnostics: tuple[Diagnostic, ...]
    """Of loading and of resolving names (an unknown workflow): a manifest with an error
    matches nothing, so its campaign would look unmanaged."""
    live: LiveState
    matched: dict[int, str]
    """Live campaign id -> the name of the manifest that manages it (plan's ``matched``)."""
    redials: dict[int, int]
    """A redial's live campaign id -> its parent's id, whose manifest's ``spec.redial``
    manages it (its state)."""
    owner: str
    """This repository's owner token (owner.py), as plan computes it."""
    hours: HoursPolicy
    """The Policy's calling hours, for what import writes."""
    organization: OrganizationNote
    """The organization read, and the Policy that names it."""
    elsewhere: frozenset[int] = frozenset()
    """Live campaigns that manifests outside the paths manage (scope.py): not unmanaged,
    so that import does not write a second manifest for one."""

    @property
    def ok(self) -> bool:
        return not has_errors(list(self.diagnostics))

    def manifest_for(self, campaign_id: int) -> Manifest | None:
        """The manifest that manages a live campaign (identity.py ``manager``)."""
        name = self.matched.get(campaign_id)
        return None if name is None else manager(self.manifests, campaign_id, name)

    def redial_manifest(self, campaign_id: int) -> Manifest | None:
        """The manifest whose ``spec.redial`` made this campaign, if it manages it."""
        parent = self.redials.get(campaign_id)
        return None if parent is None else self.manifest_for(parent)

    def unmanaged(self) -> list[LiveCampaign]:
        return [
            c
            for c in self.live.campaigns
            if c.id not in self.matched and c.id not in self.redials and c.id not in self.elsewhere
        ]
