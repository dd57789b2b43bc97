"""Submitting jobs, applying what the provider reports, and handing finished jobs to the chat side.

A job is written to the database before anything is sent, so nothing the bot pays for is forgotten.
Its outcome is shown through a `JobListener` (the Telegram side implements it) and a job counts as
done only when the listener has shown it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol

from bot.jobs.images import ImageDownloadError, ImageFetcher
from bot.mj import (
    BannedPrompt,
    MJClient,
    MJError,
    ModalRequired,
    ProviderMisconfigured,
    ProviderUnavailable,
    QueueFull,
    SubmitRefused,
    SubmitResult,
    Task,
    TaskStatus,
)
from bot.store import (
    ButtonRepository,
    Database,
    ErrorKind,
    Job,
    JobKind,
    JobRepository,
    JobStatus,
    NewJob,
    ResultRepository,
    StoredButton,
)

log = logging.getLogger(__name__)

GIVE_UP_DELIVERY_AFTER = 24 * 3600.0  # Telegram drops pending updates after a day too


@dataclass(frozen=True)
class Origin:
    """Who asked, where, and which message the status message answers."""

    chat_id: int
    user_id: int
    user_name: str = ""
    language: str = "en"
    thread_id: int | None = None
    request_message_id: int | None = None


class JobListener(Protocol):
    async def show_progress(self, job: Job) -> None:
        """Show a running job's state; may skip updates to respect rate limits."""

    async def deliver(self, job: Job, image: bytes | None) -> str | None:
        """Show a finished job's outcome and return the shown photo's file id, if any.

        Raise to have it called again later (e.g. Telegram is unreachable).
        """


class UnknownButton(Exception):
    """The button is not in the database, or belongs to another chat."""


class AlreadyRunning(Exception):
    """The same button's previous press is still being worked on."""


_TRACKED = {
    TaskStatus.NOT_START: JobStatus.QUEUED,
    TaskStatus.SUBMITTED: JobStatus.SUBMITTED,
    TaskStatus.IN_PROGRESS: JobStatus.IN_PROGRESS,
}


class JobService:
    def __init__(self, client: MJClient, db: Database, images: ImageFetcher, *, job_timeout: float) -> None:
        self.client = client
        self.images = images
        self.jobs = JobRepository(db)
        self.buttons = ButtonRepository(db)
        self.results = ResultRepository(db)
        self.job_timeout = job_timeout
        self.listener: JobListener | None = None
        self._in_flight: set[int] = set()

    # -- creating and submitting -------------------------------------------------------------------

    async def create_imagine(self, origin: Origin, prompt: str) -> Job:
        return self._claim(await self.jobs.create(_new_job(origin, JobKind.IMAGINE, prompt=prompt)))

    async def create_action(self, origin: Origin, button_key: str) -> Job:
        """Create the job a button press asks for; raise UnknownButton or AlreadyRunning."""
        button = await self.buttons.get(button_key)
        parent = await self.jobs.get(button.job_id) if button else None
        if button is None or parent is None or parent.chat_id != origin.chat_id or not parent.task_id:
            raise UnknownButton(button_key)
        new = _new_job(
            origin,
            JobKind.ACTION,
            prompt=parent.prompt,
            label=button_label(button),
            custom_id=button.custom_id,
            button_key=button.key,
            parent_job_id=parent.id,
        )
        job = await self.jobs.create_unless_running(new)
        if job is None:
            raise AlreadyRunning(button_key)
        return self._claim(job)

    def _claim(self, job: Job) -> Job:
        # A new job is in flight until submit() or discard(): the tracker leaves it alone however
        # long its status message takes to send.
        self._in_flight.add(job.id)
        return job

    async def submit(self, job: Job, status_message_id: int) -> Job:
        """Send the job to the provider exactly once and show what happened."""
        try:
            job = await self.jobs.update(job.id, status_message_id=status_message_id)
            if job.status is not JobStatus.SUBMITTING or job.delivered_at is not None:
                log.warning("job %d: not submitted, it is already %s", job.id, job.status)
                return job
            job = await self._submit(job)
            await self.announce(job)  # still in flight, so the tracker cannot show it at the same time
        finally:
            self._in_flight.discard(job.id)
        return job

    async def discard(self, job: Job) -> None:
        """The status message could not be shown, so nothing was sent: close the job silently."""
        try:
            now = time.time()
            await self.jobs.update(
                job.id, status=JobStatus.REFUSED, error_kind=ErrorKind.INTERRUPTED, finished_at=now, delivered_at=now
            )
        finally:
            self._in_flight.discard(job.id)

    def is_in_flight(self, job: Job) -> bool:
        return job.id in self._in_flight

    async def _submit(self, job: Job) -> Job:
        now = time.time()
        try:
            result = await self._send(job)
        except ModalRequired as exc:
            return await self.jobs.update(job.id, task_id=exc.task_id, status=JobStatus.NEEDS_INPUT, finished_at=now)
        except MJError as exc:
            kind, detail = _classify(exc)
            log.log(
                logging.ERROR if kind is ErrorKind.MISCONFIGURED else logging.WARNING,
                "job %d: submit failed (%s): %s",
                job.id,
                type(exc).__name__,
                exc.message,
            )
            return await self.jobs.update(
                job.id, status=JobStatus.REFUSED, error_kind=kind, error=detail, finished_at=now
            )
        except Exception:
            log.exception("job %d: unexpected error while submitting", job.id)
            return await self.jobs.update(
                job.id, status=JobStatus.REFUSED, error_kind=ErrorKind.MAYBE_SUBMITTED, finished_at=now
            )
        status = JobStatus.QUEUED if result.queued else JobStatus.SUBMITTED
        log.info("job %d: accepted as task %s (%s)", job.id, result.task_id, status)
        return await self.jobs.update(
            job.id, task_id=result.task_id, status=status, queue_position=result.queue_position
        )

    async def _send(self, job: Job) -> SubmitResult:
        if job.kind is JobKind.IMAGINE:
            return await self.client.imagine(job.prompt)
        parent = await self.jobs.get(job.parent_job_id) if job.parent_job_id else None
        if parent is None or not parent.task_id or not job.custom_id:
            raise SubmitRefused("the original job is gone")
        return await self.client.action(parent.task_id, job.custom_id)

    # -- following the provider --------------------------------------------------------------------

    async def refresh(self, job: Job, task: Task | None) -> Job:
        """Apply the provider's view of the task (None: no news) and the timeout."""
        now = time.time()
        if task is not None and task.status is TaskStatus.SUCCESS:
            return await self._succeed(job, task)
        changes = _changes_for(task) if task is not None else {}
        if not changes.get("status", job.status).is_final and now - job.created_at > self.job_timeout:
            changes = {"status": JobStatus.TIMED_OUT}
        if changes.get("status", job.status).is_final:
            changes["finished_at"] = now
        if all(getattr(job, k) == v for k, v in changes.items()):
            return job
        return await self.jobs.update(job.id, **changes)

    async def _succeed(self, job: Job, task: Task) -> Job:
        await self.buttons.replace_for_job(job.id, ((b.custom_id, b.label, b.emoji) for b in task.buttons))
        kind, error = ErrorKind.NONE, ""
        try:
            if not task.image_url:
                raise ImageDownloadError("the provider reported no image URL")
            await self.results.put(job.id, await self.images.fetch(task.image_url))
        except ImageDownloadError as exc:
            log.warning("job %d: result image download failed: %s", job.id, exc)
            kind, error = ErrorKind.DOWNLOAD_FAILED, str(exc)
        return await self.jobs.update(
            job.id,
            status=JobStatus.SUCCEEDED,
            progress=100,
            image_url=task.image_url,
            error_kind=kind,
            error=error,
            finished_at=time.time(),
        )

    # -- showing -----------------------------------------------------------------------------------

    async def announce(self, job: Job) -> None:
        if job.status.is_final:
            await self.settle(job)
        elif self.listener is not None:
            await self.listener.show_progress(job)

    async def settle(self, job: Job) -> None:
        """Show a finished job's outcome; on failure count the attempt so the tracker retries later."""
        if job.delivered_at is not None or self.listener is None:
            return
        image = await self.results.get(job.id) if job.status is JobStatus.SUCCEEDED else None
        try:
            file_id = await self.listener.deliver(job, image)
        except Exception as exc:
            give_up = time.time() - (job.finished_at or job.created_at) > GIVE_UP_DELIVERY_AFTER
            log.warning(
                "job %d: delivery attempt %d failed%s: %s",
                job.id,
                job.delivery_attempts + 1,
                " (giving up)" if give_up else "",
                exc,
            )
            await self.jobs.update(
                job.id, delivery_attempts=job.delivery_attempts + 1, delivered_at=time.time() if give_up else None
            )
            return
        await self.jobs.update(job.id, delivered_at=time.time(), result_file_id=file_id)
        await self.results.delete(job.id)

    async def undelivered(self) -> list[Job]:
        return await self.jobs.undelivered()

    async def move_status_message(self, job: Job, chat_id: int, message_id: int) -> Job:
        """The outcome went to a new message (the old one was deleted, or the group migrated)."""
        return await self.jobs.update(job.id, chat_id=chat_id, status_message_id=message_id)

    async def buttons_for(self, job: Job) -> list[StoredButton]:
        return await self.buttons.for_job(job.id)

    async def mark_interrupted(self, job: Job) -> Job | None:
        """A submit cut off by a stop; None if it has moved on meanwhile."""
        return await self.jobs.update_if(
            job.id,
            JobStatus.SUBMITTING,
            status=JobStatus.REFUSED,
            error_kind=ErrorKind.INTERRUPTED,
            finished_at=time.time(),
        )


def button_label(button: StoredButton) -> str:
    return " ".join(part for part in (button.emoji if is_unicode_emoji(button.emoji) else "", button.label) if part)


def is_unicode_emoji(emoji: str) -> bool:
    """Midjourney sends custom Discord emoji by name (`upscale_1`); only real emoji are shown."""
    return bool(emoji) and not any(ch.isascii() and ch.isalnum() for ch in emoji)


def _new_job(origin: Origin, kind: JobKind, **values: Any) -> NewJob:
    return NewJob(
        kind=kind,
        chat_id=origin.chat_id,
        user_id=origin.user_id,
        user_name=origin.user_name,
        language=origin.language,
        thread_id=origin.thread_id,
        request_message_id=origin.request_message_id,
        **values,
    )


def _changes_for(task: Task) -> dict[str, Any]:
    if task.status in _TRACKED:
        changes: dict[str, Any] = {"status": _TRACKED[task.status], "progress": task.progress}
        if task.status is TaskStatus.IN_PROGRESS:
            changes["image_url"] = task.image_url
        return changes
    if task.status is TaskStatus.FAILURE:
        return {"status": JobStatus.FAILED, "error_kind": ErrorKind.TASK_FAILED, "error": task.fail_reason}
    if task.status is TaskStatus.CANCEL:
        return {"status": JobStatus.CANCELLED}
    if task.status is TaskStatus.MODAL:
        return {"status": JobStatus.NEEDS_INPUT}
    return {}


def _classify(exc: MJError) -> tuple[ErrorKind, str]:
    if isinstance(exc, BannedPrompt):
        return ErrorKind.BANNED, exc.word
    if isinstance(exc, QueueFull):
        return ErrorKind.QUEUE_FULL, exc.description
    if isinstance(exc, SubmitRefused):
        return ErrorKind.REJECTED, exc.description
    if isinstance(exc, ProviderMisconfigured):
        return ErrorKind.MISCONFIGURED, ""
    if isinstance(exc, ProviderUnavailable) and exc.maybe_submitted:
        return ErrorKind.MAYBE_SUBMITTED, ""
    return ErrorKind.UNAVAILABLE, ""
