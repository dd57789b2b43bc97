"""Quotas and fairness: a person's daily and at-once limits, a group's daily limit, and the bot's own
queue in front of the provider account's slots. Only successes count; operators change limits from
Telegram; /usage and /stats tell how much was used."""

from __future__ import annotations

import itertools
import time

from bot.simulator import Simulator
from tests.conftest import running
from tests.fake_telegram import Chat, FakeTelegram, JSONDict, Message
from tests.people import OLGA, cast, group
from tests.test_access import draws, reply
from tests.test_flow import finished, showing, status_reply_to


def imagines(sim: Simulator) -> list[str]:
    return [r.json["prompt"] for r in sim.requests if r.path.endswith("/submit/imagine") and r.json]


async def refused(tg: FakeTelegram, chat: Chat, user: JSONDict, prompt: str) -> Message:
    """The bot's answer to an /imagine that a limit stops."""
    return await reply(tg, chat, tg.send_text(chat, f"/imagine@mj_test_bot {prompt}", user=user))


async def test_a_daily_limit_counts_only_what_succeeded(tg: FakeTelegram, sim: Simulator, settings_for):
    people, chat = cast(tg), tg.private_chat()
    async with running(settings_for(daily_limit=1)):
        sim.config.fail_reason = "Banned prompt detected"
        request = tg.send_text(chat, "/imagine a fox that fails", user=people.alice)
        await showing(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id, "couldn't finish")
        sim.config.fail_reason = None
        grid = await draws(tg, chat, people.alice, "a fox that succeeds")  # the failure cost Alice nothing
        answer = await refused(tg, chat, people.alice, "a fox too many")
        query = tg.press(chat, grid.message_id, grid.callback_data_for("U1"), user=people.alice)
        await tg.wait_for(lambda: query in tg.answers())
    assert answer.plain_text.startswith("🧮 That was today's last job for you (your daily limit is 1).")
    assert "midnight (UTC)" in answer.plain_text
    assert tg.answers()[query]["show_alert"] is True
    assert tg.answers()[query]["text"].startswith("🧮 That was today's last job for you")
    assert imagines(sim) == ["a fox that fails", "a fox that succeeds"]  # nothing submitted for the third
    assert not [r for r in sim.requests if r.path.endswith("/submit/action")]


async def test_a_person_may_run_only_so_many_at_once(tg: FakeTelegram, sim: Simulator, settings_for):
    people, chat = cast(tg), tg.private_chat()
    sim.config.never_finish = True
    async with running(settings_for(in_flight_limit=1)):
        request = tg.send_text(chat, "/imagine a fox that takes its time", user=people.alice)
        await showing(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id, "Drawing")
        answer = await refused(tg, chat, people.alice, "a second fox at once")
    assert answer.plain_text.startswith("⏳ You have 1 job under way already, the most you may have at once is 1.")
    assert imagines(sim) == ["a fox that takes its time"]


async def test_a_group_limit_and_operators_changing_limits(tg: FakeTelegram, sim: Simulator, settings_for):
    people, chat = cast(tg), group(tg)
    bobs = tg.private_chat(1002, "Bob", "bob")
    async with running(settings_for(group_daily_limit=1, admin_ids=frozenset({OLGA}))):
        await draws(tg, chat, people.alice, "Alice's fox in the group")
        answer = await refused(tg, chat, people.bob, "Bob's fox in the group")
        assert answer.plain_text.startswith("🧮 This group has used all its jobs for today (its daily limit is 1).")
        await draws(tg, bobs, people.bob, "Bob's fox at home")  # the group's limit is the group's

        told = await reply(tg, chat, tg.send_text(chat, "/limit here 2", user=people.olga))
        assert told.plain_text == "📏 This group: 2 a day."
        await draws(tg, chat, people.bob, "Bob's fox in the group after all")

        told = await reply(tg, bobs, tg.send_text(bobs, "/limit @bob 2 1", user=people.olga))
        assert told.plain_text == "📏 Bob (1002): 2 a day, 1 at once."
        answer = await refused(tg, bobs, people.bob, "Bob's third fox")
        assert answer.plain_text.startswith("🧮 That was today's last job for you (your daily limit is 2).")

        usage = await reply(tg, bobs, tg.send_text(bobs, "/usage", user=people.bob))
        assert usage.plain_text.splitlines()[:3] == [
            "📊 Your jobs today",
            "✅ done: 2 · ⏳ under way: 0",
            "📏 limits: 2 a day, 1 at once",
        ]
        told = await reply(tg, bobs, tg.send_text(bobs, "/limit @bob default", user=people.olga))
        assert told.plain_text == "📏 Bob (1002): 50 a day, 1 at once."  # only the daily limit went back
        told = await reply(tg, bobs, tg.send_text(bobs, "/limit @bob off off", user=people.olga))
        assert told.plain_text == "📏 Bob (1002): no limit a day, no limit at once."
        usage = await reply(tg, chat, tg.send_text(chat, "/usage", user=people.alice))
        assert "👥 this group today: 2 of 2" in usage.plain_text
        wrong = await reply(tg, chat, tg.send_text(chat, "/limit @bob lots", user=people.olga))
        assert "/limit @username 20" in wrong.plain_text
    assert len(imagines(sim)) == 3


async def test_stats_for_operators(tg: FakeTelegram, sim: Simulator, settings_for):
    people, chat = cast(tg), tg.private_chat(OLGA, "Olga", "olga")
    async with running(settings_for(admin_ids=frozenset({OLGA}))):
        alices = tg.private_chat()
        await draws(tg, alices, people.alice, "a fox to count")
        sim.config.fail_reason = "Banned prompt detected"
        request = tg.send_text(alices, "/imagine a fox that fails", user=people.alice)
        await showing(tg, alices, (await status_reply_to(tg, alices, request.message_id)).message_id, "couldn't")
        told = await reply(tg, alices, tg.send_text(alices, "/stats", user=people.alice))
        assert told.plain_text == "🔒 Only the bot's operators can do that."
        stats = await reply(tg, chat, tg.send_text(chat, "/stats", user=people.olga))
    today = time.strftime("%Y-%m-%d", time.gmtime())
    lines = stats.plain_text.splitlines()
    assert lines[0] == "📈 The last 7 days"
    assert lines[1].startswith(f"{today} · 2 jobs · ✅ 1 · ❌ 1 · ⌀ ")
    assert lines[-1].startswith("Alice · 2 jobs · ✅ 1 · ❌ 1 · ⌀ ")


async def test_beyond_the_accounts_slots_jobs_wait_in_order_and_show_their_place(
    tg: FakeTelegram, sim: Simulator, settings_for
):
    people, chat = cast(tg), tg.private_chat()
    sim.config.render_seconds = 1.5
    async with running(settings_for(max_in_flight=1)):
        statuses = []
        for n in (1, 2, 3):  # one after another, so they are queued in this order
            request = tg.send_text(chat, f"/imagine fox number {n}", user=people.alice)
            statuses.append(await status_reply_to(tg, chat, request.message_id))
        await showing(tg, chat, statuses[2].message_id, "Waiting for a free slot · 1 ahead of you")
        await showing(tg, chat, statuses[1].message_id, "Next in line")
        for status in statuses:
            await finished(tg, chat, status.message_id)
    assert imagines(sim) == ["fox number 1", "fox number 2", "fox number 3"]
    tasks = sorted(sim.tasks.values(), key=lambda t: t.submit_ms)
    now = time.time() * 1000
    for earlier, later in itertools.pairwise(tasks):
        finish = earlier.phase(now).finish_ms
        assert finish is not None
        assert later.submit_ms >= finish  # never two at the provider at once
    third = [snapshot.caption or "" for snapshot in tg.message(chat, statuses[2].message_id).history]
    assert [c.split("\n")[0] for c in third[:2]] == [
        "⏸ Waiting for a free slot · 1 ahead of you",
        "⏸ Next in line for a free slot",
    ]


async def test_the_bots_queue_survives_a_restart(tg: FakeTelegram, sim: Simulator, settings_for):
    people, chat = cast(tg), tg.private_chat()
    sim.config.never_finish = True
    async with running(settings_for(max_in_flight=1)):
        first = await status_reply_to(
            tg, chat, tg.send_text(chat, "/imagine the first fox", user=people.alice).message_id
        )
        await showing(tg, chat, first.message_id, "Drawing")
        sim.config.never_finish = False
        second = await status_reply_to(
            tg, chat, tg.send_text(chat, "/imagine the second fox", user=people.alice).message_id
        )
        await showing(tg, chat, second.message_id, "Next in line")
    assert imagines(sim) == ["the first fox"]
    async with running(settings_for(max_in_flight=1)):
        [held] = sim.tasks
        sim.finish_now(held)  # the slot frees up while the bot runs again
        await finished(tg, chat, first.message_id)
        await finished(tg, chat, second.message_id)
    assert imagines(sim) == ["the first fox", "the second fox"]
