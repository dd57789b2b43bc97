"""What every handler reads off an update: who, where, in which language."""

from __future__ import annotations

import logging
from contextvars import ContextVar

from telegram import Bot, CallbackQuery, MaybeInaccessibleMessage, Message, MessageEntity, User
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.jobs import Origin
from bot.jobs.prompts import normalized
from bot.telegram.texts import language_of, text

log = logging.getLogger(__name__)

# The language the person behind the update being handled chose (each update is handled in its own task,
# so this never leaks from one person to another).
_chosen: ContextVar[tuple[int, str] | None] = ContextVar("chosen_language", default=None)


def choose_language(user_id: int, lang: str | None) -> None:
    """What the gate found the person chose (None: follow their Telegram language)."""
    _chosen.set((user_id, lang) if lang else None)


def language(user: User | None) -> str:
    """The person's chosen language, else their Telegram app's."""
    chosen = _chosen.get()
    if user is not None and chosen is not None and chosen[0] == user.id:
        return chosen[1]
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


def amount(lang: str, limit: int) -> str:
    """A limit in words: the number, or "no limit" for 0."""
    return str(limit) if limit else text(lang, "limit_none")


def addressed(message: Message, bot: Bot) -> bool:
    """Whether the message speaks to the bot: a private message, a reply to the bot, or a command for it."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    command = command_of(message)
    return command is not None and (not command[1] or command[1].lower() == (bot.username or "").lower())


def command_of(message: Message) -> tuple[str, str] | None:
    """The command a message starts with, as Telegram marks it (`/name`, and the bot named after @), or None."""
    entities = message.entities or message.caption_entities
    if not entities or entities[0].type != MessageEntity.BOT_COMMAND or entities[0].offset != 0:
        return None
    name, _, addressee = (message.text or message.caption or "")[: entities[0].length].partition("@")
    return name, addressee
