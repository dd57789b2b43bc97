"""The MJ simulator, driven over real HTTP with a plain httpx client."""

from __future__ import annotations

import asyncio
import base64
import io
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from bot.simulator import Simulator, SimulatorConfig

ROOT = Path(__file__).resolve().parent.parent
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
TERMINAL = {"SUCCESS", "FAILURE", "CANCEL"}
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


async def wait_done(client: httpx.AsyncClient, task_id: str, prefix: str = "/mj") -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + 5.0
    while True:
        task = await fetch(client, task_id, prefix)
        if task["status"] in TERMINAL:
            return task
        assert asyncio.get_running_loop().time() < deadline, f"task stuck: {task['status']} {task['progress']}"
        await asyncio.sleep(0.02)


async def imagine_done(client: httpx.AsyncClient, sim: Simulator, prompt: str = "a red fox") -> dict[str, Any]:
    answer = await submit(client, "submit/imagine", {"prompt": prompt})
    assert answer["code"] == 1
    sim.finish_now(answer["result"])
    return await fetch(client, answer["result"])


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
    answer = await submit(client, "submit/imagine", {"prompt": "a red fox --ar 3:2", "state": "s-1"})
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
    task_id = (await submit(client, "submit/imagine", {"prompt": "preview me"}))["result"]
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
    other = (await submit(client, "submit/imagine", {"prompt": "no preview"}))["result"]
    await asyncio.sleep(0.2)
    task = await fetch(client, other)
    assert task["status"] == "IN_PROGRESS"
    assert task["imageUrl"] is None


async def test_queue_ahead_answers_22(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.queue_ahead = 3
    sim.config.queue_seconds = 0.3
    answer = await submit(client, "submit/imagine", {"prompt": "queued"})
    assert answer["code"] == 22
    assert answer["description"] == "排队中，前面还有3个任务"
    assert answer["properties"]["numberOfQueues"] == 3
    task = await fetch(client, answer["result"])
    assert task["status"] == "NOT_START"
    assert task["startTime"] is None
    assert (await wait_done(client, answer["result"]))["status"] == "SUCCESS"


async def test_queue_full_plus_and_ta(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.queue_full = True
    answer = await submit(client, "submit/imagine", {"prompt": "full"})
    assert answer["code"] == 23
    assert answer["result"] is None
    sim.config.dialect = "ta"
    answer = await submit(client, "submit/imagine", {"prompt": "full"})
    assert answer == {"code": 9, "description": "提交失败，队列已满，请稍后重试", "result": None, "properties": {}}
    assert sim.tasks == {}


async def test_banned_word_plus_rejects_ta_fails_later(sim: Simulator, client: httpx.AsyncClient) -> None:
    answer = await submit(client, "submit/imagine", {"prompt": "a BadWord here"})
    assert answer["code"] == 24
    assert answer["description"] == "可能包含敏感词"
    assert answer["properties"] == {"promptEn": "a BadWord here", "bannedWord": "badword"}
    assert (await submit(client, "submit/imagine", {"prompt": "badwords are fine"}))["code"] == 1  # whole word only

    sim.config.dialect = "ta"
    answer = await submit(client, "submit/imagine", {"prompt": "a badword here"})
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
        response = await client.post("/mj/submit/imagine", json={"prompt": "x"}, headers=headers)
        assert response.status_code == 401
        assert response.text == fail_body
        if fail_type:
            assert response.headers["content-type"].startswith(fail_type)
    response = await client.post("/mj/submit/imagine", json={"prompt": "x"}, headers=good)
    assert response.status_code == 200
    assert response.json()["code"] == 1
    task_id = response.json()["result"]
    assert (await client.get(f"/mj/task/{task_id}/fetch")).status_code == 401
    sim.finish_now(task_id)
    task = (await client.get(f"/mj/task/{task_id}/fetch", headers=good)).json()
    assert (await client.get(task["imageUrl"])).status_code == 200  # images need no auth, like a CDN
    assert len(sim.requests) == 6  # every request is recorded, refused ones too


async def test_imagine_validation(sim: Simulator, client: httpx.AsyncClient) -> None:
    assert (await submit(client, "submit/imagine", {"prompt": "   "}))["description"] == "prompt不能为空"
    answer = await submit(client, "submit/imagine", {"prompt": "x", "base64Array": ["aGVsbG8="]})
    assert (answer["code"], answer["description"]) == (4, "base64格式错误")
    response = await client.post(
        "/mj/submit/imagine", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    response = await client.post("/mj/submit/imagine", json=["prompt"])
    assert response.status_code == 400
    assert sim.tasks == {}

    answer = await submit(client, "submit/imagine", {"prompt": "cat like this", "base64Array": [data_url()]})
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
    assert response.json() == {
        "description": f"unknown_action:MJ::BOOKMARK::{up['properties']['messageHash']}",
        "type": "upstream_error",
        "code": 4,
    }


# ---------------------------------------------------------------------------------------------- queries


async def test_list_by_condition_and_fallback(sim: Simulator, client: httpx.AsyncClient) -> None:
    ids = [(await submit(client, "submit/imagine", {"prompt": f"p{i}"}))["result"] for i in range(3)]
    response = await client.post("/mj/task/list-by-condition", json={"ids": [*ids, "9999999999999999"]})
    assert response.status_code == 200
    assert sorted(t["id"] for t in response.json()) == sorted(ids)
    alias = await client.post("/mj/task/list-by-ids", json={"ids": ids[:1]})
    assert [t["id"] for t in alias.json()] == ids[:1]
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
    response = await client.post("/mj/submit/imagine", json={"prompt": "x"})
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == "<html>Bad Gateway</html>"
    assert (await client.get("/mj/task/1/fetch")).status_code == 502
    # The control routes stay reachable, so a demo can clear the fault.
    response = await client.post("/_sim/config", json={"http_fault": None, "queue_ahead": 2, "bogus": 1})
    assert response.status_code == 200
    assert response.json()["ignored"] == ["bogus"]
    assert sim.config.http_fault is None
    assert (await submit(client, "submit/imagine", {"prompt": "x"}))["code"] == 22
    assert (await client.post("/_sim/config", json={"dialect": "klingon"})).status_code == 400


async def test_na_dialect_trimmed_task(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.dialect = "na"
    sim.config.queue_ahead = 1
    answer = await submit(client, "submit/imagine", {"prompt": "a fox"})
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
    failed = await wait_done(client, (await submit(client, "submit/imagine", {"prompt": "x"}))["result"])
    assert (failed["status"], failed["progress"], failed["failReason"]) == ("FAILURE", "100%", "Banned prompt detected")

    response = await client.post("/mj/submit/imagine", json={"prompt": ""})
    assert response.status_code == 400
    assert response.json() == {"description": "prompt不能为空", "type": "upstream_error", "code": 4}


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
    answer = await submit(client, "submit/imagine", {"prompt": "a boat"})
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
        answer = await submit(client, "submit/imagine", {"prompt": "x"}, prefix=prefix)
        modes[prefix] = sim.tasks[answer["result"]].mode
        assert (await fetch(client, answer["result"], prefix=prefix))["id"] == answer["result"]
    assert modes == {"/mj": None, "/mj-fast/mj": "FAST", "/mj-relax/mj": "RELAX", "/mj-turbo/mj": "TURBO"}

    answer = await submit(
        client, "submit/imagine", {"prompt": "x", "model": "mj-relax", "botType": "MID_JOURNEY"}, prefix="/v1/mj"
    )
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
    answer = await submit(client, "submit/describe", {"base64": image})
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
    all_ids = (await press(client, task, "PicReader::all")).json()["result"].split(",")
    assert len(all_ids) == 4
    assert all(i in sim.tasks for i in all_ids)
    assert (await submit(client, "submit/describe", {"base64": "nope"}))["code"] == 4


async def test_blend_dimensions_and_validation(sim: Simulator, client: httpx.AsyncClient) -> None:
    one = await submit(client, "submit/blend", {"base64Array": [data_url()]})
    assert (one["code"], one["description"]) == (4, "base64List参数错误")
    six = await submit(client, "submit/blend", {"base64Array": [data_url()] * 6})
    assert six["code"] == 4
    answer = await submit(
        client,
        "submit/blend",
        {"base64Array": [data_url((255, 0, 0)), data_url((0, 0, 255))], "dimensions": "PORTRAIT"},
    )
    assert answer["code"] == 1
    task = await wait_done(client, answer["result"])
    assert task["action"] == "BLEND"
    assert task["prompt"] == ""
    assert task["description"] == f"/blend {task['id']} 2"
    assert len(task["buttons"]) == 9
    assert await png_size(client, task["imageUrl"]) == (85, 128)


async def test_shorten(sim: Simulator, client: httpx.AsyncClient) -> None:
    answer = await submit(client, "submit/shorten", {"prompt": "a very detailed portrait of the old king --ar 2:3"})
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
    assert (await submit(client, "submit/shorten", {"prompt": ""}))["code"] == 4


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
    task_id = (await submit(client, "submit/imagine", {"prompt": "forever"}))["result"]
    response = await client.post(f"/mj/task/{task_id}/cancel")
    assert (response.status_code, response.content) == (200, b"")
    assert (await fetch(client, task_id))["status"] == "CANCEL"
    assert (await client.get(f"/mj/task/{task_id}/image-seed")).status_code == 400


async def test_fail_reason_never_finish_and_control_routes(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.config.fail_reason = "[Invalid parameter] Unknown argument"
    failed = await wait_done(client, (await submit(client, "submit/imagine", {"prompt": "x"}))["result"])
    assert (failed["status"], failed["progress"], failed["imageUrl"], failed["buttons"]) == ("FAILURE", "", None, [])
    assert failed["failReason"] == "[Invalid parameter] Unknown argument"

    sim.config.fail_reason = None
    sim.config.never_finish = True
    task_id = (await submit(client, "submit/imagine", {"prompt": "stuck"}))["result"]
    await asyncio.sleep(0.4)
    stuck = await fetch(client, task_id)
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
        response = httpx.post(f"http://127.0.0.1:{port}/mj/submit/imagine", json={"prompt": "x"})
        assert response.json()["code"] == 1
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")
