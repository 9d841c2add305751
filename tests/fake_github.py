"""A fake of the part of GitHub's REST API the drift watch uses, served on loopback:
issues (list with labels and pagination, create, edit), their comments, and labels. It
checks the token as GitHub does and keeps every request, for the tests to read."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "ghs_fake_token_for_tests"
REPOSITORY = "acme/outbound"


@dataclass
class FakeGitHub:
    url: str = ""
    page_size: int = 100
    """Issues per page at most (GitHub's per_page, capped): smaller pages test paging."""
    issues: list[dict[str, Any]] = field(default_factory=list)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[str]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_issue(self, **fields: Any) -> dict[str, Any]:
        issue = {
            "number": len(self.issues) + 1,
            "title": "",
            "body": "",
            "state": "open",
            "labels": [],
            **fields,
        }
        self.issues.append(issue)
        return issue

    def issue(self, number: int) -> dict[str, Any]:
        return next(issue for issue in self.issues if issue["number"] == number)

    def handle(self, method: str, target: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        prefix = f"/repos/{REPOSITORY}"
        if not path.startswith(prefix):
            return 404, {"message": "Not Found"}, {}
        rest = path[len(prefix) :]
        if method == "GET" and rest == "/issues":
            return self._list(query)
        if method == "POST" and rest == "/issues":
            names = body.get("labels", [])
            issue = self.add_issue(
                title=body["title"],
                body=body.get("body", ""),
                labels=[self.labels[n] for n in names if n in self.labels],
            )
            return 201, issue, {}
        found = re.fullmatch(r"/issues/(\d+)", rest)
        if method == "PATCH" and found:
            issue = self.issue(int(found.group(1)))
            issue.update({k: v for k, v in body.items() if k in ("title", "body", "state")})
            return 200, issue, {}
        found = re.fullmatch(r"/issues/(\d+)/comments", rest)
        if method == "POST" and found:
            self.comments.setdefault(int(found.group(1)), []).append(body["body"])
            return 201, {"id": 1, "body": body["body"]}, {}
        found = re.fullmatch(r"/labels/([^/]+)", rest)
        if method == "GET" and found:
            label = self.labels.get(found.group(1))
            return (200, label, {}) if label else (404, {"message": "Not Found"}, {})
        if method == "POST" and rest == "/labels":
            self.labels[body["name"]] = {"name": body["name"], "color": body.get("color")}
            return 201, self.labels[body["name"]], {}
        return 404, {"message": "Not Found"}, {}

    def _list(self, query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        state = query.get("state", ["open"])[0]
        wanted = [n for n in query.get("labels", [""])[0].split(",") if n]
        size = min(int(query.get("per_page", ["30"])[0]), self.page_size)
        page = int(query.get("page", ["1"])[0])
        chosen = [
            issue
            for issue in self.issues
            if (state == "all" or issue["state"] == state)
            and all(name in {label["name"] for label in issue["labels"]} for name in wanted)
        ]
        shown = chosen[(page - 1) * size : page * size]
        headers: dict[str, str] = {}
        if page * size < len(chosen):
            labels = ",".join(wanted)
            following = (
                f"{self.url}/repos/{REPOSITORY}/issues?state={state}&labels={labels}"
                f"&per_page={size}&page={page + 1}"
            )
            headers["Link"] = f'<{following}>; rel="next"'
        return 200, shown, headers


@contextmanager
def running_fake_github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers: dict[str, str]
            with fake.lock:
                fake.calls.append((method, self.path))
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    status, answer, headers = 401, {"message": "Bad credentials"}, {}
                else:
                    status, answer, headers = fake.handle(
                        method, self.path, json.loads(raw) if raw else {}
                    )
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PATCH(self) -> None:
            self._serve("PATCH")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
