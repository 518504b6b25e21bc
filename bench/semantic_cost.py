"""What semantic matching costs: the question path with the model (and where its time
goes), passages embedded per second, start-up from a saved index with saved vectors, and
(bench/dense_scale.py) dense search memory and time at 100k / 1M passages. Timings on a
shared 2-core host are rough: the load average is printed with them.

    python bench/semantic_cost.py [--model minilm-l6] [--questions 200]

The knowledge base is SQuAD's 2,067 paragraphs; its passage and sentence vectors come from
the bench/.cache/ embeddings (written into the saved-vector folder before the first start,
so no run embeds SQuAD again); only the questions are embedded live, as in the bot.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot.documents.loader import LoadConfig  # noqa: E402
from bot.retrieval.fusion import fusion_for  # noqa: E402
from bot.semantic.embedder import load_embedder  # noqa: E402
from bot.semantic.texts import passage_text  # noqa: E402
from bot.semantic.vectors import VectorSet, save_vectors, text_hashes, vectors_dir  # noqa: E402
from bot.service import KnowledgeService  # noqa: E402
from bot.store import cache_dir  # noqa: E402

CLEAN = LoadConfig(junk_markers=())  # as bench/semantic_kb.py loads SQuAD: the cached texts match


def _pct(times: list[float], q: float) -> float:
    times = sorted(times)
    return times[max(0, int(len(times) * q) - 1)]


def _timed(fn: Callable[[str], object], questions: list[str]) -> list[float]:
    out = []
    for q in questions:
        t = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def _seed_vectors(kdir: Path, squad, model: str) -> None:
    """Write the cached SQuAD vectors where the service keeps its saved vectors."""
    v = squad.vectors(model)
    kb = squad.all
    ptexts = [passage_text(p) for p in kb.passages]
    stexts = [s for p in kb.passages for s in p.sentences]
    folder = vectors_dir(cache_dir(kdir))
    for kind, texts, table in (("passages", ptexts, v.passages), ("sentences", stexts, v.sentences)):
        vecs = np.stack([table[t] for t in texts]).astype(np.float16)
        save_vectors(folder / kind, VectorSet(v.embedder.model_id, vecs, text_hashes(texts)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="minilm-l6")
    ap.add_argument("--questions", type=int, default=200)
    ap.add_argument("--passages", type=int, default=128, help="paragraphs embedded for the passages/s figure")
    args = ap.parse_args(argv)
    from semantic_kb import Squad

    load0 = os.getloadavg()[0]
    squad = Squad()
    embedder = load_embedder(args.model, threads=2)
    if embedder is None:
        print(f"{args.model} is not installed", file=sys.stderr)
        return 2
    # Passages per second on both cores: SQuAD paragraphs, not cached.
    texts = [passage_text(p) for p in squad.all.passages[: args.passages]]
    embedder.embed_passages(texts[:2])  # the passage session is made on first use
    t = time.perf_counter()
    embedder.embed_passages(texts)
    per_s = len(texts) / (time.perf_counter() - t)
    # A saved index and vectors of all 48 articles, then a fresh start-up.
    tmp = Path(tempfile.mkdtemp())
    kdir = tmp / "squad"
    shutil.copytree(squad.all.root, kdir)
    _seed_vectors(kdir, squad, args.model)
    first = KnowledgeService.open(kdir, clean_config=CLEAN, embedder=embedder)
    first.wait_semantic()
    first.save_index()
    del first
    t = time.perf_counter()
    service = KnowledgeService.open(kdir, clean_config=CLEAN, embedder=embedder)
    lexical_ready = time.perf_counter() - t
    service.wait_semantic()
    hybrid_ready = time.perf_counter() - t
    status = service.semantic
    step = max(1, len(squad.questions) // args.questions)
    questions = [q.question for q in squad.questions[::step][: args.questions]]
    engine = service.engine
    sem = engine.semantic
    assert sem is not None
    m = fusion_for(sem.model_id).candidates
    # The question path, the question embedded live (no cache), then its parts.
    times = _timed(service.ask, questions)
    embed = _timed(lambda q: embedder.embed_queries([q]), questions)
    vecs = {q: embedder.embed_queries([q])[0] for q in questions}
    dense = _timed(lambda q: sem.passages.top(vecs[q], m), questions)
    lexical = KnowledgeService.open(kdir, clean_config=CLEAN)
    ltimes = _timed(lexical.ask, questions)
    out = {
        "model": embedder.model_id,
        "passages_per_s": round(per_s, 1),
        "startup_saved_index_s": round(lexical_ready, 3),
        "hybrid_ready_s": round(hybrid_ready, 3),
        "vectors_reused": status.reused,
        "vectors_embedded_at_start": status.embedding,
        "hybrid_p50_ms": round(statistics.median(times), 1),
        "hybrid_p99_ms": round(_pct(times, 0.99), 1),
        "embed_question_p50_ms": round(statistics.median(embed), 2),
        "embed_question_p99_ms": round(_pct(embed, 0.99), 2),
        "dense_top_p50_ms": round(statistics.median(dense), 2),
        "dense_top_p99_ms": round(_pct(dense, 0.99), 2),
        "lexical_p50_ms": round(statistics.median(ltimes), 1),
        "lexical_p99_ms": round(_pct(ltimes, 0.99), 1),
        "paragraphs": len(service.knowledge.passages),
        "questions": len(questions),
        "load_average_start_end": [round(load0, 2), round(os.getloadavg()[0], 2)],
    }
    print(json.dumps(out, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
