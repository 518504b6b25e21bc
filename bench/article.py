"""Speed on the seed article: time per question in-process, and process start to first answer.

python bench/article.py [--questions ../shared/eval/article-questions.jsonl] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.service import KnowledgeService  # noqa: E402

DEFAULT_QUESTIONS = ROOT.parent / "shared" / "eval" / "article-questions.jsonl"
FALLBACK = [
    "why Ramstein?",
    "what did Stoltenberg say?",
    "What is NATO setting up in Germany?",
    "wat did stoltenburg anounce",
    "Huawei P40 Pro camera review",
    "lol",
]


def time_answers(service: KnowledgeService, questions: list[str]) -> tuple[float, float]:
    """Median and p99 milliseconds of service.ask over the questions, in process."""
    times = []
    for q in questions:
        t = time.perf_counter()
        service.ask(q)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.99) - 1)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    ap.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    ap.add_argument("--runs", type=int, default=5, help="process start-ups to time")
    args = ap.parse_args(argv)
    if args.questions.exists():
        questions = [json.loads(line)["q"] for line in args.questions.read_text().splitlines() if line.strip()]
    else:
        print(f"{args.questions} not found; using built-in questions")
        questions = FALLBACK

    service = KnowledgeService.open(args.knowledge, use_saved_index=False)
    median, p99 = time_answers(service, questions * 50)
    print(
        f"in-process: {len(questions) * 50} answers, median {median:.2f} ms, p99 {p99:.2f} ms (target: median < 5 ms)"
    )

    starts = []
    for _ in range(args.runs):
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "ask", "--json", "--knowledge", str(args.knowledge), questions[0]],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        starts.append(time.perf_counter() - t)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 1
    print(
        f"process start to first answer (python -m bot ask): median {statistics.median(starts):.2f} s, "
        f"max {max(starts):.2f} s over {args.runs} runs (target: < 1.5 s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
