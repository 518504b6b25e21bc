"""SQuAD v1.1 dev as one knowledge base: paragraph retrieval quality of the answer engine.

All 48 articles become documents of one knowledge directory (written to a temporary folder
and loaded through the real loader); every question ranks all 2,067 paragraphs. Prints
top-1, top-5, MRR@10, false rejections and "snippet" (top-1 right AND its shown snippet
contains one of SQuAD's answer texts, case aside) for all questions and for articles 0-23 (the
tuning half) and 24-47 (the reporting half), plus time per question.

    python bench/squad.py [--squad PATH(.json|.zip)] [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.answer import AnswerEngine, EngineConfig  # noqa: E402
from bot.documents.loader import LoadConfig, load_knowledge  # noqa: E402

DEFAULT_SQUAD = ROOT.parent / "shared" / "eval" / "squad-v1.1-dev.json.zip"

# The published anchors (../shared/eval/README.md): all / 0-23 / 24-47.
ANCHORS = {
    "bm25s lucene + stopwords + stems": {
        "top1": (0.768, 0.744, 0.796),
        "top5": (0.925, 0.919, 0.932),
        "mrr10": (0.835, 0.820, 0.854),
    },
    "rank-bm25 Okapi + stopwords + stems": {
        "top1": (0.770, None, None),
        "top5": (0.926, None, None),
        "mrr10": (0.837, None, None),
    },
}


@dataclass
class SquadQuestion:
    article: int
    question: str
    document: str
    paragraph: int  # 1-based
    answers: tuple[str, ...] = ()  # SQuAD's answer texts (qas[k].answers[*].text)


def load_squad(path: Path) -> dict:
    """The SQuAD v1.1 dev set, as the published dev-v1.1.json or a zip holding it."""
    if path.suffix.lower() == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".json"))
        return json.loads(zf.read(name))


def write_knowledge(data: dict, folder: Path) -> list[SquadQuestion]:
    """One .txt per article (title line, blank line, paragraphs separated by blank lines)."""
    questions = []
    for i, article in enumerate(data["data"]):
        name = f"{i:02d}_{article['title']}.txt"
        paras = [" ".join(p["context"].split()) for p in article["paragraphs"]]
        title = article["title"].replace("_", " ")
        (folder / name).write_text(title + "\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
        for j, p in enumerate(article["paragraphs"], start=1):
            for qa in p["qas"]:
                answers = tuple(a["text"] for a in qa.get("answers", ()))
                questions.append(SquadQuestion(i, qa["question"], name, j, answers))
    return questions


def metrics(ranks: list[int | None], rejected: list[bool], snippet: list[bool]) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "snippet": sum(snippet) / n,
        "n": len(ranks),
        "top1": sum(r == 1 for r in ranks) / n,
        "top5": sum(r is not None and r <= 5 for r in ranks) / n,
        "mrr10": sum(1 / r for r in ranks if r is not None and r <= 10) / n,
        "false_rejections": sum(rejected) / n,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--squad", type=Path, default=DEFAULT_SQUAD)
    ap.add_argument("--limit", type=int, default=0, help="only the first N questions")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--semantic", metavar="MODEL", help="hybrid answers with this embedding model")
    ap.add_argument("--fusion", choices=("linear", "rrf"), default="linear")
    args = ap.parse_args(argv)
    if not args.squad.exists():
        print(
            f"SQuAD file not found: {args.squad}. Pass --squad PATH to the SQuAD v1.1 dev set "
            "(dev-v1.1.json or a zip of it; public, CC BY-SA 4.0, Rajpurkar et al. 2016).",
            file=sys.stderr,
        )
        return 2
    if args.semantic:
        from dataclasses import replace

        from semantic_kb import Squad

        from bot.retrieval.fusion import fusion_for

        squad = Squad(args.squad)
        questions, kb = squad.questions, squad.all
        squad.vectors(args.semantic)  # embed (or read the cache) before timing the build
        t0 = time.perf_counter()
        fusion = replace(fusion_for(squad.vectors(args.semantic).embedder.model_id), method=args.fusion)
        engine = squad.engine(kb, args.semantic, EngineConfig(top_k=10, fusion=fusion))
        build_s = time.perf_counter() - t0
    else:
        data = load_squad(args.squad)
        with tempfile.TemporaryDirectory() as tmp:
            questions = write_knowledge(data, Path(tmp))
            t0 = time.perf_counter()
            # Wikipedia text has no page junk; "Read more" inside a sentence must not cut it.
            kb = load_knowledge(Path(tmp), LoadConfig(junk_markers=()))
            engine = AnswerEngine(kb, EngineConfig(top_k=10))
            build_s = time.perf_counter() - t0
    if args.limit:
        questions = questions[: args.limit]
    ranks: list[int | None] = []
    rejected: list[bool] = []
    snippet: list[bool] = []
    times: list[float] = []
    for q in questions:
        t = time.perf_counter()
        answer = engine.ask(q.question, top_k=10)
        times.append((time.perf_counter() - t) * 1000)
        rank = next(
            (
                i
                for i, r in enumerate(answer.results, start=1)
                if r.citation.document == q.document and r.citation.paragraph == q.paragraph
            ),
            None,
        )
        ranks.append(rank)
        rejected.append(not answer.answered)
        shown = answer.results[0].snippet.text.casefold() if rank == 1 else ""
        snippet.append(any(a.casefold() in shown for a in q.answers) if shown else False)
    halves = {
        "all": range(len(questions)),
        "articles 0-23": [i for i, q in enumerate(questions) if q.article < 24],
        "articles 24-47": [i for i, q in enumerate(questions) if q.article >= 24],
    }
    report = {
        name: metrics([ranks[i] for i in idx], [rejected[i] for i in idx], [snippet[i] for i in idx])
        for name, idx in halves.items()
    }
    report["timing"] = {
        "paragraphs": len(kb.passages),
        "build_s": round(build_s, 2),
        "median_ms": round(statistics.median(times), 3),
        "p99_ms": round(sorted(times)[int(len(times) * 0.99) - 1], 3),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"SQuAD v1.1 dev: {len(questions)} questions over {len(kb.passages)} paragraphs "
        f"in {len(kb.documents)} documents (index built in {build_s:.1f} s)"
    )
    print(f"{'split':<16}{'n':>7}{'top-1':>8}{'top-5':>8}{'MRR@10':>8}{'false rej.':>12}{'snippet':>9}")
    for name in halves:
        m = report[name]
        print(
            f"{name:<16}{m['n']:>7}{m['top1']:>8.3f}{m['top5']:>8.3f}{m['mrr10']:>8.3f}"
            f"{m['false_rejections']:>12.3f}{m['snippet']:>9.3f}"
        )
    t = report["timing"]
    print(f"time per question: median {t['median_ms']:.2f} ms, p99 {t['p99_ms']:.2f} ms")
    print("anchors (all / 0-23 / 24-47):")
    for name, a in ANCHORS.items():
        cells = "  ".join(f"{k} " + "/".join("-" if v is None else f"{v:.3f}" for v in vals) for k, vals in a.items())
        print(f"  {name}: {cells}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
