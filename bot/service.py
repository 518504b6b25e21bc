"""The one question -> Answer service that Discord, the console and the CLI all call.

It holds the current `AnswerEngine` behind a single reference. A reload builds a complete
new engine (call it off the event loop) and swaps the reference in one assignment, so a
question is always answered from a whole knowledge base, old or new; a failed reload
leaves the old one in place.
"""

from __future__ import annotations

import difflib
import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .answer import Answer, AnswerEngine, EngineConfig
from .builder import Built, build_knowledge
from .documents.loader import LoadConfig, Progress, scan_knowledge
from .errors import BotError, IndexFormatError, KnowledgeError
from .knowledge import Document, KnowledgeBase, Passage, SkippedFile
from .progress import LogProgress
from .rendering import errors as wording
from .semantic.embedder import Embedder
from .semantic.search import SemanticIndex
from .semantic.vectors import vectors_dir
from .semantic.worker import SemanticStatus, VectorWorker
from .store import (
    cache_dir,
    cache_key,
    clean_stale_saves,
    load_built,
    save_built,
    settings_key,
)
from .text import Analyzer, SentenceSplitter

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """One document as `/sources` lists it."""

    path: str
    title: str
    paragraphs: int
    source: str | None


@dataclass(frozen=True)
class KnowledgeDiff:
    """What a reload changed, by document and by paragraph."""

    documents_added: tuple[str, ...] = ()
    documents_removed: tuple[str, ...] = ()
    documents_changed: tuple[str, ...] = ()
    paragraphs_added: int = 0
    paragraphs_removed: int = 0
    paragraphs_changed: int = 0

    @property
    def unchanged(self) -> bool:
        return not (self.documents_added or self.documents_removed or self.documents_changed)

    def counts(self) -> str:
        """The changes in figures, for the log and the audit log (replies word them in
        rendering.messages.diff_summary)."""
        return (
            f"documents +{len(self.documents_added)} −{len(self.documents_removed)} ~{len(self.documents_changed)}, "
            f"paragraphs +{self.paragraphs_added} −{self.paragraphs_removed} ~{self.paragraphs_changed}"
        )


@dataclass(frozen=True)
class ReloadReport:
    """The outcome of a successful reload."""

    documents: int
    paragraphs: int
    diff: KnowledgeDiff
    seconds: float
    skipped: tuple[SkippedFile, ...] = field(default=())
    # (document, what its reader cut or dropped), e.g. ("news/a.txt", "cut page junk at line 40")
    notes: tuple[tuple[str, str], ...] = field(default=())
    semantic: SemanticStatus = field(default_factory=lambda: SemanticStatus(None))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _when(epoch: float | None) -> str:
    if not epoch:
        return "at an unknown time"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def diff_knowledge(old: KnowledgeBase, new: KnowledgeBase) -> KnowledgeDiff:
    """Compare two knowledge bases document by document, paragraph by paragraph."""
    before = {d.path: d for d in old.documents}
    after = {d.path: d for d in new.documents}
    added = tuple(p for p in after if p not in before)
    removed = tuple(p for p in before if p not in after)
    changed = []
    p_add = sum(len(after[p].paragraphs) for p in added)
    p_rem = sum(len(before[p].paragraphs) for p in removed)
    p_chg = 0
    for path in after.keys() & before.keys():
        a, b = before[path], after[path]
        if _same(a, b):
            continue
        changed.append(path)
        ops = difflib.SequenceMatcher(a=list(a.paragraphs), b=list(b.paragraphs), autojunk=False).get_opcodes()
        for tag, i1, i2, j1, j2 in ops:
            if tag == "replace":
                common = min(i2 - i1, j2 - j1)
                p_chg += common
                p_rem += (i2 - i1) - common
                p_add += (j2 - j1) - common
            elif tag == "delete":
                p_rem += i2 - i1
            elif tag == "insert":
                p_add += j2 - j1
    return KnowledgeDiff(added, removed, tuple(sorted(changed)), p_add, p_rem, p_chg)


def _same(a: Document, b: Document) -> bool:
    same_inputs = a.depends == b.depends and a.ref_titles == b.ref_titles
    if a.signature is not None and a.signature == b.signature and same_inputs:
        return True  # same size and mtime, and so the files it shows parts of: not read again
    # A file it shows code of changed: its paragraphs (the text) may be the same, its code not.
    same_shown = a.depends == b.depends or a.signature != b.signature
    return same_shown and a.title == b.title and a.source == b.source and list(a.paragraphs) == list(b.paragraphs)


def _writable(folder: Path) -> bool:
    """A read-only folder stays untouched, even for root (who may write anywhere): its
    owner write bit is the admin's word."""
    try:
        mode = os.stat(folder).st_mode
    except OSError:
        return False
    return bool(mode & stat.S_IWUSR) and os.access(folder, os.W_OK)


class KnowledgeService:
    """Answers questions from the current knowledge base and reloads it atomically."""

    def __init__(
        self,
        knowledge_dir: Path,
        engine_config: EngineConfig | None = None,
        clean_config: LoadConfig | None = None,
        progress: Callable[[], Progress] | None = None,
        use_saved_index: bool = True,
        build_workers: int | None = None,
        embedder: Embedder | None = None,
        cache_root: Path | None = None,
    ) -> None:
        self.knowledge_dir = Path(knowledge_dir)
        # A knowledge folder mounted read-only (a container volume, a shared checkout) would
        # otherwise be rebuilt and re-embedded on every start: its index and vectors then go
        # under `cache_root` (the adapters pass DATA_DIR/kb-cache), the folder stays untouched.
        self._root: Path | None = None
        if use_saved_index and cache_root is not None and not _writable(cache_dir(self.knowledge_dir).parent.parent):
            self._root = Path(cache_root)
            try:
                self._root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                log.warning("cannot create %s for the saved index: %s", self._root, exc)
        self.build_workers = build_workers  # None: every core
        self.last_save: tuple[Path, float] | None = None  # where the last build was saved, and how long it took
        self.engine_config = engine_config or EngineConfig()
        self.clean_config = clean_config or LoadConfig()
        self._progress = progress or LogProgress
        self.use_saved_index = use_saved_index
        self._analyzer = Analyzer()
        self._splitter = SentenceSplitter()
        self._reload_lock = threading.Lock()
        # _built and _engine change together under this: vectors that finish as a reload
        # lands never put the replaced knowledge base's engine back.
        self._swap_lock = threading.Lock()
        self._built: Built | None = None
        self._engine: AnswerEngine | None = None
        # Passage vectors are slow to compute, so they are kept on disk whenever saving is
        # allowed (even without a saved index): only new or changed passages are embedded.
        self._vectors = (
            VectorWorker(
                embedder,
                vectors_dir(self.saved_folder) if use_saved_index and self._can_save() else None,
            )
            if embedder is not None
            else None
        )
        self._semantic_status = SemanticStatus(None)

    @classmethod
    def open(
        cls,
        knowledge_dir: Path,
        engine_config: EngineConfig | None = None,
        clean_config: LoadConfig | None = None,
        progress: Callable[[], Progress] | None = None,
        use_saved_index: bool = True,
        build_workers: int | None = None,
        embedder: Embedder | None = None,
        cache_root: Path | None = None,
    ) -> KnowledgeService:
        """Create the service and load the knowledge base (KnowledgeError if unusable).
        With an `embedder`, hybrid answers start once the passage vectors are ready.
        `cache_root`: where the index is saved when the knowledge folder's parent is
        read-only (None: then it is not saved)."""
        service = cls(
            knowledge_dir, engine_config, clean_config, progress, use_saved_index, build_workers, embedder, cache_root
        )
        if use_saved_index:
            clean_stale_saves(service.knowledge_dir, service._root)  # left by a process killed mid-save
        built, how = service._load_or_build(None)
        service._swap(built)
        kb = built.kb
        log.info(
            "knowledge base ready (%s): %s, %s from %s",
            how,
            _count(len(kb.documents), "document"),
            _count(len(kb.passages), "paragraph"),
            service.knowledge_dir,
        )
        if embedder is None:
            log.info("semantic matching is off: answers match words only")
        return service

    def _key(self, files: Sequence[tuple[str, tuple[int, int]]]) -> str:
        return cache_key(files, self.clean_config, self.engine_config.bm25)

    def _load_or_build(self, previous: Built | None) -> tuple[Built, str]:
        """The saved index when it matches the files on disk, else a build that reuses
        the unchanged files of `previous` (or of an out-of-date saved index); a build is
        then saved, so the next start-up loads it."""
        files = scan_knowledge(self.knowledge_dir)
        key = self._key(files.entries())
        settings = settings_key(self.clean_config, self.engine_config.bm25)
        if self.use_saved_index:
            try:
                saved = load_built(self.knowledge_dir, key, root=self._root)
                if saved is not None:
                    log.info(
                        "loaded the saved index from %s (built %s in %.1f s)",
                        self.saved_folder,
                        _when(saved.built_at),
                        saved.seconds,
                    )
                    return saved, "saved index"
                if previous is None:
                    previous = load_built(self.knowledge_dir, settings, field="settings", root=self._root)
            except IndexFormatError as exc:
                log.warning("%s; rebuilding it from the files", exc)
                if previous is not None and previous.saved:
                    previous = None  # its memory-mapped arrays may be the damaged ones
        saving = self.use_saved_index and self._can_save()
        built = build_knowledge(
            self.knowledge_dir,
            self.clean_config,
            self.engine_config.bm25,
            self._analyzer,
            self._splitter,
            previous,
            self._progress(),
            files,
            self.build_workers,
            self.saved_folder.parent if saving else None,
        )
        log.info(
            "built the index of %d paragraphs in %.1f s (read %d of %d files)",
            len(built.kb.passages),
            built.seconds,
            built.files_read,
            len(files.files),
        )
        self.last_save = None
        if self.use_saved_index and not saving:
            log.info("not saving the index: %s is read-only", self._save_parent())
        if saving:
            t0 = time.perf_counter()
            try:
                folder = save_built(built, self.knowledge_dir, key, settings, self._root)
            except OSError as exc:
                log.warning("could not save the index: %s", exc)
            else:
                self.last_save = (folder, time.perf_counter() - t0)
                log.info("saved the index to %s in %.1f s", folder, self.last_save[1])
        return built, f"read {built.files_read} of {len(files.files)} files"

    def _save_parent(self) -> Path:
        """The folder that holds (or would hold) .kb-cache, or the cache root in use."""
        return self.saved_folder.parent.parent

    def _can_save(self) -> bool:
        return _writable(self._save_parent())

    def _swap(self, built: Built) -> None:
        engine = AnswerEngine.from_built(built, self.engine_config, self._analyzer)
        with self._swap_lock:
            self._built = built
            self._engine = engine  # one reference swap: readers see old or new, never half
        if self._vectors is not None:
            self._semantic_status = self._vectors.start(built.kb, lambda sem: self._attach(built, sem))

    def _attach(self, built: Built, semantic: SemanticIndex) -> None:
        """The vectors of `built` are ready: answer hybrid from now on (unless a newer
        reload replaced `built` meanwhile; its own vectors come with it)."""
        if self._built is not built:
            return
        engine = AnswerEngine.from_built(built, self.engine_config, self._analyzer, semantic)
        with self._swap_lock:  # checked again: a reload may have landed while it was made
            if self._built is not built:
                return
            self._engine = engine
        log.info("semantic matching ready (%s): answers are hybrid now", semantic.model_id)

    @property
    def semantic(self) -> SemanticStatus:
        """Whether answers are hybrid yet (the status of the latest start or reload)."""
        status = self._semantic_status
        engine = self._engine
        if not status.ready and engine is not None and engine.semantic is not None:
            return SemanticStatus(status.model, ready=True, reused=status.reused + status.embedding)
        return status

    def wait_semantic(self, timeout: float | None = None) -> bool:
        """Block until the passage vectors are ready (one-shot commands, tests); True when
        hybrid answers are on or semantic matching is off."""
        return self._vectors.wait(timeout) if self._vectors is not None else True

    @property
    def engine(self) -> AnswerEngine:
        if self._engine is None:
            raise RuntimeError("KnowledgeService used before open()")
        return self._engine

    @property
    def built(self) -> Built:
        """The current knowledge base and index, with how and when they were built."""
        if self._built is None:
            raise RuntimeError("KnowledgeService used before open()")
        return self._built

    @property
    def saved_folder(self) -> Path:
        """Where the index is (or would be) saved."""
        return cache_dir(self.knowledge_dir, self._root)

    @property
    def knowledge(self) -> KnowledgeBase:
        return self.engine.kb

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        *,
        depth: int | None = None,
        exclude: Callable[[Passage], bool] | None = None,
        context: str | None = None,
    ) -> Answer:
        """Answer from the current knowledge base (`depth`, `exclude`, `context`:
        AnswerEngine.ask). CPU-bound: run it off the event loop."""
        return self.engine.ask(question, top_k, depth=depth, exclude=exclude, context=context)

    def reload(self) -> ReloadReport:
        """Rebuild from disk and swap in the new knowledge base.

        Blocking (run it in a thread). Only files whose size or modification time changed
        are read again. On failure raises KnowledgeError and keeps the old knowledge base;
        concurrent reloads run one after the other.
        """
        with self._reload_lock:
            t0 = time.perf_counter()
            old = self.engine
            try:
                built, how = self._load_or_build(self._built)
            except BotError:
                raise
            except Exception as exc:  # a bug or an OS error: still keep the old base, say why
                log.exception("reload of %s failed", self.knowledge_dir)
                raise KnowledgeError(wording.reload_failed(exc)) from exc
            self._swap(built)
            seconds = time.perf_counter() - t0
            report = ReloadReport(
                len(built.kb.documents),
                len(built.kb.passages),
                diff_knowledge(old.kb, built.kb),
                seconds,
                built.kb.skipped,
                tuple((d.path, n) for d in built.kb.documents for n in d.notes),
                self.semantic,
            )
            # Skipped files are only counted: each was logged with its reason as it was read.
            log.info(
                "Reloaded %d documents, %d paragraphs in %.2f s: %s; %d files skipped (%s)",
                report.documents,
                report.paragraphs,
                seconds,
                report.diff.counts(),
                len(report.skipped),
                how,
            )
            return report

    def restore(self, built: Built, replacing: Built) -> bool:
        """Serve `built` (an earlier knowledge base of this service) again in place of
        `replacing`: a change whose reload went through could not be undone on disk, and its
        documents must not be lost meanwhile. Nothing is done when another reload has replaced
        `replacing` since (it read the folder later: it is the newer truth). The next reload
        reads what the folder holds by then. True when swapped."""
        with self._reload_lock:
            if self._built is not replacing:
                log.warning("not serving the previous knowledge base again: a newer reload replaced it")
                return False
            self._swap(built)
            log.warning("serving the previous knowledge base again (%d documents)", len(built.kb.documents))
            return True

    def save_index(self) -> tuple[Path, float]:
        """Save the current knowledge base and index beside the knowledge directory."""
        if not self._can_save():
            raise KnowledgeError(wording.index_read_only(self._save_parent()))
        t0 = time.perf_counter()
        with self._reload_lock:
            built = self._built
            assert built is not None
            # The signatures the build saw (not the files' current ones), so a file changed
            # since makes the save stale rather than wrongly fresh.
            files = sorted(
                [(d.path, d.signature) for d in built.kb.documents if d.signature is not None]
                + [(s.path, s.signature) for s in built.kb.skipped if s.signature is not None]
                + list(built.kb.configs)
            )
            folder = save_built(
                built,
                self.knowledge_dir,
                self._key(files),
                settings_key(self.clean_config, self.engine_config.bm25),
                self._root,
            )
        return folder, time.perf_counter() - t0

    def sources(self) -> list[SourceInfo]:
        return [SourceInfo(d.path, d.title, len(d.paragraphs), d.source) for d in self.knowledge.documents]
