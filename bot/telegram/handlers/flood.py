"""One person sending too much: past their budget per minute, what they send is dropped with one polite word.

It runs before everything else (the gate included), so a flood costs no database or provider work. An
album is one request, however many pictures it has; the bot's operators are never limited.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.telegram.handlers.common import answer, language
from bot.telegram.texts import plain_text, text

FLOOD_GROUP = -2  # before the gate (-1): handler groups run in ascending order
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
        if user is None or user.id in self._exempt or self._same_album(user.id, update):
            return
        now = self._clock()
        seen = self._seen.setdefault(user.id, deque())
        while seen and seen[0] <= now - WINDOW:
            seen.popleft()
        if len(seen) < self._limit:
            seen.append(now)
            self._forget_quiet(now)
            return
        await self._slow_down(update, user.id, math.ceil(seen[0] + WINDOW - now), now)
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
