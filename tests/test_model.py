"""A job's transitions: pure logic, no I/O."""

from __future__ import annotations

from bot.jobs import Job, JobKind, JobState, Origin, Picture, Problem, Request
from bot.mj import SubmitResult, SubmitStatus, Task, TaskStatus


def _job(state: JobState = JobState.SUBMITTING) -> Job:
    return Job(1, Origin(chat_id=1, user_id=1), Request(JobKind.IMAGINE, "a fox"), state, 0.0, 0.0)


def _task(status: TaskStatus, **fields) -> Task:
    return Task(id="T1", status=status, **fields)


def test_accepted_queued_and_modal_submits():
    assert _job().accepted(SubmitResult(("T1",))).state is JobState.SUBMITTED
    queued = _job().accepted(SubmitResult(("T1",), SubmitStatus.QUEUED, queue_position=3))
    assert (queued.state, queued.progress.queue_position, queued.task_id) == (JobState.QUEUED, 3, "T1")
    modal = _job().accepted(SubmitResult(("T1",), SubmitStatus.MODAL))
    assert modal.state is JobState.AWAITING_INPUT
    assert not modal.state.is_final
    assert not modal.state.is_tracked  # nothing to poll until the person answers


def test_a_relay_hides_the_modal_until_the_first_lookup():
    # new-api rewrites code 21 to 1: the MODAL status on the first lookup is the modal (§4, §7).
    job = _job().accepted(SubmitResult(("T1",)))
    assert job.tracked(_task(TaskStatus.MODAL), now=1.0).state is JobState.AWAITING_INPUT


def test_running_updates_and_stale_ones():
    job = _job(JobState.SUBMITTED).tracked(_task(TaskStatus.IN_PROGRESS, progress=46, image_url="p46"), now=1.0)
    assert (job.state, job.progress.percent, job.progress.preview_url) == (JobState.IN_PROGRESS, 46, "p46")
    assert job.tracked(_task(TaskStatus.IN_PROGRESS, progress=15), now=2.0) == job  # an older poll
    assert job.tracked(_task(TaskStatus.SUBMITTED), now=2.0) == job


def test_endings_carry_their_reason():
    failed = _job(JobState.IN_PROGRESS).tracked(_task(TaskStatus.FAILURE, fail_reason="Banned prompt"), now=5.0)
    assert (failed.state, failed.problem, failed.problem_detail) == (
        JobState.FAILED,
        Problem.TASK_FAILED,
        "Banned prompt",
    )
    assert failed.finished_at == 5.0
    assert _job(JobState.IN_PROGRESS).tracked(_task(TaskStatus.CANCEL), now=5.0).state is JobState.CANCELLED
    assert _job(JobState.IN_PROGRESS).timed_out(now=9.0).state is JobState.TIMED_OUT


def test_success_keeps_the_result_apart_from_the_preview():
    running = _job(JobState.IN_PROGRESS).tracked(_task(TaskStatus.IN_PROGRESS, progress=90, image_url="p90"), now=1.0)
    done = running.succeeded(Picture("grid.png"), now=2.0)
    assert done.outcome == Picture("grid.png")
    assert done.progress.preview_url is None
    assert done.problem is None


def test_a_late_modal_does_not_send_a_running_job_back():
    running = _job(JobState.IN_PROGRESS)
    assert running.tracked(_task(TaskStatus.MODAL), now=1.0) == running


def test_delivery_attempts_and_giving_up():
    done = _job(JobState.SUCCEEDED)
    once = done.delivery_failed(give_up=False, now=3.0)
    assert (once.delivery_attempts, once.delivered_at) == (1, None)
    assert once.awaits_delivery
    assert not done.delivery_failed(give_up=True, now=4.0).awaits_delivery


def test_a_stale_modal_report_after_the_answer_does_not_ask_again():
    # new-api refreshes its copy every 15 s (§6.1): it may still say MODAL after the modal was answered.
    answered = _job(JobState.AWAITING_INPUT).answered("a fox").accepted(SubmitResult(("T1",)))
    assert answered.state is JobState.SUBMITTED
    assert answered.tracked(_task(TaskStatus.MODAL), now=1.0).state is JobState.SUBMITTED
