"""What every handler reads off an update: who, where, in which language."""

from __future__ import annotations

from telegram import MaybeInaccessibleMessage, Message, User

from bot.jobs import Origin
from bot.telegram.texts import language_of


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
