"""What every handler reads off an update: who, where, in which language."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, MaybeInaccessibleMessage, Message, User
from telegram.error import BadRequest

from bot.jobs import Origin
from bot.jobs.prompts import normalized
from bot.telegram.texts import language_of, text

log = logging.getLogger(__name__)


def language(user: User | None) -> str:
    return language_of(user.language_code if user else None)


def origin_of(message: MaybeInaccessibleMessage, user: User | None) -> Origin:
    """The job's origin: this chat and topic, answering `message`."""
    is_topic = isinstance(message, Message) and bool(message.is_topic_message)
    return Origin(
        chat_id=message.chat.id,
        user_id=user.id if user else 0,
        user_name=user.full_name if user else "",
        language=language(user),
        thread_id=message.message_thread_id if is_topic and isinstance(message, Message) else None,
        request_message_id=message.message_id,
    )


def normalize_prompt(raw: str) -> str:
    """Telegram clients turn `--` into an em dash; control characters and bidi overrides go."""
    return normalized(raw)


async def say(message: Message, lang: str, key: str, **values: object) -> None:
    """Answer a person's message with one of the catalogue's messages."""
    await message.reply_html(text(lang, key, **values), do_quote=True)


async def answer(query: CallbackQuery, message: str, *, alert: bool = False) -> None:
    """Answer a button press (Telegram shows a spinner until then); an expired query is no reason to stop."""
    try:
        await query.answer(message[:200] or None, show_alert=alert)
    except BadRequest as exc:
        log.info("callback answer failed: %s", exc)
