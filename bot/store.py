"""The saved index: plain files beside the knowledge directory, no pickle.

Layout of `<knowledge parent>/.kb-cache/<knowledge dir name>/`:
    meta.json        format version, key (hash of inputs and settings), BM25 parameters,
                     documents (path, title, source, size, mtime) and skipped files
    vocabulary.txt   one index term per line (terms are letters and digits only)
    *.npy            the index and passage-table arrays, memory-mapped on load

A saved index is used only when its format version and key match; the key hashes every
file's path, size and mtime with the settings that shape the index, so any edit (or a
change of settings or of this program's tokenising) makes it stale and it is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .builder import Built
from .documents.loader import LoadConfig
from .errors import IndexFormatError
from .knowledge import KnowledgeBase, PassageTable, SkippedFile
from .retrieval.bm25 import BM25Params, Index
from .text import stopwords

log = logging.getLogger(__name__)

FORMAT_VERSION = 3  # 2: 64-bit typo hashes, term_max; 3: Markdown, sections, pages, heading field
# Bump when tokenising, stemming or cleaning changes the terms a file yields.
# 2: stricter tag stripping, junk markers in the second half; 3: headings join paragraphs;
# 4: structure-aware readers and section passages (bot/documents/)
ANALYSIS_VERSION = 4
CACHE_DIR_NAME = ".kb-cache"
_INDEX_ARRAYS = ("tokens", "sentence_ptr", "passage_sentence_ptr", "df", "idf", "post_docs",
                 "post_weights", "term_ptr", "typo_keys", "typo_ids")
_TABLE_ARRAYS = ("doc_ptr", "blob", "para_ptr", "sent_ptr", "sent_spans", "md_blob", "md_ptr", "sec_ids", "pages")


def cache_dir(knowledge_dir: Path) -> Path:
    """Where the index of a knowledge directory is saved: a hidden sibling folder."""
    k = Path(knowledge_dir).resolve()
    return k.parent / CACHE_DIR_NAME / k.name


def settings_key(clean: LoadConfig, params: BM25Params) -> str:
    """Hash of every setting that shapes the index (not of the files)."""
    settings = {
        "format": FORMAT_VERSION,
        "analysis": ANALYSIS_VERSION,
        "stopwords": sorted(stopwords()),
        "junk_markers": list(clean.junk_markers),
        "max_file_mb": clean.max_file_mb,
        "shape": asdict(clean.shape),
        "bm25": asdict(params),
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def cache_key(files: Sequence[tuple[str, tuple[int, int]]], clean: LoadConfig, params: BM25Params) -> str:
    """Hash of the inputs (paths, sizes, mtimes) and of every setting that shapes the index."""
    h = hashlib.sha256(settings_key(clean, params).encode())
    for rel, (size, mtime) in files:
        h.update(f"\n{rel}\t{size}\t{mtime}".encode())
    return h.hexdigest()


def write_index(index: Index, folder: Path, key: str, extra_meta: dict | None = None,
                extra_arrays: dict[str, np.ndarray] | None = None) -> None:
    """Save an index (and optionally more arrays and metadata) atomically into `folder`."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    try:
        arrays = dict(index.arrays())
        arrays.update(extra_arrays or {})
        for name, arr in arrays.items():
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(arr), allow_pickle=False)
        (tmp / "vocabulary.txt").write_text("\n".join(index.vocabulary), encoding="utf-8")
        meta = {"format": FORMAT_VERSION, "key": key, "bm25": asdict(index.params),
                "passages": index.size, "terms": len(index.vocabulary)}
        meta.update(extra_meta or {})
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        # Swap the folder in whole: a reader sees the old save or the new one.
        old = None
        if folder.exists():
            old = folder.with_name(folder.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
        try:
            os.replace(tmp, folder)
        except OSError:
            if old is not None:  # put the previous save back rather than leave none
                os.replace(old, folder)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_meta(folder: Path) -> dict | None:
    try:
        return json.loads((Path(folder) / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_index(folder: Path, key: str) -> Index | None:
    """Load a saved index if its format and key match; None when absent or stale."""
    loaded = _read(folder, key)
    return loaded[0] if loaded else None


def _read(folder: Path, key: str, field: str = "key") -> tuple[Index, dict, dict[str, np.ndarray]] | None:
    folder = Path(folder)
    meta = _read_meta(folder)
    if meta is None or meta.get("format") != FORMAT_VERSION or meta.get(field) != key:
        return None
    try:
        arrays = {}
        for path in folder.glob("*.npy"):
            # Memory-mapped: start-up does not read a million passages it may never show.
            arrays[path.stem] = np.load(path, mmap_mode="r", allow_pickle=False)
        vocabulary = (folder / "vocabulary.txt").read_text(encoding="utf-8").split("\n")
        if vocabulary == [""]:
            vocabulary = []
        index = Index.from_arrays(vocabulary, arrays, BM25Params(**meta["bm25"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexFormatError(f"saved index in {folder} is unreadable ({exc}): delete the folder "
                               "or run `python -m bot index` again") from None
    return index, meta, arrays


def save_built(built: Built, knowledge_dir: Path, key: str, settings: str = "") -> Path:
    """Save a knowledge base and its index for the next start-up or reload."""
    folder = cache_dir(knowledge_dir)
    table = built.kb.passages
    if not isinstance(table, PassageTable):
        raise TypeError("only knowledge bases built by build_knowledge can be saved")
    docs = [{"path": d.path, "title": d.title, "source": d.source, "signature": list(d.signature or (0, 0)),
             "notes": list(d.notes), "sections": [[list(path), url] for path, url in sections]}
            for d, sections in zip(built.kb.documents, table.sections)]
    skipped = [[s.path, s.reason, list(s.signature) if s.signature else None] for s in built.kb.skipped]
    configs = [[path, list(sig)] for path, sig in built.kb.configs]
    write_index(built.index, folder, key, {"settings": settings, "documents": docs, "skipped": skipped,
                                           "configs": configs}, table.arrays())
    log.info("saved the index of %s to %s", knowledge_dir, folder)
    return folder


def load_built(knowledge_dir: Path, key: str, field: str = "key") -> Built | None:
    """The saved knowledge base and index if they match `key`, else None.

    With field="settings", a save made with the same settings is returned even if files
    have changed since: a build then re-reads only the files that differ from it.
    """
    folder = cache_dir(knowledge_dir)
    try:
        loaded = _read(folder, key, field)
    except IndexFormatError as exc:
        log.warning("%s", exc)
        return None
    if loaded is None:
        return None
    index, meta, arrays = loaded
    try:
        docs = meta["documents"]
        sections = [[(tuple(path), url) for path, url in d["sections"]] for d in docs]
        table = PassageTable([(d["path"], d["title"], d["source"]) for d in docs],
                             *(arrays[name] for name in _TABLE_ARRAYS), sections=sections)
        signatures = [tuple(d["signature"]) for d in docs]
        notes = [tuple(d.get("notes", ())) for d in docs]
        skipped = tuple(SkippedFile(p, r, tuple(sig) if sig else None) for p, r, sig in meta.get("skipped", []))
        configs = tuple((path, (int(sig[0]), int(sig[1]))) for path, sig in meta.get("configs", []))
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("saved index in %s is unreadable (%s); rebuilding", folder, exc)
        return None
    if len(table) != index.size:
        log.warning("saved index in %s is inconsistent; rebuilding", folder)
        return None
    kb = KnowledgeBase(Path(knowledge_dir), table.documents(signatures, notes), table,  # type: ignore[arg-type]
                       skipped, configs)
    return Built(kb, index, 0)
