"""Pure functions from jobs to what Telegram shows: captions and keyboards. No I/O here."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.jobs import ErrorKind, Job, JobStatus, StoredButton, button_label
from bot.telegram.texts import plain_text, reason, text

CAPTION_LIMIT = 1024  # counted after HTML entities are parsed
REASON_LIMIT = 300
CALLBACK_PREFIX = "b:"

_TAGS = re.compile(r"<[^>]+>")


def plain(fragment: str) -> str:
    """What a user reads once Telegram has parsed the HTML."""
    return html.unescape(_TAGS.sub("", fragment))


def visible_length(fragment: str) -> int:
    return len(plain(fragment))


def progress_bar(percent: int, width: int = 10) -> str:
    filled = round(max(0, min(100, percent)) * width / 100)
    return "▰" * filled + "▱" * (width - filled)


def status_line(job: Job) -> str:
    """The headline of a running job, or of a finished one that did not produce an image."""
    lang = job.language
    match job.status:
        case JobStatus.SUBMITTING:
            return text(lang, "status_sending")
        case JobStatus.QUEUED:
            if job.queue_position:
                return text(lang, "status_queued", ahead=job.queue_position)
            return text(lang, "status_queued_plain")
        case JobStatus.SUBMITTED:
            return text(lang, "status_submitted")
        case JobStatus.IN_PROGRESS:
            if job.progress is None:
                return text(lang, "status_progress_plain")
            return text(lang, "status_progress", percent=job.progress, bar=progress_bar(job.progress))
        case JobStatus.TIMED_OUT:
            return _timed_out(job)
        case JobStatus.SUCCEEDED if job.error_kind is ErrorKind.NONE:
            return ""
        case _:
            return _problem_line(job)


def _timed_out(job: Job) -> str:
    minutes = max(1, round(((job.finished_at or job.updated_at) - job.created_at) / 60))
    return text(job.language, "error_timed_out", minutes=minutes)


def _problem_line(job: Job) -> str:
    lang, detail = job.language, job.error
    why = _shorten(reason(lang, detail), REASON_LIMIT)
    match job.error_kind:
        case ErrorKind.BANNED:
            return text(lang, "error_banned", word=detail) if detail else text(lang, "error_banned_plain")
        case ErrorKind.QUEUE_FULL:
            return text(lang, "error_queue_full")
        case ErrorKind.REJECTED:
            return text(lang, "error_rejected", reason=why)
        case ErrorKind.MISCONFIGURED:
            return text(lang, "error_misconfigured")
        case ErrorKind.UNAVAILABLE:
            return text(lang, "error_unavailable")
        case ErrorKind.MAYBE_SUBMITTED:
            return text(lang, "error_maybe_submitted")
        case ErrorKind.INTERRUPTED:
            return text(lang, "error_interrupted")
        case ErrorKind.TASK_FAILED:
            return text(lang, "error_task_failed", reason=why) if detail else text(lang, "error_task_failed_plain")
        case ErrorKind.DOWNLOAD_FAILED:
            return text(lang, "error_download_failed", url=job.image_url or "")
    if job.status is JobStatus.CANCELLED:
        return text(lang, "error_cancelled")
    if job.status is JobStatus.NEEDS_INPUT:
        return text(lang, "error_needs_input")
    return text(lang, "error_task_failed_plain")


def caption(job: Job, *, group: bool = False) -> str:
    """Headline, the prompt in bold, and in groups who asked; the prompt is shortened to fit 1024.

    A finished image has no headline: its prompt comes first, like Midjourney's own message.
    """
    head = status_line(job)
    tail = _attribution(job) if group else ""
    if job.custom_id:
        tail = " · ".join(p for p in (html.escape(action_title(job)), tail) if p)
    fixed = visible_length(head) + visible_length(tail) + 4  # the line breaks between the parts
    prompt = _shorten(job.prompt, CAPTION_LIMIT - fixed)
    parts = [p for p in (head, f"<b>{html.escape(prompt)}</b>" if prompt else "", tail) if p]
    return "\n\n".join(parts)


_UPSCALE = re.compile(r"::upsample::(\d+)::")
_VARIATION = re.compile(r"::variation::(\d+)::[^:]+$")
_PAN = re.compile(r"::pan_(left|right|up|down)::")


def action_title(job: Job) -> str:
    """What a button press made, in Midjourney's words (plain text): "Image #2", "Variations of image #1", …"""
    custom_id, lang = job.custom_id or "", job.language
    if match := _UPSCALE.search(custom_id):
        return plain_text(lang, "action_upscale", n=match.group(1))
    if match := _VARIATION.search(custom_id):
        return plain_text(lang, "action_variation", n=match.group(1))
    if "::reroll::" in custom_id:
        return plain_text(lang, "action_reroll")
    if match := _PAN.search(custom_id):
        return plain_text(lang, f"action_pan_{match.group(1)}")
    return job.label


def _attribution(job: Job) -> str:
    name = job.user_name or str(job.user_id)
    return f'👤 <a href="tg://user?id={job.user_id}">{html.escape(name)}</a>'


def _shorten(value: str, limit: int) -> str:
    value = value.strip()
    if limit <= 0:
        return ""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


# -- keyboards -------------------------------------------------------------------------------------

# Row groups in Discord's order. Each pattern is matched against the customId.
_GROUPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("upscale_pick", re.compile(r"::upsample::\d+::[^:]+$|::reroll::")),
    ("variation_pick", re.compile(r"::variation::\d+::[^:]+$")),
    ("upscale", re.compile(r"::upsample_")),
    ("vary", re.compile(r"low_variation|high_variation|::variation::\d+::.+::SOLO|::Inpaint::")),
    ("zoom", re.compile(r"::Outpaint::|::CustomZoom::")),
    ("pan", re.compile(r"::pan_")),
    ("animate", re.compile(r"animate|video")),
    ("pick", re.compile(r"PicReader|Picread|PromptAnalyzer")),
)
_HIDDEN = re.compile(r"::BOOKMARK::")  # rating a job is not supported by any proxy (mj-api.md §8 row 18)
_ROW_WIDTH = 5


def keyboard(buttons: Sequence[StoredButton]) -> InlineKeyboardMarkup | None:
    """The task's own buttons in Discord-like rows; callback_data carries only the stored key."""
    rows: dict[str, list[InlineKeyboardButton]] = {}
    for button in buttons:
        if _HIDDEN.search(button.custom_id):
            continue
        label = button_label(button) or "•"
        group = next((name for name, pattern in _GROUPS if pattern.search(button.custom_id)), "other")
        rows.setdefault(group, []).append(InlineKeyboardButton(label, callback_data=CALLBACK_PREFIX + button.key))
    ordered = [rows[name] for name, _ in (*_GROUPS, ("other", None)) if name in rows]
    layout = [row[i : i + _ROW_WIDTH] for row in ordered for i in range(0, len(row), _ROW_WIDTH)]
    return InlineKeyboardMarkup(layout) if layout else None
