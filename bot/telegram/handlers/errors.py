"""The last resort: a handler that failed gets a polite word to the person and a traceback in the log.

A limit that stops a job is no failure: wherever it was raised (a command, a picture, a press), the
person is told which limit it was, in a reply or, for a press, in an alert.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ContextTypes

from bot.jobs.community import Community
from bot.jobs.policy import LimitReached
from bot.telegram.handlers.common import answer, language
from bot.telegram.texts import text
from bot.telegram.views import plain

log = logging.getLogger(__name__)


def register(app: Application[Any, Any, Any, Any, Any, Any], community: Community) -> None:
    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(context.error, LimitReached) and isinstance(update, Update):
            await _limit_reached(update, context.error, community)
            return
        await _failed(update, context)

    app.add_error_handler(on_error)


async def _limit_reached(update: Update, limit: LimitReached, community: Community) -> None:
    log.info("a job was not started: %s", limit)
    lang = language(update.effective_user)
    message = text(lang, f"limit_{limit.limit}", allowed=limit.allowed, used=limit.used, zone=community.rules.zone)
    if update.callback_query is not None:
        await answer(update.callback_query, plain(message), alert=True)
    elif update.effective_message is not None:
        try:
            await update.effective_message.reply_html(message, do_quote=True)
        except TelegramError as exc:
            log.warning("could not tell the user about the limit: %s", exc)


async def _failed(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(context.error, TelegramError) and not isinstance(context.error, BadRequest):
        return  # Telegram itself is struggling; another message would not get through either
    try:
        await context.bot.send_message(
            update.effective_chat.id,
            text(language(update.effective_user), "error_internal"),
            message_thread_id=_topic(update),
        )
    except TelegramError:
        log.warning("could not tell the user about the error")


def _topic(update: Update) -> int | None:
    message = update.effective_message
    return message.message_thread_id if message is not None and message.is_topic_message else None
