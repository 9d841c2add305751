"""The seed: the organizations, keys, workflows and telephony configurations a sandbox
starts with, plus its simulation settings, clock and fault rules.

A seed is YAML (``campaigns sandbox --seed FILE``) or the JSON body of the admin reset.
Unknown keys are errors, so a typo in a seed does not silently seed something else.
Without a seed the sandbox uses ``DEFAULT_SEED``: one organization with the workflows and
telephony configurations that the demo manifests in ``campaigns.d/`` name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from dograh_sandbox.faults import FaultRule
from dograh_sandbox.workflows import generated_definition


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApiKeySeed(_Strict):
    key: str | None = Field(
        default=None,
        description="The key itself (dgr_...). Omitted: derived from the sandbox's secret, "
        "so it stays the same across resets and restarts of one database.",
    )
    name: str = "default"
    archived: bool = Field(default=False, description="Archived keys answer 401.")
    owner: Literal["present", "none", "missing"] = Field(
        default="present",
        description="none: 401 'API key has no associated user'; missing: 401 'API key "
        "owner not found'.",
    )


class WorkflowSeed(_Strict):
    """A workflow and its versions, as Dograh keeps them: at most one published version
    (what create checks and calls run) and at most one draft (what the editor and
    ``GET /workflow/fetch/{id}`` show)."""

    name: str
    status: Literal["active", "archived"] = "active"
    template_variables: list[str] | None = Field(
        default=None,
        description="The {{variables}} of a generated published definition: create checks "
        "that the CSV has these columns, non-empty in every row. Default: none.",
    )
    definition: dict[str, Any] | None = Field(
        default=None,
        description="The published definition itself (Dograh's workflow_json), instead of "
        "template_variables.",
    )
    published: bool = Field(
        default=True,
        description="False: no published version (Dograh answers 500 where it reads one).",
    )
    draft_template_variables: list[str] | None = Field(
        default=None, description="A draft: a generated definition with these variables."
    )
    draft_definition: dict[str, Any] | None = Field(
        default=None, description="A draft: this definition."
    )
    total_runs: int = 0

    @model_validator(mode="after")
    def _one_source_each(self) -> WorkflowSeed:
        if self.template_variables is not None and self.definition is not None:
            raise ValueError("give template_variables or definition, not both")
        if self.draft_template_variables is not None and self.draft_definition is not None:
            raise ValueError("give draft_template_variables or draft_definition, not both")
        if not self.published and (
            self.template_variables is not None or self.definition is not None
        ):
            raise ValueError("published: false takes no template_variables or definition")
        return self

    def published_definition(self) -> dict[str, Any] | None:
        if not self.published:
            return None
        if self.definition is not None:
            return self.definition
        return generated_definition(self.template_variables or [])

    def draft(self) -> dict[str, Any] | None:
        if self.draft_definition is not None:
            return self.draft_definition
        if self.draft_template_variables is not None:
            return generated_definition(self.draft_template_variables)
        return None


class TelephonySeed(_Strict):
    name: str = Field(max_length=64)
    provider: str = Field(
        default="twilio",
        description="Dograh's provider name: twilio, vonage, plivo, telnyx, vobiz (carriers: "
        "not ready without a phone number), cloudonix (likewise), ari (ready with none).",
    )
    connectivity: Literal["api", "sip"] | None = Field(
        default=None, description="Omitted: the provider's, as Dograh derives it."
    )
    is_default_outbound: bool = False
    phone_numbers: int | list[str] = Field(
        default=1, description="A count (numbers are generated) or the numbers themselves."
    )
    ready: bool = Field(
        default=True,
        description="False: a setup step other than the phone numbers is missing (Dograh's "
        "checklist); readiness also needs a number for providers that require a caller ID.",
    )
    blocked_reason: str | None = Field(
        default=None, description="Why it is not ready for outbound calls (when ready is false)."
    )
    inactive: bool = False
    inactive_reason: str | None = None

    def numbers(self, index: int) -> list[str]:
        if isinstance(self.phone_numbers, list):
            return list(self.phone_numbers)
        return [f"+1555{index:03d}{n:04d}" for n in range(self.phone_numbers)]


class OrganizationSeed(_Strict):
    name: str
    concurrency_limit: int | None = Field(
        default=None,
        ge=1,
        description="The org's CONCURRENT_CALL_LIMIT; omitted, Dograh's default of 10 applies.",
    )
    quota_error: str | None = Field(
        default=None, description="When set, start and resume answer 402 with this detail."
    )
    api_keys: list[ApiKeySeed] = Field(default_factory=lambda: [ApiKeySeed()])
    workflows: list[WorkflowSeed] = Field(default_factory=list)
    telephony_configurations: list[TelephonySeed] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_configuration_names(self) -> OrganizationSeed:
        names = [config.name for config in self.telephony_configurations]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(
                f"telephony configuration names must be unique in an organization: {repeated}"
            )
        return self


class SimulationSettings(_Strict):
    """How the simulated calls behave. Every field can be changed at run time too."""

    calls_per_second: float = Field(
        default=1.0, gt=0, description="Dialing pace of one running campaign."
    )
    call_duration_seconds: float = Field(default=5.0, ge=0, description="Length of every call.")
    failure_rate: float = Field(
        default=0.0, ge=0, le=1, description="Share of calls that fail (breaker failures)."
    )
    busy_rate: float = Field(default=0.0, ge=0, le=1)
    no_answer_rate: float = Field(default=0.0, ge=0, le=1)
    voicemail_rate: float = Field(default=0.0, ge=0, le=1)
    idle_seconds: float = Field(
        default=5.0,
        ge=0,
        description="Quiet time before a campaign with no work left completes (Dograh: 3600).",
    )
    random_seed: int = Field(default=0, description="Seeds every call outcome.")
    pause_lost_during_sync: bool = Field(
        default=True,
        description="Dograh's sync sets 'running' without re-reading the state, so a pause "
        "sent while syncing is lost (docs/dograh-api.md §3.2).",
    )
    tick_seconds: float = Field(
        default=0.2, gt=0, description="Realtime clock: how often the simulation steps."
    )


class ClockSeed(_Strict):
    mode: Literal["realtime", "manual"] | None = None
    start: str | None = Field(default=None, description="ISO-8601 instant the clock starts at.")


class FaultsSeed(_Strict):
    seed: int = 0
    rules: list[FaultRule] = Field(default_factory=list)


class StorageSettings(_Strict):
    check_content_type: bool = Field(
        default=True,
        description="S3 signs the Content-Type of a presigned PUT: the upload must send the "
        "content_type asked for. False behaves like MinIO (unsigned).",
    )


class Seed(_Strict):
    organizations: list[OrganizationSeed] = Field(min_length=1)
    simulation: SimulationSettings = Field(default_factory=SimulationSettings)
    clock: ClockSeed = Field(default_factory=ClockSeed)
    faults: FaultsSeed = Field(default_factory=FaultsSeed)
    storage: StorageSettings = Field(default_factory=StorageSettings)


DEFAULT_SEED_DATA: dict[str, Any] = {
    "organizations": [
        {
            "name": "Sandbox organization",
            "concurrency_limit": 20,
            "api_keys": [{"name": "default"}],
            "workflows": [
                {"name": "Renewal reminder", "template_variables": ["first_name", "renewal_date"]},
                {
                    "name": "Appointment confirmation",
                    "template_variables": ["first_name", "appointment_time"],
                },
                {"name": "Customer survey", "template_variables": ["first_name"]},
            ],
            "telephony_configurations": [
                {
                    "name": "Twilio US",
                    "provider": "twilio",
                    "is_default_outbound": True,
                    "phone_numbers": 10,
                },
                {"name": "Vonage EU", "provider": "vonage", "phone_numbers": 5},
            ],
        }
    ]
}


def default_seed() -> Seed:
    return Seed.model_validate(DEFAULT_SEED_DATA)


def load_seed(path: str | Path) -> Seed:
    """Read a YAML seed file; pydantic's errors name the offending key."""
    with Path(path).open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return Seed.model_validate(data if data is not None else {})
