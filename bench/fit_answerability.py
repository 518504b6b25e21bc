"""Fit the answerability model (bot/data/answerability.json) and report it on held-out data.

Fitting data, as issue 10 prescribes: SQuAD articles 0-23 only (their questions over a
knowledge base of articles 0-23 are answerable; questions of articles 0-11 over a KB of
12-23 and vice versa are not) plus the docs development set (../shared/eval/docs-poetry,
when present). Held out: the same construction on articles 24-47, and the issue's trial
(questions of 24-47 over a KB of 0-23).

A variant is fitted for lexical answers and one per installed embedding model. The label
is "the knowledge base answers this question" (1 for a question over its own articles,
0 for a cross-KB one): it separated the two better on held-out data than "the top passage
is the gold one" (SQuAD 24-47 cross-KB rejection at <= 3 % false rejections, MiniLM:
93 % vs 89 %). The default threshold keeps false rejections (answerable questions refused)
at most 3 % on the fitting data.

    python bench/fit_answerability.py [--models e5-small minilm-l6] [--no-write]
                                      [--on-topic-weight W]

Also reported, held out: on-topic negatives (ON_TOPIC_HELD), the kind the docs sets'
unanswerable issue titles are. Session 12 trial (e5, shipped signals): threshold + floor
rejects 30 % of them at 1.1 % false rejections; fitting on articles 0-23's on-topic
negatives too (--on-topic-weight 0.25-2) gives 31-34 % there, cross-KB 24-47 unchanged
(86.7-87.4 %), docs dev 8 -> 7 of 20 rejected, the three held-out docs sets 13 -> 14 of 30
at 6 -> 7-9 of 90 false rejections: not kept. Fitted on the docs dev set alone (in-sample)
the signals reach 13 of 20 at 6 of 60: the signals, not the fitting data, are the limit.
A new signal trialled the same way, not kept: coverage weighted by how specific each word is
within the best passage's document (its idf among that document's passages, alone or times
the global idf, or whether the most specific word is found): AUC on the held-out on-topic
negatives 0.863 (coverage 0.868), rejections unchanged (docs dev 8 of 20; held-out docs 13 of
30 at 6-7 of 90 false). Nor a learned interaction of the vectors: the signals plus the
elementwise products question x best sentence (and x passage) of the e5 vectors, 384-768
weights under an L2 penalty, fitted on the same data with the on-topic negatives, threshold
alone at 3 %: held-out on-topic 44-47 % at 2.8-3.5 % false (scalar signals 47.3 % at 2.8 %),
docs dev 8-13 of 20 at 0 of 60, held-out docs 13-16 of 30 at 5-12 of 90 (scalar 16 of 30 at 12);
without the on-topic negatives it learns the 80 docs questions (20 of 20) and holds out worse.
Nor the answer kind (surface.answer_kind: a when/who/how-many question whose best sentence has
no date, name or number): 22 % of SQuAD questions are typed, the kind is missing for 10 % of
the on-topic negatives against 6 % of the answerable; on-topic 30.2 -> 30.4 %, docs the same
(no docs question is typed). Nor how peaked the best passage's sentence cosines are (best
minus their mean, or minus the second best: an answering passage should have one sentence
that stands out): on-topic AUC 0.754 / 0.727 (sentence cosine 0.840), rejections the same
(docs dev 8 of 20, held-out docs 13 of 30 at 5-6 of 90).

Session 13: the pairwise products of the signals (squares included) are fitted beside them
(`--no-pairs` for the signals alone): e5 threshold + floor, docs dev 8 -> 9 of 20 rejected at
2 -> 1 of 60 false rejections (odd / even halves, each fitted without the other in
bench/answer_trials.py terms: 6/10 and 2/10 as before, 0 and 1 of 30 false); three docs sets
built this session after everything was fixed (hatch, black, virtualenv 20.16.7; outside the
repository) 10 -> 11 of 30 at 7 of 90 false; SQuAD 24-47 cross-KB 86.9 % -> 86.2 % at 0.8 %,
the issue's trial 78.0 % -> 76.7 % (target 75 %), on-topic 30.2 % -> 30.0 %; MiniLM cross-KB
87.2 -> 87.5 %, docs 9 of 20 at 4 -> 2 of 60. Tried at the same time, not kept: the chosen
passage's cosine as a z-score over the whole knowledge base (bench/answer_trials.py).

Signals are cached per run under bench/.cache/ (bench/calibration.py reads them).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from semantic_kb import Squad  # noqa: E402

from bot.evaluate import read_questions  # noqa: E402
from bot.retrieval.answerability import (  # noqa: E402
    DENSE_SIGNALS,
    FLOOR_REJECTION,
    LEXICAL_SIGNALS,
    PRODUCT,
    AnswerParams,
)
from bot.retrieval.logistic import fit  # noqa: E402

OUT = ROOT / "bot" / "data" / "answerability.json"
CACHE = ROOT / "bench" / ".cache"
DOCS = ROOT.parent / "shared" / "eval" / "docs-poetry"
DOCS_QUESTIONS = ROOT.parent / "shared" / "eval" / "docs-poetry-questions.jsonl"
MAX_FALSE_REJECTIONS = 0.03
# Signals collected but not fitted: in the cross-KB negatives a foreign article's words are
# missing from the knowledge base, so typo corrections, words not found as typed and long
# questions mark "unanswerable" there by construction. Members' short, misspelt questions
# that the knowledge base does answer then fell below the threshold ("why Ramstein?").
NOT_FITTED = ("typo_share", "exact", "log_terms")
R = range
# name: (KB articles, question articles, answerable)
FIT_RUNS = {
    "fit_pos": (R(24), R(24), True),
    "fit_neg_a": (R(12, 24), R(12), False),
    "fit_neg_b": (R(12), R(12, 24), False),
}
HELD_RUNS = {
    "held_pos": (R(24, 48), R(24, 48), True),
    "held_neg_a": (R(36, 48), R(24, 36), False),
    "held_neg_b": (R(24, 36), R(36, 48), False),
    "trial_neg": (R(24), R(24, 48), False),
}
# On-topic negatives: a knowledge base of every other paragraph (by parity), asked all its
# articles' questions; those written on a left-out paragraph are unanswerable there, though
# their article is (like the docs sets' unanswerable issue titles). Always reported held
# out; fitted only with --on-topic-weight.
ON_TOPIC_FIT = {"fit_half_0": (R(24), R(24), True, 0), "fit_half_1": (R(24), R(24), True, 1)}
ON_TOPIC_HELD = {"held_half_0": (R(24, 48), R(24, 48), True, 0), "held_half_1": (R(24, 48), R(24, 48), True, 1)}


def _norm(text: str) -> str:
    return " ".join(text.replace("*", "").replace("`", "").casefold().split())


def collect(squad: Squad, model: str | None, runs: dict, features: tuple[str, ...]) -> dict[str, dict]:
    """Per run: signal matrix X, label y (best passage answers), answerable flag."""
    out = {}
    for name, (kb_arts, q_arts, answerable, *half) in runs.items():
        parity = half[0] if half else None
        path = CACHE / f"answerability-{model or 'lexical'}-{name}.npz"
        if path.exists():
            z = np.load(path)
            if tuple(z["features"]) == features:
                out[name] = {k: z[k] for k in ("X", "y", "answerable")}
                continue
        t0 = time.perf_counter()
        kb = squad.kb(kb_arts, parity)
        engine = squad.engine(kb, model)
        where = {(p.document, p.number) for p in kb.passages}
        X, y, flags = [], [], []
        for q in squad.questions:
            if q.article not in q_arts:
                continue
            a = engine.ask(q.question, top_k=3)
            X.append([a.signals.get(f, 0.0) for f in features])
            top = a.results[0].citation if a.results else None
            ok = answerable if parity is None else q.paragraph % 2 == parity
            flags.append(ok)
            # top-1 right (for reports; half knowledge bases renumber, so not judged there)
            y.append(
                bool(
                    ok
                    and parity is None
                    and top
                    and (top.document, top.paragraph) == (q.document, q.paragraph)
                    and (q.document, q.paragraph) in where
                )
            )
        d = {"X": np.array(X, dtype=np.float64), "y": np.array(y), "answerable": np.array(flags, dtype=bool)}
        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez(path, features=np.array(features), **d)
        out[name] = d
        print(
            f"  {model or 'lexical'} {name}: {len(y)} questions in {time.perf_counter() - t0:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    return out


def collect_docs(model: str | None, features: tuple[str, ...], squad: Squad) -> dict | None:
    """The docs development set: hit@1 as the label, unanswerable ones 0."""
    if not DOCS_QUESTIONS.exists():
        return None
    path = CACHE / f"answerability-{model or 'lexical'}-docs.npz"
    if path.exists() and tuple(np.load(path)["features"]) == features:
        z = np.load(path)
        return {k: z[k] for k in ("X", "y", "answerable")}
    from bot.builder import build_knowledge

    built = build_knowledge(DOCS)  # the structure-aware passages, as the bot reads them
    kb = built.kb
    engine = squad.engine(kb, model) if model is None else _docs_engine(built, model)
    X, y, ans = [], [], []
    for q in read_questions(DOCS_QUESTIONS):
        a = engine.ask(q.q, top_k=3)
        X.append([a.signals.get(f, 0.0) for f in features])
        top = a.results[0] if a.results else None
        ok = bool(q.gold and top and top.citation.document == q.document and _norm(q.gold) in _norm(top.passage.text))
        y.append(ok)
        ans.append(bool(q.gold))
    d = {"X": np.array(X, dtype=np.float64), "y": np.array(y), "answerable": np.array(ans)}
    np.savez(path, features=np.array(features), **d)
    return d


def _docs_engine(built, model: str):
    from bot.answer import AnswerEngine, EngineConfig
    from bot.semantic.embedder import load_embedder
    from bot.semantic.worker import VectorWorker

    embedder = load_embedder(model, threads=2)
    holder = {}
    # Kept under bench/.cache: the shared docs folder is read-only (and root could still
    # write beside it).
    worker = VectorWorker(embedder, CACHE / f"docs-vectors-{model}")
    worker.start(built.kb, lambda sem: holder.setdefault("sem", sem))
    worker.wait()
    return AnswerEngine(built.kb, EngineConfig(top_k=10), index=built.index, semantic=holder["sem"])


def with_pairs(features: tuple[str, ...], X: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
    """The signals and their pairwise products (squares included), named as
    answerability.feature_value reads them, and their columns."""
    pairs = list(itertools.combinations_with_replacement(range(len(features)), 2))
    names = features + tuple(f"{features[a]}{PRODUCT}{features[b]}" for a, b in pairs)
    return names, np.column_stack([X] + [X[:, a] * X[:, b] for a, b in pairs])


def threshold_for(p: np.ndarray, answerable: np.ndarray) -> float:
    """The highest threshold that refuses at most 3 % of the answerable questions."""
    pa = np.sort(p[answerable])
    k = int(np.floor(MAX_FALSE_REJECTIONS * pa.shape[0]))
    return float(pa[k]) if pa.shape[0] else 0.5


def verdict(
    p: np.ndarray, share: np.ndarray, t: float, floor: float | None, min_share: float = AnswerParams().min_answer_share
) -> np.ndarray:
    """Answered: the probability reaches the threshold, or at least half the words are found
    (share >= min_share, AnswerParams.min_answer_share) and it reaches the floor."""
    out = p >= t
    if floor is not None:
        out |= (share >= min_share) & (p >= floor)
    return out


def floor_for(p_neg: np.ndarray, share_neg: np.ndarray, t: float) -> float | None:
    """The lowest floor (0.01 steps below the threshold) that still rejects FLOOR_REJECTION
    of the fitting negatives; None when the threshold alone rejects less."""
    if (~verdict(p_neg, share_neg, t, None)).mean() < FLOOR_REJECTION:
        return None
    best = t
    for f in np.arange(t, -0.005, -0.01):
        if (~verdict(p_neg, share_neg, t, float(f))).mean() < FLOOR_REJECTION:
            break
        best = float(f)
    return round(best, 4)


def report(name: str, answered: np.ndarray, answerable: np.ndarray) -> dict:
    fr = float((~answered[answerable]).mean()) if answerable.any() else 0.0
    rej = float((~answered[~answerable]).mean()) if (~answerable).any() else 0.0
    print(
        f"  {name:<34} answerable {int(answerable.sum()):>5}  false rejections {fr:6.1%}  "
        f"unanswerable {int((~answerable).sum()):>5}  rejected {rej:6.1%}"
    )
    return {"false_rejections": round(fr, 4), "rejected": round(rej, 4)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="*", default=["e5-small", "minilm-l6"])
    ap.add_argument("--no-write", action="store_true", help="report only, keep the shipped weights")
    ap.add_argument(
        "--docs-weight", type=float, default=0.1, help="share of the fitting weight given to the docs development set"
    )
    ap.add_argument(
        "--on-topic-weight",
        type=float,
        default=0.0,
        help="also fit on the on-topic negatives of articles 0-23, each question weighing this much",
    )
    ap.add_argument(
        "--pairs",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also fit the pairwise products of the signals (answerability.feature_value)",
    )
    args = ap.parse_args(argv)
    squad = Squad()
    variants = {}
    for model in [None, *args.models]:
        features = LEXICAL_SIGNALS + (DENSE_SIGNALS if model else ())
        fit_data = collect(squad, model, FIT_RUNS, features)
        held = collect(squad, model, HELD_RUNS | ON_TOPIC_HELD, features)
        on_topic = collect(squad, model, ON_TOPIC_FIT, features) if args.on_topic_weight else {}
        docs = collect_docs(model, features, squad)
        parts = list(fit_data.values()) + list(on_topic.values()) + ([docs] if docs else [])
        X = np.vstack([d["X"] for d in parts])
        y = np.concatenate([d["y"] for d in parts])
        ans = np.concatenate([d["answerable"] for d in parts])
        w = np.ones(len(y))
        n_fit = sum(d["X"].shape[0] for d in fit_data.values())
        w[n_fit : n_fit + sum(d["X"].shape[0] for d in on_topic.values())] = args.on_topic_weight
        if docs:  # the 80 real questions count as DOCS_WEIGHT of the fitting weight
            n_docs = docs["X"].shape[0]
            w[-n_docs:] = args.docs_weight * (len(y) - n_docs) / n_docs
        si = features.index("share")
        share = X[:, si]
        held_share = {k: v["X"][:, si] for k, v in held.items()}
        docs_share = docs["X"][:, si] if docs else None
        used = tuple(f for f in features if f not in NOT_FITTED)
        cols = [features.index(f) for f in used]
        X = X[:, cols]
        held = {k: {**v, "X": v["X"][:, cols]} for k, v in held.items()}
        if docs:
            docs = {**docs, "X": docs["X"][:, cols]}
        if args.pairs:
            fitted, X = with_pairs(used, X)
            held = {k: {**v, "X": with_pairs(used, v["X"])[1]} for k, v in held.items()}
            if docs:
                docs = {**docs, "X": with_pairs(used, docs["X"])[1]}
            used = fitted
        m = fit(used, X, ans.astype(float), w)
        p = m.probabilities(X)
        t = threshold_for(p, ans)
        n_squad = sum(d["X"].shape[0] for d in fit_data.values())
        squad_neg = ~ans[:n_squad]
        floor = floor_for(p[:n_squad][squad_neg], share[:n_squad][squad_neg], t)
        key = squad.vectors(model).embedder.model_id if model else "lexical"
        print(f"{key}: threshold {t:.3f}, floor {floor}")
        figures = {}
        for label, fl in (("", None), (" + floor", floor)):
            if label and fl is None:
                continue
            print(f" verdict: threshold{label}")
            out = {"fit": report("fit (SQuAD 0-23 + docs)", verdict(p, share, t, fl), ans)}
            pos = held["held_pos"]
            for neg in ("held_neg_a", "trial_neg"):
                parts_ = [pos, held[neg]] + ([held["held_neg_b"]] if neg == "held_neg_a" else [])
                names = ["held_pos", neg] + (["held_neg_b"] if neg == "held_neg_a" else [])
                Xh = np.concatenate([q["X"] for q in parts_])
                ah = np.concatenate([q["answerable"] for q in parts_])
                sh = np.concatenate([held_share[n] for n in names])
                name = "held 24-47 cross-KB" if neg == "held_neg_a" else "trial 24-47 vs KB 0-23"
                out[neg] = report(name, verdict(m.probabilities(Xh), sh, t, fl), ah)
            halves = [held[n] for n in ON_TOPIC_HELD]
            Xh = np.concatenate([q["X"] for q in halves])
            sh = np.concatenate([held_share[n] for n in ON_TOPIC_HELD])
            ah = np.concatenate([q["answerable"] for q in halves])
            out["on_topic"] = report("held 24-47 on-topic (half KB)", verdict(m.probabilities(Xh), sh, t, fl), ah)
            if docs:
                out["docs"] = report(
                    "docs dev set", verdict(m.probabilities(docs["X"]), docs_share, t, fl), docs["answerable"]
                )
            figures["floor" if label else "threshold"] = out
        variants[key] = {"model": m.to_json(), "threshold": round(t, 4), "floor": floor, "figures": figures}
    if not args.no_write:
        doc = {
            "about": "bench/fit_answerability.py: logistic regression over answerability signals"
            + (" and their pairwise products, " if args.pairs else ", ")
            + "fitted on SQuAD articles 0-23 (+ cross-KB negatives from 0-23) and the docs "
            "development set; threshold = at most 3 % false rejections on that data; floor = the "
            "lowest probability at which the word-count rule may still answer while at least "
            f"{FLOOR_REJECTION:.0%} of the fitting cross-KB negatives stay rejected (null: none).",
            "variants": variants,
        }
        OUT.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
