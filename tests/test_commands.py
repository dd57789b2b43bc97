"""Command menus: set per scope (private chats, groups, group admins, the bot's operators) and per language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.app import BotRuntime
from bot.config import Settings
from tests.conftest import running
from tests.fake_telegram import FakeTelegram
from tests.people import OLGA, cast, group
from tests.test_settings import open_settings, pick

PRIVATE = ["imagine", "describe", "blend", "shorten", "settings", "history", "show", "usage", "help"]
GROUP = ["imagine", "settings", "history", "show", "usage", "help"]


def descriptions(tg: FakeTelegram, scope: dict[str, Any], language: str = "") -> dict[str, str]:
    return {str(c["command"]): str(c["description"]) for c in tg.commands(scope, language)}


async def test_menus_per_scope_and_language(tg: FakeTelegram, bot: BotRuntime):
    people, chat = cast(tg), group(tg)
    alices = tg.private_chat(1001, "Alice", "alice")
    chen = tg.user(1005, "Chen", "chen", language_code="zh-hans")
    assert tg.menu(alices, people.alice) == PRIVATE
    assert tg.menu(chat, people.bob) == GROUP
    assert tg.menu(chat, people.carol) == GROUP  # the group's admin: the same commands, told what /settings does
    assert descriptions(tg, {"type": "all_chat_administrators"})["settings"] == (
        "Your settings, and this group's defaults"
    )
    assert descriptions(tg, {"type": "all_group_chats"})["settings"] == "Your speed, model, parameters and language"
    assert tg.menu(chat, chen) == GROUP
    chinese = descriptions(tg, {"type": "all_group_chats"}, "zh")
    assert chinese["imagine"] == "根据提示词画图"
    assert descriptions(tg, {"type": "all_private_chats"}, "ru")["help"] == "Как пользоваться ботом"
    assert descriptions(tg, {"type": "default"})["imagine"] == "Draw a picture from a prompt"
    assert not [c for c in tg.failed_calls() if c.method == "setMyCommands"]


async def test_an_operator_gets_the_admin_commands_in_their_chat(
    tg: FakeTelegram, settings_for: Callable[..., Settings]
):
    people = cast(tg)
    olgas = tg.private_chat(OLGA, "Olga", "olga")  # Olga wrote to the bot before it started
    carols = tg.private_chat(1003, "Carol", "carol")
    late = 9002
    async with running(settings_for(admin_ids=frozenset({OLGA, late}))):
        assert tg.menu(olgas, people.olga) == [*PRIVATE, "allow", "deny", "limit", "stats"]
        assert tg.menu(carols, people.carol) == PRIVATE
        assert descriptions(tg, {"type": "chat", "chat_id": OLGA}, "zh")["stats"] == "按用户和按天统计任务"

        # Telegram knows no chat with an operator who never wrote: their menu comes with their /start.
        newcomer = tg.user(late, "Nadia", "nadia")
        nadias = tg.private_chat(late, "Nadia", "nadia")
        assert tg.menu(nadias, newcomer) == PRIVATE
        tg.send_text(nadias, "/start", user=newcomer)
        await tg.wait_for(lambda: any("Hi! I draw" in m.plain_text for m in tg.bot_messages(nadias)))
        await tg.wait_for(lambda: tg.menu(nadias, newcomer) == [*PRIVATE, "allow", "deny", "limit", "stats"])


async def test_the_language_chosen_in_settings_is_the_menus_too(tg: FakeTelegram, bot: BotRuntime):
    chat = tg.private_chat()  # Alice's app speaks English
    alice = chat.user or {}
    menu = await open_settings(tg, chat)
    await pick(tg, chat, menu, "🌐 Language", "中文")
    mine = {"type": "chat", "chat_id": chat.id}
    await tg.wait_for(lambda: descriptions(tg, mine).get("imagine") == "根据提示词画图")
    assert tg.menu(chat, alice) == PRIVATE

    await pick(tg, chat, menu, "🌐 语言", "↩ 默认")
    await tg.wait_for(lambda: tg.commands(mine) == [])  # her app's language again: the shared menus
    assert descriptions(tg, {"type": "all_private_chats"})["imagine"] == "Draw a picture from a prompt"
