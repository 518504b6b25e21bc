"""The one question -> Answer service that Discord, the console and the CLI all call.

It holds the current `AnswerEngine` behind a single reference. A reload builds a complete
new engine (call it off the event loop) and swaps the reference in one assignment, so a
question is always answered from a whole knowledge base, old or new; a failed reload
leaves the old one in place.
"""

from __future__ import annotations

import difflib
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .answer import Answer, AnswerEngine, EngineConfig
from .knowledge import CleanConfig, Document, KnowledgeBase, SkippedFile, load_knowledge

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

    def summary(self) -> str:
        if self.unchanged:
            return "nothing changed"
        parts = []
        for label, docs in (("added", self.documents_added), ("removed", self.documents_removed),
                            ("changed", self.documents_changed)):
            if docs:
                parts.append(f"{len(docs)} document{'s' * (len(docs) != 1)} {label}")
        parts.append(f"paragraphs +{self.paragraphs_added} −{self.paragraphs_removed} "
                     f"~{self.paragraphs_changed}")
        return ", ".join(parts)


@dataclass(frozen=True)
class ReloadReport:
    """The outcome of a successful reload."""

    documents: int
    paragraphs: int
    diff: KnowledgeDiff
    seconds: float
    skipped: tuple[SkippedFile, ...] = field(default=())

    def summary(self) -> str:
        text = (f"Reloaded {self.documents} document{'s' * (self.documents != 1)}, "
                f"{self.paragraphs} paragraph{'s' * (self.paragraphs != 1)} in {self.seconds:.2f} s: "
                f"{self.diff.summary()}.")
        if self.skipped:
            text += " Skipped: " + "; ".join(f"{s.path} ({s.reason})" for s in self.skipped) + "."
        return text


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
        ops = difflib.SequenceMatcher(a=a.paragraphs, b=b.paragraphs, autojunk=False).get_opcodes()
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
    return a.title == b.title and a.source == b.source and a.paragraphs == b.paragraphs


class KnowledgeService:
    """Answers questions from the current knowledge base and reloads it atomically."""

    def __init__(
        self,
        knowledge_dir: Path,
        engine_config: EngineConfig | None = None,
        clean_config: CleanConfig | None = None,
    ) -> None:
        self.knowledge_dir = Path(knowledge_dir)
        self.engine_config = engine_config or EngineConfig()
        self.clean_config = clean_config or CleanConfig()
        self._reload_lock = threading.Lock()
        self._engine: AnswerEngine | None = None

    @classmethod
    def open(
        cls,
        knowledge_dir: Path,
        engine_config: EngineConfig | None = None,
        clean_config: CleanConfig | None = None,
    ) -> KnowledgeService:
        """Create the service and load the knowledge base (KnowledgeError if unusable)."""
        service = cls(knowledge_dir, engine_config, clean_config)
        service._engine = service._build()
        kb = service._engine.kb
        log.info("knowledge base ready: %d documents, %d paragraphs from %s",
                 len(kb.documents), len(kb.passages), service.knowledge_dir)
        return service

    def _build(self) -> AnswerEngine:
        kb = load_knowledge(self.knowledge_dir, self.clean_config)
        return AnswerEngine(kb, self.engine_config)

    @property
    def engine(self) -> AnswerEngine:
        if self._engine is None:
            raise RuntimeError("KnowledgeService used before open()")
        return self._engine

    @property
    def knowledge(self) -> KnowledgeBase:
        return self.engine.kb

    def ask(self, question: str, top_k: int | None = None) -> Answer:
        """Answer from the current knowledge base. CPU-bound: run it off the event loop."""
        return self.engine.ask(question, top_k)

    def reload(self) -> ReloadReport:
        """Rebuild from disk and swap in the new knowledge base.

        Blocking (run it in a thread). On failure raises KnowledgeError and keeps the old
        knowledge base; concurrent reloads run one after the other.
        """
        with self._reload_lock:
            t0 = time.perf_counter()
            old = self.engine
            new = self._build()
            self._engine = new  # one reference swap: readers see old or new, never half
            seconds = time.perf_counter() - t0
            report = ReloadReport(len(new.kb.documents), len(new.kb.passages),
                                  diff_knowledge(old.kb, new.kb), seconds, new.kb.skipped)
            log.info("%s", report.summary())
            return report

    def sources(self) -> list[SourceInfo]:
        return [SourceInfo(d.path, d.title, len(d.paragraphs), d.source)
                for d in self.knowledge.documents]
