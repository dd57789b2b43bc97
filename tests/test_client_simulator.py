"""The real MJClient against the real Simulator over HTTP, per dialect (docs/provider-api.md §1-§8, §13).

tests/test_mj_client.py pins the client to recorded answers and tests/test_simulator.py pins the simulator
with raw httpx; this file checks that the two agree end to end: every request goes through the client's
interpreters and lands on the simulator's routes, and every answer comes back as a Task, a SubmitResult or
one of the documented errors.

Nothing here waits for a narrow timing window: a test that must observe a running task gives it a long
render and ends it with `Simulator.finish_now`, and "never finishes" is read from the simulator's state.
"""

from __future__ import annotations

import asyncio
import base64
import io
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import httpx
import pytest
from PIL import Image

from bot.mj.buttons import ButtonAction, grid_buttons, meaning
from bot.mj.client import LIST_BATCH_SIZE, AuthStyle, MJClient, Speed, check_speed
from bot.mj.errors import (
    AuthenticationFailed,
    BannedPrompt,
    EndpointNotFound,
    MJError,
    NotOffered,
    ProviderMisconfigured,
    ProviderUnavailable,
    QueueFull,
    Rejected,
    UnsupportedButton,
)
from bot.mj.models import BotType, Button, SubmitResult, SubmitStatus, Task, TaskStatus
from bot.simulator import Simulator, SimulatorConfig

DIALECTS = ("plus", "nz", "ta", "na", "uniapi")
WITH_ACTION = ("plus", "ta", "na", "uniapi")  # every dialect but nz serves /submit/action (§5.2)
KEY = "sk-simRIGHTKEY77-5d1c9a"
WRONG_KEY = "sk-simWRONGKEY99-0b7e4f"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
KEYCAPS = tuple(f"{n}\ufe0f\u20e3" for n in range(1, 5))
POLL_LIMIT = 5.0
HOUR_MS = 3_600_000
MISSING_ID = "1700000000000123"
GRID_LABELS = ["U1", "U2", "U3", "U4", "", "V1", "V2", "V3", "V4"]
GRID_MEANINGS = [
    *((ButtonAction.UPSCALE, n) for n in range(1, 5)),
    (ButtonAction.REROLL, None),
    *((ButtonAction.VARIATION, n) for n in range(1, 5)),
]
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
]
ANIMATE_LABELS = ["Animate (High motion)", "Animate (Low motion)"]
VIDEO_DIALECTS = ("ta", "na")  # TA, and new-api in front of it (docs/provider-api.md §9.5)
PAN_EMOJIS = ["⬅️", "➡️", "⬆️", "⬇️"]
MakeClient = Callable[..., MJClient]


def solo_labels(dialect: str) -> list[str]:
    """An upscale's labels: the v7 row, the Animate pair of TA (and of the TA proxy behind new-api), then ❤️ (no
    label) everywhere but NZ (§8 notes)."""
    return [*SOLO_LABELS, *(ANIMATE_LABELS if dialect in VIDEO_DIALECTS else []), ""]


def hd_labels(dialect: str) -> list[str]:
    """An HD upscale's labels: Redo ×2, Vary ×2, the Animate pair where there is video, then ❤️."""
    redo = ["Redo Upscale (Subtle)", "Redo Upscale (Creative)", "Vary (Subtle)", "Vary (Strong)"]
    return [*redo, *(ANIMATE_LABELS if dialect in VIDEO_DIALECTS else []), ""]


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


async def wait_status(
    client: MJClient, task_id: str, status: TaskStatus, seen: list[Task] | None = None, *, with_image: bool = False
) -> Task:
    """Poll client.fetch until the task is in `status` (at most POLL_LIMIT seconds; terminal first fails)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + POLL_LIMIT
    while True:
        task = await client.fetch(task_id)
        assert task is not None, f"task {task_id} vanished"
        assert task.id == task_id
        if seen is not None:
            seen.append(task)
        if task.status is status and (task.image_url or not with_image):
            return task
        assert not task.status.is_terminal, f"task {task_id} ended {task.status} before {status}"
        assert loop.time() < deadline, f"task {task_id} still {task.status} after {POLL_LIMIT} s"
        await asyncio.sleep(0.02)


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
    return await finished(client, sim, await client.press(grid.id, button_id(grid, "U1")))


def job_hash(task: Task) -> str:
    """The Midjourney job uuid of a started task (properties.messageHash; NA keeps no such key)."""
    value = task.properties.get("messageHash")
    assert isinstance(value, str)
    assert re.fullmatch(UUID, value), value
    return value


def pressable(task: Task) -> tuple[Button, ...]:
    """The buttons a person can press: the task's own, or for an NZ grid (which lists none) the nine the
    client synthesizes from its job hash (§8 notes)."""
    if "buttons" not in task.raw:
        return grid_buttons(job_hash(task))
    return task.buttons


def button_id(task: Task, label: str = "", emoji: str = "", pattern: str = "") -> str:
    buttons = pressable(task)
    for button in buttons:
        if label and button.label != label:
            continue
        if emoji and button.emoji != emoji:
            continue
        if pattern and not re.search(pattern, button.custom_id):
            continue
        return button.custom_id
    raise AssertionError(f"no button {label or emoji or pattern!r} on {[b.custom_id for b in buttons]}")


def api_requests(sim: Simulator) -> list[str]:
    """`METHOD path` of the provider API requests (image downloads left out)."""
    return [f"{r.method} {r.path}" for r in sim.requests if not r.path.startswith("/images/")]


def status_in_an_hour(sim: Simulator, task_id: str) -> str:
    """What the simulator will report an hour from now (its state is a function of wall-clock time)."""
    return sim.tasks[task_id].phase(time.time() * 1000 + HOUR_MS).status


def assert_accepted(result: SubmitResult, sim: Simulator) -> None:
    """Code 1: one new task the simulator knows, not queued."""
    assert result.status is SubmitStatus.ACCEPTED
    assert len(result.task_ids) == 1
    assert result.task_ids == (result.task_id,)
    assert re.fullmatch(r"\d{16}", result.task_id)
    assert result.task_id in sim.tasks
    assert result.queue_position is None
    assert result.description == "提交成功"


# ------------------------------------------------------------------------------------ imagine lifecycle


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_imagine_polls_to_success_with_grid_and_png(
    sim: Simulator, client: MJClient, cdn: httpx.AsyncClient, dialect: str
) -> None:
    # A long render, ended by the simulator once the client has seen it running: no window to catch.
    sim.config.update({"dialect": dialect, "render_seconds": 60.0})
    submitted = await client.imagine("a red fox in snow --ar 3:2", state="chat-42")
    assert_accepted(submitted, sim)
    assert sim.requests[-1].json == {
        "prompt": "a red fox in snow --ar 3:2",
        "base64Array": [],
        "botType": "MID_JOURNEY",
        "state": "chat-42",
    }
    assert sim.tasks[submitted.task_id].bot_type == "MID_JOURNEY"

    seen: list[Task] = []
    running = await wait_status(client, submitted.task_id, TaskStatus.IN_PROGRESS, seen)
    assert running.progress == 0
    assert running.finish_time is None or running.finish_time == 0  # NA sends 0 for "not yet"
    sim.finish_now(submitted.task_id)
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

    if dialect == "nz":
        # novicezk's open-source Task has no buttons at all (§6.1): the client synthesizes the grid's nine.
        assert "buttons" not in task.raw
        assert task.buttons == ()
        buttons = grid_buttons(job_hash(task))
    else:
        buttons = task.buttons
        u = buttons[0].custom_id.split("::")[-1]
        assert buttons == grid_buttons(u)  # the simulator's grid is exactly what the client would synthesize
    assert len(buttons) == 9
    assert [b.label for b in buttons] == GRID_LABELS
    assert buttons[4].emoji == "🔄"
    assert all(b.custom_id.startswith("MJ::JOB::") for b in buttons)
    assert [b.custom_id.split("::")[2] for b in buttons] == ["upsample"] * 4 + ["reroll"] + ["variation"] * 4
    assert [(meaning(b.custom_id).action, meaning(b.custom_id).index) for b in buttons] == GRID_MEANINGS
    assert re.fullmatch(UUID, buttons[0].custom_id.split("::")[-1])

    assert task.image_url is not None
    assert task.image_url.startswith(sim.base_url + "/images/")
    assert await download_png(cdn, task.image_url) == (128, 85)  # 3:2 with a 128 px long side


async def test_previews_are_shown_while_in_progress(sim: Simulator, client: MJClient, cdn: httpx.AsyncClient) -> None:
    sim.config.render_seconds = 60.0  # stays IN_PROGRESS until finish_now
    seen: list[Task] = []
    result = await client.imagine("a slow render")
    running = await wait_status(client, result.task_id, TaskStatus.IN_PROGRESS, seen, with_image=True)
    previews = [t.image_url for t in seen if t.status is TaskStatus.IN_PROGRESS and t.image_url]
    assert previews, "no preview imageUrl while IN_PROGRESS"
    assert all(re.search(r"_p\d+\.png$", url) for url in previews)
    assert running.buttons == ()
    assert await download_png(cdn, previews[-1]) == (32, 32)  # low-res: a quarter of the long side
    sim.finish_now(result.task_id)
    task = await wait_terminal(client, result.task_id)
    assert task.status is TaskStatus.SUCCESS
    assert task.image_url is not None
    assert not re.search(r"_p\d+\.png$", task.image_url)
    assert await download_png(cdn, task.image_url) == (128, 128)


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_niji_bot_type_reaches_the_task_and_its_children(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.dialect = dialect
    grid = await finished(client, sim, await client.imagine("a fox, anime", bot_type=BotType.NIJI))
    assert sim.requests[-2].json["botType"] == "NIJI_JOURNEY"  # the submit, then the fetch
    assert sim.tasks[grid.id].bot_type == "NIJI_JOURNEY"
    if dialect in ("ta", "na"):
        assert grid.raw["botType"] == "NIJI_JOURNEY"
    if dialect != "na":  # new-api trims properties to finalPrompt/finalZhPrompt (§6.1)
        assert grid.properties["botType"] == "NIJI_JOURNEY"
    if dialect == "ta":
        assert grid.raw["version"] == "niji 6"  # TA names the model version it drew with

    # A press names no botType: the child keeps its parent's (§5).
    up = await finished(client, sim, await client.press(grid.id, button_id(grid, "U3")))
    assert "botType" not in sim.requests[-2].json
    assert sim.tasks[up.id].bot_type == "NIJI_JOURNEY"

    images = [png_data_url((200, 10, 10)), png_data_url((10, 10, 200))]
    submits = [
        await client.blend(images, bot_type=BotType.NIJI),
        await client.describe(images[0], bot_type=BotType.NIJI),
    ]
    if dialect != "nz":  # NZ has no shorten
        submits.append(await client.shorten("a very big cat", bot_type=BotType.NIJI))
    for result in submits:
        assert sim.tasks[result.task_id].bot_type == "NIJI_JOURNEY"
    bodies = [r.json for r in sim.requests if r.path.endswith(("/blend", "/describe", "/shorten"))]
    assert [body["botType"] for body in bodies] == ["NIJI_JOURNEY"] * len(submits)


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
    up = await client.press(task.id, button_id(task, "U3"))

    assert up.status is SubmitStatus.ACCEPTED
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
    assert all("model" not in (r.json or {}) for r in sim.requests)  # `model` belongs to the /v1 root only
    assert sim.requests[0].json["botType"] == "MID_JOURNEY"


@pytest.mark.parametrize(
    ("speed", "model", "mode"),
    [(Speed.FAST, "mj-fast", "FAST"), (Speed.RELAX, "mj-relax", "RELAX"), (Speed.DEFAULT, "mj-fast", "FAST")],
)
async def test_v1_base_sends_the_speed_as_model(
    sim: Simulator, make_client: MakeClient, speed: Speed, model: str, mode: str
) -> None:
    # Seed S3's /v1 root requires `model` (mj-fast or mj-relax); the default speed is its default, fast (§1).
    client = make_client(sim.base_url + "/v1/", speed=speed)
    result = await client.imagine("a tiny robot")
    task = await finished(client, sim, result)
    u1 = button_id(task, "U1")
    up = await client.press(task.id, u1)

    submit = sim.requests[0]
    assert submit.path == "/v1/mj/submit/imagine"
    assert submit.json == {"prompt": "a tiny robot", "base64Array": [], "botType": "MID_JOURNEY", "model": model}
    assert sim.requests[-1].path == "/v1/mj/submit/action"
    assert sim.requests[-1].json == {"taskId": task.id, "customId": u1, "model": model}
    assert all(r.path.startswith("/v1/mj/") for r in sim.requests)
    assert sim.tasks[result.task_id].mode == mode
    assert sim.tasks[result.task_id].model == model
    assert sim.tasks[up.task_id].model == model
    assert sim.tasks[up.task_id].mode == mode


async def test_v1_base_refuses_turbo_before_sending_anything(sim: Simulator, make_client: MakeClient) -> None:
    # S3 documents no turbo model; "mj-turbo" would be an invention (§1).
    for base in (sim.base_url + "/v1", sim.base_url + "/v1/"):
        with pytest.raises(ValueError, match="mj-fast or mj-relax"):
            check_speed(base, Speed.TURBO)
        with pytest.raises(ValueError, match="mj-fast or mj-relax"):
            make_client(base, speed=Speed.TURBO)
    for speed in (Speed.FAST, Speed.RELAX, Speed.DEFAULT):
        check_speed(sim.base_url + "/v1", speed)
    check_speed(sim.base_url, Speed.TURBO)  # the /mj-turbo prefix is fine elsewhere
    assert sim.requests == []


async def test_every_v1_submit_carries_model_and_bot_type(
    sim: Simulator, make_client: MakeClient, cdn: httpx.AsyncClient
) -> None:
    client = make_client(sim.base_url + "/v1", speed=Speed.RELAX)
    grid = await finished_grid(client, sim)
    up = await finished(client, sim, await client.press(grid.id, button_id(grid, "U1")))
    zoom = await client.press(up.id, button_id(up, "Custom Zoom"))
    assert zoom.status is SubmitStatus.MODAL
    images = [png_data_url((200, 10, 10)), png_data_url((10, 10, 200))]
    results = [
        await client.modal(zoom.task_id, prompt="a lighthouse at dusk --zoom 1.5"),
        await client.change(grid.id, "VARIATION", 2),
        await client.simple_change(grid.id, "R"),
        await client.blend(images),
        await client.describe(images[0]),
        await client.shorten("a very big lighthouse"),
        await client.swap_face(images[0], images[1]),
    ]
    for result in results:
        assert result.status is SubmitStatus.ACCEPTED
        assert result.task_id in sim.tasks
    urls = await client.upload(images)
    assert len(urls) == 2
    assert await download_png(cdn, urls[0]) == (24, 16)

    submits = [r for r in sim.requests if r.method == "POST" and "/task/" not in r.path]
    assert [r.path.removeprefix("/v1/mj/") for r in submits] == [
        "submit/imagine",
        "submit/action",
        "submit/action",
        "submit/modal",
        "submit/change",
        "submit/simple-change",
        "submit/blend",
        "submit/describe",
        "submit/shorten",
        "insight-face/swap",
        "submit/upload-discord-images",
    ]
    assert all(r.json["model"] == "mj-relax" for r in submits)
    new_jobs = [r for r in submits if r.path.endswith(("/imagine", "/blend", "/describe", "/shorten"))]
    assert len(new_jobs) == 4
    assert all(r.json["botType"] == "MID_JOURNEY" for r in new_jobs)
    assert all(r.path.startswith("/v1/mj/") for r in sim.requests if not r.path.startswith("/images/"))
    assert {(t.model, t.mode) for t in sim.tasks.values()} == {("mj-relax", "RELAX")}


async def test_nz_has_no_speed_roots_nor_v1(sim: Simulator, make_client: MakeClient) -> None:
    sim.config.dialect = "nz"  # NZ has no modes at all (§1): outside /mj, Tomcat answers its own 404 page
    clients = [make_client(speed=speed) for speed in (Speed.FAST, Speed.RELAX, Speed.TURBO)]
    clients.append(make_client(sim.base_url + "/v1"))
    for client in clients:
        with pytest.raises(EndpointNotFound) as err:
            await client.imagine("a tiny robot")
        assert err.value.status == 404
        assert 'HTML page "HTTP Status 404 – Not Found"' in str(err.value)
    assert sim.tasks == {}
    assert len(sim.requests) == 4


# ------------------------------------------------------------------------------------------ submit codes


@pytest.mark.parametrize("dialect", ["plus", "nz", "ta", "uniapi"])
async def test_code_22_is_queued_with_position(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.update({"dialect": dialect, "queue_ahead": 3, "queue_seconds": 5.0})
    result = await client.imagine("a queued cat")
    assert result.status is SubmitStatus.QUEUED
    assert result.queue_position == 3
    assert result.description == "排队中，前面还有3个任务"
    assert result.properties["numberOfQueues"] == 3
    assert result.task_ids == (result.task_id,)
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
    assert result.status is SubmitStatus.ACCEPTED
    assert result.queue_position is None
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
    assert_accepted(result, sim)
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
    # new-api answers its own "<description> <result>" with an empty result, hence the trailing space (§3.2).
    assert err.value.description == ("prompt_is_required " if dialect == "na" else "prompt不能为空")
    assert sim.tasks == {}


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_failure_reason_reaches_the_task(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.update({"dialect": dialect, "fail_reason": "Job action restricted"})
    task = await wait_terminal(client, (await client.imagine("anything")).task_id)
    assert task.status is TaskStatus.FAILURE
    assert task.fail_reason == "Job action restricted"
    assert task.progress == (100 if dialect == "na" else None)  # NA reports "100%", the others ""
    assert task.buttons == ()


# ------------------------------------------------------------------------------------------- actions


@pytest.mark.parametrize("dialect", WITH_ACTION)
async def test_upscale_action_gives_solo_buttons(
    sim: Simulator, client: MJClient, cdn: httpx.AsyncClient, dialect: str
) -> None:
    sim.config.dialect = dialect
    grid = await finished_grid(client, sim)
    u2 = button_id(grid, "U2")
    result = await client.action(grid.id, u2, state="press-u2")
    assert_accepted(result, sim)
    assert result.task_id != grid.id
    assert sim.requests[-1].json == {"taskId": grid.id, "customId": u2, "state": "press-u2"}

    up = await wait_terminal(client, result.task_id)
    assert up.status is TaskStatus.SUCCESS
    assert up.action == "UPSCALE"
    assert up.state == "press-u2"
    assert [b.label for b in up.buttons] == solo_labels(dialect)
    emojis = [b.emoji for b in up.buttons]
    assert emojis[8:12] == PAN_EMOJIS
    assert emojis[12:] == (["🎞️", "🎞️", "❤️"] if dialect in VIDEO_DIALECTS else ["❤️"])
    ids = [b.custom_id for b in up.buttons]
    assert ids[0].startswith("MJ::JOB::upsample_v7_2x_subtle::1::")
    assert any(i.startswith("MJ::CustomZoom::") for i in ids)
    assert ids[-1].startswith("MJ::BOOKMARK::")
    assert all(i.endswith("::SOLO") for i in ids if not i.startswith(("MJ::CustomZoom::", "MJ::BOOKMARK::")))
    actions = [meaning(i).action for i in ids]
    assert ButtonAction.UNKNOWN not in actions  # the client's parser knows every button the provider shows
    assert actions[12:] == [
        *([ButtonAction.ANIMATE] * 2 if dialect in VIDEO_DIALECTS else []),
        ButtonAction.BOOKMARK,
    ]
    new_hash = ids[0].split("::")[4]
    assert re.fullmatch(UUID, new_hash)
    assert new_hash not in u2  # a new job uuid
    assert await download_png(cdn, up.image_url) == (64, 64)  # one cell of the 128 px grid

    # The HD upscale of that image: Redo ×2, Vary ×2, (TA) Animate ×2, ❤️.
    hd = await finished(client, sim, await client.press(up.id, button_id(up, "Upscale (Subtle)")))
    assert hd.action == ("UPSCALE_HD" if dialect == "ta" else "UPSCALE")
    assert [b.label for b in hd.buttons] == hd_labels(dialect)
    assert [meaning(b.custom_id).action for b in hd.buttons][:2] == [ButtonAction.UPSCALE_HD] * 2
    assert await download_png(cdn, hd.image_url) == (128, 128)


@pytest.mark.parametrize("dialect", WITH_ACTION)
async def test_unknown_custom_id_is_rejected(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.dialect = dialect
    grid = await finished_grid(client, sim)
    bogus = "MJ::JOB::frobnicate::1::" + grid.buttons[0].custom_id.split("::")[-1]
    with pytest.raises(Rejected) as err:
        await client.action(grid.id, bogus)
    assert err.value.code == 4
    if dialect == "na":
        assert err.value.description == f"unknown_action:{bogus} "  # HTTP 400 relay envelope
    else:
        assert err.value.description == "未知的 Action 类型"
    with pytest.raises(Rejected) as pressed:
        await client.press(grid.id, bogus)  # a refusal is final: nothing is tried elsewhere
    assert pressed.value.description == err.value.description
    assert [p for p in api_requests(sim) if "/submit/" in p][-2:] == ["POST /mj/submit/action"] * 2
    assert len(sim.tasks) == 1


@pytest.mark.parametrize(
    ("dialect", "text"),
    [
        ("plus", "未知的 Action 类型"),
        ("ta", "未知的 Action 类型"),
        ("na", "unknown_action:{} "),
        ("uniapi", "未知的 Action 类型"),
    ],
)
async def test_bookmark_is_rejected(sim: Simulator, client: MJClient, dialect: str, text: str) -> None:
    sim.config.dialect = dialect
    up = await finished_upscale(client, sim)
    bookmark = button_id(up, emoji="❤️")
    assert meaning(bookmark).action is ButtonAction.BOOKMARK
    assert meaning(bookmark).hidden
    with pytest.raises(Rejected) as err:
        await client.press(up.id, bookmark)
    assert err.value.code == 4
    assert err.value.description == text.format(bookmark)
    assert len(sim.tasks) == 2


async def test_animate_makes_a_video_on_ta_and_is_refused_elsewhere(sim: Simulator, client: MJClient) -> None:
    sim.config.dialect = "ta"
    up = await finished_upscale(client, sim)
    high, low = button_id(up, "Animate (High motion)"), button_id(up, "Animate (Low motion)")
    assert [meaning(i).detail for i in (high, low)] == ["high", "low"]
    video = await finished(client, sim, await client.press(up.id, high))
    assert video.action == "VIDEO"
    assert len(video.raw["videoUrls"]) == 4  # a grid of four clips
    assert video.raw["videoUrl"] == video.raw["videoUrls"][0]["url"]
    sim.config.dialect = "na"
    with pytest.raises(UnsupportedButton) as na_err:
        await client.press(up.id, low)
    assert (na_err.value.code, na_err.value.description) == (4, f"unknown_action:{low} ")  # NA's whitelist (§7)
    sim.config.dialect = "plus"
    with pytest.raises(UnsupportedButton) as plus_err:
        await client.press(up.id, low)
    assert plus_err.value.description == "未知的 Action 类型"


@pytest.mark.parametrize(
    ("dialect", "code", "text"),
    [
        ("plus", 3, "关联任务不存在或已失效"),
        ("nz", 3, "关联任务不存在或已失效"),  # through /submit/change, with HTTP 200
        ("ta", 3, "关联任务不存在或已失效"),
        ("na", 4, "task_not_found "),
    ],
)
async def test_press_on_a_missing_parent_is_rejected(
    sim: Simulator, client: MJClient, dialect: str, code: int, text: str
) -> None:
    sim.config.dialect = dialect
    grid = await finished_grid(client, sim)
    sim.requests.clear()
    with pytest.raises(Rejected) as err:
        await client.press(MISSING_ID, button_id(grid, "U1"))
    assert err.value.code == code
    assert err.value.description == text
    expected = ["POST /mj/submit/action", "POST /mj/submit/change"] if dialect == "nz" else ["POST /mj/submit/action"]
    assert api_requests(sim) == expected  # a refusal is not sent on to simple-change
    assert len(sim.tasks) == 1


async def test_action_on_an_unfinished_parent_is_rejected(sim: Simulator, client: MJClient) -> None:
    sim.config.render_seconds = 5.0
    grid = await client.imagine("still rendering")
    u = sim.tasks[grid.task_id].message_hash
    with pytest.raises(Rejected) as err:
        await client.action(grid.task_id, f"MJ::JOB::upsample::1::{u}")
    assert (err.value.code, err.value.description) == (4, "关联任务状态错误")


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_repeated_upscale_is_accepted_but_never_finishes(sim: Simulator, client: MJClient, dialect: str) -> None:
    # Midjourney does not upscale the same cell twice: the press is accepted and never answered (§8, §12).
    sim.config.dialect = dialect
    grid = await finished_grid(client, sim)
    u1 = button_id(grid, "U1")
    first = await finished(client, sim, await client.press(grid.id, u1))
    assert first.action == "UPSCALE"

    again = await client.press(grid.id, u1)
    other = await client.press(grid.id, button_id(grid, "U2"))
    assert_accepted(again, sim)
    assert again.task_id != first.id
    # Another cell upscales in the ordinary time; the repeat is still where it started.
    assert (await wait_terminal(client, other.task_id)).status is TaskStatus.SUCCESS
    stuck = await client.fetch(again.task_id)
    assert stuck is not None
    assert stuck.status is TaskStatus.SUBMITTED
    assert stuck.progress == 0
    assert stuck.image_url is None
    assert stuck.buttons == ()
    assert status_in_an_hour(sim, again.task_id) == "SUBMITTED"  # never IN_PROGRESS, never SUCCESS
    assert sim.tasks[again.task_id].unanswered

    # Only the proxy ends it, with its own timeout.
    sim.finish_now(again.task_id)
    timed_out = await client.fetch(again.task_id)
    assert timed_out is not None
    assert (timed_out.status, timed_out.fail_reason) == (TaskStatus.FAILURE, "任务超时")
    assert timed_out.buttons == ()
    assert timed_out.image_url is None
    assert meaning(u1).is_repeatable is False  # the bot re-shows the first result instead (§14.2)


@pytest.mark.parametrize("dialect", ["plus", "ta", "na"])
async def test_custom_zoom_needs_a_modal_then_finishes(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.dialect = dialect
    up = await finished_upscale(client, sim)
    zoom_id = button_id(up, "Custom Zoom")
    pressed = await client.press(up.id, zoom_id)
    assert pressed.status is SubmitStatus.MODAL  # code 21, kept by new-api for CustomZoom (§4)
    modal_id = pressed.task_id
    assert pressed.task_ids == (modal_id,)
    assert re.fullmatch(r"\d{16}", modal_id)
    assert modal_id != up.id
    assert pressed.final_prompt == "a lighthouse at dusk"
    assert pressed.description == "Waiting for window confirm"
    assert pressed.properties["remix"] is True
    waiting = await client.fetch(modal_id)
    assert waiting is not None
    assert waiting.status is TaskStatus.MODAL

    bad_zoom = "a lighthouse at dusk --zoom 3"
    with pytest.raises(Rejected) as err:
        await client.modal(modal_id, prompt=bad_zoom)
    refusal = "Custom Zoom 需要 --zoom 参数 (1 < zoom ≤ 2)"
    assert (err.value.code, err.value.description) == (4, refusal + " " if dialect == "na" else refusal)

    accepted = await client.modal(modal_id, prompt="a lighthouse at dusk --zoom 1.8")
    assert accepted.status is SubmitStatus.ACCEPTED
    assert accepted.task_ids == (modal_id,)
    assert sim.requests[-1].json == {"taskId": modal_id, "prompt": "a lighthouse at dusk --zoom 1.8"}
    task = await wait_terminal(client, modal_id)
    assert task.status is TaskStatus.SUCCESS
    assert task.action == ("CUSTOM_ZOOM" if dialect == "na" else "ZOOM")
    assert task.final_prompt == "a lighthouse at dusk --zoom 1.8"
    assert [b.label for b in task.buttons] == GRID_LABELS


async def test_remix_variation_modal_and_new_api_hides_it(sim: Simulator, client: MJClient) -> None:
    sim.config.remix = True
    grid = await finished_grid(client, sim)
    modal = await client.press(grid.id, button_id(grid, "V2"))
    assert modal.status is SubmitStatus.MODAL
    assert modal.final_prompt == "a lighthouse at dusk"
    # The user abandons the modal: cancel dismisses it.
    await client.cancel(modal.task_id)
    dismissed = await client.fetch(modal.task_id)
    assert dismissed is not None
    assert dismissed.status is TaskStatus.CANCEL

    # Behind new-api the 21 becomes 1: the submit looks accepted, the task sits in MODAL (§4).
    sim.config.dialect = "na"
    result = await client.press(grid.id, button_id(grid, "V3"))
    assert result.status is SubmitStatus.ACCEPTED
    assert result.final_prompt == "a lighthouse at dusk"  # the properties survive the rewrite
    waiting = await client.fetch(result.task_id)
    assert waiting is not None
    assert waiting.status is TaskStatus.MODAL
    await client.modal(result.task_id, prompt="a lighthouse at dawn")
    task = await wait_terminal(client, result.task_id)
    assert task.status is TaskStatus.SUCCESS
    assert task.final_prompt == "a lighthouse at dawn"


# ---------------------------------------------------------------------------- NZ: no buttons, no action


async def test_nz_press_goes_through_change_and_remembers_it(
    sim: Simulator, client: MJClient, cdn: httpx.AsyncClient
) -> None:
    sim.config.dialect = "nz"
    grid = await finished_grid(client, sim)
    assert grid.buttons == ()
    buttons = pressable(grid)
    assert buttons == grid_buttons(job_hash(grid))
    by_label = {b.label or b.emoji: b.custom_id for b in buttons}

    # First press: /submit/action answers Spring's 404 (nothing sent anywhere), the same press goes to /change.
    sim.requests.clear()
    result = await client.press(grid.id, by_label["U2"], state="press-u2")
    assert api_requests(sim) == ["POST /mj/submit/action", "POST /mj/submit/change"]
    assert sim.requests[-1].json == {"taskId": grid.id, "action": "UPSCALE", "index": 2, "state": "press-u2"}
    assert_accepted(result, sim)
    assert len(sim.tasks) == 2
    up = await wait_terminal(client, result.task_id)
    assert up.status is TaskStatus.SUCCESS
    assert up.action == "UPSCALE"
    assert up.description == f"/up {grid.id} U2"
    assert up.state == "press-u2"
    assert "buttons" not in up.raw
    assert up.buttons == ()
    assert await download_png(cdn, up.image_url) == (64, 64)

    # The route is remembered: later presses go straight to /submit/change; a reroll says index 1 (§5.9).
    sim.requests.clear()
    variation = await client.press(grid.id, by_label["V3"])
    reroll = await client.press(grid.id, by_label["🔄"])
    assert api_requests(sim) == ["POST /mj/submit/change"] * 2
    assert [r.json for r in sim.requests] == [
        {"taskId": grid.id, "action": "VARIATION", "index": 3},
        {"taskId": grid.id, "action": "REROLL", "index": 1},
    ]
    tasks = await wait_all_terminal(client, [variation.task_id, reroll.task_id])
    assert [(tasks[i].status, tasks[i].action, tasks[i].description) for i in (variation.task_id, reroll.task_id)] == [
        (TaskStatus.SUCCESS, "VARIATION", f"/up {grid.id} V3"),
        (TaskStatus.SUCCESS, "REROLL", f"/up {grid.id} R"),
    ]
    # A variation's grid is a grid again: its buttons are synthesized and pressable the same way.
    again = await client.press(variation.task_id, button_id(tasks[variation.task_id], "U4"))
    assert sim.requests[-1].json == {"taskId": variation.task_id, "action": "UPSCALE", "index": 4}
    assert_accepted(again, sim)

    # Anything beyond U/V/🔄 needs /submit/action, which this provider does not have.
    sim.requests.clear()
    hd = f"MJ::JOB::upsample_v7_2x_subtle::1::{job_hash(up)}::SOLO"
    with pytest.raises(Rejected) as err:
        await client.press(up.id, hd)
    assert err.value.code is None
    assert str(err.value) == "/mj/submit/action is not offered by this provider"
    assert sim.requests == []


async def test_nz_press_of_a_button_only_action_can_send_is_unsupported(sim: Simulator, client: MJClient) -> None:
    sim.config.dialect = "nz"
    grid = await finished_grid(client, sim)
    pan = f"MJ::JOB::pan_left::1::{job_hash(grid)}::SOLO"
    sim.requests.clear()
    with pytest.raises(UnsupportedButton):
        await client.press(grid.id, pan)  # the first 404 itself: there is nothing to fall back to
    assert api_requests(sim) == ["POST /mj/submit/action"]
    # The route was not switched by it: the next U press still tries /submit/action first.
    await client.press(grid.id, button_id(grid, "U1"))
    assert api_requests(sim)[1:] == ["POST /mj/submit/action", "POST /mj/submit/change"]


# A feature the provider lacks (NotOffered) is not a wrong base URL (EndpointNotFound, ProviderMisconfigured).
NZ_ABSENT = [
    pytest.param(
        lambda c, t: c.action(t, f"MJ::JOB::upsample::1::{t}"), "/mj/submit/action", EndpointNotFound, id="action"
    ),
    pytest.param(lambda c, t: c.modal(t, prompt="x"), "/mj/submit/modal", NotOffered, id="modal"),
    pytest.param(lambda c, t: c.shorten("a very big cat"), "/mj/submit/shorten", NotOffered, id="shorten"),
    pytest.param(
        lambda c, t: c.upload([png_data_url((1, 2, 3))]), "/mj/submit/upload-discord-images", NotOffered, id="upload"
    ),
    pytest.param(
        lambda c, t: c.swap_face(png_data_url((1, 2, 3)), png_data_url((3, 2, 1))),
        "/mj/insight-face/swap",
        NotOffered,
        id="swap",
    ),
    pytest.param(lambda c, t: c.image_seed(t), "/mj/task/{}/image-seed", NotOffered, id="image-seed"),
    pytest.param(lambda c, t: c.cancel(t), "/mj/task/{}/cancel", EndpointNotFound, id="cancel"),
]


@pytest.mark.parametrize(("call", "path", "error"), NZ_ABSENT)
async def test_nz_lacks_the_plus_routes(
    sim: Simulator, make_client: MakeClient, call: Callable[[MJClient, str], Any], path: str, error: type[MJError]
) -> None:
    sim.config.dialect = "nz"
    client = make_client(read_retries=3)
    grid = await finished_grid(client, sim)
    sim.requests.clear()
    with pytest.raises(error) as err:
        await call(client, grid.id)
    if isinstance(err.value, EndpointNotFound):
        assert err.value.status == 404
    assert api_requests(sim) == [f"{'GET' if 'seed' in path else 'POST'} {path.format(grid.id)}"]  # not retried
    assert "Not Found" in str(err.value)  # Spring's JSON error body, summarised
    assert list(sim.tasks) == [grid.id]


# ---------------------------------------------------------------------------------- change endpoints


async def test_change_and_simple_change_rules_on_nz(sim: Simulator, client: MJClient) -> None:
    sim.config.dialect = "nz"
    grid = await finished_grid(client, sim)
    up = await finished(client, sim, await client.change(grid.id, "UPSCALE", 1))
    assert (up.action, up.description) == ("UPSCALE", f"/up {grid.id} U1")
    sim.config.render_seconds = 60.0  # the variation stays unfinished while its refusals are checked
    variation = await client.simple_change(grid.id, "V3", state="s-1")
    assert sim.requests[-1].json == {"content": f"{grid.id} V3", "state": "s-1"}
    assert sim.tasks[variation.task_id].action == "VARIATION"
    assert sim.tasks[variation.task_id].state == "s-1"

    refusals: list[tuple[Callable[[], Awaitable[SubmitResult]], str]] = [
        (lambda: client.change(grid.id, "upscale", 2), "action参数错误"),  # an enum: exact upper-case names
        (lambda: client.change(grid.id, "PAN", 1), "action参数错误"),
        (lambda: client.change(grid.id, "VARIATION", 5), "index参数错误"),
        (lambda: client.change(variation.task_id, "UPSCALE", 1), "关联任务状态错误"),  # not finished
        (lambda: client.change(up.id, "UPSCALE", 1), "关联任务不允许执行变化"),  # only grids change
        (lambda: client.simple_change(grid.id, "U5"), "content参数错误"),
        (lambda: client.simple_change(grid.id, "X1"), "content参数错误"),
    ]
    for call, description in refusals:
        with pytest.raises(Rejected) as err:
            await call()
        assert (err.value.code, err.value.description) == (4, description)
    with pytest.raises(Rejected) as missing:
        await client.change(MISSING_ID, "REROLL", 1)
    assert (missing.value.code, missing.value.description) == (3, "关联任务不存在或已失效")  # HTTP 200 on NZ
    assert len(sim.tasks) == 3


async def test_change_behind_new_api_needs_a_nonzero_index(sim: Simulator, client: MJClient) -> None:
    sim.config.dialect = "na"
    grid = await finished_grid(client, sim)
    with pytest.raises(Rejected) as err:
        await client.change(grid.id, "REROLL", 0)
    assert (err.value.code, err.value.description) == (4, "index_is_required ")
    with pytest.raises(Rejected) as parse_err:
        await client.simple_change(grid.id, "X9")
    assert parse_err.value.description == "content_parse_failed "
    reroll = await client.change(grid.id, "REROLL", 1)
    simple = await client.simple_change(grid.id, "U4")
    assert sim.tasks[reroll.task_id].action == "REROLL"
    assert sim.tasks[simple.task_id].action == "UPSCALE"
    assert len(sim.tasks) == 3


async def test_trueai_removed_the_change_endpoints(sim: Simulator, client: MJClient) -> None:
    sim.config.dialect = "ta"
    grid = await finished_grid(client, sim)
    with pytest.raises(EndpointNotFound) as err:
        await client.change(grid.id, "UPSCALE", 1)
    assert err.value.status == 404  # ASP.NET Core: empty body
    with pytest.raises(EndpointNotFound) as err:
        await client.simple_change(grid.id, "U1")
    assert err.value.status == 404
    sim.requests.clear()
    result = await client.press(grid.id, button_id(grid, "V1"))
    assert api_requests(sim) == ["POST /mj/submit/action"]  # /submit/action is the way
    assert sim.tasks[result.task_id].action == "VARIATION"
    assert len(sim.tasks) == 2


# ------------------------------------------------------------------------------------------- queries


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_list_by_condition_returns_every_known_id(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.dialect = dialect
    ids = [(await client.imagine(f"prompt {n}")).task_id for n in range(3)]
    tasks = await wait_all_terminal(client, ids)
    assert all(t.status is TaskStatus.SUCCESS for t in tasks.values())
    if dialect == "nz":
        assert all("buttons" not in t.raw and t.buttons == () for t in tasks.values())
        assert all(len(pressable(t)) == 9 for t in tasks.values())
    else:
        assert all([b.label for b in t.buttons] == GRID_LABELS for t in tasks.values())
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


@pytest.mark.parametrize("dialect", ["plus", "nz", "ta", "uniapi"])
async def test_tasks_falls_back_to_one_fetch_each_and_remembers(
    sim: Simulator, make_client: MakeClient, dialect: str
) -> None:
    sim.config.dialect = dialect
    client = make_client(read_retries=3)
    done = await finished_grid(client, sim)
    sim.config.update({"never_finish": True, "submitted_seconds": 60.0})  # SUBMITTED throughout the test
    running = (await client.imagine("still going")).task_id
    wanted = [done.id, running, "9999999999999999"]

    sim.requests.clear()
    found = await client.tasks(wanted)
    assert api_requests(sim) == ["POST /mj/task/list-by-condition"]
    assert not client.per_task_fetch
    assert {i: t.status for i, t in found.items()} == {done.id: TaskStatus.SUCCESS, running: TaskStatus.SUBMITTED}

    sim.config.list_by_condition = False  # answered like any missing route of this dialect
    sim.requests.clear()
    found = await client.tasks(wanted)
    assert client.per_task_fetch
    paths = api_requests(sim)
    assert paths[0] == "POST /mj/task/list-by-condition"  # one 404, not retried
    assert sorted(paths[1:]) == sorted(f"GET /mj/task/{i}/fetch" for i in wanted)
    assert set(found) == {done.id, running}  # the unknown id is simply missing
    assert found[done.id].status is TaskStatus.SUCCESS
    assert found[running].status is TaskStatus.SUBMITTED

    sim.requests.clear()
    assert set(await client.tasks(wanted)) == {done.id, running}
    assert sorted(api_requests(sim)) == sorted(f"GET /mj/task/{i}/fetch" for i in wanted)  # remembered
    sim.requests.clear()
    assert await client.tasks([]) == {}
    assert sim.requests == []


async def test_tasks_asks_list_by_condition_in_batches_of_100(sim: Simulator, client: MJClient) -> None:
    real = [(await client.imagine(f"prompt {n}")).task_id for n in range(2)]
    unknown = [f"99999999{n:08d}" for n in range(248)]
    wanted = [real[0], *unknown, real[1]]
    sim.requests.clear()
    found = await client.tasks(wanted)
    assert set(found) == set(real)
    batches = [r.json["ids"] for r in sim.requests]
    assert api_requests(sim) == ["POST /mj/task/list-by-condition"] * 3
    assert [len(b) for b in batches] == [LIST_BATCH_SIZE, LIST_BATCH_SIZE, 50]
    assert [i for b in batches for i in b] == wanted  # in order, each id once
    assert not client.per_task_fetch


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
        await client.tasks([known.task_id])  # a 502 is no missing route: no fallback to per-task fetches
    assert [r.path for r in sim.requests] == ["/mj/task/list-by-condition"] * 3
    assert not client.per_task_fetch

    sim.requests.clear()
    with pytest.raises(ProviderUnavailable):
        await client.cancel(known.task_id)
    assert len(sim.requests) == 1  # cancel is a write: sent once

    sim.requests.clear()
    with pytest.raises(ProviderUnavailable) as press_err:
        await client.press(known.task_id, f"MJ::JOB::upsample::1::{sim.tasks[known.task_id].message_hash}")
    assert len(sim.requests) == 1  # a press is a submit: sent once, and a 502 is not a missing route
    assert press_err.value.maybe_submitted

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
        await client.fetch(MISSING_ID)
    assert fetch_err.value.maybe_submitted is False
    assert "2 attempts" in str(fetch_err.value)
    assert gone.requests == []


# ------------------------------------------------------------------------------------ other endpoints


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_describe(sim: Simulator, client: MJClient, cdn: httpx.AsyncClient, dialect: str) -> None:
    sim.config.dialect = dialect
    image = png_data_url((20, 40, 220), (60, 40))
    result = await client.describe(image)
    assert_accepted(result, sim)
    assert sim.requests[-1].json == {"base64": image, "botType": "MID_JOURNEY"}
    task = await wait_terminal(client, result.task_id)
    assert task.status is TaskStatus.SUCCESS
    assert task.action == "DESCRIBE"
    text = task.final_prompt
    assert [text.count(k) for k in KEYCAPS] == [1, 1, 1, 1]
    assert "--ar 3:2" in text
    if dialect == "nz":
        assert "buttons" not in task.raw  # NZ lists no buttons, and only grids get synthesized ones
        assert task.buttons == ()
    else:
        assert [b.custom_id for b in task.buttons] == [
            *(f"MJ::Job::PicReader::{n}" for n in range(1, 5)),
            "MJ::Picread::Retry",
            "MJ::Job::PicReader::all",
        ]
        assert [meaning(b.custom_id).action for b in task.buttons] == [
            *([ButtonAction.DESCRIBE_PICK] * 4),
            ButtonAction.DESCRIBE_RETRY,
            ButtonAction.DESCRIBE_ALL,
        ]
    assert await download_png(cdn, task.image_url) == (60, 40)  # the input image itself


@pytest.mark.parametrize(
    ("dialect", "refusal"),
    [
        ("ta", None),
        ("plus", "不支持的操作: MJ::Job::PicReader::all"),  # PLUS docs: unsupported
        ("na", "unknown_action:MJ::Job::PicReader::all "),  # not on new-api's whitelist (§7)
    ],
)
async def test_describe_imagine_all(sim: Simulator, client: MJClient, dialect: str, refusal: str | None) -> None:
    sim.config.dialect = dialect
    described = await finished(client, sim, await client.describe(png_data_url((20, 40, 220)), state="d"))
    if refusal is not None:
        with pytest.raises(Rejected) as err:
            await client.press(described.id, "MJ::Job::PicReader::all")
        assert (err.value.code, err.value.description) == (4, refusal)
        assert len(sim.tasks) == 1
        return
    # TA: four auto-submitted children, their ids comma-joined in `result` (§5.2).
    result = await client.press(described.id, "MJ::Job::PicReader::all")
    assert result.status is SubmitStatus.ACCEPTED
    assert len(result.task_ids) == 4
    assert len(set(result.task_ids)) == 4
    assert result.task_id == result.task_ids[0]
    assert all(re.fullmatch(r"\d{16}", i) for i in result.task_ids)
    assert set(sim.tasks) == {described.id, *result.task_ids}
    children = await wait_all_terminal(client, result.task_ids)
    assert [children[i].state for i in result.task_ids] == ["d::1", "d::2", "d::3", "d::4"]
    assert all(children[i].status is TaskStatus.SUCCESS for i in result.task_ids)
    assert all(children[i].action == "IMAGINE" for i in result.task_ids)
    prompts = [children[i].final_prompt for i in result.task_ids]
    assert all(p and not p.startswith(KEYCAPS) for p in prompts)  # the keycaps are stripped
    assert all(p in described.final_prompt for p in prompts)


@pytest.mark.parametrize("dialect", ["plus", "ta", "na"])
async def test_blend_two_images(sim: Simulator, client: MJClient, cdn: httpx.AsyncClient, dialect: str) -> None:
    sim.config.dialect = dialect
    images = [png_data_url((230, 20, 20)), png_data_url((20, 20, 230))]
    result = await client.blend(images, dimensions="LANDSCAPE")
    assert_accepted(result, sim)
    assert sim.requests[-1].json == {"base64Array": images, "dimensions": "LANDSCAPE", "botType": "MID_JOURNEY"}
    task = await wait_terminal(client, result.task_id)
    assert task.status is TaskStatus.SUCCESS
    assert task.action == "BLEND"
    assert task.prompt == ""
    assert task.final_prompt.endswith("--ar 3:2")
    assert task.final_prompt.count(sim.base_url + "/images/") == 2
    assert [b.label for b in task.buttons] == GRID_LABELS
    assert await download_png(cdn, task.image_url) == (128, 85)


@pytest.mark.parametrize(("dialect", "text"), [("plus", "base64List参数错误"), ("ta", "图片参数错误，2~5张图片")])
async def test_blend_needs_two_images(sim: Simulator, client: MJClient, dialect: str, text: str) -> None:
    sim.config.dialect = dialect
    with pytest.raises(Rejected) as err:
        await client.blend([png_data_url((1, 2, 3))])
    assert (err.value.code, err.value.description) == (4, text)
    assert sim.tasks == {}


@pytest.mark.parametrize("dialect", ["plus", "ta", "uniapi"])
async def test_shorten(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.dialect = dialect
    result = await client.shorten("a very beautiful painting of the old harbour --ar 16:9")
    assert_accepted(result, sim)
    assert sim.requests[-1].json == {
        "prompt": "a very beautiful painting of the old harbour --ar 16:9",
        "botType": "MID_JOURNEY",
    }
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
    assert [meaning(b.custom_id).action for b in task.buttons] == [
        *([ButtonAction.SHORTEN_PICK] * 5),
        ButtonAction.SHORTEN_DETAILS,
    ]
    assert [meaning(b.custom_id).index for b in task.buttons][:5] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("dialect", ["plus", "ta", "na"])
async def test_swap_face(sim: Simulator, client: MJClient, cdn: httpx.AsyncClient, dialect: str) -> None:
    sim.config.dialect = dialect
    source, target = png_data_url((250, 200, 160), (32, 32)), png_data_url((10, 120, 10), (40, 80))
    result = await client.swap_face(source, target)
    assert_accepted(result, sim)
    assert sim.requests[-1].path == "/mj/insight-face/swap"
    assert sim.requests[-1].json == {"sourceBase64": source, "targetBase64": target}  # no botType here
    assert sim.tasks[result.task_id].bot_type == "INSIGHT_FACE"
    task = await wait_terminal(client, result.task_id)
    assert task.status is TaskStatus.SUCCESS
    assert task.action == "SWAP_FACE"
    assert task.buttons == ()
    assert await download_png(cdn, task.image_url) == (64, 128)  # target aspect, 128 px long side


async def test_swap_face_needs_both_images(sim: Simulator, client: MJClient) -> None:
    sim.config.dialect = "na"
    with pytest.raises(Rejected) as err:
        await client.swap_face("", png_data_url((1, 2, 3)))
    assert (err.value.code, err.value.description) == (4, "sour_base64_and_target_base64_is_required ")
    assert sim.tasks == {}


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
        await client.image_seed(MISSING_ID)
    assert missing.value.code == 3


@pytest.mark.parametrize("dialect", ["plus", "ta"])
async def test_cancel(sim: Simulator, client: MJClient, dialect: str) -> None:
    sim.config.update({"dialect": dialect, "never_finish": True})
    result = await client.imagine("forever")
    assert (await client.fetch(result.task_id)) is not None
    await client.cancel(result.task_id)  # 200 with an empty body: no exception
    assert sim.requests[-1].path == f"/mj/task/{result.task_id}/cancel"
    task = await wait_terminal(client, result.task_id)
    if dialect == "ta":  # TA's cancel writes FAILURE `取消任务`, not CANCEL (§5.11)
        assert (task.status, task.fail_reason) == (TaskStatus.FAILURE, "取消任务")
    else:
        assert task.status is TaskStatus.CANCEL
    assert task.buttons == ()
    with pytest.raises(Rejected) as err:
        await client.cancel(MISSING_ID)
    assert err.value.code == 3


async def test_cancel_is_not_routed_behind_relays(sim: Simulator, client: MJClient) -> None:
    sim.config.never_finish = True
    result = await client.imagine("forever")
    sim.config.dialect = "na"  # new-api's dashboard answers: HTTP 200, an HTML page
    with pytest.raises(ProviderMisconfigured) as na_err:
        await client.cancel(result.task_id)
    assert not isinstance(na_err.value, EndpointNotFound)
    assert "HTML page" in str(na_err.value)
    sim.config.dialect = "uniapi"  # an OpenAI-style 404
    with pytest.raises(EndpointNotFound) as uniapi_err:
        await client.cancel(result.task_id)
    assert uniapi_err.value.status == 404
    assert f"Invalid URL (POST /mj/task/{result.task_id}/cancel)" in str(uniapi_err.value)
    sim.config.dialect = "plus"
    task = await client.fetch(result.task_id)
    assert task is not None
    assert not task.status.is_terminal  # neither cancel reached it


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

    up = await client.press(task.id, button_id(task, "U4"))
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
    assert running.raw["botType"] == "MID_JOURNEY"

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
