"""The `jobs` table. Rows go in and out as column → value mappings; the domain gives them meaning."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

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
        "speed",
        "bot_type",
        "delivery",
        "translation",
        "written_prompt",
        "weight",
    }
)


@dataclass(frozen=True)
class Counting:
    """What an insert counts before it decides: whose jobs, since when, and which states mean what."""

    user_id: int
    chat_id: int | None  # the group the job is for; None in a private chat
    since: float  # the start of the day
    done: Sequence[str]  # states whose weight counts once reached (a success)
    unfinished: Sequence[str]  # states whose weight counts while they last
    in_flight: Sequence[str]  # states that hold a slot of the provider account
    waiting: str  # the bot's own queue


@dataclass(frozen=True)
class Usage:
    """Weights summed by `Counting`: today's done and the unfinished, for the person and the group."""

    person_done: int = 0
    person_unfinished: int = 0
    group_done: int = 0
    group_unfinished: int = 0
    in_flight: int = 0
    waiting: int = 0


@dataclass(frozen=True)
class Guard:
    """Checks that share the insert's transaction, so two taps or two people cannot both slip through.

    `busy`: a button whose earlier press is in one of these states is not pressed again (nothing is
    inserted). `decide` sees the `Usage` of `counting` and returns columns to set on every row, or raises.
    """

    busy: Sequence[str] = ()
    counting: Counting | None = None
    decide: Callable[[Usage], Mapping[str, SqlValue]] | None = None


class JobRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def insert(self, values: Row) -> Row:
        _check(values)
        sql, params = _insert_sql(values)
        async with self._db.transaction() as conn, conn.execute(sql, params) as cur:
            row = await cur.fetchone()
        assert row is not None
        return as_row(row)

    async def insert_guarded(self, values: Sequence[Row], guard: Guard) -> list[Row]:
        """Insert jobs together once `guard` lets them in: all, or none ([] for a busy button)."""
        for row in values:
            _check(row)
        async with self._db.transaction() as conn:
            keys = [v["button_key"] for v in values if v.get("button_key")]
            if guard.busy and keys and await _any(conn, _busy_sql(len(keys), len(guard.busy)), (*keys, *guard.busy)):
                return []
            extra: Mapping[str, SqlValue] = {}
            if guard.decide is not None:
                usage = await _usage(conn, guard.counting) if guard.counting is not None else Usage()
                extra = guard.decide(usage)
            inserted = []
            for row in values:
                sql, params = _insert_sql({**row, **extra})
                async with conn.execute(sql, params) as cur:
                    created = await cur.fetchone()
                assert created is not None
                inserted.append(as_row(created))
        return inserted

    async def usage(self, counting: Counting) -> Usage:
        return await _usage(self._db.conn, counting)

    async def started_since(self, since: float, *, user_id: int | None = None) -> list[Row]:
        """Jobs created since `since` (one person's, or everyone's), oldest first: what /stats sums up."""
        columns = "id, user_id, user_name, chat_id, kind, state, problem, created_at, finished_at, weight"
        sql = f"SELECT {columns} FROM jobs WHERE created_at >= ?"
        params: list[SqlValue] = [since]
        if user_id is not None:
            sql, params = sql + " AND user_id = ?", [*params, user_id]
        return [as_row(r) for r in await self._db.fetch_all(sql + " ORDER BY id", params)]

    async def recent(self, user_id: int, chat_id: int | None, limit: int) -> list[Row]:
        """A person's newest jobs (in one chat, or anywhere), newest first."""
        where, params = (
            ("user_id = ?", [user_id]) if chat_id is None else ("user_id = ? AND chat_id = ?", [user_id, chat_id])
        )
        sql = f"SELECT * FROM jobs WHERE {where} ORDER BY id DESC LIMIT ?"
        return [as_row(r) for r in await self._db.fetch_all(sql, [*params, limit])]

    async def newest_in(self, chat_id: int, user_id: int, states: Sequence[str]) -> Row | None:
        """This person's newest job in this chat that is in one of `states`."""
        sql = (
            f"SELECT * FROM jobs WHERE chat_id = ? AND user_id = ? AND state IN ({','.join('?' * len(states))})"
            " ORDER BY id DESC LIMIT 1"
        )
        return _maybe(await self._db.fetch_one(sql, (chat_id, user_id, *states)))

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
            as_row(r) for r in await self._db.fetch_all("SELECT * FROM jobs WHERE delivered_at IS NULL ORDER BY id")
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


async def _any(conn: aiosqlite.Connection, sql: str, params: Sequence[SqlValue]) -> bool:
    async with conn.execute(sql, tuple(params)) as cur:
        return await cur.fetchone() is not None


def _busy_sql(keys: int, states: int) -> str:
    return (
        f"SELECT 1 FROM jobs WHERE button_key IN ({','.join('?' * keys)})"
        f" AND state IN ({','.join('?' * states)}) LIMIT 1"
    )


async def _usage(conn: aiosqlite.Connection, c: Counting) -> Usage:
    """Every sum in one statement, so the answer is one consistent snapshot."""
    done, unfinished, in_flight = (",".join("?" * len(states)) for states in (c.done, c.unfinished, c.in_flight))
    sql = (
        "SELECT"
        f" COALESCE(SUM(CASE WHEN user_id = ? AND state IN ({done}) AND created_at >= ? THEN weight END), 0),"
        f" COALESCE(SUM(CASE WHEN user_id = ? AND state IN ({unfinished}) THEN weight END), 0),"
        f" COALESCE(SUM(CASE WHEN chat_id = ? AND state IN ({done}) AND created_at >= ? THEN weight END), 0),"
        f" COALESCE(SUM(CASE WHEN chat_id = ? AND state IN ({unfinished}) THEN weight END), 0),"
        f" COALESCE(SUM(CASE WHEN state IN ({in_flight}) THEN weight END), 0),"
        " COALESCE(SUM(CASE WHEN state = ? THEN 1 END), 0)"
        " FROM jobs WHERE delivered_at IS NULL OR created_at >= ?"
    )
    chat = c.chat_id if c.chat_id is not None else 0  # no chat has id 0: nothing is counted for it
    params = (
        *(c.user_id, *c.done, c.since),
        *(c.user_id, *c.unfinished),
        *(chat, *c.done, c.since),
        *(chat, *c.unfinished),
        *c.in_flight,
        c.waiting,
        c.since,
    )
    async with conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    assert row is not None
    return Usage(*(int(value) for value in row))


def _check(values: Row) -> None:
    unknown = set(values) - COLUMNS
    if unknown:
        raise ValueError(f"unknown job columns: {sorted(unknown)}")


def _insert_sql(values: Row) -> tuple[str, tuple[SqlValue, ...]]:
    columns = ",".join(values)
    marks = ",".join("?" * len(values))
    return f"INSERT INTO jobs ({columns}) VALUES ({marks}) RETURNING *", tuple(values.values())


def as_row(row: aiosqlite.Row) -> Row:
    return dict(zip(row.keys(), row, strict=True))


def _maybe(row: aiosqlite.Row | None) -> Row | None:
    return as_row(row) if row is not None else None
