"""Hostile and malformed input: each gets a clear answer or is ignored, and nothing else is disturbed.

Forged and stale button data, a button pressed in another chat, enormous prompts, control characters and
HTML, a person flooding the bot, unknown commands, edits, channel posts, anonymous group admins.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.app import BotRuntime
from bot.config import Settings
from bot.simulator import Simulator
from tests.conftest import running
from tests.fake_telegram import Chat, FakeTelegram, Message
from tests.test_flow import GRID_ROWS, finished, status_reply_to


async def _grid(tg: FakeTelegram, chat: Chat, prompt: str, *, command: str = "/imagine") -> Message:
    request = tg.send_text(chat, f"{command} {prompt}")
    return await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)


async def _helped(tg: FakeTelegram, chat: Chat, command: str = "/help") -> None:
    """Send /help and wait for its answer: every update sent before it has been handled by then."""
    before = len([m for m in tg.bot_messages(chat) if "I draw with Midjourney" in m.plain_text])
    tg.send_text(chat, command)
    await tg.wait_for(
        lambda: len([m for m in tg.bot_messages(chat) if "I draw with Midjourney" in m.plain_text]) > before
    )


def _presses(sim: Simulator) -> list[object]:
    return [r for r in sim.requests if r.path.endswith(("/submit/action", "/submit/change"))]


@pytest.mark.parametrize("data", ["b:not-a-key", "b:", "zz", "seed:abc", "q:send:x", "mj:v0:U1"])
async def test_forged_or_stale_button_data_is_answered_and_does_nothing(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime, data: str
) -> None:
    chat = tg.private_chat()
    grid = await _grid(tg, chat, "a fox with buttons")
    query = tg.forge_press(chat, grid.message_id, data)
    await tg.wait_for(lambda: query in tg.answers())
    assert "no longer available" in tg.answers()[query]["text"]
    assert _presses(sim) == []


async def test_a_button_pressed_in_another_chat_does_nothing(tg: FakeTelegram, sim: Simulator, bot: BotRuntime):
    alice, bob = tg.private_chat(), tg.private_chat(2002, "Bob", "bob")
    hers = await _grid(tg, alice, "Alice's fox")
    his = await _grid(tg, bob, "Bob's fox")
    stolen = hers.callback_data_for("U1")
    query = tg.forge_press(bob, his.message_id, stolen)  # Alice's key, pressed under Bob's message
    await tg.wait_for(lambda: query in tg.answers())
    assert "no longer available" in tg.answers()[query]["text"]
    seed = tg.forge_press(bob, his.message_id, f"seed:{1}")  # the seed of Alice's job, from Bob's chat
    await tg.wait_for(lambda: any("isn't one of my finished results" in m.plain_text for m in tg.bot_messages(bob)))
    await tg.wait_for(lambda: seed in tg.answers())
    assert _presses(sim) == []


async def test_an_enormous_prompt_with_html_is_sent_whole_and_shown_escaped(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    prompt = ("<b>big</b> & <script>fox</script> " * 120)[:4080].strip()  # Telegram's whole message
    chat = tg.private_chat()
    grid = await _grid(tg, chat, prompt)
    assert grid.button_rows == GRID_ROWS
    assert grid.plain_text.startswith("<b>big</b> & <script>fox</script>")  # as typed, not as markup
    assert len(grid.plain_text) <= 1024
    [submit] = [r for r in sim.requests if r.path.endswith("/submit/imagine")]
    assert submit.json is not None
    assert submit.json["prompt"] == prompt


async def test_control_characters_are_dropped_and_quotes_are_harmless(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    chat = tg.private_chat()
    grid = await _grid(tg, chat, "a \u202efox\x07 in\x00 snow'); DROP TABLE jobs; -- \u200b—ar 3:2")
    [submit] = [r for r in sim.requests if r.path.endswith("/submit/imagine")]
    assert submit.json is not None
    assert submit.json["prompt"] == "a fox in snow'); DROP TABLE jobs; -- --ar 3:2"
    assert grid.plain_text.startswith("a fox in snow'); DROP TABLE jobs;")
    assert (await _grid(tg, chat, "another fox")).button_rows == GRID_ROWS  # the jobs table is still there
    stored = await bot.runner.records.load(1)
    assert stored is not None
    assert stored.request.prompt == submit.json["prompt"]  # stored as a value, never as SQL


@pytest.fixture
async def strict(settings_for: Callable[..., Settings]) -> AsyncIterator[BotRuntime]:
    async with running(settings_for(user_rate_limit=5)) as bot:
        yield bot


async def test_one_person_flooding_is_slowed_down_while_others_are_served(
    tg: FakeTelegram, sim: Simulator, strict: BotRuntime
) -> None:
    alice, bob = tg.private_chat(), tg.private_chat(2002, "Bob", "bob")
    for _ in range(9):
        tg.send_text(alice, "/help")
    warning = await tg.wait_for(
        lambda: next((m for m in tg.bot_messages(alice) if "lot at once" in m.plain_text), None)
    )
    assert "Please wait" in warning.plain_text
    assert (await _grid(tg, bob, "a fox for Bob")).button_rows == GRID_ROWS  # handled after Alice's flood
    helps = [m for m in tg.bot_messages(alice) if "I draw with Midjourney" in m.plain_text]
    assert len(helps) == 5
    assert len([m for m in tg.bot_messages(alice) if "lot at once" in m.plain_text]) == 1  # told once
    query = tg.forge_press(alice, helps[0].message_id, "b:anything")  # a press while over the limit
    await tg.wait_for(lambda: query in tg.answers())
    assert "lot at once" in tg.answers()[query]["text"]


async def test_group_chatter_is_not_a_flood_and_anonymous_admins_are_counted_per_group(
    tg: FakeTelegram, sim: Simulator, strict: BotRuntime
) -> None:
    first, second = tg.group_chat(-100501, "One"), tg.group_chat(-100502, "Two")
    for i in range(8):
        tg.send_text(first, f"just chatting with friends {i}")  # not for the bot: not counted
    for _ in range(6):
        tg.send_text(second, "/help@mj_test_bot", anonymous=True)  # the second group's anonymous admin floods
    tg.send_text(first, "/help@mj_test_bot")
    tg.send_text(first, "/help", anonymous=True)  # the first group's anonymous admin has a budget of their own
    await tg.wait_for(lambda: len(tg.bot_messages(first)) == 2)
    await tg.wait_for(lambda: any("lot at once" in m.plain_text for m in tg.bot_messages(second)))
    assert all("I draw with Midjourney" in m.plain_text for m in tg.bot_messages(first))


async def test_unknown_commands_get_a_pointer_where_they_are_meant_for_the_bot(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    chat, group = tg.private_chat(), tg.group_chat()
    tg.send_text(chat, "/frobnicate now")
    reply = await tg.wait_for(lambda: tg.last_bot_message(chat))
    assert "I don't know the command /frobnicate" in reply.plain_text
    tg.send_text(chat, "/x," + "y" * 4000)  # Telegram's command is "/x"; the rest is not quoted back
    long = await tg.wait_for(lambda: next((m for m in tg.bot_messages(chat) if "/x" in m.plain_text), None))
    assert "I don't know the command /x" in long.plain_text
    assert "yyyy" not in long.plain_text
    tg.send_text(group, "/frobnicate")  # maybe another bot's
    tg.send_text(group, "/frobnicate@other_bot")
    tg.send_text(group, "/frobnicate@mj_test_bot")
    await _helped(tg, group, "/help@mj_test_bot")
    answers = [m.plain_text for m in tg.bot_messages(group)]
    assert len(answers) == 2
    assert "I don't know the command /frobnicate" in answers[0]


async def test_edited_prompts_are_not_drawn_again(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    request = tg.send_text(chat, "a plain fox")
    await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)
    tg.edit_text(chat, request.message_id, "a plain fox, edited")
    await _helped(tg, chat)
    assert [r.json["prompt"] for r in sim.requests if r.path.endswith("/submit/imagine") and r.json] == ["a plain fox"]


async def test_channel_posts_are_ignored(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    channel, chat = tg.group_chat(-1009, "Fox News", kind="channel"), tg.private_chat()
    tg.post_to_channel(channel, "/imagine a fox for the channel")
    tg.post_to_channel(channel, "/frobnicate")
    await _helped(tg, chat)
    assert tg.bot_messages(channel) == []
    assert [r for r in sim.requests if "/submit/" in r.path] == []


async def test_an_anonymous_group_admin_is_served_and_others_can_press(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    group = tg.group_chat()
    request = tg.send_text(group, "/imagine@mj_test_bot an anonymous fox", anonymous=True)
    grid = await finished(tg, group, (await status_reply_to(tg, group, request.message_id)).message_id)
    assert grid.button_rows == GRID_ROWS
    member = tg.user(4004, "Dora", "dora")
    tg.press(group, grid.message_id, grid.callback_data_for("U2"), user=member)
    upscale = await finished(tg, group, (await status_reply_to(tg, group, grid.message_id)).message_id)
    assert upscale.reply_markup is not None
