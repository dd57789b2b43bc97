"""Settings: validated at start, one clear message naming the bad setting, secrets never echoed."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from bot.config import ConfigError, load_settings
from bot.logs import Redactor
from bot.mj import AuthStyle, Speed

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9"


@pytest.fixture
def env(monkeypatch):
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "MJ_BASE_URL",
        "MJ_API_KEY",
        "MJ_AUTH_STYLE",
        "MJ_SPEED",
        "POLL_INTERVAL",
        "ADMIN_IDS",
        "DATABASE_PATH",
        "TELEGRAM_API_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("MJ_BASE_URL", "https://api.example.com/")
    return monkeypatch


def test_defaults_and_parsing(env):
    env.setenv("ADMIN_IDS", "12345, 67890")
    env.setenv("MJ_AUTH_STYLE", "mj-api-secret")
    env.setenv("MJ_SPEED", "relax")
    env.setenv("POLL_INTERVAL", "0.5")
    settings = load_settings(env_file=None)
    assert settings.mj_base_url == "https://api.example.com"
    assert settings.admin_ids == frozenset({12345, 67890})
    assert settings.mj_auth_style is AuthStyle.MJ_API_SECRET
    assert settings.mj_speed is Speed.RELAX
    assert settings.poll_interval == 0.5
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert TOKEN not in repr(settings)


def test_a_speed_the_v1_root_does_not_offer_is_one_clear_line(env):
    # seed 003's /v1 root documents mj-fast and mj-relax only (docs/provider-api.md §1)
    env.setenv("MJ_BASE_URL", "https://api.example.com/v1")
    env.setenv("MJ_SPEED", "turbo")
    with pytest.raises(ConfigError) as info:
        load_settings(env_file=None)
    assert str(info.value).splitlines() == [
        "Configuration error:",
        "  MJ_SPEED=turbo does not fit MJ_BASE_URL: a /v1 provider root offers only fast and relax "
        "(model mj-fast or mj-relax), not turbo.",
    ]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("TELEGRAM_BOT_TOKEN", None, "TELEGRAM_BOT_TOKEN is required"),
        ("MJ_BASE_URL", None, "MJ_BASE_URL is required"),
        ("TELEGRAM_BOT_TOKEN", "not-a-token", "TELEGRAM_BOT_TOKEN is invalid"),
        ("MJ_BASE_URL", "api.example.com", "MJ_BASE_URL is invalid: expected an http:// or https:// URL"),
        ("MJ_AUTH_STYLE", "basic", "MJ_AUTH_STYLE is invalid"),
        ("MJ_SPEED", "ludicrous", "MJ_SPEED is invalid"),
        ("POLL_INTERVAL", "soon", "POLL_INTERVAL is invalid"),
        ("POLL_INTERVAL", "0", "POLL_INTERVAL is invalid"),
        ("ADMIN_IDS", "12,alice", "ADMIN_IDS is invalid: expected comma-separated numeric"),
        ("TELEGRAM_PROXY", "http://proxy.example:312800", "TELEGRAM_PROXY is invalid: expected a proxy URL"),
        ("MJ_PROXY", "ftp://proxy.example:21", "MJ_PROXY is invalid: expected a proxy URL"),
    ],
)
def test_bad_settings_are_named(env, name, value, expected):
    if value is None:
        env.delenv(name)
    else:
        env.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None)
    assert expected in str(caught.value)
    assert "not-a-token" not in str(caught.value)


def test_the_bot_stops_with_one_clear_line_and_no_traceback(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "MJ_BASE_URL": "https://api.example.com"}
    result = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is required" in result.stderr
    assert "Traceback" not in result.stderr


def test_log_filter_redacts_token_and_key(caplog):
    logger = logging.getLogger("test.redaction")
    record = logger.makeRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "POST https://api.telegram.org/bot%s/getMe key=%s",
        (TOKEN, "sk-secret-provider-key"),
        None,
    )
    Redactor(["sk-secret-provider-key"]).apply(record)
    message = record.getMessage()
    assert TOKEN not in message
    assert "sk-secret-provider-key" not in message
    assert message == "POST https://api.telegram.org/bot<redacted>/getMe key=<redacted>"


def test_an_unusable_database_path_is_named_without_a_traceback(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "MJ_BASE_URL": "https://api.example.com",
        "DATABASE_PATH": str(tmp_path),  # a directory, not a file
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert f"DATABASE_PATH ({tmp_path}) cannot be opened" in result.stderr
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stderr
