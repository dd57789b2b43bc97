"""The layer every update passes first: what the bot does not serve stops here.

It drops what no person sent, remembers who wrote (so operators can name people by @username), picks
the language the person chose, and turns away whom the access rules keep out, telling them their
user id to pass on to the operator. Nothing of theirs reaches the handlers, so nothing is submitted.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, Message, Update, User
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.jobs.community import Community
from bot.telegram.handlers.common import addressed, answer, choose_language, language, say
from bot.telegram.texts import plain_text

log = logging.getLogger(__name__)

GATE_GROUP = -2  # handler groups run in ascending order; -1 takes answers before the features see them


def register(app: Application[Any, Any, Any, Any, Any, Any], community: Community) -> None:
    async def check(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await _check(community, update, context.bot)
        except ApplicationHandlerStop:
            raise
        except Exception as exc:
            # Left to PTB, the error would reach the error handler and the features would run all the same:
            # the person gets the error handler's polite word, the log its traceback, and nothing else runs.
            await context.application.process_error(update, exc)
            raise ApplicationHandlerStop from None

    app.add_handler(TypeHandler(Update, check), group=GATE_GROUP)


async def _check(community: Community, update: Update, bot: Bot) -> None:
    user, chat = update.effective_user, update.effective_chat
    if update.channel_post or update.edited_channel_post or user is None:
        log.debug("update %d ignored: not from a person", update.update_id)
        raise ApplicationHandlerStop
    await community.seen(user.id, user.username or "", user.full_name)
    chat_id = chat.id if chat is not None else user.id
    choose_language(user.id, await community.language(user.id, chat_id))
    message = update.effective_message
    if message is not None and (message.migrate_to_chat_id or message.migrate_from_chat_id):
        return  # a group becoming a supergroup is news whoever brought it
    # Anonymous admins and people writing as a channel all arrive as one Telegram stand-in account: what they
    # may do is what the chat they write as may do (their own group, or that channel), never the stand-in's.
    sender = message.sender_chat if message is not None and update.callback_query is None else None
    who, name = (sender.id, sender.username or "") if sender is not None else (user.id, user.username or "")
    if await community.may_use(who, name, chat_id if sender is None or sender.id == chat_id else sender.id):
        return
    log.info("update %d from %d in chat %d turned away: not allowed", update.update_id, who, chat_id)
    try:
        await _turn_away(update, user, message, bot, who)
    except Exception:  # telling them failed (their message is gone, Telegram is down): they stay out all the same
        log.warning("update %d: could not tell user %d they are not allowed", update.update_id, user.id, exc_info=True)
    raise ApplicationHandlerStop


async def _turn_away(update: Update, user: User, message: Message | None, bot: Bot, who: int) -> None:
    """Tell the person how to get in (the id to pass on), where they spoke to the bot; chatter gets no answer."""
    lang = language(user)
    if update.callback_query is not None:
        await answer(update.callback_query, plain_text(lang, "access_denied_short", user_id=who), alert=True)
    elif message is not None and update.message is not None and addressed(message, bot):
        await say(message, lang, "access_denied", user_id=who)
