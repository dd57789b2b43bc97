"""What no other handler took: an unknown command gets a pointer to /help, a stale or forged button a polite no.

Registered last in handler group 0, so it sees only what every feature before it left alone.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.telegram.handlers.common import answer, command_of, language, say
from bot.telegram.texts import plain_text


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, command))
    app.add_handler(CallbackQueryHandler(press))


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    command = command_of(message) if message is not None and message.text else None
    if message is None or command is None:
        return
    name, addressee = command  # Telegram's command, not the rest of the first word
    if addressee.lower() != (context.bot.username or "").lower() and (addressee or message.chat.type != "private"):
        return  # in a group, a command without our name may be another bot's
    await say(message, language(update.effective_user), "command_unknown", command=html.escape(name))


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """callback_data no handler knows: a button of an older version of the bot, or a forged one."""
    query = update.callback_query
    if query is not None:
        await answer(query, plain_text(language(query.from_user), "press_unknown"), alert=True)
