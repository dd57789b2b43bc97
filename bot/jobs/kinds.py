"""Job kinds in one registry: how each is submitted, what it produces, and what it answers a modal with.

A new kind is one entry here plus its request fields.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bot.jobs.model import Dimensions, Job, JobKind, Picture
from bot.jobs.prompts import video_ending, wants_references, with_references
from bot.mj import (
    ButtonAction,
    MJClient,
    Produces,
    Rejected,
    SubmitResult,
    UnsupportedButton,
    meaning,
)

Inputs = Sequence[tuple[bytes, str]]  # (bytes, mime) in the order they were given


def state_of(job: Job) -> str:
    """The `state` a job's submits carry: echoed on the task, in callbacks and in the task list (§11).

    Row ids restart at 1 in every database, and a provider's task list may hold other bots' and other
    users' tasks (TA lists everyone's): the job's creation time in milliseconds makes the state this job's own.
    """
    return f"mjbot:{job.id}-{int(job.created_at * 1000)}"


@dataclass(frozen=True)
class Submission:
    """Everything a kind needs to send its job: the job, for a press the job whose button it is, and pictures."""

    client: MJClient
    job: Job
    parent: Job | None
    inputs: Callable[[int], Awaitable[Inputs]]  # the pictures a job was asked with, by job id
    load: Callable[[int], Awaitable[Job | None]]  # another job, by id
    remix: bool = False  # the person asked first: have the provider open its modal (enableRemix)
    _prompt_sent: list[bool] = field(default_factory=list, repr=False)

    @property
    def prompt_sent(self) -> bool:
        """The submit itself carried the job's prompt, so no modal is left to answer (/submit/video)."""
        return bool(self._prompt_sent)

    def sent_prompt(self) -> None:
        self._prompt_sent.append(True)

    @property
    def state(self) -> str:
        """Echoed back on the task, so the provider's side names the job too (its logs, a callback's body)."""
        return state_of(self.job)

    async def data_urls(self, job: Job | None = None) -> list[str]:
        return [_data_url(data, mime) for data, mime in await self.inputs((job or self.job).id)]


@dataclass(frozen=True)
class Kind:
    submit: Callable[[Submission], Awaitable[SubmitResult]]
    produces: Callable[[Job], Produces]
    modal_answer: Callable[[Job], str | None] = lambda job: None  # what to answer a modal with, if known


# -- submitting ------------------------------------------------------------------------------------


async def _imagine(s: Submission) -> SubmitResult:
    prompt, pictures = s.job.request.prompt, await s.data_urls()
    if pictures and wants_references(prompt):
        # References must be URLs in the prompt: the provider uploads the pictures to Discord first (§5.7).
        return await s.client.imagine(with_references(prompt, await s.client.upload(pictures)), state=s.state)
    return await s.client.imagine(prompt, base64_array=pictures, state=s.state)


async def _describe(s: Submission, job: Job | None = None) -> SubmitResult:
    [picture] = await s.data_urls(job)
    return await s.client.describe(picture, state=s.state)


async def _shorten(s: Submission) -> SubmitResult:
    return await s.client.shorten(s.job.request.prompt, state=s.state)


async def _blend(s: Submission) -> SubmitResult:
    dimensions = s.job.request.dimensions or Dimensions.SQUARE
    return await s.client.blend(await s.data_urls(), dimensions=dimensions.value, state=s.state)


async def _swap(s: Submission) -> SubmitResult:
    face, target = await s.data_urls()
    return await s.client.swap_face(face, target, state=s.state)


async def _press(s: Submission) -> SubmitResult:
    button, parent = s.job.request.button, s.parent
    if button is None or parent is None or parent.task_id is None:
        raise Rejected("the original job is gone")
    try:
        return await s.client.press(parent.task_id, button.custom_id, state=s.state, enable_remix=s.remix)
    except UnsupportedButton:
        # Relays refuse the describe and shorten buttons (§7); the same can be had another way.
        fallback = _FALLBACKS.get(meaning(button.custom_id).action)
        if fallback is None:
            raise
        return await fallback(s)


async def _imagine_the_pick(s: Submission) -> SubmitResult:
    return await s.client.imagine(s.job.request.prompt, state=s.state)


async def _describe_again(s: Submission) -> SubmitResult:
    """🔄 as a plain describe of the picture, found up the chain (🔄 under a 🔄 result has none of its own)."""
    job = s.parent
    while job is not None and not await s.inputs(job.id):
        job = await s.load(job.request.parent_job_id) if job.request.parent_job_id else None
    if job is None:
        raise Rejected("the picture to describe is no longer kept")
    return await _describe(s, job)


async def _animate_by_video(s: Submission) -> SubmitResult:
    """Animate through /submit/video where the provider refuses the button (relays, §7): the picture's link,
    its motion, and the prompt, whose --loop or --end becomes the request's own fields (§5.10)."""
    picture = s.parent.outcome if s.parent is not None and isinstance(s.parent.outcome, Picture) else None
    if picture is None or not picture.url:
        raise Rejected("the picture to animate is no longer known")
    ending = video_ending(s.job.request.prompt)
    result = await s.client.video(
        ending.prompt,
        image=picture.url,
        motion=_motion(s.job),
        loop=ending.loop,
        end_image=ending.end_image,
        state=s.state,
    )
    s.sent_prompt()
    return result


async def _extend_by_video(s: Submission) -> SubmitResult:
    """Extend through /submit/video: it names the video task and which of its clips (§5.10)."""
    task_id, index = await _clip_of(s)
    ending = video_ending(s.job.request.prompt)
    result = await s.client.video(ending.prompt, motion=_motion(s.job), extend=(task_id, index), state=s.state)
    s.sent_prompt()
    return result


async def _clip_of(s: Submission) -> tuple[str, int]:
    """(video task id, clip index) of the clip a job extends: a picked clip is its grid's clip; any other
    video task is a clip of its own."""
    clip = s.parent
    button = clip.request.button if clip is not None else None
    if clip is not None and button is not None and meaning(button.custom_id).action is ButtonAction.VIDEO_UPSCALE:
        grid = await s.load(clip.request.parent_job_id) if clip.request.parent_job_id else None
        index = meaning(button.custom_id).index
        if grid is not None and grid.task_id and index:
            return grid.task_id, index - 1
    if clip is None or clip.task_id is None:
        raise Rejected("the clip to extend is no longer known")
    return clip.task_id, 0


def _motion(job: Job) -> str:
    button = job.request.button
    return (meaning(button.custom_id).detail if button is not None else "") or "low"


_FALLBACKS: dict[ButtonAction, Callable[[Submission], Awaitable[SubmitResult]]] = {
    ButtonAction.DESCRIBE_PICK: _imagine_the_pick,
    ButtonAction.SHORTEN_PICK: _imagine_the_pick,
    ButtonAction.DESCRIBE_RETRY: _describe_again,
    ButtonAction.ANIMATE: _animate_by_video,
    ButtonAction.EXTEND: _extend_by_video,
}


def _unattended(job: Job) -> str | None:
    """🎉 Imagine all answers each pick's modal with its prompt; everything else asks the person (§7)."""
    return job.request.prompt if job.request.unattended else None


def _pressed(job: Job) -> Produces:
    button = job.request.button
    return meaning(button.custom_id).produces if button is not None else Produces.NOTHING


def _data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


KINDS: dict[JobKind, Kind] = {
    JobKind.IMAGINE: Kind(submit=_imagine, produces=lambda job: Produces.GRID),
    JobKind.ACTION: Kind(submit=_press, produces=_pressed, modal_answer=_unattended),
    JobKind.DESCRIBE: Kind(submit=_describe, produces=lambda job: Produces.CHOICES),
    JobKind.SHORTEN: Kind(submit=_shorten, produces=lambda job: Produces.CHOICES),
    JobKind.BLEND: Kind(submit=_blend, produces=lambda job: Produces.GRID),
    JobKind.SWAP: Kind(submit=_swap, produces=lambda job: Produces.IMAGE),
}


def kind_of(job: Job) -> Kind:
    return KINDS[job.kind]


def produces_of(job: Job) -> Produces:
    """What the job makes: a grid, one image, text to pick from…"""
    return kind_of(job).produces(job)


def weight(job: Job, video_weight: int) -> int:
    """What a job costs in images of provider time: a video about eight (the operator's VIDEO_WEIGHT).

    Picking a clip of a video grid renders nothing new (Midjourney's "virtual upscale"), so it counts as one.
    """
    button = job.request.button
    picks = button is not None and meaning(button.custom_id).action is ButtonAction.VIDEO_UPSCALE
    return video_weight if produces_of(job) is Produces.VIDEO and not picks else 1
