"""Simulated tasks: lifecycle by wall-clock time, buttons, result texts and the task JSON per dialect."""

from __future__ import annotations

import hashlib
import math
import random
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.simulator.images import RenderSpec, fit_aspect
from bot.simulator.videos import VideoSpec

# ---------------------------------------------------------------------------------------------- statuses

NOT_START = "NOT_START"
SUBMITTED = "SUBMITTED"
MODAL = "MODAL"
IN_PROGRESS = "IN_PROGRESS"
SUCCESS = "SUCCESS"
FAILURE = "FAILURE"
CANCEL = "CANCEL"
TERMINAL = frozenset({SUCCESS, FAILURE, CANCEL})

# Result kinds (what the finished task shows).
GRID = "grid"
UPSCALE = "upscale"
UPSCALE_HD = "upscale_hd"
DESCRIBE = "describe"
SHORTEN = "shorten"
SWAP = "swap"
VIDEO_GRID = "video_grid"  # an Animate press or /submit/video: 1, 2 or 4 clips with U buttons
VIDEO_CLIP = "video_clip"  # one picked (video_virtual_upscale) or extended clip, with the Extend buttons
VIDEO_KINDS = frozenset({VIDEO_GRID, VIDEO_CLIP})

INSTANCE_ID = "1118138338562560102"
CHANNEL_ID = "1118138338562560102"
UNIAPI_CHANNEL_ID = 8774786694361674000  # big JSON numbers that lost precision upstream (seed S4)
UNIAPI_INSTANCE_ID = 7415633538733103000
USER_ID = "1343445981269594182"

_DISPLAY_STATUS = {
    NOT_START: "未启动",
    SUBMITTED: "已提交",
    MODAL: "窗口等待",
    IN_PROGRESS: "执行中",
    SUCCESS: "成功",
    FAILURE: "失败",
    CANCEL: "取消",
}


def keycap(n: int) -> str:
    return f"{n}\ufe0f\u20e3"


# ---------------------------------------------------------------------------------------------- prompts

_AR = re.compile(r"--(?:ar|aspect)\s+(\d+)\s*:\s*(\d+)", re.IGNORECASE)
_ZOOM = re.compile(r"--zoom\s+(\d+(?:\.\d+)?)", re.IGNORECASE)
_VERSION = re.compile(r"--(v|version|niji)\s+([\d.]+)", re.IGNORECASE)


def parse_ar(prompt: str) -> tuple[int, int] | None:
    match = _AR.search(prompt)
    if match is None:
        return None
    w, h = int(match.group(1)), int(match.group(2))
    if w <= 0 or h <= 0:
        return None
    g = math.gcd(w, h)
    return w // g, h // g


def set_ar(prompt: str, aspect: tuple[int, int]) -> str:
    text = f"--ar {aspect[0]}:{aspect[1]}"
    if _AR.search(prompt):
        return _AR.sub(text, prompt, count=1)
    return f"{prompt.rstrip()} {text}".strip()


def pan_aspect(aspect: tuple[int, int], direction: str) -> tuple[int, int]:
    """MJ widens the canvas by half on a pan: 1:1 → 3:2 to the sides, 2:3 up or down."""
    w, h = aspect
    if direction in ("left", "right"):
        w, h = w * 3, h * 2
    else:
        w, h = w * 2, h * 3
    g = math.gcd(w, h)
    return w // g, h // g


def zoom_factor(prompt: str) -> float | None:
    match = _ZOOM.search(prompt)
    return float(match.group(1)) if match else None


def banned_word(prompt: str, words: tuple[str, ...]) -> str | None:
    for word in words:
        word = word.strip()
        if word and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", prompt, re.IGNORECASE):
            return word
    return None


def speed_of(mode: str | None, prompt: str) -> str:
    if mode == "RELAX":
        return "relaxed"
    if mode == "TURBO":
        return "turbo"
    if mode == "FAST":
        return "fast"
    if re.search(r"--relax\b", prompt):
        return "relaxed"
    if re.search(r"--turbo\b", prompt):
        return "turbo"
    return "fast"


def version_of(prompt: str, bot_type: str) -> str:
    match = _VERSION.search(prompt)
    if match:
        name = "niji" if match.group(1).lower() == "niji" else "v"
        return f"{name} {match.group(2)}"
    return "niji 6" if bot_type == "NIJI_JOURNEY" else "v 7"


_PARAM = re.compile(r"\s--\S.*$", re.DOTALL)
_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "with",
        "and",
        "or",
        "for",
        "by",
        "from",
        "very",
        "really",
        "some",
        "its",
        "it",
        "is",
        "are",
        "be",
        "this",
        "that",
    }
)


def _split_params(prompt: str) -> tuple[str, str]:
    match = _PARAM.search(prompt)
    if match is None:
        return prompt.strip(), ""
    return prompt[: match.start()].strip(), match.group(0).strip()


def shorten_text(prompt: str, details: bool) -> str:
    """The `/shorten` embed as PLUS/TA expose it in finalPrompt (provider docs §9.2)."""
    body, params = _split_params(prompt)
    words = [w.strip(",.;:") for w in body.split()]
    words = [w for w in words if w]
    kept = [w for w in words if w.lower() not in _STOPWORDS] or words[:1] or ["image"]
    tokens = ", ".join(f"~~{w}~~" if w.lower() in _STOPWORDS else f"**{w}**" for w in words) or "**image**"
    lines = ["## Important tokens", tokens, ""]
    if details:
        lines.append("## Details")
        for i, w in enumerate(kept):
            weight = max(0.05, 1.0 - i * 0.13)
            bars = round(weight * 10)
            lines.append(f"{w} ({weight:.2f}) {'█' * bars}{'░' * (10 - bars)}")
        lines.append("")
    lines.append("## Shortened prompts")
    for n in range(1, 6):
        keep = max(1, math.ceil(len(kept) * (1.0 - (n - 1) * 0.18)))
        text = " ".join(kept[:keep])
        if params:
            text = f"{text} {params}"
        lines.append(f"{keycap(n)} {text}")
        if n < 5:
            lines.append("")
    return "\n".join(lines)


def shortened_prompt(text: str, index: int) -> str:
    """Prompt N of a shorten result (the line that starts with the keycap)."""
    for line in text.splitlines():
        if line.startswith(keycap(index)):
            return line[len(keycap(index)) :].strip()
    return ""


_DESCRIBE_TEMPLATES = (
    "a {c} abstract composition with soft gradients, minimalist poster style",
    "{c} tones, dreamy atmosphere, digital art, highly detailed",
    "an image dominated by {c}, in the style of [Mark Rothko](https://goo.gl/search?artist%20Mark%20Rothko), "
    "color field painting",
    "simulated photograph, {c} background, studio lighting, 8k",
    "{c} geometric shapes floating in space, 3d render, octane",
    "a vintage {c} postcard, grainy film photo, nostalgic mood",
    "watercolor illustration washed in {c}, loose brush strokes",
)


def describe_text(colour: str, aspect: tuple[int, int], rng: random.Random) -> str:
    picks = rng.sample(_DESCRIBE_TEMPLATES, 4)
    return "\n\n".join(
        f"{keycap(i + 1)} {t.format(c=colour)} --ar {aspect[0]}:{aspect[1]}" for i, t in enumerate(picks)
    )


def describe_prompt(text: str, index: int) -> str:
    for part in text.split("\n\n"):
        if part.startswith(keycap(index)):
            return part.strip()
    return ""


# ---------------------------------------------------------------------------------------------- buttons


def button(custom_id: str, label: str = "", emoji: str = "", style: int = 2) -> dict[str, Any]:
    return {"customId": custom_id, "emoji": emoji, "label": label, "type": 2, "style": style}


def grid_buttons(u: str) -> list[dict[str, Any]]:
    out = [button(f"MJ::JOB::upsample::{n}::{u}", f"U{n}") for n in range(1, 5)]
    out.append(button(f"MJ::JOB::reroll::0::{u}::SOLO", "", "🔄"))
    out.extend(button(f"MJ::JOB::variation::{n}::{u}", f"V{n}") for n in range(1, 5))
    return out


def _hd_ids(u: str) -> tuple[str, str]:
    return f"MJ::JOB::upsample_v7_2x_subtle::1::{u}::SOLO", f"MJ::JOB::upsample_v7_2x_creative::1::{u}::SOLO"


def _vary_buttons(u: str) -> list[dict[str, Any]]:
    return [
        button(f"MJ::JOB::low_variation::1::{u}::SOLO", "Vary (Subtle)", "🪄"),
        button(f"MJ::JOB::high_variation::1::{u}::SOLO", "Vary (Strong)", "🪄"),
    ]


def _animate_buttons(u: str) -> list[dict[str, Any]]:
    return [
        button(f"MJ::JOB::animate_high::1::{u}::SOLO", "Animate (High motion)", "🎞️"),
        button(f"MJ::JOB::animate_low::1::{u}::SOLO", "Animate (Low motion)", "🎞️"),
    ]


def video_grid_buttons(u: str, clips: int) -> list[dict[str, Any]]:
    """A video grid's buttons (provider docs §8 row 16): U1… pick one clip."""
    return [button(f"MJ::JOB::video_virtual_upscale::{n}::{u}", f"U{n}") for n in range(1, clips + 1)]


def video_clip_buttons(u: str) -> list[dict[str, Any]]:
    """A picked or extended clip's buttons (provider docs §8 row 17)."""
    return [
        button(f"MJ::JOB::animate_high_extend::1::{u}", "Extend (High motion)", "🎞️"),
        button(f"MJ::JOB::animate_low_extend::1::{u}", "Extend (Low motion)", "🎞️"),
    ]


def _bookmark_button(u: str) -> dict[str, Any]:
    return button(f"MJ::BOOKMARK::{u}", "", "❤️")


def upscale_buttons(u: str, *, animate: bool = False, bookmark: bool = True) -> list[dict[str, Any]]:
    """An upscaled image's buttons in Midjourney's v7 order (provider docs §8 notes).

    `animate`: the account has video (Animate High/Low after the pans); `bookmark`: the ❤️ button last.
    """
    subtle, creative = _hd_ids(u)
    out = [
        button(subtle, "Upscale (Subtle)", "upscale_1"),
        button(creative, "Upscale (Creative)", "upscale_1"),
        *_vary_buttons(u),
        button(f"MJ::Inpaint::1::{u}::SOLO", "Vary (Region)", "🖌️"),
        button(f"MJ::Outpaint::50::1::{u}::SOLO", "Zoom Out 2x", "🔍"),
        button(f"MJ::Outpaint::75::1::{u}::SOLO", "Zoom Out 1.5x", "🔍"),
        button(f"MJ::CustomZoom::{u}", "Custom Zoom", "🔍"),
        button(f"MJ::JOB::pan_left::1::{u}::SOLO", "", "⬅️"),
        button(f"MJ::JOB::pan_right::1::{u}::SOLO", "", "➡️"),
        button(f"MJ::JOB::pan_up::1::{u}::SOLO", "", "⬆️"),
        button(f"MJ::JOB::pan_down::1::{u}::SOLO", "", "⬇️"),
    ]
    if animate:
        out.extend(_animate_buttons(u))
    if bookmark:
        out.append(_bookmark_button(u))
    return out


def hd_buttons(u: str, *, animate: bool = False, bookmark: bool = True) -> list[dict[str, Any]]:
    """After an HD upscale: Redo Upscale, Vary, Animate and ❤️ (provider docs §8 notes)."""
    subtle, creative = _hd_ids(u)
    out = [
        button(subtle, "Redo Upscale (Subtle)", "upscale_1"),
        button(creative, "Redo Upscale (Creative)", "upscale_1"),
        *_vary_buttons(u),
    ]
    if animate:
        out.extend(_animate_buttons(u))
    if bookmark:
        out.append(_bookmark_button(u))
    return out


def describe_buttons() -> list[dict[str, Any]]:
    out = [button(f"MJ::Job::PicReader::{n}", "", keycap(n)) for n in range(1, 5)]
    out.append(button("MJ::Picread::Retry", "", "🔄"))
    out.append(button("MJ::Job::PicReader::all", "Imagine all", "🎉"))
    return out


def shorten_buttons(u: str, details: bool) -> list[dict[str, Any]]:
    out = [button(f"MJ::Job::PromptAnalyzer::{u}::{n}", "", keycap(n)) for n in range(1, 6)]
    if not details:
        out.append(button(f"MJ::Job::PromptAnalyzerExtended::{u}", "Show Details"))
    return out


@dataclass(frozen=True)
class Press:
    """A parsed customId."""

    kind: str
    index: int = 0
    detail: str = ""

    # Presses the new-api relay knows how to forward (provider docs §7); it rejects the others.
    @property
    def known_to_na(self) -> bool:
        return self.kind in {
            "upsample",
            "upsample_hd",
            "variation",
            "low_variation",
            "high_variation",
            "reroll",
            "pan",
            "outpaint",
            "custom_zoom",
            "inpaint",
        }

    @property
    def always_modal(self) -> bool:
        return self.kind in {"custom_zoom", "inpaint", "picreader", "analyzer"}

    @property
    def remix_modal(self) -> bool:
        return self.kind in {"variation", "low_variation", "high_variation", "reroll", "pan", "animate", "extend"}

    @property
    def video(self) -> bool:
        """Presses only TA forwards (provider docs §8 rows 15–17)."""
        return self.kind in {"animate", "video_upscale", "extend"}


_PRESSES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^MJ::JOB::upsample::([1-4])::[\w-]+$"), "upsample"),
    (re.compile(r"^MJ::JOB::variation::([1-4])::[\w-]+(?:::SOLO)?$"), "variation"),
    (re.compile(r"^MJ::JOB::reroll::0::[\w-]+::SOLO$"), "reroll"),
    (re.compile(r"^MJ::JOB::(low|high)_variation::1::[\w-]+::SOLO$"), "vary"),
    (re.compile(r"^MJ::JOB::upsample_v\w*?_2x_(subtle|creative)::1::[\w-]+::SOLO$"), "upsample_hd"),
    (re.compile(r"^MJ::Inpaint::1::[\w-]+::SOLO$"), "inpaint"),
    (re.compile(r"^MJ::Outpaint::(50|75|100)::1::[\w-]+::SOLO$"), "outpaint"),
    (re.compile(r"^MJ::CustomZoom::(?:1::)?[\w-]+$"), "custom_zoom"),
    (re.compile(r"^MJ::JOB::pan_(left|right|up|down)::1::[\w-]+::SOLO$"), "pan"),
    (re.compile(r"^MJ::JOB::animate_(high|low)::1::[\w-]+::SOLO$"), "animate"),
    (re.compile(r"^MJ::JOB::video_virtual_upscale::([1-4])::[\w-]+$"), "video_upscale"),
    (re.compile(r"^MJ::JOB::animate_(high|low)_extend::[1-4]::[\w-]+$"), "extend"),
    (re.compile(r"^MJ::BOOKMARK::[\w-]+$"), "bookmark"),
    (re.compile(r"^MJ::Job::PicReader::all$"), "picreader_all"),
    (re.compile(r"^MJ::Job::PicReader::([1-4])$"), "picreader"),
    (re.compile(r"^MJ::Picread::Retry$"), "picread_retry"),
    (re.compile(r"^MJ::Job::PromptAnalyzer::[\w-]+::([1-5])$"), "analyzer"),
    (re.compile(r"^MJ::Job::PromptAnalyzerExtended::[\w-]+$"), "analyzer_details"),
)


def parse_press(custom_id: str) -> Press:
    for pattern, kind in _PRESSES:
        match = pattern.match(custom_id)
        if match is None:
            continue
        group = match.group(1) if match.groups() else ""
        if kind == "vary":
            return Press(f"{group}_variation")
        if kind in ("upsample", "variation", "picreader", "analyzer", "video_upscale"):
            return Press(kind, index=int(group))
        return Press(kind, detail=group)
    return Press("unknown")


# ---------------------------------------------------------------------------------------------- the task


@dataclass(frozen=True)
class Phase:
    status: str
    progress: int | None  # None → ""
    start_ms: int | None
    finish_ms: int | None


@dataclass
class SimTask:
    id: str
    action: str  # TA-style action name (IMAGINE, UPSCALE, UPSCALE_HD, VARIATION, ZOOM, PAN, …)
    na_action: str  # what a new-api relay would store (LOW_VARIATION, CUSTOM_ZOOM, …)
    kind: str  # result kind: grid / upscale / upscale_hd / describe / shorten / swap / video_grid / video_clip
    prompt: str
    final_prompt: str
    description: str
    submit_ms: int
    message_hash: str
    buttons: list[dict[str, Any]]
    # request context
    state: str | None = None
    notify_hook: str | None = None
    bot_type: str = "MID_JOURNEY"
    mode: str | None = None  # FAST / RELAX / TURBO from the path prefix or /v1 model; None = plain /mj
    prefix: str = "/mj"
    model: str | None = None
    custom_id: str = ""  # the customId pressed to create this task
    parent_id: str | None = None
    mask: bytes | None = None
    # result content
    render: RenderSpec | None = None
    long_side: int = 512
    dims: tuple[int, int] | None = None  # explicit result size (swap, describe input)
    external_url: str | None = None  # describe by `link`: the input image is not ours to serve
    blob: str | None = None  # name of a stored blob shown as imageUrl (describe input)
    swap: tuple[bytes, bytes] | None = None
    result_text: str = ""  # describe / shorten text (finalPrompt at SUCCESS)
    pan: str | None = None
    cell: int | None = None  # UPSCALE: the grid cell (1..4) this task upscaled
    video: VideoSpec | None = None  # video tasks: the clips
    video_type: str | None = None  # /submit/video `videoType`
    base_image_url: str | None = None  # /submit/video: the start image (TA's baseImageUrl)
    # lifecycle (snapshotted from the config at creation so changing it does not rewrite history)
    queued: bool = False
    queue_s: float = 1.0
    submitted_s: float = 1.0
    render_s: float = 4.0
    steps: tuple[int, ...] = (0, 15, 31, 46, 62, 78, 93)
    previews: bool = True
    never_finish: bool = False
    unanswered: bool = False  # Midjourney never reacts (a repeated upscale): SUBMITTED until finished by force
    fail_reason: str | None = None
    start_ms: float | None = None  # None while MODAL (waiting for /submit/modal)
    forced_ms: float | None = None
    cancelled_ms: float | None = None
    # modal bookkeeping
    press: Press | None = None
    modal_prefill: str = ""
    message_id: str = ""
    nonce: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ lifecycle

    def phase(self, now_ms: float) -> Phase:
        if self.start_ms is None:
            if self.cancelled_ms is not None:
                return Phase(CANCEL, None, None, int(self.cancelled_ms))
            return Phase(MODAL, 0, None, None)
        start = self.start_ms
        q = self.queue_s * 1000.0 if self.queued else 0.0
        s = self.submitted_s * 1000.0
        r = self.render_s * 1000.0
        natural_end = math.inf if (self.never_finish or self.unanswered) else start + q + s + r
        end = natural_end
        if self.forced_ms is not None and self.forced_ms < end:
            end = self.forced_ms
        if self.cancelled_ms is not None and self.cancelled_ms < end:
            started = int(start + q) if self.cancelled_ms >= start + q else None
            return Phase(CANCEL, None, started, int(self.cancelled_ms))
        if now_ms >= end:
            status = FAILURE if self.fail_reason is not None else SUCCESS
            return Phase(status, 100 if status == SUCCESS else None, int(min(start + q, end)), int(end))
        elapsed = now_ms - start
        if elapsed < q:
            return Phase(NOT_START, 0, None, None)
        if elapsed < q + s or self.unanswered:
            return Phase(SUBMITTED, 0, int(start + q), None)
        steps = self.steps or (0,)
        index = len(steps) - 1 if r <= 0 else min(int((elapsed - q - s) / r * len(steps)), len(steps) - 1)
        return Phase(IN_PROGRESS, steps[index], int(start + q), None)

    # ------------------------------------------------------------------ images

    @property
    def image_dims(self) -> tuple[int, int] | None:
        if self.dims is not None:
            return self.dims
        if self.render is None:
            return None
        return fit_aspect(self.render.aspect, self.long_side)

    def image_url(self, ph: Phase, base: str) -> str | None:
        if self.video is not None:  # the animated WebP of the Discord message; no previews
            return f"{base}/images/{self.id}.webp" if ph.status == SUCCESS else None
        if ph.status == SUCCESS:
            if self.external_url is not None:
                return self.external_url
            if self.blob is not None:
                return f"{base}/images/{self.blob}"
            if self.render is not None or self.swap is not None:
                return f"{base}/images/{self.id}.png"
            return None
        if ph.status == IN_PROGRESS and self.previews and self.render is not None and ph.progress is not None:
            return f"{base}/images/{self.id}_p{ph.progress}.png"
        return None

    def cell_urls(self, base: str) -> list[dict[str, str]]:
        if self.render is None or not self.render.is_grid:
            return []
        return [
            {"url": f"{base}/images/{self.id}_c{n}.png", "thumbnail": f"{base}/images/{self.id}_c{n}.png"}
            for n in range(1, 5)
        ]

    def video_urls(self, base: str) -> list[str]:
        if self.video is None:
            return []
        return [f"{base}/videos/{self.id}_v{n}.mp4" for n in range(1, len(self.video.clips) + 1)]

    def still_urls(self, base: str) -> list[str]:
        """The first frame of each clip (a video task's `imageUrls` and the clips' thumbnails)."""
        if self.video is None:
            return []
        return [f"{base}/images/{self.id}_s{n}.png" for n in range(1, len(self.video.clips) + 1)]

    def change_times(self, after_ms: float, until_ms: float) -> list[float]:
        """Times in (after_ms, until_ms] to look at to see every phase the task went through, ending at until_ms.

        The lifecycle is a function of time, so its changes can be listed instead of sampled: the start, the end
        of the queue and of SUBMITTED, each progress step, the end, a forced finish and a cancel.
        """
        marks: list[float] = []
        if self.start_ms is not None:
            start = self.start_ms
            q = self.queue_s * 1000.0 if self.queued else 0.0
            s = self.submitted_s * 1000.0
            r = self.render_s * 1000.0
            n = len(self.steps or (0,))
            marks += [start, start + q, start + q + s, start + q + s + r]
            marks += [start + q + s + i * r / n for i in range(1, n)]
        marks += [m for m in (self.forced_ms, self.cancelled_ms) if m is not None]
        # Just past each mark, so that float rounding cannot land on the old side of it.
        times = {min(m + _CHANGE_EPS_MS, until_ms) for m in marks if after_ms < m + _CHANGE_EPS_MS}
        times.add(until_ms)
        return sorted(t for t in times if t > after_ms)

    @property
    def seed(self) -> str:
        return str(int(hashlib.sha256(self.id.encode()).hexdigest(), 16) % 4294967296)


_CHANGE_EPS_MS = 0.05

# ---------------------------------------------------------------------------------------------- JSON views

_NA_KEYS = (
    "id",
    "action",
    "customId",
    "botType",
    "prompt",
    "promptEn",
    "description",
    "state",
    "submitTime",
    "startTime",
    "finishTime",
    "imageUrl",
    "status",
    "progress",
    "failReason",
    "buttons",
    "maskBase64",
    "properties",
)


def _fmt_ms(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def task_json(task: SimTask, dialect: str, base: str, now_ms: float) -> dict[str, Any]:
    """The task as `fetch` returns it in the given dialect at `now_ms`."""
    ph = task.phase(now_ms)
    done = ph.status == SUCCESS
    image_url = task.image_url(ph, base)
    buttons = [dict(b) for b in task.buttons] if done else []
    if ph.status == FAILURE:
        progress = "100%" if dialect == "na" else ""
    else:
        progress = "" if ph.progress is None else f"{ph.progress}%"
    fail_reason = task.fail_reason if ph.status == FAILURE else None
    final_prompt = task.result_text if (done and task.result_text) else task.final_prompt
    if task.kind == DESCRIBE:
        prompt: str | None = task.result_text if done else ""
        prompt_en: str | None = prompt
    else:
        prompt, prompt_en = task.prompt, task.final_prompt
    if ph.status == MODAL:
        final_prompt = task.modal_prefill
    action = task.action
    if dialect != "ta" and action == "UPSCALE_HD":
        action = "UPSCALE"
    video_urls = task.video_urls(base) if done else []
    still_urls = task.still_urls(base) if done else []

    if dialect == "na":
        out_na: dict[str, Any] = {
            "id": task.id,
            "action": task.na_action,
            "customId": task.custom_id,
            "botType": task.bot_type,
            "prompt": prompt or "",
            "promptEn": prompt_en or "",
            "description": "提交成功",
            "state": task.state or "",
            "submitTime": task.submit_ms,
            "startTime": ph.start_ms or 0,
            "finishTime": ph.finish_ms or 0,
            "imageUrl": image_url or "",
            "status": ph.status,
            "progress": progress,
            "failReason": fail_reason or "",
            "buttons": buttons,
            "maskBase64": "",
            "properties": {"finalPrompt": final_prompt, "finalZhPrompt": ""},
        }
        assert tuple(out_na) == _NA_KEYS
        if task.video is None:
            return out_na
        # QuantumNous new-api's MidjourneyDto adds videoUrl and videoUrls ([{url}], no thumbnail) after
        # imageUrl; the simulator shows them on video tasks only (the only ones that route needs).
        video_keys: dict[str, Any] = {
            "videoUrl": video_urls[0] if video_urls else "",
            "videoUrls": [{"url": u} for u in video_urls] if video_urls else None,  # None: a nil Go slice
        }
        keys = list(out_na)
        at = keys.index("imageUrl") + 1
        return {k: out_na[k] for k in keys[:at]} | video_keys | {k: out_na[k] for k in keys[at:]}

    started = ph.status in (IN_PROGRESS, SUCCESS, FAILURE) or (ph.status == CANCEL and ph.start_ms is not None)
    speed = speed_of(task.mode, task.final_prompt)
    properties: dict[str, Any] = {
        "finalPrompt": final_prompt,
        "discordInstanceId": INSTANCE_ID,
        "discordChannelId": CHANNEL_ID,
        "notifyHook": task.notify_hook or "",
        "botType": task.bot_type,
        "flags": 0,
        "nonce": task.nonce,
    }
    if started:
        properties.update(
            {
                "messageHash": task.message_hash,
                "messageId": task.message_id,
                "progressMessageId": task.message_id,
                "messageContent": f"**{task.final_prompt}** - <@{USER_ID}> ({speed})",
            }
        )
    if dialect == "uniapi":
        properties["discordChannelId"] = UNIAPI_CHANNEL_ID
        properties["discordInstanceId"] = UNIAPI_INSTANCE_ID

    description = task.description
    if dialect == "uniapi":
        description = "Submit success"
    elif dialect == "ta" and task.kind == SHORTEN and done:
        description = task.result_text
    out: dict[str, Any] = {
        "id": task.id,
        "action": action,
        "prompt": None if (dialect == "ta" and task.kind == DESCRIBE) else prompt,
        "promptEn": prompt_en,
        "description": description,
        "state": task.state if task.state is not None else ("" if dialect in ("ta", "uniapi") else None),
        "submitTime": task.submit_ms,
        "startTime": ph.start_ms,
        "finishTime": ph.finish_ms,
        "imageUrl": image_url,
        "status": ph.status,
        "progress": progress,
        "failReason": fail_reason if fail_reason is not None else ("" if dialect in ("ta", "uniapi") else None),
        "properties": properties,
        "buttons": buttons,
    }
    if dialect == "nz":
        del out["buttons"]  # novicezk's open-source Task has no buttons (provider docs §6.1)
    if task.video is not None or dialect == "ta":  # TA's entity always has the video fields (provider docs §6.1)
        out["videoUrl"] = video_urls[0] if video_urls else None
        out["videoUrls"] = [{"url": v, "thumbnail": t} for v, t in zip(video_urls, still_urls, strict=True)]
    dims = task.image_dims
    if dialect == "plus" and done and dims is not None:
        out["imageWidth"], out["imageHeight"] = dims
    if dialect == "ta":
        if task.video is not None:  # stills of the clips; the first one is the thumbnail
            ta_images = [{"url": u, "thumbnail": u} for u in still_urls]
            thumbnail = still_urls[0] if still_urls else None
        else:
            ta_images = task.cell_urls(base) if done else []
            thumbnail = image_url if done else None
        use_time = None
        if ph.finish_ms is not None and ph.start_ms is not None:
            use_time = f"{(ph.finish_ms - ph.start_ms) / 1000:.2f} s"
        out.update(
            {
                "parentId": task.parent_id,
                "botType": task.bot_type,
                "realBotType": task.bot_type,
                "mode": task.mode,
                "requestMode": task.mode,
                "version": version_of(task.final_prompt, task.bot_type),
                "jobId": task.message_hash if started else None,
                "messageId": task.message_id if started else None,
                "nonce": task.nonce,
                "instanceId": INSTANCE_ID,
                "seed": None,
                "seedError": None,
                "imageUrls": ta_images,
                "thumbnailUrl": thumbnail,
                "baseImageUrl": task.base_image_url,
                "url": image_url if done else None,
                "proxyUrl": image_url if done else None,
                "width": dims[0] if (done and dims) else None,
                "height": dims[1] if (done and dims) else None,
                "contentType": ("image/webp" if task.video else "image/png") if (done and image_url) else None,
                "videoType": task.video_type,
                "promptFull": task.final_prompt,
                "language": None,
                "customId": task.custom_id or None,
                "accountFilter": {"instanceId": "", "modes": [], "remix": None},
                "isPartner": False,
                "isOfficial": False,
                "useTime": use_time,
                "displays": {
                    "status": _DISPLAY_STATUS.get(ph.status, ph.status),
                    "submitTime": _fmt_ms(task.submit_ms),
                    "startTime": _fmt_ms(ph.start_ms),
                    "finishTime": _fmt_ms(ph.finish_ms),
                    "action": action,
                    "discordInstanceId": INSTANCE_ID,
                },
            }
        )
    return out
