"""Typed views of the midjourney-proxy payloads.

Providers disagree on types and presence of nearly every field (docs/provider-api.md §3, §6), so every
parser here is lenient: it accepts integers or strings for ids, missing keys, nulls, and keeps the raw dict.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class TaskStatus(StrEnum):
    NOT_START = "NOT_START"
    SUBMITTED = "SUBMITTED"
    MODAL = "MODAL"
    IN_PROGRESS = "IN_PROGRESS"
    FAILURE = "FAILURE"
    SUCCESS = "SUCCESS"
    CANCEL = "CANCEL"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def parse(cls, value: object) -> TaskStatus:
        try:
            return cls(str(value).strip().upper())
        except ValueError:
            return cls.UNKNOWN

    @property
    def is_terminal(self) -> bool:
        return self in (TaskStatus.SUCCESS, TaskStatus.FAILURE, TaskStatus.CANCEL)


_STAGE = {
    TaskStatus.NOT_START: 1,
    TaskStatus.MODAL: 1,
    TaskStatus.SUBMITTED: 2,
    TaskStatus.IN_PROGRESS: 3,
    TaskStatus.SUCCESS: 4,
    TaskStatus.FAILURE: 4,
    TaskStatus.CANCEL: 4,
}


def as_id(value: object) -> str | None:
    """Task ids arrive as strings or bare integers; keep them as strings, never floats."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        # A float id has already lost precision upstream; the integer part is the best we have.
        value = int(value)
    text = str(value).strip()
    return text or None


def _as_str(value: object) -> str:
    return "" if value is None else str(value)


def _as_ms(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


_PERCENT = re.compile(r"(\d{1,3})(?:\.\d+)?\s*%?")


def parse_progress(value: object) -> int | None:
    """`"31%"`, `"31"`, `31`, `""` or null → 31 / None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return max(0, min(100, int(value)))
    match = _PERCENT.search(str(value))
    return max(0, min(100, int(match.group(1)))) if match else None


def _as_mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class Button:
    custom_id: str
    label: str = ""
    emoji: str = ""
    style: int = 2

    @classmethod
    def from_json(cls, data: object) -> Button | None:
        data = _as_mapping(data)
        custom_id = _as_str(data.get("customId") or data.get("custom_id")).strip()
        if not custom_id:  # link buttons ("Web") carry no customId and cannot be proxied
            return None
        style = data.get("style")
        return cls(
            custom_id=custom_id,
            label=_as_str(data.get("label")).strip(),
            emoji=_as_str(data.get("emoji")).strip(),
            style=style if isinstance(style, int) and not isinstance(style, bool) else 2,
        )


@dataclass(frozen=True)
class ClipLink:
    """Where one clip of a video task is (docs/provider-api.md §9.5), and its still if the provider has one."""

    url: str
    thumbnail: str | None = None


def _clip_links(data: Mapping[str, Any]) -> tuple[ClipLink, ...]:
    """`videoUrls[{url, thumbnail}]` (TA; new-api without thumbnails), else `videoUrl`; the stills of
    `imageUrls[]` stand in for missing thumbnails."""
    stills = [_as_str(_as_mapping(item).get("url")).strip() for item in _as_list(data.get("imageUrls"))]
    links = []
    for n, item in enumerate(_as_list(data.get("videoUrls"))):
        entry = _as_mapping(item) if isinstance(item, Mapping) else {"url": item}
        url = _as_str(entry.get("url")).strip()
        thumbnail = _as_str(entry.get("thumbnail")).strip() or (stills[n] if n < len(stills) else "")
        if url:
            links.append(ClipLink(url, thumbnail or None))
    single = _as_str(data.get("videoUrl")).strip()
    if not links and single:
        links.append(ClipLink(single, stills[0] if stills and stills[0] else None))
    return tuple(links)


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


@dataclass(frozen=True)
class Task:
    id: str
    status: TaskStatus
    action: str = ""
    progress: int | None = None
    image_url: str | None = None
    fail_reason: str = ""
    prompt: str = ""
    prompt_en: str = ""
    description: str = ""
    state: str = ""
    submit_time: int | None = None
    start_time: int | None = None
    finish_time: int | None = None
    buttons: tuple[Button, ...] = ()
    properties: Mapping[str, Any] = field(default_factory=dict)
    clips: tuple[ClipLink, ...] = ()  # a video task's clips (§9.5)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def final_prompt(self) -> str:
        return _as_str(self.properties.get("finalPrompt")) or self.prompt_en or self.prompt

    @property
    def stage(self) -> tuple[int, int]:
        """How far along the task is; of two reports about one task, the later stage is the newer news."""
        return _STAGE.get(self.status, 0), self.progress or 0

    @classmethod
    def from_json(cls, data: object) -> Task | None:
        """Parse one task object; None when it is not a task at all (no id)."""
        data = _as_mapping(data)
        task_id = as_id(data.get("id"))
        if task_id is None:
            return None
        buttons_raw = data.get("buttons")
        buttons = tuple(
            b
            for b in (Button.from_json(x) for x in (buttons_raw if isinstance(buttons_raw, list) else []))
            if b is not None
        )
        image_url = _as_str(data.get("imageUrl")).strip() or None
        return cls(
            id=task_id,
            status=TaskStatus.parse(data.get("status")),
            action=_as_str(data.get("action")),
            progress=parse_progress(data.get("progress")),
            image_url=image_url,
            fail_reason=_as_str(data.get("failReason")),
            prompt=_as_str(data.get("prompt")),
            prompt_en=_as_str(data.get("promptEn")),
            description=_as_str(data.get("description")),
            state=_as_str(data.get("state")),
            submit_time=_as_ms(data.get("submitTime")),
            start_time=_as_ms(data.get("startTime")),
            finish_time=_as_ms(data.get("finishTime")),
            buttons=buttons,
            properties=_as_mapping(data.get("properties")),
            clips=_clip_links(data),
            raw=data,
        )


class BotType(StrEnum):
    """Which Midjourney bot draws (docs/provider-api.md §5); some providers require it on every submit."""

    MIDJOURNEY = "MID_JOURNEY"
    NIJI = "NIJI_JOURNEY"


class SubmitStatus(StrEnum):
    ACCEPTED = "accepted"  # code 1 (relays also turn 21 and 22 into 1)
    QUEUED = "queued"  # code 22: accepted behind `queue_position` other tasks
    MODAL = "modal"  # code 21: the new task waits in MODAL for /submit/modal (§7)
    EXISTING = "existing"  # code 21 naming an existing task (old novicezk's repeated upscale, §4)


@dataclass(frozen=True)
class SubmitResult:
    """An accepted submit. `task_ids` has several ids only for TA's "Imagine all" (§5.2)."""

    task_ids: tuple[str, ...]
    status: SubmitStatus = SubmitStatus.ACCEPTED
    description: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)
    queue_position: int | None = None  # code 22: tasks ahead of this one

    @property
    def task_id(self) -> str:
        return self.task_ids[0]

    @property
    def final_prompt(self) -> str:
        """The prompt a modal would be pre-filled with (code 21)."""
        return _as_str(self.properties.get("finalPrompt"))
