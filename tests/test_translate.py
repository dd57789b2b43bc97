"""Prompts in other languages, translated into English through the provider's OpenAI-compatible chat
endpoint when the operator turns it on: both texts shown, and a failed translation sends the prompt as
written, with a note."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.app import BotRuntime
from bot.config import Settings
from bot.simulator import Simulator
from tests.conftest import MJ_KEY, running
from tests.fake_telegram import FakeTelegram
from tests.test_access import draws
from tests.test_flow import finished
from tests.test_modals import press_and_ask, submits
from tests.test_quotas import imagines

CHINESE = "一只红色的狐狸在雪地里"


def chats(sim: Simulator) -> list[dict[str, object]]:
    return [r.json for r in sim.requests if r.path == "/v1/chat/completions" and isinstance(r.json, dict)]


async def test_a_chinese_prompt_goes_in_english_and_the_status_shows_both(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
):
    chat = tg.private_chat(language_code="zh-hans")
    async with running(settings_for(translate_prompts=True)):
        grid = await draws(tg, chat, chat.user or {}, f"{CHINESE} --ar 3:2")
        english = await draws(tg, chat, chat.user or {}, "a fox who already speaks English")
    assert imagines(sim) == ["a red fox in the snow --ar 3:2", "a fox who already speaks English"]
    [asked] = chats(sim)  # English is not sent for translation
    assert asked["model"] == "gpt-4o-mini"
    assert asked["messages"][-1] == {"role": "user", "content": CHINESE}  # type: ignore[index]
    [request] = [r for r in sim.requests if r.path == "/v1/chat/completions"]
    assert request.headers["Authorization"] == f"Bearer {MJ_KEY}"  # the provider's own key
    assert grid.plain_text.splitlines()[:3] == [
        f"🈯 已从原文翻译成英文：{CHINESE} --ar 3:2",
        "",
        "a red fox in the snow --ar 3:2",
    ]
    assert "🈯" not in english.plain_text


async def test_the_providers_key_never_goes_to_a_chat_endpoint_set_apart(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
):
    chat = tg.private_chat(language_code="zh-hans")
    elsewhere = sim.base_url.replace("127.0.0.1", "localhost")  # another host as far as the bot knows
    async with running(settings_for(translate_prompts=True, translate_base_url=elsewhere)):
        await draws(tg, chat, chat.user or {}, CHINESE)
    [request] = [r for r in sim.requests if r.path == "/v1/chat/completions"]
    assert MJ_KEY not in request.headers.get("Authorization", "")


async def test_translation_is_off_by_default(tg: FakeTelegram, sim: Simulator, bot: BotRuntime):
    chat = tg.private_chat()
    grid = await draws(tg, chat, chat.user or {}, CHINESE)
    assert imagines(sim) == [CHINESE]
    assert chats(sim) == []
    assert "🈯" not in grid.plain_text


@pytest.mark.parametrize("fault", ["error", "timeout"])
async def test_a_failed_translation_sends_the_prompt_as_written_with_a_note(
    tg: FakeTelegram,
    sim: Simulator,
    settings_for: Callable[..., Settings],
    caplog: pytest.LogCaptureFixture,
    fault: str,
):
    if fault == "error":
        sim.config.chat_status = 503
    else:
        sim.config.chat_delay = 3.0
    chat = tg.private_chat()
    caplog.set_level(logging.INFO)
    async with running(settings_for(translate_prompts=True, translate_timeout=0.3)):
        grid = await draws(tg, chat, chat.user or {}, f"{CHINESE} --ar 3:2")
    assert imagines(sim) == [f"{CHINESE} --ar 3:2"]
    assert grid.plain_text.splitlines()[0] == "🈯 The translation did not work, so the prompt went as written."
    assert any("prompt not translated, sent as written" in r.getMessage() for r in caplog.records)
    assert MJ_KEY not in caplog.text


async def test_a_remix_answer_in_chinese_is_translated_too(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
):
    sim.config.remix = True  # V2 asks for its prompt
    chat = tg.private_chat()
    async with running(settings_for(translate_prompts=True)):
        grid = await draws(tg, chat, chat.user or {}, "a fox")
        status, question = await press_and_ask(tg, chat, grid, "V2")
        tg.send_text(chat, "一只红色的狐狸", reply_to=question.message_id)
        variation = await finished(tg, chat, status.message_id)
    assert [m["prompt"] for m in submits(sim, "/submit/modal")] == ["a red fox"]
    assert variation.plain_text.startswith("🈯 Translated into English from: 一只红色的狐狸")
