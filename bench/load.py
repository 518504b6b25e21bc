"""Load: 1,000 questions injected over the gateway as fast as the fake Discord can send them.

    python bench/load.py [--questions 1000] [--mode process|inprocess] [--rate 0] [--channels 1]

The bot is the real one: by default `python -m bot run` in its own process, configured only
through the environment (DISCORD_API_BASE / DISCORD_GATEWAY_URL point it at the loopback
fake, COOLDOWN_QUESTIONS=0 turns the per-user limit off); `--mode inprocess` runs it on the
benchmark's own event loop instead (bot and fake then share one core). Every question is an
@mention in the guild channel (five article questions in turn). Latency is measured per
question on one clock: from just before the fake builds and sends the MESSAGE_CREATE to the
moment the fake received the bot's POST /channels/{id}/messages replying to it. `--rate N`
paces injection at N questions per second instead of sending them all at once (0, the
default, = as fast as possible); `--channels N` spreads the questions over N channels.

Target on a 2-core machine: every question answered, p50 <= 20 ms, p99 <= 100 ms.
No network but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.e2e_helpers import (  # noqa: E402
    KNOWLEDGE,
    MESSAGES_ROUTE,
    base_env,
    discord_globals_restored,
    quicken,
    subprocess_env,
)
from tests.fakes.fake_discord import FakeDiscord, payloads  # noqa: E402

QUESTION = "why Ramstein?"
# Answerable questions about the seed article, asked in turn (typos included).
QUESTIONS = [
    QUESTION,
    "what did Stoltenberg say?",
    "What is NATO setting up in Germany?",
    "wat did stoltenburg anounce",
    "where is the space center?",
]
TARGET_P50_MS, TARGET_P99_MS = 20.0, 100.0


@contextlib.asynccontextmanager
async def bot_process(fake: FakeDiscord, tmp: Path, profile: Path | None = None) -> AsyncIterator[None]:
    env = subprocess_env(base_env(fake, KNOWLEDGE, tmp, LOG_LEVEL="INFO"))
    profiler = ["-m", "cProfile", "-o", str(profile.resolve())] if profile else []
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *profiler,
        "-m",
        "bot",
        "run",
        cwd=tmp,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    ready = asyncio.Event()
    log: list[str] = []

    async def drain() -> None:  # keep reading, or a full pipe would stall the bot
        assert proc.stderr is not None
        async for line in proc.stderr:
            log.append(line.decode(errors="replace"))
            if "logged in as" in log[-1]:
                ready.set()

    reader = asyncio.create_task(drain())
    try:
        await asyncio.wait_for(ready.wait(), 30)
        yield
    except TimeoutError:
        raise SystemExit("the bot did not log in within 30 s:\n" + "".join(log[-20:])) from None
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
        reader.cancel()
        errors = [line for line in log if " ERROR " in line or "Traceback" in line]
        if errors:
            print("bot errors:\n" + "".join(errors[:10]), file=sys.stderr)


@contextlib.asynccontextmanager
async def bot_in_process(fake: FakeDiscord, tmp: Path, profile: Path | None = None) -> AsyncIterator[None]:
    from bot.config import Settings
    from bot.discord.client import create_bot
    from bot.service import KnowledgeService

    settings = Settings.from_env(base_env(fake, KNOWLEDGE, tmp))
    with discord_globals_restored():
        bot = await create_bot(settings, KnowledgeService.open(settings.knowledge_dir))
        quicken(bot)
        async with fake.run_client(bot, ready_timeout=30):
            yield


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def add_channels(fake: FakeDiscord, count: int) -> list[str]:
    """The default channel plus ``count - 1`` more (before the bot connects, so GUILD_CREATE has them)."""
    ids = [fake.channel_id]
    for i in range(1, count):
        cid = fake.snowflake()
        fake.channels[cid] = payloads.text_channel_payload(cid, fake.guild_id, f"questions-{i}", position=i)
        ids.append(cid)
    return ids


async def run(n: int, mode: str, rate: float, warmup: int, channels: int, profile: Path | None) -> int:
    load_before = os.getloadavg()[0]  # other work on the machine skews every figure below
    with tempfile.TemporaryDirectory(prefix="kb-load-") as tmpdir:
        tmp = Path(tmpdir)
        async with FakeDiscord() as fake:
            channel_ids = add_channels(fake, channels)
            starter = bot_process if mode == "process" else bot_in_process
            async with starter(fake, tmp, profile):
                for _ in range(warmup):  # first answers pay for lazy imports and caches
                    await fake.wait_for_reply(await fake.send_message(QUESTION, mentions_bot=True), timeout=30)
                first_request = len(fake.requests)

                sent: dict[str, float] = {}
                t0 = time.monotonic()
                for i in range(n):
                    if rate > 0:
                        delay = t0 + i / rate - time.monotonic()
                        await asyncio.sleep(max(0.0, delay))
                    else:
                        await asyncio.sleep(0)  # let the fake serve the bot's POSTs between sends
                    # Stamped before the fake builds and writes the MESSAGE_CREATE: conservative, and
                    # immune to the fake's loop running other tasks before send_message returns.
                    before = time.monotonic()
                    question = QUESTIONS[i % len(QUESTIONS)]
                    msg = await fake.send_message(question, mentions_bot=True, channel_id=channel_ids[i % channels])
                    sent[msg["id"]] = before
                injected = time.monotonic() - t0

                # Poll an incremental scan (a full scan per wake-up would be quadratic and
                # steal CPU from the fake while it is serving the bot).
                answered: set[str] = set()
                scanned = first_request
                deadline = time.monotonic() + 60
                while len(answered) < n and time.monotonic() < deadline:
                    await asyncio.sleep(0.02)
                    while scanned < len(fake.requests) and fake.requests[scanned].status is not None:
                        rec = fake.requests[scanned]
                        scanned += 1
                        if rec.status == 200 and rec.matches("POST", MESSAGES_ROUTE):
                            answered.add(str(((rec.json or {}).get("message_reference") or {}).get("message_id")))
                done = time.monotonic() - t0

        got = {}
        failed = 0
        for rec in fake.requests[first_request:]:
            if rec.matches("POST", MESSAGES_ROUTE):
                if rec.status != 200:
                    failed += 1
                    continue
                ref = str(((rec.json or {}).get("message_reference") or {}).get("message_id"))
                if ref in sent and ref not in got:
                    got[ref] = rec
        latencies = sorted((rec.time - sent[mid]) * 1000 for mid, rec in got.items())
        cited = sum(  # an answer embed ends with its citation, "— Title · ¶N"
            1
            for rec in got.values()
            if " · ¶" in (rec.json.get("embeds") or [{}])[0].get("description", "").rpartition("\n\n— ")[2]
        )

    p50, p90, p99 = (percentile(latencies, q) for q in (50, 90, 99))
    print(
        f"bot: {'python -m bot run (own process)' if mode == 'process' else 'in-process, same event loop'}; "
        f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}; "
        f"load average before the run {load_before:.2f}"
    )
    print(
        f"questions sent:      {n} in {injected * 1000:.0f} ms "
        f"({n / injected:.0f}/s{f', paced at {rate:g}/s' if rate else ', as fast as the fake can send'})"
    )
    print(f"answered:            {len(got)}/{n} ({cited} with a cited answer), failed POSTs: {failed}")
    print(f"all answered after:  {done * 1000:.0f} ms from the first send ({len(got) / done:.0f} answers/s)")
    if latencies:
        print(
            f"latency (ms):        p50 {p50:.1f}  p90 {p90:.1f}  p99 {p99:.1f}  "
            f"max {latencies[-1]:.1f}  mean {statistics.fmean(latencies):.1f}  min {latencies[0]:.1f}"
        )
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    if mode == "process":
        print(
            f"CPU seconds:         fake {me.ru_utime + me.ru_stime:.2f}, bot process {children.ru_utime + children.ru_stime:.2f} "
            "(whole runs, start-up included)"
        )
    ok = len(got) == n and p50 <= TARGET_P50_MS and p99 <= TARGET_P99_MS
    print(
        f"target (all answered, p50 <= {TARGET_P50_MS:g} ms, p99 <= {TARGET_P99_MS:g} ms): {'met' if ok else 'NOT met'}"
    )
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=int, default=1000)
    ap.add_argument("--mode", choices=("process", "inprocess"), default="process")
    ap.add_argument("--rate", type=float, default=0.0, help="questions per second (0 = as fast as possible)")
    ap.add_argument("--warmup", type=int, default=20, help="questions answered before measuring")
    ap.add_argument("--channels", type=int, default=1, help="spread the questions over this many channels")
    ap.add_argument("--profile", type=Path, help="process mode: cProfile the bot into this file")
    args = ap.parse_args(argv)
    return asyncio.run(run(args.questions, args.mode, args.rate, args.warmup, max(1, args.channels), args.profile))


if __name__ == "__main__":
    raise SystemExit(main())
