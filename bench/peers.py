"""The peers' pattern, for comparison only: what the Midjourney bots surveyed in peers.md do.

Each /imagine posts a status message first and then submits; every task is fetched on its own every
`POLL_INTERVAL` seconds and its status message edited after each fetch, changed or not ("message is not
modified" is swallowed); the result is sent as a new photo with its buttons and the status message
deleted. Flood control is left to PTB's `AIORateLimiter(max_retries=5)`, as father-bot does.

`python -m bench.peers` reads TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL, MJ_BASE_URL, MJ_API_KEY and
POLL_INTERVAL from the environment, like the bot.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from typing import Any

import httpx
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, CommandHandler, ContextTypes

log = logging.getLogger("peers")


class PeersBot:
    def __init__(self, base_url: str, key: str, poll_interval: float) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30.0)
        self.poll_interval = poll_interval
        self.following: set[asyncio.Task[None]] = set()

    async def imagine(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        prompt = message.text.partition(" ")[2]
        status = await message.reply_text("⏳ Submitting your prompt…", do_quote=True)
        response = await self.http.post("/mj/submit/imagine", json={"prompt": prompt, "botType": "MID_JOURNEY"})
        body = response.json()
        if body.get("code") not in (1, 22):
            await status.edit_text(f"❌ {body.get('description')}")
            return
        task = asyncio.create_task(self.follow(message, status, str(body["result"])))
        self.following.add(task)
        task.add_done_callback(self.following.discard)

    async def follow(self, request: Message, status: Message, task_id: str) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                task = (await self.http.get(f"/mj/task/{task_id}/fetch")).json()
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("fetch %s failed: %s", task_id, exc)
                continue
            try:
                if task.get("status") == "SUCCESS":
                    await self.deliver(request, status, task)
                    return
                if task.get("status") in ("FAILURE", "CANCEL"):
                    await status.edit_text(f"❌ {task.get('failReason')}")
                    return
                await self.edit(status, f"🎨 {task.get('status')} {task.get('progress') or ''}")
            except TelegramError as exc:
                log.error("task %s: Telegram failed: %s", task_id, exc)
                if task.get("status") == "SUCCESS":
                    return  # the result is lost, as it is in the peers' code

    async def edit(self, status: Message, text: str) -> None:
        try:
            await status.edit_text(text)
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise

    async def deliver(self, request: Message, status: Message, task: dict[str, Any]) -> None:
        image = (await self.http.get(task["imageUrl"])).content
        rows: list[list[InlineKeyboardButton]] = [[]]
        for n, button in enumerate(task.get("buttons") or []):
            if len(rows[-1]) == 5:
                rows.append([])
            label = button.get("label") or button.get("emoji") or "•"
            rows[-1].append(InlineKeyboardButton(label, callback_data=f"b{n}"))
        await request.reply_photo(
            image, caption=task.get("prompt", "")[:1000], reply_markup=InlineKeyboardMarkup(rows), do_quote=True
        )
        await status.delete()


async def _run() -> None:
    peers = PeersBot(os.environ["MJ_BASE_URL"], os.environ.get("MJ_API_KEY", ""), float(os.environ["POLL_INTERVAL"]))
    app: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
        .base_file_url(os.environ["TELEGRAM_FILE_BASE_URL"])
        .concurrent_updates(True)
        .rate_limiter(AIORateLimiter(max_retries=5))
        .build()
    )
    app.add_handler(CommandHandler("imagine", peers.imagine))
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(timeout=10)
        await app.start()
        await stopping.wait()
        await app.updater.stop()
        await app.stop()
    for task in peers.following:
        task.cancel()
    await peers.http.aclose()


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_run())


if __name__ == "__main__":
    main()
