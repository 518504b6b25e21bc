"""Build a knowledge base and its index, re-reading only the files that changed.

A build walks the knowledge directory; a file whose (size, mtime) matches the previous
build keeps its cleaned paragraphs and its term ids from that build, so a reload after
editing one file re-reads and re-tokenises that file alone. The index itself is then
recompiled from the term ids, which is plain numpy work.

Reading, cleaning, sentence splitting and analysis are one function per file
(`analyse_file`), run in a process pool over all cores when there is enough to read; results
are merged in file order, so the index and passage numbers do not depend on the pool.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import time
from array import array
from collections import deque
from collections.abc import Generator, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from itertools import chain
from pathlib import Path

import numpy as np

from .documents.kbtoml import FolderConfig
from .documents.loader import (
    Around,
    LoadConfig,
    Progress,
    Scan,
    _no_progress,
    load_file,
    no_documents_error,
    scan_knowledge,
)
from .documents.reftitles import REF_PASSES, agrees, label_map, scan_titles
from .documents.related import still_current
from .knowledge import (
    KnowledgeBase,
    Passage,
    PassageTable,
    SkippedFile,
    TablePart,
    TableWriter,
    table_part,
)
from .memory import HUGE_FILE_BYTES, TRIM_EVERY, release_memory
from .retrieval.bm25 import BM25Params, Index
from .spool import ByteSpool
from .text import AnalysedTerms, Analyzer, Numbering, SentenceSplitter

log = logging.getLogger(__name__)


# Below this much to read (or with one file), a pool costs more than it saves: a
# six-paragraph start stays in-process.
PARALLEL_MIN_BYTES = 4 * 2**20
_MAP_STEP = 1_000_000  # tokens renumbered at a time while merging


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class _Column:
    """Integers grown in place as files are merged: pieces joined at the end would hold a
    million paragraphs' tokens twice at the moment of joining. A spooled column goes to a
    file instead and is memory-mapped at the end (the index's tokens: the largest array of
    a build, read in pieces while the postings are built and then only where a question
    looks)."""

    def __init__(
        self, dtype: type[np.int32] | type[np.int64], spool_dir: Path | None = None, spooled: bool = False
    ) -> None:
        self._dtype = dtype
        self._buf = array("i" if dtype is np.int32 else "q")
        self._spool = ByteSpool(spool_dir) if spooled else None

    def append(self, values: np.ndarray) -> None:
        values = np.ascontiguousarray(values, dtype=self._dtype)
        if self._spool is not None:
            self._spool.append(values)
        else:
            self._buf.frombytes(values.tobytes())

    def append_mapped(self, table: np.ndarray, keys: np.ndarray) -> None:
        """append(table[keys]), a million keys at a time: a huge file's tokens are not
        held twice over (file-local and build numbers) while they are merged."""
        for start in range(0, keys.shape[0], _MAP_STEP):
            self.append(table[keys[start : start + _MAP_STEP]])

    def array(self) -> np.ndarray:
        if self._spool is not None:
            return self._spool.array(self._dtype)
        return np.frombuffer(self._buf, dtype=self._dtype) if self._buf else np.zeros(0, dtype=self._dtype)


@dataclass(frozen=True)
class Built:
    """A knowledge base with the index over its passages (passage i is index row i)."""

    kb: KnowledgeBase
    index: Index
    files_read: int = 0  # how many files this build had to read and tokenise
    saved: bool = False  # loaded from a saved index (its arrays are memory-mapped files)
    seconds: float = 0.0  # how long the build took
    built_at: float | None = None  # when it was built (epoch seconds)


@dataclass(frozen=True)
class FileAnalysis:
    """One file read, cleaned, split into passages and sentences, and analysed: compact
    rows and arrays, so sending it from a worker and merging it cost little."""

    part: TablePart  # the passages as table rows (text, sentence spans, Markdown, sections)
    notes: tuple[str, ...]
    links: tuple[tuple[str, str, int], ...]  # Document.links
    labels: tuple[tuple[str, int], ...]  # Document.labels
    depends: tuple[tuple[str, tuple[int, int] | None], ...]  # Document.depends
    label_titles: tuple[tuple[str, str], ...]  # Document.label_titles
    ref_titles: tuple[tuple[str, str | None], ...]  # Document.ref_titles
    # The file's distinct terms as numbers in the analysing process's vocabulary, and the
    # text of those this build has not been sent yet (see Analyzer.analyse_terms).
    terms: AnalysedTerms
    tokens: np.ndarray  # int32 indexes into terms.term_ids, in reading order
    sentence_lengths: np.ndarray  # tokens of each sentence
    head_tokens: np.ndarray  # int32 indexes into terms.term_ids: every passage's heading path
    heads_per_passage: np.ndarray  # tokens of each passage's heading path


Task = tuple[str, tuple[int, int] | None, FolderConfig]  # (path, signature, its folder's settings)


def analyse_file(
    root: Path,
    rel: str,
    signature: tuple[int, int] | None,
    config: LoadConfig,
    folder: FolderConfig,
    splitter: SentenceSplitter,
    analyzer: Analyzer,
    session: str,
    around: Around | None = None,
) -> FileAnalysis | SkippedFile:
    """All the per-file work of a build: file in, table rows and terms out. `session`
    names the build, so each term's text is sent to it once (analyse_terms); `around`: what
    the file's read may look at beyond it (loader.Around)."""
    got = load_file(root, rel, signature, config, folder, splitter, around)
    if isinstance(got, SkippedFile):
        return got
    huge = bool(signature and signature[0] >= HUGE_FILE_BYTES)
    if huge:
        release_memory()  # what reading a huge file freed, before its rows are made
    passages = got.passages
    document = replace(got.document, paragraphs=())  # its paragraphs are the passages' text
    del got
    # Rows first, each passage freed once it is one; the terms are then read from the rows,
    # so a huge file's passages and its tokens are never held at once.
    part = table_part(document, _drain(passages, huge))
    if huge:
        release_memory()
    headings = part.headings()
    # Body sentences and heading paths in one pass, so they share the file's term numbers.
    terms = analyzer.analyse_terms(chain(part.sentences(), headings), session)
    tokens, lengths = terms.tokens, terms.lengths
    terms = replace(terms, tokens=tokens[:0], lengths=lengths[:0])  # sent once, below
    n_body = len(lengths) - len(headings)
    split = int(lengths[:n_body].sum())
    return FileAnalysis(
        part,
        document.notes,
        document.links,
        document.labels,
        document.depends,
        document.label_titles,
        document.ref_titles,
        terms,
        tokens[:split],
        lengths[:n_body],
        tokens[split:],
        lengths[n_body:],
    )


def _drain(items: list[Passage], trim: bool) -> Iterator[Passage]:
    """The items in order, each dropped from the list as it is handed out; with `trim`,
    the freed memory goes back to the system every so often (a huge file's passages)."""
    items.reverse()
    while items:
        yield items.pop()
        if trim and len(items) % TRIM_EVERY == 0:
            release_memory()


# Worker processes keep one configuration, splitter and analyzer (and so one stem cache) each.
_worker: tuple[Path, LoadConfig, SentenceSplitter, Analyzer, str, Around] | None = None


def _worker_init(
    root: Path, config: LoadConfig, splitter: SentenceSplitter, analyzer: Analyzer, session: str, around: Around
) -> None:
    global _worker
    _worker = (root, config, splitter, analyzer, session, around)
    logging.disable(logging.WARNING)  # the parent logs skipped files, once and in order


def _worker_analyse(task: Task) -> FileAnalysis | SkippedFile:
    assert _worker is not None
    root, config, splitter, analyzer, session, around = _worker
    return analyse_file(root, task[0], task[1], config, task[2], splitter, analyzer, session, around)


def _pool_context() -> multiprocessing.context.BaseContext:
    # forkserver: workers fork from a clean single-threaded server, never from a process
    # whose other threads (the Discord client, a reload) might hold a lock.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _analysed(
    root: Path,
    tasks: list[Task],
    config: LoadConfig,
    splitter: SentenceSplitter,
    analyzer: Analyzer,
    workers: int,
    session: str,
    around: Around,
) -> Generator[FileAnalysis | SkippedFile, None, None]:
    """analyse_file over `tasks`, in their order: in a pool when it pays off."""
    size = sum(sig[0] for _, sig, _ in tasks if sig)
    if workers <= 1 or len(tasks) < 2 or size < PARALLEL_MIN_BYTES:
        for rel, sig, folder in tasks:
            yield analyse_file(root, rel, sig, config, folder, splitter, analyzer, session, around)
        return
    workers = min(workers, len(tasks))
    log.debug("analysing %d files in %d processes", len(tasks), workers)
    done = 0
    try:
        with ProcessPoolExecutor(
            workers,
            mp_context=_pool_context(),
            initializer=_worker_init,
            initargs=(root, config, splitter, analyzer, session, around),
        ) as pool:
            # A few files in flight per worker, not all: results wait in memory only until
            # merged, so memory stays bounded however many files there are.
            pending: deque[Future[FileAnalysis | SkippedFile]] = deque()
            queued = 0
            while done < len(tasks):
                while queued < len(tasks) and len(pending) < 2 * workers:
                    pending.append(pool.submit(_worker_analyse, tasks[queued]))
                    queued += 1
                result = pending.popleft().result()
                if isinstance(result, SkippedFile):
                    log.warning("skipped %s: %s", result.path, result.reason)
                done += 1
                yield result
    except (BrokenProcessPool, OSError, RuntimeError) as exc:
        # No processes here (a sandbox, an unguarded __main__): the same work, in-process.
        log.warning("build worker processes failed (%s); reading the rest in-process", exc)
        for rel, sig, folder in tasks[done:]:
            yield analyse_file(root, rel, sig, config, folder, splitter, analyzer, session, around)


_BUILDS = itertools.count()


def _build_ids(terms: AnalysedTerms, maps: dict[str, np.ndarray], vocab: Numbering) -> np.ndarray:
    """The build's numbers for a file's terms. A term's text comes once per analysing
    vocabulary (the first file there that used it); new terms are numbered in file order,
    so the vocabulary is the same whatever the number of workers."""
    known = maps.get(terms.source, np.zeros(0, dtype=np.int32))
    top = int(terms.term_ids.max()) + 1 if terms.term_ids.shape[0] else 0
    if top > known.shape[0]:
        known = np.concatenate([known, np.full(max(top - known.shape[0], known.shape[0]), -1, dtype=np.int32)])
    if terms.new_ids.shape[0]:
        names = terms.new_terms.split("\n")
        known[terms.new_ids] = np.fromiter(map(vocab.__getitem__, names), dtype=np.int32, count=len(names))
    maps[terms.source] = known
    ids = known[terms.term_ids]
    if ids.shape[0] and int(ids.min()) < 0:
        raise RuntimeError("a build worker used a term it never sent")  # a bug, never input
    return ids


def build_knowledge(
    root: Path,
    clean: LoadConfig | None = None,
    params: BM25Params | None = None,
    analyzer: Analyzer | None = None,
    splitter: SentenceSplitter | None = None,
    previous: Built | None = None,
    progress: Progress = _no_progress,
    files: Scan | None = None,
    workers: int | None = None,
    spool_dir: Path | None = None,
    ref_titles: Mapping[str, str] | None = None,
    ref_passes: int = REF_PASSES,
) -> Built:
    """Load, clean and index `root`, reusing unchanged files of `previous`.

    `files` is a scan of `root` (scan_knowledge) when the caller already made one;
    `workers` caps the processes that read files (default: every core); the passages'
    text is spooled to a file in `spool_dir` (default: the system's temporary folder).
    Files whose `:ref:`s showed a title the build's labels no longer give are read again
    in a further pass (`ref_titles`: the labels it reads with; documents/reftitles.py), up
    to `ref_passes` passes in all: a page's title may show another page's label, whose
    title a third page shows; a pass does not read again what the last one skipped.
    """
    t0 = time.perf_counter()
    root = Path(root)
    config = clean or LoadConfig()
    analyzer = analyzer or Analyzer()
    splitter = splitter or SentenceSplitter()
    scan = files if files is not None else scan_knowledge(root)
    if previous is not None and tuple(previous.kb.configs) != scan.configs:
        previous = None  # a kb.toml changed: titles, URLs and cuts may differ everywhere
    workers = default_workers() if workers is None else max(1, workers)

    prev_docs: dict[str, int] = {}
    prev_table: PassageTable | None = None
    vocab = Numbering()  # the build's terms, numbered in order of first use
    if previous is not None and isinstance(previous.kb.passages, PassageTable):
        prev_table = previous.kb.passages
        prev_docs = {d.path: i for i, d in enumerate(previous.kb.documents) if d.signature is not None}
        vocab = Numbering(previous.index.vocabulary)

    listed = dict(scan.files)
    again_for_titles = ref_titles is not None
    if ref_titles is None:  # a guess, checked below: the last build's labels, or the sources'
        ref_titles = label_map(previous.kb.documents) if previous is not None else scan_titles(root, listed)
    titles = ref_titles
    # A pass for titles keeps the last pass's skipped files (same signature) unread: their
    # failure does not depend on titles, and a parse that timed out would cost its limit again.
    kept_skips = (
        {s.path: s for s in previous.kb.skipped if s.signature is not None}
        if again_for_titles and previous is not None
        else {}
    )

    def kept_skip(rel: str, sig: tuple[int, int]) -> SkippedFile | None:
        skip = kept_skips.get(rel)
        return skip if skip is not None and skip.signature == sig else None

    def reused(rel: str, sig: tuple[int, int]) -> int | None:
        d = prev_docs.get(rel)
        if d is None or previous is None:
            return None
        doc = previous.kb.documents[d]
        # A file it shows part of (literalinclude) changed, or the title of a section it
        # refers to: its passages would differ too.
        current = doc.signature == sig and still_current(doc.depends, listed)
        return d if current and agrees(doc.ref_titles, titles) else None

    # Folder settings go to the workers without their exclude patterns (already applied).
    to_read: list[Task] = [
        (rel, sig, replace(scan.folder_config(rel), excludes=()))
        for rel, sig in scan.files
        if reused(rel, sig) is None and kept_skip(rel, sig) is None
    ]
    session = f"{os.getpid()}-{time.time_ns()}-{next(_BUILDS)}"
    fresh = _analysed(root, to_read, config, splitter, analyzer, workers, session, Around(listed, titles))
    # Per analysing vocabulary: its term numbers -> the build's (-1: not sent yet).
    term_maps: dict[str, np.ndarray] = {}

    writer = TableWriter(spool_dir)
    signatures: list[tuple[int, int]] = []
    notes: list[tuple[str, ...]] = []
    links: list[tuple[tuple[str, str, int], ...]] = []
    labels: list[tuple[tuple[str, int], ...]] = []
    depends: list[tuple[tuple[str, tuple[int, int] | None], ...]] = []
    label_titles: list[tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str | None], ...]]] = []
    skipped: list[SkippedFile] = list(scan.skipped)
    tokens = _Column(np.int32, spool_dir, spooled=True)
    sent_lens = _Column(np.int64)
    per_passage = _Column(np.int64)
    head_tokens = _Column(np.int32)
    head_lens = _Column(np.int64)

    try:
        for done, (rel, sig) in enumerate(scan.files, start=1):
            d = reused(rel, sig)
            if d is not None and previous is not None and prev_table is not None:
                idx = previous.index
                p0, p1 = int(prev_table.doc_ptr[d]), int(prev_table.doc_ptr[d + 1])
                s0, s1 = int(idx.passage_sentence_ptr[p0]), int(idx.passage_sentence_ptr[p1])
                writer.copy(prev_table, d)
                tokens.append(idx.tokens[int(idx.sentence_ptr[s0]) : int(idx.sentence_ptr[s1])])
                sent_lens.append(np.diff(idx.sentence_ptr[s0 : s1 + 1]))
                per_passage.append(np.diff(idx.passage_sentence_ptr[p0 : p1 + 1]))
                head_tokens.append(idx.head_tokens[int(idx.head_ptr[p0]) : int(idx.head_ptr[p1])])
                head_lens.append(np.diff(idx.head_ptr[p0 : p1 + 1]))
                signatures.append(sig)
                notes.append(previous.kb.documents[d].notes)
                links.append(previous.kb.documents[d].links)
                labels.append(previous.kb.documents[d].labels)
                depends.append(previous.kb.documents[d].depends)
                label_titles.append((previous.kb.documents[d].label_titles, previous.kb.documents[d].ref_titles))
            elif (skip := kept_skip(rel, sig)) is not None:
                skipped.append(skip)
            else:
                result = next(fresh)
                if isinstance(result, SkippedFile):
                    skipped.append(result)
                    progress("reading", done, len(scan.files))
                    continue
                writer.add_part(result.part)
                # File-local term numbers to the build's: new terms are numbered in file
                # order, so the vocabulary is the same whatever the number of workers.
                ids = _build_ids(result.terms, term_maps, vocab)
                tokens.append_mapped(ids, result.tokens)
                sent_lens.append(result.sentence_lengths)
                per_passage.append(result.part.sent_counts)
                head_tokens.append(ids[result.head_tokens])
                head_lens.append(result.heads_per_passage)
                signatures.append(sig)
                notes.append(result.notes)
                links.append(result.links)
                labels.append(result.labels)
                depends.append(result.depends)
                label_titles.append((result.label_titles, result.ref_titles))
                del result  # a huge file's passages must not outlive its merge
                if sig[0] >= HUGE_FILE_BYTES:
                    release_memory()
            progress("reading", done, len(scan.files))
    finally:
        fresh.close()  # a failed build still shuts the pool down

    if not writer.docs:
        raise no_documents_error(root, skipped)
    table = writer.finish()
    del writer
    progress("indexing", 0, 1)
    # Views of the merged columns: nothing is copied before the postings are built.
    all_tokens = tokens.array()
    all_sent_lens = sent_lens.array()
    all_per_passage = per_passage.array()
    all_head = head_tokens.array()
    all_head_lens = head_lens.array()
    index = Index.from_ids(all_tokens, all_sent_lens, all_per_passage, vocab.order, params, all_head, all_head_lens)
    del all_tokens, all_sent_lens, all_per_passage, all_head, all_head_lens
    progress("indexing", 1, 1)
    kb = KnowledgeBase(
        root,
        table.documents(signatures, notes, links, labels, depends, label_titles),
        table,
        tuple(skipped),
        scan.configs,
    )
    log.debug("built %d passages from %d files (%d read)", len(table), len(scan.files), len(to_read))
    built = Built(kb, index, len(to_read), seconds=time.perf_counter() - t0, built_at=time.time())
    final = label_map(kb.documents)
    redo = {doc.path for doc in kb.documents if not agrees(doc.ref_titles, final)}
    if ref_passes <= 1 or not redo:
        return built
    again = build_knowledge(
        root, config, params, analyzer, splitter, built, progress, scan, workers, spool_dir, final, ref_passes - 1
    )
    # Each file once, however many passes read it (the next pass reads `redo` again).
    read = len({task[0] for task in to_read} | redo) + again.files_read - len(redo)
    return replace(again, files_read=min(read, len(scan.files)), seconds=time.perf_counter() - t0)
