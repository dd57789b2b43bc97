"""The bot's one HTTP server (with PUBLIC_URL or MJ_CALLBACK_BASE_URL): Telegram's webhook, the provider's
callbacks, the Mini App's pages, and /healthz.

Features contribute their routes; the server only listens. It sits behind the operator's TLS proxy, which
forwards PUBLIC_URL to PORT. The URLs and secrets it is known by are derived here, from the bot token, so
they stay the same across restarts (tasks submitted before a restart still call back).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable

from aiohttp import web

from bot.callbacks import CALLBACK_PATH
from bot.config import Settings
from bot.telegram.webhook import WEBHOOK_PATH

log = logging.getLogger(__name__)


class WebServer:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.app = web.Application(client_max_size=8 * 1024 * 1024)  # a painted mask, never more
        self.app.router.add_get("/healthz", _healthz)
        self._runner: web.AppRunner | None = None

    def add_routes(self, routes: Iterable[web.AbstractRouteDef]) -> None:
        self.app.add_routes(list(routes))

    async def start(self) -> None:
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, self.host, self.port).start()
        self._runner = runner
        log.info("serving HTTP on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()


def _derived(settings: Settings, purpose: str) -> str:
    """A stable secret for `purpose` that reveals nothing of the token it is derived from."""
    token = settings.telegram_bot_token.get_secret_value().encode()
    return hmac.new(token, purpose.encode(), hashlib.sha256).hexdigest()


def webhook_url(settings: Settings) -> str | None:
    return f"{settings.public_url}{WEBHOOK_PATH}" if settings.public_url else None


def webhook_secret(settings: Settings) -> str:
    return _derived(settings, "telegram webhook secret token")


def callback_url(settings: Settings) -> str | None:
    """Where the provider posts notifyHook callbacks; the same after a restart, so older tasks still reach us."""
    base = settings.mj_callback_base_url or settings.public_url
    return f"{base}{CALLBACK_PATH}{callback_token(settings)}" if base else None


def callback_token(settings: Settings) -> str:
    return _derived(settings, "provider notifyHook path")[:32]


async def _healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")
