"""Pictures people send: which file a message carries, and fetching it from Telegram (20 MB at most)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Bot, Message
from telegram.error import BadRequest

from bot.jobs import TOO_LARGE, InputProblem

DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile serves bots files up to 20 MB


@dataclass(frozen=True)
class PictureRef:
    """A photo, or a file sent as a document, by Telegram file id."""

    file_id: str
    size: int | None


def picture_in(message: Message | None, *, images_only: bool = False) -> PictureRef | None:
    """The picture a message carries: its largest photo size, or its document (the domain checks it is one).

    Telegram turns a GIF into an MP4 animation; its still thumbnail stands in for it. `images_only`
    skips documents that say they are something else (a PDF replied to).
    """
    if message is None:
        return None
    if message.photo:
        largest = message.photo[-1]
        return PictureRef(largest.file_id, largest.file_size)
    if message.animation:
        thumbnail = message.animation.thumbnail
        return PictureRef(thumbnail.file_id, thumbnail.file_size) if thumbnail else None
    if message.document:
        if images_only and not (message.document.mime_type or "").startswith("image/"):
            return None
        return PictureRef(message.document.file_id, message.document.file_size)
    return None


async def download(bot: Bot, picture: PictureRef) -> bytes:
    """The file's bytes; InputProblem(TOO_LARGE) beyond what Telegram lets bots download.

    The file's URL holds the bot token: it is never logged, only read through PTB.
    """
    if picture.size is not None and picture.size > DOWNLOAD_LIMIT:
        raise InputProblem(TOO_LARGE, f"{picture.size} bytes")
    try:
        file = await bot.get_file(picture.file_id)
    except BadRequest as exc:
        if "too big" in exc.message.lower():
            raise InputProblem(TOO_LARGE, exc.message) from None
        raise
    return bytes(await file.download_as_bytearray())
