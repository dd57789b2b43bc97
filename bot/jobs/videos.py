"""What a downloaded clip is: an MP4's frame size, length and layout, read from its boxes without decoding it.

Midjourney's clips are H.264 MP4 files (docs/provider-api.md §9.5). Telegram wants their width, height and
duration with the upload, and `supports_streaming` only for files whose index (`moov`) comes before the media
(`mdat`); both can be read from the ISO BMFF box headers, so the bot needs no video library.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

_HEADER = struct.Struct(">I4s")
_CONTAINERS = (b"moov", b"trak")


@dataclass(frozen=True)
class Mp4Info:
    width: int | None = None
    height: int | None = None
    seconds: float | None = None
    streamable: bool = False  # `moov` before `mdat`: a player can start before the whole file is there


def is_mp4(data: bytes) -> bool:
    """An ISO BMFF file starts with its `ftyp` box; a CDN's HTML page or an animated WebP does not."""
    return len(data) >= 12 and data[4:8] == b"ftyp"


def mp4_info(data: bytes) -> Mp4Info:
    """The first video track's size, the movie's length, and whether it streams; None for what is not there."""
    width = height = None
    seconds = None
    order = [kind for kind, _, _ in _boxes(data, 0, len(data))]
    for kind, start, end in _walk(data, 0, len(data)):
        if kind == b"mvhd" and seconds is None:
            seconds = _movie_seconds(data[start:end])
        elif kind == b"tkhd" and width is None:
            width, height = _track_size(data[start:end])
    streamable = b"moov" in order and (b"mdat" not in order or order.index(b"moov") < order.index(b"mdat"))
    return Mp4Info(width, height, seconds, streamable)


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes between `start` and `end`; stops at anything malformed."""
    offset = start
    while offset + _HEADER.size <= end:
        size, kind = _HEADER.unpack_from(data, offset)
        header = _HEADER.size
        if size == 1 and offset + 16 <= end:  # a 64-bit size follows the type
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif size == 0:  # the box runs to the end of the file
            size = end - offset
        if size < header or offset + size > end:
            return
        yield kind, offset + header, offset + size
        offset += size


def _walk(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    for kind, payload_start, payload_end in _boxes(data, start, end):
        yield kind, payload_start, payload_end
        if kind in _CONTAINERS:
            yield from _walk(data, payload_start, payload_end)


def _movie_seconds(payload: bytes) -> float | None:
    """`mvhd`: version 0 has 32-bit times, version 1 64-bit ones, then the timescale and the duration."""
    try:
        if payload[0] == 1:
            timescale, duration = struct.unpack_from(">IQ", payload, 20)
        else:
            timescale, duration = struct.unpack_from(">II", payload, 12)
    except (IndexError, struct.error):
        return None
    return round(duration / timescale, 3) if timescale else None


def _track_size(payload: bytes) -> tuple[int | None, int | None]:
    """`tkhd` ends with the width and height as 16.16 fixed point; audio tracks have zeros there."""
    offset = 88 if payload[:1] == b"\x01" else 76
    try:
        width, height = struct.unpack_from(">II", payload, offset)
    except struct.error:
        return None, None
    width, height = width >> 16, height >> 16
    return (width, height) if width and height else (None, None)
