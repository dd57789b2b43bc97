"""The layer every update passes first: what the bot does not serve stops here (access rules go here too)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

log = logging.getLogger(__name__)

GATE_GROUP = -1  # handler groups run in ascending order


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(TypeHandler(Update, check), group=GATE_GROUP)


async def check(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Let through what a person sent or pressed; drop channel posts and anything without a sender."""
    if update.channel_post or update.edited_channel_post or update.effective_user is None:
        log.debug("update %d ignored: not from a person", update.update_id)
        raise ApplicationHandlerStop
