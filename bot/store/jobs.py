"""The `jobs` table. Rows go in and out as column → value mappings; the domain gives them meaning."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import aiosqlite

from bot.store.db import Database

SqlValue = int | float | str | bytes | None
Row = Mapping[str, SqlValue]

COLUMNS = frozenset(
    {
        "id",
        "kind",
        "state",
        "chat_id",
        "thread_id",
        "user_id",
        "user_name",
        "language",
        "request_message_id",
        "prompt",
        "parent_job_id",
        "button_key",
        "custom_id",
        "button_label",
        "task_id",
        "progress",
        "queue_position",
        "preview_url",
        "result_url",
        "result_text",
        "result_clips",
        "dimensions",
        "unattended",
        "input_given",
        "result_width",
        "result_height",
        "problem",
        "problem_detail",
        "status_message_id",
        "status_as_text",
        "photo_file_id",
        "document_file_id",
        "created_at",
        "updated_at",
        "finished_at",
        "delivered_at",
        "delivery_attempts",
    }
)


class JobRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def insert(self, values: Row) -> Row:
        _check(values)
        sql, params = _insert_sql(values)
        async with self._db.transaction() as conn, conn.execute(sql, params) as cur:
            row = await cur.fetchone()
        assert row is not None
        return _as_row(row)

    async def insert_unless_running(self, values: Row, *, running_states: Iterable[str]) -> Row | None:
        """Insert a button press unless a job from the same button is in one of `running_states`.

        The check and the insert share one write transaction, so a double tap inserts once.
        """
        _check(values)
        states = tuple(running_states)
        marks = ",".join("?" * len(states))
        check = f"SELECT 1 FROM jobs WHERE button_key = ? AND state IN ({marks}) LIMIT 1"
        sql, params = _insert_sql(values)
        async with self._db.transaction() as conn:
            async with conn.execute(check, (values["button_key"], *states)) as cur:
                if await cur.fetchone():
                    return None
            async with conn.execute(sql, params) as cur:
                row = await cur.fetchone()
        assert row is not None
        return _as_row(row)

    async def insert_all_unless_running(self, values: Sequence[Row], *, running_states: Iterable[str]) -> list[Row]:
        """Insert several presses at once, or none when any of their buttons' jobs is in `running_states`."""
        states = tuple(running_states)
        keys = [v["button_key"] for v in values]
        check = (
            f"SELECT 1 FROM jobs WHERE button_key IN ({','.join('?' * len(keys))})"
            f" AND state IN ({','.join('?' * len(states))}) LIMIT 1"
        )
        inserted = []
        async with self._db.transaction() as conn:
            async with conn.execute(check, (*keys, *states)) as cur:
                if await cur.fetchone():
                    return []
            for row in values:
                _check(row)
                sql, params = _insert_sql(row)
                async with conn.execute(sql, params) as cur:
                    created = await cur.fetchone()
                assert created is not None
                inserted.append(_as_row(created))
        return inserted

    async def get(self, job_id: int) -> Row | None:
        return _maybe(await self._db.fetch_one("SELECT * FROM jobs WHERE id = ?", (job_id,)))

    async def update(self, job_id: int, values: Row) -> Row | None:
        _check(values)
        assignments = ", ".join(f"{name} = ?" for name in values)
        row = await self._db.execute(
            f"UPDATE jobs SET {assignments} WHERE id = ? RETURNING *", [*values.values(), job_id]
        )
        return _maybe(row)

    async def undelivered(self) -> list[Row]:
        """Every job whose outcome has not been shown yet, oldest first."""
        return [
            _as_row(r) for r in await self._db.fetch_all("SELECT * FROM jobs WHERE delivered_at IS NULL ORDER BY id")
        ]

    async def by_task_id(self, task_id: str) -> Row | None:
        return _maybe(await self._db.fetch_one("SELECT * FROM jobs WHERE task_id = ? ORDER BY id DESC", (task_id,)))

    async def latest_press(self, parent_job_id: int, custom_id: str, states: Sequence[str]) -> Row | None:
        """The newest job that pressed `custom_id` on `parent_job_id` and is in one of `states`."""
        marks = ",".join("?" * len(states))
        sql = (
            f"SELECT * FROM jobs WHERE parent_job_id = ? AND custom_id = ? AND state IN ({marks})"
            " ORDER BY id DESC LIMIT 1"
        )
        return _maybe(await self._db.fetch_one(sql, (parent_job_id, custom_id, *states)))

    async def shown_in(self, chat_id: int, message_id: int) -> Row | None:
        """The job whose status message (and so whose result) this message is."""
        sql = "SELECT * FROM jobs WHERE chat_id = ? AND status_message_id = ? ORDER BY id DESC LIMIT 1"
        return _maybe(await self._db.fetch_one(sql, (chat_id, message_id)))

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        await self._db.execute("UPDATE jobs SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))


def _check(values: Row) -> None:
    unknown = set(values) - COLUMNS
    if unknown:
        raise ValueError(f"unknown job columns: {sorted(unknown)}")


def _insert_sql(values: Row) -> tuple[str, tuple[SqlValue, ...]]:
    columns = ",".join(values)
    marks = ",".join("?" * len(values))
    return f"INSERT INTO jobs ({columns}) VALUES ({marks}) RETURNING *", tuple(values.values())


def _as_row(row: aiosqlite.Row) -> Row:
    return dict(zip(row.keys(), row, strict=True))


def _maybe(row: aiosqlite.Row | None) -> Row | None:
    return _as_row(row) if row is not None else None
