"""The dialing simulation: what Dograh's sync task, orchestrator and telephony would do to
a campaign while the clock moves.

``Simulation.advance(t0, t1)`` is one step over ``[t0, t1)``. It first runs the pending
syncs (``syncing`` -> ``running`` with ``total_rows``, or ``completed`` for 0 rows), then
a discrete-event run, one organization at a time: each running campaign dials one call
every ``1 / calls_per_second`` seconds while its schedule is open and a slot is free
(``max_concurrency``, the org limit and the configuration's phone numbers all cap it);
each call ends ``call_duration_seconds`` later with a seeded outcome; busy and no-answer
calls are retried per ``retry_config``; failures feed the circuit breaker, which pauses
the campaign with a ``circuit_breaker_tripped`` log; a campaign with no queued work and
no call in flight completes after ``idle_seconds`` of quiet.

Outcomes depend only on (random_seed, campaign id, run id), so the same calls end the
same way however the clock is advanced: one big step or many small ones.
"""

from __future__ import annotations

import heapq
import json
import math
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dograh_sandbox import sources, telephony
from dograh_sandbox.schedule import Schedule
from dograh_sandbox.seed import SimulationSettings
from dograh_sandbox.store import Store, dumps
from dograh_sandbox.timestamps import format_log_ts, to_micros, to_seconds

DEFAULT_CIRCUIT_BREAKER = {
    "enabled": True,
    "failure_threshold": 0.5,
    "window_seconds": 120,
    "min_calls_in_window": 5,
}
"""Dograh's runtime default: an omitted breaker runs enabled (docs/dograh-api.md §3.3, §4)."""

POOL_WAIT_SECONDS = 600.0
"""``acquire_from_number``'s timeout: how long a batch waits for a free number."""
POOL_MAX_ATTEMPTS = 3
"""``MAX_PHONE_NUMBER_POOL_EXHAUSTED_ATTEMPTS``."""
MAX_RECENT_FAILURES = 20
RECENT_FAILURES_TTL = 120 + 60
"""The recent-failures list expires ``DEFAULT_CIRCUIT_BREAKER_CONFIG`` window + 60 s after
its last push, whatever the campaign's own window."""

_TAGS = {
    "completed": ["completed"],
    "voicemail": ["voicemail_detected"],
    "busy": ["telephony_busy"],
    "no-answer": ["telephony_no-answer"],
    "failed": ["telephony_failed"],
}


def storage_error(url: str) -> str:
    """What httpx's ``raise_for_status`` says of a missing object, behind Dograh's prefix."""
    return (
        "Failed to download CSV file from storage: "
        f"Client error '404 Not Found' for url '{url}'\n"
        "For more information check: "
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/404"
    )


def log_entry(
    at: float, level: str, event: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "ts": format_log_ts(to_micros(at)),
        "level": level,
        "event": event,
        "message": message,
        "details": details,
    }


@dataclass
class _Run:
    id: int
    source_uuid: str
    row_number: int
    phone_number: str
    context: str
    retry_count: int
    scheduled_for: float
    started_at: float | None = None
    ended_at: float | None = None
    state: str = "queued"
    call_status: str | None = None
    tags: list[str] = field(default_factory=list)

    def __lt__(self, other: _Run) -> bool:
        return self.id < other.id


@dataclass
class _Campaign:
    row: sqlite3.Row
    state: str
    schedule: Schedule | None
    queue: list[tuple[float, int, _Run]]
    unloaded: int
    in_flight: list[tuple[float, int, _Run]]
    next_dial_at: float
    window: list[list[float]]
    last_activity: float
    processed_rows: int
    failed_rows: int
    executed_count: int
    total_queued_count: int
    logs: list[dict[str, Any]]
    completed_at: float | None = None
    recent_failures: list[dict[str, Any]] = field(default_factory=list)
    last_failure_at: float | None = None
    pool_attempts: int = 0
    pool_due: float | None = None
    cap: int | None = None
    touched: dict[int, _Run] = field(default_factory=dict)
    dirty: bool = False

    @property
    def id(self) -> int:
        return int(self.row["id"])


class Simulation:
    def __init__(self, store: Store, settings: Callable[[], SimulationSettings]) -> None:
        self.store = store
        self.settings = settings
        self.storage_url: Callable[[str], str] = lambda key: f"http://sandbox/_storage/{key}"

    # -- one step ------------------------------------------------------------------------

    def advance(self, start: float, end: float) -> None:
        if end < start:
            return
        settings = self.settings()
        db = self.store.db
        # A campaign is loaded only when something can happen to it before ``end``: its
        # ``wake_at`` (saved after each step; any API update clears it) says when. One
        # that waits for a slot of its org's limit is loaded with the org's other active
        # campaigns, the longest-waiting first and only as many as could get a slot.
        due = {"end": to_micros(end)}
        if (
            db.execute(
                f"SELECT 1 FROM campaigns WHERE sync_pending = 1 OR ({_ACTIVE}) LIMIT 1", due
            ).fetchone()
            is None
        ):
            return
        with self.store.transaction():
            for row in db.execute("SELECT * FROM campaigns WHERE sync_pending = 1").fetchall():
                started = to_seconds(row["started_at"]) if row["started_at"] else start
                self._sync(row, min(max(start, started), end), settings)
            rows = db.execute(
                f"SELECT * FROM campaigns WHERE {_ACTIVE} ORDER BY org_id, id", due
            ).fetchall()
            by_org: dict[int, dict[int, sqlite3.Row]] = {}
            for row in rows:
                by_org.setdefault(int(row["org_id"]), {})[int(row["id"])] = row
            for org_id, org_rows in by_org.items():
                limit = self.store.org_limit(org_id)
                calls = 1 + math.ceil((end - start) / max(settings.call_duration_seconds, 0.001))
                for row in db.execute(
                    "SELECT * FROM campaigns WHERE org_id = ? AND state = 'running' "
                    "AND waiting_since IS NOT NULL ORDER BY waiting_since, id LIMIT ?",
                    (org_id, limit * calls),
                ):
                    org_rows.setdefault(int(row["id"]), row)
                campaigns = [self._load(row, start, end, settings) for row in org_rows.values()]
                org_run = _OrgRun(self, org_id, campaigns, settings)
                org_run.run(start, end)
                for campaign in campaigns:
                    wake, waiting = org_run.next_wake(campaign, end)
                    self._save(campaign, wake, waiting, to_micros(end))

    # -- sync ------------------------------------------------------------------------------

    def _sync(self, row: sqlite3.Row, at: float, settings: SimulationSettings) -> None:
        campaign_id = int(row["id"])
        stored = self.store.get_object(row["source_id"])
        logs = json.loads(row["logs"])
        if stored is None:
            # campaign_tasks.sync_campaign_source: the error text is the ValueError of
            # CSVSyncService._fetch_csv_data; the log quotes it behind "Source sync failed: ".
            error = storage_error(self.storage_url(row["source_id"]))
            logs.append(
                log_entry(
                    at,
                    "error",
                    "source_sync_failed",
                    f"Source sync failed: {error}",
                    {"error": error},
                )
            )
            self.store.update_campaign(
                campaign_id,
                state="failed",
                sync_pending=0,
                source_sync_status="failed",
                source_sync_error=error,
                logs=dumps(logs),
            )
            return
        table = sources.parse(sources.decode(bytes(stored["content"]), stored["content_type"]))
        found = sources.contacts(row["source_id"], table)
        now = to_micros(at)
        self.store.insert_runs(
            {
                "campaign_id": campaign_id,
                "source_uuid": contact.source_uuid,
                "row_number": contact.row_number,
                "phone_number": contact.phone_number,
                "context": dumps(contact.context),
                "state": "queued",
                "retry_count": 0,
                "scheduled_for": now,
                "created_at": now,
                "tags": "[]",
            }
            for contact in found
        )
        state = row["state"]
        values: dict[str, Any] = {
            "sync_pending": 0,
            "total_queued_count": int(row["total_queued_count"]) + len(found),
            "source_sync_status": "completed",
            "source_last_synced_at": now,
            "sim": dumps({"next_dial_at": at, "window": [], "last_activity": at}),
        }
        if len(table) >= 2:
            # sync_source_data returns early, total_rows unset, for a header-only file.
            values["total_rows"] = len(found)
        if not found:
            values.update(state="completed", completed_at=now)
        elif state == "syncing" or (state == "paused" and settings.pause_lost_during_sync):
            values["state"] = "running"
        self.store.update_campaign(campaign_id, **values)

    # -- loading and saving ----------------------------------------------------------------

    def _load(
        self, row: sqlite3.Row, start: float, end: float, settings: SimulationSettings
    ) -> _Campaign:
        db = self.store.db
        campaign_id = int(row["id"])
        budget = math.floor((end - start) * settings.calls_per_second) + 2
        queued = db.execute(
            "SELECT * FROM runs WHERE campaign_id = ? AND state = 'queued' "
            "ORDER BY scheduled_for, id LIMIT ?",
            (campaign_id, budget),
        ).fetchall()
        waiting = int(
            db.execute(
                "SELECT COUNT(*) FROM runs WHERE campaign_id = ? AND state = 'queued'",
                (campaign_id,),
            ).fetchone()[0]
        )
        flying = db.execute(
            "SELECT * FROM runs WHERE campaign_id = ? AND state = 'processing'", (campaign_id,)
        ).fetchall()
        sim = json.loads(row["sim"])
        started = to_seconds(row["started_at"]) if row["started_at"] else start
        queue = [(run.scheduled_for, run.id, run) for run in map(_run_of, queued)]
        heapq.heapify(queue)
        in_flight = [(run.ended_at or start, run.id, run) for run in map(_run_of, flying)]
        heapq.heapify(in_flight)
        return _Campaign(
            row=row,
            state=row["state"],
            schedule=Schedule.from_config(_loads(row["schedule_config"])),
            queue=queue,
            unloaded=waiting - len(queued),
            in_flight=in_flight,
            next_dial_at=float(sim.get("next_dial_at", started)),
            window=list(sim.get("window", [])),
            last_activity=float(sim.get("last_activity", started)),
            processed_rows=int(row["processed_rows"]),
            failed_rows=int(row["failed_rows"]),
            executed_count=int(row["executed_count"]),
            total_queued_count=int(row["total_queued_count"]),
            logs=json.loads(row["logs"]),
            recent_failures=list(sim.get("recent_failures", [])),
            last_failure_at=sim.get("last_failure_at"),
            pool_attempts=int(sim.get("pool_attempts", 0)),
            pool_due=sim.get("pool_due"),
        )

    def _save(self, campaign: _Campaign, wake: float | None, waiting: bool, now: int) -> None:
        # Stored a microsecond early, so that rounding never defers an event to a later
        # step (which would shift its time and break step-size independence).
        wake_at = None if wake is None else math.floor(wake * 1_000_000) - 1
        was_waiting = campaign.row["waiting_since"]
        waiting_since = (was_waiting or now) if waiting else None
        if not campaign.dirty:
            if (wake_at, waiting_since) != (campaign.row["wake_at"], was_waiting):
                self.store.update_campaign(
                    campaign.id, wake_at=wake_at, waiting_since=waiting_since
                )
            return
        db = self.store.db
        db.executemany(
            "UPDATE runs SET state = ?, started_at = ?, ended_at = ?, call_status = ?, tags = ? "
            "WHERE id = ?",
            [
                (
                    run.state,
                    None if run.started_at is None else to_micros(run.started_at),
                    None if run.ended_at is None else to_micros(run.ended_at),
                    run.call_status,
                    dumps(run.tags),
                    run.id,
                )
                for run in campaign.touched.values()
            ],
        )
        values: dict[str, Any] = {
            "state": campaign.state,
            "processed_rows": campaign.processed_rows,
            "failed_rows": campaign.failed_rows,
            "executed_count": campaign.executed_count,
            "total_queued_count": campaign.total_queued_count,
            "logs": dumps(campaign.logs),
            "in_flight": len(campaign.in_flight),
            "wake_at": wake_at,
            "waiting_since": waiting_since,
            "sim": dumps(
                {
                    "next_dial_at": campaign.next_dial_at,
                    "window": campaign.window,
                    "last_activity": campaign.last_activity,
                    "recent_failures": campaign.recent_failures,
                    "last_failure_at": campaign.last_failure_at,
                    "pool_attempts": campaign.pool_attempts,
                    "pool_due": campaign.pool_due,
                }
            ),
        }
        if campaign.completed_at is not None:
            values["completed_at"] = to_micros(campaign.completed_at)
        self.store.update_campaign(campaign.id, **values)

    def new_retry(self, campaign: _Campaign, run: _Run, due: float) -> _Run:
        now = to_micros(due)
        cursor = self.store.db.execute(
            "INSERT INTO runs (campaign_id, source_uuid, row_number, phone_number, context, "
            "state, retry_count, parent_run_id, scheduled_for, created_at, tags) "
            "VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, '[]')",
            (
                campaign.id,
                run.source_uuid,
                run.row_number,
                run.phone_number,
                run.context,
                run.retry_count + 1,
                run.id,
                now,
                now,
            ),
        )
        assert cursor.lastrowid is not None
        return _Run(
            id=cursor.lastrowid,
            source_uuid=run.source_uuid,
            row_number=run.row_number,
            phone_number=run.phone_number,
            context=run.context,
            retry_count=run.retry_count + 1,
            scheduled_for=due,
        )


_ACTIVE = (
    "(state = 'running' OR in_flight > 0) "
    "AND ((wake_at IS NULL AND waiting_since IS NULL) OR wake_at < :end)"
)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _run_of(row: sqlite3.Row) -> _Run:
    return _Run(
        id=int(row["id"]),
        source_uuid=row["source_uuid"],
        row_number=int(row["row_number"]),
        phone_number=row["phone_number"],
        context=row["context"],
        retry_count=int(row["retry_count"]),
        scheduled_for=to_seconds(row["scheduled_for"]),
        started_at=None if row["started_at"] is None else to_seconds(row["started_at"]),
        ended_at=None if row["ended_at"] is None else to_seconds(row["ended_at"]),
        state=row["state"],
        call_status=row["call_status"],
        tags=json.loads(row["tags"]),
    )


class _OrgRun:
    """The discrete-event run of one organization's campaigns over one step.

    The org's concurrency limit is shared, so the campaigns advance together: a heap of
    wake-up times, one live entry per campaign; a campaign waiting for an org slot is
    woken again when a call of any campaign ends.
    """

    def __init__(
        self,
        simulation: Simulation,
        org_id: int,
        campaigns: list[_Campaign],
        settings: SimulationSettings,
    ) -> None:
        self.simulation = simulation
        self.store = simulation.store
        self.org_id = org_id
        self.campaigns = {campaign.id: campaign for campaign in campaigns}
        self.settings = settings
        self.org_limit = self.store.org_limit(org_id)
        # Every campaign of the org with calls in flight counts, loaded or not.
        self.org_in_flight = int(
            self.store.db.execute(
                "SELECT COALESCE(SUM(in_flight), 0) FROM campaigns WHERE org_id = ?", (org_id,)
            ).fetchone()[0]
        )
        self.heap: list[tuple[float, int, int, int]] = []
        self.versions = dict.fromkeys(self.campaigns, 0)
        self.waiting_for_org: set[int] = set()
        self.sequence = 0

    def run(self, start: float, end: float) -> None:
        for campaign in self.campaigns.values():
            self._schedule(campaign, start)
        while self.heap:
            when, _, campaign_id, version = heapq.heappop(self.heap)
            if version != self.versions[campaign_id]:
                continue
            if when >= end:
                break
            campaign = self.campaigns[campaign_id]
            freed = self._process(campaign, when)
            self._schedule(campaign, when)
            if freed:
                for other in list(self.waiting_for_org):
                    self._schedule(self.campaigns[other], when)

    def next_wake(self, campaign: _Campaign, now: float) -> tuple[float | None, bool]:
        """When the campaign next needs the simulation (None: at every step, e.g. when more
        of its queue must be loaded), and whether it waits for a slot of the org's limit
        (it is then loaded when the org is, in waiting order)."""
        self.waiting_for_org.discard(campaign.id)
        when = self._wake(campaign, now)
        if campaign.id in self.waiting_for_org:
            return when, True
        if campaign.unloaded and not campaign.queue:
            return None, False
        return when, False

    def _schedule(self, campaign: _Campaign, now: float) -> None:
        self.versions[campaign.id] += 1
        self.waiting_for_org.discard(campaign.id)
        when = self._wake(campaign, now)
        if when is not None:
            self.sequence += 1
            heapq.heappush(
                self.heap, (when, self.sequence, campaign.id, self.versions[campaign.id])
            )

    def _wake(self, campaign: _Campaign, now: float) -> float | None:
        candidates: list[float] = []
        if campaign.in_flight:
            candidates.append(campaign.in_flight[0][0])
        if campaign.pool_due is not None:
            # A batch waits for a free number: nothing else happens until it gives up.
            candidates.append(max(now, campaign.pool_due))
        elif campaign.state == "running":
            if campaign.queue:
                due = max(now, campaign.next_dial_at, campaign.queue[0][0])
                if self._slot_free(campaign):
                    opens = due if campaign.schedule is None else campaign.schedule.next_open(due)
                    if opens is None:
                        pass  # its schedule never opens: nothing to do
                    elif opens > now or self.org_in_flight < self.org_limit:
                        candidates.append(opens)
                    else:
                        self.waiting_for_org.add(campaign.id)
            elif not campaign.unloaded and not campaign.in_flight:
                candidates.append(max(now, campaign.last_activity + self.settings.idle_seconds))
        return min(candidates) if candidates else None

    def _slot_free(self, campaign: _Campaign) -> bool:
        return campaign.cap is None or len(campaign.in_flight) < campaign.cap

    def _process(self, campaign: _Campaign, now: float) -> bool:
        freed = False
        while campaign.in_flight and campaign.in_flight[0][0] <= now:
            _, _, run = heapq.heappop(campaign.in_flight)
            self.org_in_flight -= 1
            freed = True
            campaign.dirty = True
            self._finish(campaign, run)
        if campaign.pool_due is not None:
            if now >= campaign.pool_due:
                self._pool_exhausted(campaign, now)
            return freed
        if (
            campaign.state == "running"
            and campaign.queue
            and campaign.queue[0][0] <= now
            and now >= campaign.next_dial_at
            and (campaign.schedule is None or campaign.schedule.is_open(now))
        ):
            if campaign.cap is None:
                self._resolve_cap(campaign, now)
            if (
                campaign.state == "running"
                and campaign.cap is not None
                and self._slot_free(campaign)
                and self.org_in_flight < self.org_limit
            ):
                self._dial(campaign, now)
        if (
            campaign.state == "running"
            and not campaign.queue
            and not campaign.unloaded
            and not campaign.in_flight
            and now >= campaign.last_activity + self.settings.idle_seconds
        ):
            campaign.state = "completed"
            campaign.completed_at = now
            campaign.dirty = True
        return freed

    def _resolve_cap(self, campaign: _Campaign, now: float) -> None:
        """The campaign's slots, or what stops it from dialing (docs/dograh-api.md §3).

        As Dograh's dispatcher: the configuration is resolved (and its readiness checked)
        at each batch; a resolution error fails the campaign with ``batch_failed``. A
        ready configuration without numbers (a provider that needs no caller ID, e.g.
        ARI) lets the batch wait for a number that never comes: see ``_pool_exhausted``.
        """
        row = campaign.row
        config_id = row["telephony_configuration_id"]
        resolution = telephony.resolve(self.store, self.org_id, config_id)
        campaign.dirty = True
        if resolution.config is None:
            error = resolution.exception or resolution.error or telephony.NOT_FOUND
            campaign.logs.append(
                log_entry(
                    now,
                    "error",
                    "batch_failed",
                    f"Batch processing failed: {error}",
                    {"error": error},
                )
            )
            campaign.state = "failed"
            return
        numbers = telephony.phone_count(resolution.config)
        if numbers == 0:
            campaign.pool_due = now + POOL_WAIT_SECONDS
            return
        campaign.pool_attempts = 0  # a dispatched batch resets Dograh's counter
        limit = row["max_concurrency"] or self.org_limit
        campaign.cap = max(1, min(int(limit), self.org_limit, numbers))

    def _pool_exhausted(self, campaign: _Campaign, now: float) -> None:
        """A batch gave up waiting for a number (``acquire_from_number``'s 600 s): the
        first two attempts log ``phone_number_pool_exhausted_retry`` and the orchestrator
        schedules another batch (the campaign must still be running); the third fails it
        (``process_campaign_batch``, even if it was paused meanwhile)."""
        campaign.dirty = True
        campaign.pool_due = None
        campaign.pool_attempts += 1
        attempt = campaign.pool_attempts
        org = self.org_id
        details = {
            "error": f"All phone numbers are in use for org {org}. No available from_number "
            "in pool.",
            "organization_id": org,
            "attempt": attempt,
            "max_attempts": POOL_MAX_ATTEMPTS,
        }
        if attempt < POOL_MAX_ATTEMPTS:
            campaign.logs.append(
                log_entry(
                    now,
                    "warning",
                    "phone_number_pool_exhausted_retry",
                    f"Phone number pool exhausted for org {org}: no free from_number "
                    "available to dispatch outbound calls; retry attempt "
                    f"{attempt}/{POOL_MAX_ATTEMPTS}",
                    details,
                )
            )
            if campaign.state == "running":
                campaign.pool_due = now + POOL_WAIT_SECONDS
            return
        campaign.logs.append(
            log_entry(
                now,
                "error",
                "phone_number_pool_exhausted",
                f"Phone number pool exhausted for org {org} after {attempt} consecutive "
                "attempts: no free from_number available to dispatch outbound calls",
                details,
            )
        )
        campaign.state = "failed"

    def _dial(self, campaign: _Campaign, now: float) -> None:
        _, _, run = heapq.heappop(campaign.queue)
        campaign.dirty = True
        run.state = "processing"
        run.started_at = now
        run.ended_at = now + self.settings.call_duration_seconds
        campaign.touched[run.id] = run
        heapq.heappush(campaign.in_flight, (run.ended_at, run.id, run))
        self.org_in_flight += 1
        campaign.processed_rows += 1
        campaign.next_dial_at = now + 1.0 / self.settings.calls_per_second
        campaign.last_activity = now

    def _outcome(self, campaign: _Campaign, run: _Run) -> str:
        settings = self.settings
        dice = random.Random(f"{settings.random_seed}:{campaign.id}:{run.id}").random()
        for status, rate in (
            ("failed", settings.failure_rate),
            ("busy", settings.busy_rate),
            ("no-answer", settings.no_answer_rate),
            ("voicemail", settings.voicemail_rate),
        ):
            if dice < rate:
                return status
            dice -= rate
        return "completed"

    def _finish(self, campaign: _Campaign, run: _Run) -> None:
        end = run.ended_at if run.ended_at is not None else 0.0
        outcome = self._outcome(campaign, run)
        run.state = "processed"
        run.call_status = "completed" if outcome == "voicemail" else outcome
        run.tags = list(_TAGS[outcome])
        campaign.touched[run.id] = run
        campaign.executed_count += 1
        campaign.last_activity = max(campaign.last_activity, end)
        if outcome in ("busy", "no-answer"):
            retry = json.loads(campaign.row["retry_config"])
            wanted = (
                retry.get("retry_on_busy") if outcome == "busy" else retry.get("retry_on_no_answer")
            )
            if retry.get("enabled") and wanted and run.retry_count < int(retry["max_retries"]):
                due = end + float(retry["retry_delay_seconds"])
                again = self.simulation.new_retry(campaign, run, due)
                heapq.heappush(campaign.queue, (again.scheduled_for, again.id, again))
                campaign.total_queued_count += 1
            else:
                campaign.failed_rows += 1
        if campaign.state == "running":
            self._breaker(campaign, run, end, failed=outcome == "failed")

    def _breaker(self, campaign: _Campaign, run: _Run, now: float, *, failed: bool) -> None:
        """Dograh's ``CircuitBreaker.record_and_evaluate`` on one call outcome.

        The window keeps outcomes newer than ``now - window_seconds``; a failure is also
        pushed on the recent-failures list (newest first, at most 20), which expires
        ``DEFAULT window + 60`` s after its last push, like its Redis key, and which the
        trip's log entry quotes.
        """
        stored = _loads(campaign.row["circuit_breaker"]) or {}
        config = {**DEFAULT_CIRCUIT_BREAKER, **stored}
        if not config["enabled"]:
            return
        if (
            campaign.last_failure_at is not None
            and now - campaign.last_failure_at > RECENT_FAILURES_TTL
        ):
            campaign.recent_failures = []
        if failed:
            campaign.recent_failures.insert(
                0, {"workflow_run_id": run.id, "reason": "failed", "ts": now}
            )
            del campaign.recent_failures[MAX_RECENT_FAILURES:]
            campaign.last_failure_at = now
        window = config["window_seconds"]
        campaign.window.append([now, 1.0 if failed else 0.0])
        campaign.window = [entry for entry in campaign.window if entry[0] > now - float(window)]
        total = len(campaign.window)
        failures = int(sum(entry[1] for entry in campaign.window))
        threshold = config["failure_threshold"]
        if total < int(config["min_calls_in_window"]) or failures / total < float(threshold):
            return
        rate = failures / total
        campaign.state = "paused"
        campaign.logs.append(
            log_entry(
                now,
                "warning",
                "circuit_breaker_tripped",
                f"Paused: failure rate {rate:.2%} ({failures}/{total}) exceeded threshold "
                f"{float(threshold):.2%} in {window}s window",
                {
                    "failure_rate": rate,
                    "failure_count": failures,
                    "success_count": total - failures,
                    "threshold": threshold,
                    "window_seconds": window,
                    "recent_failures": list(campaign.recent_failures),
                },
            )
        )
