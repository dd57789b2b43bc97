"""The `questions` table: what a job waiting for input asked the person, kept across restarts."""

from __future__ import annotations

import time

import aiosqlite

from bot.store.db import Database
from bot.store.jobs import Row


class QuestionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, job_id: int, asks: str, prefill: str, cells: str = "") -> None:
        await self._db.execute(
            "INSERT OR REPLACE INTO questions (job_id, asks, prefill, cells, asked_at) VALUES (?, ?, ?, ?, ?)",
            (job_id, asks, prefill, cells, time.time()),
        )

    async def update(self, job_id: int, **values: int | str | None) -> None:
        names = sorted(values)
        if not set(names) <= {"asks", "prefill", "message_id", "cells"}:
            raise ValueError(f"unknown question columns: {names}")
        assignments = ", ".join(f"{name} = ?" for name in names)
        await self._db.execute(
            f"UPDATE questions SET {assignments} WHERE job_id = ?", [*(values[n] for n in names), job_id]
        )

    async def get(self, job_id: int) -> Row | None:
        return _row(await self._db.fetch_one("SELECT * FROM questions WHERE job_id = ?", (job_id,)))

    async def by_message(self, message_id: int, chat_id: int) -> Row | None:
        sql = "SELECT q.* FROM questions q JOIN jobs j ON j.id = q.job_id WHERE q.message_id = ? AND j.chat_id = ?"
        return _row(await self._db.fetch_one(sql, (message_id, chat_id)))

    async def newest_for(self, chat_id: int, user_id: int, thread_id: int | None) -> Row | None:
        """The newest question this person was asked in this chat and topic."""
        sql = (
            "SELECT q.* FROM questions q JOIN jobs j ON j.id = q.job_id WHERE j.chat_id = ? AND j.user_id = ?"
            " AND j.thread_id IS ? ORDER BY q.asked_at DESC LIMIT 1"
        )
        return _row(await self._db.fetch_one(sql, (chat_id, user_id, thread_id)))

    async def delete(self, job_id: int) -> None:
        await self._db.execute("DELETE FROM questions WHERE job_id = ?", (job_id,))


def _row(row: aiosqlite.Row | None) -> Row | None:
    return dict(zip(row.keys(), row, strict=True)) if row is not None else None
