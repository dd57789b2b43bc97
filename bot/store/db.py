"""One aiosqlite connection, schema migrations, and serialised write transactions.

aiosqlite runs every call of a connection on one thread, but Python's implicit transactions would
interleave across tasks sharing it. The connection is therefore in autocommit mode and every write
goes through `transaction()`, which holds a lock around BEGIN IMMEDIATE … COMMIT.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

# Each entry moves the schema one version forward; never edit a released step, append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        task_id TEXT,
        kind TEXT NOT NULL,
        chat_id INTEGER NOT NULL,
        thread_id INTEGER,
        user_id INTEGER NOT NULL,
        user_name TEXT NOT NULL DEFAULT '',
        language TEXT NOT NULL DEFAULT 'en',
        request_message_id INTEGER,
        status_message_id INTEGER,
        prompt TEXT NOT NULL DEFAULT '',
        label TEXT NOT NULL DEFAULT '',
        custom_id TEXT,
        button_key TEXT,
        parent_job_id INTEGER REFERENCES jobs(id),
        status TEXT NOT NULL,
        progress INTEGER,
        queue_position INTEGER,
        image_url TEXT,
        error_kind TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT '',
        result_file_id TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        finished_at REAL,
        delivered_at REAL,
        delivery_attempts INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX jobs_undelivered ON jobs(delivered_at) WHERE delivered_at IS NULL;
    CREATE INDEX jobs_button ON jobs(button_key);
    CREATE INDEX jobs_task ON jobs(task_id);

    CREATE TABLE buttons (
        key TEXT PRIMARY KEY,
        job_id INTEGER NOT NULL REFERENCES jobs(id),
        position INTEGER NOT NULL,
        custom_id TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        emoji TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL
    );
    CREATE INDEX buttons_job ON buttons(job_id);

    CREATE TABLE results (
        job_id INTEGER PRIMARY KEY REFERENCES jobs(id),
        image BLOB NOT NULL,
        created_at REAL NOT NULL
    );
    """,
    # One meaning per column: the preview and the result get their own URL, problems their own names.
    """
    ALTER TABLE jobs RENAME COLUMN status TO state;
    ALTER TABLE jobs RENAME COLUMN label TO button_label;
    ALTER TABLE jobs RENAME COLUMN error_kind TO problem;
    ALTER TABLE jobs RENAME COLUMN error TO problem_detail;
    ALTER TABLE jobs RENAME COLUMN result_file_id TO photo_file_id;
    ALTER TABLE jobs RENAME COLUMN image_url TO result_url;
    ALTER TABLE jobs ADD COLUMN preview_url TEXT;
    ALTER TABLE jobs ADD COLUMN document_file_id TEXT;
    ALTER TABLE jobs ADD COLUMN status_as_text INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN result_text TEXT NOT NULL DEFAULT '';
    UPDATE jobs SET preview_url = result_url, result_url = NULL WHERE state <> 'succeeded';
    UPDATE jobs SET state = 'cancelled', delivered_at = COALESCE(delivered_at, updated_at) WHERE state = 'needs_input';
    CREATE INDEX jobs_parent ON jobs(parent_job_id, custom_id);
    """,
    # Jobs that start from pictures: describe, blend, image prompts and references, face swap.
    """
    CREATE TABLE inputs (
        job_id INTEGER NOT NULL REFERENCES jobs(id),
        position INTEGER NOT NULL,
        image BLOB NOT NULL,
        mime TEXT NOT NULL,
        PRIMARY KEY (job_id, position)
    );
    ALTER TABLE jobs ADD COLUMN dimensions TEXT NOT NULL DEFAULT '';
    """,
    # Modals asked in chat: the open questions, the pictures' sizes for masks, the people's remix switch.
    """
    CREATE TABLE questions (
        job_id INTEGER PRIMARY KEY REFERENCES jobs(id),
        asks TEXT NOT NULL,
        prefill TEXT NOT NULL DEFAULT '',
        message_id INTEGER,
        cells TEXT NOT NULL DEFAULT '',
        asked_at REAL NOT NULL
    );
    CREATE TABLE people (
        user_id INTEGER PRIMARY KEY,
        remix INTEGER NOT NULL DEFAULT 0
    );
    ALTER TABLE jobs ADD COLUMN unattended INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN input_given INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN result_width INTEGER;
    ALTER TABLE jobs ADD COLUMN result_height INTEGER;
    CREATE INDEX jobs_awaiting ON jobs(chat_id, user_id, state);
    """,
    # Video: a job's results are several files (a video task's clips, each with its thumbnail, and a still of
    # the grid at position 0); what was made of each clip is kept on the job.
    """
    CREATE TABLE results_by_position (
        job_id INTEGER NOT NULL REFERENCES jobs(id),
        position INTEGER NOT NULL,
        data BLOB NOT NULL,
        thumbnail BLOB,
        created_at REAL NOT NULL,
        PRIMARY KEY (job_id, position)
    );
    INSERT INTO results_by_position (job_id, position, data, created_at)
        SELECT job_id, 0, image, created_at FROM results;
    DROP TABLE results;
    ALTER TABLE results_by_position RENAME TO results;
    ALTER TABLE jobs ADD COLUMN result_clips TEXT NOT NULL DEFAULT '';
    """,
)


class Database:
    def __init__(self, path: Path | str) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("the database is not open")
        return self._conn

    async def open(self) -> None:
        if str(self.path) != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = await aiosqlite.connect(str(self.path), isolation_level=None)
        self._conn.row_factory = aiosqlite.Row
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=5000"):
            await self._conn.execute(f"PRAGMA {pragma}")
        await self.migrate()

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def migrate(self) -> None:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
            async with self.transaction():
                for statement in _statements(script):
                    await self.conn.execute(statement)
                await self.conn.execute(f"PRAGMA user_version={version}")
            log.info("database migrated to schema version %d", version)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """One write statement in its own transaction; returns the first row it yields (RETURNING)."""
        async with self.transaction() as conn, conn.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()


def _statements(script: str) -> list[str]:
    # executescript() would commit our transaction, so run the statements one by one.
    return [s.strip() for s in script.split(";") if s.strip()]
