"""What semantic matching costs: the question path with the model, passages embedded per
second, start-up from a saved index with saved vectors, and (bench/dense_scale.py) dense
search memory and time at 100k / 1M passages. Timings on a shared 2-core host are rough.

    python bench/semantic_cost.py [--model minilm-l6] [--questions 200]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot.semantic.embedder import load_embedder  # noqa: E402
from bot.semantic.texts import passage_text  # noqa: E402
from bot.service import KnowledgeService  # noqa: E402


def _pct(times: list[float], q: float) -> float:
    times = sorted(times)
    return times[max(0, int(len(times) * q) - 1)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="minilm-l6")
    ap.add_argument("--questions", type=int, default=200)
    args = ap.parse_args(argv)
    from semantic_kb import Squad

    squad = Squad()
    embedder = load_embedder(args.model, threads=2)
    if embedder is None:
        print(f"{args.model} is not installed", file=sys.stderr)
        return 2
    # Passages per second: 128 SQuAD paragraphs, not cached.
    texts = [passage_text(p) for p in squad.all.passages[:128]]
    t = time.perf_counter()
    embedder.embed_passages(texts)
    per_s = len(texts) / (time.perf_counter() - t)
    # A saved index and vectors of all 48 articles, then a fresh start-up.
    tmp = Path(tempfile.mkdtemp())
    kdir = tmp / "squad"
    shutil.copytree(squad.all.root, kdir)
    first = KnowledgeService.open(kdir, embedder=embedder)
    first.wait_semantic()
    first.save_index()
    t = time.perf_counter()
    service = KnowledgeService.open(kdir, embedder=embedder)
    lexical_ready = time.perf_counter() - t
    service.wait_semantic()
    hybrid_ready = time.perf_counter() - t
    # The question path, the question embedded live (no cache).
    times = []
    for q in squad.questions[:: max(1, len(squad.questions) // args.questions)][: args.questions]:
        t = time.perf_counter()
        service.ask(q.question)
        times.append((time.perf_counter() - t) * 1000)
    lexical = KnowledgeService.open(kdir)
    ltimes = []
    for q in squad.questions[:: max(1, len(squad.questions) // args.questions)][: args.questions]:
        t = time.perf_counter()
        lexical.ask(q.question)
        ltimes.append((time.perf_counter() - t) * 1000)
    out = {
        "model": embedder.model_id,
        "passages_per_s": round(per_s, 1),
        "startup_saved_index_s": round(lexical_ready, 3),
        "hybrid_ready_s": round(hybrid_ready, 3),
        "hybrid_p50_ms": round(statistics.median(times), 1),
        "hybrid_p99_ms": round(_pct(times, 0.99), 1),
        "lexical_p50_ms": round(statistics.median(ltimes), 1),
        "lexical_p99_ms": round(_pct(ltimes, 0.99), 1),
        "paragraphs": len(service.knowledge.passages),
    }
    print(json.dumps(out, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
