"""A job as a row of the `jobs` table and back: the one place that knows both shapes."""

from __future__ import annotations

import json
import time
from typing import Any

from bot.jobs.model import (
    Asks,
    Choices,
    Clip,
    Dimensions,
    Job,
    JobKind,
    JobState,
    Origin,
    Outcome,
    Picture,
    PressedButton,
    Problem,
    Progress,
    Question,
    Request,
    Shown,
    Video,
)
from bot.store import Database, JobRepository, Row, SqlValue


def to_row(job: Job) -> dict[str, SqlValue]:
    """Every column but `id` (the database assigns it)."""
    origin, request, button, shown = job.origin, job.request, job.request.button, job.shown
    return {
        "kind": request.kind.value,
        "state": job.state.value,
        "chat_id": origin.chat_id,
        "thread_id": origin.thread_id,
        "user_id": origin.user_id,
        "user_name": origin.user_name,
        "language": origin.language,
        "request_message_id": origin.request_message_id,
        "prompt": request.prompt,
        "parent_job_id": request.parent_job_id,
        "button_key": button.key if button else None,
        "custom_id": button.custom_id if button else None,
        "button_label": button.label if button else "",
        "dimensions": request.dimensions.value if request.dimensions else "",
        "unattended": int(request.unattended),
        "task_id": job.task_id,
        "progress": job.progress.percent,
        "queue_position": job.progress.queue_position,
        "preview_url": job.progress.preview_url,
        **_outcome_columns(job),
        "status_message_id": shown.message_id,
        "status_as_text": int(shown.as_text),
        "photo_file_id": shown.photo_file_id,
        "document_file_id": shown.document_file_id,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "finished_at": job.finished_at,
        "delivered_at": job.delivered_at,
        "delivery_attempts": job.delivery_attempts,
        "input_given": int(job.input_given),
    }


def changes(old: Job, new: Job) -> dict[str, SqlValue]:
    """The columns `new` changes, so concurrent writers of other columns are not overwritten."""
    before = to_row(old)
    return {name: value for name, value in to_row(new).items() if before[name] != value}


def from_row(row: Row) -> Job:
    custom_id = _opt_str(row["custom_id"])
    button = (
        PressedButton(_str(row["button_key"]), custom_id, _str(row["button_label"])) if custom_id is not None else None
    )
    return Job(
        id=_int(row["id"]),
        origin=Origin(
            chat_id=_int(row["chat_id"]),
            user_id=_int(row["user_id"]),
            user_name=_str(row["user_name"]),
            language=_str(row["language"]),
            thread_id=_opt_int(row["thread_id"]),
            request_message_id=_opt_int(row["request_message_id"]),
        ),
        request=Request(
            kind=JobKind(_str(row["kind"])),
            prompt=_str(row["prompt"]),
            parent_job_id=_opt_int(row["parent_job_id"]),
            button=button,
            dimensions=Dimensions(_str(row["dimensions"])) if row["dimensions"] else None,
            unattended=bool(row["unattended"]),
        ),
        state=JobState(_str(row["state"])),
        created_at=_float(row["created_at"]),
        updated_at=_float(row["updated_at"]),
        task_id=_opt_str(row["task_id"]),
        progress=Progress(
            percent=_opt_int(row["progress"]),
            queue_position=_opt_int(row["queue_position"]),
            preview_url=_opt_str(row["preview_url"]),
        ),
        outcome=_outcome(row),
        problem=_problem(row),
        problem_detail="" if _missing(row) else _str(row["problem_detail"]),
        shown=Shown(
            message_id=_opt_int(row["status_message_id"]),
            as_text=bool(row["status_as_text"]),
            photo_file_id=_opt_str(row["photo_file_id"]),
            document_file_id=_opt_str(row["document_file_id"]),
        ),
        finished_at=_opt_float(row["finished_at"]),
        delivered_at=_opt_float(row["delivered_at"]),
        delivery_attempts=_int(row["delivery_attempts"]),
        input_given=bool(row["input_given"]),
    )


# A picture that could not be downloaded is stored as the problem 'download_failed', its reason as the detail.
_MISSING = "download_failed"


def _outcome_columns(job: Job) -> dict[str, SqlValue]:
    outcome = job.outcome
    picture = outcome if isinstance(outcome, Picture) else None
    columns: dict[str, SqlValue] = {
        "result_url": picture.url if picture else None,
        "result_width": picture.width if picture else None,
        "result_height": picture.height if picture else None,
        "result_text": outcome.text if isinstance(outcome, Choices) else "",
        "result_clips": _clips_column(outcome) if isinstance(outcome, Video) else "",
        "problem": job.problem.value if job.problem else "",
        "problem_detail": job.problem_detail,
    }
    if isinstance(outcome, Picture) and outcome.missing:
        columns.update(problem=_MISSING, problem_detail=outcome.missing)
    return columns


def _missing(row: Row) -> bool:
    return row["problem"] == _MISSING


def _outcome(row: Row) -> Outcome | None:
    if row["state"] != JobState.SUCCEEDED.value:
        return None
    if row["result_text"]:
        return Choices(_str(row["result_text"]))
    if row["result_clips"]:
        return Video(tuple(_clip(item) for item in json.loads(_str(row["result_clips"]))))
    missing = _str(row["problem_detail"]) if _missing(row) else ""
    return Picture(_opt_str(row["result_url"]), missing, _opt_int(row["result_width"]), _opt_int(row["result_height"]))


def _clips_column(video: Video) -> str:
    """The clips as JSON: a video has one to four, each read back whole."""
    return json.dumps([_clip_fields(clip) for clip in video.clips], sort_keys=True)


def _clip_fields(clip: Clip) -> dict[str, Any]:
    return {
        "url": clip.url,
        "missing": clip.missing,
        "too_large": clip.too_large,
        "width": clip.width,
        "height": clip.height,
        "seconds": clip.seconds,
        "streamable": clip.streamable,
    }


def _clip(fields: dict[str, Any]) -> Clip:
    return Clip(
        url=str(fields.get("url") or ""),
        missing=str(fields.get("missing") or ""),
        too_large=bool(fields.get("too_large")),
        width=fields.get("width"),
        height=fields.get("height"),
        seconds=fields.get("seconds"),
        streamable=bool(fields.get("streamable")),
    )


def _problem(row: Row) -> Problem | None:
    return Problem(_str(row["problem"])) if row["problem"] and not _missing(row) else None


def _str(value: SqlValue) -> str:
    return "" if value is None else str(value)


def _opt_str(value: SqlValue) -> str | None:
    return None if value is None else str(value)


def _int(value: SqlValue) -> int:
    assert isinstance(value, int), value
    return value


def _opt_int(value: SqlValue) -> int | None:
    return None if value is None else _int(value)


def _float(value: SqlValue) -> float:
    assert isinstance(value, int | float), value
    return float(value)


def _opt_float(value: SqlValue) -> float | None:
    return None if value is None else _float(value)


class JobRecords:
    """The domain's view of the `jobs` table: whole jobs in, whole jobs out."""

    def __init__(self, db: Database) -> None:
        self._repo = JobRepository(db)

    async def insert(self, job: Job) -> Job:
        return from_row(await self._repo.insert(to_row(job)))

    async def insert_press(self, job: Job) -> Job | None:
        """Insert a button press unless the same button's previous press is still running."""
        running = [state.value for state in JobState if not state.is_final]
        row = await self._repo.insert_unless_running(to_row(job), running_states=running)
        return from_row(row) if row is not None else None

    async def insert_presses(self, jobs: list[Job]) -> list[Job]:
        """Insert presses together (🎉 Imagine all), or none while any of their buttons is still running."""
        running = [state.value for state in JobState if not state.is_final]
        rows = await self._repo.insert_all_unless_running([to_row(job) for job in jobs], running_states=running)
        return [from_row(row) for row in rows]

    async def shown_in(self, chat_id: int, message_id: int) -> Job | None:
        row = await self._repo.shown_in(chat_id, message_id)
        return from_row(row) if row is not None else None

    async def load(self, job_id: int) -> Job | None:
        row = await self._repo.get(job_id)
        return from_row(row) if row is not None else None

    async def save(self, old: Job, new: Job) -> Job:
        """Write what changed from `old` to `new`; returns the job as stored."""
        values = changes(old, new)
        if not values:
            return new
        values["updated_at"] = time.time()
        row = await self._repo.update(old.id, values)
        if row is None:
            raise LookupError(f"job {old.id} does not exist")
        return from_row(row)

    async def undelivered(self) -> list[Job]:
        return [from_row(row) for row in await self._repo.undelivered()]

    async def by_task_id(self, task_id: str) -> Job | None:
        row = await self._repo.by_task_id(task_id)
        return from_row(row) if row is not None else None

    async def latest_press(self, parent: Job, custom_id: str, state: JobState) -> Job | None:
        row = await self._repo.latest_press(parent.id, custom_id, [state.value])
        return from_row(row) if row is not None else None

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        await self._repo.move_chat(old_chat_id, new_chat_id)


def question_from_row(row: Row) -> Question:
    cells = frozenset(int(c) for c in _str(row["cells"]).split(",") if c)
    return Question(
        job_id=_int(row["job_id"]),
        asks=Asks(_str(row["asks"])),
        prefill=_str(row["prefill"]),
        message_id=_opt_int(row["message_id"]),
        cells=cells,
        asked_at=_float(row["asked_at"]),
    )


def cells_column(cells: frozenset[int]) -> str:
    return ",".join(str(c) for c in sorted(cells))
