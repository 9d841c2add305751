"""Which live campaigns the manifests manage, with the live state, from one reading.

``import`` must not write a second manifest for a campaign that one already manages,
and ``status`` reports on exactly the campaigns that plan would act on. Both take the
answer from the pipeline's own steps (loading and its cross-checks, this repository's
owner token, resolve, diff), so a campaign counts as managed exactly when plan matches
it. ``plan_paths`` would do the same but keeps the live state to itself, and both
commands need it: status builds its whole report from the one campaign list, import
writes manifests from it. Nothing else of a plan is needed, so nothing else is done:
no contacts downloaded, no workflow read, no calling hours checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from reconciler.calling_hours import hours_policy
from reconciler.client import DograhClient
from reconciler.diagnostics import Diagnostic, has_errors, sorted_diagnostics
from reconciler.diff import diff
from reconciler.environment import one_policy
from reconciler.fetch import fetch_live
from reconciler.hours import HoursPolicy
from reconciler.identity import manager, pinned_ids
from reconciler.live import LiveCampaign, LiveState
from reconciler.manifest.load import Manifest, find_manifest_files
from reconciler.organization import guard
from reconciler.pipeline import (
    ManifestShare,
    _cross_checked,
    _owner,
    _policies,
    _policy,
    tree_policies,
)
from reconciler.plan import OrganizationNote
from reconciler.resolve import resolve
from reconciler.scope import outside


@dataclass(frozen=True)
class Managed:
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


def read_managed(paths: Sequence[str], client: DograhClient) -> Managed:
    """The manifests under ``paths`` (none: no manifest manages anything) matched to the
    organization's campaigns: the key's organization is read while the files load and
    checked against the Policy's (organization.py), then the four requests of the list."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fetch") as pool:
        asking = pool.submit(guard, client, None)
        files, problems = find_manifest_files(paths) if paths else ([], [])
        share = ManifestShare(files)
        summaries = [share.summary(), *tree_policies(paths, files)]
        diagnostics, _ = _cross_checked(problems, summaries)
        owner, found = _owner(summaries, paths)
        beyond = outside(paths or ["."], [str(file) for file in files])
        asking.result()
        organization = guard(client, one_policy(_policies(summaries)))
        live = fetch_live(client)
    manifests = share.loaded.manifests
    desired, findings = resolve(manifests, live)
    part = diff(desired, live, owner=owner.token, claimed=pinned_ids(manifests) | beyond.pinned)
    return Managed(
        manifests=tuple(manifests),
        diagnostics=tuple(sorted_diagnostics([*diagnostics, *found, *findings])),
        live=live,
        matched=dict(part.matched),
        redials=dict(part.redials),
        owner=owner.token,
        hours=hours_policy(_policy(summaries)),
        organization=organization,
        elsewhere=frozenset(
            c.id
            for c in live.campaigns
            if c.id not in part.matched and beyond.manages(c, owner.token)
        ),
    )
