"""``campaigns sandbox`` as a user runs it: a child process that prints its URL and key,
serves plain HTTP requests, and keeps its state in a database file across restarts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dograh_sandbox.testing import sandbox_process
from tests.sandbox.helpers import RENEWAL_CSV

pytestmark = pytest.mark.needs_admin("runs sandbox processes of its own")


def test_command_prints_url_and_key_and_serves(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    log = tmp_path / "out.txt"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reconciler",
                "sandbox",
                "--port",
                "0",
                "--ready-file",
                str(ready),
            ],
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        assert set(info) == {"url", "api_key", "admin_token", "pid"}
        assert info["pid"] == process.pid
        output = log.read_text()
        assert f"listening on {info['url']}" in output
        assert info["api_key"] in output and info["api_key"].startswith("dgr_")
        assert (tmp_path / ".sandbox" / "dograh.db").exists()  # the default database
        url = f"{info['url']}/api/v1/campaign/"
        curl = shutil.which("curl")
        if curl is not None:
            text = subprocess.run(
                [curl, "-s", "-H", f"X-API-Key: {info['api_key']}", url],
                capture_output=True,
                text=True,
                check=True,
                timeout=10,
            ).stdout
        else:
            text = httpx.get(url, headers={"X-API-Key": info["api_key"]}).text
        assert json.loads(text) == {"campaigns": []}
        health = httpx.get(f"{info['url']}/api/v1/health")
        assert health.json()["status"] == "ok"
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
    assert not ready.exists()  # removed on a clean exit


def test_state_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    with sandbox_process(db=db) as first:
        key, token = first.api_key, first.admin_token
        file_key = first.upload_csv(RENEWAL_CSV)
        answer = first.request(
            "POST",
            "/api/v1/campaign/create",
            json={"name": "kept", "workflow_id": 1, "source_type": "csv", "source_id": file_key},
        )
        assert answer.status_code == 200
    with sandbox_process(db=db) as second:
        assert (second.api_key, second.admin_token) == (key, token)
        campaigns = second.request("GET", "/api/v1/campaign/").json()["campaigns"]
        assert [c["name"] for c in campaigns] == ["kept"]
        download = second.request(
            "GET", f"/api/v1/campaign/{campaigns[0]['id']}/source-download-url"
        )
        assert httpx.get(download.json()["download_url"]).text == RENEWAL_CSV


def test_flags_reach_the_server(tmp_path: Path) -> None:
    seed = {
        "organizations": [
            {
                "name": "Flagged",
                "api_keys": [{"key": "dgr_" + "f" * 32}],
                "workflows": [{"name": "w"}],
                "telephony_configurations": [{"name": "T"}],
            }
        ]
    }
    args = [
        "--fault",
        "GET /api/v1/workflow/fetch error status=503",
        "--failure-rate",
        "0.25",
        "--no-check-content-type",
    ]
    with sandbox_process(seed=seed, clock="manual", args=args) as sandbox:
        assert sandbox.api_key == "dgr_" + "f" * 32
        assert sandbox.request("GET", "/api/v1/workflow/fetch").status_code == 503
        state = sandbox.admin.state()
        assert state["simulation"]["failure_rate"] == 0.25
        assert state["storage"]["check_content_type"] is False
        assert state["clock"]["mode"] == "manual"
        # A reset keeps the command's flags: they are part of the start seed.
        sandbox.admin.reset()
        assert sandbox.admin.simulation()["failure_rate"] == 0.25
        assert sandbox.request("GET", "/api/v1/workflow/fetch").status_code == 503
        assert "Flagged" in sandbox.output()


def test_a_bad_fault_flag_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reconciler", "sandbox", "--db", ":memory:", "--fault", "GET /x"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "expected 'METHOD PATH KIND" in result.stderr
