"""Groups and forum topics: commands with and without @botname, answers in the asker's topic, buttons that
belong to who started the job, and a group that becomes a supergroup keeping what it had."""

from __future__ import annotations

from bot.app import BotRuntime
from bot.simulator import Simulator
from tests.conftest import running
from tests.fake_telegram import FakeTelegram
from tests.people import ALICE, BOB, OLGA, cast, group
from tests.test_access import draws, reply
from tests.test_flow import GRID_ROWS, finished, showing, status_reply_to
from tests.test_modals import press_and_ask, submits
from tests.test_quotas import imagines
from tests.test_settings import open_settings, pick, write


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


async def test_with_privacy_mode_commands_and_replies_reach_the_bot(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    tg.privacy_mode = True  # Telegram's default for bots: a group's chatter stays with the group
    people, chat = cast(tg), group(tg)
    await draws(tg, chat, people.alice, "a fox without the bot's name")
    request = tg.send_text(chat, "/imagine@mj_test_bot a fox with it", user=people.bob)
    await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)

    menu = await open_settings(tg, chat, people.carol)
    await pick(tg, chat, menu, "👥 This group's defaults", user=people.carol)
    _, answer = await write(tg, chat, menu, "➕ Parameters", "--ar 3:2", user=people.carol)
    assert answer.plain_text == "✅ Parameters: --ar 3:2"  # her reply reached the bot
    chatter = tg.send_text(chat, "a fox, said in passing", user=people.bob)
    await draws(tg, chat, people.bob, "a wide fox")
    assert imagines(sim) == ["a fox without the bot's name", "a fox with it", "a wide fox --ar 3:2"]
    assert not [m for m in tg.bot_messages(chat) if m.reply_to_message_id == chatter.message_id]


async def test_every_answer_stays_in_the_askers_topic(tg: FakeTelegram, sim: Simulator, settings_for) -> None:
    people, chat = cast(tg), group(tg, forum=True)
    topic = tg.create_topic(chat, "Foxes")
    async with running(settings_for(access="allowlist", admin_ids=frozenset({OLGA}), daily_limit=1)):
        told = await reply(tg, chat, tg.send_text(chat, "/allow here", user=people.olga, thread_id=topic))
        assert told.message_thread_id == topic
        grid = await finished(
            tg,
            chat,
            (
                await status_reply_to(tg, chat, tg.send_text(chat, "/imagine a fox", thread_id=topic).message_id)
            ).message_id,
        )
        assert grid.message_thread_id == topic
        for words in ("/settings", "/usage", "/help", "/imagine a second fox today"):
            answer = await reply(tg, chat, tg.send_text(chat, words, user=people.alice, thread_id=topic))
            assert answer.message_thread_id == topic, words
        refusal = await reply(tg, chat, tg.send_text(chat, "/imagine", user=people.mallory, thread_id=topic))
        assert "This bot is private" not in refusal.plain_text  # the whole group is let in
        menu = await open_settings(tg, chat, people.carol)
        assert menu.message_thread_id is None  # asked in General, answered in General
        pressed = tg.press_button(chat, grid.message_id, "U1", user=people.bob)
        await tg.wait_for(lambda: pressed in tg.answers())
    assert [m for m in tg.bot_messages(chat) if m.message_thread_id not in (topic, None)] == []


async def test_status_messages_say_who_asked(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    people, chat = cast(tg), group(tg)
    grid = await draws(tg, chat, people.alice, "a fox with a name tag")
    assert "👤 Alice" in grid.plain_text
    assert grid.entity_texts("text_mention") == ["Alice"]  # a link to her profile, as Telegram shows it
    [mention] = [e for e in grid.caption_entities if e["type"] == "text_mention"]
    assert mention["user"]["id"] == ALICE
    alices = tg.private_chat(ALICE, "Alice", "alice")
    alone = await draws(tg, alices, people.alice, "a fox at home")
    assert "👤" not in alone.plain_text  # in a private chat everyone knows who asked


async def test_a_group_that_becomes_a_supergroup_keeps_its_settings_access_and_buttons(
    tg: FakeTelegram, sim: Simulator, settings_for
) -> None:
    people = cast(tg)
    small = group(tg, kind="group", chat_id=-4343)
    async with running(settings_for(access="allowlist", admin_ids=frozenset({OLGA}))) as runtime:
        await reply(tg, small, tg.send_text(small, "/allow here", user=people.olga))
        menu = await open_settings(tg, small, people.carol)
        await pick(tg, small, menu, "👥 This group's defaults", "🎨 Model", "Niji 6", user=people.carol)
        await pick(tg, small, menu, "👆 Buttons", "everyone", user=people.carol)
        grid = await draws(tg, small, people.alice, "Alice's fox before the move")

        big = tg.migrate_to_supergroup(small)
        await tg.wait_for(lambda: runtime.community.may_use(BOB, "bob", big.id))  # the bot has seen the move
        tg.press(big, grid.message_id, grid.callback_data_for("U2"), user=people.bob)  # shared buttons moved too
        upscale = await finished(tg, big, (await status_reply_to(tg, big, grid.message_id)).message_id)
        assert "Image #2" in upscale.plain_text
        await draws(tg, big, people.bob, "Bob's fox after the move")  # the group's allowance moved
        again = await open_settings(tg, big, people.carol)
        await pick(tg, big, again, "👥 This group's defaults", user=people.carol)
        shown = await showing(tg, big, again.message_id, "Defaults of")
        assert "🎨 Model: Niji 6" in shown.plain_text
    assert imagines(sim) == ["Alice's fox before the move --niji 6", "Bob's fox after the move --niji 6"]


async def test_with_privacy_mode_a_question_is_answered_by_a_reply(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    tg.privacy_mode = True
    sim.config.remix = True  # V2 asks for its prompt (code 21)
    people, chat = cast(tg), group(tg)
    grid = await draws(tg, chat, people.alice, "a red fox")
    status, question = await press_and_ask(tg, chat, grid, "V2")
    assert "reply to this message" in question.plain_text  # the only way an answer reaches the bot here
    unseen = tg.send_text(chat, "a red fox in the fog", user=people.alice)  # no reply: the bot never gets it
    tg.send_text(chat, "a red fox in the rain", user=people.alice, reply_to=question.message_id)
    variation = await finished(tg, chat, status.message_id)
    assert variation.plain_text.startswith("a red fox in the rain")
    assert [m["prompt"] for m in submits(sim, "/submit/modal")] == ["a red fox in the rain"]
    assert not [m for m in tg.bot_messages(chat) if m.reply_to_message_id == unseen.message_id]
