"""Thin update handlers: read the update, call the domain, let the presenter show the result."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, MaybeInaccessibleMessage, Message, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.jobs import AlreadyRunning, Job, JobService, Origin, UnknownButton
from bot.telegram.delivery import TelegramPresenter
from bot.telegram.texts import language_of, plain_text, text
from bot.telegram.views import CALLBACK_PREFIX, action_title

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE


class Handlers:
    def __init__(self, service: JobService, presenter: TelegramPresenter) -> None:
        self.service = service
        self.presenter = presenter

    def register(self, app: Application) -> None:  # type: ignore[type-arg]
        # Only new messages: an edited /imagine must not be drawn (and paid for) a second time.
        new_only = filters.UpdateType.MESSAGE
        app.add_handler(CommandHandler(["start", "help"], self.start, filters=new_only))
        app.add_handler(CommandHandler("imagine", self.imagine, filters=new_only))
        app.add_handler(
            MessageHandler(
                filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE,
                self.text_prompt,
            )
        )
        app.add_handler(CallbackQueryHandler(self.press, pattern=f"^{CALLBACK_PREFIX}[A-Za-z0-9_-]+$"))
        app.add_error_handler(self.on_error)

    async def start(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is not None:
            await message.reply_html(text(_language(update.effective_user), "start"))

    async def imagine(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        await self._run_prompt(update, message, _after_command(message))

    async def text_prompt(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is not None and message.text:
            await self._run_prompt(update, message, message.text)

    async def _run_prompt(self, update: Update, message: Message, raw_prompt: str) -> None:
        prompt = normalize_prompt(raw_prompt)
        lang = _language(update.effective_user)
        if not prompt:
            await message.reply_html(text(lang, "imagine_usage"), do_quote=True)
            return
        origin = _origin(message, update.effective_user, message.message_id)
        await self._start_job(await self.service.create_imagine(origin, prompt))

    async def press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None or query.data is None or query.message is None:
            return
        lang = _language(query.from_user)
        key = query.data.removeprefix(CALLBACK_PREFIX)
        origin = _origin(query.message, query.from_user, query.message.message_id)
        try:
            job = await self.service.create_action(origin, key)
        except UnknownButton:
            await _answer(query, plain_text(lang, "press_unknown"), alert=True)
            return
        except AlreadyRunning:
            await _answer(query, plain_text(lang, "press_running"))
            return
        await _answer(query, plain_text(lang, "press_started", label=action_title(job)))
        await self._start_job(job)

    async def _start_job(self, job: Job) -> None:
        try:
            status_message_id = await self.presenter.send_status(job)
        except BaseException:
            await self.service.discard(job)  # nothing was sent to the provider
            raise
        await self.service.submit(job, status_message_id)

    async def on_error(self, update: object, context: Context) -> None:
        log.error("error while handling an update", exc_info=context.error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if isinstance(context.error, TelegramError) and not isinstance(context.error, BadRequest):
            return  # Telegram itself is struggling; another message would not get through either
        try:
            await context.bot.send_message(
                update.effective_chat.id,
                text(_language(update.effective_user), "error_internal"),
                parse_mode=ParseMode.HTML,
            )
        except TelegramError:
            log.warning("could not tell the user about the error")


def normalize_prompt(raw: str) -> str:
    """Telegram clients turn `--` into an em dash; Midjourney parameters need the two hyphens back."""
    return " ".join(raw.replace("—", "--").split())


def _after_command(message: Message) -> str:
    assert message.text is not None
    parts = message.text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


def _language(user: User | None) -> str:
    return language_of(user.language_code if user else None)


def _origin(message: MaybeInaccessibleMessage, user: User | None, reply_to: int) -> Origin:
    is_topic = isinstance(message, Message) and bool(message.is_topic_message)
    return Origin(
        chat_id=message.chat.id,
        user_id=user.id if user else 0,
        user_name=user.full_name if user else "",
        language=_language(user),
        thread_id=message.message_thread_id if is_topic and isinstance(message, Message) else None,
        request_message_id=reply_to,
    )


async def _answer(query: CallbackQuery, message: str, *, alert: bool = False) -> None:
    try:
        await query.answer(message[:200], show_alert=alert)
    except BadRequest as exc:  # the query expired; the action goes on regardless
        log.info("callback answer failed: %s", exc)
