"""Build speed on documentation: the poetry docs read and indexed, and a generated Markdown
corpus (default ~100 MB): time and peak memory of a fresh build (no saved index).

    python bench/docs_build.py [--runs 3] [--mb 100] [--skip-corpus]

The corpus is generated once into bench/.cache/md-<MB>mb/ (git-ignored): files of ~250 KB
with headings, paragraphs, lead-ins with fenced code, nested lists and tables, from a
fixed pseudo-random vocabulary. Each build runs in its own process, so the peak (VmHWM)
is the build's alone; the build's reader processes are reported apart (their largest peak).
Figures on a shared machine are rough.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

POETRY = ROOT.parent / "shared" / "eval" / "docs-poetry"
CACHE = ROOT / "bench" / ".cache"
FILE_BYTES = 250_000


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            try:
                kids = [int(x) for x in task.read_text().split()]
            except OSError:
                continue
            out.extend(kids)
            todo.extend(kids)
    return out


def _watch_workers(stop: threading.Event, peaks: dict[int, float]) -> None:
    """The peak memory (VmHWM) of every process the build starts, read until it ends."""
    while not stop.wait(0.1):
        for pid in _descendants(os.getpid()):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[pid] = max(peaks.get(pid, 0.0), int(line.split()[1]) / 1024)
            except OSError:
                pass


def worker(folder: Path) -> dict:
    from bot.builder import build_knowledge

    base = _status_mb("VmRSS")
    peaks: dict[int, float] = {}
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_workers, args=(stop, peaks), daemon=True)
    watcher.start()
    t = time.perf_counter()
    built = build_knowledge(folder)
    seconds = time.perf_counter() - t
    stop.set()
    watcher.join()
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    # Reader processes (the build's pool) have their own memory: the largest one's peak.
    child = max(peaks.values(), default=0.0)
    return {
        "seconds": seconds,
        "peak_mb": _status_mb("VmHWM"),
        "base_mb": base,
        "input_mb": size / 1e6,
        "worker_peak_mb": child,
        "files": len(built.kb.documents),
        "passages": len(built.kb.passages),
        "skipped": len(built.kb.skipped),
    }


def run(folder: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", str(folder)], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _words(rng: random.Random) -> list[str]:
    letters = "etaoinshrdlcumwfgypbvkjxqz"
    return ["".join(rng.choice(letters[: 10 + i % 16]) for _ in range(2 + i % 9)) for i in range(20_000)]


def _sentence(rng: random.Random, vocab: list[str]) -> str:
    n = rng.randint(6, 22)
    words = [vocab[min(int(rng.paretovariate(1.1)) - 1, len(vocab) - 1)] for _ in range(n)]
    return " ".join(words).capitalize() + rng.choice(".....?!")


def _file(rng: random.Random, vocab: list[str]) -> str:
    out: list[str] = ["---", f"title: {_sentence(rng, vocab)[:40]}", "---", "", f"# {_sentence(rng, vocab)[:50]}", ""]
    size = 0
    while size < FILE_BYTES:
        level = rng.choice((2, 2, 3, 3, 4))
        block = [f"{'#' * level} {_sentence(rng, vocab)[:60].rstrip('.?!')}", ""]
        for _ in range(rng.randint(1, 5)):
            kind = rng.random()
            if kind < 0.55:
                block += [" ".join(_sentence(rng, vocab) for _ in range(rng.randint(1, 7))), ""]
            elif kind < 0.7:
                code = "\n".join(
                    f"{rng.choice(vocab)} --{rng.choice(vocab)} {rng.choice(vocab)}" for _ in range(rng.randint(1, 8))
                )
                block += [f"Run it with `{rng.choice(vocab)}`:", "", "```bash", code, "", "# done", "```", ""]
            elif kind < 0.85:
                for _ in range(rng.randint(2, 6)):
                    block.append(f"- {_sentence(rng, vocab)}")
                    if rng.random() < 0.3:
                        block.append(f"    - {_sentence(rng, vocab)}")
                block.append("")
            else:
                block += ["| name | value |", "|---|---|"]
                block += [f"| `{rng.choice(vocab)}` | {_sentence(rng, vocab)} |" for _ in range(rng.randint(2, 6))]
                block.append("")
        text = "\n".join(block)
        out.append(text)
        size += len(text)
    return "\n".join(out) + "\n"


def corpus(mb: int) -> Path:
    folder = CACHE / f"md-{mb}mb"
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(9)
    vocab = _words(rng)
    total, n = 0, 0
    while total < mb * 1e6:
        sub = folder / f"part{n // 100:03}"
        sub.mkdir(exist_ok=True)
        text = _file(rng, vocab)
        (sub / f"page-{n:05}.md").write_text(text, encoding="utf-8")
        total += len(text.encode("utf-8"))
        n += 1
    done.write_text(str(total))
    return folder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--skip-corpus", action="store_true")
    ap.add_argument("--worker", type=Path)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return 0
    if POETRY.exists():
        runs = [run(POETRY) for _ in range(args.runs)]
        r = runs[0]
        print(
            f"poetry docs ({r['files']} files, {r['input_mb']:.2f} MB, {r['passages']} passages): read + indexed "
            f"in {statistics.median(x['seconds'] for x in runs):.2f} s (median of {args.runs}; target <= 2 s), "
            f"peak {r['peak_mb']:.0f} MB"
        )
    else:
        print(f"{POETRY} not found: poetry docs timing skipped")
    if not args.skip_corpus:
        t = time.perf_counter()
        folder = corpus(args.mb)
        gen = time.perf_counter() - t
        r = run(folder)
        grown = r["peak_mb"] - r["base_mb"]
        print(
            f"generated Markdown corpus ({r['files']} files, {r['input_mb']:.0f} MB, {r['passages']} passages; "
            f"generated in {gen:.0f} s): built in {r['seconds']:.1f} s "
            f"({r['input_mb'] / r['seconds']:.2f} MB/s), peak {r['peak_mb']:.0f} MB "
            f"(+{grown:.0f} MB over start-up = {grown / r['input_mb']:.1f}x the input); "
            f"largest reader process peak {r['worker_peak_mb']:.0f} MB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
