"""``campaigns sandbox`` as a user runs it: a child process that prints its URL and key,
serves plain HTTP requests, and keeps its state in a database file across restarts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from dograh_sandbox.testing import sandbox_process
from tests.sandbox.helpers import RENEWAL_CSV

pytestmark = pytest.mark.needs_admin("runs sandbox processes of its own")


SANDBOX = [sys.executable, "-m", "reconciler", "sandbox"]


@contextmanager
def _command(tmp_path: Path, *args: str) -> Iterator[tuple[dict[str, Any], Path]]:
    """``campaigns sandbox --port 0`` run as a user runs it, from ``tmp_path``, with the
    user's state directory in ``tmp_path/state``: the ready file's content and the log."""
    ready = tmp_path / "ready.json"
    log = tmp_path / "out.txt"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*SANDBOX, "--port", "0", "--ready-file", str(ready), *args],
            cwd=tmp_path,
            env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        while not ready.exists():  # pytest's timeout ends it if the sandbox never starts
            assert process.poll() is None, log.read_text()
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        assert info["pid"] == process.pid
        yield info, log
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
    assert not ready.exists()  # removed on a clean exit


def test_command_prints_url_and_key_and_serves(tmp_path: Path) -> None:
    with _command(tmp_path) as (info, log):
        assert set(info) == {"url", "api_key", "admin_token", "pid"}
        output = log.read_text()
        assert f"listening on {info['url']}" in output
        assert info["api_key"] in output and info["api_key"].startswith("dgr_")
        # The default database is in the user's state directory, not the current one.
        db = tmp_path / "state" / "dograh-campaigns" / "sandbox" / "dograh.db"
        assert db.exists()
        assert f"Database: {db}" in output
        assert sorted(path.name for path in tmp_path.iterdir()) == [
            "out.txt",
            "ready.json",
            "state",
        ]
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


def test_a_second_sandbox_on_the_same_database_is_refused(tmp_path: Path) -> None:
    """The default database is one per user: a second sandbox would share the first's."""
    with _command(tmp_path):
        second = subprocess.run(
            [*SANDBOX, "--port", "0"],
            cwd=tmp_path,
            env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")},
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert second.returncode == 1
    db = tmp_path / "state" / "dograh-campaigns" / "sandbox" / "dograh.db"
    assert f"another `campaigns sandbox` is using {db}" in second.stderr
    assert "--db FILE" in second.stderr


def test_without_the_admin_api_only_dograhs_routes_answer(tmp_path: Path) -> None:
    with _command(tmp_path, "--db", ":memory:", "--no-admin-api") as (info, log):
        assert info["admin_token"] is None
        output = log.read_text()
        assert "Admin API: off" in output and "X-Sandbox-Admin-Token" not in output
        key = {"X-API-Key": info["api_key"]}
        assert httpx.get(f"{info['url']}/api/v1/campaign/", headers=key).status_code == 200
        admin = httpx.get(f"{info['url']}/_sandbox/state", headers={"X-Sandbox-Admin-Token": "x"})
        assert admin.status_code == 404
    assert not (tmp_path / "state").exists()  # :memory: writes nothing


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
