"""Executing a plan against Dograh: exactly its actions, safely, campaigns in parallel.

Two phases, each with the campaigns side by side (``parallelism`` threads): the creates
(upload, then create) and redials, then one re-read of the campaign list, then for each
campaign its update and its one lifecycle action. A failure stops only its own campaign.
The rules that hold whatever the network does:

- **Never a duplicate.** A create whose answer is lost is looked for (by name, owner and
  contacts) before anything else. If Dograh answered (its handler finished) and the
  campaign is not there, it did not happen: sent again. If no answer came, the request
  may still be running: the list is read again for a while, and if the campaign is still
  not there the outcome is reported unknown ("run apply again"), never re-sent blindly.
  Only Dograh's answer counts as one: a gateway's 502, 503 or 504, or an error page that
  is not Dograh's JSON, is no answer (client.py).
  A redial's lost answer is settled the same way, through its parent's
  ``redialed_campaign_id`` (docs/dograh-api.md §2.9). Dograh's refusals that a redial
  meets in the normal course are outcomes, not failures: "No subscribers match" means
  nobody is left to call, "already been redialed" that the redial exists (it is read).
- **At most one campaign per manifest dials.** After the creates, the list is read once:
  a campaign of the same owner, name and contacts that is older than ours means another
  apply (on another machine) created it first; ours is not started, and that is said.
- **Only a manifest's `state: running` dials.** A start or resume is sent only for a
  change whose desired state is running; anything else is refused here, whatever a plan
  file says.
- **A pause sticks.** Dograh's sync sets `running` when it ends, whatever happened
  meanwhile (docs/dograh-api.md §3.2): a campaign still syncing is waited for (bounded,
  with a progress line), then paused, then read again; "paused" is reported only when
  it is.
- **Lifecycle calls converge.** A repeat gets a 400 naming the current state: the
  campaign is read again; if it is where the manifest wants it, that is success.
- **One retry policy.** An action is sent again only after a read showed that Dograh
  answered without doing it, and every send of it draws on the one count of attempts
  and pauses of the client's ``RetryPolicy`` (``Tries``): nothing here retries on top.
- **No error is lost.** Every exception of a campaign's work is recorded against it; one
  this tool did not expect is re-raised after the others finished (a bug: exit 3).
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from reconciler.client import DograhClient
from reconciler.client_errors import (
    ClearTextRefused,
    DograhError,
    OutcomeUnknown,
    Refused,
    Unavailable,
)
from reconciler.errors import UserError
from reconciler.identity import made_by_create
from reconciler.live import AnswerShapeError, LiveCampaign
from reconciler.plan import CampaignChange
from reconciler.render import escape

UNANSWERED_WAIT = 30.0
"""How long a create (or redial) that got no answer is looked for before its outcome is
reported unknown: the request may still be running in Dograh."""
NO_SUBSCRIBERS = "No subscribers match the selected redial criteria"
ALREADY_REDIALED = "has already been redialed"
"""Dograh's refusals of a redial that are outcomes (§2.9): nobody to call again; a redial
exists ("This campaign has already been redialed", or "Campaign N has already been
redialed" when two raced)."""
SYNC_WAIT = 300.0
"""How long a pause waits for Dograh's sync of the campaign to end."""
SATISFIES = {
    "start": frozenset({"syncing", "running", "completed"}),
    "resume": frozenset({"syncing", "running", "completed"}),
    "pause": frozenset({"paused", "completed", "failed"}),
}
"""Live states in which a lifecycle action has nothing left to do."""
PAST = {
    "create": "created",
    "redial": "redialed",
    "update": "updated",
    "start": "started",
    "pause": "paused",
    "resume": "resumed",
}


class ApplyError(UserError):
    """One campaign's failure (the others go on), or a plan refused before any request."""


class AcceptedUnread(ApplyError):
    """Dograh accepted an update or lifecycle call, but its answer cannot be read: the
    action counts as done (it happened) and the campaign as failed (unconfirmed)."""

    def __init__(self, action: str, answer: AnswerShapeError) -> None:
        super().__init__(f"the {action} was accepted, but {answer}")


@dataclass
class Outcome:
    change: CampaignChange
    campaign_id: int | None = None
    done: list[str] = field(default_factory=list)
    error: str | None = None
    bug: BaseException | None = None
    """An exception this tool did not expect: re-raised once the others are done."""
    skipped: bool = False
    """Not started: apply was interrupted first."""
    settled: str | None = None
    """Why the rest of this change is not needed (a redial: nobody to call, or made
    elsewhere and already started): an outcome, not a failure."""
    nobody: bool = False
    """Dograh found no contact to redial: planning again shows the redial again."""

    @property
    def open(self) -> bool:
        """Still to be worked on: not failed, skipped or settled."""
        return not (self.error or self.skipped or self.settled)

    @property
    def remaining(self) -> list[str]:
        known = self.campaign_id is not None  # a redial found made needs no redial
        return [
            a
            for a in self.change.actions
            if a not in self.done and not (a == "redial" and known) and not self.settled
        ]


Report = Callable[[str], None]


class Executor:
    def __init__(
        self,
        client: DograhClient,
        *,
        parallelism: int,
        report: Report,
        owner: str = "",
        stop: threading.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        unanswered_wait: float | None = None,
        sync_wait: float | None = None,
    ) -> None:
        self.client = client
        self.parallelism = max(1, parallelism)
        self.owner = owner
        self._report = report
        self._lock = threading.Lock()
        self.stop = stop or threading.Event()
        self._clock = clock
        self._sleep = sleep
        self._rng = random.Random()
        self.unanswered_wait = UNANSWERED_WAIT if unanswered_wait is None else unanswered_wait
        self.sync_wait = SYNC_WAIT if sync_wait is None else sync_wait

    def say(self, line: str) -> None:
        """One line of progress: a campaign's name and Dograh's words in it are escaped
        (no raw newline, no control character, no line a CI log reads as a command)."""
        with self._lock:
            self._report(escape.text(line, line_start=True))

    def run(self, changes: Sequence[CampaignChange]) -> list[Outcome]:
        """Apply every change; on Ctrl-C, let the calls in flight finish, start no more,
        and raise Interrupted after they are done (the outcomes say how far each got)."""
        outcomes = [Outcome(change, campaign_id=change.id) for change in changes]
        for outcome in outcomes:
            _check_safe(outcome.change)
        self._phases(outcomes)
        if self.stop.is_set():
            for outcome in outcomes:
                outcome.skipped = outcome.skipped or (outcome.open and not outcome.done)
            raise Interrupted(outcomes)
        bug = next((o.bug for o in outcomes if o.bug is not None), None)
        if bug is not None:
            raise Crashed(outcomes, bug)
        return outcomes

    def _phases(self, outcomes: Sequence[Outcome]) -> None:
        """The creates and redials, the look for twins, then the rest of each change."""
        creating = [o for o in outcomes if o.change.actions[0] in ("create", "redial")]
        if self._phase(creating, self._make_one):
            self._twins([o for o in creating if "create" in o.done])
        if not self.stop.is_set():
            self._phase([o for o in outcomes if o.open], self._rest_of)

    def _phase(self, outcomes: Sequence[Outcome], work: Callable[[Outcome], None]) -> bool:
        """Run ``work`` for each outcome; False when Ctrl-C stopped it."""
        if not outcomes:
            return True
        pool = ThreadPoolExecutor(self.parallelism, thread_name_prefix="apply")
        futures: list[Future[None]] = [pool.submit(self._guarded, work, o) for o in outcomes]
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
        return not interrupted

    def _guarded(self, work: Callable[[Outcome], None], outcome: Outcome) -> None:
        """Every exception recorded against its campaign, none lost."""
        if self.stop.is_set():
            outcome.skipped = not outcome.done
            return
        try:
            work(outcome)
        except (UserError, OSError) as exc:
            outcome.error = str(exc)
            self.say(f"{outcome.change.name}: FAILED: {exc}")
        except Exception as exc:  # a bug: recorded, reported, re-raised after the others
            outcome.error = f"internal error ({type(exc).__name__})"
            outcome.bug = exc
            self.say(f"{outcome.change.name}: FAILED: {outcome.error}")

    def _timed(self, outcome: Outcome, action: str, work: Callable[[], object]) -> None:
        started = self._clock()
        try:
            work()
        except AcceptedUnread:
            outcome.done.append(action)
            raise
        outcome.done.append(action)
        ident = f" (id {outcome.campaign_id})" if action == "create" else ""
        elapsed = self._clock() - started
        self.say(f"{outcome.change.name}: {PAST[action]}{ident} in {elapsed:.1f} s")

    # -- phase 1: creates and redials, never twice -----------------------------------

    def _make_one(self, outcome: Outcome) -> None:
        if outcome.change.actions[0] == "redial":
            self._redial_one(outcome)
            return

        def create() -> None:
            outcome.campaign_id = self._create(outcome.change)

        self._timed(outcome, "create", create)

    def _create(self, change: CampaignChange) -> int:
        if change.requests.create is None or change.requests.upload is None:
            raise ApplyError("the plan has no create request for this campaign")
        file_key = self._upload(change)
        body = change.requests.create.body(file_key)
        tries = self.client.tries()
        while True:
            try:
                return self.client.create_campaign(body, tries).id
            except AnswerShapeError as exc:
                return self._unreadable(change, "create", exc, self._find_created(change))
            except OutcomeUnknown as exc:
                found = self._settle_create(change, exc)
                if found is not None:
                    return found
                tries.again(exc.request, f"Dograh answered {_why(exc)} without creating it")
                self.say(
                    f"{change.name}: Dograh answered the create without creating the "
                    "campaign; sending it again"
                )

    def _unreadable(
        self, change: CampaignChange, action: str, exc: AnswerShapeError, found: int | None
    ) -> int:
        """A success answer this tool cannot read (a proxy, another Dograh version): the
        request happened, so it is never sent again; the campaign it made is looked up."""
        if found is None:
            raise ApplyError(
                f"{exc}. The {action} was accepted, but the campaign it made is not found: "
                f"not sending it again. Look in Dograh, then plan again"
            ) from exc
        self.say(
            f"{change.name}: Dograh's answer to the {action} could not be read, but Dograh has "
            f"the campaign (id {found}): going on with it"
        )
        return found

    def _look_again(self, find: Callable[[], int | None]) -> int | None:
        """``find`` again, backing off, until it finds or ``unanswered_wait`` seconds
        pass: a request that got no answer may still be committed by Dograh."""
        deadline = self._clock() + self.unanswered_wait
        attempt, found = 0, None
        while found is None and self._clock() < deadline:
            attempt += 1
            self._backoff(attempt)
            found = find()
        return found

    def _settle_create(self, change: CampaignChange, lost: OutcomeUnknown) -> int | None:
        """The campaign if the lost create happened; None if it surely did not (Dograh
        answered); an ApplyError when that cannot be known (no answer came)."""
        found = self._find_created(change)
        if found is None and not lost.answered:
            self.say(
                f"{change.name}: the create got no answer{_from(lost)}; looking for the "
                f"campaign for up to {self.unanswered_wait:.0f} s before anything else"
            )
            found = self._look_again(lambda: self._find_created(change))
            if found is None:
                raise ApplyError(
                    f"outcome unknown: the create was sent and no answer came{_from(lost)}, "
                    f"and the campaign has not appeared in {self.unanswered_wait:.0f} s. Dograh "
                    "may still be handling it: wait a few minutes, then run apply again (it finds "
                    "the campaign once it exists; a create sent again before then makes a "
                    "second campaign, which is never started)"
                )
        if found is not None:
            self.say(
                f"{change.name}: the create's answer was lost ({_why(lost)}), but Dograh has the "
                f"campaign (id {found}): not creating it again"
            )
        return found

    def _find_created(self, change: CampaignChange) -> int | None:
        """Our campaign of this name and contacts: the newest, if a create happened."""
        ours = self._same(change, self.client.list_campaigns())
        return max(c.id for c in ours) if ours else None

    def _same(
        self, change: CampaignChange, campaigns: Iterable[LiveCampaign]
    ) -> list[LiveCampaign]:
        assert change.requests.upload is not None
        return made_by_create(campaigns, change.name, change.requests.upload.content, self.owner)

    def _upload(self, change: CampaignChange) -> str:
        """Upload the CSV; a failed PUT gets a fresh URL (a presigned URL may be single-use)."""
        upload = change.requests.upload
        assert upload is not None
        content = Path(upload.path).read_bytes()
        if len(content) != upload.size or not _same_hash(content, upload.sha256):
            raise ApplyError(f"{upload.path} changed since the plan was made; make the plan again")
        tries = self.client.tries()  # the PUTs', each to a fresh URL
        while True:
            target = self.client.presigned_upload(upload.file_name, len(content))
            try:
                self.client.upload(target.upload_url, content, tries)
                return target.file_key
            except (ClearTextRefused, Unavailable) as exc:
                # Refused alike with another URL; or out of attempts.
                raise ApplyError(f"{upload.path} not uploaded: {exc}") from exc
            except DograhError as exc:
                try:
                    tries.again(exc.request, f"{exc}; with a new URL")
                except Unavailable as out:
                    raise ApplyError(f"uploading {upload.path} failed: {out}") from exc

    def _twins(self, created: Sequence[Outcome]) -> None:
        """One read of the list after the creates: an older campaign of the same owner,
        name and contacts means another apply created it first; ours stays unstarted."""
        if not created:
            return
        campaigns = self.client.list_campaigns()
        for outcome in created:
            older = [
                c for c in self._same(outcome.change, campaigns) if c.id != outcome.campaign_id
            ]
            older = [c for c in older if outcome.campaign_id is None or c.id < outcome.campaign_id]
            if not older:
                continue
            first = min(older, key=lambda c: c.id)
            outcome.error = (
                f"another apply created '{outcome.change.name}' first (id {first.id}, "
                f"{first.state}); this apply's campaign (id {outcome.campaign_id}) is left "
                "unstarted, and plan will manage the first one. Nothing dials twice"
            )
            self.say(f"{outcome.change.name}: STOPPED: {outcome.error}")

    def _redial_one(self, outcome: Outcome) -> None:
        started = self._clock()
        made = self._redial(outcome)
        if made:
            outcome.done.append("redial")
            elapsed = self._clock() - started
            self.say(
                f"{outcome.change.name}: redialed (id {outcome.campaign_id}) in {elapsed:.1f} s"
            )

    def _redial(self, outcome: Outcome) -> bool:
        """``POST /campaign/{parent}/redial``, at most once in effect: True when this apply
        made the redial (``outcome.campaign_id`` is then it); False when Dograh says there
        is nothing to make (``outcome.settled`` says why, and the redial made elsewhere, if
        any, is ``outcome.campaign_id``)."""
        change = outcome.change
        link, request = change.redial, change.requests.redial
        if link is None or request is None:
            raise ApplyError("the plan has no redial request for this campaign")
        tries = self.client.tries()
        while True:
            try:
                outcome.campaign_id = self.client.redial(link.parent_id, request.body(), tries).id
                return True
            except AnswerShapeError as exc:
                made = self.client.get_campaign(link.parent_id).redialed_campaign_id
                outcome.campaign_id = self._unreadable(change, "redial", exc, made)
                return True
            except Refused as exc:
                detail = str(exc.detail or "")
                if NO_SUBSCRIBERS in detail:
                    self._nobody(outcome)
                    return False
                if ALREADY_REDIALED not in detail:
                    raise
                self._made_elsewhere(outcome)
                return False
            except OutcomeUnknown as exc:
                found = self._settle_redial(change, exc)
                if found is not None:
                    outcome.campaign_id = found
                    return True
                tries.again(exc.request, f"Dograh answered {_why(exc)} without redialing")
                self.say(
                    f"{change.name}: Dograh answered the redial without making it; sending it again"
                )

    def _nobody(self, outcome: Outcome) -> None:
        link = outcome.change.redial
        assert link is not None
        outcomes = " or ".join(o.replace("_", " ") for o in link.on)
        outcome.nobody = True
        outcome.settled = (
            f"nothing to redial: no contact of '{link.parent_name}' (id {link.parent_id}) had "
            f"a last call that ended in {outcomes} (Dograh: {NO_SUBSCRIBERS}). Dograh keeps "
            "no trace of this: plans show this redial until spec.redial is removed or its "
            "`on` changed"
        )
        self.say(f"{outcome.change.name}: {outcome.settled}")

    def _made_elsewhere(self, outcome: Outcome) -> None:
        """Dograh says the parent was redialed since the plan (another apply, someone in
        its UI): that redial is the one, read through the parent; it is started as the
        plan says only while it is still unstarted."""
        link = outcome.change.redial
        assert link is not None
        child_id = self.client.get_campaign(link.parent_id).redialed_campaign_id
        if child_id is None:
            raise ApplyError(
                f"Dograh says '{link.parent_name}' (id {link.parent_id}) has already been "
                "redialed, but the campaign names no redial; plan again"
            )
        outcome.campaign_id = child_id
        state = self.client.get_campaign(child_id).state
        made = f"already redialed by another apply or in Dograh (id {child_id}, {state})"
        if "start" in outcome.change.actions and state == "created":
            self.say(f"{outcome.change.name}: {made}: not redialing again")
            return
        outcome.settled = f"{made}: nothing more to do here; plan again to see its state"
        self.say(f"{outcome.change.name}: {outcome.settled}")

    def _settle_redial(self, change: CampaignChange, lost: OutcomeUnknown) -> int | None:
        """The redial if the lost request made it, read through the parent; None if it
        surely did not (Dograh answered); an ApplyError when that cannot be known (no
        answer came, and the parent names no redial after a bounded wait)."""
        link = change.redial
        assert link is not None

        def child() -> int | None:
            return self.client.get_campaign(link.parent_id).redialed_campaign_id

        found = child()
        if found is None and not lost.answered:
            self.say(
                f"{change.name}: the redial got no answer{_from(lost)}; reading "
                f"'{link.parent_name}' again for up to {self.unanswered_wait:.0f} s before "
                "anything else"
            )
            found = self._look_again(child)
            if found is None:
                raise ApplyError(
                    f"outcome unknown: the redial was sent and no answer came{_from(lost)}, and "
                    f"'{link.parent_name}' (id {link.parent_id}) names no redial after "
                    f"{self.unanswered_wait:.0f} s. Dograh may still be handling it: wait a few "
                    "minutes, then run apply again (it finds the redial through its parent, "
                    "and Dograh refuses a second redial of one campaign)"
                )
        if found is not None:
            self.say(
                f"{change.name}: the redial's answer was lost ({_why(lost)}), but Dograh has it "
                f"(id {found}): not redialing again"
            )
        return found

    # -- phase 2: updates and lifecycle -------------------------------------------------

    def _rest_of(self, outcome: Outcome) -> None:
        change = outcome.change
        campaign_id = outcome.campaign_id
        assert campaign_id is not None
        for action in change.actions:
            if action in ("create", "redial") or self.stop.is_set():
                continue
            self._timed(outcome, action, partial(self._act, campaign_id, action, change))

    def _act(self, campaign_id: int, action: str, change: CampaignChange) -> None:
        if action == "update":
            assert change.requests.update is not None
            try:
                self.client.update_campaign(campaign_id, change.requests.update.body())
            except AnswerShapeError as exc:
                raise AcceptedUnread(action, exc) from exc
        elif action == "pause":
            self._pause(campaign_id, change)
        else:
            self._lifecycle(campaign_id, action, change)

    def _pause(self, campaign_id: int, change: CampaignChange) -> None:
        """Pause so that it sticks: never while Dograh's sync may still set running."""
        state = self._wait_for_sync(campaign_id, change)
        if state in SATISFIES["pause"]:
            return
        self._lifecycle(campaign_id, "pause", change)
        state = self.client.get_campaign(campaign_id).state
        if state not in SATISFIES["pause"]:
            raise ApplyError(f"the pause did not hold: the campaign is {state} after it")

    def _wait_for_sync(self, campaign_id: int, change: CampaignChange) -> str:
        state = self.client.get_campaign(campaign_id).state
        if state != "syncing":
            return state
        self.say(
            f"{change.name}: Dograh is syncing its contacts, and would set it running again "
            f"after a pause; waiting for the sync to end (up to {self.sync_wait:.0f} s)"
        )
        started = self._clock()
        attempt = 0
        while state == "syncing":
            if self._clock() - started > self.sync_wait:
                raise ApplyError(
                    f"not paused: Dograh was still syncing the campaign after "
                    f"{self.sync_wait:.0f} s, and a pause sent now would be lost; run apply "
                    "again"
                )
            attempt += 1
            self._backoff(attempt)
            state = self.client.get_campaign(campaign_id).state
        self.say(f"{change.name}: the sync ended ({state}) after {self._clock() - started:.1f} s")
        return state

    def _lifecycle(self, campaign_id: int, action: str, change: CampaignChange) -> None:
        tries = self.client.tries()
        while True:
            try:
                self.client.lifecycle(campaign_id, action, tries)
                return
            except AnswerShapeError as exc:
                raise AcceptedUnread(action, exc) from exc
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
            tries.again(problem.request, f"the {action} did not happen (the campaign is {state})")
            self.say(f"{change.name}: the {action} did not happen; sending it again")

    def _backoff(self, attempt: int) -> None:
        """The client's own backoff (exponential, jittered), never an immediate loop."""
        self._sleep(self.client.settings.retry.delay(attempt, None, self._rng))


class Interrupted(Exception):
    """Ctrl-C during apply; carries how far each campaign got."""

    def __init__(self, outcomes: list[Outcome]) -> None:
        super().__init__("interrupted")
        self.outcomes = outcomes


class Crashed(Exception):
    """A campaign's work raised what this tool did not expect: a bug, re-raised with the
    outcomes so that what was done is still reported."""

    def __init__(self, outcomes: list[Outcome], bug: BaseException) -> None:
        super().__init__(f"internal error ({type(bug).__name__})")
        self.outcomes = outcomes
        self.bug = bug


def _from(lost: OutcomeUnknown) -> str:
    """What stood in for Dograh's answer, when something did (a gateway's 504)."""
    if lost.status is None:
        return ""
    return f" from Dograh (HTTP {lost.status} came from something in front of it)"


def _why(lost: OutcomeUnknown) -> str:
    if lost.answered:
        return f"HTTP {lost.status}"
    return f"no answer: HTTP {lost.status}, not Dograh's" if lost.status else "no answer"


def _precondition(action: str) -> str:
    return {"start": "created", "resume": "paused", "pause": "running"}[action]


def _check_safe(change: CampaignChange) -> None:
    """Refuse, before any request, a plan that would dial against its manifest: for a
    redial, ``desired_state`` is its manifest's ``spec.redial.state``."""
    field = "spec.redial.state" if change.redial is not None else "state"
    for action in change.actions:
        if action in ("start", "resume") and change.desired_state != "running":
            raise ApplyError(
                f"{change.name}: the plan asks to {action} a campaign whose manifest says "
                f"{field}: {change.desired_state}; refusing (only {field}: running places "
                "calls)"
            )
    if "redial" in change.actions and (
        change.redial is None or change.requests.redial is None or change.id is not None
    ):
        raise ApplyError(f"{change.name}: the plan's redial names no parent or request; refusing")


def _same_hash(content: bytes, sha256: str) -> bool:
    return hashlib.sha256(content).hexdigest() == sha256


def summarize(outcomes: Sequence[Outcome]) -> tuple[str, list[str]]:
    """``Apply complete! 2 created, 1 updated, 1 started.`` and one line per failure."""
    counts: dict[str, int] = {}
    for outcome in outcomes:
        for action in outcome.done:
            counts[action] = counts.get(action, 0) + 1
    order = ("create", "redial", "update", "start", "pause", "resume")
    done = ", ".join(f"{counts[a]} {PAST[a]}" for a in order if counts.get(a)) or "nothing changed"
    nobody = sum(outcome.nobody for outcome in outcomes)
    if nobody:
        done += f"; {nobody} redial{'s' if nobody != 1 else ''} found nobody to call again"
    failures = [escape.text(f"{o.change.name}: {o.error}{_left(o)}") for o in outcomes if o.error]
    return done, failures


def _left(outcome: Outcome) -> str:
    """`` (not done: start)``; nothing when every action was sent (its failure is then
    one of confirmation, which the message says)."""
    return f" (not done: {', '.join(outcome.remaining)})" if outcome.remaining else ""
