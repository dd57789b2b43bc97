"""Finding things again and stopping them: /history with links, /show <task id> with working buttons, and
✖ Cancel for a job in the bot's queue (nothing is sent) or at the provider (cancelled there, where it can)."""

from __future__ import annotations

from functools import partial

import pytest

from bot.app import BotRuntime
from bot.simulator import Simulator
from tests.conftest import running
from tests.fake_telegram import Chat, FakeTelegram, Message
from tests.people import cast, group
from tests.test_access import draws, reply
from tests.test_flow import GRID_ROWS, _all_delivered, finished, showing, status_reply_to
from tests.test_quotas import imagines


def cancels(sim: Simulator) -> list[str]:
    return [r.path for r in sim.requests if r.path.endswith("/cancel")]


def links(message: Message) -> list[str]:
    return [str(e["url"]) for e in message.entities if e["type"] == "text_link"]


def task_of(sim: Simulator, prompt: str) -> str:
    return next(task_id for task_id, task in sim.tasks.items() if task.prompt == prompt)


async def started(tg: FakeTelegram, chat: Chat, words: str, user: dict[str, object] | None = None) -> Message:
    return await status_reply_to(tg, chat, tg.send_text(chat, words, user=user).message_id)


async def test_history_lists_your_jobs_newest_first_with_links(tg: FakeTelegram, sim: Simulator, bot: BotRuntime):
    people, chat = cast(tg), group(tg)
    alices = tg.private_chat()
    await draws(tg, alices, people.alice, "a fox at home")
    in_group = await draws(tg, chat, people.alice, "a fox in the group")

    listed = await reply(tg, alices, tg.send_text(alices, "/history", user=people.alice))
    assert listed.plain_text.splitlines() == [
        "🗂 Your recent jobs",
        "",
        f"✅ a fox in the group · /show {task_of(sim, 'a fox in the group')}",
        f"✅ a fox at home · /show {task_of(sim, 'a fox at home')}",
    ]
    assert links(listed) == [f"https://t.me/c/500/{in_group.message_id}"]  # a supergroup's id less -100; none here

    bobs = await reply(tg, chat, tg.send_text(chat, "/history", user=people.bob))
    assert bobs.plain_text == "🗂 You have no jobs yet. Send /imagine and a prompt to start one."


async def test_show_posts_a_past_job_again_with_working_buttons(tg: FakeTelegram, sim: Simulator, bot: BotRuntime):
    people, chat = cast(tg), tg.private_chat()
    await draws(tg, chat, people.alice, "a fox worth seeing again")
    task_id = task_of(sim, "a fox worth seeing again")
    request = tg.send_text(chat, f"/show {task_id}", user=people.alice)
    again = await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)
    assert again.button_rows == GRID_ROWS
    assert "a fox worth seeing again" in again.plain_text

    tg.press(chat, again.message_id, again.callback_data_for("U3"))
    upscale = await finished(tg, chat, (await status_reply_to(tg, chat, again.message_id)).message_id)
    assert "Image #3" in upscale.plain_text

    told = await reply(tg, chat, tg.send_text(chat, "/show 999999", user=people.alice))
    assert told.plain_text == "🔎 I know no job of yours with the task id 999999."
    told = await reply(tg, chat, tg.send_text(chat, "/show", user=people.alice))
    assert told.plain_text.startswith("🔎 Send /show and a task id")
    bobs = tg.private_chat(1002, "Bob", "bob")
    told = await reply(tg, bobs, tg.send_text(bobs, f"/show {task_id}", user=people.bob))
    assert told.plain_text.startswith("🔎 I know no job of yours")  # Alice's private jobs stay hers


async def test_cancel_takes_a_job_out_of_the_bots_queue(tg: FakeTelegram, sim: Simulator, settings_for):
    people, chat = cast(tg), tg.private_chat()
    sim.config.never_finish = True
    async with running(settings_for(max_in_flight=1)) as runtime:
        first = await started(tg, chat, "/imagine the fox that runs", people.alice)
        await showing(tg, chat, first.message_id, "Drawing")
        second = await started(tg, chat, "/imagine the fox that gives up", people.alice)
        third = await started(tg, chat, "/imagine the fox that waits", people.alice)
        await showing(tg, chat, third.message_id, "1 ahead of you")

        query = tg.press_button(chat, second.message_id, "✖ Cancel", user=people.alice)
        await tg.wait_for(lambda: query in tg.answers())
        assert tg.answers()[query]["text"] == "✖ Taken out of the queue; nothing was sent to Midjourney."
        gone = await showing(tg, chat, second.message_id, "This job was cancelled")
        assert gone.reply_markup is None
        await showing(tg, chat, third.message_id, "Next in line")  # it moved up

        sim.finish_now(task_of(sim, "the fox that runs"))
        sim.config.never_finish = False
        await finished(tg, chat, first.message_id)
        await finished(tg, chat, third.message_id)
        await tg.wait_for(partial(_all_delivered, runtime))
    assert imagines(sim) == ["the fox that runs", "the fox that waits"]
    assert cancels(sim) == []


async def test_cancel_a_running_job_at_the_provider(tg: FakeTelegram, sim: Simulator, bot: BotRuntime):
    people, chat = cast(tg), group(tg)
    sim.config.never_finish = True
    status = await started(tg, chat, "/imagine a fox Alice changes her mind about", people.alice)
    await showing(tg, chat, status.message_id, "Drawing")

    query = tg.press_button(chat, status.message_id, "✖ Cancel", user=people.bob)
    await tg.wait_for(lambda: query in tg.answers())
    assert tg.answers()[query]["text"] == "🔒 Only the person who started this job can cancel it."
    assert cancels(sim) == []

    query = tg.press_button(chat, status.message_id, "✖ Cancel", user=people.alice)
    await tg.wait_for(lambda: query in tg.answers())
    assert tg.answers()[query]["text"] == "✖ Cancelled at Midjourney."
    gone = await showing(tg, chat, status.message_id, "This job was cancelled")
    assert gone.reply_markup is None
    assert cancels(sim) == [f"/mj/task/{task_of(sim, 'a fox Alice changes her mind about')}/cancel"]

    usage = await reply(tg, chat, tg.send_text(chat, "/usage", user=people.alice))
    assert "✅ done: 0 · ⏳ under way: 0" in usage.plain_text  # a cancelled job costs nothing


@pytest.mark.parametrize("provider", ["nz", "ta"])
async def test_a_provider_that_cannot_cancel_says_so_and_the_job_goes_on(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime, provider: str
):
    people, chat = cast(tg), tg.private_chat()
    # novicezk has no cancel route; trueai-org lets only its admins cancel (400 "demo mode" to others).
    sim.config.dialect, sim.config.admin_key = provider, False
    sim.config.render_seconds = 2.0
    status = await started(tg, chat, "/imagine a fox that cannot be stopped", people.alice)
    await showing(tg, chat, status.message_id, "Drawing")
    query = tg.press_button(chat, status.message_id, "✖ Cancel", user=people.alice)
    await tg.wait_for(lambda: query in tg.answers())
    assert tg.answers()[query]["show_alert"] is True
    assert tg.answers()[query]["text"] == (
        "This provider cannot cancel a job once Midjourney has it; it will finish as usual."
    )
    grid = await finished(tg, chat, status.message_id)
    assert grid.button_rows == GRID_ROWS
