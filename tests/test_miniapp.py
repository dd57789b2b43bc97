"""Vary (Region) in the Mini App, in a real headless Chromium (Debian's package, driven by Playwright).

The bot's HTTP server serves the page under PUBLIC_URL; in front of it in production sits a TLS proxy,
here the browser goes to the server directly. The person paints over part of the picture; the mask the
provider gets is checked pixel by pixel, and a forged initData is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from urllib.parse import quote, urlencode

import httpx
import pytest
from PIL import Image
from playwright.async_api import Browser, async_playwright

from bot.config import Settings
from bot.mj import AuthStyle
from bot.simulator import Simulator
from bot.telegram.miniapp import InvalidInitData, verify_init_data
from tests.conftest import BOT_TOKEN, running
from tests.fake_telegram import FakeTelegram
from tests.test_flow import finished
from tests.test_modals import press_and_ask, submits, upscale

PUBLIC_URL = "https://mjbot.example"  # what Telegram is given; the TLS proxy forwards it to PORT
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def init_data(user_id: int, *, token: str = BOT_TOKEN, auth_date: int | None = None) -> str:
    """initData as Telegram signs it for a Mini App opened by `user_id`."""
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": user_id, "first_name": "Alice", "language_code": "en"}, separators=(",", ":")),
        "auth_date": str(auth_date or int(time.time())),
    }
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields, quote_via=quote)


def test_init_data_is_verified():
    assert verify_init_data(init_data(1001), BOT_TOKEN).id == 1001
    with pytest.raises(InvalidInitData):
        verify_init_data(init_data(1001, token="999:OTHER-TOKEN-abcdefghijklmnopqrstuv"), BOT_TOKEN)
    with pytest.raises(InvalidInitData):
        verify_init_data(init_data(1001).replace("Alice", "Mallory"), BOT_TOKEN)
    with pytest.raises(InvalidInitData):
        verify_init_data(init_data(1001, auth_date=int(time.time()) - 3 * 24 * 3600), BOT_TOKEN)
    with pytest.raises(InvalidInitData):
        verify_init_data("", BOT_TOKEN)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium; installed here when the machine lacks it (the test set-up needs no network else)."""
    found = shutil.which("chromium")
    if found is None:
        apt = ["apt-get", "install", "-y", "-q", "chromium"]
        sudo = [] if shutil.which("sudo") is None else ["sudo"]
        subprocess.run([*sudo, "apt-get", "update", "-q"], check=False, capture_output=True)
        subprocess.run([*sudo, *apt], check=True, capture_output=True)
        found = shutil.which("chromium")
    assert found is not None, "Debian's chromium package did not install"
    return found


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
def port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def served(tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings], port: int):
    sim.config.dialect, sim.config.auth_style = "ta", "raw"
    settings = settings_for(mj_auth_style=AuthStyle.RAW, public_url=PUBLIC_URL, port=port, listen_host="127.0.0.1")
    tg.forward(PUBLIC_URL, f"http://127.0.0.1:{port}")  # the TLS proxy: with PUBLIC_URL, updates come by webhook
    async with running(settings) as bot:
        yield bot


async def _region_question(tg: FakeTelegram):
    chat = tg.private_chat()
    result = await upscale(tg, chat, "a fox on a lawn --ar 3:2")
    status, question = await press_and_ask(tg, chat, result, "🖌️ Vary (Region)")
    paint = next((b for b in question.buttons if "web_app" in b), None)
    return chat, result, status, question, paint


async def test_painting_part_of_the_picture_sends_that_mask(
    tg: FakeTelegram, sim: Simulator, served, browser: Browser, port: int
) -> None:
    chat, result, status, question, paint = await _region_question(tg)
    assert paint is not None
    url = paint["web_app"]["url"]
    assert url.startswith(f"{PUBLIC_URL}/app/region/")
    local = url.replace(PUBLIC_URL, f"http://127.0.0.1:{port}")  # what the TLS proxy would do

    page = await browser.new_page(viewport={"width": 420, "height": 800})
    await page.goto(f"{local}#tgWebAppData={quote(init_data(1001))}&tgWebAppVersion=8.0&tgWebAppPlatform=web")
    await page.wait_for_function("document.getElementById('picture').naturalWidth > 0")
    assert await page.input_value("#prompt") == "a fox on a lawn --ar 3:2"  # pre-filled, to edit
    box = await page.locator("#paint").bounding_box()
    assert box is not None
    # Paint the left third, top to bottom, with a broad brush.
    await page.fill("#size", "120")
    await page.mouse.move(box["x"] + box["width"] * 0.05, box["y"] + 2)
    await page.mouse.down()
    for step in range(0, 21):
        for column in (0.05, 0.15, 0.25):
            await page.mouse.move(box["x"] + box["width"] * column, box["y"] + box["height"] * step / 20)
    await page.mouse.up()
    await page.fill("#prompt", "a fox in a red scarf")
    await page.click("#send")
    await page.wait_for_function("document.getElementById('status').textContent.includes('Sent')")
    await finished(tg, chat, status.message_id)

    [modal] = submits(sim, "/submit/modal")
    assert modal["prompt"] == "a fox in a red scarf"
    mask = Image.open(io.BytesIO(base64.b64decode(modal["maskBase64"].split(",", 1)[1]))).convert("L")
    picture = Image.open(io.BytesIO(result.photo.bytes))
    assert mask.size == picture.size  # the picture's own size, whatever the screen was
    width, height = mask.size
    assert mask.getpixel((int(width * 0.15), height // 2)) == 255  # painted: repaint
    assert mask.getpixel((int(width * 0.8), height // 2)) == 0  # untouched: keep
    assert set(mask.tobytes()) == {0, 255}
    assert "Sent" in tg.message(chat, question.message_id).plain_text


async def test_a_forged_init_data_is_refused(tg: FakeTelegram, sim: Simulator, served, port: int) -> None:
    _, _, _, question, _ = await _region_question(tg)
    job = question.buttons[-1]["callback_data"].split(":")[2]
    base = f"http://127.0.0.1:{port}/app/region/{job}"
    forged = init_data(1001, token="999:OTHER-TOKEN-abcdefghijklmnopqrstuv")
    someone_else = init_data(2002)
    painted = io.BytesIO()
    Image.new("RGBA", (30, 20), (255, 0, 0, 255)).save(painted, "PNG")
    body = {"mask": "data:image/png;base64," + base64.b64encode(painted.getvalue()).decode(), "prompt": "x"}
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{base}/question", headers={"X-Telegram-Init-Data": forged})).status_code == 403
        assert (
            await http.post(f"{base}/answer", json=body, headers={"X-Telegram-Init-Data": forged})
        ).status_code == 403
        assert (await http.post(f"{base}/answer", json=body)).status_code == 403
        not_theirs = await http.post(f"{base}/answer", json=body, headers={"X-Telegram-Init-Data": someone_else})
        assert not_theirs.status_code == 410
        assert (await http.get(f"http://127.0.0.1:{port}/healthz")).text == "ok"
    assert submits(sim, "/submit/modal") == []


async def test_an_empty_prompt_is_explained_and_the_question_stays_open(
    tg: FakeTelegram, sim: Simulator, served, port: int
) -> None:
    chat, _, status, question, _ = await _region_question(tg)
    job = question.buttons[-1]["callback_data"].split(":")[2]
    answer_url = f"http://127.0.0.1:{port}/app/region/{job}/answer"
    painted = io.BytesIO()
    Image.new("RGBA", (30, 20), (255, 255, 255, 255)).save(painted, "PNG")
    mask = "data:image/png;base64," + base64.b64encode(painted.getvalue()).decode()
    owner = {"X-Telegram-Init-Data": init_data(chat.id)}
    async with httpx.AsyncClient() as http:
        empty = await http.post(answer_url, json={"mask": mask, "prompt": "  \n "}, headers=owner)
        assert empty.status_code == 422
        assert empty.json()["message"] == "✍️ Please send the prompt as text."
        assert (await http.post(answer_url, json={"mask": mask, "prompt": "a fox"}, headers=owner)).status_code == 200
    await finished(tg, chat, status.message_id)
    [modal] = submits(sim, "/submit/modal")
    assert modal["prompt"] == "a fox"


async def test_in_a_group_the_region_is_chosen_by_the_grid_only(tg: FakeTelegram, sim: Simulator, served) -> None:
    group = tg.group_chat()
    result = await upscale(tg, group, "a group fox")
    _, question = await press_and_ask(tg, group, result, "🖌️ Vary (Region)")
    assert not [b for b in question.buttons if "web_app" in b]  # Mini Apps open from private chats
    assert question.has_button("✅ Done")
