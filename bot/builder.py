"""Build a knowledge base and its index, re-reading only the files that changed.

A build walks the knowledge directory; a file whose (size, mtime) matches the previous
build keeps its cleaned paragraphs and its term ids from that build, so a reload after
editing one file re-reads and re-tokenises that file alone. The index itself is then
recompiled from the term ids, which is plain numpy work.
"""

from __future__ import annotations

import logging
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .documents.loader import (
    LoadConfig,
    Progress,
    Scan,
    _no_progress,
    load_file,
    no_documents_error,
    scan_knowledge,
)
from .knowledge import KnowledgeBase, Passage, PassageTable, SkippedFile, TableWriter
from .retrieval.bm25 import BM25Params, Index
from .text import Analyzer, SentenceSplitter

log = logging.getLogger(__name__)


def _join(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    out = np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)
    parts.clear()
    return out


def heading_text(p: Passage) -> str:
    """What the heading field of a passage indexes: its heading path."""
    return " ".join(p.section)


@dataclass(frozen=True)
class Built:
    """A knowledge base with the index over its passages (passage i is index row i)."""

    kb: KnowledgeBase
    index: Index
    files_read: int = 0  # how many files this build had to read and tokenise


def build_knowledge(
    root: Path,
    clean: LoadConfig | None = None,
    params: BM25Params | None = None,
    analyzer: Analyzer | None = None,
    splitter: SentenceSplitter | None = None,
    previous: Built | None = None,
    progress: Progress = _no_progress,
    files: Scan | None = None,
) -> Built:
    """Load, read and index `root`, reusing unchanged files of `previous`.

    `files` is a scan of `root` (scan_knowledge) when the caller already made one.
    """
    root = Path(root)
    config = clean or LoadConfig()
    analyzer = analyzer or Analyzer()
    splitter = splitter or SentenceSplitter()
    scan = files if files is not None else scan_knowledge(root)
    if previous is not None and tuple(previous.kb.configs) != scan.configs:
        previous = None  # a kb.toml changed: titles, URLs and cuts may differ everywhere

    prev_docs: dict[str, int] = {}
    prev_table: PassageTable | None = None
    vocab: dict[str, int] = {}
    vocabulary: list[str] = []
    if previous is not None and isinstance(previous.kb.passages, PassageTable):
        prev_table = previous.kb.passages
        prev_docs = {d.path: i for i, d in enumerate(previous.kb.documents) if d.signature is not None}
        vocabulary = list(previous.index.vocabulary)
        vocab = dict(previous.index.term_ids)

    writer = TableWriter()
    signatures: list[tuple[int, int]] = []
    notes: list[tuple[str, ...]] = []
    skipped: list[SkippedFile] = list(scan.skipped)
    tokens: list[np.ndarray] = []
    head_tokens: list[np.ndarray] = []
    head_lens: list[np.ndarray] = []
    sent_lens: list[np.ndarray] = []
    per_passage: list[np.ndarray] = []
    files_read = 0

    def intern(term: str) -> int:
        tid = vocab.get(term)
        if tid is None:
            tid = vocab[term] = len(vocabulary)
            vocabulary.append(term)
        return tid

    for done, (rel, sig) in enumerate(scan.files, start=1):
        d = prev_docs.get(rel)
        if d is not None and previous is not None and prev_table is not None \
                and previous.kb.documents[d].signature == sig:
            idx = previous.index
            p0, p1 = int(prev_table.doc_ptr[d]), int(prev_table.doc_ptr[d + 1])
            s0, s1 = int(idx.passage_sentence_ptr[p0]), int(idx.passage_sentence_ptr[p1])
            writer.copy(prev_table, d)
            tokens.append(idx.tokens[int(idx.sentence_ptr[s0]):int(idx.sentence_ptr[s1])])
            sent_lens.append(np.diff(idx.sentence_ptr[s0:s1 + 1]))
            per_passage.append(np.diff(idx.passage_sentence_ptr[p0:p1 + 1]))
            head_tokens.append(idx.head_tokens[int(idx.head_ptr[p0]):int(idx.head_ptr[p1])])
            head_lens.append(np.diff(idx.head_ptr[p0:p1 + 1]))
            signatures.append(sig)
            notes.append(previous.kb.documents[d].notes)
        else:
            files_read += 1
            got = load_file(root, rel, sig, config, scan.folder_config(rel), splitter)
            if isinstance(got, SkippedFile):
                skipped.append(got)
                progress("reading", done, len(scan.files))
                continue
            writer.add(got.document, got.passages)
            ids, lens, counts = array("i"), array("q"), array("q")
            hids, hlens = array("i"), array("q")
            for p in got.passages:
                counts.append(len(p.sentences))
                for sent in p.sentences:
                    terms = analyzer.terms(sent)
                    lens.append(len(terms))
                    ids.extend([intern(t) for t in terms])
                head = analyzer.terms(heading_text(p))
                hlens.append(len(head))
                hids.extend([intern(t) for t in head])
            tokens.append(np.frombuffer(ids, dtype=np.int32))
            sent_lens.append(np.frombuffer(lens, dtype=np.int64))
            per_passage.append(np.frombuffer(counts, dtype=np.int64))
            head_tokens.append(np.frombuffer(hids, dtype=np.int32))
            head_lens.append(np.frombuffer(hlens, dtype=np.int64))
            signatures.append(sig)
            notes.append(got.document.notes)
        progress("reading", done, len(scan.files))

    if not writer.docs:
        raise no_documents_error(root, skipped)
    table = writer.finish()
    del writer
    got = p = None  # the last file's passages need not outlive the loop
    progress("indexing", 0, 1)
    # Joined, and the per-file parts dropped before the index is built (peak memory).
    all_tokens = _join(tokens, np.int32)
    all_sent_lens = _join(sent_lens, np.int64)
    all_per_passage = _join(per_passage, np.int64)
    all_head = _join(head_tokens, np.int32)
    all_head_lens = _join(head_lens, np.int64)
    index = Index.from_ids(all_tokens, all_sent_lens, all_per_passage, vocabulary, params, all_head, all_head_lens)
    del all_tokens, all_sent_lens, all_per_passage, all_head, all_head_lens
    progress("indexing", 1, 1)
    kb = KnowledgeBase(root, table.documents(signatures, notes), table, tuple(skipped), scan.configs)
    log.debug("built %d passages from %d files (%d read)", len(table), len(scan.files), files_read)
    return Built(kb, index, files_read)
