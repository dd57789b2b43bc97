"""The MJ simulator, driven over real HTTP with a plain httpx client."""

from __future__ import annotations

import asyncio
import base64
import io
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from aiohttp import web
from PIL import Image

from bot.simulator import CallbackAttempt, Simulator, SimulatorConfig
from bot.simulator.callbacks import _reported

ROOT = Path(__file__).resolve().parent.parent
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
TERMINAL = {"SUCCESS", "FAILURE", "CANCEL"}
BOT = {"botType": "MID_JOURNEY"}  # required on every new job (seeds S1 and S3)
NA_KEYS = [
    "id",
    "action",
    "customId",
    "botType",
    "prompt",
    "promptEn",
    "description",
    "state",
    "submitTime",
    "startTime",
    "finishTime",
    "imageUrl",
    "status",
    "progress",
    "failReason",
    "buttons",
    "maskBase64",
    "properties",
]


def fast_config(**overrides: Any) -> SimulatorConfig:
    values: dict[str, Any] = {
        "queue_seconds": 0.05,
        "submitted_seconds": 0.05,
        "render_seconds": 0.2,
        "image_size": 128,
    }
    values.update(overrides)
    return SimulatorConfig(**values)


def data_url(colour: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (40, 30)) -> str:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator(fast_config())
    await simulator.start("127.0.0.1", 0)
    try:
        yield simulator
    finally:
        await simulator.stop()


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sim.base_url, timeout=5.0) as http:
        yield http


async def submit(client: httpx.AsyncClient, path: str, body: dict[str, Any], prefix: str = "/mj") -> dict[str, Any]:
    response = await client.post(f"{prefix}/{path}", json=body)
    assert response.status_code == 200, response.text
    data = response.json()
    assert isinstance(data, dict)
    return data


async def fetch(client: httpx.AsyncClient, task_id: str, prefix: str = "/mj") -> dict[str, Any]:
    response = await client.get(f"{prefix}/task/{task_id}/fetch")
    assert response.status_code == 200, response.text
    data = response.json()
    assert isinstance(data, dict)
    return data


async def wait_for_task(
    client: httpx.AsyncClient, task_id: str, reached: Callable[[dict[str, Any]], bool], prefix: str = "/mj"
) -> dict[str, Any]:
    """The task as the provider shows it once `reached` holds (within 5 s)."""
    deadline = asyncio.get_running_loop().time() + 5.0
    while not reached(task := await fetch(client, task_id, prefix)):
        assert asyncio.get_running_loop().time() < deadline, f"task stuck: {task['status']} {task['progress']}"
        await asyncio.sleep(0.02)
    return task


async def wait_done(client: httpx.AsyncClient, task_id: str, prefix: str = "/mj") -> dict[str, Any]:
    return await wait_for_task(client, task_id, lambda task: task["status"] in TERMINAL, prefix)


async def stuck_at_the_end(client: httpx.AsyncClient, task_id: str) -> dict[str, Any]:
    """A never-finishing task once it has made every step it will make: IN_PROGRESS at its last percentage."""
    return await wait_for_task(client, task_id, lambda task: task["progress"] == "93%")


async def imagine_done(client: httpx.AsyncClient, sim: Simulator, prompt: str = "a red fox") -> dict[str, Any]:
    answer = await submit(client, "submit/imagine", {**BOT, "prompt": prompt})
    assert answer["code"] == 1
    sim.finish_now(str(answer["result"]))  # uniapi answers integer ids
    return await fetch(client, str(answer["result"]))


async def press(client: httpx.AsyncClient, task: dict[str, Any], predicate: str) -> httpx.Response:
    """Press the first button of `task` whose customId matches the regex `predicate` (searched)."""
    custom_id = next(b["customId"] for b in task["buttons"] if re.search(predicate, b["customId"]))
    return await client.post("/mj/submit/action", json={"taskId": task["id"], "customId": custom_id})


async def png_size(client: httpx.AsyncClient, url: str) -> tuple[int, int]:
    response = await client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/png")
    with Image.open(io.BytesIO(response.content)) as img:
        assert img.format == "PNG"
        return img.size


# ---------------------------------------------------------------------------------------------- imagine


async def test_imagine_lifecycle_grid_buttons_and_aspect(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.submitted_seconds = 0.3  # long enough to observe SUBMITTED on a busy machine
    answer = await submit(client, "submit/imagine", {**BOT, "prompt": "a red fox --ar 3:2", "state": "s-1"})
    assert answer["code"] == 1
    assert answer["description"] == "提交成功"
    task_id = answer["result"]
    assert isinstance(task_id, str)
    assert re.fullmatch(r"\d{16}", task_id)

    seen = set()
    task = await fetch(client, task_id)
    assert task["status"] == "SUBMITTED"
    assert task["progress"] == "0%"
    assert task["buttons"] == []
    while task["status"] not in TERMINAL:
        seen.add(task["status"])
        await asyncio.sleep(0.02)
        task = await fetch(client, task_id)
    assert seen >= {"SUBMITTED", "IN_PROGRESS"}
    assert task["status"] == "SUCCESS"
    assert task["progress"] == "100%"
    assert task["state"] == "s-1"
    assert task["action"] == "IMAGINE"
    assert task["finishTime"] >= task["startTime"] >= task["submitTime"] > 1_600_000_000_000
    props = task["properties"]
    assert props["finalPrompt"] == "a red fox --ar 3:2"
    assert re.fullmatch(UUID, props["messageHash"])
    assert props["discordInstanceId"]

    u = props["messageHash"]
    assert [b["customId"] for b in task["buttons"]] == [
        *(f"MJ::JOB::upsample::{n}::{u}" for n in range(1, 5)),
        f"MJ::JOB::reroll::0::{u}::SOLO",
        *(f"MJ::JOB::variation::{n}::{u}" for n in range(1, 5)),
    ]
    assert [b["label"] for b in task["buttons"]] == ["U1", "U2", "U3", "U4", "", "V1", "V2", "V3", "V4"]
    assert [b["emoji"] for b in task["buttons"]] == ["", "", "", "", "🔄", "", "", "", ""]
    assert all(b["type"] == 2 for b in task["buttons"])

    assert task["imageUrl"].startswith(sim.base_url + "/images/")
    assert await png_size(client, task["imageUrl"]) == (128, 85)  # 3:2, long side = image_size
    assert (task["imageWidth"], task["imageHeight"]) == (128, 85)


async def test_preview_urls_during_progress(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.render_seconds = 0.6
    task_id = (await submit(client, "submit/imagine", {**BOT, "prompt": "preview me"}))["result"]
    previews = set()
    task = await fetch(client, task_id)
    while task["status"] != "SUCCESS":
        if task["status"] == "IN_PROGRESS":
            url = task["imageUrl"]
            assert url is not None
            previews.add((task["progress"], url))
        await asyncio.sleep(0.02)
        task = await fetch(client, task_id)
    assert len({url for _, url in previews}) >= 2  # the preview changes with progress
    progress, url = sorted(previews)[-1]
    assert progress.rstrip("%") in url
    assert await png_size(client, url) == (32, 32)  # ~1/4 of the grid
    assert task["imageUrl"] not in {u for _, u in previews}

    sim.config.previews = False
    sim.config.never_finish = True
    other = (await submit(client, "submit/imagine", {**BOT, "prompt": "no preview"}))["result"]
    task = await stuck_at_the_end(client, other)
    assert task["imageUrl"] is None


async def test_queue_ahead_answers_22(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.queue_ahead = 3
    sim.config.queue_seconds = 0.3
    answer = await submit(client, "submit/imagine", {**BOT, "prompt": "queued"})
    assert answer["code"] == 22
    assert answer["description"] == "排队中，前面还有3个任务"
    assert answer["properties"]["numberOfQueues"] == 3
    task = await fetch(client, answer["result"])
    assert task["status"] == "NOT_START"
    assert task["startTime"] is None
    assert (await wait_done(client, answer["result"]))["status"] == "SUCCESS"


async def test_queue_full_plus_and_ta(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.queue_full = True
    answer = await submit(client, "submit/imagine", {**BOT, "prompt": "full"})
    assert answer["code"] == 23
    assert answer["result"] is None
    sim.config.dialect = "ta"
    answer = await submit(client, "submit/imagine", {**BOT, "prompt": "full"})
    assert answer == {"code": 9, "description": "提交失败，队列已满，请稍后重试", "result": None, "properties": {}}
    assert sim.tasks == {}


async def test_banned_word_plus_rejects_ta_fails_later(sim: Simulator, client: httpx.AsyncClient) -> None:
    answer = await submit(client, "submit/imagine", {**BOT, "prompt": "a BadWord here"})
    assert answer["code"] == 24
    assert answer["description"] == "可能包含敏感词"
    assert answer["properties"] == {"promptEn": "a BadWord here", "bannedWord": "badword"}
    assert (await submit(client, "submit/imagine", {**BOT, "prompt": "badwords are fine"}))[
        "code"
    ] == 1  # whole word only

    sim.config.dialect = "ta"
    answer = await submit(client, "submit/imagine", {**BOT, "prompt": "a badword here"})
    assert answer["code"] == 1
    task = await wait_done(client, answer["result"])
    assert task["status"] == "FAILURE"
    assert task["failReason"] == "可能包含敏感词"
    assert task["progress"] == ""


@pytest.mark.parametrize(
    ("style", "good", "bad", "fail_type", "fail_body"),
    [
        (
            "bearer",
            {"Authorization": "Bearer k1"},
            {"Authorization": "k1"},
            "application/json",
            '{"error": {"message": "invalid token", "type": "new_api_error"}}',
        ),
        (
            "raw",
            {"Authorization": "k1"},
            {"Authorization": "Bearer k1", "mj-api-secret": "k1"},
            "text/plain",
            "Authorization header missing.",
        ),
        ("mj-api-secret", {"mj-api-secret": "k1"}, {"Authorization": "Bearer k1"}, None, ""),
    ],
)
async def test_auth_styles(
    sim: Simulator,
    client: httpx.AsyncClient,
    style: str,
    good: dict[str, str],
    bad: dict[str, str],
    fail_type: str | None,
    fail_body: str,
) -> None:
    sim.config.api_key = "k1"
    sim.config.auth_style = style
    for headers in ({}, bad):
        response = await client.post("/mj/submit/imagine", json={**BOT, "prompt": "x"}, headers=headers)
        assert response.status_code == 401
        assert response.text == fail_body
        if fail_type:
            assert response.headers["content-type"].startswith(fail_type)
    response = await client.post("/mj/submit/imagine", json={**BOT, "prompt": "x"}, headers=good)
    assert response.status_code == 200
    assert response.json()["code"] == 1
    task_id = response.json()["result"]
    assert (await client.get(f"/mj/task/{task_id}/fetch")).status_code == 401
    sim.finish_now(task_id)
    task = (await client.get(f"/mj/task/{task_id}/fetch", headers=good)).json()
    assert (await client.get(task["imageUrl"])).status_code == 200  # images need no auth, like a CDN
    assert len(sim.requests) == 6  # every request is recorded, refused ones too


async def test_imagine_validation(sim: Simulator, client: httpx.AsyncClient) -> None:
    assert (await submit(client, "submit/imagine", {**BOT, "prompt": "   "}))["description"] == "prompt不能为空"
    answer = await submit(client, "submit/imagine", {**BOT, "prompt": "x", "base64Array": ["aGVsbG8="]})
    assert (answer["code"], answer["description"]) == (4, "base64格式错误")
    response = await client.post(
        "/mj/submit/imagine", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    response = await client.post("/mj/submit/imagine", json=["prompt"])
    assert response.status_code == 400
    assert sim.tasks == {}

    answer = await submit(client, "submit/imagine", {**BOT, "prompt": "cat like this", "base64Array": [data_url()]})
    assert answer["code"] == 1
    task = await fetch(client, answer["result"])
    url, rest = task["prompt"].split(" ", 1)
    assert rest == "cat like this"
    assert (await client.get(url)).content.startswith(b"\x89PNG")


# ---------------------------------------------------------------------------------------------- actions


async def test_upscale_then_vary_strong(sim: Simulator, client: httpx.AsyncClient) -> None:
    grid = await imagine_done(client, sim, "a red fox")
    response = await press(client, grid, "upsample::2")
    assert response.json()["code"] == 1
    up_id = response.json()["result"]
    up = await wait_done(client, up_id)
    assert up["status"] == "SUCCESS"
    assert up["action"] == "UPSCALE"
    assert up["description"] == f"/up {grid['id']} U2"
    u = up["properties"]["messageHash"]
    assert u != grid["properties"]["messageHash"]
    assert [(b["customId"], b["label"], b["emoji"]) for b in up["buttons"]] == [
        (f"MJ::JOB::upsample_v7_2x_subtle::1::{u}::SOLO", "Upscale (Subtle)", "upscale_1"),
        (f"MJ::JOB::upsample_v7_2x_creative::1::{u}::SOLO", "Upscale (Creative)", "upscale_1"),
        (f"MJ::JOB::low_variation::1::{u}::SOLO", "Vary (Subtle)", "🪄"),
        (f"MJ::JOB::high_variation::1::{u}::SOLO", "Vary (Strong)", "🪄"),
        (f"MJ::Inpaint::1::{u}::SOLO", "Vary (Region)", "🖌️"),
        (f"MJ::Outpaint::50::1::{u}::SOLO", "Zoom Out 2x", "🔍"),
        (f"MJ::Outpaint::75::1::{u}::SOLO", "Zoom Out 1.5x", "🔍"),
        (f"MJ::CustomZoom::{u}", "Custom Zoom", "🔍"),
        (f"MJ::JOB::pan_left::1::{u}::SOLO", "", "⬅️"),
        (f"MJ::JOB::pan_right::1::{u}::SOLO", "", "➡️"),
        (f"MJ::JOB::pan_up::1::{u}::SOLO", "", "⬆️"),
        (f"MJ::JOB::pan_down::1::{u}::SOLO", "", "⬇️"),
        (f"MJ::BOOKMARK::{u}", "", "❤️"),
    ]
    assert await png_size(client, up["imageUrl"]) == (64, 64)  # half the grid

    response = await press(client, up, "high_variation")
    assert response.json()["code"] == 1
    vary = await wait_done(client, response.json()["result"])
    assert vary["action"] == "VARIATION"
    assert len(vary["buttons"]) == 9
    assert vary["buttons"][0]["customId"].startswith("MJ::JOB::upsample::1::")
    assert await png_size(client, vary["imageUrl"]) == (128, 128)

    response = await press(client, up, "upsample_v7_2x_creative")
    hd = await wait_done(client, response.json()["result"])
    assert hd["action"] == "UPSCALE"  # plus names HD upscales UPSCALE
    assert [b["label"] for b in hd["buttons"]] == [
        "Redo Upscale (Subtle)",
        "Redo Upscale (Creative)",
        "Vary (Subtle)",
        "Vary (Strong)",
        "",
    ]
    assert await png_size(client, hd["imageUrl"]) == (128, 128)  # bigger than the upscale


async def test_pan_right_rewrites_aspect(sim: Simulator, client: httpx.AsyncClient) -> None:
    grid = await imagine_done(client, sim, "mountains")
    up_id = (await press(client, grid, "upsample::1")).json()["result"]
    sim.finish_now(up_id)
    up = await fetch(client, up_id)
    pan = await wait_done(client, (await press(client, up, "pan_right")).json()["result"])
    assert pan["action"] == "PAN"
    assert pan["properties"]["finalPrompt"] == "mountains --ar 3:2"
    assert await png_size(client, pan["imageUrl"]) == (128, 85)
    down = await wait_done(client, (await press(client, up, "pan_down")).json()["result"])
    assert down["properties"]["finalPrompt"] == "mountains --ar 2:3"


async def test_custom_zoom_modal_flow(sim: Simulator, client: httpx.AsyncClient) -> None:
    grid = await imagine_done(client, sim, "a lighthouse")
    up_id = (await press(client, grid, "upsample::3")).json()["result"]
    sim.finish_now(up_id)
    up = await fetch(client, up_id)
    answer = (await press(client, up, "CustomZoom")).json()
    assert answer["code"] == 21
    assert answer["description"] == "Waiting for window confirm"
    assert answer["properties"]["finalPrompt"] == "a lighthouse"
    assert answer["properties"]["remix"] is True
    modal_id = answer["result"]
    task = await fetch(client, modal_id)
    assert task["status"] == "MODAL"
    assert task["buttons"] == []

    bad = await submit(client, "submit/modal", {"taskId": modal_id, "prompt": "a lighthouse"})
    assert bad["code"] == 4  # --zoom is required
    sim.config.submitted_seconds = 0.3  # timings are taken when the modal is confirmed
    ok = await submit(client, "submit/modal", {"taskId": modal_id, "prompt": "a lighthouse --zoom 1.8 --ar 16:9"})
    assert ok["code"] == 1
    assert ok["result"] == modal_id
    assert (await fetch(client, modal_id))["status"] in ("SUBMITTED", "IN_PROGRESS")
    again = await submit(client, "submit/modal", {"taskId": modal_id, "prompt": "a lighthouse --zoom 2"})
    assert (again["code"], again["description"]) == (4, "关联任务状态错误")
    done = await wait_done(client, modal_id)
    assert done["status"] == "SUCCESS"
    assert done["action"] == "ZOOM"
    assert done["properties"]["finalPrompt"] == "a lighthouse --zoom 1.8 --ar 16:9"
    assert len(done["buttons"]) == 9
    assert await png_size(client, done["imageUrl"]) == (128, 72)


async def test_inpaint_needs_mask_and_remix_makes_variations_modal(sim: Simulator, client: httpx.AsyncClient) -> None:
    grid = await imagine_done(client, sim, "a garden")
    up_id = (await press(client, grid, "upsample::1")).json()["result"]
    sim.finish_now(up_id)
    up = await fetch(client, up_id)
    answer = (await press(client, up, "Inpaint")).json()
    assert answer["code"] == 21
    assert answer["properties"]["finalPrompt"] == ""  # like TA#59
    no_mask = await submit(client, "submit/modal", {"taskId": answer["result"], "prompt": "add a cat"})
    assert no_mask["code"] == 4
    mask = data_url((255, 255, 255), (64, 64))
    ok = await submit(client, "submit/modal", {"taskId": answer["result"], "prompt": "add a cat", "maskBase64": mask})
    assert ok["code"] == 1
    assert (await wait_done(client, answer["result"]))["properties"]["finalPrompt"] == "add a cat"

    assert (await press(client, grid, "variation::1")).json()["code"] == 1  # remix off: direct
    sim.config.remix = True
    answer = (await press(client, grid, "variation::2")).json()
    assert answer["code"] == 21
    assert answer["properties"]["finalPrompt"] == "a garden"
    assert (await fetch(client, answer["result"]))["status"] == "MODAL"
    assert (await press(client, up, "upsample_v7_2x_subtle")).json()["code"] == 1  # upscales never need a modal


async def test_action_errors(sim: Simulator, client: httpx.AsyncClient) -> None:
    grid = await imagine_done(client, sim, "a fox")
    u = grid["properties"]["messageHash"]
    response = await client.post("/mj/submit/action", json={"taskId": grid["id"], "customId": "MJ::JOB::nope::1"})
    assert response.status_code == 200
    assert (response.json()["code"], response.json()["description"]) == (4, "未知的 Action 类型")
    up_id = (await press(client, grid, "upsample::1")).json()["result"]
    # A valid-looking customId that is not on this task's buttons.
    response = await client.post("/mj/submit/action", json={"taskId": grid["id"], "customId": f"MJ::BOOKMARK::{u}"})
    assert response.json()["code"] == 4
    # Parent not finished yet.
    response = await client.post(
        "/mj/submit/action", json={"taskId": up_id, "customId": f"MJ::JOB::low_variation::1::{u}::SOLO"}
    )
    assert (response.json()["code"], response.json()["description"]) == (4, "关联任务状态错误")
    sim.finish_now(up_id)
    up = await fetch(client, up_id)
    response = await press(client, up, "BOOKMARK")
    assert response.json()["code"] == 4
    # Missing parent.
    response = await client.post("/mj/submit/action", json={"taskId": "1700000000000123", "customId": "x"})
    assert response.status_code == 404
    assert response.json()["code"] == 3
    assert response.json()["description"] == "关联任务不存在或已失效"

    sim.config.dialect = "na"
    response = await press(client, up, "BOOKMARK")
    assert response.status_code == 400
    assert response.json() == {  # new-api's "<description> <result>", the result empty (docs/provider-api.md §3.2)
        "description": f"unknown_action:MJ::BOOKMARK::{up['properties']['messageHash']} ",
        "type": "upstream_error",
        "code": 4,
    }


# ---------------------------------------------------------------------------------------------- queries


async def test_list_by_condition_and_fallback(sim: Simulator, client: httpx.AsyncClient) -> None:
    ids = [(await submit(client, "submit/imagine", {**BOT, "prompt": f"p{i}"}))["result"] for i in range(3)]
    response = await client.post("/mj/task/list-by-condition", json={"ids": [*ids, "9999999999999999"]})
    assert response.status_code == 200
    assert sorted(t["id"] for t in response.json()) == sorted(ids)
    assert (await client.post("/mj/task/list-by-ids", json={"ids": ids[:1]})).status_code == 404  # TA's alias
    sim.config.dialect = "ta"
    alias = await client.post("/mj/task/list-by-ids", json={"ids": ids[:1]})
    assert [t["id"] for t in alias.json()] == ids[:1]
    sim.config.dialect = "plus"
    assert (await client.post("/mj/task/list-by-condition", json={})).json() == []
    listed = (await client.get("/mj/task/list")).json()
    assert [t["id"] for t in listed] == sorted(ids, reverse=True)

    sim.config.list_by_condition = False
    assert (await client.post("/mj/task/list-by-condition", json={"ids": ids})).status_code == 404
    assert (await fetch(client, ids[0]))["id"] == ids[0]  # fetch still works


async def test_fetch_unknown_per_dialect(sim: Simulator, client: httpx.AsyncClient) -> None:
    unknown = "/mj/task/1234567890123456/fetch"
    for dialect, status in (("plus", 200), ("nz", 200), ("ta", 204)):
        sim.config.dialect = dialect
        response = await client.get(unknown)
        assert (response.status_code, response.content) == (status, b"")
    sim.config.dialect = "na"
    response = await client.get(unknown)
    assert response.status_code == 400
    assert response.json() == {"code": 4, "description": "task_no_found"}


async def test_http_fault(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.http_fault = (502, "text/html", "<html>Bad Gateway</html>")
    response = await client.post("/mj/submit/imagine", json={**BOT, "prompt": "x"})
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == "<html>Bad Gateway</html>"
    assert (await client.get("/mj/task/1/fetch")).status_code == 502
    # The control routes stay reachable, so a demo can clear the fault.
    response = await client.post("/_sim/config", json={"http_fault": None, "queue_ahead": 2, "bogus": 1})
    assert response.status_code == 200
    assert response.json()["ignored"] == ["bogus"]
    assert sim.config.http_fault is None
    assert (await submit(client, "submit/imagine", {**BOT, "prompt": "x"}))["code"] == 22
    assert (await client.post("/_sim/config", json={"dialect": "klingon"})).status_code == 400


async def test_na_dialect_trimmed_task(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.dialect = "na"
    sim.config.queue_ahead = 1
    answer = await submit(client, "submit/imagine", {**BOT, "prompt": "a fox"})
    assert answer["code"] == 1  # 22 rewritten to 1
    task = await fetch(client, answer["result"])
    assert list(task) == NA_KEYS
    assert list(task["properties"]) == ["finalPrompt", "finalZhPrompt"]
    assert task["finishTime"] == 0
    assert task["imageUrl"] == ""
    sim.finish_now(task["id"])
    task = await fetch(client, task["id"])
    assert list(task) == NA_KEYS
    assert task["status"] == "SUCCESS"
    assert len(task["buttons"]) == 9

    sim.config.fail_reason = "Banned prompt detected"
    failed = await wait_done(client, (await submit(client, "submit/imagine", {**BOT, "prompt": "x"}))["result"])
    assert (failed["status"], failed["progress"], failed["failReason"]) == ("FAILURE", "100%", "Banned prompt detected")

    response = await client.post("/mj/submit/imagine", json={**BOT, "prompt": ""})
    assert response.status_code == 400
    assert response.json() == {"description": "prompt_is_required ", "type": "upstream_error", "code": 4}


async def test_ta_and_uniapi_shapes(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.dialect = "ta"
    grid = await imagine_done(client, sim, "a boat")
    assert grid["failReason"] == ""
    assert len(grid["imageUrls"]) == 4
    assert await png_size(client, grid["imageUrls"][1]["url"]) == (64, 64)
    assert grid["displays"]["status"] == "成功"
    assert grid["useTime"].endswith(" s")
    up_id = (await press(client, grid, "upsample::4")).json()["result"]
    sim.finish_now(up_id)
    up = await fetch(client, up_id)
    assert up["parentId"] == grid["id"]
    hd = await fetch(client, (await press(client, up, "upsample_v7_2x_subtle")).json()["result"])
    assert hd["action"] == "UPSCALE_HD"

    sim.config.dialect = "uniapi"
    answer = await submit(client, "submit/imagine", {**BOT, "prompt": "a boat"})
    assert isinstance(answer["result"], int)
    sim.finish_now(str(answer["result"]))
    response = await client.get(f"/mj/task/{answer['result']}/fetch")
    assert '"discordChannelId": 8774786694361674000' in response.text  # a bare big number
    task = response.json()
    assert task["description"] == "Submit success"
    assert isinstance(task["properties"]["discordInstanceId"], int)


async def test_prefixes_and_modes_recorded(sim: Simulator, client: httpx.AsyncClient) -> None:
    modes = {}
    for prefix in ("/mj", "/mj-fast/mj", "/mj-relax/mj", "/mj-turbo/mj"):
        answer = await submit(client, "submit/imagine", {**BOT, "prompt": "x"}, prefix=prefix)
        modes[prefix] = sim.tasks[answer["result"]].mode
        assert (await fetch(client, answer["result"], prefix=prefix))["id"] == answer["result"]
    assert modes == {"/mj": None, "/mj-fast/mj": "FAST", "/mj-relax/mj": "RELAX", "/mj-turbo/mj": "TURBO"}

    answer = await submit(client, "submit/imagine", {**BOT, "prompt": "x", "model": "mj-relax"}, prefix="/v1/mj")
    task = sim.tasks[answer["result"]]
    assert (task.prefix, task.mode, task.model) == ("/v1/mj", "RELAX", "mj-relax")
    sim.finish_now(task.id)
    fetched = await fetch(client, task.id, prefix="/v1/mj")
    assert fetched["properties"]["messageContent"].endswith("(relaxed)")
    swap = await client.post(
        "/mj-relax/mj/insight-face/swap", json={"sourceBase64": data_url(), "targetBase64": data_url()}
    )
    assert swap.json()["code"] == 1
    assert [r.path for r in sim.requests if r.method == "POST"][-2:] == [
        "/v1/mj/submit/imagine",
        "/mj-relax/mj/insight-face/swap",
    ]
    assert sim.requests[-1].json is not None
    assert sim.requests[-1].headers["Content-Type"] == sim.requests[-1].headers.get("content-type")
    assert sim.requests[-1].json["targetBase64"].startswith("data:image/png")


# ---------------------------------------------------------------------------------------------- other submits


async def test_describe_and_picreader(sim: Simulator, client: httpx.AsyncClient) -> None:
    image = data_url((20, 40, 220), (60, 40))
    answer = await submit(client, "submit/describe", {**BOT, "base64": image})
    assert answer["code"] == 1
    task = await wait_done(client, answer["result"])
    assert task["action"] == "DESCRIBE"
    text = task["properties"]["finalPrompt"]
    parts = text.split("\n\n")
    assert [p[:3] for p in parts] == ["1️⃣", "2️⃣", "3️⃣", "4️⃣"]
    assert all("blue" in p and p.endswith("--ar 3:2") for p in parts)
    assert (await client.get(task["imageUrl"])).content == base64.b64decode(image.split(",", 1)[1])
    assert [(b["customId"], b["emoji"], b["label"]) for b in task["buttons"]] == [
        ("MJ::Job::PicReader::1", "1️⃣", ""),
        ("MJ::Job::PicReader::2", "2️⃣", ""),
        ("MJ::Job::PicReader::3", "3️⃣", ""),
        ("MJ::Job::PicReader::4", "4️⃣", ""),
        ("MJ::Picread::Retry", "🔄", ""),
        ("MJ::Job::PicReader::all", "🎉", "Imagine all"),
    ]
    picked = (await press(client, task, "PicReader::3")).json()
    assert picked["code"] == 21
    assert picked["properties"]["finalPrompt"] == parts[2]
    ok = await submit(client, "submit/modal", {"taskId": picked["result"], "prompt": ""})
    assert ok["code"] == 1
    done = await wait_done(client, picked["result"])
    assert done["action"] == "IMAGINE"
    assert done["prompt"] == parts[2][3:].strip()
    retry = await wait_done(client, (await press(client, task, "Picread::Retry")).json()["result"])
    assert retry["action"] == "DESCRIBE"
    refused = (await press(client, task, "PicReader::all")).json()
    assert (refused["code"], refused["description"]) == (4, "不支持的操作: MJ::Job::PicReader::all")  # PLUS
    sim.config.dialect = "ta"
    all_ids = (await press(client, task, "PicReader::all")).json()["result"].split(",")
    assert len(all_ids) == 4
    assert all(i in sim.tasks for i in all_ids)
    assert (await submit(client, "submit/describe", {**BOT, "base64": "nope"}))["code"] == 4


async def test_blend_dimensions_and_validation(sim: Simulator, client: httpx.AsyncClient) -> None:
    one = await submit(client, "submit/blend", {**BOT, "base64Array": [data_url()]})
    assert (one["code"], one["description"]) == (4, "base64List参数错误")
    six = await submit(client, "submit/blend", {**BOT, "base64Array": [data_url()] * 6})
    assert six["code"] == 4
    answer = await submit(
        client,
        "submit/blend",
        {**BOT, "base64Array": [data_url((255, 0, 0)), data_url((0, 0, 255))], "dimensions": "PORTRAIT"},
    )
    assert answer["code"] == 1
    task = await wait_done(client, answer["result"])
    assert task["action"] == "BLEND"
    assert task["prompt"] == ""
    assert task["description"] == f"/blend {task['id']} 2"
    assert len(task["buttons"]) == 9
    assert await png_size(client, task["imageUrl"]) == (85, 128)


async def test_shorten(sim: Simulator, client: httpx.AsyncClient) -> None:
    answer = await submit(
        client, "submit/shorten", {**BOT, "prompt": "a very detailed portrait of the old king --ar 2:3"}
    )
    task = await wait_done(client, answer["result"])
    assert task["action"] == "SHORTEN"
    assert task["imageUrl"] is None
    text = task["properties"]["finalPrompt"]
    assert text.startswith("## Important tokens\n")
    assert "**portrait**" in text
    assert "~~the~~" in text
    shortened = text.split("## Shortened prompts\n", 1)[1].split("\n\n")
    assert [s[:3] for s in shortened] == ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣"]
    assert all(s.endswith("--ar 2:3") for s in shortened)
    u = task["properties"]["messageHash"]
    assert [b["customId"] for b in task["buttons"]][:5] == [f"MJ::Job::PromptAnalyzer::{u}::{n}" for n in range(1, 6)]
    assert task["buttons"][5]["label"] == "Show Details"
    picked = (await press(client, task, r"PromptAnalyzer::.+::2$")).json()
    assert picked["code"] == 21
    assert picked["properties"]["finalPrompt"] == shortened[1][3:].strip()
    assert (await submit(client, "submit/shorten", {**BOT, "prompt": ""}))["code"] == 4


async def test_swap_upload_seed_cancel(sim: Simulator, client: httpx.AsyncClient) -> None:
    missing = await submit(client, "insight-face/swap", {"sourceBase64": data_url()})
    assert missing["code"] == 4
    answer = await submit(
        client, "insight-face/swap", {"sourceBase64": data_url(), "targetBase64": data_url((0, 200, 0), (80, 40))}
    )
    swap = await wait_done(client, answer["result"])
    assert swap["action"] == "SWAP_FACE"
    assert swap["buttons"] == []
    assert await png_size(client, swap["imageUrl"]) == (128, 64)

    upload = await submit(client, "submit/upload-discord-images", {"base64Array": [data_url(), data_url()]})
    assert upload["code"] == 1
    assert isinstance(upload["result"], list)
    assert len(upload["result"]) == 2
    for url in upload["result"]:
        assert (await client.get(url)).status_code == 200
    assert (await submit(client, "submit/upload-discord-images", {"base64Array": []}))["code"] == 4

    seed_1 = await client.get(f"/mj/task/{swap['id']}/image-seed")
    seed_2 = await client.get(f"/mj/task/{swap['id']}/image-seed")
    assert seed_1.json()["code"] == 1
    assert seed_1.json()["result"].isdigit()
    assert seed_1.json()["result"] == seed_2.json()["result"]
    assert (await client.get("/mj/task/1111111111111111/image-seed")).status_code == 404

    sim.config.never_finish = True
    task_id = (await submit(client, "submit/imagine", {**BOT, "prompt": "forever"}))["result"]
    response = await client.post(f"/mj/task/{task_id}/cancel")
    assert (response.status_code, response.content) == (200, b"")
    assert (await fetch(client, task_id))["status"] == "CANCEL"
    assert (await client.get(f"/mj/task/{task_id}/image-seed")).status_code == 400


async def test_fail_reason_never_finish_and_control_routes(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.fail_reason = "[Invalid parameter] Unknown argument"
    failed = await wait_done(client, (await submit(client, "submit/imagine", {**BOT, "prompt": "x"}))["result"])
    assert (failed["status"], failed["progress"], failed["imageUrl"], failed["buttons"]) == ("FAILURE", "", None, [])
    assert failed["failReason"] == "[Invalid parameter] Unknown argument"

    sim.config.fail_reason = None
    sim.config.never_finish = True
    task_id = (await submit(client, "submit/imagine", {**BOT, "prompt": "stuck"}))["result"]
    stuck = await stuck_at_the_end(client, task_id)
    assert (stuck["status"], stuck["progress"]) == ("IN_PROGRESS", "93%")
    response = await client.post(f"/_sim/tasks/{task_id}/finish")
    assert response.status_code == 200
    assert response.json()["status"] == "SUCCESS"
    assert (await fetch(client, task_id))["status"] == "SUCCESS"
    listed = (await client.get("/_sim/tasks")).json()
    assert [t["id"] for t in listed] == [task_id, failed["id"]]
    assert (await client.post("/_sim/tasks/42/finish")).status_code == 404


async def test_legacy_change_endpoints(sim: Simulator, client: httpx.AsyncClient) -> None:
    grid = await imagine_done(client, sim, "a dog")
    answer = await submit(client, "submit/change", {"taskId": grid["id"], "action": "UPSCALE", "index": 2})
    assert answer["code"] == 1
    task = await fetch(client, answer["result"])
    assert (task["action"], task["description"]) == ("UPSCALE", f"/up {grid['id']} U2")
    answer = await submit(client, "submit/simple-change", {"content": f"{grid['id']} R"})
    assert (await fetch(client, answer["result"]))["action"] == "REROLL"
    assert (await submit(client, "submit/change", {"taskId": grid["id"], "action": "UPSCALE"}))["code"] == 4


# ---------------------------------------------------------------------------------------------- helpers (dialects)

SPRING_TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00"
HOUR_MS = 3_600_000


async def upscaled(client: httpx.AsyncClient, sim: Simulator, grid: dict[str, Any], cell: int) -> dict[str, Any]:
    """Press U<cell> on `grid` and finish the upscale."""
    answer = (await press(client, grid, f"upsample::{cell}::")).json()
    assert answer["code"] == 1, answer
    sim.finish_now(answer["result"])
    return await fetch(client, answer["result"])


def status_in_an_hour(sim: Simulator, task_id: str) -> str:
    """The status the simulator will report an hour from now (its state is a function of wall-clock time)."""
    return sim.tasks[task_id].phase(time.time() * 1000 + HOUR_MS).status


# ---------------------------------------------------------------------------------------------- NZ dialect


async def test_nz_tasks_carry_no_buttons_and_queue_lists_waiting_tasks(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.config.dialect = "nz"
    grid = await imagine_done(client, sim, "a cat")
    assert "buttons" not in grid  # novicezk's open-source Task has no such field (docs/provider-api.md §6.1)
    sim.config.queue_ahead, sim.config.queue_seconds = 1, 60.0
    waiting = [(await submit(client, "submit/imagine", {**BOT, "prompt": f"q{i}"}))["result"] for i in range(2)]
    sim.finish_now(waiting[0])
    by_ids = (await client.post("/mj/task/list-by-condition", json={"ids": [grid["id"], *waiting]})).json()
    listed = (await client.get("/mj/task/list")).json()
    queue = (await client.get("/mj/task/queue")).json()
    assert all("buttons" not in t for t in [*by_ids, *listed, *queue])
    assert [t["id"] for t in queue] == waiting[1:]  # only the task not started yet
    assert queue[0]["status"] == "NOT_START"
    sim.config.dialect = "plus"
    assert "buttons" in await fetch(client, grid["id"])


NZ_MISSING = [
    ("POST", "/mj/submit/action"),
    ("POST", "/mj/submit/modal"),
    ("POST", "/mj/submit/shorten"),
    ("POST", "/mj/submit/upload-discord-images"),
    ("POST", "/mj/insight-face/swap"),
    ("GET", "/mj/task/1234567890123456/image-seed"),
    ("POST", "/mj/task/1234567890123456/cancel"),
    ("POST", "/mj/task/list-by-ids"),
    ("POST", "/mj/submit/no-such-route"),
]


@pytest.mark.parametrize(("method", "path"), NZ_MISSING)
async def test_nz_lacks_plus_routes_with_spring_404(
    sim: Simulator, client: httpx.AsyncClient, method: str, path: str
) -> None:
    sim.config.dialect = "nz"
    response = await client.request(method, path, json={"taskId": "1", "customId": "x"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert re.fullmatch(SPRING_TIMESTAMP, body.pop("timestamp"))
    assert body == {"status": 404, "error": "Not Found", "path": path}
    assert sim.tasks == {}


@pytest.mark.parametrize(
    "path",
    [
        "/mj-fast/mj/submit/imagine",
        "/mj-relax/mj/submit/imagine",
        "/mj-turbo/mj/submit/imagine",
        "/v1/mj/submit/imagine",
    ],
)
async def test_nz_has_no_speed_roots_nor_v1(sim: Simulator, client: httpx.AsyncClient, path: str) -> None:
    sim.config.dialect = "nz"
    response = await client.post(path, json={**BOT, "prompt": "x", "model": "mj-fast"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")  # outside the /mj servlet context: Tomcat
    assert (await client.get(path.replace("submit/imagine", "task/1/fetch"))).status_code == 404
    assert sim.tasks == {}


async def test_nz_change_rules(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.dialect = "nz"
    sim.config.never_finish = True
    grid = await imagine_done(client, sim, "a dog")
    answer = await submit(client, "submit/change", {"taskId": grid["id"], "action": "UPSCALE", "index": 2})
    assert answer["code"] == 1
    sim.finish_now(answer["result"])
    up = await fetch(client, answer["result"])
    assert (up["action"], up["description"]) == ("UPSCALE", f"/up {grid['id']} U2")
    reroll = await submit(client, "submit/change", {"taskId": grid["id"], "action": "REROLL"})  # no index needed
    assert (await fetch(client, reroll["result"]))["action"] == "REROLL"
    variation = await submit(client, "submit/simple-change", {"content": f"{grid['id']} V3"})
    assert (await fetch(client, variation["result"]))["action"] == "VARIATION"

    refusals = [
        ({"taskId": grid["id"], "action": "UPSCALE"}, "index参数错误"),
        ({"taskId": grid["id"], "action": "VARIATION", "index": 5}, "index参数错误"),
        ({"taskId": grid["id"], "action": "upscale", "index": 1}, "action参数错误"),  # an enum: exact names
        ({"taskId": grid["id"], "action": "PAN", "index": 1}, "action参数错误"),
        ({"taskId": reroll["result"], "action": "UPSCALE", "index": 1}, "关联任务状态错误"),  # not finished yet
        ({"taskId": up["id"], "action": "UPSCALE", "index": 1}, "关联任务不允许执行变化"),  # only grids change
    ]
    for body, description in refusals:
        answer = await submit(client, "submit/change", body)
        assert (answer["code"], answer["description"]) == (4, description), body
    missing = await client.post("/mj/submit/change", json={"taskId": "1700000000000123", "action": "REROLL"})
    assert (missing.status_code, missing.json()["code"]) == (200, 3)  # NZ answers every SubmitResultVO with 200
    malformed = await client.post("/mj/submit/change", content=b"{nope", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert malformed.json()["error"] == "Bad Request"  # Spring refuses it before the controller


# ---------------------------------------------------------------------------------------------- change per dialect


async def test_ta_removed_the_change_endpoints(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.dialect = "ta"
    grid = await imagine_done(client, sim, "a dog")
    for path, body in (
        ("/mj/submit/change", {"taskId": grid["id"], "action": "UPSCALE", "index": 1}),
        ("/mj/submit/simple-change", {"content": f"{grid['id']} U1"}),
        ("/mj/task/queue", None),
    ):
        response = await client.request("GET" if body is None else "POST", path, json=body)
        assert (response.status_code, response.content) == (404, b""), path  # ASP.NET Core: empty body
    assert len(sim.tasks) == 1
    assert (await press(client, grid, "upsample::1::")).json()["code"] == 1  # /submit/action is the way


async def test_na_change_needs_a_nonzero_index_even_for_reroll(sim: Simulator, client: httpx.AsyncClient) -> None:
    grid = await imagine_done(client, sim, "a dog")
    sim.config.dialect = "na"
    for body in ({"action": "REROLL", "index": 0}, {"action": "REROLL"}, {"action": "UPSCALE"}):
        response = await client.post("/mj/submit/change", json={"taskId": grid["id"], **body})
        assert response.status_code == 400
        assert response.json() == {"description": "index_is_required ", "type": "upstream_error", "code": 4}
    response = await client.post("/mj/submit/change", json={"taskId": grid["id"], "index": 1})
    assert response.json()["description"] == "action_is_required "
    answer = await submit(client, "submit/change", {"taskId": grid["id"], "action": "REROLL", "index": 1})
    assert (await fetch(client, answer["result"]))["action"] == "REROLL"
    answer = await submit(client, "submit/simple-change", {"content": f"{grid['id']} R"})  # no index check there
    assert answer["code"] == 1
    response = await client.post("/mj/submit/simple-change", json={"content": f"{grid['id']} X9"})
    assert response.json()["description"] == "content_parse_failed "


@pytest.mark.parametrize("dialect", ["plus", "uniapi"])
async def test_plus_and_uniapi_keep_both_change_endpoints(
    sim: Simulator, client: httpx.AsyncClient, dialect: str
) -> None:
    sim.config.dialect = dialect
    grid = await imagine_done(client, sim, "a dog")
    change = await submit(client, "submit/change", {"taskId": grid["id"], "action": "REROLL", "index": 0})
    simple = await submit(client, "submit/simple-change", {"content": f"{grid['id']} V2"})
    assert (change["code"], simple["code"]) == (1, 1)


# ---------------------------------------------------------------------------------------------- botType


NEW_JOBS: dict[str, dict[str, Any]] = {
    "submit/imagine": {"prompt": "a cat"},
    "submit/blend": {"base64Array": [data_url(), data_url((0, 0, 200))]},
    "submit/describe": {"base64": data_url()},
    "submit/shorten": {"prompt": "a very big cat"},
}


@pytest.mark.parametrize("dialect", ["plus", "nz", "ta", "na", "uniapi"])
async def test_bot_type_is_required_on_new_jobs(sim: Simulator, client: httpx.AsyncClient, dialect: str) -> None:
    sim.config.dialect = dialect
    for route, body in NEW_JOBS.items():
        if dialect == "nz" and route == "submit/shorten":
            continue  # NZ has no shorten
        bots: list[dict[str, Any]] = [{}, {"botType": "DALL_E"}, {"botType": ""}, {"botType": 1}]
        if dialect != "ta":
            bots += [{"botType": "niji"}, {"botType": "mid_journey"}]  # only TA takes aliases or other cases
        for bot in bots:
            response = await client.post(f"/mj/{route}", json={**body, **bot})
            if dialect == "na":
                assert response.status_code == 400, (route, bot)
                assert response.json() == {"description": "botType参数错误 ", "type": "upstream_error", "code": 4}
            else:
                assert (response.json()["code"], response.json()["description"]) == (4, "botType参数错误"), (route, bot)
        answer = await submit(client, route, {**body, "botType": "NIJI_JOURNEY"})
        assert answer["code"] == 1, (route, answer)
        task = await fetch(client, str(answer["result"]))
        if dialect in ("ta", "na"):
            assert task["botType"] == "NIJI_JOURNEY"
        if dialect != "na":
            assert task["properties"]["botType"] == "NIJI_JOURNEY"


async def test_ta_bot_type_aliases_and_actions_keep_the_parents(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.dialect = "ta"
    for value, expected in (("mj", "MID_JOURNEY"), ("Niji", "NIJI_JOURNEY"), ("nIjI_jOuRnEy", "NIJI_JOURNEY")):
        answer = await submit(client, "submit/imagine", {"prompt": "x", "botType": value})
        assert sim.tasks[answer["result"]].bot_type == expected, value
    assert (await submit(client, "submit/imagine", {"prompt": "x", "botType": "nijijourney"}))["code"] == 4

    sim.config.dialect = "plus"
    answer = await submit(client, "submit/imagine", {"prompt": "a fox", "botType": "NIJI_JOURNEY"})
    sim.finish_now(answer["result"])
    grid = await fetch(client, answer["result"])
    custom_id = grid["buttons"][0]["customId"]
    up = await submit(client, "submit/action", {"taskId": grid["id"], "customId": custom_id, "botType": "MID_JOURNEY"})
    reroll = await submit(client, "submit/change", {"taskId": grid["id"], "action": "REROLL"})  # no botType
    for task_id in (up["result"], reroll["result"]):
        assert (await fetch(client, task_id))["properties"]["botType"] == "NIJI_JOURNEY"


# ---------------------------------------------------------------------------------------------- /v1/mj


V1_SUBMITS = [
    "submit/imagine",
    "submit/action",
    "submit/modal",
    "submit/blend",
    "submit/describe",
    "submit/shorten",
    "insight-face/swap",
    "submit/upload-discord-images",
    "submit/change",
    "submit/simple-change",
]


async def test_v1_root_requires_a_documented_model(sim: Simulator, client: httpx.AsyncClient) -> None:
    # Seed S3 documents only "mj-fast" and "mj-relax"; a missing model is no longer taken as fast.
    for route in V1_SUBMITS:
        bad_models: list[dict[str, Any]] = [{}, {"model": "mj-turbo"}, {"model": "MJ-FAST"}, {"model": ["mj-fast"]}]
        for bad in bad_models:
            answer = await submit(client, route, {**BOT, "prompt": "x", **bad}, prefix="/v1/mj")
            assert (answer["code"], answer["description"]) == (4, "model参数错误"), (route, bad)
    assert sim.tasks == {}
    modes = {}
    for model in ("mj-fast", "mj-relax"):
        answer = await submit(client, "submit/imagine", {**BOT, "prompt": "x", "model": model}, prefix="/v1/mj")
        modes[model] = sim.tasks[answer["result"]].mode
    assert modes == {"mj-fast": "FAST", "mj-relax": "RELAX"}
    grid_id = answer["result"]
    sim.finish_now(grid_id)
    grid = await fetch(client, grid_id, prefix="/v1/mj")
    body = {"taskId": grid_id, "customId": grid["buttons"][0]["customId"]}
    assert (await submit(client, "submit/action", body, prefix="/v1/mj"))["code"] == 4
    assert (await submit(client, "submit/action", {**body, "model": "mj-fast"}, prefix="/v1/mj"))["code"] == 1


# ---------------------------------------------------------------------------------------------- repeated upscale


async def test_repeated_upscale_is_accepted_and_never_answered(sim: Simulator, client: httpx.AsyncClient) -> None:
    # Midjourney does not upscale the same cell twice (docs/provider-api.md §8 row 1, §12 "Repeated upscale").
    grid = await imagine_done(client, sim, "a red fox")
    first = await upscaled(client, sim, grid, 1)
    assert first["status"] == "SUCCESS"
    grid = await fetch(client, grid["id"])  # U1 is now marked as used

    again = [
        (await press(client, grid, "upsample::1::")).json(),
        await submit(client, "submit/change", {"taskId": grid["id"], "action": "UPSCALE", "index": 1}),
        await submit(client, "submit/simple-change", {"content": f"{grid['id']} U1"}),
    ]
    assert [a["code"] for a in again] == [1, 1, 1]
    ids = [a["result"] for a in again]
    assert len({first["id"], *ids}) == 4  # each press is a new task
    for task_id in ids:
        assert (await fetch(client, task_id))["status"] == "SUBMITTED"
        assert status_in_an_hour(sim, task_id) == "SUBMITTED"  # never IN_PROGRESS, never SUCCESS
    listed = {t["id"]: t["_sim"] for t in (await client.get("/_sim/tasks")).json()}
    assert [listed[i]["unanswered"] for i in (first["id"], *ids)] == [False, True, True, True]

    # Only the proxy can end it: forcing it gives the proxy's timeout.
    sim.finish_now(ids[0])
    timed_out = await fetch(client, ids[0])
    assert (timed_out["status"], timed_out["failReason"], timed_out["buttons"]) == ("FAILURE", "任务超时", [])

    # Other cells, and cells whose first upscale failed, upscale normally.
    assert (await upscaled(client, sim, grid, 2))["status"] == "SUCCESS"
    sim.config.fail_reason = "[Failed] upscale failed"
    assert (await upscaled(client, sim, grid, 3))["status"] == "FAILURE"
    sim.config.fail_reason = None
    retry = await upscaled(client, sim, grid, 3)
    assert (retry["status"], retry["action"]) == ("SUCCESS", "UPSCALE")
    assert status_in_an_hour(sim, (await press(client, grid, "upsample::4::")).json()["result"]) == "SUCCESS"


async def test_repeated_upscale_through_nz_change(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.dialect = "nz"  # v2.6.x no longer answers code 21 "existing task" (NZ PR #334)
    grid = await imagine_done(client, sim, "a dog")
    body = {"taskId": grid["id"], "action": "UPSCALE", "index": 4}
    first, second = await submit(client, "submit/change", body), await submit(client, "submit/change", body)
    assert (first["code"], second["code"]) == (1, 1)
    assert status_in_an_hour(sim, first["result"]) == "SUCCESS"
    assert status_in_an_hour(sim, second["result"]) == "SUBMITTED"


# ---------------------------------------------------------------------------------------------- animate, bookmark


async def test_ta_upscales_offer_animate_and_bookmark(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.dialect = "ta"
    grid = await imagine_done(client, sim, "a horse")
    up = await upscaled(client, sim, grid, 1)
    u = up["properties"]["messageHash"]
    buttons = [(b["customId"], b["label"], b["emoji"]) for b in up["buttons"]]
    assert len(buttons) == 15  # the 16 v7 components of docs/provider-api.md §8 notes, less the Web link
    assert [c for c, _, _ in buttons[:12]] == [
        f"MJ::JOB::upsample_v7_2x_subtle::1::{u}::SOLO",
        f"MJ::JOB::upsample_v7_2x_creative::1::{u}::SOLO",
        f"MJ::JOB::low_variation::1::{u}::SOLO",
        f"MJ::JOB::high_variation::1::{u}::SOLO",
        f"MJ::Inpaint::1::{u}::SOLO",
        f"MJ::Outpaint::50::1::{u}::SOLO",
        f"MJ::Outpaint::75::1::{u}::SOLO",
        f"MJ::CustomZoom::{u}",
        f"MJ::JOB::pan_left::1::{u}::SOLO",
        f"MJ::JOB::pan_right::1::{u}::SOLO",
        f"MJ::JOB::pan_up::1::{u}::SOLO",
        f"MJ::JOB::pan_down::1::{u}::SOLO",
    ]
    assert buttons[12:] == [
        (f"MJ::JOB::animate_high::1::{u}::SOLO", "Animate (High motion)", "🎞️"),
        (f"MJ::JOB::animate_low::1::{u}::SOLO", "Animate (Low motion)", "🎞️"),
        (f"MJ::BOOKMARK::{u}", "", "❤️"),
    ]
    animate = (await press(client, up, "animate_high")).json()
    assert animate["code"] == 1  # a video grid (docs/provider-api.md §9.5): see the video tests below
    assert sim.tasks[animate["result"]].action == "VIDEO"
    bookmark = (await press(client, up, "BOOKMARK")).json()
    assert (bookmark["code"], bookmark["description"]) == (4, "未知的 Action 类型")
    hd = await fetch(client, (await press(client, up, "upsample_v7_2x_subtle")).json()["result"])
    sim.finish_now(hd["id"])
    hd = await fetch(client, hd["id"])
    assert [b["label"] for b in hd["buttons"]] == [
        "Redo Upscale (Subtle)",
        "Redo Upscale (Creative)",
        "Vary (Subtle)",
        "Vary (Strong)",
        "Animate (High motion)",
        "Animate (Low motion)",
        "",
    ]

    sim.config.dialect = "na"  # new-api passes on the TA proxy's Animate buttons, and refuses them (§7)
    na_up = await upscaled(client, sim, grid, 3)
    assert [b["label"] for b in na_up["buttons"]][12:14] == ["Animate (High motion)", "Animate (Low motion)"]
    response = await press(client, up, "animate_low")
    assert response.status_code == 400
    assert response.json()["description"] == f"unknown_action:MJ::JOB::animate_low::1::{u}::SOLO "
    sim.config.dialect = "plus"
    assert (await press(client, up, "animate_low")).json()["description"] == "未知的 Action 类型"
    plus_up = await upscaled(client, sim, grid, 2)
    assert not any("animate" in b["customId"] for b in plus_up["buttons"])
    assert plus_up["buttons"][-1]["customId"].startswith("MJ::BOOKMARK::")

    sim.config.dialect = "nz"  # NZ's upscales have no buttons, ❤️ included
    answer = await submit(client, "submit/change", {"taskId": grid["id"], "action": "UPSCALE", "index": 3})
    assert not any("BOOKMARK" in b["customId"] for b in sim.tasks[answer["result"]].buttons)


# ---------------------------------------------------------------------------------------------- other refusals


async def test_missing_routes_per_dialect(sim: Simulator, client: httpx.AsyncClient) -> None:
    grid = await imagine_done(client, sim, "a dog")
    listings = ("/mj/task/list", "/mj/task/queue")
    for path in listings:
        assert (await client.get(path)).status_code == 200
    # new-api routes neither list nor queue nor cancel: its web dashboard answers (HTTP 200, HTML).
    for dialect in ("na", "uniapi"):
        sim.config.dialect = dialect
        for method, path in (
            *(("GET", p) for p in listings),
            ("POST", f"/mj/task/{grid['id']}/cancel"),
            ("POST", "/mj/task/list-by-ids"),
        ):
            response = await client.request(method, path)
            if dialect == "na":
                assert response.status_code == 200, path
                assert response.headers["content-type"].startswith("text/html"), path
            else:
                assert response.status_code == 404, path
                assert response.json()["error"]["type"] == "invalid_request_error"
    assert (await fetch(client, grid["id"]))["status"] == "SUCCESS"  # the cancel did not reach it
    sim.config.dialect = "plus"
    sim.config.list_by_condition = False
    response = await client.post("/mj/task/list-by-condition", json={"ids": [grid["id"]]})
    assert response.status_code == 404
    assert response.json()["path"] == "/mj/task/list-by-condition"  # Spring's body, like any missing route


async def test_ta_cancel_writes_failure(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.dialect = "ta"
    sim.config.never_finish = True
    task_id = (await submit(client, "submit/imagine", {**BOT, "prompt": "forever"}))["result"]
    response = await client.post(f"/mj/task/{task_id}/cancel")
    assert (response.status_code, response.content) == (200, b"")
    task = await fetch(client, task_id)
    assert (task["status"], task["failReason"]) == ("FAILURE", "取消任务")  # TA: FAILURE, not CANCEL


async def test_ta_lets_only_its_admins_cancel(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.dialect, sim.config.admin_key, sim.config.never_finish = "ta", False, True
    task_id = (await submit(client, "submit/imagine", {**BOT, "prompt": "forever"}))["result"]
    response = await client.post(f"/mj/task/{task_id}/cancel")
    assert (response.status_code, response.text) == (400, "演示模式，禁止操作")
    assert (await fetch(client, task_id))["status"] not in TERMINAL  # it goes on


async def test_the_chat_endpoint_answers_like_openai_and_fails_on_request(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": "x"}, {"role": "user", "content": "一只猫"}],
    }
    answer = (await client.post("/v1/chat/completions", json=body)).json()
    assert answer["object"] == "chat.completion"
    assert answer["model"] == "gpt-4o-mini"
    assert answer["choices"][0]["message"] == {"role": "assistant", "content": "a cat"}
    assert (await client.post("/v1/chat/completions", json={"messages": []})).status_code == 400
    sim.config.chat_status = 503
    failed = await client.post("/v1/chat/completions", json=body)
    assert failed.status_code == 503
    assert failed.json()["error"]["type"] == "upstream_error"
    sim.config.chat_status, sim.config.chat = 200, False
    assert (await client.post("/v1/chat/completions", json=body)).status_code == 404
    sim.config.chat, sim.config.chat_delay = True, 1.0
    with pytest.raises(httpx.ReadTimeout):
        await client.post("/v1/chat/completions", json=body, timeout=0.2)


async def test_describe_link_and_imagine_base64_are_dialect_features(sim: Simulator, client: httpx.AsyncClient) -> None:
    link = {**BOT, "link": "https://example.com/cat.png"}
    answer = await submit(client, "submit/describe", link)
    assert (answer["code"], answer["description"]) == (4, "base64不能为空")  # only TA takes a link
    sim.config.dialect = "ta"
    assert (await submit(client, "submit/describe", link))["code"] == 1
    blend = await submit(client, "submit/blend", {**BOT, "base64Array": [data_url()]})
    assert blend["description"] == "图片参数错误，2~5张图片"

    single = {**BOT, "prompt": "a cat", "base64": data_url()}  # NZ's deprecated single image
    sim.config.dialect = "plus"
    ignored = await fetch(client, (await submit(client, "submit/imagine", single))["result"])
    assert ignored["prompt"] == "a cat"
    sim.config.dialect = "nz"
    used = await fetch(client, (await submit(client, "submit/imagine", single))["result"])
    assert used["prompt"].startswith(sim.base_url + "/images/")
    assert used["prompt"].endswith(" a cat")


def test_run_simulator_stops_cleanly_on_ctrl_c() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = f"from bot.simulator import run_simulator; run_simulator('127.0.0.1', {port})"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
    ) as proc:
        assert proc.stdout is not None
        line = ""
        while "MJ_BASE_URL=" not in line:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "no output"
        assert line.strip() == f"MJ_BASE_URL=http://127.0.0.1:{port}"
        response = httpx.post(f"http://127.0.0.1:{port}/mj/submit/imagine", json={**BOT, "prompt": "x"})
        assert response.json()["code"] == 1
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")


# ---------------------------------------------------------------------------------------------- notifyHook callbacks


class HookSink:
    """A notifyHook receiver: records each POST (Content-Type, JSON body) and answers `status`."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.status = 200
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((request.headers.get("Content-Type", ""), await request.json()))
        return web.Response(status=self.status, text="ok")


@pytest.fixture
async def hook() -> AsyncIterator[HookSink]:
    sink = HookSink()
    app = web.Application()
    app.router.add_post("/hook", sink.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = next(a[1] for a in runner.addresses if isinstance(a, tuple))
    sink.url = f"http://127.0.0.1:{port}/hook?token=s3cret"  # the bot authenticates callbacks itself (§11)
    try:
        yield sink
    finally:
        await runner.cleanup()


async def wait_callbacks(sim: Simulator, count: int) -> list[CallbackAttempt]:
    deadline = asyncio.get_running_loop().time() + 5.0
    while len(sim.callbacks) < count:
        assert asyncio.get_running_loop().time() < deadline, [
            (c.body["status"], c.body["progress"]) for c in sim.callbacks
        ]
        await asyncio.sleep(0.01)
    return sim.callbacks


async def settle(sim: Simulator) -> None:
    """Until the callback ticker has looked twice more (or has nothing left to watch) and everything it sent
    has been delivered."""
    notifier = sim._notifier
    done = notifier.ticks + 2
    deadline = asyncio.get_running_loop().time() + 5.0
    while (notifier.ticks < done and notifier.watched) or notifier.delivering:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.01)


def quick(sim: Simulator) -> None:
    """A short lifecycle: the ticker still reports each step, it lists changes rather than sampling them."""
    sim.config.submitted_seconds, sim.config.render_seconds = 0.02, 0.07


def steps_of(attempts: list[CallbackAttempt]) -> list[tuple[str, str]]:
    return [(a.body["status"], a.body["progress"]) for a in attempts]


LIFECYCLE = [
    ("SUBMITTED", "0%"),
    *(("IN_PROGRESS", f"{p}%") for p in (0, 15, 31, 46, 62, 78, 93)),
    ("SUCCESS", "100%"),
]


@pytest.mark.parametrize("dialect", ["plus", "nz", "ta", "uniapi"])
async def test_notify_hook_reports_every_step_with_the_fetch_json(
    sim: Simulator, client: httpx.AsyncClient, hook: HookSink, dialect: str
) -> None:
    sim.config.dialect = dialect
    quick(sim)
    body = {**BOT, "prompt": "a fox", "state": "job-7", "notifyHook": hook.url}
    task_id = str((await submit(client, "submit/imagine", body))["result"])
    await wait_done(client, task_id)
    attempts = await wait_callbacks(sim, len(LIFECYCLE))
    await settle(sim)
    assert steps_of(sim.callbacks) == LIFECYCLE  # each progress step, once, in order; none for NOT_START
    assert [a.body for a in attempts] == [b for _, b in hook.received]
    assert {ct for ct, _ in hook.received} == {"application/json"}
    assert all((a.task_id, a.url, a.status, a.error) == (task_id, hook.url, 200, None) for a in attempts)
    assert all(a.body["state"] == "job-7" for a in attempts)  # correlation (§11)
    assert [a.time for a in attempts] == sorted(a.time for a in attempts)
    assert attempts[-1].body == await fetch(client, task_id)  # exactly what fetch returns
    if dialect != "nz":
        assert len(attempts[-1].body["buttons"]) == 9
        assert attempts[0].body["buttons"] == []
    in_progress = [a.body for a in attempts if a.body["status"] == "IN_PROGRESS"]
    assert all(b["imageUrl"] and b["progress"].rstrip("%") in b["imageUrl"] for b in in_progress)  # previews
    assert sim._notifier.watched == 0  # a task that reported its end is not looked at any more


async def test_notify_hook_failures_are_logged_once_and_never_retried(
    sim: Simulator, client: httpx.AsyncClient, hook: HookSink, caplog: pytest.LogCaptureFixture
) -> None:
    hook.status = 502
    task_id = (await submit(client, "submit/imagine", {**BOT, "prompt": "x", "notifyHook": hook.url}))["result"]
    sim.finish_now(task_id)  # from SUBMITTED straight to SUCCESS: two changes
    attempts = await wait_callbacks(sim, 2)
    await settle(sim)
    assert steps_of(sim.callbacks) == [("SUBMITTED", "0%"), ("SUCCESS", "100%")]
    assert [(a.status, a.error) for a in attempts] == [(502, "HTTP 502")] * 2
    assert len(hook.received) == 2  # one attempt per change
    assert "not retried" in caplog.text

    with socket.socket() as s:  # a port nobody listens on: a network error
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/hook"
    sim.callbacks.clear()
    other = (await submit(client, "submit/imagine", {**BOT, "prompt": "x", "notifyHook": dead}))["result"]
    sim.finish_now(other)
    attempts = await wait_callbacks(sim, 2)
    await settle(sim)
    assert len(sim.callbacks) == 2
    assert all(a.status is None and a.error and a.url == dead for a in attempts)
    listed = (await client.get("/_sim/callbacks")).json()
    assert [c["task_id"] for c in listed] == [other, other]
    assert listed[0]["error"] == attempts[0].error
    assert listed[0]["body"]["status"] == "SUBMITTED"


async def test_notify_hook_switched_off_delayed_and_dropped_by_new_api(
    sim: Simulator, client: httpx.AsyncClient, hook: HookSink
) -> None:
    quick(sim)
    response = await client.post("/_sim/config", json={"callbacks": False, "callback_delay": 0.15})
    assert response.json()["ignored"] == []
    assert (sim.config.callbacks, sim.config.callback_delay) == (False, 0.15)
    got = (await client.get("/_sim/config")).json()
    assert (got["callbacks"], got["callback_delay"], got["video_size_bytes"]) == (False, 0.15, None)
    assert (await client.post("/_sim/config", json={"callbacks": "yes"})).status_code == 400
    assert (await client.post("/_sim/config", json={"callback_delay": -1})).status_code == 400

    sim.config.never_finish = True
    task_id = (await submit(client, "submit/imagine", {**BOT, "prompt": "x", "notifyHook": hook.url}))["result"]
    await stuck_at_the_end(client, task_id)  # SUBMITTED and every progress step happen while switched off
    await settle(sim)
    assert sim.callbacks == []
    sim.config.callbacks = True  # what happened meanwhile is lost; the next change arrives, held back 0.15 s
    finished_at = time.time()
    sim.finish_now(task_id)
    attempts = await wait_callbacks(sim, 1)
    await settle(sim)
    assert steps_of(sim.callbacks) == [("SUCCESS", "100%")]
    assert attempts[0].time - finished_at >= 0.14

    sim.config.callback_delay = 0.0
    sim.config.dialect = "na"  # new-api deletes notifyHook unless MjNotifyEnabled (§5, §11)
    na_id = (await submit(client, "submit/imagine", {**BOT, "prompt": "x", "notifyHook": hook.url}))["result"]
    sim.config.dialect = "plus"
    bad = (await submit(client, "submit/imagine", {**BOT, "prompt": "x", "notifyHook": "ftp://example/h"}))["result"]
    assert sim._notifier.watched == 0  # neither is followed: new-api dropped one, the other is not http(s)
    sim.finish_now(na_id)
    sim.finish_now(bad)
    await settle(sim)
    assert sim.tasks[na_id].notify_hook is None
    assert len(sim.callbacks) == 1


async def test_notify_hook_modal_cancel_and_many_tasks(
    sim: Simulator, client: httpx.AsyncClient, hook: HookSink
) -> None:
    quick(sim)
    sim.config.never_finish = True
    for i in range(30):  # tasks without a hook cost the ticker nothing
        await submit(client, "submit/imagine", {**BOT, "prompt": f"p{i}"})
    sim.config.never_finish = False
    grid = await imagine_done(client, sim, "a garden")
    sim.config.remix = True
    body = {"taskId": grid["id"], "customId": grid["buttons"][5]["customId"], "notifyHook": hook.url}
    modal = await submit(client, "submit/action", body)
    assert modal["code"] == 21
    assert sim._notifier.watched == 1
    await settle(sim)
    assert sim.callbacks == []  # MODAL is not reported (§11)
    assert (await submit(client, "submit/modal", {"taskId": modal["result"], "prompt": "a garden, rain"}))["code"] == 1
    await wait_done(client, modal["result"])
    await wait_callbacks(sim, len(LIFECYCLE))
    await settle(sim)
    assert steps_of(sim.callbacks) == LIFECYCLE
    assert sim.callbacks[-1].body["properties"]["finalPrompt"] == "a garden, rain"

    sim.callbacks.clear()
    sim.config.never_finish = True
    task_id = (await submit(client, "submit/imagine", {**BOT, "prompt": "x", "notifyHook": hook.url}))["result"]
    await wait_callbacks(sim, 1)
    assert (await client.post(f"/mj/task/{task_id}/cancel")).status_code == 200
    await wait_callbacks(sim, 2)
    await settle(sim)
    assert steps_of(sim.callbacks)[0] == ("SUBMITTED", "0%")
    assert steps_of(sim.callbacks)[-1] == ("CANCEL", "")  # PLUS: status CANCEL
    assert sim._notifier.watched == 0


def test_ta_reports_only_forward_moves_nz_every_change() -> None:
    # TA sends a callback only when status:progress moved forward; NZ on every saved change (§11).
    assert _reported("ta", None, ("SUBMITTED", 0))
    assert _reported("ta", ("SUBMITTED", 0), ("IN_PROGRESS", 0))
    assert _reported("ta", ("IN_PROGRESS", 15), ("IN_PROGRESS", 31))
    assert not _reported("ta", ("IN_PROGRESS", 31), ("IN_PROGRESS", 31))  # a duplicate
    assert not _reported("ta", ("IN_PROGRESS", 31), ("IN_PROGRESS", 15))  # a regression
    assert not _reported("ta", ("IN_PROGRESS", 31), ("SUBMITTED", 0))
    assert _reported("ta", ("IN_PROGRESS", 93), ("FAILURE", 0))
    assert _reported("nz", ("IN_PROGRESS", 31), ("IN_PROGRESS", 15))
    assert not _reported("nz", ("IN_PROGRESS", 31), ("IN_PROGRESS", 31))
    assert not any(_reported(d, None, (s, 0)) for d in ("nz", "ta") for s in ("NOT_START", "MODAL"))


# ---------------------------------------------------------------------------------------------- video


def mp4_boxes(data: bytes) -> list[tuple[bytes, int]]:
    """The top-level ISO BMFF boxes (type, size) of an MP4."""
    out, offset = [], 0
    while offset < len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        assert size >= 8, (kind, size)
        out.append((kind, size))
        offset += size
    assert offset == len(data)
    return out


def probe(data: bytes) -> tuple[str, str, int, int, int, float]:
    """(codec, pix_fmt, width, height, frames decoded, seconds) of an MP4, decoded with PyAV."""
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.video[0]
        frames = len(list(container.decode(stream)))
        ctx = stream.codec_context
        assert container.duration is not None
        return ctx.name, ctx.pix_fmt or "", ctx.width, ctx.height, frames, container.duration / 1_000_000


async def mp4(client: httpx.AsyncClient, url: str) -> bytes:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "video/mp4"
    return response.content


async def ta_upscale(client: httpx.AsyncClient, sim: Simulator, prompt: str = "a horse --ar 3:2") -> dict[str, Any]:
    sim.config.dialect = "ta"
    return await upscaled(client, sim, await imagine_done(client, sim, prompt), 1)


async def finished(client: httpx.AsyncClient, sim: Simulator, answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["code"] == 1, answer
    sim.finish_now(str(answer["result"]))
    return await fetch(client, str(answer["result"]))


async def test_ta_animate_gives_a_video_grid_of_real_mp4_clips(sim: Simulator, client: httpx.AsyncClient) -> None:
    up = await ta_upscale(client, sim)
    answer = (await press(client, up, "animate_high")).json()
    assert answer["code"] == 1
    running = await fetch(client, answer["result"])
    assert (running["action"], running["videoUrl"], running["videoUrls"], running["buttons"]) == ("VIDEO", None, [], [])
    assert running["status"] in ("SUBMITTED", "IN_PROGRESS")
    video = await finished(client, sim, answer)
    assert (video["status"], video["action"], video["parentId"]) == ("SUCCESS", "VIDEO", up["id"])
    assert video["properties"]["finalPrompt"] == "a horse --ar 3:2 --motion high --video 1"
    u = video["properties"]["messageHash"]
    assert [(b["customId"], b["label"]) for b in video["buttons"]] == [
        (f"MJ::JOB::video_virtual_upscale::{n}::{u}", f"U{n}") for n in range(1, 5)
    ]
    clips = [v["url"] for v in video["videoUrls"]]
    assert len(clips) == 4
    assert video["videoUrl"] == clips[0]
    assert [v["thumbnail"] for v in video["videoUrls"]] == [i["url"] for i in video["imageUrls"]]
    assert video["thumbnailUrl"] == video["imageUrls"][0]["url"]
    assert (video["width"], video["height"], video["contentType"]) == (64, 42, "image/webp")  # the upscale's 3:2

    data = await mp4(client, clips[0])
    assert 1_000 < len(data) < 100_000
    assert [kind for kind, _ in mp4_boxes(data)][:2] == [b"ftyp", b"moov"]  # faststart: moov before mdat
    assert probe(data) == ("h264", "yuv420p", 64, 42, 16, 2.0)  # 2 s at 8 fps
    others = {await mp4(client, url) for url in clips[1:]}
    assert data not in others
    assert len(others) == 3  # four different clips
    assert await mp4(client, clips[0]) == data  # rendered once, the same every time

    webp = await client.get(video["imageUrl"])
    assert webp.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(webp.content)) as img:
        assert (img.format, getattr(img, "is_animated", False), getattr(img, "n_frames", 1)) == ("WEBP", True, 16)
    assert await png_size(client, video["imageUrls"][2]["url"]) == (64, 42)
    assert (await client.get(f"/videos/{video['id']}_v5.mp4")).status_code == 404

    low = await finished(client, sim, (await press(client, up, "animate_low")).json())
    assert low["properties"]["finalPrompt"].endswith("--motion low --video 1")
    assert await mp4(client, low["videoUrl"]) != data  # less motion, other frames


async def test_pick_a_clip_then_extend_it_in_remix_mode(sim: Simulator, client: httpx.AsyncClient) -> None:
    up = await ta_upscale(client, sim)
    grid = await finished(client, sim, (await press(client, up, "animate_low")).json())
    picked = await finished(client, sim, (await press(client, grid, "video_virtual_upscale::2::")).json())
    assert (picked["action"], picked["description"]) == ("VIDEO", f"/up {grid['id']} U2")
    assert picked["videoUrls"] == [{"url": picked["videoUrl"], "thumbnail": picked["imageUrls"][0]["url"]}]
    assert await mp4(client, picked["videoUrl"]) == await mp4(client, grid["videoUrls"][1]["url"])  # that clip
    u = picked["properties"]["messageHash"]
    assert [(b["customId"], b["label"], b["emoji"]) for b in picked["buttons"]] == [
        (f"MJ::JOB::animate_high_extend::1::{u}", "Extend (High motion)", "🎞️"),
        (f"MJ::JOB::animate_low_extend::1::{u}", "Extend (Low motion)", "🎞️"),
    ]
    with Image.open(io.BytesIO((await client.get(picked["imageUrl"])).content)) as img:
        assert img.size == (64, 42)  # one clip, not a grid

    refused = (await press(client, picked, "animate_high_extend")).json()  # Discord accounts: remix needed (§9.5)
    assert (refused["code"], refused["result"]) == (9, None)
    sim.config.remix = True
    answer = (await press(client, picked, "animate_high_extend")).json()
    assert answer["code"] == 21  # "remix only" (§8 row 17)
    assert answer["properties"]["finalPrompt"] == picked["properties"]["finalPrompt"]
    assert (await fetch(client, answer["result"]))["status"] == "MODAL"
    ok = await submit(client, "submit/modal", {"taskId": answer["result"], "prompt": "the horse gallops away"})
    assert ok["code"] == 1
    extended = await wait_done(client, answer["result"])
    assert extended["properties"]["finalPrompt"] == "the horse gallops away --motion high --video 1"
    assert probe(await mp4(client, extended["videoUrl"]))[4:] == (48, 6.0)  # 4 s more
    assert [b["label"] for b in extended["buttons"]] == ["Extend (High motion)", "Extend (Low motion)"]

    animate = (await press(client, up, "animate_high")).json()  # remix on: Animate waits for the modal too
    assert animate["code"] == 21
    sim.finish_now(animate["result"])
    assert len((await fetch(client, animate["result"]))["videoUrls"]) == 4

    sim.config.dialect = "na"  # new-api's whitelist knows none of the video buttons (§7)
    for target, pattern in ((grid, "video_virtual_upscale"), (picked, "animate_low_extend")):
        response = await press(client, target, pattern)
        assert response.status_code == 400
        assert response.json()["description"].startswith("unknown_action:MJ::JOB::")
    sim.config.dialect = "plus"
    assert (await press(client, grid, "video_virtual_upscale")).json()["description"] == "未知的 Action 类型"


async def test_ta_submit_video(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.dialect = "ta"
    image = data_url((30, 160, 60), (80, 40))
    body = {"prompt": "waves", "image": image, "motion": "HIGH", "batchSize": 2, "loop": True, "state": "v-1"}
    answer = await submit(client, "submit/video", body)
    video = await finished(client, sim, answer)
    assert (video["action"], video["description"], video["state"]) == ("VIDEO", "/video waves", "v-1")
    assert video["videoType"] == "vid_1.1_i2v_480"
    start_url = video["properties"]["finalPrompt"].split(" ")[0]
    assert (await client.get(start_url)).content == base64.b64decode(image.split(",", 1)[1])  # uploaded like TA
    assert video["properties"]["finalPrompt"] == f"{start_url} waves --video 1 --end loop --motion high --bs 2"
    assert video["baseImageUrl"] == start_url
    assert len(video["videoUrls"]) == 2
    assert len(video["buttons"]) == 2
    codec, _, width, height, frames, _ = probe(await mp4(client, video["videoUrl"]))
    assert (codec, width, height, frames) == ("h264", 80, 40, 16)  # the image's 2:1

    own = await imagine_done(client, sim, "a cat --ar 2:3")  # one of the simulator's own images as the start
    sim.config.video_size_bytes = None
    from_url = await finished(
        client, sim, await submit(client, "submit/video", {"prompt": "cat", "image": own["imageUrls"][0]["url"]})
    )
    assert len(from_url["videoUrls"]) == 4  # batchSize defaults to 4, motion to low
    assert from_url["properties"]["finalPrompt"].endswith(" cat --video 1 --motion low")
    assert probe(await mp4(client, from_url["videoUrls"][3]["url"]))[2:4] == (42, 64)  # the cell's 2:3
    external = {"prompt": "x", "image": "https://example.com/a.png", "endImage": data_url(), "batchSize": 1}
    ended = await finished(client, sim, await submit(client, "submit/video", external))
    assert " --end http" in ended["properties"]["finalPrompt"]
    assert ended["properties"]["finalPrompt"].endswith(" --bs 1")
    assert len(await mp4(client, ended["videoUrl"])) > 0

    refusals: list[tuple[dict[str, Any], int, str]] = [
        ({"image": image}, 4, "prompt不能为空"),
        ({"prompt": "x"}, 4, "image不能为空"),
        ({"prompt": "x", "image": image, "motion": "medium"}, 4, "motion参数错误"),
        ({"prompt": "x", "image": image, "batchSize": 3}, 4, "batchSize参数错误"),
        ({"prompt": "x", "image": image, "batchSize": 2.0}, 4, "batchSize参数错误"),
        ({"prompt": "x", "image": image, "loop": "yes"}, 4, "loop参数错误"),
        ({"prompt": "x", "image": image, "videoType": "vid_9"}, 4, "videoType参数错误"),
        ({"prompt": "x", "image": "data:image/png;base64,!!"}, 4, "base64格式错误"),
        ({"prompt": "x", "image": image, "action": "shorten"}, 4, "action参数错误"),
        ({"prompt": "x", "action": "extend"}, 4, "taskId不能为空"),
        ({"prompt": "x", "action": "extend", "taskId": own["id"]}, 4, "关联任务不是视频任务"),
        ({"prompt": "x", "action": "extend", "taskId": video["id"], "index": 2}, 4, "index参数错误"),  # 2 clips
        ({"prompt": "x", "action": "extend", "taskId": video["id"], "index": 1}, 9, _EXTEND_REMIX),
    ]
    count = len(sim.tasks)
    for refused, code, text in refusals:
        result = await submit(client, "submit/video", refused)
        assert (result["code"], result["description"]) == (code, text), refused
    missing = await client.post("/mj/submit/video", json={"prompt": "x", "action": "extend", "taskId": MISSING})
    assert (missing.status_code, missing.json()["code"]) == (404, 3)
    assert len(sim.tasks) == count

    sim.config.remix = True  # TA then presses U<index+1> and Extend and fills the modal itself: code 1
    body = {"prompt": "further", "action": "extend", "taskId": video["id"], "index": 1, "motion": "low"}
    extended = await finished(client, sim, await submit(client, "submit/video", body))
    assert (extended["parentId"], extended["description"]) == (video["id"], "/video extend")
    assert probe(await mp4(client, extended["videoUrl"]))[4] == 48
    assert [b["label"] for b in extended["buttons"]] == ["Extend (High motion)", "Extend (Low motion)"]


_EXTEND_REMIX = "提交失败，视频扩展需要账号开启 Remix 模式"
MISSING = "1700000000000123"


async def test_submit_video_per_dialect(sim: Simulator, client: httpx.AsyncClient) -> None:
    body = {"prompt": "waves", "image": data_url()}
    for dialect in ("nz", "plus", "uniapi"):  # their frameworks' answers for a route they lack
        sim.config.dialect = dialect
        response = await client.post("/mj/submit/video", json=body)
        assert response.status_code == 404, dialect
        assert ("path" in response.json()) if dialect != "uniapi" else response.json()["error"]["message"]
    assert sim.tasks == {}

    sim.config.dialect = "na"  # QuantumNous new-api routes /submit/video
    answer = await submit(client, "submit/video", {**body, "batchSize": 2})
    running = await fetch(client, answer["result"])
    na_video_keys = [*NA_KEYS[:12], "videoUrl", "videoUrls", *NA_KEYS[12:]]
    assert list(running) == na_video_keys
    assert (running["videoUrl"], running["videoUrls"]) == ("", None)
    sim.finish_now(answer["result"])
    video = await fetch(client, answer["result"])
    assert list(video) == na_video_keys
    assert video["action"] == "VIDEO"
    assert video["imageUrl"].endswith(".webp")
    assert video["videoUrls"] == [{"url": video["videoUrl"]}, {"url": video["videoUrl"].replace("_v1", "_v2")}]
    assert probe(await mp4(client, video["videoUrl"]))[0] == "h264"
    assert list(await fetch(client, (await imagine_done(client, sim))["id"])) == NA_KEYS  # other tasks: unchanged

    response = await client.post("/mj/submit/video", json={"prompt": "x", "action": "extend", "taskId": MISSING})
    assert response.json() == {"description": "task_not_found ", "type": "upstream_error", "code": 4}
    response = await client.post("/mj/submit/video", json={"image": data_url()})
    assert (response.status_code, response.json()["description"]) == (400, "prompt不能为空 ")


async def test_video_failure_and_a_clip_padded_past_the_upload_limit(sim: Simulator, client: httpx.AsyncClient) -> None:
    up = await ta_upscale(client, sim)
    sim.config.fail_reason = "Video generation failed"
    failed = await wait_done(client, (await press(client, up, "animate_high")).json()["result"])
    assert (failed["status"], failed["failReason"], failed["progress"]) == ("FAILURE", "Video generation failed", "")
    assert (failed["videoUrl"], failed["videoUrls"], failed["imageUrl"], failed["buttons"]) == (None, [], None, [])
    sim.config.fail_reason = None

    assert (await client.post("/_sim/config", json={"video_size_bytes": 300_000})).status_code == 200
    for bad in (-1, True, "big"):
        assert (await client.post("/_sim/config", json={"video_size_bytes": bad})).status_code == 400
    grid = await finished(client, sim, (await press(client, up, "animate_high")).json())
    data = await mp4(client, grid["videoUrl"])
    assert len(data) == 300_000
    boxes = mp4_boxes(data)
    assert [kind for kind, _ in boxes][:2] == [b"ftyp", b"moov"]
    assert boxes[-1][0] == b"free"  # the padding: a box players skip
    assert probe(data)[:5] == ("h264", "yuv420p", 64, 42, 16)  # still decodes, every frame
    sim.config.video_size_bytes = None  # the snapshot stays with the task; new tasks are not padded
    assert len(await mp4(client, grid["videoUrls"][1]["url"])) == 300_000
    picked = await finished(client, sim, (await press(client, grid, "video_virtual_upscale::1::")).json())
    assert len(await mp4(client, picked["videoUrl"])) < 100_000


async def test_clips_need_pyav(sim: Simulator, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    up = await ta_upscale(client, sim)
    video = await finished(client, sim, (await press(client, up, "animate_high")).json())
    monkeypatch.setitem(sys.modules, "av", None)  # `import av` now fails, as without the simulator extra
    response = await client.get(video["videoUrl"])
    assert response.status_code == 501
    assert "pip install 'mjbot[simulator]'" in response.text
    assert (await client.get(video["imageUrl"])).status_code == 200  # stills and the WebP need only Pillow
