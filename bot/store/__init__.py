"""Persistence: one SQLite file, migrations at start, one repository per table. Maps rows; owns no rules."""

from bot.store.access import AccessRepository
from bot.store.buttons import ButtonRepository, StoredButton
from bot.store.db import Database
from bot.store.inputs import InputRepository
from bot.store.jobs import Counting, Guard, JobRepository, Row, SqlValue, Usage
from bot.store.limits import LimitRepository
from bot.store.people import PeopleRepository
from bot.store.preferences import PreferenceQuestionRepository, PreferenceRepository
from bot.store.questions import QuestionRepository
from bot.store.results import ResultRepository, StoredResult

__all__ = [
    "AccessRepository",
    "ButtonRepository",
    "Counting",
    "Database",
    "Guard",
    "InputRepository",
    "JobRepository",
    "LimitRepository",
    "PeopleRepository",
    "PreferenceQuestionRepository",
    "PreferenceRepository",
    "QuestionRepository",
    "ResultRepository",
    "Row",
    "SqlValue",
    "StoredButton",
    "StoredResult",
    "Usage",
]
