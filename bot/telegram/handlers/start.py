"""/start and /help."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.telegram.handlers.common import language
from bot.telegram.texts import text


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler(["start", "help"], start, filters=filters.UpdateType.MESSAGE))


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_html(text(language(update.effective_user), "start"))
