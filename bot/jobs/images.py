"""Downloading results, previews and clips from the provider's CDN (its links expire, §10.3)."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable

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

from bot.jobs.videos import is_mp4

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 50_000_000  # nothing larger could be passed on to a chat anyway
MAX_CLIP_BYTES = 50_000_000  # the same for clips: a larger one is passed on as its link, never downloaded
# Downloads in flight at once; the rest wait here, not in httpcore's pool, which looks at every waiting
# request for every connection it frees (a thousand results at once cost seconds of CPU there).
_IN_FLIGHT = 32


class ImageDownloadError(Exception):
    pass


class TooLarge(ImageDownloadError):
    """The file is larger than any chat would take (`size` in bytes, when the provider said)."""

    def __init__(self, size: int | None) -> None:
        super().__init__(f"larger than {MAX_CLIP_BYTES // 1_000_000} MB")
        self.size = size


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
        proxy: str | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(timeout=timeout, follow_redirects=True, transport=transport, proxy=proxy)
        self._in_flight = asyncio.Semaphore(_IN_FLIGHT)
        # Previews and stills only adorn a job: they have their own slots, so results never wait behind them.
        self._adornments = asyncio.Semaphore(_IN_FLIGHT // 2)
        self.attempts = attempts
        self._backoff_wait = wait_exponential_jitter(multiplier=backoff, max=MAX_RETRY_AFTER, jitter=backoff)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def fetch(self, url: str, *, attempts: int | None = None) -> bytes:
        """Fetch an image, retrying transient failures; raise ImageDownloadError when it cannot be had."""
        return await self._fetch(url, MAX_IMAGE_BYTES, _image_check, attempts, self._in_flight)

    async def fetch_adornment(self, url: str) -> bytes:
        """A preview or a still: one try, in slots of its own (raises ImageDownloadError)."""
        return await self._fetch(url, MAX_IMAGE_BYTES, _image_check, 1, self._adornments)

    async def fetch_clip(self, url: str, *, limit: int = MAX_CLIP_BYTES) -> bytes:
        """Fetch an MP4 clip; raise TooLarge past `limit` (without reading it all), ImageDownloadError otherwise."""
        return await self._fetch(url, limit, _clip_check, None, self._in_flight)

    async def _fetch(
        self,
        url: str,
        limit: int,
        check: Callable[[bytes], str | None],
        attempts: int | None,
        gate: asyncio.Semaphore,
    ) -> bytes:
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
                    return await self._fetch_once(url, limit, check, gate)
        except (httpx.HTTPError, _Transient) as exc:
            raise ImageDownloadError(f"{type(exc).__name__}: {exc}") from None
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, _Transient) and error.retry_after is not None:
            return error.retry_after
        return float(self._backoff_wait(state))

    async def _fetch_once(
        self, url: str, limit: int, check: Callable[[bytes], str | None], gate: asyncio.Semaphore
    ) -> bytes:
        async with gate, self._http.stream("GET", url) as response:
            if response.status_code >= 500 or response.status_code == 429:
                raise _Transient(f"HTTP {response.status_code}", _retry_after(response.headers.get("retry-after")))
            if response.status_code != 200:
                raise ImageDownloadError(f"HTTP {response.status_code}")
            announced = _content_length(response.headers.get("content-length"))
            if announced is not None and announced > limit:
                raise TooLarge(announced)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise TooLarge(announced)
                chunks.append(chunk)
        data = b"".join(chunks)
        wrong = await asyncio.to_thread(check, data)
        if wrong is not None:
            # A CDN's login or challenge page answers 200 too; it is not the result.
            raise ImageDownloadError(f"not {wrong} ({response.headers.get('content-type', 'no content type')})")
        return data


def _image_check(data: bytes) -> str | None:
    return None if is_image(data) else "an image"


def _clip_check(data: bytes) -> str | None:
    return None if is_mp4(data) else "an MP4 video"


def _content_length(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None


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
