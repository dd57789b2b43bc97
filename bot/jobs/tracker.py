"""Following every unfinished job with one batched provider query per poll interval.

State lives in the database, so a restarted bot picks up where the old one stopped: it re-reads
the undelivered jobs and carries on editing their status messages.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine, Sequence
from typing import Any

from bot.jobs.service import JobService
from bot.mj import EndpointNotFound, MJError, Task
from bot.store import Job, JobStatus

log = logging.getLogger(__name__)

BATCH_SIZE = 100
STALE_SUBMIT_SECONDS = 120.0  # a submit not in flight for this long was cut off by a stop
MAX_RETRY_DELAY = 600.0
STOP_GRACE_SECONDS = 10.0


class Tracker:
    def __init__(self, service: JobService, *, poll_interval: float) -> None:
        self.service = service
        self.poll_interval = poll_interval
        self.per_task_fetch = False  # set once the provider turns out to lack list-by-condition
        self._loop_task: asyncio.Task[None] | None = None
        self._busy: dict[int, asyncio.Task[None]] = {}

    async def start(self) -> None:
        self._loop_task = asyncio.create_task(self._run(), name="tracker")

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop polling, let deliveries under way finish (a half-done one would be repeated), then cancel."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
            self._loop_task = None
        busy = list(self._busy.values())
        if busy:
            _, pending = await asyncio.wait(busy, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self._busy.clear()

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("tracking round failed")
            await asyncio.sleep(self.poll_interval)

    async def tick(self) -> None:
        """One round: look up all tracked tasks at once, then follow or settle each job."""
        jobs = [j for j in await self.service.undelivered() if not self._busy_with(j)]
        ids = sorted({j.task_id for j in jobs if j.status.is_tracked and j.task_id})
        tasks = await self._lookup(ids)
        now = time.time()
        for job in jobs:
            if job.status.is_tracked:
                self._spawn(job, self._follow(job, tasks.get(job.task_id or "")))
            elif job.status is JobStatus.SUBMITTING:
                if now - job.created_at > STALE_SUBMIT_SECONDS:
                    self._spawn(job, self._interrupt(job))
            elif self._delivery_due(job, now):
                self._spawn(job, self.service.settle(job))

    def _busy_with(self, job: Job) -> bool:
        return job.id in self._busy or self.service.is_in_flight(job)

    def _spawn(self, job: Job, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name=f"job-{job.id}")
        self._busy[job.id] = task
        task.add_done_callback(lambda t: self._done(job.id, t))

    def _done(self, job_id: int, task: asyncio.Task[None]) -> None:
        self._busy.pop(job_id, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("job %d: follow-up failed", job_id, exc_info=task.exception())

    async def _follow(self, job: Job, task: Task | None) -> None:
        job = await self.service.refresh(job, task)
        await self.service.announce(job)

    async def _interrupt(self, job: Job) -> None:
        interrupted = await self.service.mark_interrupted(job)
        if interrupted is not None:
            await self.service.settle(interrupted)

    def _delivery_due(self, job: Job, now: float) -> bool:
        if job.delivery_attempts == 0:
            return True
        backoff = self.poll_interval * (1 << min(job.delivery_attempts, 12))
        return now - job.updated_at >= min(backoff, MAX_RETRY_DELAY)

    async def _lookup(self, ids: Sequence[str]) -> dict[str, Task]:
        if not ids:
            return {}
        try:
            if not self.per_task_fetch:
                try:
                    return await self._list(ids)
                except EndpointNotFound:
                    log.warning("the provider has no list-by-condition; falling back to one fetch per task")
                    self.per_task_fetch = True
            return await self._fetch_each(ids)
        except MJError as exc:
            log.warning("task lookup failed: %s", exc.message)
            return {}

    async def _list(self, ids: Sequence[str]) -> dict[str, Task]:
        found: dict[str, Task] = {}
        for start in range(0, len(ids), BATCH_SIZE):
            for task in await self.service.client.list_by_condition(ids[start : start + BATCH_SIZE]):
                found[task.id] = task
        return found

    async def _fetch_each(self, ids: Sequence[str]) -> dict[str, Task]:
        results = await asyncio.gather(*(self.service.client.fetch(i) for i in ids), return_exceptions=True)
        found: dict[str, Task] = {}
        for task_id, result in zip(ids, results, strict=True):
            if isinstance(result, Task):
                found[task_id] = result
            elif isinstance(result, BaseException) and not isinstance(result, MJError):
                raise result
        return found
