"""A plan that passes applies. Every refusal the sandbox (Dograh's behaviour,
docs/dograh-api.md §2.3, §2.6, §2.7) can make on create, update, start and resume is
reported by `plan` first, at the manifest's file:line, and apply then sends no write;
the few that cannot be known in advance are listed below, each with why, and apply
reports them as Dograh's refusal of that campaign alone.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dograh_sandbox.seed import DEFAULT_SEED_DATA
from dograh_sandbox.testing import SandboxHandle
from tests.commands.conftest import Campaigns

Seed = dict[str, Any]


def _seed(change: Callable[[dict[str, Any]], None]) -> Seed:
    seed = copy.deepcopy(DEFAULT_SEED_DATA)
    change(seed["organizations"][0])
    return seed


def _edit(repo: Path, name: str, old: str, new: str) -> None:
    path = repo / "campaigns.d" / f"{name}.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _no_phones(org: dict[str, Any]) -> None:
    """An ARI configuration is ready with no numbers (§8.2): Dograh accepts the campaign
    and fails it when it dials (phone_number_pool_exhausted)."""
    org["telephony_configurations"][0].update(provider="ari", phone_numbers=0)


def _not_ready(org: dict[str, Any]) -> None:
    org["telephony_configurations"][0].update(ready=False, blocked_reason="Add a caller ID.")


def _inactive(org: dict[str, Any]) -> None:
    org["telephony_configurations"][0].update(inactive=True, inactive_reason="card declined")


def _none(org: dict[str, Any]) -> None:
    org["telephony_configurations"] = []


def _limit(org: dict[str, Any]) -> None:
    org["concurrency_limit"] = 4


def _unpublished(org: dict[str, Any]) -> None:
    org["workflows"][1] = {"name": "Appointment confirmation", "published": False}


def _variables(org: dict[str, Any]) -> None:
    org["workflows"][0]["template_variables"] = ["first_name", "renewal_date", "plan_tier"]


CREATE_REFUSALS = [
    ("template variable missing", _variables, "has no column for: 'plan_tier'"),
    ("no published version", _unpublished, "has no published version"),
    ("configuration not ready", _not_ready, "is not ready for outbound calls. Add a caller ID."),
    ("configuration inactive", _inactive, "is inactive: card declined"),
    ("no configuration at all", _none, "no active telephony configuration"),
    ("concurrency over the limit", _limit, "cannot exceed the organization's limit (4)"),
    ("no phone numbers", _no_phones, "has no phone numbers"),
]


@pytest.mark.parametrize(
    ("change", "expected"),
    [(change, expected) for _, change, expected in CREATE_REFUSALS],
    ids=[name for name, _, _ in CREATE_REFUSALS],
)
def test_plan_reports_what_create_would_refuse(
    campaigns: Campaigns,
    sandbox: SandboxHandle,
    change: Callable[[dict[str, Any]], None],
    expected: str,
) -> None:
    sandbox.admin.reset(_seed(change))
    result = campaigns("plan")
    assert result.code == 1
    assert expected in result.out
    assert "campaigns.d/" in result.out.split(expected)[0].splitlines()[-1]  # at file:line
    sandbox.admin.clear_requests()
    assert campaigns("apply", "--auto-approve").code == 1
    assert {r.method for r in sandbox.admin.requests()} == {"GET"}


def test_plan_reports_what_an_update_would_refuse(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    assert campaigns("apply", "--auto-approve").code == 0
    _edit(repo, "spring-renewals-east", "max_concurrency: 5", "max_concurrency: 15")
    result = campaigns("plan")
    assert result.code == 1
    assert (
        "campaigns.d/spring-renewals-east.yaml:13:20: error: spec.max_concurrency: "
        "max_concurrency (15) cannot exceed 10: the telephony configuration has 10 phone "
        "number(s)" in result.out
    )


def test_plan_reports_what_a_start_would_refuse(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    """A draft on a configuration without numbers is created; asked to run, the plan
    refuses the start Dograh would fail at its first call."""
    sandbox.admin.reset(
        _seed(
            lambda org: org["telephony_configurations"][1].update(provider="ari", phone_numbers=0)
        )
    )
    _edit(repo, "winback-survey", "state: draft", "state: draft\n  telephony: Vonage EU")
    assert campaigns("apply", "--auto-approve", "--target", "winback-survey").code == 0
    _edit(repo, "winback-survey", "state: draft", "state: running")
    _edit(
        repo,
        "winback-survey",
        "  telephony: Vonage EU",
        "  telephony: Vonage EU\n  schedule:\n    timezone: America/Chicago\n    slots:\n"
        '      - days: [mon]\n        start: "10:00"\n        end: "16:00"',
    )
    sandbox.admin.clear_requests()
    result = campaigns("apply", "--auto-approve", "--target", "winback-survey")
    assert result.code == 1
    assert "spec.telephony: the telephony configuration 'Vonage EU' has no phone numbers" in (
        result.out
    )
    assert not [r for r in sandbox.admin.requests() if r.method != "GET"]


KNOWN_ONLY_AT_APPLY = {
    "402 quota (start, resume)": "the organization's quota is not in Dograh's API: only the "
    "refusal tells it; apply reports it for that campaign, the others go on",
    "400 wrong state (start, pause, resume)": "the campaign changed state between the plan "
    "and the call (another apply, the circuit breaker, an operator): apply reads it again "
    "and succeeds when it is already where the manifest wants it",
    "400 a completed or failed campaign (update)": "it completed between the plan and the "
    "call; plan never asks to change a completed or failed campaign",
    "400 a missing upload (create)": "the storage lost the file between the upload and the "
    "create: an outage, not a manifest's problem",
}
"""Refusals no plan can foresee, and why; the quota's is checked below, the state races in
tests/apply/test_executor.py, the completed campaign in tests/plan/test_diff.py."""


def test_a_quota_refusal_is_reported_for_its_campaign_alone(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    sandbox.admin.reset(_seed(lambda org: org.update(quota_error="Monthly call quota reached")))
    result = campaigns("apply", "--auto-approve")
    assert result.code == 1
    assert "Dograh refused for quota reasons: Monthly call quota reached" in result.out
    assert "3 created" in result.out


def test_a_bad_telephony_name_does_not_hide_a_concurrency_over_the_limit(
    campaigns: Campaigns, repo: Path
) -> None:
    _edit(repo, "spring-renewals-east", "telephony: Twilio US", "telephony: Twilio UK")
    _edit(repo, "spring-renewals-east", "max_concurrency: 5", "max_concurrency: 50")
    result = campaigns("plan")
    assert result.code == 1
    assert (
        "campaigns.d/spring-renewals-east.yaml:11:14: error: spec.telephony: no telephony "
        "configuration named 'Twilio UK' in this organization"
    ) in result.out
    assert (
        "campaigns.d/spring-renewals-east.yaml:13:20: error: spec.max_concurrency: "
        "max_concurrency (50) cannot exceed the organization's limit (20)\n"
    ) in result.out


def test_every_problem_of_a_live_campaign_is_said_at_once(campaigns: Campaigns, repo: Path) -> None:
    """Other contacts, another workflow, an unknown telephony name and a concurrency over
    the limit, all on one campaign: one plan names the four."""
    assert campaigns("apply", "--auto-approve").code == 0
    csv = repo / "campaigns.d/contacts/spring-renewals-east.csv"
    csv.write_text(csv.read_text() + "+12125550199,Zed,2027-05-01\n")
    _edit(repo, "spring-renewals-east", "workflow: Renewal reminder", "workflow: Customer survey")
    _edit(repo, "spring-renewals-east", "max_concurrency: 5", "max_concurrency: 50")
    result = campaigns("plan")
    assert result.code == 1
    east = [line for line in result.out.splitlines() if "spring-renewals-east.yaml" in line]
    assert any("spec.source.csv" in line or "other contacts" in line for line in east), east
    assert any("the workflow cannot change after creation" in line for line in east), east
    assert any("max_concurrency (50) cannot exceed" in line for line in east), east

    _edit(repo, "spring-renewals-east", "telephony: Twilio US", "telephony: Twilio UK")
    result = campaigns("plan")
    east = [line for line in result.out.splitlines() if "spring-renewals-east.yaml" in line]
    assert any("no telephony configuration named 'Twilio UK'" in line for line in east), east
    assert any("the workflow cannot change after creation" in line for line in east), east
    assert any("max_concurrency (50) cannot exceed" in line for line in east), east
    assert any("spec.source.csv" in line or "other contacts" in line for line in east), east
