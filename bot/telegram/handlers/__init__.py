"""Update handlers, one module per feature, each registering itself."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.jobs import JobService
from bot.telegram.handlers import chats, errors, gate, imagine, presses, questions, start, unknown
from bot.telegram.handlers.flood import FloodGuard
from bot.telegram.handlers.photos import Photos


def register(
    app: Application[Any, Any, Any, Any, Any, Any],
    service: JobService,
    *,
    rate_limit: int = 0,
    admins: frozenset[int] = frozenset(),
) -> Photos:
    """Register every feature's handlers; returns what holds state to close at stop (albums arriving)."""
    FloodGuard(rate_limit, exempt=admins).register(app)  # before the gate: a flood costs nothing
    gate.register(app)  # first: decides which updates the others see
    start.register(app)
    imagine.register(app, service)
    presses.register(app, service)
    questions.register(app, service)
    photos = Photos(service)
    photos.register(app)
    chats.register(app, service)
    unknown.register(app)  # last of group 0: only what no feature above took
    errors.register(app)
    return photos
