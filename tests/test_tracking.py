"""Tracking across provider dialects, the per-task fetch fallback, MODAL tasks and lost downloads."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from bot.app import BotRuntime
from bot.config import Settings
from bot.mj import AuthStyle
from bot.simulator import Simulator
from tests.conftest import MJ_KEY, running
from tests.fake_telegram import FakeTelegram
from tests.test_flow import GRID_ROWS, finished, showing, status_reply_to


@pytest.mark.parametrize(
    ("dialect", "auth_style"),
    [("plus", "bearer"), ("nz", "mj-api-secret"), ("ta", "raw"), ("na", "bearer"), ("uniapi", "bearer")],
)
async def test_imagine_and_upscale_on_every_dialect(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings], dialect: str, auth_style: str
) -> None:
    sim.config.dialect = dialect
    sim.config.auth_style = auth_style
    async with running(settings_for(mj_auth_style=AuthStyle(auth_style))):
        chat = tg.private_chat()
        request = tg.send_text(chat, "/imagine a fox on every relay")
        grid = await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)
        assert grid.button_rows == GRID_ROWS
        tg.press(chat, grid.message_id, grid.callback_data_for("U4"))
        upscale = await finished(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id)
    assert "Image #4" in upscale.plain_text
    assert upscale.has_button("🪄 Vary (Strong)")


async def test_speed_prefix_is_used_for_every_request(tg: FakeTelegram, sim: Simulator, settings_for) -> None:
    async with running(settings_for(mj_speed="relax")):
        chat = tg.private_chat()
        request = tg.send_text(chat, "/imagine a relaxed fox")
        await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)
    api_paths = [r.path for r in sim.requests if not r.path.startswith("/images/")]
    assert api_paths
    assert all(p.startswith("/mj-relax/mj/") for p in api_paths), api_paths


async def test_all_running_jobs_share_one_lookup_per_round(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    statuses = []
    for n in range(3):
        request = tg.send_text(chat, f"/imagine fox number {n}")
        statuses.append(await status_reply_to(tg, chat, request.message_id))
    for status in statuses:
        await finished(tg, chat, status.message_id)
    lookups = [r for r in sim.requests if r.path.endswith("/task/list-by-condition")]
    assert any(len((r.json or {}).get("ids", [])) == 3 for r in lookups)  # three tasks, one request
    assert not [r for r in sim.requests if r.path.endswith("/fetch")]


async def test_providers_without_list_by_condition_are_polled_per_task(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    sim.config.list_by_condition = False
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine an old-fashioned fox")
    grid = await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)
    assert grid.button_rows == GRID_ROWS
    assert [r for r in sim.requests if r.path.endswith("/fetch")]
    assert bot.tracker.per_task_fetch


async def test_an_action_that_needs_input_says_so(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a fox to zoom")
    grid = await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)
    tg.press(chat, grid.message_id, grid.callback_data_for("U1"))
    upscale = await finished(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id)
    tg.press(chat, upscale.message_id, upscale.callback_data_for("🔍 Custom Zoom"))
    status = await status_reply_to(tg, chat, upscale.message_id)
    shown = await showing(tg, chat, status.message_id, "needs extra input")
    assert shown.reply_markup is None


async def test_a_task_found_in_modal_while_tracking_says_so(tg: FakeTelegram, sim: Simulator, bot) -> None:
    # A new-api relay answers code 1 for a remix press, and the task then sits in MODAL (mj-api.md §4).
    sim.config.dialect = "na"
    sim.config.remix = True
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a remixed fox")
    grid = await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)
    tg.press(chat, grid.message_id, grid.callback_data_for("V2"))
    status = await status_reply_to(tg, chat, grid.message_id)
    await showing(tg, chat, status.message_id, "needs extra input")


async def test_a_result_that_cannot_be_downloaded_keeps_the_link(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    sim.config.public_base_url = dead
    bot.images._attempts = 1  # keep the test quick; production retries three times
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a fox behind a firewall")
    status = await status_reply_to(tg, chat, request.message_id)
    shown = await finished(tg, chat, status.message_id)
    assert "couldn't download it" in shown.plain_text
    links = [e["url"] for e in shown.caption_entities if e.get("type") == "text_link"]
    assert len(links) == 1
    assert links[0].startswith(dead)
    assert shown.button_rows == GRID_ROWS  # the job itself succeeded: its buttons work
    assert MJ_KEY not in shown.plain_text
