"""The build: the same index and passage numbers whatever the number of worker processes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot import builder, text
from bot.builder import build_knowledge
from bot.text import Analyzer, SentenceSplitter


def _write_folder(root: Path, files: int = 7, paragraphs: tuple[int, int] = (3, 9)) -> None:
    rng = np.random.default_rng(3)
    words = [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "space",
        "center",
        "ramstein",
        "orbit",
        "radar",
        "Dr.",
        "U.S.",
        "1990.",
        "e.g.",
        "(note)",
        "staffing",
        "staff",
        "étude",
        "ﬁle",
    ]
    for f in range(files):
        paras = []
        for _ in range(int(rng.integers(*paragraphs))):
            sents = [
                " ".join(rng.choice(words, size=int(rng.integers(3, 10)))).capitalize() + "."
                for _ in range(int(rng.integers(1, 4)))
            ]
            paras.append(" ".join(sents))
        (root / f"doc{f}.txt").write_text(f"Title {f}\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
    (root / "empty.txt").write_text("   \n", encoding="utf-8")  # skipped, in its place


def _arrays(built) -> dict[str, np.ndarray]:
    out = {k: np.asarray(v) for k, v in built.index.arrays().items()}
    out.update({f"table_{k}": np.asarray(v) for k, v in built.kb.passages.arrays().items()})
    return out


# Small files are analysed word by word; big ones (batches over 4 KB) mostly as bytes.
@pytest.mark.parametrize("paragraphs", [(3, 9), (200, 300)])
def test_the_index_does_not_depend_on_the_worker_count(tmp_path: Path, monkeypatch, paragraphs: tuple[int, int]):
    _write_folder(tmp_path, paragraphs=paragraphs)
    serial = build_knowledge(tmp_path, workers=1)
    monkeypatch.setattr(builder, "PARALLEL_MIN_BYTES", 0)  # a pool even for a small folder
    used = []
    real = builder._pool_context
    monkeypatch.setattr(builder, "_pool_context", lambda: used.append(1) or real())
    pooled = build_knowledge(tmp_path, workers=2)
    assert used, "the pool ran"
    assert pooled.index.vocabulary == serial.index.vocabulary
    a, b = _arrays(serial), _arrays(pooled)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert [p.text for p in pooled.kb.passages] == [p.text for p in serial.kb.passages]
    assert [(d.path, d.title) for d in pooled.kb.documents] == [(d.path, d.title) for d in serial.kb.documents]
    assert [s.path for s in pooled.kb.skipped] == [s.path for s in serial.kb.skipped] == ["empty.txt"]


@pytest.mark.parametrize(("batch", "paragraphs"), [(5_000, (3, 9)), (3, (3, 9)), (5_000, (200, 300))])
def test_bulk_analysis_equals_per_sentence_terms(tmp_path: Path, monkeypatch, batch: int, paragraphs: tuple[int, int]):
    """The build's term ids are those of Analyzer.terms on every sentence of every passage,
    however many sentences are analysed at a time."""
    monkeypatch.setattr(text, "_ANALYSIS_BATCH", batch)
    _write_folder(tmp_path, files=3, paragraphs=paragraphs)
    built = build_knowledge(tmp_path, workers=1)
    analyzer, splitter = Analyzer(), SentenceSplitter()
    idx = built.index
    for p_no, passage in enumerate(built.kb.passages):
        s0, s1 = int(idx.passage_sentence_ptr[p_no]), int(idx.passage_sentence_ptr[p_no + 1])
        assert list(passage.sentences) == splitter.split(passage.text)
        for s, sent in zip(range(s0, s1), passage.sentences):
            got = [idx.vocabulary[t] for t in idx.tokens[idx.sentence_ptr[s] : idx.sentence_ptr[s + 1]]]
            assert got == analyzer.terms(sent)


@pytest.mark.parametrize("workers", [0, -3])
def test_workers_below_one_mean_in_process(tmp_path: Path, workers: int):
    _write_folder(tmp_path, files=2)
    assert len(build_knowledge(tmp_path, workers=workers).kb.passages) > 0


def test_a_pool_that_cannot_start_falls_back_to_in_process(tmp_path: Path, monkeypatch, caplog):
    _write_folder(tmp_path, files=4)
    serial = build_knowledge(tmp_path, workers=1)

    class NoProcesses:
        def __init__(self, *args, **kwargs) -> None:
            raise OSError("no processes in this sandbox")

    monkeypatch.setattr(builder, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(builder, "ProcessPoolExecutor", NoProcesses)
    fallback = build_knowledge(tmp_path, workers=2)
    assert "reading the rest in-process" in caplog.text
    np.testing.assert_array_equal(fallback.index.tokens, serial.index.tokens)
    assert [p.text for p in fallback.kb.passages] == [p.text for p in serial.kb.passages]


def test_unusual_folders_give_a_clear_error_or_an_index_and_leave_no_files(tmp_path: Path):
    """An empty folder, one empty file, only non-ASCII names and text, only stopwords: a
    KnowledgeError naming the folder, or an index; no spooled file left either way."""
    from bot.errors import KnowledgeError

    spool = tmp_path / "spool"
    cases: dict[str, dict[str, str]] = {
        "empty": {},
        "one-empty-file": {"a.txt": ""},
        "non-ascii": {
            "café.txt": "Überschrift\n\nNaïve Straße über Öl.\n\n日本語の文です。\n",
            "日本.md": "# 見出し\n\n本文。\n",
        },
        "stopwords": {"a.txt": "Title\n\nThe and of. It is what it is.\n"},
    }
    for name, files in cases.items():
        root = tmp_path / name
        root.mkdir()
        for rel, body in files.items():
            (root / rel).write_text(body, encoding="utf-8")
        if name in ("empty", "one-empty-file"):
            with pytest.raises(KnowledgeError, match=name):
                build_knowledge(root, spool_dir=spool, workers=2)
        else:
            built = build_knowledge(root, spool_dir=spool, workers=2)
            assert built.index.size == len(built.kb.passages) > 0
            assert bool(built.index.vocabulary) == (name == "non-ascii")  # stopwords index no terms
        assert not spool.exists() or not any(spool.iterdir())


def test_a_first_build_corrects_the_titles_the_sources_scan_guessed(tmp_path: Path):
    # The quick scan of the sources takes a heading's markup off as it can ("Using
    # :mod:json"); docutils' title ("Using json") wins, in a second pass over the page
    # that showed the guess.
    (tmp_path / "a.rst").write_text("A\n=\n\nSee :ref:`json-label` for more.\n")
    (tmp_path / "b.rst").write_text("B\n=\n\n.. _json-label:\n\nUsing :mod:`json`\n-----------------\n\nText.\n")
    (tmp_path / "c.rst").write_text("C\n=\n\nNothing to refer to here.\n")
    built = build_knowledge(tmp_path, workers=1)
    a = next(p.text for p in built.kb.passages if p.document == "a.rst")
    assert a == "See Using json for more."
    assert built.files_read == 3  # each file once, a.rst read twice


def test_a_first_build_guesses_myst_labels_and_titles_from_the_sources(tmp_path: Path):
    # A MyST page's `(label)=` over a heading and its H1 are scanned like RST's, so a page of
    # either format that shows them is read once.
    (tmp_path / "a.rst").write_text("A\n=\n\nSee :ref:`counting` and :doc:`b`.\n")
    (tmp_path / "b.md").write_text("# Options\n\n(counting)=\n## Counting\n\nText.\n")
    (tmp_path / "c.md").write_text("# C\n\nSee {ref}`counting` and {doc}`b`.\n")
    built = build_knowledge(tmp_path, workers=1)
    texts = {p.document: p.text for p in built.kb.passages}
    assert texts["a.rst"] == texts["c.md"] == "See Counting and Options."
    assert built.files_read == 3


def test_a_title_showing_a_title_from_a_third_page_is_right_after_a_change(tmp_path: Path):
    """c shows b's title, which shows a's label: one pass for titles left c showing a's old
    heading after a changed, and the saved index kept it so across restarts."""
    (tmp_path / "a.rst").write_text("A\n=\n\n.. _y:\n\nWhy One\n-------\n\nText.\n")
    (tmp_path / "b.rst").write_text("About :ref:`y`\n==============\n\nMore text.\n")
    (tmp_path / "c.rst").write_text("C\n=\n\nSee :doc:`b`.\n")
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 this is no PDF at all")
    built = build_knowledge(tmp_path, workers=1)
    c = next(p.text for p in built.kb.passages if p.document == "c.rst")
    assert c == "See About Why One."
    (tmp_path / "a.rst").write_text("A\n=\n\n.. _y:\n\nWhy Two\n-------\n\nText, changed.\n")
    again = build_knowledge(tmp_path, previous=built, workers=1)
    assert next(p.text for p in again.kb.passages if p.document == "c.rst") == "See About Why Two."
    assert again.files_read == 4  # a and bad.pdf, then b and c: each once
    # A file that could not be read is skipped once, not once per pass.
    assert [s.path for s in again.kb.skipped].count("bad.pdf") == 1
