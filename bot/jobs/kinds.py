"""Job kinds in one registry: how each is submitted and what it produces.

A new kind (describe, blend, shorten, swap, video…) is one entry here plus its request fields.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.jobs.model import Job, JobKind
from bot.mj import MJClient, Produces, Rejected, SubmitResult, meaning


@dataclass(frozen=True)
class Submission:
    """Everything a kind needs to send its job: the job, and for a press the job whose button it is."""

    client: MJClient
    job: Job
    parent: Job | None

    @property
    def state(self) -> str:
        """Echoed back on the task, so the provider's side names the job too (its logs, a callback's body)."""
        return f"mjbot:{self.job.id}"


@dataclass(frozen=True)
class Kind:
    submit: Callable[[Submission], Awaitable[SubmitResult]]
    produces: Callable[[Job], Produces]


async def _imagine(s: Submission) -> SubmitResult:
    return await s.client.imagine(s.job.request.prompt, state=s.state)


async def _press(s: Submission) -> SubmitResult:
    button, parent = s.job.request.button, s.parent
    if button is None or parent is None or parent.task_id is None:
        raise Rejected("the original job is gone")
    return await s.client.press(parent.task_id, button.custom_id, state=s.state)


def _pressed(job: Job) -> Produces:
    button = job.request.button
    return meaning(button.custom_id).produces if button is not None else Produces.NOTHING


KINDS: dict[JobKind, Kind] = {
    JobKind.IMAGINE: Kind(submit=_imagine, produces=lambda job: Produces.GRID),
    JobKind.ACTION: Kind(submit=_press, produces=_pressed),
}


def kind_of(job: Job) -> Kind:
    return KINDS[job.kind]


def produces_of(job: Job) -> Produces:
    """What the job makes: a grid, one image, text to pick from…"""
    return kind_of(job).produces(job)
