"""Authentication, the order of checks, and organization isolation (docs/dograh-api.md §1)."""

from __future__ import annotations

import httpx
import pytest

from dograh_sandbox.testing import DograhTarget, SandboxHandle, running_sandbox
from tests.sandbox.helpers import call, create, created
from tests.sandbox.spec import assert_schema

TWO_ORGS = {
    "organizations": [
        {
            "name": "Acme",
            "api_keys": [
                {"key": "dgr_" + "a" * 32},
                {"key": "dgr_" + "b" * 32, "archived": True},
                {"key": "dgr_" + "c" * 32, "owner": "none"},
                {"key": "dgr_" + "d" * 32, "owner": "missing"},
            ],
            "workflows": [{"name": "Survey", "template_variables": ["first_name"]}],
            "telephony_configurations": [
                {"name": "Main", "is_default_outbound": True, "phone_numbers": 3}
            ],
        },
        {
            "name": "Globex",
            "api_keys": [{"key": "dgr_" + "z" * 32}],
            "workflows": [{"name": "Survey"}],
            "telephony_configurations": [{"name": "Main", "phone_numbers": 2}],
        },
    ]
}
LOCAL_AUTH = {"detail": "Authorization header required"}
STACK_AUTH = {"detail": "Unauthorized"}
INVALID_TOKEN = {"detail": "Invalid or expired token"}
ACME = "dgr_" + "a" * 32
GLOBEX = "dgr_" + "z" * 32


def test_missing_key_asks_for_authorization(dograh: DograhTarget) -> None:
    """Local auth (the sandbox's) asks for the header; Stack auth says Unauthorized."""
    expected = [LOCAL_AUTH] if dograh.is_sandbox else [LOCAL_AUTH, STACK_AUTH]
    answer = httpx.get(f"{dograh.url}/api/v1/campaign/")
    assert answer.status_code == 401
    assert answer.json() in expected
    empty = httpx.get(f"{dograh.url}/api/v1/campaign/", headers={"X-API-Key": ""})
    assert (empty.status_code, empty.json()) == (401, answer.json())


def test_an_api_key_sent_as_bearer_is_an_invalid_token(dograh: DograhTarget) -> None:
    """Local auth reads a Bearer value as a session token (``_handle_oss_auth``): a key
    there is an invalid token; Stack auth says Unauthorized."""
    expected = [INVALID_TOKEN] if dograh.is_sandbox else [INVALID_TOKEN, STACK_AUTH]
    for value in (f"Bearer {dograh.api_key}", dograh.api_key):
        answer = httpx.get(f"{dograh.url}/api/v1/campaign/", headers={"Authorization": value})
        assert answer.status_code == 401
        assert answer.json() in expected


@pytest.mark.needs_admin("runs a sandbox of its own, with Stack auth")
def test_stack_auth_says_unauthorized() -> None:
    with running_sandbox(auth_provider="stack") as stack:
        for headers in ({}, {"Authorization": f"Bearer {stack.api_key}"}):
            answer = httpx.get(f"{stack.url}/api/v1/campaign/", headers=headers)
            assert (answer.status_code, answer.json()) == (401, STACK_AUTH)


def test_invalid_key_never_falls_back_to_authorization(dograh: DograhTarget) -> None:
    answer = httpx.get(
        f"{dograh.url}/api/v1/campaign/",
        headers={"X-API-Key": "dgr_" + "x" * 32, "Authorization": "Bearer whatever"},
    )
    assert (answer.status_code, answer.json()) == (401, {"detail": "Invalid or expired API key"})


def test_key_format_is_dograhs(dograh: DograhTarget) -> None:
    """``dgr_`` + ``secrets.token_urlsafe(32)`` (``api/utils/api_key.py``): 47 characters."""
    key = dograh.api_key
    assert key.startswith("dgr_")
    assert len(key) == 47
    assert all(ch.isalnum() or ch in "-_" for ch in key[4:])


def test_key_states(sandbox: SandboxHandle) -> None:
    sandbox.admin.reset(TWO_ORGS)
    url = f"{sandbox.url}/api/v1/campaign/"
    details = {
        key: httpx.get(url, headers={"X-API-Key": key}).json()
        for key in ("dgr_" + "b" * 32, "dgr_" + "c" * 32, "dgr_" + "d" * 32)
    }
    assert details == {
        "dgr_" + "b" * 32: {"detail": "Invalid or expired API key"},
        "dgr_" + "c" * 32: {"detail": "API key has no associated user"},
        "dgr_" + "d" * 32: {"detail": "API key owner not found"},
    }
    assert httpx.get(url, headers={"X-API-Key": ACME}).status_code == 200


def test_last_used_at_is_recorded(sandbox: SandboxHandle) -> None:
    assert sandbox.admin.organizations()[0]["api_keys"][0]["last_used_at"] is None
    call(sandbox, "GET", "/api/v1/campaign/")
    assert sandbox.admin.organizations()[0]["api_keys"][0]["last_used_at"] is not None


def test_malformed_json_is_422_even_with_a_bad_key(dograh: DograhTarget) -> None:
    answer = httpx.post(
        f"{dograh.url}/api/v1/campaign/create",
        content=b"{not json",
        headers={"X-API-Key": "dgr_bad", "Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["type"] == "json_invalid"


def test_bad_key_comes_before_body_validation(dograh: DograhTarget) -> None:
    answer = httpx.post(
        f"{dograh.url}/api/v1/campaign/create", json={"name": ""}, headers={"X-API-Key": "nope"}
    )
    assert (answer.status_code, answer.json()) == (401, {"detail": "Invalid or expired API key"})
    path = httpx.get(f"{dograh.url}/api/v1/campaign/abc", headers={"X-API-Key": "nope"})
    assert path.status_code == 401


def test_missing_body_and_bad_path_id(dograh: DograhTarget) -> None:
    missing = call(dograh, "POST", "/api/v1/campaign/create")
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["type"] == "missing"
    assert missing.json()["detail"][0]["loc"] == ["body"]
    assert_schema(missing.json(), "HTTPValidationError")
    bad_id = call(dograh, "GET", "/api/v1/campaign/abc")
    assert bad_id.status_code == 422
    assert bad_id.json()["detail"][0]["type"] == "int_parsing"
    assert bad_id.json()["detail"][0]["loc"] == ["path", "campaign_id"]


def test_trailing_slash_redirect_and_no_delete(dograh: DograhTarget) -> None:
    redirect = call(dograh, "GET", "/api/v1/campaign")
    assert redirect.status_code == 307
    assert redirect.headers["location"].endswith("/api/v1/campaign/")
    campaign_id = created(dograh)["id"]
    delete = call(dograh, "DELETE", f"/api/v1/campaign/{campaign_id}")
    assert (delete.status_code, delete.json()) == (405, {"detail": "Method Not Allowed"})


def test_health_needs_no_key(dograh: DograhTarget) -> None:
    answer = httpx.get(f"{dograh.url}/api/v1/health")
    assert answer.status_code == 200
    assert_schema(answer.json(), "HealthResponse")


def test_organizations_are_isolated(sandbox: SandboxHandle) -> None:
    sandbox.admin.reset(TWO_ORGS)
    acme_wf = call(sandbox, "GET", "/api/v1/workflow/fetch", ACME).json()[0]["id"]
    globex_wf = call(sandbox, "GET", "/api/v1/workflow/fetch", GLOBEX).json()[0]["id"]
    csv = "phone_number,first_name\n+15550000001,Ada\n"
    acme = create(sandbox, csv, api_key=ACME, workflow_id=acme_wf).json()
    globex = create(sandbox, csv, api_key=GLOBEX, workflow_id=globex_wf).json()
    assert acme["telephony_configuration_name"] == "Main"
    assert acme["telephony_configuration_id"] != globex["telephony_configuration_id"]
    # Each org sees only its own campaigns; another org's id is a 404, never a 403.
    assert [
        c["id"] for c in call(sandbox, "GET", "/api/v1/campaign/", ACME).json()["campaigns"]
    ] == [acme["id"]]
    for method, suffix in (
        ("GET", ""),
        ("PATCH", ""),
        ("POST", "/start"),
        ("POST", "/pause"),
        ("POST", "/resume"),
        ("GET", "/progress"),
        ("GET", "/source-download-url"),
        ("GET", "/report"),
    ):
        kwargs: dict[str, object] = {"json": {}} if method == "PATCH" else {}
        answer = call(sandbox, method, f"/api/v1/campaign/{globex['id']}{suffix}", ACME, **kwargs)
        assert (answer.status_code, answer.json()) == (404, {"detail": "Campaign not found"}), (
            method,
            suffix,
        )
    runs = call(sandbox, "GET", f"/api/v1/campaign/{globex['id']}/runs", ACME)
    assert (runs.status_code, runs.json()) == (
        404,
        {"detail": f"Campaign {globex['id']} not found"},
    )
    redial = call(sandbox, "POST", f"/api/v1/campaign/{globex['id']}/redial", ACME, json={})
    assert redial.status_code == 404
    # Another org's workflow is not found; another org's telephony configuration neither.
    assert create(sandbox, csv, api_key=ACME, workflow_id=globex_wf).json() == {
        "detail": "Workflow not found"
    }
    other_config = globex["telephony_configuration_id"]
    answer = create(
        sandbox, csv, api_key=ACME, workflow_id=acme_wf, telephony_configuration_id=other_config
    )
    assert answer.json() == {"detail": "telephony_configuration_not_found"}
    wf = call(sandbox, "GET", f"/api/v1/workflow/fetch/{globex_wf}", ACME)
    assert (wf.status_code, wf.json()) == (
        404,
        {"detail": f"Workflow with id {globex_wf} not found"},
    )


def test_another_orgs_file_key_is_readable_at_create(sandbox: SandboxHandle) -> None:
    """Dograh does not check the key's org prefix at create (docs/dograh-api.md §6.2, inferred)."""
    sandbox.admin.reset(TWO_ORGS)
    acme_wf = call(sandbox, "GET", "/api/v1/workflow/fetch", ACME).json()[0]["id"]
    foreign = sandbox.upload_csv("phone_number,first_name\n+15550000001,Ada\n", api_key=GLOBEX)
    answer = call(
        sandbox,
        "POST",
        "/api/v1/campaign/create",
        ACME,
        json={"name": "x", "workflow_id": acme_wf, "source_type": "csv", "source_id": foreign},
    )
    assert answer.status_code == 200
    download = call(
        sandbox, "GET", f"/api/v1/campaign/{answer.json()['id']}/source-download-url", ACME
    )
    assert (download.status_code, download.json()) == (
        403,
        {"detail": "Access denied: Source file does not belong to your organization"},
    )


def test_context_names_the_keys_organization(sandbox: SandboxHandle) -> None:
    """``routes/organization.py`` ``get_organization_context``: each key answers its own
    organization's id, the identity a Policy's ``organization`` and the apply lock use."""
    sandbox.admin.reset(TWO_ORGS)
    ids = [org["id"] for org in sandbox.admin.organizations()]
    acme = call(sandbox, "GET", "/api/v1/organizations/context", ACME).json()
    globex = call(sandbox, "GET", "/api/v1/organizations/context", GLOBEX).json()
    assert [acme["organization_id"], globex["organization_id"]] == ids
    assert isinstance(acme["organization_provider_id"], str)


def test_context_answers_every_key(dograh: DograhTarget) -> None:
    answer = call(dograh, "GET", "/api/v1/organizations/context").json()
    assert isinstance(answer["organization_id"], int)
