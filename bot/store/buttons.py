"""The `buttons` table: a result's buttons under short keys, so callback_data stays within 64 bytes."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass

import aiosqlite

from bot.store.db import Database


@dataclass(frozen=True)
class StoredButton:
    key: str
    job_id: int
    position: int
    custom_id: str
    label: str = ""
    emoji: str = ""


class ButtonRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def replace_for_job(self, job_id: int, buttons: Iterable[tuple[str, str, str]]) -> list[StoredButton]:
        """Store (custom_id, label, emoji) triples under fresh keys; a second call replaces the first."""
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
