"""Embeddings of benchmark texts, computed once and cached under bench/.cache/.

The machine is shared; embedding SQuAD takes minutes, so every benchmark reads the same
cache, keyed by the model id and a hash of the texts.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache"
SAVE_EVERY = 1024  # texts embedded between partial saves
sys.path.insert(0, str(ROOT))

from bot.semantic.embedder import Embedder  # noqa: E402


def cached(embedder: Embedder, texts: Sequence[str], kind: str, batch: int = 64, verbose: bool = True) -> np.ndarray:
    """float32 (n, dim) vectors of `texts` as queries (kind="query") or passages."""
    h = hashlib.sha256(embedder.model_id.encode())
    for t in texts:
        h.update(b"\0" + t.encode())
    path = CACHE / f"{kind}-{embedder.model_id.replace('/', '_')}-{h.hexdigest()[:16]}.npy"
    if path.exists():
        return np.load(path).astype(np.float32)
    CACHE.mkdir(parents=True, exist_ok=True)
    fn = embedder.embed_queries if kind == "query" else embedder.embed_passages
    # Progress is saved every SAVE_EVERY texts (a run cut short on the busy machine resumes
    # where it stopped instead of starting over).
    part = path.with_suffix(".part.npy")
    out = np.zeros((len(texts), embedder.dim), dtype=np.float16)
    done = 0
    if part.exists():
        prev = np.load(part)
        if prev.shape[1:] == out.shape[1:] and prev.shape[0] <= len(texts):
            done = prev.shape[0]
            out[:done] = prev
    t0 = time.perf_counter()
    start = done
    for i in range(done, len(texts), batch):
        out[i : i + batch] = fn(list(texts[i : i + batch]))
        done = min(i + batch, len(texts))
        if done - start >= SAVE_EVERY or done == len(texts):
            np.save(part, out[:done])
            start = done
        if verbose and (i // batch) % 20 == 0:
            print(
                f"  {kind} {embedder.model_id}: {done}/{len(texts)} ({time.perf_counter() - t0:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
    if verbose:
        el = max(time.perf_counter() - t0, 1e-9)
        print(
            f"  embedded {len(texts)} {kind} texts in {el:.1f} s ({len(texts) / el:.1f}/s)", file=sys.stderr, flush=True
        )
    np.save(path, out)
    part.unlink(missing_ok=True)
    return out.astype(np.float32)


class Precomputed:
    """An Embedder that answers from cached question vectors (bench runs embed every
    question once, not once per run); unknown texts go to the real model."""

    def __init__(self, model: Embedder, queries: dict[str, np.ndarray]) -> None:
        self.model = model
        self.model_id = model.model_id
        self.dim = model.dim
        self.queries = queries

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        out = [self.queries.get(t) for t in texts]
        if any(v is None for v in out):
            return self.model.embed_queries(texts)
        return np.stack(out).astype(np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.embed_passages(texts)
