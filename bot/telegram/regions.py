"""Vary (Region) in plain Telegram: the picture with a numbered grid, the chosen squares lit up."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from bot.jobs.modals import REGION_GRID

MAX_SIDE = 1280  # enough to see what to repaint; Telegram shows photos smaller still


def grid_overlay(picture: bytes, cells: frozenset[int], grid: int = REGION_GRID) -> bytes:
    """A JPEG of `picture` with grid lines and numbers 1–16 (row by row); chosen squares are lit."""
    with Image.open(io.BytesIO(picture)) as source:
        image = source.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    width, height = image.size
    shade = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(shade)
    font = ImageFont.load_default(size=max(14, min(width, height) // (grid * 4)))
    for cell in range(1, grid * grid + 1):
        row, column = divmod(cell - 1, grid)
        box = (column * width // grid, row * height // grid, (column + 1) * width // grid, (row + 1) * height // grid)
        chosen = cell in cells
        fill = (255, 255, 255, 120) if chosen else (0, 0, 0, 40)
        draw.rectangle(box, fill=fill, outline=(255, 255, 255, 220), width=4 if chosen else 1)
        position = (box[0] + 6, box[1] + 4)
        draw.text(position, str(cell), fill=(255, 255, 255, 255), font=font, stroke_width=2, stroke_fill=(0, 0, 0, 255))
    composed = Image.alpha_composite(image.convert("RGBA"), shade).convert("RGB")
    buffer = io.BytesIO()
    composed.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
