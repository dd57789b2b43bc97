"""Vary (Region) as a Telegram Mini App: the person paints the area on the picture, with a brush and an eraser.

Served by the bot's HTTP server under PUBLIC_URL. Every request carries the Mini App's `initData`, which
Telegram signs with a key derived from the bot token; nothing is shown or accepted without a valid
signature from the person who pressed the button.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from telegram import Bot
from telegram.error import TelegramError

from bot.jobs import BadAnswer, Busy, JobService, NoQuestion, NotYours
from bot.telegram.texts import language_of, plain_text

log = logging.getLogger(__name__)

INIT_DATA_MAX_AGE = 24 * 3600  # Telegram keeps a Mini App's initData for a day
PAGE_PATH = "/app/region"


class InvalidInitData(Exception):
    """The Mini App's initData is missing, forged, stale or not for a user."""


@dataclass(frozen=True)
class WebAppUser:
    id: int
    language: str


def verify_init_data(init_data: str, bot_token: str, *, now: float | None = None) -> WebAppUser:
    """Check Telegram's signature over initData (core.telegram.org/bots/webapps, "Validating data")."""
    fields = dict(parse_qsl(init_data, keep_blank_values=True))
    received = fields.pop("hash", "")
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    if not received or not hmac.compare_digest(expected, received):
        raise InvalidInitData("bad signature")
    try:
        age = (now or time.time()) - int(fields.get("auth_date", "0"))
        user = json.loads(fields.get("user", "{}"))
        user_id = int(user["id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInitData(f"malformed: {exc}") from None
    if age > INIT_DATA_MAX_AGE:
        raise InvalidInitData("stale")
    return WebAppUser(user_id, language_of(user.get("language_code")))


def page_url(public_url: str, job_id: int) -> str:
    return f"{public_url.rstrip('/')}{PAGE_PATH}/{job_id}"


class RegionApp:
    """The Mini App's routes: the page, the question it answers, the picture, and the answer."""

    def __init__(self, bot: Bot, service: JobService, bot_token: str) -> None:
        self._bot, self._service, self._token = bot, service, bot_token

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get(f"{PAGE_PATH}/{{job}}", self.page),
            web.get(f"{PAGE_PATH}/{{job}}/question", self.question),
            web.get(f"{PAGE_PATH}/{{job}}/picture", self.picture),
            web.post(f"{PAGE_PATH}/{{job}}/answer", self.answer),
        ]

    async def page(self, request: web.Request) -> web.Response:
        html = resources.files("bot.telegram").joinpath("region.html").read_text(encoding="utf-8")
        return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})

    async def question(self, request: web.Request) -> web.Response:
        user, job_id = self._who(request), _job_id(request)
        try:
            question = await self._service.open_question(user.id, job_id)
        except (NoQuestion, NotYours):
            raise web.HTTPGone(text=plain_text(user.language, "answer_closed")) from None
        words = {key: plain_text(user.language, f"paint_{key}") for key in _WORDS}
        return web.json_response({"prefill": question.prefill, "words": words})

    async def picture(self, request: web.Request) -> web.Response:
        user, job_id = self._who(request), _job_id(request)
        try:
            file_id = await self._service.region_picture(user.id, job_id)
        except (NoQuestion, NotYours):
            raise web.HTTPGone() from None
        if file_id is None:
            raise web.HTTPNotFound()
        try:
            data = bytes(await (await self._bot.get_file(file_id)).download_as_bytearray())
        except TelegramError as exc:
            log.warning("job %d: the picture for the Mini App is not available: %s", job_id, exc)
            raise web.HTTPBadGateway() from None
        return web.Response(body=data, content_type="image/jpeg", headers={"Cache-Control": "no-store"})

    async def answer(self, request: web.Request) -> web.Response:
        user, job_id = self._who(request), _job_id(request)
        try:
            body = await request.json()
            mask = _png(body.get("mask"))
            prompt = str(body.get("prompt", ""))
        except (ValueError, TypeError, AttributeError):
            raise web.HTTPBadRequest(text="expected {mask, prompt}") from None
        try:
            await self._service.region_painted(user.id, job_id, mask, prompt)
        except BadAnswer as exc:
            message = plain_text(user.language, f"answer_{exc.reason}", value=exc.detail)
            return web.json_response({"ok": False, "message": message}, status=422)
        except (NoQuestion, NotYours):
            raise web.HTTPGone(text=plain_text(user.language, "answer_closed")) from None
        except Busy:
            raise web.HTTPServiceUnavailable() from None
        return web.json_response({"ok": True, "message": plain_text(user.language, "paint_sent")})

    def _who(self, request: web.Request) -> WebAppUser:
        try:
            return verify_init_data(request.headers.get("X-Telegram-Init-Data", ""), self._token)
        except InvalidInitData as exc:
            log.warning("Mini App request refused: %s", exc)
            raise web.HTTPForbidden() from None


_WORDS = ("title", "brush", "eraser", "clear", "prompt", "send", "sending", "sent")


def _job_id(request: web.Request) -> int:
    try:
        return int(request.match_info["job"])
    except ValueError:
        raise web.HTTPNotFound() from None


def _png(data_url: Any) -> bytes:
    if not isinstance(data_url, str) or not data_url.startswith("data:image/png;base64,"):
        raise ValueError("not a PNG data URL")
    try:
        return base64.b64decode(data_url.split(",", 1)[1], validate=True)
    except binascii.Error as exc:
        raise ValueError(str(exc)) from None
