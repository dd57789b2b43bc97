"""Downloading result and preview images from the provider's CDN."""

from __future__ import annotations

import asyncio
import io
import logging

import httpx
from PIL import Image

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 50_000_000  # nothing larger could be passed on to a chat anyway


class ImageDownloadError(Exception):
    pass


class ImageFetcher:
    def __init__(
        self,
        *,
        timeout: float = 30.0,
        attempts: int = 3,
        backoff: float = 1.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(timeout=timeout, follow_redirects=True, transport=transport)
        self._attempts = attempts
        self._backoff = backoff

    async def aclose(self) -> None:
        await self._http.aclose()

    async def fetch(self, url: str, *, attempts: int | None = None) -> bytes:
        """Fetch an image, retrying transient failures; raise ImageDownloadError when it cannot be had."""
        tries = attempts or self._attempts
        last = ""
        for attempt in range(tries):
            if attempt:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                return await self._fetch_once(url)
            except _Permanent as exc:
                raise ImageDownloadError(str(exc)) from None
            except (httpx.HTTPError, _Transient) as exc:
                last = f"{type(exc).__name__}: {exc}"
                log.warning("image download attempt %d/%d failed: %s", attempt + 1, tries, last)
        raise ImageDownloadError(last)

    async def _fetch_once(self, url: str) -> bytes:
        async with self._http.stream("GET", url) as response:
            if response.status_code >= 500 or response.status_code == 429:
                raise _Transient(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise _Permanent(f"HTTP {response.status_code}")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_IMAGE_BYTES:
                    raise _Permanent("image larger than 50 MB")
                chunks.append(chunk)
        data = b"".join(chunks)
        if not await asyncio.to_thread(is_image, data):
            # A CDN's login or challenge page answers 200 too; it is not the result.
            raise _Permanent(f"not an image ({response.headers.get('content-type', 'no content type')})")
        return data


def is_image(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except Exception:  # Pillow raises many kinds for garbage
        return False
    return True


class _Transient(Exception):
    pass


class _Permanent(Exception):
    pass
