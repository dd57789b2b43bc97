"""The provider's notifyHook callbacks (docs/provider-api.md §11), on the bot's one HTTP server.

Callbacks are unsigned, so the path carries a token only the provider is told, and a body is only a hint:
it names a task, and the scheduler fetches that task from the provider itself before anything changes.
A forged or malformed body therefore changes nothing; a real one saves waiting for the next poll.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.mj.models import as_id

log = logging.getLogger(__name__)

CALLBACK_PATH = "/mj-callback/"


def callback_routes(token: str, heard_of: Callable[[str], Awaitable[bool]]) -> list[web.AbstractRouteDef]:
    """POST /mj-callback/<token>: `heard_of(task_id)` is told which task the provider says changed."""

    async def receive(request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
        except ValueError:
            log.info("a provider callback that is not JSON was ignored")
            return web.Response(status=400, text="not JSON")
        task_id = as_id(body.get("id")) if isinstance(body, dict) else None
        if task_id is None or len(task_id) > 64:
            log.info("a provider callback without a task id was ignored")
            return web.Response(status=400, text="no task id")
        await heard_of(task_id)
        return web.Response(text="ok")  # proxies only log other answers (§11)

    return [web.post(CALLBACK_PATH + token, receive)]
