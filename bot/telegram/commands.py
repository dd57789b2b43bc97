"""The command menus Telegram shows, per scope (private chats, groups, group admins, the bot's operators) and
per language, set with setMyCommands.

A client shows the first list set for the most specific scope, in the person's language when there is one
(Bot API "Determining list of commands"): each list is set once without a language (English, for everyone
else) and once per translated language.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.telegram.texts import LANGUAGES, plain_text

log = logging.getLogger(__name__)

PRIVATE = ("imagine", "describe", "blend", "shorten", "settings", "history", "show", "usage", "help")
GROUP = ("imagine", "settings", "history", "show", "usage", "help")
OPERATOR = (*PRIVATE, "allow", "deny", "limit", "stats")
# A group's admins read what /settings does for them: their own settings and the group's defaults.
_GROUP_ADMIN_KEYS = {"settings": "command_settings_group_admin"}


def commands(lang: str, names: Sequence[str], keys: dict[str, str] | None = None) -> list[BotCommand]:
    keys = keys or {}
    return [BotCommand(name, plain_text(lang, keys.get(name, f"command_{name}"))) for name in names]


def _menus() -> list[tuple[BotCommandScope, Sequence[str], dict[str, str]]]:
    return [
        (BotCommandScopeDefault(), PRIVATE, {}),
        (BotCommandScopeAllPrivateChats(), PRIVATE, {}),
        (BotCommandScopeAllGroupChats(), GROUP, {}),
        (BotCommandScopeAllChatAdministrators(), GROUP, _GROUP_ADMIN_KEYS),
    ]


class CommandMenus:
    """Sets every menu at start; an operator's own (with /allow, /deny, /limit, /stats) once Telegram knows
    their chat with the bot, which it does not before they first write to it."""

    def __init__(self, bot: ExtBot[Any], operators: Iterable[int]) -> None:
        self._bot = bot
        self._operators = frozenset(operators)
        self._operators_set: set[int] = set()

    async def set_all(self) -> None:
        for scope, names, keys in _menus():
            await self._set(scope, names, keys)
        for user_id in sorted(self._operators):
            await self.for_operator(user_id)

    async def for_operator(self, user_id: int) -> None:
        """The operator's menu in their private chat with the bot (once per run)."""
        if user_id not in self._operators or user_id in self._operators_set:
            return
        if await self._set(BotCommandScopeChat(user_id), OPERATOR, {}):
            self._operators_set.add(user_id)

    async def follow_language(self, user_id: int, lang: str | None) -> None:
        """A person chose a language in /settings (None: their app's again): their private chat's menu speaks it."""
        scope, names = BotCommandScopeChat(user_id), OPERATOR if user_id in self._operators else PRIVATE
        try:
            for other in LANGUAGES[1:]:  # a list in the app's language would win over the chosen one
                await self._bot.delete_my_commands(scope=scope, language_code=other)
            if lang is not None:
                await self._bot.set_my_commands(commands(lang, names), scope=scope)
            elif user_id in self._operators:
                await self._set(scope, OPERATOR, {})
            else:
                await self._bot.delete_my_commands(scope=scope)
        except TelegramError as exc:
            log.info("command menu of %d not changed: %s", user_id, exc)

    async def _set(self, scope: BotCommandScope, names: Sequence[str], keys: dict[str, str]) -> bool:
        for lang in LANGUAGES:
            code = None if lang == "en" else lang  # English: for every language without its own list
            try:
                await self._bot.set_my_commands(commands(lang, names, keys), scope=scope, language_code=code)
            except TelegramError as exc:
                log.info("command menu for %s (%s) not set: %s", scope.type, code or "any language", exc)
                return False
        return True
