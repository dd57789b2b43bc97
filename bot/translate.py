"""Prompts into English through an OpenAI-compatible chat endpoint (`POST {base}/v1/chat/completions`).

Midjourney reads English best. Relay providers sell a chat model on the same key as Midjourney, so
the base URL and key default to the provider's. Sent once per prompt, never retried: a failure is
the caller's cue to send the prompt as written.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:  # bot.config reaches this module through bot.jobs
    from bot.config import Settings

log = logging.getLogger(__name__)

INSTRUCTION = (
    "You translate prompts for the Midjourney image generator into English. Answer with the English "
    "prompt only: no quotes, no explanations. Keep names, numbers and any text in quotation marks as they are."
)
_LIMIT = 2000  # characters of an answer worth taking as a prompt


class TranslationFailed(Exception):
    """No usable translation came back; the message says why, for the log."""


class Translator:
    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        model: str,
        *,
        timeout: float = 20.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        root = base_url.strip().rstrip("/")
        self._url = root + ("/chat/completions" if root.endswith("/v1") else "/v1/chat/completions")
        self._key = api_key
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(timeout), transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def translate(self, text: str) -> str:
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [{"role": "system", "content": INSTRUCTION}, {"role": "user", "content": text}],
        }
        try:
            resp = await self._http.post(self._url, json=body)
        except httpx.HTTPError as exc:
            raise TranslationFailed(f"{type(exc).__name__} from the chat endpoint") from None
        if resp.status_code != 200:
            raise TranslationFailed(f"HTTP {resp.status_code}: {self._redact(resp.text[:200])}")
        english = _content(resp)
        if not english or len(english) > _LIMIT:
            raise TranslationFailed("the answer held no usable text")
        return english

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text


def translator_for(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> Translator | None:
    """The chat endpoint prompts are translated through (the provider's own unless set apart); None when off."""
    if not settings.translate_prompts:
        return None
    # The provider's key goes only to the provider's own host: a chat endpoint set apart gets its own key.
    key = settings.translate_api_key or (settings.mj_api_key if settings.translate_base_url is None else None)
    return Translator(
        settings.translate_base_url or settings.mj_base_url,
        key.get_secret_value() if key else None,
        settings.translate_model,
        timeout=settings.translate_timeout,
        transport=transport,
    )


def _content(resp: httpx.Response) -> str:
    try:
        data: Any = resp.json()
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        return ""
    return " ".join(content.split()).strip("\"'“”") if isinstance(content, str) else ""
