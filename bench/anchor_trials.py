"""Trial anchor text (incoming-link context) as ranking evidence on the docs set (issue 10).

Documentation pages link to each other's sections; the words around a link say what the
linked section is about in other words (web search's anchor text). This bench parses the
raw Markdown of the docs development set, resolves every internal link (Hugo `relref`,
`#anchor`, `page.md#anchor`) to the section it names (the section's anchor made as the
bot's deep links make it, bot/documents/urls.py `anchors`), and gives each passage of that
section the link's text: the anchor text alone, the sentence holding the link, or its whole
block (paragraph, list item, table row). Links from inside the target section are dropped
(they repeat the section's own words). The text goes to the target section's first passage
only ("first"), to its own passages ("own", subsections excluded) or to all passages below
its heading ("tree"); a link to a whole page goes to the page's first passage.

Features, each added to the bot's final ranking score (bench/rank_trials.py `candidates`)
with a few weights: BM25 of the question against a passage's incoming-link text (one field
per passage, relative to the best candidate's), the share of the question's idf weight the
field holds, and the e5 cosine of the question with the embedded link contexts (the best
one's gain over the passage's own cosine, 0 without links).

Controls: the same links with their words ignored ("linked": 1 for a passage that receives
any link; "indegree": log(1 + links)), and the first passage of every section (a position
prior; 320 of the 349 passages are one, so it says little).

Built into the bot after this trial: the readers record links (Section.links), the loader
keeps them on the Document, bot/documents/links.py `incoming_anchors` resolves them (the
same 61 passages and texts as "first" here, less one Hugo section-name link). This script
keeps its own regex parser so the trial stays repeatable as it was measured.

    python bench/anchor_trials.py [--model e5-small|minilm-l6|off] [--only a,b] [--show]
    python bench/anchor_trials.py [--model ...] --eval first-text-bm25:0.12
    python bench/anchor_trials.py [--model ...] --eval-drop heading
    python bench/anchor_trials.py --toc

`--eval` runs the bot's own `python -m bot eval` on the docs set with the feature added to
the final score of the whole candidate pool (AnswerEngine._search wrapped), so the verdict's
figures show too; weight 0 reproduces the bot exactly.

Links found (session 7): 152 internal links, 128 to a section, 22 to a whole page, 2 to
anchors that no longer exist (stale links in the Poetry docs); 69 of 349 passages receive
text with "first", 88 "own", 149 "tree"; 29 of the 59 answer passages among the candidates
receive some.

Results (docs dev, hit@1/hit@3/MRR@10, all / odd lines / even lines):
- bot, e5 hybrid:                    0.567/0.750/0.672  0.567/0.767/0.681  0.567/0.733/0.664
- + 0.08 x first-text-bm25:          0.600/0.783/0.694  0.600/0.800/0.694  0.600/0.767/0.693
- + 0.10 x first-text-bm25:          0.600/0.783/0.691  0.600/0.800/0.694  0.600/0.767/0.687
- + 0.12 x first-text-bm25:          0.600/0.800/0.695  0.600/0.800/0.694  0.600/0.800/0.695
- + 0.2 x first-text-bm25:           0.567/0.800/0.677  0.600/0.800/0.694  0.533/0.800/0.660
  Fitted on one half, checked on the other: odd's best (0.06-0.2 tie; smallest 0.06) gives
  even 0.567/0.767; even's best (0.12) gives odd 0.600/0.800. `--eval first-text-bm25:0.12`
  (the bot's eval): hit@1 0.600, hit@3 0.800, MRR 0.695, unanswerable rejected 8 of 20 (7
  before), false rejections 2 of 60 (2); odd 0.600/0.800 (2/10, 1/30), even 0.600/0.800
  (6/10, 1/30). The sentence or block around the link instead of the anchor text: the same
  at 0.1, worse at 0.2 (even loses hit@1). "own" scope: as "first" at 0.1, worse above;
  "tree" (every passage under the heading): loses even hit@1 at every weight. The e5 cosine
  of the link contexts: "cos_gain" (best context cosine over the passage's own) moves
  nothing; "cos_max" x2 (anchor text) 0.600/0.800/0.690 on both halves, x4 loses even hit@1,
  sentence/block contexts lose.
- Controls: + 0.1 x first-text-linked 0.600/0.783/0.699 (odd 0.600/0.800, even 0.600/0.767),
  but in the bot's eval false rejections 2 -> 4 of 60 and rejected 7 of 20; its best on odd
  (0.2-0.3) loses an even hit@1. Most of the gain is "a section other pages link to"; the
  anchor words make it safer (zero for linked passages the question does not name) and keep
  the verdict's figures. + 0.2 x section_lead (every section's first passage, links or not,
  i.e. a penalty on the 29 continuation passages): 0.600/0.783/0.696 (odd 0.600/0.767, even
  0.600/0.800), 0.1 and less gain only the even half.
- Words only (--model off): bot 0.467/0.683/0.595 (odd 0.400/0.633, even 0.533/0.733); +0.12
  first-text-bm25 0.467/0.733/0.612 (odd 0.433/0.767, even 0.500/0.700): even loses a hit@1
  and a hit@3 at every weight 0.06-0.3 ("whats the difference between poetry install and
  poetry update" -> "update command"). Not for the words-only path.
- MiniLM hybrid: bot 0.483/0.700/0.611 (odd 0.467/0.667, even 0.500/0.733); +0.1 odd hit@3
  0.733, even unchanged; +0.12 loses an even hit@1; +0.3 0.500/0.800/0.646 on both halves.
- Links to a whole page (22, given to the page's first passage) change nothing: without them
  first-text-bm25 gives the same figures at every weight 0.06-0.2.
- SQuAD and the article have no links: the feature is 0 there, their figures cannot move.

In-page tables of contents (session 8): `--toc` finds no TOC-like list (every item only an
in-page link) among docs-poetry's 68 lists (nor among the 44 of the PDM docs): dropping
their links changes nothing there. The 50 of 127 link texts that equal the linked section's
own heading come from prose ("see [Package Sources](#package-sources)", "[`add`
command](#add)") and links from other pages. Dropping those (`--eval-drop heading`, the
bot's eval, e5) loses on both halves: 0.567/0.783/0.670, rejected 7 of 20, false rejections
2 of 60 (odd 0.567/0.800, 2/10, 1/30; even 0.567/0.767, 5/10, 1/30) against the bot's
0.600/0.800/0.695, 8 of 20, 2 of 60 (odd 0.600/0.800; even 0.600/0.800): not kept. Such a
text still says "a section other pages point to" (the controls above), which is most of
the gain.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rank_trials import SHARED, Cands, Context, docs_set, figures, ranks

from bot.answer import AnswerEngine
from bot.documents.loader import document_title
from bot.documents.model import ReadOptions, Section, walk_sections
from bot.documents.passages import build_passages
from bot.documents.readers.markdown import read
from bot.documents.urls import anchors
from bot.retrieval.query import Query
from bot.surface import SurfaceMatcher

DOCS = SHARED / "docs-poetry"

# [text](target "title"): the text may hold one level of brackets ([`[build-system]`]).
LINK = re.compile(
    r"\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*(\{\{<\s*relref\s+\"([^\"]*)\"\s*>\}\}|<?[^)\s>]+>?)(?:\s+\"[^\"]*\")?\s*\)"
)
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
BLOCK_START = re.compile(r"^\s*(?:[*+-]|\d+[.)])\s+|^\s*\|")  # a list item or a table row
SHORTCODE = re.compile(r"\{\{[<%].*?[>%]\}\}")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\[*_])")


@dataclass(frozen=True)
class Link:
    """One internal link: where it points and the text around it (plain)."""

    source: str  # document of the link
    line: int  # 1-based source line of the link
    document: str  # target document
    anchor: str | None  # target anchor, None: the whole page
    text: str  # anchor text
    sentence: str
    block: str


def _plain(md: str) -> str:
    """Markdown of a block as words: links by their text, shortcodes and markup dropped."""
    md = LINK.sub(lambda m: m.group(1), md)
    md = SHORTCODE.sub(" ", md)
    md = re.sub(r"[`*_|>#]", " ", md)
    return re.sub(r"\s+", " ", md).strip()


def _blocks(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each paragraph, list item or table row outside code fences."""
    out: list[tuple[int, str]] = []
    cur: list[str] = []
    start = 0
    fence: str | None = None
    body = text.split("\n")
    # Front matter: a leading "---" block.
    i = 0
    if body and body[0].strip() == "---":
        i = next((j + 1 for j in range(1, len(body)) if body[j].strip() == "---"), 0)

    def flush() -> None:
        if cur:
            out.append((start, "\n".join(cur)))
            cur.clear()

    for n in range(i, len(body)):
        line = body[n]
        m = FENCE.match(line)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if m:
            flush()
            fence = m.group(1)
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            flush()
            continue
        if BLOCK_START.match(line):
            flush()
        if not cur:
            start = n + 1
        cur.append(line)
    flush()
    return out


def _target(raw: str, relref: str | None, source: str) -> tuple[str, str | None] | None:
    """(document, anchor) of an internal link target, None for an external one."""
    t = relref if relref is not None else raw.strip("<>")
    if relref is None and re.match(r"^[a-z][a-z0-9+.-]*:", t, re.IGNORECASE):
        return None  # http:, mailto:, ...
    page, _, anchor = t.partition("#")
    page = page.strip().rstrip("/")
    if page.endswith(".md"):
        page = page[:-3]
    page = page.split("/")[-1] if page else ""
    doc = f"{page}.md" if page else source
    if page and not (DOCS / doc).exists() and (DOCS / "_index.md").exists():
        doc = "_index.md"  # Hugo: a section's own name ("docs") is its _index.md
    return doc, (anchor or None)


def read_links(folder: Path) -> list[Link]:
    out: list[Link] = []
    for path in sorted(folder.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        for line, block in _blocks(text):
            plain = _plain(block)
            # Sentence spans of the plain block; the link's sentence is the one its end falls in.
            cuts = [0] + [m.end() for m in SENTENCE_END.finditer(plain)] + [len(plain) + 1]
            for m in LINK.finditer(block):
                target = _target(m.group(2), m.group(3), path.name)
                if target is None:
                    continue
                label = _plain(m.group(1))
                at_char = len(_plain(block[: m.end()]))
                k = next(j for j in range(len(cuts) - 1) if at_char < cuts[j + 1] or j == len(cuts) - 2)
                sent = plain[cuts[k] : cuts[k + 1]].strip() or plain
                at = line + block.count("\n", 0, m.start())
                out.append(Link(path.name, at, target[0], target[1], label, sent, plain))
    return out


@dataclass
class SectionInfo:
    anchor: str | None
    first_line: int  # heading line (0 for the root)
    end_line: int  # last line of the section's subtree (inclusive)
    own: list[int]  # passage rows of this section itself
    tree: list[int]  # passage rows of this section and its subsections


def _ranges(root: Section) -> list[tuple[int, int]]:
    """(first, last) walk_sections index of each section's subtree."""
    out: list[tuple[int, int]] = []

    def walk(s: Section) -> int:
        me = len(out)
        out.append((me, me))
        last = me
        for c in s.children:
            last = walk(c)
        out[me] = (me, last)
        return last

    walk(root)
    return out


def section_table(engine: AnswerEngine, folder: Path) -> dict[str, list[SectionInfo]]:
    """Per document: its sections in walk order with anchors, line spans and passage rows
    (the drafts are made again to know each passage's section)."""
    rows: dict[str, list[int]] = {}
    for i, p in enumerate(engine.kb.passages):
        rows.setdefault(p.document, []).append(i)
    out: dict[str, list[SectionInfo]] = {}
    for doc, prow in rows.items():
        data = (folder / doc).read_bytes()
        tree = read(doc, data, ReadOptions())
        drafts = build_passages(tree, document_title(tree, doc))
        assert len(drafts) == len(prow), (doc, len(drafts), len(prow))
        sections = walk_sections(tree.root)
        marks = anchors([(s.heading, s.anchor) for _, s in sections], "hugo")
        spans = _ranges(tree.root)
        n_lines = data.count(b"\n") + 1
        lines = [s.line or 0 for _, s in sections]
        infos = []
        for k in range(len(sections)):
            first, last = spans[k]
            end = lines[last + 1] - 1 if last + 1 < len(sections) else n_lines
            own = [prow[j] for j, d in enumerate(drafts) if d.section == k]
            tree_rows = [prow[j] for j, d in enumerate(drafts) if first <= d.section <= last]
            infos.append(SectionInfo(marks[k], lines[k], end, own, tree_rows))
        out[doc] = infos
    return out


def incoming(
    engine: AnswerEngine, links: Sequence[Link], scope: str, show: bool = False
) -> tuple[list[list[int]], dict[str, int]]:
    """For every passage, the indices of the links whose text it receives; and counts."""
    table = section_table(engine, DOCS)
    got: list[list[int]] = [[] for _ in engine.kb.passages]
    counts = {"links": len(links), "resolved": 0, "page": 0, "self": 0, "unresolved": 0}
    for i, link in enumerate(links):
        infos = table.get(link.document)
        if infos is None:
            counts["unresolved"] += 1
            if show:
                print(f"  unresolved document: {link.source}:{link.line} -> {link.document}#{link.anchor}")
            continue
        if link.anchor is None:
            counts["page"] += 1
            root_rows = infos[0].tree
            if root_rows and link.source != link.document:
                got[root_rows[0]].append(i)
            continue
        info = next((s for s in infos if s.anchor == link.anchor), None)
        if info is None:
            counts["unresolved"] += 1
            if show:
                print(f"  unresolved anchor: {link.source}:{link.line} -> {link.document}#{link.anchor}")
            continue
        if link.source == link.document and info.first_line <= link.line <= info.end_line:
            counts["self"] += 1
            continue
        counts["resolved"] += 1
        chosen = info.tree[:1] if scope == "first" else info.own if scope == "own" else info.tree
        if scope == "own" and not chosen:
            chosen = info.tree[:1]  # a heading with no text of its own: its first subsection
        for r in chosen:
            got[r].append(i)
    return got, counts


class Fields:
    """Incoming-link text per passage for one (scope, context) choice, as stem counts."""

    def __init__(self, ctx: Context, links: Sequence[Link], got: list[list[int]], kind: str) -> None:
        an = ctx.engine.analyzer
        self.texts: list[list[str]] = [[getattr(links[i], kind) for i in ids] for ids in got]
        self.tf: list[dict[str, int]] = []
        for ts in self.texts:
            acc: dict[str, int] = {}
            for t in ts:
                for s in an.stems([w for w in an.words(t) if w not in an.stopwords]):
                    acc[s] = acc.get(s, 0) + 1
            self.tf.append(acc)
        self.length = np.array([sum(d.values()) for d in self.tf], dtype=np.float64)
        linked = self.length[self.length > 0]
        self.avg = float(linked.mean()) if linked.shape[0] else 1.0
        self._vecs: list[np.ndarray] | None = None
        self.ctx = ctx

    def vectors(self) -> list[np.ndarray]:
        """Unit vectors of each passage's link contexts (embedded once, cached)."""
        if self._vecs is None:
            from embedcache import cached

            sem = self.ctx.engine.semantic
            assert sem is not None
            unique = sorted({t for ts in self.texts for t in ts})
            emb = getattr(sem.embedder, "model", sem.embedder)
            v = cached(emb, unique, "passage").astype(np.float32) if unique else np.zeros((0, 1), np.float32)
            v /= np.linalg.norm(v, axis=1, keepdims=True) + 1e-9
            row = {t: i for i, t in enumerate(unique)}
            self._vecs = [v[[row[t] for t in ts]] for ts in self.texts]
        return self._vecs


def field_bm25(f: Fields, c: Cands, k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    idf = f.ctx.engine.index.idf
    out = np.zeros(c.docs.shape[0])
    for i, d in enumerate(c.docs.tolist()):
        tf, n = f.tf[d], f.length[d]
        if not n:
            continue
        s = 0.0
        for t in c.query.known:
            x = tf.get(t.stem, 0)
            if x:
                s += t.count * float(idf[t.term_id]) * x * (k1 + 1) / (x + k1 * (1 - b + b * n / f.avg))
        out[i] = s
    m = float(out.max()) if out.shape[0] else 0.0
    return out / m if m > 0 else out


def field_share(f: Fields, c: Cands) -> np.ndarray:
    total = c.query.total_weight or 1.0
    out = np.zeros(c.docs.shape[0])
    for i, d in enumerate(c.docs.tolist()):
        tf = f.tf[d]
        if tf:
            out[i] = sum(t.weight for t in c.query.terms if t.stem in tf) / total
    return out


def field_cosine_gain(f: Fields, c: Cands) -> np.ndarray:
    """max(0, best link-context cosine - the passage's own cosine); 0 without links."""
    assert c.qvec is not None and f.ctx.vectors is not None
    vecs = f.vectors()
    own = f.ctx.vectors[c.docs] @ c.qvec
    out = np.zeros(c.docs.shape[0])
    for i, d in enumerate(c.docs.tolist()):
        if vecs[d].shape[0]:
            out[i] = max(0.0, float((vecs[d] @ c.qvec).max()) - float(own[i]))
    return out


def field_cosine_max(f: Fields, c: Cands) -> np.ndarray:
    """Best link-context cosine minus the lowest such cosine among the linked candidates
    (so a passage without links gets 0 and linked ones gain by how well the link fits)."""
    assert c.qvec is not None
    vecs = f.vectors()
    out = np.zeros(c.docs.shape[0])
    best = [float((vecs[d] @ c.qvec).max()) if vecs[d].shape[0] else None for d in c.docs.tolist()]
    have = [x for x in best if x is not None]
    if not have:
        return out
    floor = min(have)
    for i, x in enumerate(best):
        if x is not None:
            out[i] = x - floor
    return out


def field_linked(f: Fields, c: Cands) -> np.ndarray:
    """Control: 1 for a passage with incoming links, whatever their words (a link prior)."""
    return np.array([float(bool(f.texts[d])) for d in c.docs.tolist()])


def field_indegree(f: Fields, c: Cands) -> np.ndarray:
    """Control: log(1 + number of incoming links)."""
    return np.log1p(np.array([len(f.texts[d]) for d in c.docs.tolist()], dtype=np.float64))


SCORERS: dict[str, tuple[Callable[[Fields, Cands], np.ndarray], Sequence[float], bool]] = {
    "bm25": (field_bm25, (0.05, 0.1, 0.2, 0.4), False),
    "share": (field_share, (0.05, 0.1, 0.2, 0.4), False),
    "cos_gain": (field_cosine_gain, (1.0, 2.0, 4.0, 8.0), True),
    "cos_max": (field_cosine_max, (1.0, 2.0, 4.0, 8.0), True),
    "linked": (field_linked, (0.02, 0.05, 0.1, 0.2), False),
    "indegree": (field_indegree, (0.02, 0.05, 0.1, 0.2), False),
}
SCOPES = ("first", "own", "tree")
KINDS = ("text", "sentence", "block")


def end_to_end(model: str, spec: str) -> int:
    """`python -m bot eval` on the docs set with one feature added to the bot's own ranking
    (AnswerEngine._search wrapped: the whole candidate pool ranked, the feature added, the
    top k kept), so the verdict's figures (rejections) show too. spec: scope-kind-scorer:w."""
    from bot import __main__ as cli
    from bot import answer
    from bot.retrieval.rerank import Hit

    name, _, weight = spec.rpartition(":")
    scope, kind, sname = name.split("-")
    w = float(weight)
    engine, _ = docs_set("off")  # passages and analyzer; the eval builds its own engine
    ctx = Context(engine)
    got, _ = incoming(engine, read_links(DOCS), scope)
    fields = Fields(ctx, read_links(DOCS), got, kind)
    row = {(p.document, p.number): i for i, p in enumerate(engine.kb.passages)}
    scorer = SCORERS[sname][0]
    original = answer.AnswerEngine._search

    def wrapped(self: AnswerEngine, text: str, query: Query, k: int, matcher: SurfaceMatcher) -> list[Hit]:
        hits = original(self, text, query, max(k, self.config.rank.candidates), matcher)
        if not hits or not w:
            return hits[:k]
        mine = np.array([row[(self.kb.passages[h.passage].document, self.kb.passages[h.passage].number)] for h in hits])
        c = Cands(mine, np.zeros(len(hits)), np.zeros(len(hits)), np.zeros(len(hits)), query, 0)
        extra = scorer(fields, c)
        scored = [replace(h, score=h.score + w * float(x)) for h, x in zip(hits, extra.tolist())]
        scored.sort(key=lambda h: (-h.score, h.passage))
        return scored[:k]

    answer.AnswerEngine._search = wrapped  # type: ignore[method-assign]
    argv = ["eval", str(SHARED / "docs-poetry-questions.jsonl"), "--knowledge", str(DOCS)]
    import os

    if model == "off":
        os.environ["SEMANTIC_MODEL"] = "off"
    return cli.main(argv)


def toc_lists(folder: Path) -> tuple[int, int, int]:
    """(lists, TOC-like lists, links in them) of the Markdown under `folder`: a TOC-like
    list is one whose every item is only an in-page link ("- [Install](#install)")."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    lists = toc = toc_links = 0
    for path in sorted(folder.rglob("*.md")):
        depth, items = 0, []
        for t in md.parse(path.read_text(encoding="utf-8")):
            if t.type in ("bullet_list_open", "ordered_list_open"):
                items = items if depth else []
                depth += 1
            elif t.type in ("bullet_list_close", "ordered_list_close"):
                depth -= 1
                if depth == 0:
                    lists += 1
                    if items and all(_only_in_page_link(i) for i in items):
                        toc, toc_links = toc + 1, toc_links + len(items)
            elif depth and t.type == "inline":
                items.append(t)
    return lists, toc, toc_links


def _only_in_page_link(inline: Any) -> bool:  # a markdown-it inline token
    kids = [c for c in inline.children or () if not (c.type == "text" and not c.content.strip())]
    return (
        len(kids) >= 3
        and kids[0].type == "link_open"
        and kids[-1].type == "link_close"
        and str(kids[0].attrGet("href") or "").startswith("#")
        and all(k.type != "link_open" for k in kids[1:-1])
    )


def end_to_end_drop(model: str, what: str) -> int:
    """The bot's own eval on the docs set with some of its anchor texts left out: "heading",
    the texts that only repeat the linked section's own heading."""
    from bot import __main__ as cli
    from bot import answer
    from bot.knowledge import KnowledgeBase

    assert what == "heading", what
    original = answer.incoming_anchors

    def same(text: str, heading: str) -> bool:
        return text.strip("` ").casefold() == heading.strip("` ").casefold()

    def filtered(kb: KnowledgeBase) -> dict[int, tuple[str, ...]]:
        out: dict[int, tuple[str, ...]] = {}
        dropped = total = 0
        for p, texts in original(kb).items():
            passage = kb.passages[p]
            heading = passage.section[-1] if passage.section else passage.title
            keep = tuple(t for t in texts if not same(t, heading))
            dropped, total = dropped + len(texts) - len(keep), total + len(texts)
            if keep:
                out[p] = keep
        print(f"anchor texts: {total}, dropped (the section's own heading): {dropped}", file=sys.stderr)
        return out

    answer.incoming_anchors = filtered  # type: ignore[assignment]
    import os

    if model == "off":
        os.environ["SEMANTIC_MODEL"] = "off"
    return cli.main(["eval", str(SHARED / "docs-poetry-questions.jsonl"), "--knowledge", str(DOCS)])


def _plus(feature: Callable[[Cands], np.ndarray], w: float, c: Cands) -> np.ndarray:
    return c.final + w * feature(c)


def _extra(name: str, c: Cands) -> np.ndarray:
    return c.extra[name]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="e5-small", help="embedding model, or off (words only)")
    ap.add_argument("--only", default="", help="comma-separated feature names (scope-kind-scorer)")
    ap.add_argument("--show", action="store_true", help="list unresolved links and labelled candidates")
    ap.add_argument("--eval", default="", help="scope-kind-scorer:weight: the bot's own eval with it added")
    ap.add_argument("--eval-drop", default="", help="heading: the bot's own eval without such anchor texts")
    ap.add_argument("--toc", action="store_true", help="count TOC-like lists (only in-page links) and stop")
    args = ap.parse_args(argv)
    if args.toc:
        lists, toc, links = toc_lists(DOCS)
        print(f"{DOCS.name}: {lists} lists, {toc} TOC-like, {links} links in them")
        return 0
    if args.eval_drop:
        return end_to_end_drop(args.model, args.eval_drop)
    if args.eval:
        return end_to_end(args.model, args.eval)
    only = {x for x in args.only.split(",") if x}
    if not DOCS.exists():
        print(f"{DOCS} not found: the docs development set lives in ../shared/eval")
        return 1
    engine, cands = docs_set(args.model)
    ctx = Context(engine)
    links = read_links(DOCS)
    halves = (("all", lambda c: True), ("odd lines", lambda c: c.group == 0), ("even lines", lambda c: c.group == 1))
    hybrid = ctx.vectors is not None
    print(f"\ndocs dev ({'hybrid ' + engine.semantic.model_id if engine.semantic else 'words only'}): ", end="")
    print("  ".join(h for h, _ in halves), "  (hit@1/hit@3/MRR@10)")

    def line(label: str, score: Callable[[Cands], np.ndarray]) -> None:
        cells = [figures(ranks([c for c in cands if keep(c)], score)) for _, keep in halves]
        print(f"  {label:<30}" + "  ".join(f"{x:<17}" for x in cells), flush=True)

    line("bot's ranking", lambda c: c.final)
    # Control: the first passage of every section (linked or not), a structural prior.
    lead = np.zeros(len(engine.kb.passages))
    for infos in section_table(engine, DOCS).values():
        for info in infos:
            if info.tree:
                lead[info.tree[0]] = 1.0

    def lead_of(c: Cands) -> np.ndarray:
        return lead[c.docs]

    print(f"  [control] section leads {int(lead.sum())}/{lead.shape[0]}")
    if not only or "section_lead" in only:
        for w in (0.02, 0.05, 0.1, 0.2):
            line(f"+ {w:g} x section_lead", partial(_plus, lead_of, w))
    for scope in SCOPES:
        got, counts = incoming(engine, links, scope, show=args.show and scope == "first")
        n_linked = sum(1 for g in got if g)
        labelled = sum(1 for c in cands for d, y in zip(c.docs.tolist(), c.label.tolist()) if y and got[d])
        gold = sum(int(c.label.sum()) for c in cands)
        print(
            f"  [{scope}] {counts}; passages with incoming text {n_linked}/{len(got)}; "
            f"answer candidates with it {labelled}/{gold}"
        )
        for kind in KINDS:
            fields = Fields(ctx, links, got, kind)
            for sname, (scorer, weights, needs_vectors) in SCORERS.items():
                name = f"{scope}-{kind}-{sname}"
                if (only and name not in only) or (needs_vectors and not hybrid):
                    continue
                for c in cands:
                    c.extra[name] = scorer(fields, c) if c.docs.shape[0] else np.zeros(0)
                for w in weights:
                    line(f"+ {w:g} x {name}", partial(_plus, partial(_extra, name), w))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
