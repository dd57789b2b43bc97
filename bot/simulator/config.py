"""Simulator settings, changeable at runtime (tests flip switches between requests)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

AUTH_STYLES = ("bearer", "raw", "mj-api-secret")
DIALECTS = ("plus", "nz", "ta", "na", "uniapi")


FAULT_KINDS = ("status", "reset", "delay", "truncate", "corrupt")


@dataclass
class Fault:
    """A scripted bad answer for the next `times` matching requests (provider docs §12: what users trip over).

    A request matches when its path contains `route` and, if `prompt` is set, its body mentions it (so one
    person's requests fail while another's go through). Kinds:

    - ``status``: answer `status` with `body` (`content_type`, and `Retry-After` when `retry_after` is set);
    - ``reset``: drop the connection without an answer;
    - ``delay``: hold the answer `seconds` (a client with a shorter timeout gives up first);
    - ``truncate``: send only the first half of the real answer (JSON cut off mid-way);
    - ``corrupt``: the real answer's first 64 bytes, then garbage (an image that will not decode).

    With `after`, the request is carried out first (a task is made) and only its answer goes wrong; ``truncate``
    and ``corrupt`` always are.
    """

    route: str
    kind: str = "status"
    prompt: str | None = None
    status: int = 500
    body: str = ""
    content_type: str = "application/json"
    retry_after: str | None = None
    seconds: float = 0.0
    times: int = 1
    after: bool = False

    def matches(self, path: str, raw_body: bytes) -> bool:
        if self.route not in path:
            return False
        return self.prompt is None or self.prompt.encode() in raw_body


@dataclass
class SimulatorConfig:
    api_key: str | None = None  # when set, requests must authenticate (per auth_style) or get 401
    auth_style: str = "bearer"  # "bearer" | "raw" | "mj-api-secret"
    dialect: str = "plus"  # "plus" | "nz" | "ta" | "na" | "uniapi" (provider docs §13)
    queue_seconds: float = 1.0  # time a task spends NOT_START (only when queued: see queue_ahead)
    submitted_seconds: float = 1.0  # time in SUBMITTED
    render_seconds: float = 4.0  # time in IN_PROGRESS, spread over progress steps
    progress_steps: tuple[int, ...] = (0, 15, 31, 46, 62, 78, 93)
    previews: bool = True  # IN_PROGRESS tasks carry a low-res preview imageUrl
    queue_ahead: int = 0  # >0: submits answer code 22 with properties.numberOfQueues
    queue_full: bool = False  # submits answer "queue full" (code 23; dialect ta: code 9)
    banned_words: tuple[str, ...] = ("badword",)
    fail_reason: str | None = None  # every new task ends FAILURE with this failReason
    never_finish: bool = False  # new tasks stay IN_PROGRESS forever
    list_by_condition: bool = True  # False: no task/list-by-condition (answered like any missing route)
    http_fault: tuple[int, str, str] | None = None  # (status, content_type, body) for every request
    image_size: int = 512  # long side of the rendered grid in px
    public_base_url: str | None = None  # base used in imageUrl; default = the bound URL
    remix: bool = False  # V/🔄/pan/vary/Animate/Extend presses answer code 21 MODAL like a remix-on account
    callbacks: bool = True  # False: notifyHook callbacks never arrive (nothing is sent, nothing recorded)
    callback_delay: float = 0.0  # seconds each callback is held back (a slow network)
    video_size_bytes: int | None = None  # pad every new video task's MP4 clips to this size (a `free` box)
    faults: list[Fault] = field(default_factory=list)  # scripted bad answers, used up in order

    def to_json(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def update(self, values: dict[str, Any]) -> list[str]:
        """Set the fields named in `values` (JSON types are coerced); returns the unknown names.

        Raises ValueError (nothing changed) when a value does not fit its field.
        """
        known = {f.name: f for f in dataclasses.fields(self)}
        unknown = [k for k in values if k not in known]
        staged: dict[str, Any] = {}
        for name, value in values.items():
            if name in known:
                staged[name] = _coerce(name, value)
        if "auth_style" in staged and staged["auth_style"] not in AUTH_STYLES:
            raise ValueError(f"auth_style must be one of {AUTH_STYLES}")
        if "dialect" in staged and staged["dialect"] not in DIALECTS:
            raise ValueError(f"dialect must be one of {DIALECTS}")
        for name, value in staged.items():
            setattr(self, name, value)
        return unknown


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, list):
        return [dataclasses.asdict(v) if isinstance(v, Fault) else v for v in value]
    return value


_FLOATS = {"queue_seconds", "submitted_seconds", "render_seconds", "callback_delay"}
_INTS = {"queue_ahead", "image_size"}
_OPT_INTS = {"video_size_bytes"}
_BOOLS = {"previews", "queue_full", "never_finish", "list_by_condition", "remix", "callbacks"}
_OPT_STRS = {"api_key", "fail_reason", "public_base_url"}
_STRS = {"auth_style", "dialect"}


def _coerce(name: str, value: Any) -> Any:
    if name in _FLOATS:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(f"{name} must be a non-negative number")
        return float(value)
    if name in _INTS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer")
        if name == "image_size" and value < 16:
            raise ValueError("image_size must be at least 16")
        return value
    if name in _OPT_INTS:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer or null")
        return value
    if name in _BOOLS:
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be a boolean")
        return value
    if name in _OPT_STRS:
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name} must be a string or null")
        return value or None
    if name in _STRS:
        if not isinstance(value, str):
            raise ValueError(f"{name} must be a string")
        return value
    if name == "progress_steps":
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 100 for v in value)
        ):
            raise ValueError("progress_steps must be a non-empty list of integers 0..99")
        return tuple(value)
    if name == "banned_words":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("banned_words must be a list of strings")
        return tuple(value)
    if name == "faults":
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ValueError("faults must be a list of objects")
        try:
            faults = [Fault(**v) for v in value]
        except TypeError as exc:
            raise ValueError(f"faults: {exc}") from None
        if any(f.kind not in FAULT_KINDS for f in faults):
            raise ValueError(f"fault kinds are {FAULT_KINDS}")
        return faults
    if name == "http_fault":
        if value is None:
            return None
        if (
            not isinstance(value, list)
            or len(value) != 3
            or isinstance(value[0], bool)
            or not isinstance(value[0], int)
            or not all(isinstance(v, str) for v in value[1:])
        ):
            raise ValueError("http_fault must be null or [status, content_type, body]")
        return (value[0], value[1], value[2])
    raise ValueError(f"unsupported field {name}")  # pragma: no cover - every field is listed above


class HeaderDict(dict[str, str]):
    """Request headers stored lower-case; lookups ignore case (`h["Authorization"]`, `h.get("x")`)."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__((k.lower(), v) for k, v in items)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # a HeaderDict: case-insensitive lookups
    json: Any
    query: dict[str, str] = field(default_factory=dict)


@dataclass
class CallbackAttempt:
    """One notifyHook POST (provider docs §11): sent once, never retried; the outcome is only recorded."""

    task_id: str
    url: str
    body: dict[str, Any]  # the task JSON as fetch returned it at the change
    status: int | None  # the hook's HTTP status; None when the request failed
    error: str | None  # None on a 2xx answer; "HTTP 500", or the network error
    time: float  # epoch seconds when the POST was sent

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
