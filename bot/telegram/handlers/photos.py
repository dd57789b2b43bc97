"""Pictures in: describe, image prompts and references, blend, face swap.

A picture (or an album) is read with its caption: `/describe`, `/blend [portrait|square|landscape]`,
`/swap`, `/imagine <prompt>` or, in a private chat, a plain prompt. A picture with no caption goes to an
open /blend or /swap, or, in a private chat, is described. `/describe` and `/imagine` also work as a
reply to a picture.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

from bot.jobs import Dimensions, InputProblem, JobService, Origin, WrongCount
from bot.telegram.albums import Albums
from bot.telegram.handlers.common import answer, language, normalize_prompt, origin_of, say
from bot.telegram.pictures import PictureRef, download, picture_in
from bot.telegram.sessions import Gathering, Session, Sessions
from bot.telegram.texts import plain_text, text

log = logging.getLogger(__name__)

_NEW = filters.UpdateType.MESSAGE
_SHAPES = {"portrait": Dimensions.PORTRAIT, "square": Dimensions.SQUARE, "landscape": Dimensions.LANDSCAPE}
BLEND_MOST = 5


class Photos:
    def __init__(self, service: JobService) -> None:
        self.service = service
        self.sessions = Sessions()
        self.albums = Albums(self._album)
        self._bot: ExtBot[Any] | None = None

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self._bot = app.bot
        pictures = (filters.PHOTO | filters.Document.ALL) & _NEW
        app.add_handler(MessageHandler(pictures, self.picture))
        app.add_handler(CommandHandler("describe", self.describe_reply, filters=_NEW))
        app.add_handler(CommandHandler("blend", self.start_blend, filters=_NEW))
        app.add_handler(CommandHandler("swap", self.start_swap, filters=_NEW))
        app.add_handler(CallbackQueryHandler(self.session_button, pattern=r"^(blend|swap):\w+$"))

    async def close(self) -> None:
        await self.albums.close()

    # -- pictures arriving ---------------------------------------------------------------------------

    async def picture(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        if message.media_group_id:
            self.albums.add(message)  # handled once all its parts are in
        else:
            await self._pictures([message], update.effective_user)

    async def _album(self, parts: list[Message]) -> None:
        await self._pictures(parts, parts[0].from_user)

    async def _pictures(self, messages: list[Message], user: User | None) -> None:
        carrying = next((m for m in messages if m.caption), messages[0])
        refs = [ref for ref in (picture_in(m) for m in messages) if ref is not None]
        lang, caption = language(user), (carrying.caption or "").strip()
        origin = origin_of(carrying, user)
        command = self._command(caption)
        try:
            if command is not None:
                await self._captioned(carrying, origin, command, refs)
            elif caption:
                if carrying.chat.type == carrying.chat.PRIVATE:  # in groups a caption is just talk
                    await self.service.imagine(origin, normalize_prompt(caption), await self._fetch(refs))
            else:
                await self._uncaptioned(carrying, origin, refs, lang)
        except InputProblem as exc:
            await say(carrying, lang, f"input_{exc.reason}")
        except WrongCount as exc:
            await say(carrying, lang, f"count_{exc.kind}", count=exc.count, most=exc.most)

    async def _captioned(
        self, message: Message, origin: Origin, command: tuple[str, str], refs: Sequence[PictureRef]
    ) -> None:
        name, rest = command
        lang = origin.language
        if name == "describe":
            if len(refs) != 1:
                await say(message, lang, "count_describe", count=len(refs))
                return
            await self.service.describe(origin, (await self._fetch(refs))[0])
        elif name == "blend":
            await self.service.blend(origin, await self._fetch(refs), _SHAPES.get(rest.lower(), Dimensions.SQUARE))
        elif name == "swap":
            if len(refs) != 2:
                await say(message, lang, "count_swap")
                return
            face, target = await self._fetch(refs)
            await self.service.swap(origin, face, target)
        elif name == "imagine":
            if not normalize_prompt(rest):
                await say(message, lang, "imagine_usage")
                return
            await self.service.imagine(origin, normalize_prompt(rest), await self._fetch(refs))

    async def _uncaptioned(self, message: Message, origin: Origin, refs: Sequence[PictureRef], lang: str) -> None:
        session = self.sessions.get(origin.chat_id, origin.user_id)
        if session is not None and (message.chat.type == message.chat.PRIVATE or _answers(message, session)):
            await self._gather(session, refs)
        elif message.chat.type == message.chat.PRIVATE:
            if len(refs) == 1:
                await self.service.describe(origin, (await self._fetch(refs))[0])
            else:
                await say(message, lang, "album_what", count=len(refs))

    # -- replies to a picture ------------------------------------------------------------------------

    async def describe_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        lang = language(update.effective_user)
        ref = picture_in(message.reply_to_message)
        if ref is None:
            await say(message, lang, "describe_usage")
            return
        try:
            picture = (await self._fetch([ref]))[0]
            await self.service.describe(origin_of(message, update.effective_user), picture)
        except InputProblem as exc:
            await say(message, lang, f"input_{exc.reason}")

    # -- /blend and /swap over several messages -------------------------------------------------------

    async def start_blend(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._start(update, Gathering.BLEND)

    async def start_swap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._start(update, Gathering.SWAP)

    async def _start(self, update: Update, kind: Gathering) -> None:
        message = update.effective_message
        if message is None:
            return
        origin = origin_of(message, update.effective_user)
        session = Session(kind, origin, message_id=0)
        if kind is Gathering.BLEND:
            shape = self._command(message.text or "")
            session.dimensions = _SHAPES.get(shape[1].lower(), Dimensions.SQUARE) if shape else Dimensions.SQUARE
        asked = await message.reply_html(_session_text(session), reply_markup=_session_keyboard(session), do_quote=True)
        session.message_id = asked.message_id
        self.sessions.open(session)

    async def _gather(self, session: Session, refs: Sequence[PictureRef]) -> None:
        session.pictures.extend(refs)
        if session.kind is Gathering.SWAP:
            if len(session.pictures) >= 2:
                await self._run(session)
            else:
                await self._update(session)
            return
        if len(session.pictures) > BLEND_MOST:
            session.pictures = session.pictures[:BLEND_MOST]
            await self._tell(session, "blend_full")
        await self._update(session)

    async def session_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.data is None or query.message is None:
            return
        lang = language(query.from_user)
        session = self.sessions.get(query.message.chat.id, query.from_user.id)
        if session is None or session.message_id != query.message.message_id:
            await answer(query, plain_text(lang, "session_gone"), alert=True)
            return
        action = query.data.split(":", 1)[1]
        await answer(query, "")
        if action == "cancel":
            self.sessions.close(session.origin.chat_id, session.origin.user_id)
            await self._edit(session, text(lang, "session_cancelled"), None)
        elif action == "now":
            await self._run(session)
        elif action in _SHAPES:
            session.dimensions = _SHAPES[action]
            await self._update(session)

    async def _run(self, session: Session) -> None:
        origin, lang = session.origin, session.origin.language
        try:
            pictures = await self._fetch(session.pictures)
            if session.kind is Gathering.SWAP:
                self.sessions.close(origin.chat_id, origin.user_id)
                await self.service.swap(origin, pictures[0], pictures[1])
                await self._edit(session, text(lang, "swap_started"), None)
            else:
                await self.service.blend(origin, pictures, session.dimensions)
                self.sessions.close(origin.chat_id, origin.user_id)
                await self._edit(session, text(lang, "blend_started", count=len(pictures)), None)
        except WrongCount as exc:
            await self._tell(session, f"count_{exc.kind}", count=exc.count)
        except InputProblem as exc:
            self.sessions.close(origin.chat_id, origin.user_id)
            await self._edit(session, text(lang, f"input_{exc.reason}"), None)

    async def _update(self, session: Session) -> None:
        await self._edit(session, _session_text(session), _session_keyboard(session))

    async def _edit(self, session: Session, text_html: str, markup: InlineKeyboardMarkup | None) -> None:
        try:
            await self._bot_().edit_message_text(
                text_html, chat_id=session.origin.chat_id, message_id=session.message_id, reply_markup=markup
            )
        except TelegramError as exc:  # "not modified", or the message is gone: the session goes on
            log.info("session message not updated: %s", exc)

    async def _tell(self, session: Session, key: str, **values: object) -> None:
        await self._bot_().send_message(
            session.origin.chat_id,
            text(session.origin.language, key, **values),
            message_thread_id=session.origin.thread_id,
        )

    # -- helpers -------------------------------------------------------------------------------------

    async def _fetch(self, refs: Sequence[PictureRef]) -> list[bytes]:
        return [await download(self._bot_(), ref) for ref in refs]

    def _command(self, caption: str) -> tuple[str, str] | None:
        """`(name, the rest)` when the caption starts with a command for this bot (`/name` or `/name@bot`)."""
        if not caption.startswith("/"):
            return None
        head, _, rest = caption.partition(" ")
        name, _, addressee = head[1:].partition("@")
        if addressee and addressee.lower() != (self._bot_().username or "").lower():
            return None
        return name.lower(), rest.strip()

    def _bot_(self) -> ExtBot[Any]:
        assert self._bot is not None, "register() first"
        return self._bot


def _session_text(session: Session) -> str:
    lang = session.origin.language
    if session.kind is Gathering.SWAP:
        return text(lang, "swap_second" if session.pictures else "swap_start")
    if session.pictures:
        return text(lang, "blend_progress", count=len(session.pictures))
    return text(lang, "blend_start")


def _session_keyboard(session: Session) -> InlineKeyboardMarkup:
    lang = session.origin.language
    cancel = InlineKeyboardButton(plain_text(lang, "session_cancel"), callback_data=f"{session.kind}:cancel")
    if session.kind is Gathering.SWAP:
        return InlineKeyboardMarkup([[cancel]])
    shapes = [
        InlineKeyboardButton(
            ("• " if session.dimensions is shape else "") + plain_text(lang, f"shape_{name}"),
            callback_data=f"blend:{name}",
        )
        for name, shape in _SHAPES.items()
    ]
    now = InlineKeyboardButton(plain_text(lang, "blend_now"), callback_data="blend:now")
    return InlineKeyboardMarkup([shapes, [now, cancel]])


def _answers(message: Message, session: Session) -> bool:
    reply = message.reply_to_message
    return reply is not None and reply.message_id == session.message_id
