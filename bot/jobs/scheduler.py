"""The one scheduler: it alone decides who works on job X, and when.

At most one worker runs per job. News about a job's task — from the poll loop, or from a provider
callback (`heard_of`: the tasks callbacks name are looked up together first, then `push`ed) — is put
in the job's inbox, where it replaces older news unless it is itself older (a late poll answer must
not hide a SUCCESS pushed meanwhile), and the job's worker applies it. Applying the same news twice
changes nothing, so a task reported by two sources is applied once and delivered once.

State lives in the database: a restarted bot reads the undelivered jobs and carries on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Coroutine
from typing import Any

from bot.jobs.model import Job, JobState
from bot.jobs.policy import fits
from bot.jobs.runner import JobRunner
from bot.mj import MJError, Task

log = logging.getLogger(__name__)

MAX_RETRY_DELAY = 600.0
STOP_GRACE_SECONDS = 10.0
STALE_SUBMIT_SECONDS = 120.0  # a submit with no worker this long after it began (its last save) was cut off
CALLBACK_GATHER_SECONDS = 0.1  # callbacks arriving this close together are looked up together
VANISHED_AFTER = 20  # successful look-ups in a row that miss a task before it is asked about on its own

_Work = Coroutine[Any, Any, None]


_HOLDS_A_SLOT = frozenset({JobState.SUBMITTING, JobState.QUEUED, JobState.SUBMITTED, JobState.IN_PROGRESS})


class Scheduler:
    def __init__(self, runner: JobRunner, *, poll_interval: float, capacity: int = 0) -> None:
        self.runner = runner
        self.poll_interval = poll_interval
        self.capacity = capacity  # jobs the provider account runs at once (0: no limit); the rest wait here
        self.stop_grace = STOP_GRACE_SECONDS
        self._admitting: dict[int, int] = {}  # let out of the bot's queue, not yet submitted: their weights
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._inbox: dict[int, Task | None] = {}  # None: looked for, not found (the timeout still applies)
        self._next: dict[int, deque[_Work]] = {}  # work for a busy job: done by its worker, in order
        self._detached: set[asyncio.Task[object]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._misses: dict[int, int] = {}  # job → look-ups in a row that did not find its task
        self._heard: set[str] = set()  # tasks callbacks named, waiting to be looked up together
        self._gathering = False  # a look-up of what callbacks named is on its way

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Settle submits a previous run was cut off in, then poll every `poll_interval`."""
        jobs = await self.runner.records.undelivered()
        cut_off = [job for job in jobs if job.state is JobState.SUBMITTING]
        for job in cut_off:
            self._run(job.id, self.runner.recover(job))
        tracked = sum(job.state.is_tracked for job in jobs)
        log.info("resuming %d running jobs; %d submits were cut off by the last stop", tracked, len(cut_off))
        self._loop_task = asyncio.create_task(self._poll(), name="scheduler")

    async def stop(self) -> None:
        """Stop polling, let work under way finish (a half-done delivery would be repeated), then cancel."""
        self._stopping = True
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
            self._loop_task = None
        busy: list[asyncio.Task[Any]] = [*self._workers.values(), *self._detached, *self.runner.pending()]
        if busy:
            _, pending = await asyncio.wait(busy, timeout=self.stop_grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=self.stop_grace)
        self._workers.clear()
        self._inbox.clear()
        for queued in self._next.values():
            for work in queued:
                work.close()
        self._next.clear()

    # -- entry points ------------------------------------------------------------------------------

    def begin(self, job: Job) -> None:
        """Run a job that was just created (nobody else can be working on it yet)."""
        self._run(job.id, self.runner.start(job))

    async def push(self, task: Task) -> bool:
        """News about a task from outside the poll loop; False when no running job has that task."""
        job = await self.runner.records.by_task_id(task.id)
        if job is None or job.state.is_final:
            return False
        self._offer(job.id, task)
        return True

    async def heard_of(self, task_id: str) -> bool:
        """A provider callback named this task: look it up ourselves (a callback proves nothing), then push that."""
        job = await self.runner.records.by_task_id(task_id)
        if self._stopping or job is None or job.state.is_final:
            return False
        self._heard.add(task_id)
        if not self._gathering:
            self._gathering = True
            self.detach(self._look_up_heard())
        return True

    async def _look_up_heard(self) -> None:
        """What callbacks named in the same moment is looked up in one request, as the poll loop does: a
        callback per progress step and task would otherwise cost a request each (bench/, docs/benchmarks.md)."""
        try:
            while self._heard and not self._stopping:
                await asyncio.sleep(CALLBACK_GATHER_SECONDS)
                ids, self._heard = sorted(self._heard), set()
                found = await self._lookup(ids)
                for task in (found or {}).values():
                    await self.push(task)
        finally:
            self._gathering = False

    def work_on(self, job_id: int, work: _Work) -> bool:
        """Have the job's worker do `work` (after what it is doing); False only when stopping."""
        if self._stopping:
            work.close()
            return False
        if self.is_busy(job_id):
            self._next.setdefault(job_id, deque()).append(work)
        else:
            self._run(job_id, work)
        return True

    def detach(self, work: Coroutine[Any, Any, object]) -> None:
        """Work that belongs to no running job (showing a delivered result again); finished before stopping."""
        if self._stopping:
            work.close()
            return
        task = asyncio.create_task(work)
        self._detached.add(task)
        task.add_done_callback(self._detached_done)

    def is_busy(self, job_id: int) -> bool:
        return job_id in self._workers

    # -- polling -----------------------------------------------------------------------------------

    async def _poll(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("scheduling round failed")
            await asyncio.sleep(self.poll_interval)

    async def tick(self) -> None:
        """One round: look every tracked task up at once, settle what is due, retry deliveries."""
        everything = await self.runner.records.undelivered()
        jobs = [job for job in everything if not self.is_busy(job.id)]
        tracked = [job for job in jobs if job.state.is_tracked and job.task_id]
        found = await self._lookup(sorted({job.task_id for job in tracked if job.task_id}))
        for job in tracked:
            task = found.get(job.task_id or "") if found is not None else None
            if found is not None and task is None and self._missed(job.id):
                self._run(job.id, self.runner.vanished(job))
                continue
            if task is not None:
                self._misses.pop(job.id, None)
            self._offer(job.id, task)
        for gone in self._misses.keys() - {job.id for job in tracked}:
            del self._misses[gone]  # finished (or busy) meanwhile: its count starts again if it is missed again
        self._admit([job for job in everything if job.id not in self._admitting])
        now = time.time()
        for job in jobs:
            if job.awaits_delivery and self._delivery_due(job, now):
                self._run(job.id, self.runner.deliver(job))
            elif job.state is JobState.AWAITING_INPUT and now - job.updated_at > self.runner.input_timeout:
                self._run(job.id, self.runner.expire(job))
            elif job.state is JobState.SUBMITTING and now - job.updated_at > STALE_SUBMIT_SECONDS:
                self._run(job.id, self.runner.recover(job))

    def _admit(self, jobs: list[Job]) -> None:
        """Let waiting jobs out of the bot's queue, oldest first, while the provider account has slots;
        the rest learn their new place."""
        in_flight = sum(job.weight for job in jobs if job.state in _HOLDS_A_SLOT) + sum(self._admitting.values())
        waiting = [job for job in jobs if job.state is JobState.WAITING]
        while waiting and not self._stopping and fits(in_flight, waiting[0].weight, self.capacity):
            job = waiting.pop(0)
            in_flight += job.weight
            self._admitting[job.id] = job.weight
            self.work_on(job.id, self._admitted(job))
        for ahead, job in enumerate(waiting):
            if job.progress.queue_position != ahead and not self.is_busy(job.id):
                self.work_on(job.id, self.runner.show_waiting(job, ahead))

    async def _admitted(self, job: Job) -> None:
        try:
            await self.runner.admit(job)
        finally:
            self._admitting.pop(job.id, None)

    async def _lookup(self, ids: list[str]) -> dict[str, Task] | None:
        """The tasks the provider knows, by id; None when it could not be asked (that is no news)."""
        try:
            return await self.runner.client.tasks(ids)
        except MJError as exc:
            log.warning("task lookup failed: %s", exc.message)
            return None

    def _missed(self, job_id: int) -> bool:
        """Count a look-up that did not find the job's task; True once it has missed too often."""
        misses = self._misses.get(job_id, 0) + 1
        self._misses[job_id] = 0 if misses >= VANISHED_AFTER else misses
        return misses >= VANISHED_AFTER

    def _delivery_due(self, job: Job, now: float) -> bool:
        if job.delivery_attempts == 0:
            return True
        backoff = self.poll_interval * (1 << min(job.delivery_attempts, 12))
        return now - job.updated_at >= min(backoff, MAX_RETRY_DELAY)

    # -- workers -----------------------------------------------------------------------------------

    def _offer(self, job_id: int, task: Task | None) -> None:
        held = self._inbox.get(job_id)
        if job_id not in self._inbox or (task is not None and (held is None or task.stage >= held.stage)):
            self._inbox[job_id] = task  # never let "not found" or older news hide what is waiting
        if not self.is_busy(job_id):
            self._run(job_id, None)

    def _run(self, job_id: int, first: _Work | None) -> None:
        """Start the job's worker, unless one is running (the tick saw an old snapshot) or we are stopping."""
        if self._stopping or self.is_busy(job_id):
            if first is not None:
                first.close()
            return
        worker = asyncio.create_task(self._work(job_id, first), name=f"job-{job_id}")
        self._workers[job_id] = worker
        worker.add_done_callback(lambda done: self._finished(job_id, done))

    async def _work(self, job_id: int, first: _Work | None) -> None:
        if first is not None:
            await first
        while job_id in self._inbox or self._next.get(job_id):
            queued = self._next.get(job_id)
            if queued:
                await queued.popleft()
                continue
            task = self._inbox.pop(job_id)
            job = await self.runner.records.load(job_id)
            if job is not None:
                await self.runner.follow(job, task)
        self._next.pop(job_id, None)

    def _detached_done(self, task: asyncio.Task[object]) -> None:
        self._detached.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("detached work failed", exc_info=task.exception())

    def _finished(self, job_id: int, worker: asyncio.Task[None]) -> None:
        if self._workers.get(job_id) is worker:
            del self._workers[job_id]
        if not worker.cancelled() and worker.exception() is not None:
            log.error("job %d: work failed", job_id, exc_info=worker.exception())
        if (job_id in self._inbox or self._next.get(job_id)) and not worker.cancelled():
            self._run(job_id, None)  # news or work arrived as the worker was finishing
