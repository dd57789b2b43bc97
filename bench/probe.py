"""`mjbot` with one measuring probe: the CPU time its image work takes, written out when it stops.

`python -m bench.probe` runs exactly what `python -m bot` runs (the same settings from the environment),
after wrapping the two functions that decode or re-encode images, `fit_photo` (a picture made fit for
sendPhoto) and `picture_size` (a result's dimensions), so that the time their threads spend in them is
counted. The totals go to the JSON file named by `BENCH_PROBE_FILE` at exit. With `BENCH_PROFILE=<file>` the
whole run is profiled (cProfile) into that file.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import bot.jobs.runner
import bot.telegram.display
from bot.cli import main

_T = TypeVar("_T")
_lock = threading.Lock()
_totals: dict[str, list[float]] = {}  # name → [calls, thread CPU seconds]


def _timed(name: str, function: Callable[..., _T]) -> Callable[..., _T]:
    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> _T:
        started = time.thread_time()  # the thread's own CPU: other threads running meanwhile are not counted
        try:
            return function(*args, **kwargs)
        finally:
            spent = time.thread_time() - started
            with _lock:
                entry = _totals.setdefault(name, [0.0, 0.0])
                entry[0] += 1
                entry[1] += spent

    return wrapper


def _write() -> None:
    path = os.environ.get("BENCH_PROBE_FILE")
    if path:
        with _lock:
            data = {name: {"calls": int(calls), "cpu_s": cpu} for name, (calls, cpu) in _totals.items()}
        with open(path, "w", encoding="utf-8") as out:
            json.dump(data, out)


bot.telegram.display.fit_photo = _timed("fit_photo", bot.telegram.display.fit_photo)  # type: ignore[assignment]
bot.jobs.runner.picture_size = _timed("picture_size", bot.jobs.runner.picture_size)  # type: ignore[assignment]
atexit.register(_write)

if __name__ == "__main__":
    if profile := os.environ.get("BENCH_PROFILE"):  # where the bot's own CPU goes, for `python -m pstats`
        import cProfile

        cProfile.run("main([])", profile)
    else:
        main([])
