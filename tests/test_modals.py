"""Midjourney's modals asked in chat: Custom Zoom, Remix, Vary (Region), picks; abandoned, lapsed, restarted.

The real Application against the fake Bot API and the simulator (docs/provider-api.md §7): the provider
answers code 21 (or, behind a relay, code 1 with the task in MODAL) and waits for /submit/modal.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from bot.app import BotRuntime
from bot.config import Settings
from bot.mj import AuthStyle
from bot.simulator import Simulator
from tests.conftest import running
from tests.fake_telegram import Chat, FakeTelegram, Message
from tests.test_flow import GRID_ROWS, finished, showing, status_reply_to


async def showing_button(tg: FakeTelegram, chat: Chat, message_id: int, label: str) -> None:
    def shown() -> bool:
        return any(label in row for row in tg.message(chat, message_id).button_rows)

    await tg.wait_for(shown)


def submits(sim: Simulator, route: str) -> list[dict[str, Any]]:
    return [r.json for r in sim.requests if r.path.endswith(route) and isinstance(r.json, dict)]


async def reply_to(tg: FakeTelegram, chat: Chat, message_id: int, *, nth: int = 0) -> Message:
    def find() -> Message | None:
        replies = [m for m in tg.bot_messages(chat) if m.reply_to_message_id == message_id]
        return replies[nth] if len(replies) > nth else None

    return await tg.wait_for(find, timeout=15)


async def upscale(tg: FakeTelegram, chat: Chat, prompt: str = "a fox in a forest --ar 3:2") -> Message:
    request = tg.send_text(chat, f"/imagine {prompt}")
    grid = await finished(tg, chat, (await reply_to(tg, chat, request.message_id)).message_id)
    tg.press(chat, grid.message_id, grid.callback_data_for("U1"))
    return await finished(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id)


async def press_and_ask(tg: FakeTelegram, chat: Chat, result: Message, label: str) -> tuple[Message, Message]:
    """Press `label` under `result`; returns the job's status message and the question it asks."""
    before = {m.message_id for m in tg.bot_messages(chat)}
    tg.press(chat, result.message_id, result.callback_data_for(label))

    def status_message() -> Message | None:
        return next(
            (
                m
                for m in tg.bot_messages(chat)
                if m.reply_to_message_id == result.message_id and m.photo and m.message_id not in before
            ),
            None,
        )

    status = await tg.wait_for(status_message, timeout=15)
    question = await reply_to(tg, chat, status.message_id)
    return status, question


def modal_task_id(sim: Simulator, custom_id_start: str) -> str:
    [task] = [t for t in sim.tasks.values() if t.custom_id.startswith(custom_id_start)]
    return task.id


@pytest.fixture
async def ta(tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]):
    sim.config.dialect, sim.config.auth_style = "ta", "raw"
    async with running(settings_for(mj_auth_style=AuthStyle.RAW)) as bot:
        yield bot


# -- Custom Zoom -------------------------------------------------------------------------------------


async def test_custom_zoom_asks_shows_the_prompt_and_sends_the_answer(tg: FakeTelegram, sim: Simulator, ta) -> None:
    chat = tg.private_chat()
    result = await upscale(tg, chat)
    status, question = await press_and_ask(tg, chat, result, "🔍 Custom Zoom")
    assert "Custom Zoom" in question.plain_text
    [current] = [code for code in question.entity_texts("code") if "fox" in code]
    assert current == "a fox in a forest --ar 3:2 --zoom 2"  # Midjourney's box starts with --zoom 2
    await showing(tg, chat, status.message_id, "Waiting for your answer")

    tg.send_text(chat, "a fox in a wide forest --ar 3:2 --zoom 1.5", reply_to=question.message_id)
    grid = await finished(tg, chat, status.message_id)
    assert grid.button_rows == GRID_ROWS
    [modal] = submits(sim, "/submit/modal")
    assert modal["taskId"] == modal_task_id(sim, "MJ::CustomZoom")  # the MODAL task, not its parent
    assert modal["prompt"] == "a fox in a wide forest --ar 3:2 --zoom 1.5"
    assert grid.plain_text.startswith("a fox in a wide forest")
    assert "Sent" in tg.message(chat, question.message_id).plain_text
    assert tg.message(chat, question.message_id).reply_markup is None


async def test_a_wrong_zoom_is_explained_and_nothing_is_sent(tg: FakeTelegram, sim: Simulator, ta) -> None:
    chat = tg.private_chat()
    result = await upscale(tg, chat)
    status, _ = await press_and_ask(tg, chat, result, "🔍 Custom Zoom")
    wrong = tg.send_text(chat, "a fox --zoom 3")
    assert "you wrote 3. Nothing was sent" in (await reply_to(tg, chat, wrong.message_id)).plain_text
    assert submits(sim, "/submit/modal") == []
    tg.send_text(chat, "a fox far away")  # no --zoom: the default is added
    await finished(tg, chat, status.message_id)
    assert [m["prompt"] for m in submits(sim, "/submit/modal")] == ["a fox far away --zoom 2"]


async def test_send_as_is_uses_the_prefilled_prompt(tg: FakeTelegram, sim: Simulator, ta) -> None:
    chat = tg.private_chat()
    result = await upscale(tg, chat, "a quiet lake")
    status, question = await press_and_ask(tg, chat, result, "🔍 Custom Zoom")
    tg.press(chat, question.message_id, question.callback_data_for("✅ Send as is"))
    await finished(tg, chat, status.message_id)
    assert [m["prompt"] for m in submits(sim, "/submit/modal")] == ["a quiet lake --zoom 2"]


# -- Remix -------------------------------------------------------------------------------------------


async def test_remix_on_the_account_asks_for_v2s_prompt(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    sim.config.remix = True  # the provider's account has Midjourney's remix mode on: V2 answers code 21
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a red fox")
    grid = await finished(tg, chat, (await reply_to(tg, chat, request.message_id)).message_id)
    status, question = await press_and_ask(tg, chat, grid, "V2")
    assert "Remix" in question.plain_text
    tg.send_text(chat, "a red fox in the rain", reply_to=question.message_id)
    variation = await finished(tg, chat, status.message_id)
    assert variation.plain_text.startswith("a red fox in the rain")
    [modal] = submits(sim, "/submit/modal")
    assert modal["prompt"] == "a red fox in the rain"
    assert modal["taskId"] == modal_task_id(sim, "MJ::JOB::variation::2")


async def test_remix_behind_a_relay_that_hides_the_modal(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    # new-api rewrites code 21 to 1 for a pan in remix mode; the task sits in MODAL (§4, §7).
    sim.config.dialect, sim.config.remix = "na", True
    chat = tg.private_chat()
    result = await upscale(tg, chat, "a fox on a hill")
    status, _ = await press_and_ask(tg, chat, result, "➡️")
    tg.send_text(chat, "a fox on a hill at sunset")
    panned = await finished(tg, chat, status.message_id)
    assert panned.button_rows == GRID_ROWS
    [modal] = submits(sim, "/submit/modal")
    assert modal["prompt"] == "a fox on a hill at sunset"
    assert modal["taskId"] == modal_task_id(sim, "MJ::JOB::pan_right")


async def remixed_v2(tg: FakeTelegram, chat: Chat, answer: str) -> tuple[Message, Message]:
    """With the person's remix on, V2 under a fresh grid is asked about and answered: its status, its question."""
    tg.send_text(chat, "/remix")
    request = tg.send_text(chat, "/imagine a sleepy fox")
    grid = await finished(tg, chat, (await reply_to(tg, chat, request.message_id)).message_id)
    status, question = await press_and_ask(tg, chat, grid, "V2")
    tg.send_text(chat, answer, reply_to=question.message_id)
    return status, question


async def test_the_persons_remix_switch_asks_before_anything_is_sent(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    chat = tg.private_chat()
    switch = tg.send_text(chat, "/remix")
    assert "Remix is on" in (await reply_to(tg, chat, switch.message_id)).plain_text
    request = tg.send_text(chat, "/imagine a sleepy fox")
    grid = await finished(tg, chat, (await reply_to(tg, chat, request.message_id)).message_id)
    status, question = await press_and_ask(tg, chat, grid, "V3")
    assert submits(sim, "/submit/action") == []  # asked first: nothing reached the provider yet
    tg.send_text(chat, "a sleepy fox under a blanket", reply_to=question.message_id)
    await finished(tg, chat, status.message_id)
    [action] = submits(sim, "/submit/action")
    assert action["enableRemix"] is True
    # This account runs variations without a modal, so the change could not be used: the person is told,
    # and the result says what it really drew.
    assert "Sent as it was" in tg.message(chat, question.message_id).plain_text
    varied = tg.message(chat, status.message_id)
    assert "a sleepy fox" in varied.plain_text
    assert "blanket" not in varied.plain_text
    off = tg.send_text(chat, "/remix")
    assert "Remix is off" in (await reply_to(tg, chat, off.message_id)).plain_text


async def test_the_persons_remix_behind_a_relay_that_hides_the_modal(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    # The person's answer is ready before the press; new-api answers 1 and the task waits in MODAL (§7).
    sim.config.dialect, sim.config.remix = "na", True
    chat = tg.private_chat()
    status, question = await remixed_v2(tg, chat, "a sleepy fox in the snow")
    varied = await finished(tg, chat, status.message_id)
    assert varied.button_rows == GRID_ROWS
    [action] = submits(sim, "/submit/action")
    [modal] = submits(sim, "/submit/modal")
    assert modal["taskId"] != action["taskId"]
    assert modal["taskId"] in sim.tasks
    assert modal["prompt"] == "a sleepy fox in the snow"
    assert "Sent as it was" not in tg.message(chat, question.message_id).plain_text


async def test_remix_on_a_ta_account_without_remix_is_sent_as_it_was(tg: FakeTelegram, sim: Simulator, ta) -> None:
    # TA refuses enableRemix when the account's remix is off (code 4); the press then goes without it.
    chat = tg.private_chat()
    status, question = await remixed_v2(tg, chat, "a sleepy fox in the rain")
    varied = await finished(tg, chat, status.message_id)
    assert varied.button_rows == GRID_ROWS
    assert [a.get("enableRemix") for a in submits(sim, "/submit/action")] == [True, None]
    assert "Sent as it was" in tg.message(chat, question.message_id).plain_text


async def test_remix_on_a_ta_account_with_remix_sends_the_new_prompt(tg: FakeTelegram, sim: Simulator, ta) -> None:
    sim.config.remix = True
    chat = tg.private_chat()
    status, question = await remixed_v2(tg, chat, "a sleepy fox in the rain")
    await finished(tg, chat, status.message_id)
    [action] = submits(sim, "/submit/action")
    assert action["enableRemix"] is True
    [modal] = submits(sim, "/submit/modal")
    assert modal["prompt"] == "a sleepy fox in the rain"
    assert "Sent as it was" not in tg.message(chat, question.message_id).plain_text


# -- Vary (Region) ----------------------------------------------------------------------------------


async def test_vary_region_by_the_grid_sends_a_mask_of_the_chosen_squares(tg: FakeTelegram, sim: Simulator, ta) -> None:
    chat = tg.private_chat()
    result = await upscale(tg, chat, "a fox on a lawn --ar 3:2")
    status, question = await press_and_ask(tg, chat, result, "🖌️ Vary (Region)")
    assert question.photo is not None  # the picture with its numbered grid
    first_overlay = question.photo.bytes
    for label in ("1", "2", "6"):
        tg.press(chat, question.message_id, tg.message(chat, question.message_id).callback_data_for(label))
        await showing_button(tg, chat, question.message_id, f"• {label}")
    redrawn = tg.message(chat, question.message_id).photo
    assert redrawn is not None
    assert redrawn.bytes != first_overlay  # the choice is drawn on it
    tg.press(chat, question.message_id, tg.message(chat, question.message_id).callback_data_for("✅ Done"))
    await showing(tg, chat, question.message_id, "3 squares chosen")
    tg.send_text(chat, "a fox in a straw hat", reply_to=question.message_id)
    await finished(tg, chat, status.message_id)

    [modal] = submits(sim, "/submit/modal")
    assert modal["prompt"] == "a fox in a straw hat"
    assert modal["taskId"] == modal_task_id(sim, "MJ::Inpaint")
    assert result.photo is not None
    upscaled = Image.open(io.BytesIO(result.photo.bytes))
    mask = Image.open(io.BytesIO(base64.b64decode(modal["maskBase64"].split(",", 1)[1]))).convert("L")
    assert mask.size == upscaled.size  # the picture's own size
    width, height = mask.size
    for square in range(1, 17):
        row, column = divmod(square - 1, 4)
        centre = (column * width // 4 + width // 8, row * height // 4 + height // 8)
        assert mask.getpixel(centre) == (255 if square in (1, 2, 6) else 0), square
    assert set(mask.tobytes()) == {0, 255}  # pure white and pure black


async def test_quick_taps_on_squares_keep_every_choice(tg: FakeTelegram, sim: Simulator, ta) -> None:
    chat = tg.private_chat()
    result = await upscale(tg, chat)
    _, question = await press_and_ask(tg, chat, result, "🖌️ Vary (Region)")
    taps = [tg.press(chat, question.message_id, question.callback_data_for(label)) for label in "123456"]
    await tg.wait_for(lambda: all(tap in tg.answers() for tap in taps))

    def chosen() -> list[str]:
        labels = [label for row in tg.message(chat, question.message_id).button_rows for label in row]
        return [square for square in "123456" if f"• {square}" in labels]

    await tg.wait_for(lambda: chosen() == list("123456"))
    tg.press(chat, question.message_id, tg.message(chat, question.message_id).callback_data_for("✅ Done"))
    await showing(tg, chat, question.message_id, "6 squares chosen")


async def test_done_without_squares_is_refused(tg: FakeTelegram, sim: Simulator, ta) -> None:
    chat = tg.private_chat()
    result = await upscale(tg, chat)
    _, question = await press_and_ask(tg, chat, result, "🖌️ Vary (Region)")
    query = tg.press(chat, question.message_id, question.callback_data_for("✅ Done"))
    await tg.wait_for(lambda: query in tg.answers())
    assert "choose at least one square" in tg.answers()[query]["text"]
    assert submits(sim, "/submit/modal") == []


# -- who answers, and questions that end without one -------------------------------------------------


async def test_in_a_group_only_the_person_who_pressed_answers(tg: FakeTelegram, sim: Simulator, ta) -> None:
    group = tg.group_chat(forum=True)
    topic = tg.create_topic(group, "Zooms")
    bob = tg.user(2002, "Bob", "bob")
    request = tg.send_text(group, "/imagine@mj_test_bot a fox in a topic", thread_id=topic)
    grid = await finished(tg, group, (await reply_to(tg, group, request.message_id)).message_id)
    tg.press(group, grid.message_id, grid.callback_data_for("U1"))
    result = await finished(tg, group, (await reply_to(tg, group, grid.message_id)).message_id)
    status, question = await press_and_ask(tg, group, result, "🔍 Custom Zoom")
    assert question.message_thread_id == topic  # asked in the same topic
    tg.send_text(group, "my own idea --zoom 1.2", user=bob, reply_to=question.message_id)
    query = tg.press(group, question.message_id, question.callback_data_for("✅ Send as is"), user=bob)
    await tg.wait_for(lambda: query in tg.answers())
    assert "someone else" in tg.answers()[query]["text"]
    tg.send_text(group, "a fox zoomed out --zoom 1.8", reply_to=question.message_id, thread_id=topic)
    await finished(tg, group, status.message_id)
    assert [m["prompt"] for m in submits(sim, "/submit/modal")] == ["a fox zoomed out --zoom 1.8"]


async def test_an_abandoned_modal_is_cancelled_upstream(tg: FakeTelegram, sim: Simulator, ta) -> None:
    chat = tg.private_chat()
    result = await upscale(tg, chat)
    status, question = await press_and_ask(tg, chat, result, "🔍 Custom Zoom")
    tg.press(chat, question.message_id, question.callback_data_for("✖ Cancel"))
    await showing(tg, chat, status.message_id, "This job was cancelled")
    assert "Cancelled" in tg.message(chat, question.message_id).plain_text
    modal_id = modal_task_id(sim, "MJ::CustomZoom")
    assert [r.path for r in sim.requests if r.path.endswith("/cancel")] == [f"/mj/task/{modal_id}/cancel"]
    _, again = await press_and_ask(tg, chat, result, "🔍 Custom Zoom")  # the button works again
    stop = tg.send_text(chat, "/cancel")
    await showing(tg, chat, again.message_id, "Cancelled")
    assert submits(sim, "/submit/modal") == []
    assert stop.message_id


async def test_a_question_nobody_answers_lapses(tg: FakeTelegram, sim: Simulator, ta) -> None:
    chat = tg.private_chat()
    result = await upscale(tg, chat)
    ta.runner.input_timeout = 0.3
    status, question = await press_and_ask(tg, chat, result, "🔍 Custom Zoom")
    await showing(tg, chat, question.message_id, "No answer came in time")
    await showing(tg, chat, status.message_id, "never came")
    assert submits(sim, "/submit/modal") == []


async def test_a_question_survives_a_restart(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
) -> None:
    sim.config.dialect, sim.config.auth_style = "ta", "raw"
    settings = settings_for(mj_auth_style=AuthStyle.RAW)
    chat = tg.private_chat()
    async with running(settings):
        result = await upscale(tg, chat)
        status, question = await press_and_ask(tg, chat, result, "🔍 Custom Zoom")
    async with running(settings):  # a new process, the same database
        tg.send_text(chat, "a fox after the restart --zoom 1.5", reply_to=question.message_id)
        await finished(tg, chat, status.message_id)
    assert [m["prompt"] for m in submits(sim, "/submit/modal")] == ["a fox after the restart --zoom 1.5"]
