"""The midjourney-proxy simulator: an aiohttp server speaking the provider HTTP API (provider docs).

Task state is computed from wall-clock time on every read (see `SimTask.phase`): a test can submit, sleep and
fetch, or call `finish_now` to skip ahead. The one thing running in the background is the notifyHook ticker
(`bot.simulator.callbacks`), started with the server and stopped with it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import itertools
import json
import logging
import random
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.simulator.callbacks import Notifier
from bot.simulator.config import CallbackAttempt, Fault, HeaderDict, RecordedRequest, SimulatorConfig
from bot.simulator.images import (
    RenderSpec,
    TileStyle,
    average_colour,
    colour_name,
    ext_for_mime,
    hue_of,
    image_size_of,
    parse_data_url,
    random_tiles,
    render_png,
    render_preview_png,
    render_swap_png,
    simple_ratio,
    variation_tiles,
)
from bot.simulator.state import (
    DESCRIBE,
    FAILURE,
    GRID,
    INSTANCE_ID,
    MODAL,
    NOT_START,
    SHORTEN,
    SUCCESS,
    SWAP,
    TERMINAL,
    UPSCALE,
    UPSCALE_HD,
    VIDEO_CLIP,
    VIDEO_GRID,
    VIDEO_KINDS,
    Press,
    SimTask,
    banned_word,
    describe_buttons,
    describe_prompt,
    describe_text,
    grid_buttons,
    hd_buttons,
    keycap,
    pan_aspect,
    parse_ar,
    parse_press,
    set_ar,
    shorten_buttons,
    shorten_text,
    shortened_prompt,
    task_json,
    upscale_buttons,
    video_clip_buttons,
    video_grid_buttons,
    zoom_factor,
)
from bot.simulator.videos import (
    MOTIONS,
    VIDEO_TYPES,
    VideoSpec,
    VideoUnavailable,
    clip_size,
    even_size,
    new_clips,
    padding,
    render_clip_mp4,
    render_still_png,
    render_webp,
)

logger = logging.getLogger(__name__)

# Longest first: "/mj" must not swallow the others.
PREFIXES: tuple[tuple[str, str | None], ...] = (
    ("/mj-fast/mj", "FAST"),
    ("/mj-relax/mj", "RELAX"),
    ("/mj-turbo/mj", "TURBO"),
    ("/v1/mj", "V1"),
    ("/mj", None),
)

# Seed S3 documents only these two models for the /v1/mj root.
_V1_MODELS = {"mj-fast": "FAST", "mj-relax": "RELAX"}
_BOT_TYPES = ("MID_JOURNEY", "NIJI_JOURNEY")
_TA_BOT_TYPES = {
    "MID_JOURNEY": "MID_JOURNEY",
    "NIJI_JOURNEY": "NIJI_JOURNEY",
    "MJ": "MID_JOURNEY",
    "NIJI": "NIJI_JOURNEY",
}
_CHANGE_ACTIONS = ("UPSCALE", "VARIATION", "REROLL")
_CHANGEABLE_PARENTS = ("IMAGINE", "VARIATION", "REROLL", "BLEND")  # grids the legacy change endpoints accept
_PROXY_TIMEOUT = "任务超时"  # NZ's failReason for a task Midjourney never answered

# Routes (below a root such as /mj) that an implementation does not serve (provider docs §5.9, §5.11).
_ABSENT_ROUTES: dict[str, frozenset[str]] = {
    "nz": frozenset(
        {
            "submit/video",
            "submit/action",
            "submit/modal",
            "submit/shorten",
            "submit/upload-discord-images",
            "insight-face/swap",
            "task/{id}/image-seed",
            "task/{id}/cancel",
            "task/list-by-ids",
        }
    ),
    "plus": frozenset({"task/list-by-ids", "submit/video"}),  # a TA alias; TA-only video (provider docs §5.10)
    "ta": frozenset({"submit/change", "submit/simple-change", "task/queue"}),  # removed 2025-12
    "na": frozenset({"task/list", "task/queue", "task/{id}/cancel", "task/list-by-ids"}),
    # Not in seed S4; nor is /submit/video, which only TA and new-api route.
    "uniapi": frozenset({"task/list", "task/queue", "task/{id}/cancel", "task/list-by-ids", "submit/video"}),
}
# new-api answers paths it does not route with its web dashboard (router/web-router.go NoRoute).
_NA_INDEX_HTML = (
    '<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>New API</title></head>'
    '<body><div id="root"></div></body></html>'
)
_TOMCAT_404_HTML = (
    '<!doctype html><html lang="en"><head><title>HTTP Status 404 – Not Found</title></head>'
    "<body><h1>HTTP Status 404 – Not Found</h1></body></html>"
)
_MODAL_DESCRIPTION = "Waiting for window confirm"
# Provider docs §9.5: on Discord accounts, extending a video needs remix on, else code 9.
_EXTEND_NEEDS_REMIX = "提交失败，视频扩展需要账号开启 Remix 模式"
# Provider docs §5.2: TA's enableRemix on an account whose Midjourney remix is off.
_NO_REMIX = "当前账号不支持 remix 模式"
_PAD_CHUNK = 1 << 20
_RENDER_CACHE_SIZE = 1000
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class _Reject(Exception):
    """An error answer: SubmitResultVO with `code` (HTTP `status`), reshaped per dialect."""

    def __init__(
        self,
        code: int,
        description: str,
        *,
        status: int = 200,
        na_description: str | None = None,
        properties: dict[str, Any] | None = None,
        malformed: bool = False,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.status = status
        self.na_description = na_description
        self.properties = properties
        self.malformed = malformed  # the body is not a JSON object: Spring refuses it before the controller


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def _snowflake(ms: int, rng: random.Random) -> str:
    return str(((ms - 1420070400000) << 22) + rng.randrange(1 << 22))


class Simulator:
    """A local midjourney-proxy provider. `config` may be changed at any time."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config: SimulatorConfig = config if config is not None else SimulatorConfig()
        self.requests: list[RecordedRequest] = []
        self.tasks: dict[str, SimTask] = {}
        self.blobs: dict[str, tuple[bytes, str]] = {}  # uploaded / input images by name: (bytes, mime)
        self.callbacks: list[CallbackAttempt] = []  # every notifyHook POST attempted, in the order they ended
        self.base_url: str = ""
        self._rendered: dict[tuple[str, int], bytes] = {}
        self._blob_ids = itertools.count(1)
        self._rng = random.Random()
        self._runner: web.AppRunner | None = None
        self._notifier = Notifier(self)

    # ------------------------------------------------------------------ lifecycle

    def make_app(self) -> web.Application:
        """The aiohttp application (routes under every prefix, /images, /_sim control routes)."""
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        r = app.router
        for prefix, _mode in PREFIXES:
            post: dict[str, _Handler] = {
                "submit/imagine": self._imagine,
                "submit/action": self._action,
                "submit/modal": self._modal,
                "submit/blend": self._blend,
                "submit/describe": self._describe,
                "submit/shorten": self._shorten,
                "submit/upload-discord-images": self._upload,
                "submit/change": self._change,
                "submit/simple-change": self._simple_change,
                "submit/video": self._video,
                "insight-face/swap": self._swap,
                "task/list-by-condition": self._list_by_condition,
                "task/list-by-ids": self._list_by_condition,
                "task/{id}/cancel": self._cancel,
            }
            for path, handler in post.items():
                r.add_post(f"{prefix}/{path}", handler)
            r.add_get(f"{prefix}/task/{{id}}/fetch", self._fetch)
            r.add_get(f"{prefix}/task/{{id}}/image-seed", self._image_seed)
            r.add_get(f"{prefix}/task/list", self._task_list)
            r.add_get(f"{prefix}/task/queue", self._task_queue)
        r.add_get("/images/{name}", self._image)
        r.add_get("/videos/{name}", self._video_file)
        r.add_get("/_sim/tasks", self._sim_tasks)
        r.add_get("/_sim/callbacks", self._sim_callbacks)
        r.add_get("/_sim/config", self._sim_get_config)
        r.add_post("/_sim/config", self._sim_config)
        r.add_post("/_sim/tasks/{id}/finish", self._sim_finish)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0, *, access_log: bool = False) -> str:
        """Bind and serve; returns the provider root, e.g. "http://127.0.0.1:54321" (in front of /mj)."""
        if self._runner is not None:
            raise RuntimeError("simulator already started")
        # A stand-in needs no minute of grace for answers it holds on purpose (a `delay` fault).
        runner = web.AppRunner(self.make_app(), access_log=logger if access_log else None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        await self._notifier.start()
        bound_port = port
        for address in runner.addresses:
            if isinstance(address, tuple) and len(address) >= 2:
                bound_port = int(address[1])
                break
        url_host = host
        if host in ("", "0.0.0.0"):
            url_host = "127.0.0.1"
        elif host == "::":
            url_host = "[::1]"
        elif ":" in host:
            url_host = f"[{host}]"
        self.base_url = f"http://{url_host}:{bound_port}"
        logger.info("MJ simulator listening on %s", self.base_url)
        return self.base_url

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        await self._notifier.stop()
        if runner is not None:
            await runner.cleanup()

    # ------------------------------------------------------------------ public helpers

    @property
    def public_base(self) -> str:
        return (self.config.public_base_url or self.base_url).rstrip("/")

    def task_json(self, task_id: str) -> dict[str, Any]:
        """The task as fetch would return it now (KeyError when unknown)."""
        return task_json(self.tasks[task_id], self.config.dialect, self.public_base, _now_ms())

    def finish_now(self, task_id: str) -> None:
        """Jump a task to its terminal state: SUCCESS, or FAILURE when created with a fail_reason.

        A task Midjourney never answers (a repeated upscale) can only end the way the proxy ends it:
        FAILURE with the proxy's timeout reason.
        """
        task = self.tasks[task_id]
        now = _now_ms()
        if task.phase(now).status in TERMINAL:
            return
        if task.unanswered and task.fail_reason is None:
            task.fail_reason = _PROXY_TIMEOUT
        if task.start_ms is None:  # still MODAL: confirm with the pre-filled prompt
            self._confirm_modal(task, task.modal_prefill or task.final_prompt, task.mask)
            task.start_ms = now
        task.forced_ms = now

    # ------------------------------------------------------------------ plumbing

    @web.middleware
    async def _middleware(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        raw = await request.read() if request.body_exists else b""
        parsed: Any = None
        if raw:
            with contextlib.suppress(ValueError, UnicodeDecodeError):
                parsed = json.loads(raw)
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                headers=HeaderDict(request.headers.items()),
                json=parsed,
                query=dict(request.query),
            )
        )
        if request.path.startswith("/_sim/"):
            return await handler(request)
        scripted = self._take_fault(request.path, raw)
        if scripted is not None:
            return await self._faulty(scripted, request, handler)
        return await self._middleware_rest(request, handler)

    async def _middleware_rest(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        """Everything after recording the request: faults for all, framework routing, auth, the handler."""
        fault = self.config.http_fault
        if fault is not None:
            status, content_type, body = fault
            return web.Response(status=status, body=body.encode(), headers={"Content-Type": content_type})
        if request.path.startswith(("/images/", "/videos/")):
            return await handler(request)
        # A route the implementation lacks is answered by its web framework, before any auth check.
        if not self._offered(request):
            return self._missing_route(request)
        if not self._authorized(request):
            return self._unauthorized()
        try:
            return await handler(request)
        except web.HTTPNotFound:
            return self._missing_route(request)
        except _Reject as rej:
            return self._reject(rej, request)

    def _take_fault(self, path: str, raw: bytes) -> Fault | None:
        for fault in self.config.faults:
            if fault.times > 0 and fault.matches(path, raw):
                fault.times -= 1
                if fault.times == 0:
                    self.config.faults.remove(fault)
                return fault
        return None

    async def _faulty(self, fault: Fault, request: web.Request, handler: _Handler) -> web.StreamResponse:
        """The answer a scripted fault gives (see `Fault`); the real handler runs first where it says so."""
        real: web.StreamResponse | None = None
        if fault.after or fault.kind in ("truncate", "corrupt"):
            real = await self._middleware_rest(request, handler)
        if fault.kind == "reset":
            if request.transport is not None:
                request.transport.abort()  # no status line, no body: the client sees the connection drop
            raise asyncio.CancelledError
        if fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
            return real if real is not None else await self._middleware_rest(request, handler)
        if fault.kind in ("truncate", "corrupt"):
            body = real.body if isinstance(real, web.Response) and isinstance(real.body, bytes) else b""
            spoiled = body[: len(body) // 2] if fault.kind == "truncate" else body[:64] + b"\x00garbage" * 64
            content_type = real.content_type if isinstance(real, web.Response) else "application/octet-stream"
            return web.Response(status=real.status if real else 200, body=spoiled, content_type=content_type)
        headers = {"Content-Type": fault.content_type}
        if fault.retry_after is not None:
            headers["Retry-After"] = fault.retry_after
        return web.Response(status=fault.status, body=fault.body.encode(), headers=headers)

    def _offered(self, request: web.Request) -> bool:
        """False when the matched route does not exist in the current dialect (unmatched paths pass)."""
        resource = request.match_info.route.resource
        if resource is None:
            return True
        canonical = resource.canonical
        dialect = self.config.dialect
        for root, _mode in PREFIXES:
            if canonical.startswith(root + "/"):
                if dialect == "nz" and root != "/mj":  # NZ has no speed-mode roots and no /v1
                    return False
                return canonical[len(root) + 1 :] not in _ABSENT_ROUTES[dialect]
        return True

    def _missing_route(self, request: web.Request) -> web.Response:
        """What each implementation's web framework answers for a route it does not have."""
        dialect, path = self.config.dialect, request.path
        if dialect in ("nz", "plus"):
            if dialect == "nz" and not path.startswith("/mj/"):
                # Outside the servlet context path /mj: Tomcat's own error page, not Spring's JSON.
                return web.Response(status=404, text=_TOMCAT_404_HTML, content_type="text/html")
            return self._spring_error(404, "Not Found", path)
        if dialect == "ta":
            return web.Response(status=404)  # ASP.NET Core: empty body
        if dialect == "na" and not path.startswith(("/v1", "/api", "/assets")):
            return web.Response(text=_NA_INDEX_HTML, content_type="text/html", charset="utf-8")
        message = f"Invalid URL ({request.method} {path})"
        error = {"message": message, "type": "invalid_request_error", "param": "", "code": ""}
        return self._json({"error": error}, status=404)

    def _spring_error(self, status: int, error: str, path: str) -> web.Response:
        """Spring Boot's default error body (BasicErrorController)."""
        now = datetime.now(UTC)
        timestamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+00:00"
        return self._json({"timestamp": timestamp, "status": status, "error": error, "path": path}, status=status)

    def _authorized(self, request: web.Request) -> bool:
        key = self.config.api_key
        if not key:
            return True
        auth = request.headers.get("Authorization")
        secret = request.headers.get("mj-api-secret")
        style = self.config.auth_style
        if style == "bearer":
            if auth is None:
                return False
            scheme, _, token = auth.strip().partition(" ")
            return scheme.lower() == "bearer" and token.strip() == key
        if style == "raw":  # TA: Authorization compared verbatim, else Mj-Api-Secret
            return auth == key if auth is not None else secret == key
        return secret == key

    def _unauthorized(self) -> web.Response:
        dialect, style = self.config.dialect, self.config.auth_style
        if dialect == "na" or (dialect not in ("ta", "nz") and style == "bearer"):
            return web.Response(
                status=401,
                text=_dumps({"error": {"message": "invalid token", "type": "new_api_error"}}),
                content_type="application/json",
            )
        if dialect == "ta" or (dialect != "nz" and style == "raw"):
            return web.Response(status=401, text="Authorization header missing.", content_type="text/plain")
        return web.Response(status=401)

    def _json(self, data: Any, status: int = 200) -> web.Response:
        return web.json_response(data, status=status, dumps=_dumps)

    def _reject(self, rej: _Reject, request: web.Request) -> web.Response:
        dialect = self.config.dialect
        if dialect == "na":
            # new-api's own refusals: HTTP 400 and "<description> <result>", the result being empty
            # (provider docs §3.2), hence the trailing space.
            description = f"{rej.na_description or rej.description} "
            return self._json({"description": description, "type": "upstream_error", "code": 4}, status=400)
        if rej.malformed and dialect in ("nz", "plus"):
            return self._spring_error(400, "Bad Request", request.path)
        body: dict[str, Any] = {"code": rej.code, "description": rej.description, "result": None}
        body["properties"] = rej.properties if rej.properties is not None else {}
        # NZ's controllers return every SubmitResultVO with HTTP 200, code 3 included.
        return self._json(body, status=200 if dialect == "nz" else rej.status)

    def _submit_answer(
        self,
        code: int,
        description: str,
        result: Any,
        properties: dict[str, Any] | None = None,
        *,
        keep_modal: bool = False,
    ) -> web.Response:
        dialect = self.config.dialect
        if dialect == "na" and (code == 22 or (code == 21 and not keep_modal)):
            code = 1  # new-api rewrites these (provider docs §4)
        if dialect == "uniapi" and isinstance(result, str) and result.isdigit():
            result = int(result)
        return self._json(
            {
                "code": code,
                "description": description,
                "result": result,
                "properties": properties if properties is not None else {},
            }
        )

    async def _body(self, request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        try:
            data = json.loads(raw) if raw.strip() else None
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            raise _Reject(
                4, "请求体不是合法的 JSON 对象", status=400, na_description="bind_request_body_failed", malformed=True
            )
        return data

    async def _submit_body(self, request: web.Request) -> dict[str, Any]:
        """The body of a submit route; the /v1/mj root (seed S3) also requires a documented `model`."""
        body = await self._body(request)
        if request.path.startswith("/v1/mj/"):
            model = body.get("model")
            if not isinstance(model, str) or model not in _V1_MODELS:
                raise _Reject(4, "model参数错误")
        return body

    def _bot_type(self, body: dict[str, Any]) -> str:
        """The botType of a new job: required (seeds S1 and S3), MID_JOURNEY or NIJI_JOURNEY.

        TA also takes "mj" and "niji", in any case.
        """
        value = body.get("botType")
        if isinstance(value, str):
            if self.config.dialect == "ta":
                found = _TA_BOT_TYPES.get(value.strip().upper())
                if found is not None:
                    return found
            elif value in _BOT_TYPES:
                return value
        raise _Reject(4, "botType参数错误")

    @staticmethod
    def _text(body: dict[str, Any], name: str) -> str:
        value = body.get(name)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise _Reject(4, f"{name}参数错误")
        return str(value).strip()

    def _images(self, body: dict[str, Any], name: str) -> list[tuple[str, bytes]]:
        value = body.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise _Reject(4, "base64格式错误")
        out = []
        for item in value:
            parsed = parse_data_url(item)
            if parsed is None:
                raise _Reject(4, "base64格式错误")
            out.append(parsed)
        return out

    def _store_blob(self, kind: str, mime: str, data: bytes) -> str:
        name = f"{kind}_{next(self._blob_ids)}.{ext_for_mime(mime)}"
        self.blobs[name] = (data, mime)
        return name

    def _blob_url(self, name: str) -> str:
        return f"{self.public_base}/images/{name}"

    def _new_id(self) -> str:
        while True:
            task_id = f"{int(time.time() * 1000)}{self._rng.randrange(1000):03d}"
            if task_id not in self.tasks:
                return task_id

    def _route(self, request: web.Request, body: dict[str, Any]) -> tuple[str, str | None, str | None]:
        """(prefix, mode, model) of this request."""
        for prefix, mode in PREFIXES:
            if request.path.startswith(prefix + "/"):
                if mode == "V1":  # `model` was checked by _submit_body
                    model = body.get("model")
                    model = model if isinstance(model, str) else None
                    return prefix, _V1_MODELS.get(model or ""), model
                return prefix, mode, None
        return "/mj", None, None

    def _check_queue_full(self) -> None:
        if not self.config.queue_full:
            return
        if self.config.dialect == "ta":
            raise _Reject(9, "提交失败，队列已满，请稍后重试")
        raise _Reject(23, "队列已满，请稍后尝试", properties={"discordInstanceId": INSTANCE_ID})

    def _new_task(
        self,
        request: web.Request,
        body: dict[str, Any],
        *,
        action: str,
        na_action: str,
        kind: str,
        prompt: str,
        final_prompt: str,
        description: str = "",
        render: RenderSpec | None = None,
        long_side: int | None = None,
        buttons: list[dict[str, Any]] | None = None,
        parent: SimTask | None = None,
        custom_id: str = "",
        modal: bool = False,
        fail_reason: str | None = None,
        state: str | None = None,
        bot_type: str = "",
    ) -> SimTask:
        """A new task; without a `bot_type` it keeps its parent's (actions name none)."""
        cfg = self.config
        prefix, mode, model = self._route(request, body)
        if mode is None and parent is not None:
            mode = parent.mode
        if not bot_type:
            bot_type = parent.bot_type if parent is not None else "MID_JOURNEY"
        now = int(_now_ms())
        u = str(uuid.uuid4())
        task = SimTask(
            id=self._new_id(),
            action=action,
            na_action=na_action,
            kind=kind,
            prompt=prompt,
            final_prompt=final_prompt,
            description=description,
            submit_ms=now,
            message_hash=u,
            buttons=buttons if buttons is not None else [],
            state=state if state is not None else (self._text(body, "state") or None),
            # new-api deletes notifyHook unless MjNotifyEnabled (provider docs §5, §11)
            notify_hook=None if cfg.dialect == "na" else (self._text(body, "notifyHook") or None),
            bot_type=bot_type,
            mode=mode,
            prefix=prefix,
            model=model,
            custom_id=custom_id,
            parent_id=parent.id if parent is not None else None,
            render=render,
            long_side=long_side if long_side is not None else cfg.image_size,
            fail_reason=fail_reason if fail_reason is not None else cfg.fail_reason,
            message_id=_snowflake(now, self._rng),
            nonce=_snowflake(now, self._rng),
        )
        if not modal:
            self._start(task)
        self.tasks[task.id] = task
        self._notifier.watch(task)
        return task

    def _start(self, task: SimTask) -> None:
        """Begin the timed lifecycle now, with the current config's timings."""
        cfg = self.config
        task.queued = cfg.queue_ahead > 0
        task.queue_s, task.submitted_s, task.render_s = cfg.queue_seconds, cfg.submitted_seconds, cfg.render_seconds
        task.steps = tuple(cfg.progress_steps) or (0,)
        task.previews = cfg.previews
        task.never_finish = cfg.never_finish
        task.start_ms = _now_ms()

    def _accepted(self, task: SimTask) -> web.Response:
        if task.queued:
            n = self.config.queue_ahead
            return self._submit_answer(
                22, f"排队中，前面还有{n}个任务", task.id, {"numberOfQueues": n, "discordInstanceId": INSTANCE_ID}
            )
        return self._submit_answer(1, "提交成功", task.id, {"discordInstanceId": INSTANCE_ID})

    def _find(self, task_id: str) -> SimTask:
        task = self.tasks.get(task_id)
        if task is None:
            raise _Reject(3, "关联任务不存在或已失效", status=404, na_description="task_not_found")
        return task

    # ------------------------------------------------------------------ submit endpoints

    async def _imagine(self, request: web.Request) -> web.StreamResponse:
        body = await self._submit_body(request)
        bot_type = self._bot_type(body)
        prompt = self._text(body, "prompt")
        if not prompt:
            raise _Reject(4, "prompt不能为空", na_description="prompt_is_required")
        images = self._images(body, "base64Array")
        if self.config.dialect == "nz" and body.get("base64"):  # NZ's deprecated single image; others ignore it
            single = parse_data_url(body["base64"])
            if single is None:
                raise _Reject(4, "base64格式错误")
            images.append(single)
        fail_reason = None
        word = banned_word(prompt, self.config.banned_words)
        if word is not None:
            if self.config.dialect != "ta":
                raise _Reject(24, "可能包含敏感词", properties={"promptEn": prompt, "bannedWord": word})
            fail_reason = "可能包含敏感词"  # TA ≥ 11.6.2 accepts and fails the task later
        self._check_queue_full()
        urls = [self._blob_url(self._store_blob("imagine", mime, data)) for mime, data in images]
        full_prompt = " ".join([*urls, prompt])
        render = RenderSpec(tiles=random_tiles(self._rng), aspect=parse_ar(prompt) or (1, 1), text=prompt)
        task = self._new_task(
            request,
            body,
            action="IMAGINE",
            na_action="IMAGINE",
            kind=GRID,
            prompt=full_prompt,
            final_prompt=full_prompt,
            description=f"/imagine {full_prompt}",
            render=render,
            fail_reason=fail_reason,
            bot_type=bot_type,
        )
        task.buttons = grid_buttons(task.message_hash)
        return self._accepted(task)

    async def _action(self, request: web.Request) -> web.StreamResponse:
        body = await self._submit_body(request)
        return await self._do_action(request, body, self._text(body, "taskId"), self._text(body, "customId"))

    async def _do_action(
        self, request: web.Request, body: dict[str, Any], task_id: str, custom_id: str, description: str | None = None
    ) -> web.StreamResponse:
        if not task_id:
            raise _Reject(4, "taskId不能为空")
        if not custom_id:
            raise _Reject(4, "customId不能为空", na_description="custom_id_is_required")
        press = parse_press(custom_id)
        if self.config.dialect == "na" and not press.known_to_na:
            raise _unknown_action(custom_id)
        parent = self._find(task_id)
        if parent.phase(_now_ms()).status != SUCCESS:
            raise _Reject(4, "关联任务状态错误", na_description="task_status_not_success")
        pressed = next((b for b in parent.buttons if b.get("customId") == custom_id), None)
        if pressed is None:
            raise _unknown_action(custom_id)
        self._check_press_supported(press, custom_id)
        self._check_queue_full()

        if press.kind == "picreader_all":
            ids = []
            for n in range(1, 5):
                text = _strip_keycap(describe_prompt(parent.result_text, n))
                child = self._grid_task(
                    request,
                    body,
                    parent,
                    custom_id,
                    text,
                    action="IMAGINE",
                    na_action="IMAGINE",
                    tiles=random_tiles(self._rng),
                    description=f"/imagine {text}",
                )
                child.state = f"{parent.state or ''}::{n}"
                ids.append(child.id)
            return self._submit_answer(1, "提交成功", ",".join(ids), {"discordInstanceId": INSTANCE_ID})

        modal = press.always_modal or (self._remix(body) and press.remix_modal)
        child = self._child_for_press(request, body, parent, press, custom_id, modal=modal)
        if description is not None:
            child.description = description
        if press.kind == "upsample":
            pressed["style"] = 1  # MJ marks a used U button
        if modal:
            child.press = press
            keep = press.kind in ("inpaint", "custom_zoom")
            return self._submit_answer(
                21,
                _MODAL_DESCRIPTION,
                child.id,
                {
                    "finalPrompt": child.modal_prefill,
                    "remix": True,
                    "discordInstanceId": INSTANCE_ID,
                },
                keep_modal=keep,
            )
        return self._accepted(child)

    def _remix(self, body: dict[str, Any]) -> bool:
        """Whether this press opens the remix modal; TA's enableRemix insists, and refuses accounts without remix."""
        if self.config.dialect == "ta" and body.get("enableRemix") is True:
            if not self.config.remix:
                raise _Reject(4, _NO_REMIX)
            return True
        return self.config.remix

    def _check_press_supported(self, press: Press, custom_id: str) -> None:
        """Refuse the buttons this implementation cannot press (provider docs §8)."""
        dialect = self.config.dialect
        if press.kind in ("bookmark", "unknown") or (press.video and dialect != "ta"):
            raise _unknown_action(custom_id)
        if press.kind == "extend" and not self.config.remix:
            raise _Reject(9, _EXTEND_NEEDS_REMIX)
        if press.kind == "picreader_all" and dialect == "plus":
            raise _Reject(4, f"不支持的操作: {custom_id}")  # PLUS docs: "Imagine all" is not supported

    def _cell_upscaled(self, parent: SimTask, cell: int) -> bool:
        """Whether Midjourney already upscaled this cell of the grid: an earlier U that did not fail."""
        now = _now_ms()
        return any(
            t.parent_id == parent.id and t.kind == UPSCALE and t.cell == cell and t.phase(now).status != FAILURE
            for t in self.tasks.values()
        )

    def _solo_buttons(self, make: Callable[..., list[dict[str, Any]]], u: str) -> list[dict[str, Any]]:
        """An upscaled image's buttons as this dialect's accounts show them: ❤️ but on NZ; Animate on TA, and behind
        new-api, which passes on the buttons of the TA proxy it routes /submit/video to but refuses Animate (§7)."""
        dialect = self.config.dialect
        return make(u, animate=dialect in ("ta", "na"), bookmark=dialect != "nz")

    def _grid_task(
        self,
        request: web.Request,
        body: dict[str, Any],
        parent: SimTask,
        custom_id: str,
        prompt: str,
        *,
        action: str,
        na_action: str,
        tiles: tuple[TileStyle, ...],
        aspect: tuple[int, int] | None = None,
        badge: str = "",
        modal: bool = False,
        description: str = "",
    ) -> SimTask:
        if parent.kind == GRID:
            long_side = parent.long_side
        elif parent.kind == UPSCALE:
            long_side = parent.long_side * 2
        elif parent.kind == UPSCALE_HD:
            long_side = parent.long_side
        else:
            long_side = self.config.image_size
        render = RenderSpec(tiles=tiles, aspect=aspect or parse_ar(prompt) or (1, 1), text=prompt, badge=badge)
        child = self._new_task(
            request,
            body,
            action=action,
            na_action=na_action,
            kind=GRID,
            prompt=parent.prompt if parent.kind in (GRID, UPSCALE, UPSCALE_HD) else prompt,
            final_prompt=prompt,
            description=description or f"/up {parent.id} {action}",
            render=render,
            long_side=long_side,
            parent=parent,
            custom_id=custom_id,
            modal=modal,
        )
        child.buttons = grid_buttons(child.message_hash)
        return child

    def _child_for_press(
        self, request: web.Request, body: dict[str, Any], parent: SimTask, press: Press, custom_id: str, *, modal: bool
    ) -> SimTask:
        rng = self._rng
        spec = parent.render
        prompt = parent.final_prompt
        kind = press.kind
        if press.video:
            return self._video_child(request, body, parent, press, custom_id, modal=modal)
        if kind in ("upsample", "upsample_hd"):
            assert spec is not None
            # Midjourney refuses a second U on the same cell: the press is accepted and never answered.
            repeated = kind == "upsample" and self._cell_upscaled(parent, press.index)
            if kind == "upsample":
                render = spec.single(press.index)
                long_side = max(16, parent.long_side // 2)
                action, label, buttons_for = "UPSCALE", f"U{press.index}", upscale_buttons
                result_kind = UPSCALE
            else:
                render = replace(spec, badge=f"HD {press.detail}")
                long_side = parent.long_side * 2 if parent.kind == UPSCALE else parent.long_side
                action, label, buttons_for = "UPSCALE_HD", press.detail, hd_buttons
                result_kind = UPSCALE_HD
            child = self._new_task(
                request,
                body,
                action=action,
                na_action="UPSCALE",
                kind=result_kind,
                prompt=parent.prompt,
                final_prompt=prompt,
                description=f"/up {parent.id} {label}",
                render=render,
                long_side=long_side,
                parent=parent,
                custom_id=custom_id,
            )
            child.buttons = self._solo_buttons(buttons_for, child.message_hash)
            if kind == "upsample":
                child.cell, child.unanswered = press.index, repeated
            return child
        if kind == "picread_retry":
            return self._describe_task(
                request, body, parent.blob, parent.external_url, parent=parent, custom_id=custom_id
            )
        if kind == "analyzer_details":
            return self._shorten_task(request, body, parent.prompt, details=True, parent=parent, custom_id=custom_id)
        if kind in ("picreader", "analyzer"):
            if kind == "picreader":
                prefill = describe_prompt(parent.result_text, press.index)
            else:
                prefill = shortened_prompt(parent.result_text, press.index)
            child = self._grid_task(
                request,
                body,
                parent,
                custom_id,
                _strip_keycap(prefill),
                action="IMAGINE",
                na_action="IMAGINE",
                tiles=random_tiles(rng),
                modal=True,
                description=f"/imagine {_strip_keycap(prefill)}",
            )
            child.modal_prefill = prefill
            return child

        # Everything else makes a new grid from a grid or an upscaled image.
        assert spec is not None
        base_tile = spec.tiles[0]
        aspect = spec.aspect
        badge = ""
        na_action = "VARIATION"
        if kind == "variation":
            tiles = variation_tiles(spec.tiles[press.index - 1], rng, 0.1)
            action = "VARIATION"
        elif kind == "reroll":
            tiles, action, na_action = random_tiles(rng), "REROLL", "REROLL"
        elif kind in ("low_variation", "high_variation"):
            tiles = variation_tiles(base_tile, rng, 0.04 if kind == "low_variation" else 0.15)
            action, na_action = "VARIATION", kind.upper()
        elif kind == "inpaint":
            tiles, action, na_action, badge = variation_tiles(base_tile, rng, 0.03), "VARIATION", "INPAINT", "region"
        elif kind == "outpaint":
            tiles, action, na_action = variation_tiles(base_tile, rng, 0.05), "ZOOM", "ZOOM"
            badge = {"50": "zoom 2x", "75": "zoom 1.5x", "100": "square"}[press.detail]
            if press.detail == "100":
                aspect = (1, 1)
                prompt = set_ar(prompt, aspect)
        elif kind == "custom_zoom":
            tiles, action, na_action, badge = variation_tiles(base_tile, rng, 0.05), "ZOOM", "CUSTOM_ZOOM", "zoom"
        elif kind == "pan":
            tiles, action, na_action = variation_tiles(base_tile, rng, 0.05), "PAN", "PAN"
            aspect = pan_aspect(aspect, press.detail)
            prompt = set_ar(prompt, aspect)
            badge = f"pan {press.detail}"
        else:  # pragma: no cover - every button kind is handled above
            raise _Reject(4, "未知的 Action 类型", na_description=f"unknown_action:{custom_id}")
        child = self._grid_task(
            request,
            body,
            parent,
            custom_id,
            prompt,
            action=action,
            na_action=na_action,
            tiles=tiles,
            aspect=aspect,
            badge=badge,
            modal=modal,
            description=_change_description(parent.id, press),
        )
        if kind == "pan":
            child.pan = press.detail
        if modal:
            # Vary (Region) pre-fills nothing (TA#59); the others pre-fill the parent's prompt.
            child.modal_prefill = "" if kind == "inpaint" else parent.final_prompt
        return child

    def _video_child(
        self, request: web.Request, body: dict[str, Any], parent: SimTask, press: Press, custom_id: str, *, modal: bool
    ) -> SimTask:
        """Animate on an upscaled image, U on a video grid, Extend on a picked clip (provider docs §8 rows 15–17)."""
        kind = press.kind
        cfg = self.config
        if kind == "animate":
            assert parent.render is not None
            motion = press.detail
            size = clip_size(parent.render.aspect, parent.long_side)
            video = VideoSpec(
                size=size,
                clips=new_clips(4, motion),
                render=parent.render,
                render_long_side=parent.long_side,
                pad_to=cfg.video_size_bytes,
            )
            result_kind, final_prompt = VIDEO_GRID, _video_prompt(parent.final_prompt, motion)
            description = f"/up {parent.id} animate_{motion}"
        else:
            assert parent.video is not None
            if kind == "video_upscale":
                video = replace(parent.video.single(press.index - 1), pad_to=cfg.video_size_bytes)
                result_kind, final_prompt = VIDEO_CLIP, parent.final_prompt
                description = f"/up {parent.id} U{press.index}"
            else:  # extend
                video = replace(parent.video.extended(0, press.detail), pad_to=cfg.video_size_bytes)
                result_kind, final_prompt = VIDEO_CLIP, _video_prompt(parent.final_prompt, press.detail)
                description = f"/up {parent.id} extend_{press.detail}"
        child = self._new_task(
            request,
            body,
            action="VIDEO",
            na_action="VIDEO",
            kind=result_kind,
            prompt=parent.prompt,
            final_prompt=final_prompt,
            description=description,
            long_side=max(video.size),
            parent=parent,
            custom_id=custom_id,
            modal=modal,
        )
        self._attach_video(child, video)
        if modal:
            child.modal_prefill = parent.final_prompt
        return child

    def _attach_video(self, task: SimTask, video: VideoSpec) -> None:
        task.video, task.dims = video, video.size
        if task.kind == VIDEO_GRID:
            task.buttons = video_grid_buttons(task.message_hash, len(video.clips))
        else:
            task.buttons = video_clip_buttons(task.message_hash)

    async def _modal(self, request: web.Request) -> web.StreamResponse:
        body = await self._submit_body(request)
        task_id = self._text(body, "taskId")
        if not task_id:
            raise _Reject(4, "taskId不能为空")
        task = self._find(task_id)
        if task.phase(_now_ms()).status != MODAL or task.press is None:
            raise _Reject(4, "关联任务状态错误", na_description="task_status_not_modal")
        prompt = self._text(body, "prompt")
        kind = task.press.kind
        mask: bytes | None = None
        if kind == "inpaint":
            parsed = parse_data_url(body.get("maskBase64"))
            if parsed is None:
                raise _Reject(4, "maskBase64参数错误")
            mask = parsed[1]
        if not prompt:
            parent = self.tasks.get(task.parent_id or "")
            prompt = task.modal_prefill or (parent.final_prompt if parent is not None else "")
        prompt = _strip_keycap(prompt)
        if not prompt:
            raise _Reject(4, "prompt不能为空")
        if kind == "custom_zoom":
            factor = zoom_factor(prompt)
            if factor is None or not 1.0 < factor <= 2.0:
                raise _Reject(4, "Custom Zoom 需要 --zoom 参数 (1 < zoom ≤ 2)")
        self._check_queue_full()
        self._confirm_modal(task, prompt, mask)
        self._start(task)
        hook = self._text(body, "notifyHook")
        if hook and self.config.dialect != "na" and hook != task.notify_hook:  # the modal submit names a hook
            task.notify_hook = hook
            self._notifier.watch(task)
        return self._accepted(task)

    def _confirm_modal(self, task: SimTask, prompt: str, mask: bytes | None) -> None:
        kind = task.press.kind if task.press is not None else ""
        if task.kind in VIDEO_KINDS:  # Animate or Extend in remix mode: the text is the video's prompt
            motion = task.press.detail if task.press is not None else "low"
            task.final_prompt = _video_prompt(prompt, motion)
            return
        assert task.render is not None
        aspect = task.render.aspect
        badge = task.render.badge
        if kind == "pan":
            prompt = set_ar(prompt, aspect)
        else:
            aspect = parse_ar(prompt) or aspect
        if kind == "custom_zoom":
            badge = f"zoom {zoom_factor(prompt) or 2:g}"
        if kind in ("picreader", "analyzer"):
            task.prompt = prompt
            task.description = f"/imagine {prompt}"
        task.final_prompt = prompt
        task.mask = mask
        task.render = replace(task.render, aspect=aspect, text=prompt, badge=badge, mask=mask)

    async def _blend(self, request: web.Request) -> web.StreamResponse:
        body = await self._submit_body(request)
        bot_type = self._bot_type(body)
        value = body.get("base64Array")
        images = [parse_data_url(v) for v in value] if isinstance(value, list) else []
        if not 2 <= len(images) <= 5:
            raise _Reject(4, "图片参数错误，2~5张图片" if self.config.dialect == "ta" else "base64List参数错误")
        valid = [img for img in images if img is not None]
        if len(valid) != len(images):
            raise _Reject(4, "base64格式错误")
        dims = body.get("dimensions", "SQUARE")
        aspects = {"PORTRAIT": (2, 3), "SQUARE": (1, 1), "LANDSCAPE": (3, 2)}
        if not isinstance(dims, str) or dims.upper() not in aspects:
            raise _Reject(4, "dimensions参数错误")
        aspect = aspects[dims.upper()]
        self._check_queue_full()
        urls = [self._blob_url(self._store_blob("blend", mime, data)) for mime, data in valid]
        hues = [hue_of(c) for c in (average_colour(data) for _, data in valid) if c is not None]
        tiles = (
            tuple(
                TileStyle(
                    hue=(hues[i % len(hues)] + self._rng.uniform(-0.05, 0.05)) % 1.0, seed=self._rng.randrange(1 << 30)
                )
                for i in range(4)
            )
            if hues
            else random_tiles(self._rng)
        )
        final = f"{' '.join(urls)} --ar {aspect[0]}:{aspect[1]}"
        render = RenderSpec(tiles=tiles, aspect=aspect, text=f"blend of {len(valid)} images")
        task = self._new_task(
            request,
            body,
            action="BLEND",
            na_action="BLEND",
            kind=GRID,
            prompt="",
            final_prompt=final,
            render=render,
            bot_type=bot_type,
        )
        task.description = f"/blend {task.id} {len(valid)}"
        task.buttons = grid_buttons(task.message_hash)
        return self._accepted(task)

    async def _describe(self, request: web.Request) -> web.StreamResponse:
        body = await self._submit_body(request)
        bot_type = self._bot_type(body)
        link = self._text(body, "link") if self.config.dialect == "ta" else ""  # only TA takes a link
        blob: str | None = None
        if body.get("base64"):
            parsed = parse_data_url(body.get("base64"))
            if parsed is None:
                raise _Reject(4, "base64格式错误")
            self._check_queue_full()
            blob = self._store_blob("describe", *parsed)
        elif re.match(r"^https?://", link):
            self._check_queue_full()
        elif link:
            raise _Reject(4, "base64格式错误")
        else:
            raise _Reject(4, "base64不能为空")
        task = self._describe_task(request, body, blob, None if blob else link, bot_type=bot_type)
        return self._accepted(task)

    def _describe_task(
        self,
        request: web.Request,
        body: dict[str, Any],
        blob: str | None,
        link: str | None,
        *,
        parent: SimTask | None = None,
        custom_id: str = "",
        bot_type: str = "",
    ) -> SimTask:
        data = self.blobs[blob][0] if blob is not None else b""
        rgb = average_colour(data) if data else None
        size = image_size_of(data) if data else None
        text = describe_text(colour_name(rgb) if rgb else "grey", simple_ratio(size) if size else (1, 1), self._rng)
        task = self._new_task(
            request,
            body,
            action="DESCRIBE",
            na_action="DESCRIBE",
            kind=DESCRIBE,
            prompt="",
            final_prompt="",
            description=f"/describe {blob or link}",
            parent=parent,
            custom_id=custom_id,
            buttons=describe_buttons(),
            bot_type=bot_type,
        )
        task.blob, task.external_url, task.result_text, task.dims = blob, link, text, size
        return task

    async def _shorten(self, request: web.Request) -> web.StreamResponse:
        body = await self._submit_body(request)
        bot_type = self._bot_type(body)
        prompt = self._text(body, "prompt")
        if not prompt:
            raise _Reject(4, "prompt不能为空")
        self._check_queue_full()
        return self._accepted(self._shorten_task(request, body, prompt, details=False, bot_type=bot_type))

    def _shorten_task(
        self,
        request: web.Request,
        body: dict[str, Any],
        prompt: str,
        *,
        details: bool,
        parent: SimTask | None = None,
        custom_id: str = "",
        bot_type: str = "",
    ) -> SimTask:
        task = self._new_task(
            request,
            body,
            action="SHORTEN",
            na_action="SHORTEN",
            kind=SHORTEN,
            prompt=prompt,
            final_prompt=prompt,
            description=f"/shorten {prompt}",
            parent=parent,
            custom_id=custom_id,
            bot_type=bot_type,
        )
        task.result_text = shorten_text(prompt, details)
        task.buttons = shorten_buttons(task.message_hash, details)
        return task

    async def _video(self, request: web.Request) -> web.StreamResponse:
        """`/submit/video` (provider docs §5.10): TA with video enabled, and QuantumNous new-api in front of it."""
        body = await self._submit_body(request)
        cfg = self.config
        task_id = self._text(body, "taskId")
        target: SimTask | None = None
        prompt = self._text(body, "prompt")
        if cfg.dialect == "na" and task_id:
            # new-api's own checks on a video with a taskId, then it sends the origin task's prompt upstream.
            target = self._find(task_id)
            if target.phase(_now_ms()).status != SUCCESS:
                raise _Reject(4, "关联任务状态错误", na_description="task_status_not_success")
            prompt = target.prompt or prompt
        if not prompt:
            raise _Reject(4, "prompt不能为空")
        motion = self._text(body, "motion").lower() or "low"
        if motion not in MOTIONS:
            raise _Reject(4, "motion参数错误")
        video_type = self._text(body, "videoType") or VIDEO_TYPES[0]
        if video_type not in VIDEO_TYPES:
            raise _Reject(4, "videoType参数错误")
        batch = body.get("batchSize")
        if batch is None:
            batch = 4
        if isinstance(batch, bool) or not isinstance(batch, int) or batch not in (1, 2, 4):
            raise _Reject(4, "batchSize参数错误")
        loop = body.get("loop") or False
        if not isinstance(loop, bool):
            raise _Reject(4, "loop参数错误")
        action = self._text(body, "action").lower()
        if action and action != "extend":
            raise _Reject(4, "action参数错误")

        if action == "extend":
            if not task_id:
                raise _Reject(4, "taskId不能为空")
            target = target or self._find(task_id)
            if target.phase(_now_ms()).status != SUCCESS:
                raise _Reject(4, "关联任务状态错误", na_description="task_status_not_success")
            if target.video is None:
                raise _Reject(4, "关联任务不是视频任务")
            index = body.get("index", 0)
            if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(target.video.clips):
                raise _Reject(4, "index参数错误")
            if not cfg.remix:
                raise _Reject(9, _EXTEND_NEEDS_REMIX)
            self._check_queue_full()
            # TA presses U<index+1> on the grid, then Extend on the picked clip, and fills the modal itself.
            video = replace(target.video.extended(index, motion), pad_to=cfg.video_size_bytes)
            task = self._new_task(
                request,
                body,
                action="VIDEO",
                na_action="VIDEO",
                kind=VIDEO_CLIP,
                prompt=prompt,
                final_prompt=_video_prompt(prompt, motion),
                description="/video extend",
                long_side=max(video.size),
                parent=target,
            )
        else:
            image = body.get("image")
            if not image:
                raise _Reject(4, "image不能为空")
            start_url, start = self._video_source(image, prompt)
            end_url, end = ("", None)
            if body.get("endImage"):
                end_url, end = self._video_source(body.get("endImage"), prompt)
            self._check_queue_full()
            # The prompt TA sends to Midjourney (its SubmitVideo): loop wins over an end image.
            final = f"{start_url} {prompt} --video 1"
            if loop:
                final += " --end loop"
            elif end_url:
                final += f" --end {end_url}"
            final += f" --motion {motion}"
            if batch in (1, 2):
                final += f" --bs {batch}"
            video = replace(
                start,
                clips=new_clips(batch, motion),
                loop=loop,
                end_image=None if loop or end is None else _source_bytes(end),
                pad_to=cfg.video_size_bytes,
            )
            task = self._new_task(
                request,
                body,
                action="VIDEO",
                na_action="VIDEO",
                kind=VIDEO_GRID,
                prompt=prompt,
                final_prompt=final,
                description=f"/video {prompt}",
                long_side=max(video.size),
            )
            task.base_image_url = start_url
        task.video_type = video_type
        self._attach_video(task, video)
        return self._accepted(task)

    def _video_source(self, value: object, prompt: str) -> tuple[str, VideoSpec]:
        """The first (or last) frame of a /submit/video: (its URL for the prompt, a VideoSpec showing it).

        TA takes a URL, a data URL or bare base64 (provider docs §10.1). The simulator reaches no network: a URL
        of its own images is resolved, any other URL is drawn as a stand-in image.
        """
        if not isinstance(value, str):
            raise _Reject(4, "base64格式错误")
        value = value.strip()
        if re.match(r"^https?://", value, re.IGNORECASE):
            own = self._own_image(value)
            if own is not None:
                return value, own
            render = RenderSpec(tiles=random_tiles(self._rng), aspect=parse_ar(prompt) or (1, 1), text=prompt)
            long_side = self.config.image_size
            return value, VideoSpec(
                size=clip_size(render.aspect, long_side), clips=(), render=render, render_long_side=long_side
            )
        parsed = parse_data_url(value)
        if parsed is None and not value.startswith("data:"):
            with contextlib.suppress(binascii.Error, ValueError):
                raw = base64.b64decode(re.sub(r"\s+", "", value), validate=True)
                parsed = ("image/png", raw) if raw else None  # bare base64 is taken as PNG
        size = image_size_of(parsed[1]) if parsed is not None else None
        if parsed is None or size is None:
            raise _Reject(4, "base64格式错误")
        url = self._blob_url(self._store_blob("video", *parsed))
        long_side = min(self.config.image_size, max(size))
        return url, VideoSpec(size=even_size(_fit(size, long_side)), clips=(), image=parsed[1])

    def _own_image(self, url: str) -> VideoSpec | None:
        """A URL of this simulator's /images/ as a video's first frame (uploads, results, grid cells)."""
        prefix = f"{self.public_base}/images/"
        if not url.startswith(prefix):
            return None
        name = url[len(prefix) :].split("?", 1)[0]
        blob = self.blobs.get(name)
        if blob is not None:
            size = image_size_of(blob[0])
            if size is None:
                return None
            long_side = min(self.config.image_size, max(size))
            return VideoSpec(size=even_size(_fit(size, long_side)), clips=(), image=blob[0])
        match = re.fullmatch(r"(\d+)(?:_c([1-4]))?\.png", name)
        task = self.tasks.get(match.group(1)) if match else None
        if match is None or task is None or task.render is None:
            return None
        render, long_side = task.render, task.long_side
        if match.group(2):
            if not render.is_grid:
                return None
            render, long_side = render.single(int(match.group(2))), max(16, long_side // 2)
        return VideoSpec(size=clip_size(render.aspect, long_side), clips=(), render=render, render_long_side=long_side)

    async def _swap(self, request: web.Request) -> web.StreamResponse:
        body = await self._submit_body(request)
        source, target = parse_data_url(body.get("sourceBase64")), parse_data_url(body.get("targetBase64"))
        if source is None or target is None:
            raise _Reject(
                4, "sourceBase64和targetBase64不能为空", na_description="sour_base64_and_target_base64_is_required"
            )
        self._check_queue_full()
        long_side = self.config.image_size
        size = image_size_of(target[1]) or (long_side, long_side)
        scale = long_side / max(size)
        task = self._new_task(
            request,
            body,
            action="SWAP_FACE",
            na_action="SWAP_FACE",
            kind=SWAP,
            prompt="",
            final_prompt="",
            description="/swap",
            long_side=long_side,
            bot_type="INSIGHT_FACE",
        )
        task.swap = (source[1], target[1])
        task.dims = (max(8, round(size[0] * scale)), max(8, round(size[1] * scale)))
        return self._accepted(task)

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        body = await self._submit_body(request)
        images = self._images(body, "base64Array")
        if not images:
            raise _Reject(4, "base64Array不能为空")
        urls = [self._blob_url(self._store_blob("upload", mime, data)) for mime, data in images]
        return self._json({"code": 1, "description": "提交成功", "result": urls, "properties": {}})

    async def _change(self, request: web.Request) -> web.StreamResponse:
        body = await self._submit_body(request)
        task_id, action, index = self._text(body, "taskId"), self._text(body, "action"), body.get("index")
        if task_id and self.config.dialect == "na":
            _na_change_rules(action, index)
        return await self._legacy_change(request, body, task_id, action, index)

    async def _simple_change(self, request: web.Request) -> web.StreamResponse:
        body = await self._submit_body(request)
        content = self._text(body, "content")
        if not content:
            raise _Reject(4, "content参数错误", na_description="content_is_required")
        match = re.fullmatch(r"(\d+) (?:([UV])([1-4])|(R))", content, re.IGNORECASE)
        if match is None:
            raise _Reject(4, "content参数错误", na_description="content_parse_failed")
        if match.group(4):
            return await self._legacy_change(request, body, match.group(1), "REROLL", 0)
        action = "UPSCALE" if match.group(2).upper() == "U" else "VARIATION"
        return await self._legacy_change(request, body, match.group(1), action, int(match.group(3)))

    async def _legacy_change(
        self, request: web.Request, body: dict[str, Any], task_id: str, action: str, index: object
    ) -> web.StreamResponse:
        """U/V/R on a grid, NZ style (provider docs §5.9), pressed as the matching grid button."""
        if not task_id:
            raise _Reject(4, "taskId不能为空")
        if action not in _CHANGE_ACTIONS:
            raise _Reject(4, "action参数错误")
        if action != "REROLL" and not _is_cell(index):
            raise _Reject(4, "index参数错误")
        parent = self._find(task_id)
        if parent.phase(_now_ms()).status != SUCCESS:
            raise _Reject(4, "关联任务状态错误", na_description="task_status_not_success")
        if parent.action not in _CHANGEABLE_PARENTS:
            raise _Reject(4, "关联任务不允许执行变化")
        u = parent.message_hash
        if action == "UPSCALE":
            custom_id, label = f"MJ::JOB::upsample::{index}::{u}", f"U{index}"
        elif action == "VARIATION":
            custom_id, label = f"MJ::JOB::variation::{index}::{u}", f"V{index}"
        else:
            custom_id, label = f"MJ::JOB::reroll::0::{u}::SOLO", "R"
        return await self._do_action(request, body, task_id, custom_id, description=f"/up {task_id} {label}")

    # ------------------------------------------------------------------ task queries

    async def _fetch(self, request: web.Request) -> web.StreamResponse:
        task = self.tasks.get(request.match_info["id"])
        if task is None:
            dialect = self.config.dialect
            if dialect == "na":
                return self._json({"code": 4, "description": "task_no_found"}, status=400)
            if dialect == "ta":
                return web.Response(status=204)
            return web.Response(status=200)
        return self._json(task_json(task, self.config.dialect, self.public_base, _now_ms()))

    async def _list_by_condition(self, request: web.Request) -> web.StreamResponse:
        if not self.config.list_by_condition:
            raise web.HTTPNotFound()
        body = await self._body(request)
        ids = body.get("ids")
        now = _now_ms()
        out = []
        if isinstance(ids, list):
            for task_id in ids:
                task = self.tasks.get(str(task_id))
                if task is not None:
                    out.append(task_json(task, self.config.dialect, self.public_base, now))
        return self._json(out)

    async def _task_list(self, request: web.Request) -> web.StreamResponse:
        now = _now_ms()
        newest = sorted(self.tasks.values(), key=lambda t: (t.submit_ms, t.id), reverse=True)[:100]
        return self._json([task_json(t, self.config.dialect, self.public_base, now) for t in newest])

    async def _task_queue(self, request: web.Request) -> web.StreamResponse:
        """The tasks waiting in the proxy's own queue (not yet started), oldest first."""
        now = _now_ms()
        waiting = [t for t in self.tasks.values() if t.phase(now).status == NOT_START]
        waiting.sort(key=lambda t: (t.submit_ms, t.id))
        return self._json([task_json(t, self.config.dialect, self.public_base, now) for t in waiting])

    async def _image_seed(self, request: web.Request) -> web.StreamResponse:
        task = self._find(request.match_info["id"])
        if task.phase(_now_ms()).status != SUCCESS:
            raise _Reject(4, "关联任务状态错误", status=400, na_description="task_status_not_success")
        return self._submit_answer(1, "成功", task.seed)

    async def _cancel(self, request: web.Request) -> web.StreamResponse:
        task = self._find(request.match_info["id"])
        now = _now_ms()
        if task.phase(now).status in TERMINAL:
            return web.Response(status=200)
        if self.config.dialect == "ta":  # TA writes FAILURE `取消任务`, not CANCEL (provider docs §5.11)
            task.fail_reason = "取消任务"
            if task.start_ms is None:  # a MODAL task
                task.start_ms = now
            task.forced_ms = now
        else:
            task.cancelled_ms = now
        return web.Response(status=200)

    # ------------------------------------------------------------------ images (no auth, like a CDN)

    async def _image(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        blob = self.blobs.get(name)
        if blob is not None:
            return web.Response(body=blob[0], content_type=blob[1])
        video = re.fullmatch(r"(\d+)(?:_s([1-4]))?\.(png|webp)", name)
        if video is not None and video.group(1) in self.tasks and self.tasks[video.group(1)].video is not None:
            return await self._video_image(self.tasks[video.group(1)], name, video.group(2), video.group(3))
        match = re.fullmatch(r"(\d+)(?:_p(\d{1,3})|_c([1-4]))?\.png", name)
        task = self.tasks.get(match.group(1)) if match else None
        if match is None or task is None:
            raise web.HTTPNotFound()
        key = (name, hash((task.render, task.long_side)))
        data = self._rendered.get(key)
        if data is None:
            data = await asyncio.to_thread(self._render, task, match.group(2), match.group(3))
            if data is None:
                raise web.HTTPNotFound()
            if len(self._rendered) >= _RENDER_CACHE_SIZE:  # drop the oldest render
                del self._rendered[next(iter(self._rendered))]
            self._rendered[key] = data
        return web.Response(body=data, content_type="image/png")

    async def _video_image(self, task: SimTask, name: str, still: str | None, ext: str) -> web.StreamResponse:
        """A video task's stills (`<id>_s<n>.png`, the first frame of clip n) and animated WebP (`<id>.webp`)."""
        video = task.video
        assert video is not None
        if (ext == "webp") == (still is not None) or (still is not None and int(still) > len(video.clips)):
            raise web.HTTPNotFound()
        if still is not None:
            data = await self._cached(name, video, lambda: render_still_png(video, int(still) - 1))
            return web.Response(body=data, content_type="image/png")
        data = await self._cached(name, video, lambda: render_webp(video))
        return web.Response(body=data, content_type="image/webp")

    async def _video_file(self, request: web.Request) -> web.StreamResponse:
        """`/videos/<id>_v<n>.mp4`: clip n of a video task, an H.264 MP4 (no auth, like a CDN)."""
        name = request.match_info["name"]
        match = re.fullmatch(r"(\d+)_v([1-4])\.mp4", name)
        task = self.tasks.get(match.group(1)) if match else None
        if match is None or task is None or task.video is None or int(match.group(2)) > len(task.video.clips):
            raise web.HTTPNotFound()
        video, index = task.video, int(match.group(2)) - 1
        try:
            data = await self._cached(name, replace(video, pad_to=None), lambda: render_clip_mp4(video, index))
        except VideoUnavailable as exc:
            return web.Response(status=501, text=f"MJ simulator: {exc}", content_type="text/plain")
        header, zeros = padding(len(data), video.pad_to)
        if not header:
            return web.Response(body=data, content_type="video/mp4")
        # Padded (video_size_bytes): stream it, so a clip "over the upload limit" costs no such buffer.
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        response.content_length = len(data) + len(header) + zeros
        await response.prepare(request)
        await response.write(data + header)
        chunk = bytes(min(zeros, _PAD_CHUNK))
        while zeros > 0:
            step = min(zeros, len(chunk))
            await response.write(chunk[:step] if step < len(chunk) else chunk)
            zeros -= step
        await response.write_eof()
        return response

    async def _cached(self, name: str, spec: object, render: Callable[[], bytes]) -> bytes:
        key = (name, hash(spec))
        data = self._rendered.get(key)
        if data is None:
            data = await asyncio.to_thread(render)
            if len(self._rendered) >= _RENDER_CACHE_SIZE:  # drop the oldest render
                del self._rendered[next(iter(self._rendered))]
            self._rendered[key] = data
        return data

    @staticmethod
    def _render(task: SimTask, preview: str | None, cell: str | None) -> bytes | None:
        if task.swap is not None:
            if preview or cell:
                return None
            return render_swap_png(task.swap[0], task.swap[1], task.long_side)
        spec = task.render
        if spec is None:
            return None
        if preview is not None:
            return render_preview_png(spec, task.long_side, int(preview))
        if cell is not None:
            if not spec.is_grid:
                return None
            return render_png(spec.single(int(cell)), max(16, task.long_side // 2))
        return render_png(spec, task.long_side)

    # ------------------------------------------------------------------ /_sim control routes

    async def _sim_tasks(self, request: web.Request) -> web.StreamResponse:
        now = _now_ms()
        out = []
        for task in sorted(self.tasks.values(), key=lambda t: (t.submit_ms, t.id), reverse=True):
            item = task_json(task, self.config.dialect, self.public_base, now)
            item["_sim"] = {
                "mode": task.mode,
                "prefix": task.prefix,
                "model": task.model,
                "kind": task.kind,
                "unanswered": task.unanswered,
            }
            out.append(item)
        return self._json(out)

    async def _sim_callbacks(self, request: web.Request) -> web.StreamResponse:
        """Every notifyHook POST attempted so far (url, body, status or error, time)."""
        return self._json([attempt.to_json() for attempt in self.callbacks])

    async def _sim_get_config(self, request: web.Request) -> web.StreamResponse:
        return self._json(self.config.to_json())

    async def _sim_config(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            values = json.loads(raw) if raw.strip() else None
        except (ValueError, UnicodeDecodeError):
            values = None
        if not isinstance(values, dict):
            return self._json({"error": "expected a JSON object"}, status=400)
        try:
            ignored = self.config.update(values)
        except ValueError as exc:
            return self._json({"error": str(exc)}, status=400)
        return self._json({"config": self.config.to_json(), "ignored": ignored})

    async def _sim_finish(self, request: web.Request) -> web.StreamResponse:
        task_id = request.match_info["id"]
        if task_id not in self.tasks:
            return self._json({"error": "unknown task"}, status=404)
        self.finish_now(task_id)
        return self._json(self.task_json(task_id))


def _now_ms() -> float:
    return time.time() * 1000.0


def _strip_keycap(text: str) -> str:
    text = text.strip()
    for n in range(1, 10):
        if text.startswith(keycap(n)):
            return text[len(keycap(n)) :].strip()
    return text


def _unknown_action(custom_id: str) -> _Reject:
    return _Reject(4, "未知的 Action 类型", na_description=f"unknown_action:{custom_id}")


def _is_cell(index: object) -> bool:
    return isinstance(index, int) and not isinstance(index, bool) and 1 <= index <= 4


def _na_change_rules(action: str, index: object) -> None:
    """new-api's own checks on /submit/change: an action, and an index ≠ 0 even for REROLL (Dooy PR #209)."""
    if not action:
        raise _Reject(4, "action参数错误", na_description="action_is_required")
    if isinstance(index, bool) or not isinstance(index, int) or index <= 0:
        raise _Reject(4, "index参数错误", na_description="index_is_required")


def _video_prompt(prompt: str, motion: str) -> str:
    """The prompt as Midjourney echoes a video job: the motion and `--video 1` appended (unless already there)."""
    out = prompt.strip()
    if "--motion" not in out.lower():
        out = f"{out} --motion {motion}"
    if "--video" not in out.lower():
        out = f"{out} --video 1"
    return out.strip()


def _fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    w, h = size
    scale = long_side / max(w, h, 1)
    return max(1, round(w * scale)), max(1, round(h * scale))


def _source_bytes(spec: VideoSpec) -> bytes | None:
    """An end image as bytes: an input image as it is, a rendered one drawn now."""
    if spec.image is not None:
        return spec.image
    if spec.render is not None:
        return render_png(spec.render, spec.render_long_side)
    return None


def _change_description(parent_id: str, press: Press) -> str:
    if press.kind == "variation":
        return f"/up {parent_id} V{press.index}"
    if press.kind == "reroll":
        return f"/up {parent_id} R"
    return "Submit success"


def create_app(simulator: Simulator | None = None) -> web.Application:
    """An aiohttp application serving a (new) simulator; handy for `aiohttp.web.run_app` or test clients."""
    return (simulator if simulator is not None else Simulator()).make_app()


def run_simulator(host: str = "127.0.0.1", port: int = 8090, config: SimulatorConfig | None = None) -> None:
    """Serve until Ctrl-C (blocking). Used by `mjbot simulator`."""

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    async def main() -> None:
        sim = Simulator(config)
        url = await sim.start(host, port, access_log=True)
        cfg = sim.config
        lines = [
            f"MJ simulator ({cfg.dialect} dialect) serving the midjourney-proxy API at {url}/mj",
            "Point the bot at it, e.g. in .env:",
            f"  MJ_BASE_URL={url}",
        ]
        if cfg.api_key:  # the key itself is not printed: logs and terminals get shared
            lines.append("  MJ_API_KEY=<the key the simulator was started with>")
            lines.append(f"  MJ_AUTH_STYLE={cfg.auth_style}")
        else:
            lines.append("  (no API key required; any MJ_API_KEY is accepted)")
        lines.append(
            f"Control: GET {url}/_sim/tasks, POST {url}/_sim/config, POST {url}/_sim/tasks/<id>/finish,"
            f" GET {url}/_sim/callbacks"
        )
        lines.append("Press Ctrl-C to stop.")
        print("\n".join(lines), flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await sim.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
