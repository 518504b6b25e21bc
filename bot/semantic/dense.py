"""Exact dense nearest neighbours: one matrix-vector product over all passage vectors.

Exact search needs no extra index to build or keep in sync, and up to about a million
passages it is fast enough (bench/semantic_cost.py measures). Vectors are kept as float32
while that is small (at most `FLOAT32_BUDGET` bytes), else as float16 scored in chunks, so
a million passages need 768 MB instead of 1.5 GB.
"""

from __future__ import annotations

import numpy as np

FLOAT32_BUDGET = 256 * 2**20  # bytes of float32 vectors kept for speed (~170k passages at 384)
CHUNK = 65536  # rows converted to float32 at a time when stored as float16


class DenseIndex:
    """Unit vectors of passages (rows), searched by cosine = dot product."""

    def __init__(self, vectors: np.ndarray, model_id: str) -> None:
        v = np.asarray(vectors)
        if v.ndim != 2:
            raise ValueError("vectors must be a 2-d array")
        self.model_id = model_id
        self.size, self.dim = int(v.shape[0]), int(v.shape[1])
        if self.size * self.dim * 4 <= FLOAT32_BUDGET:
            self._vectors = np.ascontiguousarray(v, dtype=np.float32)
        else:
            self._vectors = np.ascontiguousarray(v, dtype=np.float16)

    @property
    def nbytes(self) -> int:
        return int(self._vectors.nbytes)

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine of the query (a unit vector) with every passage, float32."""
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        v = self._vectors
        if v.dtype == np.float32:
            return v @ q
        out = np.empty(self.size, dtype=np.float32)
        for a in range(0, self.size, CHUNK):
            out[a : a + CHUNK] = v[a : a + CHUNK].astype(np.float32) @ q
        return out

    def cosines(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Cosine of the query with the given rows only."""
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        return self._vectors[rows].astype(np.float32) @ q

    def top(self, query: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
        """The m nearest passages, best first: (rows, cosines)."""
        s = self.scores(query)
        if self.size == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        if self.size > m:
            idx = np.argpartition(s, self.size - m)[self.size - m :]
        else:
            idx = np.arange(self.size)
        idx = idx[np.lexsort((idx, -s[idx]))]
        return idx, s[idx]
