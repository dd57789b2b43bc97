"""Pictures people send, made into what every provider accepts (docs/provider-api.md §10.1).

JPEG, PNG and WebP within the limits pass untouched; anything else Pillow can read (HEIC from iPhones,
GIF, BMP, TIFF, …) is converted, and large pictures are scaled down, so a provider never refuses a
picture for its format or size.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()  # iPhones send HEIC when a photo goes as a file

MAX_INPUT_BYTES = 20 * 1024 * 1024  # Telegram lets bots download files up to 20 MB
MAX_SIDE = 2048  # longer sides are scaled down: Midjourney gains nothing from more
MAX_SEND_BYTES = 4 * 1024 * 1024  # base64 makes it a third larger on the way to the provider
MAX_PIXELS = 50_000_000  # beyond this a picture would take gigabytes to decode: no camera makes one
_KEPT = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_ORIENTATION = 0x0112  # the EXIF tag


class InputProblem(Exception):
    """A picture that cannot be used; `reason` names why (the views put it into words)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


TOO_LARGE = "too_large"
NOT_AN_IMAGE = "not_an_image"


@dataclass(frozen=True)
class InputImage:
    data: bytes
    mime: str
    width: int
    height: int


def prepare(data: bytes) -> InputImage:
    """The picture as it will be sent, or InputProblem."""
    if len(data) > MAX_INPUT_BYTES:
        raise InputProblem(TOO_LARGE, f"{len(data)} bytes")
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, (width, height) = image.format or "", image.size
            if width * height > MAX_PIXELS:
                raise InputProblem(TOO_LARGE, f"{width}×{height} pixels")
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # a large JPEG decodes at a fraction of its size
            image.load()
            if _as_is(image, fmt, len(data)):
                return InputImage(data, _KEPT[fmt], width, height)
            return _convert(image)
    except Image.DecompressionBombError as exc:
        raise InputProblem(TOO_LARGE, str(exc)) from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InputProblem(NOT_AN_IMAGE, str(exc)) from None


def _as_is(image: Image.Image, fmt: str, size: int) -> bool:
    """Sent untouched: a plain still in a format every provider takes, small, upright, in RGB."""
    still = not getattr(image, "is_animated", False)
    upright = image.getexif().get(_ORIENTATION, 1) == 1
    plain = image.mode in ("RGB", "RGBA", "L", "P")
    return fmt in _KEPT and still and upright and plain and size <= MAX_SEND_BYTES and max(image.size) <= MAX_SIDE


def _convert(image: Image.Image) -> InputImage:
    image.seek(0)  # an animation's first frame
    upright = ImageOps.exif_transpose(image) or image  # phones store pictures sideways with a note to turn them
    if upright.mode.startswith("I;16") or upright.mode in ("I", "F"):
        upright = upright.point(lambda value: value / 256).convert("L")  # 16-bit pictures are 0–65535
    frame = upright.convert("RGBA" if _has_alpha(upright) else "RGB")
    frame.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if frame.mode == "RGBA":
        frame.save(buffer, "PNG", optimize=True)
        mime = "image/png"
    if frame.mode != "RGBA" or buffer.tell() > MAX_SEND_BYTES:
        buffer = io.BytesIO()
        frame.convert("RGB").save(buffer, "JPEG", quality=90)
        mime = "image/jpeg"
    return InputImage(buffer.getvalue(), mime, frame.width, frame.height)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
