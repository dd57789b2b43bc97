"""/settings: a person's preferences in an inline menu, and a group's defaults for its admins.

Values to pick are buttons; a personalization code or default parameters are asked for by a reply
(kept in the database: an answer, even after a restart or to a question answered before, is taken as
one and never drawn as a prompt).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from telegram import CallbackQuery, Chat, ForceReply, Message, Update, User
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

from bot.jobs.community import Community
from bot.jobs.preferences import BadPreference
from bot.telegram import menus
from bot.telegram.commands import CommandMenus
from bot.telegram.handlers.common import answer, choose_language, language, say
from bot.telegram.texts import language_of, plain_text, text
from bot.telegram.views import plain

log = logging.getLogger(__name__)

ANSWERS_GROUP = -1  # before the features: an answer to a settings question is no prompt
_NEW = filters.UpdateType.MESSAGE
_DATA = r"^s:-?\d+:(main|open|set|reset|ask|close)(:[a-z_]+(:[^:]*)?)?$"


def register(app: Application[Any, Any, Any, Any, Any, Any], community: Community, commands: CommandMenus) -> None:
    async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is not None and user is not None:
            body, markup = await _overview(community, context.bot, message.chat, user, user.id)
            await message.reply_html(body, reply_markup=markup, do_quote=True)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is not None and query.data is not None and isinstance(query.message, Message):
            await _pressed(community, commands, context.bot, query, query.message, query.data.split(":", 4)[1:])

    async def replied(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.reply_to_message is None:
            return
        if await _answered(community, context.bot, message, message.reply_to_message, user):
            raise ApplicationHandlerStop

    app.add_handler(CommandHandler("settings", command, filters=_NEW))
    app.add_handler(CallbackQueryHandler(pressed, pattern=_DATA))
    app.add_handler(MessageHandler(filters.REPLY & filters.TEXT & ~filters.COMMAND & _NEW, replied), ANSWERS_GROUP)


async def _overview(community: Community, bot: ExtBot[Any], chat: Chat, user: User, owner_id: int) -> tuple[str, Any]:
    lang = language(user)
    if owner_id < 0:
        group = await community.effective(owner_id, owner_id)
        return menus.main_menu(lang, owner_id, group, group_title=chat.title, person_id=user.id)
    manages = chat.id < 0 and await _group_admin(bot, chat.id, user.id)
    mine = await community.effective(user.id, chat.id)
    return menus.main_menu(lang, user.id, mine, group_id=chat.id if manages else None)


async def _pressed(
    community: Community,
    commands: CommandMenus,
    bot: ExtBot[Any],
    query: CallbackQuery,
    menu: Message,
    parts: list[str],
) -> None:
    user, lang = query.from_user, language(query.from_user)
    owner_id, verb = int(parts[0]), parts[1]
    field, value = (parts[2] if len(parts) > 2 else ""), (parts[3] if len(parts) > 3 else None)
    refusal = await _refusal(bot, menu, user, owner_id)
    if refusal is not None:
        await answer(query, plain(text(lang, refusal)), alert=True)
        return
    if verb == "close":
        await answer(query, "")
        await _edit(bot, menu, text(lang, "settings_closed"), None)
        return
    if verb == "ask":
        await answer(query, "")
        await _ask(community, menu, user, owner_id, field)
        return
    if verb in ("set", "reset"):
        try:
            await community.choose(owner_id, field, value if verb == "set" else None)
        except BadPreference as exc:
            await answer(query, plain(_bad(lang, exc)), alert=True)
            return
        if field == "language" and owner_id > 0:  # the menu answers in the language just chosen
            lang = value if verb == "set" and value else language_of(user.language_code)
            choose_language(user.id, lang)
            await commands.follow_language(user.id, value if verb == "set" and value else None)
        await answer(query, plain_text(lang, "settings_saved"))
    else:
        await answer(query, "")
    if verb in ("main", "set", "reset"):  # a value picked: back to the overview, which shows it
        body, markup = await _overview(community, bot, menu.chat, user, owner_id)
    else:
        own, effective = await community.stored(owner_id), await _effective(community, owner_id, menu.chat.id)
        values = menus.options(field, community.rules.speeds, community.rules.languages)
        body, markup = menus.field_menu(lang, owner_id, field, own, effective, values)
    await _edit(bot, menu, body, markup)


async def _effective(community: Community, owner_id: int, chat_id: int) -> Any:
    return await community.effective(owner_id, owner_id if owner_id < 0 else chat_id)


async def _refusal(bot: ExtBot[Any], menu: Message, user: User, owner_id: int) -> str | None:
    """Why this person may not use this menu; None when they may."""
    if owner_id > 0:
        return None if owner_id == user.id else "settings_not_yours"
    if menu.chat.id != owner_id or not await _group_admin(bot, owner_id, user.id):
        return "settings_admins_only"
    return None


async def _group_admin(bot: ExtBot[Any], chat_id: int, user_id: int) -> bool:
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        log.info("could not learn whether %d administers chat %d: %s", user_id, chat_id, exc)
        return False
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def _ask(community: Community, menu: Message, user: User, owner_id: int, field: str) -> None:
    lang = language(user)
    asker = menu.reply_to_message if menu.reply_to_message is not None else menu
    placeholder = plain_text(lang, f"ask_{field}_placeholder")
    question = await asker.reply_html(
        text(lang, f"ask_{field}"),
        reply_markup=ForceReply(selective=True, input_field_placeholder=placeholder),
        do_quote=True,
    )
    await community.questions.put(
        menu.chat.id,
        question.message_id,
        user_id=user.id,
        owner_id=owner_id,
        field=field,
        menu_message_id=menu.message_id,
        at=time.time(),
    )


async def _answered(community: Community, bot: ExtBot[Any], message: Message, asked: Message, user: User) -> bool:
    """Take a reply to a settings question; False when it answers none of this person's."""
    question = await community.questions.get(message.chat.id, asked.message_id)
    if question is None or question["user_id"] != user.id:
        return False
    lang, owner_id, field = language(user), int(str(question["owner_id"])), str(question["field"])
    if owner_id < 0 and not await _group_admin(bot, owner_id, user.id):
        await say(message, lang, "settings_admins_only")
        return True
    try:
        await community.choose(owner_id, field, message.text or "")
    except BadPreference as exc:
        await message.reply_html(_bad(lang, exc), do_quote=True)  # the question stays open for another try
        return True
    stored = menus.value_text(lang, field, getattr(await community.stored(owner_id), field))
    await say(message, lang, "settings_saved_value", field=plain_text(lang, f"pref_{field}"), value=stored)
    menu_id = question["menu_message_id"]
    if isinstance(menu_id, int):  # the menu shows the new value too
        body, markup = await _overview(community, bot, message.chat, user, owner_id)
        await _edit_in(bot, message.chat.id, menu_id, body, markup)
    return True


def _bad(lang: str, exc: BadPreference) -> str:
    key = f"pref_bad_{exc.reason}"
    return text(lang, key if key in _BAD else "pref_bad", detail=exc.detail, expected=exc.expected)


_BAD = frozenset(
    f"pref_bad_{reason}" for reason in ("personalization", "not_parameters", "unknown", "twice", "value", "too_long")
)


async def _edit(bot: ExtBot[Any], menu: Message, body: str, markup: Any) -> None:
    await _edit_in(bot, menu.chat.id, menu.message_id, body, markup)


async def _edit_in(bot: ExtBot[Any], chat_id: int, message_id: int, body: str, markup: Any) -> None:
    try:
        await bot.edit_message_text(body, chat_id=chat_id, message_id=message_id, reply_markup=markup)
    except TelegramError as exc:  # unchanged, or the menu was deleted: the value is saved all the same
        log.info("settings menu not updated: %s", exc)
