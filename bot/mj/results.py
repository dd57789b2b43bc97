"""Reading the text results of describe and shorten (docs/provider-api.md §9.1, §9.2)."""

from __future__ import annotations

import re

from bot.mj.models import Task

_KEYCAP = re.compile(r"([0-9])\ufe0f?\u20e3")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_ANGLED_URL = re.compile(r"<(https?://[^>\s]+)>")
_SHORTENED = re.compile(r"^#+\s*Shortened prompts\s*$", re.IGNORECASE | re.MULTILINE)
_TOKENS = re.compile(r"^#+\s*Important tokens\s*$(.*?)^#+", re.IGNORECASE | re.MULTILINE | re.DOTALL)
_WHITESPACE = re.compile(r"[ \t]+")


def result_text(task: Task) -> str:
    """The describe or shorten text of a finished task, wherever this provider put it.

    The field with the numbered prompts wins; otherwise finalPrompt as it is (split by lines later).
    """
    candidates = [task.properties.get("finalPrompt"), task.prompt_en, task.prompt, task.description]
    texts = [c.replace("\r\n", "\n").strip() for c in candidates if isinstance(c, str) and c.strip()]
    return next((t for t in texts if _KEYCAP.search(t)), texts[0] if texts else "")


def numbered_prompts(text: str) -> list[str]:
    """The prompts of a describe or shorten text, in order, as a person would type them again.

    They are split on the keycap markers (1️⃣ …), falling back to non-empty lines; markdown links keep
    only their words, and the markers go.
    """
    body = text
    shortened = _SHORTENED.search(text)
    if shortened is not None:
        body = text[shortened.end() :]
    parts = _KEYCAP.split(body)  # [before, digit, prompt, digit, prompt, …]
    if len(parts) > 1:
        chunks = parts[2::2]
    else:
        chunks = [line for line in body.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [prompt for prompt in (clean_prompt(chunk) for chunk in chunks) if prompt]


def important_tokens(text: str) -> str:
    """Shorten's "Important tokens" line: the words Midjourney kept (bold), without the dropped ones."""
    match = _TOKENS.search(text + "\n#")
    if match is None:
        return ""
    section = re.sub(r"~~[^~]*~~,?\s*", "", match.group(1))
    return clean_prompt(section.replace("**", ""))


def clean_prompt(text: str) -> str:
    text = _KEYCAP.sub("", text)
    text = _MARKDOWN_LINK.sub(lambda m: m.group(1), text)
    text = _ANGLED_URL.sub(lambda m: m.group(1), text)
    return _WHITESPACE.sub(" ", " ".join(text.split())).strip(" ,")
