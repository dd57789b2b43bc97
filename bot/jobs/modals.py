"""Modals asked in chat: what a job waiting for input asks for, what it offers to start from, what it takes.

On Discord these are Midjourney's pop-up boxes (docs/provider-api.md §7); here the person answers in the
chat. The rules for an answer live here; asking and listening are the chat side's.
"""

from __future__ import annotations

import io
import re

from PIL import Image, ImageDraw

from bot.jobs.model import Asks, Job
from bot.jobs.prompts import normalized
from bot.mj import ButtonAction, clean_prompt, meaning

DEFAULT_ZOOM = "2"  # what Midjourney's Custom Zoom box starts with
REGION_GRID = 4  # the region is chosen as squares of a 4 × 4 grid, numbered 1–16 row by row
FALLBACK_SIZE = (1024, 1024)  # a picture whose size was not recorded (made before it was)

_ZOOM = re.compile(r"--zoom\s+(\S+)", re.IGNORECASE)


class BadAnswer(Exception):
    """An answer the modal would refuse; `reason` names why (the views put it into words)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


EMPTY = "empty"
ZOOM_RANGE = "zoom_range"
NO_REGION = "no_region"


def action_of(job: Job) -> ButtonAction:
    button = job.request.button
    return meaning(button.custom_id).action if button is not None else ButtonAction.UNKNOWN


def asks(job: Job) -> Asks:
    return Asks.REGION if action_of(job) is ButtonAction.VARY_REGION else Asks.PROMPT


def prefill(job: Job, provider_prompt: str) -> str:
    """What the answer box starts with: the provider's pre-filled prompt, or the job's own."""
    text = _strip_speed(clean_prompt(provider_prompt)) or job.request.prompt  # TA keeps a pick's keycap (§7)
    if action_of(job) is ButtonAction.CUSTOM_ZOOM and not _ZOOM.search(text):
        text = f"{text} --zoom {DEFAULT_ZOOM}".strip()
    return text


def checked(job: Job, answer: str) -> str:
    """The answer as it will be sent, or BadAnswer: Custom Zoom needs a --zoom above 1 and at most 2."""
    prompt = normalized(answer)
    if not prompt:
        raise BadAnswer(EMPTY)
    if action_of(job) is ButtonAction.CUSTOM_ZOOM:
        zoom = _ZOOM.search(prompt)
        if zoom is None:
            return f"{prompt} --zoom {DEFAULT_ZOOM}"
        try:
            factor = float(zoom.group(1))
        except ValueError:
            raise BadAnswer(ZOOM_RANGE, zoom.group(1)) from None
        if not 1 < factor <= 2:
            raise BadAnswer(ZOOM_RANGE, zoom.group(1))
    return prompt


def cells_mask(width: int, height: int, cells: frozenset[int], grid: int = REGION_GRID) -> bytes:
    """Vary (Region)'s mask: the picture's size, the chosen squares pure white (repaint), the rest black."""
    if not cells:
        raise BadAnswer(NO_REGION)
    mask = Image.new("RGB", (width, height), (0, 0, 0))
    draw = ImageDraw.Draw(mask)
    for cell in cells:
        row, column = divmod(cell - 1, grid)
        box = (column * width // grid, row * height // grid, (column + 1) * width // grid, (row + 1) * height // grid)
        draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=(255, 255, 255))
    return _png(mask)


def painted_mask(painted: bytes, width: int, height: int) -> bytes:
    """A mask painted in the Mini App at screen size, as the picture's size in pure white and black."""
    try:
        with Image.open(io.BytesIO(painted)) as image:
            alpha = image.convert("RGBA").getchannel("A")
    except (OSError, ValueError) as exc:
        raise BadAnswer(NO_REGION, str(exc)) from None
    scaled = alpha.resize((width, height), Image.Resampling.NEAREST).point(lambda v: 255 if v >= 128 else 0)
    if scaled.getbbox() is None:
        raise BadAnswer(NO_REGION)
    return _png(Image.merge("RGB", (scaled, scaled, scaled)))


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _strip_speed(prompt: str) -> str:
    """TA pre-fills with the speed flag the account ran (docs/provider-api.md §6.1): it is not the person's."""
    return " ".join(re.sub(r"\s--(?:fast|relax|turbo)\b", "", f" {prompt}").split())
