"""Presses on the buttons under a result: answered at once, the work goes on in the background."""

from __future__ import annotations

import logging
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.jobs import AlreadyRunning, JobService, NoSeed, NotYours, Origin, Problem, UnknownButton, UnknownJob
from bot.telegram.handlers.common import answer, language, origin_of
from bot.telegram.texts import plain_text, reason, text
from bot.telegram.views import CALLBACK_PREFIX, SEED_PREFIX, action_title, press_title

log = logging.getLogger(__name__)


def register(app: Application[Any, Any, Any, Any, Any, Any], service: JobService) -> None:
    async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is not None and query.data is not None and query.message is not None:
            await _press(service, query, query.data.removeprefix(CALLBACK_PREFIX))

    async def seed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is not None and query.data is not None and isinstance(query.message, Message):
            await _seed(service, query, query.message, int(query.data.removeprefix(SEED_PREFIX)))

    app.add_handler(CallbackQueryHandler(press, pattern=f"^{CALLBACK_PREFIX}[A-Za-z0-9_-]+$"))
    app.add_handler(CallbackQueryHandler(seed, pattern=f"^{SEED_PREFIX}[0-9]+$"))


async def _press(service: JobService, query: CallbackQuery, key: str) -> None:
    assert query.message is not None
    lang = language(query.from_user)
    try:
        pressed = await service.press(origin_of(query.message, query.from_user), key)
    except UnknownButton:
        await answer(query, plain_text(lang, "press_unknown"), alert=True)
        return
    except AlreadyRunning:
        await answer(query, plain_text(lang, "press_running"))
        return
    except NotYours:
        await answer(query, plain_text(lang, "press_not_yours"), alert=True)
        return
    if pressed.repeat:
        label = press_title(pressed.meaning, lang)
        await answer(query, plain_text(lang, "press_repeat", label=label))
    else:
        await answer(
            query,
            plain_text(
                lang, "press_started", label=press_title(pressed.meaning, lang) or action_title(pressed.jobs[0])
            ),
        )


async def _seed(service: JobService, query: CallbackQuery, result: Message, job_id: int) -> None:
    lang = language(query.from_user)
    await answer(query, "")
    await tell_seed(service, result, result.message_id, origin_of(result, query.from_user), lang, job_id=job_id)


async def tell_seed(
    service: JobService, asking: Message, result_id: int, origin: Origin, lang: str, *, job_id: int | None = None
) -> None:
    """The seed of the job message `result_id` shows (or of `job_id`), answering `asking`, tap-to-copy."""
    try:
        seed = await service.seed(origin, job_id, message_id=result_id)
    except UnknownJob:
        reply = text(lang, "seed_unknown")
    except NoSeed as exc:
        log.warning("seed of job %s in chat %d: %s", job_id, origin.chat_id, exc)
        reply = _no_seed(lang, exc)
    else:
        reply = text(lang, "seed_result", seed=seed)
    await asking.reply_html(reply, do_quote=True)


def _no_seed(lang: str, exc: NoSeed) -> str:
    match exc.problem:
        case Problem.NOT_OFFERED:
            return text(lang, "error_not_offered", feature=plain_text(lang, "feature_seed"))
        case Problem.REJECTED | Problem.QUEUE_FULL | Problem.BANNED:
            return text(lang, "seed_failed", reason=reason(lang, exc.detail))
        case Problem.MISCONFIGURED:
            return text(lang, "error_misconfigured")
    return text(lang, "error_unavailable")
