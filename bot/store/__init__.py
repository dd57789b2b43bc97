"""Persistence: one SQLite file, migrations at start, one repository per table. Maps rows; owns no rules."""

from bot.store.buttons import ButtonRepository, StoredButton
from bot.store.db import Database
from bot.store.inputs import InputRepository
from bot.store.jobs import JobRepository, Row, SqlValue
from bot.store.people import PeopleRepository
from bot.store.questions import QuestionRepository
from bot.store.results import ResultRepository, StoredResult

__all__ = [
    "ButtonRepository",
    "Database",
    "InputRepository",
    "JobRepository",
    "PeopleRepository",
    "QuestionRepository",
    "ResultRepository",
    "Row",
    "SqlValue",
    "StoredButton",
    "StoredResult",
]
