"""Answers to what a job waiting for input asks (Midjourney's modals, asked in chat), and /remix, /cancel.

An answer is a reply to the question, or the person's next message in that chat and topic. In a group
only the person who pressed can answer; everyone else's messages are left alone.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.jobs import BadAnswer, Busy, JobService, NoQuestion, NotYours
from bot.telegram.handlers.common import answer, language, origin_of, say
from bot.telegram.texts import plain_text, text
from bot.telegram.views import QUESTION_PREFIX, plain

log = logging.getLogger(__name__)

_NEW = filters.UpdateType.MESSAGE


def register(app: Application[Any, Any, Any, Any, Any, Any], service: JobService) -> None:
    async def group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text:
            await answered(service, update, message)

    async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        try:
            await service.cancel(origin_of(message, update.effective_user))
        except (NoQuestion, NotYours):
            await say(message, language(update.effective_user), "cancel_nothing")
        except Busy:
            await say(message, language(update.effective_user), "answer_busy")

    async def remix(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is not None and user is not None:
            on = await service.toggle_remix(user.id)
            await say(message, language(user), "remix_on" if on else "remix_off")

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is not None and query.data is not None and isinstance(query.message, Message):
            await _button(service, query, query.message, query.data.removeprefix(QUESTION_PREFIX).split(":"))

    groups_text = filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND & _NEW
    app.add_handler(MessageHandler(groups_text, group_text))
    app.add_handler(CommandHandler("cancel", cancel, filters=_NEW))
    app.add_handler(CommandHandler("remix", remix, filters=_NEW))
    app.add_handler(CallbackQueryHandler(button, pattern=rf"^{QUESTION_PREFIX}(send|cancel|done|cell):\d+(:\d+)?$"))


async def answered(service: JobService, update: Update, message: Message) -> bool:
    """Take the message as an answer if it is one; False when it answers nothing (then it is a prompt)."""
    lang = language(update.effective_user)
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    try:
        job = await service.answer(origin_of(message, update.effective_user), message.text or "", reply_to=reply_to)
    except NotYours:
        return True  # someone else's question: not theirs to answer, and not a prompt either
    except NoQuestion:
        return False
    except BadAnswer as exc:
        await say(message, lang, f"answer_{exc.reason}", value=exc.detail)
        return True
    except Busy:
        await say(message, lang, "answer_busy")
        return True
    return job is not None


async def _button(service: JobService, query: CallbackQuery, message: Message, parts: list[str]) -> None:
    lang = language(query.from_user)
    what, job_id = parts[0], int(parts[1])
    origin = origin_of(message, query.from_user)
    try:
        if what == "send":
            await service.send_as_is(origin, job_id)
        elif what == "cancel":
            await service.cancel(origin, job_id)
        elif what == "done":
            await service.region_chosen(origin, job_id)
        else:
            await service.toggle_cell(origin, job_id, int(parts[2]))
    except NotYours:
        await answer(query, plain_text(lang, "session_not_yours"), alert=True)
        return
    except NoQuestion:
        await answer(query, plain_text(lang, "answer_closed"), alert=True)
        return
    except BadAnswer as exc:
        await answer(query, _plain(lang, f"answer_{exc.reason}", value=exc.detail), alert=True)
        return
    except Busy:
        await answer(query, plain_text(lang, "answer_busy"))
        return
    await answer(query, "")


def _plain(lang: str, key: str, **values: object) -> str:
    """A catalogue message for a callback answer, which Telegram shows without HTML."""
    return plain(text(lang, key, **values))
