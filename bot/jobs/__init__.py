"""The domain: job kinds, states and transitions, submitting, and the one scheduler that tracks jobs.

Talks to `bot.mj` and `bot.store`; shows things only through the `Display` port.
"""

from bot.jobs.images import ImageDownloadError, ImageFetcher
from bot.jobs.inputs import NOT_AN_IMAGE, TOO_LARGE, InputProblem
from bot.jobs.kinds import produces_of
from bot.jobs.modals import EMPTY, NO_REGION, ZOOM_RANGE, BadAnswer
from bot.jobs.model import (
    Asks,
    Choices,
    Clip,
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
    Question,
    Request,
    Shown,
    Video,
)
from bot.jobs.port import ButtonView, ChatUnreachable, ClipFile, Display, DisplayUnavailable
from bot.jobs.runner import JobRunner
from bot.jobs.scheduler import Scheduler
from bot.jobs.service import (
    AlreadyRunning,
    Busy,
    JobService,
    NoQuestion,
    NoSeed,
    NotYours,
    Pressed,
    UnknownButton,
    UnknownJob,
    WrongCount,
    picture_bounds,
)

__all__ = [
    "EMPTY",
    "NOT_AN_IMAGE",
    "NO_REGION",
    "TOO_LARGE",
    "ZOOM_RANGE",
    "AlreadyRunning",
    "Asks",
    "BadAnswer",
    "Busy",
    "ButtonView",
    "ChatUnreachable",
    "Choices",
    "Clip",
    "ClipFile",
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
    "NoQuestion",
    "NoSeed",
    "NotYours",
    "Origin",
    "Outcome",
    "Picture",
    "Pressed",
    "PressedButton",
    "Problem",
    "Progress",
    "Question",
    "Request",
    "Scheduler",
    "Shown",
    "UnknownButton",
    "UnknownJob",
    "Video",
    "WrongCount",
    "picture_bounds",
    "produces_of",
]
