"""The Plan: what apply would do, computed by diff, shown by the renderers.

A plan is data, not text: each renderer (text, JSON, Markdown) turns the same object
into its format, and apply executes the request bodies it carries, so that what was
reviewed is what runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from reconciler.diagnostics import Diagnostic

if TYPE_CHECKING:
    from reconciler.manifest.load import LoadResult

Action = Literal["create", "update", "start", "pause", "resume"]
LIFECYCLE: tuple[Action, ...] = ("start", "pause", "resume")
CALLING_ACTIONS = frozenset({"start", "resume"})
"""The actions after which Dograh dials. A create with `state: running` includes start."""

PLAN_FORMAT_VERSION = 1


@dataclass(frozen=True)
class FieldChange:
    path: str
    """Dotted, with indices: ``schedule.slots[0].end``."""
    before: Any
    after: Any


@dataclass(frozen=True)
class Upload:
    """The contacts file to upload before a create."""

    path: str
    """As the user sees it (relative to the working directory)."""
    sha256: str
    size: int
    rows: int | None
    """Contacts with a phone number; None until the rows are checked (see pipeline)."""
    file_name: str
    """``<stem>.<sha256[:16]>.csv``: the hash lands in Dograh's source_id."""


@dataclass(frozen=True)
class CampaignChange:
    name: str
    campaign_id: int | None
    """None for a campaign to be created."""
    manifest: str
    """``file:line:column`` of the manifest's metadata.name."""
    actions: tuple[Action, ...]
    """In the order apply runs them: create, update, then one lifecycle action."""
    changes: tuple[FieldChange, ...]
    before: dict[str, Any] | None
    after: dict[str, Any]
    live_state: str | None
    desired_state: str
    rename_from: str | None = None
    create_body: dict[str, Any] | None = None
    """The create request, complete but for ``source_id`` (known after the upload)."""
    patch_body: dict[str, Any] | None = None
    upload: Upload | None = None
    notes: tuple[str, ...] = ()

    @property
    def places_calls(self) -> bool:
        return any(action in CALLING_ACTIONS for action in self.actions)

    @property
    def lifecycle(self) -> Action | None:
        return next((a for a in self.actions if a in LIFECYCLE), None)


@dataclass(frozen=True)
class Conflict:
    """A change apply cannot make; the message says what to do instead."""

    name: str
    campaign_id: int | None
    manifest: str
    message: str


@dataclass(frozen=True)
class Unmanaged:
    id: int
    name: str
    state: str


@dataclass
class Plan:
    changes: list[CampaignChange]
    unchanged: list[str]
    conflicts: list[Conflict]
    diagnostics: list[Diagnostic]
    """Resolution errors and warnings, at manifest lines."""
    unmanaged: list[Unmanaged]
    fingerprints: dict[str, str]
    """Per live campaign read (``"id:42"``), and per name planned for creation
    (``"name:x"``: ``"absent"``), what apply must still find for the plan to hold."""
    manifests_hash: str
    managed: int = 0
    """Manifests planned (after --target)."""
    live: int = 0
    targets: tuple[str, ...] = ()
    labels: dict[str, dict[int, str]] = field(default_factory=dict)
    """Names of the ids a plan shows: ``labels["workflow"][3] == "Renewal reminder"``."""
    loaded: LoadResult | None = None
    """The manifests it was made from, for apply's second plan (not rendered); None
    when they were loaded in several processes."""
    matched: set[int] = field(default_factory=set)
    """Live campaign ids that some manifest matched (not rendered)."""

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    @property
    def blocked(self) -> bool:
        return bool(self.conflicts or self.errors)

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(("create", "update", "start", "pause", "resume"), 0)
        for change in self.changes:
            for action in change.actions:
                counts[action] += 1
        return counts

    @property
    def places_calls(self) -> list[CampaignChange]:
        return [change for change in self.changes if change.places_calls]
