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
from telegram import Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

from bot.config import Settings
from bot.jobs import ImageFetcher, JobRunner, JobService, Scheduler
from bot.jobs.community import Community, Rules
from bot.jobs.policy import Access, Quota
from bot.mj import MJClient
from bot.server import WebServer
from bot.store import Database
from bot.telegram import handlers
from bot.telegram.commands import CommandMenus
from bot.telegram.display import TelegramDisplay
from bot.telegram.handlers.photos import Photos
from bot.telegram.miniapp import RegionApp
from bot.telegram.texts import LANGUAGES
from bot.translate import Translator

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = 30.0


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
    community: Community
    photos: Photos
    server: WebServer | None
    translator: Translator | None
    menus: CommandMenus


class StartupError(Exception):
    """The bot cannot start; the message says why in words an operator can act on."""


def heartbeat_path(settings: Settings) -> Path:
    return settings.database_path.parent / "heartbeat"


def build(
    settings: Settings,
    *,
    mj_transport: httpx.AsyncBaseTransport | None = None,
    image_transport: httpx.AsyncBaseTransport | None = None,
    translate_transport: httpx.AsyncBaseTransport | None = None,
) -> BotRuntime:
    """Wire the bot without touching the network or the disk."""
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
    app = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .concurrent_updates(64)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .build()
    )
    translator = _translator(settings, translate_transport)
    runner = JobRunner(
        client,
        db,
        images,
        TelegramDisplay(app.bot, public_url=settings.public_url),
        job_timeout=settings.job_timeout_minutes * 60,
        edit_interval=settings.status_edit_interval,
        input_timeout=settings.input_timeout_minutes * 60,
        translator=translator,
    )
    scheduler = Scheduler(runner, poll_interval=settings.poll_interval, capacity=settings.max_in_flight)
    community = Community(db, _rules(settings, client))
    service = JobService(runner, scheduler, community, video_weight=settings.video_weight)
    menus = CommandMenus(app.bot, settings.admin_ids)
    photos = handlers.register(app, service, community, menus)
    server = None
    if settings.public_url:
        server = WebServer(settings.listen_host, settings.port)
        server.add_routes(RegionApp(app.bot, service, settings.telegram_bot_token.get_secret_value()).routes())
    return BotRuntime(
        settings, app, db, client, images, runner, scheduler, service, community, photos, server, translator, menus
    )


def _rules(settings: Settings, client: MJClient) -> Rules:
    return Rules(
        access=settings.access,
        admins=settings.admin_ids,
        quota=Quota(daily=settings.daily_limit, in_flight=settings.in_flight_limit),
        group_daily=settings.group_daily_limit,
        capacity=settings.max_in_flight,
        zone=settings.zone,
        speeds=client.speeds,
        languages=LANGUAGES,
    )


def _translator(settings: Settings, transport: httpx.AsyncBaseTransport | None) -> Translator | None:
    """The chat endpoint prompts are translated through; the provider's own unless set apart."""
    if not settings.translate_prompts:
        return None
    key = settings.translate_api_key or settings.mj_api_key
    return Translator(
        settings.translate_base_url or settings.mj_base_url,
        key.get_secret_value() if key else None,
        settings.translate_model,
        timeout=settings.translate_timeout,
        transport=transport,
    )


async def start(bot: BotRuntime) -> None:
    """Open the database, connect to Telegram, resume unfinished jobs, start polling."""
    try:
        await bot.db.open()
    except (OSError, sqlite3.Error) as exc:
        raise StartupError(f"DATABASE_PATH ({bot.settings.database_path}) cannot be opened: {exc}") from None
    await bot.app.initialize()
    await bot.menus.set_all()
    if bot.settings.access is Access.ALLOWLIST and not bot.settings.admin_ids:
        log.warning("ACCESS=allowlist and no ADMIN_IDS: nobody may use the bot; set ADMIN_IDS to your user id")
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
    if bot.translator is not None:
        await bot.translator.aclose()
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
