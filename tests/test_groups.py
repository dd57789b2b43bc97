"""Groups and forum topics: commands with and without @botname, answers in the asker's topic, buttons that
belong to who started the job, and a group that becomes a supergroup keeping what it had."""

from __future__ import annotations

from bot.app import BotRuntime
from bot.simulator import Simulator
from tests.fake_telegram import FakeTelegram
from tests.people import cast, group
from tests.test_flow import GRID_ROWS, finished, status_reply_to


def actions(sim: Simulator) -> list[str]:
    return [r.path for r in sim.requests if r.path.endswith("/submit/action")]


async def test_only_who_started_a_job_can_press_its_buttons(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    people, chat = cast(tg), group(tg)
    request = tg.send_text(chat, "/imagine@mj_test_bot a fox that is Alice's", user=people.alice)
    grid = await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)

    query = tg.press(chat, grid.message_id, grid.callback_data_for("U1"), user=people.bob)
    await tg.wait_for(lambda: query in tg.answers())
    assert tg.answers()[query]["show_alert"] is True
    assert tg.answers()[query]["text"] == "🔒 Only the person who started this job can press its buttons."
    assert actions(sim) == []  # nothing was submitted for Bob

    tg.press(chat, grid.message_id, grid.callback_data_for("V1"), user=people.alice)
    vary = await finished(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id)
    assert vary.button_rows == GRID_ROWS
    assert len(actions(sim)) == 1
