"""A fake Telegram Bot API server over real HTTP (aiohttp, 127.0.0.1, random port).

The real python-telegram-bot stack (``Application`` with long polling, ``Bot``) talks to it through
``.base_url(f"{fake.url}/bot")`` and ``.base_file_url(f"{fake.url}/file/bot")``. Tests play the users
(:meth:`FakeTelegram.send_text`, :meth:`FakeTelegram.press`, ...) and assert on what a user would see
(:meth:`FakeTelegram.messages`, :class:`Message.plain_text`, :attr:`Message.button_rows`, ...).

Quick start::

    async with FakeTelegram() as fake:                 # or: await fake.start() ... await fake.stop()
        chat = fake.private_chat()                     # or fake.group_chat(); fake.user(...) for more users
        app = build_app(base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot")
        ...start polling...
        fake.send_text(chat, "/start")                 # bot_command entity added automatically
        menu = await fake.wait_for(lambda: fake.last_bot_message(chat))
        fake.press(chat, menu.message_id, menu.callback_data_for("Go"))   # or fake.press_button(chat, id, "Go")
        await fake.wait_for(lambda: menu.edits == 1)
        assert menu.plain_text == "..." and menu.button_rows == [["Back"]]

Observation helpers: ``calls`` (every request, getUpdates included; a stale long poll whose client already
hung up is not recorded), ``calls_to(*methods)`` (no argument: everything but getUpdates),
``failed_calls()``, ``answers()``, ``messages(chat)`` / ``bot_messages(chat)`` (deleted messages are left
out unless ``include_deleted=True``; ``message(chat, id)`` always finds them, with ``deleted=True``),
``last_bot_message(chat)``, ``downloads``, ``pending_updates()``, ``active_polls``, ``commands()``, ``menu()``,
``dump()``, ``server_errors`` (exceptions inside the fake itself; answered with HTTP 500),
``flood_errors()`` (429s from flood control), ``topics(chat)``, ``webhook_attempts`` / ``webhook_updates()`` /
``webhook_info()``.
Scenario helpers: ``fail_next``, ``set_admins``, ``set_blocked``, ``expire_callback_query``,
``send_photo`` / ``send_document`` (user uploads, downloadable through getFile), ``create_topic`` (forums:
``group_chat(forum=True)``), ``set_permissions`` (the bot as a restricted member), ``flood_control``
(switchable Telegram-like 429s; measured on ``fake.clock``), ``migrate_to_supergroup``.

Behaviour that mirrors the real Bot API (so that bugs in the bot surface here):

* Responses are ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N, "description": ...,
  "parameters": {...}}``; wrong token -> 401 ``Unauthorized``, unknown method -> 404 ``Not Found``.
  Method names are case-insensitive, as on the real server.
* Requests may be GET/POST, form-urlencoded (PTB: values JSON-encoded, plain strings raw),
  multipart/form-data (uploads; ``attach://<name>`` inside ``media``) or JSON bodies.
* ``parse_mode`` HTML / MarkdownV2 / Markdown are parsed by ports of tdlib's own parsers
  (``td/telegram/MessageEntity.cpp``), with tdlib's error texts, e.g.
  ``Bad Request: can't parse entities: Unsupported start tag "br" at byte offset 5`` or
  ``Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the
  preceding '\\'``. Returned messages carry the parsed plain text + entities (UTF-16 offsets), like
  Telegram. Leading/trailing whitespace is trimmed after parsing, like Telegram.
* Length limits are checked after entity parsing: text 1-4096, caption 0-1024. Lengths are counted
  in Unicode code points (``len(str)``), which is what tdlib's ``utf8_length`` does; entity offsets
  are UTF-16 code units.
* Editing without ``reply_markup`` removes the inline keyboard (real Telegram behaviour).
* A 1-item ``sendMediaGroup`` is accepted (the real server accepts it too; only 0 and >10 fail).
  Photos and videos mix in an album; documents only group with documents.
* Forums: a topic is the thread of its ``forum_topic_created`` service message (topic id = that message's
  id; message 1 of a forum is reserved, it is the General topic's id). Topic messages carry
  ``message_thread_id`` + ``is_topic_message`` and, unless they reply to something else, ``reply_to_message``
  = the topic's creation message (a real quirk). General-topic messages have no thread id. A reply sent
  without ``message_thread_id`` lands in the replied message's topic. ``message_thread_id`` must name an
  existing topic of a forum (1 = General fails too, as on Telegram), for every sending method.
* Webhooks (setWebhook): updates are POSTed as JSON to the url, one at a time in order, with
  ``X-Telegram-Bot-Api-Secret-Token`` when a secret was set; non-2xx answers are retried
  (``webhook_max_attempts`` tries, ``webhook_backoff`` doubling, or the answer's Retry-After), then the update
  is dropped; getWebhookInfo shows ``last_error_date`` / ``last_error_message`` (``Wrong response from the
  webhook: 500 Internal Server Error``, ``Connection refused``, ``Read timeout expired``). HTTP urls are
  allowed like on a local Bot API server (``allow_http_webhooks = False`` demands HTTPS like the cloud).
  deleteWebhook returns to getUpdates (pending updates kept unless ``drop_pending_updates``).
* A migrated basic group answers every method with ``parameters.migrate_to_chat_id`` (PTB: ChatMigrated).
* Videos: an upload that is not an MP4 (no ``ftyp`` box) becomes a document, as Telegram sends "other
  formats"; a thumbnail counts only when it is a JPEG of at most 320×320 under 200 kB uploaded with the video,
  anything else is dropped silently (``Video.thumbnail_dropped`` says why). ``max_upload`` (default the real
  50 MB) lets a test reach the upload limit without sending 50 MB.

Error wordings (all HTTP 400 unless noted):

======================================  ===============================================================
situation                               description
======================================  ===============================================================
unknown chat                            ``Bad Request: chat not found``
edit target missing/deleted             ``Bad Request: message to edit not found``
delete target missing/deleted           ``Bad Request: message to delete not found``
reply target missing                    ``Bad Request: message to be replied not found``
edit changes nothing                    ``Bad Request: message is not modified: specified new message
                                        content and reply markup are exactly the same as a current
                                        content and reply markup of the message``
editMessageText on media                ``Bad Request: there is no text in the message to edit``
editMessageCaption on text              ``Bad Request: there is no caption in the message to edit``
editMessageMedia on text                ``Bad Request: there is no media in the message to edit``
edit a message not sent by the bot      ``Bad Request: message can't be edited``
delete a user's message in a group      ``Bad Request: message can't be deleted`` (unless bot is admin)
empty text                              ``Bad Request: message text is empty``
text > 4096                             ``Bad Request: message is too long``
caption > 1024                          ``Bad Request: message caption is too long``
bad HTML/Markdown                       ``Bad Request: can't parse entities: <tdlib message>``
unknown parse_mode                      ``Bad Request: unsupported parse_mode``
callback_data > 64 bytes                ``Bad Request: BUTTON_DATA_INVALID``
button without action / empty data      ``Bad Request: can't parse inline keyboard button: Text buttons
                                        are unallowed in the inline keyboard``
button with 2+ actions (fake's choice;  ``Bad Request: can't parse inline keyboard button: exactly one
real server silently picks one)         of the optional fields must be used``
bad button url                          ``Bad Request: BUTTON_URL_INVALID``
> 8 buttons in a row or > 100 total     ``Bad Request: reply markup is too long``
photo undecodable by Pillow             ``Bad Request: IMAGE_PROCESS_FAILED``
setMyCommands scope of unknown type or  ``Bad Request: can't parse BotCommandScope: unsupported or
missing/extra fields (fake's wording)   incomplete scope``; unknown chat ``chat not found``, user
                                        ``user not found``; admin/member scope of a private chat ``can't
                                        use the scope in a private chat``
setMyCommands language_code not two     ``Bad Request: invalid language code specified``
lowercase letters (ISO 639-1)
photo w+h > 10000 or ratio > 20         ``Bad Request: PHOTO_INVALID_DIMENSIONS``
photo upload > 10 MB                    ``Bad Request: PHOTO_SAVE_FILE_INVALID`` (wording not verified)
any upload > 50 MB (``max_upload``)     HTTP 413 ``Request Entity Too Large``
empty upload                            ``Bad Request: file must be non-empty``
unknown file_id                         ``Bad Request: wrong file identifier/HTTP URL specified``
file_id of another type                 ``Bad Request: can't use file of type Document as Photo``
HTTP URL as file (no internet here)     ``Bad Request: failed to get HTTP URL content``
getFile unknown id / > 20 MB            ``Bad Request: invalid file_id`` / ``Bad Request: file is too big``
callback query unknown/answered/expired ``Bad Request: query is too old and response timeout expired or
                                        query ID is invalid``
answerCallbackQuery text > 200          ``Bad Request: MESSAGE_TOO_LONG``
0 / > 10 album items                    ``Bad Request: there are no messages to send`` /
                                        ``Bad Request: too many messages to send as an album``
document mixed into a photo album       ``Bad Request: document can't be mixed with other media types``
user blocked the bot (set_blocked)      403 ``Forbidden: bot was blocked by the user``
two concurrent getUpdates               409 ``Conflict: terminated by other getUpdates request; make sure
                                        that only one bot instance is running`` (to the older request)
getUpdates waiting when setWebhook      409 ``Conflict: terminated by setWebhook request``
getUpdates while a webhook is set       409 ``Conflict: can't use getUpdates method while webhook is
                                        active; use deleteWebhook to delete the webhook first``
setWebhook url not http(s)              ``Bad Request: bad webhook: An HTTPS URL must be provided for
                                        webhook``
bad setWebhook secret_token             ``Bad Request: secret token contains unallowed characters``
unknown/General/non-forum thread id     ``Bad Request: message thread not found``
createForumTopic outside a forum        ``Bad Request: the chat is not a forum``
restricted bot (set_permissions)        ``Bad Request: not enough rights to send text messages to the
                                        chat`` (likewise ``photos`` / ``documents`` / ``videos``)
old id of a migrated group              ``Bad Request: group chat was upgraded to a supergroup chat``,
                                        ``parameters.migrate_to_chat_id``
over a flood budget (flood_control)     429 ``Too Many Requests: retry after N``, ``parameters.retry_after``
file_id of another type                 ``Bad Request: can't use file of type Photo as Video`` (etc.)
======================================  ===============================================================

Group privacy mode (``privacy_mode = True``; off by default, so the bot receives every group message): a
user's text in a group reaches a bot that is no admin there only when it is a command for it (``/cmd`` or
``/cmd@this_bot``) or a reply to one of its messages; the message is kept in the chat all the same. (Only
text: photos and documents always arrive.)

Not emulated: auto-detected entities (URLs,
mentions) in bot messages, photo re-compression (the largest PhotoSize keeps the uploaded bytes and
dimensions), video probing (width/height/duration are what the sender passed, 0 if omitted; ``Video.streamable``
tells whether the file could really stream), audio/voice/
animations, webhook replies (a method in the webhook's answer body), ``allowed_updates`` filtering, topic
management rights, inline mode, payments. Flood control is off unless :meth:`FakeTelegram.flood_control`
is called (:meth:`FakeTelegram.fail_next` with ``error_code=429`` injects single 429s). Everything runs on
the test's event loop; the user-action helpers are plain synchronous methods and must be called from that
loop.
"""

from __future__ import annotations

import asyncio
import builtins
import inspect
import io
import itertools
import json
import logging
import math
import mimetypes
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

import aiohttp
from aiohttp import BodyPartReader, web
from PIL import Image

__all__ = [
    "ApiCall",
    "Chat",
    "Document",
    "FakeTelegram",
    "Message",
    "Photo",
    "Snapshot",
    "StoredFile",
    "Topic",
    "Video",
    "WebhookAttempt",
]

log = logging.getLogger(__name__)

T = TypeVar("T")
JSONDict = dict[str, Any]

# --------------------------------------------------------------------------------------------- limits
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_ANSWER_TEXT_LENGTH = 200
MAX_BUTTONS_PER_ROW = 8
MAX_BUTTONS_TOTAL = 100
MAX_PHOTO_UPLOAD = 10_000_000  # Telegram's MB are decimal (PTB FileSizeLimit)
MAX_UPLOAD = 50_000_000  # per file, multipart; FakeTelegram.max_upload can lower it for a test
MAX_DOWNLOAD = 20_000_000
MAX_THUMBNAIL_SIDE = 320  # a video's thumbnail: JPEG, at most 320×320, under 200 kB, uploaded with it
MAX_THUMBNAIL_BYTES = 200_000
MAX_PHOTO_SIDES_SUM = 10000
MAX_PHOTO_RATIO = 20
MAX_MEDIA_GROUP = 10
MAX_WEBHOOK_SECRET = 256
MAX_WEBHOOK_RETRY_AFTER = 3600  # the Bot API server clamps a webhook's Retry-After to an hour
DEFAULT_TOPIC_ICON_COLOR = 0x6FB9F0  # 7322096, the blue Telegram picks when icon_color is omitted

# ------------------------------------------------------------------------------------ error wordings
ERR_UNAUTHORIZED = "Unauthorized"
ERR_NOT_FOUND = "Not Found"
ERR_CHAT_NOT_FOUND = "Bad Request: chat not found"
ERR_CHAT_ID_EMPTY = "Bad Request: chat_id is empty"
ERR_SCOPE_INVALID = "Bad Request: can't parse BotCommandScope: unsupported or incomplete scope"
ERR_SCOPE_PRIVATE = "Bad Request: can't use the scope in a private chat"
ERR_USER_NOT_FOUND = "Bad Request: user not found"
ERR_LANGUAGE_CODE = "Bad Request: invalid language code specified"
ERR_EDIT_NOT_FOUND = "Bad Request: message to edit not found"
ERR_DELETE_NOT_FOUND = "Bad Request: message to delete not found"
ERR_REPLY_NOT_FOUND = "Bad Request: message to be replied not found"
ERR_COPY_NOT_FOUND = "Bad Request: message to copy not found"
ERR_MESSAGE_ID_MISSING = "Bad Request: message identifier is not specified"
ERR_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
ERR_NO_TEXT = "Bad Request: there is no text in the message to edit"
ERR_NO_CAPTION = "Bad Request: there is no caption in the message to edit"
ERR_NO_MEDIA = "Bad Request: there is no media in the message to edit"
ERR_CANT_EDIT = "Bad Request: message can't be edited"
ERR_CANT_DELETE = "Bad Request: message can't be deleted"
ERR_TEXT_EMPTY = "Bad Request: message text is empty"
ERR_TEXT_TOO_LONG = "Bad Request: message is too long"
ERR_CAPTION_TOO_LONG = "Bad Request: message caption is too long"
ERR_PARSE_ENTITIES = "Bad Request: can't parse entities: "
ERR_PARSE_MODE = "Bad Request: unsupported parse_mode"
ERR_BUTTON_DATA = "Bad Request: BUTTON_DATA_INVALID"
ERR_BUTTON_URL = "Bad Request: BUTTON_URL_INVALID"
ERR_BUTTON_TEXT_ONLY = (
    "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
)
ERR_BUTTON_MANY_ACTIONS = (
    "Bad Request: can't parse inline keyboard button: exactly one of the optional fields must be used"
)
ERR_MARKUP_TOO_LONG = "Bad Request: reply markup is too long"
ERR_MARKUP_JSON = "Bad Request: can't parse reply keyboard markup JSON object"
ERR_INLINE_KEYBOARD_EXPECTED = "Bad Request: inline keyboard expected"
ERR_IMAGE_PROCESS = "Bad Request: IMAGE_PROCESS_FAILED"
ERR_PHOTO_DIMENSIONS = "Bad Request: PHOTO_INVALID_DIMENSIONS"
ERR_PHOTO_TOO_BIG = "Bad Request: PHOTO_SAVE_FILE_INVALID"
ERR_FILE_EMPTY = "Bad Request: file must be non-empty"
ERR_ENTITY_TOO_LARGE = "Request Entity Too Large"
ERR_WRONG_FILE_ID = "Bad Request: wrong file identifier/HTTP URL specified"
ERR_URL_CONTENT = "Bad Request: failed to get HTTP URL content"
ERR_INVALID_FILE_ID = "Bad Request: invalid file_id"
ERR_FILE_TOO_BIG = "Bad Request: file is too big"
ERR_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
ERR_ANSWER_TOO_LONG = "Bad Request: MESSAGE_TOO_LONG"
ERR_NO_MEDIA_TO_SEND = "Bad Request: there are no messages to send"
ERR_ALBUM_TOO_BIG = "Bad Request: too many messages to send as an album"
ERR_DOCUMENT_MIXED = "Bad Request: document can't be mixed with other media types"
ERR_BLOCKED = "Forbidden: bot was blocked by the user"
ERR_USER_NOT_FOUND = "Bad Request: user not found"
ERR_CHAT_ACTION = "Bad Request: wrong parameter action in request"
ERR_CONFLICT_POLL = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
ERR_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
ERR_CONFLICT_SET_WEBHOOK = "Conflict: terminated by setWebhook request"
ERR_BAD_WEBHOOK_URL = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
ERR_SECRET_TOKEN = "Bad Request: secret token contains unallowed characters"
ERR_SECRET_TOKEN_TOO_LONG = "Bad Request: secret token is too long"  # wording not verified
ERR_THREAD_NOT_FOUND = "Bad Request: message thread not found"
ERR_NOT_A_FORUM = "Bad Request: the chat is not a forum"
ERR_MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"
ERR_NO_RIGHTS = {
    "text": "Bad Request: not enough rights to send text messages to the chat",
    "photo": "Bad Request: not enough rights to send photos to the chat",
    "document": "Bad Request: not enough rights to send documents to the chat",
    "video": "Bad Request: not enough rights to send videos to the chat",
}
ERR_TOO_MANY_REQUESTS = "Too Many Requests: retry after {}"

# Methods that flood control counts (see FakeTelegram.flood_control); reads are never limited.
FLOOD_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
        "deleteMessage",
        "deleteMessages",
    }
)

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# Parameters that are plain strings on the wire and must never be JSON-decoded (``text="123"`` must stay
# a string). Everything else is JSON-decoded when it parses.
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "file_id",
        "photo",
        "document",
        "video",
        "audio",
        "animation",
        "voice",
        "sticker",
        "thumbnail",
        "action",
        "emoji",
        "business_connection_id",
        "message_effect_id",
        "inline_message_id",
        "title",
        "description",
        "short_description",
        "name",
        "file_name",
        "secret_token",
        "ip_address",
        "language_code",
        "custom_title",
        "query",
        "certificate",
        "cover",
        "icon_custom_emoji_id",
    }
)

_ACTION_FIELDS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


# Telegram's stand-in sender for anonymous group admins (the group itself is the message's sender_chat).
ANONYMOUS_ADMIN: JSONDict = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}


class ApiError(Exception):
    """Raised inside method handlers; becomes an ``ok: false`` response."""

    def __init__(self, code: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


# setMyCommands: each scope type and the fields it must have, no more.
_SCOPE_FIELDS: dict[str, tuple[str, ...]] = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}


def _menu_key(scope: JSONDict, language: str) -> str:
    return json.dumps([scope, language], sort_keys=True)


def _bad(description: str) -> ApiError:
    return ApiError(400, description)


# ==================================================================================== entity parsing
class EntityParseError(Exception):
    """A tdlib-style parse error (message without the ``can't parse entities`` prefix)."""


_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


def _command_entities(text: str) -> list[JSONDict]:
    """The bot_command entity Telegram's clients mark at the start of a text: only the command's own characters."""
    command = _COMMAND.match(text)
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}] if command else []


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of Telegram entity offsets)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _is_space(c: int) -> bool:
    # tdlib's td::is_space, which also treats NUL (end of C string) as a space
    return c in (0x20, 0x09, 0x0D, 0x0A, 0x00, 0x0B, 0x0C)


def _first_unit(c: int) -> bool:
    return (c & 0xC0) != 0x80


def _units(c: int) -> int:
    return 2 if c >= 0xF0 else 1


class _Bytes:
    """Byte string with C-like ``at(i)`` that returns 0 past the end."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.n = len(data)

    def at(self, i: int) -> int:
        return self.data[i] if 0 <= i < self.n else 0


def _encode_code_point(code: int) -> bytes:
    return chr(code).encode("utf-8", "surrogatepass")


def _decode_html_entity(b: _Bytes, pos: int) -> tuple[int, int]:
    """Port of tdlib ``decode_html_entity``: returns (code point or 0, new position)."""
    end = pos + 1
    res = 0
    if b.at(pos + 1) == ord("#"):
        end += 1
        if b.at(pos + 2) == ord("x"):
            end += 1
            while chr(b.at(end)) in "0123456789abcdefABCDEF" and b.at(end) != 0:
                res = res * 16 + int(chr(b.at(end)), 16)
                end += 1
        else:
            while ord("0") <= b.at(end) <= ord("9"):
                res = res * 10 + b.at(end) - ord("0")
                end += 1
        if res == 0 or res >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while chr(b.at(end)).isascii() and chr(b.at(end)).isalpha():
            end += 1
        name = b.data[pos + 1 : end]
        res = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}.get(name, 0)
        if res == 0:
            return 0, pos
    if b.at(end) == ord(";"):
        end += 1
    return res, end


_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)


def _checked_link(url: str) -> str | None:
    """Rough port of ``LinkManager::get_checked_link``: None means "drop the entity"."""
    url = url.strip()
    if not url:
        return None
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):", url)
    if m:
        scheme = m.group(1).lower()
        if scheme in ("http", "https"):
            return url if re.match(r"^[A-Za-z]+://[^/?#\s]+", url) else None
        if scheme in ("tg", "ton", "ftp"):
            return url
        return None
    if re.match(r"^[\w\-]+(\.[\w\-]+)*\.[A-Za-z]{2,}([/:?#].*)?$", url):
        return "http://" + url
    return None


def _link_entity(offset: int, length: int, url: str) -> JSONDict | None:
    m = re.match(r"^tg://user\?id=(\d+)$", url.strip())
    if m:
        user = {"id": int(m.group(1)), "is_bot": False, "first_name": "User"}
        return {"type": "text_mention", "offset": offset, "length": length, "user": user}
    checked = _checked_link(url)
    if checked is None:
        return None
    return {"type": "text_link", "offset": offset, "length": length, "url": checked}


@dataclass
class _HtmlOpen:
    tag: str
    argument: str
    offset: int
    out_pos: int
    expandable: bool


def parse_html(text: str) -> tuple[str, list[JSONDict]]:
    """Port of tdlib ``parse_html``. Returns (plain text, Bot API entities)."""
    b = _Bytes(text.encode("utf-8"))
    out = bytearray()
    entities: list[JSONDict] = []
    utf16 = 0
    stack: list[_HtmlOpen] = []
    i = 0
    while i < b.n:
        c = b.data[i]
        if c == 0x26:  # '&'
            code, new_i = _decode_html_entity(b, i)
            if code:
                utf16 += 2 if code > 0xFFFF else 1
                out += _encode_code_point(code)
                i = new_i
                continue
        if c != 0x3C:  # '<'
            if _first_unit(c):
                utf16 += _units(c)
            out.append(c)
            i += 1
            continue

        begin = i
        i += 1
        if b.at(i) != 0x2F:  # start tag
            while not _is_space(b.at(i)) and b.at(i) != 0x3E:
                i += 1
            if b.at(i) == 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            tag = b.data[begin + 1 : i].decode("utf-8", "replace").lower()
            if tag not in _HTML_TAGS:
                raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            expandable = False
            while b.at(i) != 0x3E:
                while b.at(i) != 0 and _is_space(b.at(i)):
                    i += 1
                if b.at(i) == 0x3E:
                    break
                attr_begin = i
                while not _is_space(b.at(i)) and b.at(i) not in (0x3D, 0x3E):
                    i += 1
                attr = b.data[attr_begin:i].decode("utf-8", "replace")
                if not attr:
                    raise EntityParseError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
                while b.at(i) != 0 and _is_space(b.at(i)):
                    i += 1
                if b.at(i) != 0x3D:
                    if tag == "blockquote" and attr.lower() == "expandable":
                        expandable = True
                        continue
                    raise EntityParseError(
                        f'Expected equal sign in declaration of an attribute of the tag "{tag}" at byte offset {begin}'
                    )
                i += 1
                while b.at(i) != 0 and _is_space(b.at(i)):
                    i += 1
                if b.at(i) == 0:
                    raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if b.at(i) not in (0x27, 0x22):
                    token_begin = i
                    while chr(b.at(i)).isascii() and (chr(b.at(i)).isalnum() or b.at(i) in (0x2E, 0x2D)):
                        i += 1
                    value = b.data[token_begin:i].decode("utf-8", "replace").lower()
                    if not _is_space(b.at(i)) and b.at(i) != 0x3E:
                        raise EntityParseError(f"Unexpected end of name token at byte offset {token_begin}")
                else:
                    quote = b.at(i)
                    i += 1
                    raw = bytearray()
                    while b.at(i) != quote and b.at(i) != 0:
                        if b.at(i) == 0x26:
                            code, new_i = _decode_html_entity(b, i)
                            if code:
                                raw += _encode_code_point(code)
                                i = new_i
                                continue
                        raw.append(b.at(i))
                        i += 1
                    if b.at(i) == quote:
                        i += 1
                    value = raw.decode("utf-8", "replace")
                if b.at(i) == 0:
                    raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
                if tag == "a" and attr == "href":
                    argument = value
                elif tag == "code" and attr == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attr == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and attr == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            stack.append(_HtmlOpen(tag, argument, utf16, len(out), expandable))
            i += 1
            continue

        # end tag
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        while not _is_space(b.at(i)) and b.at(i) != 0x3E:
            i += 1
        end_tag = b.data[begin + 2 : i].decode("utf-8", "replace").lower()
        while _is_space(b.at(i)) and b.at(i) != 0:
            i += 1
        if b.at(i) != 0x3E:
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        top = stack[-1]
        if end_tag and end_tag != top.tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{top.tag}>", found "</{end_tag}>"'
            )
        if utf16 > top.offset:
            off, length = top.offset, utf16 - top.offset
            tag = top.tag
            simple = {
                "i": "italic",
                "em": "italic",
                "b": "bold",
                "strong": "bold",
                "s": "strikethrough",
                "strike": "strikethrough",
                "del": "strikethrough",
                "u": "underline",
                "ins": "underline",
                "tg-spoiler": "spoiler",
                "span": "spoiler",
            }
            if tag in simple:
                entities.append({"type": simple[tag], "offset": off, "length": length})
            elif tag == "tg-emoji":
                if not top.argument.isdigit() or int(top.argument) == 0:
                    raise EntityParseError("Invalid custom emoji identifier specified")
                entities.append(
                    {"type": "custom_emoji", "offset": off, "length": length, "custom_emoji_id": top.argument}
                )
            elif tag == "a":
                url = top.argument or bytes(out[top.out_pos :]).decode("utf-8", "replace")
                ent = _link_entity(off, length, url)
                if ent is not None:
                    entities.append(ent)
            elif tag == "pre":
                last = entities[-1] if entities else None
                if (
                    last is not None
                    and last["type"] == "code"
                    and last["offset"] == off
                    and last["length"] == length
                    and last.get("language")
                ):
                    last["type"] = "pre"
                else:
                    entities.append({"type": "pre", "offset": off, "length": length})
            elif tag == "code":
                last = entities[-1] if entities else None
                if (
                    last is not None
                    and last["type"] == "pre"
                    and last["offset"] == off
                    and last["length"] == length
                    and top.argument
                ):
                    last["language"] = top.argument
                else:
                    ent = {"type": "code", "offset": off, "length": length}
                    if top.argument:
                        ent["language"] = top.argument
                    entities.append(ent)
            elif tag == "blockquote":
                kind = "expandable_blockquote" if top.expandable else "blockquote"
                entities.append({"type": kind, "offset": off, "length": length})
        stack.pop()
        i += 1
    if stack:
        raise EntityParseError(f"Can't find end tag corresponding to start tag {stack[-1].tag}")
    for ent in entities:
        if ent["type"] == "code":
            ent.pop("language", None)
    try:
        plain = bytes(out).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched "
            "surrogate code units"
        ) from exc
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return plain, entities


_MDV2_RESERVED = b"_*[]()~`>#+-=|{}.!\n"
_MD_TYPE_TO_API = {
    "Bold": "bold",
    "Italic": "italic",
    "Underline": "underline",
    "Strikethrough": "strikethrough",
    "Spoiler": "spoiler",
    "Code": "code",
    "Pre": "pre",
    "PreCode": "pre",
    "BlockQuote": "blockquote",
}


@dataclass
class _MdOpen:
    type: str
    argument: str
    offset: int
    byte_offset: int
    out_pos: int


def _reserved_error(c: int) -> EntityParseError:
    return EntityParseError(f"Character '{chr(c)}' is reserved and must be escaped with the preceding '\\'")


def _md_url(b: _Bytes, i: int, *, escapes: bool) -> tuple[str, int]:
    """Reads ``...)`` starting at ``i``; returns (url, index of ')' or b.n)."""
    raw = bytearray()
    while i < b.n and b.at(i) != 0x29:
        if escapes and b.at(i) == 0x5C and 0 < b.at(i + 1) <= 126:
            raw.append(b.at(i + 1))
            i += 2
            continue
        raw.append(b.at(i))
        i += 1
    return raw.decode("utf-8", "replace"), i


def parse_markdown_v2(text: str) -> tuple[str, list[JSONDict]]:
    """Port of tdlib ``parse_markdown_v2`` (without the newer ``**>`` expandable blockquote)."""
    b = _Bytes(text.encode("utf-8"))
    out = bytearray()
    entities: list[JSONDict] = []
    utf16 = 0
    stack: list[_MdOpen] = []
    have_blockquote = False
    i = 0
    while i < b.n:
        c = b.data[i]
        if c == 0x5C and 0 < b.at(i + 1) <= 126:
            out.append(b.at(i + 1))
            utf16 += 1
            i += 2
            continue
        reserved = _MDV2_RESERVED
        if stack and stack[-1].type in ("Code", "Pre", "PreCode"):
            reserved = b"`"
        if c not in reserved:
            if _first_unit(c):
                utf16 += _units(c)
            out.append(c)
            i += 1
            continue

        is_end = False
        if stack:
            top_type = stack[-1].type
            nxt = b.at(i + 1)
            if have_blockquote and c == 0x0A and (i + 1 == b.n or nxt != ord(">")):
                is_end = True
            elif top_type == "Bold":
                is_end = c == ord("*")
            elif top_type == "Italic":
                is_end = c == ord("_") and nxt != ord("_")
            elif top_type == "Code":
                is_end = c == ord("`")
            elif top_type in ("Pre", "PreCode"):
                is_end = c == ord("`") and nxt == ord("`") and b.at(i + 2) == ord("`")
            elif top_type in ("TextUrl", "CustomEmoji"):
                is_end = c == ord("]")
            elif top_type == "Underline":
                is_end = c == ord("_") and nxt == ord("_")
            elif top_type == "Strikethrough":
                is_end = c == ord("~")
            elif top_type == "Spoiler":
                is_end = c == ord("|") and nxt == ord("|")

        if not is_end:
            etype: str | None
            argument = ""
            byte_offset = i
            ch = chr(c)
            if ch == "_":
                if b.at(i + 1) == ord("_"):
                    etype = "Underline"
                    i += 1
                else:
                    etype = "Italic"
            elif ch == "*":
                etype = "Bold"
            elif ch == "~":
                etype = "Strikethrough"
            elif ch == "|":
                if b.at(i + 1) != ord("|"):
                    raise _reserved_error(c)
                i += 1
                etype = "Spoiler"
            elif ch == "[":
                etype = "TextUrl"
            elif ch == "`":
                if b.at(i + 1) == ord("`") and b.at(i + 2) == ord("`"):
                    i += 3
                    etype = "Pre"
                    lang_end = i
                    while not _is_space(b.at(lang_end)) and b.at(lang_end) != ord("`"):
                        lang_end += 1
                    if i != lang_end and lang_end < b.n and b.at(lang_end) != ord("`"):
                        etype = "PreCode"
                        argument = b.data[i:lang_end].decode("utf-8", "replace")
                        i = lang_end
                    if b.at(i) in (0x0A, 0x0D):
                        if b.at(i + 1) in (0x0A, 0x0D) and b.at(i) != b.at(i + 1):
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    etype = "Code"
            elif ch == "!":
                if b.at(i + 1) != ord("["):
                    raise _reserved_error(c)
                i += 1
                etype = "CustomEmoji"
            elif ch == "\n":
                utf16 += 1
                out.append(0x0A)
                etype = None
                if i + 1 < b.n and b.at(i + 1) == ord(">"):
                    i += 1
                    if not have_blockquote:
                        etype = "BlockQuote"
                        have_blockquote = True
            elif ch == ">":
                if i != 0:
                    raise _reserved_error(c)
                etype = "BlockQuote"
                have_blockquote = True
            else:
                raise _reserved_error(c)
            if etype is not None:
                stack.append(_MdOpen(etype, argument, utf16, byte_offset, len(out)))
            i += 1
            continue

        # end of an entity
        top = stack[-1]
        if c == 0x0A and top.type != "BlockQuote":
            raise EntityParseError(f"Can't find end of {top.type} entity at byte offset {top.byte_offset}")
        skip = utf16 == top.offset
        entity: JSONDict | None = None
        length = utf16 - top.offset
        if top.type in ("Underline", "Spoiler"):
            i += 1
        elif top.type in ("Pre", "PreCode"):
            i += 2
        elif top.type == "TextUrl":
            if b.at(i + 1) != ord("("):
                url = bytes(out[top.out_pos :]).decode("utf-8", "replace")
            else:
                url_begin = i + 2
                url, i = _md_url(b, url_begin, escapes=True)
                if b.at(i) != 0x29:
                    raise EntityParseError(f"Can't find end of a URL at byte offset {url_begin}")
            entity = _link_entity(top.offset, length, url)
            if entity is None:
                skip = True
        elif top.type == "CustomEmoji":
            if b.at(i + 1) != ord("("):
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            url_begin = i + 2
            url, i = _md_url(b, url_begin, escapes=True)
            if b.at(i) != 0x29:
                raise EntityParseError(f"Can't find end of a custom emoji URL at byte offset {url_begin}")
            m = re.match(r"^tg://emoji\?id=(\d+)$", url)
            if not m or int(m.group(1)) == 0:
                raise EntityParseError("Invalid custom emoji identifier specified")
            entity = {"type": "custom_emoji", "offset": top.offset, "length": length}
            entity["custom_emoji_id"] = m.group(1)
        elif top.type == "BlockQuote":
            have_blockquote = False
            out.append(c)
            utf16 += 1
            length += 1
        if not skip:
            if entity is None:
                entity = {"type": _MD_TYPE_TO_API[top.type], "offset": top.offset, "length": length}
                if top.type == "PreCode":
                    entity["language"] = top.argument
            entities.append(entity)
        stack.pop()
        i += 1

    if have_blockquote and stack and stack[-1].type == "BlockQuote":
        top = stack.pop()
        if utf16 != top.offset:
            entities.append({"type": "blockquote", "offset": top.offset, "length": utf16 - top.offset})
    if stack:
        top = stack[-1]
        raise EntityParseError(f"Can't find end of {top.type} entity at byte offset {top.byte_offset}")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return bytes(out).decode("utf-8", "replace"), entities


def parse_markdown(text: str) -> tuple[str, list[JSONDict]]:
    """Port of tdlib ``parse_markdown`` (legacy ``Markdown`` parse mode)."""
    b = _Bytes(text.encode("utf-8"))
    out = bytearray()
    entities: list[JSONDict] = []
    utf16 = 0
    i = 0
    specials = b"_*`["
    while i < b.n:
        c = b.data[i]
        if c == 0x5C and b.at(i + 1) in specials and b.at(i + 1) != 0:
            out.append(b.at(i + 1))
            utf16 += 1
            i += 2
            continue
        if c not in specials:
            if _first_unit(c):
                utf16 += _units(c)
            out.append(c)
            i += 1
            continue
        begin = i
        end_char = ord("]") if c == ord("[") else c
        is_pre = False
        language = ""
        i += 1
        if c == ord("`") and b.at(i) == ord("`") and b.at(i + 1) == ord("`"):
            i += 2
            is_pre = True
            lang_end = i
            while not _is_space(b.at(lang_end)) and b.at(lang_end) != ord("`"):
                lang_end += 1
            if i != lang_end and lang_end < b.n and b.at(lang_end) != ord("`"):
                language = b.data[i:lang_end].decode("utf-8", "replace")
                i = lang_end
            if b.at(i) in (0x0A, 0x0D):
                if b.at(i + 1) in (0x0A, 0x0D) and b.at(i) != b.at(i + 1):
                    i += 2
                else:
                    i += 1
        offset = utf16
        while i < b.n and (
            b.at(i) != end_char or (is_pre and not (b.at(i + 1) == ord("`") and b.at(i + 2) == ord("`")))
        ):
            if _first_unit(b.at(i)):
                utf16 += _units(b.at(i))
            out.append(b.at(i))
            i += 1
        if i >= b.n:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")
        if offset != utf16:
            length = utf16 - offset
            if c == ord("_"):
                entities.append({"type": "italic", "offset": offset, "length": length})
            elif c == ord("*"):
                entities.append({"type": "bold", "offset": offset, "length": length})
            elif c == ord("["):
                if b.at(i + 1) != ord("("):
                    url = b.data[begin + 1 : i].decode("utf-8", "replace")
                else:
                    url, i = _md_url(b, i + 2, escapes=False)
                ent = _link_entity(offset, length, url)
                if ent is not None:
                    entities.append(ent)
            elif is_pre:
                ent = {"type": "pre", "offset": offset, "length": length}
                if language:
                    ent["language"] = language
                entities.append(ent)
            else:
                entities.append({"type": "code", "offset": offset, "length": length})
        if is_pre:
            i += 2
        i += 1
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return bytes(out).decode("utf-8", "replace"), entities


def _strip_formatted(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Trim leading/trailing whitespace like Telegram, shifting/clipping entities (UTF-16 units)."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    result: list[JSONDict] = []
    for ent in entities:
        start = max(0, int(ent["offset"]) - lead)
        end = min(total, int(ent["offset"]) + int(ent["length"]) - lead)
        if end > start:
            result.append({**ent, "offset": start, "length": end - start})
    return stripped, result


def format_text(text: str, parse_mode: str | None, entities: Any) -> tuple[str, list[JSONDict]]:
    """Apply ``parse_mode``/explicit entities like the Bot API; raises :class:`ApiError`."""
    if isinstance(entities, list) and entities:
        plain = text
        ents: list[JSONDict] = []
        for ent in entities:
            if not isinstance(ent, dict) or "type" not in ent:
                raise _bad("Bad Request: can't parse MessageEntity: Can't find field \"type\"")
            ents.append(dict(ent))
    elif not parse_mode:
        plain, ents = text, []
    else:
        mode = str(parse_mode).lower()
        parser = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}.get(mode)
        if parser is None:
            raise _bad(ERR_PARSE_MODE)
        try:
            plain, ents = parser(text)
        except EntityParseError as exc:
            raise _bad(ERR_PARSE_ENTITIES + str(exc)) from exc
        except UnicodeEncodeError as exc:
            raise _bad("Bad Request: strings must be encoded in UTF-8") from exc
    return _strip_formatted(plain, ents)


def _mp4_boxes(data: bytes) -> list[tuple[bytes, int]]:
    """The top-level ISO BMFF boxes of a file as (type, size); stops where the data is not box-shaped."""
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = int.from_bytes(data[offset : offset + 4], "big"), data[offset + 4 : offset + 8]
        if size == 1 and offset + 16 <= len(data):
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        elif size == 0:
            size = len(data) - offset
        if size < 8:
            break
        boxes.append((kind, size))
        offset += size
    return boxes


# ========================================================================================= data model
@dataclass
class StoredFile:
    """One file on the fake server (a photo size or a document)."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo" | "document" | "video" | "thumbnail"
    file_path: str
    data: builtins.bytes
    width: int = 0
    height: int = 0
    file_name: str | None = None
    mime_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Photo:
    """A photo as Telegram stores it: PhotoSizes ascending; the largest keeps the uploaded bytes."""

    sizes: tuple[StoredFile, ...]

    @property
    def largest(self) -> StoredFile:
        return self.sizes[-1]

    @property
    def file_id(self) -> str:
        return self.largest.file_id

    @property
    def file_unique_id(self) -> str:
        return self.largest.file_unique_id

    @property
    def width(self) -> int:
        return self.largest.width

    @property
    def height(self) -> int:
        return self.largest.height

    @property
    def size(self) -> int:
        return self.largest.size

    @property
    def bytes(self) -> builtins.bytes:
        return self.largest.data

    def to_json(self) -> list[JSONDict]:
        return [
            {
                "file_id": s.file_id,
                "file_unique_id": s.file_unique_id,
                "file_size": s.size,
                "width": s.width,
                "height": s.height,
            }
            for s in self.sizes
        ]


@dataclass(frozen=True)
class _Sent:
    """A file as a message carries it: the stored bytes seen through Telegram's field names."""

    stored: StoredFile

    @property
    def file_id(self) -> str:
        return self.stored.file_id

    @property
    def file_unique_id(self) -> str:
        return self.stored.file_unique_id

    @property
    def file_name(self) -> str | None:
        return self.stored.file_name

    @property
    def mime_type(self) -> str | None:
        return self.stored.mime_type

    @property
    def size(self) -> int:
        return self.stored.size

    @property
    def bytes(self) -> builtins.bytes:
        return self.stored.data

    def _file_json(self, **between: int) -> JSONDict:
        d: JSONDict = {"file_id": self.file_id, "file_unique_id": self.file_unique_id, **between}
        d["file_size"] = self.size
        if self.file_name is not None:
            d["file_name"] = self.file_name
        if self.mime_type is not None:
            d["mime_type"] = self.mime_type
        return d


@dataclass(frozen=True)
class Document(_Sent):
    def to_json(self) -> JSONDict:
        return self._file_json()


@dataclass(frozen=True)
class Video(_Sent):
    """A video as sent: the uploaded bytes plus the metadata the sender gave (Telegram would probe the file)."""

    width: int = 0
    height: int = 0
    duration: int = 0
    supports_streaming: bool = False  # kept for assertions; not part of Telegram's Video object
    thumbnail: StoredFile | None = None
    thumbnail_dropped: str | None = None  # why a thumbnail that was sent is not there (Telegram drops it silently)

    @property
    def streamable(self) -> bool:
        """Whether the file can play before it has all arrived: an MP4 whose ``moov`` box precedes ``mdat``."""
        order = [kind for kind, _ in _mp4_boxes(self.stored.data)]
        return b"moov" in order and (b"mdat" not in order or order.index(b"moov") < order.index(b"mdat"))

    def to_json(self) -> JSONDict:
        d = self._file_json(width=self.width, height=self.height, duration=self.duration)
        if self.thumbnail is not None:
            thumb = self.thumbnail
            d["thumbnail"] = {
                "file_id": thumb.file_id,
                "file_unique_id": thumb.file_unique_id,
                "file_size": thumb.size,
                "width": thumb.width,
                "height": thumb.height,
            }
        return d


@dataclass(frozen=True)
class Topic:
    """A forum topic. Its id is the id of the ``forum_topic_created`` service message that opened it."""

    message_thread_id: int
    name: str
    icon_color: int = DEFAULT_TOPIC_ICON_COLOR
    icon_custom_emoji_id: str | None = None

    def to_json(self) -> JSONDict:
        d: JSONDict = {"message_thread_id": self.message_thread_id, "name": self.name, "icon_color": self.icon_color}
        if self.icon_custom_emoji_id:
            d["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return d


@dataclass(frozen=True)
class WebhookAttempt:
    """One POST of an update to the bot's webhook."""

    update: JSONDict
    attempt: int  # 1 for the first try of this update, 2 for the first retry, ...
    status: int | None  # HTTP status of the answer; None when there was no answer (refused, timeout)
    error: str | None  # what getWebhookInfo.last_error_message then says; None on a 2xx answer
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Chat:
    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False
    user: JSONDict | None = None  # the other party of a private chat

    def to_json(self) -> JSONDict:
        d: JSONDict = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value is not None:
                d[key] = value
        if self.is_forum:
            d["is_forum"] = True
        return d


@dataclass(frozen=True)
class Snapshot:
    """State of a message right after a send or an edit."""

    action: str  # "send" | "edit"
    kind: str  # "text" | "caption" | "media" | "markup" | "service"
    text: str | None  # parsed (plain) text
    caption: str | None  # parsed (plain) caption
    photo_changed: bool  # photo bytes differ from the previous snapshot (True on a photo send)
    media_file_unique_id: str | None
    button_rows: list[list[str]]
    at: float


@dataclass
class Message:
    """The current state of one message (user's or bot's)."""

    message_id: int
    chat_id: int
    from_bot: bool
    from_user: JSONDict
    date: int
    text: str | None = None  # raw text as sent (e.g. HTML source for bot messages)
    caption: str | None = None  # raw caption as sent
    parse_mode: str | None = None
    parsed_text: str | None = None  # what the user reads
    parsed_caption: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    caption_entities: list[JSONDict] = field(default_factory=list)
    photo: Photo | None = None
    document: Document | None = None
    video: Video | None = None
    service: JSONDict | None = None  # service-message fields, e.g. {"migrate_to_chat_id": ...}
    reply_markup: list[list[JSONDict]] | None = None  # inline keyboard rows
    other_markup: JSONDict | None = None  # reply keyboard / remove / force_reply (not shown in JSON)
    reply_to_message_id: int | None = None
    message_thread_id: int | None = None
    media_group_id: str | None = None
    sender_chat: JSONDict | None = None  # an anonymous group admin's or a channel's message
    has_spoiler: bool = False
    edits: int = 0
    edit_date: int | None = None
    history: list[Snapshot] = field(default_factory=list)
    deleted: bool = False

    @property
    def plain_text(self) -> str:
        """Text or caption with markup removed and HTML entities decoded ("" if none)."""
        if self.parsed_text is not None:
            return self.parsed_text
        return self.parsed_caption or ""

    @property
    def is_media(self) -> bool:
        return self.media_kind is not None

    @property
    def media_kind(self) -> str | None:
        """ "photo", "document", "video" or None."""
        if self.photo is not None:
            return "photo"
        if self.document is not None:
            return "document"
        return "video" if self.video is not None else None

    @property
    def media_file_unique_id(self) -> str | None:
        media = self.photo or self.document or self.video
        return media.file_unique_id if media is not None else None

    @property
    def buttons(self) -> list[JSONDict]:
        return [button for row in self.reply_markup or [] for button in row]

    @property
    def button_rows(self) -> list[list[str]]:
        return [[str(button.get("text", "")) for button in row] for row in self.reply_markup or []]

    def entity_texts(self, kind: str) -> list[str]:
        """The text each entity of this type covers (offsets count UTF-16 code units, as Telegram's do)."""
        units = self.plain_text.encode("utf-16-le")
        found = []
        for entity in self.caption_entities or self.entities:
            if entity.get("type") == kind:
                start, length = entity["offset"] * 2, entity["length"] * 2
                found.append(units[start : start + length].decode("utf-16-le"))
        return found

    def callback_data_for(self, text: str) -> str:
        """callback_data of the button whose visible text is exactly ``text``."""
        for button in self.buttons:
            if button.get("text") == text:
                data = button.get("callback_data")
                if not isinstance(data, str):
                    raise AssertionError(f"button {text!r} of message {self.message_id} has no callback_data")
                return data
        raise AssertionError(
            f"message {self.message_id} in chat {self.chat_id} has no button {text!r}; buttons: {self.button_rows}"
        )

    def has_button(self, text: str) -> bool:
        return any(button.get("text") == text for button in self.buttons)

    def _snapshot(self, action: str, kind: str, photo_changed: bool) -> None:
        self.history.append(
            Snapshot(
                action=action,
                kind=kind,
                text=self.parsed_text,
                caption=self.parsed_caption,
                photo_changed=photo_changed,
                media_file_unique_id=self.media_file_unique_id,
                button_rows=self.button_rows,
                at=time.monotonic(),
            )
        )

    def describe(self) -> str:
        who = "bot" if self.from_bot else str(self.from_user.get("first_name", "user"))
        kind = f"{self.media_kind} " if self.media_kind else ""
        text = self.plain_text
        if len(text) > 120:
            text = text[:117] + "..."
        parts = [f"[{self.message_id}] {who}: {kind}{text!r}"]
        if self.service:
            parts.append(f"service={json.dumps(self.service, ensure_ascii=False)}")
        if self.message_thread_id is not None:
            parts.append(f"thread={self.message_thread_id}")
        if self.reply_markup:
            parts.append(f"buttons={self.button_rows}")
        if self.edits:
            parts.append(f"edits={self.edits}")
        if self.deleted:
            parts.append("DELETED")
        return " ".join(parts)


@dataclass
class ApiCall:
    """One HTTP request to the Bot API (successful or not)."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    file_names: dict[str, str | None] = field(default_factory=dict)
    http_method: str = "POST"
    ok: bool = True
    result: Any = None
    error_code: int | None = None
    description: str | None = None
    parameters: JSONDict | None = None
    injected: bool = False  # failure came from fail_next()
    at: float = field(default_factory=time.monotonic)

    @property
    def error(self) -> str | None:
        return None if self.ok else self.description

    def describe(self) -> str:
        shown = []
        for key, value in self.params.items():
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            if len(text) > 80:
                text = text[:77] + "..."
            shown.append(f"{key}={text!r}" if isinstance(value, str) else f"{key}={text}")
        if self.files:
            shown.append("files=" + ",".join(f"{k}({len(v)}B)" for k, v in self.files.items()))
        outcome = "ok" if self.ok else f"-> {self.error_code} {self.description}"
        return f"{self.method}({', '.join(shown)}) {outcome}"


@dataclass
class _Upload:
    data: bytes
    filename: str | None
    content_type: str | None


@dataclass
class _Query:
    id: str
    chat_id: int
    message_id: int
    answered: bool = False
    expired: bool = False


@dataclass(frozen=True)
class _Media:
    """Exactly one of a photo, a document or a video, resolved from a request."""

    photo: Photo | None = None
    document: Document | None = None
    video: Video | None = None

    @property
    def kind(self) -> str:
        return "photo" if self.photo else "document" if self.document else "video"

    @property
    def bytes(self) -> builtins.bytes:
        media = self.photo or self.document or self.video
        return media.bytes if media is not None else b""

    def apply(self, msg: Message) -> None:
        msg.photo, msg.document, msg.video = self.photo, self.document, self.video

    @classmethod
    def of(cls, msg: Message) -> _Media:
        return cls(msg.photo, msg.document, msg.video)


def _whole_seconds(seconds: float) -> int:
    """Telegram's retry_after: whole seconds, rounded up, at least 1."""
    return max(1, math.ceil(seconds - 1e-9))


class _Window:
    """Sliding-window log: at most ``limit`` hits in any ``span`` seconds (O(1) amortised per hit)."""

    __slots__ = ("hits", "limit", "span")

    def __init__(self, limit: int, span: float) -> None:
        self.limit = limit
        self.span = span
        self.hits: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Seconds until one more hit fits (0 if it fits now)."""
        hits = self.hits
        while hits and hits[0] <= now - self.span:
            hits.popleft()
        return 0.0 if len(hits) < self.limit else hits[0] + self.span - now


@dataclass(frozen=True)
class _FloodLimits:
    per_chat_per_second: float
    private_burst: int
    group_burst: int
    per_group_per_minute: int
    global_per_second: int


class _FloodControl:
    """Per-chat, per-group and global budgets plus the penalty that follows a 429."""

    def __init__(self, limits: _FloodLimits) -> None:
        self.limits = limits
        self._chat_windows: dict[int, _Window] = {}
        self._group_windows: dict[int, _Window] = {}
        self._global = _Window(limits.global_per_second, 1.0)
        self._penalties: dict[int, float] = {}  # chat id -> monotonic time when its 429 penalty ends
        self._global_penalty = 0.0

    def _chat_window(self, chat_id: int) -> _Window:
        window = self._chat_windows.get(chat_id)
        if window is None:
            burst = self.limits.private_burst if chat_id > 0 else self.limits.group_burst
            window = self._chat_windows[chat_id] = _Window(burst, burst / self.limits.per_chat_per_second)
        return window

    def _group_window(self, chat_id: int) -> _Window:
        window = self._group_windows.get(chat_id)
        if window is None:
            window = self._group_windows[chat_id] = _Window(self.limits.per_group_per_minute, 60.0)
        return window

    def admit(self, chat_id: int, now: float) -> int | None:
        """None if the request may go ahead (it is then counted), else ``retry_after`` in whole seconds."""
        penalty = max(self._global_penalty, self._penalties.get(chat_id, 0.0))
        if penalty > now:
            return _whole_seconds(penalty - now)
        windows = [self._chat_window(chat_id)]
        if chat_id < 0:
            windows.append(self._group_window(chat_id))
        chat_wait = max(window.wait(now) for window in windows)
        global_wait = self._global.wait(now)
        if chat_wait <= 0 and global_wait <= 0:
            for window in (*windows, self._global):
                window.hits.append(now)
            self._penalties.pop(chat_id, None)
            return None
        if chat_wait >= global_wait:
            retry_after = _whole_seconds(chat_wait)
            self._penalties[chat_id] = now + retry_after
        else:
            retry_after = _whole_seconds(global_wait)
            self._global_penalty = now + retry_after
        return retry_after


class _Request:
    """Decoded parameters of one call plus typed accessors that raise Bot-API-like errors."""

    def __init__(self, params: dict[str, Any], files: dict[str, _Upload], http: web.Request) -> None:
        self.params = params
        self.files = files
        self.http = http

    def get(self, name: str, default: Any = None) -> Any:
        value = self.params.get(name)
        return default if value is None else value

    def get_int(self, name: str, *, missing: str | None = None, default: int | None = None) -> int:
        value = self.params.get(name)
        if value is None or value == "":
            if default is not None:
                return default
            raise _bad(missing or f'Bad Request: parameter "{name}" is required')
        if isinstance(value, bool):
            raise _bad(f'Bad Request: field "{name}" must be of type Integer')
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        raise _bad(f'Bad Request: field "{name}" must be of type Integer')

    def opt_int(self, name: str) -> int | None:
        if self.params.get(name) in (None, ""):
            return None
        return self.get_int(name)

    def get_str(self, name: str) -> str | None:
        value = self.params.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def get_bool(self, name: str) -> bool:
        value = self.params.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)


# ========================================================================================= the server
class FakeTelegram:
    """A fake Telegram Bot API server; see the module docstring."""

    def __init__(self, token: str = "123456:TEST-TOKEN", bot_username: str = "mj_test_bot") -> None:
        self.token = token
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 123456
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "MJ Test Bot",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.calls: list[ApiCall] = []
        self.max_upload = MAX_UPLOAD  # bytes per uploaded file; a test may lower it to reach the limit cheaply
        self.downloads: list[str] = []  # file paths downloaded through /file/bot<token>/...
        self.server_errors: list[BaseException] = []  # bugs in the fake itself (answered with 500)

        self._chats: dict[int, Chat] = {}
        self._messages: dict[int, dict[int, Message]] = {}
        self._next_message_id: dict[int, int] = {}
        self._users: dict[int, JSONDict] = {}
        self._admins: dict[int, set[int]] = {}
        self._creators: dict[int, int] = {}
        self._blocked: set[int] = set()
        self._files: dict[str, StoredFile] = {}  # file_id -> file
        self._files_by_path: dict[str, StoredFile] = {}
        self._photos: dict[str, Photo] = {}  # file_id of any size -> Photo (sizes up to that one)
        self._queries: dict[str, _Query] = {}
        self._answers: dict[str, JSONDict] = {}
        self._commands: dict[str, list[JSONDict]] = {}
        self._injected: dict[str, list[tuple[int | None, ApiError | None]]] = {}  # (chat id, error; None: drop)
        self._videos: dict[str, Video] = {}  # file_id -> Video
        self._topics: dict[int, dict[int, Topic]] = {}  # chat id -> message_thread_id -> topic
        self._rights: dict[int, dict[str, bool]] = {}  # chat id -> {"text"/"photo"/...: allowed} (bot restricted)
        self._migrated: dict[int, int] = {}  # old basic group id -> new supergroup id
        self.privacy_mode = False  # True: a group's chatter does not reach the bot (see the module's docstring)

        # flood control (off by default); ``clock`` is what its windows measure, replaceable in tests
        self.clock: Callable[[], float] = time.monotonic
        self._flood: _FloodControl | None = None

        # webhooks: deliveries are recorded in ``webhook_attempts``; the knobs below are plain attributes
        self.webhook_attempts: list[WebhookAttempt] = []
        self.webhook_max_attempts = 4  # tries per update before it is dropped (Telegram: "a reasonable amount")
        self.webhook_backoff = 0.05  # seconds before the first retry, doubled each time
        self.webhook_timeout = 10.0  # seconds to wait for the webhook's answer
        self.allow_http_webhooks = True  # like a local Bot API server; Telegram's cloud demands HTTPS
        self._webhook_url = ""
        self._webhook_secret: str | None = None
        self._forwards: dict[str, str] = {}  # public URL prefix -> where the operator's TLS proxy forwards it
        self._webhook_max_connections = 40
        self._webhook_allowed_updates: list[str] | None = None
        self._webhook_last_error: tuple[int, str] | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_session: aiohttp.ClientSession | None = None

        self._updates: list[JSONDict] = []
        self._update_ids = itertools.count(1)
        self._counter = itertools.count(1)
        self._update_event: asyncio.Event | None = None
        self._poll_generation = 0
        self._poll_end_reason = ERR_CONFLICT_POLL  # why the latest generation bump ended an older poll
        self._active_polls = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

        self._methods: dict[str, tuple[str, Callable[[_Request], Any]]] = {}
        for name, handler in {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._true,
            "getChatMenuButton": lambda _r: {"type": "commands"},
            "setMyDescription": self._true,
            "setMyShortDescription": self._true,
            "setMyName": self._true,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendVideo": self._send_video,
            "sendMediaGroup": self._send_media_group,
            "sendChatAction": self._send_chat_action,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageMedia": self._edit_message_media,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getChatMemberCount": self._get_chat_member_count,
            "createForumTopic": self._create_forum_topic,
        }.items():
            self._methods[name.lower()] = (name, handler)

    # ------------------------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("FakeTelegram is not started; await fake.start() first")
        return self._url

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    async def start(self) -> None:
        if self._runner is not None:
            return
        self._closing = False
        self._update_event = asyncio.Event()
        app = web.Application(client_max_size=MAX_UPLOAD + 8 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        addresses = runner.addresses
        if not addresses:
            await runner.cleanup()
            raise RuntimeError("FakeTelegram: could not determine the listening port")
        port = int(addresses[0][1])
        self._runner = runner
        self._url = f"http://127.0.0.1:{port}"
        log.debug("FakeTelegram listening on %s", self._url)

    async def stop(self) -> None:
        """Release long polls at once and shut the server down (idempotent)."""
        self._closing = True
        self._wake()
        await self._stop_webhook_delivery()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------------------ chats and users
    def user(self, user_id: int, first_name: str, username: str | None = None, language_code: str = "en") -> JSONDict:
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username is not None:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def private_chat(
        self,
        user_id: int = 1001,
        first_name: str = "Alice",
        username: str | None = "alice",
        language_code: str = "en",
    ) -> Chat:
        existing = self._chats.get(user_id)
        if existing is not None and existing.type == "private":
            return existing
        user = self.user(user_id, first_name, username, language_code)
        chat = Chat(id=user_id, type="private", first_name=first_name, username=username, user=user)
        self._add_chat(chat)
        return chat

    def group_chat(
        self, chat_id: int = -100500, title: str = "Fox Lovers", kind: str = "supergroup", *, forum: bool = False
    ) -> Chat:
        if kind not in ("group", "supergroup", "channel"):
            raise ValueError(f"unknown chat kind {kind!r}")
        if forum and kind != "supergroup":
            raise ValueError("only supergroups can be forums (enabling topics turns a group into a supergroup)")
        existing = self._chats.get(chat_id)
        if existing is not None:
            return existing
        chat = Chat(id=chat_id, type=kind, title=title, is_forum=forum)
        self._add_chat(chat)
        if forum:  # message 1 opened the chat and is the General topic's id, so topics never get it
            self._next_message_id[chat.id] = 2
        return chat

    def _add_chat(self, chat: Chat) -> None:
        self._chats[chat.id] = chat
        self._messages.setdefault(chat.id, {})
        self._next_message_id.setdefault(chat.id, 1)

    def set_admins(self, chat: Chat, user_ids: list[int] | set[int], *, creator: int | None = None) -> None:
        """Make these users (may include the bot's id) administrators of ``chat``."""
        self._admins[chat.id] = set(user_ids)
        if creator is not None:
            self._creators[chat.id] = creator

    def set_blocked(self, chat: Chat, blocked: bool = True) -> None:
        """The private chat's user blocks (or unblocks) the bot: sends fail with 403."""
        if blocked:
            self._blocked.add(chat.id)
        else:
            self._blocked.discard(chat.id)

    def set_permissions(
        self,
        chat: Chat,
        *,
        can_send_messages: bool = True,
        can_send_photos: bool = True,
        can_send_documents: bool = True,
        can_send_videos: bool = True,
    ) -> None:
        """Restrict the bot in this group (all True lifts the restriction).

        Sends of a forbidden kind fail like on Telegram (``Bad Request: not enough rights to send photos to the
        chat`` etc.): text for sendMessage, the content's kind for sendPhoto/sendDocument/sendVideo, every album
        item, copyMessage/forwardMessage and the new media of editMessageMedia. Edits of text, captions and
        keyboards stay allowed; sendChatAction is not checked. getChatMember reports the bot as ``restricted``.
        An administrator is never restricted, so these rights do not apply while the bot is in ``set_admins``.
        """
        chat = self._check_chat(chat)
        if chat.type == "private":
            raise ValueError("private chats have no member permissions")
        rights = {
            "text": can_send_messages,
            "photo": can_send_photos,
            "document": can_send_documents,
            "video": can_send_videos,
        }
        if all(rights.values()):
            self._rights.pop(chat.id, None)
        else:
            self._rights[chat.id] = rights

    def create_topic(
        self,
        chat: Chat,
        name: str,
        *,
        user: JSONDict | None = None,
        icon_color: int = DEFAULT_TOPIC_ICON_COLOR,
    ) -> int:
        """A user creates a forum topic (like createForumTopic); returns its ``message_thread_id``.

        As on Telegram the topic is the thread of a ``forum_topic_created`` service message, whose id becomes the
        topic id; the bot gets that service message as an update. The General topic always exists implicitly:
        its messages carry no ``message_thread_id``.
        """
        chat = self._check_chat(chat)
        if not chat.is_forum:
            raise ValueError(f"chat {chat.id} is not a forum; create it with group_chat(forum=True)")
        msg = self._new_topic(chat, name, icon_color, None, from_bot=False, user=user)
        self._enqueue({"message": self._message_json(msg)})
        return msg.message_id

    def topics(self, chat: Chat) -> list[Topic]:
        """The forum's topics (without the implicit General topic), oldest first."""
        return list(self._topics.get(chat.id, {}).values())

    def _new_topic(
        self, chat: Chat, name: str, icon_color: int, emoji_id: str | None, *, from_bot: bool, user: JSONDict | None
    ) -> Message:
        msg = self._new_message(chat, from_bot=from_bot, user=user)
        topic = Topic(msg.message_id, name, icon_color, emoji_id)
        created: JSONDict = {"name": name, "icon_color": icon_color}
        if emoji_id:
            created["icon_custom_emoji_id"] = emoji_id
        msg.service = {"forum_topic_created": created}
        msg.message_thread_id = topic.message_thread_id
        msg._snapshot("send", "service", False)
        self._topics.setdefault(chat.id, {})[topic.message_thread_id] = topic
        return msg

    def migrate_to_supergroup(
        self, chat: Chat, *, new_chat_id: int | None = None, user: JSONDict | None = None
    ) -> Chat:
        """Upgrade a basic group to a supergroup, as Telegram does when a group grows or gets topics/admin tools.

        The new chat gets a new id (default ``-100`` followed by the old id's digits). The bot receives two
        service messages, in this order: ``migrate_to_chat_id`` in the old chat and ``migrate_from_chat_id`` in
        the new one. The fake carries existing messages (the same :class:`Message` objects, now with the new
        ``chat_id``, ids unchanged), admins and permissions over to the new chat. From then on every method
        called with the old id fails with ``Bad Request: group chat was upgraded to a supergroup chat`` and
        ``parameters.migrate_to_chat_id`` (PTB raises ``telegram.error.ChatMigrated``); the user helpers refuse
        the old chat. Returns the new chat.
        """
        old = self._check_chat(chat)
        if old.type != "group":
            raise ValueError(f"only basic groups (kind='group') can be upgraded; chat {old.id} is a {old.type}")
        new_id = new_chat_id if new_chat_id is not None else int(f"-100{abs(old.id)}")
        if new_id in self._chats or new_id >= 0:
            raise ValueError(f"cannot migrate chat {old.id} to {new_id}: id taken or not a supergroup id")
        new = Chat(id=new_id, type="supergroup", title=old.title, username=old.username)
        self._add_chat(new)
        for message_id, msg in self._messages[old.id].items():
            msg.chat_id = new_id
            self._messages[new_id][message_id] = msg
        if old.id in self._admins:
            self._admins[new_id] = set(self._admins[old.id])
        if old.id in self._rights:
            self._rights[new_id] = dict(self._rights[old.id])
        if old.id in self._creators:
            self._creators[new_id] = self._creators[old.id]
        farewell = self._new_message(old, from_bot=False, user=user)
        farewell.service = {"migrate_to_chat_id": new_id}
        self._next_message_id[new_id] = self._next_message_id[old.id]
        welcome = self._new_message(new, from_bot=False, user=user)
        welcome.service = {"migrate_from_chat_id": old.id}
        for service_msg in (farewell, welcome):
            service_msg._snapshot("send", "service", False)
        self._migrated[old.id] = new_id
        self._enqueue({"message": self._message_json(farewell)})
        self._enqueue({"message": self._message_json(welcome)})
        return new

    def _default_user(self, chat: Chat) -> JSONDict:
        if chat.user is not None:
            return chat.user
        if 1001 in self._users:
            return self._users[1001]
        return self.user(1001, "Alice", "alice")

    # ------------------------------------------------------------------------------------ users act
    def _new_message(self, chat: Chat, *, from_bot: bool, user: JSONDict | None = None) -> Message:
        mid = self._next_message_id[chat.id]
        self._next_message_id[chat.id] = mid + 1
        sender = self.bot_user if from_bot else (user or self._default_user(chat))
        msg = Message(message_id=mid, chat_id=chat.id, from_bot=from_bot, from_user=sender, date=int(time.time()))
        self._messages[chat.id][mid] = msg
        return msg

    def _enqueue(self, update: JSONDict) -> None:
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        self._wake()

    def _wake(self) -> None:
        if self._update_event is not None:
            self._update_event.set()
            self._update_event = asyncio.Event()

    def _check_chat(self, chat: Chat) -> Chat:
        if chat.id not in self._chats:
            raise ValueError(f"chat {chat.id} was not created through this FakeTelegram")
        if chat.id in self._migrated:
            raise ValueError(
                f"chat {chat.id} was upgraded to supergroup {self._migrated[chat.id]}; "
                "use the Chat returned by migrate_to_supergroup()"
            )
        return self._chats[chat.id]

    def _user_thread(self, chat: Chat, thread_id: int | None, reply_to: int | None) -> int | None:
        """Thread of a user's message: as given (must be a topic in a forum) or inherited from the replied one."""
        if reply_to is not None:
            target = self.message(chat, reply_to)
            if thread_id is None and chat.is_forum:
                return target.message_thread_id
        if thread_id is not None and chat.is_forum and thread_id not in self._topics.get(chat.id, {}):
            raise ValueError(
                f"chat {chat.id} has no topic {thread_id}; create one with create_topic() "
                "(the General topic is addressed with thread_id=None)"
            )
        return thread_id

    def send_text(
        self,
        chat: Chat,
        text: str,
        *,
        user: JSONDict | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
        anonymous: bool = False,
    ) -> Message:
        """A user sends ``text``; commands get a ``bot_command`` entity like real clients produce.

        ``anonymous``: an anonymous group admin, whom Telegram shows as GroupAnonymousBot with the group as
        ``sender_chat``.

        In a forum, ``thread_id`` must be a topic made by :meth:`create_topic` (``None`` = General topic) and a
        reply without ``thread_id`` lands in the replied message's topic; the message then carries
        ``message_thread_id``, ``is_topic_message`` and, when it is no explicit reply, ``reply_to_message`` = the
        topic's ``forum_topic_created`` message (Telegram does exactly that). In other chats ``thread_id`` is
        passed through as a reply-thread id.
        """
        chat = self._check_chat(chat)
        thread_id = self._user_thread(chat, thread_id, reply_to)
        msg = self._new_message(chat, from_bot=False, user=ANONYMOUS_ADMIN if anonymous else user)
        if anonymous:
            msg.sender_chat = chat.to_json()
        msg.text = msg.parsed_text = text
        msg.entities = _command_entities(text)
        msg.reply_to_message_id = reply_to
        msg.message_thread_id = thread_id
        msg._snapshot("send", "text", False)
        if self._reaches_bot(chat, msg):
            self._enqueue({"message": self._message_json(msg)})
        return msg

    def _reaches_bot(self, chat: Chat, msg: Message) -> bool:
        """Privacy mode: in a group, only commands meant for the bot and replies to it reach a bot that is
        no admin there (Bot API "Privacy mode")."""
        if not self.privacy_mode or chat.type == "private" or self.bot_user["id"] in self._admins.get(chat.id, set()):
            return True
        text = msg.text or ""
        if msg.entities and msg.entities[0]["type"] == "bot_command":
            _, _, addressee = text.split(maxsplit=1)[0].partition("@")
            return not addressee or addressee.lower() == str(self.bot_user.get("username", "")).lower()
        replied = self._messages[chat.id].get(msg.reply_to_message_id) if msg.reply_to_message_id else None
        return replied is not None and replied.from_bot

    def edit_text(self, chat: Chat, message_id: int, text: str) -> Message:
        """The user edits one of their own text messages; the bot gets an ``edited_message`` update."""
        chat = self._check_chat(chat)
        msg = self.message(chat, message_id)
        if msg.from_bot or msg.text is None:
            raise ValueError(f"message {message_id} is not a user's text message")
        msg.text = msg.parsed_text = text
        msg.entities = _command_entities(text)
        msg.edits += 1
        msg.edit_date = int(time.time())
        msg._snapshot("edit", "text", False)
        self._enqueue({"edited_message": self._message_json(msg)})
        return msg

    def send_photo(
        self,
        chat: Chat,
        image: bytes,
        *,
        caption: str | None = None,
        user: JSONDict | None = None,
        media_group_id: str | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> Message:
        """A user sends a photo (stored, so getFile + download work); ``thread_id`` as in :meth:`send_text`."""
        chat = self._check_chat(chat)
        thread_id = self._user_thread(chat, thread_id, reply_to)
        try:
            photo = self._store_photo(image)
        except ApiError as exc:
            raise ValueError(f"send_photo: Telegram would reject this image: {exc.description}") from exc
        msg = self._new_message(chat, from_bot=False, user=user)
        msg.photo = photo
        msg.caption = msg.parsed_caption = caption
        msg.media_group_id = media_group_id
        msg.reply_to_message_id = reply_to
        msg.message_thread_id = thread_id
        msg._snapshot("send", "media", True)
        self._enqueue({"message": self._message_json(msg)})
        return msg

    def send_document(
        self,
        chat: Chat,
        data: bytes,
        file_name: str = "file.bin",
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        user: JSONDict | None = None,
        thread_id: int | None = None,
    ) -> Message:
        """A user sends a file as a document; ``thread_id`` as in :meth:`send_text`."""
        chat = self._check_chat(chat)
        thread_id = self._user_thread(chat, thread_id, None)
        try:
            doc = self._store_document(data, file_name, mime_type)
        except ApiError as exc:
            raise ValueError(f"send_document: {exc.description}") from exc
        msg = self._new_message(chat, from_bot=False, user=user)
        msg.document = doc
        msg.caption = msg.parsed_caption = caption
        msg.message_thread_id = thread_id
        msg._snapshot("send", "media", False)
        self._enqueue({"message": self._message_json(msg)})
        return msg

    def press(self, chat: Chat, message_id: int, callback_data: str, *, user: JSONDict | None = None) -> str:
        """A user presses the inline button carrying ``callback_data``; returns the query id."""
        chat = self._check_chat(chat)
        msg = self.message(chat, message_id)
        if msg.deleted:
            raise AssertionError(f"message {message_id} in chat {chat.id} was deleted; nothing to press")
        if not any(b.get("callback_data") == callback_data for b in msg.buttons):
            available = [(b.get("text"), b.get("callback_data")) for b in msg.buttons]
            raise AssertionError(
                f"message {message_id} in chat {chat.id} has no button with callback_data "
                f"{callback_data!r}; buttons (text, data): {available}"
            )
        return self._send_press(chat, msg, callback_data, user)

    def forge_press(self, chat: Chat, message_id: int, callback_data: str, *, user: JSONDict | None = None) -> str:
        """A press carrying ``callback_data`` the message has no button for (a modified client, or a button
        of an older version of the bot); returns the query id."""
        chat = self._check_chat(chat)
        return self._send_press(chat, self.message(chat, message_id), callback_data, user)

    def _send_press(self, chat: Chat, msg: Message, callback_data: str, user: JSONDict | None) -> str:
        query_id = str(4_000_000_000_000_000 + next(self._counter))
        self._queries[query_id] = _Query(query_id, chat.id, msg.message_id)
        query = {
            "id": query_id,
            "from": user or self._default_user(chat),
            "message": self._message_json(msg),
            "chat_instance": str(abs(chat.id) * 7919 % 10**12),
            "data": callback_data,
        }
        self._enqueue({"callback_query": query})
        return query_id

    def post_to_channel(self, chat: Chat, text: str) -> Message:
        """A post in a channel the bot is a member of: a ``channel_post`` update, with no sender."""
        chat = self._check_chat(chat)
        if chat.type != "channel":
            raise ValueError("post_to_channel needs a chat made with group_chat(kind='channel')")
        msg = self._new_message(chat, from_bot=False, user={})
        msg.sender_chat = chat.to_json()
        msg.text = msg.parsed_text = text
        msg.entities = _command_entities(text)
        msg._snapshot("send", "text", False)
        self._enqueue({"channel_post": self._message_json(msg)})
        return msg

    def press_button(self, chat: Chat, message_id: int, text: str, *, user: JSONDict | None = None) -> str:
        """Press the button whose visible text is ``text``."""
        data = self.message(chat, message_id).callback_data_for(text)
        return self.press(chat, message_id, data, user=user)

    def expire_callback_query(self, query_id: str) -> None:
        """Make a later answerCallbackQuery fail with "query is too old"."""
        self._queries[query_id].expired = True

    # ------------------------------------------------------------------------------------ observing
    def messages(self, chat: Chat, *, include_deleted: bool = False) -> list[Message]:
        found = self._messages.get(chat.id, {})
        return [m for _, m in sorted(found.items()) if include_deleted or not m.deleted]

    def bot_messages(self, chat: Chat, *, include_deleted: bool = False) -> list[Message]:
        return [m for m in self.messages(chat, include_deleted=include_deleted) if m.from_bot]

    def last_bot_message(self, chat: Chat) -> Message | None:
        found = self.bot_messages(chat)
        return found[-1] if found else None

    def message(self, chat: Chat, message_id: int) -> Message:
        try:
            return self._messages[chat.id][message_id]
        except KeyError:
            raise AssertionError(f"no message {message_id} in chat {chat.id}") from None

    def calls_to(self, *methods: str) -> list[ApiCall]:
        """Calls to any of ``methods`` (case-insensitive); with no argument all calls but getUpdates."""
        if not methods:
            return [c for c in self.calls if c.method != "getUpdates"]
        wanted = {m.lower() for m in methods}
        return [c for c in self.calls if c.method.lower() in wanted]

    def failed_calls(self) -> list[ApiCall]:
        return [c for c in self.calls if not c.ok]

    def answers(self) -> dict[str, JSONDict]:
        return dict(self._answers)

    @property
    def active_polls(self) -> int:
        """Number of getUpdates requests currently waiting on the server."""
        return self._active_polls

    def pending_updates(self) -> int:
        return len(self._updates)

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 400,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        parameters: JSONDict | None = None,
        chat: Chat | None = None,
    ) -> None:
        """The next ``times`` calls to ``method`` (to ``chat`` only, if given) fail with this error (not executed)."""
        params = dict(parameters or {})
        if retry_after is not None:
            params["retry_after"] = retry_after
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after or 1}"
                params.setdefault("retry_after", retry_after or 1)
            elif error_code == 403:
                description = ERR_BLOCKED
            elif error_code >= 500:
                description = "Internal Server Error"
            else:
                description = "Bad Request: test"
        queue = self._injected.setdefault(method.lower(), [])
        only = chat.id if chat is not None else None
        queue.extend((only, ApiError(error_code, description, params or None)) for _ in range(times))

    def drop_next(self, method: str, *, times: int = 1, chat: Chat | None = None) -> None:
        """The next ``times`` calls to ``method`` (to ``chat`` only) lose their connection: a network error."""
        only = chat.id if chat is not None else None
        self._injected.setdefault(method.lower(), []).extend((only, None) for _ in range(times))

    def clear_failures(self, method: str | None = None) -> None:
        """Forget the failures ``fail_next`` queued (for ``method``, or for every method)."""
        if method is None:
            self._injected.clear()
        else:
            self._injected.pop(method.lower(), None)

    def flood_control(
        self,
        enabled: bool = True,
        *,
        per_chat_per_second: float = 1.0,
        private_burst: int = 5,
        group_burst: int | None = None,
        per_group_per_minute: int = 20,
        global_per_second: int = 30,
    ) -> None:
        """Switch Telegram-like flood control on (with these budgets) or off (``enabled=False``; the default state).

        Counted: the methods in ``FLOOD_METHODS`` (send*, copyMessage, forwardMessage, edit*, deleteMessage(s);
        one album = one request), by their ``chat_id``. Never counted: getUpdates, getMe, answerCallbackQuery,
        getFile, sendChatAction and the other reads. Budgets, each a sliding window over ``fake.clock``:

        * every chat: at most ``private_burst`` requests (``group_burst`` in chats with negative ids; defaults to
          ``private_burst``) in any ``burst / per_chat_per_second`` seconds - the FAQ's "about one message per
          second, short bursts tolerated";
        * groups, supergroups and channels (negative ids) also: ``per_group_per_minute`` in any 60 seconds;
        * all chats together: ``global_per_second`` in any second.

        A request over a budget is not executed and gets 429 ``Too Many Requests: retry after N`` with
        ``parameters.retry_after = N``: whole seconds until the budget frees, at least 1. The chat (for the global
        budget: the whole bot) then stays penalised for those N seconds: requests in that time get 429 with the
        remaining seconds and do not count. Rejected calls are in ``calls`` (error_code 429) and
        :meth:`flood_errors`. Calling this again starts with empty windows. Cost: O(1) amortised per request,
        memory bounded by the budgets per chat.

        The real limits are undocumented beyond the Bots FAQ numbers used as defaults here and vary per bot;
        treat them as "at least this strict".
        """
        if not enabled:
            self._flood = None
            return
        group_burst = private_burst if group_burst is None else group_burst
        numbers = (per_chat_per_second, private_burst, group_burst, per_group_per_minute, global_per_second)
        if min(numbers) <= 0:
            raise ValueError("flood control budgets must be positive; use flood_control(False) to switch it off")
        self._flood = _FloodControl(
            _FloodLimits(per_chat_per_second, private_burst, group_burst, per_group_per_minute, global_per_second)
        )

    def flood_errors(self) -> list[ApiCall]:
        """Calls rejected by flood control (429 from :meth:`flood_control`, not from :meth:`fail_next`)."""
        return [c for c in self.calls if c.error_code == 429 and not c.injected]

    def forward(self, public_base: str, local_base: str) -> None:
        """Deliver webhooks under ``public_base`` (https, what the bot gives setWebhook) to ``local_base``.

        Stands in for the TLS reverse proxy an operator puts in front of the bot; getWebhookInfo still shows
        the public URL.
        """
        self._forwards[public_base.rstrip("/")] = local_base.rstrip("/")

    def _delivery_url(self) -> str:
        for public, local in self._forwards.items():
            if self._webhook_url == public or self._webhook_url.startswith(public + "/"):
                return local + self._webhook_url[len(public) :]
        return self._webhook_url

    def webhook_updates(self) -> list[JSONDict]:
        """Updates the webhook accepted (2xx), in delivery order."""
        return [a.update for a in self.webhook_attempts if a.ok]

    def webhook_info(self) -> JSONDict:
        """What getWebhookInfo would answer now."""
        info: JSONDict = {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook_url:
            info["max_connections"] = self._webhook_max_connections
            if self._webhook_allowed_updates is not None:
                info["allowed_updates"] = list(self._webhook_allowed_updates)
        if self._webhook_last_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_last_error
        return info

    @overload
    async def wait_for(
        self,
        predicate: Callable[[], Awaitable[T | bool | None]],
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the documented API
        interval: float = 0.02,
    ) -> T: ...

    @overload
    async def wait_for(
        self,
        predicate: Callable[[], T | bool | None],
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the documented API
        interval: float = 0.02,
    ) -> T: ...

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the documented API
        interval: float = 0.02,
    ) -> Any:
        """Poll ``predicate`` until it returns something truthy and return that value.

        Exceptions raised by the predicate count as "not yet" (the last one is shown on timeout). On
        timeout an AssertionError lists the recent API calls and the state of every chat.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last_exc: BaseException | None = None
        while True:
            try:
                value = predicate()
                if inspect.isawaitable(value):
                    value = await value
                last_exc = None
            except Exception as exc:  # the predicate may index into lists that are not there yet
                value = None
                last_exc = exc
            if value:
                return value
            if loop.time() >= deadline:
                raise AssertionError(self._timeout_report(predicate, timeout, last_exc))
            await asyncio.sleep(interval)

    def dump(self, last_calls: int = 30) -> str:
        """Human-readable state: recent calls (without getUpdates) and every chat's messages."""
        lines = [f"Recent API calls (last {last_calls}, getUpdates omitted):"]
        recent = self.calls_to()[-last_calls:]
        lines += [f"  {c.describe()}" for c in recent] or ["  (none)"]
        if self.server_errors:
            lines.append(f"Fake server errors: {self.server_errors!r}")
        lines.append(f"Undelivered/unconfirmed updates: {len(self._updates)}")
        for chat in self._chats.values():
            name = chat.title or chat.first_name or ""
            lines.append(f"Chat {chat.id} ({chat.type} {name}):")
            msgs = self.messages(chat, include_deleted=True)
            lines += [f"  {m.describe()}" for m in msgs] or ["  (no messages)"]
        return "\n".join(lines)

    def _timeout_report(self, predicate: Any, timeout: float, last_exc: BaseException | None) -> str:
        name = getattr(predicate, "__qualname__", repr(predicate))
        head = f"FakeTelegram.wait_for({name}) timed out after {timeout:.1f}s"
        if last_exc is not None:
            head += f"; last predicate error: {last_exc!r}"
        return head + "\n" + self.dump()

    # ------------------------------------------------------------------------------------- plumbing
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        try:
            path = request.path
            if path.startswith("/file/bot"):
                return self._handle_file(path[len("/file/bot") :])
            if not path.startswith("/bot"):
                return self._json_error(404, ERR_NOT_FOUND)
            token, _, method = path[len("/bot") :].partition("/")
            return await self._handle_method(request, method, token_ok=token == self.token)
        except Exception as exc:  # never let the fake crash a test through a dropped connection
            log.exception("FakeTelegram: unexpected error handling %s", request.path)
            self.server_errors.append(exc)
            return self._json_error(500, f"Internal Server Error: fake_telegram: {exc!r}")

    def _handle_file(self, rest: str) -> web.StreamResponse:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return self._json_error(401, ERR_UNAUTHORIZED)
        stored = self._files_by_path.get(file_path)
        if stored is None:
            return self._json_error(404, ERR_NOT_FOUND)
        self.downloads.append(file_path)
        content_type = stored.mime_type or ("image/jpeg" if stored.kind in ("photo", "thumbnail") else None)
        return web.Response(body=stored.data, content_type=content_type or "application/octet-stream")

    @staticmethod
    def _json_error(code: int, description: str, parameters: JSONDict | None = None) -> web.Response:
        body: JSONDict = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=code)

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, _Upload]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, _Upload] = {}
        decoded: dict[str, Any] = {}
        if request.can_read_body:
            ctype = request.content_type
            if ctype.startswith("multipart/"):
                reader = await request.multipart()
                while True:
                    part = await reader.next()
                    if part is None:
                        break
                    if not isinstance(part, BodyPartReader):
                        continue  # nested multipart: not used by the Bot API
                    name = part.name or ""
                    data = bytes(await part.read(decode=True))
                    if part.filename is not None:
                        files[name] = _Upload(data, part.filename, part.headers.get("Content-Type"))
                    else:
                        raw[name] = data.decode("utf-8", "replace")
            elif ctype == "application/json":
                body = await request.json()
                if isinstance(body, dict):  # values may themselves be JSON-encoded strings
                    decoded.update({k: self._decode_value(k, v) for k, v in body.items()})
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, str):
                        raw[key] = value
        params: dict[str, Any] = {}
        for key, value in raw.items():
            params[key] = self._decode_value(key, value)
        params.update(decoded)
        return params, files

    @staticmethod
    def _decode_value(name: str, value: Any) -> Any:
        if not isinstance(value, str) or name in _STRING_PARAMS:
            return value
        try:
            return json.loads(value)
        except ValueError:
            return value

    async def _handle_method(self, request: web.Request, method: str, *, token_ok: bool) -> web.StreamResponse:
        entry = self._methods.get(method.lower())
        canonical = entry[0] if entry else method
        try:
            params, files = await self._read_params(request)
        except Exception as exc:
            log.warning("FakeTelegram: could not parse %s request body: %r", method, exc)
            call = ApiCall(method=canonical, params={}, http_method=request.method)
            return self._finish(call, ApiError(400, "Bad Request: can't parse request body"))
        call = ApiCall(
            method=canonical,
            params=params,
            files={k: v.data for k, v in files.items()},
            file_names={k: v.filename for k, v in files.items()},
            http_method=request.method,
        )
        if not token_ok:
            return self._finish(call, ApiError(401, ERR_UNAUTHORIZED))
        if entry is None or not method or "/" in method:
            return self._finish(call, ApiError(404, ERR_NOT_FOUND))
        injected = self._take_injected(canonical, params)
        if injected is not None:
            call.injected = True
            if injected[1] is None:  # a network failure: the connection drops without an answer
                call.ok, call.error_code, call.description = False, 0, "connection dropped"
                self.calls.append(call)
                if request.transport is not None:
                    request.transport.abort()
                raise asyncio.CancelledError
            return self._finish(call, injected[1])
        for upload in files.values():
            if len(upload.data) > self.max_upload:
                return self._finish(call, ApiError(413, ERR_ENTITY_TOO_LARGE))
        retry_after = self._flood_retry_after(canonical, params)
        if retry_after is not None:
            error = ApiError(429, ERR_TOO_MANY_REQUESTS.format(retry_after), {"retry_after": retry_after})
            return self._finish(call, error)
        req = _Request(params, files, request)
        try:
            result = entry[1](req)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as exc:
            if canonical == "getUpdates" and exc.code == 409 and self._client_gone(request):
                return self._json_error(exc.code, exc.description)  # stale poll: nobody listens
            return self._finish(call, exc)
        call.result = result
        self.calls.append(call)
        log.debug("FakeTelegram: %s", call.describe())
        return web.json_response({"ok": True, "result": result})

    def _take_injected(self, method: str, params: dict[str, Any]) -> tuple[int | None, ApiError | None] | None:
        queue = self._injected.get(method.lower())
        chat_id = params.get("chat_id")
        for i, (only, error) in enumerate(queue or []):
            if only is None or str(only) == str(chat_id):
                assert queue is not None
                return queue.pop(i)[0], error
        return None

    def _flood_retry_after(self, method: str, params: dict[str, Any]) -> int | None:
        if self._flood is None or method not in FLOOD_METHODS:
            return None
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id.strip()):
            chat_id = int(chat_id)
        if isinstance(chat_id, bool) or not isinstance(chat_id, int):
            return None  # @username or garbage: the method itself will answer
        return self._flood.admit(chat_id, self.clock())

    @staticmethod
    def _client_gone(request: web.Request) -> bool:
        transport = request.transport
        return transport is None or transport.is_closing()

    def _finish(self, call: ApiCall, error: ApiError) -> web.Response:
        call.ok = False
        call.error_code = error.code
        call.description = error.description
        call.parameters = error.parameters
        self.calls.append(call)
        log.info("FakeTelegram: %s", call.describe())
        return self._json_error(error.code, error.description, error.parameters)

    # ----------------------------------------------------------------------------- lookups/helpers
    def _chat_from(self, req: _Request, name: str = "chat_id") -> Chat:
        value = req.params.get(name)
        if value is None or value == "":
            raise _bad(ERR_CHAT_ID_EMPTY)
        if isinstance(value, str) and value.startswith("@"):
            for chat in self._chats.values():
                if chat.username and chat.username.lower() == value[1:].lower() and chat.type != "private":
                    return chat
            raise _bad(ERR_CHAT_NOT_FOUND)
        chat_id = req.get_int(name)
        if chat_id in self._migrated:
            raise ApiError(400, ERR_MIGRATED, {"migrate_to_chat_id": self._migrated[chat_id]})
        found = self._chats.get(chat_id)
        if found is None:
            raise _bad(ERR_CHAT_NOT_FOUND)
        return found

    def _check_can_send(self, chat: Chat, *contents: str) -> None:
        """The bot may post ``contents`` ("text", "photo", "document", "video") to ``chat``."""
        if chat.id in self._blocked:
            raise ApiError(403, ERR_BLOCKED)
        for content in contents:
            self._check_right(chat, content)

    def _check_right(self, chat: Chat, content: str | None) -> None:
        rights = self._rights.get(chat.id)
        if rights is None or content is None or self.bot_user["id"] in self._admins.get(chat.id, set()):
            return
        if not rights.get(content, True):
            raise _bad(ERR_NO_RIGHTS[content])

    def _thread_for(self, req: _Request, chat: Chat, reply_to: int | None) -> int | None:
        """``message_thread_id`` of a bot message: a topic of this forum, or the replied message's topic.

        Like Telegram: an unknown topic id, the General topic's id 1, or any id outside a forum fails with
        ``Bad Request: message thread not found``; 0 means "not given".
        """
        thread_id = req.opt_int("message_thread_id")
        if not thread_id:
            if reply_to is not None and chat.is_forum:
                return self._messages[chat.id][reply_to].message_thread_id
            return None
        if not chat.is_forum or thread_id not in self._topics.get(chat.id, {}):
            raise _bad(ERR_THREAD_NOT_FOUND)
        return thread_id

    def _live_message(self, chat: Chat, message_id: int | None, error: str) -> Message:
        msg = self._messages[chat.id].get(message_id) if message_id is not None else None
        if msg is None or msg.deleted:
            raise _bad(error)
        return msg

    def _edit_target(self, req: _Request) -> tuple[Chat, Message]:
        if req.get("inline_message_id") is not None:
            raise _bad("Bad Request: inline messages are not supported by the fake")
        chat = self._chat_from(req)
        if chat.id in self._blocked:  # a user who blocked the bot takes no edits either
            raise ApiError(403, ERR_BLOCKED)
        if req.get("message_id") is None:
            raise _bad(ERR_MESSAGE_ID_MISSING)
        msg = self._live_message(chat, req.get_int("message_id"), ERR_EDIT_NOT_FOUND)
        if not msg.from_bot or msg.other_markup is not None:  # only no markup or an inline keyboard
            raise _bad(ERR_CANT_EDIT)
        return chat, msg

    def _reply_target(self, req: _Request, chat: Chat) -> int | None:
        reply = req.get("reply_parameters")
        message_id: int | None = None
        allow = req.get_bool("allow_sending_without_reply")
        if isinstance(reply, dict):
            if reply.get("chat_id") not in (None, chat.id):
                raise _bad("Bad Request: replies to other chats are not supported by the fake")
            raw_id = reply.get("message_id")
            if not isinstance(raw_id, int):
                raise _bad('Bad Request: can\'t parse reply parameters: Field "message_id" must be of type Integer')
            message_id = raw_id
            allow = allow or bool(reply.get("allow_sending_without_reply"))
        elif reply is not None:
            raise _bad("Bad Request: can't parse reply parameters JSON object")
        elif req.get("reply_to_message_id") is not None:
            message_id = req.get_int("reply_to_message_id")
        if message_id is None:
            return None
        target = self._messages[chat.id].get(message_id)
        if target is None or target.deleted:
            if allow:
                return None
            raise _bad(ERR_REPLY_NOT_FOUND)
        return message_id

    def _formatted(
        self, req: _Request, text_key: str, entities_key: str, parse_mode: str | None = None
    ) -> tuple[str | None, str, list[JSONDict]]:
        raw = req.get(text_key)
        if raw is None:
            return None, "", []
        if not isinstance(raw, str):
            raw = json.dumps(raw)
        mode = parse_mode if parse_mode is not None else req.get_str("parse_mode")
        plain, ents = format_text(raw, mode, req.get(entities_key))
        return raw, plain, ents

    def _text_params(self, req: _Request) -> tuple[str, str, list[JSONDict]]:
        raw, plain, ents = self._formatted(req, "text", "entities")
        if raw is None or not plain:
            raise _bad(ERR_TEXT_EMPTY)
        if len(plain) > MAX_TEXT_LENGTH:
            raise _bad(ERR_TEXT_TOO_LONG)
        return raw, plain, ents

    @staticmethod
    def _check_caption(plain: str) -> None:
        if len(plain) > MAX_CAPTION_LENGTH:
            raise _bad(ERR_CAPTION_TOO_LONG)

    def _markup(
        self, req: _Request, *, inline_only: bool = False
    ) -> tuple[list[list[JSONDict]] | None, JSONDict | None]:
        value = req.get("reply_markup")
        if value is None or value == "":
            return None, None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise _bad(ERR_MARKUP_JSON) from None
        if not isinstance(value, dict):
            raise _bad("Bad Request: object expected as reply markup")
        if "inline_keyboard" in value:
            rows = self._validate_inline_keyboard(value["inline_keyboard"])
            self._check_web_apps(req, rows or [])
            return rows, None
        if inline_only:
            raise _bad(ERR_INLINE_KEYBOARD_EXPECTED)
        if not any(key in value for key in ("keyboard", "remove_keyboard", "force_reply")):
            raise _bad(ERR_MARKUP_JSON)
        return None, value

    def _check_web_apps(self, req: _Request, rows: list[list[JSONDict]]) -> None:
        """Web App buttons open HTTPS pages only, and only from private chats with the bot."""
        apps = [button["web_app"] for row in rows for button in row if "web_app" in button]
        if not apps:
            return
        chat = self._chats.get(req.get_int("chat_id")) if req.get("chat_id") not in (None, "") else None
        if chat is not None and chat.type != "private":
            raise _bad("Bad Request: BUTTON_TYPE_INVALID")
        for app in apps:
            url = app.get("url") if isinstance(app, dict) else None
            if not isinstance(url, str) or not url.startswith("https://"):
                raise _bad(
                    f"Bad Request: inline keyboard button Web App URL '{url}' is invalid: Only HTTPS links are allowed"
                )

    @staticmethod
    def _validate_inline_keyboard(rows: Any) -> list[list[JSONDict]] | None:
        if not isinstance(rows, list):
            raise _bad('Bad Request: field "inline_keyboard" must be of type Array')
        total = 0
        result: list[list[JSONDict]] = []
        for row in rows:
            if not isinstance(row, list):
                raise _bad('Bad Request: field "inline_keyboard" must be an Array of Arrays')
            if len(row) > MAX_BUTTONS_PER_ROW:
                raise _bad(ERR_MARKUP_TOO_LONG)
            total += len(row)
            clean_row: list[JSONDict] = []
            for button in row:
                if not isinstance(button, dict):
                    raise _bad(
                        "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                    )
                if "text" not in button:
                    raise _bad("Bad Request: can't parse inline keyboard button: Can't find field \"text\"")
                if not isinstance(button["text"], str):
                    raise _bad('Bad Request: can\'t parse inline keyboard button: Field "text" must be of type String')
                if not button["text"].strip():
                    raise _bad("Bad Request: BUTTON_TEXT_INVALID")
                present = [f for f in _ACTION_FIELDS if button.get(f) not in (None, "")]
                if not present:
                    raise _bad(ERR_BUTTON_TEXT_ONLY)
                if len(present) > 1:
                    raise _bad(ERR_BUTTON_MANY_ACTIONS)
                if "callback_data" in present:
                    data = button["callback_data"]
                    if not isinstance(data, str):
                        raise _bad(
                            "Bad Request: can't parse inline keyboard button: "
                            'Field "callback_data" must be of type String'
                        )
                    if len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
                        raise _bad(ERR_BUTTON_DATA)
                if "url" in present:
                    url = button["url"]
                    if not isinstance(url, str) or not re.match(r"^(https?://[^/\s]+|tg://\S+)", url):
                        raise _bad(ERR_BUTTON_URL)
                clean_row.append({k: v for k, v in button.items() if v is not None})
            if clean_row:
                result.append(clean_row)
        if total > MAX_BUTTONS_TOTAL:
            raise _bad(ERR_MARKUP_TOO_LONG)
        return result or None

    # ---------------------------------------------------------------------------------- file store
    def _new_file_ids(self, prefix: str) -> tuple[str, str, int]:
        n = next(self._counter)
        return f"{prefix}AgADfake{n:08d}XyZ", f"AQAD{n:08d}", n

    def _register(self, stored: StoredFile) -> StoredFile:
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _store_photo(self, data: bytes) -> Photo:
        if not data:
            raise _bad(ERR_FILE_EMPTY)
        if len(data) > MAX_PHOTO_UPLOAD:
            raise _bad(ERR_PHOTO_TOO_BIG)
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                image.verify()
        except Exception as exc:
            raise _bad(ERR_IMAGE_PROCESS) from exc
        if (
            width <= 0
            or height <= 0
            or width + height > MAX_PHOTO_SIDES_SUM
            or max(width, height) / min(width, height) > MAX_PHOTO_RATIO
        ):
            raise _bad(ERR_PHOTO_DIMENSIONS)
        thumbs: list[tuple[int, int, bytes]] = []
        for target in (90, 320):  # Telegram's "s" and "m" sizes, when smaller than the original
            if max(width, height) <= target:
                continue
            scale = target / max(width, height)
            tw, th = max(1, round(width * scale)), max(1, round(height * scale))
            try:
                thumbs.append((tw, th, _thumbnail(data, tw, th)))
            except Exception as exc:  # e.g. a truncated image whose header was fine
                raise _bad(ERR_IMAGE_PROCESS) from exc
        sizes: list[StoredFile] = []
        for tw, th, thumb_data in thumbs:
            file_id, unique_id, n = self._new_file_ids("AgAC")
            sizes.append(
                self._register(StoredFile(file_id, unique_id, "photo", f"photos/file_{n}.jpg", thumb_data, tw, th))
            )
        file_id, unique_id, n = self._new_file_ids("AgAC")
        sizes.append(
            self._register(StoredFile(file_id, unique_id, "photo", f"photos/file_{n}.jpg", data, width, height))
        )
        for index, size in enumerate(sizes):
            self._photos[size.file_id] = Photo(tuple(sizes[: index + 1]))
        return self._photos[sizes[-1].file_id]

    def _store_document(self, data: bytes, file_name: str | None, mime_type: str | None) -> Document:
        if not data:
            raise _bad(ERR_FILE_EMPTY)
        if not mime_type or mime_type == "application/octet-stream":
            guessed = mimetypes.guess_type(file_name or "")[0]
            mime_type = guessed or mime_type or "application/octet-stream"
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + re.sub(r"[^A-Za-z0-9]", "", file_name.rsplit(".", 1)[1])[:8]
        file_id, unique_id, n = self._new_file_ids("BQAC")
        stored = StoredFile(
            file_id,
            unique_id,
            "document",
            f"documents/file_{n}{suffix}",
            data,
            file_name=file_name,
            mime_type=mime_type,
        )
        return Document(self._register(stored))

    def _store_video(self, upload: _Upload, sub: _Request) -> Video:
        if not upload.data:
            raise _bad(ERR_FILE_EMPTY)
        mime_type = upload.content_type
        if not mime_type or mime_type == "application/octet-stream":
            guessed = mimetypes.guess_type(upload.filename or "")[0]
            mime_type = guessed if guessed and guessed.startswith("video/") else "video/mp4"
        file_id, unique_id, n = self._new_file_ids("BAAC")
        stored = StoredFile(
            file_id,
            unique_id,
            "video",
            f"videos/file_{n}.mp4",
            upload.data,
            file_name=upload.filename,
            mime_type=mime_type,
        )
        thumbnail, dropped = self._thumbnail_input(sub)
        video = Video(
            self._register(stored),
            width=sub.opt_int("width") or 0,
            height=sub.opt_int("height") or 0,
            duration=sub.opt_int("duration") or 0,
            supports_streaming=sub.get_bool("supports_streaming"),
            thumbnail=thumbnail,
            thumbnail_dropped=dropped,
        )
        self._videos[file_id] = video
        return video

    def _thumbnail_input(self, sub: _Request) -> tuple[StoredFile | None, str | None]:
        """An uploaded thumbnail (``attach://`` or a part named ``thumbnail``), or why it was dropped.

        Telegram takes a JPEG of at most 320×320 under 200 kB, uploaded as a new file with the video, and
        silently ignores anything else.
        """
        value = sub.get("thumbnail")
        if isinstance(value, str) and value.startswith("attach://"):
            upload = sub.files.get(value[len("attach://") :])
        elif value is None:
            upload = sub.files.get("thumbnail")
        else:
            return None, "not uploaded (thumbnails can't be reused by file_id or URL)"
        if upload is None or not upload.data:
            return None, None
        try:
            with Image.open(io.BytesIO(upload.data)) as image:
                fmt, (width, height) = image.format, image.size
        except Exception:
            return None, "not an image"
        if fmt != "JPEG":
            return None, f"{fmt} instead of JPEG"
        if max(width, height) > MAX_THUMBNAIL_SIDE:
            return None, f"{width}×{height} is over {MAX_THUMBNAIL_SIDE}×{MAX_THUMBNAIL_SIDE}"
        if len(upload.data) >= MAX_THUMBNAIL_BYTES:
            return None, f"{len(upload.data)} bytes, not under {MAX_THUMBNAIL_BYTES}"
        file_id, unique_id, n = self._new_file_ids("AAMC")
        stored = StoredFile(file_id, unique_id, "thumbnail", f"thumbnails/file_{n}.jpg", upload.data, width, height)
        return self._register(stored), None

    @staticmethod
    def _wrong_type(stored: StoredFile, expected: str) -> ApiError:
        names = {"photo": "Photo", "document": "Document", "video": "Video", "thumbnail": "Photo"}
        return _bad(f"Bad Request: can't use file of type {names[stored.kind]} as {expected}")

    def _photo_input(self, value: Any, files: dict[str, _Upload], field_name: str) -> Photo:
        upload = self._upload_for(value, files, field_name)
        if upload is not None:
            return self._store_photo(upload.data)
        file_id = self._file_id_input(value)
        photo = self._photos.get(file_id)
        if photo is None:
            if file_id in self._files:
                raise self._wrong_type(self._files[file_id], "Photo")
            raise _bad(ERR_WRONG_FILE_ID)
        return photo

    def _document_input(self, value: Any, files: dict[str, _Upload], field_name: str) -> Document:
        upload = self._upload_for(value, files, field_name)
        if upload is not None:
            return self._store_document(upload.data, upload.filename, upload.content_type)
        file_id = self._file_id_input(value)
        stored = self._files.get(file_id)
        if stored is None:
            raise _bad(ERR_WRONG_FILE_ID)
        if stored.kind != "document":
            raise self._wrong_type(stored, "Document")
        return Document(stored)

    def _video_input(self, value: Any, sub: _Request, field_name: str) -> Video | Document:
        """A video by upload or file_id. Telegram plays only MP4: an upload in any other format is kept and
        sent as a document instead (Bot API sendVideo: "other formats may be sent as Document")."""
        upload = self._upload_for(value, sub.files, field_name)
        if upload is not None and upload.data and upload.data[4:8] != b"ftyp":
            return self._store_document(upload.data, upload.filename, upload.content_type)
        if upload is not None:
            return self._store_video(upload, sub)
        file_id = self._file_id_input(value)
        video = self._videos.get(file_id)
        if video is None:
            if file_id in self._files:
                raise self._wrong_type(self._files[file_id], "Video")
            raise _bad(ERR_WRONG_FILE_ID)
        return video  # a re-sent video keeps the metadata Telegram stored for it

    def _media_input(self, kind: str, value: Any, sub: _Request, field_name: str) -> _Media:
        """Resolve one photo/document/video (upload or file_id) into a :class:`_Media`."""
        if kind == "photo":
            return _Media(photo=self._photo_input(value, sub.files, field_name))
        if kind == "document":
            return _Media(document=self._document_input(value, sub.files, field_name))
        video = self._video_input(value, sub, field_name)
        return _Media(document=video) if isinstance(video, Document) else _Media(video=video)

    @staticmethod
    def _upload_for(value: Any, files: dict[str, _Upload], field_name: str) -> _Upload | None:
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
            if upload is None:
                raise _bad(f"Bad Request: file {value} not found in the request")
            return upload
        if value is None:
            upload = files.get(field_name)
            if upload is None:
                raise _bad(f"Bad Request: there is no {field_name} in the request")
            return upload
        return None

    @staticmethod
    def _file_id_input(value: Any) -> str:
        if not isinstance(value, str) or not value:
            raise _bad(ERR_WRONG_FILE_ID)
        if re.match(r"^https?://", value):
            raise _bad(ERR_URL_CONTENT)
        return value

    # -------------------------------------------------------------------------------- message JSON
    def _message_json(self, msg: Message, *, with_reply: bool = True) -> JSONDict:
        chat = self._chats[msg.chat_id]
        d: JSONDict = {"message_id": msg.message_id, "date": msg.date, "chat": chat.to_json()}
        if chat.type != "channel":
            d["from"] = msg.from_user
        if msg.message_thread_id is not None:
            d["message_thread_id"] = msg.message_thread_id
            if chat.is_forum:
                d["is_topic_message"] = True
        if msg.edit_date is not None:
            d["edit_date"] = msg.edit_date
        if msg.media_group_id is not None:
            d["media_group_id"] = msg.media_group_id
        if msg.sender_chat is not None:
            d["sender_chat"] = msg.sender_chat
        if msg.parsed_text is not None:
            d["text"] = msg.parsed_text
            if msg.entities:
                d["entities"] = msg.entities
        if msg.photo is not None:
            d["photo"] = msg.photo.to_json()
        if msg.document is not None:
            d["document"] = msg.document.to_json()
        if msg.video is not None:
            d["video"] = msg.video.to_json()
        if msg.service:
            d.update(msg.service)
        if msg.is_media and msg.parsed_caption:
            d["caption"] = msg.parsed_caption
            if msg.caption_entities:
                d["caption_entities"] = msg.caption_entities
        if msg.has_spoiler:
            d["has_media_spoiler"] = True
        if msg.reply_markup:
            d["reply_markup"] = {"inline_keyboard": msg.reply_markup}
        reply_id = msg.reply_to_message_id
        if reply_id is None and chat.is_forum and msg.message_thread_id not in (None, msg.message_id):
            reply_id = msg.message_thread_id  # in a topic, Telegram shows the topic's creation message as replied to
        if with_reply and reply_id is not None:
            target = self._messages[msg.chat_id].get(reply_id)
            if target is not None and not target.deleted:
                d["reply_to_message"] = self._message_json(target, with_reply=False)
        return d

    # ================================================================================ API methods
    @staticmethod
    def _true(_req: _Request) -> bool:
        return True

    def _get_me(self, _req: _Request) -> JSONDict:
        return dict(self.bot_user)

    async def _get_updates(self, req: _Request) -> list[JSONDict]:
        if self._webhook_url:
            raise ApiError(409, ERR_CONFLICT_WEBHOOK)
        offset = req.get_int("offset", default=0)
        limit = min(max(req.get_int("limit", default=100), 1), 100)
        try:
            timeout = max(0.0, float(req.get("timeout", 0) or 0))
        except (TypeError, ValueError):
            raise _bad('Bad Request: field "timeout" must be of type Integer') from None
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._end_poll(ERR_CONFLICT_POLL)  # a poll that is still waiting gets terminated with 409
        generation = self._poll_generation
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._active_polls += 1
        try:
            while True:
                if generation != self._poll_generation:
                    raise ApiError(409, self._poll_end_reason)
                if self._updates or self._closing:
                    return self._updates[:limit]
                remaining = deadline - loop.time()
                event = self._update_event
                if remaining <= 0 or event is None:
                    return []
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except TimeoutError:
                    return []
        finally:
            self._active_polls -= 1

    def _end_poll(self, reason: str) -> None:
        """Answer a waiting getUpdates with 409 ``reason``."""
        self._poll_generation += 1
        self._poll_end_reason = reason
        self._wake()

    # ------------------------------------------------------------------------------------ webhooks
    async def _set_webhook(self, req: _Request) -> bool:
        """setWebhook: from now on updates are POSTed to ``url``; an empty url deletes the webhook."""
        url = (req.get_str("url") or "").strip()
        if not url:
            return await self._delete_webhook(req)
        schemes = ("https://", "http://") if self.allow_http_webhooks else ("https://",)
        if not url.lower().startswith(schemes) or len(url.split("://", 1)[1]) == 0:
            raise _bad(ERR_BAD_WEBHOOK_URL)
        secret = req.get_str("secret_token")
        if secret:
            if len(secret) > MAX_WEBHOOK_SECRET:
                raise _bad(ERR_SECRET_TOKEN_TOO_LONG)
            if not re.fullmatch(r"[A-Za-z0-9_-]+", secret):
                raise _bad(ERR_SECRET_TOKEN)
        allowed = req.get("allowed_updates")
        if url != self._webhook_url:
            self._webhook_last_error = None
        self._webhook_url = url
        self._webhook_secret = secret or None
        self._webhook_max_connections = req.opt_int("max_connections") or 40
        if isinstance(allowed, list):  # omitted = keep the previous setting, like Telegram
            self._webhook_allowed_updates = [str(a) for a in allowed]
        if req.get_bool("drop_pending_updates"):
            self._updates.clear()
        self._end_poll(ERR_CONFLICT_SET_WEBHOOK)
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._webhook_loop())
        return True

    async def _delete_webhook(self, req: _Request) -> bool:
        """deleteWebhook: back to getUpdates; pending updates stay unless ``drop_pending_updates``."""
        self._webhook_url = ""
        self._webhook_secret = None
        self._webhook_last_error = None
        await self._stop_webhook_delivery()
        if req.get_bool("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, _req: _Request) -> JSONDict:
        return self.webhook_info()

    async def _stop_webhook_delivery(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
            await asyncio.wait([task])  # not ``await task``: that would swallow our own cancellation
        session, self._webhook_session = self._webhook_session, None
        if session is not None:
            await session.close()

    async def _webhook_loop(self) -> None:
        """Deliver pending updates one at a time, oldest first, while a webhook is set."""
        try:
            while self._webhook_url and not self._closing:
                if not self._updates:
                    event = self._update_event
                    if event is None:
                        return
                    await event.wait()
                    continue
                update = self._updates[0]
                await self._deliver(update)
                if self._updates and self._updates[0] is update:  # not dropped meanwhile
                    self._updates.pop(0)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in the fake: make the test fail loudly instead of hanging
            log.exception("FakeTelegram: webhook delivery crashed")
            self.server_errors.append(exc)

    async def _deliver(self, update: JSONDict) -> None:
        """POST one update, retrying non-2xx answers with a doubling backoff (or the answer's Retry-After)."""
        for attempt in range(1, self.webhook_max_attempts + 1):
            headers = {"Content-Type": "application/json"}
            if self._webhook_secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook_secret
            status, error, retry_after = await self._post_update(update, headers)
            self.webhook_attempts.append(WebhookAttempt(update, attempt, status, error, headers))
            if error is None:
                return
            self._webhook_last_error = (int(time.time()), error)
            log.info("FakeTelegram: webhook delivery of update %s failed: %s", update["update_id"], error)
            if attempt < self.webhook_max_attempts:
                await asyncio.sleep(retry_after or self.webhook_backoff * 2 ** (attempt - 1))
        log.warning("FakeTelegram: dropping update %s after %d failed deliveries", update["update_id"], attempt)

    async def _post_update(self, update: JSONDict, headers: dict[str, str]) -> tuple[int | None, str | None, int]:
        """(HTTP status, last_error_message wording or None, Retry-After seconds) of one POST."""
        if self._webhook_session is None or self._webhook_session.closed:
            self._webhook_session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.webhook_timeout))
        body = json.dumps(update, ensure_ascii=False).encode("utf-8")
        try:
            async with self._webhook_session.post(self._delivery_url(), data=body, headers=headers) as response:
                await response.read()
                if 200 <= response.status <= 299:
                    return response.status, None, 0
                error = f"Wrong response from the webhook: {response.status} {response.reason}"
                return response.status, error, self._retry_after_header(response.headers.get("Retry-After"))
        except TimeoutError:
            return None, "Read timeout expired", 0
        except aiohttp.ClientConnectorError:
            return None, "Connection refused", 0
        except aiohttp.ClientError:
            return None, "Webhook connection closed", 0

    @staticmethod
    def _retry_after_header(value: str | None) -> int:
        if value is None or not value.strip().isdigit():
            return 0
        return min(int(value), MAX_WEBHOOK_RETRY_AFTER)

    def _commands_key(self, req: _Request) -> str:
        """The scope and language a command list is kept under, checked as the Bot API checks them."""
        scope = req.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_FIELDS:
            raise _bad(ERR_SCOPE_INVALID)
        fields = _SCOPE_FIELDS[scope["type"]]
        if set(scope) != {"type", *fields}:
            raise _bad(ERR_SCOPE_INVALID)
        if "chat_id" in fields:
            chat = self._chats.get(scope["chat_id"]) if isinstance(scope["chat_id"], int) else None
            if chat is None:
                raise _bad(ERR_CHAT_NOT_FOUND)
            if scope["type"] != "chat" and chat.type == "private":
                raise _bad(ERR_SCOPE_PRIVATE)
        if "user_id" in fields and scope["user_id"] not in self._users:
            raise _bad(ERR_USER_NOT_FOUND)
        language = req.get_str("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad(ERR_LANGUAGE_CODE)
        return _menu_key(scope, language)

    def _set_my_commands(self, req: _Request) -> bool:
        commands = req.get("commands")
        if not isinstance(commands, list):
            raise _bad('Bad Request: parameter "commands" is required')
        if len(commands) > 100:
            raise _bad("Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("Bad Request: can't parse BotCommand: BotCommand must be an Object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad("Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad("Bad Request: command description must be non-empty")
        self._commands[self._commands_key(req)] = [dict(c) for c in commands]
        return True

    def _get_my_commands(self, req: _Request) -> list[JSONDict]:
        return list(self._commands.get(self._commands_key(req), []))

    def _delete_my_commands(self, req: _Request) -> bool:
        self._commands.pop(self._commands_key(req), None)
        return True

    def commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """Commands set through setMyCommands for this scope (default scope if None)."""
        return list(self._commands.get(_menu_key(scope or {"type": "default"}, language_code), []))

    def menu(self, chat: Chat, user: JSONDict) -> list[str]:
        """The command names ``user`` sees in ``chat``'s menu: the first list set, in the order the Bot API
        documents ("Determining list of commands"), each scope with the user's language first."""
        language = str(user.get("language_code") or "").split("-")[0]
        admin = user["id"] in self._admins.get(chat.id, set()) or self._creators.get(chat.id) == user["id"]
        scopes: list[JSONDict] = [{"type": "chat", "chat_id": chat.id}, {"type": "all_private_chats"}]
        if chat.type != "private":
            scopes = [
                {"type": "chat_member", "chat_id": chat.id, "user_id": user["id"]},
                *([{"type": "chat_administrators", "chat_id": chat.id}] if admin else []),
                {"type": "chat", "chat_id": chat.id},
                *([{"type": "all_chat_administrators"}] if admin else []),
                {"type": "all_group_chats"},
            ]
        for scope in [*scopes, {"type": "default"}]:
            for code in (language, "") if language else ("",):
                found = self._commands.get(_menu_key(scope, code))
                if found:
                    return [str(c["command"]) for c in found]
        return []

    def _send_message(self, req: _Request) -> JSONDict:
        chat = self._chat_from(req)
        raw, plain, ents = self._text_params(req)
        rows, other = self._markup(req)
        reply_to = self._reply_target(req, chat)
        thread_id = self._thread_for(req, chat, reply_to)
        self._check_can_send(chat, "text")
        msg = self._new_message(chat, from_bot=True)
        msg.text, msg.parsed_text, msg.entities = raw, plain, ents
        msg.parse_mode = req.get_str("parse_mode")
        msg.reply_markup, msg.other_markup = rows, other
        msg.reply_to_message_id = reply_to
        msg.message_thread_id = thread_id
        msg._snapshot("send", "text", False)
        return self._message_json(msg)

    def _send_media(self, req: _Request, kind: str) -> JSONDict:
        chat = self._chat_from(req)
        raw_caption, caption, caption_ents = self._formatted(req, "caption", "caption_entities")
        self._check_caption(caption)
        rows, other = self._markup(req)
        reply_to = self._reply_target(req, chat)
        thread_id = self._thread_for(req, chat, reply_to)
        self._check_can_send(chat, kind)
        media = self._media_input(kind, req.get(kind), req, kind)
        msg = self._new_message(chat, from_bot=True)
        media.apply(msg)
        msg.caption, msg.parsed_caption, msg.caption_entities = raw_caption, caption or None, caption_ents
        msg.parse_mode = req.get_str("parse_mode")
        msg.has_spoiler = req.get_bool("has_spoiler")
        msg.reply_markup, msg.other_markup = rows, other
        msg.reply_to_message_id = reply_to
        msg.message_thread_id = thread_id
        msg._snapshot("send", "media", media.photo is not None)
        return self._message_json(msg)

    def _send_photo(self, req: _Request) -> JSONDict:
        return self._send_media(req, "photo")

    def _send_document(self, req: _Request) -> JSONDict:
        return self._send_media(req, "document")

    def _send_video(self, req: _Request) -> JSONDict:
        """sendVideo: upload (multipart) or file_id; width/height/duration/thumbnail are stored as given."""
        return self._send_media(req, "video")

    def _send_media_group(self, req: _Request) -> list[JSONDict]:
        chat = self._chat_from(req)
        media = req.get("media")
        if media is None:
            raise _bad('Bad Request: parameter "media" is required')
        if not isinstance(media, list) or not media:
            raise _bad(ERR_NO_MEDIA_TO_SEND)
        if len(media) > MAX_MEDIA_GROUP:
            raise _bad(ERR_ALBUM_TOO_BIG)
        kinds = set()
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in ("photo", "document", "video"):
                kind = item.get("type") if isinstance(item, dict) else None
                raise _bad(f'Bad Request: can\'t parse InputMedia: type "{kind}" is not supported by the fake')
            kinds.add(item["type"])
        if "document" in kinds and len(kinds) > 1:  # photos and videos mix; documents only with documents
            raise _bad(ERR_DOCUMENT_MIXED)
        reply_to = self._reply_target(req, chat)
        thread_id = self._thread_for(req, chat, reply_to)
        self._check_can_send(chat, *sorted(kinds))
        prepared: list[tuple[_Media, str | None, str, list[JSONDict], _Request]] = []
        for item in media:
            sub = _Request({k: v for k, v in item.items() if k != "media"}, req.files, req.http)
            raw_caption, caption, ents = self._formatted(sub, "caption", "caption_entities")
            self._check_caption(caption)
            prepared.append(
                (self._media_input(item["type"], item.get("media"), sub, "media"), raw_caption, caption, ents, sub)
            )
        group_id = str(13_000_000_000_000_000 + next(self._counter))
        result = []
        for item_media, raw_caption, caption, ents, sub in prepared:
            msg = self._new_message(chat, from_bot=True)
            item_media.apply(msg)
            msg.caption, msg.parsed_caption, msg.caption_entities = raw_caption, caption or None, ents
            msg.parse_mode = sub.get_str("parse_mode")
            msg.has_spoiler = sub.get_bool("has_spoiler")
            msg.media_group_id = group_id
            msg.reply_to_message_id = reply_to
            msg.message_thread_id = thread_id
            msg._snapshot("send", "media", item_media.photo is not None)
            result.append(self._message_json(msg))
        return result

    def _send_chat_action(self, req: _Request) -> bool:
        chat = self._chat_from(req)
        if req.get_str("action") not in CHAT_ACTIONS:
            raise _bad(ERR_CHAT_ACTION)
        self._thread_for(req, chat, None)
        self._check_can_send(chat)
        return True

    def _copy_message(self, req: _Request) -> JSONDict:
        msg = self._copy_or_forward(req, copy=True)
        return {"message_id": msg.message_id}

    def _forward_message(self, req: _Request) -> JSONDict:
        return self._message_json(self._copy_or_forward(req, copy=False))

    def _copy_or_forward(self, req: _Request, *, copy: bool) -> Message:
        chat = self._chat_from(req)
        source_chat = self._chat_from(req, "from_chat_id")
        source = self._live_message(source_chat, req.opt_int("message_id"), ERR_COPY_NOT_FOUND)
        rows, other = self._markup(req) if copy else (None, None)
        reply_to = self._reply_target(req, chat)
        thread_id = self._thread_for(req, chat, reply_to)
        self._check_can_send(chat, source.media_kind or "text")
        msg = self._new_message(chat, from_bot=True)
        msg.text, msg.parsed_text, msg.entities = source.text, source.parsed_text, list(source.entities)
        _Media.of(source).apply(msg)
        msg.caption, msg.parsed_caption = source.caption, source.parsed_caption
        msg.caption_entities = list(source.caption_entities)
        if copy and req.get("caption") is not None:
            raw_caption, caption, ents = self._formatted(req, "caption", "caption_entities")
            self._check_caption(caption)
            msg.caption, msg.parsed_caption, msg.caption_entities = raw_caption, caption or None, ents
        msg.reply_markup, msg.other_markup = rows, other
        msg.reply_to_message_id = reply_to
        msg.message_thread_id = thread_id
        msg._snapshot("send", "media" if msg.is_media else "text", msg.photo is not None)
        return msg

    # ------------------------------------------------------------------------------------- editing
    def _edited(self, msg: Message, kind: str, photo_changed: bool) -> JSONDict:
        msg.edits += 1
        msg.edit_date = int(time.time())
        msg._snapshot("edit", kind, photo_changed)
        return self._message_json(msg)

    def _edit_message_text(self, req: _Request) -> JSONDict:
        _chat, msg = self._edit_target(req)
        if msg.parsed_text is None:
            raise _bad(ERR_NO_TEXT)
        raw, plain, ents = self._text_params(req)
        rows, _ = self._markup(req, inline_only=True)
        if plain == msg.parsed_text and ents == msg.entities and rows == msg.reply_markup:
            raise _bad(ERR_NOT_MODIFIED)
        msg.text, msg.parsed_text, msg.entities = raw, plain, ents
        msg.parse_mode = req.get_str("parse_mode")
        msg.reply_markup = rows
        return self._edited(msg, "text", False)

    def _edit_message_caption(self, req: _Request) -> JSONDict:
        _chat, msg = self._edit_target(req)
        if not msg.is_media:
            raise _bad(ERR_NO_CAPTION)
        raw, plain, ents = self._formatted(req, "caption", "caption_entities")
        self._check_caption(plain)
        rows, _ = self._markup(req, inline_only=True)
        if (plain or None) == msg.parsed_caption and ents == msg.caption_entities and rows == msg.reply_markup:
            raise _bad(ERR_NOT_MODIFIED)
        msg.caption, msg.parsed_caption, msg.caption_entities = raw, plain or None, ents
        msg.parse_mode = req.get_str("parse_mode")
        msg.reply_markup = rows
        return self._edited(msg, "caption", False)

    def _edit_message_media(self, req: _Request) -> JSONDict:
        chat, msg = self._edit_target(req)
        if not msg.is_media:
            raise _bad(ERR_NO_MEDIA)
        media = req.get("media")
        if not isinstance(media, dict):
            raise _bad('Bad Request: parameter "media" is required')
        kind = media.get("type")
        if kind not in ("photo", "document", "video"):
            raise _bad(f'Bad Request: can\'t parse InputMedia: type "{kind}" is not supported by the fake')
        if msg.media_group_id is not None and (kind == "document") != (msg.document is not None):
            raise _bad(ERR_DOCUMENT_MIXED)
        sub = _Request({k: v for k, v in media.items() if k != "media"}, req.files, req.http)
        raw, plain, ents = self._formatted(sub, "caption", "caption_entities")
        self._check_caption(plain)
        rows, _ = self._markup(req, inline_only=True)
        self._check_right(chat, kind)
        new = self._media_input(kind, media.get("media"), sub, "media")
        old = _Media.of(msg)
        if (
            new.kind == old.kind
            and new.bytes == old.bytes
            and (plain or None) == msg.parsed_caption
            and ents == msg.caption_entities
            and rows == msg.reply_markup
        ):
            raise _bad(ERR_NOT_MODIFIED)
        photo_changed = new.photo is not None and (old.photo is None or new.photo.bytes != old.photo.bytes)
        new.apply(msg)
        msg.caption, msg.parsed_caption, msg.caption_entities = raw, plain or None, ents
        msg.parse_mode = sub.get_str("parse_mode")
        msg.has_spoiler = sub.get_bool("has_spoiler")
        msg.reply_markup = rows
        return self._edited(msg, "media", photo_changed)

    def _edit_message_reply_markup(self, req: _Request) -> JSONDict:
        _chat, msg = self._edit_target(req)
        rows, _ = self._markup(req, inline_only=True)
        if rows == msg.reply_markup:
            raise _bad(ERR_NOT_MODIFIED)
        msg.reply_markup = rows
        return self._edited(msg, "markup", False)

    def _delete_message(self, req: _Request) -> bool:
        chat = self._chat_from(req)
        msg = self._live_message(chat, req.opt_int("message_id"), ERR_DELETE_NOT_FOUND)
        self._check_can_delete(chat, msg)
        msg.deleted = True
        return True

    def _delete_messages(self, req: _Request) -> bool:
        chat = self._chat_from(req)
        ids = req.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise _bad("Bad Request: message_ids must be a non-empty list of at most 100 identifiers")
        for message_id in ids:
            msg = self._messages[chat.id].get(message_id) if isinstance(message_id, int) else None
            if msg is not None and not msg.deleted:
                self._check_can_delete(chat, msg)
                msg.deleted = True
        return True

    def _check_can_delete(self, chat: Chat, msg: Message) -> None:
        if chat.type != "private" and not msg.from_bot and self.bot_user["id"] not in self._admins.get(chat.id, set()):
            raise _bad(ERR_CANT_DELETE)

    # --------------------------------------------------------------------------- callbacks, files
    def _answer_callback_query(self, req: _Request) -> bool:
        query_id = req.get_str("callback_query_id")
        query = self._queries.get(query_id or "")
        if query is None or query.answered or query.expired:
            raise _bad(ERR_QUERY_INVALID)
        text = req.get_str("text") or ""
        if len(text) > MAX_ANSWER_TEXT_LENGTH:
            raise _bad(ERR_ANSWER_TOO_LONG)
        query.answered = True
        self._answers[query.id] = dict(req.params)
        return True

    def _get_file(self, req: _Request) -> JSONDict:
        stored = self._files.get(req.get_str("file_id") or "")
        if stored is None:
            raise _bad(ERR_INVALID_FILE_ID)
        if stored.size > MAX_DOWNLOAD:
            raise _bad(ERR_FILE_TOO_BIG)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    # ----------------------------------------------------------------------------------- chat info
    def _get_chat(self, req: _Request) -> JSONDict:
        chat = self._chat_from(req)
        info = chat.to_json()
        info.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        return info

    def _member_json(self, chat: Chat, user: JSONDict) -> JSONDict:
        user_id = user["id"]
        if self._creators.get(chat.id) == user_id:
            return {"status": "creator", "user": user, "is_anonymous": False}
        restrictions = self._rights.get(chat.id)
        bot_is_admin = user_id in self._admins.get(chat.id, set())
        if user_id == self.bot_user["id"] and restrictions is not None and not bot_is_admin:
            return self._restricted_json(user, restrictions)
        if chat.type != "private" and user_id in self._admins.get(chat.id, set()):
            flags = (
                "can_be_edited",
                "is_anonymous",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
                "can_promote_members",
            )
            rights = (
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_change_info",
                "can_invite_users",
                "can_pin_messages",
            )
            return {
                "status": "administrator",
                "user": user,
                **dict.fromkeys(flags, False),
                **dict.fromkeys(rights, True),
            }
        return {"status": "member", "user": user}

    @staticmethod
    def _restricted_json(user: JSONDict, rights: dict[str, bool]) -> JSONDict:
        other = (
            "can_send_audios",
            "can_send_video_notes",
            "can_send_voice_notes",
            "can_send_polls",
            "can_send_other_messages",
            "can_add_web_page_previews",
            "can_react_to_messages",
        )
        admin_like = ("can_change_info", "can_invite_users", "can_pin_messages", "can_manage_topics", "can_edit_tag")
        return {
            "status": "restricted",
            "user": user,
            "is_member": True,
            "until_date": 0,
            "can_send_messages": rights["text"],
            "can_send_photos": rights["photo"],
            "can_send_documents": rights["document"],
            "can_send_videos": rights["video"],
            **dict.fromkeys(other, True),
            **dict.fromkeys(admin_like, False),
        }

    def _get_chat_member(self, req: _Request) -> JSONDict:
        chat = self._chat_from(req)
        user_id = req.get_int("user_id")
        if user_id == self.bot_user["id"]:
            user = self.bot_user
        elif user_id in self._users:
            user = self._users[user_id]
        elif user_id in self._admins.get(chat.id, set()) or self._creators.get(chat.id) == user_id:
            user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        else:
            raise _bad(ERR_USER_NOT_FOUND)
        return self._member_json(chat, user)

    def _get_chat_administrators(self, req: _Request) -> list[JSONDict]:
        chat = self._chat_from(req)
        ids = set(self._admins.get(chat.id, set()))
        if chat.id in self._creators:
            ids.add(self._creators[chat.id])
        result = []
        for user_id in sorted(ids):
            user = (
                self.bot_user
                if user_id == self.bot_user["id"]
                else self._users.get(user_id, {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"})
            )
            result.append(self._member_json(chat, user))
        return result

    def _get_chat_member_count(self, req: _Request) -> int:
        chat = self._chat_from(req)
        senders = {m.from_user["id"] for m in self._messages[chat.id].values()}
        return len(senders | {self.bot_user["id"]})

    def _create_forum_topic(self, req: _Request) -> JSONDict:
        """createForumTopic: a ``forum_topic_created`` service message from the bot opens the topic.

        Not emulated: the can_manage_topics right, icon_color validation. The bot gets no update for its own
        service message (bots never see their own messages).
        """
        chat = self._chat_from(req)
        if not chat.is_forum:
            raise _bad(ERR_NOT_A_FORUM)
        name = req.get_str("name")
        if not name:
            raise _bad('Bad Request: parameter "name" is required')
        icon_color = req.opt_int("icon_color") or DEFAULT_TOPIC_ICON_COLOR
        emoji_id = req.get_str("icon_custom_emoji_id") or None
        msg = self._new_topic(chat, name, icon_color, emoji_id, from_bot=True, user=None)
        return self._topics[chat.id][msg.message_id].to_json()


def _thumbnail(data: bytes, width: int, height: int) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        small = image.convert("RGB").resize((width, height))
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=80)
    return out.getvalue()
