"""The `preferences` table: what a person chose for themselves, or a group's admins for the group.

A row is keyed by its owner: a user id (positive) or a chat id (negative). NULL means "not chosen".
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.store.db import Database
from bot.store.jobs import Row, SqlValue, as_row

COLUMNS = frozenset(
    {"speed", "model", "draft", "personalization", "parameters", "remix", "delivery", "language", "shared_buttons"}
)


class PreferenceRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, owner_id: int) -> Row | None:
        row = await self._db.fetch_one("SELECT * FROM preferences WHERE owner_id = ?", (owner_id,))
        return as_row(row) if row is not None else None

    async def set(self, owner_id: int, values: Mapping[str, SqlValue]) -> None:
        unknown = set(values) - COLUMNS
        if unknown or not values:
            raise ValueError(f"unknown preference columns: {sorted(unknown)}")
        names = sorted(values)
        updates = ", ".join(f"{name} = excluded.{name}" for name in names)
        sql = (
            f"INSERT INTO preferences (owner_id, {', '.join(names)}) VALUES (?{', ?' * len(names)})"
            f" ON CONFLICT(owner_id) DO UPDATE SET {updates}"
        )
        await self._db.execute(sql, [owner_id, *(values[name] for name in names)])

    async def move(self, old_owner_id: int, new_owner_id: int) -> None:
        await self._db.execute("UPDATE preferences SET owner_id = ? WHERE owner_id = ?", (new_owner_id, old_owner_id))


class PreferenceQuestionRepository:
    """The `preference_questions` table: a value the bot asked for by a reply (a code, parameters)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(
        self, chat_id: int, message_id: int, *, user_id: int, owner_id: int, field: str, menu_message_id: int, at: float
    ) -> None:
        await self._db.execute(
            "INSERT OR REPLACE INTO preference_questions"
            " (chat_id, message_id, user_id, owner_id, field, menu_message_id, asked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (chat_id, message_id, user_id, owner_id, field, menu_message_id, at),
        )

    async def get(self, chat_id: int, message_id: int) -> Row | None:
        sql = "SELECT * FROM preference_questions WHERE chat_id = ? AND message_id = ?"
        row = await self._db.fetch_one(sql, (chat_id, message_id))
        return as_row(row) if row is not None else None

    async def delete(self, chat_id: int, message_id: int) -> None:
        await self._db.execute(
            "DELETE FROM preference_questions WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )

    async def move(self, old_chat_id: int, new_chat_id: int) -> None:
        await self._db.execute(
            "UPDATE preference_questions SET chat_id = ?, owner_id = CASE WHEN owner_id = ? THEN ? ELSE owner_id END"
            " WHERE chat_id = ?",
            (new_chat_id, old_chat_id, new_chat_id, old_chat_id),
        )
