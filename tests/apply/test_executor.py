"""The executor's safety rules, against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from dograh_sandbox.testing import SandboxHandle
from reconciler.apply import ApplyError, Executor
from reconciler.client import DograhClient
from reconciler.client_settings import ClientSettings, RetryPolicy
from reconciler.manifest.located import Place
from reconciler.plan import Action, CampaignChange


def _client(sandbox: SandboxHandle) -> DograhClient:
    policy = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02, budget=2.0)
    return DograhClient(
        ClientSettings(base_url=sandbox.url, api_key=sandbox.api_key, retry=policy),
        sleep=lambda _: None,
    )


def _campaign(sandbox: SandboxHandle) -> int:
    key = sandbox.upload_csv(b"phone_number,first_name\n+15550100,Ada\n")
    body = {"name": "east", "workflow_id": 3, "source_type": "csv", "source_id": key}
    created: dict[str, Any] = sandbox.request("POST", "/api/v1/campaign/create", json=body).json()
    return int(created["id"])


def _change(campaign_id: int, action: Action, desired: str) -> CampaignChange:
    return CampaignChange(
        name="east",
        id=campaign_id,
        manifest=Place(file="campaigns.d/east.yaml", line=4, column=9),
        actions=(action,),
        after={},
        live_state="created",
        desired_state=desired,
    )


def test_a_start_already_done_is_success(sandbox: SandboxHandle) -> None:
    campaign = _campaign(sandbox)
    sandbox.request("POST", f"/api/v1/campaign/{campaign}/start")  # someone else was quicker
    lines: list[str] = []
    with _client(sandbox) as client:
        (outcome,) = Executor(client, parallelism=1, report=lines.append).run(
            [_change(campaign, "start", "running")]
        )
    assert (outcome.done, outcome.error) == (["start"], None)
    starts = sandbox.admin.requests(method="POST", path=f"/api/v1/campaign/{campaign}/start")
    assert [r.status for r in starts] == [200, 400]


def test_a_start_whose_answer_was_lost_is_not_repeated(sandbox: SandboxHandle) -> None:
    campaign = _campaign(sandbox)
    sandbox.admin.set_faults(
        {"method": "POST", "path": "/api/v1/campaign/*/start", "kind": "drop", "count": 1}
    )
    with _client(sandbox) as client:
        (outcome,) = Executor(client, parallelism=1, report=lambda _: None).run(
            [_change(campaign, "start", "running")]
        )
    assert outcome.error is None
    assert (
        len(sandbox.admin.requests(method="POST", path=f"/api/v1/campaign/{campaign}/start")) == 1
    )


def test_a_start_that_did_not_happen_is_sent_again(sandbox: SandboxHandle) -> None:
    campaign = _campaign(sandbox)
    sandbox.admin.set_faults(
        {"method": "POST", "path": "/api/v1/campaign/*/start", "kind": "reset", "count": 1}
    )
    with _client(sandbox) as client:
        (outcome,) = Executor(client, parallelism=1, report=lambda _: None).run(
            [_change(campaign, "start", "running")]
        )
    assert outcome.error is None
    assert sandbox.request("GET", f"/api/v1/campaign/{campaign}").json()["state"] == "syncing"


def test_a_pause_on_a_campaign_that_cannot_pause_fails_clearly(sandbox: SandboxHandle) -> None:
    campaign = _campaign(sandbox)
    with _client(sandbox) as client:
        (outcome,) = Executor(client, parallelism=1, report=lambda _: None).run(
            [_change(campaign, "pause", "paused")]
        )
    assert outcome.error is not None
    assert "cannot pause: the campaign is created" in outcome.error


@pytest.mark.parametrize("action", ["start", "resume"])
@pytest.mark.parametrize("desired", ["draft", "paused"])
def test_it_never_dials_for_a_manifest_that_is_not_running(
    sandbox: SandboxHandle, action: Action, desired: str
) -> None:
    campaign = _campaign(sandbox)
    sandbox.admin.clear_requests()
    with (
        _client(sandbox) as client,
        pytest.raises(ApplyError, match="only state: running places calls"),
    ):
        Executor(client, parallelism=1, report=lambda _: None).run(
            [_change(campaign, action, desired)]
        )
    assert sandbox.admin.requests() == []
