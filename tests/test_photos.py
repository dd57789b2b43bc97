"""Results are sent as Telegram photos untouched when they fit, re-encoded only when they must be."""

from __future__ import annotations

import io
import os

from PIL import Image

from bot.telegram.photos import PHOTO_MAX_BYTES, aspect_ratio, fit_photo, placeholder


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_png_within_limits_is_sent_untouched():
    data = _encode(Image.new("RGB", (1024, 1024), (200, 30, 30)), "PNG")
    photo = fit_photo(data)
    assert photo.data == data
    assert not photo.reencoded
    assert (photo.width, photo.height) == (1024, 1024)


def test_webp_is_reencoded_to_a_format_telegram_photos_take():
    photo = fit_photo(_encode(Image.new("RGB", (640, 480), (10, 120, 10)), "WEBP"))
    assert photo.reencoded
    assert _open(photo.data).format in ("PNG", "JPEG")
    assert _open(photo.data).size == (640, 480)


def test_oversized_dimensions_are_scaled_below_telegrams_sum_limit():
    photo = fit_photo(_encode(Image.new("RGB", (8000, 4000), (0, 0, 90)), "PNG"))
    assert photo.reencoded
    assert photo.width + photo.height <= 10_000
    assert abs(photo.width / photo.height - 2) < 0.01


def test_a_file_over_ten_megabytes_becomes_a_jpeg_under_it():
    noise = Image.frombytes("RGB", (2200, 2200), os.urandom(2200 * 2200 * 3))  # incompressible
    data = _encode(noise, "PNG", compress_level=1)
    assert len(data) > PHOTO_MAX_BYTES
    photo = fit_photo(data)
    assert len(photo.data) <= PHOTO_MAX_BYTES
    assert _open(photo.data).format == "JPEG"


def test_extreme_aspect_ratio_is_padded_to_twenty_to_one():
    photo = fit_photo(_encode(Image.new("RGB", (4200, 100), (90, 90, 0)), "PNG"))
    assert max(photo.width, photo.height) <= 20 * min(photo.width, photo.height)


def test_placeholder_takes_the_prompts_aspect_ratio():
    assert aspect_ratio("a fox --ar 3:2 --v 7") == (3, 2)
    assert aspect_ratio("a fox --aspect 9:16") == (9, 16)
    assert aspect_ratio("a fox") == (1, 1)
    assert aspect_ratio("a fox --ar 10:1") == (4, 1)
    assert _open(placeholder((3, 2))).size == (512, 341)
    assert _open(placeholder((9, 16))).size == (288, 512)
