"""Showing jobs in Telegram: the status message, throttled progress edits, and the final result.

Implements `bot.jobs.JobListener`. Progress edits are best effort (skipped when throttled or when
Telegram pushes back); final deliveries raise on transient errors so the tracker tries again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, InputMediaPhoto, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError
from telegram.ext import ExtBot

from bot.jobs import ImageDownloadError, Job, JobService, JobStatus
from bot.telegram.photos import NotAnImage, Photo, aspect_ratio, fit_photo, image_size, placeholder
from bot.telegram.texts import text
from bot.telegram.views import caption, keyboard, plain

log = logging.getLogger(__name__)

_GONE = ("message to edit not found", "message can't be edited", "there is no media", "message_id_invalid")
PREVIEW_TIMEOUT = 10.0  # a preview that is slow to come is overtaken by the next one anyway
_NO_WAIT = 0  # AIORateLimiter retries: progress edits are never worth waiting out a flood limit for


@dataclass
class _Shown:
    fingerprint: str
    at: float
    preview_url: str | None


class MessageGone(Exception):
    def __init__(self, chat_id: int) -> None:
        super().__init__(chat_id)
        self.chat_id = chat_id


class TelegramPresenter:
    def __init__(self, bot: ExtBot[Any], service: JobService, *, edit_interval: float) -> None:
        self.bot = bot
        self.service = service
        self.edit_interval = edit_interval
        self._shown: dict[int, _Shown] = {}
        self._placeholder_ids: dict[tuple[int, int], str] = {}

    # -- the status message ------------------------------------------------------------------------

    async def send_status(self, job: Job) -> int:
        """Post the job's status message (a placeholder photo) as a reply to the request."""
        ratio = aspect_ratio(job.prompt)
        text_html = caption(job, group=_is_group(job))
        message = await self._send_placeholder(job, ratio, text_html)
        if message.photo:
            self._placeholder_ids[ratio] = message.photo[-1].file_id
        self._shown[job.id] = _Shown(_fingerprint(text_html, None), time.monotonic(), None)
        return message.message_id

    async def _send_placeholder(self, job: Job, ratio: tuple[int, int], text_html: str) -> Message:
        cached = self._placeholder_ids.get(ratio)
        if cached:
            try:
                return await self._send_photo(job, job.chat_id, cached, text_html)
            except BadRequest:
                self._placeholder_ids.pop(ratio, None)  # a file id from another bot token
        return await self._send_photo(job, job.chat_id, placeholder(ratio), text_html)

    async def _send_photo(
        self, job: Job, chat_id: int, photo: bytes | str, text_html: str, markup: InlineKeyboardMarkup | None = None
    ) -> Message:
        return await self.bot.send_photo(
            chat_id,
            photo,
            caption=text_html,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            reply_parameters=_reply_to(job.request_message_id),
            message_thread_id=job.thread_id,
        )

    # -- progress ----------------------------------------------------------------------------------

    async def show_progress(self, job: Job) -> None:
        if job.status_message_id is None:
            return
        text_html = caption(job, group=_is_group(job))
        fingerprint = _fingerprint(text_html, job.image_url)
        shown = self._shown.get(job.id)
        if shown and shown.fingerprint == fingerprint:
            return
        if shown and time.monotonic() - shown.at < self._interval(job):
            return
        preview_url = shown.preview_url if shown else None
        try:
            if job.image_url and job.image_url != preview_url:
                preview_url = job.image_url  # tried once, shown or not: a dead preview is not fetched again
                if not await self._edit_preview(job, text_html):
                    await self._edit(job, text_html, None, rate_limit_args=_NO_WAIT)
            else:
                await self._edit(job, text_html, None, rate_limit_args=_NO_WAIT)
        except (TelegramError, MessageGone) as exc:
            log.info("job %d: progress edit skipped: %s", job.id, exc)
            return
        self._shown[job.id] = _Shown(fingerprint, time.monotonic(), preview_url)

    async def _edit_preview(self, job: Job, text_html: str) -> bool:
        assert job.image_url is not None
        try:
            async with asyncio.timeout(PREVIEW_TIMEOUT):
                preview = await self.service.images.fetch(job.image_url, attempts=1)
        except (ImageDownloadError, TimeoutError) as exc:
            log.info("job %d: preview unavailable: %s", job.id, exc)
            return False
        photo = await self._fit(job, preview)
        if photo is None:
            return False
        await self._edit(job, text_html, None, photo=photo.data, rate_limit_args=_NO_WAIT)
        return True

    @staticmethod
    async def _fit(job: Job, image: bytes) -> Photo | None:
        try:  # decoding and re-encoding big images takes long enough to stall every chat
            return await asyncio.to_thread(fit_photo, image)
        except NotAnImage as exc:
            log.warning("job %d: not an image Telegram can show: %s", job.id, exc)
            return None

    def _interval(self, job: Job) -> float:
        # Groups share a 20 messages/minute budget, so their status messages move more slowly.
        return self.edit_interval * (2 if _is_group(job) else 1)

    # -- the outcome -------------------------------------------------------------------------------

    async def deliver(self, job: Job, image: bytes | None) -> str | None:
        self._shown.pop(job.id, None)
        group = _is_group(job)
        try:
            if job.status is JobStatus.SUCCEEDED:
                return await self._deliver_result(job, image, group)
            await self._show_final(job, caption(job, group=group), None)
            return None
        except Forbidden as exc:
            log.warning("job %d: cannot write to chat %d any more: %s", job.id, job.chat_id, exc)
            return None
        except BadRequest as exc:
            # Trying again would get the same answer: say it in plain words rather than not at all.
            log.error("job %d: Telegram refused the outcome (%s); sending it as plain text", job.id, exc.message)
            await self.bot.send_message(
                job.chat_id,
                plain(caption(job, group=group)),
                reply_parameters=_reply_to(job.request_message_id),
                message_thread_id=job.thread_id,
            )
            return None

    async def _deliver_result(self, job: Job, image: bytes | None, group: bool) -> str | None:
        markup = keyboard(await self.service.buttons_for(job))
        text_html = caption(job, group=group)
        photo = await self._fit(job, image) if image is not None else None
        try:
            message = await self._show_final(job, text_html, markup, photo.data if photo else None)
        except BadRequest as exc:
            if photo is None:
                raise
            # Telegram would not take it as a photo: keep the buttons and hand over the image as a file.
            log.warning("job %d: Telegram refused the result as a photo (%s); sending it as a file", job.id, exc)
            message, photo = await self._show_final(job, text_html, markup), None
        if image is not None and (job.is_upscale or photo is None):
            await self._send_full_file(job, image)
        if message is not None and message.photo:
            return message.photo[-1].file_id
        return None

    async def _show_final(
        self, job: Job, text_html: str, markup: InlineKeyboardMarkup | None, photo: bytes | None = None
    ) -> Message | None:
        """Edit the status message into the outcome; if it is gone, post the outcome anew."""
        try:
            return await self._edit(job, text_html, markup, photo=photo)
        except MessageGone as gone:
            log.info("job %d: status message gone, sending the outcome as a new message", job.id)
            if photo is not None:
                message = await self._send_photo(job, gone.chat_id, photo, text_html, markup)
            else:
                message = await self.bot.send_message(
                    gone.chat_id,
                    text_html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    reply_parameters=_reply_to(job.request_message_id),
                    message_thread_id=job.thread_id,
                )
            await self.service.move_status_message(job, gone.chat_id, message.message_id)
            return message

    async def _send_full_file(self, job: Job, image: bytes) -> None:
        try:
            width, height = image_size(image)
            note = text(job.language, "result_full_file", width=width, height=height)
        except NotAnImage:
            note = ""
        await self.bot.send_document(
            job.chat_id,
            image,
            filename=f"midjourney-{job.task_id or job.id}.{_extension(image)}",
            caption=note,
            parse_mode=ParseMode.HTML,
            reply_parameters=_reply_to(job.status_message_id),
            message_thread_id=job.thread_id,
        )

    # -- one edit ----------------------------------------------------------------------------------

    async def _edit(
        self,
        job: Job,
        text_html: str,
        markup: InlineKeyboardMarkup | None,
        *,
        photo: bytes | None = None,
        rate_limit_args: int | None = None,
    ) -> Message | None:
        """Edit caption (and photo); an unchanged message is not an error. Raises MessageGone."""
        if job.status_message_id is None:
            raise MessageGone(job.chat_id)
        try:
            if photo is not None:
                media = InputMediaPhoto(photo, caption=text_html, parse_mode=ParseMode.HTML)
                result = await self.bot.edit_message_media(
                    media,
                    chat_id=job.chat_id,
                    message_id=job.status_message_id,
                    reply_markup=markup,
                    rate_limit_args=rate_limit_args,
                )
            else:
                result = await self.bot.edit_message_caption(
                    chat_id=job.chat_id,
                    message_id=job.status_message_id,
                    caption=text_html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    rate_limit_args=rate_limit_args,
                )
        except BadRequest as exc:
            problem = exc.message.lower()
            if "not modified" in problem:
                return None
            if any(g in problem for g in _GONE):
                raise MessageGone(job.chat_id) from exc
            raise
        except ChatMigrated as exc:
            raise MessageGone(exc.new_chat_id) from exc
        return result if isinstance(result, Message) else None


def _is_group(job: Job) -> bool:
    return job.chat_id < 0


def _reply_to(message_id: int | None) -> ReplyParameters | None:
    return ReplyParameters(message_id, allow_sending_without_reply=True) if message_id else None


def _fingerprint(*parts: str | None) -> str:
    return hashlib.sha1("\x1f".join(p or "" for p in parts).encode()).hexdigest()


def _extension(image: bytes) -> str:
    if image.startswith(b"\x89PNG"):
        return "png"
    if image.startswith(b"\xff\xd8"):
        return "jpg"
    if image[8:12] == b"WEBP":
        return "webp"
    return "bin"
