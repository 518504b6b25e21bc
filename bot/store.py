"""The saved index: plain files beside the knowledge directory, no pickle.

Layout of `<knowledge parent>/.kb-cache/<knowledge dir name>/`:
    meta.json        format version, key (hash of inputs and settings), BM25 parameters,
                     documents (path, title, source, size, mtime), skipped files, when the
                     index was built and how long it took, and a checksum of every array
    vocabulary.txt   one index term per line (terms are letters and digits only)
    *.npy            the index and passage-table arrays, memory-mapped on load

A saved index is used only when its format version and key match; the key hashes every
file's path, size and mtime with the settings that shape the index, so any edit (or a
change of settings or of this program's tokenising) makes it stale and it is rebuilt.

Loading verifies what it maps: each array's checksum (CRC-32 of the whole array up to 4 MB,
of 64 evenly spread 64 KB blocks plus both ends above, so start-up stays fast at a million
passages) and that every offset array is ordered and ends where its data ends. A damaged
save raises IndexFormatError; the service then rebuilds from the files.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import zlib
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from . import spool
from .builder import Built
from .documents.loader import LoadConfig
from .errors import IndexFormatError
from .knowledge import KnowledgeBase, PassageTable, SavedSections, SkippedFile
from .processes import alive
from .rendering import errors as wording
from .retrieval.bm25 import BM25Params, Index
from .text import STEMMER, stopwords

log = logging.getLogger(__name__)

# 2: 64-bit typo hashes, term_max; 3: checksums, build time; 4: Markdown, sections, pages, heading field;
# 5: section rows as arrays, out of meta.json (knowledge.SavedSections)
FORMAT_VERSION = 5
# Bump when tokenising, stemming or cleaning changes the terms a file yields.
# 2: stricter tag stripping, junk markers in the second half; 3: headings join paragraphs;
# 4: front matter dropped; 5: structure-aware readers and section passages (bot/documents/)
# 6: PyStemmer's Snowball English when installed (the current algorithm: "organization" is no
# longer "organ"); the stemmer in use is in the key too (text.STEMMER); 7: Hangul fillers
# are invisible (text.clean_invisible)
ANALYSIS_VERSION = 7
CACHE_DIR_NAME = ".kb-cache"
_INDEX_ARRAYS = (
    "tokens",
    "sentence_ptr",
    "passage_sentence_ptr",
    "df",
    "idf",
    "post_docs",
    "post_weights",
    "term_ptr",
    "typo_keys",
    "typo_ids",
)
_TABLE_ARRAYS = ("doc_ptr", "blob", "para_ptr", "sent_ptr", "sent_spans", "md_blob", "md_ptr", "sec_ids", "pages")
_TMP_PREFIX = ".tmp-"
# Offset arrays and the array whose rows they delimit: checked on load, as a damaged offset
# makes every question fail ("repeats may not contain negative values").
_POINTERS = {
    "sentence_ptr": "tokens",
    "passage_sentence_ptr": "sentence_ptr",
    "term_ptr": "post_docs",
    "doc_ptr": "para_ptr",
    "para_ptr": "blob",
    "sent_ptr": "sent_spans",
    "md_ptr": "md_blob",
    "head_ptr": "head_tokens",
}
_FULL_CHECK_BYTES = 4 * 2**20
_SAMPLE_BLOCKS = 64
_SAMPLE_BYTES = 64 * 2**10


def checksum(arr: np.ndarray) -> str:
    """CRC-32 of an array's bytes: all of them for small arrays, evenly spread blocks for
    large ones (cheap on a memory-mapped array: only the sampled pages are read)."""
    data = np.ascontiguousarray(arr).reshape(-1).view(np.uint8)
    n = data.shape[0]
    if n <= _FULL_CHECK_BYTES:
        return f"{n}:{zlib.crc32(data.data):08x}"
    crc = 0
    step = (n - _SAMPLE_BYTES) // (_SAMPLE_BLOCKS - 1)
    for i in range(_SAMPLE_BLOCKS):  # the first block starts at 0, the last ends at n
        start = i * step if i < _SAMPLE_BLOCKS - 1 else n - _SAMPLE_BYTES
        crc = zlib.crc32(data[start : start + _SAMPLE_BYTES].data, crc)
    # Reading a block of a mapped array faults in far more than the block (the kernel's
    # read-ahead): the 64 samples of a 100 MB text made all of it resident, the peak of
    # saving one huge file. Those pages go back (they stay in the page cache).
    spool.release(data)
    return f"{n}:s{crc:08x}"


def _verify(folder: Path, arrays: dict[str, np.ndarray], sums: dict[str, str]) -> None:
    """IndexFormatError naming the first array that is missing, altered or inconsistent."""
    for name, expected in sums.items():
        arr = arrays.get(name)
        if arr is None or checksum(arr) != expected:
            raise IndexFormatError(wording.index_array_damaged(folder, name))
    for name, target in _POINTERS.items():
        ptr, rows = arrays.get(name), arrays.get(target)
        if ptr is None or rows is None:
            continue
        end = rows.shape[0] - (1 if target in _POINTERS else 0)  # offsets into offsets: n + 1 of them
        if (
            ptr.ndim != 1
            or ptr.shape[0] == 0
            or int(ptr[0]) != 0
            or int(ptr[-1]) != end
            or bool(np.any(ptr[1:] < ptr[:-1]))
        ):
            raise IndexFormatError(wording.index_array_inconsistent(folder, name))


def clean_stale_saves(knowledge_dir: Path, root: Path | None = None) -> int:
    """Remove half-written saves (`.kb-cache/.tmp-*`) left by a process killed mid-save.

    A save's folder name holds its writer's process id; folders of living processes stay.
    """
    parent = cache_dir(knowledge_dir, root).parent
    removed = 0
    try:
        entries = [p for p in parent.iterdir() if p.name.startswith(_TMP_PREFIX) and p.is_dir()]
    except OSError:
        return 0
    for path in entries:
        pid = path.name[len(_TMP_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and alive(int(pid)):
            continue
        if pid.isdigit() and int(pid) == os.getpid():
            continue  # this process's own save, under way in another thread
        shutil.rmtree(path, ignore_errors=True)
        removed += not path.exists()
    if removed:
        log.info("removed %d unfinished save%s from %s", removed, "s" * (removed != 1), parent)
    return removed


def cache_dir(knowledge_dir: Path, root: Path | None = None) -> Path:
    """Where the index of a knowledge directory is saved: a hidden sibling folder, or with
    `root` (for a knowledge folder whose parent is read-only) a folder of its own under
    `root`, named after the knowledge folder and a hash of its full path."""
    k = Path(knowledge_dir).resolve()
    if root is None:
        return k.parent / CACHE_DIR_NAME / k.name
    tag = hashlib.blake2b(str(k).encode("utf-8", "surrogateescape"), digest_size=6).hexdigest()
    return Path(root).resolve() / f"{k.name}-{tag}" / k.name


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
        "code": code_fingerprint(),
        # A new Snowball release may stem some words differently: the saved terms would no
        # longer meet the questions' stems.
        "stemmer": STEMMER,
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the source of the code that turns files into passages and terms (readers,
    passage builder, loader, tokenising) and of the texts of the reasons and notes saved
    with them (rendering/errors.py): a save made by other code is stale even when no one
    remembered to bump ANALYSIS_VERSION (readers change often)."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    sources = [*(root / "documents").rglob("*.py"), root / "text.py", root / "rendering" / "errors.py"]
    for path in sorted([*sources, root / "data" / "stopwords.txt"]):
        try:
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
        except OSError:
            h.update(path.name.encode())  # unreadable here: still a stable key
    return h.hexdigest()


def cache_key(files: Sequence[tuple[str, tuple[int, int]]], clean: LoadConfig, params: BM25Params) -> str:
    """Hash of the inputs (paths, sizes, mtimes) and of every setting that shapes the index."""
    h = hashlib.sha256(settings_key(clean, params).encode())
    for rel, (size, mtime) in files:
        h.update(f"\n{rel}\t{size}\t{mtime}".encode())
    return h.hexdigest()


def write_index(
    index: Index,
    folder: Path,
    key: str,
    extra_meta: dict | None = None,
    extra_arrays: dict[str, np.ndarray] | None = None,
) -> None:
    """Save an index (and optionally more arrays and metadata) atomically into `folder`."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-", dir=folder.parent))
    try:
        arrays = dict(index.arrays())
        arrays.update(extra_arrays or {})
        sums = {}
        for name, arr in arrays.items():
            _save_array(tmp / f"{name}.npy", arr)
            sums[name] = checksum(arr)
        (tmp / "vocabulary.txt").write_text("\n".join(index.vocabulary), encoding="utf-8")
        meta = {
            "format": FORMAT_VERSION,
            "key": key,
            "bm25": asdict(index.params),
            "passages": index.size,
            "terms": len(index.vocabulary),
            "checksums": sums,
            "vocabulary_crc": f"{zlib.crc32(chr(10).join(index.vocabulary).encode()):08x}",
            "saved_at": time.time(),
        }
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


def _save_array(path: Path, arr: np.ndarray) -> None:
    with open(path, "wb") as out:
        # A spooled array (the passages' text) is copied from its file, not its mapping.
        np.lib.format.write_array_header_1_0(out, np.lib.format.header_data_from_array_1_0(arr))
        if not spool.copy_to(arr, out):
            out.seek(0)
            out.truncate()
            np.save(out, np.ascontiguousarray(arr), allow_pickle=False)


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
            # Memory-mapped: start-up does not read a million passages it may never show. Viewed
            # as a plain ndarray (same mapping, no copy): np.memmap's Python-level slicing hooks
            # cost more than the look-ups themselves on the question path.
            arrays[path.stem] = np.load(path, mmap_mode="r", allow_pickle=False).view(np.ndarray)
        text = (folder / "vocabulary.txt").read_text(encoding="utf-8")
        if f"{zlib.crc32(text.encode()):08x}" != meta.get("vocabulary_crc"):
            raise IndexFormatError(wording.index_vocabulary_damaged(folder))
        vocabulary = text.split("\n") if text else []
        _verify(folder, arrays, meta.get("checksums") or {})
        index = Index.from_arrays(vocabulary, arrays, BM25Params(**meta["bm25"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexFormatError(wording.index_unreadable(folder, exc, hint=True)) from None
    return index, meta, arrays


def save_built(built: Built, knowledge_dir: Path, key: str, settings: str = "", root: Path | None = None) -> Path:
    """Save a knowledge base and its index for the next start-up or reload (`root`: see
    cache_dir)."""
    folder = cache_dir(knowledge_dir, root)
    table = built.kb.passages
    if not isinstance(table, PassageTable):
        raise TypeError("only knowledge bases built by build_knowledge can be saved")
    docs = [
        {
            "path": d.path,
            "title": d.title,
            "source": d.source,
            "signature": list(d.signature or (0, 0)),
            "notes": list(d.notes),
            "links": [list(link) for link in d.links],
            "labels": [list(label) for label in d.labels],
            "depends": [[path, list(sig) if sig else None] for path, sig in d.depends],
            "label_titles": [list(pair) for pair in d.label_titles],
            "ref_titles": [list(pair) for pair in d.ref_titles],
        }
        for d in built.kb.documents
    ]
    skipped = [[s.path, s.reason, list(s.signature) if s.signature else None] for s in built.kb.skipped]
    configs = [[path, list(sig)] for path, sig in built.kb.configs]
    write_index(
        built.index,
        folder,
        key,
        {
            "settings": settings,
            "documents": docs,
            "skipped": skipped,
            "configs": configs,
            "built_at": built.built_at,
            "build_seconds": built.seconds,
        },
        table.arrays(),
    )
    return folder


def load_built(knowledge_dir: Path, key: str, field: str = "key", root: Path | None = None) -> Built | None:
    """The saved knowledge base and index if they match `key`, None when there is no such
    save; IndexFormatError (one line, fit for the log) when it is unreadable or damaged.

    With field="settings", a save made with the same settings is returned even if files
    have changed since: a build then re-reads only the files that differ from it.
    """
    folder = cache_dir(knowledge_dir, root)
    loaded = _read(folder, key, field)
    if loaded is None:
        return None
    index, meta, arrays = loaded
    try:
        docs = meta["documents"]
        a = arrays
        # Saves made before the row starts were kept have none: documents are decoded whole.
        row_doc, row_start = a.get("sections_row_doc"), a.get("sections_row_start")
        sections = SavedSections(a["sections_blob"], a["sections_ptr"], None, row_doc, row_start)
        if len(sections) != len(docs):
            raise ValueError(f"{len(sections)} documents' sections for {len(docs)} documents")
        if row_doc is not None and (
            row_start is None or row_doc.shape[0] != len(docs) + 1 or int(row_doc[-1]) != row_start.shape[0]
        ):
            raise ValueError("the section rows' starts do not match the documents")
        table = PassageTable(
            [(d["path"], d["title"], d["source"]) for d in docs],
            a["doc_ptr"],
            a["blob"],
            a["para_ptr"],
            a["sent_ptr"],
            a["sent_spans"],
            md_blob=a["md_blob"],
            md_ptr=a["md_ptr"],
            sec_ids=a["sec_ids"],
            pages=a["pages"],
            sections=sections,
        )
        signatures = [tuple(d["signature"]) for d in docs]
        notes = [tuple(d.get("notes", ())) for d in docs]
        links = [tuple((str(h), str(t), int(n)) for h, t, n in d.get("links", ())) for d in docs]
        labels = [tuple((str(name), int(n)) for name, n in d.get("labels", ())) for d in docs]
        depends = [
            tuple((str(path), (int(sig[0]), int(sig[1])) if sig else None) for path, sig in d.get("depends", ()))
            for d in docs
        ]
        titles = [
            (
                tuple((str(label), str(title)) for label, title in d.get("label_titles", ())),
                tuple((str(label), None if t is None else str(t)) for label, t in d.get("ref_titles", ())),
            )
            for d in docs
        ]
        skipped = tuple(SkippedFile(p, r, tuple(sig) if sig else None) for p, r, sig in meta.get("skipped", []))
        configs = tuple((path, (int(sig[0]), int(sig[1]))) for path, sig in meta.get("configs", []))
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexFormatError(wording.index_unreadable(folder, exc)) from None
    if len(table) != index.size:
        raise IndexFormatError(wording.index_inconsistent(folder))
    kb = KnowledgeBase(
        Path(knowledge_dir), table.documents(signatures, notes, links, labels, depends, titles), table, skipped, configs
    )
    return Built(
        kb, index, 0, saved=True, seconds=float(meta.get("build_seconds") or 0.0), built_at=meta.get("built_at")
    )
