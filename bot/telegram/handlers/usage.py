"""/usage: what a person (and their group) used today against their limits."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.jobs.community import Community, UsageReport
from bot.telegram.handlers.common import amount, language
from bot.telegram.texts import text


def register(app: Application[Any, Any, Any, Any, Any, Any], community: Community) -> None:
    async def usage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        report = await community.usage(user.id, message.chat.id)
        await message.reply_html(usage_text(language(user), report, str(community.rules.zone)), do_quote=True)

    app.add_handler(CommandHandler("usage", usage, filters=filters.UpdateType.MESSAGE))


def usage_text(lang: str, report: UsageReport, zone: str) -> str:
    usage, allowance = report.usage, report.allowance
    lines = [
        text(lang, "usage_title"),
        text(lang, "usage_person", done=usage.person_done, running=usage.person_unfinished),
    ]
    if allowance.exempt:
        lines.append(text(lang, "usage_exempt"))
    else:
        lines.append(
            text(
                lang,
                "usage_limits",
                daily=amount(lang, allowance.person.daily),
                in_flight=amount(lang, allowance.person.in_flight),
            )
        )
        if allowance.group_daily:
            used = usage.group_done + usage.group_unfinished
            lines.append(text(lang, "usage_group", used=used, daily=allowance.group_daily))
    lines.append(text(lang, "usage_reset", zone=zone))
    return "\n".join(lines)
