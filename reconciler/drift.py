"""The drift watch: one GitHub issue per environment, kept up to date by a scheduled job.

Between pull requests nothing looks at Dograh: a campaign changed in its UI, or paused
at night by its circuit breaker, is seen only at the next change. A scheduled job runs
``plan --detailed-exitcode`` and ``status --fail-on failed --fail-on held`` per
environment (nothing is applied) and hands their outputs to ``campaigns drift-issue``,
which keeps one issue per environment: opened, or edited in place, while there is drift
(the Markdown plan, the failed and the held campaigns with Dograh's reason and its time);
closed, with a comment, once it is gone. A plan or status that failed is drift too: an
environment that could not be checked is not clean.

The issue is found again by its label and by the marker that starts its body
(``<!-- dograh-campaigns-drift:ENV -->``), through GitHub's REST API with the job's
``GITHUB_TOKEN``. Names and Dograh's messages are escaped for Markdown (escape.py).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from reconciler import __version__
from reconciler.errors import UserError
from reconciler.live import BREAKER_EVENT
from reconciler.redact import register
from reconciler.render.escape import markdown, markdown_code
from reconciler.status import CampaignStatus, StatusReport

LABEL = "dograh-campaigns-drift"
LABEL_COLOR = "d93f0b"
ENVIRONMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
LIMIT = 65_536
"""GitHub's limit on an issue's body, in characters."""
PLAN_MARKER = "<!-- dograh-campaigns-plan -->"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def marker(environment: str) -> str:
    return f"<!-- dograh-campaigns-drift:{environment} -->"


def title(environment: str) -> str:
    return f"Dograh campaigns drift: {environment}"


@dataclass(frozen=True)
class Check:
    """What the scheduled job found in one environment."""

    environment: str
    plan_exit: int
    """``plan --detailed-exitcode``: 0 no changes, 2 changes, anything else an error."""
    plan_markdown: str
    status_exit: int
    status: StatusReport | None
    """``status --format json``; None when status printed no report (it failed)."""
    run_url: str | None = None

    @property
    def troubled(self) -> list[CampaignStatus]:
        """The managed campaigns that failed, or are held paused."""
        if self.status is None:
            return []
        return [c for c in self.status.campaigns if c.state == "failed" or c.held]

    @property
    def drifted(self) -> bool:
        """Anything to look at: changes, an error, a failed or held campaign."""
        return self.plan_exit != 0 or self.status is None or bool(self.troubled)


def issue_body(check: Check) -> str:
    """The issue's Markdown: marker, what is wrong, the failed and held campaigns, then
    the plan (cut to fit GitHub's limit, saying so)."""
    head = [marker(check.environment), f"### Dograh campaigns drift: {check.environment}", ""]
    where = f" ([the run]({check.run_url}))" if check.run_url else ""
    head.append(f"Found by the scheduled drift watch{where}. Nothing was applied.")
    head.append("")
    if check.plan_exit == 2:
        head.append("- **The plan has changes**: Dograh differs from the manifests (below).")
    elif check.plan_exit != 0:
        head.append(
            f"- **The plan failed** (exit code {check.plan_exit}): the environment could not "
            "be checked; the reason is in the run's log."
        )
    if check.status is None:
        head.append(
            f"- **status failed** (exit code {check.status_exit}): the reason is in the run's log."
        )
    troubled = check.troubled
    if troubled:
        if head[-1]:
            head.append("")
        head += ["#### Failed or held campaigns", ""]
        head += ["| Campaign | State | Why | Since | Manifest |", "|---|---|---|---|---|"]
        head += [_row(entry) for entry in troubled]
    head.append("")
    plan = check.plan_markdown.strip()
    if plan.startswith(PLAN_MARKER):
        plan = plan[len(PLAN_MARKER) :].lstrip("\n")
    text = "\n".join(head)
    if plan:
        room = LIMIT - len(text) - 200
        if len(plan) > room:
            plan = plan[: max(room, 0)] + (
                "\n\n_Cut to fit GitHub's limit: run `campaigns plan` for the whole plan._"
            )
        text += "\n" + plan + "\n"
    return text[:LIMIT]


def _row(entry: CampaignStatus) -> str:
    ident = f" (id {entry.id})" if entry.id is not None else ""
    name = markdown_code(entry.name, table=True) + ident
    if entry.state == "failed":
        state = "failed"
    else:
        state = f"held: {markdown(entry.state or 'paused')}, its manifest says running"
    reason = entry.reason
    if reason is None:
        why = (
            "paused outside these manifests (no circuit breaker trip in Dograh's logs)"
            if entry.held
            else "Dograh's logs do not say why"
        )
        since = ""
    else:
        what = "circuit breaker tripped" if reason.event == BREAKER_EVENT else reason.event
        why = f"{what}: {reason.message}"
        since = reason.at
    cells = [
        name,
        state,
        markdown(why),
        markdown(since),
        markdown_code(str(entry.manifest), table=True),
    ]
    return "| " + " | ".join(cells) + " |"


class GitHub:
    """GitHub's REST API for one repository, with the job's token."""

    def __init__(self, api_url: str, repository: str, token: str) -> None:
        if not token:
            raise UserError("no GitHub token: set GITHUB_TOKEN (the job's token, issues: write)")
        register(token)
        parts = urlsplit(api_url)
        if parts.scheme != "https" and not (parts.scheme == "http" and _loopback(parts.hostname)):
            raise UserError(
                f"GITHUB_API_URL {api_url} is not https: the token would travel in clear"
            )
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", repository):
            raise UserError(f"GITHUB_REPOSITORY {repository!r} is not owner/name")
        self.repository = repository
        self._http = httpx.Client(
            base_url=api_url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": f"dograh-campaigns/{__version__}",
            },
            timeout=TIMEOUT,
            trust_env=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(
        self, method: str, path: str, *, allow: int | None = None, shown: str = "", **kwargs: Any
    ) -> httpx.Response:
        """The answer, refused as an error past 399 unless it is the ``allow`` status."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise UserError(f"GitHub {method} {path}: {type(exc).__name__}: {exc}") from None
        if response.status_code >= 400 and response.status_code != allow:
            raise UserError(
                f"GitHub {method} {shown or path} answered {response.status_code}: "
                f"{_message(response)}"
            )
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._call(method, path, **kwargs).json()

    def find_issue(self, environment: str) -> dict[str, Any] | None:
        """The open issue of this environment: labelled, its body starting with the
        marker (an issue that only quotes the marker is someone else's)."""
        path: str | None = f"/repos/{self.repository}/issues"
        params: dict[str, str] | None = {"state": "open", "labels": LABEL, "per_page": "100"}
        while path is not None:
            response = self._call("GET", path, params=params)
            for issue in response.json():
                body = issue.get("body") or ""
                if "pull_request" not in issue and body.startswith(marker(environment)):
                    return dict(issue)
            following = response.links.get("next", {}).get("url")
            path, params = (following, None) if following else (None, None)
        return None

    def ensure_label(self) -> None:
        """The label the issues are found by, made once: GitHub drops an unknown label
        from an issue it creates for some tokens, and the next run would open another."""
        path = f"/repos/{self.repository}/labels/{LABEL}"
        if self._call("GET", path, allow=404, shown=f"labels/{LABEL}").status_code == 404:
            self._json(
                "POST",
                f"/repos/{self.repository}/labels",
                json={
                    "name": LABEL,
                    "color": LABEL_COLOR,
                    "description": "Dograh campaigns differ from the manifests (drift watch)",
                },
            )

    def open_issue(self, environment: str, body: str) -> int:
        self.ensure_label()
        created = self._json(
            "POST",
            f"/repos/{self.repository}/issues",
            json={"title": title(environment), "body": body, "labels": [LABEL]},
        )
        return int(created["number"])

    def update_issue(self, number: int, environment: str, body: str) -> None:
        self._json(
            "PATCH",
            f"/repos/{self.repository}/issues/{number}",
            json={"title": title(environment), "body": body},
        )

    def close_issue(self, number: int, comment: str) -> None:
        self._json(
            "POST", f"/repos/{self.repository}/issues/{number}/comments", json={"body": comment}
        )
        self._json(
            "PATCH",
            f"/repos/{self.repository}/issues/{number}",
            json={"state": "closed", "state_reason": "completed"},
        )


def keep_issue(github: GitHub, check: Check) -> str:
    """Open, edit or close the environment's issue; what was done, in a sentence."""
    if not ENVIRONMENT.match(check.environment):
        raise UserError(
            f"--environment {check.environment!r}: letters, digits, '.', '_' and '-' only"
        )
    found = github.find_issue(check.environment)
    if check.drifted:
        body = issue_body(check)
        if found is None:
            number = github.open_issue(check.environment, body)
            return f"Drift in {check.environment}: issue #{number} opened."
        number = int(found["number"])
        if (found.get("body") or "") != body:
            github.update_issue(number, check.environment, body)
            return f"Drift in {check.environment}: issue #{number} updated."
        return f"Drift in {check.environment}: issue #{number} already says so."
    if found is None:
        return f"No drift in {check.environment}."
    number = int(found["number"])
    where = f" ([the run]({check.run_url}))" if check.run_url else ""
    github.close_issue(
        number,
        f"No drift any more{where}: the plan has no changes and no managed campaign is "
        "failed or held. Closing.",
    )
    return f"No drift in {check.environment}: issue #{number} closed."


def _loopback(host: str | None) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _message(response: httpx.Response) -> str:
    try:
        found = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(found, dict) and isinstance(found.get("message"), str):
        return str(found["message"])[:200]
    return response.text[:200]
