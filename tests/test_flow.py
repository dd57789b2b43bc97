"""End to end: the real Application against the fake Telegram Bot API and the MJ simulator, over HTTP.

Each test plays a user and asserts what that user sees: messages, edits, keyboards and files.
"""

from __future__ import annotations

import io
from functools import partial

from PIL import Image

from bot.app import BotRuntime
from bot.simulator import Simulator
from tests.conftest import running
from tests.fake_telegram import Chat, FakeTelegram, Message

MJ_GRID_ROWS = [["U1", "U2", "U3", "U4", "🔄"], ["V1", "V2", "V3", "V4"]]
GRID_ROWS = [["U1", "U2", "U3", "U4", "🔄"], ["V1", "V2", "V3", "V4", "🌱"]]  # 🌱: the seed, where there is room
UPSCALE_ROWS = [
    ["Upscale (Subtle)", "Upscale (Creative)"],
    ["🪄 Vary (Subtle)", "🪄 Vary (Strong)", "🖌️ Vary (Region)"],
    ["🔍 Zoom Out 2x", "🔍 Zoom Out 1.5x", "🔍 Custom Zoom"],
    ["⬅️", "➡️", "⬆️", "⬇️", "🌱"],
]


async def status_reply_to(tg: FakeTelegram, chat: Chat, message_id: int) -> Message:
    """The bot's message answering `message_id` (its status message)."""

    def find() -> Message | None:
        return next((m for m in tg.bot_messages(chat) if m.reply_to_message_id == message_id and m.photo), None)

    return await tg.wait_for(find, timeout=10)


async def finished(tg: FakeTelegram, chat: Chat, message_id: int) -> Message:
    """Wait until the status message shows a result keyboard."""

    def with_keyboard() -> Message | None:
        message = tg.message(chat, message_id)
        return message if message.reply_markup else None

    return await tg.wait_for(with_keyboard, timeout=15)


async def showing(tg: FakeTelegram, chat: Chat, message_id: int, words: str) -> Message:
    """Wait until the message reads `words`."""

    def reads() -> Message | None:
        message = tg.message(chat, message_id)
        return message if words in message.plain_text else None

    return await tg.wait_for(reads, timeout=15)


def photo_size(message: Message) -> tuple[int, int]:
    assert message.photo is not None
    with Image.open(io.BytesIO(message.photo.bytes)) as image:
        return image.size


async def imagine_upscale_vary(tg: FakeTelegram, sim: Simulator, chat: Chat, command: str) -> None:
    request = tg.send_text(chat, command)
    status = await status_reply_to(tg, chat, request.message_id)
    grid = await finished(tg, chat, status.message_id)

    # One message went from queued to the finished grid.
    captions = [s.caption or "" for s in grid.history]
    assert "Sending to Midjourney" in captions[0]
    assert any("Drawing…" in c and "%" in c for c in captions), captions
    assert sum(s.photo_changed for s in grid.history) >= 3  # placeholder, a preview, the grid
    assert grid.button_rows == GRID_ROWS
    assert grid.plain_text.startswith("a red fox in snow --ar 3:2")
    width, height = photo_size(grid)
    assert abs(width / height - 1.5) < 0.02
    assert [m.message_id for m in tg.bot_messages(chat)] == [status.message_id]
    assert len([r for r in sim.requests if r.path.endswith("/submit/imagine")]) == 1

    # U2: the press is answered at once and a new job replies to the grid.
    query = tg.press(chat, grid.message_id, grid.callback_data_for("U2"))
    await tg.wait_for(lambda: query in tg.answers())
    assert tg.answers()[query].get("text") == "⏳ Image #2"
    upscale_status = await status_reply_to(tg, chat, grid.message_id)
    upscale = await finished(tg, chat, upscale_status.message_id)
    assert upscale.button_rows == UPSCALE_ROWS
    assert "\n\nImage #2" in upscale.plain_text
    [action] = [r for r in sim.requests if r.path.endswith("/submit/action")]
    assert action.json is not None
    assert "::upsample::2::" in action.json["customId"]

    # Upscales also arrive at full resolution as a file.
    def full_file() -> Message | None:
        return next(
            (m for m in tg.bot_messages(chat) if m.document and m.reply_to_message_id == upscale.message_id), None
        )

    document = await tg.wait_for(full_file)
    assert document.document is not None
    assert document.document.file_name is not None
    assert document.document.file_name.endswith(".png")
    assert "Full resolution" in document.plain_text

    # Vary (Strong) on the upscale draws a new grid.
    tg.press(chat, upscale.message_id, upscale.callback_data_for("🪄 Vary (Strong)"))
    vary_status = await status_reply_to(tg, chat, upscale.message_id)
    vary = await finished(tg, chat, vary_status.message_id)
    assert vary.button_rows == GRID_ROWS
    assert "🪄 Vary (Strong)" in vary.plain_text


async def test_private_chat_imagine_upscale_vary(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    await imagine_upscale_vary(tg, sim, chat, "/imagine a red fox in snow --ar 3:2")


async def test_group_chat_imagine_upscale_vary(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.group_chat()
    await imagine_upscale_vary(tg, sim, chat, "/imagine@mj_test_bot a red fox in snow --ar 3:2")
    results = [m for m in tg.bot_messages(chat) if m.reply_markup]
    assert all("Alice" in m.plain_text for m in results)  # groups see who asked


async def test_plain_text_in_private_chat_is_a_prompt(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    request = tg.send_text(chat, "a lighthouse at dusk — ar 16:9")
    status = await status_reply_to(tg, chat, request.message_id)
    result = await finished(tg, chat, status.message_id)
    assert result.button_rows == GRID_ROWS
    [submit] = [r for r in sim.requests if r.path.endswith("/submit/imagine")]
    assert submit.json is not None
    assert submit.json["prompt"] == "a lighthouse at dusk -- ar 16:9"


async def test_plain_text_in_a_group_is_ignored(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.group_chat()
    tg.send_text(chat, "just chatting")
    helping = tg.send_text(chat, "/help")
    request = tg.send_text(chat, "/imagine a marker fox")
    # Updates are handled concurrently: a whole job drawn after the chatter is what proves it was passed over.
    await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)
    assert [r.json.get("prompt") for r in sim.requests if "/submit/" in r.path] == ["a marker fox"]
    assert sorted(m.reply_to_message_id or 0 for m in tg.bot_messages(chat)) == [helping.message_id, request.message_id]
    [help_text] = [m.plain_text for m in tg.bot_messages(chat) if m.reply_to_message_id == helping.message_id]
    assert "/imagine" in help_text


async def test_a_double_tap_starts_one_job(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine twin foxes")
    grid = await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)
    data = grid.callback_data_for("V1")
    first, second = tg.press(chat, grid.message_id, data), tg.press(chat, grid.message_id, data)
    await tg.wait_for(lambda: first in tg.answers() and second in tg.answers())
    vary = await finished(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id)
    assert vary.button_rows == GRID_ROWS
    assert len([r for r in sim.requests if r.path.endswith("/submit/action")]) == 1
    assert len([m for m in tg.bot_messages(chat) if m.reply_to_message_id == grid.message_id]) == 1
    assert any("Already working" in a.get("text", "") for a in tg.answers().values())


async def test_queue_position_is_shown(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    sim.config.queue_ahead = 3
    sim.config.queue_seconds = 1.0
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a queued fox")
    status = await status_reply_to(tg, chat, request.message_id)
    await showing(tg, chat, status.message_id, "Queued · 3 ahead of you")
    result = await finished(tg, chat, status.message_id)
    assert result.button_rows == GRID_ROWS


async def test_progress_edits_never_repeat_content(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a patient fox")
    status = await status_reply_to(tg, chat, request.message_id)
    await finished(tg, chat, status.message_id)
    edits = tg.calls_to("editMessageCaption", "editMessageMedia")
    assert edits, "the status message was never edited"
    assert all(call.error is None for call in edits), [c.describe() for c in edits if c.error]


async def test_progress_edits_are_throttled_but_the_result_is_not(tg: FakeTelegram, sim: Simulator, settings_for):
    async with running(settings_for(status_edit_interval=30.0)):
        chat = tg.private_chat()
        request = tg.send_text(chat, "/imagine a fox in a hurry")
        status = await status_reply_to(tg, chat, request.message_id)
        grid = await finished(tg, chat, status.message_id)
    assert grid.edits == 1  # within 30 s of the status message only the result itself is shown
    assert grid.button_rows == GRID_ROWS


async def test_users_read_the_bot_in_their_language(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat(user_id=2002, first_name="Иван", username="ivan", language_code="ru")
    request = tg.send_text(chat, "/imagine")
    reply = await tg.wait_for(lambda: tg.last_bot_message(chat))
    assert reply.reply_to_message_id == request.message_id
    assert "промпт" in reply.plain_text
    sim.config.queue_full = True
    request = tg.send_text(chat, "/imagine лиса в снегу")
    status = await status_reply_to(tg, chat, request.message_id)
    shown = await showing(tg, chat, status.message_id, "Очередь Midjourney сейчас переполнена")
    assert shown.reply_markup is None


async def test_forum_topics_keep_the_job_in_its_topic(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.group_chat(forum=True)
    topic = tg.create_topic(chat, "Foxes")
    request = tg.send_text(chat, "/imagine a fox in a topic", thread_id=topic)
    status = await status_reply_to(tg, chat, request.message_id)
    assert status.message_thread_id == topic
    grid = await finished(tg, chat, status.message_id)
    tg.press(chat, grid.message_id, grid.callback_data_for("U1"))
    upscale = await finished(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id)
    assert upscale.message_thread_id == topic
    document = await tg.wait_for(lambda: next((m for m in tg.bot_messages(chat) if m.document), None))
    assert document.message_thread_id == topic


async def test_a_second_upscale_of_the_same_image_is_shown_again_not_paid_again(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a fox worth keeping")
    grid = await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)
    tg.press(chat, grid.message_id, grid.callback_data_for("U2"))
    upscale = await finished(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id)
    await tg.wait_for(lambda: next((m for m in tg.bot_messages(chat) if m.document), None))
    await tg.wait_for(partial(_all_delivered, bot))
    actions = len([r for r in sim.requests if r.path.endswith("/submit/action")])

    query = tg.press(chat, grid.message_id, grid.callback_data_for("U2"))
    await tg.wait_for(lambda: query in tg.answers())

    def again() -> Message | None:
        replies = [m for m in tg.bot_messages(chat) if m.reply_to_message_id == grid.message_id and m.photo]
        return replies[1] if len(replies) > 1 else None

    shown = await tg.wait_for(again)
    assert "already" in tg.answers()[query]["text"]
    assert shown.photo is not None
    assert upscale.photo is not None
    assert shown.photo.file_unique_id == upscale.photo.file_unique_id  # the same picture, by Telegram's file id
    assert shown.button_rows == upscale.button_rows
    assert len([r for r in sim.requests if r.path.endswith("/submit/action")]) == actions  # nothing sent, nothing paid
    assert not tg.calls_to("sendPhoto")[-1].files  # sent by file id: nothing uploaded again


async def _all_delivered(bot: BotRuntime) -> bool:
    return not await bot.runner.records.undelivered()


async def test_a_second_upscale_of_an_image_that_never_arrived_shows_its_link_again(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a fox behind glass")
    grid = await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)
    sim.blobs["denied.html"] = (b"<html>Access denied</html>", "text/html")
    base = sim.config.public_base_url
    sim.config.public_base_url = f"{sim.base_url}/images/denied.html#"  # every result link is now a login page
    tg.press(chat, grid.message_id, grid.callback_data_for("U1"))
    upscale = await showing(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id, "couldn't")
    await tg.wait_for(partial(_all_delivered, bot))
    sim.config.public_base_url = base
    tg.press(chat, grid.message_id, grid.callback_data_for("U1"))

    def again() -> Message | None:
        replies = [m for m in tg.bot_messages(chat) if m.reply_to_message_id == grid.message_id]
        return replies[1] if len(replies) > 1 else None

    shown = await tg.wait_for(again)
    assert shown.photo is None  # not the grey placeholder the status message started as
    assert "couldn't download it" in shown.plain_text
    assert upscale.photo is not None
