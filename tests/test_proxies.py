"""Proxies: the bot reaches Telegram and the provider each through its own HTTP or SOCKS5 proxy.

The fake Bot API and the simulator are configured under host names only the proxies can resolve
(`.invalid` never resolves), so a result that arrives proves every request took its proxy: updates, sends,
the provider's API and the image download alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from urllib.parse import urlsplit

import pytest

from bot.config import Settings
from bot.simulator import Simulator
from tests.conftest import running
from tests.fake_telegram import FakeTelegram
from tests.proxies import HttpProxy, Proxy, Socks5Proxy
from tests.test_flow import GRID_ROWS, finished, status_reply_to

TELEGRAM_HOST = "telegram.invalid"
PROVIDER_HOST = "provider.invalid"


def _hidden(url: str, name: str) -> tuple[str, str]:
    """`url` with its host replaced by `name`, and the proxy table entry that undoes it."""
    parts = urlsplit(url)
    assert parts.hostname is not None
    return url.replace(parts.hostname, name, 1), parts.hostname


@pytest.fixture
def hidden_settings(
    tg: FakeTelegram, sim: Simulator, settings_for: Callable[..., Settings]
) -> Callable[..., tuple[Settings, dict[str, str]]]:
    """Settings naming Telegram and the provider by names only a proxy knows, and the proxies' name table."""

    def make(**overrides: object) -> tuple[Settings, dict[str, str]]:
        telegram_url, telegram_ip = _hidden(tg.url, TELEGRAM_HOST)
        provider_url, provider_ip = _hidden(sim.base_url, PROVIDER_HOST)
        sim.config.public_base_url = provider_url  # the images too, as a CDN behind the same wall
        settings = settings_for(
            telegram_api_base_url=f"{telegram_url}/bot",
            telegram_file_base_url=f"{telegram_url}/file/bot",
            mj_base_url=provider_url,
            **overrides,
        )
        return settings, {TELEGRAM_HOST: telegram_ip, PROVIDER_HOST: provider_ip}

    return make


@pytest.fixture
async def socks() -> AsyncIterator[Socks5Proxy]:
    proxy = Socks5Proxy({})
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest.fixture
async def http_proxy() -> AsyncIterator[HttpProxy]:
    proxy = HttpProxy({})
    await proxy.start()
    yield proxy
    await proxy.stop()


async def _draws_a_grid(tg: FakeTelegram) -> None:
    chat = tg.private_chat()
    request = tg.send_text(chat, "/imagine a fox behind a firewall")
    status = await status_reply_to(tg, chat, request.message_id)
    grid = await finished(tg, chat, status.message_id)
    assert grid.button_rows == GRID_ROWS
    assert grid.plain_text.startswith("a fox behind a firewall")


def _hosts(proxy: Proxy) -> set[str]:
    return {target.split("://")[-1].split("/")[0].rsplit(":", 1)[0] for target in proxy.targets}


@pytest.mark.parametrize("telegram_via", ["socks5", "http"])
async def test_telegram_and_the_provider_each_through_its_own_proxy(
    tg: FakeTelegram,
    sim: Simulator,
    socks: Socks5Proxy,
    http_proxy: HttpProxy,
    hidden_settings: Callable[..., tuple[Settings, dict[str, str]]],
    telegram_via: str,
) -> None:
    for_telegram, for_provider = (socks, http_proxy) if telegram_via == "socks5" else (http_proxy, socks)
    settings, names = hidden_settings(telegram_proxy=for_telegram.url, mj_proxy=for_provider.url)
    socks.names = http_proxy.names = names
    async with running(settings):
        await _draws_a_grid(tg)
    assert _hosts(for_telegram) == {TELEGRAM_HOST}
    assert _hosts(for_provider) == {PROVIDER_HOST}


async def test_without_proxy_settings_the_usual_all_proxy_variable_is_honoured(
    tg: FakeTelegram,
    sim: Simulator,
    socks: Socks5Proxy,
    hidden_settings: Callable[..., tuple[Settings, dict[str, str]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("ALL_PROXY", socks.url)
    settings, names = hidden_settings()
    socks.names = names
    async with running(settings):
        await _draws_a_grid(tg)
    assert _hosts(socks) == {TELEGRAM_HOST, PROVIDER_HOST}
