"""Chat lifecycle: a group that becomes a supergroup keeps its jobs and buttons."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.jobs import JobService


def register(app: Application[Any, Any, Any, Any, Any, Any], service: JobService) -> None:
    async def migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            await service.chat_migrated(message.chat.id, message.migrate_to_chat_id)
        elif message.migrate_from_chat_id:
            await service.chat_migrated(message.migrate_from_chat_id, message.chat.id)

    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrated))
