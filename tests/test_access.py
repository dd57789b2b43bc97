"""Access: an allowlist by default; the operators (ADMIN_IDS) allow and deny people and whole chats from
Telegram, by reply, id or @username; the decisions persist; outsiders learn their id and nothing is sent."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Settings
from bot.simulator import Simulator
from tests.conftest import running
from tests.fake_telegram import Chat, FakeTelegram, JSONDict, Message
from tests.people import MALLORY, OLGA, cast, group
from tests.test_flow import finished, status_reply_to


def submits(sim: Simulator) -> list[str]:
    return [r.path for r in sim.requests if "/submit/" in r.path]


def allowlist(settings_for: Callable[..., Settings]) -> Settings:
    return settings_for(access="allowlist", admin_ids=frozenset({OLGA}))


async def reply(tg: FakeTelegram, chat: Chat, to: Message) -> Message:
    return await tg.wait_for(
        lambda: next((m for m in tg.bot_messages(chat) if m.reply_to_message_id == to.message_id), None)
    )


async def draws(tg: FakeTelegram, chat: Chat, user: JSONDict, prompt: str) -> Message:
    request = tg.send_text(chat, f"/imagine {prompt}", user=user)
    return await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)


async def test_an_outsider_learns_their_id_and_nothing_is_submitted(tg: FakeTelegram, sim: Simulator, settings_for):
    people = cast(tg)
    async with running(allowlist(settings_for)):
        chat = tg.private_chat(MALLORY, "Mallory", "mallory")
        for words in ("/imagine a fox", "a fox, plainly", "/start"):
            request = tg.send_text(chat, words, user=people.mallory)
            answer = await reply(tg, chat, request)
            assert "This bot is private" in answer.plain_text
            assert answer.entity_texts("code") == [str(MALLORY)]
        operator = tg.private_chat(OLGA, "Olga", "olga")
        await draws(tg, operator, people.olga, "a fox for the operator")  # the operator is always let in
    assert submits(sim) == ["/mj/submit/imagine"]


async def test_an_outsider_stays_out_when_telling_them_fails(tg: FakeTelegram, sim: Simulator, settings_for):
    people = cast(tg)
    async with running(allowlist(settings_for)):
        chat = tg.private_chat(MALLORY, "Mallory", "mallory")
        tg.fail_next("sendMessage", description="Bad Request: message to be replied not found", chat=chat)
        tg.send_text(chat, "/imagine a fox, then the message is deleted", user=people.mallory)
        second = tg.send_text(chat, "/imagine another fox", user=people.mallory)
        assert "This bot is private" in (await reply(tg, chat, second)).plain_text
        operator = tg.private_chat(OLGA, "Olga", "olga")
        await draws(tg, operator, people.olga, "a fox for the operator")  # drawn after both of Mallory's
    assert submits(sim) == ["/mj/submit/imagine"]


async def test_anonymous_admins_may_do_what_their_group_may(tg: FakeTelegram, sim: Simulator, settings_for):
    people = cast(tg)
    allowed, other = group(tg), group(tg, chat_id=-100600)
    operator = tg.private_chat(OLGA, "Olga", "olga")
    async with running(allowlist(settings_for)):
        for command in (f"/allow {allowed.id}", "/allow 1087968824"):  # the group, and Telegram's stand-in account
            await reply(tg, operator, tg.send_text(operator, command, user=people.olga))
        await finished(
            tg, allowed, (await reply(tg, allowed, tg.send_text(allowed, "/imagine a fox", anonymous=True))).message_id
        )
        refused = await reply(tg, other, tg.send_text(other, "/imagine a fox elsewhere", anonymous=True))
    assert "This bot is private" in refused.plain_text
    assert refused.entity_texts("code") == [str(other.id)]  # the id to pass on is the group's
    assert submits(sim) == ["/mj/submit/imagine"]


async def test_operators_allow_and_deny_by_username_reply_and_id(tg: FakeTelegram, sim: Simulator, settings_for):
    people = cast(tg)
    operator, bobs = tg.private_chat(OLGA, "Olga", "olga"), tg.private_chat(1002, "Bob", "bob")
    async with running(allowlist(settings_for)):
        # Bob has never written to the bot: the decision waits for him under his @username.
        told = await reply(tg, operator, tg.send_text(operator, "/allow @bob", user=people.olga))
        assert told.plain_text == "✅ @bob may use the bot now."
        await draws(tg, bobs, people.bob, "Bob's first fox")

        in_group = group(tg)
        said = tg.send_text(in_group, "/imagine@mj_test_bot Bob's fox in the group", user=people.bob)
        await status_reply_to(tg, in_group, said.message_id)  # Bob's own allowance holds in any group
        told = await reply(tg, in_group, tg.send_text(in_group, "/deny", user=people.olga, reply_to=said.message_id))
        assert told.plain_text == "⛔ Bob (1002) may not use the bot any more."
        refused = tg.send_text(bobs, "/imagine one more fox", user=people.bob)
        assert "This bot is private" in (await reply(tg, bobs, refused)).plain_text

        told = await reply(tg, operator, tg.send_text(operator, "/allow 1002", user=people.olga))
        assert told.plain_text == "✅ Bob (1002) may use the bot now."
    async with running(allowlist(settings_for)):  # the lists persist
        await draws(tg, bobs, people.bob, "Bob's fox after a restart")
    assert len(submits(sim)) == 3


async def test_a_whole_group_is_let_in_and_its_chatter_gets_no_answer(tg: FakeTelegram, sim: Simulator, settings_for):
    people, chat = cast(tg), group(tg)
    async with running(allowlist(settings_for)):
        tg.send_text(chat, "just chatting about foxes", user=people.alice)
        refused = tg.send_text(chat, "/imagine@mj_test_bot a fox", user=people.alice)
        assert "This bot is private" in (await reply(tg, chat, refused)).plain_text
        told = await reply(tg, chat, tg.send_text(chat, "/allow here", user=people.olga))
        assert told.plain_text == "✅ This group may use the bot now."
        grid = await draws(tg, chat, people.alice, "a fox for the whole group")

        # Mallory presses under Alice's grid in a group that is let in: allowed to be there, not to press.
        query = tg.press(chat, grid.message_id, grid.callback_data_for("U1"), user=people.mallory)
        await tg.wait_for(lambda: query in tg.answers())
        assert "Only the person who started this job" in tg.answers()[query]["text"]
        mine = tg.private_chat(1001, "Alice", "alice")
        refused = tg.send_text(mine, "/imagine a private fox", user=people.alice)
        assert "This bot is private" in (await reply(tg, mine, refused)).plain_text  # only the group was let in

        await reply(tg, chat, tg.send_text(chat, "/deny here", user=people.olga))
        denied = tg.send_text(chat, "/imagine@mj_test_bot one more fox", user=people.alice)
        await reply(tg, chat, denied)
    answers = [m.plain_text for m in tg.bot_messages(chat)]
    assert sum("This bot is private" in a for a in answers) == 2  # the two commands, not the chatter
    assert submits(sim) == ["/mj/submit/imagine"]


async def test_only_operators_decide(tg: FakeTelegram, sim: Simulator, settings_for):
    people, chat = cast(tg), group(tg)
    async with running(settings_for(admin_ids=frozenset({OLGA}))):  # open access: everyone may draw
        told = await reply(tg, chat, tg.send_text(chat, "/allow @mallory", user=people.carol))
        assert told.plain_text == "🔒 Only the bot's operators can do that."
        usage = await reply(tg, chat, tg.send_text(chat, "/allow", user=people.olga))
        assert "/allow @username" in usage.plain_text
        await reply(tg, chat, tg.send_text(chat, "/help", user=people.mallory))  # the bot meets Mallory
        told = await reply(tg, chat, tg.send_text(chat, "/deny @mallory", user=people.olga))
        assert told.plain_text == "⛔ Mallory (6666) may not use the bot any more."
        refused = tg.send_text(chat, "/imagine@mj_test_bot Mallory's fox", user=people.mallory)
        assert "This bot is private" in (await reply(tg, chat, refused)).plain_text
    assert submits(sim) == []


async def test_an_outsider_pressing_a_button_is_told_in_an_alert(tg: FakeTelegram, sim: Simulator, settings_for):
    people, chat = cast(tg), group(tg)
    async with running(allowlist(settings_for)):
        grid = await draws(tg, chat, people.olga, "the operator's fox in a group nobody let in")
        query = tg.press(chat, grid.message_id, grid.callback_data_for("U1"), user=people.mallory)
        await tg.wait_for(lambda: query in tg.answers())
    answer = tg.answers()[query]
    assert answer["show_alert"] is True
    assert answer["text"] == f"🔒 This bot is private. Ask its operator to let you in; your user id is {MALLORY}."
    assert submits(sim) == ["/mj/submit/imagine"]
