"""The real bot process (`python -m bot`), killed with SIGKILL mid-job and mid-submit, then started again.

The fake Bot API and the simulator run in the test; the bot is a subprocess configured by environment
variables, as an operator runs it. The whole run's log and stderr (at DEBUG) are then searched for the
two secrets; so is the one-line answer to a Bot API URL that is no Bot API server.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.simulator import Simulator
from bot.simulator.config import Fault
from tests.conftest import MJ_KEY
from tests.fake_telegram import Chat, FakeTelegram
from tests.test_flow import GRID_ROWS, finished, showing, status_reply_to


def bot_environment(tg: FakeTelegram, sim: Simulator, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_API_BASE_URL": f"{tg.url}/bot",
        "TELEGRAM_FILE_BASE_URL": f"{tg.url}/file/bot",
        "MJ_BASE_URL": sim.base_url,
        "MJ_API_KEY": MJ_KEY,
        "DATABASE_PATH": str(tmp_path / "data" / "mjbot.sqlite3"),
        "POLL_INTERVAL": "0.1",
        "STATUS_EDIT_INTERVAL": "0",
        "LOG_LEVEL": "DEBUG",  # the worst case for secrets: every library's request lines
        **extra,
    }


class BotProcess:
    """`python -m bot` with its output (stdout and stderr together) appended to one file."""

    def __init__(self, env: dict[str, str], cwd: Path, output: Path) -> None:
        self._env, self._cwd, self.output = env, cwd, output
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.output.open("ab") as sink:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "bot"], cwd=self._cwd, env=self._env, stdout=sink, stderr=subprocess.STDOUT
            )

    async def kill(self) -> None:
        assert self._proc is not None
        self._proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(self._proc.wait, 30)

    async def stop(self) -> int:
        """SIGTERM, as `docker stop` sends; the event loop keeps serving the fakes while the bot shuts down."""
        assert self._proc is not None
        self._proc.send_signal(signal.SIGTERM)
        return await asyncio.to_thread(self._proc.wait, 60)

    def log(self) -> str:
        return self.output.read_text(errors="replace")


async def polling(tg: FakeTelegram) -> None:
    await tg.wait_for(lambda: tg.active_polls, timeout=60)


def _results(tg: FakeTelegram, chat: Chat) -> list[object]:
    """Every time a result (a keyboard) was put on a message in this chat."""
    return [
        c
        for c in tg.calls_to("editMessageMedia", "editMessageCaption", "sendPhoto", "sendMessage")
        if c.ok and c.params.get("chat_id") == chat.id and c.params.get("reply_markup")
    ]


def _task_for(sim: Simulator, words: str) -> str | None:
    return next((t.id for t in sim.tasks.values() if words in (t.prompt or "")), None)


async def test_sigkill_mid_job_and_mid_submit_delivers_every_result_exactly_once(
    tg: FakeTelegram, sim: Simulator, tmp_path: Path
) -> None:
    sim.config.render_seconds = 60.0  # nothing finishes on its own while the test looks
    sim.config.faults = [
        Fault("submit/imagine", "delay", prompt="mid-submit", seconds=30, after=True),  # made, answer held
        Fault("submit/imagine", "delay", prompt="never arrives", seconds=30),  # held before it is made
    ]
    bot = BotProcess(bot_environment(tg, sim, tmp_path), tmp_path, tmp_path / "bot.log")
    job, submit, lost = tg.private_chat(), tg.private_chat(2002, "Bob", "bob"), tg.private_chat(3003, "Cy", "cy")
    bot.start()
    await polling(tg)
    drawing = tg.send_text(job, "/imagine a fox mid-job")
    drawing_status = await status_reply_to(tg, job, drawing.message_id)
    await showing(tg, job, drawing_status.message_id, "Drawing…")
    sending = tg.send_text(submit, "/imagine a fox mid-submit")
    unsent = tg.send_text(lost, "/imagine a fox that never arrives")
    sending_status = await status_reply_to(tg, submit, sending.message_id)
    unsent_status = await status_reply_to(tg, lost, unsent.message_id)
    await tg.wait_for(lambda: _task_for(sim, "mid-submit"))  # the provider made it; its answer is on hold
    await tg.wait_for(lambda: len([r for r in sim.requests if r.path.endswith("/submit/imagine")]) == 3)
    await bot.kill()

    # While the bot is down, Midjourney finishes both tasks it has.
    for words in ("mid-job", "mid-submit"):
        task_id = _task_for(sim, words)
        assert task_id is not None
        sim.finish_now(task_id)
    bot.start()
    first = await finished(tg, job, drawing_status.message_id)
    second = await finished(tg, submit, sending_status.message_id)
    told = await showing(tg, lost, unsent_status.message_id, "cut off while it was being sent")
    for chat in (job, submit, lost):  # answered once everything before it was handled
        tg.send_text(chat, "/help")
    await tg.wait_for(
        lambda: all("I draw with Midjourney" in tg.bot_messages(c)[-1].plain_text for c in (job, submit, lost))
    )
    assert await bot.stop() == 0

    assert first.button_rows == GRID_ROWS
    assert second.button_rows == GRID_ROWS
    assert second.plain_text.startswith("a fox mid-submit")
    assert "may not have reached Midjourney" in told.plain_text
    assert len(_results(tg, job)) == 1
    assert len(_results(tg, submit)) == 1
    assert [m.message_id for m in tg.bot_messages(submit)][:1] == [sending_status.message_id]
    assert len([r for r in sim.requests if r.path.endswith("/submit/imagine")]) == 3  # nothing sent twice
    log = bot.log()
    assert "its lost submit reached the provider as task" in log
    assert "resuming 1 running jobs; 2 submits were cut off by the last stop" in log
    assert "Traceback" not in log
    assert tg.token not in log
    assert MJ_KEY not in log


async def test_a_bot_api_url_that_is_no_bot_api_is_one_line_without_secrets(sim: Simulator, tmp_path: Path) -> None:
    token, key = "8090123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9", "sk-provider-secret-0042"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TELEGRAM_BOT_TOKEN": token,
        "MJ_BASE_URL": "http://127.0.0.1:9",
        "MJ_API_KEY": key,
        "LOG_LEVEL": "DEBUG",
    }
    urls = (
        "http://127.0.0.1:9",  # no /bot
        "http://127.0.0.1:9/bot",  # nothing listens
        f"http://127.0.0.1:9/bot{token}",  # the token pasted into the URL
        f"{sim.base_url}/bot",  # a live HTTP server that is no Bot API (the provider's URL, swapped)
    )
    runs = []
    for url in urls:
        runs.append(
            await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "bot"],
                cwd=tmp_path,
                env={**env, "TELEGRAM_API_BASE_URL": url},
                capture_output=True,
                text=True,
                timeout=60,
            )
        )
    missing_bot, unreachable, with_token, not_telegram = runs
    assert missing_bot.returncode == 2
    assert "TELEGRAM_API_BASE_URL is invalid: expected the Bot API root ending in /bot" in missing_bot.stderr
    assert unreachable.returncode == 1
    assert "cannot reach the Bot API at http://127.0.0.1:9/bot (cannot connect)" in unreachable.stderr
    assert "must not contain the bot token" in with_token.stderr
    assert not_telegram.returncode == 1
    assert f"{sim.base_url}/bot answered HTTP 401, but not like a Telegram Bot API server" in not_telegram.stderr
    assert "TELEGRAM_BOT_TOKEN" not in not_telegram.stderr  # the token is not blamed
    for run in runs:
        assert "Traceback" not in run.stderr
        assert token not in run.stdout + run.stderr
        assert key not in run.stdout + run.stderr
