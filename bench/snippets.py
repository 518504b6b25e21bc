"""Does the shown snippet contain the answer? Snippet choice measured apart from ranking.

Runs every question of the docs-poetry dev set, the article set and SQuAD v1.1 dev once
through the real engine, keeps what the snippet chooser saw for each top-1 hit (the
ranking is the engine's, unchanged), then scores snippet choices on those passages:
"contains" = the top-1 passage is right AND its snippet contains the gold phrase (docs,
article: as `bot eval` counts it) or one of SQuAD's answer texts. SQuAD is reported for
articles 0-23 (fitting half) and 24-47 (held out) separately. Inputs are cached under
bench/.cache/ (delete it after changing ranking or reading code).

    python bench/snippets.py [--fit] [--limit N] [--model e5-small]

With --model, ranking is hybrid and each shown passage's sentence cosines (the kept sentence
vectors) are tried as a further snippet score (FusionParams.snippet_weight), weight by
weight; the cases are cached per model.

Session 9 (e5-small cases; "docs" / SQuAD 0-23 fit, 24-47 held out): the sentence cosine at
weight 6 (the fit's pick; 2-8 alike) 0.417 / 0.829 / 0.858 -> 0.417 / 0.830 / 0.860, 12 loses a
docs question. Then SnippetParams.max_sentences (the other weights refitted on the same grid
stay where they are): 3 -> 4 within the same 600 characters 0.417 / 0.830 / 0.860 -> 0.517 /
0.835 / 0.868 (docs odd and even halves +3 questions each), mean snippet 338 -> 420 characters
on docs; 5: 0.533 / 0.837 / 0.870 (465), 8: 0.550 / 0.838 / 0.870 (488). Words-only cases:
0.350 / 0.788 / 0.817 -> 0.367 / 0.791 / 0.823 at 4. Kept: 4 (the knee). MiniLM cases (four
sentences): 0.383 / 0.825 / 0.852 at weight 0; the fit's pick, 12, 0.400 / 0.822 / 0.845 (one
docs question gained, held-out SQuAD lost); 1: 0.383 / 0.828 / 0.854. MiniLM left at 0.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bot.answer as answer_mod
from bot.answer import Answer, AnswerEngine, EngineConfig
from bot.documents.loader import LoadConfig, load_knowledge
from bot.evaluate import _snippet_has_gold, is_hit, read_questions
from bot.retrieval.fusion import fusion_for
from bot.retrieval.snippets import SnippetInput, SnippetParams, choose_window
from bot.semantic.embedder import load_embedder
from bot.service import KnowledgeService

SHARED = ROOT.parent / "shared" / "eval"
CACHE = ROOT / "bench" / ".cache" / "snippet-inputs.pkl"


@dataclass
class Case:
    inp: SnippetInput  # exact= replaced by precomputed per-sentence shares (picklable)
    exact: list[float]
    golds: list[str]  # any of these in the snippet (casefolded) counts
    fold: bool  # docs format: compare with bot.evaluate.fold


def _capture(engine: AnswerEngine, question: str) -> tuple[Answer, SnippetInput | None]:
    seen: list[SnippetInput] = []
    real = answer_mod.make_snippet

    def record(inp, params, analyzer):  # type: ignore[no-untyped-def]
        seen.append(inp)
        return real(inp, params, analyzer)

    answer_mod.make_snippet = record
    try:
        ans = engine.ask(question, 10)
    finally:
        answer_mod.make_snippet = real
    return ans, (seen[0] if seen else None)


def _case(inp: SnippetInput, golds: list[str], fold: bool) -> Case:
    exact = [inp.exact(s) for s in inp.sentences] if inp.exact else [0.0] * len(inp.sentences)
    return Case(replace(inp, exact=None), exact, golds, fold)


def _with_cosines(engine: AnswerEngine) -> AnswerEngine:
    """The engine made to hand its sentence cosines to the snippet (a weight too small to
    change a choice), so the cases hold them for the weights tried here."""
    if engine.semantic is not None and not engine.fusion.snippet_weight:
        engine.fusion = replace(engine.fusion, snippet_weight=1e-12)
    return engine


def collect(limit: int, model: str | None) -> dict[str, list[Case | None]]:
    sets: dict[str, list[Case | None]] = {}
    embedder = load_embedder(model, threads=2) if model else None
    if model and embedder is None:
        raise SystemExit(f"embedding model {model} is not installed (pip install '.[semantic]')")
    for name, qfile, kdir in (
        ("docs", "docs-poetry-questions.jsonl", SHARED / "docs-poetry"),
        ("article", "article-questions.jsonl", ROOT / "knowledge"),
    ):
        service = KnowledgeService.open(kdir, embedder=embedder)
        if embedder is not None:
            service.wait_semantic()
        engine = _with_cosines(service.engine)
        cases: list[Case | None] = []
        for q in read_questions(SHARED / qfile):
            if not q.answerable:
                continue
            ans, inp = _capture(engine, q.q)
            ok = bool(ans.results) and is_hit(q, ans.results[0]) and inp is not None
            golds = [g for _, g in q.targets] if q.targets else [q.gold or ""]
            cases.append(_case(inp, golds, bool(q.targets)) if ok else None)  # type: ignore[arg-type]
        sets[name] = cases
    sys.path.insert(0, str(ROOT / "bench"))
    from squad import load_squad, write_knowledge

    data = load_squad(SHARED / "squad-v1.1-dev.json.zip")
    answers = [[a["text"] for a in qa["answers"]] for art in data["data"] for p in art["paragraphs"] for qa in p["qas"]]
    if model:
        from semantic_kb import Squad

        squad = Squad()
        questions = squad.questions
        engine = _with_cosines(squad.engine(squad.all, model, EngineConfig(top_k=10)))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            questions = write_knowledge(data, Path(tmp))
            engine = AnswerEngine(load_knowledge(Path(tmp), LoadConfig(junk_markers=())), EngineConfig(top_k=10))
    halves: dict[str, list[Case | None]] = {"squad 0-23": [], "squad 24-47": []}
    for n, (sq, golds) in enumerate(zip(questions, answers, strict=True)):
        if limit and n >= limit:
            break
        ans, inp = _capture(engine, sq.question)
        top = ans.results[0] if ans.results else None
        ok = top is not None and top.citation.document == sq.document and top.citation.paragraph == sq.paragraph
        halves["squad 0-23" if sq.article < 24 else "squad 24-47"].append(
            _case(inp, golds, False) if ok and inp is not None else None
        )
    sets.update(halves)
    return sets


def contains(case: Case, text: str) -> bool:
    from bot.evaluate import EvalQuestion

    if case.fold:
        return _snippet_has_gold(EvalQuestion("", (), None, None, tuple(("", g) for g in case.golds)), text)
    low = text.casefold()
    return any(g.casefold() in low for g in case.golds)


def old_window(inp: SnippetInput, max_chars: int = 600) -> list[int]:
    """The chooser before bot/retrieval/snippets.py: best sentence + the sentence adding the
    most missing question weight (else the next one), as two sentences at most."""
    sents = inp.sentences
    best = min(max(inp.best, 0), len(sents) - 1)
    weight = inp.weights
    found = [t & weight.keys() for t in inp.sentence_terms]
    if len(found) != len(sents):
        found = [set(weight) for _ in sents]
    chosen = [best]
    missing = set(weight) - found[best]
    gains = [(sum(weight[t] for t in found[i] & missing), -abs(i - best), i) for i in range(len(sents)) if i != best]
    gains = [g for g in gains if g[0] > 0]
    if gains:
        chosen.append(max(gains)[2])
    elif best + 1 < len(sents):
        chosen.append(best + 1)
    if len(chosen) > 1 and len(sents[best]) + len(sents[chosen[1]]) + 3 > max_chars:
        chosen = chosen[:1]
    return sorted(chosen)


def score(cases: list[Case | None], params: SnippetParams | None) -> float:
    n = len(cases) or 1
    good = 0
    for c in cases:
        if c is None:
            continue
        if params is None:
            idx = old_window(c.inp)
        else:
            shares = dict(zip(c.inp.sentences, c.exact, strict=True))
            inp = replace(c.inp, exact=lambda s, terms=None, shares=shares: shares[s])
            idx = choose_window(inp, params)
        text = " ".join(c.inp.sentences[i] for i in idx)[: (params.max_chars if params else 600) + 1]
        good += contains(c, text)
    return good / n


def report(sets: dict[str, list[Case | None]], params: SnippetParams | None, label: str) -> None:
    cells = "  ".join(f"{name} {score(cases, params):.3f}" for name, cases in sets.items())
    print(f"{label:<8} {cells}")


def fit(sets: dict[str, list[Case | None]]) -> SnippetParams:
    """Grid search on docs + SQuAD 0-23 (mean of the two figures)."""
    best, best_p = -1.0, SnippetParams()
    grid = itertools.product((0.25, 0.5), (0.0, 0.3), (-0.05, -0.1), (0.0, 0.03, 0.08))
    for dens, ex, per, bef in grid:
        p = SnippetParams(density=dens, exact=ex, per_sentence=per, before=bef)
        s = (score(sets["docs"], p) + score(sets["squad 0-23"], p)) / 2
        if s > best:
            best, best_p = s, p
    return best_p


def sweep(sets: dict[str, list[Case | None]], fitted: float) -> None:
    """The sentence cosine's weight in the snippet (FusionParams.snippet_weight): each weight's
    figures, the docs halves apart (odd / even lines), and the weight fitted on docs + SQuAD
    0-23 (mean of the two figures, as `fit`)."""
    docs = sets["docs"]
    halves = {"docs odd": docs[0::2], "docs even": docs[1::2]}
    best, best_w = -1.0, 0.0
    for w in (0.0, 0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0):
        p = SnippetParams(extra_weight=w)
        cells = "  ".join(f"{name} {score(cases, p):.3f}" for name, cases in {**sets, **halves}.items())
        mark = " (the bot's)" if w == fitted else ""
        print(f"w={w:<5g} {cells}{mark}")
        fit_score = (score(docs, p) + score(sets["squad 0-23"], p)) / 2
        if fit_score > best + 1e-12:
            best, best_w = fit_score, w
    print(f"fitted on docs + SQuAD 0-23: snippet_weight {best_w:g}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fit", action="store_true", help="grid-search the weights on docs + SQuAD 0-23")
    ap.add_argument("--limit", type=int, default=0, help="only the first N SQuAD questions")
    ap.add_argument("--model", help="hybrid ranking with this embedding model, and the sentence-cosine sweep")
    args = ap.parse_args(argv)
    cache = CACHE.with_name(f"snippet-inputs-{args.model}.pkl") if args.model else CACHE
    if cache.exists():
        sets = pickle.loads(cache.read_bytes())
    else:
        sets = collect(args.limit, args.model)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(sets))
    print("snippet contains gold/answer (top-1 right and its snippet holds the text), share of answerable")
    report(sets, None, "before")
    report(sets, SnippetParams(), "now")
    if args.fit:
        p = fit(sets)
        print(p)
        report(sets, p, "fitted")
    if args.model:
        model_id = load_embedder(args.model).model_id  # type: ignore[union-attr]
        sweep(sets, fusion_for(model_id).snippet_weight)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
