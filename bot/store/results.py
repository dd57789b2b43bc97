"""The `results` table: downloaded images kept until Telegram has them, so a restart or an outage loses none."""

from __future__ import annotations

import time

from bot.store.db import Database


class ResultRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, job_id: int, image: bytes) -> None:
        await self._db.execute(
            "INSERT OR REPLACE INTO results (job_id, image, created_at) VALUES (?, ?, ?)", (job_id, image, time.time())
        )

    async def get(self, job_id: int) -> bytes | None:
        row = await self._db.fetch_one("SELECT image FROM results WHERE job_id = ?", (job_id,))
        return bytes(row["image"]) if row else None

    async def delete(self, job_id: int) -> None:
        await self._db.execute("DELETE FROM results WHERE job_id = ?", (job_id,))
