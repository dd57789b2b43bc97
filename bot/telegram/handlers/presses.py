"""Presses on the buttons under a result: answered at once, the work goes on in the background."""

from __future__ import annotations

import logging
from typing import Any

from telegram import CallbackQuery, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.jobs import AlreadyRunning, JobService, UnknownButton
from bot.telegram.handlers.common import language, origin_of
from bot.telegram.texts import plain_text
from bot.telegram.views import CALLBACK_PREFIX, action_title, press_title

log = logging.getLogger(__name__)


def register(app: Application[Any, Any, Any, Any, Any, Any], service: JobService) -> None:
    async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is not None and query.data is not None and query.message is not None:
            await _press(service, query, query.data.removeprefix(CALLBACK_PREFIX))

    app.add_handler(CallbackQueryHandler(press, pattern=f"^{CALLBACK_PREFIX}[A-Za-z0-9_-]+$"))


async def _press(service: JobService, query: CallbackQuery, key: str) -> None:
    assert query.message is not None
    lang = language(query.from_user)
    try:
        pressed = await service.press(origin_of(query.message, query.from_user), key)
    except UnknownButton:
        await _answer(query, plain_text(lang, "press_unknown"), alert=True)
        return
    except AlreadyRunning:
        await _answer(query, plain_text(lang, "press_running"))
        return
    if pressed.repeat:
        label = press_title(pressed.meaning, lang)
        await _answer(query, plain_text(lang, "press_repeat", label=label))
    else:
        await _answer(query, plain_text(lang, "press_started", label=action_title(pressed.job)))


async def _answer(query: CallbackQuery, message: str, *, alert: bool = False) -> None:
    try:
        await query.answer(message[:200], show_alert=alert)
    except BadRequest as exc:  # the query expired; the action goes on regardless
        log.info("callback answer failed: %s", exc)
