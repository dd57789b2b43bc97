"""Midjourney prompt text: what a person typed, made sendable; the reference parameters a picture can fill in,
and a video's end frame."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# Invisible characters that reorder or hide text (bidi overrides, zero-width spaces): in a caption they
# could make a prompt read as something else. The zero-width joiner stays: emoji are built with it.
_INVISIBLE = frozenset("\u200b\u200c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")


def normalized(raw: str) -> str:
    """One line without control characters; Telegram's `—` for `--` undone, so Midjourney's parameters work."""
    kept = "".join(
        " " if unicodedata.category(ch) == "Cc" else ch for ch in raw.replace("—", "--") if ch not in _INVISIBLE
    )
    return " ".join(kept.split())


# --sref / --cref / --oref with no URL after them: the picture sent with the prompt is meant.
_EMPTY_REFERENCE = re.compile(r"(--(?:sref|cref|oref))(?=\s+--|\s*$)", re.IGNORECASE)


# A video ends where it began (`--loop`, `--end loop`) or on another picture (`--end <url>`).
_LOOP = re.compile(r"\s*--(?:loop|end\s+loop)(?=\s|$)", re.IGNORECASE)
_END_IMAGE = re.compile(r"\s*--end\s+(https?://\S+)", re.IGNORECASE)


@dataclass(frozen=True)
class VideoEnding:
    """How a video prompt asks its clip to end; `prompt` is the rest of it."""

    prompt: str
    loop: bool = False
    end_image: str | None = None


def video_ending(prompt: str) -> VideoEnding:
    """The loop or end frame a video prompt asks for, as the separate fields of /submit/video (§5.10)."""
    loop = _LOOP.search(prompt) is not None
    end = _END_IMAGE.search(prompt)
    rest = _END_IMAGE.sub("", _LOOP.sub("", prompt)).strip()
    return VideoEnding(rest, loop, None if loop or end is None else end.group(1))


def wants_references(prompt: str) -> bool:
    """True when the prompt names a reference parameter without a URL."""
    return _EMPTY_REFERENCE.search(prompt) is not None


def with_references(prompt: str, urls: Sequence[str]) -> str:
    """The prompt with the uploaded pictures' URLs after every reference parameter that had none.

    --sref and --cref take several pictures; --oref (omni reference) takes exactly one, the first.
    """

    def filled(match: re.Match[str]) -> str:
        flag = match.group(1)
        return f"{flag} {urls[0] if flag.lower() == '--oref' else ' '.join(urls)}"

    return _EMPTY_REFERENCE.sub(filled, prompt)
