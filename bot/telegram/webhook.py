"""Telegram updates by webhook: served on the bot's one HTTP server and handed to the Application's queue.

Telegram sends the secret given to setWebhook in a header on every request; a request without it is
refused with 403 and never reaches the handlers (core.telegram.org/bots/api#setwebhook).
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookReceiver:
    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], secret: str) -> None:
        self._app = app
        self._secret = secret.encode()

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.post(WEBHOOK_PATH, self.receive)]

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):  # constant time: the secret is not guessable by timing
            log.warning("a webhook request without the right secret token was refused (from %s)", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, self._app.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("a webhook request with the right secret carried no update: %s", exc)
            return web.Response(status=400, text="not an update")
        if update is None:
            return web.Response(status=400, text="not an update")
        await self._app.update_queue.put(update)
        return web.Response(text="ok")
