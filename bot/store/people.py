"""The `people` table: what each person chose for themselves."""

from __future__ import annotations

from bot.store.db import Database


class PeopleRepository:
    """The `people` table: what each person chose for themselves (remix mode)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def remix(self, user_id: int) -> bool:
        row = await self._db.fetch_one("SELECT remix FROM people WHERE user_id = ?", (user_id,))
        return bool(row["remix"]) if row else False

    async def set_remix(self, user_id: int, on: bool) -> None:
        await self._db.execute(
            "INSERT INTO people (user_id, remix) VALUES (?, ?)"
            " ON CONFLICT(user_id) DO UPDATE SET remix = excluded.remix",
            (user_id, int(on)),
        )
