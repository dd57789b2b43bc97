"""Storage: migrations on an empty file and on a database of the previous version, and the double-tap guard."""

from __future__ import annotations

import asyncio
import sqlite3
import time

from bot.jobs import Clip, Job, JobKind, JobState, Origin, Picture, PressedButton, Request, Shown, Video
from bot.jobs.records import JobRecords
from bot.store import ButtonRepository, Database, ResultRepository, StoredResult
from bot.store.db import MIGRATIONS


async def test_migrations_create_schema_once(tmp_path):
    path = tmp_path / "db.sqlite3"
    db = Database(path)
    await db.open()
    await db.close()
    db = Database(path)
    await db.open()  # a second start finds the schema current
    row = await db.fetch_one("PRAGMA user_version")
    assert row is not None
    assert row[0] == len(MIGRATIONS)
    await db.close()


async def test_a_database_of_the_first_release_keeps_its_jobs(tmp_path):
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as old:
        old.executescript(MIGRATIONS[0] + "PRAGMA user_version=1;")
        old.execute(
            "INSERT INTO jobs (kind, chat_id, user_id, prompt, status, image_url, error_kind, error, created_at,"
            " updated_at) VALUES ('imagine', 5, 5, 'a fox', 'in_progress', 'http://cdn/p.png', '', '', 1, 1)"
        )
        old.execute(
            "INSERT INTO jobs (kind, chat_id, user_id, prompt, status, image_url, error_kind, error, created_at,"
            " updated_at, result_file_id) VALUES ('imagine', 5, 5, 'a bear', 'succeeded', 'http://cdn/r.png',"
            " 'download_failed', 'HTTP 403', 1, 1, 'FILE')"
        )
        old.execute(  # the first release ended a modal answer right away, as a final state
            "INSERT INTO jobs (kind, chat_id, user_id, prompt, status, error_kind, error, created_at, updated_at)"
            " VALUES ('action', 5, 5, 'a fox', 'needs_input', '', '', 1, 1)"
        )
    db = Database(path)
    await db.open()
    running, done = await JobRecords(db).undelivered()  # the old modal is settled, not waiting forever
    settled = await JobRecords(db).load(3)
    await db.close()
    assert settled is not None
    assert settled.state is JobState.CANCELLED
    assert running.state is JobState.IN_PROGRESS
    assert running.progress.preview_url == "http://cdn/p.png"
    assert running.outcome is None
    assert done.state is JobState.SUCCEEDED
    assert done.outcome == Picture("http://cdn/r.png", missing="HTTP 403")
    assert done.problem is None
    assert done.shown.photo_file_id == "FILE"


async def test_a_picture_waiting_for_telegram_survives_the_move_to_results_by_position(tmp_path):
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as old:
        old.executescript("".join(MIGRATIONS[:4]) + "PRAGMA user_version=4;")
        old.execute(
            "INSERT INTO jobs (kind, chat_id, user_id, prompt, state, created_at, updated_at)"
            " VALUES ('imagine', 5, 5, 'a fox', 'succeeded', 1, 1)"
        )
        old.execute("INSERT INTO results (job_id, image, created_at) VALUES (1, x'89504e47', 1)")
    db = Database(path)
    await db.open()
    results = ResultRepository(db)
    kept = (await results.get(1), await results.all(1))
    await results.put(1, b"clip 2", position=2, thumbnail=b"still 2")
    after = await results.all(1)
    await results.delete(1)
    gone = await results.all(1)
    await db.close()
    assert kept == (b"\x89PNG", {0: StoredResult(b"\x89PNG")})
    assert after == {0: StoredResult(b"\x89PNG"), 2: StoredResult(b"clip 2", b"still 2")}
    assert gone == {}


async def test_a_video_is_read_back_clip_by_clip(tmp_path):
    db = Database(tmp_path / "db.sqlite3")
    await db.open()
    records = JobRecords(db)
    job = await records.insert(_job(Request(JobKind.IMAGINE, "fox")))
    video = Video(
        (
            Clip("http://cdn/1.mp4", width=480, height=320, seconds=5.042, streamable=True),
            Clip("http://cdn/2.mp4", too_large=True),
            Clip("http://cdn/3.mp4", missing="HTTP 403"),
        )
    )
    await records.save(job, job.succeeded(video, now=time.time()))
    nothing = await records.insert(_job(Request(JobKind.IMAGINE, "bear")))
    await records.save(nothing, nothing.succeeded(Video(()), now=time.time()))
    stored, empty = await records.load(job.id), await records.load(nothing.id)
    await db.close()
    assert stored is not None
    assert stored.outcome == video
    assert stored.problem is None
    assert empty is not None
    assert empty.outcome == Video(())  # a video task that listed no clips stays a video


def _job(request: Request) -> Job:
    now = time.time()
    return Job(0, Origin(chat_id=1, user_id=1), request, JobState.SUBMITTING, now, now)


async def test_a_button_pressed_twice_at_once_starts_one_job(tmp_path):
    db = Database(tmp_path / "db.sqlite3")
    await db.open()
    records, buttons = JobRecords(db), ButtonRepository(db)
    parent = await records.insert(_job(Request(JobKind.IMAGINE, "fox")))
    [button] = await buttons.replace_for_job(parent.id, [("MJ::JOB::upsample::2::x", "U2", "")])
    pressed = PressedButton(button.key, button.custom_id, "U2")
    new = _job(Request(JobKind.ACTION, "fox", parent_job_id=parent.id, button=pressed))
    first, second = await asyncio.gather(records.insert_press(new), records.insert_press(new))
    assert (first is None) != (second is None)
    started = first or second
    assert started is not None
    await records.save(started, started.succeeded(Picture("http://cdn/u.png"), now=time.time()))
    assert await records.insert_press(new) is not None  # once finished, the button works again
    assert len(button.key) <= 16
    await db.close()


async def test_saving_writes_only_what_changed(tmp_path):
    db = Database(tmp_path / "db.sqlite3")
    await db.open()
    records = JobRecords(db)
    job = await records.insert(_job(Request(JobKind.IMAGINE, "fox")))
    shown = job.status_shown(Shown(message_id=42))
    await records.save(job, shown)  # one writer records where the status message is…
    await records.save(job, job.timed_out(now=time.time()))  # …another, from the same snapshot, the state
    stored = await records.load(job.id)
    await db.close()
    assert stored is not None
    assert stored.shown.message_id == 42
    assert stored.state is JobState.TIMED_OUT
