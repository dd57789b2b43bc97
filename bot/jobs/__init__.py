"""The domain: submitting, tracking and finishing Midjourney jobs. Talks to `bot.mj` and `bot.store`."""

from bot.jobs.images import ImageDownloadError, ImageFetcher
from bot.jobs.service import AlreadyRunning, JobListener, JobService, Origin, UnknownButton, button_label
from bot.jobs.tracker import Tracker
from bot.store import ErrorKind, Job, JobKind, JobStatus, StoredButton

__all__ = [
    "AlreadyRunning",
    "ErrorKind",
    "ImageDownloadError",
    "ImageFetcher",
    "Job",
    "JobKind",
    "JobListener",
    "JobService",
    "JobStatus",
    "Origin",
    "StoredButton",
    "Tracker",
    "UnknownButton",
    "button_label",
]
