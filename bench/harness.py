"""One benchmark run: a bot process, the simulator process, and the fake Bot API here, N jobs at once.

The fake Bot API (tests/fake_telegram.py) runs in this process so that every request the bot makes, and
every state a message went through, can be looked at afterwards; the simulator and the bot are processes
of their own. Times are compared on the wall clock, which all three processes share.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.fake_telegram import Chat, FakeTelegram, Message

TOKEN = "7000001:BENCH-token-abcdefghijklmnopqrstuvwxyz"
MJ_KEY = "sk-bench-0001"
REPO = Path(__file__).resolve().parent.parent
BOTS = {"mjbot": "bench.probe", "peers": "bench.peers"}
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_GIVE_UP = 60.0  # no new result for this long: what is missing will not come (the peers' bot drops some)


@dataclass(frozen=True)
class Scenario:
    bot: str  # "mjbot" (this project, with the CPU probe) or "peers" (bench/peers.py)
    jobs: int
    flood: bool = True  # the fake Bot API answers 429 beyond Telegram's budgets
    task_seconds: float = 20.0  # SUBMITTED + IN_PROGRESS at the simulator
    poll_interval: float = 2.0
    per_chat: int = 5  # jobs started in each chat
    group_every: int = 4  # every 4th chat is a group (the rest are private chats)
    image_size: int = 512  # long side of the simulator's grids
    result_bytes: int | None = None  # serve a noise PNG this big as every result (the memory figure)
    callbacks: bool = False  # the simulator posts notifyHook callbacks to the bot's HTTP server
    strict_flood: bool = False  # the fake's budgets tighter than the bot's own: its 429 handling is exercised

    @property
    def chats(self) -> int:
        return -(-self.jobs // self.per_chat)


@dataclass
class Outcome:
    scenario: Scenario
    load_before: float
    load_after: float
    duration_s: float
    delivered: int
    provider_requests: Counter[str]
    telegram_calls: Counter[str]
    telegram_429: int
    cpu_s: float
    image_cpu_s: float
    image_calls: int
    peak_rss_mb: float
    idle_rss_mb: float
    delivery_s: list[float] = field(default_factory=list)  # SUCCESS at the simulator → result in Telegram
    submit_s: list[float] = field(default_factory=list)  # the update → the submit at the simulator
    end_to_end_s: list[float] = field(default_factory=list)  # the update → the result in Telegram
    success_at: list[float] = field(default_factory=list)  # epoch seconds of each SUCCESS (for the budget bound)
    chat_of: list[int] = field(default_factory=list)
    harness_cpu_s: float = 0.0
    notes: list[str] = field(default_factory=list)


@dataclass
class _Job:
    index: int
    chat: Chat
    request_id: int
    sent_at: float  # epoch seconds
    delivered_at: float | None = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime + stime, all threads


def _proc_rss(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def endpoint(method: str, path: str) -> str:
    """A provider path with its task id taken out, previews told apart from results."""
    if path.startswith("/images/"):
        return "GET image (preview)" if "_p" in path else "GET image (result)"
    return f"{method} " + re.sub(r"/task/[^/]+/(fetch|cancel|image-seed)", r"/task/{id}/\1", path)


class Run:
    def __init__(self, scenario: Scenario, workdir: Path) -> None:
        self.s = scenario
        self.dir = workdir
        self.fake = FakeTelegram(token=TOKEN, bot_username="mj_bench_bot")
        self.sim: subprocess.Popen[str] | None = None
        self.bot: subprocess.Popen[bytes] | None = None
        self.sim_url = ""
        self.offset = time.time() - time.monotonic()  # the fake records monotonic times

    async def __aenter__(self) -> Run:
        await self.fake.start()
        if self.s.flood and self.s.strict_flood:
            # Stricter than the send path's own model in every budget, as Telegram may well be for some bots.
            self.fake.flood_control(
                per_chat_per_second=0.8, private_burst=2, per_group_per_minute=16, global_per_second=24
            )
        elif self.s.flood:
            self.fake.flood_control()  # the Bots FAQ budgets: ~1/s per chat, 20/min per group, 30/s overall
        self.sim_url = self._start_simulator()
        self.bot = self._start_bot()
        await self._ready()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop the bot (SIGTERM: it shuts down as in production), the simulator and the fake (idempotent)."""
        if self.bot is not None and self.bot.poll() is None:
            self.bot.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.bot.wait, 30)
            except subprocess.TimeoutExpired:
                self.bot.kill()
        if self.sim is not None:
            assert self.sim.stdin is not None
            self.sim.stdin.close()
            try:
                await asyncio.to_thread(self.sim.wait, 10)
            except subprocess.TimeoutExpired:
                self.sim.kill()
            self.sim = None
        await self.fake.stop()

    def _start_simulator(self) -> str:
        config = {
            "api_key": MJ_KEY,
            "queue_seconds": 0.0,
            "submitted_seconds": 2.0,
            "render_seconds": self.s.task_seconds - 2.0,
            "image_size": self.s.image_size,
            "callbacks": self.s.callbacks,
        }
        if self.s.result_bytes:
            config["result_bytes"] = self.s.result_bytes
        self.sim = subprocess.Popen(
            [sys.executable, "-m", "bench.simproc", json.dumps(config)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(self.dir / "simulator.log", "w"),  # noqa: SIM115 - closed with the process
            text=True,
        )
        assert self.sim.stdout is not None
        return self.sim.stdout.readline().strip()

    def _start_bot(self) -> subprocess.Popen[bytes]:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(REPO),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": self.fake.base_url,
            "TELEGRAM_FILE_BASE_URL": self.fake.base_file_url,
            "MJ_BASE_URL": self.sim_url,
            "MJ_API_KEY": MJ_KEY,
            "DATABASE_PATH": str(self.dir / "mjbot.sqlite3"),
            "POLL_INTERVAL": str(self.s.poll_interval),
            "BENCH_PROBE_FILE": str(self.dir / "probe.json"),
            # Everyone may draw, without quotas, and the simulator's account runs every task at once: what is
            # measured is the bot, not the operator's limits (the peers' bot has none either).
            "ACCESS": "open",
            "DAILY_LIMIT": "0",
            "IN_FLIGHT_LIMIT": "0",
            "MAX_IN_FLIGHT": "0",
            "USER_RATE_LIMIT": "0",
        }
        if profile := os.environ.get("BENCH_PROFILE"):
            env["BENCH_PROFILE"] = profile
        if self.s.callbacks:
            port = _free_port()
            env |= {"PORT": str(port), "LISTEN_HOST": "127.0.0.1", "MJ_CALLBACK_BASE_URL": f"http://127.0.0.1:{port}"}
        return subprocess.Popen(
            [sys.executable, "-m", BOTS[self.s.bot]],
            cwd=self.dir,  # no .env of a developer's is read
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.dir / "bot.log", "wb"),
        )

    async def _ready(self) -> None:
        deadline = time.monotonic() + 60
        while self.fake.active_polls == 0:
            if self.bot is not None and self.bot.poll() is not None:
                raise RuntimeError(f"the bot exited at start: {(self.dir / 'bot.log').read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("the bot did not start polling within 60 s")
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # let start-up settle (command menu, first scheduler round)

    def _chats(self) -> list[tuple[Chat, list[dict[str, Any]]]]:
        chats = []
        for n in range(self.s.chats):
            if n % self.s.group_every == 1:  # the second chat is a group, so even N=10 has one
                chat = self.fake.group_chat(-1_000_000 - n, f"Group {n}")
                users = [self.fake.user(200_000 + n * 10 + k, f"Member{k}", None) for k in range(self.s.per_chat)]
            else:
                chat = self.fake.private_chat(100_000 + n, f"User{n}", None)
                users = [chat.user] if chat.user is not None else []
            chats.append((chat, users))
        return chats

    async def measure(self) -> Outcome:
        assert self.bot is not None
        chats = self._chats()
        pid = self.bot.pid
        load_before = os.getloadavg()[0]
        cpu0, idle_rss = _proc_cpu(pid), _proc_rss(pid, "VmRSS")
        harness0 = time.process_time()
        t0 = time.monotonic()
        jobs = []
        for index in range(self.s.jobs):
            chat, users = chats[index // self.s.per_chat]
            user = users[index % len(users)]
            message = self.fake.send_text(chat, f"/imagine job-{index} a red fox in the snow --ar 3:2", user=user)
            jobs.append(_Job(index, chat, message.message_id, time.time()))
        await self._wait_delivered(jobs)
        t1 = time.monotonic()
        cpu1, peak_rss = _proc_cpu(pid), _proc_rss(pid, "VmHWM")
        harness_cpu = time.process_time() - harness0
        load_after = os.getloadavg()[0]
        tasks, served = await self._simulator_records()
        await self.close()
        probe = self._probe()
        return self._outcome(
            jobs, tasks, served, t0, t1, cpu1 - cpu0, peak_rss, idle_rss, probe, load_before, load_after, harness_cpu
        )

    async def _wait_delivered(self, jobs: list[_Job]) -> None:
        deadline = time.monotonic() + self.s.task_seconds + 120 + self.s.jobs * 0.3
        pending = {(job.chat.id, job.request_id): job for job in jobs}
        last_news = time.monotonic() + self.s.task_seconds  # no result before the first task is done
        while pending and time.monotonic() < min(deadline, last_news + _GIVE_UP):
            await asyncio.sleep(0.25)
            before = len(pending)
            for chat in {job.chat.id: job.chat for job in pending.values()}.values():
                for message in self.fake.bot_messages(chat, include_deleted=True):
                    job = pending.get((chat.id, message.reply_to_message_id or 0))
                    if job is not None and (at := _result_at(message)) is not None:
                        job.delivered_at = at + self.offset
                        del pending[(chat.id, job.request_id)]
            if len(pending) < before:
                last_news = time.monotonic()

    async def _simulator_records(self) -> tuple[list[dict[str, Any]], list[list[Any]]]:
        headers = {"Authorization": f"Bearer {MJ_KEY}"}  # the simulator asks every route but /_sim/ for the key
        async with httpx.AsyncClient(base_url=self.sim_url, timeout=60, headers=headers) as http:
            tasks = (await http.get("/_sim/tasks")).json()
            served = (await http.get("/_bench/requests")).json()
        return tasks, served

    def _probe(self) -> dict[str, Any]:
        path = self.dir / "probe.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def _outcome(
        self,
        jobs: list[_Job],
        tasks: list[dict[str, Any]],
        served: list[list[Any]],
        t0: float,
        t1: float,
        cpu: float,
        peak_rss: float,
        idle_rss: float,
        probe: dict[str, Any],
        load_before: float,
        load_after: float,
        harness_cpu: float,
    ) -> Outcome:
        by_job: dict[int, dict[str, Any]] = {}
        for task in tasks:
            match = re.search(r"\bjob-(\d+)\b", str(task.get("prompt", "")))
            if match:
                by_job.setdefault(int(match.group(1)), task)
        start, end = t0 + self.offset, t1 + self.offset
        provider = Counter(endpoint(m, p) for at, m, p in served if start <= at <= end)
        window = [c for c in self.fake.calls if t0 <= c.at <= t1 and c.method != "getUpdates"]
        telegram = Counter(c.method for c in window if c.error_code != 429)
        image = [probe.get(name, {}) for name in ("fit_photo", "picture_size")]
        out = Outcome(
            scenario=self.s,
            load_before=load_before,
            load_after=load_after,
            duration_s=t1 - t0,
            delivered=sum(job.delivered_at is not None for job in jobs),
            provider_requests=provider,
            telegram_calls=telegram,
            telegram_429=sum(c.error_code == 429 for c in window),
            cpu_s=cpu,
            image_cpu_s=sum(float(i.get("cpu_s", 0.0)) for i in image),
            image_calls=sum(int(i.get("calls", 0)) for i in image),
            peak_rss_mb=peak_rss,
            idle_rss_mb=idle_rss,
            harness_cpu_s=harness_cpu,
        )
        for job in jobs:
            task = by_job.get(job.index)
            if task is None:
                out.notes.append(f"job-{job.index}: never reached the simulator")
                continue
            out.submit_s.append(task["submitTime"] / 1000 - job.sent_at)
            if job.delivered_at is None:
                continue
            out.end_to_end_s.append(job.delivered_at - job.sent_at)
            if task.get("status") == "SUCCESS" and task.get("finishTime"):
                out.delivery_s.append(job.delivered_at - task["finishTime"] / 1000)
                out.success_at.append(task["finishTime"] / 1000)
                out.chat_of.append(job.chat.id)
        return out


def _result_at(message: Message) -> float | None:
    """When the message first showed a result: the first state of it with buttons other than ✖ Cancel (which a
    job shows while it waits or runs)."""
    for snapshot in message.history:
        if any(not label.startswith("✖") for row in snapshot.button_rows for label in row):
            return snapshot.at
    return None


async def run(scenario: Scenario) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="mjbench-") as tmp:
        async with Run(scenario, Path(tmp)) as bench:
            outcome = await bench.measure()
            log = (Path(tmp) / "bot.log").read_text(errors="replace")
            outcome.notes += [line for line in log.splitlines() if " ERROR " in line][:5]
            return outcome
