"""`mjbot doctor`: check the settings, Telegram and the provider, and say what is wrong and how to fix it.

The bot runs the same checks when it starts and logs them as a one-screen summary. Nothing here submits a
job or costs money: the provider is asked only read-only questions (docs/provider-api.md §5.11), and the key
is tried in the other auth styles only after the configured one was refused.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from bot.config import Settings
from bot.mj import (
    AuthenticationFailed,
    AuthStyle,
    EndpointNotFound,
    MJClient,
    MJError,
    ProviderMisconfigured,
    ProviderUnavailable,
    RouteAnswer,
)
from bot.server import webhook_url

_T = TypeVar("_T")
PROBE_TIMEOUT = 10.0
PROBE_TASK = "mjbot-doctor"  # an id no provider knows: looking it up costs nothing and changes nothing
RECENT_WEBHOOK_ERROR = 3600.0  # Telegram's last delivery error matters if it is this fresh
_MJ_TAIL = re.compile(r"/mj(?:-fast|-relax|-turbo)?(?:/mj)?$", re.IGNORECASE)
_TELEGRAM_PORTS = {443, 80, 88, 8443}


@dataclass(frozen=True)
class Finding:
    """One thing checked: `ok` True (fine), False (a problem), None (worth knowing)."""

    area: str
    ok: bool | None
    text: str
    fix: str = ""

    @property
    def is_problem(self) -> bool:
        return self.ok is False

    def line(self) -> str:
        return f"{self.area}: {self.text}" + (f" Fix: {self.fix}" if self.fix else "")


async def diagnose(settings: Settings) -> list[Finding]:
    """Every check, in the order an operator would fix things."""
    findings = check_settings(settings)
    telegram = await check_telegram(settings)
    findings.append(telegram)
    if not telegram.is_problem:
        findings += await check_webhook(settings)
    findings += await check_provider(settings)
    return findings


def report(findings: Sequence[Finding]) -> str:
    """What `mjbot doctor` prints."""
    marks = {True: "✓", False: "✗", None: "•"}
    lines = []
    for finding in findings:
        lines.append(f"{marks[finding.ok]} {finding.area}: {finding.text}")
        if finding.fix:
            lines.append(f"    → {finding.fix}")
    problems = sum(f.is_problem for f in findings)
    lines.append(f"\n{problems} problem{'s' * (problems != 1)} found." if problems else "\nEverything looks right.")
    return "\n".join(lines)


def summary(findings: Sequence[Finding]) -> list[tuple[int, str]]:
    """The start-up log's version: one line per finding, problems as warnings."""
    problems = sum(f.is_problem for f in findings)
    head = f"start-up checks: {problems} problem(s); run `mjbot doctor` for details" if problems else "start-up checks"
    lines = [(logging.WARNING if problems else logging.INFO, head)]
    lines += [(logging.WARNING if f.is_problem else logging.INFO, f"  {f.line()}") for f in findings]
    return lines


# -- settings --------------------------------------------------------------------------------------


def check_settings(settings: Settings) -> list[Finding]:
    findings = [Finding("Settings", True, "read and valid")]
    folder = settings.database_path.parent
    existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("."))
    if not os.access(existing, os.W_OK):
        findings.append(
            Finding(
                "Settings",
                False,
                f"DATABASE_PATH's folder {folder} is not writable",
                "Give the bot's user write access.",
            )
        )
    if settings.public_url and settings.telegram_api_base_url.startswith("https://api.telegram.org/"):
        port = urlsplit(settings.public_url).port or 443
        if port not in _TELEGRAM_PORTS:
            findings.append(
                Finding(
                    "Settings",
                    False,
                    f"PUBLIC_URL uses port {port}; Telegram delivers webhooks only to ports 443, 80, 88 and 8443",
                    "Serve PUBLIC_URL on one of those ports (the TLS proxy can forward it to PORT).",
                )
            )
    return findings


# -- Telegram --------------------------------------------------------------------------------------


async def check_telegram(settings: Settings) -> Finding:
    """getMe, asked directly, so a wrong URL is told apart from a wrong token."""
    base = settings.telegram_api_base_url
    try:
        status, data = await _bot_api(settings, "getMe")
    except (httpx.HTTPError, httpx.InvalidURL) as exc:  # its text quotes the URL, so the token: name the kind
        return Finding(
            "Telegram",
            False,
            f"cannot reach the Bot API at {base} ({_network_problem(exc)})",
            "Check the network, TELEGRAM_API_BASE_URL and TELEGRAM_PROXY (or HTTPS_PROXY).",
        )
    if data is None:
        return Finding(
            "Telegram",
            False,
            f"{base} answered HTTP {status}, but not like a Telegram Bot API server",
            "TELEGRAM_API_BASE_URL must be https://api.telegram.org/bot or a telegram-bot-api server's /bot root.",
        )
    if data.get("ok") is True and isinstance(data.get("result"), dict):
        me = data["result"]
        return Finding("Telegram", True, f"the token works: @{me.get('username')} (id {me.get('id')})")
    if data.get("error_code") in (401, 404):
        return Finding(
            "Telegram",
            False,
            f"Telegram rejected TELEGRAM_BOT_TOKEN ({data.get('description', 'Unauthorized')})",
            "Copy the token from @BotFather again (/mybots → API Token).",
        )
    return Finding("Telegram", False, f"getMe failed: {data.get('description', f'HTTP {status}')}")


async def check_webhook(settings: Settings) -> list[Finding]:
    try:
        _, data = await _bot_api(settings, "getWebhookInfo")
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return [Finding("Webhook", None, f"getWebhookInfo failed ({_network_problem(exc)})")]
    info: dict[str, Any] = data.get("result", {}) if data and isinstance(data.get("result"), dict) else {}
    findings = []
    current, wanted = str(info.get("url") or ""), webhook_url(settings)
    if wanted is None:
        if current:
            findings.append(Finding("Webhook", None, f"Telegram has a webhook ({current}); long polling removes it"))
        else:
            findings.append(Finding("Webhook", True, "none set: the bot long-polls Telegram (no PUBLIC_URL)"))
        return findings
    if current == wanted:
        findings.append(Finding("Webhook", True, f"Telegram delivers updates to {wanted}"))
    else:
        findings.append(
            Finding("Webhook", None, f"Telegram's webhook is {current or 'not set'}; the bot sets {wanted}")
        )
    error, when = info.get("last_error_message"), info.get("last_error_date")
    if error and isinstance(when, int) and time.time() - when < RECENT_WEBHOOK_ERROR:
        findings.append(
            Finding(
                "Webhook",
                False,
                f"Telegram could not deliver an update {int((time.time() - when) // 60)} min ago: {error}",
                "Check that PUBLIC_URL reaches PORT through the TLS proxy.",
            )
        )
    findings.append(await check_public_url(settings))
    return findings


async def check_public_url(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> Finding:
    """PUBLIC_URL/healthz from outside, as Telegram and the Mini App's users reach it."""
    url = f"{settings.public_url}/healthz"
    try:
        async with httpx.AsyncClient(timeout=PROBE_TIMEOUT, transport=transport) as http:
            resp = await http.get(url)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        problem = _network_problem(exc)
    else:
        if resp.status_code == 200 and resp.text.strip() == "ok":
            return Finding("Webhook", True, f"{url} answers")
        problem = f"HTTP {resp.status_code}"
    return Finding(
        "Webhook",
        False,
        f"{url} does not answer ({problem})",
        f"Is the bot running, and does the TLS proxy forward PUBLIC_URL to port {settings.port} here?",
    )


async def _bot_api(settings: Settings, method: str) -> tuple[int, dict[str, Any] | None]:
    """One Bot API call; the JSON answer, or None when the answer is not the Bot API's."""
    url = f"{settings.telegram_api_base_url}{settings.telegram_bot_token.get_secret_value()}/{method}"
    async with httpx.AsyncClient(timeout=PROBE_TIMEOUT, proxy=settings.telegram_proxy) as http:
        resp = await http.get(url)
    try:
        data = resp.json()
    except ValueError:
        return resp.status_code, None
    return resp.status_code, data if isinstance(data, dict) and "ok" in data else None


# -- the provider ----------------------------------------------------------------------------------


async def check_provider(settings: Settings) -> list[Finding]:
    base = settings.mj_base_url
    answer = await _provider_answer(settings, base, settings.mj_auth_style)
    stripped = _MJ_TAIL.sub("", base)
    if (
        answer.not_found
        and stripped != base
        and not (await _provider_answer(settings, stripped, settings.mj_auth_style)).not_found
    ):
        tail = base[len(stripped) :]
        return [
            Finding(
                "Provider",
                False,
                f"MJ_BASE_URL ends in {tail}, so requests go to …{tail}/mj/…",
                f"Set MJ_BASE_URL={stripped} (the bot adds /mj, and the speed prefix, itself).",
            )
        ]
    if answer.auth_refused:
        return [await _auth_finding(settings)]
    if answer.problem is not None:
        return [answer.problem]
    findings = [Finding("Provider", True, f"{base} answers and accepts the key ({settings.mj_auth_style.value})")]
    if answer.lists:
        findings.append(Finding("Provider", True, "list-by-condition answers: every running job in one look-up"))
    else:
        findings.append(Finding("Provider", None, "no list-by-condition: each running task is fetched on its own"))
    findings.append(Finding("Provider", None, f"it looks like {await _dialect(settings)}"))
    return findings


@dataclass(frozen=True)
class _Answer:
    lists: bool = False  # list-by-condition answered
    not_found: bool = False  # neither list-by-condition nor fetch is there: a wrong base path
    auth_refused: bool = False
    problem: Finding | None = None


async def _provider_answer(settings: Settings, base: str, style: AuthStyle) -> _Answer:
    async def ask(client: MJClient) -> _Answer:
        try:
            await client.list_by_condition([PROBE_TASK])
            return _Answer(lists=True)
        except AuthenticationFailed:
            raise
        except (EndpointNotFound, ProviderMisconfigured):
            pass  # a provider without list-by-condition, or a wrong base path: fetch tells which
        try:
            await client.fetch(PROBE_TASK)
        except AuthenticationFailed:
            raise
        except (EndpointNotFound, ProviderMisconfigured) as exc:
            return _Answer(not_found=True, problem=_no_api(base, exc))
        return _Answer()

    try:
        return await _with_client(settings, base, style, ask)
    except AuthenticationFailed:
        return _Answer(auth_refused=True)
    except ProviderUnavailable as exc:
        fix = "Check MJ_BASE_URL and MJ_PROXY (or HTTPS_PROXY), or try again later."
        return _Answer(problem=Finding("Provider", False, f"not reachable: {exc.message}", fix))
    except MJError as exc:
        return _Answer(problem=Finding("Provider", False, f"answered unexpectedly: {exc.message}"))


async def _auth_finding(settings: Settings) -> Finding:
    """The key was refused: in another auth style, or at all?"""
    if settings.mj_api_key is None:
        return Finding("Provider", False, "the provider asks for a key", "Set MJ_API_KEY.")
    for style in AuthStyle:
        if style is settings.mj_auth_style:
            continue
        answer = await _provider_answer(settings, settings.mj_base_url, style)
        if not answer.auth_refused and answer.problem is None:
            return Finding(
                "Provider",
                False,
                f"the key is refused as MJ_AUTH_STYLE={settings.mj_auth_style.value} but accepted as {style.value}",
                f"Set MJ_AUTH_STYLE={style.value}.",
            )
    return Finding(
        "Provider",
        False,
        "the provider refuses MJ_API_KEY in every auth style (HTTP 401/403)",
        "Check MJ_API_KEY with the provider: copied whole, not expired, with quota left.",
    )


async def _dialect(settings: Settings) -> str:
    """A guess from read-only routes only (docs/provider-api.md §5.11, §13)."""

    async def guess(client: MJClient) -> str:
        listing = await client.probe("GET", "/mj/task/list")
        if (await client.probe("POST", "/mj/task/list-by-ids", {"ids": []})) is RouteAnswer.ROUTED:
            return "trueai-org's midjourney-proxy (TA)"
        if listing is RouteAnswer.HTML:
            return "a new-api relay (NA): callbacks are usually off there, so the bot polls"
        if listing is RouteAnswer.MISSING:
            return "a relay that lists no tasks: a cut-off submit cannot be looked up there"
        seed = await client.probe("GET", f"/mj/task/{PROBE_TASK}/image-seed")
        if seed is RouteAnswer.MISSING:
            return "novicezk's open-source midjourney-proxy (NZ): grids get U/V/🔄 through /submit/change"
        return "midjourney-proxy-plus (PLUS) or a proxy like it"

    try:
        return await _with_client(settings, settings.mj_base_url, settings.mj_auth_style, guess)
    except MJError:
        return "no implementation this bot knows"


async def _with_client(settings: Settings, base: str, style: AuthStyle, use: Callable[[MJClient], Awaitable[_T]]) -> _T:
    client = MJClient(
        base,
        settings.mj_api_key.get_secret_value() if settings.mj_api_key else None,
        auth_style=style,
        speed=settings.mj_speed,
        timeout=min(settings.mj_timeout, PROBE_TIMEOUT),
        read_retries=1,
        proxy=settings.mj_proxy,
    )
    try:
        async with asyncio.timeout(PROBE_TIMEOUT * 2):
            return await use(client)
    finally:
        await client.aclose()


def _no_api(base: str, exc: MJError) -> Finding:
    return Finding(
        "Provider",
        False,
        f"no midjourney-proxy API under MJ_BASE_URL ({exc.message})",
        f"MJ_BASE_URL is the root in front of /mj, like https://api.example.com (now {base}).",
    )


def _network_problem(exc: httpx.HTTPError | httpx.InvalidURL) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    if isinstance(exc, httpx.ProxyError):
        return "the proxy refused"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "not a usable URL"
    return type(exc).__name__
