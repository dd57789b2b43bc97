"""Nothing is lost: restarts mid-job, Telegram outages at delivery time, a deleted status message."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Settings
from bot.simulator import Simulator
from tests.conftest import running
from tests.fake_telegram import FakeTelegram
from tests.test_flow import GRID_ROWS, UPSCALE_ROWS, finished, result_buttons, showing, status_reply_to


async def test_restart_mid_job_delivers_the_result_and_old_buttons_still_work(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
) -> None:
    sim.config.render_seconds = 1.5
    settings = settings_for()
    chat = tg.private_chat()
    async with running(settings):
        first = tg.send_text(chat, "/imagine a fox before the restart")
        first_status = await status_reply_to(tg, chat, first.message_id)
        first_grid = await finished(tg, chat, first_status.message_id)
        second = tg.send_text(chat, "/imagine a fox across the restart")
        status = await status_reply_to(tg, chat, second.message_id)
        await showing(tg, chat, status.message_id, "Drawing…")
    assert result_buttons(tg.message(chat, status.message_id)) == []  # stopped before the result

    # The bot is down while Midjourney finishes; a new Application opens the same database.
    async with running(settings):
        grid = await finished(tg, chat, status.message_id)
        assert grid.button_rows == GRID_ROWS
        assert grid.plain_text.startswith("a fox across the restart")
        assert len([r for r in sim.requests if r.path.endswith("/submit/imagine")]) == 2  # nothing re-submitted

        # A button of a result shown before the restart still works.
        tg.press(chat, first_grid.message_id, first_grid.callback_data_for("U3"))
        upscale_status = await status_reply_to(tg, chat, first_grid.message_id)
        upscale = await finished(tg, chat, upscale_status.message_id)
        assert upscale.button_rows == UPSCALE_ROWS


async def test_result_survives_a_telegram_outage(tg: FakeTelegram, sim: Simulator, settings_for) -> None:
    sim.config.previews = False  # so the only photo edit is the result itself
    tg.fail_next("editMessageMedia", error_code=502, description="Bad Gateway", times=3)
    async with running(settings_for()):
        chat = tg.private_chat()
        request = tg.send_text(chat, "/imagine a fox in a storm")
        status = await status_reply_to(tg, chat, request.message_id)
        grid = await finished(tg, chat, status.message_id)
    failed = [c for c in tg.calls_to("editMessageMedia") if c.error]
    assert len(failed) == 3
    assert grid.button_rows == GRID_ROWS
    assert grid.history[-1].photo_changed


async def test_deleted_status_message_gets_the_result_as_a_new_message(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
) -> None:
    sim.config.render_seconds = 1.0
    async with running(settings_for()):
        chat = tg.private_chat()
        request = tg.send_text(chat, "/imagine a shy fox")
        status = await status_reply_to(tg, chat, request.message_id)
        tg.message(chat, status.message_id).deleted = True  # the user deleted it

        def new_result():
            return next((m for m in tg.bot_messages(chat) if result_buttons(m)), None)

        result = await tg.wait_for(new_result, timeout=15)
    assert result.message_id != status.message_id
    assert result.reply_to_message_id == request.message_id
    assert result.button_rows == GRID_ROWS
