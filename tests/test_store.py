"""Storage: migrations on an empty file, and the double-tap guard."""

from __future__ import annotations

import asyncio

from bot.store import ButtonRepository, Database, JobKind, JobRepository, JobStatus, NewJob


async def test_migrations_create_schema_once(tmp_path):
    path = tmp_path / "db.sqlite3"
    db = Database(path)
    await db.open()
    await db.close()
    db = Database(path)
    await db.open()  # a second start finds the schema current
    row = await db.fetch_one("PRAGMA user_version")
    assert row is not None
    assert row[0] == 1
    await db.close()


async def test_a_button_pressed_twice_at_once_starts_one_job(tmp_path):
    db = Database(tmp_path / "db.sqlite3")
    await db.open()
    jobs, buttons = JobRepository(db), ButtonRepository(db)
    parent = await jobs.create(NewJob(kind=JobKind.IMAGINE, chat_id=1, user_id=1, prompt="fox"))
    [button] = await buttons.replace_for_job(parent.id, [("MJ::JOB::upsample::2::x", "U2", "")])
    new = NewJob(
        kind=JobKind.ACTION,
        chat_id=1,
        user_id=1,
        prompt="fox",
        button_key=button.key,
        custom_id=button.custom_id,
        parent_job_id=parent.id,
    )
    first, second = await asyncio.gather(jobs.create_unless_running(new), jobs.create_unless_running(new))
    assert (first is None) != (second is None)
    started = first or second
    assert started is not None
    await jobs.update(started.id, status=JobStatus.SUCCEEDED)
    assert await jobs.create_unless_running(new) is not None  # once finished, the button works again
    assert len(button.key) <= 16
    await db.close()
