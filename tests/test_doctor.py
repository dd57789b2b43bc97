"""`mjbot doctor` against the fake Bot API and the simulator: each misconfiguration named, with its fix."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.doctor import Finding, diagnose, report
from bot.mj import AuthStyle
from bot.simulator import Simulator
from tests.conftest import MJ_KEY, running
from tests.fake_telegram import FakeTelegram


def _problems(findings: list[Finding]) -> list[str]:
    return [f.line() for f in findings if f.is_problem]


async def test_a_working_set_up_has_no_problems(tg: FakeTelegram, sim: Simulator, settings_for) -> None:
    findings = await diagnose(settings_for())
    assert _problems(findings) == []
    text = report(findings)
    assert "✓ Telegram: the token works: @mj_test_bot" in text
    assert "list-by-condition answers" in text
    assert text.endswith("Everything looks right.")
    assert [r for r in sim.requests if "/submit/" in r.path] == []  # nothing was drawn or paid for


async def test_a_wrong_key_is_named(tg: FakeTelegram, sim: Simulator, settings_for) -> None:
    findings = await diagnose(settings_for(mj_api_key="sk-not-the-key-0000"))
    [problem] = _problems(findings)
    assert "refuses MJ_API_KEY in every auth style" in problem
    assert "sk-not-the-key-0000" not in report(findings)


@pytest.mark.parametrize(("provider", "configured"), [("mj-api-secret", "bearer"), ("raw", "bearer")])
async def test_a_wrong_auth_style_is_named_with_the_right_one(
    tg: FakeTelegram, sim: Simulator, settings_for, provider: str, configured: str
) -> None:
    sim.config.auth_style = provider
    findings = await diagnose(settings_for(mj_auth_style=AuthStyle(configured)))
    [problem] = _problems(findings)
    assert f"refused as MJ_AUTH_STYLE={configured} but accepted as {provider}" in problem
    assert f"Fix: Set MJ_AUTH_STYLE={provider}." in problem


@pytest.mark.parametrize("tail", ["/mj", "/mj-fast/mj"])
async def test_a_trailing_mj_in_the_base_url_is_spotted(tg: FakeTelegram, sim: Simulator, settings_for, tail: str):
    findings = await diagnose(settings_for(mj_base_url=sim.base_url + tail))
    [problem] = _problems(findings)
    assert f"MJ_BASE_URL ends in {tail}" in problem
    assert f"Fix: Set MJ_BASE_URL={sim.base_url} " in problem


async def test_a_base_url_with_no_api_behind_it(tg: FakeTelegram, sim: Simulator, settings_for) -> None:
    [problem] = _problems(await diagnose(settings_for(mj_base_url=f"{sim.base_url}/api/v2")))
    assert "no midjourney-proxy API under MJ_BASE_URL" in problem


@pytest.mark.parametrize(
    ("dialect", "guess"),
    [
        ("nz", "novicezk's open-source midjourney-proxy (NZ)"),
        ("ta", "trueai-org's midjourney-proxy (TA)"),
        ("na", "a new-api relay (NA)"),
        ("plus", "midjourney-proxy-plus (PLUS)"),
        ("uniapi", "a relay that lists no tasks"),
    ],
)
async def test_the_dialect_is_recognised(tg: FakeTelegram, sim: Simulator, settings_for, dialect: str, guess: str):
    sim.config.dialect = dialect
    findings = await diagnose(settings_for())
    assert _problems(findings) == []
    assert any(guess in f.text for f in findings), report(findings)


async def test_telegram_problems_are_told_apart(tg: FakeTelegram, sim: Simulator, settings_for) -> None:
    wrong_token = await diagnose(settings_for(telegram_bot_token="999999:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9"))
    not_a_bot_api = await diagnose(settings_for(telegram_api_base_url=f"{sim.base_url}/bot"))
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in _problems(wrong_token)[0]
    assert "not like a Telegram Bot API server" in _problems(not_a_bot_api)[0]


async def test_webhook_state_and_an_unreachable_public_url(tg: FakeTelegram, sim: Simulator, settings_for) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = settings_for(public_url="https://mjbot.invalid", port=port, listen_host="127.0.0.1")
    async with running(settings):
        findings = await diagnose(settings)
    assert any(f.ok and "Telegram delivers updates to https://mjbot.invalid/telegram" in f.text for f in findings)
    [problem] = _problems(findings)
    assert "https://mjbot.invalid/healthz does not answer" in problem
    assert "does the TLS proxy forward PUBLIC_URL" in problem


async def test_the_command_prints_the_fix_and_fails(tg: FakeTelegram, sim: Simulator, tmp_path: Path) -> None:
    sim.config.auth_style = "mj-api-secret"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_API_BASE_URL": f"{tg.url}/bot",
        "MJ_BASE_URL": sim.base_url,
        "MJ_API_KEY": MJ_KEY,
        "DATABASE_PATH": str(tmp_path / "mjbot.sqlite3"),
    }
    command = [sys.executable, "-m", "bot", "doctor"]
    result = await asyncio.to_thread(  # the fakes answer on this event loop meanwhile
        subprocess.run, command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "✗ Provider: the key is refused as MJ_AUTH_STYLE=bearer but accepted as mj-api-secret" in result.stdout
    assert "→ Set MJ_AUTH_STYLE=mj-api-secret." in result.stdout
    assert "1 problem found." in result.stdout
    assert tg.token not in result.stdout + result.stderr
    assert MJ_KEY not in result.stdout + result.stderr


def test_doctor_names_a_bad_setting_without_a_traceback(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MJ_BASE_URL": "https://api.example.com"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "doctor"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is required" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
