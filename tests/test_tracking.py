"""Tracking across provider dialects, the per-task fetch fallback, MODAL tasks and lost downloads."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from bot.app import BotRuntime
from bot.config import Settings
from bot.jobs import Job, JobState
from bot.mj import AuthStyle
from bot.simulator import Simulator
from tests.conftest import MJ_KEY, running
from tests.fake_telegram import FakeTelegram, Message
from tests.test_flow import GRID_ROWS, MJ_GRID_ROWS, finished, showing, status_reply_to


@pytest.mark.parametrize(
    ("dialect", "auth_style"),
    [("plus", "bearer"), ("ta", "raw"), ("na", "bearer"), ("uniapi", "bearer")],
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


async def test_novicezk_grids_get_buttons_and_presses_go_through_change(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
) -> None:
    # novicezk's open-source proxy lists no buttons and has no /submit/action (docs/provider-api.md §8).
    sim.config.dialect = "nz"
    sim.config.auth_style = "mj-api-secret"
    async with running(settings_for(mj_auth_style=AuthStyle.MJ_API_SECRET)):
        chat = tg.private_chat()
        request = tg.send_text(chat, "/imagine a fox on a home-made proxy")
        grid = await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)
        assert grid.button_rows == GRID_ROWS
        tg.press(chat, grid.message_id, grid.callback_data_for("U2"))
        upscale_status = await status_reply_to(tg, chat, grid.message_id)
        upscale = await showing(tg, chat, upscale_status.message_id, "Image #2")
        document = await tg.wait_for(lambda: next((m for m in tg.bot_messages(chat) if m.document), None))
        tg.press(chat, grid.message_id, grid.callback_data_for("V1"))

        def variation_status() -> Message | None:
            replies = [m for m in tg.bot_messages(chat) if m.reply_to_message_id == grid.message_id and m.photo]
            return replies[1] if len(replies) > 1 else None

        variation = await finished(tg, chat, (await tg.wait_for(variation_status)).message_id)
    assert upscale.button_rows == [["🌱"]]  # novicezk gives an upscale no buttons: only our seed
    assert document.reply_to_message_id == upscale.message_id
    assert variation.button_rows == GRID_ROWS
    changes = [r.json for r in sim.requests if r.path == "/mj/submit/change"]
    assert [(c["action"], c["index"]) for c in changes] == [("UPSCALE", 2), ("VARIATION", 1)]
    assert len([r for r in sim.requests if r.path == "/mj/submit/action"]) == 1  # learned once, then remembered


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
    assert bot.client.per_task_fetch


async def test_a_modal_answer_leaves_the_job_waiting_for_input(tg: FakeTelegram, sim: Simulator, settings_for) -> None:
    # trueai: Custom Zoom always answers code 21, a task waiting in MODAL (docs/provider-api.md §7).
    sim.config.dialect = "ta"
    sim.config.auth_style = "raw"
    async with running(settings_for(mj_auth_style=AuthStyle.RAW)) as bot:
        chat = tg.private_chat()
        request = tg.send_text(chat, "/imagine a fox to zoom")
        grid = await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)
        tg.press(chat, grid.message_id, grid.callback_data_for("U1"))
        upscale = await finished(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id)
        tg.press(chat, upscale.message_id, upscale.callback_data_for("🔍 Custom Zoom"))
        status = await status_reply_to(tg, chat, upscale.message_id)
        shown = await showing(tg, chat, status.message_id, "Waiting for your answer")
        job = await _job_of_message(bot, status.message_id)
    assert job.state is JobState.AWAITING_INPUT  # waiting, not failed
    assert job.delivered_at is None
    assert "couldn't" not in shown.plain_text
    assert shown.reply_markup is None


async def test_a_modal_hidden_behind_a_relay_leaves_the_job_waiting(tg: FakeTelegram, sim: Simulator, bot) -> None:
    # A new-api relay answers code 1 for a remix press; the task then sits in MODAL (docs/provider-api.md §4).
    sim.config.dialect = "na"
    sim.config.remix = True
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a remixed fox")
    grid = await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)
    tg.press(chat, grid.message_id, grid.callback_data_for("U2"))
    upscale = await finished(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id)
    tg.press(chat, upscale.message_id, upscale.callback_data_for("🪄 Vary (Strong)"))
    status = await status_reply_to(tg, chat, upscale.message_id)
    await showing(tg, chat, status.message_id, "Waiting for your answer")
    job = await _job_of_message(bot, status.message_id)
    assert job.state is JobState.AWAITING_INPUT
    [modal_press] = [r for r in sim.requests if r.path.endswith("/submit/action")][1:]
    assert modal_press.json is not None
    assert "high_variation" in modal_press.json["customId"]


async def test_a_v1_root_gets_model_and_bot_type(tg: FakeTelegram, sim: Simulator, settings_for) -> None:
    # seed 003: /v1/mj/... marks botType and model required (docs/provider-api.md §1)
    async with running(settings_for(mj_base_url=f"{sim.base_url}/v1", mj_speed="relax")):
        chat = tg.private_chat()
        request = tg.send_text(chat, "/imagine a fox on the v1 road")
        grid = await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)
        tg.press(chat, grid.message_id, grid.callback_data_for("U3"))
        upscale = await finished(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id)
    assert "Image #3" in upscale.plain_text
    submits = [r for r in sim.requests if "/submit/" in r.path]
    assert [r.path for r in submits] == ["/v1/mj/submit/imagine", "/v1/mj/submit/action"]
    assert all(r.json is not None and r.json["model"] == "mj-relax" for r in submits)
    assert submits[0].json is not None
    assert submits[0].json["botType"] == "MID_JOURNEY"


async def _job_of_message(bot: BotRuntime, message_id: int) -> Job:
    jobs = [j for j in await bot.runner.records.undelivered() if j.shown.message_id == message_id]
    assert len(jobs) == 1, jobs
    return jobs[0]


async def test_a_result_that_cannot_be_downloaded_keeps_the_link(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    sim.config.public_base_url = dead
    bot.images.attempts = 1  # keep the test quick; production retries three times
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a fox behind a firewall")
    status = await status_reply_to(tg, chat, request.message_id)
    shown = await finished(tg, chat, status.message_id)
    assert "couldn't download it" in shown.plain_text
    links = [e["url"] for e in shown.caption_entities if e.get("type") == "text_link"]
    assert len(links) == 1
    assert links[0].startswith(dead)
    assert shown.button_rows == MJ_GRID_ROWS  # the job itself succeeded: its buttons work (no seed: no image)
    assert MJ_KEY not in shown.plain_text
