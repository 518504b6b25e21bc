"""Fit the fusion of lexical and dense evidence (bot/retrieval/fusion.py FusionParams) on
SQuAD articles 0-23 and report it on articles 24-47.

Every question is asked once through the real hybrid engine with the widest settings (all
dense candidates); each candidate's lexical re-ranking score, passage cosine, best-sentence
cosine, and whether BM25 or the dense retriever brought it in are recorded (cached under
bench/.cache/). Any fusion (linear weights, number of dense candidates, RRF) is then scored
offline from those records; the best linear fusion on 0-23 by MRR@10 is printed with its
24-47 figures, beside the current weights and RRF.

    python bench/fit_fusion.py --model minilm-l6 [--candidates 0 10 20 30 40]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from embedcache import CACHE  # noqa: E402

from bot.answer import EngineConfig  # noqa: E402
from bot.retrieval import rerank  # noqa: E402
from bot.retrieval.fusion import FusionParams, fusion_for  # noqa: E402

MAX_DENSE = 40  # the widest number of dense candidates recorded


@dataclass
class Record:
    """One question's candidates (all arrays aligned)."""

    article: int
    gold: int  # passage number of the answer's paragraph
    docs: np.ndarray
    lexical: np.ndarray
    cosine: np.ndarray
    sentence: np.ndarray
    dense_rank: np.ndarray  # place in the dense top list (MAX_DENSE when not in it)
    in_bm25: np.ndarray  # bool: among BM25's own candidates


def record(model: str) -> tuple[list[Record], str]:
    """Ask every SQuAD question once with the widest fusion and keep its candidates."""
    from semantic_kb import Squad

    squad = Squad()
    v = squad.vectors(model)
    path = CACHE / f"fusion-{v.embedder.model_id.replace('/', '_')}.npz"
    gold_of = {(p.document, p.number): i for i, p in enumerate(squad.all.passages)}
    if path.exists():
        z = np.load(path)
        return _split(z, squad), v.embedder.model_id
    fusion = replace(fusion_for(v.embedder.model_id), candidates=MAX_DENSE, method="linear")
    engine = squad.engine(squad.all, model, EngineConfig(top_k=10, fusion=fusion))
    seen: dict[str, object] = {}
    real_batch, real_fuse = rerank.evidence_batch, rerank.fuse
    real_query, real_top = engine.semantic.query, engine.index.top_bm25

    def batch_hook(*a, **k):
        seen["batch"] = b = real_batch(*a, **k)
        return b

    def fuse_hook(lexical, cosine, sentence, params):
        seen["fuse"] = (lexical.copy(), cosine.copy(), None if sentence is None else sentence.copy())
        return real_fuse(lexical, cosine, sentence, params)

    def query_hook(text, m):
        seen["dense"] = d = real_query(text, m)
        return d

    def top_hook(terms, m):
        seen["bm25"] = r = real_top(terms, m)
        return r

    rerank.evidence_batch, rerank.fuse = batch_hook, fuse_hook
    object.__setattr__(engine, "semantic", _Wrapped(engine.semantic, query_hook))
    engine.index.top_bm25 = top_hook  # type: ignore[method-assign]
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("docs", "lex", "cos", "sent", "drank", "inbm", "n")}
    try:
        for qi, q in enumerate(squad.questions):
            seen.clear()
            engine.ask(q.question, top_k=10)
            if "fuse" not in seen:  # no candidate at all: an empty record, a miss
                for k in ("docs", "lex", "cos", "sent", "drank", "inbm"):
                    cols[k].append(np.empty(0, {"docs": np.int32, "drank": np.int16, "inbm": bool}.get(k, np.float32)))
                cols["n"].append(np.zeros(1, np.int32))
                continue
            docs = seen["batch"].docs  # type: ignore[attr-defined]
            lex, cos, sent = seen["fuse"]  # type: ignore[misc]
            dense = np.asarray(seen["dense"].candidates)  # type: ignore[attr-defined]
            bm = np.asarray(seen["bm25"][0]) if "bm25" in seen else np.empty(0, np.int32)  # type: ignore[index]
            rank_of = {int(d): r for r, d in enumerate(dense.tolist())}
            cols["docs"].append(docs.astype(np.int32))
            cols["lex"].append(lex.astype(np.float32))
            cols["cos"].append(cos.astype(np.float32))
            cols["sent"].append((cos if sent is None else sent).astype(np.float32))
            cols["drank"].append(np.array([rank_of.get(int(d), MAX_DENSE) for d in docs], np.int16))
            cols["inbm"].append(np.isin(docs, bm))
            cols["n"].append(np.array([docs.shape[0]], np.int32))
            if qi % 1000 == 0:
                print(f"  recorded {qi}/{len(squad.questions)}", file=sys.stderr, flush=True)
    finally:
        rerank.evidence_batch, rerank.fuse = real_batch, real_fuse
    arrays = {k: np.concatenate(v) for k, v in cols.items()}
    arrays["gold"] = np.array([gold_of[(q.document, q.paragraph)] for q in squad.questions], np.int32)
    arrays["article"] = np.array([q.article for q in squad.questions], np.int16)
    np.savez(path, **arrays)
    return _split(np.load(path), squad), v.embedder.model_id


class _Wrapped:
    """The semantic index with its `query` replaced (it is a frozen dataclass)."""

    def __init__(self, inner, query) -> None:
        self._inner, self.query = inner, query

    def __getattr__(self, name):
        return getattr(self._inner, name)


def _split(npz, squad) -> list[Record]:
    z = {k: npz[k] for k in npz.files}  # an NpzFile reads the array again at every access
    ptr = np.concatenate(([0], np.cumsum(z["n"])))
    return [
        Record(
            int(z["article"][i]),
            int(z["gold"][i]),
            z["docs"][a:b],
            z["lex"][a:b].astype(np.float64),
            z["cos"][a:b].astype(np.float64),
            z["sent"][a:b].astype(np.float64),
            z["drank"][a:b],
            z["inbm"][a:b],
        )
        for i, (a, b) in enumerate(zip(ptr[:-1].tolist(), ptr[1:].tolist()))
    ]


def _rrf(s: np.ndarray, k: float) -> np.ndarray:
    ranks = np.empty(s.shape[0])
    ranks[np.argsort(-s, kind="stable")] = np.arange(s.shape[0])
    return 1.0 / (k + ranks + 1.0)


@dataclass
class Split:
    """The records of some articles as padded (questions, candidates) arrays."""

    n: int
    docs: np.ndarray
    lexical: np.ndarray
    cosine: np.ndarray
    sentence: np.ndarray
    dense_rank: np.ndarray
    in_bm25: np.ndarray
    gold: np.ndarray  # bool: the candidate is the answer's paragraph
    valid: np.ndarray  # bool: a real candidate, not padding


def split(records: list[Record], articles: range) -> Split:
    rs = [r for r in records if r.article in articles]
    width = max((r.docs.shape[0] for r in rs), default=1)
    shape = (len(rs), width)
    out = Split(
        len(rs),
        np.full(shape, np.iinfo(np.int32).max, np.int32),
        *(np.zeros(shape) for _ in range(3)),
        np.full(shape, MAX_DENSE, np.int16),
        np.zeros(shape, bool),
        np.zeros(shape, bool),
        np.zeros(shape, bool),
    )
    for i, r in enumerate(rs):
        c = r.docs.shape[0]
        out.docs[i, :c], out.lexical[i, :c], out.cosine[i, :c] = r.docs, r.lexical, r.cosine
        out.sentence[i, :c], out.dense_rank[i, :c], out.in_bm25[i, :c] = r.sentence, r.dense_rank, r.in_bm25
        out.gold[i, :c], out.valid[i, :c] = r.docs == r.gold, True
    return out


def _rrf(s: np.ndarray, keep: np.ndarray, k: float) -> np.ndarray:
    order = np.argsort(np.where(keep, -s, np.inf), axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(s.shape[1])[None, :], axis=1)
    return 1.0 / (k + ranks + 1.0)


def evaluate(sp: Split, p: FusionParams) -> tuple[float, float, float]:
    """top-1, MRR@10 and recall (answer among the candidates) of `p` on a split."""
    keep = sp.valid & (sp.in_bm25 | (sp.dense_rank < p.candidates))
    if p.method == "rrf":
        s = _rrf(sp.lexical, keep, p.rrf_k) + _rrf(sp.cosine, keep, p.rrf_k)
    else:
        s = sp.lexical + p.cosine_weight * sp.cosine + p.sentence_weight * sp.sentence
    s = np.where(keep, s, -np.inf)
    found = (sp.gold & keep).any(axis=1)
    g = np.where(sp.gold & keep, s, np.nan)
    gs = np.nanmax(np.where(found[:, None], g, 0.0), axis=1)
    gdoc = np.where(sp.gold & keep, sp.docs, np.iinfo(np.int32).max).min(axis=1)
    # Rank as the engine sorts: by score, ties by passage number.
    better = keep & ((s > gs[:, None]) | ((s == gs[:, None]) & (sp.docs < gdoc[:, None])))
    rank = better.sum(axis=1) + 1
    n = sp.n or 1
    top1 = float((found & (rank == 1)).sum()) / n
    mrr = float(np.where(found & (rank <= 10), 1.0 / rank, 0.0).sum()) / n
    return top1, mrr, float(found.sum()) / n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="minilm-l6")
    ap.add_argument("--candidates", type=int, nargs="+", default=[0, 10, 20, 30, 40])
    ap.add_argument("--weights", type=float, nargs="+", default=[0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4])
    args = ap.parse_args(argv)
    records, model_id = record(args.model)
    fit, held = split(records, range(0, 24)), split(records, range(24, 48))
    current = fusion_for(model_id)
    print(f"{model_id}: fitted on SQuAD articles 0-23 by MRR@10, reported on 24-47")
    rows = []
    for c, a, b in itertools.product(args.candidates, args.weights, args.weights):
        p = FusionParams(candidates=c, cosine_weight=a, sentence_weight=b)
        rows.append((evaluate(fit, p), p))
    best = max(rows, key=lambda r: (round(r[0][1], 4), r[0][0]))
    print(f"{'fusion':<58}{'0-23 top1':>10}{'MRR@10':>8}{'recall':>8}{'24-47 top1':>11}{'MRR@10':>8}{'recall':>8}")
    shown = [
        (
            "lexical only (no dense candidates, weights 0)",
            FusionParams(candidates=0, cosine_weight=0, sentence_weight=0),
        ),
        ("current default " + _describe(current), current),
        ("RRF k=60, 40 dense candidates", FusionParams(method="rrf")),
        ("fitted on 0-23 " + _describe(best[1]), best[1]),
    ]
    for c in args.candidates:  # the best weights for each number of dense candidates
        fits = [r for r in rows if r[1].candidates == c]
        shown.append(
            (
                f"best with {c} dense " + _describe(max(fits, key=lambda r: r[0][1])[1]),
                max(fits, key=lambda r: r[0][1])[1],
            )
        )
    for label, p in shown:
        f, h = evaluate(fit, p), evaluate(held, p)
        print(f"{label:<58}{f[0]:>10.3f}{f[1]:>8.3f}{f[2]:>8.3f}{h[0]:>11.3f}{h[1]:>8.3f}{h[2]:>8.3f}")
    return 0


def _describe(p: FusionParams) -> str:
    return f"(c={p.candidates}, cos={p.cosine_weight:g}, sent={p.sentence_weight:g})"


if __name__ == "__main__":
    raise SystemExit(main())
