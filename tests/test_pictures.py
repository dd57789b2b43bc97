"""Pictures in, end to end: describe, image prompts and references, blend, face swap, shorten, seeds.

The real Application against the fake Bot API and the MJ simulator over HTTP; each test plays a person
sending pictures and asserts what they see and what reached the provider.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from typing import Any

from PIL import Image
from pillow_heif import register_heif_opener

from bot.app import BotRuntime
from bot.config import Settings
from bot.mj import AuthStyle
from bot.simulator import Simulator
from tests.conftest import running
from tests.fake_telegram import Chat, FakeTelegram, Message
from tests.test_flow import GRID_ROWS, finished, showing

register_heif_opener()

DESCRIBE_ROWS = [["1️⃣", "2️⃣", "3️⃣", "4️⃣", "🔄"], ["🎉 Imagine all"]]
KEYCAP = re.compile(r"[0-9]\ufe0f\u20e3")


def picture(colour: tuple[int, int, int] = (200, 40, 40), size: tuple[int, int] = (64, 48), fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def submits(sim: Simulator, route: str) -> list[dict[str, Any]]:
    return [r.json for r in sim.requests if r.path.endswith(route) and isinstance(r.json, dict)]


def sent_bytes(data_url: str) -> bytes:
    return base64.b64decode(data_url.split(",", 1)[1])


async def reply_to(tg: FakeTelegram, chat: Chat, message_id: int, *, nth: int = 0) -> Message:
    """The bot's `nth` message answering `message_id`."""

    def find() -> Message | None:
        replies = [m for m in tg.bot_messages(chat) if m.reply_to_message_id == message_id]
        return replies[nth] if len(replies) > nth else None

    return await tg.wait_for(find, timeout=15)


async def described(tg: FakeTelegram, chat: Chat, request: Message) -> Message:
    status = await reply_to(tg, chat, request.message_id)
    return await finished(tg, chat, status.message_id)


def prompts_of(message: Message) -> list[str]:
    return message.entity_texts("code")


def _album(tg: FakeTelegram, chat: Chat, caption: str, count: int, group: str) -> Message:
    """An album of `count` photos, the caption on the first, as separate updates; returns the first."""
    parts = [
        tg.send_photo(chat, picture((n * 30, 0, 0)), media_group_id=group, caption=None if n else caption)
        for n in range(count)
    ]
    return parts[0]


# -- describe --------------------------------------------------------------------------------------


async def test_a_photo_is_described_and_a_pick_is_drawn(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    photo = picture()
    request = tg.send_photo(chat, photo)
    result = await described(tg, chat, request)
    assert result.photo is None  # text: four prompts do not fit a caption
    assert result.button_rows == DESCRIBE_ROWS
    assert "Midjourney reads your picture as" in result.plain_text
    prompts = prompts_of(result)
    assert len(prompts) == 4
    assert all("](" not in p and not KEYCAP.search(p) for p in prompts)  # markdown links and keycaps stripped
    [describe] = submits(sim, "/submit/describe")
    assert sent_bytes(describe["base64"]) == photo  # within limits: sent untouched
    assert describe["botType"] == "MID_JOURNEY"

    tg.press(chat, result.message_id, result.callback_data_for("2️⃣"))
    status = await reply_to(tg, chat, result.message_id)
    # The provider's own pick button opened its modal ("Imagine This!"), pre-filled with the prompt picked.
    question = await reply_to(tg, chat, status.message_id)
    assert prompts[1] in question.entity_texts("code")
    tg.press(chat, question.message_id, question.callback_data_for("✅ Send as is"))
    grid = await finished(tg, chat, status.message_id)
    assert grid.button_rows == GRID_ROWS
    assert grid.plain_text.startswith(prompts[1])
    [modal] = submits(sim, "/submit/modal")
    assert modal["prompt"] == prompts[1]
    assert submits(sim, "/submit/imagine") == []


async def test_imagine_all_draws_four_grids(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    result = await described(tg, chat, tg.send_photo(chat, picture(), caption="/describe"))
    prompts = prompts_of(result)
    tg.press(chat, result.message_id, result.callback_data_for("🎉 Imagine all"))
    grids = [
        await finished(tg, chat, (await reply_to(tg, chat, result.message_id, nth=n)).message_id) for n in range(4)
    ]
    assert all(g.button_rows == GRID_ROWS for g in grids)
    assert sorted(g.plain_text.split("\n\n")[0] for g in grids) == sorted(prompts)
    assert sorted(m["prompt"] for m in submits(sim, "/submit/modal")) == sorted(prompts)


async def test_picks_work_behind_a_relay_that_refuses_their_buttons(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    sim.config.dialect = "na"  # new-api refuses PicReader customIds with unknown_action (§7)
    chat = tg.private_chat()
    result = await described(tg, chat, tg.send_photo(chat, picture()))
    prompts = prompts_of(result)
    tg.press(chat, result.message_id, result.callback_data_for("3️⃣"))
    grid = await finished(tg, chat, (await reply_to(tg, chat, result.message_id)).message_id)
    assert grid.button_rows == GRID_ROWS
    assert [s["prompt"] for s in submits(sim, "/submit/imagine")] == [prompts[2]]  # a plain imagine instead


async def test_describe_again_behind_novicezk_describes_the_same_picture(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
) -> None:
    sim.config.dialect, sim.config.auth_style = "nz", "mj-api-secret"
    photo = picture((10, 160, 220))
    async with running(settings_for(mj_auth_style=AuthStyle.MJ_API_SECRET)):
        chat = tg.private_chat()
        result = await described(tg, chat, tg.send_photo(chat, photo))
        assert result.button_rows == DESCRIBE_ROWS  # novicezk lists none; the bot knows a describe's buttons
        tg.press(chat, result.message_id, result.callback_data_for("🔄"))
        again = await finished(tg, chat, (await reply_to(tg, chat, result.message_id)).message_id)
    assert len(prompts_of(again)) == 4
    assert [sent_bytes(d["base64"]) for d in submits(sim, "/submit/describe")] == [photo, photo]


async def test_describe_in_reply_to_a_photo_in_a_group(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    group = tg.group_chat()
    photo = tg.send_photo(group, picture())
    request = tg.send_text(group, "/describe@mj_test_bot", reply_to=photo.message_id)
    result = await described(tg, group, request)
    assert len(prompts_of(result)) == 4
    assert "Alice" in result.plain_text


async def test_an_iphone_heic_file_is_converted(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    heic = picture((30, 200, 90), fmt="HEIF")
    request = tg.send_document(chat, heic, "IMG_0001.HEIC", mime_type="image/heic", caption="/describe")
    await described(tg, chat, request)
    [describe] = submits(sim, "/submit/describe")
    assert describe["base64"].startswith("data:image/jpeg;base64,")
    with Image.open(io.BytesIO(sent_bytes(describe["base64"]))) as converted:
        assert converted.size == (64, 48)


# -- image prompts and references -------------------------------------------------------------------


async def test_a_captioned_photo_is_an_image_prompt(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    photo = picture((250, 200, 0))
    request = tg.send_photo(chat, photo, caption="a fox in this light — ar 3:2")
    grid = await finished(tg, chat, (await reply_to(tg, chat, request.message_id)).message_id)
    assert grid.button_rows == GRID_ROWS
    [imagine] = submits(sim, "/submit/imagine")
    assert imagine["prompt"] == "a fox in this light -- ar 3:2"
    assert [sent_bytes(b) for b in imagine["base64Array"]] == [photo]


async def test_an_album_of_image_prompts(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    photos = [picture((n * 60, 90, 90)) for n in range(3)]
    first = tg.send_photo(chat, photos[0], caption="/imagine three foxes", media_group_id="album-1")
    for photo in photos[1:]:
        tg.send_photo(chat, photo, media_group_id="album-1")
    await finished(tg, chat, (await reply_to(tg, chat, first.message_id)).message_id)
    [imagine] = submits(sim, "/submit/imagine")
    assert [sent_bytes(b) for b in imagine["base64Array"]] == photos


async def test_a_bare_oref_in_reply_to_a_photo_uploads_it_as_the_reference(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    chat = tg.private_chat()
    photo = tg.send_photo(chat, picture((0, 0, 200)))
    request = tg.send_text(chat, "/imagine a fox wearing this --oref --ow 100", reply_to=photo.message_id)
    await finished(tg, chat, (await reply_to(tg, chat, request.message_id)).message_id)
    [upload] = submits(sim, "/submit/upload-discord-images")
    [imagine] = submits(sim, "/submit/imagine")
    [url] = [u for u in imagine["prompt"].split() if u.startswith("http")]
    assert imagine["prompt"] == f"a fox wearing this --oref {url} --ow 100"
    assert imagine["base64Array"] == []  # a reference, not an image prompt
    name = url.rsplit("/", 1)[1]
    assert sim.blobs[name][0] == sent_bytes(upload["base64Array"][0])


async def test_references_on_a_provider_without_upload_say_so(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
) -> None:
    sim.config.dialect, sim.config.auth_style = "nz", "mj-api-secret"
    async with running(settings_for(mj_auth_style=AuthStyle.MJ_API_SECRET)):
        chat = tg.private_chat()
        request = tg.send_photo(chat, picture(), caption="a fox in this style --sref")
        shown = await showing(tg, chat, (await reply_to(tg, chat, request.message_id)).message_id, "doesn't offer")
    assert "--sref" in shown.plain_text
    assert submits(sim, "/submit/imagine") == []


# -- blend ----------------------------------------------------------------------------------------


async def test_an_album_captioned_blend_is_blended_once_while_others_are_served(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    alice = tg.private_chat()
    bob = tg.private_chat(user_id=2002, first_name="Bob", username="bob")
    photos = [picture((n * 80, 40, 200 - n * 60)) for n in range(3)]
    first = tg.send_photo(alice, photos[0], caption="/blend landscape", media_group_id="g7")
    bob_request = tg.send_text(bob, "/imagine a fox for Bob")  # someone else, between the album's parts
    tg.send_photo(alice, photos[1], media_group_id="g7")
    tg.send_photo(alice, photos[2], media_group_id="g7")
    bob_status = await reply_to(tg, bob, bob_request.message_id)
    status = await reply_to(tg, alice, first.message_id)
    grid = await finished(tg, alice, status.message_id)
    bob_grid = await finished(tg, bob, bob_status.message_id)
    assert bob_grid.button_rows == GRID_ROWS
    assert grid.button_rows == GRID_ROWS
    [bob_sent] = [c for c in tg.calls_to("sendPhoto") if c.params.get("chat_id") == bob.id]
    [alice_sent] = [c for c in tg.calls_to("sendPhoto") if c.params.get("chat_id") == alice.id]
    assert bob_sent.at < alice_sent.at  # Bob was served while Alice's album was still arriving
    assert "Blend" in grid.plain_text
    [blend] = submits(sim, "/submit/blend")
    assert blend["dimensions"] == "LANDSCAPE"
    assert [sent_bytes(b) for b in blend["base64Array"]] == photos


async def test_blend_then_photos_then_blend_now(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    command = tg.send_text(chat, "/blend")
    asking = await reply_to(tg, chat, command.message_id)
    assert "Send me 2 to 5 pictures" in asking.plain_text
    tg.send_photo(chat, picture((255, 0, 0)))
    tg.send_photo(chat, picture((0, 255, 0)))
    await showing(tg, chat, asking.message_id, "2 of at most 5")
    tg.press(chat, asking.message_id, asking.callback_data_for("portrait"))
    await tg.wait_for(lambda: "• portrait" in tg.message(chat, asking.message_id).button_rows[0])
    tg.press(chat, asking.message_id, tg.message(chat, asking.message_id).callback_data_for("🔀 Blend now"))
    grid = await finished(tg, chat, (await reply_to(tg, chat, command.message_id, nth=1)).message_id)
    assert grid.button_rows == GRID_ROWS
    [blend] = submits(sim, "/submit/blend")
    assert (blend["dimensions"], len(blend["base64Array"])) == ("PORTRAIT", 2)
    assert submits(sim, "/submit/describe") == []  # the photos went to the blend, not to describe


async def test_wrong_counts_are_explained_and_nothing_is_sent(tg: FakeTelegram, sim: Simulator, bot: BotRuntime):
    chat = tg.private_chat()
    one = tg.send_photo(chat, picture(), caption="/blend")
    assert "2 to 5 pictures; you sent 1" in (await reply_to(tg, chat, one.message_id)).plain_text
    six = _album(tg, chat, "/blend", 6, "six")
    assert "you sent 6" in (await reply_to(tg, chat, six.message_id)).plain_text
    seven = _album(tg, chat, "a fox", 7, "seven")
    assert "at most 5 pictures" in (await reply_to(tg, chat, seven.message_id)).plain_text
    pair = _album(tg, chat, "/describe", 2, "pair")
    assert "one picture at a time" in (await reply_to(tg, chat, pair.message_id)).plain_text
    assert [r.path for r in sim.requests if "/submit/" in r.path] == []


async def test_files_that_are_not_pictures_or_too_large_are_refused(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    chat = tg.private_chat()
    pdf = tg.send_document(
        chat, b"%PDF-1.7 a contract", "contract.pdf", mime_type="application/pdf", caption="/describe"
    )
    assert "isn't a picture" in (await reply_to(tg, chat, pdf.message_id)).plain_text
    broken = b"\xff\xd8\xff\xe0 not really a JPEG"
    unreadable = tg.send_document(chat, broken, "broken.jpg", mime_type="image/jpeg", caption="/describe")
    assert "isn't a picture" in (await reply_to(tg, chat, unreadable.message_id)).plain_text
    fetched = len(tg.downloads)
    huge = tg.send_document(chat, b"\x00" * (21 * 1024 * 1024), "huge.png", mime_type="image/png", caption="/describe")
    assert "larger than 20 MB" in (await reply_to(tg, chat, huge.message_id)).plain_text
    assert len(tg.downloads) == fetched  # not even fetched
    assert [r.path for r in sim.requests if "/submit/" in r.path] == []


# -- face swap, shorten, seeds ---------------------------------------------------------------------


async def test_face_swap_in_two_steps(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    face, target = picture((240, 200, 180)), picture((20, 60, 120), size=(80, 60))
    command = tg.send_text(chat, "/swap")
    asking = await reply_to(tg, chat, command.message_id)
    tg.send_photo(chat, face)
    await showing(tg, chat, asking.message_id, "Got the face")
    tg.send_photo(chat, target)
    status = await reply_to(tg, chat, command.message_id, nth=1)
    result = await tg.wait_for(lambda: tg.message(chat, status.message_id).plain_text == "🎭 Face swap" and status)
    [swap] = submits(sim, "/insight-face/swap")
    assert (sent_bytes(swap["sourceBase64"]), sent_bytes(swap["targetBase64"])) == (face, target)
    assert result.photo is not None
    with Image.open(io.BytesIO(result.photo.bytes)) as image:
        assert image.size[0] / image.size[1] == 80 / 60  # the target's shape


async def test_shorten_then_a_pick_then_details(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    request = tg.send_text(chat, "/shorten a very big red fox in the deep snow --ar 3:2")
    result = await finished(tg, chat, (await reply_to(tg, chat, request.message_id)).message_id)
    assert "Shortened prompts" in result.plain_text
    assert "Important tokens: big, red, fox, deep, snow" in result.plain_text
    prompts = prompts_of(result)
    assert prompts[0] == "big red fox deep snow --ar 3:2"
    assert result.button_rows == [["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣"], ["Show Details"]]
    tg.press(chat, result.message_id, result.callback_data_for("4️⃣"))
    status = await reply_to(tg, chat, result.message_id)
    question = await reply_to(tg, chat, status.message_id)
    tg.send_text(chat, f"{prompts[3]} at night", reply_to=question.message_id)  # the person edits the pick
    grid = await finished(tg, chat, status.message_id)
    assert grid.plain_text.startswith(f"{prompts[3]} at night")
    assert [m["prompt"] for m in submits(sim, "/submit/modal")] == [f"{prompts[3]} at night"]
    tg.press(chat, result.message_id, result.callback_data_for("Show Details"))
    details = await finished(tg, chat, (await reply_to(tg, chat, result.message_id, nth=1)).message_id)
    assert len(prompts_of(details)) == 5


async def test_shorten_picks_behind_a_relay_that_refuses_their_buttons(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    sim.config.dialect = "na"
    chat = tg.private_chat()
    request = tg.send_text(chat, "/shorten a tiny green frog on a big leaf")
    result = await finished(tg, chat, (await reply_to(tg, chat, request.message_id)).message_id)
    prompts = prompts_of(result)
    tg.press(chat, result.message_id, result.callback_data_for("1️⃣"))
    await finished(tg, chat, (await reply_to(tg, chat, result.message_id)).message_id)
    assert [s["prompt"] for s in submits(sim, "/submit/imagine")] == [prompts[0]]


async def test_the_seed_of_a_result(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a fox with a seed")
    grid = await finished(tg, chat, (await reply_to(tg, chat, request.message_id)).message_id)
    [task] = sim.tasks.values()
    tg.press(chat, grid.message_id, grid.callback_data_for("🌱"))
    answer = await reply_to(tg, chat, grid.message_id)
    assert f"Seed of this job: {task.seed}" in answer.plain_text
    assert f"--seed {task.seed}" in answer.plain_text
    again = tg.send_text(chat, "/seed", reply_to=grid.message_id)
    assert f"Seed of this job: {task.seed}" in (await reply_to(tg, chat, again.message_id)).plain_text
    stray = tg.send_text(chat, "/seed", reply_to=request.message_id)
    assert "isn't one of my finished results" in (await reply_to(tg, chat, stray.message_id)).plain_text


async def test_a_seed_the_provider_cannot_tell(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    sim.config.dialect = "nz"  # novicezk's proxy has no /task/{id}/image-seed
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a fox without a seed")
    grid = await finished(tg, chat, (await reply_to(tg, chat, request.message_id)).message_id)
    tg.press(chat, grid.message_id, grid.callback_data_for("🌱"))
    answer = await reply_to(tg, chat, grid.message_id)
    assert "doesn't offer seeds" in answer.plain_text
    sim.config.http_fault = (502, "text/html", "<html>Bad Gateway</html>")
    again = tg.send_text(chat, "/seed", reply_to=grid.message_id)
    assert "not reachable right now" in (await reply_to(tg, chat, again.message_id)).plain_text


# -- gathering pictures over several messages: races and stragglers ---------------------------------


async def test_blend_now_pressed_twice_blends_once(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    command = tg.send_text(chat, "/blend")
    asking = await reply_to(tg, chat, command.message_id)
    tg.send_photo(chat, picture((255, 0, 0)))
    tg.send_photo(chat, picture((0, 0, 255)))
    await showing(tg, chat, asking.message_id, "2 of at most 5")
    now = tg.message(chat, asking.message_id).callback_data_for("🔀 Blend now")
    first, second = tg.press(chat, asking.message_id, now), tg.press(chat, asking.message_id, now)
    await tg.wait_for(lambda: first in tg.answers() and second in tg.answers())
    await finished(tg, chat, (await reply_to(tg, chat, command.message_id, nth=1)).message_id)
    assert len(submits(sim, "/submit/blend")) == 1


async def test_three_quick_pictures_into_swap_swap_once(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    command = tg.send_text(chat, "/swap")
    await reply_to(tg, chat, command.message_id)
    for colour in ((250, 200, 180), (20, 60, 120), (0, 200, 0)):
        tg.send_photo(chat, picture(colour))
    status = await reply_to(tg, chat, command.message_id, nth=1)
    await tg.wait_for(lambda: tg.message(chat, status.message_id).plain_text == "🎭 Face swap")
    assert len(submits(sim, "/insight-face/swap")) == 1


async def test_a_captioned_picture_during_a_blend_joins_the_blend(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    chat = tg.private_chat()
    command = tg.send_text(chat, "/blend")
    asking = await reply_to(tg, chat, command.message_id)
    tg.send_photo(chat, picture(), caption="this one")
    await showing(tg, chat, asking.message_id, "1 of at most 5")
    assert submits(sim, "/submit/imagine") == []


async def test_a_late_part_of_an_album_is_not_a_new_request(tg: FakeTelegram, sim: Simulator, bot: BotRuntime):
    chat = tg.private_chat()
    first = _album(tg, chat, "/blend", 2, "late")
    grid = await finished(tg, chat, (await reply_to(tg, chat, first.message_id)).message_id)
    straggler = tg.send_photo(chat, picture((1, 2, 3)), media_group_id="late")  # after the blend was sent
    assert "came after the rest of its album" in (await reply_to(tg, chat, straggler.message_id)).plain_text
    assert grid.button_rows == GRID_ROWS
    assert submits(sim, "/submit/describe") == []
    assert len(submits(sim, "/submit/blend")) == 1


async def test_too_many_pictures_are_refused_before_they_are_fetched(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    chat = tg.private_chat()
    fetched = len(tg.downloads)
    seven = _album(tg, chat, "/blend", 7, "seven-blend")
    assert "you sent 7" in (await reply_to(tg, chat, seven.message_id)).plain_text
    assert len(tg.downloads) == fetched


async def test_describe_again_of_describe_again_on_novicezk(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
) -> None:
    sim.config.dialect, sim.config.auth_style = "nz", "mj-api-secret"
    photo = picture((90, 10, 160))
    async with running(settings_for(mj_auth_style=AuthStyle.MJ_API_SECRET)):
        chat = tg.private_chat()
        result = await described(tg, chat, tg.send_photo(chat, photo))
        tg.press(chat, result.message_id, result.callback_data_for("🔄"))
        again = await finished(tg, chat, (await reply_to(tg, chat, result.message_id)).message_id)
        tg.press(chat, again.message_id, again.callback_data_for("🔄"))
        third = await finished(tg, chat, (await reply_to(tg, chat, again.message_id)).message_id)
    assert "Midjourney reads your picture as" in third.plain_text
    assert [sent_bytes(d["base64"]) for d in submits(sim, "/submit/describe")] == [photo] * 3


async def test_captions_that_are_not_for_pictures_are_answered(tg: FakeTelegram, sim: Simulator, bot: BotRuntime):
    chat = tg.private_chat()
    seed = tg.send_photo(chat, picture(), caption="/seed")
    assert "/describe" in (await reply_to(tg, chat, seed.message_id)).plain_text
    tall = tg.send_photo(chat, picture(), caption="/blend tall")
    assert "portrait" in (await reply_to(tg, chat, tall.message_id)).plain_text
    tg.send_photo(chat, picture(), caption="/imagine@another_bot a fox")  # not ours: left alone
    tg.send_text(chat, "/help")  # answered after the captions before it were seen
    await tg.wait_for(lambda: "Hi!" in (tg.last_bot_message(chat) or tg.bot_messages(chat)[0]).plain_text)
    assert [r.path for r in sim.requests if "/submit/" in r.path] == []
