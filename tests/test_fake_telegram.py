"""Self-tests of the fake Bot API server, driven through the real python-telegram-bot stack."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from PIL import Image
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fake_telegram import ERR_NOT_MODIFIED, FakeTelegram


def png(width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    assert not server.server_errors, server.server_errors


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot") as real_bot:
        yield real_bot


async def test_send_and_edit_text_round_trip(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat()
    sent = await bot.send_message(
        chat.id,
        "Hello <b>Alice</b> &amp; <i>friends</i> &lt;3",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard([("Again", "v1:again"), ("Stop", "v1:stop")]),
    )
    # PTB gets what Telegram returns: plain text + entities, which it can turn back into HTML
    assert sent.text == "Hello Alice & friends <3"
    assert [e.type for e in sent.entities] == ["bold", "italic"]
    assert sent.text_html == "Hello <b>Alice</b> &amp; <i>friends</i> &lt;3"
    assert sent.from_user is not None
    assert sent.from_user.username == "mj_test_bot"

    msg = fake.message(chat, sent.message_id)
    assert msg.from_bot
    assert msg.text == "Hello <b>Alice</b> &amp; <i>friends</i> &lt;3"  # raw, as the bot sent it
    assert msg.plain_text == "Hello Alice & friends <3"
    assert msg.button_rows == [["Again", "Stop"]]
    assert msg.callback_data_for("Stop") == "v1:stop"
    with pytest.raises(AssertionError, match=r"(?i)no button 'Missing'"):
        msg.callback_data_for("Missing")

    edited = await bot.edit_message_text(
        "Bye 👋 <b>now</b>", chat_id=chat.id, message_id=sent.message_id, parse_mode="HTML"
    )
    assert not isinstance(edited, bool)
    assert edited.text == "Bye 👋 now"
    # entity offsets are UTF-16 code units: the emoji counts twice
    assert (edited.entities[0].offset, edited.entities[0].length) == (7, 3)
    assert msg.plain_text == "Bye 👋 now"
    assert msg.edits == 1
    assert msg.reply_markup is None, "editing without reply_markup removes the keyboard (like Telegram)"
    assert [(s.action, s.kind, s.text) for s in msg.history] == [
        ("send", "text", "Hello Alice & friends <3"),
        ("edit", "text", "Bye 👋 now"),
    ]
    assert [c.method for c in fake.calls_to()] == ["getMe", "sendMessage", "editMessageText"]
    assert fake.calls_to("sendMessage")[0].params["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "v1:stop"
    assert fake.bot_messages(chat) == [msg]


async def test_not_modified_error_and_markup_only_edits(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat()
    markup = keyboard([("A", "a")])
    sent = await bot.send_message(chat.id, "<b>Same</b>", parse_mode="HTML", reply_markup=markup)

    # same rendered content (different but equivalent HTML) and same markup -> not modified
    with pytest.raises(BadRequest, match=r"(?i)not modified") as info:
        await bot.edit_message_text(
            "<strong>Same</strong>", chat_id=chat.id, message_id=sent.message_id, parse_mode="HTML", reply_markup=markup
        )
    assert "not modified" in info.value.message.lower()
    failed = fake.calls_to("editMessageText")[-1]
    assert not failed.ok
    assert failed.description == ERR_NOT_MODIFIED

    # only the markup changes -> allowed
    await bot.edit_message_text(
        "<b>Same</b>",
        chat_id=chat.id,
        message_id=sent.message_id,
        parse_mode="HTML",
        reply_markup=keyboard([("B", "b")]),
    )
    assert fake.message(chat, sent.message_id).button_rows == [["B"]]
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_reply_markup(chat.id, sent.message_id, reply_markup=keyboard([("B", "b")]))
    await bot.edit_message_reply_markup(chat.id, sent.message_id, reply_markup=None)
    msg = fake.message(chat, sent.message_id)
    assert msg.reply_markup is None
    assert [s.kind for s in msg.history] == ["text", "text", "markup"]
    assert msg.edits == 2


async def test_caption_and_text_lengths_are_counted_after_parsing(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat()
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_photo(chat.id, png(), caption="x" * 1025)
    ok = await bot.send_photo(chat.id, png(), caption="<b>" + "y" * 1020 + "</b>&lt;&gt;&amp;&quot;", parse_mode="HTML")
    assert ok.caption is not None
    assert len(ok.caption) == 1024
    assert fake.message(chat, ok.message_id).plain_text == "y" * 1020 + '<>&"'

    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(chat.id, "z" * 4097)
    long_ok = await bot.send_message(chat.id, "<i>" + "z" * 4096 + "</i>", parse_mode="HTML")
    assert len(long_ok.text or "") == 4096
    with pytest.raises(BadRequest, match=r"(?i)text is empty"):
        await bot.send_message(chat.id, "<b> </b>", parse_mode="HTML")
    # only the successful sends exist in the chat
    assert len(fake.bot_messages(chat)) == 2


async def test_malformed_markup_is_rejected_like_telegram(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat()
    cases = {
        "<b>unclosed": "Can't find end tag corresponding to start tag b",
        "1 < 2": 'Unsupported start tag "" at byte offset 2',
        "line<br>break": 'Unsupported start tag "br" at byte offset 4',
        "<b>x</i>": 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"',
    }
    for text, detail in cases.items():
        with pytest.raises(BadRequest, match=r"(?i)parse entities") as info:
            await bot.send_message(chat.id, text, parse_mode="HTML")
        assert detail.lower() in info.value.message.lower(), (text, info.value.message)
    with pytest.raises(BadRequest, match=r"(?i)Character '\.' is reserved"):
        await bot.send_message(chat.id, "Version 1.0", parse_mode="MarkdownV2")
    good = await bot.send_message(chat.id, r"*Version* 1\.0", parse_mode="MarkdownV2")
    assert good.text == "Version 1.0"
    assert fake.last_bot_message(chat) is not None
    assert len(fake.bot_messages(chat)) == 1


async def test_inline_keyboard_validation(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat()
    with pytest.raises(BadRequest, match=r"(?i)Button_data_invalid"):
        await bot.send_message(chat.id, "x", reply_markup=keyboard([("Too long", "d" * 65)]))
    with pytest.raises(BadRequest, match=r"(?i)Button_data_invalid"):  # 33 Cyrillic letters = 66 bytes
        await bot.send_message(chat.id, "x", reply_markup=keyboard([("Cyr", "я" * 33)]))
    ok = await bot.send_message(chat.id, "x", reply_markup=keyboard([("Max", "d" * 64)]))
    assert fake.message(chat, ok.message_id).callback_data_for("Max") == "d" * 64

    with pytest.raises(BadRequest, match=r"(?i)Text buttons are unallowed"):
        await bot.send_message(chat.id, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("bare")]]))
    with pytest.raises(BadRequest, match=r"(?i)Reply markup is too long"):
        await bot.send_message(chat.id, "x", reply_markup=keyboard([(str(i), str(i)) for i in range(9)]))
    with pytest.raises(BadRequest, match=r"(?i)Button_url_invalid"):
        await bot.send_message(
            chat.id, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("u", url="javascript:alert(1)")]])
        )
    assert len(fake.bot_messages(chat)) == 1


async def test_photo_then_edit_media_records_history(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat()
    first, second = png(640, 480, (255, 0, 0)), png(300, 200, (0, 0, 255))
    sent = await bot.send_photo(
        chat.id, first, caption="Grid <b>1</b>", parse_mode="HTML", reply_markup=keyboard([("U1", "u1")])
    )
    # PhotoSizes are built from the real dimensions; the largest keeps the uploaded bytes
    assert [(p.width, p.height) for p in sent.photo] == [(90, 68), (320, 240), (640, 480)]
    msg = fake.message(chat, sent.message_id)
    assert msg.photo is not None
    assert msg.photo.bytes == first
    assert (msg.photo.width, msg.photo.height) == (640, 480)
    assert msg.plain_text == "Grid 1"

    # same bytes (by file_id), same caption, same markup -> not modified
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_media(
            InputMediaPhoto(sent.photo[-1].file_id, caption="Grid <b>1</b>", parse_mode="HTML"),
            chat_id=chat.id,
            message_id=sent.message_id,
            reply_markup=keyboard([("U1", "u1")]),
        )
    edited = await bot.edit_message_media(
        InputMediaPhoto(second, caption="Upscaled"),
        chat_id=chat.id,
        message_id=sent.message_id,
        reply_markup=keyboard([("Back", "back")]),
    )
    assert not isinstance(edited, bool)
    assert edited.caption == "Upscaled"
    assert msg.photo.bytes == second
    assert msg.plain_text == "Upscaled"
    assert msg.button_rows == [["Back"]]
    call = fake.calls_to("editMessageMedia")[-1]
    assert call.params["media"]["media"].startswith("attach://")
    assert list(call.files.values()) == [second]
    assert [(s.kind, s.photo_changed, s.caption) for s in msg.history] == [
        ("media", True, "Grid 1"),
        ("media", True, "Upscaled"),
    ]
    # caption-only edit keeps the photo
    await bot.edit_message_caption(chat.id, sent.message_id, caption="Final")
    assert msg.history[-1].kind == "caption"
    assert not msg.history[-1].photo_changed
    assert msg.edits == 2

    # wrong kind of edits
    text_msg = await bot.send_message(chat.id, "plain")
    with pytest.raises(BadRequest, match=r"(?i)no text in the message"):
        await bot.edit_message_text("new", chat_id=chat.id, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)no caption in the message"):
        await bot.edit_message_caption(chat.id, text_msg.message_id, caption="c")
    with pytest.raises(BadRequest, match=r"(?i)no media in the message"):
        await bot.edit_message_media(InputMediaPhoto(first), chat_id=chat.id, message_id=text_msg.message_id)


async def test_photo_by_file_id_and_file_errors(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat()
    image = png(800, 600)
    sent = await bot.send_photo(chat.id, image)
    again = await bot.send_photo(chat.id, sent.photo[-1].file_id, caption="again")
    assert again.photo[-1].file_id == sent.photo[-1].file_id
    assert again.photo[-1].file_unique_id == sent.photo[-1].file_unique_id
    again_photo = fake.message(chat, again.message_id).photo
    assert again_photo is not None
    assert again_photo.bytes == image
    # every upload gets a new file id, even of identical bytes
    third = await bot.send_photo(chat.id, image)
    assert third.photo[-1].file_id != sent.photo[-1].file_id

    doc = await bot.send_document(chat.id, b"%PDF-1.4 fake", filename="report.pdf")
    assert doc.document is not None
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(chat.id, "AgACnot-a-real-id")
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type Document as Photo"):
        await bot.send_photo(chat.id, doc.document.file_id)
    with pytest.raises(BadRequest, match=r"(?i)Image_process_failed"):
        await bot.send_photo(chat.id, b"definitely not an image")
    with pytest.raises(BadRequest, match=r"(?i)Photo_invalid_dimensions"):
        await bot.send_photo(chat.id, png(2100, 100))  # aspect ratio 21 > 20
    with pytest.raises(BadRequest, match=r"(?i)Photo_invalid_dimensions"):
        await bot.send_photo(chat.id, png(6000, 4001))  # width + height > 10000


async def test_send_document_and_download(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat()
    payload = b"col1,col2\n1,2\n"
    sent = await bot.send_document(
        chat.id, payload, filename="stats.csv", caption="Your <i>stats</i>", parse_mode="HTML"
    )
    assert sent.document is not None
    assert sent.document.file_name == "stats.csv"
    assert sent.document.mime_type == "text/csv"
    msg = fake.message(chat, sent.message_id)
    assert msg.document is not None
    assert msg.document.bytes == payload
    assert msg.plain_text == "Your stats"
    tg_file = await bot.get_file(sent.document.file_id)
    assert tg_file.file_size == len(payload)
    assert bytes(await tg_file.download_as_bytearray()) == payload
    # PTB turns file_path into the full download URL under base_file_url
    assert tg_file.file_path is not None
    assert tg_file.file_path.startswith(f"{fake.url}/file/bot{fake.token}/documents/")
    assert len(fake.downloads) == 1
    assert tg_file.file_path.endswith(fake.downloads[0])
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("nope")


async def test_user_photo_get_file_and_download(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat()
    image = png(1024, 512, (10, 200, 10))
    user_msg = fake.send_photo(chat, image, caption="make it pop")
    updates = await bot.get_updates(timeout=0)
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None
    assert message.caption == "make it pop"
    assert message.photo[-1].width == 1024
    assert user_msg.photo is not None
    assert message.photo[-1].file_id == user_msg.photo.file_id
    tg_file = await message.photo[-1].get_file()
    buffer = io.BytesIO()
    await tg_file.download_to_memory(buffer)
    assert buffer.getvalue() == image
    small = await (await message.photo[0].get_file()).download_as_bytearray()
    with Image.open(io.BytesIO(bytes(small))) as thumb:
        assert thumb.size == (90, 45)
    # confirming with a higher offset drops the update
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()
    assert fake.pending_updates() == 0


async def test_message_not_found_errors(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat()
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await bot.send_message(424242, "hi")
    with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
        await bot.edit_message_text("x", chat_id=chat.id, message_id=999)
    with pytest.raises(BadRequest, match=r"(?i)Message to delete not found"):
        await bot.delete_message(chat.id, 999)
    with pytest.raises(BadRequest, match=r"(?i)Message to be replied not found"):
        await bot.send_message(chat.id, "reply", reply_parameters=ReplyParameters(message_id=999))
    lenient = await bot.send_message(
        chat.id, "reply", reply_parameters=ReplyParameters(message_id=999, allow_sending_without_reply=True)
    )
    assert lenient.reply_to_message is None

    user_msg = fake.send_text(chat, "original")
    reply = await bot.send_message(chat.id, "answer", reply_to_message_id=user_msg.message_id)
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "original"
    assert fake.message(chat, reply.message_id).reply_to_message_id == user_msg.message_id
    with pytest.raises(BadRequest, match=r"(?i)Message can't be edited"):
        await bot.edit_message_text("hacked", chat_id=chat.id, message_id=user_msg.message_id)

    assert await bot.delete_message(chat.id, reply.message_id)
    assert fake.message(chat, reply.message_id).deleted
    assert reply.message_id not in [m.message_id for m in fake.messages(chat)]
    with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
        await bot.edit_message_text("x", chat_id=chat.id, message_id=reply.message_id)
    with pytest.raises(BadRequest, match=r"(?i)Message to delete not found"):
        await bot.delete_message(chat.id, reply.message_id)

    group = fake.group_chat()
    member_msg = fake.send_text(group, "spam")
    with pytest.raises(BadRequest, match=r"(?i)Message can't be deleted"):
        await bot.delete_message(group.id, member_msg.message_id)
    fake.set_admins(group, [fake.bot_user["id"], 1001])
    assert await bot.delete_message(group.id, member_msg.message_id)
    member = await bot.get_chat_member(group.id, 1001)
    assert member.status == "administrator"
    fake.set_blocked(chat)
    with pytest.raises(Forbidden, match=r"(?i)blocked"):
        await bot.send_message(chat.id, "are you there?")


async def test_callback_query_can_be_answered_once(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat()
    sent = await bot.send_message(chat.id, "Pick", reply_markup=keyboard([("One", "pick:1")]))
    with pytest.raises(AssertionError, match=r"(?i)no button with callback_data 'pick:2'"):
        fake.press(chat, sent.message_id, "pick:2")
    query_id = fake.press(chat, sent.message_id, "pick:1")
    (update,) = await bot.get_updates(timeout=0)
    assert update.callback_query is not None
    assert update.callback_query.id == query_id
    assert update.callback_query.data == "pick:1"
    assert update.callback_query.message is not None
    assert update.callback_query.message.message_id == sent.message_id

    with pytest.raises(BadRequest, match=r"(?i)Message_too_long"):
        await bot.answer_callback_query(query_id, text="x" * 201)
    assert await bot.answer_callback_query(query_id, text="Picked", show_alert=True)
    assert fake.answers()[query_id]["text"] == "Picked"
    assert fake.answers()[query_id]["show_alert"] is True
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)
    expired = fake.press(chat, sent.message_id, "pick:1")
    fake.expire_callback_query(expired)
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query(expired)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter's own int/timedelta notice
async def test_fail_next_injects_errors(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat()
    fake.fail_next("sendMessage", error_code=429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(chat.id, "hi")
    assert "7" in str(info.value)
    call = fake.calls_to("sendMessage")[-1]
    assert call.injected
    assert call.error_code == 429
    assert call.parameters == {"retry_after": 7}
    assert fake.bot_messages(chat) == [], "an injected failure must not execute the call"

    fake.fail_next("editMessageText", description="Bad Request: custom failure", times=2)
    sent = await bot.send_message(chat.id, "hi")
    for _ in range(2):
        with pytest.raises(BadRequest, match=r"(?i)Custom failure"):
            await bot.edit_message_text("x", chat_id=chat.id, message_id=sent.message_id)
    await bot.edit_message_text("x", chat_id=chat.id, message_id=sent.message_id)
    assert fake.message(chat, sent.message_id).plain_text == "x"


async def test_media_group(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat()
    images = [png(100 + i, 100, (i * 40, 0, 0)) for i in range(4)]
    sent = await bot.send_media_group(
        chat.id, [InputMediaPhoto(img, caption="grid" if i == 0 else None) for i, img in enumerate(images)]
    )
    assert len(sent) == 4
    assert len({m.media_group_id for m in sent}) == 1
    assert [m.photo.bytes if m.photo else None for m in fake.bot_messages(chat)] == images
    assert fake.bot_messages(chat)[0].plain_text == "grid"
    with pytest.raises(BadRequest, match=r"(?i)too many messages"):
        await bot.send_media_group(chat.id, [InputMediaPhoto(images[0])] * 11)
    with pytest.raises(BadRequest, match=r"(?i)can't be mixed"):
        await bot.send_media_group(chat.id, [InputMediaPhoto(images[0]), InputMediaDocument(b"doc", filename="a.txt")])


async def test_http_level_errors(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(InvalidToken, match=r"(?i)rejected"):
        async with Bot("999:WRONG", base_url=f"{fake.url}/bot"):
            pass
    assert fake.calls_to("getMe")[-1].error_code == 401
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{fake.url}/bot{fake.token}/noSuchMethod")
        assert response.status_code == 404
        assert response.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found",
        }
        # GET with query parameters works, method names are case-insensitive, JSON values are decoded
        response = await client.get(f"{fake.url}/bot{fake.token}/GETME")
        assert response.json()["result"]["username"] == "mj_test_bot"
    # a second bot instance polling at the same time terminates the first poll with 409 Conflict
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.wait_for(lambda: fake.active_polls == 1)
    async with Bot(fake.token, base_url=f"{fake.url}/bot") as other_instance:
        assert await other_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates"):
        await first


async def test_odd_requests_get_api_errors_not_crashes(fake: FakeTelegram) -> None:
    chat = fake.private_chat()
    base = f"{fake.url}/bot{fake.token}"
    markup = json.dumps({"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    async with httpx.AsyncClient() as client:
        # a JSON body (values may be JSON strings themselves) and a GET with a query string both work
        sent = await client.post(f"{base}/sendMessage", json={"chat_id": chat.id, "text": "hi", "reply_markup": markup})
        assert sent.json()["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"
        got = await client.get(f"{base}/sendMessage", params={"chat_id": str(chat.id), "text": "123"})
        assert got.json()["result"]["text"] == "123", "text must stay a string, not be JSON-decoded"
        odd = [
            client.post(f"{base}/sendMessage", content=b"{broken", headers={"Content-Type": "application/json"}),
            client.post(
                f"{base}/sendMessage",
                content=b"--x\r\ngarbage",
                headers={"Content-Type": "multipart/form-data; boundary=x"},
            ),
            client.post(f"{base}/sendMessage", data={"chat_id": "abc", "text": "x"}),
            client.post(f"{base}/sendMessage", data={"chat_id": str(chat.id), "text": "x", "parse_mode": "BBCode"}),
            client.post(f"{base}/sendPhoto", data={"chat_id": str(chat.id), "photo": "https://example.com/a.jpg"}),
            client.post(f"{base}/sendMediaGroup", data={"chat_id": str(chat.id), "media": "[1]"}),
            client.post(f"{base}/getUpdates", data={"timeout": "soon"}),
            client.post(f"{base}/answerCallbackQuery", data={}),
        ]
        for request in odd:
            response = await request
            assert response.status_code == 400, response.text
            assert response.json()["description"].startswith("Bad Request: ")
    assert fake.server_errors == []
    assert [m.plain_text for m in fake.messages(chat)] == ["hi", "123"]


async def test_wait_for_returns_value_or_explains_timeout(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat()
    fake.send_text(chat, "/start")
    sent = await bot.send_message(chat.id, "Welcome", reply_markup=keyboard([("Go", "go")]))
    found = await fake.wait_for(lambda: fake.last_bot_message(chat))
    assert found.message_id == sent.message_id
    started = time.monotonic()
    with pytest.raises(AssertionError) as info:
        await fake.wait_for(lambda: fake.bot_messages(chat)[5], timeout=0.2)
    assert time.monotonic() - started < 1.0
    report = str(info.value)
    assert "timed out after 0.2s" in report
    assert "IndexError" in report
    assert "sendMessage(chat_id=1001, text='Welcome'" in report
    assert "[1] Alice: '/start'" in report
    assert "[2] bot: 'Welcome' buttons=[['Go']]" in report


async def test_long_poll_is_released_by_stop() -> None:
    server = FakeTelegram()
    await server.start()
    async with Bot(server.token, base_url=f"{server.url}/bot") as real_bot:
        poll = asyncio.create_task(real_bot.get_updates(timeout=30, read_timeout=35))
        await server.wait_for(lambda: server.active_polls == 1)
        started = time.monotonic()
        await server.stop()
        assert await poll == ()
        assert time.monotonic() - started < 1.5


async def test_application_polls_handles_commands_and_callbacks(fake: FakeTelegram) -> None:
    async def start(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        assert update.effective_user is not None
        await update.effective_message.reply_text(
            f"Hi <b>{update.effective_user.first_name}</b>",
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard([("Ping", "ping")]),
        )

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        assert update.message.text is not None
        await update.message.reply_text(f"echo: {update.message.text}")

    async def on_button(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("pong!")
        await query.edit_message_text("Pong 🏓")

    app = (
        ApplicationBuilder().token(fake.token).base_url(f"{fake.url}/bot").base_file_url(f"{fake.url}/file/bot").build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(on_button, pattern="^ping$"))

    group = fake.group_chat()
    bob = fake.user(2002, "Bob", "bob")
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        fake.send_text(group, "/start@other_bot")  # addressed to another bot: ignored
        fake.send_text(group, "/start@mj_test_bot now", user=bob)
        greeting = await fake.wait_for(lambda: fake.last_bot_message(group))
        assert greeting.plain_text == "Hi Bob"
        assert greeting.button_rows == [["Ping"]]
        fake.send_text(group, "hello there")
        echoed = await fake.wait_for(
            lambda: next((m for m in fake.bot_messages(group) if "echo" in m.plain_text), None)
        )
        assert echoed.plain_text == "echo: hello there"
        assert len(fake.bot_messages(group)) == 2, "the /start@other_bot command must not be answered"

        query_id = fake.press(group, greeting.message_id, greeting.callback_data_for("Ping"), user=bob)
        await fake.wait_for(lambda: greeting.edits == 1)
        assert greeting.plain_text == "Pong 🏓"
        assert greeting.reply_markup is None
        assert fake.answers()[query_id]["text"] == "pong!"
    finally:
        started = time.monotonic()
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        assert time.monotonic() - started < 3.0
    assert fake.pending_updates() == 0, "every update was confirmed on shutdown"
    assert fake.failed_calls() == []
    assert {c.method for c in fake.calls_to()} >= {"getMe", "deleteWebhook", "sendMessage", "answerCallbackQuery"}
