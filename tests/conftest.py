"""Shared fixtures: the fake Telegram Bot API, the MJ simulator, and the real bot wired between them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.app import BotRuntime, build, start, stop
from bot.config import Settings
from bot.simulator import Simulator, SimulatorConfig
from bot.telegram.sending import Budgets
from tests.fake_telegram import FakeTelegram

BOT_TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
MJ_KEY = "sk-sim-secret-key-0042"
# Telegram's budgets sixty times faster (a chat's one message a second, a group's twenty a minute): the tests
# would spend most of their time waiting otherwise. tests/test_sending.py runs the bot with the real ones.
QUICK = Budgets(chat_spacing=1 / 60, chat_margin=0.15 / 60, group_span=1.0)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(token=BOT_TOKEN, bot_username="mj_test_bot")
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator(
        SimulatorConfig(
            api_key=MJ_KEY,
            queue_seconds=0.2,
            submitted_seconds=0.2,
            render_seconds=0.6,
            progress_steps=(10, 50, 90),
            image_size=256,
        )
    )
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
def settings_for(tg: FakeTelegram, sim: Simulator, tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "telegram_bot_token": tg.token,
            "telegram_api_base_url": f"{tg.url}/bot",
            "telegram_file_base_url": f"{tg.url}/file/bot",
            "mj_base_url": sim.base_url,
            "mj_api_key": MJ_KEY,
            "database_path": tmp_path / "data" / "mjbot.sqlite3",
            "poll_interval": 0.05,
            "status_edit_interval": 0.0,
            "mj_timeout": 5.0,
            # The features tested elsewhere are everyone's; access, limits and the local queue have their
            # own tests, which set these as an operator would.
            "access": "open",
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return make


@asynccontextmanager
async def running(settings: Settings, *, budgets: Budgets | None = QUICK) -> AsyncIterator[BotRuntime]:
    bot = build(settings, budgets=budgets)
    await start(bot)
    try:
        yield bot
    finally:
        await stop(bot)


@pytest.fixture
async def bot(settings_for: Callable[..., Settings]) -> AsyncIterator[BotRuntime]:
    async with running(settings_for()) as runtime:
        yield runtime
