"""Self-tests of the fake Bot API server, driven through the real python-telegram-bot stack."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from aiohttp import web
from PIL import Image
from telegram import (
    Bot,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fake_telegram import ERR_CONFLICT_WEBHOOK, ERR_NOT_MODIFIED, FakeTelegram


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


# ------------------------------------------------------------------------------------- forum topics
async def test_forum_topics_threads_and_thread_errors(fake: FakeTelegram, bot: Bot) -> None:
    forum = fake.group_chat(-100777, "Forum", forum=True)
    thread = fake.create_topic(forum, "Renders")
    assert [(t.message_thread_id, t.name) for t in fake.topics(forum)] == [(thread, "Renders")]
    in_topic = fake.send_text(forum, "hello topic", thread_id=thread)
    in_general = fake.send_text(forum, "hello general")
    with pytest.raises(ValueError, match=r"no topic 999"):
        fake.send_text(forum, "x", thread_id=999)

    created, topic_msg, general_msg = [u.message for u in await bot.get_updates(timeout=0)]
    assert created is not None
    assert created.forum_topic_created is not None
    assert created.forum_topic_created.name == "Renders"
    assert (created.message_id, created.message_thread_id, created.is_topic_message) == (thread, thread, True)
    assert topic_msg is not None
    assert (topic_msg.message_thread_id, topic_msg.is_topic_message) == (thread, True)
    # Telegram's quirk: a topic message "replies" to the topic's creation message
    assert topic_msg.reply_to_message is not None
    assert topic_msg.reply_to_message.forum_topic_created is not None
    assert general_msg is not None
    assert general_msg.message_thread_id is None
    assert not general_msg.is_topic_message
    assert general_msg.reply_to_message is None

    # PTB's reply helpers copy message_thread_id for topic messages; a plain reply inherits the topic too
    auto = await topic_msg.reply_text("answer in topic")
    assert (auto.message_thread_id, auto.is_topic_message) == (thread, True)
    inherited = await bot.send_message(forum.id, "reply", reply_parameters=ReplyParameters(in_topic.message_id))
    assert inherited.message_thread_id == thread
    explicit = await bot.send_message(forum.id, "explicit", message_thread_id=thread)
    assert fake.message(forum, explicit.message_id).message_thread_id == thread
    general = await bot.send_message(forum.id, "general", reply_parameters=ReplyParameters(in_general.message_id))
    assert general.message_thread_id is None

    # createForumTopic as a bot method; its service message is the bot's own (no update)
    topic = await bot.create_forum_topic(forum.id, "Bot topic")
    assert topic.icon_color == 7322096
    assert (await bot.send_photo(forum.id, png(), message_thread_id=topic.message_thread_id)).is_topic_message
    with pytest.raises(BadRequest, match=r"(?i)the chat is not a forum"):
        await bot.create_forum_topic(fake.group_chat().id, "nope")

    plain_group = fake.group_chat(-100888, "Plain")
    private = fake.private_chat()
    photo_id = explicit_photo = (await bot.send_photo(private.id, png())).photo[-1].file_id
    attempts: dict[str, Callable[[int, int], Awaitable[object]]] = {
        "sendMessage": lambda chat_id, tid: bot.send_message(chat_id, "x", message_thread_id=tid),
        "sendPhoto": lambda chat_id, tid: bot.send_photo(chat_id, photo_id, message_thread_id=tid),
        "sendDocument": lambda chat_id, tid: bot.send_document(chat_id, b"d", filename="d.txt", message_thread_id=tid),
        "sendVideo": lambda chat_id, tid: bot.send_video(chat_id, b"v", message_thread_id=tid),
        "sendMediaGroup": lambda chat_id, tid: bot.send_media_group(
            chat_id, [InputMediaPhoto(explicit_photo)] * 2, message_thread_id=tid
        ),
        "copyMessage": lambda chat_id, tid: bot.copy_message(
            chat_id, forum.id, explicit.message_id, message_thread_id=tid
        ),
        "sendChatAction": lambda chat_id, tid: bot.send_chat_action(chat_id, "typing", message_thread_id=tid),
    }
    # unknown topic, the General topic's id 1, and any thread outside a forum
    for chat_id, tid in ((forum.id, 999), (forum.id, 1), (plain_group.id, thread), (private.id, thread)):
        for method, attempt in attempts.items():
            with pytest.raises(BadRequest, match=r"(?i)^message thread not found$"):
                await attempt(chat_id, tid)
            assert fake.calls_to(method)[-1].description == "Bad Request: message thread not found"
    with pytest.raises(ValueError, match=r"(?i)only supergroups can be forums"):
        fake.group_chat(-5, kind="group", forum=True)


# ---------------------------------------------------------------------------------- chat permissions
async def test_restricted_bot_gets_not_enough_rights(fake: FakeTelegram, bot: Bot) -> None:
    group = fake.group_chat()
    doc_msg = await bot.send_document(group.id, b"old", filename="old.txt", caption="before")
    source = fake.private_chat()
    photo_msg = await bot.send_photo(source.id, png())
    fake.set_permissions(group, can_send_photos=False, can_send_documents=False, can_send_videos=False)

    assert (await bot.send_message(group.id, "text is fine")).text == "text is fine"
    photo_id = photo_msg.photo[-1].file_id
    denied: dict[str, list[Callable[[], Awaitable[object]]]] = {
        "photos": [
            lambda: bot.send_photo(group.id, png()),
            lambda: bot.send_photo(group.id, photo_id),
            lambda: bot.send_media_group(group.id, [InputMediaPhoto(photo_id)] * 2),
            lambda: bot.copy_message(group.id, source.id, photo_msg.message_id),
            lambda: bot.forward_message(group.id, source.id, photo_msg.message_id),
            lambda: bot.edit_message_media(InputMediaPhoto(photo_id), chat_id=group.id, message_id=doc_msg.message_id),
        ],
        "documents": [lambda: bot.send_document(group.id, b"new", filename="new.txt")],
        "videos": [
            lambda: bot.send_video(group.id, b"clip"),
            lambda: bot.send_media_group(group.id, [InputMediaVideo(b"a")] * 2),
        ],
    }
    for kind, requests in denied.items():
        for request in requests:
            with pytest.raises(BadRequest, match=rf"(?i)^not enough rights to send {kind} to the chat$"):
                await request()
    assert fake.calls_to("sendPhoto")[-1].description == "Bad Request: not enough rights to send photos to the chat"
    # editing an existing message's caption is no new content
    await bot.edit_message_caption(group.id, doc_msg.message_id, caption="after")
    assert fake.message(group, doc_msg.message_id).plain_text == "after"
    member = await bot.get_chat_member(group.id, fake.bot_user["id"])
    assert isinstance(member, ChatMemberRestricted)
    assert (member.can_send_messages, member.can_send_photos, member.can_send_videos) == (True, False, False)

    fake.set_permissions(group, can_send_messages=False)
    with pytest.raises(BadRequest, match=r"(?i)^not enough rights to send text messages to the chat$"):
        await bot.send_message(group.id, "muted")
    assert await bot.send_photo(group.id, png()), "photos are allowed again"
    fake.set_admins(group, [fake.bot_user["id"]])
    assert await bot.send_message(group.id, "admins are never restricted")
    fake.set_admins(group, [])
    fake.set_permissions(group)
    assert await bot.send_message(group.id, "restriction lifted")
    with pytest.raises(ValueError, match=r"(?i)private"):
        fake.set_permissions(source, can_send_messages=False)


# ------------------------------------------------------------------------------------- flood control
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter's own int/timedelta notice
async def test_flood_control_budgets_penalties_and_reads(fake: FakeTelegram, bot: Bot) -> None:
    now = [1000.0]
    fake.clock = lambda: now[0]
    fake.flood_control(per_chat_per_second=1.0, private_burst=2, group_burst=10, per_group_per_minute=3)
    alice = fake.private_chat()
    assert await bot.send_message(alice.id, "1")
    sent = await bot.send_message(alice.id, "2")
    with pytest.raises(RetryAfter):
        await bot.send_message(alice.id, "3")
    rejected = fake.calls_to("sendMessage")[-1]
    assert (rejected.error_code, rejected.description) == (429, "Too Many Requests: retry after 2")
    assert rejected.parameters == {"retry_after": 2}
    assert [m.plain_text for m in fake.bot_messages(alice)] == ["1", "2"], "a 429 is not executed"

    now[0] += 1.5  # the budget would be free at 1002, but the chat is penalised until then anyway
    with pytest.raises(RetryAfter):
        await bot.edit_message_text("edited", chat_id=alice.id, message_id=sent.message_id)
    assert fake.calls_to("editMessageText")[-1].parameters == {"retry_after": 1}
    # reads are never limited
    assert (await bot.get_me()).username == "mj_test_bot"
    assert await bot.get_updates(timeout=0) == ()
    assert await bot.get_chat(alice.id)
    now[0] += 0.5
    assert await bot.edit_message_text("edited", chat_id=alice.id, message_id=sent.message_id)

    group = fake.group_chat()
    for step in range(3):
        now[0] = 2000.0 + step * 0.5
        await bot.send_message(group.id, f"g{step}")
    now[0] = 2001.0
    with pytest.raises(RetryAfter):
        await bot.delete_message(group.id, 1)
    assert fake.calls_to("deleteMessage")[-1].parameters == {"retry_after": 59}  # first of 3 leaves at 2060

    # the global budget covers all chats and penalises the whole bot
    fake.flood_control(global_per_second=3, private_burst=5)
    now[0] = 3000.0
    for user_id in (11, 12, 13):
        assert await bot.send_message(fake.private_chat(user_id, f"U{user_id}").id, "hi")
    for user_id in (14, 11):
        with pytest.raises(RetryAfter):
            await bot.send_message(fake.private_chat(user_id, f"U{user_id}").id, "hi")
    now[0] = 3001.0
    assert await bot.send_message(fake.private_chat(14, "U14").id, "hi")

    assert [c.method for c in fake.flood_errors()] == [
        "sendMessage",
        "editMessageText",
        "deleteMessage",
        "sendMessage",
        "sendMessage",
    ]
    fake.fail_next("sendMessage", error_code=429, retry_after=3)
    with pytest.raises(RetryAfter):
        await bot.send_message(alice.id, "injected")
    assert len(fake.flood_errors()) == 5, "fail_next 429s are not flood-control errors"
    fake.flood_control(False)
    for i in range(10):
        await bot.send_message(alice.id, f"free {i}")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_answer_callback_query_is_not_limited(fake: FakeTelegram, bot: Bot) -> None:
    now = [0.0]
    fake.clock = lambda: now[0]
    chat = fake.private_chat()
    menu = await bot.send_message(chat.id, "menu", reply_markup=keyboard([("A", "a")]))
    fake.flood_control(private_burst=1)
    await bot.send_message(chat.id, "uses the budget")
    query_id = fake.press(chat, menu.message_id, "a")
    with pytest.raises(RetryAfter):
        await bot.send_message(chat.id, "over")
    assert await bot.answer_callback_query(query_id)
    user_photo = fake.send_photo(chat, png())
    assert user_photo.photo is not None
    assert (await bot.get_file(user_photo.photo.file_id)).file_size == user_photo.photo.size
    assert len(await bot.get_updates(timeout=0)) == 2
    assert [c.method for c in fake.flood_errors()] == ["sendMessage"]


def test_flood_control_is_cheap_for_many_chats() -> None:
    fake = FakeTelegram()
    fake.flood_control()
    flood = fake._flood
    assert flood is not None
    started = time.perf_counter()
    now = 0.0
    allowed = 0
    for step in range(30_000):
        now += 0.001
        chat_id = (step % 1000) + 1 if step % 3 else -(step % 1000) - 1
        allowed += flood.admit(chat_id, now) is None
    assert time.perf_counter() - started < 2.0
    assert 0 < allowed <= 30 * 30 + 30, "never more than 30 messages per second in total"
    assert all(len(w.hits) <= w.limit for w in [*flood._chat_windows.values(), *flood._group_windows.values()])


# ------------------------------------------------------------------------------------ chat migration
async def test_migrate_to_supergroup(fake: FakeTelegram, bot: Bot) -> None:
    group = fake.group_chat(chat_id=-123, title="Old", kind="group")
    user_msg = fake.send_text(group, "before")
    sent = await bot.send_message(group.id, "hello")
    await bot.get_updates(timeout=0)  # read the user's message
    new = fake.migrate_to_supergroup(group)
    assert (new.id, new.type, new.title) == (-100123, "supergroup", "Old")

    updates = await bot.get_updates(offset=-2, timeout=0)
    farewell, welcome = [u.message for u in updates]
    assert farewell is not None
    assert welcome is not None
    assert (farewell.chat.id, farewell.migrate_to_chat_id) == (-123, new.id)
    assert (welcome.chat.id, welcome.chat.type, welcome.migrate_from_chat_id) == (new.id, "supergroup", -123)
    assert welcome.message_id > farewell.message_id > sent.message_id

    for request in (
        bot.send_message(group.id, "still there?"),
        bot.edit_message_text("x", chat_id=group.id, message_id=sent.message_id),
        bot.get_chat(group.id),
    ):
        with pytest.raises(ChatMigrated) as info:
            await request
        assert info.value.new_chat_id == new.id
    failed = fake.calls_to("sendMessage")[-1]
    assert (failed.error_code, failed.description) == (400, "Bad Request: group chat was upgraded to a supergroup chat")
    assert failed.parameters == {"migrate_to_chat_id": new.id}

    # history came along with its ids: the same Message objects, now in the new chat
    assert fake.message(new, user_msg.message_id) is user_msg
    assert user_msg.chat_id == new.id
    await bot.edit_message_text("edited", chat_id=new.id, message_id=sent.message_id)
    assert fake.message(new, sent.message_id).plain_text == "edited"
    follow_up = fake.send_text(new, "after")
    assert follow_up.message_id == welcome.message_id + 1
    with pytest.raises(ValueError, match=r"(?i)upgraded to supergroup -100123"):
        fake.send_text(group, "old chat")
    with pytest.raises(ValueError, match=r"(?i)only basic groups"):
        fake.migrate_to_supergroup(new)


# ----------------------------------------------------------------------------------------- webhooks
class Receiver:
    """A tiny webhook endpoint: records what arrives and answers with queued statuses (then 200)."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[dict[str, str], dict[str, object]]] = []
        self.on_update: Callable[[dict[str, object]], Awaitable[None]] | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        data = await request.json()
        self.received.append((dict(request.headers), data))
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 200 and self.on_update is not None:
            await self.on_update(data)
        return web.Response(status=status)

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


async def test_webhook_delivers_in_order_with_retries_and_secret(fake: FakeTelegram, bot: Bot) -> None:
    fake.webhook_backoff = 0.01
    chat = fake.private_chat()
    async with Receiver(500) as receiver:
        poll = asyncio.create_task(bot.get_updates(timeout=5))
        await fake.wait_for(lambda: fake.active_polls == 1)
        assert await bot.set_webhook(receiver.url, secret_token="s3cr3t_-x")
        with pytest.raises(Conflict, match=r"^Conflict: terminated by setWebhook request$"):
            await poll
        with pytest.raises(Conflict, match=r"(?i)can't use getUpdates method while webhook is active"):
            await bot.get_updates(timeout=0)
        assert fake.calls_to("getUpdates")[-1].description == ERR_CONFLICT_WEBHOOK

        fake.send_text(chat, "one")
        fake.send_text(chat, "two")
        delivered = await fake.wait_for(lambda: len(fake.webhook_updates()) == 2 and fake.webhook_updates())
        assert [u["message"]["text"] for u in delivered] == ["one", "two"]
        assert [(a.attempt, a.status) for a in fake.webhook_attempts] == [(1, 500), (2, 200), (1, 200)]
        assert fake.webhook_attempts[0].error == "Wrong response from the webhook: 500 Internal Server Error"
        headers, body = receiver.received[0]
        assert headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cr3t_-x"
        assert headers["Content-Type"] == "application/json"
        assert body == delivered[0]
        assert Update.de_json(body, bot).message.text == "one"  # type: ignore[union-attr]

        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count) == (receiver.url, 0)
        assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        assert info.last_error_date is not None

        # an update that keeps failing is dropped after webhook_max_attempts tries
        fake.webhook_max_attempts = 2
        receiver.statuses = [502, 502]
        fake.send_text(chat, "lost")
        await fake.wait_for(lambda: len(fake.webhook_attempts) == 5 and fake.pending_updates() == 0)
        assert [u["message"]["text"] for u in fake.webhook_updates()] == ["one", "two"]

    # deleteWebhook goes back to getUpdates; what arrives meanwhile waits there
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    fake.send_text(chat, "polled")
    (update,) = await bot.get_updates(timeout=0)
    assert update.message is not None
    assert update.message.text == "polled"
    assert len(fake.webhook_attempts) == 5

    with pytest.raises(BadRequest, match=r"(?i)An HTTPS URL must be provided for webhook"):
        await bot.set_webhook("ftp://example.com/hook")
    with pytest.raises(BadRequest, match=r"(?i)secret token contains unallowed characters"):
        await bot.set_webhook("https://example.com/hook", secret_token="no spaces!")


async def test_webhook_connection_errors_show_in_webhook_info(fake: FakeTelegram, bot: Bot) -> None:
    fake.webhook_backoff = 0.01
    fake.webhook_max_attempts = 2
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    await bot.set_webhook(f"http://127.0.0.1:{port}/hook", drop_pending_updates=True)
    fake.send_text(fake.private_chat(), "hello?")
    await fake.wait_for(lambda: len(fake.webhook_attempts) == 2)
    assert [(a.status, a.error) for a in fake.webhook_attempts] == [(None, "Connection refused")] * 2
    assert "X-Telegram-Bot-Api-Secret-Token" not in fake.webhook_attempts[0].headers
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Connection refused"
    assert fake.webhook_info()["last_error_message"] == "Connection refused"


async def test_application_in_webhook_mode(fake: FakeTelegram) -> None:
    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"echo: {update.message.text}")

    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(f"{fake.url}/bot")
        .base_file_url(f"{fake.url}/file/bot")
        .updater(None)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    chat = fake.private_chat()
    async with Receiver() as receiver:

        async def feed(data: dict[str, object]) -> None:
            await app.update_queue.put(Update.de_json(data, app.bot))

        receiver.on_update = feed
        async with app:
            await app.start()
            await app.bot.set_webhook(receiver.url, secret_token="topsecret")
            fake.send_text(chat, "ping")
            reply = await fake.wait_for(lambda: fake.last_bot_message(chat))
            assert reply.plain_text == "echo: ping"
            await app.stop()
    assert fake.failed_calls() == []


# -------------------------------------------------------------------------------------------- videos
async def test_send_video_stores_bytes_metadata_and_thumbnail(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat()
    clip = b"\x00\x00\x00\x18ftypmp42 not really a video"
    thumb = io.BytesIO()
    Image.new("RGB", (320, 180), (0, 90, 200)).save(thumb, format="JPEG")
    sent = await bot.send_video(
        chat.id,
        clip,
        filename="clip.mp4",
        width=640,
        height=360,
        duration=5,
        supports_streaming=True,
        thumbnail=thumb.getvalue(),
        caption="<b>clip</b>",
        parse_mode="HTML",
    )
    assert sent.video is not None
    assert (sent.video.width, sent.video.height, sent.video.file_name, sent.video.mime_type) == (
        640,
        360,
        "clip.mp4",
        "video/mp4",
    )
    assert sent.video.thumbnail is not None
    assert (sent.video.thumbnail.width, sent.video.thumbnail.height) == (320, 180)
    assert sent.caption == "clip"
    msg = fake.message(chat, sent.message_id)
    assert msg.video is not None
    assert (msg.video.bytes, msg.video.duration, msg.video.supports_streaming) == (clip, 5, True)
    assert msg.media_kind == "video"
    assert msg.plain_text == "clip"
    assert "video 'clip'" in msg.describe()
    tg_file = await bot.get_file(sent.video.file_id)
    assert bytes(await tg_file.download_as_bytearray()) == clip

    again = await bot.send_video(chat.id, sent.video.file_id, width=1, height=1)
    assert again.video is not None
    assert (again.video.file_id, again.video.width) == (sent.video.file_id, 640), "a file_id keeps its metadata"
    photo = await bot.send_photo(chat.id, png())
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type Photo as Video"):
        await bot.send_video(chat.id, photo.photo[-1].file_id)
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type Video as Photo"):
        await bot.send_photo(chat.id, sent.video.file_id)
    with pytest.raises(BadRequest, match=r"(?i)file must be non-empty"):
        await bot.send_video(chat.id, b"")

    # albums mix photos and videos; editMessageMedia can switch a photo to a video
    album = await bot.send_media_group(chat.id, [InputMediaPhoto(png()), InputMediaVideo(clip, width=8, height=8)])
    assert album[1].video is not None
    assert album[1].video.width == 8
    with pytest.raises(BadRequest, match=r"(?i)document can't be mixed"):
        await bot.send_media_group(chat.id, [InputMediaVideo(clip), InputMediaDocument(b"d", filename="d.txt")])
    edited = await bot.edit_message_media(
        InputMediaVideo(b"\x00\x00\x00\x10ftypisom other clip", caption="now a video"),
        chat_id=chat.id,
        message_id=photo.message_id,
    )
    assert not isinstance(edited, bool)
    assert edited.video is not None
    assert fake.message(chat, photo.message_id).media_kind == "video"


async def test_video_upload_over_50_mb_is_rejected_like_telegram(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat()
    with pytest.raises(NetworkError, match=r"Request Entity Too Large"):
        await bot.send_video(chat.id, b"\x00" * (50_000_000 + 1), write_timeout=60)
    assert fake.calls_to("sendVideo")[-1].error_code == 413
    assert fake.bot_messages(chat) == []

    fake.max_upload = 1_000  # a test can reach the limit without 50 MB; the default is Telegram's
    clip = b"\x00\x00\x00\x10ftypisom" + bytes(1_000)
    with pytest.raises(NetworkError, match=r"Request Entity Too Large"):
        await bot.send_video(chat.id, clip)
    with pytest.raises(NetworkError, match=r"Request Entity Too Large"):
        await bot.send_document(chat.id, clip, filename="clip.mp4")
    assert [c.error_code for c in fake.calls_to("sendVideo", "sendDocument")][-2:] == [413, 413]
    assert fake.bot_messages(chat) == []


def mp4(*boxes: bytes) -> bytes:
    """A file of ISO BMFF boxes (type, then payload), headed by `ftyp`."""
    out = b"\x00\x00\x00\x10ftypisom\x00\x00\x02\x00"
    for box in boxes:
        out += (8 + len(box) - 4).to_bytes(4, "big") + box
    return out


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (0, 90, 200)).save(out, format="JPEG")
    return out.getvalue()


async def test_videos_are_held_to_telegrams_rules(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat()
    webp = io.BytesIO()
    Image.new("RGB", (8, 8)).save(webp, format="WEBP")
    as_file = await bot.send_video(chat.id, webp.getvalue(), filename="clip.webp")
    assert (as_file.video, as_file.document is not None) == (None, True)  # only MP4 plays: the rest is a file
    assert fake.message(chat, as_file.message_id).media_kind == "document"

    fast = await bot.send_video(chat.id, mp4(b"moov", b"mdat" + bytes(64)), supports_streaming=True)
    slow = await bot.send_video(chat.id, mp4(b"mdat" + bytes(64), b"moov"), supports_streaming=True)
    streams = [fake.message(chat, m.message_id).video for m in (fast, slow)]
    assert [v.streamable for v in streams if v is not None] == [True, False]  # what the file can really do

    png_thumb = io.BytesIO()
    Image.new("RGB", (90, 90)).save(png_thumb, format="PNG")
    dropped = {
        "PNG instead of JPEG": png_thumb.getvalue(),
        "640×360 is over 320×320": jpeg(640, 360),
    }
    for why, thumbnail in dropped.items():
        sent = await bot.send_video(chat.id, mp4(b"moov"), thumbnail=thumbnail)
        assert sent.video is not None
        assert sent.video.thumbnail is None  # Telegram ignores a thumbnail against its rules, silently
        video = fake.message(chat, sent.message_id).video
        assert video is not None
        assert video.thumbnail_dropped == why
    kept = await bot.send_video(chat.id, mp4(b"moov"), thumbnail=jpeg(320, 180))
    assert kept.video is not None
    assert kept.video.thumbnail is not None
