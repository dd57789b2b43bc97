"""The MJ simulator as a process of its own, with a log of the requests it served.

`python -m bench.simproc '<SimulatorConfig as JSON>'` prints the provider's base URL on its first line and
serves until stdin closes; `"result_bytes": n` among the options serves a noise PNG of about n bytes as
every task's result. `GET /_bench/requests` lists `[epoch seconds, method, path]` for every request
(the control routes left out), which the benchmark counts by endpoint.
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import random
import re
import sys
import time
from typing import Any

from aiohttp import web
from PIL import Image

from bot.simulator import Simulator, SimulatorConfig

_Handler = Any


_RESULT = re.compile(r"/images/\d+\.png")  # a task's result (previews and grid cells have a suffix)


def noise_png(size_bytes: int) -> bytes:
    """A PNG of random pixels about `size_bytes` long: noise does not compress, like a detailed upscale."""
    side = int(math.sqrt(size_bytes / 3))
    pixels = random.Random(7).randbytes(side * side * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


class LoggedSimulator(Simulator):
    def __init__(self, config: SimulatorConfig, result_png: bytes | None = None) -> None:
        super().__init__(config)
        self.served: list[tuple[float, str, str]] = []
        self.result_png = result_png  # served as every task's result instead of the simulator's render

    def make_app(self) -> web.Application:
        app = super().make_app()
        app.middlewares.insert(0, self._log)
        if self.result_png is not None:
            app.middlewares.insert(1, self._big_result)
        app.router.add_get("/_bench/requests", self._requests)
        return app

    @web.middleware
    async def _log(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        if not request.path.startswith(("/_sim/", "/_bench/")):
            self.served.append((time.time(), request.method, request.path))
        response: web.StreamResponse = await handler(request)
        return response

    @web.middleware
    async def _big_result(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        if self.result_png is not None and _RESULT.fullmatch(request.path):
            return web.Response(body=self.result_png, content_type="image/png")
        response: web.StreamResponse = await handler(request)
        return response

    async def _requests(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.served)


async def _serve(config: SimulatorConfig, result_bytes: int | None) -> None:
    simulator = LoggedSimulator(config, noise_png(result_bytes) if result_bytes else None)
    url = await simulator.start()
    print(url, flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # the benchmark closes our stdin to stop us
    await simulator.stop()


def main() -> None:
    options = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    result_bytes = options.pop("result_bytes", None)
    config = SimulatorConfig()
    config.update(options)
    asyncio.run(_serve(config, result_bytes))


if __name__ == "__main__":
    main()
