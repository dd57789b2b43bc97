"""The last resort: a handler that failed gets a polite word to the person and a traceback in the log."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ContextTypes

from bot.telegram.handlers.common import language
from bot.telegram.texts import text

log = logging.getLogger(__name__)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_error_handler(on_error)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
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
