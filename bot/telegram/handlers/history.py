"""Finding things again and stopping them: /history, /show <task id>, and ✖ under a job that waits or runs."""

from __future__ import annotations

import logging
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.jobs import Busy, CannotCancel, JobService, JobState, NotYours, UnknownJob
from bot.telegram.handlers.common import answer, language, origin_of, say
from bot.telegram.texts import plain_text
from bot.telegram.views import STOP_PREFIX, history_text

log = logging.getLogger(__name__)

_NEW = filters.UpdateType.MESSAGE
HISTORY_LENGTH = 10


def register(app: Application[Any, Any, Any, Any, Any, Any], service: JobService) -> None:
    async def history(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        jobs = await service.history(origin_of(message, update.effective_user), HISTORY_LENGTH)
        await message.reply_html(
            history_text(jobs, language(update.effective_user)), do_quote=True, disable_web_page_preview=True
        )

    async def show(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None:
            await _show(service, message, update, " ".join(context.args or []))

    async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is not None and query.data is not None and isinstance(query.message, Message):
            await _stop(service, query, query.message, int(query.data.removeprefix(STOP_PREFIX)))

    app.add_handler(CommandHandler("history", history, filters=_NEW))
    app.add_handler(CommandHandler("show", show, filters=_NEW))
    app.add_handler(CallbackQueryHandler(stop, pattern=f"^{STOP_PREFIX}[0-9]+$"))


async def _show(service: JobService, message: Message, update: Update, task_id: str) -> None:
    lang, origin = language(update.effective_user), origin_of(message, update.effective_user)
    if not task_id:
        await say(message, lang, "show_usage")
        return
    try:
        job = await service.find(origin, task_id)
        await service.show_again(origin, job)
    except UnknownJob:
        await say(message, lang, "show_unknown", task_id=task_id)
    except Busy:
        await say(message, lang, "show_running")


async def _stop(service: JobService, query: CallbackQuery, status: Message, job_id: int) -> None:
    lang = language(query.from_user)
    try:
        job = await service.stop(origin_of(status, query.from_user), job_id)
    except UnknownJob:
        await answer(query, plain_text(lang, "stop_finished"))
    except NotYours:
        await answer(query, plain_text(lang, "stop_not_yours"), alert=True)
    except Busy:
        await answer(query, plain_text(lang, "stop_busy"))
    except CannotCancel as exc:
        log.info("job %d: the provider would not cancel it: %s", job_id, exc.reason)
        await answer(query, plain_text(lang, "stop_not_offered"), alert=True)
    else:
        await answer(query, plain_text(lang, "stop_left_queue" if job.state is JobState.WAITING else "stop_done"))
