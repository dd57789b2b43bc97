"""notifyHook callbacks (provider docs §11): POST the task JSON to the task's hook on each change a proxy reports.

Task state is a function of wall-clock time, so changes happen without anyone noticing. A ticker looks at the
tasks that have a hook every TICK_SECONDS, lists the changes since its last look (`SimTask.change_times`) and
sends one callback per reported change, with the task JSON as `fetch` would have returned it at that moment:

- NZ, PLUS, UniAPI: every saved change: SUBMITTED (0%), each progress step, the terminal status;
- TA: the same, but only when `status:progress` moved forward (duplicates and regressions are dropped);
- new-api: none (it deletes `notifyHook` unless the operator enabled it); hooks are not even recorded.

NOT_START and MODAL are not reported. Delivery is one attempt, no retries: a non-2xx answer or a network error is
only logged, and every attempt is appended to `Simulator.callbacks`. Callbacks of one task go out in order; each
waits `callback_delay` after its change. Only tasks with a hook that have not reached (and reported) a terminal
status are looked at, so the ticker stays cheap with many tasks, and it sleeps while there are none.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

from bot.simulator.config import CallbackAttempt, SimulatorConfig
from bot.simulator.state import CANCEL, FAILURE, IN_PROGRESS, SUBMITTED, SUCCESS, TERMINAL, SimTask, task_json

logger = logging.getLogger(__name__)

TICK_SECONDS = 0.05
_TIMEOUT = aiohttp.ClientTimeout(total=10.0)
_HOOK_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
# Statuses proxies report, ranked for TA's "moved forward" rule.
_RANK = {SUBMITTED: 1, IN_PROGRESS: 2, SUCCESS: 3, FAILURE: 3, CANCEL: 3}


class _Provider(Protocol):
    config: SimulatorConfig
    tasks: dict[str, SimTask]
    callbacks: list[CallbackAttempt]

    @property
    def public_base(self) -> str: ...


@dataclass
class _Watch:
    url: str
    checked_ms: float  # changes up to here have been handled
    last: tuple[str, int] | None = None  # (status, progress) of the last callback sent
    tail: asyncio.Task[None] | None = None  # the task's latest delivery: the next one waits for it


def valid_hook(url: str | None) -> bool:
    return bool(url) and _HOOK_URL.match(url or "") is not None


def _reported(dialect: str, last: tuple[str, int] | None, key: tuple[str, int]) -> bool:
    if key[0] not in _RANK:
        return False  # NOT_START, MODAL
    if last is None:
        return True
    if dialect == "ta":
        return (_RANK[key[0]], key[1]) > (_RANK[last[0]], last[1])
    return key != last


class Notifier:
    """The callback machinery of one simulator: `watch` tasks, `start`/`stop` the ticker."""

    def __init__(self, provider: _Provider) -> None:
        self._provider = provider
        self._watches: dict[str, _Watch] = {}
        self._deliveries: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._ticker: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self.ticks = 0  # how many times the ticker looked; with `delivering`, lets a test see it has settled

    @property
    def watched(self) -> int:
        return len(self._watches)

    @property
    def delivering(self) -> int:
        return len(self._deliveries)

    def watch(self, task: SimTask) -> None:
        """Follow `task` if it has a usable hook (new-api drops hooks, so none is followed there)."""
        if self._provider.config.dialect == "na" or task.notify_hook is None:
            return
        if not valid_hook(task.notify_hook):
            logger.warning("notifyHook of task %s is not an http(s) URL; no callbacks", task.id)
            return
        # From just before the task was made, so that its first reported status is seen too.
        self._watches[task.id] = _Watch(url=task.notify_hook, checked_ms=task.submit_ms - 1.0)
        self._wake.set()

    async def start(self) -> None:
        if self._ticker is not None:
            return
        self._session = aiohttp.ClientSession(timeout=_TIMEOUT)
        self._ticker = asyncio.create_task(self._run(), name="mj-simulator-callbacks")

    async def stop(self) -> None:
        ticker, self._ticker = self._ticker, None
        pending = [*self._deliveries, *([ticker] if ticker is not None else [])]
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def _run(self) -> None:
        while True:
            if not self._watches:
                self._wake.clear()
                await self._wake.wait()
            try:
                self.tick(time.time() * 1000.0)
            except Exception:  # a bug here must not stop callbacks for good
                logger.exception("notifyHook ticker failed")
            self.ticks += 1
            await asyncio.sleep(TICK_SECONDS)

    def tick(self, now_ms: float) -> None:
        """Send what changed since the last tick; forget tasks whose terminal status was handled."""
        cfg = self._provider.config
        dialect = cfg.dialect
        for task_id, watch in list(self._watches.items()):
            task = self._provider.tasks.get(task_id)
            if task is None:
                del self._watches[task_id]
                continue
            if cfg.callbacks and dialect != "na":
                for at in task.change_times(watch.checked_ms, now_ms):
                    ph = task.phase(at)
                    key = (ph.status, ph.progress if ph.progress is not None else 0)
                    if not _reported(dialect, watch.last, key):
                        continue
                    watch.last = key
                    body = task_json(task, dialect, self._provider.public_base, at)
                    self._send(watch, task_id, body, at / 1000.0 + cfg.callback_delay)
            # Callbacks switched off are lost, not sent later: a provider whose callbacks never arrive.
            watch.checked_ms = now_ms
            if task.phase(now_ms).status in TERMINAL:
                del self._watches[task_id]

    def _send(self, watch: _Watch, task_id: str, body: dict[str, Any], due: float) -> None:
        if self._session is None:
            return
        delivery = asyncio.create_task(self._deliver(watch.tail, self._session, task_id, watch.url, body, due))
        watch.tail = delivery
        self._deliveries.add(delivery)
        delivery.add_done_callback(self._deliveries.discard)

    async def _deliver(
        self,
        previous: asyncio.Task[None] | None,
        session: aiohttp.ClientSession,
        task_id: str,
        url: str,
        body: dict[str, Any],
        due: float,
    ) -> None:
        if previous is not None and not previous.done():
            await asyncio.wait([previous])
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        payload = json.dumps(body, ensure_ascii=False).encode()
        sent = time.time()
        status: int | None = None
        error: str | None = None
        try:
            async with session.post(url, data=payload, headers={"Content-Type": "application/json"}) as response:
                await response.read()
                status = response.status
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # proxies only log a failed callback (provider docs §11)
            error = f"{type(exc).__name__}: {exc}".rstrip(": ") or type(exc).__name__
        self._provider.callbacks.append(
            CallbackAttempt(task_id=task_id, url=url, body=body, status=status, error=error, time=sent)
        )
        if error is not None:
            logger.warning("notifyHook %s for task %s failed (not retried): %s", url, task_id, error)
