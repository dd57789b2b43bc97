"""What the chat side asks of the domain: start a job from a prompt, pictures or a button press.

Each call checks what it was given, writes the job (and its pictures) to the database and hands it to
the scheduler, so it returns at once; what happens next reaches the person through the `Display`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.jobs import modals
from bot.jobs.community import UNFINISHED, Community
from bot.jobs.inputs import prepare
from bot.jobs.kinds import weight
from bot.jobs.modals import NO_REGION, BadAnswer
from bot.jobs.model import (
    Asks,
    Choices,
    Delivery,
    Dimensions,
    Job,
    JobKind,
    JobState,
    Origin,
    Picture,
    PressedButton,
    Problem,
    Question,
    Request,
    Translation,
)
from bot.jobs.policy import admit
from bot.jobs.preferences import Preferences, apply
from bot.jobs.prompts import needs_translation
from bot.jobs.records import JobRecords, cells_column, question_from_row
from bot.jobs.runner import JobRunner, problem_of
from bot.jobs.scheduler import Scheduler
from bot.mj import (
    BotType,
    ButtonAction,
    ButtonMeaning,
    MJError,
    NeedsInput,
    button_label,
    meaning,
    numbered_prompts,
)
from bot.store import ButtonRepository, Guard, QuestionRepository, SqlValue, StoredButton, Usage

# Telegram shows every anonymous group admin as one user, GroupAnonymousBot: who started such a job cannot
# be told apart from the group's other anonymous admins, so its buttons are the whole group's.
ANONYMOUS_ADMIN = 1087968824

# How many pictures each kind takes. A Telegram album holds 10; image prompts gain little beyond five, and
# /blend takes 2–5 (docs/provider-api.md §5.4).
_PICTURES = {JobKind.IMAGINE: (1, 5), JobKind.DESCRIBE: (1, 1), JobKind.BLEND: (2, 5), JobKind.SWAP: (2, 2)}


def picture_bounds(kind: JobKind) -> tuple[int, int]:
    """The least and most pictures a kind takes."""
    return _PICTURES[kind]


class UnknownButton(Exception):
    """The button is not in the database, belongs to another chat, or does nothing here."""


class AlreadyRunning(Exception):
    """The same button's previous press is still being worked on."""


class UnknownJob(Exception):
    """No finished job of this chat is shown in that message."""


class NoSeed(Exception):
    """The provider could not tell a seed: why (`problem`), and the provider's own words (`detail`)."""

    def __init__(self, problem: Problem, detail: str = "") -> None:
        super().__init__(f"{problem}: {detail}" if detail else problem)
        self.problem = problem
        self.detail = detail


class NotYours(Exception):
    """Someone pressed or answered what another person asked for."""


class NoQuestion(Exception):
    """Nothing is being asked there any more (answered, cancelled, lapsed)."""


class Busy(Exception):
    """The job is being worked on this very moment; try again in a second."""


class CannotCancel(Exception):
    """The provider would not stop a job that runs there (many cannot, §5.11); `reason` says why, for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
    def __init__(self, runner: JobRunner, scheduler: Scheduler, community: Community, *, video_weight: int = 8) -> None:
        self._runner = runner
        self._records: JobRecords = runner.records
        self._buttons: ButtonRepository = runner.buttons
        self._questions: QuestionRepository = runner.questions
        self._community = community
        self._scheduler = scheduler
        self._video_weight = video_weight
        self._preparing = asyncio.Semaphore(2)
        # Taps on region squares arrive together and each rewrites the whole choice: one at a time per job.
        self._choosing: dict[int, asyncio.Lock] = {}

    # -- from a prompt or pictures -----------------------------------------------------------------

    async def imagine(self, origin: Origin, prompt: str, pictures: Sequence[bytes] = ()) -> Job:
        """A prompt, with pictures as image prompts (or, for a bare --sref/--cref/--oref, references)."""
        if pictures:
            _count(JobKind.IMAGINE, pictures)
        return await self._start(origin, Request(JobKind.IMAGINE, prompt), pictures)

    async def describe(self, origin: Origin, picture: bytes) -> Job:
        return await self._start(origin, Request(JobKind.DESCRIBE, ""), [picture])

    async def shorten(self, origin: Origin, prompt: str) -> Job:
        return await self._start(origin, Request(JobKind.SHORTEN, prompt), [])

    async def blend(self, origin: Origin, pictures: Sequence[bytes], dimensions: Dimensions) -> Job:
        _count(JobKind.BLEND, pictures)
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
        try:
            return await self._runner.client.image_seed(job.task_id)
        except MJError as exc:
            raise NoSeed(*problem_of(exc)) from None

    # -- finding things again, and stopping them ------------------------------------------------------

    async def history(self, origin: Origin, limit: int = 10) -> list[Job]:
        """The person's newest jobs: in a group those started there, in their private chat all of them."""
        return await self._community.history(origin.user_id, origin.chat_id if origin.in_group else None, limit)

    async def find(self, origin: Origin, task_id: str) -> Job:
        """A past job of the person's (any job of this chat, in a group) by its provider task id."""
        job = await self._records.by_task_id(task_id.strip())
        if job is None or not _may_see(job, origin):
            raise UnknownJob(task_id)
        return job

    async def show_again(self, origin: Origin, job: Job) -> None:
        """Post a finished job again here, with working buttons (they belong to its starter, as before)."""
        if not job.state.is_final:
            raise Busy(job.id)  # its own message shows how it goes
        self._scheduler.detach(self._runner.show_again(job, origin))

    async def stop(self, origin: Origin, job_id: int) -> Job:
        """✖ under a status message: out of the bot's queue, or cancelled at the provider where it allows it.

        Raises UnknownJob (gone, or finished), NotYours, Busy (being sent this very moment), CannotCancel.
        """
        job = await self._records.load(job_id)
        if job is None or job.origin.chat_id != origin.chat_id or job.state.is_final:
            raise UnknownJob(job_id)
        if job.origin.user_id != origin.user_id and origin.user_id not in self._community.rules.admins:
            raise NotYours(job_id)
        if job.state is JobState.WAITING:
            self._scheduler.work_on(job.id, self._runner.withdraw(job))
            return job
        if not job.state.is_tracked or not job.task_id:
            raise Busy(job_id)
        try:
            await self._runner.client.cancel(job.task_id)
        except MJError as exc:
            raise CannotCancel(exc.message) from None
        self._scheduler.work_on(job.id, self._runner.stopped(job))
        return job

    async def _start(self, origin: Origin, request: Request, pictures: Sequence[bytes]) -> Job:
        # Decoding and re-encoding pictures is too slow for the event loop, and a few at a time is
        # enough memory; bad ones raise InputProblem.
        async with self._preparing:
            prepared = [await asyncio.to_thread(prepare, data) for data in pictures]
        preferences = await self._community.effective(origin.user_id, origin.chat_id)
        [job] = await self._insert([self._new(origin, _with_preferences(request, preferences, self._translates))])
        if prepared:
            await self._runner.inputs.put(job.id, [(picture.data, picture.mime) for picture in prepared])
        self._scheduler.begin(job)
        return job

    # -- from a button -----------------------------------------------------------------------------

    async def press(self, origin: Origin, key: str) -> Pressed:
        """Start the job a button asks for; raise UnknownButton or AlreadyRunning."""
        button = await self._buttons.get(key)
        parent = await self._records.load(button.job_id) if button else None
        if button is None or parent is None or not parent.task_id:
            raise UnknownButton(key)
        sense = meaning(button.custom_id)
        if sense.hidden or (parent.origin.chat_id != origin.chat_id and parent.origin.user_id != origin.user_id):
            raise UnknownButton(key)  # shown again elsewhere (/show), a button stays its starter's
        if parent.origin.user_id not in (origin.user_id, ANONYMOUS_ADMIN) and not await self._shared(origin):
            raise NotYours(key)
        if not sense.is_repeatable:
            earlier = await self._records.latest_press(parent, button.custom_id, JobState.SUCCEEDED)
            if earlier is not None:
                if earlier.delivered_at is None:
                    raise AlreadyRunning(key)  # made, and on its way to the chat
                # Midjourney would not upscale the same cell again; what it made then is still here.
                self._scheduler.detach(self._runner.show_again(earlier, origin))
                return Pressed([earlier], sense, repeat=True)
        preferences = await self._community.effective(origin.user_id, origin.chat_id)
        if sense.action is ButtonAction.DESCRIBE_ALL:
            # Four picks, so each prompt gets its job and its status message, on any provider.
            picks = [b for b in await self._buttons.for_job(parent.id) if _is_pick(b)]
            requests = [replace(_request(parent, b, preferences), unattended=True) for b in picks]
            jobs = await self._insert([self._new(origin, request) for request in requests], press=True)
        else:
            # In remix mode the person is asked for the prompt before the press is sent (§7).
            remix = sense.needs_input is NeedsInput.IN_REMIX and bool(preferences.remix)
            state = JobState.AWAITING_INPUT if remix else JobState.SUBMITTING
            jobs = await self._insert([self._new(origin, _request(parent, button, preferences), state)], press=True)
        if not jobs:
            raise AlreadyRunning(key)
        for job in jobs:
            if job.state is JobState.AWAITING_INPUT:
                self._scheduler.work_on(job.id, self._runner.ask_first(job))
            else:
                self._scheduler.begin(job)
        return Pressed(jobs, sense)

    async def _shared(self, origin: Origin) -> bool:
        """Whether this group's admins let everyone press anyone's buttons."""
        return origin.in_group and bool((await self._community.stored(origin.chat_id)).shared_buttons)

    def _new(self, origin: Origin, request: Request, state: JobState = JobState.SUBMITTING) -> Job:
        job = _new(origin, request, state)
        return replace(job, weight=weight(job, self._video_weight))

    async def _insert(self, jobs: list[Job], *, press: bool = False) -> list[Job]:
        """Insert once the person's and the group's limits allow it (raises LimitReached), waiting for a slot
        in the bot's queue when the provider account is busy; [] while a pressed button's job still runs."""
        origin, total = jobs[0].origin, sum(job.weight for job in jobs)
        allowance = await self._community.allowance(origin.user_id, origin.chat_id)
        asks_first = jobs[0].state is JobState.AWAITING_INPUT  # nothing is sent before the answer

        def decide(usage: Usage) -> dict[str, SqlValue]:
            state = admit(usage, total, allowance)
            if asks_first:
                return {}
            if state is JobState.WAITING:  # its place: behind everyone waiting already
                return {"state": state.value, "queue_position": usage.waiting}
            return {"state": state.value}

        counting = self._community.counting(origin.user_id, origin.chat_id)
        guard = Guard(busy=UNFINISHED if press else (), counting=counting, decide=decide)
        return await self._records.insert_guarded(jobs, guard)

    @property
    def _translates(self) -> bool:
        return self._runner.translator is not None

    # -- answering what a job asks -------------------------------------------------------------------

    async def answer(self, origin: Origin, text: str, *, reply_to: int | None = None) -> Job | None:
        """Take a person's message as the answer to their open question; None when it answers nothing.

        A reply to a question answers it; otherwise the person's newest question in this chat and topic
        does. Someone else's question, or a reply to it, is left alone (NotYours).
        """
        question = await self._question(origin, reply_to)
        if question is None:
            return None
        job = await self._waiting(origin, question.job_id)
        if question.asks is Asks.REGION:
            raise BadAnswer(NO_REGION)  # the squares come first, by the buttons
        prompt = modals.checked(job, text)
        return await self._send(job, prompt, await self._region_mask(job, question))

    async def send_as_is(self, origin: Origin, job_id: int) -> Job:
        """✅ under a question: the pre-filled prompt, unchanged."""
        job = await self._waiting(origin, job_id)
        question = await self._open(job_id)
        return await self._send(job, modals.checked(job, question.prefill), await self._region_mask(job, question))

    async def cancel(self, origin: Origin, job_id: int | None = None) -> Job:
        """✖ under a question, or /cancel for the person's newest one here."""
        if job_id is None:
            question = await self._question(origin, None)
            if question is None:
                raise NoQuestion(origin.chat_id)
            job_id = question.job_id
        job = await self._waiting(origin, job_id)
        if not self._scheduler.work_on(job.id, self._runner.abandon(job)):
            raise Busy(job.id)
        self._choosing.pop(job.id, None)
        return job

    async def toggle_cell(self, origin: Origin, job_id: int, cell: int) -> None:
        """A square of Vary (Region)'s grid chosen or dropped."""
        job = await self._waiting(origin, job_id)
        async with self._choosing.setdefault(job_id, asyncio.Lock()):
            question = await self._open(job_id)
            if question.asks is not Asks.REGION or not 1 <= cell <= modals.REGION_GRID**2:
                raise NoQuestion(job_id)
            await self._questions.update(job_id, cells=cells_column(question.cells ^ {cell}))
        self._redraw(job)

    async def region_chosen(self, origin: Origin, job_id: int) -> None:
        """✅ under the grid: the region is set, now the prompt is asked."""
        job = await self._waiting(origin, job_id)
        async with self._choosing.setdefault(job_id, asyncio.Lock()):
            question = await self._open(job_id)
            if not question.cells:
                raise BadAnswer(NO_REGION)
            await self._questions.update(job_id, asks=Asks.PROMPT.value)
        self._choosing.pop(job_id, None)  # squares are no longer asked for: later taps find no question
        self._redraw(job)

    def _redraw(self, job: Job) -> None:
        """The press is answered at once; its job's worker shows the question as it then is, in order."""
        self._scheduler.work_on(job.id, self._runner.redraw_question(job.id))

    async def region_painted(self, user_id: int, job_id: int, painted: bytes, prompt: str) -> Job:
        """The Mini App's answer: a painted mask and a prompt, from the person who pressed."""
        job = await self._records.load(job_id)
        if job is None or job.origin.user_id != user_id:
            raise NotYours(job_id)
        job = await self._waiting(job.origin, job_id)
        width, height = await self._picture_size(job)
        mask = await asyncio.to_thread(modals.painted_mask, painted, width, height)
        return await self._send(job, modals.checked(job, prompt), mask)

    async def open_question(self, user_id: int, job_id: int) -> Question:
        """The open question of a job this person is asked (the Mini App shows it)."""
        job = await self._records.load(job_id)
        if job is None or job.origin.user_id != user_id:
            raise NotYours(job_id)
        await self._waiting(job.origin, job_id)
        return await self._open(job_id)

    async def region_picture(self, user_id: int, job_id: int) -> str | None:
        """Telegram's file id of the picture a region is painted on."""
        job = await self._records.load(job_id)
        if job is None or job.origin.user_id != user_id:
            raise NotYours(job_id)
        await self._waiting(job.origin, job_id)
        parent = await self._records.load(job.request.parent_job_id) if job.request.parent_job_id else None
        return parent.shown.photo_file_id or parent.shown.document_file_id if parent is not None else None

    async def toggle_remix(self, user_id: int) -> bool:
        """The person's remix mode: when on, variations, rerolls and pans ask for the prompt first."""
        return await self._community.toggle_remix(user_id)

    async def _send(self, job: Job, prompt: str, mask: bytes | None) -> Job:
        if not self._scheduler.work_on(job.id, self._runner.answer(job, prompt, mask)):
            raise Busy(job.id)
        return job

    async def _question(self, origin: Origin, reply_to: int | None) -> Question | None:
        row = None
        if reply_to is not None:
            row = await self._questions.by_message(reply_to, origin.chat_id)
        if row is None:
            row = await self._questions.newest_for(origin.chat_id, origin.user_id, origin.thread_id)
        return question_from_row(row) if row is not None else None

    async def _open(self, job_id: int) -> Question:
        row = await self._questions.get(job_id)
        if row is None:
            raise NoQuestion(job_id)
        return question_from_row(row)

    async def _waiting(self, origin: Origin, job_id: int) -> Job:
        job = await self._records.load(job_id)
        if job is None or job.origin.chat_id != origin.chat_id or job.state is not JobState.AWAITING_INPUT:
            raise NoQuestion(job_id)
        if job.origin.user_id != origin.user_id:
            raise NotYours(job_id)
        return job

    async def _region_mask(self, job: Job, question: Question) -> bytes | None:
        if not question.cells:
            return None
        width, height = await self._picture_size(job)
        return await asyncio.to_thread(modals.cells_mask, width, height, question.cells)

    async def _picture_size(self, job: Job) -> tuple[int, int]:
        """The size of the picture a region is chosen on (the mask must match it, §7)."""
        parent = await self._records.load(job.request.parent_job_id) if job.request.parent_job_id else None
        picture = parent.outcome if parent is not None and isinstance(parent.outcome, Picture) else None
        if picture is None or not picture.width or not picture.height:
            return modals.FALLBACK_SIZE
        return picture.width, picture.height

    async def chat_migrated(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its jobs (and so their buttons), access, limits and preferences move."""
        await self._records.move_chat(old_chat_id, new_chat_id)
        await self._community.chat_migrated(old_chat_id, new_chat_id)


def _may_see(job: Job, origin: Origin) -> bool:
    """A person finds their own jobs anywhere; in a group, every job started in it."""
    return job.origin.user_id == origin.user_id or (origin.in_group and job.origin.chat_id == origin.chat_id)


def _request(parent: Job, button: StoredButton, preferences: Preferences) -> Request:
    """A press of `button` under `parent`: a describe or shorten pick carries the prompt it picks."""
    sense = meaning(button.custom_id)
    prompt = parent.request.prompt
    if sense.action in (ButtonAction.DESCRIBE_PICK, ButtonAction.SHORTEN_PICK):
        choices = numbered_prompts(parent.outcome.text) if isinstance(parent.outcome, Choices) else []
        if not sense.index or sense.index > len(choices):
            raise UnknownButton(button.key)
        prompt = choices[sense.index - 1]
    pressed = PressedButton(button.key, button.custom_id, button_label(button.label, button.emoji))
    # A press runs on the parent's account, at the parent's speed; it delivers as the presser likes now.
    return Request(
        JobKind.ACTION,
        prompt,
        parent_job_id=parent.id,
        button=pressed,
        speed=parent.request.speed,
        bot_type=parent.request.bot_type,
        delivery=preferences.delivery or Delivery.AUTO,
    )


def _with_preferences(request: Request, preferences: Preferences, translates: bool) -> Request:
    """What the person's (and their group's) preferences make of a new request."""
    niji = BotType.NIJI if preferences.model is not None and preferences.model.is_niji else BotType.MIDJOURNEY
    request = replace(
        request, speed=preferences.speed, bot_type=niji, delivery=preferences.delivery or request.delivery
    )
    if request.kind not in (JobKind.IMAGINE, JobKind.SHORTEN):
        return request
    translation = Translation.PENDING if translates and needs_translation(request.prompt) else Translation.NONE
    if request.kind is JobKind.SHORTEN:  # shorten weighs the words as written: nothing is added
        return replace(request, translation=translation)
    prompt, bot_type = apply(request.prompt, preferences)
    return replace(request, prompt=prompt, bot_type=bot_type, translation=translation)


def _is_pick(button: StoredButton) -> bool:
    return meaning(button.custom_id).action is ButtonAction.DESCRIBE_PICK


def _count(kind: JobKind, pictures: Sequence[object]) -> None:
    least, most = picture_bounds(kind)
    if not least <= len(pictures) <= most:
        raise WrongCount(kind, len(pictures), least, most)


def _new(origin: Origin, request: Request, state: JobState = JobState.SUBMITTING) -> Job:
    now = time.time()
    return Job(id=0, origin=origin, request=request, state=state, created_at=now, updated_at=now)
