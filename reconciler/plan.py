"""The Plan: what apply would do, computed by the diff, shown by the renderers.

A plan is typed data that serialises itself: ``campaigns plan --format json`` prints
``Plan.model_dump_json()``, a saved plan file wraps the same model, and its JSON Schema
(``schema/plan.schema.json``) is generated from these definitions. The request bodies
it carries are what apply sends, so what was reviewed is what runs.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    computed_field,
    model_serializer,
    model_validator,
)

from reconciler import __version__
from reconciler.diagnostics import Diagnostic
from reconciler.manifest.located import Place
from reconciler.manifest.model import RedialOutcome
from reconciler.manifest.policy import Limits

Action = Literal["create", "update", "redial", "start", "pause", "resume"]
ACTIONS: tuple[Action, ...] = ("create", "update", "redial", "start", "pause", "resume")
LIFECYCLE: tuple[Action, ...] = ("start", "pause", "resume")
CALLING_ACTIONS = frozenset({"start", "resume"})
"""The actions after which Dograh dials. A create (or a redial) with ``state: running``
includes start."""

PLAN_FORMAT_VERSION: Literal[3] = 3
"""Raised when a key is renamed or changes its type (3: the places of changes, conflicts
and held campaigns are objects, no longer ``file:line:column`` text)."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Computed(_Model):
    """A model with computed fields (``places_calls``, ``summary``): a serialised plan
    carries them; reading it back, they are computed again, not taken. Only these
    models pay for the check: the diff makes tens of thousands of the others."""

    @model_validator(mode="before")
    @classmethod
    def _computed_are_not_inputs(cls, data: Any) -> Any:
        # The class's own dict, not the ``model_computed_fields`` property.
        computed = cls.__pydantic_computed_fields__
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in computed}
        return data


class FieldChange(_Model):
    """One changed setting, ``before -> after``, in the manifest's terms."""

    path: str = Field(description="The setting, as the manifest names it: `max_concurrency`.")
    before: Any = Field(default=None, description="The live value (null: none).")
    after: Any = Field(default=None, description="The value the manifest asks for.")
    source: str | None = Field(
        default=None,
        description="`file:line` of the Defaults document the value comes from (or, when "
        "neither it nor the manifest sets it, of the Defaults that leaves it out); null: "
        "the manifest's own.",
    )


class Upload(_Model):
    """The contacts file to upload before a create."""

    path: str = Field(description="The CSV, relative to the working directory.")
    sha256: str = Field(description="Of the file's bytes: apply refuses a file changed since.")
    content: str = Field(description="The contacts' identity: a hash of the parsed rows.")
    size: int = Field(description="Bytes.")
    rows: int | None = Field(description="Contacts with a phone number.")
    file_name: str = Field(
        description="The name it is uploaded under; Dograh keeps it in the campaign's source_id."
    )


class RetryBody(_Model):
    enabled: bool
    max_retries: int
    retry_delay_seconds: int
    retry_on_busy: bool
    retry_on_no_answer: bool
    retry_on_voicemail: bool


class SlotBody(_Model):
    day_of_week: int
    start_time: str
    end_time: str


class ScheduleBody(_Model):
    enabled: bool
    timezone: str
    slots: tuple[SlotBody, ...]


class BreakerBody(_Model):
    enabled: bool
    failure_threshold: float
    window_seconds: int
    min_calls_in_window: int


class _Body(_Model):
    """A request body: a field left out (None) is not sent, in JSON as to Dograh."""

    @model_serializer(mode="wrap")
    def _without_none(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if value is not None}


class CreateRequest(_Body):
    """``POST /campaign/create``, complete but for ``source_id`` (known after the upload).
    Fields left out (None) are not sent: Dograh's own default applies."""

    name: str
    workflow_id: int
    source_type: Literal["csv"] = "csv"
    telephony_configuration_id: int | None = None
    max_concurrency: int | None = None
    retry_config: RetryBody | None = None
    schedule_config: ScheduleBody | None = None
    circuit_breaker: BreakerBody | None = None

    def body(self, source_id: str) -> dict[str, Any]:
        return {**self.model_dump(mode="json"), "source_id": source_id}


class UpdateRequest(_Body):
    """``PATCH /campaign/{id}``: only the changed fields, each object whole (Dograh
    replaces them whole)."""

    name: str | None = None
    max_concurrency: int | None = None
    retry_config: RetryBody | None = None
    schedule_config: ScheduleBody | None = None
    circuit_breaker: BreakerBody | None = None

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class RedialRequest(_Body):
    """``POST /campaign/{id}/redial`` (docs/dograh-api.md §2.9). The three flags are always
    sent (Dograh's default for each is true); ``name`` and ``retry_config`` left out
    (None) take Dograh's defaults: ``"<parent name> (Redial)"``, the parent's retries."""

    name: str | None = None
    retry_on_voicemail: bool
    retry_on_no_answer: bool
    retry_on_busy: bool
    retry_config: RetryBody | None = None

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Requests(_Model):
    upload: Upload | None = None
    create: CreateRequest | None = None
    update: UpdateRequest | None = None
    redial: RedialRequest | None = None


class RedialOf(_Model):
    """A campaign that ``spec.redial`` makes (or made) from a completed one."""

    parent_id: int = Field(description="The completed campaign it redials.")
    parent_name: str = Field(description="That campaign's name in Dograh.")
    on: tuple[RedialOutcome, ...] = Field(
        description="The last outcomes whose contacts are called again (spec.redial.on)."
    )
    contacts_at_most: int | None = Field(
        default=None,
        description="For a redial to make: the parent's total_rows, an upper bound of the "
        "contacts it calls (Dograh picks, when it makes it, those whose last call ended in "
        "one of `on`). Null for a redial that exists.",
    )


class CampaignChange(_Computed):
    name: str
    id: int | None = Field(description="The live campaign; null for one to create.")
    manifest: Place | None = Field(
        description="Where the manifest names it: its metadata.name (its spec.redial for a "
        "redial); null for a campaign paused because its manifest is gone."
    )
    actions: tuple[Action, ...] = Field(
        description="In the order apply runs them: create (or redial), update, then one "
        "lifecycle action."
    )
    live_state: str | None
    desired_state: str
    rename_from: str | None = None
    changes: tuple[FieldChange, ...] = ()
    before: dict[str, Any] | None = Field(
        default=None, description="The live campaign's settings (null for a create)."
    )
    after: dict[str, Any] = Field(description="The settings once applied.")
    defaults: tuple[str, ...] = Field(
        default=(),
        description="Settings of `after` that the manifest leaves to Dograh's own default.",
    )
    inherited: tuple[str, ...] = Field(
        default=(),
        description="Settings of `after` that a redial takes from the campaign it redials.",
    )
    sources: dict[str, str] = Field(
        default_factory=dict,
        description="Settings of `after` that a Defaults document gives: the setting -> "
        "`file:line` of its value there.",
    )
    redial: RedialOf | None = Field(
        default=None,
        description="For the campaign a manifest's spec.redial makes (or made): its parent; "
        "`manifest` is then that spec.redial. Null for a manifest's own campaign.",
    )
    notes: tuple[str, ...] = ()
    reason: str | None = Field(
        default=None,
        description="Why a change no manifest asks for is planned (a manifest removed).",
    )
    requests: Requests = Requests()

    @computed_field(description="Whether Dograh dials once this change is applied.")  # type: ignore[prop-decorator]
    @property
    def places_calls(self) -> bool:
        return any(action in CALLING_ACTIONS for action in self.actions)

    @property
    def lifecycle(self) -> Action | None:
        return next((a for a in self.actions if a in LIFECYCLE), None)


class Conflict(_Model):
    """A change apply cannot make; the message says what to do instead."""

    name: str
    id: int | None
    manifest: Place = Field(description="The manifest's line the message is about.")
    message: str


class Held(_Model):
    """A paused campaign whose manifest says running, left paused: no reviewed change asks
    to resume it (``--base``), and no operator did (``--resume``)."""

    name: str
    id: int
    manifest: Place = Field(description="The manifest's `state: running` (or spec.redial.state).")
    reason: str
    resume: str = Field(
        default="",
        description="The command that resumes it once reviewed: `campaigns apply --resume "
        "NAME` (a plan with only held campaigns has no changes to apply).",
    )


class Unmanaged(_Model):
    id: int
    name: str
    state: str


class Summary(_Model):
    create: int
    update: int
    start: int
    pause: int
    resume: int
    redial: int
    places_calls: int
    unchanged: int
    held: int
    conflicts: int
    errors: int
    unmanaged: int
    manifests: int
    live: int
    out_of_scope: int = 0


class OrganizationNote(_Model):
    """The Dograh organization a plan was made against (organization.py)."""

    id: int = Field(description="The API key's organization, as Dograh answered it.")
    policy: str | None = Field(
        default=None,
        description="The Policy that names it (`spec.organization`): `'name' at file:line:column`; "
        "null: no Policy names one, and the key's was used.",
    )


class Plan(_Computed):
    """A plan, complete: built once, by the planner's last stage (planner/whole.py)."""

    format_version: Literal[3] = PLAN_FORMAT_VERSION
    tool_version: str = __version__
    changes: tuple[CampaignChange, ...] = ()
    unchanged: tuple[str, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    held: tuple[Held, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = Field(
        default=(), description="Errors and warnings at manifest (and CSV) lines."
    )
    unmanaged: tuple[Unmanaged, ...] = ()
    out_of_scope: tuple[Unmanaged, ...] = Field(
        default=(),
        description="Live campaigns that manifests outside the given paths manage: not "
        "changed by this plan.",
    )
    matched: dict[int, str] = Field(
        default_factory=dict,
        description="Live campaign id -> the name of the manifest that manages it.",
    )
    targets: tuple[str, ...] = ()
    fingerprints: dict[str, str] = Field(
        default_factory=dict,
        description="Per live campaign read (`id:42`), what a saved plan assumed of it.",
    )
    manifests_hash: str = ""
    owner: str = Field(
        default="", description="This repository's owner token, in the uploads it makes."
    )
    organization: OrganizationNote | None = Field(
        default=None,
        description="The organization the plan was made against; apply of a saved plan "
        "refuses a key of another. Null in a plan that did not read Dograh.",
    )
    managed: int = Field(default=0, description="Manifests planned (after --target).")
    live: int = Field(default=0, description="Live campaigns read.")
    labels: dict[str, dict[int, str]] = Field(default_factory=dict, exclude=True)
    """Names of the ids a plan shows: ``labels["workflow"][3] == "Renewal reminder"``."""

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    @computed_field(description="True when apply would change nothing: fix what it says first.")  # type: ignore[prop-decorator]
    @property
    def blocked(self) -> bool:
        return bool(self.conflicts or self.errors)

    @property
    def places_calls(self) -> list[CampaignChange]:
        return [change for change in self.changes if change.places_calls]

    def counts(self) -> dict[Action, int]:
        counts: dict[Action, int] = dict.fromkeys(ACTIONS, 0)
        for change in self.changes:
            for action in change.actions:
                counts[action] += 1
        return counts

    def over_limits(self, limits: Limits) -> list[str]:
        """Why this plan is past the Policy's blast radius of one apply (octoDNS's
        ``Plan.raise_if_unsafe``): a sentence per limit passed, none within them. The
        planner makes each an error at the Policy, which blocks the plan; the way past
        is a reviewed change of the Policy, never a flag."""
        found = (
            self._starts_over(limits.max_starts_per_apply),
            self._contacts_over(limits.max_new_contacts_per_apply),
        )
        return [message for message in found if message]

    def _starts_over(self, limit: int | None) -> str | None:
        starts = [change.name for change in self.places_calls]
        if limit is None or len(starts) <= limit:
            return None
        shown = ", ".join(starts[:10]) + (
            f" and {len(starts) - 10} more" if len(starts) > 10 else ""
        )
        return (
            f"this plan starts or resumes {len(starts)} "
            f"campaign{'' if len(starts) == 1 else 's'} ({shown}); the Policy "
            f"allows {limit} per apply (limits.max_starts_per_apply). "
            "Apply fewer at a time (--target), or raise the limit in a reviewed change"
        )

    def _contacts_over(self, limit: int | None) -> str | None:
        creates = [change for change in self.changes if change.id is None]
        uploads = [c.requests.upload for c in creates if c.requests.upload is not None]
        contacts = sum(upload.rows or 0 for upload in uploads)
        # Dograh picks a redial's contacts when it makes it: its parent's are an upper bound.
        redials = [c.redial for c in creates if c.redial is not None]
        contacts += sum(redial.contacts_at_most or 0 for redial in redials)
        if limit is None or contacts <= limit:
            return None
        bound = (
            " (at most: a redial counts all its parent's contacts, of which Dograh calls "
            "again those whose last call ended as spec.redial.on says)"
            if redials
            else ""
        )
        return (
            f"this plan puts {contacts:,} contacts into new campaigns{bound}; the Policy "
            f"allows {limit:,} per apply (limits.max_new_contacts_per_apply). Create fewer "
            "at a time (--target), or raise the limit in a reviewed change"
        )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> Summary:
        return Summary(
            **self.counts(),
            places_calls=len(self.places_calls),
            unchanged=len(self.unchanged),
            held=len(self.held),
            conflicts=len(self.conflicts),
            errors=len(self.errors),
            unmanaged=len(self.unmanaged),
            out_of_scope=len(self.out_of_scope),
            manifests=self.managed,
            live=self.live,
        )
