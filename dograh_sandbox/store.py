"""The sandbox's state in SQLite: organizations, keys, workflows, telephony configurations,
campaigns and their queued runs, uploaded objects and upload URLs.

One connection, used only from the server's event loop (every route is ``async def`` and
none awaits while it holds a transaction), so no locking is needed. A file database keeps
the state across restarts; ``:memory:`` is for tests. Times are integer microseconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dograh_sandbox.render import RESPONSE_COLUMNS
from dograh_sandbox.seed import Seed

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE organizations (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, concurrency_limit INTEGER,
    quota_error TEXT);
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL, key TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL, archived INTEGER NOT NULL,
    owner TEXT NOT NULL, created_at INTEGER NOT NULL, last_used_at INTEGER);
CREATE TABLE workflows (
    id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL, name TEXT NOT NULL,
    status TEXT NOT NULL, workflow_uuid TEXT NOT NULL,
    total_runs INTEGER NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE workflow_definitions (
    id INTEGER PRIMARY KEY, workflow_id INTEGER NOT NULL, status TEXT NOT NULL,
    version_number INTEGER NOT NULL, workflow_json TEXT NOT NULL,
    workflow_configurations TEXT NOT NULL DEFAULT '{}',
    template_context_variables TEXT NOT NULL DEFAULT '{}', is_current INTEGER NOT NULL,
    created_at INTEGER NOT NULL, published_at INTEGER);
CREATE INDEX definitions_by_workflow ON workflow_definitions (workflow_id, status);
CREATE TABLE telephony_configs (
    id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL, name TEXT NOT NULL,
    provider TEXT NOT NULL, connectivity TEXT, is_default_outbound INTEGER NOT NULL,
    phone_numbers TEXT NOT NULL, ready INTEGER NOT NULL, blocked_reason TEXT,
    inactive INTEGER NOT NULL, inactive_since INTEGER, inactive_reason TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE (org_id, name));
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT, org_id INTEGER NOT NULL, name TEXT NOT NULL,
    workflow_id INTEGER NOT NULL, state TEXT NOT NULL, source_type TEXT NOT NULL,
    source_id TEXT NOT NULL, total_rows INTEGER, processed_rows INTEGER NOT NULL DEFAULT 0,
    failed_rows INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, started_at INTEGER,
    completed_at INTEGER, retry_config TEXT NOT NULL, max_concurrency INTEGER,
    schedule_config TEXT, circuit_breaker TEXT, parent_campaign_id INTEGER,
    redialed_campaign_id INTEGER, telephony_configuration_id INTEGER,
    logs TEXT NOT NULL DEFAULT '[]', executed_count INTEGER NOT NULL DEFAULT 0,
    total_queued_count INTEGER NOT NULL DEFAULT 0,
    source_sync_status TEXT NOT NULL DEFAULT 'pending', source_sync_error TEXT,
    source_last_synced_at INTEGER, rate_limit INTEGER NOT NULL DEFAULT 1,
    sync_pending INTEGER NOT NULL DEFAULT 0, in_flight INTEGER NOT NULL DEFAULT 0,
    wake_at INTEGER, waiting_since INTEGER, sim TEXT NOT NULL DEFAULT '{}');
CREATE INDEX campaigns_by_org ON campaigns (org_id, created_at DESC, id DESC);
CREATE INDEX campaigns_by_state ON campaigns (state);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, campaign_id INTEGER NOT NULL,
    source_uuid TEXT NOT NULL, row_number INTEGER NOT NULL, phone_number TEXT NOT NULL,
    context TEXT NOT NULL, state TEXT NOT NULL, retry_count INTEGER NOT NULL DEFAULT 0,
    parent_run_id INTEGER, scheduled_for INTEGER NOT NULL, created_at INTEGER NOT NULL,
    started_at INTEGER, ended_at INTEGER, call_status TEXT, tags TEXT NOT NULL DEFAULT '[]');
CREATE INDEX runs_by_campaign ON runs (campaign_id, state, scheduled_for, id);
CREATE TABLE objects (
    key TEXT PRIMARY KEY, content BLOB NOT NULL, content_type TEXT, created_at INTEGER NOT NULL);
CREATE TABLE uploads (
    token TEXT PRIMARY KEY, file_key TEXT NOT NULL, content_type TEXT NOT NULL,
    expires_at INTEGER NOT NULL, used_at INTEGER);
"""

_TABLES = (
    "organizations",
    "api_keys",
    "workflows",
    "workflow_definitions",
    "telephony_configs",
    "campaigns",
    "runs",
    "objects",
    "uploads",
)

SCHEMA_VERSION = "2"
"""Bumped when the tables change: a database of another version is seeded anew."""

DEFAULT_ORG_CONCURRENCY_LIMIT = 10
"""Dograh's env default ``DEFAULT_ORG_CONCURRENCY_LIMIT`` (docs/dograh-api.md §5)."""

CAMPAIGN_COLUMNS = (
    "org_id",
    "name",
    "workflow_id",
    "state",
    "source_type",
    "source_id",
    "total_rows",
    "processed_rows",
    "failed_rows",
    "created_at",
    "started_at",
    "completed_at",
    "retry_config",
    "max_concurrency",
    "schedule_config",
    "circuit_breaker",
    "parent_campaign_id",
    "redialed_campaign_id",
    "telephony_configuration_id",
    "logs",
    "executed_count",
    "total_queued_count",
    "source_sync_status",
    "source_sync_error",
    "source_last_synced_at",
    "sync_pending",
    "sim",
)

RUN_COLUMNS = (
    "campaign_id",
    "source_uuid",
    "row_number",
    "phone_number",
    "context",
    "state",
    "retry_count",
    "parent_run_id",
    "scheduled_for",
    "created_at",
    "started_at",
    "ended_at",
    "call_status",
    "tags",
)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Store:
    def __init__(self, path: str) -> None:
        self.path = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        if path != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
        )

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- meta ---------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def secret(self) -> str:
        """A per-database secret: derives the seeded keys and signs download URLs."""
        value = self.meta("secret")
        if value is None:
            value = secrets.token_hex(32)
            self.set_meta("secret", value)
        return value

    def is_seeded(self) -> bool:
        """A seed was loaded into tables of this version (a database written by an older
        sandbox, without the workflow versions, is seeded anew)."""
        return self.meta("seed") is not None and self.meta("schema") == SCHEMA_VERSION

    # -- reset and seeding -------------------------------------------------------------

    def derived_key(self, org_index: int, key_index: int) -> str:
        """Dograh's format, ``dgr_`` and ``secrets.token_urlsafe(32)``'s 43 URL-safe
        characters, from the secret: a seeded key stays the same across resets and
        restarts of one database."""
        digest = hmac.new(
            self.secret().encode(), f"api-key:{org_index}:{key_index}".encode(), "sha256"
        ).digest()
        return "dgr_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def reset(self, seed: Seed, now: int) -> None:
        """Drop everything but the secret and admin token, then load the seed."""
        secret = self.secret()
        with self.transaction() as db:
            for table in _TABLES:
                db.execute(f"DROP TABLE IF EXISTS {table}")
            db.execute("DELETE FROM meta WHERE key NOT IN ('secret', 'admin_token')")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            self.set_meta("secret", secret)
            self.set_meta("seed", seed.model_dump_json())
            self.set_meta("schema", SCHEMA_VERSION)
            self._load(db, seed, now)

    def _load(self, db: sqlite3.Connection, seed: Seed, now: int) -> None:
        for org_index, org in enumerate(seed.organizations):
            org_id = db.execute(
                "INSERT INTO organizations (name, concurrency_limit, quota_error) VALUES (?, ?, ?)",
                (org.name, org.concurrency_limit, org.quota_error),
            ).lastrowid
            for key_index, key in enumerate(org.api_keys):
                value = key.key or self.derived_key(org_index, key_index)
                db.execute(
                    "INSERT INTO api_keys (org_id, key, key_hash, name, archived, owner, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (org_id, value, hash_key(value), key.name, key.archived, key.owner, now),
                )
            for workflow in org.workflows:
                workflow_id = db.execute(
                    "INSERT INTO workflows (org_id, name, status, workflow_uuid, total_runs, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        org_id,
                        workflow.name,
                        workflow.status,
                        str(uuid.uuid4()),
                        workflow.total_runs,
                        now,
                    ),
                ).lastrowid
                assert workflow_id is not None
                published = workflow.published_definition()
                if published is not None:
                    db.execute(
                        "INSERT INTO workflow_definitions (workflow_id, status, version_number, "
                        "workflow_json, is_current, created_at, published_at) "
                        "VALUES (?, 'published', 1, ?, 1, ?, ?)",
                        (workflow_id, dumps(published), now, now),
                    )
                draft = workflow.draft()
                if draft is not None:
                    self.save_draft(workflow_id, draft, now)
            for index, config in enumerate(org.telephony_configurations):
                db.execute(
                    "INSERT INTO telephony_configs (org_id, name, provider, connectivity, "
                    "is_default_outbound, phone_numbers, ready, blocked_reason, inactive, "
                    "inactive_since, inactive_reason, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        org_id,
                        config.name,
                        config.provider,
                        config.connectivity,
                        config.is_default_outbound,
                        dumps(config.numbers(org_index * 10 + index)),
                        config.ready,
                        config.blocked_reason,
                        config.inactive,
                        now if config.inactive else None,
                        config.inactive_reason,
                        now + index,
                        now + index,
                    ),
                )

    def seed(self) -> Seed:
        text = self.meta("seed")
        if text is None:
            raise RuntimeError("the sandbox database was never seeded")
        return Seed.model_validate_json(text)

    # -- organizations, keys -------------------------------------------------------------

    def key_by_hash(self, key_hash: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(
            "SELECT * FROM api_keys WHERE key_hash = ?", (key_hash,)
        ).fetchone()
        return row

    def touch_key(self, key_id: int, now: int) -> None:
        self.db.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (now, key_id))

    def organizations(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM organizations ORDER BY id").fetchall()

    def organization(self, org_id: int) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(
            "SELECT * FROM organizations WHERE id = ?", (org_id,)
        ).fetchone()
        return row

    def api_keys(self, org_id: int) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT * FROM api_keys WHERE org_id = ? ORDER BY id", (org_id,)
        ).fetchall()

    def org_limit(self, org_id: int) -> int:
        org = self.organization(org_id)
        limit = None if org is None else org["concurrency_limit"]
        return int(limit) if limit else DEFAULT_ORG_CONCURRENCY_LIMIT

    # -- workflows ---------------------------------------------------------------------

    def workflows(self, org_id: int, status: str | None = None) -> list[sqlite3.Row]:
        if status is None:
            return self.db.execute(
                "SELECT * FROM workflows WHERE org_id = ? ORDER BY id", (org_id,)
            ).fetchall()
        return self.db.execute(
            "SELECT * FROM workflows WHERE org_id = ? AND status = ? ORDER BY id",
            (org_id, status),
        ).fetchall()

    def workflow(self, org_id: int, workflow_id: int) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(
            "SELECT * FROM workflows WHERE org_id = ? AND id = ?", (org_id, workflow_id)
        ).fetchone()
        return row

    def workflow_versions(self, workflow_id: int) -> list[sqlite3.Row]:
        """Every version, newest first (Dograh's ``get_workflow_versions``)."""
        return self.db.execute(
            "SELECT * FROM workflow_definitions WHERE workflow_id = ? ORDER BY version_number DESC",
            (workflow_id,),
        ).fetchall()

    def workflow_version(self, workflow_id: int, status: str) -> sqlite3.Row | None:
        """The draft or the published version (a workflow has at most one of each)."""
        row: sqlite3.Row | None = self.db.execute(
            "SELECT * FROM workflow_definitions WHERE workflow_id = ? AND status = ? "
            "ORDER BY id LIMIT 1",
            (workflow_id, status),
        ).fetchone()
        return row

    def create_workflow(self, org_id: int, name: str, definition: Any, now: int) -> int:
        """Dograh's ``create_workflow``: an active workflow whose definition is version 1,
        published and current."""
        workflow_id = self.db.execute(
            "INSERT INTO workflows (org_id, name, status, workflow_uuid, total_runs, "
            "created_at) VALUES (?, ?, 'active', ?, 0, ?)",
            (org_id, name, str(uuid.uuid4()), now),
        ).lastrowid
        assert workflow_id is not None
        self.db.execute(
            "INSERT INTO workflow_definitions (workflow_id, status, version_number, "
            "workflow_json, is_current, created_at, published_at) "
            "VALUES (?, 'published', 1, ?, 1, ?, ?)",
            (workflow_id, dumps(definition), now, now),
        )
        return workflow_id

    def rename_workflow(self, workflow_id: int, name: str) -> None:
        self.db.execute("UPDATE workflows SET name = ? WHERE id = ?", (name, workflow_id))

    def set_workflow_status(self, workflow_id: int, status: str) -> None:
        self.db.execute("UPDATE workflows SET status = ? WHERE id = ?", (status, workflow_id))

    def save_draft(self, workflow_id: int, definition: Any, now: int) -> None:
        """Dograh's ``save_workflow_draft``: the draft is updated in place, or created with
        the next version number (configurations and context from the published one)."""
        draft = self.workflow_version(workflow_id, "draft")
        if draft is not None:
            self.db.execute(
                "UPDATE workflow_definitions SET workflow_json = ? WHERE id = ?",
                (dumps(definition), draft["id"]),
            )
            return
        published = self.workflow_version(workflow_id, "published")
        latest = self.db.execute(
            "SELECT MAX(version_number) FROM workflow_definitions WHERE workflow_id = ?",
            (workflow_id,),
        ).fetchone()[0]
        self.db.execute(
            "INSERT INTO workflow_definitions (workflow_id, status, version_number, "
            "workflow_json, workflow_configurations, template_context_variables, is_current, "
            "created_at) VALUES (?, 'draft', ?, ?, ?, ?, 0, ?)",
            (
                workflow_id,
                (latest or 0) + 1,
                dumps(definition),
                "{}" if published is None else published["workflow_configurations"],
                "{}" if published is None else published["template_context_variables"],
                now,
            ),
        )

    def publish_draft(self, workflow_id: int, now: int) -> bool:
        """Dograh's ``publish_workflow_draft``: the published version is archived, the draft
        becomes the published (and current) one. False when there is no draft."""
        draft = self.workflow_version(workflow_id, "draft")
        if draft is None:
            return False
        self.db.execute(
            "UPDATE workflow_definitions SET status = 'archived', is_current = 0 "
            "WHERE workflow_id = ? AND status = 'published'",
            (workflow_id,),
        )
        self.db.execute(
            "UPDATE workflow_definitions SET status = 'published', is_current = 1, "
            "published_at = ? WHERE id = ?",
            (now, draft["id"]),
        )
        return True

    def discard_draft(self, workflow_id: int) -> bool:
        return (
            self.db.execute(
                "DELETE FROM workflow_definitions WHERE workflow_id = ? AND status = 'draft'",
                (workflow_id,),
            ).rowcount
            > 0
        )

    # -- telephony ---------------------------------------------------------------------

    def telephony_configs(self, org_id: int) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT * FROM telephony_configs WHERE org_id = ? ORDER BY created_at, id", (org_id,)
        ).fetchall()

    def telephony_config(self, org_id: int, config_id: int) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(
            "SELECT * FROM telephony_configs WHERE org_id = ? AND id = ?", (org_id, config_id)
        ).fetchone()
        return row

    # -- campaigns ---------------------------------------------------------------------

    def insert_campaign(self, values: dict[str, Any]) -> int:
        columns = [column for column in CAMPAIGN_COLUMNS if column in values]
        cursor = self.db.execute(
            f"INSERT INTO campaigns ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            [values[column] for column in columns],
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def campaign(self, org_id: int, campaign_id: int) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(
            "SELECT * FROM campaigns WHERE org_id = ? AND id = ?", (org_id, campaign_id)
        ).fetchone()
        return row

    def campaign_values(self, org_id: int, campaign_id: int | None = None) -> list[tuple[Any, ...]]:
        """Rows of ``render.RESPONSE_COLUMNS`` as plain tuples (fast), newest first."""
        cursor = self.db.cursor()
        cursor.row_factory = None
        if campaign_id is None:
            cursor.execute(
                f"SELECT {RESPONSE_COLUMNS} FROM campaigns WHERE org_id = ? "
                "ORDER BY created_at DESC, id DESC",
                (org_id,),
            )
        else:
            cursor.execute(
                f"SELECT {RESPONSE_COLUMNS} FROM campaigns WHERE org_id = ? AND id = ?",
                (org_id, campaign_id),
            )
        return cursor.fetchall()

    def latest_campaign(self, org_id: int) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(
            "SELECT * FROM campaigns WHERE org_id = ? ORDER BY created_at DESC, id DESC LIMIT 1",
            (org_id,),
        ).fetchone()
        return row

    def update_campaign(self, campaign_id: int, **values: Any) -> None:
        """Any change but the simulation's own clears ``wake_at``: the next step looks at
        the campaign again (its schedule, limits or state may have changed)."""
        if not values:
            return
        values.setdefault("wake_at", None)
        assignments = ", ".join(f"{column} = ?" for column in values)
        self.db.execute(
            f"UPDATE campaigns SET {assignments} WHERE id = ?", [*values.values(), campaign_id]
        )

    def forget_wake_times(self) -> None:
        """Simulation settings changed: every campaign is looked at by the next step."""
        self.db.execute(
            "UPDATE campaigns SET wake_at = NULL, waiting_since = NULL "
            "WHERE wake_at IS NOT NULL OR waiting_since IS NOT NULL"
        )

    def count_campaigns(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM campaigns").fetchone()[0])

    # -- runs ----------------------------------------------------------------------------

    def insert_runs(self, runs: Iterable[dict[str, Any]]) -> None:
        self.db.executemany(
            f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in RUN_COLUMNS)})",
            ([run.get(column) for column in RUN_COLUMNS] for run in runs),
        )

    def insert_run_values(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Runs as tuples in ``RUN_COLUMNS`` order (bulk insert)."""
        self.db.executemany(
            f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in RUN_COLUMNS)})",
            rows,
        )

    def calls(self, campaign_id: int) -> list[sqlite3.Row]:
        """Runs that were dialed (in flight or done), oldest first."""
        return self.db.execute(
            "SELECT * FROM runs WHERE campaign_id = ? AND started_at IS NOT NULL ORDER BY id",
            (campaign_id,),
        ).fetchall()

    def runs(self, campaign_id: int) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT * FROM runs WHERE campaign_id = ? ORDER BY id", (campaign_id,)
        ).fetchall()

    # -- storage -------------------------------------------------------------------------

    def put_object(self, key: str, content: bytes, content_type: str | None, now: int) -> None:
        self.db.execute(
            "INSERT INTO objects (key, content, content_type, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET content = excluded.content, "
            "content_type = excluded.content_type, created_at = excluded.created_at",
            (key, content, content_type, now),
        )

    def get_object(self, key: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(
            "SELECT * FROM objects WHERE key = ?", (key,)
        ).fetchone()
        return row

    def create_upload(self, token: str, file_key: str, content_type: str, expires_at: int) -> None:
        self.db.execute(
            "INSERT INTO uploads (token, file_key, content_type, expires_at) VALUES (?, ?, ?, ?)",
            (token, file_key, content_type, expires_at),
        )

    def upload(self, token: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(
            "SELECT * FROM uploads WHERE token = ?", (token,)
        ).fetchone()
        return row

    def mark_upload_used(self, token: str, now: int) -> None:
        self.db.execute("UPDATE uploads SET used_at = ? WHERE token = ?", (now, token))
