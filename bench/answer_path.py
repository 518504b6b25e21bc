"""The answer path alone, from a saved index: bench/pipeline.py's questions through
KnowledgeService.ask, timed per question, with an optional profile and a digest of every
answer (to check that a speed change leaves the answers as they were).

The first run on a corpus builds and saves its index (untimed); later runs load it.

    python bench/answer_path.py --cache bench/.cache/pipeline-100000 [--questions 1000]
        [--repeat 3] [--profile 30] [--digest out.json] [--compare old.json]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def digest(answer) -> dict:  # type: ignore[no-untyped-def]
    """What a reader sees of an answer, exactly (floats rounded only past float32 noise)."""
    return {
        "answered": answer.answered,
        "confidence": round(answer.confidence, 9),
        "results": [
            [
                r.citation.document,
                r.citation.paragraph,
                round(r.score, 9),
                r.snippet.text,
                [list(s) for s in r.snippet.highlights],
            ]
            for r in answer.results
        ],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, required=True, help="a bench/pipeline.py corpus folder")
    ap.add_argument("--questions", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3, help="passes over the questions (best mean wins)")
    ap.add_argument("--profile", type=int, default=0, help="print the N costliest functions of one pass")
    ap.add_argument("--digest", type=Path, help="write every answer's digest here")
    ap.add_argument("--compare", type=Path, help="a digest to compare the answers with")
    args = ap.parse_args(argv)
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    from bot.service import KnowledgeService

    meta = json.loads((args.cache / "meta.json").read_text())
    questions = [q["q"] for q in meta["questions"][: args.questions]]
    t0 = time.perf_counter()
    service = KnowledgeService.open(args.cache / "knowledge")
    print(f"open {time.perf_counter() - t0:.2f} s ({'saved index' if service.built.saved else 'built'})")
    service.ask(questions[0])
    passes = []
    for _ in range(max(1, args.repeat)):
        ms = []
        for q in questions:
            t = time.perf_counter()
            service.ask(q)
            ms.append((time.perf_counter() - t) * 1000)
        passes.append(np.array(ms))
    best = min(passes, key=lambda a: a.mean())
    print(
        f"{len(questions)} questions, {len(passes)} passes, load {os.getloadavg()[0]:.1f}: mean "
        f"{best.mean():.3f} ms (passes, mean/p99: {', '.join(f'{p.mean():.3f}/{np.percentile(p, 99):.1f}' for p in passes)}), p50 "
        f"{np.percentile(best, 50):.2f}, p99 {np.percentile(best, 99):.2f}, max {best.max():.2f}"
    )
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for q in questions:
            service.ask(q)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(args.profile)
    if args.digest or args.compare:
        got = [digest(service.ask(q)) for q in questions]
        if args.digest:
            args.digest.write_text(json.dumps(got))
        if args.compare:
            old = json.loads(args.compare.read_text())
            diff = [i for i, (a, b) in enumerate(zip(old, got, strict=True)) if a != b]
            print(f"answers differing from {args.compare}: {len(diff)} of {len(got)}")
            for i in diff[:5]:
                print(f"  {questions[i]!r}\n    old {old[i]}\n    new {got[i]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
