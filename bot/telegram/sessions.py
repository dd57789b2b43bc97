"""Pictures collected over several messages: /blend, then 2–5 pictures; /swap, then a face and a picture.

Kept in memory for a while: a restart forgets them (nothing was submitted yet, nothing is lost but the
asking), and the person is told when a button of a forgotten one is pressed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum

from bot.jobs import Dimensions, Origin
from bot.telegram.pictures import PictureRef

SESSION_SECONDS = 15 * 60


class Gathering(StrEnum):
    BLEND = "blend"
    SWAP = "swap"


@dataclass
class Session:
    kind: Gathering
    origin: Origin  # the command's chat, topic and message: the job will answer it
    message_id: int  # the bot's message that asked for the pictures
    dimensions: Dimensions = Dimensions.SQUARE
    pictures: list[PictureRef] = field(default_factory=list)
    touched: float = field(default_factory=time.monotonic)


class Sessions:
    def __init__(self) -> None:
        self._open: dict[tuple[int, int], Session] = {}

    def open(self, session: Session) -> None:
        self._open[(session.origin.chat_id, session.origin.user_id)] = session

    def get(self, chat_id: int, user_id: int) -> Session | None:
        key = (chat_id, user_id)
        session = self._open.get(key)
        if session is not None and time.monotonic() - session.touched > SESSION_SECONDS:
            del self._open[key]
            return None
        return session

    def close(self, chat_id: int, user_id: int) -> None:
        self._open.pop((chat_id, user_id), None)
