"""The job: what a person asked for, where it stands, what came of it, and where it is shown.

A `Job` is immutable. Every change of state is one named method that returns the changed job; the
service persists it. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from bot.mj import SubmitResult, SubmitStatus, Task, TaskStatus


class JobKind(StrEnum):
    IMAGINE = "imagine"  # a prompt, perhaps with pictures as image prompts or references
    ACTION = "action"  # a button under an earlier result (upscale, vary, zoom, pan, a describe pick…)
    DESCRIBE = "describe"  # four prompts for a picture
    SHORTEN = "shorten"  # shorter versions of a prompt
    BLEND = "blend"  # 2–5 pictures blended into a grid
    SWAP = "swap"  # a face put into a picture


class JobState(StrEnum):
    SUBMITTING = "submitting"  # saved; the submit request is about to go or in flight
    QUEUED = "queued"  # accepted, waiting in the provider's queue
    SUBMITTED = "submitted"  # handed to Midjourney, not started
    IN_PROGRESS = "in_progress"
    AWAITING_INPUT = "awaiting_input"  # the task waits in MODAL for the person's text or mask
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the task ended in FAILURE
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    REFUSED = "refused"  # the submit was refused, or could not be sent

    @property
    def is_tracked(self) -> bool:
        """Running upstream: the scheduler looks it up every poll."""
        return self in _TRACKED

    @property
    def is_final(self) -> bool:
        return self in _FINAL

    @property
    def order(self) -> int:
        """Progress order: an update that would move a job backwards is stale."""
        return _ORDER[self]


_TRACKED = frozenset({JobState.QUEUED, JobState.SUBMITTED, JobState.IN_PROGRESS})
_FINAL = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED, JobState.TIMED_OUT, JobState.REFUSED})
_ORDER = {
    JobState.SUBMITTING: 0,
    JobState.AWAITING_INPUT: 0,  # a modal's answer starts the task afresh
    JobState.QUEUED: 1,
    JobState.SUBMITTED: 2,
    JobState.IN_PROGRESS: 3,
    **{state: 4 for state in _FINAL},
}


class Problem(StrEnum):
    """Why a job ended badly, or what spoiled a success; the views put it into words."""

    BANNED = "banned"  # detail: the banned word
    QUEUE_FULL = "queue_full"
    REJECTED = "rejected"  # detail: the provider's reason
    MISCONFIGURED = "misconfigured"
    UNAVAILABLE = "unavailable"
    MAYBE_SUBMITTED = "maybe_submitted"  # the submit failed after it may have arrived
    INTERRUPTED = "interrupted"  # the bot stopped while the submit was in flight
    TASK_FAILED = "task_failed"  # detail: the provider's failReason
    NOT_OFFERED = "not_offered"  # the provider has no such feature; detail: which one
    NO_INPUT = "no_input"  # the task waited for the person's input until the job timed out
    CHAT_UNREACHABLE = "chat_unreachable"  # the chat takes nothing from the bot, so nothing was sent
    LOST = "lost"  # the provider stopped knowing the task (it vanished from its look-ups)


@dataclass(frozen=True)
class Origin:
    """Who asked, in which chat and topic, and which message the job answers."""

    chat_id: int
    user_id: int
    user_name: str = ""
    language: str = "en"
    thread_id: int | None = None
    request_message_id: int | None = None

    @property
    def in_group(self) -> bool:
        return self.chat_id < 0


@dataclass(frozen=True)
class PressedButton:
    """The button of an earlier job that this job presses."""

    key: str
    custom_id: str
    label: str = ""


class Asks(StrEnum):
    """What a job waiting for input asks the person for."""

    PROMPT = "prompt"
    REGION = "region"  # the area to repaint (Vary (Region)); then a prompt


@dataclass(frozen=True)
class Question:
    """An open question of a job waiting for input; it survives restarts."""

    job_id: int
    asks: Asks
    prefill: str  # what the answer box would hold on Discord: the current prompt, to copy and edit
    message_id: int | None = None
    cells: frozenset[int] = frozenset()  # the chosen squares of the region grid
    asked_at: float = 0.0


class Dimensions(StrEnum):
    """A blend's shape (docs/provider-api.md §5.4)."""

    PORTRAIT = "PORTRAIT"  # 2:3
    SQUARE = "SQUARE"  # 1:1
    LANDSCAPE = "LANDSCAPE"  # 3:2


@dataclass(frozen=True)
class Request:
    """What was asked. The pictures it was asked with are kept beside the job (the `inputs` table)."""

    kind: JobKind
    prompt: str
    parent_job_id: int | None = None
    button: PressedButton | None = None
    dimensions: Dimensions | None = None
    unattended: bool = False  # a modal is answered with `prompt`, without asking (🎉 Imagine all)


@dataclass(frozen=True)
class Progress:
    """What the provider last said about a running task."""

    percent: int | None = None
    queue_position: int | None = None
    preview_url: str | None = None


@dataclass(frozen=True)
class Picture:
    """A finished image or grid. Its bytes are kept until shown; `missing` says why they could not be had."""

    url: str | None
    missing: str = ""
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Choices:
    """A finished text to pick prompts from (describe, shorten)."""

    text: str


@dataclass(frozen=True)
class Clip:
    """One clip of a finished video. Its bytes are kept until shown, unless `missing` says why they could not
    be had or it is `too_large` for any chat; then only its link can be passed on."""

    url: str
    missing: str = ""
    too_large: bool = False
    width: int | None = None
    height: int | None = None
    seconds: float | None = None
    streamable: bool = False  # its index comes first: players start before it has all arrived

    @property
    def kept(self) -> bool:
        return not self.missing and not self.too_large


@dataclass(frozen=True)
class Video:
    """A finished video: one clip, or a grid of clips to pick from (docs/provider-api.md §9.5)."""

    clips: tuple[Clip, ...]

    @property
    def is_grid(self) -> bool:
        return len(self.clips) > 1


Outcome = Picture | Choices | Video


@dataclass(frozen=True)
class Shown:
    """Where Telegram shows the job: the status message, and the file ids of what was delivered."""

    message_id: int | None = None
    as_text: bool = False  # the status message is text (the chat does not take photos)
    photo_file_id: str | None = None
    document_file_id: str | None = None


@dataclass(frozen=True)
class Job:
    id: int
    origin: Origin
    request: Request
    state: JobState
    created_at: float
    updated_at: float
    task_id: str | None = None
    progress: Progress = Progress()
    outcome: Outcome | None = None
    problem: Problem | None = None
    problem_detail: str = ""
    shown: Shown = Shown()
    finished_at: float | None = None
    delivered_at: float | None = None
    delivery_attempts: int = 0
    input_given: bool = False  # its modal was answered: a stale MODAL report must not ask again

    @property
    def kind(self) -> JobKind:
        return self.request.kind

    @property
    def awaits_delivery(self) -> bool:
        return self.state.is_final and self.delivered_at is None

    # -- transitions -------------------------------------------------------------------------------

    def accepted(self, result: SubmitResult) -> Job:
        state = {
            SubmitStatus.QUEUED: JobState.QUEUED,
            SubmitStatus.MODAL: JobState.AWAITING_INPUT,
        }.get(result.status, JobState.SUBMITTED)
        return replace(
            self, state=state, task_id=result.task_id, progress=Progress(queue_position=result.queue_position)
        )

    def refused(self, problem: Problem, detail: str = "", *, now: float) -> Job:
        return replace(self, state=JobState.REFUSED, problem=problem, problem_detail=detail, finished_at=now)

    def interrupted(self, *, now: float) -> Job:
        return self.refused(Problem.INTERRUPTED, now=now)

    def found(self, task_id: str) -> Job:
        """A submit whose answer was lost turned out to have reached the provider as `task_id`."""
        return replace(self, state=JobState.SUBMITTED, task_id=task_id, progress=Progress())

    def tracked(self, task: Task, *, now: float) -> Job:
        """Apply a running, failed, cancelled or modal task (SUCCESS goes through `succeeded`)."""
        match task.status:
            case TaskStatus.NOT_START:
                return self._running(JobState.QUEUED, Progress(queue_position=self.progress.queue_position))
            case TaskStatus.SUBMITTED:
                return self._running(JobState.SUBMITTED, Progress())
            case TaskStatus.IN_PROGRESS:
                return self._running(JobState.IN_PROGRESS, Progress(task.progress, None, task.image_url))
            case TaskStatus.MODAL if not self.input_given and self.state.order <= JobState.SUBMITTED.order:
                return replace(self, state=JobState.AWAITING_INPUT, progress=Progress())
            case TaskStatus.FAILURE:
                return self._ended(JobState.FAILED, Problem.TASK_FAILED, task.fail_reason, now=now)
            case TaskStatus.CANCEL:
                return self._ended(JobState.CANCELLED, None, "", now=now)
        return self

    def succeeded(self, outcome: Outcome, *, now: float) -> Job:
        return replace(self, state=JobState.SUCCEEDED, progress=Progress(percent=100), outcome=outcome, finished_at=now)

    def lost(self, *, now: float) -> Job:
        return self._ended(JobState.FAILED, Problem.LOST, "", now=now)

    def timed_out(self, *, now: float) -> Job:
        return self._ended(JobState.TIMED_OUT, None, "", now=now)

    def cancelled(self, *, now: float) -> Job:
        return self._ended(JobState.CANCELLED, None, "", now=now)

    def input_expired(self, *, now: float) -> Job:
        return self._ended(JobState.CANCELLED, Problem.NO_INPUT, "", now=now)

    def answered(self, prompt: str) -> Job:
        """The modal was answered: the job now draws this prompt."""
        return replace(self, request=replace(self.request, prompt=prompt), input_given=True)

    def status_shown(self, shown: Shown) -> Job:
        return replace(self, shown=shown)

    def delivered(self, shown: Shown, *, now: float) -> Job:
        return replace(self, shown=shown, delivered_at=now)

    def delivery_failed(self, *, give_up: bool, now: float) -> Job:
        return replace(
            self, delivery_attempts=self.delivery_attempts + 1, delivered_at=now if give_up else self.delivered_at
        )

    def _running(self, state: JobState, progress: Progress) -> Job:
        stale = state.order < self.state.order or (
            state is self.state and (progress.percent or 0) < (self.progress.percent or 0)
        )
        return self if stale else replace(self, state=state, progress=progress)

    def _ended(self, state: JobState, problem: Problem | None, detail: str, *, now: float) -> Job:
        return replace(self, state=state, problem=problem, problem_detail=detail, finished_at=now)
