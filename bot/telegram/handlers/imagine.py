"""/imagine <prompt> (also in reply to a picture), plain text in private chats, /shorten, /seed."""

from __future__ import annotations

from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot.jobs import InputProblem, JobService
from bot.telegram.handlers.common import language, normalize_prompt, origin_of, say
from bot.telegram.handlers.presses import tell_seed
from bot.telegram.handlers.questions import answered
from bot.telegram.pictures import download, picture_in

# Only new messages: an edited /imagine must not be drawn (and paid for) a second time.
_NEW = filters.UpdateType.MESSAGE


def register(app: Application[Any, Any, Any, Any, Any, Any], service: JobService) -> None:
    async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text is not None:
            await _imagine(service, update, message, _after_command(message.text))

    async def plain_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text and not await answered(service, update, message):
            await _imagine(service, update, message, message.text)

    async def shorten(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        prompt = normalize_prompt(_after_command(message.text))
        if not prompt:
            await say(message, language(update.effective_user), "shorten_usage")
            return
        await service.shorten(origin_of(message, update.effective_user), prompt)

    async def seed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        lang = language(update.effective_user)
        if message.reply_to_message is None:
            await say(message, lang, "seed_usage")
            return
        result_id = message.reply_to_message.message_id
        await tell_seed(service, message, result_id, origin_of(message, update.effective_user), lang)

    app.add_handler(CommandHandler("imagine", command, filters=_NEW))
    app.add_handler(CommandHandler("shorten", shorten, filters=_NEW))
    app.add_handler(CommandHandler("seed", seed, filters=_NEW))
    private_text = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND & _NEW
    app.add_handler(MessageHandler(private_text, plain_text))


async def _imagine(service: JobService, update: Update, message: Message, raw_prompt: str) -> None:
    """A prompt; a picture it replies to becomes its image prompt, or its reference after a bare --sref."""
    prompt, lang = normalize_prompt(raw_prompt), language(update.effective_user)
    if not prompt:
        await say(message, lang, "imagine_usage")
        return
    replied = picture_in(message.reply_to_message, images_only=True)
    try:
        pictures = [await download(message.get_bot(), replied)] if replied is not None else []
        await service.imagine(origin_of(message, update.effective_user), prompt, pictures)
    except InputProblem as exc:
        await say(message, lang, f"input_{exc.reason}")


def _after_command(message_text: str) -> str:
    parts = message_text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""
