"""The domain: job kinds, states and transitions, submitting, and the one scheduler that tracks jobs.

Talks to `bot.mj` and `bot.store`; shows things only through the `Display` port.
"""

from bot.jobs.images import ImageDownloadError, ImageFetcher
from bot.jobs.inputs import NOT_AN_IMAGE, TOO_LARGE, InputProblem
from bot.jobs.kinds import produces_of
from bot.jobs.model import (
    Choices,
    Dimensions,
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
from bot.jobs.service import AlreadyRunning, JobService, Pressed, UnknownButton, UnknownJob, WrongCount

__all__ = [
    "NOT_AN_IMAGE",
    "TOO_LARGE",
    "AlreadyRunning",
    "ButtonView",
    "ChatUnreachable",
    "Choices",
    "Dimensions",
    "Display",
    "DisplayUnavailable",
    "ImageDownloadError",
    "ImageFetcher",
    "InputProblem",
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
    "UnknownJob",
    "WrongCount",
    "produces_of",
]
