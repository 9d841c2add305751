"""The client's reads for import and status: the contacts file through its signed URL
(never with the API key, refused past 10 MiB without reading it all) and a campaign's
progress."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from dograh_sandbox.testing import SandboxHandle
from reconciler.client import MAX_DOWNLOAD, DograhClient
from reconciler.client_errors import DograhError, NotFound
from reconciler.client_settings import ClientSettings, RetryPolicy
from reconciler.manifest.contacts import MAX_CSV_BYTES

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02, budget=2.0)
CSV = b'phone_number,first_name\r\n+15550100,"Ada, Jr."\r\n+15550101,Ben'


def _client(sandbox: SandboxHandle) -> DograhClient:
    settings = ClientSettings(base_url=sandbox.url, api_key=sandbox.api_key, retry=FAST)
    return DograhClient(settings, sleep=lambda _: None)


def _campaign(sandbox: SandboxHandle, content: bytes = CSV) -> int:
    key = sandbox.upload_csv(content)
    body = {"name": "east", "workflow_id": 3, "source_type": "csv", "source_id": key}
    answer = sandbox.request("POST", "/api/v1/campaign/create", json=body)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["id"])


def test_the_contacts_file_comes_back_byte_for_byte(sandbox: SandboxHandle) -> None:
    campaign_id = _campaign(sandbox)
    with _client(sandbox) as client:
        target = client.source_download_url(campaign_id)
        assert client.download(target.download_url) == CSV
    downloads = [r for r in sandbox.admin.requests(method="GET") if r.path.startswith("/_storage/")]
    assert len(downloads) == 1


def test_the_key_goes_to_dograh_and_never_to_storage() -> None:
    seen: dict[str, str | None] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen[request.url.host] = request.headers.get("X-API-Key")
        if request.url.host == "dograh.test":
            url = "https://storage.test/campaigns/1/a.csv?X-Amz-Signature=abc"
            return httpx.Response(200, json={"download_url": url, "expires_in": 3600})
        return httpx.Response(200, content=b"phone_number\n+15550100\n")

    settings = ClientSettings(base_url="https://dograh.test", api_key="dgr_" + "k" * 43)
    with DograhClient(settings, transport=httpx.MockTransport(handler)) as client:
        target = client.source_download_url(7)
        assert client.download(target.download_url) == b"phone_number\n+15550100\n"
    assert seen == {"dograh.test": settings.api_key, "storage.test": None}


class Endless(httpx.SyncByteStream):
    """A body of ``total`` bytes, counting what the client pulled of it."""

    CHUNK = 64 * 1024

    def __init__(self, total: int) -> None:
        self.total = total
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        while self.sent < self.total:
            size = min(self.CHUNK, self.total - self.sent)
            self.sent += size
            yield b"x" * size


def test_a_download_past_the_limit_is_refused_unread() -> None:
    assert MAX_DOWNLOAD == MAX_CSV_BYTES
    bodies: list[Endless] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(Endless(int(request.url.params["size"])))
        return httpx.Response(200, stream=bodies[-1])

    settings = ClientSettings(base_url="https://dograh.test", api_key="dgr_key")
    with DograhClient(settings, transport=httpx.MockTransport(handler)) as client:
        assert len(client.download(f"https://storage.test/a.csv?size={MAX_DOWNLOAD}")) == (
            MAX_DOWNLOAD
        )
        with pytest.raises(DograhError, match="the contacts file Dograh sent is over 10,485,760"):
            client.download("https://storage.test/a.csv?size=1000000000")
        with pytest.raises(DograhError, match="over 100 bytes"):
            client.download("https://storage.test/a.csv?size=101", limit=100)
    assert bodies[1].sent <= MAX_DOWNLOAD + Endless.CHUNK  # not a gigabyte


def test_a_missing_file_is_an_error_that_hides_the_signed_url(sandbox: SandboxHandle) -> None:
    (campaign_id,) = sandbox.admin.insert_campaigns([{"name": "no-file"}])
    with _client(sandbox) as client:
        target = client.source_download_url(campaign_id)
        with pytest.raises(DograhError) as caught:
            client.download(target.download_url)
    message = str(caught.value)
    assert message == "downloading the contacts file failed with HTTP 404 (NoSuchKey)"
    assert "Signature" not in message
    with _client(sandbox) as client, pytest.raises(NotFound):
        client.source_download_url(999)


def test_progress_of_a_running_campaign(sandbox: SandboxHandle) -> None:
    campaign_id = _campaign(sandbox)
    assert sandbox.request("POST", f"/api/v1/campaign/{campaign_id}/start").status_code == 200
    sandbox.admin.advance(0)  # the sync
    with _client(sandbox) as client:
        progress = client.campaign_progress(campaign_id)
    assert (progress.campaign_id, progress.state, progress.total_rows) == (
        campaign_id,
        "running",
        2,
    )
    assert progress.source_sync.status == "completed"
    assert progress.failed_calls == 0
