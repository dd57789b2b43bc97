"""Pictures collected over several messages: /blend, then 2–5 pictures; /swap, then a face and a picture.

Kept in memory for a while: a restart forgets them (nothing was submitted yet, nothing is lost but the
asking). An expired one is remembered a little longer, so a late picture is not taken for a new request.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum

from bot.jobs import Dimensions, Origin
from bot.telegram.pictures import PictureRef

SESSION_SECONDS = 15 * 60
REMEMBER_EXPIRED_SECONDS = 60 * 60


class Gathering(StrEnum):
    BLEND = "blend"
    SWAP = "swap"


class _Expired(Enum):
    EXPIRED = "expired"


EXPIRED = _Expired.EXPIRED


@dataclass
class Session:
    kind: Gathering
    origin: Origin  # the command's chat, topic and message: the job will answer it
    message_id: int  # the bot's message that asked for the pictures
    dimensions: Dimensions = Dimensions.SQUARE
    pictures: list[PictureRef] = field(default_factory=list)
    touched: float = field(default_factory=time.monotonic)

    def add(self, refs: Sequence[PictureRef]) -> None:
        self.pictures.extend(refs)
        self.touched = time.monotonic()


class Sessions:
    def __init__(self) -> None:
        self._open: dict[tuple[int, int], Session] = {}

    def open(self, session: Session) -> None:
        session.touched = time.monotonic()
        self._open[_key(session)] = session

    def get(self, chat_id: int, user_id: int) -> Session | _Expired | None:
        """The person's open session here; EXPIRED for one that lapsed within the last hour."""
        session = self._open.get((chat_id, user_id))
        if session is None:
            return None
        idle = time.monotonic() - session.touched
        if idle > SESSION_SECONDS + REMEMBER_EXPIRED_SECONDS:
            del self._open[(chat_id, user_id)]
            return None
        return EXPIRED if idle > SESSION_SECONDS else session

    def asked_in(self, chat_id: int, message_id: int) -> Session | None:
        """Whoever's session that message asks for (another person pressing its buttons)."""
        return next((s for s in self._open.values() if (s.origin.chat_id, s.message_id) == (chat_id, message_id)), None)

    def close(self, session: Session) -> None:
        if self._open.get(_key(session)) is session:
            del self._open[_key(session)]


def _key(session: Session) -> tuple[int, int]:
    return session.origin.chat_id, session.origin.user_id
