"""One person sending too much: past their budget per minute, what they send is dropped with one polite word.

It runs before everything else (the gate included), so a flood costs no database or provider work. Only what
asks the bot for something counts: a button press, a message in a private chat, and in a group a command for
this bot or a reply to it (group chatter, edits, reactions and member updates do not). An album is one
request, however many pictures it has; the bot's operators are never limited. An anonymous admin or a channel
writing in a group counts as that group or channel, not as Telegram's one stand-in account they all share.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.telegram.handlers.common import addressed, answer, language
from bot.telegram.texts import plain_text, text

FLOOD_GROUP = -3  # before the gate (-2): handler groups run in ascending order, one handler each
WINDOW = 60.0
_FORGET_AFTER = 10_000  # people tracked before the quiet ones are forgotten


class FloodGuard:
    def __init__(self, per_minute: int, *, exempt: frozenset[int], clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = per_minute
        self._exempt = exempt
        self._clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._told: dict[int, float] = {}  # when each person was last told to slow down
        self._albums: dict[int, str] = {}  # the album each person sent last: its other pictures are free

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        if self._limit > 0:
            app.add_handler(TypeHandler(Update, self.check), group=FLOOD_GROUP)

    async def check(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        if user is None or user.id in self._exempt:
            return
        sender = _requester(update, context.bot)
        if sender is None or self._same_album(sender, update):
            return
        now = self._clock()
        seen = self._seen.setdefault(sender, deque())
        while seen and seen[0] <= now - WINDOW:
            seen.popleft()
        if len(seen) < self._limit:
            seen.append(now)
            self._forget_quiet(now)
            return
        await self._slow_down(update, sender, math.ceil(seen[0] + WINDOW - now), now)
        raise ApplicationHandlerStop

    def _same_album(self, user_id: int, update: Update) -> bool:
        album = update.message.media_group_id if update.message else None
        if album is None:
            return False
        same = self._albums.get(user_id) == album
        self._albums[user_id] = album
        return same

    async def _slow_down(self, update: Update, user_id: int, seconds: int, now: float) -> None:
        lang = language(update.effective_user)
        if update.callback_query is not None:  # a press must be answered, or its button spins
            await answer(update.callback_query, plain_text(lang, "flood_wait", seconds=seconds))
            return
        if now - self._told.get(user_id, -WINDOW) < WINDOW or update.effective_chat is None:
            return  # told once a minute is enough
        self._told[user_id] = now
        message = update.effective_message
        with contextlib.suppress(TelegramError):  # a person flooding a chat that refuses us: nothing more to say
            await update.get_bot().send_message(
                update.effective_chat.id,
                text(lang, "flood_wait", seconds=seconds),
                message_thread_id=message.message_thread_id if message and message.is_topic_message else None,
            )

    def _forget_quiet(self, now: float) -> None:
        if len(self._seen) <= _FORGET_AFTER:
            return
        for user_id in [u for u, seen in self._seen.items() if not seen or seen[-1] <= now - WINDOW]:
            del self._seen[user_id]
            self._told.pop(user_id, None)
            self._albums.pop(user_id, None)


def _requester(update: Update, bot: Bot) -> int | None:
    """Who asks the bot for something with this update (a chat's id for anonymous senders), or None."""
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    message, user = update.message, update.effective_user
    if message is None or user is None or not addressed(message, bot):
        return None
    return message.sender_chat.id if message.sender_chat is not None else user.id
