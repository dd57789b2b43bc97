"""/imagine <prompt>, and plain text in private chats."""

from __future__ import annotations

from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot.jobs import JobService
from bot.telegram.handlers.common import language, origin_of
from bot.telegram.texts import text

# Only new messages: an edited /imagine must not be drawn (and paid for) a second time.
_NEW = filters.UpdateType.MESSAGE


def register(app: Application[Any, Any, Any, Any, Any, Any], service: JobService) -> None:
    async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text is not None:
            await _imagine(service, update, message, _after_command(message.text))

    async def plain_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text:
            await _imagine(service, update, message, message.text)

    app.add_handler(CommandHandler("imagine", command, filters=_NEW))
    private_text = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND & _NEW
    app.add_handler(MessageHandler(private_text, plain_text))


async def _imagine(service: JobService, update: Update, message: Message, raw_prompt: str) -> None:
    prompt = normalize_prompt(raw_prompt)
    if not prompt:
        await message.reply_html(text(language(update.effective_user), "imagine_usage"), do_quote=True)
        return
    await service.imagine(origin_of(message, update.effective_user), prompt)


def normalize_prompt(raw: str) -> str:
    """Telegram clients turn `--` into an em dash; Midjourney parameters need the two hyphens back."""
    return " ".join(raw.replace("—", "--").split())


def _after_command(message_text: str) -> str:
    parts = message_text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""
