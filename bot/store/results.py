"""The `results` table: downloaded files kept until Telegram has them, so a restart or an outage loses none.

A picture is at position 0. A video's clips are at 1, 2, … with their thumbnails; its grid's still is at 0.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.store.db import Database


@dataclass(frozen=True)
class StoredResult:
    data: bytes
    thumbnail: bytes | None = None


class ResultRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, job_id: int, data: bytes, *, position: int = 0, thumbnail: bytes | None = None) -> None:
        await self._db.execute(
            "INSERT OR REPLACE INTO results (job_id, position, data, thumbnail, created_at) VALUES (?, ?, ?, ?, ?)",
            (job_id, position, data, thumbnail, time.time()),
        )

    async def get(self, job_id: int, position: int = 0) -> bytes | None:
        row = await self._db.fetch_one("SELECT data FROM results WHERE job_id = ? AND position = ?", (job_id, position))
        return bytes(row["data"]) if row else None

    async def all(self, job_id: int) -> dict[int, StoredResult]:
        """Every file kept for the job, by position."""
        rows = await self._db.fetch_all(
            "SELECT position, data, thumbnail FROM results WHERE job_id = ? ORDER BY position", (job_id,)
        )
        return {
            int(row["position"]): StoredResult(
                bytes(row["data"]), bytes(row["thumbnail"]) if row["thumbnail"] is not None else None
            )
            for row in rows
        }

    async def delete(self, job_id: int) -> None:
        await self._db.execute("DELETE FROM results WHERE job_id = ?", (job_id,))
