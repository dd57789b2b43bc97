"""Rows as typed records. The domain (`bot.jobs`) and the views read these; only `bot.store` writes them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class JobKind(StrEnum):
    IMAGINE = "imagine"
    ACTION = "action"


class JobStatus(StrEnum):
    SUBMITTING = "submitting"  # row written, submit request in flight
    QUEUED = "queued"  # accepted, waiting in the provider's queue (code 22 / NOT_START)
    SUBMITTED = "submitted"  # handed to Midjourney, not started
    IN_PROGRESS = "in_progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the task ended in FAILURE
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    REFUSED = "refused"  # the submit itself was refused or could not be sent
    NEEDS_INPUT = "needs_input"  # the task waits in MODAL

    @property
    def is_tracked(self) -> bool:
        """Still running upstream: the tracker polls it."""
        return self in (JobStatus.QUEUED, JobStatus.SUBMITTED, JobStatus.IN_PROGRESS)

    @property
    def is_final(self) -> bool:
        return not self.is_tracked and self is not JobStatus.SUBMITTING


class ErrorKind(StrEnum):
    """Why a job ended badly; the views turn it into words in the user's language."""

    NONE = ""
    BANNED = "banned"  # `error` holds the banned word
    QUEUE_FULL = "queue_full"
    REJECTED = "rejected"  # `error` holds the provider's description
    MISCONFIGURED = "misconfigured"
    UNAVAILABLE = "unavailable"
    MAYBE_SUBMITTED = "maybe_submitted"  # the submit timed out after it may have arrived
    INTERRUPTED = "interrupted"  # the bot stopped while the submit was in flight
    TASK_FAILED = "task_failed"  # `error` holds the failReason
    DOWNLOAD_FAILED = "download_failed"  # the result exists but could not be fetched; `image_url` has it


@dataclass(frozen=True)
class Job:
    id: int
    kind: JobKind
    status: JobStatus
    chat_id: int
    user_id: int
    user_name: str = ""
    language: str = "en"
    thread_id: int | None = None
    request_message_id: int | None = None
    status_message_id: int | None = None
    task_id: str | None = None
    prompt: str = ""
    label: str = ""
    custom_id: str | None = None
    button_key: str | None = None
    parent_job_id: int | None = None
    progress: int | None = None
    queue_position: int | None = None
    image_url: str | None = None
    error_kind: ErrorKind = ErrorKind.NONE
    error: str = ""
    result_file_id: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    finished_at: float | None = None
    delivered_at: float | None = None
    delivery_attempts: int = 0

    @property
    def is_upscale(self) -> bool:
        """A single upscaled image (not a grid): its full-resolution file is also sent."""
        return self.custom_id is not None and "::upsample" in self.custom_id


@dataclass(frozen=True)
class StoredButton:
    key: str
    job_id: int
    position: int
    custom_id: str
    label: str = ""
    emoji: str = ""


@dataclass(frozen=True)
class NewJob:
    """What a job is created with; everything else it learns later."""

    kind: JobKind
    chat_id: int
    user_id: int
    prompt: str
    user_name: str = ""
    language: str = "en"
    thread_id: int | None = None
    request_message_id: int | None = None
    label: str = ""
    custom_id: str | None = None
    button_key: str | None = None
    parent_job_id: int | None = None
