"""Presigned uploads and the sandbox's storage URLs (docs/dograh-api.md §6.1)."""

from __future__ import annotations

import re

import httpx
import pytest

from dograh_sandbox.testing import DograhTarget, SandboxHandle
from tests.sandbox.helpers import RENEWAL_CSV, Target, call, created
from tests.sandbox.spec import assert_schema

UPLOAD = "/api/v1/s3/presigned-upload-url"


def presign(dograh: Target, **body: object) -> httpx.Response:
    return call(dograh, "POST", UPLOAD, json=body)


def test_presigned_upload_url(dograh: DograhTarget) -> None:
    answer = presign(dograh, file_name="spring list (v2).csv", file_size=120)
    assert answer.status_code == 200
    body = answer.json()
    assert_schema(body, "PresignedUploadUrlResponse")
    assert body["expires_in"] == 900
    assert re.fullmatch(r"campaigns/\d+/[0-9a-f-]{36}_spring_list__v2_.csv", body["file_key"])
    if dograh.is_sandbox:
        assert body["upload_url"].startswith(f"{dograh.url}/_storage/{body['file_key']}?")


@pytest.mark.parametrize(
    ("body", "error_type", "loc"),
    [
        ({"file_size": 10}, "missing", ["body", "file_name"]),
        (
            {"file_name": "list.CSV", "file_size": 10},
            "string_pattern_mismatch",
            ["body", "file_name"],
        ),
        ({"file_name": "list.csv", "file_size": 0}, "greater_than", ["body", "file_size"]),
        (
            {"file_name": "list.csv", "file_size": 10_485_761},
            "less_than_equal",
            ["body", "file_size"],
        ),
        ({"file_name": "list.csv"}, "missing", ["body", "file_size"]),
    ],
)
def test_presign_body_is_validated(
    dograh: DograhTarget, body: dict[str, object], error_type: str, loc: list[str]
) -> None:
    answer = presign(dograh, **body)
    assert answer.status_code == 422
    assert_schema(answer.json(), "HTTPValidationError")
    assert [(e["type"], e["loc"]) for e in answer.json()["detail"]] == [(error_type, loc)]


def test_presign_without_body(dograh: DograhTarget) -> None:
    answer = call(dograh, "POST", UPLOAD)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body"]


def test_put_once_within_900_seconds(sandbox: SandboxHandle) -> None:
    body = presign(sandbox, file_name="a.csv", file_size=10).json()
    ok = httpx.put(
        body["upload_url"], content=b"phone_number\n", headers={"Content-Type": "text/csv"}
    )
    assert ok.status_code == 200
    again = httpx.put(body["upload_url"], content=b"x", headers={"Content-Type": "text/csv"})
    assert again.status_code == 403
    assert "<Code>AccessDenied</Code>" in again.text

    late = presign(sandbox, file_name="b.csv", file_size=10).json()
    sandbox.admin.advance(901)
    expired = httpx.put(late["upload_url"], content=b"x", headers={"Content-Type": "text/csv"})
    assert expired.status_code == 403
    assert "Request has expired" in expired.text


def test_put_just_before_expiry_works(sandbox: SandboxHandle) -> None:
    body = presign(sandbox, file_name="a.csv", file_size=10).json()
    sandbox.admin.advance(899)
    ok = httpx.put(body["upload_url"], content=b"x", headers={"Content-Type": "text/csv"})
    assert ok.status_code == 200


def test_put_must_send_the_signed_content_type(dograh: DograhTarget) -> None:
    body = presign(dograh, file_name="a.csv", file_size=10).json()
    wrong = httpx.put(body["upload_url"], content=b"x")
    assert wrong.status_code == 403
    assert "SignatureDoesNotMatch" in wrong.text
    custom = presign(dograh, file_name="b.csv", file_size=10, content_type="application/csv").json()
    ok = httpx.put(custom["upload_url"], content=b"x", headers={"Content-Type": "application/csv"})
    assert ok.status_code == 200


def test_put_without_the_signature_is_refused(dograh: DograhTarget) -> None:
    body = presign(dograh, file_name="a.csv", file_size=10).json()
    bare = body["upload_url"].split("?")[0]
    assert httpx.put(bare, content=b"x", headers={"Content-Type": "text/csv"}).status_code == 403


def test_content_type_check_can_be_off(sandbox: SandboxHandle) -> None:
    seed = {
        "organizations": [{"name": "o", "workflows": [{"name": "w"}]}],
        "storage": {"check_content_type": False},
    }
    sandbox.admin.reset(seed)
    body = presign(sandbox, file_name="a.csv", file_size=10).json()
    assert httpx.put(body["upload_url"], content=b"x").status_code == 200


def test_source_download_url_serves_the_csv(sandbox: SandboxHandle) -> None:
    campaign_id = created(sandbox)["id"]
    answer = call(sandbox, "GET", f"/api/v1/campaign/{campaign_id}/source-download-url")
    assert answer.status_code == 200
    assert_schema(answer.json(), "CampaignSourceDownloadResponse")
    assert answer.json()["expires_in"] == 3600
    url = answer.json()["download_url"]
    assert url.startswith(sandbox.url)
    download = httpx.get(url)
    assert download.status_code == 200
    assert download.text == RENEWAL_CSV
    tampered = httpx.get(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"))
    assert tampered.status_code == 403
    sandbox.admin.advance(3601)
    assert httpx.get(url).status_code == 403


def test_source_download_url_refusals(sandbox: SandboxHandle) -> None:
    sheet, foreign = sandbox.admin.insert_campaigns(
        [
            {"name": "sheet", "source_type": "google_sheet", "source_id": "sheet-1"},
            {"name": "foreign", "source_id": "campaigns/2/x.csv"},
        ]
    )
    answer = call(sandbox, "GET", f"/api/v1/campaign/{sheet}/source-download-url")
    assert (answer.status_code, answer.json()) == (
        400,
        {"detail": "Download URL only available for CSV sources. This campaign uses google_sheet"},
    )
    answer = call(sandbox, "GET", f"/api/v1/campaign/{foreign}/source-download-url")
    assert (answer.status_code, answer.json()) == (
        403,
        {"detail": "Access denied: Source file does not belong to your organization"},
    )


def test_source_download_returns_the_uploaded_csv(dograh: DograhTarget) -> None:
    """The download URL serves the file as uploaded, byte for byte, for an hour."""
    csv = dograh.contacts_csv(2)
    body = created(dograh, csv)
    answer = call(dograh, "GET", f"/api/v1/campaign/{body['id']}/source-download-url")
    assert answer.status_code == 200
    assert_schema(answer.json(), "CampaignSourceDownloadResponse")
    assert answer.json()["expires_in"] == 3600
    download = httpx.get(answer.json()["download_url"])
    assert (download.status_code, download.content) == (200, csv.encode())
    missing = call(dograh, "GET", f"/api/v1/campaign/{2**31 - 1}/source-download-url")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Campaign not found"})
