"""The rules of a community, as pure functions: who may use the bot, and whether a new job may start now.

They run inside the job insert's transaction (`bot.store.Guard`), on the `Usage` counted there, so
two jobs started at the same moment cannot both slip under a limit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.jobs.model import JobState
from bot.store import Usage


class Access(StrEnum):
    ALLOWLIST = "allowlist"  # only the operators, and whom they allowed
    OPEN = "open"  # everyone but whom they denied


class Limit(StrEnum):
    DAILY = "daily"  # a person's successful jobs (and unfinished ones) today
    IN_FLIGHT = "in_flight"  # a person's unfinished jobs
    GROUP_DAILY = "group_daily"  # a group's successful jobs (and unfinished ones) today


class LimitReached(Exception):
    """A limit would be passed: nothing was started. `used` of `allowed` are taken already."""

    def __init__(self, limit: Limit, allowed: int, used: int) -> None:
        super().__init__(f"{limit}: {used} of {allowed}")
        self.limit, self.allowed, self.used = limit, allowed, used


@dataclass(frozen=True)
class Quota:
    """0 means no limit."""

    daily: int = 0
    in_flight: int = 0


@dataclass(frozen=True)
class Allowance:
    person: Quota
    group_daily: int = 0  # 0: no limit, or not in a group
    exempt: bool = False  # the bot's operators: no personal or group limits
    capacity: int = 0  # jobs the provider account runs at once; 0: as many as come


def subjects(user_id: int, username: str, chat_id: int) -> list[str]:
    """What an access decision can be about: the person, their @username, the group."""
    found = [f"user:{user_id}"]
    if username:
        found.append(f"name:{username.lower()}")
    if chat_id < 0:
        found.append(f"chat:{chat_id}")
    return found


def may_use(access: Access, decisions: Mapping[str, bool], user_id: int, username: str, chat_id: int) -> bool:
    """A denial beats an allowance; the person's own decision is found by id, else by @username."""
    person = decisions.get(f"user:{user_id}")
    if person is None and username:
        person = decisions.get(f"name:{username.lower()}")
    chat = decisions.get(f"chat:{chat_id}") if chat_id < 0 else None
    if person is False or chat is False:
        return False
    if person or chat:
        return True
    return access is Access.OPEN


def admit(usage: Usage, weight: int, allowance: Allowance) -> JobState:
    """SUBMITTING, or WAITING in the bot's queue for a slot; raises LimitReached when a limit forbids it.

    Only successes count against a day, so a failed or refused job costs nothing; unfinished jobs are
    counted too, or many started at once would pass a limit before any of them succeeded.
    """
    if not allowance.exempt:
        person = allowance.person
        taken = usage.person_done + usage.person_unfinished
        if person.daily and taken + weight > person.daily:
            raise LimitReached(Limit.DAILY, person.daily, taken)
        if not fits(usage.person_unfinished, weight, person.in_flight):  # a video alone may exceed it
            raise LimitReached(Limit.IN_FLIGHT, person.in_flight, usage.person_unfinished)
        group = usage.group_done + usage.group_unfinished
        if allowance.group_daily and group + weight > allowance.group_daily:
            raise LimitReached(Limit.GROUP_DAILY, allowance.group_daily, group)
    if usage.waiting or not fits(usage.in_flight, weight, allowance.capacity):
        return JobState.WAITING  # first come, first started: nobody overtakes the queue
    return JobState.SUBMITTING


def fits(in_flight: int, weight: int, capacity: int) -> bool:
    """A heavy job that alone exceeds the capacity still starts when nothing else runs."""
    return not capacity or not in_flight or in_flight + weight <= capacity


def day_start(now: float, zone: ZoneInfo) -> float:
    """When today began where the operator lives (quotas reset then)."""
    local = dt.datetime.fromtimestamp(now, zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
