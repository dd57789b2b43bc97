"""The `limits` table: a person's or a group's own quota, set by an operator. NULL keeps the default."""

from __future__ import annotations

from bot.store.db import Database
from bot.store.jobs import Row, as_row


class LimitRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, owner_id: int) -> Row | None:
        row = await self._db.fetch_one("SELECT * FROM limits WHERE owner_id = ?", (owner_id,))
        return as_row(row) if row is not None else None

    async def set(self, owner_id: int, daily: int | None, in_flight: int | None) -> None:
        if daily is None and in_flight is None:
            await self._db.execute("DELETE FROM limits WHERE owner_id = ?", (owner_id,))
            return
        await self._db.execute(
            "INSERT OR REPLACE INTO limits (owner_id, daily, in_flight) VALUES (?, ?, ?)", (owner_id, daily, in_flight)
        )

    async def move(self, old_owner_id: int, new_owner_id: int) -> None:
        await self._db.execute(
            "UPDATE OR REPLACE limits SET owner_id = ? WHERE owner_id = ?", (new_owner_id, old_owner_id)
        )
