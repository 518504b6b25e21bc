"""Every answer on the shared evaluation sets, as a digest to compare between code versions:
SQuAD v1.1 dev (all 10,570 questions, top 10), the docs-poetry questions over the docs and the
article questions over the seed article, words only (no embedding model), or hybrid with
`--model e5-small` (SQuAD's passage, sentence and question vectors from the bench/.cache
embeddings, the docs' and the article's passage vectors kept under bench/.cache/
<set>-vectors-<model>, their questions embedded live). A speed change should leave the
digests equal; bench/answer_path.py does the same for the pipeline corpus.

    python bench/digests.py out.json [--compare old.json] [--model e5-small]

Run it from another checkout (e.g. `git archive main | tar -x -C /tmp/main`) with that
checkout's bench/digests.py to get the old side.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
EVAL = ROOT.parent / "shared" / "eval"

from answer_path import digest  # noqa: E402  (one digest of an answer for both scripts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--compare", type=Path, help="an earlier digest")
    ap.add_argument("--eval", type=Path, default=EVAL, help="the shared eval folder")
    ap.add_argument("--model", help="an embedding model: hybrid answers (default: words only)")
    args = ap.parse_args(argv)
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["SEMANTIC_MODEL"] = "off"
    if args.model:
        got = _hybrid(args.model, args.eval)
        args.out.write_text(json.dumps(got))
        print(", ".join(f"{k}: {len(v)} answers" for k, v in got.items()), f"-> {args.out}")
        if args.compare:
            _compare(json.loads(args.compare.read_text()), got)
        return 0

    import squad

    from bot.answer import AnswerEngine, EngineConfig
    from bot.documents.loader import LoadConfig, load_knowledge
    from bot.service import KnowledgeService

    got: dict[str, list] = {}
    data = squad.load_squad(args.eval / "squad-v1.1-dev.json.zip")
    with tempfile.TemporaryDirectory() as tmp:
        questions = squad.write_knowledge(data, Path(tmp))
        engine = AnswerEngine(load_knowledge(Path(tmp), LoadConfig(junk_markers=())), EngineConfig(top_k=10))
        got["squad"] = [digest(engine.ask(q.question, top_k=10)) for q in questions]
    sets = (
        ("docs", args.eval / "docs-poetry", args.eval / "docs-poetry-questions.jsonl"),
        ("article", ROOT / "knowledge", args.eval / "article-questions.jsonl"),
    )
    for name, kdir, qfile in sets:
        service = KnowledgeService.open(kdir, use_saved_index=False)
        lines = [json.loads(line)["q"] for line in qfile.read_text(encoding="utf-8").splitlines() if line.strip()]
        got[name] = [digest(service.ask(q)) for q in lines]
    args.out.write_text(json.dumps(got))
    print(", ".join(f"{k}: {len(v)} answers" for k, v in got.items()), f"-> {args.out}")
    if args.compare:
        _compare(json.loads(args.compare.read_text()), got)
    return 0


def _hybrid(model: str, eval_dir: Path) -> dict[str, list]:
    """Hybrid answers of the three sets (see the module's docstring)."""
    from semantic_kb import Squad

    from bot.answer import AnswerEngine, EngineConfig
    from bot.builder import build_knowledge
    from bot.semantic.embedder import load_embedder
    from bot.semantic.worker import VectorWorker

    got: dict[str, list] = {}
    squad = Squad(eval_dir / "squad-v1.1-dev.json.zip")
    engine = squad.engine(squad.all, model)
    got["squad"] = [digest(engine.ask(q.question, top_k=10)) for q in squad.questions]
    embedder = load_embedder(model, threads=2)
    assert embedder is not None, f"{model} is not installed"
    sets = (
        ("docs", eval_dir / "docs-poetry", eval_dir / "docs-poetry-questions.jsonl"),
        ("article", ROOT / "knowledge", eval_dir / "article-questions.jsonl"),
    )
    for name, kdir, qfile in sets:
        built = build_knowledge(kdir)
        holder: dict[str, object] = {}
        worker = VectorWorker(embedder, ROOT / "bench" / ".cache" / f"{name}-vectors-{model}")
        worker.start(built.kb, lambda sem, h=holder: h.setdefault("sem", sem))
        worker.wait()
        hybrid = AnswerEngine(built.kb, EngineConfig(), index=built.index, semantic=holder["sem"])  # type: ignore[arg-type]
        lines = [json.loads(line)["q"] for line in qfile.read_text(encoding="utf-8").splitlines() if line.strip()]
        got[name] = [digest(hybrid.ask(q)) for q in lines]
    return got


def _compare(old: dict[str, list], got: dict[str, list]) -> None:
    for name, answers in got.items():
        first = []
        for a, b in zip(old.get(name, []), answers, strict=False):
            if a != b:
                ra, rb = a["results"], b["results"]
                n = min(len(ra), len(rb))
                first.append(next((i for i in range(n) if ra[i] != rb[i]), n) + 1)
        print(
            f"{name}: {len(first)} of {len(answers)} differ; first differing rank {sorted(first)}; "
            f"answered/confidence differ in {sum((a['answered'], a['confidence']) != (b['answered'], b['confidence']) for a, b in zip(old.get(name, []), answers))}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
