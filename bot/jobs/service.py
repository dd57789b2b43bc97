"""What the chat side asks of the domain: start a job from a prompt, pictures or a button press.

Each call checks what it was given, writes the job (and its pictures) to the database and hands it to
the scheduler, so it returns at once; what happens next reaches the person through the `Display`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bot.jobs.inputs import prepare
from bot.jobs.model import Choices, Dimensions, Job, JobKind, JobState, Origin, PressedButton, Request
from bot.jobs.records import JobRecords
from bot.jobs.runner import JobRunner
from bot.jobs.scheduler import Scheduler
from bot.mj import ButtonAction, ButtonMeaning, button_label, meaning, numbered_prompts
from bot.store import ButtonRepository, StoredButton

IMAGE_PROMPTS = (1, 5)  # a Telegram album can hold 10; Midjourney gains little from more than five
BLEND_PICTURES = (2, 5)  # what /blend takes (docs/provider-api.md §5.4)


class UnknownButton(Exception):
    """The button is not in the database, belongs to another chat, or does nothing here."""


class AlreadyRunning(Exception):
    """The same button's previous press is still being worked on."""


class UnknownJob(Exception):
    """No finished job of this chat is shown in that message."""


class WrongCount(Exception):
    """Too few or too many pictures for what was asked."""

    def __init__(self, kind: JobKind, count: int, least: int, most: int) -> None:
        super().__init__(f"{kind}: {count} pictures, {least}–{most} needed")
        self.kind, self.count, self.least, self.most = kind, count, least, most


@dataclass(frozen=True)
class Pressed:
    """What a button press started: new jobs, or (`repeat`) the earlier job whose result is shown again."""

    jobs: Sequence[Job]
    meaning: ButtonMeaning
    repeat: bool = False


class JobService:
    def __init__(self, runner: JobRunner, scheduler: Scheduler) -> None:
        self._runner = runner
        self._records: JobRecords = runner.records
        self._buttons: ButtonRepository = runner.buttons
        self._scheduler = scheduler

    # -- from a prompt or pictures -----------------------------------------------------------------

    async def imagine(self, origin: Origin, prompt: str, pictures: Sequence[bytes] = ()) -> Job:
        """A prompt, with pictures as image prompts (or, for a bare --sref/--cref/--oref, references)."""
        if pictures:
            _count(JobKind.IMAGINE, pictures, IMAGE_PROMPTS)
        return await self._start(origin, Request(JobKind.IMAGINE, prompt), pictures)

    async def describe(self, origin: Origin, picture: bytes) -> Job:
        return await self._start(origin, Request(JobKind.DESCRIBE, ""), [picture])

    async def shorten(self, origin: Origin, prompt: str) -> Job:
        return await self._start(origin, Request(JobKind.SHORTEN, prompt), [])

    async def blend(self, origin: Origin, pictures: Sequence[bytes], dimensions: Dimensions) -> Job:
        _count(JobKind.BLEND, pictures, BLEND_PICTURES)
        return await self._start(origin, Request(JobKind.BLEND, "", dimensions=dimensions), pictures)

    async def swap(self, origin: Origin, face: bytes, target: bytes) -> Job:
        return await self._start(origin, Request(JobKind.SWAP, ""), [face, target])

    async def seed(self, origin: Origin, job_id: int | None = None, *, message_id: int | None = None) -> str:
        """The seed of a finished job of this chat, by its id or the message that shows it (raises MJError)."""
        if job_id is not None:
            job = await self._records.load(job_id)
        else:
            job = await self._records.shown_in(origin.chat_id, message_id or 0)
        if (
            job is None
            or job.origin.chat_id != origin.chat_id
            or not job.task_id
            or job.state is not JobState.SUCCEEDED
        ):
            raise UnknownJob(job_id or message_id)
        return await self._runner.client.image_seed(job.task_id)

    async def _start(self, origin: Origin, request: Request, pictures: Sequence[bytes]) -> Job:
        # Decoding and re-encoding pictures is too slow for the event loop; bad ones raise InputProblem.
        prepared = [await asyncio.to_thread(prepare, data) for data in pictures]
        job = await self._records.insert(_new(origin, request))
        if prepared:
            await self._runner.inputs.put(job.id, [(picture.data, picture.mime) for picture in prepared])
        self._scheduler.begin(job)
        return job

    # -- from a button -----------------------------------------------------------------------------

    async def press(self, origin: Origin, key: str) -> Pressed:
        """Start the job a button asks for; raise UnknownButton or AlreadyRunning."""
        button = await self._buttons.get(key)
        parent = await self._records.load(button.job_id) if button else None
        if button is None or parent is None or parent.origin.chat_id != origin.chat_id or not parent.task_id:
            raise UnknownButton(key)
        sense = meaning(button.custom_id)
        if sense.hidden:
            raise UnknownButton(key)
        if not sense.is_repeatable:
            earlier = await self._records.latest_press(parent, button.custom_id, JobState.SUCCEEDED)
            if earlier is not None:
                if earlier.delivered_at is None:
                    raise AlreadyRunning(key)  # made, and on its way to the chat
                # Midjourney would not upscale the same cell again; what it made then is still here.
                self._scheduler.detach(self._runner.show_again(earlier, origin))
                return Pressed([earlier], sense, repeat=True)
        if sense.action is ButtonAction.DESCRIBE_ALL:
            # Four picks, so each prompt gets its job and its status message, on any provider.
            picks = [b for b in await self._buttons.for_job(parent.id) if _is_pick(b)]
            jobs = await self._records.insert_presses([_new(origin, _request(parent, b)) for b in picks])
        else:
            job = await self._records.insert_press(_new(origin, _request(parent, button)))
            jobs = [job] if job is not None else []
        if not jobs:
            raise AlreadyRunning(key)
        for job in jobs:
            self._scheduler.begin(job)
        return Pressed(jobs, sense)

    async def chat_migrated(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its jobs, and so their buttons, move with it."""
        await self._records.move_chat(old_chat_id, new_chat_id)


def _request(parent: Job, button: StoredButton) -> Request:
    """A press of `button` under `parent`: a describe or shorten pick carries the prompt it picks."""
    sense = meaning(button.custom_id)
    prompt = parent.request.prompt
    if sense.action in (ButtonAction.DESCRIBE_PICK, ButtonAction.SHORTEN_PICK):
        choices = numbered_prompts(parent.outcome.text) if isinstance(parent.outcome, Choices) else []
        if not sense.index or sense.index > len(choices):
            raise UnknownButton(button.key)
        prompt = choices[sense.index - 1]
    pressed = PressedButton(button.key, button.custom_id, button_label(button.label, button.emoji))
    return Request(JobKind.ACTION, prompt, parent_job_id=parent.id, button=pressed)


def _is_pick(button: StoredButton) -> bool:
    return meaning(button.custom_id).action is ButtonAction.DESCRIBE_PICK


def _count(kind: JobKind, pictures: Sequence[object], bounds: tuple[int, int]) -> None:
    least, most = bounds
    if not least <= len(pictures) <= most:
        raise WrongCount(kind, len(pictures), least, most)


def _new(origin: Origin, request: Request) -> Job:
    now = time.time()
    return Job(id=0, origin=origin, request=request, state=JobState.SUBMITTING, created_at=now, updated_at=now)
