"""The sandbox for tests and benchmarks: a handle on a running sandbox, its typed admin
client, an in-thread server (the pytest fixture's) and a separate-process server
(benchmarks, the demo).

    with running_sandbox() as sandbox:          # uvicorn in a thread, manual clock
        httpx.get(f"{sandbox.url}/api/v1/campaign/", headers={"X-API-Key": sandbox.api_key})
        sandbox.admin.advance(60)

    with sandbox_process() as sandbox:          # `campaigns sandbox --port 0` as a child
        ...

``tests/conftest.py`` exposes ``sandbox`` (reset before each test) on top of a
session-wide ``running_sandbox()``. docs/sandbox.md documents this interface.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import yaml

from dograh_sandbox.faults import FaultRule
from dograh_sandbox.requestlog import RequestRecord

ADMIN_HEADER = "X-Sandbox-Admin-Token"
SeedLike = Mapping[str, Any] | str | Path


class SandboxAdminError(RuntimeError):
    """The admin API refused a call (its status and body are in the message)."""


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _seed_data(seed: SeedLike) -> dict[str, Any]:
    if isinstance(seed, Mapping):
        return dict(seed)
    with Path(seed).open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


class SandboxAdmin:
    """A typed client of the admin API (``/_sandbox``), one method per endpoint."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self._http = httpx.Client(
            base_url=url, headers={ADMIN_HEADER: token}, timeout=120, trust_env=False
        )
        self.organizations_cache: list[dict[str, Any]] = []

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, f"/_sandbox{path}", **kwargs)
        if response.status_code >= 400:
            raise SandboxAdminError(
                f"{method} /_sandbox{path}: {response.status_code} {response.text}"
            )
        return response.json()

    # -- state -----------------------------------------------------------------------------

    def reset(self, seed: SeedLike | None = None) -> list[dict[str, Any]]:
        """Back to ``seed`` (a mapping, or a YAML file) or to the sandbox's start seed:
        organizations, campaigns, uploads, clock, simulation settings and faults, and an
        empty request log. Returns the organizations with their keys."""
        body = None if seed is None else {"seed": _seed_data(seed)}
        result = self._call("POST", "/reset", json=body)
        self.organizations_cache = result["organizations"]
        return self.organizations_cache

    def organizations(self) -> list[dict[str, Any]]:
        """Every organization with its API keys, workflows and telephony configurations."""
        self.organizations_cache = self._call("GET", "/organizations")
        return self.organizations_cache

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/state")
        return result

    @property
    def default_api_key(self) -> str:
        """The first active key of the first organization."""
        if not self.organizations_cache:
            self.organizations()
        for key in self.organizations_cache[0]["api_keys"]:
            if not key["archived"] and key["owner"] == "present":
                return str(key["key"])
        raise SandboxAdminError("the first organization has no usable API key")

    # -- clock -----------------------------------------------------------------------------

    def now(self) -> datetime:
        return _instant(self._call("GET", "/clock")["now"])

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward and run the simulation over the gap; returns the new now."""
        return _instant(self._call("POST", "/clock/advance", json={"seconds": seconds})["now"])

    def set_clock(self, now: datetime | str | None = None, *, mode: str | None = None) -> datetime:
        """Set the clock (forwards runs the simulation), and/or switch manual/realtime."""
        if isinstance(now, datetime):
            moment = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
            now = moment.isoformat()
        return _instant(self._call("POST", "/clock", json={"now": now, "mode": mode})["now"])

    def step(self) -> datetime:
        """Run the simulation up to now without moving the clock (a realtime clock moves)."""
        return self.set_clock()

    # -- simulation --------------------------------------------------------------------------

    def simulation(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/simulation")
        return result

    def set_simulation(self, **settings: Any) -> dict[str, Any]:
        """Change simulation settings, e.g. ``failure_rate=1.0, call_duration_seconds=10``."""
        result: dict[str, Any] = self._call("PATCH", "/simulation", json=settings)
        return result

    # -- faults ----------------------------------------------------------------------------

    def set_faults(self, *rules: FaultRule | Mapping[str, Any], seed: int | None = None) -> None:
        """Replace every fault rule (counters and dice restart)."""
        payload = [_rule_dict(rule) for rule in rules]
        self._call("PUT", "/faults", json={"rules": payload, "seed": seed})

    def add_fault(self, rule: FaultRule | Mapping[str, Any]) -> None:
        self._call("POST", "/faults/rules", json=_rule_dict(rule))

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def faults(self) -> list[dict[str, Any]]:
        """The rules with their ``matched`` and ``fired`` counters."""
        rules: list[dict[str, Any]] = self._call("GET", "/faults")["rules"]
        return rules

    # -- request log -------------------------------------------------------------------------

    def requests(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        campaign_id: int | None = None,
        since: int = 0,
    ) -> list[RequestRecord]:
        """Logged requests, oldest first, optionally filtered (``path`` is exact)."""
        entries = self._call("GET", "/requests", params={"since": since})["requests"]
        records = [RequestRecord(**entry) for entry in entries]
        return [
            record
            for record in records
            if (method is None or record.method == method.upper())
            and (path is None or record.path == path)
            and (campaign_id is None or record.campaign_id == campaign_id)
        ]

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    # -- campaigns -------------------------------------------------------------------------

    def insert_campaigns(
        self, campaigns: Sequence[Mapping[str, Any]], *, organization_id: int | None = None
    ) -> list[int]:
        """Bulk insert full campaign records in any state (see docs/sandbox.md)."""
        records = [
            {**record, "organization_id": record.get("organization_id", organization_id)}
            for record in campaigns
        ]
        ids: list[int] = self._call("POST", "/campaigns", json={"campaigns": records})["ids"]
        return ids

    def workflow(self, workflow_id: int) -> dict[str, Any]:
        """A workflow with its published version and draft (and the variables create
        checks in each)."""
        result: dict[str, Any] = self._call("GET", f"/workflows/{workflow_id}")
        return result

    def change_workflow(
        self,
        workflow_id: int,
        *,
        draft_definition: Mapping[str, Any] | None = None,
        draft_template_variables: Sequence[str] | None = None,
        publish: bool = False,
        discard_draft: bool = False,
        status: str | None = None,
    ) -> dict[str, Any]:
        """Save a draft (a definition, or one generated from variables), then publish it
        or discard it, and/or set the workflow's status; returns ``workflow()``."""
        body: dict[str, Any] = {"publish": publish, "discard_draft": discard_draft}
        if draft_definition is not None:
            body["draft_definition"] = dict(draft_definition)
        if draft_template_variables is not None:
            body["draft_template_variables"] = list(draft_template_variables)
        if status is not None:
            body["status"] = status
        result: dict[str, Any] = self._call("PUT", f"/workflows/{workflow_id}", json=body)
        return result

    def runs(self, campaign_id: int) -> list[dict[str, Any]]:
        """A campaign's queued runs as the simulation keeps them (retries included)."""
        runs: list[dict[str, Any]] = self._call("GET", f"/campaigns/{campaign_id}/runs")["runs"]
        return runs


def _rule_dict(rule: FaultRule | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(rule, FaultRule):
        return rule.model_dump()
    return dict(rule)


class _ClientCalls:
    """Calls on Dograh's API as a client makes them, on one shared httpx client: for
    both the sandbox's handle and a contract test's target."""

    url: str
    _http: httpx.Client | None

    def _default_key(self) -> str:
        raise NotImplementedError

    def request(
        self, method: str, path: str, *, api_key: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        """One call on a shared client; ``X-API-Key`` is the default key unless given
        (``api_key=""`` sends none). ``path`` may also be a full URL (an upload URL)."""
        if self._http is None:
            self._http = httpx.Client(base_url=self.url, timeout=60, trust_env=False)
        headers = dict(kwargs.pop("headers", {}))
        key = self._default_key() if api_key is None else api_key
        if key:
            headers.setdefault("X-API-Key", key)
        return self._http.request(method, path, headers=headers, **kwargs)

    def upload_csv(
        self, content: str | bytes, file_name: str = "contacts.csv", api_key: str | None = None
    ) -> str:
        """Upload a CSV as a client would (presigned URL, then PUT); returns its file_key."""
        data = content.encode() if isinstance(content, str) else content
        answer = self.request(
            "POST",
            "/api/v1/s3/presigned-upload-url",
            api_key=api_key,
            json={"file_name": file_name, "file_size": max(len(data), 1)},
        )
        answer.raise_for_status()
        body = answer.json()
        put = self.request(
            "PUT",
            body["upload_url"],
            api_key="",
            content=data,
            headers={"Content-Type": "text/csv"},
        )
        put.raise_for_status()
        return str(body["file_key"])

    def close(self) -> None:
        """Close the shared client (a server's lifetime is its context manager's)."""
        if self._http is not None:
            self._http.close()
            self._http = None


@dataclass
class SandboxHandle(_ClientCalls):
    """A running sandbox: where it is, its default key, and its admin client."""

    url: str
    admin_token: str
    admin: SandboxAdmin
    pid: int = field(default_factory=os.getpid)
    _http: httpx.Client | None = field(default=None, repr=False)

    @property
    def api_key(self) -> str:
        """The first organization's key (it follows resets to another seed)."""
        return self.admin.default_api_key

    def api_keys(self) -> list[str]:
        """One usable key per organization, in organization order."""
        if not self.admin.organizations_cache:
            self.admin.organizations()
        return [
            next(str(key["key"]) for key in org["api_keys"] if not key["archived"])
            for org in self.admin.organizations_cache
        ]

    def client(self, api_key: str | None = None, **kwargs: Any) -> httpx.Client:
        """A new httpx client on the sandbox with ``X-API-Key`` set (close it, or use
        ``with``). Creating an httpx client costs ~30 ms: for many small calls, prefer
        ``request``."""
        headers = {"X-API-Key": api_key or self.api_key, **kwargs.pop("headers", {})}
        return httpx.Client(base_url=self.url, headers=headers, trust_env=False, **kwargs)

    def _default_key(self) -> str:
        return self.api_key


@contextmanager
def running_sandbox(
    seed: SeedLike | None = None,
    *,
    clock: str = "manual",
    db: str = ":memory:",
    admin_token: str | None = None,
    auth_provider: str = "local",
) -> Iterator[SandboxHandle]:
    """A sandbox on a free loopback port, served by uvicorn in a thread of this process.
    ``auth_provider`` "stack" answers a keyless request as hosted Dograh does."""
    from dograh_sandbox.app import build
    from dograh_sandbox.seed import Seed
    from dograh_sandbox.server import ThreadedServer
    from dograh_sandbox.state import Options

    options = Options(
        db=db,
        seed=None if seed is None else Seed.model_validate(_seed_data(seed)),
        reset=seed is not None,
        clock="manual" if clock == "manual" else "realtime",
        admin_token=admin_token or secrets.token_urlsafe(24),
        auth_provider=auth_provider,
    )
    state, app = build(options)
    server = ThreadedServer(app)
    server.start()
    admin = SandboxAdmin(server.url, state.admin_token)
    try:
        admin.organizations()
        handle = SandboxHandle(server.url, state.admin_token, admin)
        yield handle
        handle.close()
    finally:
        admin.close()
        server.stop()
        state.store.close()


@dataclass
class SandboxProcess(SandboxHandle):
    """A sandbox in a child process (``campaigns sandbox``); ``log`` holds its output."""

    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    def output(self) -> str:
        return "" if self.log is None else self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def sandbox_process(
    *,
    db: str | Path | None = None,
    seed: SeedLike | None = None,
    clock: str = "realtime",
    args: Sequence[str] = (),
    timeout: float = 30.0,
) -> Iterator[SandboxProcess]:
    """``campaigns sandbox --port 0 --ready-file ...`` as a child process, until exit.

    ``db`` defaults to a fresh file in a temporary directory; ``args`` are extra flags
    (``--fault``, ``--failure-rate``...).
    """
    with tempfile.TemporaryDirectory(prefix="dograh-sandbox-") as tmp:
        directory = Path(tmp)
        ready = directory / "ready.json"
        log = directory / "sandbox.log"
        command = [
            sys.executable,
            "-m",
            "reconciler",
            "sandbox",
            "--port",
            "0",
            "--db",
            str(db or directory / "dograh.db"),
            "--clock",
            clock,
            "--ready-file",
            str(ready),
            *args,
        ]
        if seed is not None:
            seed_file = directory / "seed.yaml"
            seed_file.write_text(yaml.safe_dump(_seed_data(seed)), encoding="utf-8")
            command += ["--seed", str(seed_file), "--reset"]
        with log.open("wb") as sink:
            process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while not ready.exists():
                if process.poll() is not None:
                    raise RuntimeError(
                        f"campaigns sandbox exited with {process.returncode}:\n{log.read_text()}"
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"campaigns sandbox not ready in {timeout}s:\n{log.read_text()}"
                    )
                time.sleep(0.05)
            info = json.loads(ready.read_text(encoding="utf-8"))
            admin = SandboxAdmin(info["url"], info["admin_token"])
            try:
                admin.organizations()
                handle = SandboxProcess(
                    url=info["url"],
                    admin_token=info["admin_token"],
                    admin=admin,
                    pid=int(info["pid"]),
                    process=process,
                    log=log,
                )
                yield handle
                handle.close()
            finally:
                admin.close()
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


# -- the conformance switch: one target, the sandbox or a real Dograh ------------------------

CONFORMANCE_URL = "DOGRAH_TEST_API_URL"
CONFORMANCE_KEY = "DOGRAH_TEST_API_KEY"


def conformance_settings() -> tuple[str, str] | None:
    """``(url, api_key)`` of the real Dograh to test against, when both variables are set."""
    url = os.environ.get(CONFORMANCE_URL, "").strip()
    key = os.environ.get(CONFORMANCE_KEY, "").strip()
    return (url.rstrip("/"), key) if url and key else None


def run_prefix() -> str:
    """``dc-test-<8 hex>-``: the name prefix of every campaign a test run creates (Dograh
    cannot delete campaigns). All xdist workers of one run share it."""
    uid = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")
    token = uid[:8] if len(uid) >= 8 else secrets.token_hex(4)
    return f"dc-test-{token}-"


@dataclass(frozen=True)
class TargetWorkflow:
    """A workflow to create campaigns with, and the CSV columns it needs."""

    id: int
    name: str
    variables: tuple[str, ...]


@dataclass
class DograhTarget(_ClientCalls):
    """Where a contract test sends its requests: the sandbox, or a real Dograh.

    ``admin`` is the sandbox's admin client, None on a real Dograh (tests that need it are
    skipped there). ``name()`` prefixes a campaign name with the run's prefix, ``mine()``
    keeps a listing's campaigns of this run. ``workflow()`` and ``contacts_csv()`` find a
    workflow of the organization and a CSV that satisfies its variables, so that the same
    test creates campaigns in the sandbox's seed and in any real organization.
    """

    url: str
    api_key: str
    prefix: str
    admin: SandboxAdmin | None = None
    sandbox: SandboxHandle | None = None
    _http: httpx.Client | None = field(default=None, repr=False)
    _workflow: TargetWorkflow | None = field(default=None, repr=False)
    _made: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def is_sandbox(self) -> bool:
        return self.admin is not None

    @property
    def sandbox_admin(self) -> SandboxAdmin:
        """``admin``, for tests marked ``needs_admin`` (which never run on a real Dograh)."""
        if self.admin is None:
            raise RuntimeError("this target is a real Dograh: mark the test needs_admin")
        return self.admin

    def name(self, name: str) -> str:
        """The campaign name this run uses for ``name``."""
        return f"{self.prefix}{name}"

    def mine(self, campaigns: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The campaigns of ``campaigns`` that this run created (by the name prefix)."""
        return [item for item in campaigns if str(item.get("name", "")).startswith(self.prefix)]

    def _default_key(self) -> str:
        return self.api_key

    def workflow(self) -> TargetWorkflow:
        """The first active workflow (by id) whose published version's variables a CSV can
        carry (all lowercase, since Dograh lowercases headers); cached."""
        if self._workflow is not None:
            return self._workflow
        from dograh_sandbox.workflows import extract_template_variables

        listing = self.request("GET", "/api/v1/workflow/fetch", params={"status": "active"})
        listing.raise_for_status()
        for item in sorted(listing.json(), key=lambda item: int(item["id"])):
            versions = self.request("GET", f"/api/v1/workflow/{item['id']}/versions")
            if versions.status_code != 200:
                continue
            published = [v for v in versions.json() if v["status"] == "published"]
            if not published:
                continue
            texts = _definition_texts(published[0]["workflow_json"])
            found: set[str] = set()
            for text in texts:
                found |= extract_template_variables(text)
            if all(name == name.lower() for name in found):
                self._workflow = TargetWorkflow(
                    int(item["id"]), str(item["name"]), tuple(sorted(found))
                )
                return self._workflow
        raise RuntimeError(f"{self.url}: no active workflow with a usable published version")

    def new_workflow(self, definition: Mapping[str, Any], name: str = "workflow") -> int:
        """The id of a workflow of this run's own whose published version is ``definition``,
        made through Dograh's public API (``POST /workflow/create/definition``), so a test
        that needs particular variables runs on a real Dograh too. Dograh cannot delete
        workflows: the name carries the run's prefix, and one name and definition are made
        once per target."""
        text = json.dumps([name, definition], sort_keys=True)
        if text not in self._made:
            answer = self.request(
                "POST",
                "/api/v1/workflow/create/definition",
                json={"name": self.name(name), "workflow_definition": definition},
            )
            if answer.status_code != 200:
                raise RuntimeError(f"{self.url}: workflow not created: {answer.text}")
            self._made[text] = int(answer.json()["id"])
        return self._made[text]

    def contacts_csv(self, rows: int = 3, *, first: int = 0) -> str:
        """A CSV for ``workflow()``: ``phone_number`` (fictional +1 212 555 01xx numbers)
        and one non-empty column per variable."""
        columns = ["phone_number", *self.workflow().variables]
        lines = [",".join(columns)]
        for row in range(first, first + rows):
            lines.append(",".join([f"+1212555{row:04d}", *(f"v{row}" for _ in columns[1:])]))
        return "\n".join(lines) + "\n"


def _definition_texts(definition: Any) -> list[str]:
    """Every prompt, greeting and transition speech of a definition: a superset of what
    Dograh scans, so a CSV with all their variables always passes its check."""
    texts: list[str] = []
    if not isinstance(definition, dict):
        return texts
    for node in definition.get("nodes") or []:
        data = node.get("data") if isinstance(node, dict) else None
        if isinstance(data, dict):
            texts += [data[key] for key in ("prompt", "greeting") if isinstance(data.get(key), str)]
    for edge in definition.get("edges") or []:
        data = edge.get("data") if isinstance(edge, dict) else None
        if isinstance(data, dict) and isinstance(data.get("transition_speech"), str):
            texts.append(data["transition_speech"])
    return texts


def sandbox_target(sandbox: SandboxHandle, prefix: str) -> DograhTarget:
    """The target on a sandbox (reset by the caller): its default key and admin client."""
    return DograhTarget(
        url=sandbox.url,
        api_key=sandbox.api_key,
        prefix=prefix,
        admin=sandbox.admin,
        sandbox=sandbox,
    )
