"""Start-up from a saved index with a large knowledge directory.

Writes N generated paragraphs (English-like sentences from a seeded Zipf vocabulary) into
.txt files under a temporary knowledge directory (--markdown: .md files, each paragraph under
its own heading, every tenth with a fenced code block, the first file a changelog with version
headings: what documentation looks like, and what the ranking's per-passage flags read),
builds and saves the index with `python -m bot index` (words only: SEMANTIC_MODEL=off), then
times `python -m bot ask` from process start to first answer with the saved index, and a
reload after one file changed.

Session 11, --markdown --paragraphs 1000000: first build 152 s; start-up to first answer 2.00
s with section rows in meta.json (40 MB parsed at every start), 0.73-0.77 s with them saved as
arrays (format 5); before the per-passage release and fence flags were judged lazily, 0.76-0.92
s against 0.65-0.72 s at 100,000 passages.

Session 12, the same, a reload after one file changed: 52.6 s before (np.union1d in the BM25F
postings took ~0.75 s a chunk with numpy 2.4; every reload rebuilds the postings), 8.7-9.9 s
after; first build 145-150 s -> 107 s. The answer path's p99 after that reload went from ~2.6
to ~63-71 ms: unchanged documents' section rows are carried over undecoded, so the first
questions decode them (as after a start from the saved index), not the reload. Then release
flags judged from a document's raw rows when they cannot name a release, and a shown passage's
row read alone (row starts saved beside the JSON): final code, on a quiet machine, first build
74-78 s, start-up 0.92-1.20 s (session 11's code on the same machine that day: 1.01-1.22 s),
reload after one change 8.0-8.6 s (41.1 s), answer path after it median 1.32 ms, p99 18.7 ms
(0.96 / 2.2 ms with session 11's reload, which decoded every document's rows).

    python bench/startup.py [--paragraphs 100000] [--markdown] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_words(rng: np.random.Generator, n: int) -> list[str]:
    syll = ["ka", "to", "ri", "men", "sa", "lo", "ver", "na", "di", "qu", "el", "ost", "ar", "pe", "tin", "gra"]
    words, seen = [], set()
    while len(words) < n:
        w = "".join(rng.choice(syll, size=int(rng.integers(2, 5))))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def write_corpus(folder: Path, paragraphs: int, per_file: int = 1000, seed: int = 7, markdown: bool = False) -> None:
    rng = np.random.default_rng(seed)
    words = np.array(make_words(rng, 50_000))
    probs = 1 / np.arange(1, len(words) + 1) ** 1.1
    probs /= probs.sum()
    n_files = (paragraphs + per_file - 1) // per_file
    for f in range(n_files):
        count = min(per_file, paragraphs - f * per_file)
        lines = [f"# Generated document {f}" if markdown else f"Generated document {f}", ""]
        draws = rng.choice(len(words), size=(count, 60), p=probs)
        for n, row in enumerate(draws):
            if markdown:
                heading = f"{f}.{n}.0 (2026-01-01)" if f == 0 else " ".join(words[row[:3]]).capitalize()
                lines += [f"## {heading}", ""]
            sents = [" ".join(words[row[i : i + 12]]).capitalize() + "." for i in range(0, 60, 12)]
            lines.append(" ".join(sents))
            lines.append("")
            if markdown and n % 10 == 0:
                lines += ["```", f"tool run {words[row[0]]}", "```", ""]
        name = ("CHANGELOG.md" if f == 0 else f"doc{f:05d}.md") if markdown else f"doc{f:05d}.txt"
        (folder / name).write_text("\n".join(lines), encoding="utf-8")


def run(args: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"python -m bot {' '.join(args)} failed:\n{proc.stderr}")
    return time.perf_counter() - t, proc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paragraphs", type=int, default=100_000)
    ap.add_argument("--markdown", action="store_true", help="Markdown files with headings and code blocks")
    ap.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    args = ap.parse_args(argv)
    base = args.keep or Path(tempfile.mkdtemp(prefix="kb-startup-"))
    kdir = base / "knowledge"
    kdir.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    write_corpus(kdir, args.paragraphs, markdown=args.markdown)
    print(f"wrote {args.paragraphs} paragraphs in {len(list(kdir.iterdir()))} files ({time.perf_counter() - t:.1f} s)")
    # Words only: with the semantic extra installed, `bot index` would also embed every
    # passage (hours at 100k on 2 cores); bench/semantic_cost.py times start-up with vectors.
    env = dict(os.environ, KNOWLEDGE_DIR=str(kdir), LOG_LEVEL="WARNING", SEMANTIC_MODEL="off")
    env.pop("DISCORD_TOKEN", None)
    build_s, proc = run(["index"], env)
    print(f"python -m bot index (read, clean, tokenise, index, save): {build_s:.1f} s -- {proc.stdout.strip()}")
    q = "kato rimen salo"
    starts = []
    for _ in range(3):
        s, proc = run(["ask", "--json", q], env)
        starts.append(s)
    answered = json.loads(proc.stdout)["results"] != []
    print(
        f"start-up from the saved index to first answer: {min(starts):.2f} s best, {max(starts):.2f} s worst "
        f"(target <= 5 s); results returned: {answered}"
    )
    first = sorted(kdir.iterdir())[0]
    first.write_text(first.read_text() + "\nA brand new paragraph about kato.\n")
    from bench.article import time_answers
    from bot.service import KnowledgeService

    t = time.perf_counter()
    service = KnowledgeService.open(kdir)
    open_s = time.perf_counter() - t
    first.write_text(first.read_text() + "\nAnother new paragraph.\n")
    report = service.reload()
    print(
        f"in-process open after one file changed: {open_s:.1f} s (files read: {service._built.files_read}); "
        f"reload after another change: {report.seconds:.1f} s -- {report.diff.counts()}"
    )
    # The whole answer path in process: typo look-up, BM25, re-ranking with the surface
    # evidence read from the candidates' text, snippets (bench/scale.py times the index alone).
    rng = np.random.default_rng(11)
    vocab = service.engine.index.vocabulary
    questions = [
        " ".join(vocab[int(i)] for i in rng.integers(0, min(len(vocab), 20_000), size=int(n)))
        for n in rng.integers(2, 6, size=300)
    ]
    median, p99 = time_answers(service, questions)
    print(f"in-process ask, whole answer path, {len(questions)} questions: median {median:.2f} ms, p99 {p99:.2f} ms")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
