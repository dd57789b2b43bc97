"""Downloading result and preview images from the provider's CDN (its links expire, §10.3)."""

from __future__ import annotations

import asyncio
import io
import logging

import httpx
from PIL import Image
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    before_sleep_log,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 50_000_000  # nothing larger could be passed on to a chat anyway
# Downloads in flight at once; the rest wait here, not in httpcore's pool, which looks at every waiting
# request for every connection it frees (a thousand results at once cost seconds of CPU there).
_IN_FLIGHT = 32


class ImageDownloadError(Exception):
    pass


MAX_RETRY_AFTER = 30.0


class _Transient(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


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
        self._in_flight = asyncio.Semaphore(_IN_FLIGHT)
        self.attempts = attempts
        self._backoff_wait = wait_exponential_jitter(multiplier=backoff, max=MAX_RETRY_AFTER, jitter=backoff)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def fetch(self, url: str, *, attempts: int | None = None) -> bytes:
        """Fetch an image, retrying transient failures; raise ImageDownloadError when it cannot be had."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(attempts or self.attempts),
            wait=self._wait,
            retry=retry_if_exception_type((httpx.HTTPError, _Transient)),
            before_sleep=before_sleep_log(log, logging.WARNING),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._fetch_once(url)
        except (httpx.HTTPError, _Transient) as exc:
            raise ImageDownloadError(f"{type(exc).__name__}: {exc}") from None
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, _Transient) and error.retry_after is not None:
            return error.retry_after
        return float(self._backoff_wait(state))

    async def _fetch_once(self, url: str) -> bytes:
        async with self._in_flight, self._http.stream("GET", url) as response:
            if response.status_code >= 500 or response.status_code == 429:
                raise _Transient(f"HTTP {response.status_code}", _retry_after(response.headers.get("retry-after")))
            if response.status_code != 200:
                raise ImageDownloadError(f"HTTP {response.status_code}")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_IMAGE_BYTES:
                    raise ImageDownloadError("image larger than 50 MB")
                chunks.append(chunk)
        data = b"".join(chunks)
        if not await asyncio.to_thread(is_image, data):
            # A CDN's login or challenge page answers 200 too; it is not the result.
            raise ImageDownloadError(f"not an image ({response.headers.get('content-type', 'no content type')})")
        return data


def _retry_after(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: the back-off will do
    return min(max(seconds, 0.0), MAX_RETRY_AFTER) if seconds is not None else None


def picture_size(data: bytes) -> tuple[int | None, int | None]:
    """Width and height from the header alone; (None, None) for what Pillow cannot read."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:  # Pillow raises many kinds for garbage
        return None, None


def is_image(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except Exception:  # Pillow raises many kinds for garbage
        return False
    return True
