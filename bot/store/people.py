"""The `people` table: who the bot has met, so an @username can be turned into a person."""

from __future__ import annotations

from bot.store.db import Database
from bot.store.jobs import Row, as_row


class PeopleRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def seen(self, user_id: int, username: str, name: str) -> None:
        await self._db.execute(
            "INSERT INTO people (user_id, username, name) VALUES (?, ?, ?)"
            " ON CONFLICT(user_id) DO UPDATE SET username = excluded.username, name = excluded.name",
            (user_id, username.lower(), name),
        )

    async def get(self, user_id: int) -> Row | None:
        row = await self._db.fetch_one("SELECT * FROM people WHERE user_id = ?", (user_id,))
        return as_row(row) if row is not None else None

    async def by_username(self, username: str) -> Row | None:
        """The person last seen with this @username (lower case, without the @)."""
        sql = "SELECT * FROM people WHERE username = ? ORDER BY rowid DESC LIMIT 1"
        row = await self._db.fetch_one(sql, (username.lower(),))
        return as_row(row) if row is not None else None
