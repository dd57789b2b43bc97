"""Pure view functions: captions within Telegram's limits, Discord-like keyboards."""

from __future__ import annotations

from dataclasses import replace

from bot.jobs import ErrorKind, Job, JobKind, JobStatus, StoredButton
from bot.telegram.views import CAPTION_LIMIT, caption, keyboard, progress_bar, visible_length

U = "26d56b92-4ed6-45e2-8561-563797923135"


def _job(**changes) -> Job:
    base = Job(
        id=1,
        kind=JobKind.IMAGINE,
        status=JobStatus.SUBMITTING,
        chat_id=1001,
        user_id=1001,
        user_name="Alice",
        prompt="a red fox in snow --ar 3:2",
        created_at=0.0,
        updated_at=0.0,
    )
    return replace(base, **changes)


def _buttons(*custom: tuple[str, str, str]) -> list[StoredButton]:
    return [StoredButton(f"k{i}", 1, i, cid, label, emoji) for i, (cid, label, emoji) in enumerate(custom)]


GRID = _buttons(
    *[(f"MJ::JOB::upsample::{n}::{U}", f"U{n}", "") for n in range(1, 5)],
    (f"MJ::JOB::reroll::0::{U}::SOLO", "", "🔄"),
    *[(f"MJ::JOB::variation::{n}::{U}", f"V{n}", "") for n in range(1, 5)],
)

SOLO = _buttons(
    (f"MJ::JOB::upsample_v7_2x_subtle::1::{U}::SOLO", "Upscale (Subtle)", "upscale_1"),
    (f"MJ::JOB::upsample_v7_2x_creative::1::{U}::SOLO", "Upscale (Creative)", "upscale_1"),
    (f"MJ::JOB::low_variation::1::{U}::SOLO", "Vary (Subtle)", "🪄"),
    (f"MJ::JOB::high_variation::1::{U}::SOLO", "Vary (Strong)", "🪄"),
    (f"MJ::Inpaint::1::{U}::SOLO", "Vary (Region)", "🖌️"),
    (f"MJ::Outpaint::50::1::{U}::SOLO", "Zoom Out 2x", "🔍"),
    (f"MJ::Outpaint::75::1::{U}::SOLO", "Zoom Out 1.5x", "🔍"),
    (f"MJ::CustomZoom::{U}", "Custom Zoom", "🔍"),
    (f"MJ::JOB::pan_left::1::{U}::SOLO", "", "⬅️"),
    (f"MJ::JOB::pan_right::1::{U}::SOLO", "", "➡️"),
    (f"MJ::JOB::pan_up::1::{U}::SOLO", "", "⬆️"),
    (f"MJ::JOB::pan_down::1::{U}::SOLO", "", "⬇️"),
    (f"MJ::BOOKMARK::{U}", "", "❤️"),
)


def _texts(markup) -> list[list[str]]:
    return [[b.text for b in row] for row in markup.inline_keyboard]


def test_grid_keyboard_has_discord_rows():
    assert _texts(keyboard(GRID)) == [["U1", "U2", "U3", "U4", "🔄"], ["V1", "V2", "V3", "V4"]]


def test_upscale_keyboard_groups_and_hides_bookmark():
    assert _texts(keyboard(SOLO)) == [
        ["Upscale (Subtle)", "Upscale (Creative)"],
        ["🪄 Vary (Subtle)", "🪄 Vary (Strong)", "🖌️ Vary (Region)"],
        ["🔍 Zoom Out 2x", "🔍 Zoom Out 1.5x", "🔍 Custom Zoom"],
        ["⬅️", "➡️", "⬆️", "⬇️"],
    ]


def test_callback_data_is_a_short_key_not_the_custom_id():
    markup = keyboard(SOLO)
    assert markup is not None
    for row in markup.inline_keyboard:
        for button in row:
            assert isinstance(button.callback_data, str)
            assert button.callback_data.startswith("b:")
            assert len(button.callback_data.encode()) <= 64
            assert "MJ::" not in button.callback_data


def test_unknown_buttons_are_kept_in_a_last_row_and_no_buttons_means_no_keyboard():
    markup = keyboard(_buttons(("MJ::Something::new", "New thing", "")))
    assert _texts(markup) == [["New thing"]]
    assert keyboard([]) is None


def test_progress_caption_shows_percent_and_bar():
    text = caption(_job(status=JobStatus.IN_PROGRESS, progress=46))
    assert "46%" in text
    assert progress_bar(46) in text
    assert progress_bar(46) == "▰▰▰▰▰▱▱▱▱▱"
    assert "<b>a red fox in snow --ar 3:2</b>" in text


def test_queued_caption_shows_position():
    assert "3 ahead" in caption(_job(status=JobStatus.QUEUED, queue_position=3))


def test_long_prompt_is_shortened_to_fit_the_caption_and_escaped():
    job = _job(status=JobStatus.SUCCEEDED, prompt="<fox> & " * 400, label="U2")
    text = caption(job, group=True)
    assert visible_length(text) <= CAPTION_LIMIT
    assert "…" in text
    assert "&lt;fox&gt; &amp;" in text
    assert 'href="tg://user?id=1001">Alice</a>' in text


def test_group_results_name_who_asked_private_ones_do_not():
    job = _job(status=JobStatus.SUCCEEDED)
    assert "Alice" in caption(job, group=True)
    assert "Alice" not in caption(job, group=False)


def test_error_captions_are_specific():
    banned = caption(_job(status=JobStatus.REFUSED, error_kind=ErrorKind.BANNED, error="badword"))
    assert "“badword” is not allowed" in banned
    rejected = caption(_job(status=JobStatus.REFUSED, error_kind=ErrorKind.REJECTED, error="未知的 Action 类型"))
    assert "not supported by the Midjourney provider" in rejected
    assert "未知的 Action 类型" in rejected
    failed = caption(_job(status=JobStatus.FAILED, error_kind=ErrorKind.TASK_FAILED, error="Banned prompt detected"))
    assert "couldn't finish" in failed
    assert "Banned prompt detected" in failed
    assert "misconfigured" in caption(_job(status=JobStatus.REFUSED, error_kind=ErrorKind.MISCONFIGURED))
    assert "queue is full" in caption(_job(status=JobStatus.REFUSED, error_kind=ErrorKind.QUEUE_FULL))
    timed_out = caption(_job(status=JobStatus.TIMED_OUT, created_at=0.0, finished_at=3600.0))
    assert "within 60 minutes" in timed_out
