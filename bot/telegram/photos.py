"""Making images acceptable to Telegram's sendPhoto, and the placeholder a status message starts with."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, UnidentifiedImageError
from telegram.constants import FileSizeLimit

PHOTO_MAX_BYTES = int(FileSizeLimit.PHOTOSIZE_UPLOAD)
PHOTO_MAX_SIDES = 10_000  # width + height
PHOTO_MAX_RATIO = 20


class NotAnImage(Exception):
    pass


@dataclass(frozen=True)
class Photo:
    data: bytes
    width: int
    height: int
    reencoded: bool


def image_size(data: bytes) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError) as exc:
        raise NotAnImage(str(exc)) from None


def fit_photo(data: bytes) -> Photo:
    """The image as Telegram will take it as a photo: untouched when it already fits, else re-encoded."""
    try:
        with Image.open(io.BytesIO(data)) as image:  # the header only: decoding is for re-encoding
            fmt, (width, height) = image.format, image.size
            fits = (
                fmt in ("JPEG", "PNG")
                and len(data) <= PHOTO_MAX_BYTES
                and width + height <= PHOTO_MAX_SIDES
                and max(width, height) <= PHOTO_MAX_RATIO * min(width, height)
            )
            if fits:
                return Photo(data, width, height, reencoded=False)
            return _reencode(image)
    except (UnidentifiedImageError, OSError) as exc:
        raise NotAnImage(str(exc)) from None


def _reencode(image: Image.Image) -> Photo:
    image.load()
    width, height = image.size
    scale = min(1.0, (PHOTO_MAX_SIDES - 100) / (width + height))
    if max(width, height) > PHOTO_MAX_RATIO * min(width, height):
        image = _pad_to_ratio(image)
        width, height = image.size
        scale = min(scale, (PHOTO_MAX_SIDES - 100) / (width + height))
    if scale < 1.0:
        image = image.resize((max(1, int(width * scale)), max(1, int(height * scale))), Image.Resampling.LANCZOS)
    has_alpha = image.mode in ("RGBA", "LA", "P")
    buffer = io.BytesIO()
    if has_alpha:
        image.save(buffer, "PNG", optimize=True)
    if not has_alpha or buffer.tell() > PHOTO_MAX_BYTES:
        buffer = io.BytesIO()
        quality = 92
        rgb = image if image.mode == "RGB" else image.convert("RGB")  # a 10 MB picture decodes to as much again
        rgb.save(buffer, "JPEG", quality=quality)
        while buffer.tell() > PHOTO_MAX_BYTES and quality > 40:
            quality -= 12
            buffer = io.BytesIO()
            rgb.save(buffer, "JPEG", quality=quality)
    return Photo(buffer.getvalue(), image.size[0], image.size[1], reencoded=True)


def _pad_to_ratio(image: Image.Image) -> Image.Image:
    width, height = image.size
    new_size = (max(width, height // PHOTO_MAX_RATIO), max(height, width // PHOTO_MAX_RATIO))
    canvas = Image.new("RGB", new_size, (0, 0, 0))
    canvas.paste(image.convert("RGB"), ((new_size[0] - width) // 2, (new_size[1] - height) // 2))
    return canvas


_AR = re.compile(r"--(?:ar|aspect)\s+(\d{1,3})\s*:\s*(\d{1,3})", re.IGNORECASE)


def aspect_ratio(prompt: str) -> tuple[int, int]:
    """The `--ar W:H` of a prompt, clamped to 1:4…4:1 for the placeholder; 1:1 when absent."""
    match = _AR.search(prompt)
    if not match or not int(match.group(1)) or not int(match.group(2)):
        return 1, 1
    w, h = int(match.group(1)), int(match.group(2))
    if w > 4 * h:
        return 4, 1
    if h > 4 * w:
        return 1, 4
    return w, h


@lru_cache(maxsize=32)
def placeholder(ratio: tuple[int, int] = (1, 1), long_side: int = 512) -> bytes:
    """A quiet dark canvas in the job's aspect ratio, so the message keeps its shape when the image arrives."""
    w, h = ratio
    size = (long_side, max(1, long_side * h // w)) if w >= h else (max(1, long_side * w // h), long_side)
    image = Image.new("RGB", size, (28, 30, 38))
    draw = ImageDraw.Draw(image)
    cx, cy, r = size[0] // 2, size[1] // 2, min(size) // 10
    for i, shade in enumerate((70, 90, 110)):
        x = cx + (i - 1) * r * 2
        draw.ellipse((x - r // 2, cy - r // 2, x + r // 2, cy + r // 2), fill=(shade, shade + 8, shade + 30))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


THUMBNAIL_SIDE = 320  # Telegram's rules for a video's thumbnail: JPEG, at most 320×320 and under 200 kB
THUMBNAIL_MAX_BYTES = 200_000


def video_thumbnail(data: bytes) -> bytes | None:
    """A still as the thumbnail Telegram takes for a video; None for what Pillow cannot read."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            still = image.convert("RGB")  # the first frame of an animated WebP
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    still.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    for quality in (85, 70, 50):
        buffer = io.BytesIO()
        still.save(buffer, "JPEG", quality=quality)
        if buffer.tell() < THUMBNAIL_MAX_BYTES:
            return buffer.getvalue()
    return None
