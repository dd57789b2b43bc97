"""Pure view functions: captions within Telegram's limits, Discord-like keyboards."""

from __future__ import annotations

from dataclasses import replace

from bot.jobs import (
    ButtonView,
    Clip,
    Job,
    JobKind,
    JobState,
    Origin,
    PressedButton,
    Problem,
    Progress,
    Request,
    Video,
)
from bot.mj import button_label, meaning
from bot.telegram.views import (
    CAPTION_LIMIT,
    Unsent,
    caption,
    clip_notes,
    keyboard,
    plain,
    press_title,
    progress_bar,
    visible_length,
)

U = "26d56b92-4ed6-45e2-8561-563797923135"
GROUP = -100500


def _job(
    state: JobState = JobState.SUBMITTING, *, chat_id: int = 1001, prompt: str = "a red fox in snow --ar 3:2", **changes
) -> Job:
    base = Job(
        id=1,
        origin=Origin(chat_id=chat_id, user_id=1001, user_name="Alice"),
        request=Request(JobKind.IMAGINE, prompt),
        state=state,
        created_at=0.0,
        updated_at=0.0,
    )
    return replace(base, **changes)


def _buttons(*custom: tuple[str, str, str]) -> list[ButtonView]:
    views = [
        ButtonView(f"k{i}", button_label(label, emoji), meaning(cid)) for i, (cid, label, emoji) in enumerate(custom)
    ]
    return [view for view in views if not view.meaning.hidden]


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
    (f"MJ::JOB::animate_high::1::{U}::SOLO", "Animate (High motion)", "🎞️"),
    (f"MJ::JOB::animate_low::1::{U}::SOLO", "Animate (Low motion)", "🎞️"),
    (f"MJ::BOOKMARK::{U}", "", "❤️"),
)


def _texts(markup) -> list[list[str]]:
    return [[b.text for b in row] for row in markup.inline_keyboard]


def test_grid_keyboard_has_discord_rows():
    assert _texts(keyboard(GRID)) == [["U1", "U2", "U3", "U4", "🔄"], ["V1", "V2", "V3", "V4"]]


def test_upscale_keyboard_groups_and_hides_the_bookmark():
    assert _texts(keyboard(SOLO)) == [
        ["Upscale (Subtle)", "Upscale (Creative)"],
        ["🪄 Vary (Subtle)", "🪄 Vary (Strong)", "🖌️ Vary (Region)"],
        ["🔍 Zoom Out 2x", "🔍 Zoom Out 1.5x", "🔍 Custom Zoom"],
        ["⬅️", "➡️", "⬆️", "⬇️"],
        ["🎞️ Animate (High motion)", "🎞️ Animate (Low motion)"],
    ]


def test_video_presses_have_titles_in_every_language():
    assert press_title(meaning(f"MJ::JOB::animate_high::1::{U}::SOLO"), "en") == "🎞️ Animate (high motion)"
    assert press_title(meaning(f"MJ::JOB::animate_low_extend::1::{U}"), "ru") == "🎞️ Продление (слабое движение)"
    assert press_title(meaning(f"MJ::JOB::video_virtual_upscale::3::{U}"), "zh") == "片段 #3"


def _video(*clips: Clip) -> Job:
    return _job(JobState.SUCCEEDED, outcome=Video(clips))


def test_clips_passed_on_as_links_say_why():
    url = "https://cdn.example.com/v.mp4"
    single = _video(Clip(url, too_large=True))
    [line] = clip_notes(single, [(1, Clip(url, too_large=True), Unsent.TOO_LARGE)])
    assert "The video" in plain(line)
    assert "50 MB" in plain(line)
    assert f'href="{url}"' in line

    grid = _video(*(Clip(f"{url}?{n}") for n in range(1, 5)))
    lines = clip_notes(grid, [(2, Clip(f"{url}?2"), Unsent.MISSING), (4, Clip(f"{url}?4"), Unsent.BARRED)])
    assert [plain(line).split(" ")[0] for line in lines] == ["⚠️", "🚫", "🎞️"]
    assert "clip #2" in plain(lines[0])
    assert "doesn't let me send videos" in plain(lines[1])
    assert plain(lines[2]) == "🎞️ 4 clips are below. Pick one (U1–U4) to extend it."
    assert "4 clips" in plain(caption(grid, notes=lines))
    assert clip_notes(grid, [(n, Clip(url), Unsent.MISSING) for n in range(1, 5)])[-1].startswith("⚠️")  # no hint
    assert "didn't say where" in plain(caption(_video()))  # a video task that lists no clips


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
    text = caption(_job(JobState.IN_PROGRESS, progress=Progress(percent=46)))
    assert "46%" in text
    assert progress_bar(46) in text
    assert progress_bar(46) == "▰▰▰▰▰▱▱▱▱▱"
    assert "<b>a red fox in snow --ar 3:2</b>" in text


def test_queued_caption_shows_position():
    assert "3 ahead" in caption(_job(JobState.QUEUED, progress=Progress(queue_position=3)))


def test_a_press_is_named_the_way_midjourney_names_it():
    button = PressedButton("k", f"MJ::JOB::upsample::2::{U}", "U2")
    job = _job(JobState.SUCCEEDED, request=Request(JobKind.ACTION, "a fox", parent_job_id=1, button=button))
    assert caption(job).endswith("\n\nImage #2")
    pan = replace(button, custom_id=f"MJ::JOB::pan_left::1::{U}::SOLO", label="⬅️")
    assert caption(replace(job, request=replace(job.request, button=pan))).endswith("⬅️ Pan left")


def test_long_prompt_is_shortened_to_fit_the_caption_and_escaped():
    button = PressedButton("k", f"MJ::JOB::variation::2::{U}", "V2")
    job = _job(
        JobState.SUCCEEDED,
        chat_id=GROUP,
        request=Request(JobKind.ACTION, "<fox> & " * 400, parent_job_id=1, button=button),
    )
    text = caption(job)
    assert visible_length(text) <= CAPTION_LIMIT
    assert "…" in text
    assert "&lt;fox&gt; &amp;" in text
    assert 'href="tg://user?id=1001">Alice</a>' in text


def test_group_results_name_who_asked_private_ones_do_not():
    assert "Alice" in caption(_job(JobState.SUCCEEDED, chat_id=GROUP))
    assert "Alice" not in caption(_job(JobState.SUCCEEDED))


def test_error_captions_are_specific():
    banned = caption(_job(JobState.REFUSED, problem=Problem.BANNED, problem_detail="badword"))
    assert "“badword” is not allowed" in banned
    rejected = caption(_job(JobState.REFUSED, problem=Problem.REJECTED, problem_detail="未知的 Action 类型"))
    assert "not supported by the Midjourney provider" in rejected
    assert "未知的 Action 类型" in rejected
    failed = caption(_job(JobState.FAILED, problem=Problem.TASK_FAILED, problem_detail="Banned prompt detected"))
    assert "couldn't finish" in failed
    assert "Banned prompt detected" in failed
    assert "misconfigured" in caption(_job(JobState.REFUSED, problem=Problem.MISCONFIGURED))
    assert "queue is full" in caption(_job(JobState.REFUSED, problem=Problem.QUEUE_FULL))
    timed_out = caption(_job(JobState.TIMED_OUT, created_at=0.0, finished_at=3600.0))
    assert "within 60 minutes" in timed_out
    assert "Waiting for your answer" in caption(_job(JobState.AWAITING_INPUT))
