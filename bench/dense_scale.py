"""Exact dense search at scale: memory and time of one question's nearest neighbours over
100k and 1M random unit vectors (384 dimensions, the size of both models' vectors), for
each storage bot/semantic/dense.py offers, and how many of the exact top-m int8 finds.

    python bench/dense_scale.py [--sizes 100000 1000000] [--questions 30]

Random vectors cost the same to score as real ones; timings on a shared machine are rough
(the load average is printed with them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.semantic.dense import DenseIndex  # noqa: E402


def _unit_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    """n random unit vectors as float16 (as saved on disk), made in chunks."""
    out = np.empty((n, dim), dtype=np.float16)
    for a in range(0, n, 100_000):
        b = rng.standard_normal((min(100_000, n - a), dim), dtype=np.float32)
        b /= np.linalg.norm(b, axis=1, keepdims=True)
        out[a : a + b.shape[0]] = b
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--questions", type=int, default=30)
    ap.add_argument("--m", type=int, default=40)
    ap.add_argument("--storages", nargs="+", default=["float32", "int8"])
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"load average {os.getloadavg()[0]:.2f} at start")
    print(
        f"{'passages':>10} {'storage':>8} {'memory MB':>10} {'load s':>7} {'p50 ms':>8} {'p99 ms':>8} {'recall@m':>9}"
    )
    for n in args.sizes:
        base = _unit_rows(rng, n, args.dim)
        qs = [rng.standard_normal(args.dim).astype(np.float32) for _ in range(args.questions)]
        qs = [q / np.linalg.norm(q) for q in qs]
        exact: list[set[int]] = []
        for storage in args.storages:
            t = time.perf_counter()
            index = DenseIndex(base, "random", storage=storage)
            load_s = time.perf_counter() - t
            times, found = [], []
            for i, q in enumerate(qs):
                t = time.perf_counter()
                rows, _ = index.top(q, args.m)
                times.append((time.perf_counter() - t) * 1000)
                if storage == args.storages[0]:
                    exact.append(set(rows.tolist()))
                found.append(len(exact[i] & set(rows.tolist())) / args.m)
            times.sort()
            print(
                f"{n:>10} {storage:>8} {index.nbytes / 2**20:>10.0f} {load_s:>7.2f} {statistics.median(times):>8.1f} "
                f"{times[max(0, int(len(times) * 0.99) - 1)]:>8.1f} {statistics.mean(found):>9.3f}",
                flush=True,
            )
            del index
        del base
    print(f"load average {os.getloadavg()[0]:.2f} at end; recall@m is against the first storage listed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
