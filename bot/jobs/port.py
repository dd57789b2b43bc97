"""What the domain asks the chat side to show, and what it hears back.

The jobs service drives every job; the chat side (`bot.telegram`) implements `Display` and never calls
back into the domain or the store. It gets everything it shows handed over — the job, image bytes,
the buttons — and answers with where it showed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.jobs.model import Clip, Job, Origin, Question, Shown
from bot.mj import ButtonMeaning


class DisplayUnavailable(Exception):
    """Telegram could not be reached or asked us to wait: try again later."""


class ChatUnreachable(Exception):
    """The chat takes nothing from the bot (blocked, removed, no right to write): showing is pointless."""


@dataclass(frozen=True)
class ButtonView:
    """A button as a person sees it under a result; `key` is what pressing it sends back."""

    key: str
    label: str
    meaning: ButtonMeaning


@dataclass(frozen=True)
class ClipFile:
    """A clip of a finished video as it is to be shown: its bytes when they were kept, and its thumbnail."""

    clip: Clip
    data: bytes | None = None
    thumbnail: bytes | None = None  # a still image as the provider has it, any format


class Display(Protocol):
    async def post_status(self, job: Job) -> Shown | None:
        """Post the job's status message; raise ChatUnreachable, or anything else when it failed for now.

        None: it was not posted and is not needed any more (the job's outcome was shown first). Nothing
        waits for it: an outcome that is ready before it settles it (`show_outcome`).
        """

    async def show_progress(self, job: Job, preview: bytes | None) -> None:
        """Update the status message of a running job (best effort: never raises, returns before it is shown)."""

    async def show_outcome(self, job: Job, image: bytes | None, buttons: Sequence[ButtonView]) -> Shown | None:
        """Show a finished job, in its status message even if that is still being posted. None: the chat
        cannot be reached any more (nothing to retry).

        Raise to be asked again later (Telegram is unreachable, for instance).
        """

    async def show_video(
        self, job: Job, clips: Sequence[ClipFile], still: bytes | None, buttons: Sequence[ButtonView]
    ) -> Shown | None:
        """Show a finished video: its clips as videos (a grid's `still` above them), links for the ones that
        cannot be sent. None and raising mean what they mean for `show_outcome`."""

    async def show_again(self, job: Job, origin: Origin, buttons: Sequence[ButtonView]) -> Shown | None:
        """Post an earlier job's delivered result once more, as a reply in `origin`'s chat."""

    async def ask(self, job: Job, question: Question, parent: Job | None) -> int | None:
        """Ask the person what the job waits for (a prompt, a region of `parent`'s picture); the message id."""

    async def show_question(self, job: Job, question: Question, parent: Job | None) -> None:
        """Show the question as it stands now (the region chosen so far)."""

    async def close_question(self, job: Job, question: Question, how: str) -> None:
        """The question is over: `how` is sent, unchanged, refused, cancelled or expired."""
