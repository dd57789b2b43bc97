"""The `access` table: the operators' decisions about who may use the bot.

A subject is `user:<id>`, `chat:<id>` or `name:<username>` (a person known only by @username so far).
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.store.db import Database
from bot.store.jobs import Row, as_row


class AccessRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def decide(self, subject: str, allowed: bool, by_user_id: int, at: float) -> None:
        await self._db.execute(
            "INSERT OR REPLACE INTO access (subject, allowed, decided_by, decided_at) VALUES (?, ?, ?, ?)",
            (subject, int(allowed), by_user_id, at),
        )

    async def decisions(self, subjects: Iterable[str]) -> dict[str, bool]:
        wanted = list(subjects)
        if not wanted:
            return {}
        sql = f"SELECT subject, allowed FROM access WHERE subject IN ({','.join('?' * len(wanted))})"
        return {str(row["subject"]): bool(row["allowed"]) for row in await self._db.fetch_all(sql, wanted)}

    async def all(self) -> list[Row]:
        return [as_row(row) for row in await self._db.fetch_all("SELECT * FROM access ORDER BY decided_at")]

    async def move(self, old_subject: str, new_subject: str) -> None:
        await self._db.execute("UPDATE OR REPLACE access SET subject = ? WHERE subject = ?", (new_subject, old_subject))
