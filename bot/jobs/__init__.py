"""The domain: job kinds, states and transitions, submitting, and the one scheduler that tracks jobs.

Talks to `bot.mj` and `bot.store`; shows things only through the `Display` port.
"""

from bot.jobs.images import ImageDownloadError, ImageFetcher
from bot.jobs.kinds import produces_of
from bot.jobs.model import (
    Choices,
    Job,
    JobKind,
    JobState,
    Origin,
    Outcome,
    Picture,
    PressedButton,
    Problem,
    Progress,
    Request,
    Shown,
)
from bot.jobs.port import ButtonView, ChatUnreachable, Display, DisplayUnavailable
from bot.jobs.runner import JobRunner
from bot.jobs.scheduler import Scheduler
from bot.jobs.service import AlreadyRunning, JobService, Pressed, UnknownButton

__all__ = [
    "AlreadyRunning",
    "ButtonView",
    "ChatUnreachable",
    "Choices",
    "Display",
    "DisplayUnavailable",
    "ImageDownloadError",
    "ImageFetcher",
    "Job",
    "JobKind",
    "JobRunner",
    "JobService",
    "JobState",
    "Origin",
    "Outcome",
    "Picture",
    "Pressed",
    "PressedButton",
    "Problem",
    "Progress",
    "Request",
    "Scheduler",
    "Shown",
    "UnknownButton",
    "produces_of",
]
