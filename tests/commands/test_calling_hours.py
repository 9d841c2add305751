"""Calling hours as a user meets them: `campaigns validate` (offline) and `plan` refuse a
running
campaign that would ring people outside their legal hours, with the figures and never a
number; and a Policy's limits block an apply that starts too much."""

from __future__ import annotations

from pathlib import Path

import pytest

from dograh_sandbox.testing import SandboxHandle
from tests.commands.conftest import Campaigns

CAMPAIGN = """\
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: {name}
spec:
  workflow: Customer survey
  source:
    csv: contacts/{name}.csv
  state: {state}
{schedule}"""


def _schedule(zone: str, days: str, start: str, end: str) -> str:
    return (
        f"  schedule:\n    timezone: {zone}\n    slots:\n"
        f'      - days: [{days}]\n        start: "{start}"\n        end: "{end}"\n'
    )


def _campaign(
    repo: Path, name: str, numbers: list[str], schedule: str, state: str = "running"
) -> None:
    rows = "".join(f"{number},Person {n}\n" for n, number in enumerate(numbers))
    (repo / "campaigns.d" / "contacts" / f"{name}.csv").write_text(
        "phone_number,first_name\n" + rows
    )
    (repo / "campaigns.d" / f"{name}.yaml").write_text(
        CAMPAIGN.format(name=name, state=state, schedule=schedule)
    )


HONOLULU = ["+18082345678", "+18089456123", "+18085912345"]
MIAMI = ["+13052345678", "+13054567890"]
TORONTO = ["+14162345678", "+14165678901"]


@pytest.mark.parametrize(
    ("numbers", "schedule", "expected"),
    [
        (
            HONOLULU,
            _schedule("America/New_York", "mon, tue, wed, thu, fri", "09:00", "17:00"),
            "ny-for-hawaii: mon-fri 09:00-17:00 America/New_York reaches 3 contacts in "
            "Pacific/Honolulu at 03:00-11:00 in summer, 04:00-12:00 in winter (US federal: "
            "08:00-21:00, 47 CFR 64.1200(c)(1))",
        ),
        (
            MIAMI,
            _schedule("America/New_York", "mon, tue, wed, thu, fri", "18:00", "20:30"),
            "(Florida: 08:00-20:00, Fla. Stat. § 501.616(6)(a))",
        ),
        (
            TORONTO,
            _schedule("America/Toronto", "sat", "09:00", "12:00"),
            "Canada (CRTC)",
        ),
        (HONOLULU + MIAMI, "", "no schedule"),
    ],
    ids=["new-york-for-hawaii", "florida-until-20-30", "toronto-saturday", "no-schedule"],
)
def test_validate_refuses_calls_outside_legal_hours(
    campaigns: Campaigns, repo: Path, numbers: list[str], schedule: str, expected: str
) -> None:
    name = "ny-for-hawaii" if numbers is HONOLULU else "out-of-hours"
    _campaign(repo, name, numbers, schedule)
    result = campaigns("validate")
    assert result.code == 1
    assert expected in result.out
    assert f"campaigns.d/{name}.yaml:" in result.out
    assert not [number for number in numbers if number in result.out]
    # A draft does not dial: it is not checked.
    _campaign(repo, name, numbers, schedule, state="draft")
    assert campaigns("validate").code == 0


def test_an_error_says_what_would_be_legal(campaigns: Campaigns, repo: Path) -> None:
    _campaign(
        repo,
        "ny-for-hawaii",
        ["+12125550199", *HONOLULU],
        _schedule("America/New_York", "mon, tue, wed, thu, fri", "09:00", "17:00"),
    )
    _campaign(
        repo,
        "dakota-weekend",
        ["+16052241000"],
        _schedule("America/Chicago", "fri, sat", "10:00", "12:00"),
    )
    result = campaigns("validate")
    assert result.code == 1
    assert (
        "campaigns.d/ny-for-hawaii.yaml:11:5: spec.schedule: ny-for-hawaii: mon-fri "
        "09:00-17:00 America/New_York reaches 3 contacts in Pacific/Honolulu at 03:00-11:00 "
        "in summer, 04:00-12:00 in winter (US federal: 08:00-21:00, 47 CFR 64.1200(c)(1)); "
        "legal for all 2 zones: mon-fri 14:00-20:45 (America/New_York)\n"
    ) in result.out
    assert (
        "; legal for its one zone, America/Chicago: fri 09:00-20:45 (America/Chicago); no "
        "legal window on sat\n"
    ) in result.out


def test_compliant_campaigns_pass(campaigns: Campaigns, repo: Path) -> None:
    _campaign(
        repo,
        "hawaii-midday",
        HONOLULU,
        _schedule("Pacific/Honolulu", "mon, tue, wed, thu, fri", "10:00", "16:00"),
    )
    _campaign(
        repo,
        "toronto-weekdays",
        TORONTO,
        _schedule("America/Toronto", "mon, tue", "10:00", "18:00"),
    )
    result = campaigns("validate")
    assert result.code == 0, result.out
    assert result.out.endswith("5 campaigns in 5 files are valid\n")


POLICY = """\
apiVersion: dograh-campaigns/v1
kind: Policy
metadata:
  name: org-policy
spec:
  owner: acme-outbound
  calling_hours:
    margin_minutes: {margin}
  limits:
    max_starts_per_apply: 2
"""


def test_a_plan_past_the_policys_start_limit_is_blocked(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    (repo / "campaigns.d" / "policy.yaml").write_text(POLICY.format(margin=15))
    _campaign(
        repo,
        "third",
        ["+13125550123", "+13124567890"],
        _schedule("America/Chicago", "mon, tue, wed, thu, fri", "10:00", "16:00"),
    )
    result = campaigns("apply", "--auto-approve")
    assert result.code == 1
    assert (
        "campaigns.d/policy.yaml:6:3: error: spec: this plan starts or resumes 3 campaigns "
        "(appointments-west, spring-renewals-east, third); the Policy allows 2 per apply"
        in result.out
    )
    assert not [r for r in sandbox.admin.requests(method="POST") if r.path.endswith("/start")]
    assert sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"] == []
    # The way past it: --target (fewer at a time), or a reviewed change of the Policy.
    result = campaigns("apply", "--auto-approve", "--target", "third", "--target", "winback-survey")
    assert result.code == 0, result.out
    starts = [r for r in sandbox.admin.requests(method="POST") if r.path.endswith("/start")]
    assert len(starts) == 1


def test_the_policys_owner_token_marks_the_uploads(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    (repo / "campaigns.d" / "policy.yaml").write_text(POLICY.format(margin=15))
    assert campaigns("apply", "--auto-approve").code == 0
    sources = [
        c["source_id"] for c in sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
    ]
    assert all(".dc-acme-outbound." in source for source in sources)


def test_the_policys_margin_moves_the_legal_end(campaigns: Campaigns, repo: Path) -> None:
    """New York numbers until 20:50: inside US federal hours with no margin, not with
    the default 15 minutes."""
    _campaign(
        repo,
        "late",
        ["+12125550123", "+12124567890"],
        _schedule("America/New_York", "mon, tue, wed, thu, fri", "19:00", "20:50"),
    )
    (repo / "campaigns.d" / "policy.yaml").write_text(POLICY.format(margin=0))
    assert campaigns("validate").code == 0
    (repo / "campaigns.d" / "policy.yaml").write_text(POLICY.format(margin=15))
    result = campaigns("validate")
    assert result.code == 1
    assert "late: mon-fri 19:00-20:50 America/New_York" in result.out


PROVIDENCE = ["+14012345678", "+14014567890", "+14017891234"]


def test_a_holiday_warning_is_said_once_for_every_campaign_that_reaches_it(
    campaigns: Campaigns, repo: Path
) -> None:
    """Rhode Island also forbids holidays, which no weekly schedule can skip. A national
    list reaches it from every campaign: one warning names them, not one per campaign;
    one campaign alone gets its own, with its slots; validate and plan say the same."""
    weekdays = _schedule("America/New_York", "mon, tue, wed, thu, fri", "10:00", "12:00")
    _campaign(repo, "ri-one", PROVIDENCE[:1], weekdays)
    result = campaigns("validate")
    assert result.code == 0, result.out
    (alone,) = [line for line in result.out.splitlines() if "holidays" in line]
    assert alone.startswith("campaigns.d/ri-one.yaml:11:5: warning: spec.schedule: ri-one: ")
    assert "mon-fri 10:00-12:00 America/New_York reaches 1 contact in America/New_York" in alone
    for name, numbers in (("ri-two", PROVIDENCE[1:2]), ("ri-three", PROVIDENCE[2:])):
        _campaign(repo, name, numbers, weekdays)
    for command in ("validate", "plan"):
        result = campaigns(command)
        assert result.code == 0, result.out
        (once,) = [line for line in result.out.splitlines() if "holidays" in line]
        assert once == (
            "campaigns.d/ri-one.yaml:11:5: warning: spec.schedule: 3 running campaigns "
            "(ri-one, ri-three, ri-two) reach 3 contacts where Rhode Island also forbids "
            "calls on state or federal holidays, which Dograh's weekly schedule cannot "
            "skip: pause them on those days (Rhode Island: mon-fri 09:00-18:00, sat "
            "10:00-17:00, sun none, R.I. Gen. Laws §§ 5-61-3.6, 5-61-2)"
        )
