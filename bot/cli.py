"""`mjbot` (run the bot), `mjbot doctor`, `mjbot simulator` (a local Midjourney stand-in), `mjbot healthcheck`."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import TYPE_CHECKING

from bot import __version__

if TYPE_CHECKING:
    from bot.config import Settings


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "simulator":
        _run_simulator(args)
    elif args.command == "healthcheck":
        sys.exit(_healthcheck(args.max_age))
    elif args.command == "doctor":
        sys.exit(_run_doctor())
    else:
        _run_bot()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mjbot", description="Midjourney in Telegram.")
    parser.add_argument("--version", action="version", version=f"mjbot {__version__}")
    sub = parser.add_subparsers(dest="command")
    sim = sub.add_parser("simulator", help="run a local midjourney-proxy simulator (no provider account needed)")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8090)
    sim.add_argument("--api-key", default=None, help="require this key (default: accept anything)")
    sim.add_argument("--auth-style", default="bearer", choices=["bearer", "raw", "mj-api-secret"])
    sim.add_argument("--dialect", default="plus", choices=["plus", "nz", "ta", "na", "uniapi"])
    sim.add_argument("--render-seconds", type=float, default=8.0, help="how long a job draws")
    sim.add_argument("--public-url", default=None, help="the root the bot reaches it at, for image links")
    sub.add_parser("doctor", help="check the settings, Telegram and the provider, and say how to fix what is wrong")
    health = sub.add_parser("healthcheck", help="exit 0 when the running bot's heartbeat is fresh")
    health.add_argument("--max-age", type=float, default=120.0)
    return parser


def _run_bot() -> None:
    from bot.app import StartupError, serve
    from bot.config import ConfigError, load_settings
    from bot.logs import redact, setup_logging

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)
    setup_logging(settings.log_level, secrets_of(settings), form=settings.log_format)
    try:
        asyncio.run(serve(settings))
    except StartupError as exc:
        print(f"mjbot: {redact(str(exc))}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        pass


def secrets_of(settings: Settings) -> list[str]:
    """What must never be printed: the bot token, the provider key, and the passwords in proxy URLs."""
    from urllib.parse import urlsplit

    secrets = [settings.telegram_bot_token.get_secret_value()]
    if settings.mj_api_key:
        secrets.append(settings.mj_api_key.get_secret_value())
    for proxy in (settings.telegram_proxy, settings.mj_proxy):
        password = urlsplit(proxy).password if proxy else None
        if password:
            secrets.append(password)
    return secrets


def _run_doctor() -> int:
    from bot.config import ConfigError, load_settings
    from bot.doctor import diagnose, report
    from bot.logs import redact, setup_logging

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"✗ {exc}\nFix the settings in .env or the environment, then run mjbot doctor again.")
        return 2
    setup_logging("WARNING", secrets_of(settings))
    findings = asyncio.run(diagnose(settings))
    print(redact(report(findings)))
    return 1 if any(f.is_problem for f in findings) else 0


def _run_simulator(args: argparse.Namespace) -> None:
    from bot.logs import setup_logging
    from bot.simulator import SimulatorConfig, run_simulator

    setup_logging("INFO", [args.api_key] if args.api_key else [])
    config = SimulatorConfig(
        api_key=args.api_key,
        auth_style=args.auth_style,
        dialect=args.dialect,
        render_seconds=args.render_seconds,
        public_base_url=args.public_url,
    )
    run_simulator(args.host, args.port, config)


def _healthcheck(max_age: float) -> int:
    from pydantic import ValidationError

    from bot.config import StorageSettings

    try:
        path = StorageSettings().database_path.parent / "heartbeat"
    except ValidationError:
        print("unhealthy: DATABASE_PATH is not a path", file=sys.stderr)
        return 1
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        print(f"unhealthy: no heartbeat at {path}", file=sys.stderr)
        return 1
    if age > max_age:
        print(f"unhealthy: last heartbeat {age:.0f}s ago", file=sys.stderr)
        return 1
    return 0
