"""Small helpers of the sandbox suite: CSVs, uploads and creates over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from dograh_sandbox.testing import SandboxHandle

RENEWAL_CSV = (
    "phone_number,first_name,renewal_date\n"
    "+12125550100,Ada,2027-04-01\n"
    "+12125550101,Ben,2027-04-02\n"
    "+12125550102,Chloe,2027-04-03\n"
)
WORKFLOW_RENEWAL = 1
WORKFLOW_APPOINTMENT = 2
WORKFLOW_SURVEY = 3
TWILIO = 1
VONAGE = 2


def survey_csv(rows: int) -> str:
    lines = ["phone_number,first_name"]
    lines += [f"+1312555{n:04d},Name{n}" for n in range(rows)]
    return "\n".join(lines) + "\n"


def create(
    sandbox: SandboxHandle,
    csv: str = RENEWAL_CSV,
    *,
    api_key: str | None = None,
    **fields: Any,
) -> httpx.Response:
    """Upload ``csv``, then POST /campaign/create with ``fields`` over the defaults."""
    file_key = sandbox.upload_csv(csv, api_key=api_key)
    body: dict[str, Any] = {
        "name": "spring-renewals",
        "workflow_id": WORKFLOW_RENEWAL,
        "source_type": "csv",
        "source_id": file_key,
        **fields,
    }
    return sandbox.request("POST", "/api/v1/campaign/create", api_key=api_key, json=body)


def created(sandbox: SandboxHandle, csv: str = RENEWAL_CSV, **fields: Any) -> dict[str, Any]:
    response = create(sandbox, csv, **fields)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def call(
    sandbox: SandboxHandle, method: str, path: str, api_key: str | None = None, **kwargs: Any
) -> httpx.Response:
    return sandbox.request(method, path, api_key=api_key, **kwargs)


def started(sandbox: SandboxHandle, csv: str = RENEWAL_CSV, **fields: Any) -> int:
    """A created and started campaign, synced (advance(0)): it is running."""
    campaign_id = int(created(sandbox, csv, **fields)["id"])
    assert call(sandbox, "POST", f"/api/v1/campaign/{campaign_id}/start").status_code == 200
    sandbox.admin.advance(0)
    return campaign_id


def campaign(sandbox: SandboxHandle, campaign_id: int) -> dict[str, Any]:
    response = call(sandbox, "GET", f"/api/v1/campaign/{campaign_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
