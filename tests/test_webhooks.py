"""Webhook mode end to end: Telegram's updates and the provider's callbacks through the bot's one HTTP server.

The fake Bot API delivers updates to PUBLIC_URL through a stand-in for the operator's TLS proxy; the simulator
posts notifyHook callbacks to MJ_CALLBACK_BASE_URL. Requests without the webhook's secret, and forged or
malformed callbacks, change nothing a person sees.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from bot.app import BotRuntime, StartupError, build, serve, start, stop
from bot.cli import secrets_of
from bot.config import Settings
from bot.logs import install_redaction
from bot.server import callback_token, callback_url, webhook_secret
from bot.simulator import Simulator
from tests.conftest import running
from tests.fake_telegram import FakeTelegram
from tests.test_flow import GRID_ROWS, UPSCALE_ROWS, finished, result_buttons, showing, status_reply_to

PUBLIC_URL = "https://mjbot.example"


@pytest.fixture
def port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def webhook_settings(tg: FakeTelegram, settings_for: Callable[..., Settings], port: int) -> Callable[..., Settings]:
    tg.forward(PUBLIC_URL, f"http://127.0.0.1:{port}")  # the TLS proxy in front of the bot

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "public_url": PUBLIC_URL,
            "port": port,
            "listen_host": "127.0.0.1",
            "mj_callback_base_url": f"http://127.0.0.1:{port}",  # the provider runs beside the bot
        }
        values.update(overrides)
        return settings_for(**values)

    return make


@pytest.fixture
async def hooked(webhook_settings: Callable[..., Settings]) -> AsyncIterator[BotRuntime]:
    async with running(webhook_settings(poll_interval=30.0)) as bot:
        yield bot


def _lookups_of(sim: Simulator, task_id: str) -> list[object]:
    """Look-ups that asked about this task (the start-up checks ask about a made-up id only)."""
    return [r for r in sim.requests if r.path.endswith("/list-by-condition") and task_id in json.dumps(r.json)]


async def test_updates_arrive_by_webhook_and_a_callback_beats_a_30_s_poll(
    tg: FakeTelegram, sim: Simulator, hooked: BotRuntime, port: int
) -> None:
    assert tg.webhook_info()["url"] == f"{PUBLIC_URL}/telegram"
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a fox by return of post")
    status = await status_reply_to(tg, chat, request.message_id)
    grid = await finished(tg, chat, status.message_id)  # within 15 s: the next poll would be 30 s away
    assert grid.button_rows == GRID_ROWS
    [task_id] = list(sim.tasks)
    # The poll loop looked at t=0, before the task existed, and next looks at t=30 s: the callbacks did this,
    # each burst of them checked with the provider in one look-up.
    heard = [c for c in sim.callbacks if c.task_id == task_id]
    assert 1 <= len(_lookups_of(sim, task_id)) <= len(heard)
    assert any(c.task_id == task_id and c.status == 200 for c in sim.callbacks)
    assert tg.calls_to("getUpdates") == []
    assert all(a.ok for a in tg.webhook_attempts)
    [submit] = [r for r in sim.requests if r.path.endswith("/submit/imagine")]
    assert submit.json is not None
    assert submit.json["notifyHook"] == callback_url(hooked.settings)


async def test_a_request_without_the_webhook_secret_is_refused_and_not_processed(
    tg: FakeTelegram, sim: Simulator, hooked: BotRuntime, port: int
) -> None:
    chat = tg.private_chat()
    forged = {
        "update_id": 999_999,
        "message": {
            "message_id": 77,
            "date": 1_700_000_000,
            "chat": {"id": chat.id, "type": "private", "first_name": "Alice"},
            "from": {"id": chat.id, "is_bot": False, "first_name": "Alice"},
            "text": "/imagine a forged fox",
            "entities": [{"type": "bot_command", "offset": 0, "length": 8}],
        },
    }
    async with httpx.AsyncClient() as http:
        wrong = await http.post(
            f"http://127.0.0.1:{port}/telegram", json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
        )
        missing = await http.post(f"http://127.0.0.1:{port}/telegram", json=forged)
        garbage = await http.post(
            f"http://127.0.0.1:{port}/telegram",
            content=b"{not json",
            headers={"X-Telegram-Bot-Api-Secret-Token": webhook_secret(hooked.settings)},
        )
    assert (wrong.status_code, missing.status_code, garbage.status_code) == (403, 403, 400)
    tg.send_text(chat, "/help")  # a genuine update, processed after the forged ones would have been
    await tg.wait_for(lambda: any("I draw with Midjourney" in m.plain_text for m in tg.bot_messages(chat)))
    assert [r for r in sim.requests if "/submit/" in r.path] == []
    assert len(tg.bot_messages(chat)) == 1


async def test_a_forged_or_malformed_callback_changes_nothing(
    tg: FakeTelegram, sim: Simulator, hooked: BotRuntime
) -> None:
    sim.config.never_finish = True
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a fox someone lies about")
    status = await status_reply_to(tg, chat, request.message_id)
    await showing(tg, chat, status.message_id, "Drawing…")
    [task_id] = list(sim.tasks)
    hook = callback_url(hooked.settings)
    assert hook is not None
    lie = {"id": task_id, "status": "FAILURE", "failReason": "forged failure", "progress": "100%"}
    async with httpx.AsyncClient() as http:
        lookups = len(_lookups_of(sim, task_id))
        assert (await http.post(hook, json=lie)).status_code == 200  # heard, then checked with the provider
        assert (await http.post(hook, content=b"\x00\xff not json")).status_code == 400
        assert (await http.post(hook, json={"status": "SUCCESS"})).status_code == 400
        assert (await http.post(hook.rsplit("/", 1)[0] + "/guessed", json=lie)).status_code == 404
    # The lie made the bot look the task up itself; the provider said it is still drawing.
    await tg.wait_for(lambda: len(_lookups_of(sim, task_id)) > lookups)
    sim.finish_now(task_id)
    grid = await finished(tg, chat, status.message_id)
    assert grid.button_rows == GRID_ROWS
    assert not any("forged" in snapshot.caption for snapshot in grid.history if snapshot.caption)


async def test_polls_and_callbacks_together_deliver_each_result_once(
    tg: FakeTelegram, sim: Simulator, webhook_settings: Callable[..., Settings]
) -> None:
    async with running(webhook_settings(poll_interval=0.05)):  # both sources report every change
        chat = tg.private_chat()
        request = tg.send_text(chat, "/imagine a fox heard twice")
        grid = await finished(tg, chat, (await status_reply_to(tg, chat, request.message_id)).message_id)
        query = tg.press(chat, grid.message_id, grid.callback_data_for("U1"))
        tg.press(chat, grid.message_id, grid.callback_data_for("U1"))  # a double tap
        upscale = await finished(tg, chat, (await status_reply_to(tg, chat, grid.message_id)).message_id)
        await tg.wait_for(lambda: [m for m in tg.bot_messages(chat) if m.document])
        await tg.wait_for(lambda: query in tg.answers())
        tg.send_text(chat, "/help")  # everything before it has been handled once this is answered
        await tg.wait_for(lambda: "I draw with Midjourney" in tg.bot_messages(chat)[-1].plain_text)
    assert upscale.button_rows == UPSCALE_ROWS
    assert len([c for c in sim.callbacks if c.status == 200]) >= 4  # the callbacks did arrive
    assert len([r for r in sim.requests if r.path.endswith("/submit/action")]) == 1
    assert len([m for m in tg.bot_messages(chat) if m.document]) == 1
    assert len([m for m in tg.bot_messages(chat) if result_buttons(m)]) == 2  # the grid and the upscale


async def test_a_stopping_bot_takes_no_more_webhook_updates(
    tg: FakeTelegram, webhook_settings: Callable[..., Settings], port: int
) -> None:
    # An update answered 200 while the Application stops would be dropped, and Telegram would not resend it.
    bot = build(webhook_settings())
    await start(bot)
    stopping = asyncio.create_task(stop(bot))
    await tg.wait_for(lambda: not bot.app.running)
    async with httpx.AsyncClient() as http:
        with pytest.raises(httpx.ConnectError):
            await http.post(
                f"http://127.0.0.1:{port}/telegram",
                json={"update_id": 77},
                headers={"X-Telegram-Bot-Api-Secret-Token": webhook_secret(bot.settings)},
            )
    await stopping


async def test_the_webhook_secrets_never_reach_the_log(
    tg: FakeTelegram, webhook_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    settings = webhook_settings()
    factory, levels = logging.getLogRecordFactory(), {name: logging.getLogger(name).level for name in ("", "telegram")}
    try:
        install_redaction(secrets_of(settings))
        caplog.set_level(logging.DEBUG)  # PTB logs setWebhook's parameters at DEBUG
        async with running(settings):
            chat = tg.private_chat()
            tg.send_text(chat, "/help")
            await tg.wait_for(lambda: tg.bot_messages(chat))
    finally:
        logging.setLogRecordFactory(factory)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "setWebhook" in logged
    assert webhook_secret(settings) not in logged
    assert callback_token(settings) not in logged


async def test_a_port_in_use_is_one_line(webhook_settings: Callable[..., Settings], port: int) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        with pytest.raises(StartupError, match=rf"cannot listen on 127\.0\.0\.1:{port} \(PORT, LISTEN_HOST\)"):
            await serve(webhook_settings())
