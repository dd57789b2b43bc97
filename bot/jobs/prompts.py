"""Midjourney prompt text: the reference parameters a picture can fill in."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

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


def needs_translation(prompt: str) -> bool:
    """True when the words (not the parameters, not links) are written in a script other than Latin.

    Midjourney reads English best; Chinese, Cyrillic, Japanese… prompts are worth translating first.
    """
    words = re.sub(r"https?://\S+|<[^>]*>", " ", prompt.split(" --", 1)[0])
    return any(c.isalpha() and not unicodedata.name(c, "").startswith("LATIN") for c in words)
