"""The Defaults document: settings shared by every campaign at or below its directory.

A tree of manifests (an environment) usually repeats one schedule, one retry policy and
one breaker; a ``kind: Defaults`` document says them once. The rules are those of
Dograh's PATCH, so that a reader can tell a campaign's settings without running the
tool: a manifest's own field wins (even ``null``: the manifest said it); an object
replaces an object whole (a manifest's ``retry_config`` is never merged key by key with
the Defaults' one); the nearest Defaults (its directory or the closest one above) wins
over one higher up. ``state`` is never defaulted: only a reviewed manifest starts a
campaign.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

from pydantic import ConfigDict, Field

from reconciler.manifest.model import (
    NAME_PATTERN,
    Campaign,
    CircuitBreaker,
    RetryConfig,
    Schedule,
    Strict,
    TelephonyRef,
    Versioned,
)

DEFAULTS_KIND = "Defaults"
DEFAULTED = ("telephony", "max_concurrency", "retry_config", "schedule", "circuit_breaker")
"""The campaign settings a Defaults document may give, in the order plans show them."""


class DefaultsMetadata(Strict):
    name: str = Field(
        min_length=1,
        max_length=255,
        pattern=NAME_PATTERN,
        description="A name for these defaults, for messages.",
        examples=["production-defaults"],
    )


class DefaultsSpec(Strict):
    """Each field as a campaign's ``spec`` has it; left out (or null): not set here, and
    a Defaults higher up may set it."""

    telephony: TelephonyRef | None = Field(
        default=None,
        description="Telephony configuration for the campaigns below: its name, or {id: N}.",
        examples=["Twilio US", {"id": 7}],
    )
    max_concurrency: int | None = Field(
        default=None,
        ge=1,
        le=100,
        description="Most simultaneous calls per campaign below, 1 to 100.",
        examples=[5],
    )
    retry_config: RetryConfig | None = Field(
        default=None,
        description="Retries of unanswered calls; a manifest's own retry_config replaces it whole.",
        examples=[{"max_retries": 2, "retry_delay_seconds": 300}],
    )
    schedule: Schedule | None = Field(
        default=None,
        description=(
            "Calling windows; a manifest's own schedule replaces it whole. The calling-hours "
            "check holds each running campaign below to the schedule it ends up with."
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
        description="Automatic pause on failing calls; a manifest's own replaces it whole.",
        examples=[{"failure_threshold": 0.4}],
    )


class Defaults(Versioned):
    """Settings shared by every campaign at or below this document's directory."""

    model_config = ConfigDict(title="Dograh campaigns defaults")

    kind: Literal["Defaults"] = Field(
        description="What this document describes.", examples=["Defaults"]
    )
    metadata: DefaultsMetadata = Field(
        description="The defaults' name.", examples=[{"name": "production-defaults"}]
    )
    spec: DefaultsSpec = Field(
        default_factory=DefaultsSpec,
        description=(
            "Any of telephony, max_concurrency, retry_config, schedule, circuit_breaker "
            "(never state)."
        ),
        examples=[{"max_concurrency": 5, "retry_config": {"max_retries": 2}}],
    )


class Setter(Protocol):
    """What ``effective`` needs of a Defaults document: its settings, and where each is
    written (``file:line``)."""

    @property
    def spec(self) -> DefaultsSpec: ...

    def line_of(self, path: str) -> str: ...


def inherited(chain: Sequence[Setter]) -> dict[str, tuple[Any, str]]:
    """What the Defaults of ``chain`` (nearest first) give a campaign that sets nothing:
    per setting, the nearest value and where it is written (``file:line``)."""
    found: dict[str, tuple[Any, str]] = {}
    for setting in DEFAULTED:
        for defaults in chain:
            value = getattr(defaults.spec, setting)
            if value is not None:
                found[setting] = (value, defaults.line_of(f"spec.{setting}"))
                break
    return found


def effective(
    campaign: Campaign, chain: Sequence[Setter]
) -> tuple[Campaign, Mapping[str, str], str | None]:
    """The campaign with its Defaults applied, nearest first in ``chain``; where each
    setting it took comes from (``file:line``); and the nearest Defaults' own line, which
    decides a setting that neither it nor the manifest sets."""
    if not chain:
        return campaign, {}, None
    own = campaign.spec.model_fields_set
    given = {s: found for s, found in inherited(chain).items() if s not in own}
    sources = {setting: where for setting, (_, where) in given.items()}
    if given:
        update = {setting: value for setting, (value, _) in given.items()}
        campaign = campaign.model_copy(update={"spec": campaign.spec.model_copy(update=update)})
    return campaign, sources, chain[0].line_of("spec")
