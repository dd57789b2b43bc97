"""Persistence: one SQLite file, migrations at start, one repository per table."""

from bot.store.db import Database
from bot.store.models import ErrorKind, Job, JobKind, JobStatus, NewJob, StoredButton
from bot.store.repositories import ButtonRepository, JobRepository, ResultRepository

__all__ = [
    "ButtonRepository",
    "Database",
    "ErrorKind",
    "Job",
    "JobKind",
    "JobRepository",
    "JobStatus",
    "NewJob",
    "ResultRepository",
    "StoredButton",
]
