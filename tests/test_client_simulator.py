"""The real MJClient against the real Simulator over HTTP, per dialect (mj-api.md §2-§8, §13).

tests/test_mj_client.py pins the client to recorded answers and tests/test_simulator.py pins the simulator
with raw httpx; this file checks that the two agree end to end: every request goes through the client's
interpreters and lands on the simulator's routes, and every answer comes back as a Task, a SubmitResult or
one of the documented errors.
"""

from __future__ import annotations

import asyncio
import base64
import io
import re
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import httpx
import pytest
from PIL import Image

from bot.mj.client import AuthStyle, MJClient, Speed
from bot.mj.errors import (
    AuthenticationFailed,
    BannedPrompt,
    EndpointNotFound,
    ModalRequired,
    ProviderUnavailable,
    QueueFull,
    Rejected,
)
from bot.mj.models import SubmitResult, Task, TaskStatus
from bot.simulator import Simulator, SimulatorConfig

DIALECTS = ("plus", "nz", "ta", "na", "uniapi")
KEY = "sk-simRIGHTKEY77-5d1c9a"
WRONG_KEY = "sk-simWRONGKEY99-0b7e4f"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
KEYCAPS = tuple(f"{n}\ufe0f\u20e3" for n in range(1, 5))
POLL_LIMIT = 5.0
GRID_LABELS = ["U1", "U2", "U3", "U4", "", "V1", "V2", "V3", "V4"]
SOLO_LABELS = [
    "Upscale (Subtle)",
    "Upscale (Creative)",
    "Vary (Subtle)",
    "Vary (Strong)",
    "Vary (Region)",
    "Zoom Out 2x",
    "Zoom Out 1.5x",
    "Custom Zoom",
    "",
    "",
    "",
    "",
    "",
]
MakeClient = Callable[..., MJClient]


# ------------------------------------------------------------------------------------------- fixtures


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator(
        SimulatorConfig(queue_seconds=0.05, submitted_seconds=0.05, render_seconds=0.2, image_size=128)
    )
    await simulator.start("127.0.0.1", 0)
    try:
        yield simulator
    finally:
        await simulator.stop()


@pytest.fixture
async def make_client(sim: Simulator) -> AsyncIterator[MakeClient]:
    """A factory of MJClients pointed at the simulator (closed at teardown); no back-off sleeps."""
    made: list[MJClient] = []

    def make(base_url: str | None = None, api_key: str | None = None, **options: Any) -> MJClient:
        options.setdefault("timeout", 5.0)
        options.setdefault("retry_backoff", 0.0)
        client = MJClient(base_url if base_url is not None else sim.base_url, api_key, **options)
        made.append(client)
        return client

    try:
        yield make
    finally:
        for client in made:
            await client.aclose()


@pytest.fixture
async def client(make_client: MakeClient) -> MJClient:
    return make_client()


@pytest.fixture
async def cdn() -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client for the image URLs (they need no key, like a CDN)."""
    async with httpx.AsyncClient(timeout=5.0) as http:
        yield http


# -------------------------------------------------------------------------------------------- helpers


def png_data_url(colour: tuple[int, int, int], size: tuple[int, int] = (24, 16)) -> str:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


async def download_png(cdn: httpx.AsyncClient, url: str | None) -> tuple[int, int]:
    assert url is not None
    response = await cdn.get(url)
    assert response.status_code == 200, url
    assert response.headers["content-type"].startswith("image/png")
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(response.content)) as img:
        assert img.format == "PNG"
        return img.size


async def wait_terminal(client: MJClient, task_id: str, seen: list[Task] | None = None) -> Task:
    """Poll client.fetch until SUCCESS/FAILURE/CANCEL (at most POLL_LIMIT seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + POLL_LIMIT
    while True:
        task = await client.fetch(task_id)
        assert task is not None, f"task {task_id} vanished"
        assert task.id == task_id
        if seen is not None:
            seen.append(task)
        if task.status.is_terminal:
            return task
        assert loop.time() < deadline, f"task {task_id} still {task.status} after {POLL_LIMIT} s"
        await asyncio.sleep(0.02)


async def wait_all_terminal(client: MJClient, task_ids: Sequence[str]) -> dict[str, Task]:
    """Poll client.list_by_condition until every task is terminal (at most POLL_LIMIT seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + POLL_LIMIT
    while True:
        tasks = {task.id: task for task in await client.list_by_condition(task_ids)}
        assert set(tasks) == set(task_ids)
        if all(task.status.is_terminal for task in tasks.values()):
            return tasks
        assert loop.time() < deadline, "tasks not terminal in time"
        await asyncio.sleep(0.02)


async def finished(client: MJClient, sim: Simulator, result: SubmitResult) -> Task:
    """Skip a task's lifecycle (setup steps) and read it back through the client."""
    sim.finish_now(result.task_id)
    task = await client.fetch(result.task_id)
    assert task is not None
    assert task.status is TaskStatus.SUCCESS, task
    return task


async def finished_grid(client: MJClient, sim: Simulator, prompt: str = "a lighthouse at dusk") -> Task:
    return await finished(client, sim, await client.imagine(prompt))


async def finished_upscale(client: MJClient, sim: Simulator) -> Task:
    grid = await finished_grid(client, sim)
    return await finished(client, sim, await client.action(grid.id, button_id(grid, "U1")))


def button_id(task: Task, label: str = "", emoji: str = "", pattern: str = "") -> str:
    for button in task.buttons:
        if label and button.label != label:
            continue
        if emoji and button.emoji != emoji:
            continue
        if pattern and not re.search(pattern, button.custom_id):
            continue
        return button.custom_id
    raise AssertionError(f"no button {label or emoji or pattern!r} on {[b.custom_id for b in task.buttons]}")


def api_requests(sim: Simulator) -> list[str]:
    """`METHOD path` of the provider API requests (image downloads left out)."""
    return [f"{r.method} {r.path}" for r in sim.requests if not r.path.startswith("/images/")]


# ------------------------------------------------------------------------------------ imagine lifecycle


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_imagine_polls_to_success_with_grid_and_png(
    sim: Simulator, client: MJClient, cdn: httpx.AsyncClient, dialect: str
) -> None:
    sim.config.dialect = dialect
    submitted = await client.imagine("a red fox in snow --ar 3:2", state="chat-42")
    assert submitted.code == 1
    assert not submitted.queued
    assert isinstance(submitted.task_id, str)
    assert re.fullmatch(r"\d{16}", submitted.task_id)
    assert submitted.task_id in sim.tasks

    seen: list[Task] = []
    task = await wait_terminal(client, submitted.task_id, seen)
    assert task.status is TaskStatus.SUCCESS
    assert {t.status for t in seen[:-1]} <= {TaskStatus.SUBMITTED, TaskStatus.IN_PROGRESS}
    assert TaskStatus.IN_PROGRESS in {t.status for t in seen}, [t.status for t in seen]
    progress = [t.progress for t in seen if t.progress is not None]
    assert progress == sorted(progress)
    assert progress[-1] == 100 == task.progress
    assert all(t.buttons == () for t in seen[:-1])  # buttons only on the finished grid

    assert task.action == "IMAGINE"
    assert task.state == "chat-42"
    assert task.final_prompt == "a red fox in snow --ar 3:2"
    assert task.submit_time is not None
    assert task.finish_time is not None
    assert task.finish_time >= task.submit_time > 1_600_000_000_000
    assert task.fail_reason == ""

    assert len(task.buttons) == 9
    assert [b.label for b in task.buttons] == GRID_LABELS
    assert task.buttons[4].emoji == "🔄"
    assert all(b.custom_id.startswith("MJ::JOB::") for b in task.buttons)
    assert [b.custom_id.split("::")[2] for b in task.buttons] == ["upsample"] * 4 + ["reroll"] + ["variation"] * 4

    assert task.image_url is not None
    assert task.image_url.startswith(sim.base_url + "/images/")
    assert await download_png(cdn, task.image_url) == (128, 85)  # 3:2 with a 128 px long side


async def test_previews_are_shown_while_in_progress(sim: Simulator, client: MJClient, cdn: httpx.AsyncClient) -> None:
    sim.config.render_seconds = 0.4
    seen: list[Task] = []
    task = await wait_terminal(client, (await client.imagine("a slow render")).task_id, seen)
    previews = [t.image_url for t in seen if t.status is TaskStatus.IN_PROGRESS and t.image_url]
    assert previews, "no preview imageUrl while IN_PROGRESS"
    assert all(re.search(r"_p\d+\.png$", url) for url in previews)
    assert await download_png(cdn, previews[-1]) == (32, 32)  # low-res: a quarter of the long side
    assert task.image_url is not None
    assert not re.search(r"_p\d+\.png$", task.image_url)


# ---------------------------------------------------------------------------------------------- auth


AUTH_CASES = [
    pytest.param(AuthStyle.BEARER, "authorization", f"Bearer {KEY}", id="bearer"),
    pytest.param(AuthStyle.RAW, "authorization", KEY, id="raw"),
    pytest.param(AuthStyle.MJ_API_SECRET, "mj-api-secret", KEY, id="mj-api-secret"),
]


@pytest.mark.parametrize("dialect", ["plus", "ta", "na"])
@pytest.mark.parametrize(("style", "header", "value"), AUTH_CASES)
async def test_auth_style_right_key_works_wrong_key_fails_without_echo(
    sim: Simulator, make_client: MakeClient, dialect: str, style: AuthStyle, header: str, value: str
) -> None:
    sim.config.update({"api_key": KEY, "auth_style": style.value, "dialect": dialect})

    good = make_client(api_key=KEY, auth_style=style)
    task = await finished_grid(good, sim)
    assert await good.list_by_condition([task.id]) != []
    api = [r for r in sim.requests if not r.path.startswith("/images/")]
    assert api
    for request in api:
        assert request.headers.get(header) == value
        other = "mj-api-secret" if header == "authorization" else "authorization"
        assert other not in request.headers  # exactly one auth header (TA prefers Authorization)

    bad = make_client(api_key=WRONG_KEY, auth_style=style, read_retries=3)
    before = len(sim.requests)
    with pytest.raises(AuthenticationFailed) as submit_err:
        await bad.imagine("a lighthouse")
    with pytest.raises(AuthenticationFailed) as fetch_err:
        await bad.fetch(task.id)
    assert len(sim.requests) == before + 2  # a 401 is not retried, even on a read
    for err in (submit_err.value, fetch_err.value):
        assert err.status == 401
        text = str(err)
        for secret in (KEY, WRONG_KEY, "simRIGHTKEY77", "simWRONGKEY99"):
            assert secret not in text

    anonymous = make_client()
    with pytest.raises(AuthenticationFailed):
        await anonymous.imagine("a lighthouse")


async def test_bearer_against_a_raw_provider_fails_and_mj_api_secret_is_its_fallback(
    sim: Simulator, make_client: MakeClient
) -> None:
    # TA compares Authorization verbatim (no "Bearer " stripping) and falls back to Mj-Api-Secret (§2).
    sim.config.update({"api_key": KEY, "auth_style": "raw", "dialect": "ta"})
    with pytest.raises(AuthenticationFailed) as err:
        await make_client(api_key=KEY, auth_style=AuthStyle.BEARER).imagine("x")
    assert KEY not in str(err.value)
    result = await make_client(api_key=KEY, auth_style=AuthStyle.MJ_API_SECRET).imagine("x")
    assert result.task_id in sim.tasks


async def test_key_given_with_bearer_prefix_is_sent_once(sim: Simulator, make_client: MakeClient) -> None:
    sim.config.update({"api_key": KEY, "auth_style": "bearer"})
    result = await make_client(api_key=f"Bearer {KEY}", auth_style=AuthStyle.BEARER).imagine("x")
    assert result.task_id in sim.tasks
    assert sim.requests[-1].headers["Authorization"] == f"Bearer {KEY}"


# --------------------------------------------------------------------------------------- speed routes


@pytest.mark.parametrize(
    ("speed", "prefix", "mode", "speed_word"),
    [
        (Speed.FAST, "/mj-fast/mj", "FAST", "fast"),
        (Speed.RELAX, "/mj-relax/mj", "RELAX", "relaxed"),
        (Speed.TURBO, "/mj-turbo/mj", "TURBO", "turbo"),
        (Speed.DEFAULT, "/mj", None, "fast"),
    ],
)
async def test_speed_prefix_on_every_route(
    sim: Simulator, make_client: MakeClient, speed: Speed, prefix: str, mode: str | None, speed_word: str
) -> None:
    client = make_client(speed=speed)
    assert client.speed is speed
    result = await client.imagine("a tiny robot")
    task = await finished(client, sim, result)
    listed = await client.list_by_condition([result.task_id])
    seed = await client.image_seed(result.task_id)
    up = await client.action(task.id, button_id(task, "U3"))

    assert sim.tasks[result.task_id].mode == mode
    assert sim.tasks[up.task_id].mode == mode
    assert str(task.properties["messageContent"]).endswith(f"({speed_word})")
    assert [t.id for t in listed] == [result.task_id]
    assert seed.isdigit()
    paths = api_requests(sim)
    assert paths[0] == f"POST {prefix}/submit/imagine"
    assert f"GET {prefix}/task/{result.task_id}/fetch" in paths
    assert f"POST {prefix}/task/list-by-condition" in paths
    assert f"GET {prefix}/task/{result.task_id}/image-seed" in paths
    assert paths[-1] == f"POST {prefix}/submit/action"
    assert all(p.split(" ", 1)[1].startswith(prefix + "/") for p in paths)
    assert all("model" not in (r.json or {}) for r in sim.requests)


@pytest.mark.parametrize(
    ("speed", "model", "mode"),
    [(Speed.FAST, "mj-fast", "FAST"), (Speed.RELAX, "mj-relax", "RELAX"), (Speed.DEFAULT, None, "FAST")],
)
async def test_v1_base_sends_the_speed_as_model(
    sim: Simulator, make_client: MakeClient, speed: Speed, model: str | None, mode: str
) -> None:
    client = make_client(sim.base_url + "/v1/", speed=speed)
    result = await client.imagine("a tiny robot")
    task = await finished(client, sim, result)
    up = await client.action(task.id, button_id(task, "U1"))

    submit = sim.requests[0]
    assert submit.path == "/v1/mj/submit/imagine"
    assert submit.json.get("model") == model
    assert submit.json["prompt"] == "a tiny robot"
    assert sim.requests[-1].path == "/v1/mj/submit/action"
    assert sim.requests[-1].json.get("model") == model
    assert all(r.path.startswith("/v1/mj/") for r in sim.requests)
    assert sim.tasks[result.task_id].mode == mode
    assert sim.tasks[result.task_id].model == model
    assert sim.tasks[up.task_id].model == model


# ------------------------------------------------------------------------------------------ submit codes


@pytest.mark.parametrize("dialect", ["plus", "nz", "ta", "uniapi"])
async def test_code_22_is_queued_with_position(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.update({"dialect": dialect, "queue_ahead": 3, "queue_seconds": 5.0})
    result = await client.imagine("a queued cat")
    assert result.code == 22
    assert result.queued
    assert result.queue_position == 3
    assert "3" in result.description
    assert result.task_id in sim.tasks
    first = await client.fetch(result.task_id)
    assert first is not None
    assert first.status is TaskStatus.NOT_START
    assert first.image_url is None
    sim.finish_now(result.task_id)
    assert (await wait_terminal(client, result.task_id)).status is TaskStatus.SUCCESS


async def test_new_api_rewrites_22_to_1_so_no_queue_position(sim: Simulator, client: MJClient) -> None:
    sim.config.update({"dialect": "na", "queue_ahead": 3, "queue_seconds": 5.0})
    result = await client.imagine("a queued cat")
    assert result.code == 1
    assert result.queue_position is None
    assert not result.queued
    first = await client.fetch(result.task_id)
    assert first is not None
    assert first.status is TaskStatus.NOT_START  # still queued upstream, just not reported


@pytest.mark.parametrize(("dialect", "code"), [("plus", 23), ("nz", 23), ("uniapi", 23), ("ta", 9), ("na", 4)])
async def test_queue_full(sim: Simulator, client: MJClient, dialect: str, code: int) -> None:
    sim.config.update({"dialect": dialect, "queue_full": True})
    with pytest.raises(QueueFull) as err:
        await client.imagine("one more")
    assert err.value.code == code
    assert "队列已满" in err.value.description
    assert sim.tasks == {}
    assert len(sim.requests) == 1  # a refused submit is not re-sent


@pytest.mark.parametrize("dialect", ["plus", "nz", "uniapi"])
async def test_banned_word_is_refused_synchronously(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.update({"dialect": dialect, "banned_words": ["gore", "badword"]})
    with pytest.raises(BannedPrompt) as err:
        await client.imagine("a portrait with Gore everywhere")
    assert err.value.code == 24
    assert err.value.word == "gore"
    assert err.value.description == "可能包含敏感词"
    assert err.value.properties["promptEn"] == "a portrait with Gore everywhere"
    assert sim.tasks == {}


async def test_banned_word_on_trueai_fails_the_task_later(sim: Simulator, client: MJClient) -> None:
    sim.config.dialect = "ta"
    result = await client.imagine("a badword poster")
    assert result.code == 1
    task = await wait_terminal(client, result.task_id)
    assert task.status is TaskStatus.FAILURE
    assert "可能包含敏感词" in task.fail_reason
    assert task.buttons == ()
    assert task.image_url is None


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_prompt_rejected_as_invalid(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.dialect = dialect
    with pytest.raises(Rejected) as err:
        await client.imagine("   ")
    assert err.value.code == 4
    assert "prompt不能为空" in err.value.description


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_failure_reason_reaches_the_task(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.update({"dialect": dialect, "fail_reason": "Job action restricted"})
    task = await wait_terminal(client, (await client.imagine("anything")).task_id)
    assert task.status is TaskStatus.FAILURE
    assert task.fail_reason == "Job action restricted"
    assert task.progress == (100 if dialect == "na" else None)  # NA reports "100%", the others ""
    assert task.buttons == ()


# ------------------------------------------------------------------------------------------- actions


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_upscale_action_gives_solo_buttons(
    sim: Simulator, client: MJClient, cdn: httpx.AsyncClient, dialect: str
) -> None:
    sim.config.dialect = dialect
    grid = await finished_grid(client, sim)
    u2 = button_id(grid, "U2")
    result = await client.action(grid.id, u2, state="press-u2")
    assert result.code == 1
    assert result.task_id != grid.id
    assert sim.requests[-1].json == {"taskId": grid.id, "customId": u2, "state": "press-u2"}

    up = await wait_terminal(client, result.task_id)
    assert up.status is TaskStatus.SUCCESS
    assert up.action == "UPSCALE"
    assert up.state == "press-u2"
    assert [b.label for b in up.buttons] == SOLO_LABELS
    assert [b.emoji for b in up.buttons][-5:] == ["⬅️", "➡️", "⬆️", "⬇️", "❤️"]
    ids = [b.custom_id for b in up.buttons]
    assert ids[0].startswith("MJ::JOB::upsample_v7_2x_subtle::1::")
    assert any(i.startswith("MJ::CustomZoom::") for i in ids)
    assert all(i.endswith("::SOLO") for i in ids if not i.startswith(("MJ::CustomZoom::", "MJ::BOOKMARK::")))
    new_hash = ids[0].split("::")[4]
    assert re.fullmatch(UUID, new_hash)
    assert new_hash not in u2  # a new job uuid
    assert await download_png(cdn, up.image_url) == (64, 64)  # one cell of the 128 px grid


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_unknown_custom_id_is_rejected(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.dialect = dialect
    grid = await finished_grid(client, sim)
    bogus = "MJ::JOB::frobnicate::1::" + grid.buttons[0].custom_id.split("::")[-1]
    with pytest.raises(Rejected) as err:
        await client.action(grid.id, bogus)
    assert err.value.code == 4
    if dialect == "na":
        assert err.value.description == f"unknown_action:{bogus}"  # HTTP 400 relay envelope
    else:
        assert err.value.description == "未知的 Action 类型"
    assert len(sim.tasks) == 1


async def test_bookmark_is_rejected_behind_new_api(sim: Simulator, client: MJClient) -> None:
    sim.config.dialect = "na"
    up = await finished_upscale(client, sim)
    with pytest.raises(Rejected) as err:
        await client.action(up.id, button_id(up, emoji="❤️"))
    assert err.value.description.startswith("unknown_action:MJ::BOOKMARK::")


@pytest.mark.parametrize(
    ("dialect", "code", "text"),
    [
        ("plus", 3, "关联任务不存在或已失效"),
        ("ta", 3, "关联任务不存在或已失效"),
        ("na", 4, "task_not_found"),
    ],
)
async def test_action_on_a_missing_parent_is_rejected(
    sim: Simulator, client: MJClient, dialect: str, code: int, text: str
) -> None:
    sim.config.dialect = dialect
    grid = await finished_grid(client, sim)
    with pytest.raises(Rejected) as err:
        await client.action("1700000000000123", button_id(grid, "U1"))
    assert err.value.code == code
    assert err.value.description == text


async def test_action_on_an_unfinished_parent_is_rejected(sim: Simulator, client: MJClient) -> None:
    sim.config.render_seconds = 5.0
    grid = await client.imagine("still rendering")
    u = sim.tasks[grid.task_id].message_hash
    with pytest.raises(Rejected) as err:
        await client.action(grid.task_id, f"MJ::JOB::upsample::1::{u}")
    assert (err.value.code, err.value.description) == (4, "关联任务状态错误")


@pytest.mark.parametrize("dialect", ["plus", "ta", "na"])
async def test_custom_zoom_needs_a_modal_then_finishes(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.dialect = dialect
    up = await finished_upscale(client, sim)
    zoom_id = button_id(up, "Custom Zoom")
    with pytest.raises(ModalRequired) as err:
        await client.action(up.id, zoom_id)
    modal_id = err.value.task_id
    assert re.fullmatch(r"\d{16}", modal_id)
    assert modal_id != up.id
    assert err.value.final_prompt == "a lighthouse at dusk"
    waiting = await client.fetch(modal_id)
    assert waiting is not None
    assert waiting.status is TaskStatus.MODAL

    bad_zoom = "a lighthouse at dusk --zoom 3"
    with pytest.raises(Rejected):
        await client.modal(modal_id, prompt=bad_zoom)

    accepted = await client.modal(modal_id, prompt="a lighthouse at dusk --zoom 1.8")
    assert accepted.task_id == modal_id
    assert accepted.code == 1
    assert sim.requests[-1].json == {"taskId": modal_id, "prompt": "a lighthouse at dusk --zoom 1.8"}
    task = await wait_terminal(client, modal_id)
    assert task.status is TaskStatus.SUCCESS
    assert task.action == ("CUSTOM_ZOOM" if dialect == "na" else "ZOOM")
    assert task.final_prompt == "a lighthouse at dusk --zoom 1.8"
    assert len(task.buttons) == 9


async def test_remix_variation_modal_and_new_api_hides_it(sim: Simulator, client: MJClient) -> None:
    sim.config.remix = True
    grid = await finished_grid(client, sim)
    with pytest.raises(ModalRequired) as err:
        await client.action(grid.id, button_id(grid, "V2"))
    assert err.value.final_prompt == "a lighthouse at dusk"
    # The user abandons the modal: cancel dismisses it.
    await client.cancel(err.value.task_id)
    dismissed = await client.fetch(err.value.task_id)
    assert dismissed is not None
    assert dismissed.status is TaskStatus.CANCEL

    # Behind new-api the 21 becomes 1: the submit looks accepted, the task sits in MODAL (§4).
    sim.config.dialect = "na"
    result = await client.action(grid.id, button_id(grid, "V3"))
    assert result.code == 1
    waiting = await client.fetch(result.task_id)
    assert waiting is not None
    assert waiting.status is TaskStatus.MODAL
    await client.modal(result.task_id, prompt="a lighthouse at dawn")
    task = await wait_terminal(client, result.task_id)
    assert task.status is TaskStatus.SUCCESS
    assert task.final_prompt == "a lighthouse at dawn"


# ------------------------------------------------------------------------------------------- queries


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_list_by_condition_returns_every_known_id(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.dialect = dialect
    ids = [(await client.imagine(f"prompt {n}")).task_id for n in range(3)]
    tasks = await wait_all_terminal(client, ids)
    assert all(t.status is TaskStatus.SUCCESS for t in tasks.values())
    assert all(len(t.buttons) == 9 for t in tasks.values())
    assert {t.final_prompt for t in tasks.values()} == {"prompt 0", "prompt 1", "prompt 2"}

    listed = await client.list_by_condition([*ids, "9999999999999999"])
    assert sorted(t.id for t in listed) == sorted(ids)  # unknown ids are simply missing
    body = next(r.json for r in reversed(sim.requests) if r.path.endswith("/list-by-condition"))
    assert body == {"ids": [*ids, "9999999999999999"]}
    assert await client.list_by_condition([]) == []


async def test_list_by_condition_missing_is_endpoint_not_found(sim: Simulator, make_client: MakeClient) -> None:
    client = make_client(read_retries=3)
    result = await client.imagine("x")
    sim.config.list_by_condition = False
    before = len(sim.requests)
    with pytest.raises(EndpointNotFound) as err:
        await client.list_by_condition([result.task_id])
    assert err.value.status == 404
    assert len(sim.requests) == before + 1  # a 404 is not retried
    assert (await client.fetch(result.task_id)) is not None  # fetch is the fallback


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_fetch_of_an_unknown_id_is_none(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.dialect = dialect  # 200 empty (nz, plus, uniapi), 204 (ta), 400 task_no_found (na)
    assert await client.fetch("1234567890123456") is None


# ------------------------------------------------------------------------------------ faults and outage


async def test_http_fault_submit_once_fetch_retried(sim: Simulator, make_client: MakeClient) -> None:
    client = make_client(read_retries=3, retry_backoff=0.0)
    known = await client.imagine("before the outage")
    sim.config.http_fault = (502, "text/html", "<html>Bad Gateway</html>")

    sim.requests.clear()
    with pytest.raises(ProviderUnavailable) as submit_err:
        await client.imagine("during the outage")
    assert len(sim.requests) == 1
    assert submit_err.value.status == 502
    assert submit_err.value.maybe_submitted  # a 502 may hide an accepted (billed) job

    sim.requests.clear()
    with pytest.raises(ProviderUnavailable) as fetch_err:
        await client.fetch(known.task_id)
    assert [r.path for r in sim.requests] == [f"/mj/task/{known.task_id}/fetch"] * 3
    assert fetch_err.value.status == 502
    assert not fetch_err.value.maybe_submitted
    assert "3 attempts" in str(fetch_err.value)

    sim.requests.clear()
    with pytest.raises(ProviderUnavailable):
        await client.list_by_condition([known.task_id])
    assert len(sim.requests) == 3

    sim.requests.clear()
    with pytest.raises(ProviderUnavailable):
        await client.cancel(known.task_id)
    assert len(sim.requests) == 1  # cancel is a write: sent once

    sim.config.http_fault = None
    assert await client.fetch(known.task_id) is not None


async def test_stopped_provider_is_unavailable_and_not_submitted(make_client: MakeClient) -> None:
    gone = Simulator(SimulatorConfig())
    url = await gone.start("127.0.0.1", 0)
    await gone.stop()
    client = make_client(url, read_retries=2)
    with pytest.raises(ProviderUnavailable) as submit_err:
        await client.imagine("into the void")
    assert submit_err.value.maybe_submitted is False
    assert submit_err.value.status is None
    with pytest.raises(ProviderUnavailable) as fetch_err:
        await client.fetch("1700000000000123")
    assert fetch_err.value.maybe_submitted is False
    assert "2 attempts" in str(fetch_err.value)
    assert gone.requests == []


# ------------------------------------------------------------------------------------ other endpoints


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_describe(sim: Simulator, client: MJClient, cdn: httpx.AsyncClient, dialect: str) -> None:
    sim.config.dialect = dialect
    image = png_data_url((20, 40, 220), (60, 40))
    result = await client.describe(image)
    assert result.code == 1
    assert sim.requests[-1].json == {"base64": image}
    task = await wait_terminal(client, result.task_id)
    assert task.status is TaskStatus.SUCCESS
    assert task.action == "DESCRIBE"
    text = task.final_prompt
    assert [text.count(k) for k in KEYCAPS] == [1, 1, 1, 1]
    assert "--ar 3:2" in text
    assert [b.custom_id for b in task.buttons] == [
        *(f"MJ::Job::PicReader::{n}" for n in range(1, 5)),
        "MJ::Picread::Retry",
        "MJ::Job::PicReader::all",
    ]
    assert await download_png(cdn, task.image_url) == (60, 40)  # the input image itself


@pytest.mark.parametrize("dialect", ["plus", "ta", "na"])
async def test_blend_two_images(sim: Simulator, client: MJClient, cdn: httpx.AsyncClient, dialect: str) -> None:
    sim.config.dialect = dialect
    images = [png_data_url((230, 20, 20)), png_data_url((20, 20, 230))]
    result = await client.blend(images, dimensions="LANDSCAPE")
    assert sim.requests[-1].json == {"base64Array": images, "dimensions": "LANDSCAPE"}
    task = await wait_terminal(client, result.task_id)
    assert task.status is TaskStatus.SUCCESS
    assert task.action == "BLEND"
    assert task.prompt == ""
    assert task.final_prompt.endswith("--ar 3:2")
    assert task.final_prompt.count(sim.base_url + "/images/") == 2
    assert [b.label for b in task.buttons] == GRID_LABELS
    assert await download_png(cdn, task.image_url) == (128, 85)


async def test_blend_needs_two_images(sim: Simulator, client: MJClient) -> None:
    with pytest.raises(Rejected) as err:
        await client.blend([png_data_url((1, 2, 3))])
    assert (err.value.code, err.value.description) == (4, "base64List参数错误")


@pytest.mark.parametrize("dialect", ["plus", "ta", "uniapi"])
async def test_shorten(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.dialect = dialect
    result = await client.shorten("a very beautiful painting of the old harbour --ar 16:9")
    task = await wait_terminal(client, result.task_id)
    assert task.status is TaskStatus.SUCCESS
    assert task.action == "SHORTEN"
    assert task.image_url is None
    assert "## Shortened prompts" in task.final_prompt
    assert "**harbour**" in task.final_prompt
    assert "~~the~~" in task.final_prompt
    if dialect == "ta":
        assert task.description == task.final_prompt  # TA keeps the embed in description too
    labels = [(b.emoji, b.label) for b in task.buttons]
    assert labels == [(f"{n}\ufe0f\u20e3", "") for n in range(1, 6)] + [("", "Show Details")]
    assert all(b.custom_id.startswith("MJ::Job::PromptAnalyzer") for b in task.buttons)


@pytest.mark.parametrize("dialect", ["plus", "ta", "na"])
async def test_swap_face(sim: Simulator, client: MJClient, cdn: httpx.AsyncClient, dialect: str) -> None:
    sim.config.dialect = dialect
    source, target = png_data_url((250, 200, 160), (32, 32)), png_data_url((10, 120, 10), (40, 80))
    result = await client.swap_face(source, target)
    assert sim.requests[-1].path == "/mj/insight-face/swap"
    assert sim.requests[-1].json == {"sourceBase64": source, "targetBase64": target}
    task = await wait_terminal(client, result.task_id)
    assert task.status is TaskStatus.SUCCESS
    assert task.action == "SWAP_FACE"
    assert task.buttons == ()
    assert await download_png(cdn, task.image_url) == (64, 128)  # target aspect, 128 px long side


async def test_swap_face_needs_both_images(sim: Simulator, client: MJClient) -> None:
    sim.config.dialect = "na"
    with pytest.raises(Rejected) as err:
        await client.swap_face("", png_data_url((1, 2, 3)))
    assert err.value.description == "sour_base64_and_target_base64_is_required"


@pytest.mark.parametrize("dialect", ["plus", "ta", "uniapi"])
async def test_upload_returns_downloadable_urls(
    sim: Simulator, client: MJClient, cdn: httpx.AsyncClient, dialect: str
) -> None:
    sim.config.dialect = dialect
    images = [png_data_url((255, 0, 0), (10, 20)), png_data_url((0, 255, 0), (30, 10))]
    urls = await client.upload(images)
    assert len(urls) == 2
    assert all(url.startswith(sim.base_url + "/images/upload_") for url in urls)
    assert [await download_png(cdn, url) for url in urls] == [(10, 20), (30, 10)]
    assert sim.tasks == {}  # no task is created
    with pytest.raises(Rejected) as err:
        await client.upload([])
    assert err.value.code == 4


@pytest.mark.parametrize("dialect", ["plus", "ta", "uniapi"])
async def test_image_seed(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.update({"dialect": dialect, "render_seconds": 5.0})
    result = await client.imagine("seeded")
    with pytest.raises(Rejected) as early:
        await client.image_seed(result.task_id)  # 400 code 4 until the task succeeds
    assert early.value.code == 4
    sim.finish_now(result.task_id)
    seed = await client.image_seed(result.task_id)
    assert isinstance(seed, str)
    assert seed == sim.tasks[result.task_id].seed
    with pytest.raises(Rejected) as missing:
        await client.image_seed("1700000000000123")
    assert missing.value.code == 3


async def test_cancel(sim: Simulator, client: MJClient) -> None:
    sim.config.never_finish = True
    result = await client.imagine("forever")
    assert (await client.fetch(result.task_id)) is not None
    await client.cancel(result.task_id)  # 200 with an empty body: no exception
    assert sim.requests[-1].path == f"/mj/task/{result.task_id}/cancel"
    task = await wait_terminal(client, result.task_id)
    assert task.status is TaskStatus.CANCEL
    assert task.buttons == ()
    with pytest.raises(Rejected) as err:
        await client.cancel("1700000000000123")
    assert err.value.code == 3


# ----------------------------------------------------------------------------------- dialect parsing


async def test_uniapi_integer_ids_and_numeric_properties(sim: Simulator, client: MJClient) -> None:
    sim.config.dialect = "uniapi"
    result = await client.imagine("a numeric world")
    assert isinstance(result.task_id, str)
    assert re.fullmatch(r"\d{16}", result.task_id)
    assert result.task_id in sim.tasks  # the bare integer came back as the exact id
    task = await wait_terminal(client, result.task_id)
    assert task.id == result.task_id
    assert task.description == "Submit success"
    assert isinstance(task.properties["discordChannelId"], int)  # tolerated, kept opaque
    assert task.state == ""
    seed = await client.image_seed(result.task_id)
    assert seed == sim.tasks[result.task_id].seed  # an integer result becomes the same string

    up = await client.action(task.id, button_id(task, "U4"))
    assert up.task_id in sim.tasks
    listed = await client.list_by_condition([task.id, up.task_id])
    assert sorted(t.id for t in listed) == sorted([task.id, up.task_id])


async def test_new_api_trimmed_task(sim: Simulator, client: MJClient) -> None:
    sim.config.update({"dialect": "na", "render_seconds": 5.0, "submitted_seconds": 0.0})
    result = await client.imagine("a trimmed task")
    running = await client.fetch(result.task_id)
    assert running is not None
    assert running.id == result.task_id
    assert running.status is TaskStatus.IN_PROGRESS
    assert running.finish_time == 0
    assert running.buttons == ()
    assert running.description == "提交成功"
    assert dict(running.properties) == {"finalPrompt": "a trimmed task", "finalZhPrompt": ""}
    assert running.final_prompt == "a trimmed task"
    assert running.raw["customId"] == ""

    sim.finish_now(result.task_id)
    done = await wait_terminal(client, result.task_id)
    assert done.status is TaskStatus.SUCCESS
    assert done.progress == 100
    assert done.state == ""
    assert done.fail_reason == ""
    assert done.finish_time is not None
    assert done.finish_time > 0
    assert len(done.buttons) == 9
    assert done.image_url is not None
    assert done.image_url.endswith(f"/images/{result.task_id}.png")
