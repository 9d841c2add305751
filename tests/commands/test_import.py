"""`campaigns import` against the sandbox: what it writes for each setting and state, that
plan then says "No changes", names, and every refusal.

The round trip against a real Dograh (the ``dograh`` fixture with DOGRAH_TEST_API_URL
and DOGRAH_TEST_API_KEY set) is the last test; it creates campaigns but never starts one.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from dograh_sandbox.seed import DEFAULT_SEED_DATA
from dograh_sandbox.testing import DograhTarget, SandboxHandle
from reconciler.cli import run
from reconciler.importing import SCHEMA_HINT, Draft, draft_manifest, file_stems, scalar, slug
from reconciler.live import LiveCampaign, LiveState, RetryConfig
from reconciler.manifest.model import Campaign
from tests.commands.conftest import KEY_ORGANIZATION, NO_CHANGES, ROOT, Campaigns, Result

RENEWAL, SURVEY = 1, 3
TWILIO, VONAGE = 1, 2
PERSONAL_DATA = "The contacts CSVs hold personal data (phone numbers): keep them in a private"


def survey_csv(first: int, rows: int = 2, *, crlf: bool = False, final: bool = True) -> bytes:
    """Survey contacts in one of several byte layouts: numbers of Ofcom's drama range
    (+44 20 7946 0xxx), which no calling-hours rule covers, so that the round trips test
    import alone (a test of its own covers calling hours)."""
    end = "\r\n" if crlf else "\n"
    lines = ["phone_number,first_name"]
    lines += [f'+44207946{(first + n) % 1000:04d},"Name {first + n}"' for n in range(rows)]
    return (end.join(lines) + (end if final else "")).encode()


def _create(sandbox: SandboxHandle, name: str, csv: bytes, **fields: Any) -> int:
    key = sandbox.upload_csv(csv, file_name="from-the-ui.csv")
    body = {"name": name, "workflow_id": SURVEY, "source_type": "csv", "source_id": key, **fields}
    answer = sandbox.request("POST", "/api/v1/campaign/create", json=body)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["id"])


def _written(directory: Path) -> dict[int, tuple[dict[str, Any], bytes, str]]:
    """Campaign id -> (manifest, the CSV's bytes, the manifest's text), as imported
    (0 for a manifest without an id)."""
    found = {}
    for path in sorted(directory.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        manifest = yaml.safe_load(text)
        csv = (path.parent / manifest["spec"]["source"]["csv"]).read_bytes()
        found[manifest["metadata"].get("id", 0)] = (manifest, csv, text)
    return found


def _no_phone_numbers(result: Result, csvs: list[bytes]) -> None:
    for csv in csvs:
        for line in csv.decode().splitlines()[1:]:
            assert line.split(",")[0] not in result.out + result.err


def _round_trip(campaigns: Campaigns, directory: str, *, warnings: str = "") -> None:
    """What was imported validates, and plans as "No changes" (after ``warnings``)."""
    assert campaigns("validate", directory).code == 0
    result = campaigns("plan", directory, "--detailed-exitcode")
    expected = KEY_ORGANIZATION + warnings + "No changes. Live campaigns match the manifests.\n"
    assert (result.code, result.out) == (0, expected), result.out + result.err


WEEKDAYS = [
    {"day_of_week": day, "start_time": "09:00", "end_time": "17:00"} for day in (4, 0, 2, 3, 1, 0)
]
SCHEDULE = {
    "timezone": "America/New_York",
    "slots": [
        *WEEKDAYS,
        {"day_of_week": 1, "start_time": "12:00", "end_time": "18:00"},
        {"day_of_week": 5, "start_time": "20:00", "end_time": "24:00"},
    ],
}
SETTINGS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # name: (what the campaign was created with, the spec import writes but for source)
    "no-settings": ({}, {}),
    "retry-request-defaults": ({"retry_config": {}}, {"retry_config": {}}),
    "retry-org-default": ({"retry_config": {"max_retries": 1, "retry_on_voicemail": False}}, {}),
    "retry-off": ({"retry_config": {"enabled": False}}, {"retry_config": {"enabled": False}}),
    "retry-custom": (
        {
            "retry_config": {
                "max_retries": 0,
                "retry_delay_seconds": 3600,
                "retry_on_busy": False,
                "retry_on_no_answer": False,
                "retry_on_voicemail": False,
            }
        },
        {
            "retry_config": {
                "max_retries": 0,
                "retry_delay_seconds": 3600,
                "retry_on_busy": False,
                "retry_on_no_answer": False,
                "retry_on_voicemail": False,
            }
        },
    ),
    "breaker-request-defaults": ({"circuit_breaker": {}}, {}),
    "breaker-disabled": ({"circuit_breaker": {"enabled": False}}, {}),
    "breaker-custom": (
        {
            "circuit_breaker": {
                "enabled": False,
                "failure_threshold": 0.25,
                "window_seconds": 600,
                "min_calls_in_window": 100,
            }
        },
        {
            "circuit_breaker": {
                "enabled": False,
                "failure_threshold": 0.25,
                "window_seconds": 600,
                "min_calls_in_window": 100,
            }
        },
    ),
    "breaker-zero": (
        {
            "circuit_breaker": {
                "failure_threshold": 0,
                "window_seconds": 30,
                "min_calls_in_window": 1,
            }
        },
        {
            "circuit_breaker": {
                "failure_threshold": 0.0,
                "window_seconds": 30,
                "min_calls_in_window": 1,
            }
        },
    ),
    "breaker-one": (
        {"circuit_breaker": {"failure_threshold": 1}},
        {"circuit_breaker": {"failure_threshold": 1.0}},
    ),
    "schedule": (
        {"schedule_config": SCHEDULE},
        {
            "schedule": {
                "timezone": "America/New_York",
                "slots": [
                    {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"},
                    {"days": ["tue"], "start": "12:00", "end": "18:00"},
                    {"days": ["sat"], "start": "20:00", "end": "24:00"},
                ],
            }
        },
    ),
    "schedule-utc": (
        {
            "schedule_config": {
                "slots": [{"day_of_week": 6, "start_time": "00:00", "end_time": "24:00"}]
            }
        },
        {"schedule": {"slots": [{"days": ["sun"], "start": "00:00", "end": "24:00"}]}},
    ),
    "schedule-disabled": ({"schedule_config": {**SCHEDULE, "enabled": False}}, {}),
    "concurrency": ({"max_concurrency": 1}, {"max_concurrency": 1}),
    "telephony-default": ({"telephony_configuration_id": TWILIO}, {}),
    "telephony-other": (
        {"telephony_configuration_id": VONAGE, "max_concurrency": 5},
        {"telephony": "Vonage EU", "max_concurrency": 5},
    ),
}


def test_every_setting_round_trips(campaigns: Campaigns, sandbox: SandboxHandle) -> None:
    ids, csvs = {}, {}
    for n, (name, (fields, _)) in enumerate(SETTINGS.items()):
        csvs[name] = survey_csv(10 * n, crlf=n % 2 == 1, final=n % 3 != 2)
        ids[name] = _create(sandbox, name, csvs[name], **fields)
    renewal = b"phone_number,first_name,renewal_date\n+12125550100,Ada,2027-04-01\n"
    ids["renewal"] = _create(sandbox, "renewal", renewal, workflow_id=RENEWAL)

    result = campaigns("import", "--dir", "imported")
    assert result.code == 0, result.err
    assert "Error" not in result.err
    assert f'"no-settings" (id {ids["no-settings"]}), 2 contacts, state draft' in result.out
    assert PERSONAL_DATA in result.out
    _no_phone_numbers(result, list(csvs.values()))
    written = _written(Path("imported"))
    assert set(written) == set(ids.values())
    for name, (_, spec) in SETTINGS.items():
        manifest, csv, text = written[ids[name]]
        assert csv == csvs[name], name  # byte for byte, whatever the line endings
        assert manifest["metadata"] == {"name": name, "id": ids[name]}
        assert manifest["spec"].pop("source") == {"csv": f"contacts/{name}.csv"}
        assert manifest["spec"] == {"workflow": "Customer survey", **spec}, name
        assert text.startswith(
            f"# yaml-language-server: $schema=../schema/campaign.schema.json  {SCHEMA_HINT}\n"
        )
    assert written[ids["renewal"]][0]["spec"]["workflow"] == "Renewal reminder"
    _round_trip(campaigns, "imported")


def _insert(sandbox: SandboxHandle, **record: Any) -> int:
    (campaign_id,) = sandbox.admin.insert_campaigns([record])
    return campaign_id


BREAKER_LOG = {
    "ts": "2026-03-02T15:01:00+00:00",
    "level": "warning",
    "event": "circuit_breaker_tripped",
    "message": "Paused: failure rate 60.00% (3/5) exceeded threshold 50.00% in 120s window",
}
SYNC_FAILED_LOG = {
    "ts": "2026-03-02T15:00:01+00:00",
    "level": "error",
    "event": "source_sync_failed",
    "message": "Source sync failed: Failed to download CSV file from storage",
}


def test_every_state_round_trips(campaigns: Campaigns, sandbox: SandboxHandle) -> None:
    """States from the bulk insert, and from the simulation under the clock (with a
    redial child, which has no telephony configuration of its own)."""
    settings = {"max_concurrency": 2, "retry_config": {"max_retries": 3}}
    inserted = {
        state: _insert(
            sandbox,
            name=f"inserted-{state}",
            workflow="Customer survey",
            state=state,
            csv=survey_csv(100 * n, rows=3).decode(),
            telephony="Vonage EU",
            schedule_config=SCHEDULE,
            logs=[BREAKER_LOG] if state == "paused" else [SYNC_FAILED_LOG] * (state == "failed"),
            **settings,
        )
        for n, state in enumerate(
            ["created", "syncing", "running", "paused", "completed", "failed"]
        )
    }
    sandbox.admin.set_simulation(no_answer_rate=1.0)
    running = _create(sandbox, "clock-running", survey_csv(900))
    paused = _create(sandbox, "clock-paused", survey_csv(910))
    done = _create(sandbox, "clock-completed", survey_csv(920), retry_config={"enabled": False})
    for campaign_id in (running, paused, done):
        assert sandbox.request("POST", f"/api/v1/campaign/{campaign_id}/start").status_code == 200
    sandbox.admin.advance(0)
    assert sandbox.request("POST", f"/api/v1/campaign/{paused}/pause").status_code == 200
    sandbox.request("POST", f"/api/v1/campaign/{running}/pause")
    sandbox.admin.advance(60)  # `done` calls its two contacts, nobody answers, it completes
    sandbox.request("POST", f"/api/v1/campaign/{running}/resume")
    redial = sandbox.request("POST", f"/api/v1/campaign/{done}/redial", json={})
    assert redial.status_code == 200, redial.text
    child = int(redial.json()["id"])
    states = {
        c["id"]: c["state"] for c in sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
    }
    assert (states[running], states[paused], states[done], states[child]) == (
        "running",
        "paused",
        "completed",
        "created",
    )

    result = campaigns("import", "--dir", "imported")
    assert result.code == 0, result.err
    assert "(3 completed or failed ones are left out: name them to import them)" in result.out
    terminal = [inserted["completed"], inserted["failed"], done]
    result = campaigns("import", "--dir", "imported", *map(str, terminal))
    assert result.code == 0, result.err
    assert (
        f'"inserted-failed" (id {inserted["failed"]}), 3 contacts, state paused (it is failed'
        in (result.out)
    )
    written = _written(Path("imported"))
    assert set(written) == {*inserted.values(), running, paused, done, child}
    expected = {
        "created": "draft",
        "syncing": "running",
        "running": "running",
        "paused": "paused",
        "completed": "paused",
        "failed": "paused",
    }
    for state, campaign_id in inserted.items():
        spec = written[campaign_id][0]["spec"]
        assert spec.get("state", "draft") == expected[state], state
        assert (spec["telephony"], spec["max_concurrency"]) == ("Vonage EU", 2)
        assert spec["retry_config"] == {"max_retries": 3}
    assert (
        "# Dograh: failed. It accepts no change and never dials again;"
        in (written[inserted["failed"]][2])
    )
    child_manifest, child_csv, child_text = written[child]
    assert "telephony" not in child_manifest["spec"]
    assert f"# A redial of campaign id {done}:" in child_text
    assert child_csv == survey_csv(920)
    assert written[done][0]["spec"]["retry_config"] == {"enabled": False}
    _round_trip(campaigns, "imported")


def test_names_unicode_equal_and_yaml_lookalikes(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    names = [
        "Café crème",
        "Café crème",
        "CAFE-CREME",
        "東京キャンペーン",
        "yes",
        "null",
        "123",
        "- not a list",
        'a: "b" #c \\ d',
        "🚀 launch line",
        "con",
    ]
    ids = [_create(sandbox, name, survey_csv(10 * n)) for n, name in enumerate(names)]
    result = campaigns("import", "--dir", "imported")
    assert result.code == 0, result.err
    stems = [
        "cafe-creme",
        "cafe-creme-2",
        "cafe-creme-3",
        f"campaign-{ids[3]}",
        "yes",
        "null",
        "123",
        "not-a-list",
        "a-b-c-d",
        "launch-line",
        "con-campaign",
    ]
    assert sorted(p.name for p in Path("imported").glob("*.yaml")) == sorted(
        f"{s}.yaml" for s in stems
    )
    written = _written(Path("imported"))
    for campaign_id, name, stem in zip(ids, names, stems, strict=True):
        assert written[campaign_id][0]["metadata"]["name"] == name
        assert written[campaign_id][0]["spec"]["source"]["csv"] == f"contacts/{stem}.csv"
    _round_trip(campaigns, "imported")


def test_a_name_that_could_mislead_is_not_imported(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    """Names that cannot mislead: a control or line-separator character is
    refused, naming it, and nothing is written for that campaign."""
    names = ["tab\there", "two\u2028lines"]
    ids = [_create(sandbox, name, survey_csv(900 + n)) for n, name in enumerate(names)]
    result = campaigns("import", "--dir", "imported")
    assert result.code == 1
    for campaign_id, code in zip(ids, ("U+0009", "U+2028"), strict=True):
        assert f"(id {campaign_id}): its name cannot be a manifest's metadata.name" in result.err
        assert code in result.err
    assert not list(Path("imported").glob("*.yaml"))


HAND_WRITTEN = """\
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: hand-written
spec:
  workflow: Customer survey
  source:
    csv: contacts/hand.csv
"""


def test_it_never_overwrites_a_file(campaigns: Campaigns, sandbox: SandboxHandle) -> None:
    kept = _create(sandbox, "kept", survey_csv(0))
    taken = _create(sandbox, "taken", survey_csv(10))
    csv_taken = _create(sandbox, "csv-taken", survey_csv(20))
    Path("imported/contacts").mkdir(parents=True)
    Path("imported/taken.yaml").write_text(HAND_WRITTEN, encoding="utf-8")
    Path("imported/contacts/hand.csv").write_bytes(survey_csv(90))
    Path("imported/contacts/csv-taken.csv").write_bytes(b"mine too\n")

    result = campaigns("import", "--dir", "imported")
    assert result.code == 1
    assert (
        f'Error: "taken" (id {taken}): imported/taken.yaml exists, and import never overwrites '
        "a file; move it, or rename the campaign in Dograh; nothing written for it." in result.err
    )
    assert f'"csv-taken" (id {csv_taken}): imported/contacts/csv-taken.csv exists' in result.err
    assert "2 campaigns were not imported (above)." in result.err
    assert f'"kept" (id {kept})' in result.out
    assert Path("imported/taken.yaml").read_text(encoding="utf-8") == HAND_WRITTEN
    assert not Path("imported/contacts/taken.csv").exists()
    assert Path("imported/contacts/csv-taken.csv").read_bytes() == b"mine too\n"
    assert not Path("imported/csv-taken.yaml").exists()
    # The campaign that was written is managed now: a second run skips it.
    assert {i for i in _written(Path("imported")) if i} == {kept}
    again = campaigns("import", "--dir", "imported", "kept")
    assert again.code == 0
    assert (
        again.out == f'"kept" (id {kept}) is already managed by imported/kept.yaml:6:9: skipped.\n'
    )


def test_refusals_name_the_campaign(campaigns: Campaigns, sandbox: SandboxHandle) -> None:
    good = _create(sandbox, "good", survey_csv(0))
    missing = _insert(sandbox, name="file-gone", workflow="Customer survey")
    spaced = _create(sandbox, " spaced ", survey_csv(10))
    no_phones = _create(sandbox, "no-phones", b"phone_number,first_name\n,Ada\n")
    bad_time = _insert(
        sandbox,
        name="bad-time",
        csv=survey_csv(20).decode(),
        schedule_config={"slots": [{"day_of_week": 0, "start_time": "09:00", "end_time": "25:99"}]},
    )

    unknown = campaigns("import", "--dir", "imported", "good", "goood", "999")
    assert unknown.code == 1
    assert (
        'Error: no live campaign has the name or id "goood" (did you mean "good"?), '
        '"999"; nothing was imported\n'
    ) in unknown.err
    assert not Path("imported").exists()

    result = campaigns("import", "--dir", "imported")
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith(("Error:", "4 "))]
    assert errors == [
        f'Error: "file-gone" (id {missing}): its contacts could not be downloaded: '
        "downloading the contacts file failed with HTTP 404 (NoSuchKey); nothing written for it.",
        f'Error: " spaced " (id {spaced}): its name cannot be a manifest\'s metadata.name ('
        '" spaced " is not one line of text without leading or trailing spaces); rename it in '
        "Dograh, then import it; nothing written for it.",
        f'Error: "no-phones" (id {no_phones}): its contacts file would not pass validate: no '
        "row has a phone number: Dograh would create the campaign and complete it at once "
        "without calling anyone; nothing written for it.",
        f'Error: "bad-time" (id {bad_time}): the manifest format cannot hold what Dograh has '
        "(spec.schedule.slots.0.end: String should match pattern "
        "'^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)(?!\\n)$'); change it in Dograh, then import "
        "it; nothing written for it.",
        "4 campaigns were not imported (above).",
    ]
    assert set(_written(Path("imported"))) == {good}
    assert sorted(p.name for p in Path("imported/contacts").iterdir()) == ["good.csv"]


def test_a_manifest_that_would_not_plan_clean_is_not_kept(
    campaigns: Campaigns, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last guard: were the writer wrong, apply would change a live campaign. A
    wrong draft (here, made so on purpose) is planned, found out and removed."""
    campaign_id = _create(sandbox, "guarded", survey_csv(0), max_concurrency=2)

    def wrong(
        campaign: LiveCampaign, live: LiveState, csv_path: str, inherited: Any = None
    ) -> Draft:
        right = draft_manifest(campaign, live, csv_path, inherited)
        data = {**right.data, "spec": {**right.data["spec"], "max_concurrency": 7}}
        return replace(right, data=data, model=Campaign.model_validate(data))

    monkeypatch.setattr("reconciler.commands.import_.draft_manifest", wrong)
    result = campaigns("import", "--dir", "imported")
    assert result.code == 1
    assert (
        f'Error: "guarded" (id {campaign_id}): this is a bug in campaigns import: its manifest '
        "would not plan as 'No changes' (max_concurrency 2 -> 7); nothing was kept; nothing "
        "written for it." in result.err
    )
    assert list(Path("imported").rglob("*.*")) == []


def test_import_into_the_repository_after_apply(
    campaigns: Campaigns, sandbox: SandboxHandle, repo: Path
) -> None:
    """The campaigns of campaigns.d/ are managed: only the one made in Dograh's UI is
    imported, beside them, and the whole repository then plans clean."""
    assert campaigns("apply", "--auto-approve").code == 0
    assert campaigns("import").out == (
        "Nothing to import: every live campaign that is not completed or failed is managed "
        "by these manifests.\n"
    )
    made = _create(sandbox, "Made in the UI", survey_csv(0), max_concurrency=2)
    result = campaigns("import")
    assert result.code == 0, result.err
    assert result.out.startswith(
        "Wrote campaigns.d/made-in-the-ui.yaml and campaigns.d/contacts/made-in-the-ui.csv: "
        f'"Made in the UI" (id {made}), 2 contacts, state draft\n'
    )
    _round_trip(campaigns, "campaigns.d")
    # Only the manifests under --dir count as managing: into a sub-directory of the
    # repository's manifests, name what to import.
    nested = _create(sandbox, "Nested", survey_csv(10))
    assert campaigns("import", "--dir", "campaigns.d/more", "Nested").code == 0
    text = (repo / "campaigns.d/more/nested.yaml").read_text(encoding="utf-8")
    assert text.startswith(
        f"# yaml-language-server: $schema=../../schema/campaign.schema.json  {SCHEMA_HINT}\n"
    )
    assert f"  id: {nested}\n" in text
    _round_trip(campaigns, "campaigns.d")


def test_manifests_with_errors_stop_the_import(campaigns: Campaigns, repo: Path) -> None:
    east = repo / "campaigns.d/spring-renewals-east.yaml"
    east.write_text(east.read_text().replace("Renewal reminder", "Renewal remindr"))
    result = campaigns("import")
    assert result.code == 1
    assert "spec.workflow: no workflow named 'Renewal remindr'" in result.err
    assert "import cannot tell which campaigns they manage" in result.err


def test_a_cap_no_manifest_can_hold_is_left_unmanaged(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    """Dograh's API keeps max_concurrency within 1..100, its database does not."""
    campaign_id = _insert(sandbox, name="wide", csv=survey_csv(0).decode(), max_concurrency=150)
    assert campaigns("import", "--dir", "imported").code == 0
    manifest, _, text = _written(Path("imported"))[campaign_id]
    assert "max_concurrency" not in manifest["spec"]
    assert "# Its max_concurrency, 150, is outside 1..100: not managed.\n" in text
    _round_trip(campaigns, "imported")


def test_a_campaign_dialing_outside_calling_hours_is_written_as_it_is(
    campaigns: Campaigns, sandbox: SandboxHandle
) -> None:
    """Chicago numbers called at any hour: the manifest says what Dograh does, import
    says it breaks the rules, and validate and plan refuse it until the schedule is fixed
    (apply then changes the campaign). Hiding it would leave it dialing, unmanaged. Import
    exits 1 with validate's own message, not "plan shows no change"."""
    chicago = b"phone_number,first_name\n+13125550100,Ada\n+13125550101,Ben\n"
    campaign_id = _create(sandbox, "any-hour", chicago)
    assert sandbox.request("POST", f"/api/v1/campaign/{campaign_id}/start").status_code == 200
    result = campaigns("import", "--dir", "imported")
    assert result.code == 1
    assert "shows no change" not in result.out
    assert "imported/any-hour.yaml:12:10: spec.state: any-hour: no schedule" in result.err
    assert (
        "campaigns validate imported now fails: 1 error in 1 file that import wrote (above); "
        "plan and apply refuse the manifests until they are fixed.\n"
    ) in result.err
    assert (
        "  warning: imported/any-hour.yaml: Dograh dials this campaign outside the "
        "calling-hours rules (any-hour: no schedule: Dograh calls at any hour"
    ) in result.out
    assert "validate and plan refuse the manifest until spec.schedule is fixed" in result.out
    _no_phone_numbers(result, [chicago])
    validate = campaigns("validate", "imported")
    assert validate.code == 1
    assert "imported/any-hour.yaml:12:10: spec.state: any-hour: no schedule" in validate.out
    # It stays managed: a second import does not write it again, nor refuse the others.
    other = _create(sandbox, "other", survey_csv(0))
    again = campaigns("import", "--dir", "imported")
    assert again.code == 0, again.err
    assert f'"other" (id {other})' in again.out
    assert "any-hour" not in again.out


def test_a_namesake_of_a_manifest_is_adopted_by_pinning_it(
    campaigns: Campaigns, sandbox: SandboxHandle, repo: Path
) -> None:
    """A campaign made in Dograh under a manifest's name is not that manifest's to take
    over (owner.py): import says how to adopt it instead of writing a second manifest."""
    made = _create(sandbox, "winback-survey", survey_csv(0))
    result = campaigns("import", "winback-survey")
    assert result.code == 1
    assert (
        f'Error: "winback-survey" (id {made}): campaigns.d/winback-survey.yaml:7:9 has its '
        "name but does not take it over, as this repository did not create it; to manage it "
        f"with that manifest, pin metadata.id: {made} there (its CSV must hold the "
        "campaign's contacts), or rename one of the two; nothing written for it." in result.err
    )
    assert sorted(p.name for p in (repo / "campaigns.d").glob("*.yaml")) == [
        "appointments-west.yaml",
        "spring-renewals-east.yaml",
        "winback-survey.yaml",
    ]


def test_ambiguous_workflows_are_pinned_by_id(campaigns: Campaigns, sandbox: SandboxHandle) -> None:
    seed: dict[str, Any] = {"organizations": [dict(DEFAULT_SEED_DATA["organizations"][0])]}
    survey = {"name": "Customer survey", "template_variables": ["first_name"]}
    seed["organizations"][0]["workflows"] = [
        survey,
        survey,  # two of one name, both active: the name says neither
        {**survey, "name": "Archived twin", "status": "archived"},
        {**survey, "name": "Archived twin"},  # an active one among archived ones: the name says it
        {**survey, "name": "Archived twin", "status": "archived"},
    ]
    seed["organizations"][0]["telephony_configurations"] = [
        {"name": "Twilio US", "provider": "twilio", "is_default_outbound": True, "ready": False},
        {"name": "Vonage EU", "provider": "vonage", "phone_numbers": 5},
    ]
    sandbox.admin.reset(seed)
    ids = [_create(sandbox, f"w{n}", survey_csv(10 * n), workflow_id=n) for n in (1, 2, 4, 5)]
    result = campaigns("import", "--dir", "imported")
    assert result.code == 0, result.err
    written = _written(Path("imported"))
    workflows = [written[campaign_id][0]["spec"]["workflow"] for campaign_id in ids]
    assert workflows == [{"id": 1}, {"id": 2}, "Archived twin", {"id": 5}]
    # Twilio US is not ready: Dograh picks Vonage EU by default, so it goes unsaid.
    assert all("telephony" not in written[i][0]["spec"] for i in ids)
    archived = (
        "imported/w5.yaml:9:13: warning: spec.workflow: the workflow 'Archived twin' (id 5) "
        "is archived; Dograh still runs campaigns on it\n\n"
    )
    _round_trip(campaigns, "imported", warnings=archived)


def test_the_example_is_what_import_writes(campaigns: Campaigns, sandbox: SandboxHandle) -> None:
    """examples/imported-example.yaml is import's own output for this campaign: a paused
    campaign on the configuration that is not the default, with a cap, its own retries,
    a schedule and a breaker."""
    csv = (ROOT / "examples/contacts/imported-example.csv").read_bytes()
    slots = [{"day_of_week": d, "start_time": "10:00", "end_time": "18:00"} for d in range(5)]
    slots.append({"day_of_week": 5, "start_time": "10:00", "end_time": "13:00"})
    campaign_id = _create(
        sandbox,
        "imported-example",
        csv,
        telephony_configuration_id=VONAGE,
        max_concurrency=4,
        retry_config={"max_retries": 3, "retry_delay_seconds": 600, "retry_on_voicemail": False},
        schedule_config={"timezone": "Europe/London", "slots": slots},
        circuit_breaker={"failure_threshold": 0.3},
    )
    assert sandbox.request("POST", f"/api/v1/campaign/{campaign_id}/start").status_code == 200
    sandbox.admin.advance(0)
    assert sandbox.request("POST", f"/api/v1/campaign/{campaign_id}/pause").status_code == 200
    assert campaigns("import", "--dir", "examples").code == 0
    written = Path("examples/imported-example.yaml").read_text(encoding="utf-8")
    # The example pins an id that no campaign of a fresh sandbox (make demo's) takes: a
    # pin of the repository claims its campaign wherever the manifest lies.
    example = (ROOT / "examples/imported-example.yaml").read_text(encoding="utf-8")
    pinned = example.replace("campaign id 4217.", f"campaign id {campaign_id}.")
    assert written == pinned.replace("  id: 4217\n", f"  id: {campaign_id}\n")
    assert Path("examples/contacts/imported-example.csv").read_bytes() == csv
    assert campaigns("validate", str(ROOT / "examples/imported-example.yaml")).code == 0


# -- the writer on its own ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "plain words",
        "Café crème",
        "yes",
        "No",
        "~",
        "null",
        "123",
        "1e3",
        "0x1F",
        ".inf",
        "09:00",
        "24:00",
        "a: b",
        "a #b",
        "- item",
        "[list]",
        "{map}",
        "&anchor",
        "*alias",
        "!tag",
        "%directive",
        "@at",
        "`tick",
        "'single'",
        '"double"',
        "back\\slash",
        "trailing ",
        "tab\tinside",
        "line\nbreak",
        "nel\x85ls\u2028ps\u2029",
        "bom\ufeff",
        "bell\x07",
        "🚀",
    ],
)
def test_every_string_reads_back_as_itself(text: str) -> None:
    """In YAML 1.1 (PyYAML's default) and 1.2 (the tool's reader) alike."""
    from reconciler.manifest.yaml_source import documents_of_text

    document = f"key: {scalar(text)}\n"
    assert yaml.safe_load(document) == {"key": text}
    [read], problems = documents_of_text(document, "m.yaml")
    assert (read.data, problems) == ({"key": text}, [])


def test_the_writer_loads_no_http_library() -> None:
    """importing.py is pure, like the diff it plans with: no request of its own."""
    code = (
        "import sys, reconciler.importing\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'httpcore')))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert found.stdout.strip() == "[]"


def test_slugs_and_stems() -> None:
    assert slug("Spring Renewals: East (2026)") == "spring-renewals-east-2026"
    assert slug("Ünïcödé — naïve") == "unicode-naive"
    assert slug("東京") == ""
    assert slug("x" * 300) == "x" * 64
    assert slug("NUL") == "nul-campaign"

    def live(campaign_id: int, name: str) -> LiveCampaign:
        retry = RetryConfig(True, 1, 120, True, True, False)
        return LiveCampaign(campaign_id, name, "created", 1, "k", "2026-03-02T09:00:00Z", retry)

    campaigns = [live(9, "a"), live(3, "A"), live(5, "a 2"), live(7, "東京"), live(8, "a")]
    random.Random(1).shuffle(campaigns)
    # In id order: 3 takes "a", 5 "a-2", so the next "a" (8) is "a-3", then 9 "a-4".
    assert file_stems(campaigns) == {3: "a", 5: "a-2", 7: "campaign-7", 8: "a-3", 9: "a-4"}


# -- a real Dograh ----------------------------------------------------------------------


@pytest.fixture
def real_repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dograh: DograhTarget
) -> Iterator[Path]:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOGRAH_API_URL", dograh.url)
    monkeypatch.setenv("DOGRAH_API_KEY", dograh.api_key)
    yield tmp_path


def test_round_trip_on_the_target(
    real_repo: Path, dograh: DograhTarget, capsys: pytest.CaptureFixture[str]
) -> None:
    """Against a real Dograh when the conformance variables are set (else the sandbox):
    campaigns made with and without settings, imported by id (the organization may hold
    other campaigns), plan clean. Names carry the run's prefix; nothing is started."""
    workflow = dograh.workflow()
    variants: list[dict[str, Any]] = [
        {},
        {
            "retry_config": {"max_retries": 3, "retry_delay_seconds": 600},
            "max_concurrency": 1,
            "schedule_config": SCHEDULE,
            "circuit_breaker": {"failure_threshold": 0.3, "window_seconds": 300},
        },
        {"retry_config": {"enabled": False}, "circuit_breaker": {"enabled": False}},
    ]
    ids = []
    for n, fields in enumerate(variants):
        key = dograh.upload_csv(dograh.contacts_csv(rows=2, first=10 * n))
        body = {
            "name": dograh.name(f"import-é-{n}"),
            "workflow_id": workflow.id,
            "source_type": "csv",
            "source_id": key,
            **fields,
        }
        answer = dograh.request("POST", "/api/v1/campaign/create", json=body)
        assert answer.status_code == 200, answer.text
        ids.append(int(answer.json()["id"]))

    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = run(["--no-color", *args])
        out, err = capsys.readouterr()
        assert dograh.api_key not in out + err
        return code, out, err

    code, out, err = invoke("import", "--dir", "imported", *map(str, ids))
    assert code == 0, err
    assert out.count("Wrote imported/") == 3
    assert invoke("validate", "imported")[0] == 0
    code, out, err = invoke("plan", "imported", "--detailed-exitcode")
    assert code == 0, out + err
    head, _, rest = out.partition("\n\n")
    assert head.startswith("Dograh organization ")
    assert rest.startswith("No changes. Live campaigns match the manifests.\n")


def test_a_namesake_of_an_applied_manifest_pins_both(
    campaigns: Campaigns, sandbox: SandboxHandle, repo: Path
) -> None:
    """A campaign made in Dograh under the name of a manifest whose campaign this
    repository created: two manifests of one name are valid only when both are pinned,
    and the existing one's campaign is known by its owner token."""
    assert campaigns("apply", "--auto-approve").code == 0
    live = sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
    (own,) = [c["id"] for c in live if c["name"] == "winback-survey"]
    made = _create(sandbox, "winback-survey", survey_csv(0))
    before = (repo / "campaigns.d/winback-survey.yaml").read_text()

    result = campaigns("import")
    assert result.code == 0, result.err
    assert (
        f"Pinned campaigns.d/winback-survey.yaml to its campaign (id {own}, created from this "
        f"repository): metadata.id: {own}, so that the two manifests of the name "
        '"winback-survey" are told apart by id\n'
    ) in result.out
    assert result.out.endswith(
        "Checked: campaigns validate campaigns.d passes for them; campaigns plan campaigns.d "
        "shows no change for them.\n"
    )
    after = (repo / "campaigns.d/winback-survey.yaml").read_text()
    assert after == before.replace(
        "  name: winback-survey\n", f"  name: winback-survey\n  id: {own}\n"
    )
    written = _written(repo / "campaigns.d")
    assert written[made][0]["metadata"] == {"name": "winback-survey", "id": made}
    assert campaigns("validate").code == 0
    plan = campaigns("plan", "--detailed-exitcode")
    assert (plan.code, plan.out) == (0, NO_CHANGES)


def test_a_namesake_of_a_manifest_not_in_dograh_is_refused_with_nothing_written(
    campaigns: Campaigns, sandbox: SandboxHandle, repo: Path
) -> None:
    """The manifest has no campaign of this repository to be pinned to: import refuses,
    writes nothing, and says which way out there is."""
    assert campaigns("apply", "--auto-approve", "--target", "spring-renewals-east").code == 0
    made = _create(sandbox, "winback-survey", survey_csv(0))
    # The manifest matches the campaign made elsewhere by name (a conflict for plan), so
    # it is named.
    result = campaigns("import", str(made))
    assert result.code == 1
    assert f'Error: "winback-survey" (id {made}): ' in result.err
    assert f"pin metadata.id: {made} there" in result.err
    assert sorted(p.name for p in (repo / "campaigns.d").glob("**/*winback*")) == [
        "winback-survey.csv",
        "winback-survey.yaml",
    ]
    assert campaigns("validate").code == 0
