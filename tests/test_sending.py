"""The send path: Telegram's budgets, lanes, replaced progress edits, and 429s that hold back one chat only.

The first tests drive `Sender` as PTB does (`process_request` with a callback standing in for the HTTP
request) and look at the order requests left in; the last ones run the bot with Telegram's real budgets
against the fake Bot API's flood control.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.config import Settings
from bot.simulator import Simulator
from bot.telegram.sending import MAX_RETRIES, Budgets, Lane, Overtaken, Send, Sender
from tests.conftest import running
from tests.fake_telegram import FakeTelegram
from tests.test_flow import GRID_ROWS, finished, result_buttons, status_reply_to

PRIVATE, OTHER, GROUP = 1001, 1002, -100500


@pytest.fixture
async def sender() -> AsyncIterator[Sender]:
    # One request per chat at a time (no burst) and a short spacing: the order is what is looked at.
    sender = Sender(Budgets(chat_spacing=0.05, chat_burst=1, chat_margin=0))
    await sender.initialize()
    yield sender
    await sender.shutdown()


class Telegram:
    """Stands in for PTB's HTTP request: records what left, in order, and answers 429 where told to."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.flooded: dict[str, int] = {}  # name → retry_after of the next attempt (once)

    def request(self, sender: Sender, chat_id: int, name: str, how: Send | None = None, **kw: Any) -> Any:
        async def call() -> bool:
            if name in self.flooded:
                self.sent.append(f"{name} (429)")
                raise RetryAfter(self.flooded.pop(name))
            self.sent.append(name)
            return True

        endpoint = kw.get("endpoint", "sendMessage")
        data = {"chat_id": chat_id} if chat_id else {}
        return sender.process_request(call, (), {}, endpoint, data, how)


async def started(*coroutines: Any) -> list[asyncio.Task[Any]]:
    """Start the requests in this order and let each reach its place in the queue."""
    tasks = [asyncio.create_task(c) for c in coroutines]
    await asyncio.sleep(0)
    return tasks


async def test_answers_results_status_messages_then_progress_when_a_chat_has_to_wait(sender: Sender) -> None:
    telegram = Telegram()
    await telegram.request(sender, PRIVATE, "earlier")  # the chat's budget is spent for one spacing
    tasks = await started(
        telegram.request(sender, PRIVATE, "progress", Send(Lane.PROGRESS, "m1")),
        telegram.request(sender, PRIVATE, "status", Send(Lane.STATUS, "s2")),
        telegram.request(sender, PRIVATE, "result", Send(Lane.RESULT, "m3")),
        telegram.request(sender, PRIVATE, "answer"),
    )
    await asyncio.gather(*tasks)
    assert telegram.sent == ["earlier", "answer", "result", "status", "progress"]


async def test_a_waiting_progress_edit_is_replaced_by_the_newer_state_of_its_message(sender: Sender) -> None:
    telegram = Telegram()
    await telegram.request(sender, PRIVATE, "earlier")
    older, other, newer = await started(
        telegram.request(sender, PRIVATE, "30%", Send(Lane.PROGRESS, "m1")),
        telegram.request(sender, PRIVATE, "another message 40%", Send(Lane.PROGRESS, "m2")),
        telegram.request(sender, PRIVATE, "60%", Send(Lane.PROGRESS, "m1")),
    )
    with pytest.raises(Overtaken):
        await older
    await asyncio.gather(other, newer)
    assert telegram.sent == ["earlier", "another message 40%", "60%"]


async def test_the_outcome_replaces_a_waiting_progress_edit_and_waits_for_one_on_its_way(sender: Sender) -> None:
    telegram = Telegram()
    release = asyncio.Event()

    async def slow_edit() -> bool:
        telegram.sent.append("10% (on its way)")
        await release.wait()
        telegram.sent.append("10% answered")
        return True

    on_its_way = asyncio.create_task(
        sender.process_request(slow_edit, (), {}, "editMessageMedia", {"chat_id": PRIVATE}, Send(Lane.PROGRESS, "m"))
    )
    await asyncio.sleep(0.01)
    waiting, outcome = await started(
        telegram.request(sender, PRIVATE, "50%", Send(Lane.PROGRESS, "m")),
        telegram.request(sender, PRIVATE, "outcome", Send(Lane.RESULT, "m")),
    )
    with pytest.raises(Overtaken):
        await waiting
    await asyncio.sleep(0.1)  # the chat's budget is free again: only the edit on its way holds the outcome
    assert telegram.sent == ["10% (on its way)"]
    release.set()
    await asyncio.gather(on_its_way, outcome)
    assert telegram.sent == ["10% (on its way)", "10% answered", "outcome"]


async def test_a_429_holds_back_its_chat_only(sender: Sender) -> None:
    telegram = Telegram()
    telegram.flooded["in the flooded chat"] = 1
    flooded = asyncio.create_task(telegram.request(sender, PRIVATE, "in the flooded chat", Send(Lane.RESULT)))
    await asyncio.sleep(0.1)  # the 429 has come back
    await telegram.request(sender, OTHER, "elsewhere")
    await telegram.request(sender, GROUP, "in a group")
    await flooded
    assert telegram.sent == ["in the flooded chat (429)", "elsewhere", "in a group", "in the flooded chat"]


async def test_after_max_retries_the_429_reaches_the_caller(sender: Sender) -> None:
    calls = 0

    async def always_flooded() -> bool:
        nonlocal calls
        calls += 1
        raise RetryAfter(0)

    with pytest.raises(RetryAfter):
        await sender.process_request(always_flooded, (), {}, "sendMessage", {"chat_id": PRIVATE}, None)
    assert calls == MAX_RETRIES + 1


async def test_what_telegram_does_not_count_passes_while_the_chat_waits(sender: Sender) -> None:
    telegram = Telegram()
    await telegram.request(sender, PRIVATE, "earlier")
    (waiting,) = await started(telegram.request(sender, PRIVATE, "waits its turn"))
    await telegram.request(sender, 0, "answerCallbackQuery", endpoint="answerCallbackQuery")
    await telegram.request(sender, PRIVATE, "sendChatAction", endpoint="sendChatAction")
    await waiting
    assert telegram.sent == ["earlier", "answerCallbackQuery", "sendChatAction", "waits its turn"]


async def test_a_withdrawn_request_is_never_sent(sender: Sender) -> None:
    telegram = Telegram()
    await telegram.request(sender, PRIVATE, "earlier")
    status, answer = await started(
        telegram.request(sender, PRIVATE, "status message", Send(Lane.STATUS, ("status", 7))),
        telegram.request(sender, PRIVATE, "answer"),
    )
    assert sender.withdraw(PRIVATE, ("status", 7))
    with pytest.raises(Overtaken):
        await status
    await answer
    assert not sender.withdraw(PRIVATE, ("status", 7))  # nothing of that key waits any more
    assert telegram.sent == ["earlier", "answer"]


async def test_a_caller_that_gives_up_as_its_turn_comes_holds_nothing_up() -> None:
    # The stop cancels a worker in the very moment the dispatcher would let its request go.
    now = [0.0]
    sender = Sender(Budgets(chat_spacing=10, chat_burst=1, chat_margin=0), clock=lambda: now[0])
    await sender.initialize()
    telegram = Telegram()
    await telegram.request(sender, PRIVATE, "earlier")
    [given_up] = await started(telegram.request(sender, PRIVATE, "result", Send(Lane.RESULT, "m1")))
    now[0] = 100.0
    sender._wake.set()
    given_up.cancel()
    await asyncio.gather(given_up, return_exceptions=True)
    now[0] = 200.0
    await asyncio.wait_for(telegram.request(sender, PRIVATE, "the next result", Send(Lane.RESULT, "m1")), 2)
    await sender.shutdown()
    assert telegram.sent == ["earlier", "the next result"]


async def test_progress_asked_for_after_the_outcome_is_never_sent(sender: Sender) -> None:
    telegram = Telegram()
    await telegram.request(sender, PRIVATE, "earlier")
    outcome, late = await started(
        telegram.request(sender, PRIVATE, "outcome", Send(Lane.RESULT, "m1")),
        telegram.request(sender, PRIVATE, "60%", Send(Lane.PROGRESS, "m1")),
    )
    assert await outcome is True
    with pytest.raises(Overtaken):
        await late
    assert telegram.sent == ["earlier", "outcome"]


async def test_a_status_message_its_outcome_waits_for_is_retried_among_the_results(sender: Sender) -> None:
    sent: list[str] = []
    flooded = asyncio.Event()

    async def status() -> bool:
        if not sent:
            sent.append("status (429)")
            assert not sender.withdraw(PRIVATE, "s1")  # on its way: the outcome has to wait for it
            flooded.set()
            raise RetryAfter(1)
        sent.append("status")
        return True

    async def result() -> bool:
        sent.append("another result")
        return True

    posting = asyncio.create_task(
        sender.process_request(status, (), {}, "sendPhoto", {"chat_id": PRIVATE}, Send(Lane.STATUS, "s1"))
    )
    await flooded.wait()
    other = sender.process_request(result, (), {}, "sendPhoto", {"chat_id": PRIVATE}, Send(Lane.RESULT, "m9"))
    await asyncio.gather(posting, other)
    assert sent == ["status (429)", "status", "another result"]


async def test_an_album_counts_as_the_messages_it_posts() -> None:
    sender = Sender(Budgets(chat_spacing=10, chat_burst=1, chat_margin=0), clock=lambda: 0.0)
    await sender.initialize()

    async def telegram() -> bool:
        return True

    album = {"chat_id": PRIVATE, "media": [{"type": "video"}] * 3}
    await sender.process_request(telegram, (), {}, "sendMediaGroup", album, None)
    await sender.process_request(telegram, (), {}, "sendMessage", {"chat_id": OTHER}, None)
    ready = {chat_id: chat.ready_at(0.0) for chat_id, chat in sender._chats.items()}
    await sender.shutdown()
    assert ready == {PRIVATE: 30.0, OTHER: 10.0}  # three messages' worth of the chat's pace, against one


async def test_a_chat_gets_a_short_burst_then_one_request_a_spacing() -> None:
    spacing = 0.05
    sender, telegram = Sender(Budgets(chat_spacing=spacing, chat_burst=3, chat_margin=0)), Telegram()
    left: list[float] = []

    async def timed(n: int) -> None:
        await telegram.request(sender, PRIVATE, f"m{n}")
        left.append(asyncio.get_running_loop().time())

    started_at = asyncio.get_running_loop().time()
    await asyncio.gather(*(timed(n) for n in range(6)))
    await sender.shutdown()
    offsets = [round((t - started_at) / spacing) for t in left]
    assert offsets[:3] == [0, 0, 0]  # the burst
    assert offsets[3:] == [3, 4, 5]  # then never more than k requests in k spacings


async def test_a_group_gets_its_minute_budget() -> None:
    budgets = Budgets(chat_spacing=0.001, chat_burst=100, chat_margin=0, group_limit=3, group_span=0.3)
    sender, telegram = Sender(budgets), Telegram()
    await asyncio.gather(*(telegram.request(sender, GROUP, f"g{n}") for n in range(3)))
    fourth = asyncio.create_task(telegram.request(sender, GROUP, "g3"))
    await telegram.request(sender, PRIVATE, "a private chat is not held")
    assert telegram.sent == ["g0", "g1", "g2", "a private chat is not held"]
    await fourth
    await sender.shutdown()
    assert telegram.sent[-1] == "g3"


async def test_progress_edits_use_only_their_share_of_a_groups_minute() -> None:
    budgets = Budgets(
        chat_spacing=0.001, chat_burst=100, chat_margin=0, group_limit=4, group_span=0.3, group_progress=2
    )
    sender, telegram = Sender(budgets), Telegram()
    for n in range(2):
        await telegram.request(sender, GROUP, f"progress {n}", Send(Lane.PROGRESS, f"m{n}"))
    (third,) = await started(telegram.request(sender, GROUP, "progress 2", Send(Lane.PROGRESS, "m2")))
    await telegram.request(sender, PRIVATE, "elsewhere")  # the send path had its turn since the third edit came
    await telegram.request(sender, GROUP, "result", Send(Lane.RESULT, "m9"))  # the group's minute has room for it
    assert telegram.sent == ["progress 0", "progress 1", "elsewhere", "result"]
    await third  # once the first edits are out of the window
    await sender.shutdown()
    assert telegram.sent[-1] == "progress 2"


# -- the bot with Telegram's real budgets ---------------------------------------------------------------


async def test_jobs_in_groups_and_private_chats_stay_inside_telegrams_budgets(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
) -> None:
    tg.flood_control()  # the Bots FAQ numbers
    async with running(settings_for(status_edit_interval=0.0), budgets=None):
        group, alice, bob = tg.group_chat(), tg.private_chat(), tg.private_chat(1002, "Bob", "bob")
        requests = [(group, tg.send_text(group, f"/imagine@mj_test_bot fox {n}")) for n in range(3)]
        requests += [(chat, tg.send_text(chat, f"/imagine fox of {name}")) for chat, name in ((alice, "a"), (bob, "b"))]
        statuses = [(chat, await status_reply_to(tg, chat, r.message_id)) for chat, r in requests]
        grids = [await finished(tg, chat, status.message_id) for chat, status in statuses]
    assert all(grid.button_rows == GRID_ROWS for grid in grids)
    assert not tg.flood_errors()  # the bot kept within the budgets: Telegram never had to push back


async def test_a_chat_under_flood_control_holds_up_no_other_chat(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
) -> None:
    async with running(settings_for()):
        alice, bob = tg.private_chat(), tg.private_chat(1002, "Bob", "bob")
        tg.fail_next("editMessageMedia", error_code=429, retry_after=8)  # alice's first progress edit: 8 s for her chat
        slow = tg.send_text(alice, "/imagine a fox in a crowded chat")
        slow_status = await status_reply_to(tg, alice, slow.message_id)
        await tg.wait_for(lambda: [c for c in tg.calls_to("editMessageMedia") if c.error_code == 429])
        fast = tg.send_text(bob, "/imagine a fox in a quiet chat")
        fast_status = await status_reply_to(tg, bob, fast.message_id)
        await finished(tg, bob, fast_status.message_id)  # a job of about a second, at its own pace
        alice_then = tg.message(alice, slow_status.message_id)
        assert result_buttons(alice_then) == []  # bob's result came while alice's chat was still held back
        await finished(tg, alice, slow_status.message_id)


async def test_a_status_message_overtaken_by_its_outcome_is_never_posted(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
) -> None:
    sim.config.queue_full = True  # the outcome is ready at once: a refusal
    async with running(settings_for()):
        chat = tg.private_chat()
        tg.fail_next("sendPhoto", error_code=429, retry_after=2)  # the status message has to wait 2 s
        request = tg.send_text(chat, "/imagine a fox in a full queue")
        refusal = await tg.wait_for(lambda: tg.last_bot_message(chat))
        assert "queue" in refusal.plain_text.lower()
        assert refusal.reply_to_message_id == request.message_id
        later = tg.send_text(chat, "/start")  # answered after the refusal: the status message's turn came and went
        await tg.wait_for(lambda: (m := tg.last_bot_message(chat)) is not None and m.message_id > later.message_id)
    answers = [m for m in tg.bot_messages(chat) if m.reply_to_message_id == request.message_id]
    assert answers == [refusal]  # no status message came after its outcome
    assert len(tg.calls_to("sendPhoto")) == 1  # the one that met flood control
