"""What no other handler took: an unknown command gets a pointer to /help, a stale or forged button a polite no.

Registered last in handler group 0, so it sees only what every feature before it left alone.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.telegram.handlers.common import answer, language, say
from bot.telegram.texts import plain_text


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, command))
    app.add_handler(CallbackQueryHandler(press))


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    entity = message.entities[0] if message.entities else None
    length = entity.length if entity is not None and entity.offset == 0 else len(message.text.split(maxsplit=1)[0])
    name, _, addressee = message.text[: min(length, 64)].partition("@")  # Telegram's command, not what follows
    if addressee.lower() != (context.bot.username or "").lower() and (addressee or message.chat.type != "private"):
        return  # in a group, a command without our name may be another bot's
    await say(message, language(update.effective_user), "command_unknown", command=html.escape(name))


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """callback_data no handler knows: a button of an older version of the bot, or a forged one."""
    query = update.callback_query
    if query is not None:
        await answer(query, plain_text(language(query.from_user), "press_unknown"), alert=True)
