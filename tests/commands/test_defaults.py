"""Shared defaults as a user meets them: a ``kind: Defaults`` document gives its settings
to every campaign at or below its directory; validate checks it like a manifest, the
plan names where each value comes from, the calling-hours check holds a campaign to the
schedule it ends up with, and import writes only what differs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from dograh_sandbox.testing import SandboxHandle
from tests.commands.conftest import Campaigns, git

TREE = Path("envs", "production")

TOP = """\
apiVersion: dograh-campaigns/v1
kind: Defaults
metadata:
  name: everywhere
spec:
  max_concurrency: 2
  retry_config:
    max_retries: 3
    retry_delay_seconds: 600
  circuit_breaker:
    failure_threshold: 0.3
"""

NEAR = """\
apiVersion: dograh-campaigns/v1
kind: Defaults
metadata:
  name: production
spec:
  max_concurrency: 5
  schedule:
    timezone: America/New_York
    slots:
      - days: [mon, tue, wed, thu, fri]
        start: "09:00"
        end: "17:00"
"""

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
{own}"""

SURVEY = "phone_number,first_name\n+442079460001,Ann\n+442079460002,Bo\n"
"""Numbers of Ofcom's drama range, which no calling-hours rule covers."""
HAWAII = "phone_number,first_name\n+12125550199,Ann\n+18082345678,Bo\n"


def _write(repo: Path, relative: Path | str, text: str) -> None:
    path = repo / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _campaign(
    repo: Path, name: str, own: str = "", state: str = "draft", csv: str = SURVEY
) -> None:
    _write(repo, TREE / "contacts" / f"{name}.csv", csv)
    _write(repo, TREE / f"{name}.yaml", CAMPAIGN.format(name=name, state=state, own=own))


def _commit(repo: Path) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "manifests")


def test_validate_checks_defaults_like_manifests(campaigns: Campaigns, repo: Path) -> None:
    _write(repo, TREE / "defaults.yaml", NEAR + "  state: running\n  max_concurency: 3\n")
    _write(repo, TREE / "more.yaml", TOP)
    _campaign(repo, "survey")
    result = campaigns("validate", "envs")
    assert result.code == 1
    assert result.out == (
        "envs/production/defaults.yaml:2:7: kind: a second Defaults document in this directory "
        "(also at envs/production/more.yaml:2:7); a directory may have one, which applies to "
        "every campaign at or below it: merge them\n"
        "envs/production/defaults.yaml:13:3: spec.state: state is never defaulted: only a "
        "manifest's own `state: running` starts a campaign; remove it here\n"
        "envs/production/defaults.yaml:14:3: spec.max_concurency: unknown key "
        "'max_concurency'; did you mean 'max_concurrency'?\n"
        "envs/production/more.yaml:2:7: kind: a second Defaults document in this directory "
        "(also at envs/production/defaults.yaml:2:7); a directory may have one, which applies "
        "to every campaign at or below it: merge them\n"
        "4 errors in 2 files\n"
    )
    # Named alone, the manifest is still held to the Defaults beside it.
    assert campaigns("validate", str(TREE / "survey.yaml")).code == 1


def test_the_plan_names_where_each_value_comes_from(campaigns: Campaigns, repo: Path) -> None:
    """The nearest Defaults wins over one higher up; the manifest's own field wins over
    both, and its object replaces theirs whole (max_retries 1, Dograh's request default
    delay: not the 600 seconds above)."""
    _write(repo, "envs/defaults.yaml", TOP)
    _write(repo, TREE / "defaults.yaml", NEAR)
    _campaign(repo, "survey", own="  retry_config:\n    max_retries: 1\n")
    result = campaigns("plan", str(TREE / "survey.yaml"))
    assert result.code == 0, result.out
    lines = [line.strip() for line in result.out.splitlines()]
    assert "+ max_concurrency = 5 (from envs/production/defaults.yaml:6)" in lines
    assert (
        "+ retry_config    = {enabled = true, max_retries = 1, retry_delay_seconds = 120, "
        "retry_on_busy = true, retry_on_no_answer = true, retry_on_voicemail = true}"
    ) in lines
    assert (
        "+ schedule        = mon-fri 09:00-17:00 (America/New_York) "
        "(from envs/production/defaults.yaml:7)"
    ) in lines
    assert (
        "+ circuit_breaker = {enabled = true, failure_threshold = 0.3, window_seconds = 120, "
        "min_calls_in_window = 5} (from envs/defaults.yaml:10)"
    ) in lines
    plan = json.loads(campaigns("plan", "envs", "--format", "json").out)
    (change,) = plan["changes"]
    assert change["sources"] == {
        "max_concurrency": "envs/production/defaults.yaml:6",
        "schedule": "envs/production/defaults.yaml:7",
        "circuit_breaker": "envs/defaults.yaml:10",
    }
    create = change["requests"]["create"]
    assert (create["max_concurrency"], create["retry_config"]["retry_delay_seconds"]) == (5, 120)
    markdown = campaigns("plan", "envs", "--format", "markdown").out
    assert "(from envs/production/defaults.yaml:6)" in markdown


def test_a_change_of_the_defaults_shows_at_their_line(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    _write(repo, TREE / "defaults.yaml", NEAR)
    _campaign(repo, "survey")
    _commit(repo)
    assert campaigns("apply", str(TREE), "--auto-approve").code == 0
    _write(
        repo,
        TREE / "defaults.yaml",
        NEAR.replace("max_concurrency: 5", "max_concurrency: 3").split("  schedule:")[0],
    )
    result = campaigns("plan", str(TREE))
    assert result.code == 0, result.out
    lines = [line.strip() for line in result.out.splitlines()]
    assert "~ max_concurrency = 5 -> 3 (from envs/production/defaults.yaml:6)" in lines
    assert (
        "~ schedule        = mon-fri 09:00-17:00 (America/New_York) -> (none: calls at any "
        "time) (not set in envs/production/defaults.yaml:5)"
    ) in lines
    changes = json.loads(campaigns("plan", str(TREE), "--format", "json").out)["changes"]
    assert [(c["path"], c["source"]) for c in changes[0]["changes"]] == [
        ("max_concurrency", "envs/production/defaults.yaml:6"),
        ("schedule", "envs/production/defaults.yaml:5"),
    ]


def test_calling_hours_hold_a_campaign_to_the_schedule_it_ends_up_with(
    campaigns: Campaigns, repo: Path
) -> None:
    _write(repo, TREE / "defaults.yaml", NEAR)
    _campaign(repo, "hawaii", state="running", csv=HAWAII)
    result = campaigns("validate", "envs")
    assert result.code == 1
    assert result.out.startswith(
        "envs/production/hawaii.yaml:6:3: spec.schedule: hawaii: mon-fri 09:00-17:00 "
        "America/New_York reaches 1 contact in Pacific/Honolulu at 03:00-11:00 in summer, "
        "04:00-12:00 in winter (US federal: 08:00-21:00, 47 CFR 64.1200(c)(1)); legal for all "
        "2 zones: mon-fri 14:00-20:45 (America/New_York) (spec.schedule from "
        "envs/production/defaults.yaml:7)\n"
    )
    # The manifest's own schedule wins.
    own = (
        "  schedule:\n    timezone: America/New_York\n    slots:\n"
        '      - days: [mon]\n        start: "14:00"\n        end: "20:45"\n'
    )
    _campaign(repo, "hawaii", own=own, state="running", csv=HAWAII)
    assert campaigns("validate", "envs").code == 0


def _create(sandbox: SandboxHandle, name: str, **fields: Any) -> int:
    key = sandbox.upload_csv(SURVEY.encode(), file_name="from-the-ui.csv")
    body = {"name": name, "workflow_id": 3, "source_type": "csv", "source_id": key, **fields}
    answer = sandbox.request("POST", "/api/v1/campaign/create", json=body)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["id"])


def test_import_writes_only_what_differs_from_the_defaults(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    _write(repo, "envs/defaults.yaml", TOP)
    _write(repo, TREE / "defaults.yaml", NEAR)
    _create(
        sandbox,
        "from-the-ui",
        max_concurrency=5,
        retry_config={
            "enabled": True,
            "max_retries": 3,
            "retry_delay_seconds": 600,
            "retry_on_busy": True,
            "retry_on_no_answer": True,
            "retry_on_voicemail": True,
        },
    )
    result = campaigns("import", "--dir", str(TREE), "from-the-ui")
    assert result.code == 0, result.err
    text = (repo / TREE / "from-the-ui.yaml").read_text()
    spec = yaml.safe_load(text)["spec"]
    # max_concurrency and retry_config are the Defaults': left out. The campaign has no
    # schedule and Dograh's own breaker: written, else the Defaults' would apply.
    assert spec["schedule"] is None
    assert "max_concurrency" not in spec
    assert "retry_config" not in spec
    assert spec["circuit_breaker"] == {"enabled": False}
    assert (
        "# Dograh has none: written, else the Defaults' (envs/production/defaults.yaml:7) "
        "would apply."
    ) in text
    assert campaigns("plan", str(TREE)).out.endswith(
        "No changes. Live campaigns match the manifests.\n"
    )


def test_a_saved_plan_is_refused_once_its_defaults_change(
    campaigns: Campaigns, repo: Path, sandbox: SandboxHandle
) -> None:
    _write(repo, TREE / "defaults.yaml", NEAR)
    _campaign(repo, "survey")
    _commit(repo)
    assert campaigns("plan", "--out", "plan.json", str(TREE)).code == 0
    # Even a comment: the reviewed files are the ones that must be applied.
    _write(repo, TREE / "defaults.yaml", NEAR + "# reviewed\n")
    _commit(repo)
    result = campaigns("apply", "plan.json")
    assert result.code == 1
    assert "What differs:\n  - the manifests or their CSVs changed since\n" in result.err
    assert sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"] == []


def test_other_yaml_files_above_the_manifests_are_none_of_ours(
    campaigns: Campaigns, repo: Path
) -> None:
    """A CI or docs configuration at the repository's root is not read as a Defaults."""
    _write(repo, "mkdocs.yml", "theme: !!python/name:material.Theme\n# Defaults: none\n")
    _write(repo, TREE / "defaults.yaml", NEAR)
    _campaign(repo, "survey")
    result = campaigns("validate", str(TREE / "survey.yaml"))
    assert (result.code, result.out) == (0, "1 campaign in 1 file is valid\n")
