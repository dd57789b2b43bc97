"""/settings: each preference applied to the next submit (speed prefix, botType for niji, draft, --p,
default parameters), results as photo, file or both, the language, and a group's defaults for its admins."""

from __future__ import annotations

from functools import partial
from typing import Any

from bot.app import BotRuntime
from bot.simulator import Simulator
from tests.fake_telegram import Chat, FakeTelegram, JSONDict, Message
from tests.people import cast, group
from tests.test_access import draws, reply
from tests.test_flow import GRID_ROWS, _all_delivered, finished, showing, status_reply_to


def submitted(sim: Simulator, route: str = "/submit/imagine") -> list[tuple[str, dict[str, Any]]]:
    return [(r.path, r.json) for r in sim.requests if r.path.endswith(route) and isinstance(r.json, dict)]


async def open_settings(tg: FakeTelegram, chat: Chat, user: JSONDict | None = None) -> Message:
    return await reply(tg, chat, tg.send_text(chat, "/settings", user=user))


async def pick(tg: FakeTelegram, chat: Chat, menu: Message, *labels: str, user: JSONDict | None = None) -> None:
    """Press the buttons one after another, each once the menu shows it."""
    for label in labels:
        await tg.wait_for(partial(_has_button, tg, chat, menu.message_id, label))
        edits = tg.message(chat, menu.message_id).edits
        query = tg.press_button(chat, menu.message_id, label, user=user)
        await tg.wait_for(partial(_answered, tg, query))
        if not tg.answers()[query].get("show_alert") and "Write it" not in label:
            # The menu shows what the press led to before the next press (same labels appear in several menus).
            await tg.wait_for(partial(_edited_since, tg, chat, menu.message_id, edits))


def _has_button(tg: FakeTelegram, chat: Chat, message_id: int, label: str) -> bool:
    return tg.message(chat, message_id).has_button(label)


def _edited_since(tg: FakeTelegram, chat: Chat, message_id: int, edits: int) -> bool:
    return tg.message(chat, message_id).edits > edits


def _answered(tg: FakeTelegram, query: str) -> bool:
    return query in tg.answers()


async def write(tg: FakeTelegram, chat: Chat, menu: Message, field: str, words: str, user: JSONDict | None = None):
    """Open a written preference, ask to write it, and answer the question with `words`; the bot's answer."""
    asked = {m.message_id for m in tg.bot_messages(chat) if m.other_markup}
    await pick(tg, chat, menu, field, "✍️ Write it", user=user)
    question = await tg.wait_for(
        lambda: next((m for m in tg.bot_messages(chat) if m.other_markup and m.message_id not in asked), None)
    )
    answer = tg.send_text(chat, words, user=user, reply_to=question.message_id)
    return question, await reply(tg, chat, answer)


async def test_speed_model_and_draft_reach_the_next_submit(tg: FakeTelegram, sim: Simulator, bot: BotRuntime):
    chat = tg.private_chat()
    menu = await open_settings(tg, chat)
    assert menu.plain_text.splitlines()[0] == "⚙️ Your settings"
    assert "⚡ Speed: the bot's default" in menu.plain_text
    await pick(tg, chat, menu, "⚡ Speed", "Relax", "🎨 Model", "Niji 6", "📝 Draft mode")
    shown = await showing(tg, chat, menu.message_id, "Draft mode (V7) draws quicker")
    assert shown.button_rows == [["on", "off"], ["• ↩ Default", "« Back"]]
    await pick(tg, chat, menu, "on")
    shown = await showing(tg, chat, menu.message_id, "📝 Draft mode: on")
    assert "⚡ Speed: Relax" in shown.plain_text
    assert "🎨 Model: Niji 6" in shown.plain_text
    await draws(tg, chat, chat.user or {}, "a fox in the snow")
    await draws(tg, chat, chat.user or {}, "a fox in the rain --v 7")  # the prompt's own version wins

    [(path, niji), (_, v7)] = submitted(sim)
    assert path == "/mj-relax/mj/submit/imagine"
    assert niji["botType"] == "NIJI_JOURNEY"
    assert niji["prompt"] == "a fox in the snow --niji 6 --draft"
    assert v7["botType"] == "MID_JOURNEY"
    assert v7["prompt"] == "a fox in the rain --v 7 --draft"
    assert sim.tasks[next(iter(sim.tasks))].mode == "RELAX"


async def test_personalization_and_default_parameters_are_checked_then_appended(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
):
    chat = tg.private_chat()
    menu = await open_settings(tg, chat)
    question, answer = await write(tg, chat, menu, "👤 Personalization", "not a code!")
    assert answer.plain_text.startswith("👤 not a code! is not a personalization code")
    answer = await reply(tg, chat, tg.send_text(chat, "k7x9q2", reply_to=question.message_id))
    assert answer.plain_text == "✅ Personalization: k7x9q2"

    question, answer = await write(tg, chat, menu, "➕ Parameters", "--ar 3:2 --zoomies 2")
    assert answer.plain_text == "➕ --zoomies is not a Midjourney parameter I know."
    answer = await reply(tg, chat, tg.send_text(chat, "--ar 3:2 --s 5000", reply_to=question.message_id))
    assert answer.plain_text == "➕ --s takes 0–1000."
    answer = await reply(tg, chat, tg.send_text(chat, "wide please", reply_to=question.message_id))
    assert "Only Midjourney parameters go here" in answer.plain_text
    answer = await reply(tg, chat, tg.send_text(chat, "--ar 3:2 —s 250", reply_to=question.message_id))
    assert answer.plain_text == "✅ Parameters: --ar 3:2 --s 250"  # Telegram's em dash is undone

    await draws(tg, chat, chat.user or {}, "a square fox --ar 1:1")
    [(_, body)] = submitted(sim)
    assert body["prompt"] == "a square fox --ar 1:1 --s 250 --p k7x9q2"  # the prompt's own --ar stays alone
    assert len([m for m in tg.messages(chat) if not m.from_bot and "fox" in m.plain_text]) == 1  # no answer drawn


async def test_remix_in_settings_and_by_command(tg: FakeTelegram, sim: Simulator, bot: BotRuntime):
    chat = tg.private_chat()
    menu = await open_settings(tg, chat)
    await pick(tg, chat, menu, "🎛 Remix", "on")
    await showing(tg, chat, menu.message_id, "🎛 Remix: on")
    told = await reply(tg, chat, tg.send_text(chat, "/remix"))
    assert told.plain_text.startswith("🎛 Remix is off.")
    again = await open_settings(tg, chat)
    assert "🎛 Remix: off" in again.plain_text


async def test_results_as_a_file_or_as_photo_and_file(tg: FakeTelegram, sim: Simulator, bot: BotRuntime):
    chat = tg.private_chat()
    menu = await open_settings(tg, chat)
    await pick(tg, chat, menu, "📦 Results", "file")
    only_file = await draws(tg, chat, chat.user or {}, "a fox kept as a file")
    assert only_file.document is not None
    assert only_file.photo is None
    assert only_file.document.file_name is not None
    assert only_file.document.file_name.endswith(".png")
    assert only_file.button_rows == GRID_ROWS

    await pick(tg, chat, menu, "📦 Results", "photo and file")
    grid = await draws(tg, chat, chat.user or {}, "a fox kept twice")
    assert grid.photo is not None
    file = await tg.wait_for(
        lambda: next(
            (m for m in tg.bot_messages(chat) if m.document and m.reply_to_message_id == grid.message_id), None
        )
    )
    assert "Full resolution" in file.plain_text

    await pick(tg, chat, menu, "📦 Results", "photo")
    tg.press(chat, grid.message_id, grid.callback_data_for("U1"))
    upscale = await finished(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id)
    assert upscale.photo is not None
    await tg.wait_for(partial(_all_delivered, bot))  # its file, had it one, would have been sent by now
    assert not [m for m in tg.bot_messages(chat) if m.reply_to_message_id == upscale.message_id]  # no file


async def test_the_language_chosen_is_spoken_at_once(tg: FakeTelegram, sim: Simulator, bot: BotRuntime):
    chat = tg.private_chat()
    menu = await open_settings(tg, chat)
    await pick(tg, chat, menu, "🌐 Language", "中文")
    shown = await showing(tg, chat, menu.message_id, "🌐 语言：中文")
    assert shown.plain_text.startswith("⚙️ 您的设置")
    request = tg.send_text(chat, "/imagine a fox who reads Chinese")
    status = await status_reply_to(tg, chat, request.message_id)
    first = tg.message(chat, status.message_id).history[0].caption
    assert first is not None
    assert "正在提交到 Midjourney" in first


async def test_a_groups_defaults_are_its_admins_and_a_members_own_choice_wins(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
):
    people, chat = cast(tg), group(tg)
    sim.config.progress_steps, sim.config.previews = (50,), False  # fewer edits: a group gets 20 a minute
    bobs_menu = await open_settings(tg, chat, people.bob)
    assert not bobs_menu.has_button("👥 This group's defaults")  # Bob is no admin here
    carols = await open_settings(tg, chat, people.carol)
    query = tg.press_button(chat, carols.message_id, "⚡ Speed", user=people.bob)
    await tg.wait_for(lambda: query in tg.answers())
    assert tg.answers()[query]["text"] == "These settings are someone else's; send /settings for your own."

    await pick(tg, chat, carols, "👥 This group's defaults", user=people.carol)
    shown = await showing(tg, chat, carols.message_id, "Defaults of Fox Lovers")
    query = tg.press_button(chat, carols.message_id, "🎨 Model", user=people.bob)
    await tg.wait_for(lambda: query in tg.answers())
    assert tg.answers()[query]["text"] == "Only this group's admins can change its defaults."
    assert "👆 Buttons: only who started the job" in shown.plain_text
    await pick(tg, chat, carols, "🎨 Model", "Niji 6", "👆 Buttons", "everyone", user=people.carol)

    alices = tg.private_chat()
    await pick(tg, alices, await open_settings(tg, alices), "🎨 Model", "V7")
    bobs = await draws(tg, chat, people.bob, "Bob's fox in the group")
    await draws(tg, chat, people.alice, "Alice's fox in the group")
    [(_, for_bob), (_, for_alice)] = submitted(sim)
    assert for_bob["prompt"] == "Bob's fox in the group --niji 6"
    assert for_bob["botType"] == "NIJI_JOURNEY"
    assert for_alice["prompt"] == "Alice's fox in the group --v 7"

    # Carol let everyone press: Alice upscales Bob's grid.
    tg.press(chat, bobs.message_id, bobs.callback_data_for("U2"), user=people.alice)
    upscale = await finished(tg, chat, (await status_reply_to(tg, chat, bobs.message_id)).message_id)
    assert "Alice" in upscale.plain_text
    assert len(submitted(sim, "/submit/action")) == 1
