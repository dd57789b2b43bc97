"""/start and /help: what the bot does, with examples; in a group, how to reach it there."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.telegram.commands import CommandMenus
from bot.telegram.handlers.common import language
from bot.telegram.texts import text


def register(app: Application[Any, Any, Any, Any, Any, Any], menus: CommandMenus) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None:
            return
        lang = language(user)
        if message.chat.type == message.chat.PRIVATE:
            await message.reply_html(text(lang, "start") + "\n\n" + text(lang, "start_more"))
            if user is not None:  # Telegram knows the operator's chat now: their menu can be set
                await menus.for_operator(user.id)
        else:
            await message.reply_html(text(lang, "start_group", bot=context.bot.username), do_quote=True)

    app.add_handler(CommandHandler(["start", "help"], start, filters=filters.UpdateType.MESSAGE))
