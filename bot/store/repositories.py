"""One repository per table. Each method is one short statement or transaction."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from dataclasses import asdict, fields
from enum import StrEnum
from typing import Any

import aiosqlite

from bot.store.db import Database
from bot.store.models import ErrorKind, Job, JobKind, JobStatus, NewJob, StoredButton

_JOB_COLUMNS = tuple(f.name for f in fields(Job))


def _job(row: aiosqlite.Row) -> Job:
    values: dict[str, Any] = {name: row[name] for name in _JOB_COLUMNS}
    values["kind"] = JobKind(values["kind"])
    values["status"] = JobStatus(values["status"])
    values["error_kind"] = ErrorKind(values["error_kind"])
    return Job(**values)


class JobRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, new: NewJob) -> Job:
        async with self._db.transaction() as conn:
            return await self._insert(conn, new)

    async def create_unless_running(self, new: NewJob) -> Job | None:
        """Insert a job for a button press unless a job from the same button is still running.

        The check and the insert share one write transaction, so a double tap starts one job.
        """
        running = tuple(s.value for s in JobStatus if not s.is_final)
        async with self._db.transaction() as conn:
            marks = ",".join("?" * len(running))
            sql = f"SELECT 1 FROM jobs WHERE button_key = ? AND status IN ({marks}) LIMIT 1"
            async with conn.execute(sql, (new.button_key, *running)) as cur:
                if await cur.fetchone():
                    return None
            return await self._insert(conn, new)

    async def _insert(self, conn: aiosqlite.Connection, new: NewJob) -> Job:
        now = time.time()
        row: dict[str, Any] = asdict(new)
        row.update(kind=new.kind.value, status=JobStatus.SUBMITTING.value, created_at=now, updated_at=now)
        columns = ",".join(row)
        sql = f"INSERT INTO jobs ({columns}) VALUES ({','.join('?' * len(row))}) RETURNING *"
        async with conn.execute(sql, tuple(row.values())) as cur:
            created = await cur.fetchone()
        assert created is not None
        return _job(created)

    async def get(self, job_id: int) -> Job | None:
        row = await self._db.fetch_one("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return _job(row) if row else None

    async def update(self, job_id: int, **changes: Any) -> Job:
        job = await self._update("id = ?", (job_id,), changes)
        if job is None:
            raise LookupError(f"job {job_id} does not exist")
        return job

    async def update_if(self, job_id: int, expected: JobStatus, **changes: Any) -> Job | None:
        """Update only while the job's status is still `expected`; None when it has moved on."""
        return await self._update("id = ? AND status = ?", (job_id, expected.value), changes)

    async def _update(self, where: str, where_values: tuple[Any, ...], changes: dict[str, Any]) -> Job | None:
        unknown = set(changes) - set(_JOB_COLUMNS)
        if unknown:
            raise ValueError(f"unknown job columns: {sorted(unknown)}")
        changes["updated_at"] = time.time()
        values = [v.value if isinstance(v, StrEnum) else v for v in changes.values()]
        assignments = ", ".join(f"{name} = ?" for name in changes)
        async with self._db.transaction() as conn:
            sql = f"UPDATE jobs SET {assignments} WHERE {where} RETURNING *"
            async with conn.execute(sql, (*values, *where_values)) as cur:
                row = await cur.fetchone()
        return _job(row) if row else None

    async def undelivered(self) -> list[Job]:
        """Every job whose outcome the user has not been shown yet, oldest first."""
        rows = await self._db.fetch_all("SELECT * FROM jobs WHERE delivered_at IS NULL ORDER BY id")
        return [_job(r) for r in rows]


class ButtonRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def replace_for_job(self, job_id: int, buttons: Iterable[tuple[str, str, str]]) -> list[StoredButton]:
        """Store (custom_id, label, emoji) triples under fresh short keys; idempotent per job."""
        now = time.time()
        stored: list[StoredButton] = []
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM buttons WHERE job_id = ?", (job_id,))
            for position, (custom_id, label, emoji) in enumerate(buttons):
                button = StoredButton(_new_key(), job_id, position, custom_id, label, emoji)
                await conn.execute(
                    "INSERT INTO buttons (key, job_id, position, custom_id, label, emoji, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (button.key, job_id, position, custom_id, label, emoji, now),
                )
                stored.append(button)
        return stored

    async def for_job(self, job_id: int) -> list[StoredButton]:
        rows = await self._db.fetch_all("SELECT * FROM buttons WHERE job_id = ? ORDER BY position", (job_id,))
        return [_button(r) for r in rows]

    async def get(self, key: str) -> StoredButton | None:
        row = await self._db.fetch_one("SELECT * FROM buttons WHERE key = ?", (key,))
        return _button(row) if row else None


def _button(row: aiosqlite.Row) -> StoredButton:
    return StoredButton(row["key"], row["job_id"], row["position"], row["custom_id"], row["label"], row["emoji"])


def _new_key() -> str:
    # 12 url-safe characters: short enough for callback_data, too many to guess.
    return secrets.token_urlsafe(9)


class ResultRepository:
    """Downloaded result images kept until Telegram has them, so a restart or an outage loses none."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, job_id: int, image: bytes) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO results (job_id, image, created_at) VALUES (?, ?, ?)",
                (job_id, image, time.time()),
            )

    async def get(self, job_id: int) -> bytes | None:
        row = await self._db.fetch_one("SELECT image FROM results WHERE job_id = ?", (job_id,))
        return bytes(row["image"]) if row else None

    async def delete(self, job_id: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM results WHERE job_id = ?", (job_id,))
