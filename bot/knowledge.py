"""Load the knowledge directory and clean each file into a titled list of paragraphs.

Scraped text is messy: tags survive with spaces inside them (`< / P > < p >`), entities
stay encoded, and page furniture ("Continue Reading", adverts) trails the article. This
module turns .txt, .md and .html files into `Document`s whose paragraphs are plain text,
numbered in reading order, each with its sentences.
"""

from __future__ import annotations

import html
from array import array
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

from .documents.scraped import (
    DEFAULT_JUNK_MARKERS,  # the defaults live with the scraped-text helpers
)
from .errors import KnowledgeError
from .spool import ByteSpool
from .text import SentenceSplitter, clean_invisible

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm")

# Block-level tags end a paragraph; the pattern tolerates the spaces scrapers put inside
# tags ("< / P >", "< p >").
# What may follow a tag name: nothing, or attributes with "=" (so "a<b and c>d" or
# "Vec<String>" in plain text are not mistaken for tags).
_TAG_REST = r"(?:\s+[^<>=]{0,100}=[^<>]{0,400}?)?\s*/?\s*>"
_BLOCK_TAG = re.compile(
    r"<\s*/?\s*(?:p|div|br|h[1-6]|li|ul|ol|section|article|blockquote|tr|table|pre|hr)\b" + _TAG_REST,
    re.IGNORECASE,
)
_INLINE_TAGS = ("a|abbr|b|big|cite|code|del|dfn|em|font|i|img|ins|kbd|mark|q|s|samp|small|span|strike|"
                "strong|sub|sup|time|tt|u|var|wbr|meta|link|label|figure|figcaption|picture|source|"
                "nav|header|footer|main|aside|html|head|body|title|center|td|th|thead|tbody|dl|dt|dd")
_ANY_TAG = re.compile(r"<\s*/?\s*(?:" + _INLINE_TAGS + r")\b" + _TAG_REST, re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n")
_SOURCE_LINE = re.compile(r"^\s*source\s*:\s*(https?://\S+)\s*$", re.IGNORECASE)
_MD_HEADING = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$")
_MD_ANY_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()\s]+)(?:\s+\"[^\"]*\")?\)")
_PARA_BREAK = "\n\n"
# Marks a section heading inside the cleaned body, so it can join the paragraph below it: a
# heading alone ("Roles") is no answer, and the paragraph under it often never repeats it.
# A private-use character; raw text has it removed before cleaning.
_HEADING = "\ue000"
_HEADING_JOIN = " — "


@dataclass(frozen=True, slots=True)
class Passage:
    """One paragraph of one document: the unit that is indexed, ranked and cited."""

    document: str  # path relative to the knowledge directory, with "/" separators
    title: str
    source: str | None
    number: int  # 1-based, in reading order
    text: str  # plain text: what is indexed, split into sentences and searched
    sentences: tuple[str, ...]
    section: tuple[str, ...] = ()  # heading path, outermost first ("Managing environments", ...)
    # Display form: safe Markdown (bot/documents/model.py) with block structure: blocks apart
    # by a blank line; code fenced with its language; lists as "- " / "1. " lines, nested by
    # two spaces; tables as aligned text in a fence. "" means: show `text`, escaped.
    markdown: str = ""
    page: int | None = None  # 1-based page (PDF) the passage starts on
    url: str | None = None  # deep link to the place (page URL + anchor), when known


@dataclass(frozen=True, slots=True)
class Document:
    """A cleaned knowledge file."""

    path: str
    title: str
    source: str | None
    paragraphs: Sequence[str]
    signature: tuple[int, int] | None = None  # (size, mtime_ns) of the file it came from


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file that was not loaded, and why (shown to admins)."""

    path: str
    reason: str
    signature: tuple[int, int] | None = None  # (size, mtime_ns) when it was read


@dataclass(frozen=True)
class KnowledgeBase:
    """All documents of a knowledge directory, cleaned, with their passages."""

    root: Path
    documents: tuple[Document, ...]
    passages: Sequence[Passage]  # a tuple, or a table read lazily from the saved index
    skipped: tuple[SkippedFile, ...] = field(default=())


@dataclass(frozen=True)
class CleanConfig:
    """Settings for cleaning; admins can extend the junk markers."""

    junk_markers: tuple[str, ...] = DEFAULT_JUNK_MARKERS

    @classmethod
    def with_extra_markers(cls, extra: Iterable[str]) -> CleanConfig:
        markers = tuple(DEFAULT_JUNK_MARKERS) + tuple(m for m in extra if m.strip())
        return cls(junk_markers=markers)


def normalise_whitespace(text: str) -> str:
    # str.split() splits on exactly what \s matches (checked over all of Unicode), 5x faster.
    return " ".join(text.split())


def strip_tags(text: str) -> str:
    """Turn block tags into paragraph breaks, drop other tags and decode entities."""
    text = _COMMENT.sub(" ", text)
    text = _BLOCK_TAG.sub(_PARA_BREAK, text)
    text = _ANY_TAG.sub(" ", text)
    # Decode between heading marks, so "&#xE000;" in a file cannot forge one.
    return _HEADING.join(html.unescape(part).replace(_HEADING, "") for part in text.split(_HEADING))


def cut_junk(text: str, markers: Sequence[str]) -> str:
    """Drop everything from the first junk marker in the second half of the text on.

    Page furniture trails the article; a marker early in a document ("Read more about
    tokens below") is ordinary text and stays.
    """
    cut = len(text)
    half = len(text) // 2
    for marker in markers:
        pos = text.find(marker, half)
        if 0 <= pos < cut:
            cut = pos
    return text[:cut]


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs on blank lines, whitespace folded, empty ones dropped; a marked section
    heading opens the paragraph that follows it ("Roles — Ask a moderator.")."""
    paras = (normalise_whitespace(p) for p in _BLANK_LINES.split(text.replace("\r\n", "\n")))
    out: list[str] = []
    headings: list[str] = []
    for p in paras:
        if not any(ch.isalnum() for ch in p):
            continue
        if p.startswith(_HEADING):
            headings.append(normalise_whitespace(p.replace(_HEADING, " ")))
            continue
        out.append(_join_headings([*headings, p.replace(_HEADING, " ")]))
        headings = []
    if headings:  # headings with nothing under them are still text
        out.append(_join_headings(headings))
    return out


def _join_headings(parts: list[str]) -> str:
    # "Install — Run make run."; a heading that ends a sentence ("How do I join?") needs no dash.
    out = parts[0]
    for part in parts[1:]:
        out += (" " if out[-1] in ".?!:" else _HEADING_JOIN) + part
    return out


class _HTMLText(HTMLParser):
    """Collects title, first h1, canonical link and body text with block boundaries."""

    _BLOCKS = {"p", "div", "br", "li", "ul", "ol", "section", "article", "blockquote", "tr",
               "table", "pre", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "main", "header", "footer"}
    _SKIP = {"script", "style", "noscript", "nav", "template", "svg", "head"}
    _HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.h1 = ""
        self.canonical: str | None = None
        self._skip_depth = 0
        self._in_title = False
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "link":
            a = dict(attrs)
            if (a.get("rel") or "").lower() == "canonical" and a.get("href"):
                self.canonical = a["href"]
        if tag == "title":
            self._in_title = True
        elif tag in self._SKIP:
            self._skip_depth += 1
        if tag == "h1" and not self.h1:
            self._in_h1 = True
        if tag in self._BLOCKS:
            self.parts.append(_PARA_BREAK)
        if tag in self._HEADINGS and not self._in_h1:
            self.parts.append(_HEADING)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._SKIP and self._skip_depth:
            self._skip_depth -= 1
        if tag == "h1":
            self._in_h1 = False
        if tag in self._BLOCKS:
            self.parts.append(_PARA_BREAK)

    def handle_data(self, data: str) -> None:
        data = data.replace(_HEADING, "")  # decoded from "&#xE000;": no forged heading marks
        if self._in_title:
            self.title += data
            return
        if self._skip_depth:
            return
        if self._in_h1:
            self.h1 += data
            return  # the heading is the title, not a paragraph
        self.parts.append(data)


class Cleaner:
    """Turns the raw text of one file into a `Document`."""

    def __init__(self, config: CleanConfig | None = None) -> None:
        self.config = config or CleanConfig()

    def clean(self, path: str, raw: str) -> Document:
        raw = clean_invisible(raw.replace("\r\n", "\n").replace("\r", "\n")).replace(_HEADING, "")
        suffix = Path(path).suffix.lower()
        if suffix in (".html", ".htm"):
            return self._clean_html(path, raw)
        return self._clean_text(path, raw, markdown=suffix == ".md")

    def _finish(self, path: str, title: str, source: str | None, body: str, parsed_html: bool = False) -> Document:
        if not parsed_html:  # the HTML parser has already dropped tags and decoded entities
            body = strip_tags(body)
            title = html.unescape(_ANY_TAG.sub(" ", title)).replace(_HEADING, "")
        body = cut_junk(body, self.config.junk_markers)
        paragraphs = tuple(split_paragraphs(body))
        title = normalise_whitespace(title) or _title_from_name(path)
        return Document(path=path, title=title, source=source, paragraphs=paragraphs)

    def _clean_text(self, path: str, raw: str, markdown: bool) -> Document:
        lines = raw.split("\n")
        source = None
        # A "source: URL" line may stand among the first non-blank lines.
        for i, line in enumerate(lines[:5]):
            m = _SOURCE_LINE.match(line)
            if m:
                source = m.group(1)
                del lines[i]
                break
        while lines and not lines[0].strip():
            lines.pop(0)
        title = ""
        if markdown:
            in_fence = False
            for i, line in enumerate(lines):
                if line.lstrip().startswith(("```", "~~~")):
                    in_fence = not in_fence  # "# comment" inside a code block is no heading
                    continue
                m = None if in_fence else _MD_HEADING.match(line)
                if m:
                    title = m.group(1)
                    del lines[i]
                    break
            body_lines = []
            in_fence = False
            for line in lines:
                if line.lstrip().startswith(("```", "~~~")):
                    in_fence = not in_fence
                heading = None if in_fence else _MD_ANY_HEADING.match(line)
                # A heading is a block of its own even without blank lines around it.
                body_lines.append(f"\n{_HEADING}{line[heading.end():]}\n" if heading else line)
            body = _MD_LINK.sub(r"\1", "\n".join(body_lines))
        else:
            # The first line is the title when a blank line and then more text follow it.
            if (len(lines) >= 3 and lines[0].strip() and not lines[1].strip()
                    and any(ln.strip() for ln in lines[2:])):
                title = lines.pop(0)
            body = "\n".join(lines)
        return self._finish(path, title, source, body)

    def _clean_html(self, path: str, raw: str) -> Document:
        parser = _HTMLText()
        parser.feed(raw)
        parser.close()
        title = parser.title.strip() or parser.h1.strip()
        return self._finish(path, title, parser.canonical, "".join(parser.parts), parsed_html=True)


def _title_from_name(path: str) -> str:
    stem = Path(path).stem
    return re.sub(r"[_-]+", " ", stem).strip() or stem


def read_text_file(path: Path) -> str:
    """Read a knowledge file as UTF-8 text; KnowledgeError says why it can't be used."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KnowledgeError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    if not data.strip():
        raise KnowledgeError("the file is empty")
    if b"\x00" in data[:8192]:
        raise KnowledgeError("the file looks binary, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KnowledgeError(f"the file is not UTF-8 text (bad byte at offset {exc.start})") from None


Progress = Callable[[str, int, int], None]  # (stage, done, total)


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def list_knowledge_files(root: Path) -> list[Path]:
    """Supported files under `root`, in a stable order; hidden files and folders skipped."""
    if not root.exists():
        raise KnowledgeError(f"knowledge directory {root} does not exist")
    if not root.is_dir():
        raise KnowledgeError(f"knowledge directory {root} is not a directory")
    files = []
    try:
        for p in root.rglob("*"):
            rel = p.relative_to(root)
            if any(part.startswith(".") for part in rel.parts):
                continue
            if p.suffix.lower() in SUPPORTED_SUFFIXES and p.is_file():
                files.append(p)
    except OSError as exc:
        raise KnowledgeError(f"cannot list knowledge directory {root}: {exc.strerror or exc}") from None
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def scan_knowledge(root: Path) -> list[tuple[str, tuple[int, int]]]:
    """(relative path, (size, mtime_ns)) of every knowledge file: what decides whether a
    file must be read again. KnowledgeError when there is nothing to load."""
    root = Path(root)
    files = list_knowledge_files(root)
    if not files:
        raise KnowledgeError(
            f"knowledge directory {root} has no .txt, .md or .html files: add documents and reload"
        )
    out = []
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue  # vanished between listing and stat; the read will report it if it is back
        out.append((path.relative_to(root).as_posix(), (st.st_size, st.st_mtime_ns)))
    return out


def load_document(
    root: Path, rel: str, cleaner: Cleaner, signature: tuple[int, int] | None = None
) -> Document | SkippedFile:
    """Read and clean one file; a SkippedFile says why it cannot be used."""
    try:
        doc = cleaner.clean(rel, read_text_file(root / rel))
    except KnowledgeError as exc:
        log.warning("skipped %s: %s", rel, exc)
        return SkippedFile(rel, str(exc), signature)
    if not doc.paragraphs:
        log.warning("skipped %s: no text left after cleaning", rel)
        return SkippedFile(rel, "no text left after cleaning", signature)
    return Document(doc.path, doc.title, doc.source, doc.paragraphs, signature)


def document_passages(doc: Document, splitter: SentenceSplitter) -> list[Passage]:
    return [
        Passage(doc.path, doc.title, doc.source, n, text, tuple(splitter.split(text)))
        for n, text in enumerate(doc.paragraphs, start=1)
    ]


def no_documents_error(root: Path, skipped: Sequence[SkippedFile]) -> KnowledgeError:
    reasons = "; ".join(f"{s.path}: {s.reason}" for s in skipped)
    return KnowledgeError(f"no usable documents in knowledge directory {root} ({reasons})")


def load_knowledge(
    root: Path,
    config: CleanConfig | None = None,
    splitter: SentenceSplitter | None = None,
    progress: Progress = _no_progress,
) -> KnowledgeBase:
    """Load and clean every supported file under `root`.

    Bad files (binary, not UTF-8, empty, nothing left after cleaning) are skipped with a
    warning naming them; if no file yields a paragraph, KnowledgeError names the directory.
    """
    root = Path(root)
    cleaner = Cleaner(config)
    splitter = splitter or SentenceSplitter()
    files = scan_knowledge(root)
    documents: list[Document] = []
    passages: list[Passage] = []
    skipped: list[SkippedFile] = []
    for done, (rel, sig) in enumerate(files, start=1):
        doc = load_document(root, rel, cleaner, sig)
        if isinstance(doc, SkippedFile):
            skipped.append(doc)
        else:
            documents.append(doc)
            passages.extend(document_passages(doc, splitter))
        progress("reading", done, len(files))
    if not documents:
        raise no_documents_error(root, skipped)
    return KnowledgeBase(root, tuple(documents), tuple(passages), tuple(skipped))


class _ParagraphView(Sequence[str]):
    """A document's paragraphs, read from a PassageTable on demand."""

    __slots__ = ("_table", "_start", "_stop")

    def __init__(self, table: PassageTable, start: int, stop: int) -> None:
        self._table, self._start, self._stop = table, start, stop

    def __len__(self) -> int:
        return self._stop - self._start

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        if isinstance(i, slice):
            return [self._table.text(j) for j in range(self._start, self._stop)[i]]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._table.text(self._start + i)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"<{len(self)} paragraphs>"


class PassageTable(Sequence[Passage]):
    """All passages in one UTF-8 buffer plus offset arrays: compact for millions of
    paragraphs, savable as plain numpy files, and Passage objects are made on access."""

    def __init__(
        self,
        docs: Sequence[tuple[str, str, str | None]],  # (path, title, source) per document
        doc_ptr: np.ndarray,  # document d's passages: doc_ptr[d]..doc_ptr[d+1]
        blob: np.ndarray,  # uint8: every paragraph's UTF-8 text, back to back
        para_ptr: np.ndarray,  # paragraph p's bytes: blob[para_ptr[p]:para_ptr[p+1]]
        sent_ptr: np.ndarray,  # paragraph p's sentences: sent_spans[sent_ptr[p]:sent_ptr[p+1]]
        sent_spans: np.ndarray,  # (start, end) character offsets into the paragraph
    ) -> None:
        self.docs = list(docs)
        self.doc_ptr, self.blob, self.para_ptr = doc_ptr, blob, para_ptr
        self.sent_ptr, self.sent_spans = sent_ptr, sent_spans
        self._doc_of = np.repeat(np.arange(len(self.docs), dtype=np.int32), np.diff(doc_ptr))

    def __len__(self) -> int:
        return int(self.para_ptr.shape[0]) - 1

    def text(self, p: int) -> str:
        return self.blob[int(self.para_ptr[p]):int(self.para_ptr[p + 1])].tobytes().decode("utf-8")

    def __getitem__(self, p):  # type: ignore[no-untyped-def]
        if isinstance(p, slice):
            return [self[i] for i in range(len(self))[p]]
        if p < 0:
            p += len(self)
        if not 0 <= p < len(self):
            raise IndexError(p)
        d = int(self._doc_of[p])
        path, title, source = self.docs[d]
        text = self.text(p)
        spans = self.sent_spans[int(self.sent_ptr[p]):int(self.sent_ptr[p + 1])].tolist()
        return Passage(path, title, source, p - int(self.doc_ptr[d]) + 1, text,
                       tuple(text[a:b] for a, b in spans))

    def documents(self, signatures: Sequence[tuple[int, int] | None]) -> tuple[Document, ...]:
        return tuple(
            Document(path, title, source, _ParagraphView(self, int(self.doc_ptr[d]), int(self.doc_ptr[d + 1])), sig)
            for d, ((path, title, source), sig) in enumerate(zip(self.docs, signatures))
        )

    def arrays(self) -> dict[str, np.ndarray]:
        return {"doc_ptr": self.doc_ptr, "blob": self.blob, "para_ptr": self.para_ptr,
                "sent_ptr": self.sent_ptr, "sent_spans": self.sent_spans}


class TableWriter:
    """Assembles a PassageTable document by document, from new text or an old table. The
    text goes to a file-backed spool (in `spool_dir`, else the system's temporary folder)."""

    def __init__(self, spool_dir: Path | None = None) -> None:
        self.docs: list[tuple[str, str, str | None]] = []
        self._blobs = ByteSpool(spool_dir)
        self._para_lens: list[np.ndarray] = []
        self._sent_counts: list[np.ndarray] = []
        self._spans: list[np.ndarray] = []
        self._passages: list[int] = []

    def add(self, doc: Document, passages: Sequence[Passage]) -> None:
        # Passage by passage into the spool: a huge file's text is never encoded twice over.
        lens = np.empty(len(passages), dtype=np.int64)
        spans = array("i")  # (start, end) of every sentence, flat
        counts = []
        for i, p in enumerate(passages):
            encoded = p.text.encode("utf-8")
            self._blobs.append(encoded)
            lens[i] = len(encoded)
            pos = 0
            for sent in p.sentences:
                start = p.text.find(sent, pos)
                if start < 0:  # cannot happen for Punkt output; keep the sentence findable
                    start = pos
                spans.append(start)
                spans.append(start + len(sent))
                pos = start + len(sent)
            counts.append(len(p.sentences))
        self.docs.append((doc.path, doc.title, doc.source))
        self._para_lens.append(lens)
        self._sent_counts.append(np.array(counts, dtype=np.int64))
        self._spans.append(np.frombuffer(spans, dtype=np.int32).reshape(-1, 2) if spans
                           else np.zeros((0, 2), dtype=np.int32))
        self._passages.append(len(passages))

    def copy(self, table: PassageTable, d: int) -> None:
        """Take document d of an existing table as it is."""
        p0, p1 = int(table.doc_ptr[d]), int(table.doc_ptr[d + 1])
        self.docs.append(table.docs[d])
        self._blobs.append(table.blob[int(table.para_ptr[p0]):int(table.para_ptr[p1])])
        self._para_lens.append(np.diff(table.para_ptr[p0:p1 + 1]))
        self._sent_counts.append(np.diff(table.sent_ptr[p0:p1 + 1]))
        self._spans.append(table.sent_spans[int(table.sent_ptr[p0]):int(table.sent_ptr[p1])])
        self._passages.append(p1 - p0)

    def finish(self) -> PassageTable:
        def ptr(parts: list[np.ndarray]) -> np.ndarray:
            out = np.zeros(sum(len(x) for x in parts) + 1, dtype=np.int64)
            if len(out) > 1:
                np.cumsum(np.concatenate(parts), out=out[1:])
            return out

        doc_ptr = np.zeros(len(self._passages) + 1, dtype=np.int64)
        np.cumsum(np.array(self._passages, dtype=np.int64), out=doc_ptr[1:])
        blob = self._blobs.array()
        spans = np.concatenate(self._spans) if self._spans else np.zeros((0, 2), dtype=np.int32)
        return PassageTable(self.docs, doc_ptr, blob, ptr(self._para_lens), ptr(self._sent_counts), spans)
