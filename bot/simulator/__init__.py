"""A local midjourney-proxy provider for tests, demos and benchmarks.

    sim = Simulator(SimulatorConfig(render_seconds=0.5))
    base_url = await sim.start()          # e.g. http://127.0.0.1:54321 (in front of /mj)
    ...
    await sim.stop()

`run_simulator(host, port, config)` serves until Ctrl-C (the `mjbot simulator` command).

notifyHook callbacks are sent while the server runs (`sim.callbacks` records each attempt); video clips need
PyAV, the `simulator` extra (`pip install 'mjbot[simulator]'`).
"""

from bot.simulator.config import CallbackAttempt, RecordedRequest, SimulatorConfig
from bot.simulator.server import Simulator, create_app, run_simulator
from bot.simulator.state import SimTask

__all__ = [
    "CallbackAttempt",
    "RecordedRequest",
    "SimTask",
    "Simulator",
    "SimulatorConfig",
    "create_app",
    "run_simulator",
]
