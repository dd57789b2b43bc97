"""`python -m bench`: N jobs at once for each N, this bot and the peers' pattern, one table in Markdown.

    python -m bench                          # N = 10, 100, 1000; both bots; flood control on
    python -m bench --jobs 1000 --no-flood   # the same without Telegram's limits (the baseline for them)
    python -m bench --image-mb 10            # peak memory while one 10 MB result is sent

Each run starts the simulator and a bot as processes of their own and the fake Bot API here (bench/harness.py).
The table goes to stdout and, with --out, to a file; every run's raw figures go to --json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from bench.harness import Outcome, Scenario, run

_LOOKUPS = ("GET /mj/task/{id}/fetch", "POST /mj/task/list-by-condition")


def _pct(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _dist(values: Sequence[float]) -> str:
    return f"{_pct(values, 0.5):.1f} / {_pct(values, 0.95):.1f} / {max(values, default=float('nan')):.1f}"


def lookups_per_interval(out: Outcome) -> float:
    """Per poll interval while tasks run: from the first task's start (its SUCCESS less a task's length) to the
    last SUCCESS; the wait for Telegram afterwards asks the provider nothing and would thin the figure out."""
    lookups = sum(out.provider_requests[e] for e in _LOOKUPS)
    span = out.duration_s
    if out.success_at:
        span = max(out.success_at) - min(out.success_at) + out.scenario.task_seconds
    return lookups / max(1.0, span / out.scenario.poll_interval)


def _per_job(count: int, out: Outcome) -> str:
    return f"{count / out.scenario.jobs:.2f}"


def _title(out: Outcome) -> str:
    s = out.scenario
    flood = "" if s.flood else ", no flood control"
    image = f", {s.result_bytes / 2**20:.1f} MiB result" if s.result_bytes else ""
    task = f", {s.task_seconds:.0f}-s tasks" if s.task_seconds != 20.0 else ""
    chats = f", {s.per_chat} a chat" if s.per_chat != 5 else ""
    hooks = ", notifyHook" if s.callbacks else ""
    strict = ", stricter flood control" if s.strict_flood else ""
    return f"{s.bot} N={s.jobs}{flood}{strict}{image}{task}{chats}{hooks}"


def _rows(outs: list[Outcome]) -> list[tuple[str, Callable[[Outcome], str]]]:
    endpoints = sorted({e for o in outs for e in o.provider_requests})
    methods = sorted({m for o in outs for m in o.telegram_calls})
    rows: list[tuple[str, Callable[[Outcome], str]]] = [
        ("jobs delivered", lambda o: f"{o.delivered} / {o.scenario.jobs}"),
        ("chats (private + groups)", lambda o: f"{o.scenario.chats}"),
        ("load average before → after", lambda o: f"{o.load_before:.2f} → {o.load_after:.2f}"),
        ("run time, s", lambda o: f"{o.duration_s:.0f}"),
        ("status lookups per poll interval (tasks running)", lambda o: f"{lookups_per_interval(o):.1f}"),
    ]
    rows += [(f"provider `{e}` per job", lambda o, e=e: _per_job(o.provider_requests[e], o)) for e in endpoints]
    rows += [(f"Telegram `{m}` per job", lambda o, m=m: _per_job(o.telegram_calls[m], o)) for m in methods]
    rows += [
        ("Telegram calls per job, all", lambda o: f"{sum(o.telegram_calls.values()) / o.scenario.jobs:.2f}"),
        ("429s received", lambda o: f"{o.telegram_429}"),
        ("bot CPU per job, ms", lambda o: f"{1000 * o.cpu_s / o.scenario.jobs:.1f}"),
        ("of it image decoding/re-encoding, ms", lambda o: f"{1000 * o.image_cpu_s / o.scenario.jobs:.1f}"),
        ("idle RSS → peak RSS, MB", lambda o: f"{o.idle_rss_mb:.0f} → {o.peak_rss_mb:.0f}"),
        ("SUCCESS → result in Telegram p50 / p95 / max, s", lambda o: _dist(o.delivery_s)),
        ("update → submit p50 / p95 / max, s", lambda o: _dist(o.submit_s)),
        ("update → result p50 / p95 / max, s", lambda o: _dist(o.end_to_end_s)),
    ]
    return rows


def table(outs: list[Outcome]) -> str:
    lines = ["| | " + " | ".join(_title(o) for o in outs) + " |", "|---" * (len(outs) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(cell(o) for o in outs) + " |" for name, cell in _rows(outs)]
    return "\n".join(lines)


def ratios(outs: list[Outcome]) -> str:
    """peers ÷ mjbot for each N both ran at."""
    mine = {o.scenario.jobs: o for o in outs if o.scenario.bot == "mjbot" and o.scenario.flood}
    theirs = {o.scenario.jobs: o for o in outs if o.scenario.bot == "peers" and o.scenario.flood}
    lines = []
    for n in sorted(mine.keys() & theirs.keys()):
        a, b = mine[n], theirs[n]
        figures = {
            "status lookups per interval": (lookups_per_interval(b), lookups_per_interval(a)),
            "Telegram calls per job": (sum(b.telegram_calls.values()), sum(a.telegram_calls.values())),
            "CPU per job": (b.cpu_s, a.cpu_s),
            "delivery p95": (_pct(b.delivery_s, 0.95), _pct(a.delivery_s, 0.95)),
            "update → submit p95": (_pct(b.submit_s, 0.95), _pct(a.submit_s, 0.95)),
            "end to end p95": (_pct(b.end_to_end_s, 0.95), _pct(a.end_to_end_s, 0.95)),
        }
        parts = [f"{k} ×{p / m:.1f}" if m else f"{k} — (0)" for k, (p, m) in figures.items()]
        lines.append(f"- N={n}, peers ÷ mjbot: " + "; ".join(parts))
    return "\n".join(lines)


def _record(out: Outcome) -> dict[str, object]:
    data = asdict(out)
    data["provider_requests"] = dict(out.provider_requests)
    data["telegram_calls"] = dict(out.telegram_calls)
    for key in ("delivery_s", "submit_s", "end_to_end_s"):
        values = getattr(out, key)
        data[key + "_summary"] = {
            "p50": _pct(values, 0.5),
            "p95": _pct(values, 0.95),
            "max": max(values, default=None),
            "mean": statistics.fmean(values) if values else None,
        }
    for key in ("success_at", "chat_of"):
        data.pop(key)
    return data


def _scenarios(args: argparse.Namespace) -> list[Scenario]:
    if args.image_mb:
        size = int(args.image_mb * 1024 * 1024)
        return [Scenario("mjbot", 1, flood=False, task_seconds=3.0, result_bytes=size)]
    return [
        Scenario(
            bot,
            n,
            flood=not args.no_flood,
            task_seconds=args.task_seconds,
            poll_interval=args.poll_interval,
            per_chat=args.per_chat,
            callbacks=args.callbacks,
            strict_flood=args.strict_flood,
        )
        for n in args.jobs
        for bot in args.bots
    ]


async def _main(args: argparse.Namespace) -> int:
    outs: list[Outcome] = []
    for scenario in _scenarios(args):
        print(f"… {scenario} (load {os.getloadavg()[0]:.2f})", file=sys.stderr, flush=True)
        out = await run(scenario)
        outs.append(out)
        for note in out.notes[:5]:
            print(f"   note: {note}", file=sys.stderr)
        print(table([out]), file=sys.stderr, flush=True)
    report = table(outs) + "\n\n" + ratios(outs) + "\n"
    print(report)
    if args.out:
        await asyncio.to_thread(Path(args.out).write_text, report, encoding="utf-8")
    if args.json:
        raw = json.dumps([_record(o) for o in outs], indent=1, default=str)
        await asyncio.to_thread(Path(args.json).write_text, raw, encoding="utf-8")
    return 0 if all(o.delivered == o.scenario.jobs for o in outs) else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[10, 100, 1000], help="N: jobs started at once")
    parser.add_argument("--bots", nargs="+", choices=("mjbot", "peers"), default=["mjbot", "peers"])
    parser.add_argument("--no-flood", action="store_true", help="the fake Bot API enforces no limits")
    parser.add_argument("--task-seconds", type=float, default=20.0, help="how long a task runs at the simulator")
    parser.add_argument("--poll-interval", type=float, default=2.0, help="POLL_INTERVAL of both bots")
    parser.add_argument("--per-chat", type=int, default=5, help="jobs started in each chat (every 4th is a group)")
    parser.add_argument("--callbacks", action="store_true", help="the simulator posts notifyHook callbacks")
    parser.add_argument(
        "--strict-flood", action="store_true", help="the fake Bot API's budgets are tighter than the bot's own"
    )
    parser.add_argument("--image-mb", type=float, help="instead: one job whose result is a noise PNG this big")
    parser.add_argument("--out", help="also write the table here")
    parser.add_argument("--json", help="write every run's raw figures here")
    return asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
