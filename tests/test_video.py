"""Video: Animate an upscale into clips, pick one, extend it, as a person sees it in Telegram.

The real Application against the fake Bot API and the simulator, whose clips are real H.264 MP4 files
(docs/provider-api.md §5.10, §8 rows 15–17, §9.5). Every clip a chat receives is checked byte for byte
against the simulator's own file.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import httpx
import pytest
from PIL import Image

from bot.app import BotRuntime
from bot.config import Settings
from bot.jobs import ImageFetcher, Job, JobKind, JobState, Origin, PressedButton, Request
from bot.jobs.images import TooLarge
from bot.jobs.kinds import weight
from bot.jobs.videos import is_mp4, mp4_info
from bot.mj import AuthStyle, MJClient, SubmitResult, Task
from bot.simulator import Simulator
from bot.simulator.state import SimTask
from tests.conftest import MJ_KEY, running
from tests.fake_telegram import Chat, FakeTelegram, Message
from tests.test_flow import finished, showing, status_reply_to
from tests.test_modals import press_and_ask, reply_to, submits, upscale

ANIMATE_ROW = ["🎞️ Animate (High motion)", "🎞️ Animate (Low motion)", "🌱"]
EXTEND_ROWS = [["🎞️ Extend (High motion)", "🎞️ Extend (Low motion)"]]
PICK_ROWS = [["U1", "U2", "U3", "U4"]]


@pytest.fixture(autouse=True)
def quick(sim: Simulator) -> None:
    """Each test here waits on three or four tasks in a row: the simulator renders them faster."""
    sim.config.submitted_seconds, sim.config.render_seconds = 0.1, 0.3


@pytest.fixture
async def ta(tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]):
    sim.config.dialect, sim.config.auth_style = "ta", "raw"
    async with running(settings_for(mj_auth_style=AuthStyle.RAW)) as bot:
        yield bot


def video_task(sim: Simulator, custom_id_start: str) -> SimTask:
    [task] = [t for t in sim.tasks.values() if (t.custom_id or "").startswith(custom_id_start)]
    return task


async def sim_clips(sim: Simulator, task: SimTask) -> list[bytes]:
    """The task's clips as the simulator serves them."""
    async with httpx.AsyncClient() as http:
        return [(await http.get(url)).content for url in task.video_urls(sim.public_base)]


def dims(task: SimTask) -> tuple[int, int]:
    """The frame size the simulator made the task's clips in."""
    assert task.dims is not None
    return task.dims


def links(message: Message) -> list[str]:
    return [e["url"] for e in message.caption_entities or message.entities if e["type"] == "text_link"]


async def clips_answering(tg: FakeTelegram, chat: Chat, message_id: int, count: int) -> list[Message]:
    """The `count` video messages that answer `message_id` (a grid's album)."""

    def found() -> list[Message] | None:
        videos = [m for m in tg.bot_messages(chat) if m.reply_to_message_id == message_id and m.video]
        return videos if len(videos) >= count else None

    return await tg.wait_for(found, timeout=15)


async def animate(tg: FakeTelegram, chat: Chat, up: Message, label: str = "🎞️ Animate (High motion)") -> Message:
    """Press Animate under an upscale; the finished video grid's message."""
    tg.press(chat, up.message_id, up.callback_data_for(label))
    return await finished(tg, chat, (await status_reply_to(tg, chat, up.message_id)).message_id)


def assert_sent_as_telegram_wants(message: Message, task: SimTask, seconds: int) -> None:
    """Dimensions, length and streaming as the file has them, and a thumbnail Telegram keeps."""
    video = message.video
    assert video is not None
    assert (video.width, video.height, video.duration) == (*dims(task), seconds)
    assert video.mime_type == "video/mp4"
    assert video.supports_streaming
    assert video.streamable  # the claim is true: moov before mdat
    assert video.thumbnail is not None, video.thumbnail_dropped
    with Image.open(io.BytesIO(video.thumbnail.data)) as thumbnail:
        assert thumbnail.format == "JPEG"
        assert max(thumbnail.size) <= 320


# -- the whole way, on a proxy with video --------------------------------------------------------------


async def test_animate_pick_and_extend(tg: FakeTelegram, sim: Simulator, ta: BotRuntime) -> None:
    chat = tg.private_chat()
    up = await upscale(tg, chat)
    assert up.button_rows[-1] == ANIMATE_ROW

    query = tg.press(chat, up.message_id, up.callback_data_for("🎞️ Animate (High motion)"))
    await tg.wait_for(lambda: query in tg.answers())
    assert tg.answers()[query].get("text") == "⏳ 🎞️ Animate (high motion)"
    grid = await finished(tg, chat, (await status_reply_to(tg, chat, up.message_id)).message_id)
    assert grid.button_rows == PICK_ROWS
    assert "4 clips are below. Pick one (U1–U4) to extend it." in grid.plain_text
    assert "🎞️ Animate (high motion)" in grid.plain_text
    assert grid.photo is not None
    assert sum(s.photo_changed for s in grid.history) == 2  # the placeholder, then the still of the four clips

    animated = video_task(sim, "MJ::JOB::animate_high")
    clips = await clips_answering(tg, chat, grid.message_id, 4)
    assert [m.video.bytes for m in clips if m.video] == await sim_clips(sim, animated)
    assert [m.plain_text for m in clips] == [f"🎞️ Clip #{n}" for n in range(1, 5)]
    assert len({m.media_group_id for m in clips}) == 1  # one album
    for message in clips:
        assert_sent_as_telegram_wants(message, animated, 2)
    [action] = [a for a in submits(sim, "/submit/action") if "::animate_" in a["customId"]]
    assert "::animate_high::" in action["customId"]

    # U2 picks the second clip: the job's own message becomes that video, with the Extend buttons.
    tg.press(chat, grid.message_id, grid.callback_data_for("U2"))
    picked = await finished(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id)
    assert picked.video is not None
    assert picked.video.bytes == (await sim_clips(sim, animated))[1]
    assert picked.button_rows == EXTEND_ROWS
    assert "Clip #2" in picked.plain_text
    assert_sent_as_telegram_wants(picked, video_task(sim, "MJ::JOB::video_virtual_upscale::2"), 2)

    # Extending needs remix on the provider's account (§9.5); the modal asks for the prompt like a variation.
    sim.config.remix = True
    status, question = await press_and_ask(tg, chat, picked, "🎞️ Extend (High motion)")
    assert "Remix" in question.plain_text
    tg.press(chat, question.message_id, question.callback_data_for("✅ Send as is"))
    extended = await finished(tg, chat, status.message_id)
    longer = video_task(sim, "MJ::JOB::animate_high_extend")
    assert extended.video is not None
    assert [extended.video.bytes] == await sim_clips(sim, longer)
    assert extended.video.duration == 6  # four seconds more
    assert extended.button_rows == EXTEND_ROWS
    [modal] = submits(sim, "/submit/modal")
    assert modal["taskId"] == longer.id
    assert tg.failed_calls() == []


async def test_extend_on_an_account_without_remix_is_explained(
    tg: FakeTelegram, sim: Simulator, ta: BotRuntime
) -> None:
    chat = tg.private_chat()
    grid = await animate(tg, chat, await upscale(tg, chat), "🎞️ Animate (Low motion)")
    tg.press(chat, grid.message_id, grid.callback_data_for("U1"))
    picked = await finished(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id)
    tg.press(chat, picked.message_id, picked.callback_data_for("🎞️ Extend (Low motion)"))
    refused = await showing(
        tg, chat, (await status_reply_to(tg, chat, picked.message_id)).message_id, "Midjourney refused"
    )
    assert "the provider's Midjourney account has remix mode off" in refused.plain_text


# -- behind a relay ----------------------------------------------------------------------------------


async def test_a_relay_refuses_animate_so_the_press_goes_through_submit_video(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    sim.config.dialect = "na"  # new-api shows the TA proxy's Animate buttons and refuses them (§7, §9.5)
    chat = tg.private_chat()
    up = await upscale(tg, chat, "a fox in a forest --ar 3:2")
    assert up.button_rows[-1] == ANIMATE_ROW
    grid = await animate(tg, chat, up)
    [video] = submits(sim, "/submit/video")
    [upscaled] = [t for t in sim.tasks.values() if t.custom_id.startswith("MJ::JOB::upsample::1")]
    assert video["image"] == f"{sim.public_base}/images/{upscaled.id}.png"  # the upscale, by its provider link
    assert (video["motion"], video["prompt"]) == ("high", "a fox in a forest --ar 3:2")
    assert video["state"].startswith("mjbot:")
    [refused] = submits(sim, "/submit/action")[-1:]
    assert "::animate_high::" in refused["customId"]

    made = sim.tasks[next(t.id for t in sim.tasks.values() if t.description.startswith("/video "))]
    clips = await clips_answering(tg, chat, grid.message_id, 4)
    assert [m.video.bytes for m in clips if m.video] == await sim_clips(sim, made)
    video_meta = clips[0].video
    assert video_meta is not None
    assert video_meta.thumbnail is None  # new-api's clips come without stills; Telegram makes its own
    assert (video_meta.width, video_meta.height, video_meta.duration) == (*dims(made), 2)

    # The relay refuses picking a clip too, and nothing else can do it: the person is told.
    tg.press(chat, grid.message_id, grid.callback_data_for("U3"))
    pick = await showing(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id, "refused")
    assert "this button is not supported by the Midjourney provider" in pick.plain_text


async def test_an_extend_the_provider_refuses_goes_through_submit_video(
    tg: FakeTelegram, sim: Simulator, ta: BotRuntime
) -> None:
    chat = tg.private_chat()
    grid = await animate(tg, chat, await upscale(tg, chat))
    tg.press(chat, grid.message_id, grid.callback_data_for("U3"))
    picked = await finished(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id)
    # From here on the provider refuses Extend as an unknown customId, as new-api does (§7).
    sim.config.dialect, sim.config.remix = "na", True
    tg.press(chat, picked.message_id, picked.callback_data_for("🎞️ Extend (Low motion)"))
    extended = await finished(tg, chat, (await status_reply_to(tg, chat, picked.message_id)).message_id)
    animated = video_task(sim, "MJ::JOB::animate_high")
    [video] = submits(sim, "/submit/video")
    assert (video["action"], video["taskId"], video["index"], video["motion"]) == ("extend", animated.id, 2, "low")
    assert extended.video is not None
    assert extended.video.duration == 6
    made = next(t for t in sim.tasks.values() if t.description == "/video extend")
    assert [extended.video.bytes] == await sim_clips(sim, made)


async def test_the_persons_remix_asks_for_a_videos_prompt_and_a_relay_takes_it(
    tg: FakeTelegram, sim: Simulator, bot: BotRuntime
) -> None:
    sim.config.dialect = "na"
    chat = tg.private_chat()
    tg.send_text(chat, "/remix")
    up = await upscale(tg, chat, "a fox in a forest")
    status, question = await press_and_ask(tg, chat, up, "🎞️ Animate (Low motion)")
    assert submits(sim, "/submit/video") == []  # asked first
    tg.send_text(chat, "the fox runs into the trees --loop", reply_to=question.message_id)
    await finished(tg, chat, status.message_id)
    [video] = submits(sim, "/submit/video")
    assert (video["prompt"], video["loop"], video["motion"]) == ("the fox runs into the trees", True, "low")
    [looped] = [t for t in sim.tasks.values() if t.video is not None and t.video.loop]
    assert "--end loop" in looped.final_prompt
    question_now = tg.message(chat, question.message_id).plain_text
    assert "Sent." in question_now
    assert "as it was" not in question_now  # the relay got the new prompt


async def test_the_persons_remix_sends_a_videos_prompt_through_the_modal(
    tg: FakeTelegram, sim: Simulator, ta: BotRuntime
) -> None:
    sim.config.remix = True
    chat = tg.private_chat()
    tg.send_text(chat, "/remix")
    up = await upscale(tg, chat, "a fox in a forest")
    status, question = await press_and_ask(tg, chat, up, "🎞️ Animate (High motion)")
    tg.send_text(chat, "the fox leaps", reply_to=question.message_id)
    await finished(tg, chat, status.message_id)
    [action] = [a for a in submits(sim, "/submit/action") if "::animate_" in a["customId"]]
    assert action["enableRemix"] is True
    [modal] = submits(sim, "/submit/modal")
    assert modal["prompt"] == "the fox leaps"
    assert video_task(sim, "MJ::JOB::animate_high").final_prompt == "the fox leaps --motion high --video 1"


# -- what can go wrong -----------------------------------------------------------------------------


async def test_clips_too_large_for_telegram_are_passed_on_as_links(
    tg: FakeTelegram, sim: Simulator, ta: BotRuntime
) -> None:
    tg.max_upload = 200_000  # Telegram's 50 MB, scaled down: the clips below are padded past it
    sim.config.video_size_bytes = 250_000
    chat = tg.private_chat()
    grid = await animate(tg, chat, await upscale(tg, chat))
    grid = await showing(tg, chat, grid.message_id, "Clip #4 is larger")
    animated = video_task(sim, "MJ::JOB::animate_high")
    for n in range(1, 5):
        assert f"Clip #{n} is larger than the 50 MB Telegram lets bots send" in grid.plain_text
    assert links(grid) == animated.video_urls(sim.public_base)
    assert grid.button_rows == PICK_ROWS  # a clip can still be picked and extended
    assert "Pick one" not in grid.plain_text  # nothing below to pick from
    assert [c.error_code for c in tg.calls_to("sendMediaGroup", "sendVideo")] == [413, 413, 413, 413, 413]

    tg.press(chat, grid.message_id, grid.callback_data_for("U1"))  # one clip: the same, in its own message
    status = await status_reply_to(tg, chat, grid.message_id)
    picked = await showing(tg, chat, status.message_id, "The video is larger than the 50 MB")
    assert picked.video is None
    assert picked.button_rows == EXTEND_ROWS
    assert links(picked) == video_task(sim, "MJ::JOB::video_virtual_upscale::1").video_urls(sim.public_base)
    assert tg.bot_messages(chat)[-1].message_id == status.message_id  # no stray message


async def test_a_clip_that_cannot_be_downloaded_is_linked(tg: FakeTelegram, sim: Simulator, ta: BotRuntime) -> None:
    chat = tg.private_chat()
    up = await upscale(tg, chat)
    sim.blobs["denied.html"] = (b"<html>Access denied</html>", "text/html")
    sim.config.public_base_url = f"{sim.base_url}/images/denied.html#"  # every result link is now a login page
    grid = await animate(tg, chat, up)
    grid = await showing(tg, chat, grid.message_id, "couldn't download")
    for n in range(1, 5):
        assert f"I couldn't download clip #{n} from the provider" in grid.plain_text
    assert grid.photo is not None
    assert sum(s.photo_changed for s in grid.history) == 1  # still the placeholder: the still failed as well
    assert [m for m in tg.bot_messages(chat) if m.video] == []


async def test_a_video_task_that_fails_is_told(tg: FakeTelegram, sim: Simulator, ta: BotRuntime) -> None:
    chat = tg.private_chat()
    up = await upscale(tg, chat)
    sim.config.fail_reason = "Video generation failed"
    tg.press(chat, up.message_id, up.callback_data_for("🎞️ Animate (Low motion)"))
    failed = await showing(tg, chat, (await status_reply_to(tg, chat, up.message_id)).message_id, "couldn't finish")
    assert "Reason: Video generation failed" in failed.plain_text
    assert [m for m in tg.bot_messages(chat) if m.video] == []


async def test_a_group_that_bars_videos_gets_links(tg: FakeTelegram, sim: Simulator, ta: BotRuntime) -> None:
    group = tg.group_chat()
    request = tg.send_text(group, "/imagine@mj_test_bot a fox in a forest")
    grid = await finished(tg, group, (await reply_to(tg, group, request.message_id)).message_id)
    tg.press(group, grid.message_id, grid.callback_data_for("U1"))
    up = await finished(tg, group, (await status_reply_to(tg, group, grid.message_id)).message_id)
    tg.set_permissions(group, can_send_videos=False)
    clips = await animate(tg, group, up)
    clips = await showing(tg, group, clips.message_id, "clip #4")
    assert clips.plain_text.count("This chat doesn't let me send videos") == 4
    assert [m for m in tg.bot_messages(group) if m.video] == []


# -- the parts -------------------------------------------------------------------------------------


async def test_a_clip_past_the_limit_is_not_downloaded(sim: Simulator) -> None:
    sim.config.dialect, sim.config.video_size_bytes = "ta", 300_000
    async with MJClient(sim.base_url, MJ_KEY) as client:
        grid = await made(client, sim, await client.imagine("a fox"))
        up = await made(client, sim, await client.press(grid.id, button(grid, "::upsample::1::")))
        video = await made(client, sim, await client.press(up.id, button(up, "::animate_low::")))
    url = video.clips[0].url
    assert video.clips[0].thumbnail is not None  # TA's videoUrls carry the stills
    fetcher = ImageFetcher()
    try:
        with pytest.raises(TooLarge) as raised:
            await fetcher.fetch_clip(url, limit=200_000)
        assert raised.value.size == 300_000  # told by Content-Length: nothing past the headers was read
        clip = await fetcher.fetch_clip(url, limit=300_000)
    finally:
        await fetcher.aclose()
    assert len(clip) == 300_000
    assert is_mp4(clip)
    info = mp4_info(clip)
    assert (info.width, info.height, info.seconds, info.streamable) == (*dims(sim.tasks[video.id]), 2.0, True)
    assert not is_mp4(b"<html>Access denied</html>")
    assert mp4_info(b"garbage") == mp4_info(b"")


async def made(client: MJClient, sim: Simulator, submitted: SubmitResult) -> Task:
    sim.finish_now(submitted.task_id)
    task = await client.fetch(submitted.task_id)
    assert task is not None
    return task


def button(task: Task, part: str) -> str:
    return next(b.custom_id for b in task.buttons if part in b.custom_id)


def _press_job(custom_id: str) -> Job:
    now = time.time()
    button = PressedButton("k", custom_id)
    return Job(1, Origin(1, 1), Request(JobKind.ACTION, "a fox", 1, button), JobState.SUBMITTING, now, now)


def test_a_video_weighs_what_the_operator_says_and_picking_a_clip_one() -> None:
    u = "26d56b92-4ed6-45e2-8561-563797923135"
    assert weight(_press_job(f"MJ::JOB::animate_high::1::{u}::SOLO"), 8) == 8
    assert weight(_press_job(f"MJ::JOB::animate_low_extend::1::{u}"), 5) == 5
    assert weight(_press_job(f"MJ::JOB::video_virtual_upscale::2::{u}"), 8) == 1
    assert weight(_press_job(f"MJ::JOB::upsample::2::{u}"), 8) == 1
    now = time.time()
    assert weight(Job(2, Origin(1, 1), Request(JobKind.IMAGINE, "a fox"), JobState.SUBMITTING, now, now), 8) == 1


def test_video_weight_defaults_to_eight(settings_for: Callable[..., Settings]) -> None:
    assert settings_for().video_weight == 8
    assert settings_for(video_weight=3).video_weight == 3
    with pytest.raises(ValueError, match="video_weight"):
        settings_for(video_weight=0)


async def test_a_grid_posted_anew_is_not_posted_twice_when_its_album_is_retried(
    tg: FakeTelegram, sim: Simulator, ta: BotRuntime
) -> None:
    chat = tg.private_chat()
    up = await upscale(tg, chat)
    tg.press(chat, up.message_id, up.callback_data_for("🎞️ Animate (High motion)"))
    status = await status_reply_to(tg, chat, up.message_id)
    tg.message(chat, status.message_id).deleted = True  # the still is posted as a new message
    tg.fail_next("sendMediaGroup", error_code=502, description="Bad Gateway")  # the album, once

    def stills() -> list[Message]:
        return [m for m in tg.bot_messages(chat) if m.button_rows == PICK_ROWS and not m.deleted]

    [still] = await tg.wait_for(stills)
    clips = await clips_answering(tg, chat, still.message_id, 4)  # the retried delivery sent the album
    assert len(clips) == 4
    assert [m.message_id for m in stills()] == [still.message_id]
