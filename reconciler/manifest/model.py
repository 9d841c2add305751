"""The campaign manifest, format v1, as pydantic models.

The models are the single source of the format: `campaigns schema` generates the JSON
Schema from them, and `validate`, `plan` and `apply` read manifests through them.
``strict=True`` and ``extra="forbid"`` make the model and the schema agree ("5" is not
5, unknown keys are errors). Ranges and defaults are Dograh's request models' (docs/dograh-api.md
§2.1, §4), so a manifest that validates here is never refused by Dograh for its values.

Rules that JSON Schema cannot state (an existing time zone, a slot's start before its
end, at most 50 slots once ``days`` are expanded, a name in Unicode NFC, the invisible
characters beyond U+FFFF) live in validators here; the schema carries the rest.
tests/test_schema.py lists that difference explicitly.

Names are what a reviewer reads to know which campaign a change touches, so a name
cannot hold a character that is not shown as itself (characters.py: controls, bidi
overrides, zero-width characters, line separators), and a campaign's name, its identity,
must be in NFC: the same visible name is then always the same characters, in git and
in Dograh. Workflow and telephony names must match Dograh's exactly, so they are not
normalised or refused for their form, only for invisible characters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from reconciler.manifest import timezones
from reconciler.manifest.characters import SCHEMA_CLASS, invisible_message, nfc_message

API_VERSION = "dograh-campaigns/v1"
KIND = "Campaign"

DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names in Dograh's ``day_of_week`` order: index 0 is Monday."""

MAX_API_SLOTS = 50

# Each pattern ends in (?!\n)$ because Python's `$` also matches before a final newline:
# "17:00\n" must be refused by the models and by jsonschema alike.
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](?!\n)$"
END_TIME_PATTERN = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)(?!\n)$"
NAME_PATTERN = rf"^(?!\s)[^{SCHEMA_CLASS}]*[^\s{SCHEMA_CLASS}](?!\n)$"
"""One line of visible text, without leading or trailing spaces (characters.py)."""
REF_NAME_PATTERN = rf"^[^{SCHEMA_CLASS}]+(?!\n)$"
"""Text without invisible characters, spaces allowed: a name as Dograh has it."""
CSV_PATTERN = r"\.[cC][sS][vV](?!\n)$"

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
State = Literal["draft", "running", "paused"]
RedialOutcome = Literal["no_answer", "busy", "voicemail"]
"""A call's last outcome that a redial calls again: Dograh's ``retry_on_<outcome>`` flags
(docs/dograh-api.md §2.9)."""

UNION_TAGS = frozenset({"by_name", "by_id", "by_days", "by_day_of_week"})
"""Branch names pydantic inserts into error locations; they are not manifest keys."""


class Strict(BaseModel):
    """The manifests' models: the model and the generated schema agree ("5" is not 5)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, regex_engine="python-re")


class IdRef(Strict):
    """A reference by Dograh id, for when a name is ambiguous or may be renamed."""

    id: int = Field(ge=1, description="The object's numeric id in Dograh.", examples=[123])


def _name_or_id(value: Any) -> str:
    # A dict when validating, a model instance when serializing.
    return "by_id" if isinstance(value, (dict, IdRef)) else "by_name"


def _visible(name: str) -> str:
    """Refuses what the pattern cannot name (characters beyond U+FFFF, lone surrogates)."""
    problem = invisible_message(name)
    if problem is not None:
        raise PydanticCustomError("name_characters", "{message}", {"message": problem})
    return name


def _identity(name: str) -> str:
    """A campaign name is compared as written: only its NFC spelling is accepted."""
    _visible(name)
    problem = nfc_message(name)
    if problem is not None:
        raise PydanticCustomError("name_nfc", "{message}", {"message": problem})
    return name


def _once_each(
    what: str, key: Callable[[str], Any] | None = None
) -> Callable[[list[str]], list[str]]:
    """A validator that names every value listed more than once (uniqueItems says less)."""

    def check(values: list[str]) -> list[str]:
        repeated = sorted({v for v in values if values.count(v) > 1}, key=key)
        if repeated:
            raise PydanticCustomError(
                f"{what}_repeated", f"{{{what}}} listed more than once", {what: ", ".join(repeated)}
            )
        return values

    return check


WorkflowName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=255,
        pattern=REF_NAME_PATTERN,
        description=(
            "The workflow's name, as shown in Dograh; no control or invisible formatting "
            "characters (for such a name, use {id: N})."
        ),
        examples=["Renewal reminder"],
    ),
    AfterValidator(_visible),
]
TelephonyName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=REF_NAME_PATTERN,
        description=(
            "The telephony configuration's name, unique in the organization; no control or "
            "invisible formatting characters (for such a name, use {id: N})."
        ),
        examples=["Twilio US"],
    ),
    AfterValidator(_visible),
]
WorkflowRef = Annotated[
    Annotated[WorkflowName, Tag("by_name")] | Annotated[IdRef, Tag("by_id")],
    Discriminator(_name_or_id),
]
TelephonyRef = Annotated[
    Annotated[TelephonyName, Tag("by_name")] | Annotated[IdRef, Tag("by_id")],
    Discriminator(_name_or_id),
]


CampaignName = Annotated[
    str, Field(min_length=1, max_length=255, pattern=NAME_PATTERN), AfterValidator(_identity)
]
"""A campaign's name, its identity; a redial's is held to the same rules."""


class Metadata(Strict):
    name: CampaignName = Field(
        description=(
            "The campaign's name in Dograh, and its identity: plan and apply match live "
            "campaigns to manifests by this name unless `id` is pinned. One line, no "
            "leading or trailing spaces, no control or invisible formatting characters, "
            "in Unicode NFC."
        ),
        examples=["spring-renewals-east"],
    )
    id: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Pins an existing Dograh campaign by id. With an id, a different `name` "
            "renames the live campaign instead of creating a new one."
        ),
        examples=[42],
    )


class Source(Strict):
    csv: str = Field(
        min_length=1,
        pattern=CSV_PATTERN,
        description=(
            "Path of the contacts CSV, relative to this manifest and inside the "
            "repository. It needs a `phone_number` column; each number starts with `+` "
            "and its country code."
        ),
        examples=["contacts/spring-east.csv"],
    )


class RetryConfig(Strict):
    """Dograh's ``retry_config``; PATCH replaces it whole, so it is sent in full."""

    enabled: bool = Field(
        default=True, description="Whether unanswered calls are retried.", examples=[True]
    )
    max_retries: int = Field(
        default=2,
        ge=0,
        le=10,
        description="How many times a contact is called again, 0 to 10.",
        examples=[2],
    )
    retry_delay_seconds: int = Field(
        default=120,
        ge=30,
        le=3600,
        description="Seconds between attempts, 30 to 3600.",
        examples=[300],
    )
    retry_on_busy: bool = Field(
        default=True, description="Retry when the line is busy.", examples=[True]
    )
    retry_on_no_answer: bool = Field(
        default=True, description="Retry when nobody answers.", examples=[True]
    )
    retry_on_voicemail: bool = Field(
        default=True,
        description="Retry when voicemail answers (Dograh applies it on redial only).",
        examples=[False],
    )


class _Slot(Strict):
    start: str = Field(
        pattern=TIME_PATTERN,
        description="Start of the window, HH:MM (24-hour), inclusive.",
        examples=["09:00"],
    )
    end: str = Field(
        pattern=END_TIME_PATTERN,
        description='End of the window, HH:MM, exclusive; "24:00" is the end of the day.',
        examples=["17:00"],
    )

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if isinstance(start, str) and end <= start:
            raise PydanticCustomError(
                "slot_order",
                'end "{end}" is not after start "{start}"; a window that crosses midnight '
                'must be split into two slots (start to "24:00", then "00:00" to end)',
                {"start": start, "end": end},
            )
        return end


class DaysSlot(_Slot):
    days: Annotated[list[Day], AfterValidator(_once_each("days", DAYS.index))] = Field(
        min_length=1,
        max_length=7,
        json_schema_extra={"uniqueItems": True},
        description="Days the window applies to.",
        examples=[["mon", "tue", "wed", "thu", "fri"]],
    )

    def weekdays(self) -> list[int]:
        return sorted(DAYS.index(d) for d in self.days)


class DayOfWeekSlot(_Slot):
    day_of_week: int = Field(
        ge=0,
        le=6,
        description="Day as Dograh numbers it: 0 is Monday, 6 is Sunday.",
        examples=[0],
    )

    def weekdays(self) -> list[int]:
        return [self.day_of_week]


def _slot_kind(value: Any) -> str | None:
    # A dict when validating, a model instance when serializing.
    keys = type(value).model_fields if isinstance(value, _Slot) else value
    if not isinstance(keys, dict):
        return None
    return "by_days" if "days" in keys else "by_day_of_week" if "day_of_week" in keys else None


Slot = Annotated[
    Annotated[DaysSlot, Tag("by_days")] | Annotated[DayOfWeekSlot, Tag("by_day_of_week")],
    Discriminator(
        _slot_kind,
        custom_error_type="slot_day",
        custom_error_message=(
            "a slot needs its days: either days: [mon, tue, ...] or day_of_week: 0..6 (0 is Monday)"
        ),
    ),
]


class Schedule(Strict):
    """When calls may be placed. Without a schedule, calls may be placed at any time."""

    timezone: str = Field(
        default="UTC",
        min_length=1,
        description=(
            "IANA area/location time zone name the slots are in, such as America/New_York, "
            "or UTC. Legacy aliases (US/Eastern, EST5EDT) and machine-dependent names "
            "(localtime) are refused."
        ),
        examples=["America/New_York"],
        json_schema_extra={"pattern": timezones.SCHEMA_PATTERN},
    )
    slots: list[Slot] = Field(
        min_length=1,
        max_length=MAX_API_SLOTS,
        description=(
            "Calling windows. Any matching slot allows calls. Each day of a `days` "
            "slot counts as one of Dograh's 50 slots."
        ),
        examples=[
            [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}]
        ],
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        if not timezones.is_canonical(name):
            raise PydanticCustomError("timezone", "{message}", {"message": timezones.message(name)})
        return name

    @model_validator(mode="after")
    def _fits_dograh(self) -> Schedule:
        expanded = sum(len(slot.weekdays()) for slot in self.slots)
        if expanded > MAX_API_SLOTS:
            raise PydanticCustomError(
                "slots_expanded",
                "the slots cover {count} day windows (each day of `days` is one); Dograh "
                "accepts at most {limit}",
                {"count": expanded, "limit": MAX_API_SLOTS},
            )
        return self

    def api_slots(self) -> list[tuple[int, str, str]]:
        """The slots as Dograh stores them, one per day, in a canonical order."""
        return sorted(
            {(day, slot.start, slot.end) for slot in self.slots for day in slot.weekdays()}
        )


class CircuitBreaker(Strict):
    """Dograh pauses the campaign when too many calls fail; sent in full when set."""

    enabled: bool = Field(
        default=True, description="Whether the breaker may pause the campaign.", examples=[True]
    )
    failure_threshold: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Fraction of failed calls in the window that trips it, 0 to 1.",
        examples=[0.4],
    )
    window_seconds: int = Field(
        default=120,
        ge=30,
        le=600,
        description="Length of the sliding window in seconds, 30 to 600.",
        examples=[120],
    )
    min_calls_in_window: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Calls in the window before the breaker may trip, 1 to 100.",
        examples=[5],
    )


class Redial(Strict):
    """Once the campaign is completed, a new campaign that calls again the contacts whose
    last call ended in one of ``on`` (``POST /campaign/{id}/redial``, docs/dograh-api.md
    §2.9). Dograh makes it once per campaign; it inherits the workflow, contacts,
    schedule, concurrency and breaker, but not the telephony configuration."""

    on: Annotated[list[RedialOutcome], AfterValidator(_once_each("outcomes"))] = Field(
        min_length=1,
        max_length=3,
        json_schema_extra={"uniqueItems": True},
        description=(
            "The last outcomes whose contacts are called again: no_answer, busy, voicemail "
            "(at least one)."
        ),
        examples=[["no_answer", "busy"]],
    )
    state: State = Field(
        default="draft",
        description=(
            "The redial's state, as spec.state is the campaign's: draft (created, not "
            "dialing), running (started: it dials), paused."
        ),
        examples=["running"],
    )
    name: CampaignName | None = Field(
        default=None,
        description=(
            "The redial's name in Dograh, as metadata.name is written. Omitted: Dograh's "
            'default, "<the campaign\'s name> (Redial)".'
        ),
        examples=["spring-east-redial"],
    )
    retry_config: RetryConfig | None = Field(
        default=None,
        description=(
            "The redial's retries, sent whole. Omitted: the campaign's own, as Dograh copies it."
        ),
        examples=[{"max_retries": 1, "retry_delay_seconds": 600}],
    )


class Spec(Strict):
    workflow: WorkflowRef = Field(
        description="The workflow that talks to each contact: its name, or {id: N}.",
        examples=["Renewal reminder", {"id": 123}],
    )
    source: Source = Field(
        description="Where the contacts come from.",
        examples=[{"csv": "contacts/spring-east.csv"}],
    )
    telephony: TelephonyRef | None = Field(
        default=None,
        description=(
            "Telephony configuration that places the calls: its name, or {id: N}. "
            "Omitted: Dograh picks the organization's default, and plan does not manage it."
        ),
        examples=["Twilio US", {"id": 7}],
    )
    state: State = Field(
        default="draft",
        description=(
            "draft: created, not dialing. running: dialing (starts or resumes the "
            "campaign). paused: stops dialing. Only `running` ever places calls."
        ),
        examples=["running"],
    )
    max_concurrency: int | None = Field(
        default=None,
        ge=1,
        le=100,
        description=(
            "Most simultaneous calls for this campaign, 1 to 100, within the "
            "organization's limit. Omitted: not managed."
        ),
        examples=[20],
    )
    retry_config: RetryConfig | None = Field(
        default=None,
        description=(
            "Retries of unanswered calls, sent whole (omitted fields take Dograh's request "
            "defaults). Omitted: not managed; a new campaign gets the organization's default."
        ),
        examples=[{"max_retries": 2, "retry_delay_seconds": 300}],
    )
    schedule: Schedule | None = Field(
        default=None,
        description=(
            "Calling windows. Omitted: no window, and a live schedule is planned to be disabled."
        ),
        examples=[
            {
                "timezone": "America/New_York",
                "slots": [{"days": ["mon", "tue"], "start": "09:00", "end": "17:00"}],
            }
        ],
    )
    circuit_breaker: CircuitBreaker | None = Field(
        default=None,
        description=(
            "Automatic pause on failing calls, sent whole (omitted fields take Dograh's "
            "defaults). Omitted: not managed; Dograh runs its default breaker."
        ),
        examples=[{"failure_threshold": 0.4}],
    )
    redial: Redial | None = Field(
        default=None,
        description=(
            "Once the campaign is completed, call again the contacts whose last call ended "
            "in one of `on`, in a new campaign Dograh makes once. Omitted: no redial."
        ),
        examples=[{"on": ["no_answer", "busy"], "state": "running"}],
    )


class Versioned(Strict):
    """A document of the manifests' format: a Campaign, a Policy or Defaults."""

    api_version: Literal["dograh-campaigns/v1"] = Field(
        alias="apiVersion", description="Manifest format version.", examples=[API_VERSION]
    )


class Campaign(Versioned):
    """A Dograh outbound calling campaign, as kept in git."""

    model_config = ConfigDict(title="Dograh campaign manifest")

    kind: Literal["Campaign"] = Field(description="What this manifest describes.", examples=[KIND])
    metadata: Metadata = Field(
        description="The campaign's identity.", examples=[{"name": "spring-renewals-east"}]
    )
    spec: Spec = Field(
        description="What the campaign is and how it dials.",
        examples=[
            {
                "workflow": "Renewal reminder",
                "source": {"csv": "contacts/spring-east.csv"},
                "state": "running",
            }
        ],
    )
