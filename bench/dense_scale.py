"""Exact dense search at scale: memory and time of one question's nearest neighbours over
100k and 1M random unit vectors (384 dimensions, the size of both models' vectors).

    python bench/dense_scale.py [--sizes 100000 1000000] [--questions 30]

Random vectors cost the same to score as real ones; timings on a shared machine are rough.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.semantic.dense import DenseIndex  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--questions", type=int, default=30)
    ap.add_argument("--m", type=int, default=40)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"{'passages':>10} {'storage':>8} {'memory MB':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for n in args.sizes:
        base = rng.standard_normal((n, args.dim), dtype=np.float32)
        base /= np.linalg.norm(base, axis=1, keepdims=True)
        for dtype in (np.float32, np.float16):
            index = DenseIndex(base.astype(dtype), "random")
            if index._vectors.dtype != dtype:
                continue  # DenseIndex chose the other storage for this size
            times = []
            for _ in range(args.questions):
                q = rng.standard_normal(args.dim).astype(np.float32)
                q /= np.linalg.norm(q)
                t = time.perf_counter()
                index.top(q, args.m)
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            label = "float32" if index._vectors.dtype == np.float32 else "float16"
            print(
                f"{n:>10} {label:>8} {index.nbytes / 2**20:>10.0f} {statistics.median(times):>8.1f} "
                f"{times[max(0, int(len(times) * 0.99) - 1)]:>8.1f}"
            )
            del index
        del base
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
