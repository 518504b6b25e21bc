"""Held-out documentation sets that persist: pinned PyPI sdists and questions kept in the repo.

Each set (bench/heldout/sets.json) names a project whose sdist on PyPI ships its documentation
(or, with "deb" in place of "sdist", a Debian package of its built HTML or PDF docs): version, file,
URL, sha256, the docs folder inside it, licence and the files left out (with why). Its
questions, labelled and committed before any run, are bench/heldout/<set>.jsonl
(the docs-poetry format: 30 answerable, 10 unanswerable: 7 on-topic requests the docs do not
answer, 3 chat lines).

    python bench/heldout.py [SET ...] [--model e5-small|minilm-l6|off] [--misses]

The archive is downloaded into bench/.cache/heldout/ only if absent (sha256 checked every run;
offline, it says where to put the file), its docs folder extracted beside it, and the bot is
measured as `python -m bot eval QUESTIONS --knowledge DOCS` does (the fitted engine,
bot/evaluate.py's evaluate), with plain BM25Okapi over the bot's passages as a floor and the
label check of bench/docs_holdout.py (a gold phrase in no passage of its document is named).
Vectors go to bench/.cache/heldout/vectors-<set>-<model>, so only the first run embeds.

Results (2026-12-02, helper on branch heldout; bot code at commit 5d98d5b; 2 cores shared with
another agent, under nice and flock; first e5 run embedded all three sets in ~8 min, a rerun
takes ~10 s). hit@1 / hit@3 / MRR / snippet-contains-gold, unanswerable rejected, false
rejections; BM25Okapi hit@1 / hit@3:
- e5-small: build 0.533 / 0.833 / 0.681 / 0.500, 4/10, 2/30; click 0.567 / 0.767 / 0.659 /
  0.500, 4/10, 4/30; cibuildwheel 0.467 / 0.567 / 0.553 / 0.433, 5/10, 0/30.
- words only (--model off): build (251 passages) 0.500 / 0.700 / 0.616 / 0.433, 4/10, 4/30;
  click (261) 0.367 / 0.533 / 0.489 / 0.300, 5/10, 4/30; cibuildwheel (351) 0.367 / 0.567 /
  0.460 / 0.333, 4/10, 2/30. BM25Okapi: build 0.433 / 0.633, click 0.267 / 0.467,
  cibuildwheel 0.433 / 0.500.
- Rejected with e5: the 3 chat lines on every set plus 1 (build, click) or 2 (cibuildwheel) of
  the 7 on-topic requests; the rest get an answer, as on the earlier sets.
- Where it misses (--misses): click's FAQ puts each answer under its own "Answer" heading, so the
  question's own passage (the member's words) ranks first and the answer 2nd-3rd (4 questions);
  cibuildwheel's options.md has an "Examples" passage per option (its `!!! tab` blocks) whose
  text is the tab labels "pyproject.toml Environment variables" and little else (15 are only
  the labels; the tab bodies are code), and two such passages rank first for 2 questions that
  name pyproject.toml or environment variables; its changelog ranks first once (3.13t).

Results (2026-12-03, helper on branch htmlset; bot code at commit a63d114; same machine and
rules; the first e5 run embedded the set in ~5 min) for flask-html, the set in built HTML:
Flask 2.2.2's Sphinx 5.3 HTML from Debian bookworm's python-flask-doc 2.2.2-3 (73 pages after
leaving out _sources/, _static/, _images/, the index, search and 404 pages; 501 passages).
- e5-small: 0.333 / 0.667 / 0.528 / 0.267, 4/10, 0/30.
- words only (--model off): 0.267 / 0.500 / 0.427 / 0.167, 5/10, 2/30. BM25Okapi 0.267 / 0.433.
- Rejected with e5: the 3 chat lines and 1 of the 7 on-topic requests (rate limiting); OAuth,
  CORS, AWS Lambda, JWT, Docker and alembic requests all get an answer.
- Where it misses: of the 20 e5 questions without the answer first, 9 have it 2nd and 5 not in
  the top 10; twice the right passage ranks first but the snippet leaves the gold sentence out. What the HTML reader does to these pages
  (readers/html.py, on the built docs; none of it is the bench's doing): furniture outside
  role="main" (sidebar, search box, related links, footer) is gone, but the class/id furniture
  rule drops whole sections whose Sphinx id holds a furniture word (quickstart's "Cookies",
  security's "Set-Cookie options") and every dt signature with "cookie" in its id
  (SESSION_COOKIE_NAME's definition is kept without its name); hidden="true" tab panels
  (Fish, CMD, Powershell, Windows: 19) are dropped with their tab labels; the "Read more" junk
  marker cuts contributing.html after "Read more about coverage."; trafilatura prunes real
  changelog items and link lists (95 blocks); footnotes (<aside>) are dropped; the headerlink
  "¶" stays in dt terms and code captions (549 times in passage text); api.html's autodoc
  entries are not sections, so "Application Object" is one passage of 60,003 characters.

Results (2026-12-03, helper on branch pdfset; bot code at commit a63d114; same machine and
rules; the first e5 run embedded the set in ~4 min) for reportlab, the set in PDF: the ReportLab
User Guide (134 pages, made by ReportLab 3.6.12) from Debian bookworm's python-reportlab-doc
3.6.12-1+deb12u1, only the PDF kept (419 passages, 92 of them from the contents pages).
- e5-small: 0.367 / 0.667 / 0.547 / 0.267, 7/10, 2/30.
- words only (--model off): 0.267 / 0.467 / 0.410 / 0.167, 8/10, 5/30. BM25Okapi 0.233 / 0.400.
- Rejected with e5: the 3 chat lines and 4 of the 7 on-topic requests; PDF/A, extracting text
  from a PDF and inserting an SVG file get an answer (words only: the last two).
- What the PDF reader (readers/pdf.py) does to this guide, none of it the bench's doing: heading
  levels are ranked by distinct font size, so the demo drawings' big text ("SPUMONI" 85 pt p.
  26, "Hello World" 36 pt p. 126, "in the Vera TT Font!" 32 pt p. 52, like the title page's
  "User Guide") are levels 1-3 and every real chapter, section and subsection (18, 14, 12 pt) is
  capped at level 6 with the rest: from p. 26 on all 259 passages sit under "SPUMONI", 191 of
  them under "in the Vera TT Font!", and citations show that path; figure captions (12 pt, like
  subsections) and demo text open sections ("Figure 2-3: ...", "(2.5,1) in inches",
  "DarkGardenMK", "malice of forethought, publish"); a heading over two lines is cut by the gap
  rule to its last line ("9.1 Preformatted(...)" becomes "newLineChars=None)"); the contents
  pages (2-5) are 92 passages, 88 only dot leaders and a page number, each under its entry as a
  heading (the leader rule runs before spaces are folded; pypdf puts two between the dots); the
  running head "User Guide" + "Chapter N ..." comes last in pypdf's order of each page and is
  not dropped (only the last line is checked, and the chapter line differs by chapter): 127
  times in passage text, often mid-sentence across a page break ("Bitstream Inc. for User Guide
  Chapter 1 Introduction the Vera fonts."); a prose line mostly in Courier is taken for code and
  leaves the text ("...in our distribution, which can This release (3.6.12)" lost the URL line;
  "converted to a" lost "Python string or Flowables", the answer to the table-cell question); on
  35 pages with many 8 pt code lines the usual line step is the code's, every 12 pt prose step
  counts as a paragraph gap and paragraphs end mid-sentence ("either by a real value" | "between
  0 and 1"); property tables lose their Courier name column ("Color of the axis Whether to draw
  axis..."); code charts and demo output are passages (glyph tables, "7 points: well she hit Net
  Solutions"). No ligatures, two-column pages or line-end hyphenation in this guide; one kept
  hyphen loses its join ("non- text").

Results (2026-12-03, helper on branch htmlfix, after those HTML reader fixes; same machine and
rules) for flask-html. With fixes 1-6 (content-made ids no furniture, tab panels kept with their
labels, "Read more" cuts only as furniture, no trafilatura inside a marked main element,
headerlinks dropped, footnote asides kept; 506 passages, 0 "¶"): e5-small 0.300 / 0.667 /
0.507 / 0.267, 4/10, 0/30; words only 0.267 / 0.500 / 0.427 / 0.200, 5/10, 2/30. With Sphinx
object descriptions as sections too (958 passages, largest ~10,000 characters): e5-small 0.267 /
0.700 / 0.481 / 0.200, 5/10, 0/30; words only 0.233 / 0.467 / 0.402 / 0.167, 7/10, 3/30. The
e5 hit@1 it costs: API entries now rank first where the gold is prose (FLASK_ENV -> Flask.env,
MAX_CONTENT_LENGTH -> Request.max_content_length), and three questions missed before now have
an entry first (Config.from_envvar, Flask.app_context, FlaskClient.session_transaction).
build, click, cibuildwheel (--model off) read the same as before the fixes.

Results (2026-12-03, helper on branch pdffix) for reportlab after PDF reader fixes (dot leaders
tested after spaces fold; a font size is a heading level only when its heading lines recur on
at least 3 pages and lead into text just below, captions never; running lines found by their
height on most pages; a heading over several lines joined): chapters, sections and subsections
are levels 1-3 (299 passages); e5-small 0.367 / 0.633 / 0.540 / 0.267, 6/10, 3/30; words only
0.233 / 0.567 / 0.409 / 0.167, 9/10, 8/30; BM25Okapi 0.267 / 0.500. The structure is right now,
the figures move by a question either way. Left: Courier prose lines still leave the text, the
line step is still the page's median, contents entries survive as headings of a "Table of
contents" section, "malice of forethought, publish" (demo text) is still a heading.

Results (2026-12-03, helper on branch pdf-s17; same machine and rules; measured from git
archive snapshots of each commit) for reportlab after more PDF reader fixes. Words only,
hit@1 / hit@3 / MRR / snippet, rejected, false rejections (passages): before 0.233 / 0.567 /
0.409 / 0.167, 9/10, 8/30 (299); prose lines mostly in Courier kept as prose 0.300 / 0.533 /
0.441 / 0.233, 8/10, 8/30 (299); paragraph gaps against the line step of the text's own size
0.300 / 0.533 / 0.442 / 0.267 (298); property tables as tables 0.300 / 0.533 / 0.438 / 0.267
(304); contents entries given apart from their leaders dropped 0.300 / 0.533 / 0.438 / 0.267,
8/10, 8/30 (300; the fixes for chapter sizes on two pages and headings over figures leave the
guide's passages as they are). e5-small at the end: 0.400 / 0.633 / 0.555 / 0.300, 6/10, 3/30
(before 0.367 / 0.633 / 0.540 / 0.267, 6/10, 3/30). build, click, cibuildwheel, flask-html
(--model off) read no PDF and are unchanged.

Results (2026-12-03, helper on branch html-s17) for flask-html after more HTML reader fixes:
every Sphinx API entry a section with what follows it back in the enclosing section (api.html's
"Session Interface" and "JSON Support" were one passage of ~10,000 characters; 958 -> 1,058
passages, none over ~2,100 characters of an entry), `<a role="tab">` labels said once,
sphinx-design tabs led by their labels. Words only 0.233 / 0.467 / 0.402 / 0.167 -> 0.233 /
0.500 / 0.409 / 0.200, 7/10, 3/30; e5-small 0.267 / 0.700 / 0.481 / 0.200 -> 0.300 / 0.667 /
0.488 / 0.233, 5/10, 0/30 (config values are their own passages now: SECRET_KEY ranks its
entry first and the quickstart sentence 3rd). BM25Okapi over the new passages 0.300 / 0.467:
above the words-only bot at hit@1 on this set (as on cibuildwheel: 0.433 vs 0.367).

Results (2026-12-03, session 17) for pytest, the largest set: pytest 9.2.0's doc/en (260
Sphinx RST files, 2,722 passages: 1,043 from 189 release announcements, 522 from the changelog,
the 17,480-line plugin list in reference/). Questions written and committed before any run (2
real pytest-dev/pytest issue titles answerable, 3 real proposals unanswerable, the rest member
questions); one written "request" turned out answered by reference/customize.rst
(PYTEST_THEME_MODE) and was relabelled (31 + 9, said in sets.json). First run (e5 embedding took
34 min beside three helpers): e5-small 0.258 / 0.516 / 0.425 / 0.194, 2/9, 1/31; words only
0.194 / 0.387 / 0.301 / 0.097, 3/9, 1/31; BM25Okapi 0.129 / 0.323. Then two chat lines were
answered ("anyone else here use vim?", and with e5 "happy friday folks" from an announcement's
"Happy testing"): polls of "someone here" and wishes for the day are small talk now, and one
release's own page (announce/release-9.2.0.rst, "pytest-9.2.0") counts as release history.
After those and the three helpers' reader branches: e5-small 0.258 / 0.516 / 0.425 / 0.194,
3/9, 1/31; words only 0.194 / 0.387 / 0.307 / 0.097, 3/9, 1/31. Where it misses: the guides
compete with each other on words (fixtures.rst's "perform print calls to show the setup/
teardown flow ... print-output" beats the capture page for "my print() calls dont show up";
output.rst's "a warning is generated instead of failing the entire test suite" for "i want
warnings to fail the test suite"); a section's intro loses to its own subsections ("raises a
ValueError" -> "xfail mark and pytest.raises" over "Assertions about expected exceptions");
all 6 on-topic requests (3 real, 3 written) are answered from the passage on the feature they
would extend (test IDs, pytest.param, approx, conftest.py, cached fixture values); only the 3
chat lines are rejected. All other sets and poetry read
the same after the session's chat and release changes.

Results (2026-12-03, session 18; bot code at commit c550a08) after MDX support, labels leading
what they label, the HTML reader's page-order continuations and no-index entries, the PDF
reader's table headers, page-split tables, page numbers by position and demo type kept out of
headings, and Markdown's table-cell limit. hit@1 / hit@3 / MRR / snippet, rejected, false:
- e5-small: build 0.533 / 0.833 / 0.681 / 0.500, 4/10, 2/30; click (259 passages) 0.567 / 0.767
  / 0.663 / 0.500, 5/10, 3/30; cibuildwheel (345) 0.500 / 0.600 / 0.575 / 0.467, 5/10, 0/30;
  flask-html (1,070) 0.300 / 0.667 / 0.488 / 0.233, 5/10, 0/30; reportlab (296) 0.400 / 0.633 /
  0.564 / 0.267, 6/10, 4/30; pytest (2,714) 0.258 / 0.516 / 0.425 / 0.194, 3/9, 1/31.
- words only: build 0.500 / 0.733, click 0.400 / 0.500, cibuildwheel 0.367 / 0.567, flask-html
  0.233 / 0.500, reportlab 0.333 / 0.567 (6/30 false, was 8/30), pytest 0.194 / 0.387 (MRR
  0.310). Only reportlab moved (the PDF fixes); the Markdown and HTML changes moved passages, not
  figures. None of these sets is MDX: the MDX reader was checked on two real sites outside the
  repository (Mintlify: +20 % text read; Docusaurus), see the commit messages.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import sys
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from docs_holdout import HEADER, bm25okapi, check_labels, report_row, semantic_for

from bot.answer import AnswerEngine, EngineConfig
from bot.builder import build_knowledge
from bot.documents.loader import LoadConfig
from bot.evaluate import evaluate, read_questions
from bot.rendering.evaluation import render_eval_report

HERE = ROOT / "bench" / "heldout"
CACHE = ROOT / "bench" / ".cache" / "heldout"


@dataclass(frozen=True)
class HeldOutSet:
    name: str
    project: str
    version: str
    sdist: str  # the archive's file name: an sdist (.tar.gz) or, with kind "deb", a Debian .deb
    url: str
    sha256: str
    docs: str  # the docs folder inside the sdist, "<top>/docs"
    licence: str
    exclude: dict[str, str]  # path relative to the docs folder -> why it is left out
    questions: Path
    kind: str = "sdist"  # "sdist": a tar of PyPI; "deb": a Debian package (ar holding data.tar.*)


def load_sets(path: Path = HERE / "sets.json") -> dict[str, HeldOutSet]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {
        name: HeldOutSet(
            name,
            s["project"],
            s["version"],
            s.get("sdist") or s["deb"],
            s["url"],
            s["sha256"],
            s["docs"].rstrip("/"),
            s["licence"],
            dict(s.get("exclude") or {}),
            path.parent / s["questions"],
            "deb" if "deb" in s else "sdist",
        )
        for name, s in raw.items()
    }


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch_sdist(s: HeldOutSet, cache: Path = CACHE) -> Path:
    """The pinned sdist in the cache: downloaded only if absent, its sha256 checked every time."""
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / s.sdist
    if not target.exists():
        part = target.with_name(target.name + ".part")
        try:
            with urllib.request.urlopen(s.url, timeout=120) as r, part.open("wb") as f:
                shutil.copyfileobj(r, f)
        except (urllib.error.URLError, OSError) as exc:
            part.unlink(missing_ok=True)
            how = (
                f"`apt-get download {s.sdist.split('_')[0]}` on Debian bookworm, or "
                f"https://snapshot.debian.org/ by its sha256"
                if s.kind == "deb"
                else f"`pip download --no-deps --no-binary :all: {s.project}=={s.version}`"
            )
            raise SystemExit(
                f"{s.name}: cannot download {s.url} ({exc}). Offline? Put {s.sdist} "
                f"(sha256 {s.sha256}) into {cache} by hand, e.g. from {how}."
            ) from None
        part.replace(target)
    got = _sha256(target)
    if got != s.sha256:
        raise SystemExit(
            f"{s.name}: {target} has sha256 {got}, the manifest pins {s.sha256}; delete it to download again"
        )
    return target


def deb_data(deb: Path) -> tuple[str, bytes]:
    """The data.tar.* member of a Debian package: (its name, its bytes).

    A .deb is an `ar` archive (a "!<arch>\\n" magic, then per member a 60-byte header: name
    16, mtime 12, uid 6, gid 6, mode 8, size 10, "`\\n"; data padded to an even length)
    holding debian-binary, control.tar.* and data.tar.*; the stdlib has no ar module.
    """
    raw = deb.read_bytes()
    if not raw.startswith(b"!<arch>\n"):
        raise SystemExit(f"{deb.name} is not an ar archive (no '!<arch>' magic): not a .deb?")
    pos = 8
    while pos + 60 <= len(raw):
        header = raw[pos : pos + 60]
        if header[58:60] != b"`\n":
            raise SystemExit(f"{deb.name}: bad ar member header at byte {pos}")
        name = header[:16].decode("ascii").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        body = raw[pos + 60 : pos + 60 + size]
        if name.startswith("data.tar"):
            return name, body
        pos += 60 + size + (size & 1)
    raise SystemExit(f"{deb.name} has no data.tar member")


def _open_archive(s: HeldOutSet, archive: Path) -> tarfile.TarFile:
    if s.kind != "deb":
        return tarfile.open(archive)
    name, body = deb_data(archive)
    if name not in ("data.tar", "data.tar.gz", "data.tar.xz", "data.tar.bz2"):
        # data.tar.zst needs a zstandard module the stdlib lacks (before Python 3.14)
        raise SystemExit(f"{s.name}: {archive.name} holds {name}, which tarfile cannot read; pick another package")
    return tarfile.open(fileobj=io.BytesIO(body))


def extract_docs(s: HeldOutSet, archive: Path, cache: Path = CACHE) -> Path:
    """The archive's docs folder, minus the excluded files, at cache/<set>/docs (made afresh).

    Only regular files are taken: a .deb's symlinks (Debian's _static/*.js pointing into
    libjs-sphinxdoc, the html -> ../python-flask-doc/html aliases) lead outside the package.
    """
    out = cache / s.name / "docs"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    prefix = s.docs + "/"
    with _open_archive(s, archive) as tar:
        for m in tar.getmembers():
            name = m.name.removeprefix("./")  # a .deb's members are ./usr/share/...
            if not m.isfile() or not name.startswith(prefix):
                continue
            rel = name[len(prefix) :]
            if any(rel == x or rel.startswith(x.rstrip("/") + "/") for x in s.exclude):
                continue
            m.name = rel
            tar.extract(m, out, filter="data")
    if not any(out.iterdir()):
        raise SystemExit(f"{s.name}: {archive.name} has nothing under {prefix}")
    return out


def run_set(s: HeldOutSet, model: str, misses: bool) -> None:
    docs = extract_docs(s, fetch_sdist(s))
    questions = read_questions(s.questions)
    built = build_knowledge(docs, LoadConfig())
    sem = None
    if model != "off":
        sem = semantic_for(built, model, CACHE / f"vectors-{s.name}-{model}")
    n_ans = sum(q.answerable for q in questions)
    print(
        f"\n== {s.name}: {s.project} {s.version} ({s.licence}), {len(built.kb.passages)} passages, "
        f"{n_ans} + {len(questions) - n_ans} questions, model {model}"
    )
    check_labels(built.kb, questions)
    print(f"plain BM25Okapi over the bot's passages: {bm25okapi(built.kb, questions)}")
    engine = AnswerEngine(built.kb, EngineConfig(top_k=10), index=built.index, semantic=sem)
    report = evaluate(engine, questions)
    print(HEADER)
    print(report_row(f"bot ({model})", report), flush=True)
    if misses:
        print(render_eval_report(report))


def main(argv: list[str] | None = None) -> int:
    sets = load_sets()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="*", metavar="SET", help=f"default all: {', '.join(sets)}")
    ap.add_argument("--model", default="e5-small", choices=("e5-small", "minilm-l6", "off"))
    ap.add_argument("--misses", action="store_true", help="also print the bot's eval report with each miss")
    args = ap.parse_args(argv)
    unknown = [n for n in args.sets if n not in sets]
    if unknown:
        ap.error(f"unknown set(s) {', '.join(unknown)}; known: {', '.join(sets)}")
    for name in args.sets or list(sets):
        run_set(sets[name], args.model, args.misses)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
