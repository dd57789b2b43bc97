"""The one place where the parts are wired together, started and stopped.

`serve()` is what `mjbot` runs; tests call `build()` / `start()` / `stop()` themselves, so both run
the same code.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot.config import Settings
from bot.jobs import ImageFetcher, JobRunner, JobService, Scheduler
from bot.mj import MJClient
from bot.server import WebServer
from bot.store import Database
from bot.telegram import handlers
from bot.telegram.display import TelegramDisplay
from bot.telegram.handlers.photos import Photos
from bot.telegram.miniapp import RegionApp
from bot.telegram.sending import Budgets, Sender

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = 30.0
COMMANDS = (BotCommand("imagine", "Draw a picture from a prompt"), BotCommand("help", "How to use this bot"))


@dataclass
class BotRuntime:
    """Everything a running bot holds; what tests reach into to look at the database."""

    settings: Settings
    app: Application  # type: ignore[type-arg]
    db: Database
    client: MJClient
    images: ImageFetcher
    runner: JobRunner
    scheduler: Scheduler
    service: JobService
    photos: Photos
    server: WebServer | None


class StartupError(Exception):
    """The bot cannot start; the message says why in words an operator can act on."""


def heartbeat_path(settings: Settings) -> Path:
    return settings.database_path.parent / "heartbeat"


def build(
    settings: Settings,
    *,
    mj_transport: httpx.AsyncBaseTransport | None = None,
    image_transport: httpx.AsyncBaseTransport | None = None,
    budgets: Budgets | None = None,
) -> BotRuntime:
    """Wire the bot without touching the network or the disk (`budgets`: Telegram's, unless a test is in a hurry)."""
    client = MJClient(
        settings.mj_base_url,
        settings.mj_api_key.get_secret_value() if settings.mj_api_key else None,
        auth_style=settings.mj_auth_style,
        speed=settings.mj_speed,
        timeout=settings.mj_timeout,
        transport=mj_transport,
    )
    images = ImageFetcher(transport=image_transport)
    db = Database(settings.database_path)
    sender = Sender(budgets)  # Telegram's budgets, per chat and overall, with results before progress
    app = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .concurrent_updates(64)
        .rate_limiter(sender)
        .build()
    )
    runner = JobRunner(
        client,
        db,
        images,
        TelegramDisplay(app.bot, sender, public_url=settings.public_url),
        job_timeout=settings.job_timeout_minutes * 60,
        edit_interval=settings.status_edit_interval,
        input_timeout=settings.input_timeout_minutes * 60,
    )
    scheduler = Scheduler(runner, poll_interval=settings.poll_interval)
    service = JobService(runner, scheduler, db)
    photos = handlers.register(app, service)
    server = None
    if settings.public_url:
        server = WebServer(settings.listen_host, settings.port)
        server.add_routes(RegionApp(app.bot, service, settings.telegram_bot_token.get_secret_value()).routes())
    return BotRuntime(settings, app, db, client, images, runner, scheduler, service, photos, server)


async def start(bot: BotRuntime) -> None:
    """Open the database, connect to Telegram, resume unfinished jobs, start polling."""
    try:
        await bot.db.open()
    except (OSError, sqlite3.Error) as exc:
        raise StartupError(f"DATABASE_PATH ({bot.settings.database_path}) cannot be opened: {exc}") from None
    await bot.app.initialize()
    try:
        await bot.app.bot.set_my_commands(COMMANDS)
    except TelegramError as exc:
        log.warning("could not set the command menu: %s", exc)
    await bot.scheduler.start()
    if bot.server is not None:
        await bot.server.start()
    _touch(heartbeat_path(bot.settings))  # Telegram answered getMe just now
    if bot.app.job_queue is not None:
        bot.app.job_queue.run_repeating(_heartbeat, HEARTBEAT_EVERY, data=heartbeat_path(bot.settings))
    assert bot.app.updater is not None
    await bot.app.updater.start_polling(allowed_updates=Update.ALL_TYPES, timeout=10)
    await bot.app.start()
    log.info("bot @%s is running", bot.app.bot.username)


async def stop(bot: BotRuntime) -> None:
    assert bot.app.updater is not None
    if bot.app.updater.running:
        await bot.app.updater.stop()
    if bot.app.running:
        await bot.app.stop()
    await bot.photos.close()
    if bot.server is not None:
        await bot.server.stop()
    await bot.scheduler.stop()
    await bot.app.shutdown()
    await bot.client.aclose()
    await bot.images.aclose()
    await bot.db.close()


async def serve(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM."""
    bot = build(settings)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await start(bot)
    except StartupError:
        await stop(bot)
        raise
    except InvalidToken:
        await stop(bot)
        raise StartupError("Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather.") from None
    except TelegramError as exc:
        await stop(bot)
        raise StartupError(f"Could not reach the Telegram Bot API: {exc}") from None
    await stopping.wait()
    log.info("stopping")
    await stop(bot)


async def _heartbeat(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Prove to the container's HEALTHCHECK that Telegram answers and the event loop runs."""
    await context.bot.get_me()
    path = context.job.data if context.job else None
    if isinstance(path, Path):
        _touch(path)


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(time.time()))
