"""Small helpers of the sandbox suite: CSVs, uploads and creates over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from dograh_sandbox.testing import DograhTarget, SandboxHandle

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


Target = SandboxHandle | DograhTarget
"""A test's server: the sandbox's handle, or the conformance target (sandbox or real)."""


def create(
    sandbox: Target,
    csv: str | None = None,
    *,
    api_key: str | None = None,
    **fields: Any,
) -> httpx.Response:
    """Upload ``csv``, then POST /campaign/create with ``fields`` over the defaults.

    On a ``DograhTarget`` the defaults are its workflow and a CSV for it, and the name
    carries the run's prefix; on the sandbox's handle, Renewal reminder and RENEWAL_CSV.
    """
    if isinstance(sandbox, DograhTarget):
        csv = sandbox.contacts_csv() if csv is None else csv
        fields.setdefault("workflow_id", sandbox.workflow().id)
        name = fields.get("name", "spring-renewals")
        # An empty or non-string name is refused (422) before anything is created.
        if isinstance(name, str) and name:
            fields["name"] = sandbox.name(name)
    file_key = sandbox.upload_csv(RENEWAL_CSV if csv is None else csv, api_key=api_key)
    body: dict[str, Any] = {
        "name": "spring-renewals",
        "workflow_id": WORKFLOW_RENEWAL,
        "source_type": "csv",
        "source_id": file_key,
        **fields,
    }
    return sandbox.request("POST", "/api/v1/campaign/create", api_key=api_key, json=body)


def created(sandbox: Target, csv: str | None = None, **fields: Any) -> dict[str, Any]:
    response = create(sandbox, csv, **fields)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def call(
    sandbox: Target, method: str, path: str, api_key: str | None = None, **kwargs: Any
) -> httpx.Response:
    return sandbox.request(method, path, api_key=api_key, **kwargs)


def started(sandbox: SandboxHandle, csv: str | None = None, **fields: Any) -> int:
    """A created and started campaign, synced (advance(0)): it is running."""
    campaign_id = int(created(sandbox, csv, **fields)["id"])
    assert call(sandbox, "POST", f"/api/v1/campaign/{campaign_id}/start").status_code == 200
    sandbox.admin.advance(0)
    return campaign_id


def campaign(sandbox: Target, campaign_id: int) -> dict[str, Any]:
    response = call(sandbox, "GET", f"/api/v1/campaign/{campaign_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
