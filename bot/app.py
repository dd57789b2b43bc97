"""The one place where the parts are wired together, started and stopped.

`serve()` is what `mjbot` runs; tests call `build()` / `start()` / `stop()` themselves, so both run
the same code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot.callbacks import callback_routes
from bot.config import Settings
from bot.doctor import check_telegram, diagnose, summary
from bot.jobs import ImageFetcher, JobRunner, JobService, Scheduler
from bot.jobs.community import Community, Rules
from bot.jobs.policy import Access, Quota
from bot.mj import MJClient
from bot.server import WebServer, callback_token, callback_url, webhook_secret, webhook_url
from bot.store import Database
from bot.telegram import handlers
from bot.telegram.commands import CommandMenus
from bot.telegram.display import TelegramDisplay
from bot.telegram.handlers.photos import Photos
from bot.telegram.miniapp import RegionApp
from bot.telegram.sending import Budgets, Sender
from bot.telegram.texts import LANGUAGES
from bot.telegram.webhook import WebhookReceiver
from bot.translate import Translator, translator_for

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = 30.0
# A 409 this soon after we began polling is the previous instance's last getUpdates on its way out.
CONFLICT_GRACE = 10.0


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
    halted: asyncio.Event = field(default_factory=asyncio.Event)  # the bot must stop: `halt_reason` says why
    halt_reason: str = ""
    polling_since: float = 0.0
    checks: asyncio.Task[None] | None = None


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
        proxy=settings.mj_proxy,
        notify_hook=callback_url(settings),
    )
    images = ImageFetcher(transport=image_transport, proxy=settings.mj_proxy)
    db = Database(settings.database_path)
    sender = Sender(budgets)  # Telegram's budgets, per chat and overall, with results before progress
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .concurrent_updates(64)
        .rate_limiter(sender)
    )
    if settings.telegram_proxy:  # else httpx follows HTTPS_PROXY / ALL_PROXY / NO_PROXY
        builder = builder.proxy(settings.telegram_proxy).get_updates_proxy(settings.telegram_proxy)
    app = builder.build()
    translator = translator_for(settings, translate_transport)
    runner = JobRunner(
        client,
        db,
        images,
        TelegramDisplay(app.bot, sender, public_url=settings.public_url),
        job_timeout=settings.job_timeout_minutes * 60,
        edit_interval=settings.status_edit_interval,
        input_timeout=settings.input_timeout_minutes * 60,
        translator=translator,
    )
    scheduler = Scheduler(runner, poll_interval=settings.poll_interval, capacity=settings.max_in_flight)
    community = Community(db, _rules(settings, client))
    service = JobService(runner, scheduler, community, video_weight=settings.video_weight)
    menus = CommandMenus(app.bot, settings.admin_ids)
    photos = handlers.register(
        app, service, community, menus, rate_limit=settings.user_rate_limit, admins=settings.admin_ids
    )
    server = None
    if settings.public_url or settings.mj_callback_base_url:
        server = WebServer(settings.listen_host, settings.port)
        server.add_routes(callback_routes(callback_token(settings), scheduler.heard_of))
    if server is not None and settings.public_url:
        server.add_routes(WebhookReceiver(app, webhook_secret(settings)).routes())
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
        try:
            await bot.server.start()
        except OSError as exc:
            where = f"{bot.settings.listen_host}:{bot.settings.port}"
            raise StartupError(f"cannot listen on {where} (PORT, LISTEN_HOST): {exc.strerror or exc}") from None
    _touch(heartbeat_path(bot.settings))  # Telegram answered getMe just now
    if bot.app.job_queue is not None:
        bot.app.job_queue.run_repeating(_heartbeat, HEARTBEAT_EVERY, data=heartbeat_path(bot.settings))
    hook = webhook_url(bot.settings)
    if hook is not None:
        # Telegram keeps what it could not deliver while we were down and sends it now.
        await bot.app.bot.set_webhook(hook, secret_token=webhook_secret(bot.settings), allowed_updates=Update.ALL_TYPES)
    else:
        assert bot.app.updater is not None
        bot.polling_since = time.monotonic()
        await bot.app.updater.start_polling(
            allowed_updates=Update.ALL_TYPES, timeout=10, error_callback=lambda exc: _polling_failed(bot, exc)
        )
    await bot.app.start()
    log.info("bot @%s is running (%s)", bot.app.bot.username, "webhook" if hook else "long polling")
    bot.checks = asyncio.create_task(_log_checks(bot.settings), name="start-up checks")


async def stop(bot: BotRuntime) -> None:
    if bot.checks is not None:
        bot.checks.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await bot.checks
    # Webhook updates answered 200 while the Application stops would be dropped, and Telegram would not
    # send them again: stop taking them first (callbacks are hints, polling covers them).
    if bot.server is not None:
        await bot.server.stop()
    assert bot.app.updater is not None
    if bot.app.updater.running:
        await bot.app.updater.stop()
    if bot.app.running:
        await bot.app.stop()
    await bot.photos.close()
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
    except (InvalidToken, NetworkError) as exc:
        await stop(bot)
        # PTB says "invalid token" for any 404, and its network errors quote the URL: ask Telegram ourselves.
        finding = await check_telegram(bot.settings)
        raise StartupError(finding.line() if finding.is_problem else f"Telegram failed at start: {exc}") from None
    except TelegramError as exc:
        await stop(bot)
        raise StartupError(f"Telegram refused to start the bot: {exc}") from None
    halted = asyncio.create_task(bot.halted.wait())
    await asyncio.wait({halted, asyncio.create_task(stopping.wait())}, return_when=asyncio.FIRST_COMPLETED)
    log.info("stopping")
    await stop(bot)
    if bot.halted.is_set():
        raise StartupError(bot.halt_reason)


def _polling_failed(bot: BotRuntime, exc: TelegramError) -> None:
    """One line per failed poll (PTB retries on its own); a newer instance on the token stops this one.

    Telegram ends the older of two long polls with 409, so the instance that was running first learns of
    the newer one and stops: a redeploy hands over without both exiting.
    """
    if not isinstance(exc, Conflict):
        log.warning("polling Telegram failed (%s: %s); retrying", type(exc).__name__, exc)
        return
    if time.monotonic() - bot.polling_since < CONFLICT_GRACE:
        log.info("a poll was ended by another getUpdates, most likely the previous instance stopping")
        return
    if not bot.halted.is_set():
        bot.halt_reason = (
            "another instance of this bot is polling Telegram with the same token (409 Conflict); "
            "this one stopped. Run one instance per bot token."
        )
        log.error("%s", bot.halt_reason)
        bot.halted.set()


async def _log_checks(settings: Settings) -> None:
    """The same checks as `mjbot doctor`, as a one-screen summary in the log once the bot runs."""
    try:
        findings = await diagnose(settings, translation=False)
    except Exception:
        log.exception("the start-up checks failed")
        return
    for level, line in summary(findings):
        log.log(level, "%s", line)


async def _heartbeat(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Prove to the container's HEALTHCHECK that Telegram answers and the event loop runs."""
    await context.bot.get_me()
    path = context.job.data if context.job else None
    if isinstance(path, Path):
        _touch(path)


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(time.time()))
