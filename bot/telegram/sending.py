"""The send path: every request that posts, edits or deletes a message waits here for Telegram's budgets.

Telegram allows about one message a second in a chat, 20 a minute in a group and about 30 a second in
all (the Bots FAQ); beyond that it answers 429 with a `retry_after`. PTB's `AIORateLimiter` cannot be
taught what this bot needs: it has no budget for a private chat, serves requests in the order they come
(a result waits behind every progress edit asked for before it), and a 429 in one chat makes it hold back
every request of the bot until the `retry_after` is over. So this is a `BaseRateLimiter` of our own —
PTB's hook for exactly this: PTB still builds and sends each request and turns Telegram's answers into
errors; this class only decides when a request may leave.

- Requests wait in lanes (`Lane`): answers to what a person just did, then results, then new status
  messages, then progress edits. Within a lane, first come, first served.
- Requests with the same key leave one after the other, each after Telegram answered the one before,
  so the edits of one message arrive in order. A progress edit still waiting is replaced by the next
  request with its key (a newer progress, or the outcome) instead of queueing behind it, and
  `withdraw` takes back a request that has not left yet.
- A group's minute is short (20 requests): progress edits may use only part of it
  (`Budgets.group_progress`), so a group's results never wait a minute behind edits nobody misses.
- A 429 holds back only the chat it came from, for its `retry_after`; the request then waits its turn
  again, at most `MAX_RETRIES` times before the 429 reaches the caller.
- An album counts as the messages it posts.
- What posts nothing in a chat (answering a button press, reading a file, the command menu) is not
  counted by Telegram and passes at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Coroutine, Hashable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

MAX_RETRIES = 5  # 429s one request may get before its caller hears of it (an outcome is then retried later)

# What Telegram counts against its budgets: messages posted, changed or removed in a chat.
_COUNTED = ("send", "edit", "copy", "forward", "delete")
_UNCOUNTED = frozenset({"sendChatAction"})

_Result = bool | dict[str, Any] | list[dict[str, Any]]


class Lane(IntEnum):
    """Who goes first when Telegram's budget is short; the lower value leaves earlier."""

    ANSWER = 0  # a reply to something a person just did
    RESULT = 1  # a job's outcome: what people wait for
    STATUS = 2  # a new job's status message: if its outcome comes first, the outcome is posted instead
    PROGRESS = 3  # an edit of a status message, worthless once a newer state or the outcome exists


@dataclass(frozen=True)
class Send:
    """How one request travels (PTB's `rate_limit_args`); without it, a request is an answer."""

    lane: Lane = Lane.ANSWER
    key: Hashable | None = None  # per chat: what it is about (a message, a job's status message)


class Overtaken(Exception):
    """The request never left: a newer one with its key replaced it, or it was withdrawn."""


@dataclass(frozen=True)
class Budgets:
    """Telegram's limits as this bot keeps them (the Bots FAQ numbers, with a margin).

    A chat may have a short burst (`chat_burst` requests at once, "short bursts are tolerated"), but
    never more than k requests in any k × `chat_spacing` seconds beyond that: so whatever window Telegram
    measures a chat's one message a second over, the bot stays inside it. A request reaches Telegram
    some time after it left here, and on a busy machine that time varies: so each request counts from
    when Telegram answered it (it arrived no later), and every budget keeps a little extra
    (`chat_margin`, the spans' extra).
    """

    chat_spacing: float = 1.0
    chat_burst: int = 3
    chat_margin: float = 0.15
    group_limit: int = 20
    group_span: float = 61.0
    group_progress: int = 10  # of a group's minute, what progress edits may use: the rest waits for results
    overall_limit: int = 30
    overall_span: float = 1.05


class _Window:
    """At most `limit` requests in any `span` seconds: a log of when the recent ones left."""

    __slots__ = ("hits", "limit", "span")

    def __init__(self, limit: int, span: float) -> None:
        self.limit, self.span = limit, span
        self.hits: deque[float] = deque()

    def free_at(self, now: float) -> float:
        while self.hits and self.hits[0] <= now - self.span:
            self.hits.popleft()
        return now if len(self.hits) < self.limit else self.hits[0] + self.span

    def idle(self, now: float) -> bool:
        return not self.hits or self.hits[-1] <= now - self.span

    def answered(self, left_at: float, now: float) -> None:
        """The request that left at `left_at` now counts from `now`: Telegram saw it no later than that."""
        with contextlib.suppress(ValueError):  # already out of the window
            self.hits.remove(left_at)
        self.hits.append(now)


@dataclass(eq=False)
class _Waiting:
    lane: Lane
    key: Hashable | None
    seq: int  # arrival order; a retried request keeps its place
    go: asyncio.Future[None]
    left_at: float = 0.0
    weight: int = 1  # messages it posts: an album is as many as it has pictures or clips

    @property
    def rank(self) -> tuple[int, int]:
        return self.lane, self.seq


class _Pace:
    """One chat's own budget: after `burst` requests at once, at most k requests in any k spacings."""

    __slots__ = ("burst", "free_at", "margin", "sent", "spacing")

    def __init__(self, burst: int, spacing: float, margin: float) -> None:
        self.burst, self.spacing, self.margin = burst, spacing, margin
        self.sent: deque[float] = deque(maxlen=64)  # newest first; older ones no longer hold anything back
        self.free_at = -math.inf

    def hit(self, now: float) -> None:
        self.sent.appendleft(now)
        self._recount()

    def answered(self, left_at: float, now: float) -> None:
        with contextlib.suppress(ValueError):
            self.sent.remove(left_at)
        self.sent = deque(sorted((*self.sent, now), reverse=True), maxlen=self.sent.maxlen)
        self._recount()

    def _recount(self) -> None:
        # The next request may go once, for every k ≥ burst, the k-th latest is k spacings old.
        self.free_at = (
            max((self.sent[k - 1] + k * self.spacing for k in range(self.burst, len(self.sent) + 1)), default=-math.inf)
            + self.margin
        )


@dataclass(eq=False)
class _Chat:
    pace: _Pace
    group: _Window | None
    group_progress: int
    waiting: list[_Waiting] = field(default_factory=list)
    busy: dict[Hashable, Lane] = field(default_factory=dict)  # keys with a request on its way, and its lane
    held_until: float = 0.0  # a 429's retry_after

    def ready_at(self, now: float) -> float:
        ready = max(self.held_until, self.pace.free_at)
        return max(ready, self.group.free_at(now)) if self.group is not None else ready

    def progress_at(self, now: float) -> float:
        """When a progress edit may go as far as the group's share for them is concerned."""
        if self.group is None:
            return now
        self.group.free_at(now)  # forgets what is out of the window
        hits, allowed = self.group.hits, self.group_progress
        return now if len(hits) < allowed else hits[len(hits) - allowed] + self.group.span

    def first(self, now: float) -> _Waiting | None:
        """The waiting request to send next: the best ranked whose key has nothing on its way."""
        progress = self.progress_at(now) <= now
        free = [
            w
            for w in self.waiting
            if (w.key is None or w.key not in self.busy)
            and (progress or w.lane is not Lane.PROGRESS)
            and not w.go.done()  # its caller gave up; it leaves the queue when that caller's task runs again
        ]
        return min(free, key=lambda w: w.rank) if free else None

    def idle(self, now: float) -> bool:
        """Nothing waits, nothing is on its way, and the chat's budgets are whole again: it can be forgotten."""
        quiet = now > self.held_until and (not self.pace.sent or self.pace.sent[0] + 64 * self.pace.spacing < now)
        return quiet and not self.waiting and not self.busy and (self.group is None or self.group.idle(now))


class Sender(BaseRateLimiter[Send]):
    def __init__(self, budgets: Budgets | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.budgets = budgets or Budgets()
        self._clock = clock
        self._overall = _Window(self.budgets.overall_limit, self.budgets.overall_span)
        self._chats: dict[int, _Chat] = {}
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None
        # Requests on their way that something more urgent now waits for (a status message whose outcome is
        # ready): if Telegram answers 429, they wait again in the results' lane, not in their own.
        self._awaited: set[tuple[int, Hashable]] = set()

    async def initialize(self) -> None:
        self._start()

    async def shutdown(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            await asyncio.gather(self._dispatcher, return_exceptions=True)
            self._dispatcher = None
        for chat in self._chats.values():
            for waiting in chat.waiting:
                if not waiting.go.done():  # a caller that gave up has a cancelled future already
                    waiting.go.set_exception(Overtaken("the bot is stopping"))
            chat.waiting.clear()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, _Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Send | None,
    ) -> _Result:
        chat_id = _counted_chat(endpoint, data)
        if chat_id is None:
            return await callback(*args, **kwargs)
        send, seq = rate_limit_args or Send(), next(self._seq)
        media = data.get("media") if endpoint == "sendMediaGroup" else None
        weight = len(media) if isinstance(media, list) and media else 1
        try:
            for attempt in itertools.count():
                if attempt and (chat_id, send.key) in self._awaited:
                    send = Send(min(send.lane, Lane.RESULT), send.key)
                left_at = await self._turn(chat_id, send, seq, retry=attempt > 0, weight=weight)
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as exc:
                    if attempt >= MAX_RETRIES:
                        log.warning("%s to chat %d: flood control %d times; giving up", endpoint, chat_id, attempt)
                        raise
                    self._hold(chat_id, exc, endpoint)
                finally:
                    self._left(chat_id, send.key, left_at, weight)
            raise AssertionError("unreachable")  # pragma: no cover
        finally:
            self._awaited.discard((chat_id, send.key))

    def withdraw(self, chat_id: int, key: Hashable) -> bool:
        """Take back the waiting request with this key (its caller gets `Overtaken`); False if none waits.

        One already on its way cannot be taken back; the caller waits for it, so should Telegram answer it
        429 it waits its next turn among the results.
        """
        chat = self._chats.get(chat_id)
        found = [w for w in chat.waiting if w.key == key] if chat is not None else []
        for waiting in found:
            self._drop(chat_id, waiting, "withdrawn")
        if not found and chat is not None and key in chat.busy:
            self._awaited.add((chat_id, key))
        return bool(found)

    # -- waiting for a turn ------------------------------------------------------------------------

    async def _turn(self, chat_id: int, send: Send, seq: int, *, retry: bool, weight: int = 1) -> float:
        """Wait until the request may leave; when it left (by the clock)."""
        chat = self._chat(chat_id)
        if send.key is not None:
            if retry and send.lane is Lane.PROGRESS and any(w.key == send.key for w in chat.waiting):
                raise Overtaken("a newer request for the same message is waiting")
            if send.lane is Lane.PROGRESS and (
                chat.busy.get(send.key, Lane.PROGRESS) is not Lane.PROGRESS
                or any(w.key == send.key and w.lane is not Lane.PROGRESS for w in chat.waiting)
            ):
                # Behind the outcome (or whatever else is on its way for this message) progress is stale.
                raise Overtaken("the message has newer news on its way")
            for older in [w for w in chat.waiting if w.key == send.key and w.lane is Lane.PROGRESS]:
                self._drop(chat_id, older, "replaced by a newer one")
        waiting = _Waiting(send.lane, send.key, seq, asyncio.get_running_loop().create_future(), weight=weight)
        chat.waiting.append(waiting)
        self._start()
        self._wake.set()
        try:
            await waiting.go
        except asyncio.CancelledError:
            if waiting in chat.waiting:
                chat.waiting.remove(waiting)
            elif waiting.go.done() and not waiting.go.cancelled() and waiting.go.exception() is None:
                self._left(chat_id, send.key, None, weight)  # it was let go the moment its caller gave up
            raise
        return waiting.left_at

    def _drop(self, chat_id: int, waiting: _Waiting, why: str) -> None:
        self._chats[chat_id].waiting.remove(waiting)
        if not waiting.go.done():
            waiting.go.set_exception(Overtaken(why))

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            b = self.budgets
            group = _Window(b.group_limit, b.group_span) if chat_id < 0 else None
            pace = _Pace(b.chat_burst, b.chat_spacing, b.chat_margin)
            chat = self._chats[chat_id] = _Chat(pace, group, b.group_progress)
        return chat

    def _hold(self, chat_id: int, exc: RetryAfter, endpoint: str) -> None:
        # The public `retry_after` warns until PTB settles on timedelta; PTB's own limiter reads this one.
        seconds = exc._retry_after.total_seconds()
        log.info("%s to chat %d: flood control, holding this chat back %.0f s", endpoint, chat_id, seconds)
        chat = self._chat(chat_id)
        chat.held_until = max(chat.held_until, self._clock() + seconds)

    def _left(self, chat_id: int, key: Hashable | None, left_at: float | None, weight: int) -> None:
        """Telegram answered (or the request failed): the next request with this key may go."""
        chat = self._chats.get(chat_id)
        if chat is not None and key is not None:
            chat.busy.pop(key, None)
        if left_at is not None:
            now = self._clock()
            for _ in range(weight):
                self._overall.answered(left_at, now)
                if chat is not None:
                    chat.pace.answered(left_at, now)
                    if chat.group is not None:
                        chat.group.answered(left_at, now)
        self._wake.set()

    # -- letting requests go -----------------------------------------------------------------------

    def _start(self) -> None:
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="telegram-sender")

    async def _dispatch(self) -> None:
        while True:
            self._wake.clear()
            try:
                delay = self._let_go()
            except Exception:  # a bug here must not leave every chat waiting for good
                log.exception("the send path failed to let requests go")
                delay = 1.0
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()

    def _let_go(self) -> float | None:
        """Let every request go that may go now; the seconds until the next one may (None: nothing waits)."""
        while True:
            now = self._clock()
            best: tuple[_Waiting, int, _Chat] | None = None
            wake = math.inf
            for chat_id, chat in list(self._chats.items()):
                if not chat.waiting:
                    if chat.idle(now):
                        del self._chats[chat_id]
                    continue
                ready = chat.ready_at(now)
                if ready > now:
                    wake = min(wake, ready)
                    continue
                first = chat.first(now)
                if first is None and (progress := chat.progress_at(now)) > now:
                    wake = min(wake, progress)  # only progress edits wait, for the group's share to free
                if first is not None and (best is None or first.rank < best[0].rank):
                    best = (first, chat_id, chat)
            if best is None:
                return None if wake == math.inf else wake - now
            overall = self._overall.free_at(now)
            if overall > now:
                return overall - now
            self._let(*best, now)

    def _let(self, waiting: _Waiting, chat_id: int, chat: _Chat, now: float) -> None:
        chat.waiting.remove(waiting)
        if waiting.key is not None:
            chat.busy[waiting.key] = waiting.lane
        for _ in range(waiting.weight):
            chat.pace.hit(now)
            if chat.group is not None:
                chat.group.hits.append(now)
            self._overall.hits.append(now)
        waiting.left_at = now
        waiting.go.set_result(None)


def _counted_chat(endpoint: str, data: dict[str, Any]) -> int | None:
    """The chat a request is counted against, or None when Telegram does not count it."""
    if not endpoint.startswith(_COUNTED) or endpoint in _UNCOUNTED:
        return None
    chat_id = data.get("chat_id")
    if isinstance(chat_id, bool):
        return None
    if isinstance(chat_id, int):
        return chat_id
    if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
        return int(chat_id)
    return None  # an @channel name, or nothing: sent at once
