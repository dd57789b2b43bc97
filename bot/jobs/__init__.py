"""The domain: job kinds, states and transitions, submitting, and the one scheduler that tracks jobs.

Talks to `bot.mj` and `bot.store`; shows things only through the `Display` port.
"""

from bot.jobs.images import ImageDownloadError, ImageFetcher
from bot.jobs.model import Job, JobKind, JobState, Origin, PressedButton, Problem, Progress, Request, Result, Shown
from bot.jobs.port import ButtonView, Display, DisplayUnavailable
from bot.jobs.runner import JobRunner
from bot.jobs.scheduler import Scheduler
from bot.jobs.service import AlreadyRunning, JobService, Pressed, UnknownButton

__all__ = [
    "AlreadyRunning",
    "ButtonView",
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
    "Pressed",
    "PressedButton",
    "Problem",
    "Progress",
    "Request",
    "Result",
    "Scheduler",
    "Shown",
    "UnknownButton",
]
