"""What the operator reads: the real bot process with LOG_FORMAT=json, one drawing that succeeds, one refused.

Every line the process prints must be one JSON object; each job's outcome is one line with its fields; INFO
carries no per-request or scheduler chatter; and neither secret is anywhere in the output. And what the
container asks: `mjbot healthcheck`, with nothing configured but the data path.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.simulator import Simulator
from tests.conftest import MJ_KEY, running
from tests.fake_telegram import FakeTelegram
from tests.test_flow import GRID_ROWS, finished, showing, status_reply_to
from tests.test_kill import BotProcess, bot_environment, polling


def _entries(output: str) -> list[dict[str, Any]]:
    entries = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert all(isinstance(entry, dict) for entry in entries)
    return entries


async def test_json_logs_have_one_line_per_job_outcome_and_no_chatter(
    tg: FakeTelegram, sim: Simulator, tmp_path: Path
) -> None:
    env = bot_environment(tg, sim, tmp_path, LOG_FORMAT="json", LOG_LEVEL="INFO", POLL_INTERVAL="0.05")
    bot = BotProcess(env, tmp_path, tmp_path / "bot.log")
    alice, bob = tg.private_chat(), tg.private_chat(2002, "Bob", "bob")
    bot.start()
    await polling(tg)
    drawn = tg.send_text(alice, "/imagine a fox in the log")
    refused = tg.send_text(bob, "/imagine a badword fox")
    grid = await finished(tg, alice, (await status_reply_to(tg, alice, drawn.message_id)).message_id)
    told = await showing(tg, bob, (await status_reply_to(tg, bob, refused.message_id)).message_id, "won't accept")
    assert await bot.stop() == 0

    assert grid.button_rows == GRID_ROWS
    assert "is not allowed" in told.plain_text
    entries = _entries(bot.log())
    outcomes = [e for e in entries if "job" in e]
    assert sorted((e["chat"], e["kind"], e["state"]) for e in outcomes) == [
        (alice.id, "imagine", "succeeded"),
        (bob.id, "imagine", "refused"),
    ]
    succeeded = next(e for e in outcomes if e["state"] == "succeeded")
    assert succeeded["task"] in sim.tasks
    assert 0 < succeeded["seconds"] < 60
    assert succeeded["level"] == "INFO"
    assert succeeded["logger"] == "bot.jobs.runner"
    assert succeeded["message"].startswith(f"job {succeeded['job']} (imagine) succeeded in chat {alice.id}")
    assert all(e["time"].endswith("Z") for e in entries)
    # Besides the jobs' own lines, INFO is start-up and shut-down only: no request lines, no scheduler ticks.
    lifecycle = {"bot.store.db", "bot.app", "bot.jobs.scheduler", "telegram.ext.Application"}
    assert {e["logger"] for e in entries if e["level"] == "INFO"} - {"bot.jobs.runner"} <= lifecycle
    assert all(e["message"].startswith("job ") for e in entries if e["logger"] == "bot.jobs.runner")
    assert not [e for e in entries if e["logger"] == "bot.jobs.scheduler" and "resuming" not in e["message"]]
    assert "traceback" not in json.dumps(entries)
    assert tg.token not in bot.log()
    assert MJ_KEY not in bot.log()


def _healthcheck(database: Path) -> subprocess.CompletedProcess[str]:
    """`mjbot healthcheck` as the container runs it: no token, no provider, only where the data lives."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_PATH": str(database)}
    return subprocess.run(
        [sys.executable, "-m", "bot", "healthcheck"],
        cwd=database.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_the_healthcheck_needs_only_the_data_path_and_sees_a_stale_heartbeat(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = settings_for()
    settings.database_path.parent.mkdir(parents=True)
    before = await asyncio.to_thread(_healthcheck, settings.database_path)
    async with running(settings):
        fresh = await asyncio.to_thread(_healthcheck, settings.database_path)
    heartbeat = settings.database_path.parent / "heartbeat"
    os.utime(heartbeat, (time.time() - 600, time.time() - 600))  # the bot hung ten minutes ago
    stale = await asyncio.to_thread(_healthcheck, settings.database_path)

    assert before.returncode == 1
    assert "unhealthy: no heartbeat" in before.stderr
    assert fresh.returncode == 0
    assert stale.returncode == 1
    assert re.fullmatch(r"unhealthy: last heartbeat 6\d\ds ago\n", stale.stderr)
