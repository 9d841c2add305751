"""The Policy document: the rules a repository's campaigns are held to.

One ``kind: Policy`` document per environment (a directory tree: environment.py): the
Dograh organization it belongs to, the owner token that marks the campaigns this
repository created, the calling-hours rules and their margin, and the limits on what
one apply may start. Changing it is a reviewed
change like any other; no command-line flag loosens it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from reconciler.manifest.model import NAME_PATTERN, Strict, Versioned

POLICY_KIND = "Policy"
OWNER_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?(?!\n)$"
RuleSet = Literal["us-federal", "us-states", "ca-crtc"]
DEFAULT_RULES: tuple[RuleSet, ...] = ("us-federal", "us-states", "ca-crtc")


class PolicyMetadata(Strict):
    name: str = Field(
        min_length=1,
        max_length=255,
        pattern=NAME_PATTERN,
        description="A name for the policy, for messages.",
        examples=["org-policy"],
    )


class CallingHours(Strict):
    rules: list[RuleSet] = Field(
        default_factory=lambda: list(DEFAULT_RULES),
        min_length=1,
        json_schema_extra={"uniqueItems": True},
        description=(
            "The rule sets campaigns are checked against: us-federal (47 CFR "
            "64.1200(c)(1)), us-states (the stricter states' statutes), ca-crtc (Canada)."
        ),
        examples=[["us-federal", "us-states", "ca-crtc"]],
    )
    margin_minutes: int = Field(
        default=15,
        ge=0,
        le=240,
        description=(
            "End calling this long before the legal end: Dograh checks the schedule only "
            "when it queues a batch, so calls start a little after a window closes."
        ),
        examples=[15],
    )


class Limits(Strict):
    max_starts_per_apply: int | None = Field(
        default=None,
        ge=0,
        description=(
            "Most campaigns one apply may start, resume, or redial and start; a plan past "
            "it is blocked. None: no limit."
        ),
        examples=[5],
    )
    max_new_contacts_per_apply: int | None = Field(
        default=None,
        ge=0,
        description=(
            "Most contacts one apply may put into new campaigns (creates and redials); a "
            "plan past it is blocked. None: no limit."
        ),
        examples=[20000],
    )
    max_shared_contacts: int = Field(
        default=0,
        ge=0,
        description=(
            "Most people (one E.164 number) that may be in the contacts of more than one "
            "campaign that dials after a plan, in all: each such campaign calls them. Past "
            "it, the plan is blocked. Default 0: nobody is called by two campaigns."
        ),
        examples=[0],
    )


class PolicySpec(Strict):
    organization: int | None = Field(
        default=None,
        ge=1,
        description=(
            "The Dograh organization these manifests belong to: its id, as GET "
            "/api/v1/organizations/context answers organization_id. plan, apply, status and "
            "import refuse an API key of another organization before they send anything "
            "else. None: any key's organization, which the plan names."
        ),
        examples=[42],
    )
    owner: str | None = Field(
        default=None,
        pattern=OWNER_PATTERN,
        max_length=32,
        description=(
            "The owner token that marks the campaigns this repository creates (lowercase "
            "letters, digits and dashes). Default: derived from the git remote 'origin', "
            "else the repository directory's name. Changing it disowns every campaign "
            "created so far."
        ),
        examples=["acme-outbound"],
    )
    calling_hours: CallingHours = Field(
        default_factory=CallingHours,
        description="Calling-hours rules for running campaigns, in each contact's local time.",
        examples=[{"rules": ["us-federal", "us-states"], "margin_minutes": 15}],
    )
    limits: Limits = Field(
        default_factory=Limits,
        description=(
            "The blast radius of one apply (none by default), and how many people two "
            "dialing campaigns may share (none by default)."
        ),
        examples=[{"max_starts_per_apply": 5, "max_new_contacts_per_apply": 20000}],
    )


class Policy(Versioned):
    """The rules a repository's campaigns are held to."""

    model_config = ConfigDict(title="Dograh campaigns policy")

    kind: Literal["Policy"] = Field(
        description="What this document describes.", examples=["Policy"]
    )
    metadata: PolicyMetadata = Field(
        description="The policy's name.", examples=[{"name": "org-policy"}]
    )
    spec: PolicySpec = Field(
        default_factory=PolicySpec,
        description="Organization, owner, calling hours and limits.",
        examples=[
            {"organization": 42, "owner": "acme-outbound", "limits": {"max_starts_per_apply": 5}}
        ],
    )
