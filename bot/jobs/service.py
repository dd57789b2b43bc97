"""What the chat side asks of the domain: start a job from a prompt or from a button press.

Each call only writes to the database and hands the job to the scheduler, so it returns at once; what
happens next reaches the person through the `Display`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.jobs.model import Job, JobKind, JobState, Origin, PressedButton, Request
from bot.jobs.records import JobRecords
from bot.jobs.runner import JobRunner
from bot.jobs.scheduler import Scheduler
from bot.mj import ButtonMeaning, button_label, meaning
from bot.store import ButtonRepository


class UnknownButton(Exception):
    """The button is not in the database, belongs to another chat, or does nothing here."""


class AlreadyRunning(Exception):
    """The same button's previous press is still being worked on."""


@dataclass(frozen=True)
class Pressed:
    """What a button press started: a new job, or (`repeat`) the earlier job whose result is shown again."""

    job: Job
    meaning: ButtonMeaning
    repeat: bool = False


class JobService:
    def __init__(self, runner: JobRunner, scheduler: Scheduler) -> None:
        self._runner = runner
        self._records: JobRecords = runner.records
        self._buttons: ButtonRepository = runner.buttons
        self._scheduler = scheduler

    async def imagine(self, origin: Origin, prompt: str) -> Job:
        job = await self._records.insert(_new(origin, Request(JobKind.IMAGINE, prompt)))
        self._scheduler.begin(job)
        return job

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
                return Pressed(earlier, sense, repeat=True)
        pressed = PressedButton(button.key, button.custom_id, button_label(button.label, button.emoji))
        request = Request(JobKind.ACTION, parent.request.prompt, parent_job_id=parent.id, button=pressed)
        job = await self._records.insert_press(_new(origin, request))
        if job is None:
            raise AlreadyRunning(key)
        self._scheduler.begin(job)
        return Pressed(job, sense)

    async def chat_migrated(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its jobs, and so their buttons, move with it."""
        await self._records.move_chat(old_chat_id, new_chat_id)


def _new(origin: Origin, request: Request) -> Job:
    now = time.time()
    return Job(id=0, origin=origin, request=request, state=JobState.SUBMITTING, created_at=now, updated_at=now)
