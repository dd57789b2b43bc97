"""Albums: Telegram delivers one message per picture, sharing a media_group_id, with no count and no end.

The parts are collected until none has arrived for a moment, then handed over once, together. Other
updates are served meanwhile: adding a part only starts a timer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Message

log = logging.getLogger(__name__)

QUIET_SECONDS = 1.2  # clients send an album's parts within a fraction of a second of each other
REMEMBER_SECONDS = 60.0  # how long a handled album is remembered, so a late part is not a new request

AlbumHandler = Callable[[list[Message]], Awaitable[None]]


class Albums:
    def __init__(self, on_album: AlbumHandler, *, quiet: float = QUIET_SECONDS) -> None:
        self._on_album = on_album
        self._quiet = quiet
        self._parts: dict[tuple[int, str], list[Message]] = {}
        self._timers: dict[tuple[int, str], asyncio.TimerHandle] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._handled: dict[tuple[int, str], float] = {}

    def add(self, message: Message) -> bool:
        """Collect a part; False for a part of an album that was already handed over (it came too late)."""
        assert message.media_group_id is not None
        key = (message.chat.id, message.media_group_id)
        now = asyncio.get_running_loop().time()
        self._handled = {k: t for k, t in self._handled.items() if now - t < REMEMBER_SECONDS}
        if key in self._handled:
            return False
        self._parts.setdefault(key, []).append(message)
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        self._timers[key] = asyncio.get_running_loop().call_later(self._quiet, self._complete, key)
        return True

    def arriving(self, chat_id: int) -> bool:
        """Whether an album is still coming in in this chat."""
        return any(chat == chat_id for chat, _ in self._parts)

    def _complete(self, key: tuple[int, str]) -> None:
        self._timers.pop(key, None)
        self._handled[key] = asyncio.get_running_loop().time()
        parts = sorted(self._parts.pop(key, []), key=lambda m: m.message_id)
        task = asyncio.create_task(self._hand_over(parts), name=f"album-{key[1]}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _hand_over(self, parts: list[Message]) -> None:
        try:
            await self._on_album(parts)
        except Exception:
            log.exception("an album of %d pictures could not be handled", len(parts))

    async def close(self) -> None:
        """Drop albums still arriving and let the ones being handled finish."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._parts.clear()
        if self._running:
            _, late = await asyncio.wait(self._running, timeout=10)
            for task in late:
                task.cancel()
