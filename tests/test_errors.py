"""Bad input and bad days: every problem gets a specific, polite message and nothing is lost."""

from __future__ import annotations

import io
import logging
import socket
import time
from collections.abc import Callable

import httpx
import pytest
from PIL import Image

from bot.app import BotRuntime
from bot.config import Settings
from bot.jobs import ImageFetcher
from bot.logs import NOISY_LOGGERS, setup_logging
from bot.simulator import Simulator
from tests.conftest import BOT_TOKEN, MJ_KEY, running
from tests.fake_telegram import FakeTelegram
from tests.test_flow import GRID_ROWS, finished, showing, status_reply_to


async def _imagine(tg: FakeTelegram, chat, prompt: str):
    request = tg.send_text(chat, f"/imagine {prompt}")
    return await status_reply_to(tg, chat, request.message_id)


async def test_empty_imagine_explains_usage(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine   ")
    reply = await tg.wait_for(lambda: tg.last_bot_message(chat))
    assert reply.reply_to_message_id == request.message_id
    assert "Please add a prompt" in reply.plain_text
    assert "/imagine a red fox in snow --ar 3:2" in reply.plain_text
    assert [r for r in sim.requests if "/submit/" in r.path] == []


async def test_long_prompt_runs_and_the_caption_is_shortened(tg: FakeTelegram, sim: Simulator, bot: BotRuntime):
    prompt = "a very detailed fox " * 200  # 4000 characters: fits a message, not a caption
    chat = tg.private_chat()
    status = await _imagine(tg, chat, prompt.strip())
    result = await finished(tg, chat, status.message_id)
    assert result.button_rows == GRID_ROWS
    assert len(result.plain_text) <= 1024
    assert result.plain_text.endswith("…")
    [submit] = [r for r in sim.requests if r.path.endswith("/submit/imagine")]
    assert submit.json is not None
    assert submit.json["prompt"] == prompt.strip()  # the provider got the whole prompt


async def test_banned_word_is_named(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    status = await _imagine(tg, chat, "a badword fox")
    shown = await showing(tg, chat, status.message_id, "won't accept this prompt")
    assert "“badword” is not allowed" in shown.plain_text
    assert shown.reply_markup is None


async def test_queue_full_says_try_later(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    sim.config.queue_full = True
    chat = tg.private_chat()
    status = await _imagine(tg, chat, "a fox in a crowd")
    shown = await showing(tg, chat, status.message_id, "queue is full")
    assert "try again in a few minutes" in shown.plain_text


async def test_task_failure_shows_the_reason(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    sim.config.fail_reason = "Banned prompt detected"
    chat = tg.private_chat()
    status = await _imagine(tg, chat, "a forbidden fox")
    shown = await showing(tg, chat, status.message_id, "couldn't finish this job")
    assert "Banned prompt detected" in shown.plain_text


async def test_job_that_never_finishes_times_out(tg, sim: Simulator, settings_for: Callable[..., Settings]):
    sim.config.never_finish = True
    async with running(settings_for(job_timeout_minutes=0.02)):
        chat = tg.private_chat()
        status = await _imagine(tg, chat, "an endless fox")
        shown = await showing(tg, chat, status.message_id, "didn't finish this job within")
    assert "Please try again" in shown.plain_text


async def test_provider_down_connection_refused(tg: FakeTelegram, settings_for: Callable[..., Settings]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with running(settings_for(mj_base_url=f"http://127.0.0.1:{port}")):
        chat = tg.private_chat()
        status = await _imagine(tg, chat, "a fox")
        shown = await showing(tg, chat, status.message_id, "not reachable right now")
    assert "was not sent" in shown.plain_text


async def test_provider_answering_an_html_502(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    sim.config.http_fault = (502, "text/html", "<html><title>502 Bad Gateway</title></html>")
    chat = tg.private_chat()
    status = await _imagine(tg, chat, "a fox")
    shown = await showing(tg, chat, status.message_id, "stopped answering")
    assert "<html>" not in shown.plain_text
    assert len([r for r in sim.requests if r.path.endswith("/submit/imagine")]) == 1  # never re-sent


async def test_provider_401_means_misconfigured(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running(settings_for(mj_api_key="sk-wrong-key-123456")):
        chat = tg.private_chat()
        status = await _imagine(tg, chat, "a fox")
        shown = await showing(tg, chat, status.message_id, "misconfigured")
    assert "operator" in shown.plain_text
    assert "401" not in shown.plain_text
    operator_lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("submit failed (AuthenticationFailed)" in line and "401" in line for line in operator_lines)
    assert all("sk-wrong-key-123456" not in r.getMessage() for r in caplog.records)


async def test_secrets_never_reach_the_log(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    root = logging.getLogger()
    handlers, factory = list(root.handlers), logging.getLogRecordFactory()
    levels = {name: logging.getLogger(name).level for name in ("", *NOISY_LOGGERS)}
    setup_logging("DEBUG", [BOT_TOKEN, MJ_KEY])  # what `mjbot` does at start
    for name in ("", "httpx", "httpcore", "telegram"):  # the worst case: everything at DEBUG
        caplog.set_level(logging.DEBUG, logger=name)
    try:
        async with running(settings_for()):
            chat = tg.private_chat()
            status = await _imagine(tg, chat, "a fox")
            await finished(tg, chat, status.message_id)
    finally:  # what setup_logging changed process-wide must not outlive the test
        root.handlers[:] = handlers
        logging.setLogRecordFactory(factory)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    assert "getUpdates" in caplog.text  # httpx and PTB did log the Telegram URLs…
    assert "bot<redacted>/" in caplog.text
    assert BOT_TOKEN not in caplog.text  # …without the token
    assert MJ_KEY not in caplog.text


async def test_a_stale_button_answers_politely(tg: FakeTelegram, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    status = await _imagine(tg, chat, "a fox")
    grid = await finished(tg, chat, status.message_id)
    await bot.db.conn.execute("DELETE FROM buttons")
    query = tg.press(chat, grid.message_id, grid.callback_data_for("U1"))
    await tg.wait_for(lambda: query in tg.answers())
    assert "no longer available" in tg.answers()[query]["text"]
    assert tg.answers()[query].get("show_alert") is True


async def test_a_button_the_provider_rejects_shows_its_reason(tg, sim: Simulator, bot: BotRuntime) -> None:
    chat = tg.private_chat()
    status = await _imagine(tg, chat, "a fox")
    grid = await finished(tg, chat, status.message_id)
    upscale = await finished(tg, chat, (await _press(tg, chat, grid, "U1")).message_id)
    # The provider forgets the upscale's buttons (as TA does for customIds it no longer knows).
    [parent] = [t for t in sim.tasks.values() if t.action == "UPSCALE"]
    parent.buttons = []
    pressed = await _press(tg, chat, upscale, "🔍 Zoom Out 2x")
    shown = await showing(tg, chat, pressed.message_id, "refused this request")
    assert "not supported by the Midjourney provider" in shown.plain_text


async def _press(tg: FakeTelegram, chat, message, label: str):
    tg.press(chat, message.message_id, message.callback_data_for(label))
    return await status_reply_to(tg, chat, message.message_id)


async def test_editing_the_imagine_command_does_not_draw_it_again(tg: FakeTelegram, sim: Simulator, bot: BotRuntime):
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a red fox")
    status = await _wait_status(tg, chat, request.message_id)
    await finished(tg, chat, status.message_id)
    tg.edit_text(chat, request.message_id, "/imagine a red fox!")
    tg.send_text(chat, "/help")  # answered once the edit has been seen
    await tg.wait_for(lambda: "I draw with Midjourney" in tg.bot_messages(chat)[-1].plain_text)
    assert [r.json["prompt"] for r in sim.requests if r.path.endswith("/submit/imagine") and r.json] == ["a red fox"]
    assert len([m for m in tg.bot_messages(chat) if m.reply_to_message_id == request.message_id]) == 1


async def test_a_slow_status_message_does_not_hold_up_the_submit(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
) -> None:
    tg.fail_next("sendPhoto", error_code=429, retry_after=1)  # Telegram makes the status message wait 1 s
    async with running(settings_for()):
        chat = tg.private_chat()
        request = tg.send_text(chat, "/imagine a patient fox")
        await tg.wait_for(lambda: [r for r in sim.requests if r.path.endswith("/submit/imagine")])
        assert not [m for m in tg.bot_messages(chat) if m.reply_to_message_id == request.message_id]
        status = await _wait_status(tg, chat, request.message_id)
        grid = await finished(tg, chat, status.message_id)
    assert grid.button_rows == GRID_ROWS
    assert not [m for m in tg.bot_messages(chat) if "restarted" in m.plain_text]
    assert len([r for r in sim.requests if r.path.endswith("/submit/imagine")]) == 1


async def test_a_photo_telegram_refuses_arrives_as_a_file_with_its_buttons(tg, sim: Simulator, settings_for) -> None:
    sim.config.previews = False
    tg.fail_next("editMessageMedia", error_code=400, description="Bad Request: PHOTO_INVALID_DIMENSIONS")
    async with running(settings_for()):
        chat = tg.private_chat()
        request = tg.send_text(chat, "/imagine a fox Telegram dislikes")
        status = await _wait_status(tg, chat, request.message_id)
        result = await finished(tg, chat, status.message_id)
        document = await tg.wait_for(lambda: next((m for m in tg.bot_messages(chat) if m.document), None))
    assert result.button_rows == GRID_ROWS
    assert document.reply_to_message_id == status.message_id
    assert document.document is not None
    assert document.document.file_name is not None
    assert document.document.file_name.endswith(".png")
    assert len(tg.calls_to("editMessageMedia")) == 1  # not retried: the answer would not change


async def test_a_result_that_is_not_an_image_keeps_the_link(
    tg, sim: Simulator, bot: BotRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    sim.config.previews = False
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a fox behind a login page")
    status = await _wait_status(tg, chat, request.message_id)
    await showing(tg, chat, status.message_id, "Submitted")
    [task] = sim.tasks.values()
    sim.blobs["login.html"] = (b"<html><body>Please sign in</body></html>", "text/html")
    task.external_url = f"{sim.base_url}/images/login.html"  # the CDN answers 200 with an HTML page
    shown = await finished(tg, chat, status.message_id)
    assert "couldn't download it" in shown.plain_text
    assert not [m for m in tg.bot_messages(chat) if m.document]
    assert any("not an image (text/html" in r.getMessage() for r in caplog.records)


async def _wait_status(tg: FakeTelegram, chat, request_id: int):
    return await status_reply_to(tg, chat, request_id)


async def test_a_busy_cdn_is_waited_out_as_it_asks() -> None:
    answers = [httpx.Response(429, headers={"retry-after": "0.2"}), httpx.Response(200, content=_png())]
    seen: list[float] = []

    def cdn(request: httpx.Request) -> httpx.Response:
        seen.append(time.monotonic())
        return answers[len(seen) - 1]

    fetcher = ImageFetcher(transport=httpx.MockTransport(cdn), backoff=0.0)
    try:
        assert await fetcher.fetch("http://cdn.example/a.png") == _png()
    finally:
        await fetcher.aclose()
    assert seen[1] - seen[0] >= 0.2  # Retry-After, not the zero back-off


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG")
    return buffer.getvalue()
