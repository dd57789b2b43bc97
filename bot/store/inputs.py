"""The `inputs` table: the pictures a job was asked with, kept so its submit needs nothing from Telegram."""

from __future__ import annotations

from collections.abc import Sequence

from bot.store.db import Database


class InputRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, job_id: int, images: Sequence[tuple[bytes, str]]) -> None:
        """Store (bytes, mime) pairs in order."""
        async with self._db.transaction() as conn:
            for position, (image, mime) in enumerate(images):
                await conn.execute(
                    "INSERT INTO inputs (job_id, position, image, mime) VALUES (?, ?, ?, ?)",
                    (job_id, position, image, mime),
                )

    async def get(self, job_id: int) -> list[tuple[bytes, str]]:
        rows = await self._db.fetch_all("SELECT image, mime FROM inputs WHERE job_id = ? ORDER BY position", (job_id,))
        return [(bytes(row["image"]), str(row["mime"])) for row in rows]

    async def delete(self, job_id: int) -> None:
        await self._db.execute("DELETE FROM inputs WHERE job_id = ?", (job_id,))
