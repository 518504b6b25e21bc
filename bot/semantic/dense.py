"""Exact dense nearest neighbours: one matrix-vector product over all passage vectors.

Exact search needs no extra index to build or keep in sync, and up to about a million
passages it is fast enough (bench/dense_scale.py measures). Searched vectors are kept as
float32 while that is small (at most `FLOAT32_BUDGET` bytes), else as int8 with one scale
per vector, scored in cache-sized chunks converted to float32: a quarter of float32's
memory (1M x 384: 370 MB instead of 1.5 GB) and, because the scan reads 4x fewer bytes,
no slower. float16 is not used for scanning: numpy's float16 matmul and float16 -> float32
casts are many times slower than int8's (bench/dense_scale.py prints all three).

Vectors that are only looked up by row, never scanned (sentence vectors), are kept in the
dtype they come in (float16 from disk): no copy, no conversion.
"""

from __future__ import annotations

import threading

import numpy as np

FLOAT32_BUDGET = 256 * 2**20  # bytes of float32 vectors kept for speed (~170k passages at 384)
CHUNK = 2048  # int8 rows converted per step: the float32 buffer (3 MB) stays in cache

STORAGES = ("auto", "float32", "int8", "rows")


try:  # optional (the `semantic` extra): see _one_blas_thread
    from threadpoolctl import threadpool_limits

    _blas_single = False
except ImportError:  # pragma: no cover - without it BLAS keeps its own thread count
    _blas_single = True

_blas_lock = threading.Lock()


def _one_blas_thread() -> None:
    """OpenBLAS runs one thread in this process from the first dense index on. Waking its
    second thread for a product of ~1 ms made it 12 ms at the median on a busy 2-core host,
    and a scan this size is bound by memory bandwidth, not cores (bench/dense_scale.py: same
    time with 2). Set once rather than around each product: threadpoolctl's limit took
    ~120 us a call (three a question), and it lets one thread at a time control OpenBLAS,
    so a question in a second thread could run its product with two threads while the first
    restored the count. The bot does no other large BLAS work (fits are bench scripts)."""
    global _blas_single
    if _blas_single:
        return
    with _blas_lock:
        if not _blas_single:
            threadpool_limits(limits=1, user_api="blas")
            _blas_single = True


def quantise(vectors: np.ndarray, chunk: int = 65536) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and a float32 scale per row with row ≈ int8 * scale (max-abs scaling;
    cosines change by ~1e-3). Done in chunks: no full float32 copy of a big float16 set."""
    v = np.asarray(vectors)
    q = np.empty(v.shape, dtype=np.int8)
    scale = np.empty(v.shape[0], dtype=np.float32)
    for a in range(0, v.shape[0], chunk):
        part = v[a : a + chunk].astype(np.float32)
        s = np.abs(part).max(axis=1) / 127.0 if part.shape[1] else np.zeros(part.shape[0], np.float32)
        s[s == 0] = 1.0  # zero rows stay zero
        np.rint(part / s[:, None], out=part)
        q[a : a + chunk] = part
        scale[a : a + chunk] = s
    return q, scale


class DenseIndex:
    """Unit vectors of passages (rows), searched by cosine = dot product.

    `storage`: "auto" (float32 within FLOAT32_BUDGET, else int8), "float32", "int8", or
    "rows" (kept as given, for vectors only read by row: `cosines`, not `top`)."""

    def __init__(self, vectors: np.ndarray, model_id: str, storage: str = "auto") -> None:
        v = np.asarray(vectors)
        if v.ndim != 2:
            raise ValueError("vectors must be a 2-d array")
        if storage not in STORAGES:
            raise ValueError(f"storage must be one of {STORAGES}")
        self.model_id = model_id
        self.size, self.dim = int(v.shape[0]), int(v.shape[1])
        if storage == "auto":
            storage = "float32" if self.size * self.dim * 4 <= FLOAT32_BUDGET else "int8"
        self.storage = storage
        self._scale: np.ndarray | None = None
        if storage == "float32":
            self._vectors = np.ascontiguousarray(v, dtype=np.float32)
        elif storage == "int8":
            self._vectors, self._scale = quantise(v)
        else:
            self._vectors = v
        self._local = threading.local()  # a conversion buffer per thread (questions run in threads)
        _one_blas_thread()

    @property
    def nbytes(self) -> int:
        return int(self._vectors.nbytes) + (int(self._scale.nbytes) if self._scale is not None else 0)

    def _buffer(self) -> np.ndarray:
        buf = getattr(self._local, "buf", None)
        if buf is None:
            buf = self._local.buf = np.empty((CHUNK, self.dim), dtype=np.float32)
        return buf

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine of the query (a unit vector) with every passage, float32."""
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        v = self._vectors
        if v.dtype == np.float32:
            return v @ q
        out = np.empty(self.size, dtype=np.float32)
        buf = self._buffer()
        for a in range(0, self.size, CHUNK):
            b = min(CHUNK, self.size - a)
            np.copyto(buf[:b], v[a : a + b], casting="unsafe")
            np.matmul(buf[:b], q, out=out[a : a + b])
        if self._scale is not None:
            out *= self._scale
        return out

    def cosines(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Cosine of the query with the given rows only."""
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        out = self._vectors[rows].astype(np.float32, copy=False) @ q  # float32 rows: no second copy
        if self._scale is not None:
            out *= self._scale[rows]
        return out

    def top(self, query: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
        """The m nearest passages, best first: (rows, cosines)."""
        if self.size == 0 or m <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        s = self.scores(query)
        if self.size > m:
            idx = np.argpartition(s, self.size - m)[self.size - m :]
        else:
            idx = np.arange(self.size)
        idx = idx[np.lexsort((idx, -s[idx]))]
        return idx, s[idx]
