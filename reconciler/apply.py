"""Executing a plan against Dograh: exactly its actions, safely, campaigns in parallel.

For each campaign, in order: upload the CSV, create, update, then the one lifecycle
action. Campaigns run side by side (``parallelism`` threads); a failure stops only its
own campaign. Three rules hold whatever the network does:

- **Never a duplicate.** When a create's outcome is unknown (a timeout, a dropped
  connection, a 5xx after the body was sent), the campaign list is read again and
  searched for the campaign by name and contacts hash before the create is sent again.
- **Only a manifest's `state: running` dials.** A start or resume is sent only for a
  change whose desired state is running; anything else is refused here, whatever the
  plan file says.
- **Lifecycle calls converge.** Dograh's lifecycle calls are not idempotent: a repeat
  gets a 400 naming the current state. The campaign is then read again; if it is where
  the manifest wants it, that is success.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.client import (
    DograhClient,
    DograhError,
    OutcomeUnknown,
    Refused,
    Unavailable,
)
from reconciler.errors import UserError
from reconciler.normalize import source_hash
from reconciler.plan import CampaignChange

CREATE_ATTEMPTS = 5
UPLOAD_ATTEMPTS = 5
LIFECYCLE_ATTEMPTS = 5
"""Each attempt after an unknown outcome is preceded by a read that finds out whether
the previous one happened; these bound how long a flaky Dograh is tried."""
SATISFIES = {
    "start": frozenset({"syncing", "running", "completed"}),
    "resume": frozenset({"syncing", "running", "completed"}),
    "pause": frozenset({"paused", "completed", "failed"}),
}
"""Live states in which a lifecycle action has nothing left to do."""
PAST = {
    "create": "created",
    "update": "updated",
    "start": "started",
    "pause": "paused",
    "resume": "resumed",
}


class ApplyError(UserError):
    """One campaign's failure (the others go on), or a plan refused before any request."""


@dataclass
class Outcome:
    change: CampaignChange
    campaign_id: int | None = None
    done: list[str] = field(default_factory=list)
    error: str | None = None
    skipped: bool = False
    """Not started: apply was interrupted first."""

    @property
    def remaining(self) -> list[str]:
        return [a for a in self.change.actions if a not in self.done]


Report = Callable[[str], None]


class Executor:
    def __init__(
        self,
        client: DograhClient,
        *,
        parallelism: int,
        report: Report,
        stop: threading.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.parallelism = max(1, parallelism)
        self._report = report
        self._lock = threading.Lock()
        self.stop = stop or threading.Event()
        self._clock = clock

    def say(self, line: str) -> None:
        with self._lock:
            self._report(line)

    def run(self, changes: Sequence[CampaignChange]) -> list[Outcome]:
        """Apply every change; on Ctrl-C, let the calls in flight finish, start no more,
        and raise KeyboardInterrupt after they are done (the outcomes say how far each got)."""
        outcomes = [Outcome(change) for change in changes]
        for outcome in outcomes:
            _check_safe(outcome.change)
        pool = ThreadPoolExecutor(self.parallelism, thread_name_prefix="apply")
        futures: list[Future[None]] = [pool.submit(self._apply_one, o) for o in outcomes]
        interrupted = False
        try:
            # One waiter for all (wait() in a loop would re-arm one per pending campaign
            # at every completion: quadratic, on the thread the workers need).
            for _ in as_completed(futures):
                pass
        except KeyboardInterrupt:
            interrupted = True
            self.stop.set()
            self.say("Interrupted: finishing the calls in flight, starting no more...")
        finally:
            pool.shutdown(wait=True)
        if interrupted:
            raise Interrupted(outcomes)
        return outcomes

    def _apply_one(self, outcome: Outcome) -> None:
        change = outcome.change
        if self.stop.is_set():
            outcome.skipped = True
            return
        outcome.campaign_id = change.id
        try:
            for action in change.actions:
                if self.stop.is_set():
                    return
                started = self._clock()
                if action == "create":
                    outcome.campaign_id = self._create(change)
                elif action == "update":
                    assert outcome.campaign_id is not None and change.requests.update is not None
                    self.client.update_campaign(outcome.campaign_id, change.requests.update.body())
                else:
                    assert outcome.campaign_id is not None
                    self._lifecycle(outcome.campaign_id, action, change)
                outcome.done.append(action)
                ident = f" (id {outcome.campaign_id})" if action == "create" else ""
                self.say(f"{change.name}: {PAST[action]}{ident} in {self._clock() - started:.1f} s")
        except (DograhError, ApplyError, OSError) as exc:
            outcome.error = str(exc)
            self.say(f"{change.name}: FAILED: {exc}")

    # -- create, never twice ----------------------------------------------------------

    def _create(self, change: CampaignChange) -> int:
        if change.requests.create is None or change.requests.upload is None:
            raise ApplyError("the plan has no create request for this campaign")
        file_key = self._upload(change)
        body = change.requests.create.body(file_key)
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                return self.client.create_campaign(body).id
            except OutcomeUnknown as exc:
                found = self._find_created(change)
                if found is not None:
                    lost = exc.status or "no answer"
                    self.say(
                        f"{change.name}: the create's answer was lost ({lost}), but Dograh "
                        f"has the campaign (id {found}): not creating it again"
                    )
                    return found
                if attempt == CREATE_ATTEMPTS:
                    raise ApplyError(
                        f"create failed {attempt} times without an answer, and no campaign "
                        "named so with these contacts exists; try again later"
                    ) from exc
                self.say(
                    f"{change.name}: the create had no answer and did not happen; sending it again"
                )
        raise ApplyError("unreachable")  # pragma: no cover - the loop returns or raises

    def _find_created(self, change: CampaignChange) -> int | None:
        """A campaign of this name whose contacts are this file: the create did happen."""
        assert change.requests.upload is not None
        wanted = change.requests.upload.content
        matches = [
            item.id
            for item in self.client.list_campaigns()
            if item.name == change.name and source_hash(item.source_id) == wanted
        ]
        return max(matches) if matches else None

    def _upload(self, change: CampaignChange) -> str:
        """Upload the CSV; a failed PUT gets a fresh URL (a presigned URL may be single-use)."""
        upload = change.requests.upload
        assert upload is not None
        content = Path(upload.path).read_bytes()
        if len(content) != upload.size or not _same_hash(content, upload.sha256):
            raise ApplyError(f"{upload.path} changed since the plan was made; make the plan again")
        for attempt in range(1, UPLOAD_ATTEMPTS + 1):
            target = self.client.presigned_upload(upload.file_name, len(content))
            try:
                self.client.upload(target.upload_url, content)
                return target.file_key
            except (OutcomeUnknown, Unavailable, DograhError) as exc:
                if attempt == UPLOAD_ATTEMPTS:
                    raise ApplyError(f"uploading {upload.path} failed: {exc}") from exc
        raise ApplyError("unreachable")  # pragma: no cover

    # -- lifecycle, converging --------------------------------------------------------

    def _lifecycle(self, campaign_id: int, action: str, change: CampaignChange) -> None:
        for attempt in range(1, LIFECYCLE_ATTEMPTS + 1):
            try:
                self.client.lifecycle(campaign_id, action)
                return
            except Refused as exc:
                if "current state" not in str(exc.detail or ""):
                    raise
                problem: DograhError = exc
            except OutcomeUnknown as exc:
                problem = exc
            state = self.client.get_campaign(campaign_id).state
            if state in SATISFIES[action]:
                return  # already where the manifest wants it (the call happened, or another)
            if not isinstance(problem, OutcomeUnknown) or state != _precondition(action):
                raise ApplyError(f"cannot {action}: the campaign is {state} ({problem})")
            # Still in the state it starts from: the call did not happen. Once more.
            if attempt < LIFECYCLE_ATTEMPTS:
                lost = f"the {action} had no answer and did not happen"
                self.say(f"{change.name}: {lost}; sending it again")
        raise ApplyError(
            f"{action} failed {LIFECYCLE_ATTEMPTS} times without an answer; try again later"
        )


class Interrupted(Exception):
    """Ctrl-C during apply; carries how far each campaign got."""

    def __init__(self, outcomes: list[Outcome]) -> None:
        super().__init__("interrupted")
        self.outcomes = outcomes


def _precondition(action: str) -> str:
    return {"start": "created", "resume": "paused", "pause": "running"}[action]


def _check_safe(change: CampaignChange) -> None:
    """Refuse, before any request, a plan that would dial against its manifest."""
    for action in change.actions:
        if action in ("start", "resume") and change.desired_state != "running":
            raise ApplyError(
                f"{change.name}: the plan asks to {action} a campaign whose manifest says "
                f"state: {change.desired_state}; refusing (only state: running places calls)"
            )


def _same_hash(content: bytes, sha256: str) -> bool:
    return hashlib.sha256(content).hexdigest() == sha256


def summarize(outcomes: Sequence[Outcome]) -> tuple[str, list[str]]:
    """``Apply complete! 2 created, 1 updated, 1 started.`` and one line per failure."""
    counts: dict[str, int] = {}
    for outcome in outcomes:
        for action in outcome.done:
            counts[action] = counts.get(action, 0) + 1
    order = ("create", "update", "start", "pause", "resume")
    done = ", ".join(f"{counts[a]} {PAST[a]}" for a in order if counts.get(a)) or "nothing changed"
    failures = [
        f"{o.change.name}: {o.error} (not done: {', '.join(o.remaining) or 'nothing'})"
        for o in outcomes
        if o.error
    ]
    return done, failures
