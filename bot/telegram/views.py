"""Pure functions from jobs to what Telegram shows: captions and keyboards. No I/O here."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from bot.jobs import ButtonView, Choices, Clip, Dimensions, Job, JobKind, JobState, Picture, Problem, Question, Video
from bot.jobs.modals import REGION_GRID
from bot.jobs.model import Asks
from bot.mj import ButtonAction, ButtonMeaning, Row, important_tokens, meaning, numbered_prompts
from bot.telegram.texts import plain_text, reason, text

CAPTION_LIMIT = 1024  # counted after HTML entities are parsed
TEXT_LIMIT = 4096
REASON_LIMIT = 300
CALLBACK_PREFIX = "b:"  # a Midjourney button, by its stored key
SEED_PREFIX = "seed:"  # 🌱 under a finished picture, by its job id

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
    lang, progress = job.origin.language, job.progress
    match job.state:
        case JobState.SUBMITTING:
            return text(lang, "status_sending")
        case JobState.QUEUED:
            if progress.queue_position:
                return text(lang, "status_queued", ahead=progress.queue_position)
            return text(lang, "status_queued_plain")
        case JobState.SUBMITTED:
            return text(lang, "status_submitted")
        case JobState.IN_PROGRESS:
            if progress.percent is None:
                return text(lang, "status_progress_plain")
            return text(lang, "status_progress", percent=progress.percent, bar=progress_bar(progress.percent))
        case JobState.AWAITING_INPUT:
            return text(lang, "status_needs_input")
        case JobState.TIMED_OUT:
            return _timed_out(job)
        case JobState.CANCELLED if job.problem is Problem.NO_INPUT:
            return text(lang, "error_no_input")
        case JobState.CANCELLED:
            return text(lang, "error_cancelled")
        case JobState.SUCCEEDED:
            picture = job.outcome if isinstance(job.outcome, Picture) else None
            if picture is not None and picture.missing:
                return text(lang, "error_download_failed", url=picture.url or "")
            if isinstance(job.outcome, Video) and not job.outcome.clips:
                return text(lang, "error_video_no_clips")
            return ""
    return _problem_line(job)


def _timed_out(job: Job) -> str:
    minutes = max(1, round(((job.finished_at or job.updated_at) - job.created_at) / 60))
    return text(job.origin.language, "error_timed_out", minutes=minutes)


def _problem_line(job: Job) -> str:
    lang, detail = job.origin.language, job.problem_detail
    why = _shorten(reason(lang, detail), REASON_LIMIT)
    match job.problem:
        case Problem.BANNED:
            return text(lang, "error_banned", word=detail) if detail else text(lang, "error_banned_plain")
        case Problem.QUEUE_FULL:
            return text(lang, "error_queue_full")
        case Problem.REJECTED:
            return text(lang, "error_rejected", reason=why)
        case Problem.MISCONFIGURED:
            return text(lang, "error_misconfigured")
        case Problem.UNAVAILABLE:
            return text(lang, "error_unavailable")
        case Problem.MAYBE_SUBMITTED:
            return text(lang, "error_maybe_submitted")
        case Problem.INTERRUPTED:
            return text(lang, "error_interrupted")
        case Problem.TASK_FAILED if detail:
            return text(lang, "error_task_failed", reason=why)
        case Problem.NOT_OFFERED:
            return text(lang, "error_not_offered", feature=plain_text(lang, _FEATURES.get(detail, "feature_this")))
        case Problem.CHAT_UNREACHABLE:
            return ""
        case Problem.LOST:
            return text(lang, "error_lost")
    return text(lang, "error_task_failed_plain")


# What a missing route means to a person (docs/provider-api.md §5).
_FEATURES = {
    "/mj/submit/describe": "feature_describe",
    "/mj/submit/shorten": "feature_shorten",
    "/mj/submit/blend": "feature_blend",
    "/mj/insight-face/swap": "feature_swap",
    "/mj/submit/upload-discord-images": "feature_references",
    "/mj/submit/modal": "feature_modal",
    "/mj/submit/video": "feature_video",
}


def caption(job: Job, limit: int = CAPTION_LIMIT, notes: Sequence[str] = ()) -> str:
    """Headline, the prompt in bold (or what was asked), and in groups who asked, within `limit` characters.

    A finished image has no headline: its prompt comes first, like Midjourney's own message. Finished
    text to pick from (describe, shorten) shows the prompts instead. `notes` (HTML lines) follow the headline:
    what became of a video's clips.
    """
    tail = _attribution(job) if job.origin.in_group else ""
    if job.request.button is not None:
        tail = " · ".join(p for p in (html.escape(action_title(job)), tail) if p)
    if job.state is JobState.SUCCEEDED and isinstance(job.outcome, Choices):
        head, subject = choices_text(job, limit - visible_length(tail) - 2), ""
    else:
        head, subject = status_line(job), job.request.prompt
    head = "\n".join(line for line in (head, *notes) if line)
    fixed = visible_length(head) + visible_length(tail) + 4  # the line breaks between the parts
    prompt = _shorten(subject, limit - fixed)
    body = f"<b>{html.escape(prompt)}</b>" if prompt else _kind_title(job)
    return "\n\n".join(p for p in (head, body, tail) if p)


def choices_text(job: Job, limit: int) -> str:
    """Describe's four prompts, or shorten's, numbered and each in a tap-to-copy code span."""
    assert isinstance(job.outcome, Choices)
    lang = job.origin.language
    prompts = numbered_prompts(job.outcome.text)
    if not prompts:
        return text(lang, "choices_none")
    shortens = job.kind is JobKind.SHORTEN or modal_action(job) is ButtonAction.SHORTEN_DETAILS
    head = text(lang, "choices_shorten" if shortens else "choices_describe")
    tokens = important_tokens(job.outcome.text) if shortens else ""
    if tokens:
        head += "\n" + text(lang, "choices_tokens", tokens=tokens)
    room = (limit - visible_length(head)) // len(prompts) - 8  # the keycap, the line breaks
    lines = [f"{n}\ufe0f\u20e3 <code>{html.escape(_shorten(p, room))}</code>" for n, p in enumerate(prompts, 1)]
    return "\n\n".join([head, *lines])


def _kind_title(job: Job) -> str:
    """What a job without a prompt of its own is, in words (HTML)."""
    lang = job.origin.language
    match job.kind:
        case JobKind.DESCRIBE:
            return text(lang, "kind_describe")
        case JobKind.BLEND:
            shape = (job.request.dimensions or Dimensions.SQUARE).value.lower()
            return text(lang, "kind_blend", shape=plain_text(lang, f"shape_{shape}"))
        case JobKind.SWAP:
            return text(lang, "kind_swap")
    return ""


def action_title(job: Job) -> str:
    """What a button press made, in Midjourney's words (plain text): "Image #2", "Variations of image #1", …"""
    button = job.request.button
    if button is None:
        return ""
    return press_title(meaning(button.custom_id), job.origin.language) or button.label


def press_title(sense: ButtonMeaning, lang: str) -> str:
    """Midjourney's name for what a press makes, where it has one (plain text); "" otherwise."""
    match sense.action:
        case ButtonAction.UPSCALE if sense.index:
            return plain_text(lang, "action_upscale", n=sense.index)
        case ButtonAction.VARIATION if sense.index:
            return plain_text(lang, "action_variation", n=sense.index)
        case ButtonAction.REROLL:
            return plain_text(lang, "action_reroll")
        case ButtonAction.PAN if sense.detail:
            return plain_text(lang, f"action_pan_{sense.detail}")
        case ButtonAction.DESCRIBE_PICK | ButtonAction.SHORTEN_PICK if sense.index:
            return plain_text(lang, "action_pick", n=sense.index)
        case ButtonAction.DESCRIBE_ALL:
            return plain_text(lang, "action_pick_all")
        case ButtonAction.DESCRIBE_RETRY:
            return plain_text(lang, "action_describe_again")
        case ButtonAction.SHORTEN_DETAILS:
            return plain_text(lang, "action_shorten_details")
        case ButtonAction.ANIMATE | ButtonAction.EXTEND if sense.detail in ("high", "low"):
            return plain_text(lang, f"action_{sense.action}_{sense.detail}")
        case ButtonAction.VIDEO_UPSCALE if sense.index:
            return plain_text(lang, "action_clip", n=sense.index)
    return ""


# -- videos ----------------------------------------------------------------------------------------


class Unsent(StrEnum):
    """Why a clip of a finished video reaches the chat only as its link."""

    MISSING = "download_failed"  # it could not be downloaded
    TOO_LARGE = "too_large"  # it is larger than Telegram lets bots send
    BARRED = "barred"  # the chat does not let the bot send videos


def clip_notes(job: Job, unsent: Sequence[tuple[int, Clip, Unsent]]) -> list[str]:
    """A line for each clip that is passed on as its link (`(number, clip, why)`), and for a grid, what to do."""
    lang = job.origin.language
    video = job.outcome if isinstance(job.outcome, Video) else None
    grid = video is not None and video.is_grid
    lines = []
    for number, clip, why in unsent:
        if grid:
            lines.append(text(lang, f"clip_{why}", n=number, url=clip.url))
        else:
            lines.append(text(lang, f"video_{why}", url=clip.url))
    if grid and video is not None and len(unsent) < len(video.clips):
        lines.append(text(lang, "video_grid_hint", count=len(video.clips)))
    return lines


def clip_caption(job: Job, number: int) -> str:
    return text(job.origin.language, "clip_caption", n=number)


def _attribution(job: Job) -> str:
    name = job.origin.user_name or str(job.origin.user_id)
    return f'👤 <a href="tg://user?id={job.origin.user_id}">{html.escape(name)}</a>'


def _shorten(value: str, limit: int) -> str:
    value = value.strip()
    if limit <= 0:
        return ""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


# -- keyboards -------------------------------------------------------------------------------------

_ROW_ORDER = tuple(Row)
_ROW_WIDTH = 5


def keyboard(buttons: Sequence[ButtonView], *, seed_of: Job | None = None) -> InlineKeyboardMarkup | None:
    """The result's buttons in Discord-like rows; callback_data carries only the stored key.

    A finished picture (`seed_of`) also gets 🌱, which asks the provider for its seed; it joins the last
    row where there is room, so the keyboard keeps Midjourney's shape.
    """
    rows: dict[Row, list[InlineKeyboardButton]] = {}
    for button in buttons:
        pressable = InlineKeyboardButton(button.label or "•", callback_data=CALLBACK_PREFIX + button.key)
        rows.setdefault(button.meaning.row, []).append(pressable)
    ordered = [rows[row] for row in _ROW_ORDER if row in rows]
    layout = [row[i : i + _ROW_WIDTH] for row in ordered for i in range(0, len(row), _ROW_WIDTH)]
    if seed_of is not None and _has_seed(seed_of):
        seed = InlineKeyboardButton("🌱", callback_data=f"{SEED_PREFIX}{seed_of.id}")
        if layout and len(layout[-1]) < _ROW_WIDTH:
            layout[-1].append(seed)
        else:
            layout.append([seed])
    return InlineKeyboardMarkup(layout) if layout else None


def _has_seed(job: Job) -> bool:
    """Midjourney's pictures have seeds; a face swap is not Midjourney's (docs/provider-api.md §9.4)."""
    picture = job.outcome if isinstance(job.outcome, Picture) else None
    drawn = job.state is JobState.SUCCEEDED and job.task_id is not None and job.kind is not JobKind.SWAP
    return drawn and picture is not None and not picture.missing


# -- questions -------------------------------------------------------------------------------------

QUESTION_PREFIX = "q:"  # the buttons under a question: q:<what>:<job id>[:<square>]


def question_text(job: Job, question: Question, limit: int = CAPTION_LIMIT) -> str:
    """What a job waiting for input asks, with the current prompt in a tap-to-copy span."""
    lang, action = job.origin.language, modal_action(job)
    if question.asks is Asks.REGION:
        return text(lang, "ask_region")
    if action is ButtonAction.VARY_REGION:
        key = "ask_region_prompt"
    elif action is ButtonAction.CUSTOM_ZOOM:
        key = "ask_zoom"
    elif action in (ButtonAction.DESCRIBE_PICK, ButtonAction.SHORTEN_PICK):
        key = "ask_pick"
    else:
        key = "ask_remix"
    head = text(lang, key, title=action_title(job) or job.request.prompt[:40], count=len(question.cells))
    room = limit - visible_length(head) - 4
    return f"{head}\n<code>{html.escape(_shorten(question.prefill, room))}</code>" if question.prefill else head


def question_keyboard(job: Job, question: Question, paint_url: str | None = None) -> InlineKeyboardMarkup:
    """The question's buttons; a region can also be painted in the Mini App (`paint_url`, private chats)."""
    lang, tag = job.origin.language, f"{job.id}"
    cancel = InlineKeyboardButton(plain_text(lang, "session_cancel"), callback_data=f"{QUESTION_PREFIX}cancel:{tag}")
    if question.asks is Asks.REGION:
        squares = [
            InlineKeyboardButton(
                f"• {n}" if n in question.cells else str(n), callback_data=f"{QUESTION_PREFIX}cell:{tag}:{n}"
            )
            for n in range(1, REGION_GRID * REGION_GRID + 1)
        ]
        rows = [squares[i : i + REGION_GRID] for i in range(0, len(squares), REGION_GRID)]
        done = InlineKeyboardButton(plain_text(lang, "region_done"), callback_data=f"{QUESTION_PREFIX}done:{tag}")
        if paint_url is not None and not job.origin.in_group:  # Telegram opens Mini Apps from private chats
            rows.insert(0, [InlineKeyboardButton(plain_text(lang, "paint_button"), web_app=WebAppInfo(paint_url))])
        return InlineKeyboardMarkup([*rows, [done, cancel]])
    if not question.prefill:
        return InlineKeyboardMarkup([[cancel]])
    send = InlineKeyboardButton(plain_text(lang, "send_as_is"), callback_data=f"{QUESTION_PREFIX}send:{tag}")
    return InlineKeyboardMarkup([[send, cancel]])


def modal_action(job: Job) -> ButtonAction:
    button = job.request.button
    return meaning(button.custom_id).action if button is not None else ButtonAction.UNKNOWN
