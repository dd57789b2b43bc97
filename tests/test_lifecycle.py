"""A job's whole life against the real stack: the one scheduler, restarts, provider trouble, Telegram trouble.

Each test plays users and asserts what they see, against the fake Bot API and the MJ simulator over HTTP.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from functools import partial

import httpx
import pytest
from aiohttp import web

from bot.app import BotRuntime
from bot.config import Settings
from bot.jobs import Job, JobState
from bot.jobs.records import JobRecords
from bot.mj import AuthStyle, Task
from bot.simulator import Simulator
from bot.store import Database
from tests.conftest import MJ_KEY, running
from tests.fake_telegram import Chat, FakeTelegram, Message
from tests.test_flow import GRID_ROWS, finished, showing, status_reply_to


def _submits(sim: Simulator, route: str = "/submit/imagine") -> list[object]:
    return [r.json for r in sim.requests if r.path.endswith(route)]


async def _grid(tg: FakeTelegram, chat: Chat, prompt: str) -> Message:
    request = tg.send_text(chat, f"/imagine {prompt}")
    return await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)


def _result_edits(tg: FakeTelegram, chat: Chat, message_id: int) -> list[object]:
    """Edits that put a keyboard on the message: the outcome being shown."""
    return [
        c
        for c in tg.calls_to("editMessageMedia", "editMessageCaption")
        if c.ok
        and c.params.get("chat_id") == chat.id
        and c.params.get("message_id") == message_id
        and c.params.get("reply_markup")
    ]


async def test_the_same_success_from_two_sources_is_delivered_once(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    sim.config.never_finish = True
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a fox told three times")
    status = await status_reply_to(tg, chat, request.message_id)
    await showing(tg, chat, status.message_id, "Drawing…")
    [task_id] = list(sim.tasks)
    sim.finish_now(task_id)
    success = Task.from_json(sim.task_json(task_id))
    assert success is not None
    # Two callbacks at once, while the poll loop finds the same SUCCESS too.
    pushed = await asyncio.gather(bot.scheduler.push(success), bot.scheduler.push(success))
    grid = await finished(tg, chat, status.message_id)
    assert list(pushed) == [True, True]
    assert grid.button_rows == GRID_ROWS
    await tg.wait_for(lambda: not bot.scheduler.is_busy(1))
    assert len(_result_edits(tg, chat, status.message_id)) == 1
    assert await bot.scheduler.push(success) is False  # a finished job takes no more news


async def test_a_cancelled_task_says_so(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    sim.config.never_finish = True
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a fox someone cancels")
    status = await status_reply_to(tg, chat, request.message_id)
    await showing(tg, chat, status.message_id, "Drawing…")
    [task_id] = list(sim.tasks)
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {MJ_KEY}"}) as http:
        assert (await http.post(f"{sim.base_url}/mj/task/{task_id}/cancel")).status_code == 200
    shown = await showing(tg, chat, status.message_id, "This job was cancelled")
    assert shown.reply_markup is None


async def test_tracking_rides_out_a_provider_outage(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    sim.config.render_seconds = 1.0
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a fox through a storm")
    status = await status_reply_to(tg, chat, request.message_id)
    await tg.wait_for(lambda: _submits(sim))
    sim.config.http_fault = (502, "text/html", "<html><title>502 Bad Gateway</title></html>")
    failing = len(sim.requests)
    await tg.wait_for(lambda: len(sim.requests) > failing + 3)  # several lookups fail meanwhile
    sim.config.http_fault = None
    grid = await finished(tg, chat, status.message_id)
    assert grid.button_rows == GRID_ROWS
    assert len(_submits(sim)) == 1


async def test_a_submit_cut_off_by_a_stop_is_reported_after_the_restart(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
) -> None:
    async with _silent_provider() as (silent_url, arrived):
        chat = tg.private_chat()
        async with running(settings_for(mj_base_url=silent_url)) as bot:
            request = tg.send_text(chat, "/imagine a fox in mid-air")
            await asyncio.wait_for(arrived.wait(), 10)  # the submit is on its way; the provider never answers
            status = await status_reply_to(tg, chat, request.message_id)
            bot.scheduler.stop_grace = 0.1  # stop does not wait ten seconds for the hung submit
    [job] = await _jobs_after(settings_for)
    assert job.state is JobState.SUBMITTING  # nobody knows whether the provider took it
    async with running(settings_for()):
        shown = await showing(tg, chat, status.message_id, "cut off while it was being sent")
    assert "may not have reached Midjourney" in shown.plain_text
    assert _submits(sim) == []  # never sent again on its own


async def test_a_downloaded_result_waits_out_telegram_across_a_restart(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
) -> None:
    sim.config.previews = False
    settings = settings_for()
    chat = tg.private_chat()
    tg.fail_next("editMessageMedia", error_code=502, description="Bad Gateway", times=1000)
    async with running(settings):
        request = tg.send_text(chat, "/imagine a fox in a bottle")
        status = await status_reply_to(tg, chat, request.message_id)
        await tg.wait_for(lambda: [c for c in tg.calls_to("editMessageMedia") if c.error])
    with socket.socket() as probe:  # the CDN is gone now: the image must come from the database
        probe.bind(("127.0.0.1", 0))
        sim.config.public_base_url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    tg.clear_failures("editMessageMedia")
    async with running(settings):
        grid = await finished(tg, chat, status.message_id)
    assert grid.button_rows == GRID_ROWS
    assert grid.history[-1].photo_changed
    assert len(_submits(sim)) == 1


async def test_a_user_who_blocked_the_bot_is_not_written_to_again(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    sim.config.render_seconds = 1.0
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a fox nobody sees")
    status = await status_reply_to(tg, chat, request.message_id)
    tg.set_blocked(chat)
    await tg.wait_for(lambda: [c for c in tg.calls_to("editMessageMedia") if c.error_code == 403])
    other = tg.private_chat(user_id=2002, first_name="Bob", username="bob")
    grid = await _grid(tg, other, "a fox for Bob")  # everyone else is served meanwhile
    assert grid.button_rows == GRID_ROWS
    await tg.wait_for(partial(_all_delivered, bot))  # the blocked user's job is settled, not retried all day
    refused = [c.method for c in tg.calls if c.params.get("chat_id") == chat.id and c.error_code == 403]
    assert len(refused) == 2  # one progress edit finds out; the outcome is tried once, then never again
    assert any("cannot write to chat" in r.getMessage() for r in caplog.records)
    assert tg.message(chat, status.message_id).reply_markup is None


async def test_a_group_that_becomes_a_supergroup_keeps_its_job_and_buttons(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    sim.config.render_seconds = 1.0
    group = tg.group_chat(chat_id=-4242, kind="group", title="Small foxes")
    request = tg.send_text(group, "/imagine@mj_test_bot a fox that moves house")
    status = await status_reply_to(tg, group, request.message_id)
    await showing(tg, group, status.message_id, "Drawing…")
    supergroup = tg.migrate_to_supergroup(group)

    def result_in_supergroup() -> Message | None:
        return next((m for m in tg.bot_messages(supergroup) if m.reply_markup), None)

    grid = await tg.wait_for(result_in_supergroup, timeout=15)
    assert grid.button_rows == GRID_ROWS
    tg.press(supergroup, grid.message_id, grid.callback_data_for("U1"))
    upscale = await finished(tg, supergroup, (await status_reply_to(tg, supergroup, grid.message_id)).message_id)
    assert "Image #1" in upscale.plain_text


async def test_a_group_without_photo_rights_gets_text_and_the_image_as_a_file(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    group = tg.group_chat()
    tg.set_permissions(group, can_send_photos=False)
    request = tg.send_text(group, "/imagine@mj_test_bot a fox in plain words")

    def text_status() -> Message | None:
        return next((m for m in tg.bot_messages(group) if m.reply_to_message_id == request.message_id), None)

    status = await tg.wait_for(text_status)
    assert status.photo is None
    assert "Sending to Midjourney" in (status.history[0].text or "")
    result = await finished(tg, group, status.message_id)
    assert result.button_rows == GRID_ROWS
    document = await tg.wait_for(lambda: next((m for m in tg.bot_messages(group) if m.document), None))
    assert document.reply_to_message_id == status.message_id
    assert not [c for c in tg.failed_calls() if "rights" in (c.description or "") and c.method != "sendPhoto"]


async def test_a_chat_the_bot_may_not_write_to_is_not_charged_for(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    group = tg.group_chat()
    tg.set_permissions(group, can_send_messages=False, can_send_photos=False)
    tg.send_text(group, "/imagine@mj_test_bot a fox nobody will see")
    await tg.wait_for(lambda: [c for c in tg.failed_calls() if c.params.get("chat_id") == group.id][1:])
    await tg.wait_for(partial(_all_delivered, bot))
    assert _submits(sim) == []  # nobody could see the result, so nothing was paid for


async def test_an_action_waiting_for_input_shows_it_and_lapses_in_time(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
) -> None:
    sim.config.dialect = "ta"
    sim.config.auth_style = "raw"
    # The default edit interval: the waiting state must not be held back by it.
    async with running(settings_for(mj_auth_style=AuthStyle.RAW, status_edit_interval=3.0)) as bot:
        chat = tg.private_chat()
        grid = await _grid(tg, chat, "a fox to zoom")
        tg.press(chat, grid.message_id, grid.callback_data_for("U1"))
        upscale = await finished(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id)
        tg.press(chat, upscale.message_id, upscale.callback_data_for("🔍 Custom Zoom"))
        status = await status_reply_to(tg, chat, upscale.message_id)
        await showing(tg, chat, status.message_id, "Waiting for your answer")
        bot.runner.input_timeout = 0.5  # nobody answers
        shown = await showing(tg, chat, status.message_id, "waited for input that never came")
        [modal] = [t for t in sim.tasks.values() if t.custom_id.startswith("MJ::CustomZoom")]
    assert sim.task_json(modal.id)["status"] == "FAILURE"  # cancelled upstream (TA records a cancel so)
    assert shown.reply_markup is None


async def test_a_failing_handler_gets_a_polite_word_and_a_traceback_in_the_log(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.db.close()  # the database went away under the bot
    chat = tg.private_chat()
    tg.send_text(chat, "/imagine a fox with nowhere to go")
    reply = await tg.wait_for(lambda: tg.last_bot_message(chat))
    assert "something went wrong on my side" in reply.plain_text
    assert "Traceback" not in reply.plain_text
    assert any(r.exc_info for r in caplog.records if r.getMessage() == "error while handling an update")
    assert _submits(sim) == []
    await bot.db.open()  # so the fixture can stop the bot cleanly


async def test_flood_control_in_a_group_loses_no_result(tg: FakeTelegram, sim: Simulator, settings_for) -> None:
    tg.flood_control(per_group_per_minute=60, group_burst=3)
    async with running(settings_for(status_edit_interval=0.0)):
        group = tg.group_chat()
        requests = [tg.send_text(group, f"/imagine@mj_test_bot fox number {n}") for n in range(3)]
        statuses = [await status_reply_to(tg, group, r.message_id) for r in requests]
        grids = [await finished(tg, group, s.message_id) for s in statuses]
    assert all(g.button_rows == GRID_ROWS for g in grids)
    assert tg.flood_errors()  # Telegram did push back
    assert len(_submits(sim)) == 3


# -- helpers ---------------------------------------------------------------------------------------


async def _all_delivered(bot: BotRuntime) -> bool:
    return not await bot.runner.records.undelivered()


class _silent_provider:
    """A provider that takes the request and never answers it."""

    async def __aenter__(self) -> tuple[str, asyncio.Event]:
        self.arrived = asyncio.Event()

        async def hang(request: web.Request) -> web.Response:
            self.arrived.set()
            await asyncio.sleep(3600)
            return web.Response(status=500)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", hang)
        self.runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        return f"http://127.0.0.1:{port}", self.arrived

    async def __aexit__(self, *exc: object) -> None:
        await self.runner.cleanup()


async def _jobs_after(settings_for: Callable[..., Settings]) -> list[Job]:
    db = Database(settings_for().database_path)
    await db.open()
    try:
        return await JobRecords(db).undelivered()
    finally:
        await db.close()
