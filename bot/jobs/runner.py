"""One job's steps: submit it, follow what the provider says, deliver the outcome.

The scheduler decides when a step runs and makes sure only one step of a job runs at a time; the
steps themselves persist every change before they show it, so a restart repeats nothing that was paid
for and loses nothing that was made.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from bot.jobs import modals
from bot.jobs.images import ImageDownloadError, ImageFetcher, TooLarge, picture_size
from bot.jobs.kinds import Submission, kind_of, produces_of, state_of
from bot.jobs.model import (
    Choices,
    Clip,
    Job,
    JobKind,
    JobState,
    Origin,
    Outcome,
    Picture,
    Problem,
    Question,
    Shown,
    Translation,
    Video,
)
from bot.jobs.port import ButtonView, ChatUnreachable, ClipFile, Display, DisplayUnavailable
from bot.jobs.preferences import split_parameters
from bot.jobs.prompts import needs_translation
from bot.jobs.records import JobRecords, question_from_row
from bot.jobs.videos import mp4_info
from bot.mj import (
    BannedPrompt,
    ButtonAction,
    ClipLink,
    MJClient,
    MJError,
    NotOffered,
    Produces,
    ProviderMisconfigured,
    ProviderUnavailable,
    QueueFull,
    SubmitRefused,
    SubmitResult,
    SubmitStatus,
    Task,
    TaskStatus,
    button_label,
    describe_buttons,
    grid_buttons,
    meaning,
    result_text,
)
from bot.store import ButtonRepository, Database, InputRepository, QuestionRepository, ResultRepository
from bot.translate import TranslationFailed, Translator

log = logging.getLogger(__name__)

GIVE_UP_DELIVERY_AFTER = 24 * 3600.0  # Telegram drops pending updates after a day too
PREVIEW_TIMEOUT = 10.0  # a preview that is slow to come is overtaken by the next one anyway
PROGRESS_TIMEOUT = 10.0  # a progress edit held up by Telegram's flood control is not worth waiting for
STATUS_HEAD_START = 0.5  # how long the submit waits to learn whether the chat takes messages at all
CLOCK_SKEW_MS = 5 * 60_000  # a provider's clock may run this far behind ours when we look for a lost submit


@dataclass
class _Progress:
    """The last progress a job's status message was given, so nothing is shown twice or too often."""

    fingerprint: tuple[object, ...]
    at: float
    preview_url: str | None


class JobRunner:
    def __init__(
        self,
        client: MJClient,
        db: Database,
        images: ImageFetcher,
        display: Display,
        *,
        job_timeout: float,
        edit_interval: float,
        input_timeout: float = 15 * 60.0,
        translator: Translator | None = None,
    ) -> None:
        self.client = client
        self.translator = translator  # prompts in other languages go through it first, when set
        self.records = JobRecords(db)
        self.buttons = ButtonRepository(db)
        self.results = ResultRepository(db)
        self.inputs = InputRepository(db)
        self.questions = QuestionRepository(db)
        self.images = images
        self.display = display
        self.job_timeout = job_timeout
        self.input_timeout = input_timeout  # how long a question waits for its answer
        self.edit_interval = edit_interval
        self._progress: dict[int, _Progress] = {}
        self._modal_prompt: dict[int, str] = {}  # what a code-21 answer pre-filled, until the person is asked
        self._lists_tasks = True  # the provider has a task list to find lost submits in, as far as we know
        self._pending: set[asyncio.Task[Shown | _Unreachable | None]] = set()  # status messages on their way

    def pending(self) -> list[asyncio.Task[Shown | _Unreachable | None]]:
        """Status messages still on their way: a stop lets them finish, so where a job is shown is recorded."""
        return list(self._pending)

    # -- steps -------------------------------------------------------------------------------------

    async def start(self, job: Job) -> None:
        """A new job: post its status message and submit it, without waiting long for Telegram.

        A chat that takes nothing from the bot answers at once, and then nothing is submitted (nobody
        would see what it cost); a slow status message does not hold up the submit, nor anything after
        it: it is posted when Telegram's budget allows, and records itself (`pending` keeps it alive). A
        job that waits in the bot's own queue only gets its status message: it is submitted when admitted.
        """
        if job.state is JobState.WAITING:
            await self._hold(job)
            return
        posting = asyncio.create_task(self._post_status(job), name=f"status-{job.id}")
        self._pending.add(posting)
        posting.add_done_callback(self._pending.discard)
        await asyncio.wait({posting}, timeout=STATUS_HEAD_START)
        if posting.done() and posting.result() is _UNREACHABLE:
            await self._unreachable(job)
            return
        job = await self._submit(job)
        if posting.done() and isinstance(shown := posting.result(), Shown):
            job = job.status_shown(shown)
        await self._after_submit(job)

    async def admit(self, job: Job) -> None:
        """A slot of the provider account is free: the job leaves the bot's queue and is submitted."""
        job = await self._fresh(job)
        if job.state is not JobState.WAITING:
            return  # cancelled meanwhile
        job = await self._submit(await self.records.save(job, job.admitted()))
        await self._after_submit(job)

    async def show_waiting(self, job: Job, ahead: int) -> None:
        """The job's place in the bot's queue changed."""
        job = await self._fresh(job)
        if job.state is JobState.WAITING and job.progress.queue_position != ahead:
            await self._show(await self.records.save(job, job.queued_locally(ahead)))

    async def withdraw(self, job: Job) -> None:
        """The person cancelled a job waiting in the bot's queue: it leaves the queue, nothing was sent."""
        job = await self._fresh(job)
        if job.state is JobState.WAITING:
            await self._show(await self.records.save(job, job.cancelled(now=time.time())))

    async def stopped(self, job: Job) -> None:
        """The provider took back a running job at the person's request (it then costs nothing)."""
        job = await self._fresh(job)
        if not job.state.is_final and job.state is not JobState.WAITING:
            await self._show(await self.records.save(job, job.cancelled(now=time.time())))

    async def _hold(self, job: Job) -> None:
        shown = await self._post_status(job)
        if shown is _UNREACHABLE:
            await self._unreachable(job)
        elif isinstance(shown, Shown):
            job = job.status_shown(shown)
            await self._show_progress(job)

    async def _unreachable(self, job: Job) -> None:
        log.warning("job %d: chat %d takes no messages from the bot; not submitted", job.id, job.origin.chat_id)
        self._progress.pop(job.id, None)
        refused = job.refused(Problem.CHAT_UNREACHABLE, now=time.time())
        await self.records.save(job, refused.delivered(job.shown, now=time.time()))

    async def _after_submit(self, job: Job) -> None:
        if job.state is JobState.AWAITING_INPUT:
            job = await self._await_input(job, self._modal_prompt.pop(job.id, ""))
        await self._show(job)

    async def follow(self, job: Job, task: Task | None) -> None:
        """Apply the provider's latest word on a running job (None: no news) and the timeout."""
        if job.state.is_final:
            return  # the same news, or older news, from another source
        now = time.time()
        if task is not None and task.status is TaskStatus.SUCCESS:
            new = await self._succeed(job, task)
        else:
            new = job.tracked(task, now=now) if task is not None else job
            if new.state.is_tracked and now - job.created_at > self.job_timeout:
                new = new.timed_out(now=now)
        if new == job:
            return
        job = await self.records.save(job, new)
        if job.state is JobState.AWAITING_INPUT:
            job = await self._await_input(job, task.final_prompt if task is not None else "")
        await self._show(job)

    async def deliver(self, job: Job) -> None:
        """Show a finished job's outcome; when Telegram cannot take it now, count the attempt for a retry."""
        if not job.awaits_delivery:
            return
        try:
            shown = await self._show_outcome(job)
        except Exception as exc:
            await self._delivery_failed(job, exc)
            return
        await self.records.save(job, job.delivered(shown or job.shown, now=time.time()))
        await self.results.delete(job.id)
        self._progress.pop(job.id, None)
        seconds = round((job.finished_at or time.time()) - job.created_at, 1)
        log.info(
            "job %d (%s) %s in chat %d: task %s, %.1f s%s",
            job.id,
            job.kind,
            job.state,
            job.origin.chat_id,
            job.task_id or "-",
            seconds,
            "" if shown is not None else ", chat unreachable",
            # The same facts as fields, for LOG_FORMAT=json (bot.logs.JOB_FIELDS).
            extra={
                "job": job.id,
                "chat": job.origin.chat_id,
                "task": job.task_id,
                "kind": str(job.kind),
                "state": str(job.state),
                "seconds": seconds,
            },
        )

    async def _show_outcome(self, job: Job) -> Shown | None:
        buttons = await self.button_views(job)
        if job.state is not JobState.SUCCEEDED:
            return await self.display.show_outcome(job, None, buttons)
        if not isinstance(job.outcome, Video):
            return await self.display.show_outcome(job, await self.results.get(job.id), buttons)
        kept = await self.results.all(job.id)
        files = []
        for position, clip in enumerate(job.outcome.clips, 1):
            stored = kept.get(position)
            files.append(ClipFile(clip, stored.data, stored.thumbnail) if stored else ClipFile(clip))
        still = kept.get(0)
        return await self.display.show_video(job, files, still.data if still else None, buttons)

    async def recover(self, job: Job) -> None:
        """A submit that a stop cut off: found at the provider by its `state` where it lists tasks, else reported."""
        if job.state is JobState.SUBMITTING:
            task = await self._lost_submit(job)
            if task is not None:
                await self.follow(await self._submitted(job, job.found(task.id)), task)
                return
            job = await self._submitted(job, job.interrupted(now=time.time()))
        await self.deliver(job)

    async def _lost_submit(self, job: Job) -> Task | None:
        """The task a submit made whose answer never came back, by the job id sent as `state` (§11, §5.11)."""
        try:
            since_ms = int(job.created_at * 1000) - CLOCK_SKEW_MS
            task = await self.client.find_by_state(state_of(job), since_ms=since_ms)
        except MJError as exc:  # relays list no tasks (NotOffered): the person is told it may have gone
            log.info("job %d: cannot look for its lost submit at the provider: %s", job.id, exc.message)
            self._lists_tasks = not isinstance(exc, NotOffered)
            return None
        self._lists_tasks = True
        if task is not None:
            log.info("job %d: its lost submit reached the provider as task %s", job.id, task.id)
        return task

    async def vanished(self, job: Job) -> None:
        """The look-ups stopped finding the job's task: asked once more on its own, then the person is told."""
        job = await self._fresh(job)
        if not job.state.is_tracked or job.task_id is None:
            return
        try:
            task = await self.client.fetch(job.task_id)
        except MJError as exc:
            log.info("job %d: task %s could not be looked up: %s", job.id, job.task_id, exc.message)
            return
        if task is not None:
            await self.follow(job, task)
            return
        log.warning("job %d: the provider no longer knows task %s", job.id, job.task_id)
        await self._show(await self.records.save(job, job.lost(now=time.time())))

    async def expire(self, job: Job) -> None:
        """A job that waited for the person's input too long: dismissed at the provider where it allows it."""
        job = await self._fresh(job)
        if job.state is not JobState.AWAITING_INPUT:
            return
        await self._cancel_upstream(job)
        job = await self.records.save(job, job.input_expired(now=time.time()))
        await self._close_question(job, "expired")
        await self._show(job)

    async def show_again(self, job: Job, origin: Origin) -> None:
        """A delivered result, posted once more in `origin`'s chat (a repeated press that cannot be redone)."""
        await self.display.show_again(job, origin, await self.button_views(job))

    async def button_views(self, job: Job) -> list[ButtonView]:
        views = []
        for button in await self.buttons.for_job(job.id):
            sense = meaning(button.custom_id)
            if not sense.hidden:
                views.append(ButtonView(button.key, button_label(button.label, button.emoji), sense))
        return views

    # -- submitting --------------------------------------------------------------------------------

    async def _submit(self, job: Job) -> Job:
        if job.request.translation is Translation.PENDING:
            job = await self._translate(job)
        submission = await self._submission(job)
        now = time.time()
        try:
            result = await kind_of(job).submit(submission)
        except MJError as exc:
            problem, detail = problem_of(exc)
            level = logging.ERROR if problem is Problem.MISCONFIGURED else logging.WARNING
            log.log(level, "job %d: submit failed (%s): %s", job.id, type(exc).__name__, exc.message)
            task = await self._lost_submit(job) if problem is Problem.MAYBE_SUBMITTED else None
            if task is not None:
                return await self._submitted(job, job.found(task.id))
            if isinstance(exc, ProviderUnavailable) and exc.unanswered and self._lists_tasks:
                log.info("job %d: not listed yet; the scheduler looks for it again before giving up", job.id)
                return job  # still SUBMITTING: settled like a submit a stop cut off
            return await self._submitted(job, job.refused(problem, detail, now=now))
        except Exception:
            log.exception("job %d: unexpected error while submitting", job.id)
            return await self._submitted(job, job.refused(Problem.MAYBE_SUBMITTED, now=now))
        accepted = job.accepted(result)
        log.info("job %d: accepted as task %s (%s)", job.id, result.task_id, accepted.state)
        if result.status is SubmitStatus.MODAL:
            self._modal_prompt[job.id] = result.final_prompt
        return await self._submitted(job, accepted)

    async def _translate(self, job: Job) -> Job:
        """The words into English, the parameters as they are; a failure sends the prompt as written."""
        words, parameters = split_parameters(job.request.prompt)
        try:
            if self.translator is None:
                raise TranslationFailed("translation was turned off")
            english = await self.translator.translate(words)
        except TranslationFailed as exc:
            log.warning("job %d: prompt not translated, sent as written: %s", job.id, exc)
            return await self.records.save(job, job.untranslated())
        return await self.records.save(job, job.translated(" ".join(p for p in (english, parameters) if p)))

    async def _submitted(self, job: Job, new: Job) -> Job:
        """Save the submit's outcome; the pictures it was asked with are not needed again, but a describe's (🔄)."""
        saved = await self.records.save(job, new)
        if job.kind is not JobKind.DESCRIBE:
            await self.inputs.delete(job.id)
        return saved

    # -- modals: asking the person, and their answer ---------------------------------------------------

    async def ask_first(self, job: Job) -> None:
        """A press in the person's remix mode: ask for the prompt before anything is sent (§7)."""
        shown = await self._post_status(job)
        if isinstance(shown, Shown):
            job = job.status_shown(shown)
        await self._show(await self._await_input(job, ""))

    async def answer(self, job: Job, prompt: str, mask: bytes | None = None) -> None:
        """Send the person's answer: /submit/modal for the waiting task, or first the remix press itself."""
        job = await self._fresh(job)
        if job.state is not JobState.AWAITING_INPUT:
            return  # answered, cancelled or lapsed meanwhile
        asked, job = job, await self.records.save(job, job.answered(prompt))
        if self.translator is not None and needs_translation(prompt):  # a remix answer in Chinese, too
            job = await self._translate(job)
            prompt = job.request.prompt
        unchanged = False
        try:
            if job.task_id is None:
                submission = await self._submission(job, remix=True)
                result = await kind_of(job).submit(submission)
                if result.status is SubmitStatus.MODAL or await self._hides_modal(job, result):
                    result = await self._modal(result.task_id, prompt, mask, job)
                else:  # the press ran at once: with the prompt only where the submit itself carried it
                    unchanged = not submission.prompt_sent
            else:
                result = await self._modal(job.task_id, prompt, mask, job)
        except MJError as exc:
            problem, detail = problem_of(exc)
            log.warning("job %d: the answer was refused (%s): %s", job.id, type(exc).__name__, exc.message)
            job = await self.records.save(job, job.refused(problem, detail, now=time.time()))
            await self._close_question(job, "refused")
            await self._show(job)
            return
        # A press that ran without the person's prompt draws the old one: the job must say so, and
        # its buttons carry the old prompt on.
        job = await self.records.save(job, (asked if unchanged else job).accepted(result))
        await self._close_question(job, "unchanged" if unchanged else "sent")
        await self._show(job)

    async def _hides_modal(self, job: Job, result: SubmitResult) -> bool:
        """Relays rewrite code 21 to 1 and show the modal on the task's first lookup (docs/provider-api.md §7)."""
        try:
            task = await self.client.fetch(result.task_id)
        except MJError as exc:  # cannot tell: polling applies the modal, and the person is asked again
            log.warning("job %d: could not look up task %s after the press: %s", job.id, result.task_id, exc.message)
            return False
        return task is not None and task.status is TaskStatus.MODAL

    async def abandon(self, job: Job) -> None:
        """The person cancelled: the waiting task is dismissed upstream where the provider allows it."""
        job = await self._fresh(job)
        if job.state is not JobState.AWAITING_INPUT:
            return
        await self._cancel_upstream(job)
        job = await self.records.save(job, job.cancelled(now=time.time()))
        await self._close_question(job, "cancelled")
        await self._show(job)

    async def show_question(self, job: Job, question: Question) -> None:
        parent = await self.records.load(job.request.parent_job_id) if job.request.parent_job_id else None
        await self.display.show_question(job, question, parent)

    async def redraw_question(self, job_id: int) -> None:
        """The question as stored now (with every tap that came meanwhile), shown again."""
        job, row = await self.records.load(job_id), await self.questions.get(job_id)
        if job is not None and row is not None and job.state is JobState.AWAITING_INPUT:
            await self.show_question(job, question_from_row(row))

    async def _await_input(self, job: Job, provider_prompt: str) -> Job:
        """A job waiting for input: answered at once when it knows the answer, else the person is asked."""
        answer, task_id = kind_of(job).modal_answer(job), job.task_id
        if answer is not None and task_id is not None:
            job = await self.records.save(job, job.answered(answer))
            try:
                return await self.records.save(job, job.accepted(await self._modal(task_id, answer, None, job)))
            except MJError as exc:
                problem, detail = problem_of(exc)
                return await self.records.save(job, job.refused(problem, detail, now=time.time()))
        if await self.questions.get(job.id) is None:
            question = Question(job.id, modals.asks(job), modals.prefill(job, provider_prompt), asked_at=time.time())
            await self.questions.put(job.id, question.asks.value, question.prefill)
            parent = await self.records.load(job.request.parent_job_id) if job.request.parent_job_id else None
            message_id = await self.display.ask(job, question, parent)
            if message_id is not None:
                await self.questions.update(job.id, message_id=message_id)
        return job

    async def _modal(self, task_id: str, prompt: str, mask: bytes | None, job: Job) -> SubmitResult:
        mask_url = f"data:image/png;base64,{base64.b64encode(mask).decode()}" if mask else None
        return await self.client.modal(
            task_id, prompt=prompt, mask_base64=mask_url, state=state_of(job), speed=job.request.speed
        )

    async def _close_question(self, job: Job, how: str) -> None:
        row = await self.questions.get(job.id)
        if row is None:
            return
        await self.questions.delete(job.id)
        await self.display.close_question(job, question_from_row(row), how)

    async def _cancel_upstream(self, job: Job) -> None:
        if job.task_id:
            try:
                await self.client.cancel(job.task_id)
            except MJError as exc:  # many providers cannot cancel (§5.11); the modal then lapses there
                log.info("job %d: could not cancel task %s upstream: %s", job.id, job.task_id, exc.message)

    async def _fresh(self, job: Job) -> Job:
        """The job as stored now: work queued behind other work must not act on an old copy."""
        return await self.records.load(job.id) or job

    async def _submission(self, job: Job, *, remix: bool = False) -> Submission:
        parent = await self.records.load(job.request.parent_job_id) if job.request.parent_job_id else None
        return Submission(self.client, job, parent, self.inputs.get, self.records.load, remix=remix)

    async def _succeed(self, job: Job, task: Task) -> Job:
        await self.buttons.replace_for_job(job.id, _buttons_of(job, task))
        return job.succeeded(await self._outcome(job, task), now=time.time())

    async def _outcome(self, job: Job, task: Task) -> Outcome:
        if produces_of(job) is Produces.CHOICES:
            return Choices(result_text(task))
        if produces_of(job) is Produces.VIDEO:
            return await self._video(job, task)
        try:
            if not task.image_url:
                raise ImageDownloadError("the provider reported no image URL")
            image = await self.images.fetch(task.image_url)
        except ImageDownloadError as exc:
            log.warning("job %d: result download failed: %s", job.id, exc)
            return Picture(task.image_url, missing=str(exc) or "download failed")
        await self.results.put(job.id, image)
        width, height = await asyncio.to_thread(picture_size, image)
        return Picture(task.image_url, width=width, height=height)

    async def _video(self, job: Job, task: Task) -> Video:
        """Every clip downloaded at once, with its thumbnail; a grid of clips also keeps its still (§9.5)."""
        links = task.clips or ((ClipLink(task.image_url),) if task.image_url else ())
        clips = await asyncio.gather(*(self._clip(job, n, link) for n, link in enumerate(links, 1)))
        if len(links) > 1 and task.image_url:
            still = await self._still(job, task.image_url)
            if still is not None:
                await self.results.put(job.id, still)
        if not links:
            log.warning("job %d: the video task %s lists no clips", job.id, task.id)
        return Video(tuple(clips))

    async def _clip(self, job: Job, position: int, link: ClipLink) -> Clip:
        try:
            data = await self.images.fetch_clip(link.url)
        except TooLarge as exc:
            log.info("job %d: clip %d is too large for any chat (%s); its link is passed on", job.id, position, exc)
            return Clip(link.url, too_large=True)
        except ImageDownloadError as exc:
            log.warning("job %d: clip %d download failed: %s", job.id, position, exc)
            return Clip(link.url, missing=str(exc) or "download failed")
        thumbnail = await self._still(job, link.thumbnail) if link.thumbnail else None
        await self.results.put(job.id, data, position=position, thumbnail=thumbnail)
        info = await asyncio.to_thread(mp4_info, data)
        return Clip(link.url, width=info.width, height=info.height, seconds=info.seconds, streamable=info.streamable)

    async def _still(self, job: Job, url: str) -> bytes | None:
        """A still that only adorns a video (its thumbnail, a grid's picture): one try, not worth waiting for."""
        try:
            async with asyncio.timeout(PREVIEW_TIMEOUT):
                return await self.images.fetch_adornment(url)
        except (ImageDownloadError, TimeoutError) as exc:
            log.info("job %d: video still unavailable: %s", job.id, exc)
            return None

    # -- showing -----------------------------------------------------------------------------------

    async def _post_status(self, job: Job) -> Shown | _Unreachable | None:
        """Where the status message is; None when it could not be posted now, _UNREACHABLE when never."""
        self._progress[job.id] = _Progress(_fingerprint(job), time.monotonic(), None)
        try:
            shown = await self.display.post_status(job)
        except ChatUnreachable:
            return _UNREACHABLE
        except Exception as exc:  # the job goes on; its outcome will be posted as a new message
            log.warning("job %d: could not post the status message: %s", job.id, exc)
            return None
        if shown is not None:
            await self.records.save(job, job.status_shown(shown))  # only these columns: the submit writes others
        return shown

    async def _show(self, job: Job) -> None:
        if job.state.is_final:
            await self.deliver(job)
        else:
            await self._show_progress(job)

    async def _show_progress(self, job: Job) -> None:
        last = self._progress.get(job.id)
        fingerprint = _fingerprint(job)
        if last is not None and last.fingerprint == fingerprint:
            return
        # A job that waits for the person is shown at once: it goes nowhere until they act.
        waiting = job.state is JobState.AWAITING_INPUT
        if last is not None and not waiting and time.monotonic() - last.at < self._interval(job):
            return
        if job.shown.message_id is None:
            return  # no status message yet to show it in; when one comes, it is shown this state then
        url = job.progress.preview_url
        tried = last.preview_url if last is not None else None
        preview = await self._preview(job, url) if url and url != tried else None
        try:
            async with asyncio.timeout(PROGRESS_TIMEOUT):
                await self.display.show_progress(job, preview)
        except TimeoutError:
            log.info("job %d: progress edit given up: Telegram is slow", job.id)
        self._progress[job.id] = _Progress(fingerprint, time.monotonic(), url or tried)

    async def _preview(self, job: Job, url: str) -> bytes | None:
        """Fetched once per URL: a dead preview must not hold up the job."""
        try:
            async with asyncio.timeout(PREVIEW_TIMEOUT):
                return await self.images.fetch_adornment(url)
        except (ImageDownloadError, TimeoutError) as exc:
            log.info("job %d: preview unavailable: %s", job.id, exc)
            return None

    def _interval(self, job: Job) -> float:
        # Groups share a 20 messages/minute budget, so their status messages move more slowly.
        return self.edit_interval * (2 if job.origin.in_group else 1)

    async def _delivery_failed(self, job: Job, exc: Exception) -> None:
        give_up = time.time() - (job.finished_at or job.created_at) > GIVE_UP_DELIVERY_AFTER
        attempt = job.delivery_attempts + 1
        if isinstance(exc, DisplayUnavailable):
            log.warning("job %d: delivery attempt %d failed%s: %s", job.id, attempt, " (giving up)" * give_up, exc)
        else:
            log.error("job %d: delivery attempt %d failed%s", job.id, attempt, " (giving up)" * give_up, exc_info=exc)
        await self.records.save(job, job.delivery_failed(give_up=give_up, now=time.time()))
        if give_up:
            await self.results.delete(job.id)


class _Unreachable(Enum):
    """The status message's answer when this chat takes nothing from the bot."""

    CHAT = "chat"


_UNREACHABLE = _Unreachable.CHAT


def _fingerprint(job: Job) -> tuple[object, ...]:
    return job.state, job.progress.percent, job.progress.queue_position, job.progress.preview_url


def _buttons_of(job: Job, task: Task) -> Sequence[tuple[str, str, str]]:
    buttons = task.buttons
    if not buttons:
        # novicezk's open-source proxy lists no buttons; grids and describe results still have theirs (§8).
        produces = produces_of(job)
        if produces is Produces.GRID:
            buttons = grid_buttons(str(task.properties.get("messageHash") or task.id))
        elif produces is Produces.CHOICES and job.kind is not JobKind.SHORTEN and not _shortens(job):
            buttons = describe_buttons()
    return [(b.custom_id, b.label, b.emoji) for b in buttons]


def _shortens(job: Job) -> bool:
    button = job.request.button
    return button is not None and meaning(button.custom_id).action is ButtonAction.SHORTEN_DETAILS


def problem_of(exc: MJError) -> tuple[Problem, str]:
    """What a provider error means for the person, and the detail the views show with it."""
    if isinstance(exc, BannedPrompt):
        return Problem.BANNED, exc.word
    if isinstance(exc, QueueFull):
        return Problem.QUEUE_FULL, exc.description
    if isinstance(exc, SubmitRefused):
        return Problem.REJECTED, exc.description
    if isinstance(exc, NotOffered):
        return Problem.NOT_OFFERED, exc.route
    if isinstance(exc, ProviderMisconfigured):
        return Problem.MISCONFIGURED, ""
    if isinstance(exc, ProviderUnavailable) and exc.maybe_submitted:
        return Problem.MAYBE_SUBMITTED, ""
    return Problem.UNAVAILABLE, ""
