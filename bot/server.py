"""The bot's one HTTP server (when PUBLIC_URL is set): the Mini App's pages today, and /healthz.

Features contribute their routes; the server only listens. It sits behind the operator's TLS proxy, which
forwards PUBLIC_URL to PORT.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiohttp import web

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


async def _healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")
