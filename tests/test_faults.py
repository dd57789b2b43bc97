"""Bad days, one fault at a time, each aimed at Alice while Bob draws at the same moment.

Provider faults are scripted in the simulator (`Fault`), Telegram's in the fake Bot API (`fail_next`,
`drop_next` for one chat). Each test asserts what Alice is told, or that she still gets her result, and that
Bob gets his grid meanwhile.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Callable

import pytest

import bot.app as app_module
import bot.jobs.scheduler as scheduler_module
from bot.app import StartupError, serve
from bot.config import Settings
from bot.mj import MJClient
from bot.simulator import Simulator
from bot.simulator.config import Fault
from tests.conftest import MJ_KEY, running
from tests.fake_telegram import Chat, FakeTelegram, Message
from tests.test_flow import GRID_ROWS, finished, showing, status_reply_to

TROUBLE = "a fox in trouble"


@pytest.fixture
def alice(tg: FakeTelegram) -> Chat:
    return tg.private_chat()


@pytest.fixture
def bob(tg: FakeTelegram) -> Chat:
    return tg.private_chat(2002, "Bob", "bob")


async def _both_draw(tg: FakeTelegram, alice: Chat, bob: Chat) -> tuple[Message, Message]:
    """Alice's and Bob's status messages, for prompts sent at the same moment."""
    mine = tg.send_text(alice, f"/imagine {TROUBLE}")
    his = tg.send_text(bob, "/imagine a fox for Bob")
    return await status_reply_to(tg, alice, mine.message_id), await status_reply_to(tg, bob, his.message_id)


async def _bob_is_served(tg: FakeTelegram, bob: Chat, status: Message) -> None:
    grid = await finished(tg, bob, status.message_id)
    assert grid.button_rows == GRID_ROWS
    assert grid.plain_text.startswith("a fox for Bob")


def _submits(sim: Simulator) -> list[object]:
    return [r for r in sim.requests if r.path.endswith("/submit/imagine")]


def _task_of(sim: Simulator, words: str) -> str | None:
    return next((t.id for t in sim.tasks.values() if words in (t.prompt or "")), None)


@pytest.fixture
async def quick_timeout(settings_for: Callable[..., Settings]) -> AsyncIterator[None]:
    async with running(settings_for(mj_timeout=1.0)):
        yield


# -- the provider ----------------------------------------------------------------------------------


async def test_a_submit_whose_answer_times_out_is_found_and_finished(tg, sim: Simulator, alice, bob, quick_timeout):
    sim.config.faults = [Fault("submit/imagine", "delay", prompt=TROUBLE, seconds=3, after=True)]
    mine, his = await _both_draw(tg, alice, bob)
    await _bob_is_served(tg, bob, his)
    grid = await finished(tg, alice, mine.message_id)  # the task was made; its id came from the task list
    assert grid.button_rows == GRID_ROWS
    assert len(_submits(sim)) == 2  # never sent again


async def test_a_lost_submit_is_never_confused_with_another_bots_task(
    tg, sim: Simulator, alice, settings_for: Callable[..., Settings]
):
    sim.config.faults = [Fault("submit/imagine", "delay", prompt=TROUBLE, seconds=3, after=True)]
    async with running(settings_for(mj_timeout=1.0)) as bot:
        mine = await status_reply_to(tg, alice, tg.send_text(alice, f"/imagine {TROUBLE}").message_id)
        await tg.wait_for(lambda: _task_of(sim, TROUBLE) is not None)
        # While Alice's answer is held up, another deployment on the same account (TA lists everyone's
        # tasks) submits its own job 1.
        async with MJClient(sim.base_url, MJ_KEY) as other:
            foreign = await other.imagine("someone else's private fox", state="mjbot:1")
        grid = await finished(tg, alice, mine.message_id)
        job = await bot.runner.records.shown_in(alice.id, mine.message_id)
    assert grid.plain_text.startswith(TROUBLE)
    assert job is not None
    assert job.task_id == _task_of(sim, TROUBLE)
    assert job.task_id != foreign.task_id


async def test_a_submit_the_provider_makes_only_after_we_gave_up_is_found_later(
    tg, sim: Simulator, alice, bob, quick_timeout, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(scheduler_module, "STALE_SUBMIT_SECONDS", 4.0)
    sim.config.faults = [Fault("submit/imagine", "delay", prompt=TROUBLE, seconds=3)]  # made only after we gave up
    mine, his = await _both_draw(tg, alice, bob)
    await _bob_is_served(tg, bob, his)
    grid = await finished(tg, alice, mine.message_id)  # looked for again before giving up: paid for, so shown
    assert grid.button_rows == GRID_ROWS
    assert len(_submits(sim)) == 2  # never sent again


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        (Fault("submit/imagine", "reset", prompt=TROUBLE), "stopped answering"),
        (Fault("submit/imagine", "status", prompt=TROUBLE, status=500, body=""), "stopped answering"),
        (
            Fault("submit/imagine", "status", prompt=TROUBLE, status=502, body="<html><title>502</title></html>"),
            "stopped answering",
        ),
        (Fault("submit/imagine", "status", prompt=TROUBLE, status=429, retry_after="30"), "queue is full"),
        (Fault("submit/imagine", "status", prompt=TROUBLE, status=429), "queue is full"),
    ],
    ids=["connection reset", "500", "HTML 502 page", "429 with Retry-After", "429 without Retry-After"],
)
async def test_a_refused_or_dropped_submit_gets_its_own_words(
    tg, sim: Simulator, bot, alice, bob, fault: Fault, words: str
):
    sim.config.faults = [fault]
    mine, his = await _both_draw(tg, alice, bob)
    await _bob_is_served(tg, bob, his)
    told = await showing(tg, alice, mine.message_id, words)
    assert told.reply_markup is None
    assert "<html>" not in told.plain_text
    assert len(_submits(sim)) == 2  # a submit is never retried on its own


async def test_a_truncated_answer_to_a_submit_that_was_made_is_recovered(tg, sim: Simulator, bot, alice, bob):
    sim.config.faults = [Fault("submit/imagine", "truncate", prompt=TROUBLE)]
    mine, his = await _both_draw(tg, alice, bob)
    await _bob_is_served(tg, bob, his)
    grid = await finished(tg, alice, mine.message_id)
    assert grid.button_rows == GRID_ROWS


@pytest.mark.parametrize("retry_after", ["1", None], ids=["with Retry-After", "without Retry-After"])
async def test_a_busy_provider_during_look_ups_is_waited_out(tg, sim: Simulator, bot, alice, bob, retry_after):
    mine, his = await _both_draw(tg, alice, bob)
    await tg.wait_for(lambda: len(sim.tasks) == 2)
    sim.config.faults = [Fault("task/list-by-condition", "status", status=429, retry_after=retry_after, times=2)]
    await _bob_is_served(tg, bob, his)
    assert (await finished(tg, alice, mine.message_id)).button_rows == GRID_ROWS
    lookups = [r for r in sim.requests if r.path.endswith("/list-by-condition")]
    assert len(lookups) >= 3  # two answered 429, then the look-ups went on


@pytest.mark.parametrize(
    "fault",
    [
        Fault("task/list-by-condition", "reset", times=2),
        Fault("task/list-by-condition", "delay", seconds=2, times=2),
        Fault("task/list-by-condition", "status", status=502, body="<html><h1>502</h1></html>", times=2),
        Fault("task/list-by-condition", "truncate", times=2),
    ],
    ids=["connection reset", "timeout", "HTML 502 page", "truncated JSON"],
)
async def test_look_ups_that_go_wrong_are_ridden_out(tg, sim: Simulator, alice, bob, quick_timeout, fault: Fault):
    mine, his = await _both_draw(tg, alice, bob)
    await tg.wait_for(lambda: len(sim.tasks) == 2)
    fault = dataclasses.replace(fault)  # its countdown is this test's own
    sim.config.faults = [fault]
    await _bob_is_served(tg, bob, his)
    assert (await finished(tg, alice, mine.message_id)).button_rows == GRID_ROWS
    assert fault.times == 0  # both bad answers were given, and the look-ups went on
    assert "<html>" not in tg.message(alice, mine.message_id).plain_text


async def test_a_task_that_vanishes_is_reported_lost(tg, sim: Simulator, bot, alice, bob):
    sim.config.render_seconds = 3.0
    mine, his = await _both_draw(tg, alice, bob)
    task_id = await tg.wait_for(lambda: _task_of(sim, TROUBLE))
    del sim.tasks[task_id]  # the provider forgets it (a restart of its own, a cleaned-up queue)
    told = await showing(tg, alice, mine.message_id, "lost track of this job")
    assert "Please send it again" in told.plain_text
    await _bob_is_served(tg, bob, his)


@pytest.mark.parametrize(
    "kind",
    [Fault("", "status", status=500, times=10), Fault("", "corrupt", times=10)],
    ids=["download fails", "image corrupt"],
)
async def test_a_result_image_that_cannot_be_had_keeps_the_link(tg, sim: Simulator, bot, alice, bob, kind: Fault):
    sim.config.render_seconds = 1.5
    mine, his = await _both_draw(tg, alice, bob)
    task_id = await tg.wait_for(lambda: _task_of(sim, TROUBLE))
    kind.route = f"/images/{task_id}.png"  # the finished grid only; previews still come
    sim.config.faults = [kind]
    told = await finished(tg, alice, mine.message_id)  # the buttons still work from the provider's side
    assert "couldn't download it" in told.plain_text
    await _bob_is_served(tg, bob, his)


# -- Telegram ----------------------------------------------------------------------------------------


async def test_telegram_429_is_waited_out_as_told(tg: FakeTelegram, sim: Simulator, bot, alice, bob):
    sim.config.previews = False
    tg.fail_next("editMessageMedia", error_code=429, retry_after=1, chat=alice)
    mine, his = await _both_draw(tg, alice, bob)
    await _bob_is_served(tg, bob, his)
    grid = await finished(tg, alice, mine.message_id)
    assert grid.button_rows == GRID_ROWS
    edits = [c for c in tg.calls_to("editMessageMedia") if c.params.get("chat_id") == alice.id]
    assert [c.error_code for c in edits] == [429, None]
    assert edits[1].at - edits[0].at >= 1.0  # as Telegram said


async def test_message_not_modified_is_no_error(tg: FakeTelegram, sim: Simulator, bot, alice, bob):
    sim.config.previews = False  # progress is shown by caption edits
    not_modified = "Bad Request: message is not modified: specified new message content and reply markup are exactly"
    tg.fail_next("editMessageCaption", description=not_modified, chat=alice, times=2)
    mine, his = await _both_draw(tg, alice, bob)
    await _bob_is_served(tg, bob, his)
    assert (await finished(tg, alice, mine.message_id)).button_rows == GRID_ROWS
    assert not [m for m in tg.bot_messages(alice) if "went wrong" in m.plain_text]


async def test_a_status_message_telegram_cannot_find_gets_the_result_anew(tg: FakeTelegram, sim, bot, alice, bob):
    sim.config.previews = False
    tg.fail_next("editMessageMedia", description="Bad Request: message to edit not found", chat=alice)
    mine, his = await _both_draw(tg, alice, bob)
    await _bob_is_served(tg, bob, his)
    result = await tg.wait_for(lambda: next((m for m in tg.bot_messages(alice) if m.reply_markup), None))
    assert result.message_id != mine.message_id
    assert result.button_rows == GRID_ROWS


async def test_network_errors_towards_telegram_are_retried(tg: FakeTelegram, sim: Simulator, bot, alice, bob):
    sim.config.previews = False
    tg.drop_next("editMessageMedia", chat=alice, times=2)
    mine, his = await _both_draw(tg, alice, bob)
    await _bob_is_served(tg, bob, his)
    grid = await finished(tg, alice, mine.message_id)
    assert grid.button_rows == GRID_ROWS
    assert len([c for c in tg.calls_to("editMessageMedia") if c.params.get("chat_id") == alice.id]) == 3


async def test_a_person_who_blocks_the_bot_is_left_alone_until_they_come_back(tg: FakeTelegram, sim, bot, alice, bob):
    sim.config.render_seconds = 1.0
    _, his = await _both_draw(tg, alice, bob)
    tg.set_blocked(alice)
    await _bob_is_served(tg, bob, his)
    await tg.wait_for(lambda: [c for c in tg.calls if c.params.get("chat_id") == alice.id and c.error_code == 403])

    async def settled() -> bool:  # her job is given up on, not retried all day
        return not await bot.runner.records.undelivered()

    await tg.wait_for(settled)
    tg.set_blocked(alice, False)  # she unblocks the bot and asks again
    request = tg.send_text(alice, "/imagine a fox for the returning Alice")
    grid = await finished(tg, alice, (await status_reply_to(tg, alice, request.message_id)).message_id)
    assert grid.button_rows == GRID_ROWS
    refused = [c for c in tg.calls if c.params.get("chat_id") == alice.id and c.error_code == 403]
    assert len(refused) <= 2  # found out once by an edit, the outcome tried once, never again


async def test_a_group_that_migrates_mid_job_gets_its_result_in_the_supergroup(tg: FakeTelegram, sim, bot, bob):
    sim.config.render_seconds = 1.0
    group = tg.group_chat(-500, "Foxes", kind="group")
    mine = tg.send_text(group, f"/imagine@mj_test_bot {TROUBLE}")
    his = tg.send_text(bob, "/imagine a fox for Bob")
    await status_reply_to(tg, group, mine.message_id)
    supergroup = tg.migrate_to_supergroup(group)
    await _bob_is_served(tg, bob, await status_reply_to(tg, bob, his.message_id))
    result = await tg.wait_for(lambda: next((m for m in tg.bot_messages(supergroup) if m.reply_markup), None))
    assert result.button_rows == GRID_ROWS


async def test_a_second_instance_on_the_token_stops_the_first_with_one_line(
    tg: FakeTelegram,
    sim: Simulator,
    settings_for: Callable[..., Settings],
    tmp_path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(app_module, "CONFLICT_GRACE", 2.0)  # in production the running instance is older
    first = asyncio.create_task(serve(settings_for()))
    await tg.wait_for(lambda: tg.active_polls)
    started = time.monotonic()
    await tg.wait_for(lambda: time.monotonic() - started > 2.5)  # the first instance is past its grace
    async with running(settings_for(database_path=tmp_path / "second" / "db.sqlite3")):
        with pytest.raises(StartupError) as stopped:
            await asyncio.wait_for(first, 30)
        chat = tg.private_chat()  # the instance that came last serves everyone
        request = tg.send_text(chat, "/imagine a fox for the newer instance")
        assert (await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)).reply_markup
    assert "another instance of this bot is polling Telegram" in str(stopped.value)
    conflicts = [r for r in caplog.records if "409" in r.getMessage() or "Conflict" in r.getMessage()]
    assert conflicts
    assert all(r.exc_info is None for r in conflicts)  # one line each, no traceback
    assert len([r for r in conflicts if r.levelno >= logging.ERROR and r.name == "bot.app"]) == 1
