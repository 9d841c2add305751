"""A stand-in for the GitHub CLI's `gh api`, for the few issue-comment endpoints the action
calls. It keeps the pull requests' comments in a JSON file and records every call, so a
test can assert what the action did: list, then create; next time list, then edit.

It behaves as the real endpoints do where the action depends on it: `gh` refuses to run
without GH_TOKEN; `--paginate` prints one JSON array per page, back to back; a created
comment is answered with its JSON; an unknown comment is a 404 and exit code 1.
`GhStub.refuse()` makes every call fail as a read-only token (a fork's) would.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PAGE_SIZE = 2
"""Small pages, so that the action's reading of `--paginate` output is exercised."""


@dataclass(frozen=True)
class GhStub:
    """The stub installed as `gh` in a directory for PATH, and its recorded state."""

    bin_dir: Path
    state_file: Path

    @classmethod
    def install(cls, directory: Path, comments: dict[str, list[dict[str, Any]]]) -> GhStub:
        bin_dir = directory / "bin"
        bin_dir.mkdir(parents=True)
        state = directory / "gh-state.json"
        state.write_text(
            json.dumps({"comments": comments, "next_id": 9000, "calls": [], "refuse": False}),
            encoding="utf-8",
        )
        wrapper = bin_dir / "gh"
        wrapper.write_text(
            f'#!/bin/sh\nexec "{sys.executable}" "{Path(__file__).resolve()}" "{state}" "$@"\n',
            encoding="utf-8",
        )
        wrapper.chmod(0o755)
        return cls(bin_dir, state)

    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.state_file.read_text(encoding="utf-8"))
        return data

    def comments(self, pull_request: int) -> list[dict[str, Any]]:
        comments: list[dict[str, Any]] = self.state()["comments"].get(str(pull_request), [])
        return comments

    def calls(self) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = self.state()["calls"]
        return calls

    def refuse(self) -> None:
        data = self.state()
        data["refuse"] = True
        self.state_file.write_text(json.dumps(data), encoding="utf-8")


def _fail(message: str, code: int = 1) -> int:
    print(message, file=sys.stderr)
    return code


def main(argv: Sequence[str]) -> int:
    state_file, args = Path(argv[0]), list(argv[1:])
    data = json.loads(state_file.read_text(encoding="utf-8"))
    stdin = sys.stdin.read() if "--input" in args else ""
    call = {"args": args, "stdin": stdin, "token": bool(os.environ.get("GH_TOKEN"))}
    data["calls"].append(call)
    try:
        return _handle(data, args, stdin)
    finally:
        state_file.write_text(json.dumps(data, indent=1), encoding="utf-8")


def _handle(data: dict[str, Any], args: list[str], stdin: str) -> int:
    if not os.environ.get("GH_TOKEN"):
        return _fail("gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN env.", 4)
    if not args or args[0] != "api":
        return _fail(f"gh stub: only `gh api` is supported, not {args}")
    method, paginate, endpoint, at = "GET", False, None, 1
    while at < len(args):
        arg = args[at]
        if arg in ("--method", "-X"):
            method, at = args[at + 1], at + 2
        elif arg == "--paginate":
            paginate, at = True, at + 1
        elif arg == "--input":
            if args[at + 1] != "-":
                return _fail("gh stub: --input reads stdin only")
            at += 2
        elif arg.startswith("-"):
            return _fail(f"gh stub: unsupported option {arg}")
        else:
            endpoint, at = arg, at + 1
    if endpoint is None:
        return _fail("gh stub: no endpoint")
    if data["refuse"]:
        return _fail("gh: Resource not accessible by integration (HTTP 403)")
    path = endpoint.split("?", 1)[0]
    listing = re.fullmatch(r"repos/[^/]+/[^/]+/issues/(\d+)/comments", path)
    editing = re.fullmatch(r"repos/[^/]+/[^/]+/issues/comments/(\d+)", path)
    if listing and method == "GET":
        comments = data["comments"].get(listing.group(1), [])
        pages = [comments[i : i + PAGE_SIZE] for i in range(0, len(comments), PAGE_SIZE)] or [[]]
        for page in pages if paginate else pages[:1]:
            sys.stdout.write(json.dumps(page))
        sys.stdout.write("\n")
        return 0
    if listing and method == "POST":
        body = json.loads(stdin)["body"]
        comment = {"id": data["next_id"], "body": body, "user": {"login": "github-actions[bot]"}}
        data["next_id"] += 1
        data["comments"].setdefault(listing.group(1), []).append(comment)
        print(json.dumps(comment))
        return 0
    if editing and method == "PATCH":
        wanted = int(editing.group(1))
        for comments in data["comments"].values():
            for comment in comments:
                if comment["id"] == wanted:
                    comment["body"] = json.loads(stdin)["body"]
                    print(json.dumps(comment))
                    return 0
        return _fail("gh: Not Found (HTTP 404)")
    return _fail(f"gh stub: unsupported {method} {endpoint}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
