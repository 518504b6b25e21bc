"""Build a knowledge base and its index, re-reading only the files that changed.

A build walks the knowledge directory; a file whose (size, mtime) matches the previous
build keeps its cleaned paragraphs and its term ids from that build, so a reload after
editing one file re-reads and re-tokenises that file alone. The index itself is then
recompiled from the term ids, which is plain numpy work.
"""

from __future__ import annotations

import logging
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .retrieval.bm25 import BM25Params, Index
from .knowledge import (
    CleanConfig,
    Cleaner,
    KnowledgeBase,
    PassageTable,
    Progress,
    SkippedFile,
    TableWriter,
    _no_progress,
    document_passages,
    load_document,
    no_documents_error,
    scan_knowledge,
)
from .text import Analyzer, SentenceSplitter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Built:
    """A knowledge base with the index over its passages (passage i is index row i)."""

    kb: KnowledgeBase
    index: Index
    files_read: int = 0  # how many files this build had to read and tokenise


def build_knowledge(
    root: Path,
    clean: CleanConfig | None = None,
    params: BM25Params | None = None,
    analyzer: Analyzer | None = None,
    splitter: SentenceSplitter | None = None,
    previous: Built | None = None,
    progress: Progress = _no_progress,
    files: Sequence[tuple[str, tuple[int, int]]] | None = None,
) -> Built:
    """Load, clean and index `root`, reusing unchanged files of `previous`.

    `files` is a scan of `root` (scan_knowledge) when the caller already made one.
    """
    root = Path(root)
    cleaner = Cleaner(clean)
    analyzer = analyzer or Analyzer()
    splitter = splitter or SentenceSplitter()
    if files is None:
        files = scan_knowledge(root)

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
    skipped: list[SkippedFile] = []
    tokens: list[np.ndarray] = []
    sent_lens: list[np.ndarray] = []
    per_passage: list[np.ndarray] = []
    files_read = 0

    def intern(term: str) -> int:
        tid = vocab.get(term)
        if tid is None:
            tid = vocab[term] = len(vocabulary)
            vocabulary.append(term)
        return tid

    for done, (rel, sig) in enumerate(files, start=1):
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
            signatures.append(sig)
        else:
            files_read += 1
            doc = load_document(root, rel, cleaner, sig)
            if isinstance(doc, SkippedFile):
                skipped.append(doc)
                progress("reading", done, len(files))
                continue
            passages = document_passages(doc, splitter)
            writer.add(doc, passages)
            ids, lens, counts = array("i"), array("q"), array("q")
            for p in passages:
                counts.append(len(p.sentences))
                for sent in p.sentences:
                    terms = analyzer.terms(sent)
                    lens.append(len(terms))
                    ids.extend([intern(t) for t in terms])
            tokens.append(np.frombuffer(ids, dtype=np.int32))
            sent_lens.append(np.frombuffer(lens, dtype=np.int64))
            per_passage.append(np.frombuffer(counts, dtype=np.int64))
            signatures.append(sig)
        progress("reading", done, len(files))

    if not writer.docs:
        raise no_documents_error(root, skipped)
    table = writer.finish()
    progress("indexing", 0, 1)
    index = Index.from_ids(
        np.concatenate(tokens) if tokens else np.zeros(0, dtype=np.int32),
        np.concatenate(sent_lens).astype(np.int64),
        np.concatenate(per_passage).astype(np.int64),
        vocabulary,
        params,
    )
    progress("indexing", 1, 1)
    kb = KnowledgeBase(root, table.documents(signatures), table, tuple(skipped))
    log.debug("built %d passages from %d files (%d read)", len(table), len(files), files_read)
    return Built(kb, index, files_read)
