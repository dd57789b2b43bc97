"""The people around the jobs: who may use the bot, their limits, their preferences, what they used.

The operators (`Rules.admins`) decide who may use the bot and how much; a person chooses their own
preferences, a group's admins the group's. The Telegram side asks this module and never the store.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.jobs.model import Delivery, Job, JobState
from bot.jobs.policy import Access, Allowance, Quota, day_start, may_use, subjects
from bot.jobs.preferences import (
    FIELDS,
    BadPreference,
    Model,
    Preferences,
    check_parameters,
    check_personalization,
)
from bot.jobs.records import from_row
from bot.mj import Speed
from bot.store import (
    AccessRepository,
    Counting,
    Database,
    JobRepository,
    LimitRepository,
    PeopleRepository,
    PreferenceQuestionRepository,
    PreferenceRepository,
    Row,
    SqlValue,
    Usage,
)

log = logging.getLogger(__name__)

UNFINISHED = tuple(state.value for state in JobState if not state.is_final)
IN_FLIGHT = tuple(s.value for s in (JobState.SUBMITTING, JobState.QUEUED, JobState.SUBMITTED, JobState.IN_PROGRESS))
FAILED = frozenset({JobState.FAILED, JobState.TIMED_OUT, JobState.REFUSED})
_SWITCHES = frozenset({"draft", "remix", "shared_buttons"})


@dataclass(frozen=True)
class Rules:
    """What the operator set in `.env`."""

    access: Access = Access.ALLOWLIST
    admins: frozenset[int] = frozenset()
    quota: Quota = field(default_factory=Quota)
    group_daily: int = 0
    capacity: int = 0  # the provider account's slots (MAX_IN_FLIGHT); 0: no local queue
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    speeds: tuple[Speed, ...] = tuple(Speed)  # what the provider root offers
    languages: tuple[str, ...] = ("en",)


@dataclass(frozen=True)
class Target:
    """Whom an operator's decision is about: a person (by id, or by @username not yet seen), or a chat."""

    kind: str  # "user", "name" or "chat"
    key: str  # the id, or the lower-case username

    @property
    def subject(self) -> str:
        return f"{self.kind}:{self.key}"

    @property
    def owner_id(self) -> int | None:
        """The id limits and preferences are kept under; None for a person known only by name."""
        return int(self.key) if self.kind != "name" else None


@dataclass(frozen=True)
class UsageReport:
    usage: Usage
    allowance: Allowance
    resets_at: float


@dataclass(frozen=True)
class Tally:
    jobs: int = 0
    succeeded: int = 0
    failed: int = 0
    seconds: float = 0.0  # summed over the succeeded

    @property
    def average(self) -> float | None:
        return self.seconds / self.succeeded if self.succeeded else None

    def plus(self, job: Row) -> Tally:
        state = JobState(str(job["state"]))
        done = state is JobState.SUCCEEDED
        took = _number(job["finished_at"]) - _number(job["created_at"]) if done else 0.0
        return Tally(self.jobs + 1, self.succeeded + done, self.failed + (state in FAILED), self.seconds + took)


@dataclass(frozen=True)
class Stats:
    days: list[tuple[str, Tally]]  # newest first, by the operator's date
    people: list[tuple[str, Tally]]  # most jobs first


class Community:
    def __init__(self, db: Database, rules: Rules) -> None:
        self.rules = rules
        self._jobs = JobRepository(db)
        self._people = PeopleRepository(db)
        self._access = AccessRepository(db)
        self._limits = LimitRepository(db)
        self._preferences = PreferenceRepository(db)
        self.questions = PreferenceQuestionRepository(db)
        self._seen: dict[int, tuple[str, str]] = {}

    # -- people and access -------------------------------------------------------------------------

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.rules.admins

    async def seen(self, user_id: int, username: str, name: str) -> None:
        """Remember who this is, so an operator can name them by @username later."""
        if self._seen.get(user_id) == (username.lower(), name):
            return
        await self._people.seen(user_id, username, name)
        self._seen[user_id] = (username.lower(), name)

    async def may_use(self, user_id: int, username: str, chat_id: int) -> bool:
        if self.is_admin(user_id):
            return True
        decisions = await self._access.decisions(subjects(user_id, username, chat_id))
        return may_use(self.rules.access, decisions, user_id, username, chat_id)

    async def target(self, word: str) -> Target | None:
        """A person or chat named by id or @username; None when the word names neither."""
        word = word.strip()
        if word.startswith("@") and len(word) > 1:
            name = word[1:].lower()
            person = await self._people.by_username(name)
            return Target("user", str(person["user_id"])) if person is not None else Target("name", name)
        if word.lstrip("-").isdigit():
            return Target("chat" if word.startswith("-") else "user", str(int(word)))
        return None

    async def decide(self, target: Target, allowed: bool, by_user_id: int) -> None:
        await self._access.decide(target.subject, allowed, by_user_id, time.time())
        log.info("access: %s %s by %d", target.subject, "allowed" if allowed else "denied", by_user_id)

    async def decisions(self) -> list[Row]:
        return await self._access.all()

    async def name_of(self, user_id: int) -> str:
        person = await self._people.get(user_id)
        if person is None:
            return str(user_id)
        name, username = str(person["name"] or ""), str(person["username"] or "")
        return name or (f"@{username}" if username else str(user_id))

    # -- limits and usage --------------------------------------------------------------------------

    async def allowance(self, user_id: int, chat_id: int) -> Allowance:
        own = await self._limits.get(user_id)
        person = Quota(
            daily=_or(own, "daily", self.rules.quota.daily), in_flight=_or(own, "in_flight", self.rules.quota.in_flight)
        )
        group = await self._limits.get(chat_id) if chat_id < 0 else None
        group_daily = _or(group, "daily", self.rules.group_daily) if chat_id < 0 else 0
        return Allowance(person, group_daily, self.is_admin(user_id), self.rules.capacity)

    def counting(self, user_id: int, chat_id: int, now: float | None = None) -> Counting:
        return Counting(
            user_id=user_id,
            chat_id=chat_id if chat_id < 0 else None,
            since=day_start(now or time.time(), self.rules.zone),
            done=(JobState.SUCCEEDED.value,),
            unfinished=UNFINISHED,
            in_flight=IN_FLIGHT,
            waiting=JobState.WAITING.value,
        )

    async def usage(self, user_id: int, chat_id: int) -> UsageReport:
        now = time.time()
        usage = await self._jobs.usage(self.counting(user_id, chat_id, now))
        return UsageReport(usage, await self.allowance(user_id, chat_id), day_start(now, self.rules.zone) + 86400)

    async def own_limits(self, owner_id: int) -> tuple[int | None, int | None]:
        """(daily, in flight) an operator set for this person or group; None where the default applies."""
        row = await self._limits.get(owner_id)
        if row is None:
            return None, None
        daily, in_flight = row["daily"], row["in_flight"]
        return (daily if isinstance(daily, int) else None, in_flight if isinstance(in_flight, int) else None)

    async def set_limit(self, owner_id: int, daily: int | None, in_flight: int | None) -> None:
        """A person's or group's own limits; None goes back to the default (0: no limit)."""
        await self._limits.set(owner_id, daily, in_flight if owner_id > 0 else None)
        log.info("limits of %d: daily %s, in flight %s", owner_id, daily, in_flight)

    async def stats(self, days: int = 7) -> Stats:
        since = day_start(time.time(), self.rules.zone) - (days - 1) * 86400
        by_day: dict[str, Tally] = {}
        by_person: dict[int, tuple[str, Tally]] = {}
        for job in await self._jobs.started_since(since):
            date = dt.datetime.fromtimestamp(_number(job["created_at"]), self.rules.zone).strftime("%Y-%m-%d")
            by_day[date] = by_day.get(date, Tally()).plus(job)
            user_id = int(_number(job["user_id"]))
            name, tally = by_person.get(user_id, (str(job["user_name"] or user_id), Tally()))
            by_person[user_id] = (name, tally.plus(job))
        people = sorted(by_person.values(), key=lambda item: -item[1].jobs)
        return Stats(sorted(by_day.items(), reverse=True), people)

    async def history(self, user_id: int, chat_id: int | None, limit: int = 10) -> list[Job]:
        return [from_row(row) for row in await self._jobs.recent(user_id, chat_id, limit)]

    # -- preferences -------------------------------------------------------------------------------

    async def stored(self, owner_id: int) -> Preferences:
        """What this person or group chose (None where nothing was)."""
        return _preferences(await self._preferences.get(owner_id))

    async def effective(self, user_id: int, chat_id: int) -> Preferences:
        """The person's choices over their group's (in a group) over the defaults."""
        base = Preferences(
            speed=None,
            model=Model.DEFAULT,
            draft=False,
            personalization="",
            parameters="",
            remix=False,
            delivery=Delivery.AUTO,
            shared_buttons=False,
        )
        if chat_id < 0:
            base = (await self.stored(chat_id)).over(base)
        return (await self.stored(user_id)).over(base)

    async def choose(self, owner_id: int, name: str, value: str | None) -> None:
        """Set one preference from what a person pressed or wrote; None forgets the choice. Raises BadPreference."""
        if name not in FIELDS:
            raise BadPreference("unknown", name)
        await self._preferences.set(owner_id, {name: self._checked(name, value)})

    def _checked(self, name: str, value: str | None) -> SqlValue:
        if value is None:
            return None
        if name in _SWITCHES:
            return int(value == "on")
        try:
            if name == "speed":
                speed = Speed(value)
                if speed not in self.rules.speeds:
                    raise BadPreference("speed", value)
                return speed.value
            if name == "model":
                return Model(value).value
            if name == "delivery":
                return Delivery(value).value
        except ValueError:
            raise BadPreference(name, value) from None
        if name == "language":
            if value not in self.rules.languages:
                raise BadPreference("language", value)
            return value
        if name == "personalization":
            return check_personalization(value) if value.strip() else ""
        return check_parameters(value) if value.strip() else ""

    async def language(self, user_id: int, chat_id: int) -> str | None:
        """The language a person chose, else the one their group chose; None: follow Telegram's."""
        own = await self.stored(user_id)
        if own.language is None and chat_id < 0:
            return (await self.stored(chat_id)).language
        return own.language

    async def toggle_remix(self, user_id: int) -> bool:
        on = not (await self.effective(user_id, user_id)).remix
        await self._preferences.set(user_id, {"remix": int(on)})
        return on

    # -- chats -------------------------------------------------------------------------------------

    async def chat_migrated(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its access, limits and preferences move with it."""
        await self._preferences.move(old_chat_id, new_chat_id)
        await self._limits.move(old_chat_id, new_chat_id)
        await self._access.move(f"chat:{old_chat_id}", f"chat:{new_chat_id}")
        await self.questions.move(old_chat_id, new_chat_id)


def _or(row: Row | None, name: str, default: int) -> int:
    value = row[name] if row is not None else None
    return int(value) if isinstance(value, int) else default


def _preferences(row: Row | None) -> Preferences:
    if row is None:
        return Preferences()

    def text(name: str) -> str | None:
        value = row[name]
        return None if value is None else str(value)

    def switch(name: str) -> bool | None:
        value = row[name]
        return None if value is None else bool(value)

    speed, model, delivery = text("speed"), text("model"), text("delivery")
    return Preferences(
        speed=Speed(speed) if speed else None,
        model=Model(model) if model else None,
        draft=switch("draft"),
        personalization=text("personalization"),
        parameters=text("parameters"),
        remix=switch("remix"),
        delivery=Delivery(delivery) if delivery else None,
        language=text("language"),
        shared_buttons=switch("shared_buttons"),
    )


def _number(value: SqlValue) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
