"""The cast of the community tests: two members of a group, a group admin, a bot admin and an outsider."""

from __future__ import annotations

from dataclasses import dataclass

from tests.fake_telegram import Chat, FakeTelegram, JSONDict

ALICE, BOB, CAROL, OLGA, MALLORY = 1001, 1002, 1003, 9001, 6666


@dataclass(frozen=True)
class Cast:
    alice: JSONDict  # a member
    bob: JSONDict  # another member
    carol: JSONDict  # the group's admin
    olga: JSONDict  # the bot's operator (ADMIN_IDS)
    mallory: JSONDict  # an outsider


def cast(tg: FakeTelegram) -> Cast:
    return Cast(
        alice=tg.user(ALICE, "Alice", "alice"),
        bob=tg.user(BOB, "Bob", "bob"),
        carol=tg.user(CAROL, "Carol", "carol"),
        olga=tg.user(OLGA, "Olga", "olga"),
        mallory=tg.user(MALLORY, "Mallory", "mallory"),
    )


def group(tg: FakeTelegram, *, forum: bool = False, kind: str = "supergroup", chat_id: int = -100500) -> Chat:
    """A group whose admin is Carol."""
    chat = tg.group_chat(chat_id=chat_id, kind=kind, forum=forum)
    tg.set_admins(chat, {CAROL})
    return chat
