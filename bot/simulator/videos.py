"""Video clips for the simulator (provider docs §9.5): small real MP4 files made from a rendered image.

A clip is a slow zoom, pan and hue shift over the image the video starts from, at the image's aspect ratio,
encoded as H.264 (yuv420p) with PyAV, with the `moov` atom at the front (`movflags=faststart`) so players can
stream it. Everything is drawn from an immutable `VideoSpec`, so clips are rendered lazily (when the client first
downloads them) and always come out the same. Extending a clip appends a motion segment: the longer clip's first
seconds are the frames of the clip it extends.

PyAV (`av`) is optional (`pip install 'mjbot[simulator]'`): without it `render_clip_mp4` raises
`VideoUnavailable`, which the server answers with a clear error, while stills and the animated WebP (Pillow only)
keep working.
"""

from __future__ import annotations

import io
import math
import os
import struct
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from bot.simulator.images import RenderSpec, _font, fit_aspect, render_image, to_png

FPS = 8
BASE_SECONDS = 2.0  # a new clip (Midjourney's are 5 s; short keeps tests fast)
EXTEND_SECONDS = 4.0  # what one Extend adds, as in Midjourney
MAX_LONG_SIDE = 480  # Midjourney's default videos are 480p (`vid_1.1_i2v_480`)
MIN_SIDE = 16
MOTIONS = ("low", "high")
VIDEO_TYPES = ("vid_1.1_i2v_480", "vid_1.1_i2v_720")
# Per second of video: how much the zoom grows and how far the hue turns, by motion.
_RATES = {"low": (0.04, 0.02), "high": (0.12, 0.07)}
# Pan direction of the clips of one video grid (clip 1 drifts right, 2 left, 3 down, 4 up).
_DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1))
_MISSING_AV = "video clips need PyAV (package `av`): pip install 'mjbot[simulator]'"


class VideoUnavailable(RuntimeError):
    """PyAV is not installed, so MP4 clips cannot be made."""


@dataclass(frozen=True)
class ClipSpec:
    """One clip: its place in the video grid (its pan direction) and its motion segments."""

    variant: int  # 0..3
    segments: tuple[tuple[str, float], ...]  # (motion, seconds): the first clip, then each extension

    @property
    def seconds(self) -> float:
        return sum(seconds for _, seconds in self.segments)

    @property
    def frame_count(self) -> int:
        return max(2, round(self.seconds * FPS))

    def extended(self, motion: str, seconds: float = EXTEND_SECONDS) -> ClipSpec:
        return replace(self, segments=(*self.segments, (motion, seconds)))


@dataclass(frozen=True)
class VideoSpec:
    """What a video task's clips show. The first frame is `render` (a rendered image) or `image` (input bytes)."""

    size: tuple[int, int]  # frame size, even numbers (yuv420p)
    clips: tuple[ClipSpec, ...]  # 1, 2 or 4: a video grid; 1: also a picked or extended clip
    render: RenderSpec | None = None
    render_long_side: int = 0
    image: bytes | None = None
    end_image: bytes | None = None  # blend towards this last frame (`endImage`)
    loop: bool = False  # the clip ends where it started (`loop`, `--end loop`)
    pad_to: int | None = None  # pad each MP4 to at least this many bytes (a `free` box at the end)

    def single(self, index: int) -> VideoSpec:
        """Clip `index` (0-based) on its own, as a picked clip."""
        return replace(self, clips=(self.clips[index],))

    def extended(self, index: int, motion: str) -> VideoSpec:
        """Clip `index` made longer by one Extend with `motion`."""
        return replace(self, clips=(self.clips[index].extended(motion),), loop=False, end_image=None)


def new_clips(count: int, motion: str) -> tuple[ClipSpec, ...]:
    return tuple(ClipSpec(variant=i % len(_DIRECTIONS), segments=((motion, BASE_SECONDS),)) for i in range(count))


def even_size(size: tuple[int, int]) -> tuple[int, int]:
    """A frame size H.264 in yuv420p accepts: even sides, at least MIN_SIDE, at most MAX_LONG_SIDE."""
    w, h = size
    scale = min(1.0, MAX_LONG_SIDE / max(w, h, 1))
    w, h = max(MIN_SIDE, round(w * scale)), max(MIN_SIDE, round(h * scale))
    return w - w % 2, h - h % 2


def clip_size(aspect: tuple[int, int], long_side: int) -> tuple[int, int]:
    return even_size(fit_aspect(aspect, min(long_side, MAX_LONG_SIDE)))


# ---------------------------------------------------------------------------------------------- frames


def _open_fitted(data: bytes, size: tuple[int, int]) -> Image.Image | None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            return ImageOps.fit(img.convert("RGB"), size)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def _first_frame(spec: VideoSpec) -> Image.Image:
    if spec.image is not None:
        opened = _open_fitted(spec.image, spec.size)
        if opened is not None:
            return opened
    if spec.render is not None:
        image = render_image(spec.render, max(spec.render_long_side, max(spec.size)))
        return ImageOps.fit(image, spec.size)
    return Image.new("RGB", spec.size, (90, 90, 90))


def _motion_at(segments: tuple[tuple[str, float], ...], t: float) -> tuple[float, float]:
    """(zoom growth, hue turn) after `t` seconds of this clip: the segments' rates integrated over time."""
    zoom = hue = 0.0
    left = t
    rates = _RATES["low"]
    for motion, seconds in segments:
        rates = _RATES.get(motion, _RATES["low"])
        step = min(left, seconds)
        zoom += rates[0] * step
        hue += rates[1] * step
        left -= step
        if left <= 0:
            return zoom, hue
    return zoom + rates[0] * left, hue + rates[1] * left  # past the end: keep the last motion


def _shift_hue(image: Image.Image, turn: float) -> Image.Image:
    offset = round(turn * 256) % 256
    if offset == 0:
        return image
    h, s, v = image.convert("HSV").split()
    h = h.point([(i + offset) % 256 for i in range(256)])
    return Image.merge("HSV", (h, s, v)).convert("RGB")


def _frame(base: Image.Image, clip: ClipSpec, t: float, label: str) -> Image.Image:
    w, h = base.size
    zoom, hue = _motion_at(clip.segments, t)
    factor = 1.0 + zoom
    cw, ch = w / factor, h / factor
    dx, dy = _DIRECTIONS[clip.variant % len(_DIRECTIONS)]
    cx = w / 2 + dx * (w - cw) / 2 * 0.9
    cy = h / 2 + dy * (h - ch) / 2 * 0.9
    box = (cx - cw / 2, cy - ch / 2, cx + cw / 2, cy + ch / 2)
    frame = base.resize((w, h), Image.Resampling.BILINEAR, box=box)
    frame = _shift_hue(frame, hue)
    draw = ImageDraw.Draw(frame)
    font = _font(max(7, min(w, h) // 12))
    draw.text((4, 3), label, font=font, fill=(0, 0, 0))
    draw.text((3, 2), label, font=font, fill=(255, 255, 255))
    return frame


def clip_frames(spec: VideoSpec, index: int, *, base: Image.Image | None = None) -> list[Image.Image]:
    """The frames of clip `index` (0-based), FPS per second."""
    clip = spec.clips[index]
    base = base if base is not None else _first_frame(spec)
    end = _open_fitted(spec.end_image, spec.size) if spec.end_image is not None else None
    n = clip.frame_count
    last = (n - 1) / FPS
    frames = []
    for i in range(n):
        t = i / FPS
        motion_t = min(t, last - t) if spec.loop else t  # a loop goes there and back again
        frame = _frame(base, clip, motion_t, f"{t:.1f}s")
        if end is not None:
            frame = Image.blend(frame, end, i / (n - 1))
        frames.append(frame)
    return frames


def render_still_png(spec: VideoSpec, index: int) -> bytes:
    """The first frame of clip `index` (0-based): the still in `imageUrls` and the clips' thumbnails."""
    return to_png(_frame(_first_frame(spec), spec.clips[index], 0.0, "0.0s"))


def render_webp(spec: VideoSpec) -> bytes:
    """The animated WebP Discord attaches to a video message: the clips side by side (2×2 for four)."""
    base = _first_frame(spec)
    count = len(spec.clips)
    cols = 1 if count == 1 else 2
    rows = math.ceil(count / cols)
    tile = spec.size if count == 1 else (max(8, spec.size[0] // 2), max(8, spec.size[1] // 2))
    clips = [[f.resize(tile) for f in clip_frames(spec, i, base=base)] for i in range(count)]
    frames = []
    for n in range(max(len(c) for c in clips)):
        canvas = Image.new("RGB", (tile[0] * cols, tile[1] * rows), (20, 20, 20))
        for i, clip in enumerate(clips):
            canvas.paste(clip[min(n, len(clip) - 1)], ((i % cols) * tile[0], (i // cols) * tile[1]))
        frames.append(canvas)
    out = io.BytesIO()
    frames[0].save(
        out, format="WEBP", save_all=True, append_images=frames[1:], duration=1000 // FPS, loop=0, quality=50, method=0
    )
    return out.getvalue()


# ---------------------------------------------------------------------------------------------- MP4


def av_available() -> bool:
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return True


def encode_mp4(frames: list[Image.Image], fps: int = FPS) -> bytes:
    """H.264 / yuv420p in an MP4 with the moov atom first (faststart needs a real file: ffmpeg rereads it)."""
    try:
        import av
    except ImportError as exc:
        raise VideoUnavailable(_MISSING_AV) from exc
    width, height = frames[0].size
    with tempfile.TemporaryDirectory(prefix="mjsim-") as folder:
        path = os.path.join(folder, "clip.mp4")
        with av.open(path, mode="w", format="mp4", container_options={"movflags": "faststart"}) as container:
            stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "30"})
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            for image in frames:
                frame = av.VideoFrame.from_image(image)  # type: ignore[no-untyped-call]
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        return Path(path).read_bytes()


def render_clip_mp4(spec: VideoSpec, index: int) -> bytes:
    """Clip `index` (0-based) as an MP4, unpadded (see `padding`)."""
    return encode_mp4(clip_frames(spec, index))


def padding(length: int, pad_to: int | None) -> tuple[bytes, int]:
    """A top-level `free` box that brings an MP4 of `length` bytes to `pad_to`: (box header, zero bytes after it).

    Players skip `free` boxes, and one at the end of the file moves no chunk offset, so the padded file stays a
    valid MP4. A gap under 8 bytes (the smallest box) is padded 8 bytes further.
    """
    if pad_to is None or pad_to <= length:
        return b"", 0
    extra = pad_to - length
    if extra < 8:
        extra += 8
    # A 64-bit box size (size field 1, then the real size) past 4 GiB.
    header = struct.pack(">I4s", extra, b"free") if extra < 1 << 32 else struct.pack(">I4sQ", 1, b"free", extra)
    return header, extra - len(header)
