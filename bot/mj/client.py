"""Async client for a midjourney-proxy compatible provider (docs/provider-api.md). Knows nothing of Telegram.

Every answer goes through a small number of interpreters so that all submits share one reading of the
SubmitResultVO envelope (§3-§4) and of the HTTP-level quirks of NZ, TA and new-api relays (§3.2, §13).

Submits (and cancel/upload) are sent exactly once: each one may cost money. Read-only queries are
retried on transient failures, in one place (`_read`). The API key never appears in an exception
message or a log line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import TracebackType
from typing import Any, Final, Self
from urllib.parse import quote, urlsplit

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from bot.mj.buttons import meaning
from bot.mj.errors import (
    AuthenticationFailed,
    BannedPrompt,
    EndpointNotFound,
    MJError,
    NotOffered,
    ProviderMisconfigured,
    ProviderUnavailable,
    QueueFull,
    Rejected,
    SubmitRefused,
    UnsupportedButton,
)
from bot.mj.models import BotType, SubmitResult, SubmitStatus, Task, as_id
from bot.mj.reasons import Reason, known_reason

log = logging.getLogger("bot.mj")

# Indirection so tests can observe (and skip) back-off delays.
_sleep = asyncio.sleep


class AuthStyle(StrEnum):
    BEARER = "bearer"  # Authorization: Bearer <key>   (relays, new-api, seeds)
    RAW = "raw"  # Authorization: <key>                 (trueai-org proxy)
    MJ_API_SECRET = "mj-api-secret"  # mj-api-secret: <key>  (novicezk, plus, trueai)


class Speed(StrEnum):
    FAST = "fast"
    RELAX = "relax"
    TURBO = "turbo"
    DEFAULT = "default"


_PATH_PREFIX: Final[Mapping[Speed, str]] = {
    Speed.FAST: "/mj-fast",
    Speed.RELAX: "/mj-relax",
    Speed.TURBO: "/mj-turbo",
    Speed.DEFAULT: "",
}
# Seed S3's /v1 root documents only these two and defaults to fast (docs/provider-api.md §1).
_V1_MODEL: Final[Mapping[Speed, str]] = {
    Speed.DEFAULT: "mj-fast",
    Speed.FAST: "mj-fast",
    Speed.RELAX: "mj-relax",
}

_CODE_SUCCESS: Final = 1
_CODE_EXISTED_OR_MODAL: Final = 21
_CODE_IN_QUEUE: Final = 22
_CODE_QUEUE_REJECTED: Final = 23
_CODE_BANNED_PROMPT: Final = 24
_CODE_NOT_FOUND: Final = 3
_ACCEPTED_CODES: Final = frozenset({_CODE_SUCCESS, _CODE_EXISTED_OR_MODAL, _CODE_IN_QUEUE})

LIST_BATCH_SIZE: Final = 100
_FETCH_CONCURRENCY: Final = 8  # per-task fetches in flight at once, where list-by-condition is missing
# Requests in flight at once, of each sort; the rest wait here. httpcore's pool looks at every waiting
# request for every connection it frees, so a thousand submits at once queued there cost seconds of CPU.
# Submits and reads wait apart, so a submit never queues behind the lookups that callbacks cause.
IN_FLIGHT: Final = 32
_MAX_RETRY_AFTER: Final = 10.0
_EXCERPT_CHARS: Final = 200

_QUEUE_FULL_TEXT = re.compile(r"队列已满|队列数已达上限|queue\s+(?:is\s+)?full", re.IGNORECASE)
_TASK_NOT_FOUND_TEXT = re.compile(r"task_not?_found", re.IGNORECASE)
_FIRST_INT = re.compile(r"\d+")
_INT_TEXT = re.compile(r"-?\d+")
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_WHITESPACE = re.compile(r"\s+")


# --------------------------------------------------------------------------------------------------
# Small pure helpers


@dataclass(frozen=True)
class _Body:
    """A decoded response body: its stripped text and, when it parsed, the JSON value."""

    text: str
    data: Any = None
    is_json: bool = False
    is_html: bool = False

    @property
    def empty(self) -> bool:
        return not self.text

    @property
    def mapping(self) -> Mapping[str, Any] | None:
        return self.data if self.is_json and isinstance(self.data, Mapping) else None


def _decode(resp: httpx.Response) -> _Body:
    text = resp.text.lstrip("\ufeff").strip()
    if not text:
        return _Body("")
    if text.startswith("<"):
        return _Body(text, is_html=True)
    try:
        data = json.loads(text)
    except ValueError:
        ctype = resp.headers.get("content-type", "").lower()
        return _Body(text, is_html="html" in ctype)
    return _Body(text, data, is_json=True)


def _as_code(value: object) -> int | None:
    """`code` arrives as an int, sometimes as a numeric string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        return int(value.strip())
    return None


def _envelope(body: _Body) -> Mapping[str, Any] | None:
    """The body when it is a SubmitResultVO-like object (any object with a numeric `code`)."""
    data = body.mapping
    if data is None or _as_code(data.get("code")) is None:
        return None
    return data


def _as_mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _result_id(value: object) -> str | None:
    """A usable id out of `result`: a string or a bare integer, never a list or an object."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return as_id(value)


def _queue_position(properties: Mapping[str, Any], description: str) -> int:
    raw = properties.get("numberOfQueues")
    number = _as_code(raw)
    if number is not None and number >= 0:
        return number
    match = _FIRST_INT.search(description)
    return int(match.group(0)) if match else 0


def _retry_after(resp: httpx.Response) -> float | None:
    raw = resp.headers.get("retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw.strip())
    except ValueError:
        return None  # an HTTP date; the exponential back-off will do
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, _MAX_RETRY_AFTER)


def _is_transient(status: int) -> bool:
    return status == 429 or status >= 500


def _is_success(status: int) -> bool:
    return 200 <= status < 300


def _may_have_arrived(exc: httpx.TransportError) -> bool:
    """Whether a request that failed this way may still have reached the provider."""
    never_sent = (
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.PoolTimeout,
        httpx.ProxyError,
        httpx.UnsupportedProtocol,
        httpx.LocalProtocolError,
    )
    return not isinstance(exc, never_sent)


def _transport_problem(exc: httpx.TransportError, timeout: float) -> str:
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return "connection timed out"
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection dropped by the provider"
    return f"network error ({type(exc).__name__})"


def _clean_key(api_key: str | None, style: AuthStyle) -> str | None:
    if api_key is None:
        return None
    key = api_key.strip()
    if style is AuthStyle.BEARER and key[:7].lower() == "bearer ":
        key = key[7:].strip()
    if any(not (0x20 <= ord(ch) <= 0x7E) for ch in key):
        # Do not echo the key: it would end up in a traceback.
        raise ValueError("api_key contains characters that cannot be sent in an HTTP header")
    return key or None


def _secret_variants(key: str | None) -> tuple[str, ...]:
    """The key and the fragments a relay might echo (new-api strips `sk-` and cuts at `-`)."""
    if not key:
        return ()
    variants = {key} if len(key) >= 4 else set()
    bare = key[3:] if key.lower().startswith("sk-") else key
    for candidate in (bare, bare.split("-", 1)[0]):
        if len(candidate) >= 8:
            variants.add(candidate)
    return tuple(sorted(variants, key=len, reverse=True))


def _auth_headers(key: str | None, style: AuthStyle) -> dict[str, str]:
    if not key:
        return {}
    if style is AuthStyle.MJ_API_SECRET:
        return {"mj-api-secret": key}
    if style is AuthStyle.RAW:
        return {"Authorization": key}
    return {"Authorization": f"Bearer {key}"}


def _compact(**fields: object) -> dict[str, Any]:
    """A camelCase JSON body without the fields that are None."""
    return {name: value for name, value in fields.items() if value is not None}


def _path_segment(task_id: str) -> str:
    text = as_id(task_id)
    if text is None:
        raise ValueError("task_id must not be empty")
    return quote(text, safe="")


def _result_ids(value: object) -> tuple[str, ...]:
    """The task ids in `result`: one id, or TA's comma-joined ids for "Imagine all" (§5.2)."""
    if isinstance(value, str) and "," in value:
        return tuple(text for text in (as_id(part) for part in value.split(",")) if text)
    single = _result_id(value)
    return (single,) if single else ()


def _is_v1(base_url: str) -> bool:
    return urlsplit(base_url.strip().rstrip("/")).path.lower().endswith("/v1")


def check_speed(base_url: str, speed: Speed) -> None:
    """Raise ValueError when the provider root cannot be asked for this speed (§1)."""
    if speed not in speeds_offered(base_url):
        raise ValueError(f"a /v1 provider root offers only fast and relax (model mj-fast or mj-relax), not {speed}")


def speeds_offered(base_url: str) -> tuple[Speed, ...]:
    """The speeds this provider root can be asked for: a /v1 root has no turbo (§1)."""
    return tuple(_V1_MODEL) if _is_v1(base_url) else tuple(Speed)


@dataclass(frozen=True)
class _Root:
    """Where one speed's requests go: the URL in front of /mj, its path (for log lines), the /v1 `model`."""

    url: str
    path: str
    model: str | None


class RouteAnswer(StrEnum):
    """How a provider answers a route, for telling dialects apart without submitting anything (§5.11, §13)."""

    ROUTED = "routed"  # it has the route (whatever it said about the request)
    MISSING = "missing"  # 404/405 from its web framework
    HTML = "html"  # a web page: new-api's dashboard answers every route it lacks


class _PressRoute(StrEnum):
    """How this provider takes button presses; learned from its first 404 (§5.2, §5.9)."""

    ACTION = "/mj/submit/action"
    CHANGE = "/mj/submit/change"
    SIMPLE_CHANGE = "/mj/submit/simple-change"


@dataclass(frozen=True)
class _Accepted:
    """An envelope the provider marked as accepted (codes 1, 21 and 22)."""

    code: int
    result: object
    description: str
    properties: Mapping[str, Any] = field(default_factory=dict)


async def _pause(seconds: float) -> None:
    await _sleep(seconds)  # looked up at call time, so tests can observe the back-off


# --------------------------------------------------------------------------------------------------
# The client


class MJClient:
    """One provider: base URL, key, auth style and speed. Use as an async context manager or aclose()."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        auth_style: AuthStyle = AuthStyle.BEARER,
        speed: Speed = Speed.DEFAULT,
        timeout: float = 30.0,
        read_retries: int = 3,
        retry_backoff: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
        proxy: str | None = None,
        notify_hook: str | None = None,
    ) -> None:
        """`proxy` overrides HTTPS_PROXY/ALL_PROXY; `notify_hook` goes with every submit naming none (§11)."""
        base = base_url.strip().rstrip("/")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("base_url must be an absolute http(s) URL such as https://api.example.com")
        if parts.query or parts.fragment:
            raise ValueError("base_url must not contain a query string or fragment")
        auth_style = AuthStyle(auth_style)
        self._speed = Speed(speed)
        check_speed(base, self._speed)
        # Seed-S3 style providers: /v1/mj/... with the speed as `model` in every submit body (§1).
        v1 = _is_v1(base)
        self._roots = {
            offered: _Root(base, parts.path, _V1_MODEL[offered])
            if v1
            else _Root(base + _PATH_PREFIX[offered], parts.path + _PATH_PREFIX[offered], None)
            for offered in speeds_offered(base)
        }
        self._root_path = self._roots[self._speed].path
        key = _clean_key(api_key, auth_style)
        self._secrets = _secret_variants(key)
        self._timeout = timeout
        self._read_attempts = max(1, read_retries)
        self._backoff = wait_exponential_jitter(multiplier=retry_backoff, max=8.0, jitter=retry_backoff)
        self._press_route = _PressRoute.ACTION
        self.per_task_fetch = False  # set once the provider turns out to lack list-by-condition
        self._in_flight = {True: asyncio.Semaphore(IN_FLIGHT), False: asyncio.Semaphore(IN_FLIGHT)}  # by `submit`
        self._notify_hook = notify_hook
        self._http = httpx.AsyncClient(
            headers={"Accept": "application/json", **_auth_headers(key, auth_style)},
            timeout=httpx.Timeout(timeout),
            transport=transport,
            proxy=proxy,
            follow_redirects=False,
        )

    @property
    def speed(self) -> Speed:
        """The speed a submit gets unless it names its own."""
        return self._speed

    @property
    def speeds(self) -> tuple[Speed, ...]:
        """The speeds a submit can name here."""
        return tuple(self._roots)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # ---------------------------------------------------------------------------------- submits

    async def imagine(
        self,
        prompt: str,
        *,
        base64_array: Sequence[str] = (),
        bot_type: BotType = BotType.MIDJOURNEY,
        state: str | None = None,
        notify_hook: str | None = None,
        speed: Speed | None = None,
    ) -> SubmitResult:
        body = _compact(
            prompt=prompt,
            base64Array=list(base64_array),  # always sent: some providers mark it required
            botType=bot_type.value,
            state=state,
            notifyHook=notify_hook,
        )
        return await self._submit("/mj/submit/imagine", body, speed=speed)

    async def press(
        self,
        task_id: str,
        custom_id: str,
        *,
        state: str | None = None,
        notify_hook: str | None = None,
        enable_remix: bool = False,
        speed: Speed | None = None,
    ) -> SubmitResult:
        """Press one of a task's buttons, through whichever route this provider has (§5.2, §5.9).

        Providers without /submit/action (novicezk's open source) answer 404, which sends nothing, so
        the same press then goes to /submit/change, or /submit/simple-change; the route is remembered.
        """
        change = meaning(custom_id).legacy_change
        if self._press_route is _PressRoute.ACTION:
            try:
                return await self._action_or_plain(task_id, custom_id, state, notify_hook, enable_remix, speed)
            except EndpointNotFound:
                if change is None:
                    raise UnsupportedButton(f"{self._root_path}/mj/submit/action is not offered") from None
                log.info("the provider has no /submit/action; pressing buttons through /submit/change")
                self._press_route = _PressRoute.CHANGE
        if change is None:
            raise UnsupportedButton(f"{self._root_path}/mj/submit/action is not offered by this provider")
        if self._press_route is _PressRoute.CHANGE:
            try:
                return await self.change(task_id, *change, state=state, notify_hook=notify_hook, speed=speed)
            except EndpointNotFound:
                log.info("the provider has no /submit/change; pressing buttons through /submit/simple-change")
                self._press_route = _PressRoute.SIMPLE_CHANGE
        word = meaning(custom_id).simple_change
        assert word is not None  # every legacy change has a word
        return await self.simple_change(task_id, word, state=state, notify_hook=notify_hook, speed=speed)

    async def _action_or_plain(
        self,
        task_id: str,
        custom_id: str,
        state: str | None,
        notify_hook: str | None,
        enable_remix: bool,
        speed: Speed | None,
    ) -> SubmitResult:
        """TA refuses enableRemix when the account's remix is off (§5.2); the press then goes as it is."""
        try:
            return await self.action(
                task_id, custom_id, state=state, notify_hook=notify_hook, enable_remix=enable_remix, speed=speed
            )
        except SubmitRefused as exc:
            known = known_reason(exc.description)
            if not enable_remix or known is None or known[0] is not Reason.NO_REMIX:
                raise
            log.info("the provider's account has remix off; pressing %s without asking for its modal", custom_id)
            return await self.action(task_id, custom_id, state=state, notify_hook=notify_hook, speed=speed)

    async def action(
        self,
        task_id: str,
        custom_id: str,
        *,
        state: str | None = None,
        notify_hook: str | None = None,
        enable_remix: bool = False,
        speed: Speed | None = None,
    ) -> SubmitResult:
        """`enable_remix` asks for the modal even where the account submits remix on its own (TA, §5.2)."""
        body = _compact(
            taskId=task_id,
            customId=custom_id,
            state=state,
            notifyHook=notify_hook,
            enableRemix=True if enable_remix else None,
        )
        return await self._submit("/mj/submit/action", body, speed=speed)

    async def change(
        self,
        task_id: str,
        action: str,
        index: int,
        *,
        state: str | None = None,
        notify_hook: str | None = None,
        speed: Speed | None = None,
    ) -> SubmitResult:
        body = _compact(taskId=task_id, action=action, index=index, state=state, notifyHook=notify_hook)
        return await self._submit("/mj/submit/change", body, speed=speed)

    async def simple_change(
        self,
        task_id: str,
        word: str,
        *,
        state: str | None = None,
        notify_hook: str | None = None,
        speed: Speed | None = None,
    ) -> SubmitResult:
        body = _compact(content=f"{task_id} {word}", state=state, notifyHook=notify_hook)
        return await self._submit("/mj/submit/simple-change", body, speed=speed)

    async def modal(
        self,
        task_id: str,
        *,
        prompt: str | None = None,
        mask_base64: str | None = None,
        state: str | None = None,
        notify_hook: str | None = None,
        speed: Speed | None = None,
    ) -> SubmitResult:
        body = _compact(taskId=task_id, prompt=prompt, maskBase64=mask_base64, state=state, notifyHook=notify_hook)
        return await self._submit("/mj/submit/modal", body, optional=True, speed=speed)

    async def blend(
        self,
        base64_array: Sequence[str],
        *,
        dimensions: str = "SQUARE",
        bot_type: BotType = BotType.MIDJOURNEY,
        state: str | None = None,
        notify_hook: str | None = None,
        speed: Speed | None = None,
    ) -> SubmitResult:
        body = _compact(
            base64Array=list(base64_array),
            dimensions=dimensions,
            botType=bot_type.value,
            state=state,
            notifyHook=notify_hook,
        )
        return await self._submit("/mj/submit/blend", body, optional=True, speed=speed)

    async def describe(
        self,
        base64: str,
        *,
        bot_type: BotType = BotType.MIDJOURNEY,
        state: str | None = None,
        notify_hook: str | None = None,
        speed: Speed | None = None,
    ) -> SubmitResult:
        body = _compact(base64=base64, botType=bot_type.value, state=state, notifyHook=notify_hook)
        return await self._submit("/mj/submit/describe", body, optional=True, speed=speed)

    async def shorten(
        self,
        prompt: str,
        *,
        bot_type: BotType = BotType.MIDJOURNEY,
        state: str | None = None,
        notify_hook: str | None = None,
        speed: Speed | None = None,
    ) -> SubmitResult:
        body = _compact(prompt=prompt, botType=bot_type.value, state=state, notifyHook=notify_hook)
        return await self._submit("/mj/submit/shorten", body, optional=True, speed=speed)

    async def swap_face(
        self,
        source_base64: str,
        target_base64: str,
        *,
        state: str | None = None,
        notify_hook: str | None = None,
        speed: Speed | None = None,
    ) -> SubmitResult:
        body = _compact(sourceBase64=source_base64, targetBase64=target_base64, state=state, notifyHook=notify_hook)
        return await self._submit("/mj/insight-face/swap", body, optional=True, speed=speed)

    async def video(
        self,
        prompt: str,
        *,
        image: str | None = None,
        motion: str = "low",
        end_image: str | None = None,
        loop: bool = False,
        extend: tuple[str, int] | None = None,
        video_type: str | None = None,
        state: str | None = None,
        notify_hook: str | None = None,
        speed: Speed | None = None,
    ) -> SubmitResult:
        """Animate `image` (a URL or data URL), or with `extend` = (video task id, clip index 0–3) make that clip
        longer (docs/provider-api.md §5.10). TA and QuantumNous new-api only; elsewhere NotOffered."""
        task_id, index = extend if extend is not None else (None, None)
        body = _compact(
            prompt=prompt,
            image=image,
            motion=motion,
            endImage=end_image,
            loop=True if loop else None,
            action="extend" if extend is not None else None,
            taskId=task_id,
            index=index,
            videoType=video_type,
            state=state,
            notifyHook=notify_hook,
        )
        return await self._submit("/mj/submit/video", body, optional=True, speed=speed)

    async def upload(self, base64_array: Sequence[str], *, speed: Speed | None = None) -> list[str]:
        """Upload images to Discord through the provider; returns the (expiring) attachment URLs."""
        route = "/mj/submit/upload-discord-images"
        label = self._label("POST", route, speed)
        try:
            payload = self._with_model({"base64Array": list(base64_array)}, speed)
            resp, body = await self._exchange("POST", route, payload, speed=speed)
            accepted = self._interpret(label, resp, body, submit=True)
        except EndpointNotFound as exc:
            raise NotOffered(route, exc.message) from None
        result = accepted.result
        items = result if isinstance(result, list) else [result]
        urls = [text for text in (_result_id(item) for item in items) if text]
        if not urls:
            raise ProviderUnavailable(f"{label}: accepted without any URL", maybe_submitted=True)
        return urls

    async def cancel(self, task_id: str) -> None:
        """Cancel (or dismiss a MODAL) task. Sent once. TA answers 200 with an empty body."""
        route = f"/mj/task/{_path_segment(task_id)}/cancel"
        label = self._label("POST", route)
        resp, body = await self._exchange("POST", route, None, submit=False)
        if not _is_success(resp.status_code):
            raise self._http_refusal(label, resp.status_code, body)
        if body.is_html:
            raise self._html_answer(label)
        if _envelope(body) is not None:
            self._interpret(label, resp, body, submit=False)

    # ------------------------------------------------------------------------------- read-only

    async def fetch(self, task_id: str) -> Task | None:
        """The task, or None when the provider says it does not know the id."""
        route = f"/mj/task/{_path_segment(task_id)}/fetch"
        label = self._label("GET", route)
        resp, body = await self._read("GET", route)
        status = resp.status_code
        if _is_success(status):
            if body.empty or (body.is_json and body.data is None):
                return None  # NZ: 200 empty; TA: 204
            if body.is_html:
                raise self._html_answer(label)
            task = Task.from_json(body.data) if body.is_json else None
            if task is not None:
                return task
            if _envelope(body) is None:
                raise self._unexpected(label, status, body, submit=False)
        envelope = _envelope(body)
        if envelope is not None and self._means_not_found(status, envelope):
            return None
        raise self._http_refusal(label, status, body)

    async def tasks(self, ids: Sequence[str]) -> dict[str, Task]:
        """The known tasks among `ids`, by id: batched list-by-condition, or one fetch each where it is missing."""
        if not ids:
            return {}
        if not self.per_task_fetch:
            try:
                return {task.id: task for task in await self.list_by_condition(ids)}
            except EndpointNotFound:
                log.warning("the provider has no list-by-condition; falling back to one fetch per task")
                self.per_task_fetch = True
        return await self._fetch_each(ids)

    async def list_by_condition(self, ids: Sequence[str]) -> list[Task]:
        """Tasks for the given ids (unknown ids are simply missing), asked for in batches of 100."""
        wanted = [ids] if isinstance(ids, str) else list(ids)
        clean = [text for text in (as_id(item) for item in wanted) if text]
        tasks: list[Task] = []
        for start in range(0, len(clean), LIST_BATCH_SIZE):
            tasks.extend(await self._list_batch(clean[start : start + LIST_BATCH_SIZE]))
        return tasks

    async def recent_tasks(self) -> list[Task]:
        """The provider's newest tasks (`GET /mj/task/list`, §5.11): NZ, PLUS and TA have it, relays do not.

        TA lists every user's tasks there: never show them to a person.
        """
        route = "/mj/task/list"
        label = self._label("GET", route)
        try:
            resp, body = await self._read("GET", route)
        except EndpointNotFound as exc:
            raise NotOffered(route, exc.message) from None
        if _is_success(resp.status_code) and body.is_json and isinstance(body.data, list):
            return [task for task in (Task.from_json(item) for item in body.data) if task is not None]
        if body.is_html or resp.status_code in (404, 405):
            raise NotOffered(route, f"{label}: HTTP {resp.status_code}")
        raise self._http_refusal(label, resp.status_code, body)

    async def find_by_state(self, state: str, *, since_ms: int) -> Task | None:
        """The one task submitted with `state` (our own job's, §11) no earlier than `since_ms`, if listed.

        A task without a submit time, or more than one match, is nobody's for sure: better to tell the person
        their submit may have gone than to show them someone else's picture.
        """
        found = [
            task
            for task in await self.recent_tasks()
            if task.state == state and task.submit_time is not None and task.submit_time >= since_ms
        ]
        return found[0] if len(found) == 1 else None

    async def probe(self, method: str, route: str, payload: Mapping[str, Any] | None = None) -> RouteAnswer:
        """Whether the provider routes a read-only `route` (never a submit); auth and network errors raise."""
        resp = await self._send(method, route, payload, submit=False)
        body = _decode(resp)
        if resp.status_code in (401, 403):
            self._check_http(self._label(method, route), resp, body, submit=False)
        if body.is_html:
            return RouteAnswer.HTML
        if resp.status_code in (404, 405) and _envelope(body) is None:
            return RouteAnswer.MISSING
        return RouteAnswer.ROUTED

    async def image_seed(self, task_id: str) -> str:
        route = f"/mj/task/{_path_segment(task_id)}/image-seed"
        label = self._label("GET", route)
        try:
            resp, body = await self._read("GET", route)
            accepted = self._interpret(label, resp, body, submit=False)
        except EndpointNotFound as exc:
            raise NotOffered("/mj/task/{id}/image-seed", exc.message) from None
        seed = _result_id(accepted.result)
        if seed is None:
            raise ProviderUnavailable(f"{label}: answered without a seed", status=resp.status_code)
        return seed

    async def _fetch_each(self, ids: Sequence[str]) -> dict[str, Task]:
        gate = asyncio.Semaphore(_FETCH_CONCURRENCY)

        async def one(task_id: str) -> Task | None:
            async with gate:
                return await self.fetch(task_id)

        results = await asyncio.gather(*(one(i) for i in ids), return_exceptions=True)
        found = {task.id: task for task in results if isinstance(task, Task)}
        errors = [r for r in results if isinstance(r, BaseException)]
        unexpected = [e for e in errors if not isinstance(e, MJError)]
        if unexpected:
            raise unexpected[0]
        if errors and len(errors) == len(results):
            raise errors[0]  # nothing came through: the provider is down, say so once
        return found

    async def _list_batch(self, ids: list[str]) -> list[Task]:
        route = "/mj/task/list-by-condition"
        label = self._label("POST", route)
        resp, body = await self._read("POST", route, {"ids": ids})
        if not _is_success(resp.status_code):
            raise self._http_refusal(label, resp.status_code, body)
        if body.is_html:
            # new-api serves its dashboard for routes it lacks; fetch may still be there (§5.11).
            raise EndpointNotFound(f"{label}: answered with an HTML page, not a task list", status=resp.status_code)
        if body.is_json and isinstance(body.data, list):
            return [task for task in (Task.from_json(item) for item in body.data) if task is not None]
        if _envelope(body) is not None:
            self._interpret(label, resp, body, submit=False)  # raises the provider's refusal
        raise self._unexpected(label, resp.status_code, body, submit=False)

    # ------------------------------------------------------------------------------- transport

    def _root(self, speed: Speed | None) -> _Root:
        """The root for a request at `speed` (None: the client's own); a speed this root lacks is not offered."""
        root = self._roots.get(speed or self._speed)
        if root is None:
            raise NotOffered(f"{speed} speed", "a /v1 provider root offers only fast and relax")
        return root

    def _label(self, method: str, route: str, speed: Speed | None = None) -> str:
        return f"{method} {self._root(speed).path}{route}"

    def _with_model(self, body: dict[str, Any], speed: Speed | None) -> dict[str, Any]:
        model = self._root(speed).model
        if model is not None:
            body["model"] = model
        return body

    async def _submit(
        self, route: str, payload: dict[str, Any], *, optional: bool = False, speed: Speed | None = None
    ) -> SubmitResult:
        """One submit. An `optional` route answering 404 is a feature this provider lacks, not a wrong URL."""
        label = self._label("POST", route, speed)
        if self._notify_hook and not payload.get("notifyHook"):
            payload = {**payload, "notifyHook": self._notify_hook}
        try:
            resp, body = await self._exchange("POST", route, self._with_model(payload, speed), speed=speed)
            return self._submit_result(label, self._interpret(label, resp, body, submit=True))
        except EndpointNotFound as exc:
            if optional:
                raise NotOffered(route, exc.message) from None
            raise

    async def _exchange(
        self,
        method: str,
        route: str,
        payload: Mapping[str, Any] | None,
        *,
        submit: bool = True,
        speed: Speed | None = None,
    ) -> tuple[httpx.Response, _Body]:
        """Send once (anything that may cost money or change state) and check the HTTP status."""
        resp = await self._send(method, route, payload, submit=submit, speed=speed)
        body = _decode(resp)
        self._check_http(self._label(method, route, speed), resp, body, submit=submit)
        return resp, body

    async def _send(
        self, method: str, route: str, payload: Mapping[str, Any] | None, *, submit: bool, speed: Speed | None = None
    ) -> httpx.Response:
        label = self._label(method, route, speed)
        try:
            async with self._in_flight[submit]:
                resp = await self._http.request(method, self._root(speed).url + route, json=payload)
        except httpx.TransportError as exc:
            log.debug("%s -> %s", label, type(exc).__name__)
            detail = self._excerpt(str(exc), 120)
            message = f"{label}: {_transport_problem(exc, self._timeout)}"
            raise ProviderUnavailable(
                f"{message} ({detail})" if detail else message,
                maybe_submitted=submit and _may_have_arrived(exc),
                unanswered=isinstance(exc, httpx.ReadTimeout),
            ) from exc
        log.debug("%s -> HTTP %d", label, resp.status_code)
        return resp

    async def _read(
        self, method: str, route: str, payload: Mapping[str, Any] | None = None
    ) -> tuple[httpx.Response, _Body]:
        """Send a read-only request, retrying connect errors, timeouts, 5xx and 429 with jittered back-off."""
        label = self._label(method, route)
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._read_attempts),
            wait=self._read_wait,
            retry=retry_if_exception_type(ProviderUnavailable),
            sleep=_pause,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    resp = await self._send(method, route, payload, submit=False)
                    body = _decode(resp)
                    if _is_transient(resp.status_code):
                        raise self._unavailable(label, resp, body, submit=False)
        except ProviderUnavailable as error:
            raise ProviderUnavailable(
                f"{error.message} (gave up after {self._read_attempts} attempts)", status=error.status
            ) from error
        self._check_http(label, resp, body, submit=False)
        return resp, body

    def _read_wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        hinted = error.retry_after if isinstance(error, ProviderUnavailable) else None
        return hinted if hinted is not None else float(self._backoff(state))

    # -------------------------------------------------------------------------- interpretation

    def _check_http(self, label: str, resp: httpx.Response, body: _Body, *, submit: bool) -> None:
        """Raise for the statuses that mean the same thing on every endpoint."""
        status = resp.status_code
        if 300 <= status < 400:
            location = urlsplit(resp.headers.get("location", "")).path or "?"
            raise ProviderMisconfigured(
                f"{label}: HTTP {status} redirect to {self._excerpt(location, 80)}; check MJ_BASE_URL "
                "(scheme, host and path must be exact)"
            )
        if status in (401, 403):
            raise AuthenticationFailed(
                self._http_message(label, status, body) + "; check the API key and the auth style",
                status=status,
            )
        if status == 429 and submit:
            raise QueueFull("provider is busy (HTTP 429)")
        if _is_transient(status) or status == 408:
            raise self._unavailable(label, resp, body, submit=submit)

    def _interpret(self, label: str, resp: httpx.Response, body: _Body, *, submit: bool) -> _Accepted:
        """Read a SubmitResultVO answer (any status that passed _check_http): accept it or raise."""
        status = resp.status_code
        envelope = _envelope(body)
        if envelope is not None:
            return self._interpret_envelope(label, status, envelope, submit=submit)
        if not _is_success(status):
            raise self._http_refusal(label, status, body)
        if body.is_html:
            raise self._html_answer(label)
        foreign = self._foreign_refusal(body)
        if foreign is not None:
            raise foreign
        raise self._unexpected(label, status, body, submit=submit)

    def _interpret_envelope(self, label: str, status: int, envelope: Mapping[str, Any], *, submit: bool) -> _Accepted:
        code = _as_code(envelope.get("code"))
        description = self._redact(str(envelope.get("description") or envelope.get("message") or ""))
        properties = _as_mapping(envelope.get("properties"))
        if code is None or code not in _ACCEPTED_CODES or envelope.get("success") is False:
            raise self._refusal(code, description, properties)
        if not _is_success(status):
            raise ProviderUnavailable(
                f"{label}: HTTP {status} together with code {code} ({self._excerpt(description)})",
                status=status,
                maybe_submitted=submit,
            )
        return _Accepted(code, envelope.get("result"), description, properties)

    def _submit_result(self, label: str, accepted: _Accepted) -> SubmitResult:
        task_ids = _result_ids(accepted.result)
        if not task_ids:
            raise ProviderUnavailable(f"{label}: accepted without a task id", maybe_submitted=True)
        properties = accepted.properties
        status = SubmitStatus.ACCEPTED
        queue = None
        if accepted.code == _CODE_IN_QUEUE:
            status, queue = SubmitStatus.QUEUED, _queue_position(properties, accepted.description)
        elif accepted.code == _CODE_EXISTED_OR_MODAL:
            # Old novicezk answered a repeated upscale with the existing task; everyone else means a modal (§4).
            existing = properties.get("imageUrl") or properties.get("status")
            status = SubmitStatus.EXISTING if existing else SubmitStatus.MODAL
        return SubmitResult(
            task_ids=task_ids,
            status=status,
            description=accepted.description,
            properties=properties,
            queue_position=queue,
        )

    @staticmethod
    def _refusal(code: int | None, description: str, properties: Mapping[str, Any]) -> SubmitRefused:
        if code == _CODE_BANNED_PROMPT:
            return BannedPrompt(description, code=code, properties=properties)
        if code == _CODE_QUEUE_REJECTED or _QUEUE_FULL_TEXT.search(description):
            return QueueFull(description, code=code, properties=properties)
        known = known_reason(description)
        if known is not None and known[0] is Reason.UNKNOWN_ACTION:  # relays refuse customIds they do not know
            return UnsupportedButton(description, code=code, properties=properties)
        return Rejected(description, code=code, properties=properties)

    def _foreign_refusal(self, body: _Body) -> SubmitRefused | None:
        """OpenAI-style `{"error": {...}}` or TA `{"success": false, ...}` without a usable code."""
        data = body.mapping
        if data is None:
            return None
        error = data.get("error")
        if isinstance(error, Mapping | str) or data.get("success") is False:
            return self._refusal(None, self._summary(body), {})
        return None

    def _http_refusal(self, label: str, status: int, body: _Body) -> MJError:
        """A non-transient, non-auth error status (400, 404, 405, 413, …) or an envelope refusal."""
        envelope = _envelope(body)
        if envelope is not None:
            try:
                self._interpret_envelope(label, status, envelope, submit=False)
            except MJError as exc:
                return exc
            return self._unexpected(label, status, body, submit=False)
        if status in (404, 405):
            return EndpointNotFound(
                self._http_message(label, status, body) + "; check MJ_BASE_URL or whether the provider "
                "offers this endpoint",
                status=status,
            )
        foreign = self._foreign_refusal(body)
        if foreign is not None:
            return foreign
        return Rejected(self._summary(body) or f"HTTP {status}", code=None)

    @staticmethod
    def _means_not_found(status: int, envelope: Mapping[str, Any]) -> bool:
        description = str(envelope.get("description") or envelope.get("message") or "")
        return (
            status == 404
            or _as_code(envelope.get("code")) == _CODE_NOT_FOUND
            or bool(_TASK_NOT_FOUND_TEXT.search(description))
        )

    def _unavailable(self, label: str, resp: httpx.Response, body: _Body, *, submit: bool) -> ProviderUnavailable:
        status = resp.status_code
        return ProviderUnavailable(
            self._http_message(label, status, body),
            status=status,
            maybe_submitted=submit and status != 408,
            retry_after=_retry_after(resp),
        )

    def _unexpected(self, label: str, status: int, body: _Body, *, submit: bool) -> ProviderUnavailable:
        what = "an empty answer" if body.empty else f"an unexpected answer ({self._summary(body)})"
        return ProviderUnavailable(f"{label}: HTTP {status} with {what}", status=status, maybe_submitted=submit)

    @staticmethod
    def _html_answer(label: str) -> ProviderMisconfigured:
        return ProviderMisconfigured(
            f"{label}: the provider answered with an HTML page, not JSON; check MJ_BASE_URL "
            "(it should be the API root in front of /mj)"
        )

    # ------------------------------------------------------------------------------ sanitising

    def _http_message(self, label: str, status: int, body: _Body) -> str:
        summary = self._summary(body)
        return f"{label}: HTTP {status} ({summary})" if summary else f"{label}: HTTP {status}"

    def _summary(self, body: _Body) -> str:
        """A short, key-free excerpt of what the provider said."""
        if body.empty:
            return ""
        if body.is_html:
            title = _HTML_TITLE.search(body.text)
            return f'HTML page "{self._excerpt(title.group(1), 80)}"' if title else "HTML page"
        data = body.mapping
        if data is not None:
            error = data.get("error")
            for candidate in (
                error.get("message") if isinstance(error, Mapping) else error,
                data.get("description"),
                data.get("message"),
            ):
                if isinstance(candidate, str) and candidate.strip():
                    return self._excerpt(candidate)
        return self._excerpt(body.text)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _excerpt(self, text: str, limit: int = _EXCERPT_CHARS) -> str:
        flat = _WHITESPACE.sub(" ", self._redact(text)).strip()
        flat = "".join(ch for ch in flat if ch.isprintable())
        return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
