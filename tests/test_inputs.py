"""Pure helpers for pictures and texts: input preparation, result parsing, reference parameters."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from bot.jobs.inputs import MAX_SEND_BYTES, MAX_SIDE, NOT_AN_IMAGE, TOO_LARGE, InputProblem, prepare
from bot.jobs.prompts import wants_references, with_references
from bot.mj import Task, TaskStatus, important_tokens, numbered_prompts, result_text


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def test_pictures_within_limits_pass_untouched():
    for fmt, mime in (("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")):
        data = _encode(Image.new("RGB", (300, 200), (1, 2, 3)), fmt)
        prepared = prepare(data)
        assert (prepared.data, prepared.mime) == (data, mime)


def test_large_pictures_are_scaled_and_other_formats_converted():
    big = prepare(_encode(Image.new("RGB", (6000, 3000), (9, 9, 9)), "PNG"))
    assert (big.width, big.height) == (MAX_SIDE, MAX_SIDE // 2)
    bmp = prepare(_encode(Image.new("RGB", (40, 30)), "BMP"))
    assert bmp.mime == "image/jpeg"
    transparent = prepare(_encode(Image.new("RGBA", (40, 30), (0, 0, 0, 0)), "TIFF"))
    assert transparent.mime == "image/png"  # transparency kept
    noise = Image.frombytes("RGB", (1500, 1500), os.urandom(1500 * 1500 * 3))
    heavy = _encode(noise, "PNG")
    assert len(heavy) > MAX_SEND_BYTES
    assert len(prepare(heavy).data) <= MAX_SEND_BYTES


def test_phone_photos_are_turned_upright():
    sideways = Image.new("RGB", (400, 300), (9, 9, 9))
    exif = sideways.getexif()
    exif[0x0112] = 6  # "rotate 90° to show": how phones store portrait photos
    buffer = io.BytesIO()
    sideways.save(buffer, "JPEG", exif=exif)
    upright = prepare(buffer.getvalue())
    assert (upright.width, upright.height) == (300, 400)
    assert Image.open(io.BytesIO(upright.data)).getexif().get(0x0112, 1) == 1


def test_unusual_pictures_become_plain_stills():
    deep = prepare(_encode(Image.new("I;16", (40, 40), 30000), "PNG"))  # 16-bit: 0–65535
    assert Image.open(io.BytesIO(deep.data)).convert("L").getpixel((5, 5)) == pytest.approx(117, abs=2)
    frames = [Image.new("RGB", (30, 30), (n * 80, 0, 0)) for n in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "WEBP", save_all=True, append_images=frames[1:])
    still = prepare(buffer.getvalue())
    assert not getattr(Image.open(io.BytesIO(still.data)), "is_animated", False)
    cmyk = prepare(_encode(Image.new("CMYK", (30, 30), (0, 100, 100, 0)), "JPEG"))
    assert Image.open(io.BytesIO(cmyk.data)).mode == "RGB"


def test_a_decompression_bomb_is_too_large_not_decoded():
    bomb = _encode(Image.new("1", (20_000, 10_000)), "PNG")  # a few kilobytes, 200 million pixels
    assert len(bomb) < 100_000
    with pytest.raises(InputProblem) as info:
        prepare(bomb)
    assert info.value.reason == TOO_LARGE


def test_what_is_not_a_picture_or_too_large_is_named():
    with pytest.raises(InputProblem) as info:
        prepare(b"%PDF-1.7")
    assert info.value.reason == NOT_AN_IMAGE
    with pytest.raises(InputProblem) as info:
        prepare(b"\x89PNG" + b"\x00" * (21 * 1024 * 1024))
    assert info.value.reason == TOO_LARGE


def test_describe_text_is_split_and_cleaned():
    # docs/provider-api.md §9.1: one string, keycap markers, markdown links; TA's web accounts use \r\n.
    text = (
        "1\ufe0f\u20e3 a fox, in the style of [Hiroshige](https://goo.gl/search?artist%20Hiroshige) --ar 5:4\r\n\r\n"
        "2\ufe0f\u20e3 snow scene <https://s.mj.run/abc> --ar 5:4\r\n\r\n3\ufe0f\u20e3 three\r\n\r\n4\ufe0f\u20e3 four"
    )
    task = Task(id="1", status=TaskStatus.SUCCESS, properties={"finalPrompt": text})
    assert numbered_prompts(result_text(task)) == [
        "a fox, in the style of Hiroshige --ar 5:4",
        "snow scene https://s.mj.run/abc --ar 5:4",
        "three",
        "four",
    ]


def test_shorten_text_in_tas_description_is_found():
    text = (
        "## Important tokens\n~~a~~, **red**, **fox**\n\n"
        "## Shortened prompts\n1\ufe0f\u20e3 red fox\n\n2\ufe0f\u20e3 fox"
    )
    task = Task(id="1", status=TaskStatus.SUCCESS, description=text)  # TA keeps it in description (§9.2)
    assert numbered_prompts(result_text(task)) == ["red fox", "fox"]
    assert important_tokens(text) == "red, fox"


def test_bare_reference_parameters_get_the_uploaded_urls():
    assert wants_references("a fox --sref")
    assert wants_references("a fox --cref --cw 50")
    assert not wants_references("a fox --sref https://example.com/a.png")
    assert not wants_references("a fox --srefx")
    assert with_references("a fox --oref --ow 80 --sref", ["U1", "U2"]) == "a fox --oref U1 --ow 80 --sref U1 U2"
