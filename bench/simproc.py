"""The MJ simulator as a process of its own, with a log of the requests it served.

`python -m bench.simproc '<SimulatorConfig as JSON>'` prints the provider's base URL on its first line and
serves until stdin closes. `GET /_bench/requests` lists `[epoch seconds, method, path]` for every request
(the control routes left out), which the benchmark counts by endpoint.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from aiohttp import web

from bot.simulator import Simulator, SimulatorConfig

_Handler = Any


class LoggedSimulator(Simulator):
    def __init__(self, config: SimulatorConfig) -> None:
        super().__init__(config)
        self.served: list[tuple[float, str, str]] = []

    def make_app(self) -> web.Application:
        app = super().make_app()
        app.middlewares.insert(0, self._log)
        app.router.add_get("/_bench/requests", self._requests)
        return app

    @web.middleware
    async def _log(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        if not request.path.startswith(("/_sim/", "/_bench/")):
            self.served.append((time.time(), request.method, request.path))
        response: web.StreamResponse = await handler(request)
        return response

    async def _requests(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.served)


async def _serve(config: SimulatorConfig) -> None:
    simulator = LoggedSimulator(config)
    url = await simulator.start()
    print(url, flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # the benchmark closes our stdin to stop us
    await simulator.stop()


def main() -> None:
    config = SimulatorConfig()
    config.update(json.loads(sys.argv[1]) if len(sys.argv) > 1 else {})
    asyncio.run(_serve(config))


if __name__ == "__main__":
    main()
