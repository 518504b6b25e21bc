"""Fit the heading field's BM25F weight (and check passage shaping) on the docs development
set: the poetry docs and their questions, scored on all questions and on the even and odd
lines apart (fit on one half, check on the other).

    python bench/fit_heading_weight.py [--weights 0,1,3,5,8,12,20] [--b 0.75] [--code] [--prose 1200]

Each row builds the knowledge base afresh (no saved index), so it measures the code as it is.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.answer import AnswerEngine, EngineConfig
from bot.builder import build_knowledge
from bot.documents.loader import LoadConfig
from bot.documents.passages import ShapeOptions
from bot.evaluate import evaluate, read_questions
from bot.retrieval.bm25 import BM25Params
from bot.text import Analyzer, SentenceSplitter

SHARED = ROOT.parent / "shared" / "eval"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", default="0,1,3,5,8,12,20")
    ap.add_argument("--b", type=float, default=0.75, help="the heading field's length normalisation")
    ap.add_argument("--code", action="store_true", help="index code text too")
    ap.add_argument("--prose", type=int, default=1200, help="prose characters per passage, about")
    args = ap.parse_args(argv)
    docs, qfile = SHARED / "docs-poetry", SHARED / "docs-poetry-questions.jsonl"
    if not docs.exists() or not qfile.exists():
        print(f"{docs} or {qfile} not found: the docs development set lives in ../shared/eval")
        return 1
    questions = read_questions(qfile)
    analyzer, splitter = Analyzer(), SentenceSplitter()
    load = LoadConfig(shape=ShapeOptions(max_prose=args.prose, index_code=args.code))
    print(f"heading b={args.b} code={'indexed' if args.code else 'shown only'} prose<={args.prose}")
    print(f"{'weight':>6}  {'hit@1':>5} {'hit@3':>5} {'MRR':>5}  rejected  false rej.  even hit@1/3  odd hit@1/3")
    for w in (float(x) for x in args.weights.split(",")):
        params = BM25Params(head_weight=w, head_b=args.b)
        built = build_knowledge(docs, load, params, analyzer, splitter)
        engine = AnswerEngine.from_built(built, EngineConfig(bm25=params), analyzer)
        r = evaluate(engine, questions)
        f = r.figures()
        even, odd = (evaluate(engine, questions[i::2]).figures() for i in (0, 1))
        print(
            f"{w:6g}  {f['hit@1']:.3f} {f['hit@3']:.3f} {f['MRR']:.3f}  {r.rejected_unanswerable:>2} of {r.unanswerable:<2}"
            f"  {r.false_rejections:>2} of {r.answerable:<3}  {even['hit@1']:.3f}/{even['hit@3']:.3f}"
            f"  {odd['hit@1']:.3f}/{odd['hit@3']:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
