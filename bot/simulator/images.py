"""Pillow rendering for the simulator: grids, upscales, previews, face swaps.

Everything is drawn from a small immutable `RenderSpec`, so an image can be rendered lazily (when the
client first downloads it) and always comes out the same.
"""

from __future__ import annotations

import base64
import binascii
import colorsys
import io
import math
import random
import re
from dataclasses import dataclass, replace

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

_DATA_URL = re.compile(r"^data:(image/[A-Za-z0-9.+-]+);base64,(.*)$", re.DOTALL)

_EXT_BY_MIME = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/jpg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
}


def parse_data_url(value: object) -> tuple[str, bytes] | None:
    """`data:image/png;base64,...` → (mime, bytes); None when it is not a valid image data URL."""
    if not isinstance(value, str):
        return None
    match = _DATA_URL.match(value.strip())
    if match is None:
        return None
    try:
        data = base64.b64decode(re.sub(r"\s+", "", match.group(2)), validate=True)
    except (binascii.Error, ValueError):
        return None
    if not data:
        return None
    return match.group(1).lower(), data


def ext_for_mime(mime: str) -> str:
    return _EXT_BY_MIME.get(mime.lower(), "png")


@dataclass(frozen=True)
class TileStyle:
    hue: float  # 0..1
    sat: float = 0.65
    seed: int = 0

    def jitter(self, rng: random.Random, amount: float) -> TileStyle:
        return TileStyle(
            hue=(self.hue + rng.uniform(-amount, amount)) % 1.0,
            sat=min(0.9, max(0.35, self.sat + rng.uniform(-amount, amount))),
            seed=rng.randrange(1 << 30),
        )


def random_tiles(rng: random.Random) -> tuple[TileStyle, ...]:
    """Four clearly distinct tiles: hues a quarter turn apart, plus a little noise."""
    base = rng.random()
    return tuple(
        TileStyle(
            hue=(base + i * 0.25 + rng.uniform(-0.04, 0.04)) % 1.0,
            sat=rng.uniform(0.55, 0.8),
            seed=rng.randrange(1 << 30),
        )
        for i in range(4)
    )


def variation_tiles(parent: TileStyle, rng: random.Random, strength: float) -> tuple[TileStyle, ...]:
    return tuple(parent.jitter(rng, strength) for _ in range(4))


@dataclass(frozen=True)
class RenderSpec:
    """What an image shows. `tiles` has 4 entries for a grid, 1 for a single image."""

    tiles: tuple[TileStyle, ...]
    aspect: tuple[int, int] = (1, 1)
    text: str = ""
    numbers: tuple[int, ...] = (1, 2, 3, 4)
    badge: str = ""
    mask: bytes | None = None  # Vary (Region) mask: white = repainted area

    @property
    def is_grid(self) -> bool:
        return len(self.tiles) == 4

    def single(self, index: int, badge: str = "") -> RenderSpec:
        """Tile `index` (1-based) of this grid as a single image."""
        return replace(self, tiles=(self.tiles[index - 1],), numbers=(self.numbers[index - 1],), badge=badge)


def fit_aspect(aspect: tuple[int, int], long_side: int) -> tuple[int, int]:
    w, h = aspect
    if w <= 0 or h <= 0:
        w, h = 1, 1
    if w >= h:
        return long_side, max(8, round(long_side * h / w))
    return max(8, round(long_side * w / h)), long_side


def _rgb(hue: float, sat: float, val: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(hue % 1.0, sat, val)
    return round(r * 255), round(g * 255), round(b * 255)


_FONTS: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    size = max(6, size)
    font = _FONTS.get(size)
    if font is None:
        try:
            font = ImageFont.load_default(size=size)
        except (OSError, TypeError):  # Pillow without FreeType
            font = ImageFont.load_default()
        _FONTS[size] = font
    return font


def _fit_text(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int
) -> str:
    text = " ".join(text.split())
    if draw.textlength(text, font=font) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if draw.textlength(text[:mid] + "…", font=font) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + "…" if lo else ""


def _draw_tile(
    style: TileStyle, number: int, size: tuple[int, int], text: str, badge: str, mask: Image.Image | None
) -> Image.Image:
    w, h = size
    dark, light = _rgb(style.hue, style.sat, 0.35), _rgb(style.hue + 0.05, style.sat * 0.6, 0.95)
    gradient = Image.linear_gradient("L").resize((w, h))
    tile = ImageOps.colorize(gradient, black=light, white=dark).convert("RGB")
    draw = ImageDraw.Draw(tile)
    rng = random.Random(style.seed)
    unit = min(w, h)
    for _ in range(5):  # a few soft shapes so tiles of one grid differ beyond their colour
        r = rng.uniform(0.08, 0.22) * unit
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        colour = _rgb(style.hue + rng.uniform(-0.08, 0.08), style.sat, rng.uniform(0.5, 1.0))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    if mask is not None:
        overlay = Image.new("RGB", (w, h), (255, 255, 255))
        alpha = mask.resize((w, h)).point(lambda v: 110 if v > 127 else 0)
        tile.paste(overlay, (0, 0), alpha)
    big = _font(int(unit * 0.42))
    label = str(number)
    box = draw.textbbox((0, 0), label, font=big)
    tx, ty = (w - (box[2] - box[0])) / 2 - box[0], (h - (box[3] - box[1])) / 2 - box[1]
    draw.text((tx + max(1, unit // 80), ty + max(1, unit // 80)), label, font=big, fill=(0, 0, 0))
    draw.text((tx, ty), label, font=big, fill=(255, 255, 255))
    small = _font(max(7, unit // 16))
    if text:
        line = _fit_text(draw, text, small, w - 8)
        draw.rectangle((0, h - unit // 16 - 8, w, h), fill=(0, 0, 0))
        draw.text((4, h - unit // 16 - 6), line, font=small, fill=(235, 235, 235))
    if badge:
        bw = draw.textlength(badge, font=small)
        draw.rectangle((w - bw - 10, 2, w - 2, unit // 16 + 8), fill=(0, 0, 0))
        draw.text((w - bw - 6, 4), badge, font=small, fill=(255, 220, 80))
    return tile


def _mask_image(mask: bytes | None) -> Image.Image | None:
    if not mask:
        return None
    try:
        with Image.open(io.BytesIO(mask)) as img:
            return img.convert("L")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def render_image(spec: RenderSpec, long_side: int) -> Image.Image:
    w, h = fit_aspect(spec.aspect, long_side)
    mask = _mask_image(spec.mask)
    if not spec.is_grid:
        return _draw_tile(spec.tiles[0], spec.numbers[0], (w, h), spec.text, spec.badge, mask)
    canvas = Image.new("RGB", (w, h), (20, 20, 20))
    tw, th = w // 2, h // 2
    for i, style in enumerate(spec.tiles):
        tile = _draw_tile(style, spec.numbers[i], (tw, th), spec.text, spec.badge if i == 0 else "", mask)
        canvas.paste(tile, ((i % 2) * (w - tw), (i // 2) * (h - th)))
    return canvas


def to_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=1)
    return out.getvalue()


def render_png(spec: RenderSpec, long_side: int) -> bytes:
    return to_png(render_image(spec, long_side))


def render_preview_png(spec: RenderSpec, long_side: int, progress: int) -> bytes:
    """Low-res, blurred work-in-progress view; sharper as progress grows."""
    size = max(16, long_side // 4)
    image = render_image(replace(spec, text="", badge=""), size)
    radius = max(0.0, (1.0 - progress / 100.0) * size / 12)
    if radius > 0:
        image = image.filter(ImageFilter.GaussianBlur(radius))
    draw = ImageDraw.Draw(image)
    draw.text((3, 2), f"{progress}%", font=_font(max(7, size // 10)), fill=(255, 255, 255))
    return to_png(image)


def image_size_of(data: bytes) -> tuple[int, int] | None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def average_colour(data: bytes) -> tuple[int, int, int] | None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            pixel = img.convert("RGB").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    if isinstance(pixel, tuple) and len(pixel) >= 3:
        return int(pixel[0]), int(pixel[1]), int(pixel[2])
    return None


_COLOUR_NAMES = {
    "red": (200, 40, 40),
    "orange": (230, 130, 30),
    "yellow": (230, 210, 50),
    "green": (60, 160, 70),
    "teal": (40, 150, 150),
    "blue": (50, 80, 200),
    "purple": (130, 60, 170),
    "pink": (230, 130, 180),
    "brown": (120, 80, 40),
    "black": (15, 15, 15),
    "grey": (128, 128, 128),
    "white": (240, 240, 240),
}


def colour_name(rgb: tuple[int, int, int]) -> str:
    return min(_COLOUR_NAMES, key=lambda n: sum((a - b) ** 2 for a, b in zip(_COLOUR_NAMES[n], rgb, strict=True)))


def hue_of(rgb: tuple[int, int, int]) -> float:
    return colorsys.rgb_to_hsv(rgb[0] / 255, rgb[1] / 255, rgb[2] / 255)[0]


def simple_ratio(size: tuple[int, int]) -> tuple[int, int]:
    """Image size → a small `--ar` ratio (e.g. 1200×800 → 3:2)."""
    w, h = size
    if w <= 0 or h <= 0:
        return 1, 1
    best = (1, 1)
    best_err = math.inf
    for a in range(1, 17):
        for b in range(1, 17):
            err = abs(a / b - w / h)
            if err < best_err - 1e-9:
                best, best_err = (a, b), err
    return best


def render_swap_png(source: bytes, target: bytes, long_side: int) -> bytes:
    """Face swap stand-in: the target image with the source pasted as a round "face" in the middle."""
    try:
        with Image.open(io.BytesIO(target)) as img:
            base = img.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        base = Image.new("RGB", (long_side, long_side), (90, 90, 90))
    scale = long_side / max(base.size)
    base = base.resize((max(8, round(base.width * scale)), max(8, round(base.height * scale))))
    d = max(8, min(base.size) // 2)
    try:
        with Image.open(io.BytesIO(source)) as img:
            face = ImageOps.fit(img.convert("RGB"), (d, d))
    except (OSError, ValueError, Image.DecompressionBombError):
        face = Image.new("RGB", (d, d), (230, 190, 160))
    round_mask = Image.new("L", (d, d), 0)
    ImageDraw.Draw(round_mask).ellipse((0, 0, d - 1, d - 1), fill=255)
    base.paste(face, ((base.width - d) // 2, (base.height - d) // 2), round_mask)
    draw = ImageDraw.Draw(base)
    draw.text((4, 4), "face swap", font=_font(max(7, long_side // 20)), fill=(255, 255, 255))
    return to_png(base)
