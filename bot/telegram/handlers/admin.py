"""The operators' commands: /allow and /deny (people and whole chats), /limit, /stats.

Whom a command is about: the sender of the message it replies to, a user id, an @username, a chat id
(negative), or `here` for the group it is sent in.
"""

from __future__ import annotations

from typing import Any

from telegram import Message, Update, User
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.jobs.community import Community, Stats, Tally, Target
from bot.telegram.handlers.common import amount, language, say
from bot.telegram.texts import text

_NEW = filters.UpdateType.MESSAGE
STATS_DAYS = 7
STATS_PEOPLE = 10


def register(app: Application[Any, Any, Any, Any, Any, Any], community: Community) -> None:
    async def allow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _decide(community, update, list(context.args or []), allowed=True)

    async def deny(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _decide(community, update, list(context.args or []), allowed=False)

    async def limit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _limit(community, update, list(context.args or []))

    async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and _operator(community, update):
            stats = _stats_text(language(update.effective_user), await community.stats(STATS_DAYS))
            await message.reply_html(stats, do_quote=True)
        elif message is not None:
            await say(message, language(update.effective_user), "admin_only")

    app.add_handler(CommandHandler("allow", allow, filters=_NEW))
    app.add_handler(CommandHandler("deny", deny, filters=_NEW))
    app.add_handler(CommandHandler("limit", limit, filters=_NEW))
    app.add_handler(CommandHandler("stats", stats, filters=_NEW))


def _operator(community: Community, update: Update) -> bool:
    return update.effective_user is not None and community.is_admin(update.effective_user.id)


async def _decide(community: Community, update: Update, args: list[str], *, allowed: bool) -> None:
    message, lang = update.effective_message, language(update.effective_user)
    if message is None or update.effective_user is None:
        return
    if not _operator(community, update):
        await say(message, lang, "admin_only")
        return
    target, _ = await _target(community, message, args)
    if target is None:
        await say(message, lang, "allow_usage")
        return
    await community.decide(target, allowed, update.effective_user.id)
    await say(message, lang, "allowed" if allowed else "denied", who=await _who(community, message, target, lang))


async def _limit(community: Community, update: Update, args: list[str]) -> None:
    message, lang = update.effective_message, language(update.effective_user)
    if message is None:
        return
    if not _operator(community, update):
        await say(message, lang, "admin_only")
        return
    target, rest = await _target(community, message, args)
    values = _limit_values(rest)
    if target is None or target.owner_id is None or values is None:
        await say(message, lang, "limit_usage")
        return
    daily, in_flight = values
    if in_flight is _KEEP:  # only the daily limit was named
        in_flight = (await community.own_limits(target.owner_id))[1]
    assert not isinstance(in_flight, str)
    await community.set_limit(target.owner_id, daily, in_flight)
    allowance = await community.allowance(target.owner_id, target.owner_id)
    who = await _who(community, message, target, lang)
    if target.owner_id < 0:
        await say(message, lang, "limit_set_group", who=who, daily=amount(lang, allowance.group_daily))
    else:
        daily_text, at_once = amount(lang, allowance.person.daily), amount(lang, allowance.person.in_flight)
        await say(message, lang, "limit_set", who=who, daily=daily_text, in_flight=at_once)


_KEEP = "keep"


def _limit_values(words: list[str]) -> tuple[int | None, int | str | None] | None:
    """(daily, in flight) from `20`, `20 2`, `off` (0: no limit) or `default` (None); None when unreadable."""
    parsed: list[int | None] = []
    for word in (w.lower() for w in words):
        if word == "off":
            parsed.append(0)
        elif word == "default":
            parsed.append(None)
        elif word.isdigit():
            parsed.append(int(word))
        else:
            return None
    if not 1 <= len(parsed) <= 2:
        return None
    return parsed[0], parsed[1] if len(parsed) == 2 else _KEEP


async def _target(community: Community, message: Message, args: list[str]) -> tuple[Target | None, list[str]]:
    """Whom the command names, and the words after that."""
    replied = replied_person(message)
    if replied is not None:
        await community.seen(replied.id, replied.username or "", replied.full_name)
        return Target("user", str(replied.id)), args
    if not args:
        return None, []
    if args[0].lower() == "here" and message.chat.id < 0:
        return Target("chat", str(message.chat.id)), args[1:]
    return await community.target(args[0]), args[1:]


async def _who(community: Community, message: Message, target: Target, lang: str) -> str:
    if target.kind == "chat":
        chat_id = int(target.key)
        return text(lang, "who_this_group") if chat_id == message.chat.id else text(lang, "who_chat", chat_id=chat_id)
    if target.kind == "name":
        return f"@{target.key}"
    name = await community.name_of(int(target.key))
    return f"{name} ({target.key})" if name != target.key else target.key


def _stats_text(lang: str, stats: Stats) -> str:
    if not stats.days:
        return text(lang, "stats_none", days=STATS_DAYS)
    lines = [text(lang, "stats_title", days=STATS_DAYS)]
    lines += [text(lang, "stats_day", date=date, **_tally(tally)) for date, tally in stats.days]
    lines += ["", text(lang, "stats_people")]
    lines += [text(lang, "stats_person", name=name, **_tally(tally)) for name, tally in stats.people[:STATS_PEOPLE]]
    return "\n".join(lines)


def _tally(tally: Tally) -> dict[str, object]:
    average = tally.average
    return {
        "jobs": tally.jobs,
        "succeeded": tally.succeeded,
        "failed": tally.failed,
        "seconds": f"{average:.0f}" if average is not None else "–",
    }


def replied_person(message: Message) -> User | None:
    """Who wrote the message this one replies to (not a topic's opening, which every topic message replies to)."""
    reply = message.reply_to_message
    if reply is None or reply.forum_topic_created is not None or reply.from_user is None or reply.from_user.is_bot:
        return None
    return reply.from_user
