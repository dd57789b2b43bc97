"""The community's rules as pure functions: access decisions, admitting a job, the start of a day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.jobs import JobState
from bot.jobs.policy import Access, Allowance, Limit, LimitReached, Quota, admit, day_start, fits, may_use
from bot.store import Usage

PERSON = Allowance(Quota(daily=10, in_flight=2), group_daily=20, capacity=3)


@pytest.mark.parametrize(
    ("decisions", "access", "allowed"),
    [
        ({}, Access.ALLOWLIST, False),
        ({}, Access.OPEN, True),
        ({"user:1": True}, Access.ALLOWLIST, True),
        ({"name:ann": True}, Access.ALLOWLIST, True),
        ({"chat:-5": True}, Access.ALLOWLIST, True),
        ({"chat:-5": True, "user:1": False}, Access.ALLOWLIST, False),  # a denial beats an allowance
        ({"chat:-5": False, "user:1": True}, Access.OPEN, False),
        ({"user:1": False, "name:ann": True}, Access.OPEN, False),  # by id first, the name only without it
        ({"user:1": True, "name:ann": False}, Access.ALLOWLIST, True),
    ],
)
def test_who_may_use_the_bot(decisions: dict[str, bool], access: Access, allowed: bool) -> None:
    assert may_use(access, decisions, 1, "Ann", -5) is allowed


@pytest.mark.parametrize(
    ("usage", "weight", "limit"),
    [
        (Usage(person_done=9, person_unfinished=1), 1, Limit.DAILY),
        (Usage(person_unfinished=2), 1, Limit.IN_FLIGHT),
        (Usage(person_done=5, person_unfinished=1), 2, Limit.IN_FLIGHT),
        (Usage(group_done=19, group_unfinished=1), 1, Limit.GROUP_DAILY),
    ],
)
def test_a_limit_stops_a_job(usage: Usage, weight: int, limit: Limit) -> None:
    with pytest.raises(LimitReached) as refused:
        admit(usage, weight, PERSON)
    assert refused.value.limit is limit


def test_operators_pass_every_limit_but_the_accounts_slots() -> None:
    operator = Allowance(Quota(daily=1, in_flight=1), group_daily=1, exempt=True, capacity=1)
    busy = Usage(person_done=5, person_unfinished=5, group_done=5, in_flight=1)
    assert admit(busy, 1, operator) is JobState.WAITING
    assert admit(Usage(person_done=5), 1, operator) is JobState.SUBMITTING


@pytest.mark.parametrize(
    ("usage", "state"),
    [
        (Usage(in_flight=2), JobState.SUBMITTING),
        (Usage(in_flight=3), JobState.WAITING),
        (Usage(in_flight=0, waiting=1), JobState.WAITING),  # nobody overtakes the queue
    ],
)
def test_the_accounts_slots_and_the_queue(usage: Usage, state: JobState) -> None:
    assert admit(usage, 1, PERSON) is state


def test_a_heavy_job_starts_alone_and_no_capacity_means_no_queue() -> None:
    assert fits(0, 8, 3)
    assert not fits(1, 8, 3)
    assert fits(100, 1, 0)


def test_a_day_starts_at_the_operators_midnight() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    noon = dt.datetime(2026, 3, 5, 12, 30, tzinfo=zone).timestamp()
    assert day_start(noon, zone) == dt.datetime(2026, 3, 5, tzinfo=zone).timestamp()
    early = dt.datetime(2026, 3, 5, 7, 0, tzinfo=zone).timestamp()  # 23:00 UTC the day before
    assert day_start(early, ZoneInfo("UTC")) == dt.datetime(2026, 3, 4, tzinfo=dt.UTC).timestamp()
