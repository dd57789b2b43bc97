"""Midjourney prompt text: what a person typed, made sendable; the reference parameters a picture can fill in."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

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
