"""Pictures in: describe, image prompts and references, blend, face swap.

A picture (or an album) is read with its caption: `/describe`, `/blend [portrait|square|landscape]`,
`/swap`, `/imagine <prompt>` or, in a private chat, a plain prompt. While a /blend or /swap is open,
the person's pictures go to it. A picture with no caption is otherwise described (in a private chat).
`/describe` and `/imagine` also work as a reply to a picture.
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

from bot.jobs import Dimensions, InputProblem, JobKind, JobService, Origin, WrongCount, picture_bounds
from bot.telegram.albums import Albums
from bot.telegram.handlers.common import answer, language, normalize_prompt, origin_of, say
from bot.telegram.pictures import PictureRef, download, picture_in
from bot.telegram.sessions import EXPIRED, Gathering, Session, Sessions
from bot.telegram.texts import plain_text, text

log = logging.getLogger(__name__)

_NEW = filters.UpdateType.MESSAGE
_SHAPES = {"portrait": Dimensions.PORTRAIT, "square": Dimensions.SQUARE, "landscape": Dimensions.LANDSCAPE}
_WITH_PICTURES = ("describe", "blend", "swap", "imagine")


class Photos:
    def __init__(self, service: JobService) -> None:
        self.service = service
        self.sessions = Sessions()
        self.albums = Albums(self._album)
        self._bot: ExtBot[Any] | None = None

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self._bot = app.bot
        pictures = (filters.PHOTO | filters.Document.ALL | filters.ANIMATION) & _NEW
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
            if not self.albums.add(message):  # the rest of its album was handled already
                await say(message, language(update.effective_user), "album_late")
        else:
            await self._pictures([message], update.effective_user)

    async def _album(self, parts: list[Message]) -> None:
        await self._pictures(parts, parts[0].from_user)

    async def _pictures(self, messages: list[Message], user: User | None) -> None:
        carrying = next((m for m in messages if m.caption), messages[0])
        refs = [ref for ref in (picture_in(m) for m in messages) if ref is not None]
        lang, caption = language(user), (carrying.caption or "").strip()
        origin = origin_of(carrying, user)
        try:
            if await self._to_session(carrying, origin, refs):
                return
            if caption.startswith("/"):
                await self._captioned(carrying, origin, caption, refs)
            elif caption:
                if carrying.chat.type == carrying.chat.PRIVATE:  # in groups a caption is just talk
                    await self._imagine(origin, normalize_prompt(caption), refs)
            elif carrying.chat.type == carrying.chat.PRIVATE:
                if len(refs) == 1:
                    await self.service.describe(origin, *(await self._fetch(refs)))
                else:
                    await say(carrying, lang, "album_what", count=len(refs))
        except InputProblem as exc:
            await say(carrying, lang, f"input_{exc.reason}")
        except WrongCount as exc:
            await say(carrying, lang, f"count_{exc.kind}", count=exc.count, most=exc.most)

    async def _captioned(self, message: Message, origin: Origin, caption: str, refs: Sequence[PictureRef]) -> None:
        command = self._command(caption)
        if command is None:
            return  # a command for another bot
        name, rest, lang = *command, origin.language
        if name not in _WITH_PICTURES:
            await say(message, lang, "caption_unknown")
        elif name == "describe":
            _check(JobKind.DESCRIBE, refs)
            await self.service.describe(origin, *(await self._fetch(refs)))
        elif name == "blend":
            shape = _shape(rest)
            if shape is None:
                await say(message, lang, "blend_shape")
                return
            _check(JobKind.BLEND, refs)
            await self.service.blend(origin, await self._fetch(refs), shape)
        elif name == "swap":
            _check(JobKind.SWAP, refs)
            face, target = await self._fetch(refs)
            await self.service.swap(origin, face, target)
        elif not normalize_prompt(rest):
            await say(message, lang, "imagine_usage")
        else:
            await self._imagine(origin, normalize_prompt(rest), refs)

    async def _imagine(self, origin: Origin, prompt: str, refs: Sequence[PictureRef]) -> None:
        _check(JobKind.IMAGINE, refs)  # before fetching: ten files of 20 MB are not fetched to be refused
        await self.service.imagine(origin, prompt, await self._fetch(refs))

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
            await self.service.describe(origin_of(message, update.effective_user), *(await self._fetch([ref])))
        except InputProblem as exc:
            await say(message, lang, f"input_{exc.reason}")

    # -- /blend and /swap over several messages -------------------------------------------------------

    async def start_blend(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        command = self._command(message.text or "") if message is not None else None
        shape = _shape(command[1]) if command is not None else Dimensions.SQUARE
        if message is not None and shape is None:
            await say(message, language(update.effective_user), "blend_shape")
            return
        await self._start(update, Gathering.BLEND, shape or Dimensions.SQUARE)

    async def start_swap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._start(update, Gathering.SWAP, Dimensions.SQUARE)

    async def _start(self, update: Update, kind: Gathering, shape: Dimensions) -> None:
        message = update.effective_message
        if message is None:
            return
        session = Session(kind, origin_of(message, update.effective_user), message_id=0, dimensions=shape)
        asked = await message.reply_html(_session_text(session), reply_markup=_session_keyboard(session), do_quote=True)
        session.message_id = asked.message_id
        self.sessions.open(session)

    async def _to_session(self, message: Message, origin: Origin, refs: Sequence[PictureRef]) -> bool:
        """Pictures for the person's open /blend or /swap go there (a caption does not change that)."""
        private = message.chat.type == message.chat.PRIVATE
        session = self.sessions.get(origin.chat_id, origin.user_id)
        if session is EXPIRED:
            if private:
                await say(message, origin.language, "session_expired")
            return private
        if session is None or not (private or _answers(message, session)):
            return False
        session.add(refs)
        if session.kind is Gathering.SWAP and len(session.pictures) >= 2:
            await self._run(session)
        else:
            if len(session.pictures) > BLEND_MOST:
                session.pictures = session.pictures[:BLEND_MOST]
                await self._tell(session, "blend_full")
            await self._update(session)
        return True

    async def session_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.data is None or query.message is None:
            return
        lang = language(query.from_user)
        chat_id, message_id = query.message.chat.id, query.message.message_id
        session = self.sessions.get(chat_id, query.from_user.id)
        if not isinstance(session, Session) or session.message_id != message_id:
            mine = self.sessions.asked_in(chat_id, message_id) is None
            await answer(query, plain_text(lang, "session_gone" if mine else "session_not_yours"), alert=True)
            return
        action = query.data.split(":", 1)[1]
        if action == "now" and self.albums.arriving(chat_id):
            await answer(query, plain_text(lang, "session_still_arriving"), alert=True)
            return
        if action in ("now", "cancel"):
            self.sessions.close(session)  # before anything is awaited: a second press finds it closed
        await answer(query, "")
        if action == "cancel":
            await self._edit(session, text(lang, "session_cancelled"), None)
        elif action == "now":
            await self._run(session)
        elif action in _SHAPES:
            session.dimensions = _SHAPES[action]
            await self._update(session)

    async def _run(self, session: Session) -> None:
        """Submit what the session gathered; it is closed first, so a second press or picture cannot."""
        origin, lang = session.origin, session.origin.language
        self.sessions.close(session)
        try:
            if session.kind is Gathering.SWAP:
                face, target = await self._fetch(session.pictures[:2])
                await self.service.swap(origin, face, target)
                await self._edit(session, text(lang, "swap_started"), None)
            else:
                _check(JobKind.BLEND, session.pictures)
                await self.service.blend(origin, await self._fetch(session.pictures), session.dimensions)
                await self._edit(session, text(lang, "blend_started", count=len(session.pictures)), None)
        except WrongCount as exc:
            self.sessions.open(session)  # not enough yet: the person can add more
            await self._tell(session, f"count_{exc.kind}", count=exc.count)
        except InputProblem as exc:
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
        parts = caption.split(maxsplit=1)
        if not parts or not parts[0].startswith("/"):
            return None
        name, _, addressee = parts[0][1:].partition("@")
        if addressee and addressee.lower() != (self._bot_().username or "").lower():
            return None
        return name.lower(), parts[1].strip() if len(parts) > 1 else ""

    def _bot_(self) -> ExtBot[Any]:
        assert self._bot is not None, "register() first"
        return self._bot


BLEND_MOST = picture_bounds(JobKind.BLEND)[1]


def _check(kind: JobKind, refs: Sequence[object]) -> None:
    least, most = picture_bounds(kind)
    if not least <= len(refs) <= most:
        raise WrongCount(kind, len(refs), least, most)


def _shape(word: str) -> Dimensions | None:
    """A blend's shape from its command (`/blend landscape`); square when none is named."""
    return _SHAPES.get(word.strip().lower() or "square")


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
