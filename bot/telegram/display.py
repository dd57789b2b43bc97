"""The Telegram side of `bot.jobs.Display`: the status message, its progress edits, and the outcome.

It is handed everything it shows and answers with what it showed; it never calls back into the domain.
Everything goes out through the send path (`bot.telegram.sending`) in its lane: a status message waits
behind results, and an outcome that is ready before its status message was posted is posted instead of
it. Progress edits are best effort and nobody waits for them: each is handed to the send path, where a
newer state of the same message replaces it. An outcome that Telegram cannot take now raises
`DisplayUnavailable`, and the domain asks again later.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
    ReplyParameters,
)
from telegram.constants import FileSizeLimit
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, TelegramError
from telegram.ext import ExtBot

from bot.jobs import (
    Asks,
    ButtonView,
    ChatUnreachable,
    Clip,
    ClipFile,
    Delivery,
    DisplayUnavailable,
    Job,
    JobState,
    Origin,
    Question,
    Shown,
    produces_of,
)
from bot.mj import Produces
from bot.telegram.miniapp import page_url
from bot.telegram.photos import NotAnImage, Photo, aspect_ratio, fit_photo, image_size, placeholder, video_thumbnail
from bot.telegram.regions import grid_overlay
from bot.telegram.sending import Lane, Overtaken, Send, Sender
from bot.telegram.texts import text
from bot.telegram.views import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    Unsent,
    caption,
    clip_caption,
    clip_notes,
    keyboard,
    plain,
    question_keyboard,
    question_text,
    stop_keyboard,
)

log = logging.getLogger(__name__)

_GONE = ("message to edit not found", "message can't be edited", "there is no media", "message_id_invalid")
_NO_PHOTOS = "not enough rights to send photos"
_NO_TEXT = "not enough rights to send text"
_NO_VIDEOS = "not enough rights to send videos"
_TOO_LARGE = "too large"  # Telegram answers an upload over its limit with HTTP 413, which PTB raises as NetworkError
UPLOAD_LIMIT = int(FileSizeLimit.FILESIZE_UPLOAD)  # 50 MB: what bots may upload, videos and files alike


class _Gone(Exception):
    """The status message cannot be edited any more; `chat_id` is where a new one should go."""

    def __init__(self, chat_id: int) -> None:
        super().__init__(chat_id)
        self.chat_id = chat_id


@dataclass(frozen=True)
class _Posted:
    """Where an outcome went: the message, and whether the picture itself is in it."""

    chat_id: int
    message_id: int | None
    photo_file_id: str | None = None


_RESULT = Send(Lane.RESULT)


class TelegramDisplay:
    def __init__(self, bot: ExtBot[Any], sender: Sender, *, public_url: str | None = None) -> None:
        self.bot = bot
        self._sender = sender  # the bot's rate limiter: the display takes back status posts it no longer needs
        self._public_url = public_url  # where the Mini App is served, if anywhere
        self._placeholder_ids: dict[tuple[int, int], str] = {}
        self._shown: dict[tuple[int, int], str] = {}  # (chat, message) → fingerprint of what it shows or will
        self._unreachable: set[int] = set()  # chats that refused us (blocked, kicked): no progress edits
        self._pictures: dict[int, bytes] = {}  # job → the picture its region is being chosen on
        # job → its status message, posted or on the way, until the outcome: the domain may not know it yet
        self._status: dict[int, asyncio.Future[Shown | None]] = {}
        self._edits: set[asyncio.Task[None]] = set()  # progress edits handed to the send path
        # An outcome posted as a new message whose delivery then failed: the retry edits it, not posts again.
        self._reposted: dict[int, Shown] = {}

    # -- the status message ------------------------------------------------------------------------

    async def post_status(self, job: Job) -> Shown | None:
        """A placeholder photo in the prompt's aspect ratio; text for text results, or where photos are barred.

        None when the job's outcome was ready before Telegram's budget let the status message go: the
        outcome is posted in its place.
        """
        posting = self._status[job.id] = asyncio.get_running_loop().create_future()
        shown = None
        try:
            shown = await self._post_status(job)
        except Overtaken:
            log.info("job %d: the outcome was ready before the status message could be posted", job.id)
        except ChatUnreachable:
            self._status.pop(job.id, None)  # nothing more will be shown there for this job
            raise
        finally:
            posting.set_result(shown)
        return shown

    async def _post_status(self, job: Job) -> Shown:
        text_html, markup, send = caption(job), stop_keyboard(job), _status_send(job)
        chat_id = job.origin.chat_id
        try:
            if produces_of(job) is Produces.CHOICES:
                message, as_text = await self._send_text(job.origin, chat_id, text_html, markup, send=send), True
            else:
                message, as_text = await self._post_picture_status(job, text_html, markup, send)
        except Forbidden as exc:
            raise ChatUnreachable(str(exc)) from exc
        except BadRequest as exc:
            if _NO_TEXT in exc.message.lower():
                raise ChatUnreachable(exc.message) from exc
            raise
        self._remember(job.origin.chat_id, message.message_id, text_html)
        self._unreachable.discard(job.origin.chat_id)  # writing again: they let us back in
        return Shown(message.message_id, as_text=as_text)

    async def _post_picture_status(
        self, job: Job, text_html: str, markup: InlineKeyboardMarkup | None, send: Send
    ) -> tuple[Message, bool]:
        try:
            ratio = aspect_ratio(job.request.prompt)
            return await self._send_placeholder(job, ratio, text_html, markup, send), False
        except BadRequest as exc:
            if _NO_PHOTOS not in exc.message.lower():
                raise
            return await self._send_text(job.origin, job.origin.chat_id, text_html, markup, send=send), True

    async def _send_placeholder(
        self, job: Job, ratio: tuple[int, int], text_html: str, markup: InlineKeyboardMarkup | None, send: Send
    ) -> Message:
        cached = self._placeholder_ids.get(ratio)
        if cached:
            try:
                return await self._send_photo(job.origin, job.origin.chat_id, cached, text_html, markup, send=send)
            except BadRequest as exc:
                if _NO_PHOTOS in exc.message.lower():
                    raise
                self._placeholder_ids.pop(ratio, None)  # a file id from another bot token
        message = await self._send_photo(
            job.origin, job.origin.chat_id, placeholder(ratio), text_html, markup, send=send
        )
        if message.photo:
            self._placeholder_ids[ratio] = message.photo[-1].file_id
        return message

    async def _with_status(self, job: Job) -> Job:
        """The job once its status message is settled: one still waiting for Telegram's budget is taken
        back (the outcome is posted in its place), one on its way, or posted but not yet saved by the
        domain, is waited for (and then edited into the outcome)."""
        posting = self._status.pop(job.id, None)
        if posting is None or job.shown.message_id is not None:
            return job
        if not posting.done() and self._sender.withdraw(job.origin.chat_id, _status_key(job)):
            return job
        shown = await posting
        return job.status_shown(shown) if shown is not None else job

    # -- progress ----------------------------------------------------------------------------------

    async def show_progress(self, job: Job, preview: bytes | None) -> None:
        """Hand the edit to the send path and return: nothing waits for an edit that may never be needed."""
        message_id = job.shown.message_id
        if message_id is None or job.origin.chat_id in self._unreachable:
            return
        text_html = _caption(job)
        if preview is None and self._shown.get((job.origin.chat_id, message_id)) == _fingerprint(text_html):
            return
        photo = await _fit(job, preview) if preview is not None and not job.shown.as_text else None
        self._remember(job.origin.chat_id, message_id, text_html)  # asked for: the same text is not asked twice
        edit = asyncio.create_task(self._edit_progress(job, text_html, photo.data if photo else None))
        self._edits.add(edit)
        edit.add_done_callback(self._edits.discard)

    async def _edit_progress(self, job: Job, text_html: str, photo: bytes | None) -> None:
        try:
            await self._edit(job, text_html, stop_keyboard(job), photo=photo, send=_progress_send(job))
        except Overtaken:
            pass  # a newer state of the message, or the outcome, went instead
        except Forbidden as exc:
            log.info("job %d: chat %d refuses messages (%s); no more progress there", job.id, job.origin.chat_id, exc)
            self._unreachable.add(job.origin.chat_id)
        except (TelegramError, _Gone) as exc:
            log.info("job %d: progress edit skipped: %s", job.id, exc)
            if job.shown.message_id is not None:  # not shown after all: the same text may be asked for again
                key = (job.origin.chat_id, job.shown.message_id)
                if self._shown.get(key) == _fingerprint(text_html):
                    del self._shown[key]

    # -- the outcome -------------------------------------------------------------------------------

    async def show_outcome(self, job: Job, image: bytes | None, buttons: Sequence[ButtonView]) -> Shown | None:
        async def show(job: Job) -> Shown:
            markup = keyboard(buttons, seed_of=job)
            if job.state is JobState.SUCCEEDED and image is not None:
                return await self._show_picture(job, image, markup)
            return self._as_shown(job, await self._show_final(job, _caption(job), markup))

        return await self._deliver(job, "outcome", show)

    async def show_video(
        self, job: Job, clips: Sequence[ClipFile], still: bytes | None, buttons: Sequence[ButtonView]
    ) -> Shown | None:
        """One clip: the status message becomes the video. A grid: the status message shows its still and the
        pick buttons, and the clips follow as an album. A clip Telegram cannot take is passed on as its link."""

        async def show(job: Job) -> Shown:
            markup = keyboard(buttons)
            if len(clips) == 1:
                return await self._show_clip(job, clips[0], markup)
            return await self._show_clips(job, clips, still, markup)

        return await self._deliver(job, "video", show)

    async def _deliver(self, job: Job, what: str, show: Callable[[Job], Awaitable[Shown]]) -> Shown | None:
        """Settle where the job is shown, then `show` its outcome there; what Telegram answers is handled alike."""
        job = self._where_posted(await self._with_status(job))
        if job.shown.message_id is not None:
            self._shown.pop((job.origin.chat_id, job.shown.message_id), None)
        unfinished = False
        try:
            return await show(job)
        except Forbidden as exc:
            log.warning("job %d: cannot write to chat %d any more: %s", job.id, job.origin.chat_id, exc)
            return None
        except BadRequest as exc:
            # Asking again would get the same answer: say it in plain words rather than not at all.
            log.error("job %d: Telegram refused the %s (%s); sending it as plain text", job.id, what, exc.message)
            return await self._plain_fallback(job)
        except (TelegramError, Overtaken) as exc:
            unfinished = True  # a retry edits what this attempt posted anew (`_reposted`)
            raise DisplayUnavailable(f"{type(exc).__name__}: {exc}") from exc
        finally:
            if not unfinished:
                self._reposted.pop(job.id, None)

    def _where_posted(self, job: Job) -> Job:
        """The job as shown where an earlier, unfinished delivery of it posted its outcome anew."""
        earlier = self._reposted.get(job.id)
        return job.status_shown(earlier) if earlier is not None else job

    async def show_again(self, job: Job, origin: Origin, buttons: Sequence[ButtonView]) -> Shown | None:
        """The earlier job's delivered photo (or file), by Telegram file id: nothing is uploaded again."""
        markup, text_html = keyboard(buttons, seed_of=job), caption(job)
        reply = _reply_to(origin.request_message_id)
        try:
            if job.shown.photo_file_id:
                message = await self.bot.send_photo(
                    origin.chat_id,
                    job.shown.photo_file_id,
                    caption=text_html,
                    reply_markup=markup,
                    reply_parameters=reply,
                    message_thread_id=origin.thread_id,
                    rate_limit_args=_RESULT,
                )
            elif job.shown.document_file_id:
                message = await self.bot.send_document(
                    origin.chat_id,
                    job.shown.document_file_id,
                    caption=text_html,
                    reply_markup=markup,
                    reply_parameters=reply,
                    message_thread_id=origin.thread_id,
                    rate_limit_args=_RESULT,
                )
            else:
                message = await self._send_text(origin, origin.chat_id, text_html, markup, send=_RESULT)
        except (TelegramError, Overtaken) as exc:
            log.warning("job %d: could not show the result again: %s", job.id, exc)
            return None
        return Shown(message.message_id, photo_file_id=job.shown.photo_file_id)

    # -- questions (modals asked in chat) ------------------------------------------------------------

    async def ask(self, job: Job, question: Question, parent: Job | None) -> int | None:
        """The question, answering the job's status message in its chat and topic."""
        reply = _reply_to(job.shown.message_id or job.origin.request_message_id)
        try:
            if question.asks is Asks.REGION and (picture := await self._picture_of(job, parent)) is not None:
                message = await self.bot.send_photo(
                    job.origin.chat_id,
                    await asyncio.to_thread(grid_overlay, picture, question.cells),
                    caption=question_text(job, question),
                    reply_markup=self._question_keyboard(job, question),
                    reply_parameters=reply,
                    message_thread_id=job.origin.thread_id,
                )
            else:
                message = await self.bot.send_message(
                    job.origin.chat_id,
                    question_text(job, question, limit=TEXT_LIMIT),
                    reply_markup=self._question_keyboard(job, question),
                    reply_parameters=reply,
                    message_thread_id=job.origin.thread_id,
                )
        except TelegramError as exc:
            log.warning("job %d: could not ask for its input: %s", job.id, exc)
            return None
        return message.message_id

    async def show_question(self, job: Job, question: Question, parent: Job | None) -> None:
        if question.message_id is None:
            return
        chat_id, markup = job.origin.chat_id, self._question_keyboard(job, question)
        try:
            if question.asks is Asks.REGION and (picture := await self._picture_of(job, parent)) is not None:
                overlay = await asyncio.to_thread(grid_overlay, picture, question.cells)
                await self.bot.edit_message_media(
                    InputMediaPhoto(overlay, caption=question_text(job, question)),
                    chat_id=chat_id,
                    message_id=question.message_id,
                    reply_markup=markup,
                )
            else:
                await self._edit_question(job, question, question_text(job, question), markup)
        except TelegramError as exc:
            log.info("job %d: question not updated: %s", job.id, exc)

    async def close_question(self, job: Job, question: Question, how: str) -> None:
        self._pictures.pop(job.id, None)
        if question.message_id is None:
            return
        try:
            await self._edit_question(job, question, text(job.origin.language, f"question_{how}"), None)
        except TelegramError as exc:
            log.info("job %d: question not closed: %s", job.id, exc)

    def _question_keyboard(self, job: Job, question: Question) -> InlineKeyboardMarkup:
        paint = page_url(self._public_url, job.id) if self._public_url else None
        return question_keyboard(job, question, paint)

    async def _edit_question(
        self, job: Job, question: Question, text_html: str, markup: InlineKeyboardMarkup | None
    ) -> None:
        """A region question is a photo (its caption changes), a prompt question is text."""
        assert question.message_id is not None
        chat_id = job.origin.chat_id
        try:
            await self.bot.edit_message_text(
                text_html, chat_id=chat_id, message_id=question.message_id, reply_markup=markup
            )
        except BadRequest as exc:
            if "there is no text in the message" not in exc.message.lower():
                raise
            await self.bot.edit_message_caption(
                chat_id=chat_id, message_id=question.message_id, caption=text_html, reply_markup=markup
            )

    async def _picture_of(self, job: Job, parent: Job | None) -> bytes | None:
        """The picture a region is chosen on: the parent's delivered photo, fetched once from Telegram."""
        if job.id in self._pictures:
            return self._pictures[job.id]
        file_id = parent.shown.photo_file_id or parent.shown.document_file_id if parent is not None else None
        if not file_id:
            return None
        try:
            file = await self.bot.get_file(file_id)
            picture = bytes(await file.download_as_bytearray())
        except TelegramError as exc:
            log.warning("job %d: the picture to choose a region on is not available: %s", job.id, exc)
            return None
        self._pictures[job.id] = picture
        return picture

    async def _show_picture(self, job: Job, image: bytes, markup: InlineKeyboardMarkup | None) -> Shown:
        delivery = job.request.delivery
        if delivery is Delivery.FILE and not job.shown.as_text:
            return await self._show_file(job, image, markup)
        text_html = _caption(job)
        photo = await _fit(job, image) if not job.shown.as_text else None
        try:
            posted = await self._show_final(job, text_html, markup, photo.data if photo else None)
        except BadRequest as exc:
            if photo is None:
                raise
            # Telegram would not take it as a photo: keep the buttons and hand over the image as a file.
            log.warning("job %d: Telegram refused the result as a photo (%s); sending it as a file", job.id, exc)
            posted, photo = await self._show_final(job, text_html, markup), None
        shown = self._as_shown(job, posted)
        single = produces_of(job) is Produces.IMAGE
        if photo is not None and (delivery is Delivery.PHOTO or (delivery is Delivery.AUTO and not single)):
            return shown  # the photo is the result (a grid, unless the person wants its file too)
        try:
            document_id = await self._send_file(job, image, posted)
        except TelegramError as exc:
            if photo is None:
                raise  # the file is the only copy: try again later
            log.warning("job %d: the full-resolution file could not be sent: %s", job.id, exc)
            document_id = None
        return replace(shown, document_file_id=document_id)

    async def _show_file(self, job: Job, image: bytes, markup: InlineKeyboardMarkup | None) -> Shown:
        """The status message becomes the full-resolution file with the buttons (the person wants files only)."""
        text_html, chat_id, message_id = _caption(job), job.origin.chat_id, job.shown.message_id
        document = InputMediaDocument(image, caption=text_html, filename=_file_name(job, image))
        try:
            if message_id is None:
                raise _Gone(chat_id)
            edited = await self.bot.edit_message_media(
                document,
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=markup,
                rate_limit_args=_outcome_send(job),
            )
        except (BadRequest, ChatMigrated, _Gone) as exc:
            if isinstance(exc, BadRequest) and not any(g in exc.message.lower() for g in _GONE):
                raise
            log.info("job %d: status message gone, sending the file as a new message", job.id)
            new_chat = exc.new_chat_id if isinstance(exc, ChatMigrated) else chat_id
            sent = await self.bot.send_document(
                new_chat,
                image,
                filename=_file_name(job, image),
                caption=text_html,
                reply_markup=markup,
                reply_parameters=_reply_to(job.origin.request_message_id),
                message_thread_id=job.origin.thread_id,
                rate_limit_args=_RESULT,
            )
            return Shown(sent.message_id, document_file_id=sent.document.file_id if sent.document else None)
        file_id = edited.document.file_id if isinstance(edited, Message) and edited.document else None
        return Shown(message_id, document_file_id=file_id)

    async def _send_file(self, job: Job, image: bytes, posted: _Posted) -> str | None:
        """The image at full resolution as a file, under the message that shows it."""
        try:
            width, height = image_size(image)
            note = text(job.origin.language, "result_full_file", width=width, height=height)
        except NotAnImage:
            note = ""
        message = await self.bot.send_document(
            posted.chat_id,
            image,
            filename=_file_name(job, image),
            caption=note,
            reply_parameters=_reply_to(posted.message_id),
            message_thread_id=job.origin.thread_id,
            rate_limit_args=_RESULT,
        )
        return message.document.file_id if message.document else None

    async def _show_final(
        self, job: Job, text_html: str, markup: InlineKeyboardMarkup | None, photo: bytes | None = None
    ) -> _Posted:
        """Edit the status message into the outcome; if it is gone, post the outcome anew."""
        try:
            edited = await self._edit(job, text_html, markup, photo=photo, send=_outcome_send(job))
        except _Gone as gone:
            if job.shown.message_id is not None:
                log.info("job %d: status message gone, sending the outcome as a new message", job.id)
            if photo is not None:
                message = await self._send_photo(job.origin, gone.chat_id, photo, text_html, markup, send=_RESULT)
            else:
                message = await self._send_text(job.origin, gone.chat_id, text_html, markup, send=_RESULT)
            if gone.chat_id == job.origin.chat_id:
                self._reposted[job.id] = Shown(message.message_id, as_text=photo is None)
            return _Posted(gone.chat_id, message.message_id, _photo_id(message) if photo is not None else None)
        photo_id = _photo_id(edited) if photo is not None and edited is not None else None
        return _Posted(job.origin.chat_id, job.shown.message_id, photo_id)

    async def _show_clip(self, job: Job, file: ClipFile, markup: InlineKeyboardMarkup | None) -> Shown:
        why = _unsendable(file)
        if why is None:
            try:
                return await self._post_clip(job, file, markup)
            except (BadRequest, NetworkError) as exc:
                why = _refusal(job, exc)
        posted = await self._show_final(job, _caption(job, clip_notes(job, [(1, file.clip, why)])), markup)
        return self._as_shown(job, posted)

    async def _post_clip(self, job: Job, file: ClipFile, markup: InlineKeyboardMarkup | None) -> Shown:
        """The status message becomes the video; a text status message is answered by it instead."""
        text_html = _caption(job)
        if job.shown.as_text:
            await self.bot.send_video(
                job.origin.chat_id,
                _bytes(file),
                **await _video_fields(job, file, 1),
                reply_parameters=_reply_to(job.shown.message_id),
                message_thread_id=job.origin.thread_id,
                rate_limit_args=_RESULT,
            )
            return self._as_shown(job, await self._show_final(job, text_html, markup))
        fields = await _video_fields(job, file, 1)
        try:
            video = InputMediaVideo(_bytes(file), caption=text_html, **fields)
            await self._edit(job, text_html, markup, video=video, send=_outcome_send(job))
        except _Gone as gone:
            log.info("job %d: status message gone, sending the video as a new message", job.id)
            message = await self.bot.send_video(
                gone.chat_id,
                _bytes(file),
                caption=text_html,
                reply_markup=markup,
                reply_parameters=_reply_to(job.origin.request_message_id),
                message_thread_id=job.origin.thread_id,
                rate_limit_args=_RESULT,
                **fields,
            )
            return Shown(message.message_id)
        return Shown(job.shown.message_id)

    async def _show_clips(
        self, job: Job, clips: Sequence[ClipFile], still: bytes | None, markup: InlineKeyboardMarkup | None
    ) -> Shown:
        numbered = list(enumerate(clips, 1))
        unsent = [(n, f.clip, why) for n, f in numbered if (why := _unsendable(f)) is not None]
        sendable = [(n, f) for n, f in numbered if _unsendable(f) is None]
        photo = await _fit(job, still) if still is not None and not job.shown.as_text else None
        text_html = _caption(job, clip_notes(job, unsent))
        posted = await self._show_final(job, text_html, markup, photo.data if photo else None)
        refused = await self._send_clips(job, sendable, posted)
        if refused:  # their links join the message that shows the grid
            at = replace(job, origin=replace(job.origin, chat_id=posted.chat_id), shown=self._as_shown(job, posted))
            notes = clip_notes(job, sorted(unsent + refused))
            await self._edit(at, _caption(job, notes), markup, send=_outcome_send(at))
        return self._as_shown(job, posted)

    async def _send_clips(
        self, job: Job, clips: Sequence[tuple[int, ClipFile]], posted: _Posted
    ) -> list[tuple[int, Clip, Unsent]]:
        """The clips as one album answering the grid; the ones Telegram refuses, and why."""
        if len(clips) < 2:
            return [refused for n, file in clips if (refused := await self._send_clip(job, n, file, posted))]
        media = [
            InputMediaVideo(_bytes(f), caption=clip_caption(job, n), **await _video_fields(job, f, n)) for n, f in clips
        ]
        try:
            await self.bot.send_media_group(
                posted.chat_id,
                media,
                reply_parameters=_reply_to(posted.message_id),
                message_thread_id=job.origin.thread_id,
                rate_limit_args=_RESULT,
            )
        except (BadRequest, NetworkError) as exc:
            why = _refusal(job, exc)
            if why is not Unsent.TOO_LARGE:
                return [(n, file.clip, why) for n, file in clips]
            # Telegram does not say which one was too large: each goes on its own.
            return [refused for n, file in clips if (refused := await self._send_clip(job, n, file, posted))]
        return []

    async def _send_clip(
        self, job: Job, number: int, file: ClipFile, posted: _Posted
    ) -> tuple[int, Clip, Unsent] | None:
        try:
            await self.bot.send_video(
                posted.chat_id,
                _bytes(file),
                caption=clip_caption(job, number),
                reply_parameters=_reply_to(posted.message_id),
                message_thread_id=job.origin.thread_id,
                rate_limit_args=_RESULT,
                **await _video_fields(job, file, number),
            )
        except (BadRequest, NetworkError) as exc:
            return number, file.clip, _refusal(job, exc)
        return None

    async def _plain_fallback(self, job: Job) -> Shown | None:
        try:
            message = await self.bot.send_message(
                job.origin.chat_id,
                plain(caption(job, TEXT_LIMIT)),
                parse_mode=None,
                reply_parameters=_reply_to(job.origin.request_message_id),
                message_thread_id=job.origin.thread_id,
                rate_limit_args=_RESULT,
            )
        except BadRequest as exc:
            log.error("job %d: Telegram refused the plain text too (%s); giving up", job.id, exc.message)
            return None
        except (TelegramError, Overtaken) as exc:
            raise DisplayUnavailable(f"{type(exc).__name__}: {exc}") from exc
        return Shown(message.message_id, as_text=True)

    @staticmethod
    def _as_shown(job: Job, posted: _Posted) -> Shown:
        return Shown(posted.message_id, job.shown.as_text, posted.photo_file_id)

    # -- sending and editing -----------------------------------------------------------------------

    async def _send_photo(
        self,
        origin: Origin,
        chat_id: int,
        photo: bytes | str,
        text_html: str,
        markup: InlineKeyboardMarkup | None = None,
        *,
        send: Send,
    ) -> Message:
        return await self.bot.send_photo(
            chat_id,
            photo,
            caption=text_html,
            reply_markup=markup,
            reply_parameters=_reply_to(origin.request_message_id),
            message_thread_id=origin.thread_id,
            rate_limit_args=send,
        )

    async def _send_text(
        self,
        origin: Origin,
        chat_id: int,
        text_html: str,
        markup: InlineKeyboardMarkup | None = None,
        *,
        send: Send,
    ) -> Message:
        return await self.bot.send_message(
            chat_id,
            text_html,
            reply_markup=markup,
            reply_parameters=_reply_to(origin.request_message_id),
            message_thread_id=origin.thread_id,
            rate_limit_args=send,
        )

    async def _edit(
        self,
        job: Job,
        text_html: str,
        markup: InlineKeyboardMarkup | None,
        *,
        photo: bytes | None = None,
        video: InputMediaVideo | None = None,
        send: Send,
    ) -> Message | None:
        """Edit the status message; an unchanged message is not an error (None). Raises _Gone."""
        chat_id, message_id = job.origin.chat_id, job.shown.message_id
        if message_id is None:
            raise _Gone(chat_id)
        media = video if video is not None else InputMediaPhoto(photo, caption=text_html) if photo is not None else None
        try:
            if job.shown.as_text:
                result = await self.bot.edit_message_text(
                    text_html, chat_id=chat_id, message_id=message_id, reply_markup=markup, rate_limit_args=send
                )
            elif media is not None:
                result = await self.bot.edit_message_media(
                    media,
                    chat_id=chat_id,
                    message_id=message_id,
                    reply_markup=markup,
                    rate_limit_args=send,
                )
            else:
                result = await self.bot.edit_message_caption(
                    chat_id=chat_id,
                    message_id=message_id,
                    caption=text_html,
                    reply_markup=markup,
                    rate_limit_args=send,
                )
        except BadRequest as exc:
            problem = exc.message.lower()
            if "not modified" in problem:
                return None
            if any(g in problem for g in _GONE):
                raise _Gone(chat_id) from exc
            raise
        except ChatMigrated as exc:
            raise _Gone(exc.new_chat_id) from exc
        return result if isinstance(result, Message) else None

    def _remember(self, chat_id: int, message_id: int, text_html: str) -> None:
        self._shown[(chat_id, message_id)] = _fingerprint(text_html)


async def _fit(job: Job, image: bytes) -> Photo | None:
    try:  # decoding and re-encoding big images takes long enough to stall every chat
        return await asyncio.to_thread(fit_photo, image)
    except NotAnImage as exc:
        log.warning("job %d: not an image Telegram can show: %s", job.id, exc)
        return None


def _status_key(job: Job) -> tuple[str, int]:
    return "status", job.id


def _status_send(job: Job) -> Send:
    return Send(Lane.STATUS, _status_key(job))


def _progress_send(job: Job) -> Send:
    return Send(Lane.PROGRESS, ("message", job.shown.message_id))


def _outcome_send(job: Job) -> Send:
    """An edit of the status message replaces a progress edit of it that is still waiting."""
    return Send(Lane.RESULT, ("message", job.shown.message_id))


def _caption(job: Job, notes: Sequence[str] = ()) -> str:
    """What the status message says: a photo's caption holds 1024 characters, a text message 4096."""
    return caption(job, TEXT_LIMIT if job.shown.as_text else CAPTION_LIMIT, notes)


def _unsendable(file: ClipFile) -> Unsent | None:
    """Why a clip can only be passed on as its link, as far as is known before Telegram is asked."""
    if file.clip.too_large or (file.data is not None and len(file.data) > UPLOAD_LIMIT):
        return Unsent.TOO_LARGE
    if file.clip.missing or file.data is None:
        return Unsent.MISSING
    return None


def _refusal(job: Job, exc: BadRequest | NetworkError) -> Unsent:
    """A refused video upload in words the views know; anything else is raised again (a retry may help)."""
    problem = exc.message.lower()
    if isinstance(exc, BadRequest) and _NO_VIDEOS in problem:
        log.info("job %d: the chat takes no videos; their links are sent", job.id)
        return Unsent.BARRED
    if not isinstance(exc, BadRequest) and _TOO_LARGE in problem:
        log.warning("job %d: Telegram refused a clip as too large; its link is sent", job.id)
        return Unsent.TOO_LARGE
    raise exc


def _bytes(file: ClipFile) -> bytes:
    assert file.data is not None  # only clips whose bytes were kept are sent
    return file.data


async def _video_fields(job: Job, file: ClipFile, number: int) -> dict[str, Any]:
    """What Telegram is told of a clip besides its bytes: its size and length, whether it streams, a thumbnail."""
    clip = file.clip
    thumbnail = await asyncio.to_thread(video_thumbnail, file.thumbnail) if file.thumbnail else None
    return {
        "filename": f"midjourney-{job.task_id or job.id}-{number}.mp4",
        "width": clip.width,
        "height": clip.height,
        "duration": max(1, round(clip.seconds)) if clip.seconds else None,
        "supports_streaming": clip.streamable,
        "thumbnail": thumbnail,
    }


def _photo_id(message: Message) -> str | None:
    return message.photo[-1].file_id if message.photo else None


def _reply_to(message_id: int | None) -> ReplyParameters | None:
    return ReplyParameters(message_id, allow_sending_without_reply=True) if message_id else None


def _fingerprint(text_html: str) -> str:
    return hashlib.sha1(text_html.encode()).hexdigest()


def _file_name(job: Job, image: bytes) -> str:
    return f"midjourney-{job.task_id or job.id}.{_extension(image)}"


def _extension(image: bytes) -> str:
    if image.startswith(b"\x89PNG"):
        return "png"
    if image.startswith(b"\xff\xd8"):
        return "jpg"
    if image[8:12] == b"WEBP":
        return "webp"
    return "bin"
