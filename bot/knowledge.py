"""The knowledge base as the rest of the bot sees it: documents, their passages, the files
that were skipped, and the compact passage table a build produces and the store saves.

Reading files into documents lives in bot/documents/ (readers, passage builder, loader).
"""

from __future__ import annotations

import json
import logging
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

import numpy as np

from .documents.inline import escape
from .documents.releases import is_release_document, is_release_heading, is_release_passage, may_name_a_release
from .documents.scraped import DEFAULT_JUNK_MARKERS  # noqa: F401  (re-exported: the defaults' old home)
from .spool import ByteSpool

log = logging.getLogger(__name__)


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
    # two spaces; tables as aligned text in a fence; an admonition as a "**Note:** ..."
    # paragraph; a quote as "> " lines. "" means: show `text`, escaped.
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
    notes: tuple[str, ...] = ()  # what the reader cut or dropped ("cut page junk at line 40")
    # Links to places in the documentation: (href as written, link text, 1-based number of
    # the first passage of the section the link is in, 0 when none); see documents/links.py.
    links: tuple[tuple[str, str, int], ...] = ()
    # Names the source gives its headings (ids, RST labels): (name, number of the first
    # passage under the heading).
    labels: tuple[tuple[str, int], ...] = ()
    # Other files of the knowledge folder it shows parts of (literalinclude), each with its
    # (size, mtime_ns) when read, None when it was not there: see documents/related.py.
    depends: tuple[tuple[str, tuple[int, int] | None], ...] = ()
    # Its Sphinx labels with their sections' titles, and the other files' labels its text
    # shows the titles of, with the title shown: see documents/reftitles.py.
    label_titles: tuple[tuple[str, str], ...] = ()
    ref_titles: tuple[tuple[str, str | None], ...] = ()


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
    # (path, (size, mtime_ns)) of every kb.toml read: a change there re-reads every file
    configs: tuple[tuple[str, tuple[int, int]], ...] = field(default=())


class _ParagraphView(Sequence[str]):
    """A document's paragraphs, read from a PassageTable on demand."""

    __slots__ = ("_start", "_stop", "_table")

    def __init__(self, table: PassageTable, start: int, stop: int) -> None:
        self._table, self._start, self._stop = table, start, stop

    def __len__(self) -> int:
        return self._stop - self._start

    def __getitem__(self, i):
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


Sections = list[tuple[tuple[str, ...], str | None]]  # per document: (heading path, deep link)


Row = tuple[tuple[str, ...], str | None]
NO_ROW: Row = ((), None)


class SavedSections(Sequence[Sections]):
    """Each document's section rows as a saved index holds them (PassageTable.arrays): one
    small JSON text per document in one buffer, decoded the first time that document is
    read. Decoded all at once at start-up, a million Markdown sections took ~1.3 s.

    A build's table holds its rows this way too (TableWriter): a reload carries an unchanged
    document's JSON over as bytes, and the save writes the buffer as it is, instead of
    decoding and encoding every document's rows (~4 s at a million Markdown passages).

    Where each row starts in the buffer (`row_start`, document d's rows from
    `row_doc[d]`) lets one row be read alone (`row`): a passage shown needs its own heading,
    and decoding its whole document for it (~1.5-4 ms per 1,000 rows) was most of the first
    questions' time after a start or reload. Saves made before they were kept have none:
    then a document is decoded whole."""

    def __init__(
        self,
        blob: np.ndarray,
        ptr: np.ndarray,
        decoded: dict[int, Sections] | None = None,
        row_doc: np.ndarray | None = None,
        row_start: np.ndarray | None = None,
    ) -> None:
        self._blob, self._ptr = blob, ptr
        # Rows known already (those a build has just read) are not decoded again.
        self._decoded: dict[int, Sections] = dict(decoded or {})
        self._row_doc, self._row_start = row_doc, row_start
        self._rows: dict[tuple[int, int], Row] = {}  # rows read one at a time

    def __len__(self) -> int:
        return int(self._ptr.shape[0]) - 1

    @overload
    def __getitem__(self, d: int) -> Sections: ...

    @overload
    def __getitem__(self, d: slice) -> list[Sections]: ...

    def __getitem__(self, d: int | slice) -> Sections | list[Sections]:
        if isinstance(d, slice):
            return [self[i] for i in range(len(self))[d]]
        if d < 0:
            d += len(self)
        got = self._decoded.get(d)
        if got is None:
            raw = self.raw(d)
            got = self._decoded[d] = [(tuple(path), url) for path, url in json.loads(raw)] if raw else []
        return got

    def row(self, d: int, r: int) -> Row:
        """Row r of document d, ((), None) when it has none; read alone when the buffer's
        row starts are known and the document is not decoded yet."""
        rows = self._decoded.get(d)
        if rows is None and (self._row_doc is None or self._row_start is None):
            rows = self[d]
        if rows is not None:
            return rows[r] if 0 <= r < len(rows) else NO_ROW
        got = self._rows.get((d, r))
        if got is None:
            assert self._row_doc is not None and self._row_start is not None
            a, b = int(self._row_doc[d]), int(self._row_doc[d + 1])
            if not 0 <= r < b - a:
                return NO_ROW
            start = int(self._row_start[a + r])
            # A row ends before the comma of the next one, or before the document's "]".
            end = int(self._row_start[a + r + 1]) - 1 if r + 1 < b - a else int(self._ptr[d + 1]) - 1
            path, url = json.loads(self._blob[start:end].tobytes())
            got = self._rows[(d, r)] = (tuple(path), url)
        return got

    def raw(self, d: int) -> bytes:
        """Document d's rows as stored (encode_rows), without decoding them."""
        if not 0 <= d < len(self):
            raise IndexError(d)
        return self._blob[int(self._ptr[d]) : int(self._ptr[d + 1])].tobytes()

    def raw_starts(self, d: int) -> np.ndarray:
        """Where document d's rows start in raw(d)."""
        if self._row_doc is None or self._row_start is None:
            return encode_rows(self[d])[1]
        return self._row_start[int(self._row_doc[d]) : int(self._row_doc[d + 1])] - int(self._ptr[d])

    def known(self, d: int) -> Sections | None:
        """Document d's rows if they are decoded already, else None."""
        return self._decoded.get(d)

    def arrays(self) -> dict[str, np.ndarray]:
        """The buffer and offsets, as section_arrays makes them."""
        if self._row_doc is None or self._row_start is None:
            return _joined_sections([encode_rows(self[d]) for d in range(len(self))]).arrays()
        return {
            "sections_blob": self._blob,
            "sections_ptr": self._ptr,
            "sections_row_doc": self._row_doc,
            "sections_row_start": self._row_start,
        }


def encode_rows(rows: Sections) -> tuple[bytes, np.ndarray]:
    """One document's section rows as compact JSON (b"" for none), what SavedSections reads,
    and where each row starts in it."""
    if not rows:
        return b"", np.zeros(0, dtype=np.int64)
    parts = [json.dumps([list(path), url], ensure_ascii=False, separators=(",", ":")).encode() for path, url in rows]
    starts = np.zeros(len(parts), dtype=np.int64)
    # "[" row "," row ... "]": json.dumps of the whole list, byte for byte.
    np.cumsum([len(b) + 1 for b in parts[:-1]], out=starts[1:])
    starts += 1
    return b"[" + b",".join(parts) + b"]", starts


def _joined_sections(
    parts: Sequence[tuple[bytes, np.ndarray]], decoded: dict[int, Sections] | None = None
) -> SavedSections:
    ptr = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(b) for b, _ in parts], out=ptr[1:])
    row_doc = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(st) for _, st in parts], out=row_doc[1:])
    starts = [st + ptr[d] for d, (_, st) in enumerate(parts)]
    row_start = np.concatenate(starts) if starts else np.zeros(0, dtype=np.int64)
    blob = np.frombuffer(b"".join(b for b, _ in parts), dtype=np.uint8)
    return SavedSections(blob, ptr, decoded, row_doc, row_start.astype(np.int64, copy=False))


def section_arrays(sections: Sequence[Sections]) -> dict[str, np.ndarray]:
    """The buffer and offsets SavedSections reads: each document's rows as compact JSON."""
    if isinstance(sections, SavedSections):
        return sections.arrays()
    return _joined_sections([encode_rows(rows) for rows in sections]).arrays()


class PassageTable(Sequence[Passage]):
    """All passages in one UTF-8 buffer plus offset arrays: compact for millions of
    paragraphs, savable as plain numpy files, and Passage objects are made on access.

    Display Markdown sits in a second buffer ("" where it is just the text, escaped), and
    each passage points into its document's small table of (heading path, deep link).
    """

    def __init__(
        self,
        docs: Sequence[tuple[str, str, str | None]],  # (path, title, source) per document
        doc_ptr: np.ndarray,  # document d's passages: doc_ptr[d]..doc_ptr[d+1]
        blob: np.ndarray,  # uint8: every paragraph's UTF-8 text, back to back
        para_ptr: np.ndarray,  # paragraph p's bytes: blob[para_ptr[p]:para_ptr[p+1]]
        sent_ptr: np.ndarray,  # paragraph p's sentences: sent_spans[sent_ptr[p]:sent_ptr[p+1]]
        sent_spans: np.ndarray,  # (start, end) character offsets into the paragraph
        md_blob: np.ndarray | None = None,  # uint8: display Markdown, back to back
        md_ptr: np.ndarray | None = None,  # passage p's Markdown: md_blob[md_ptr[p]:md_ptr[p+1]]
        sec_ids: np.ndarray | None = None,  # int32: passage p's row in its document's sections
        pages: np.ndarray | None = None,  # int32: 1-based page, 0 when none
        sections: Sequence[Sections] | None = None,  # per document
    ) -> None:
        self.docs = list(docs)
        self.doc_ptr, self.blob, self.para_ptr = doc_ptr, blob, para_ptr
        self.sent_ptr, self.sent_spans = sent_ptr, sent_spans
        n = int(para_ptr.shape[0]) - 1
        self.md_blob = md_blob if md_blob is not None else np.zeros(0, dtype=np.uint8)
        self.md_ptr = md_ptr if md_ptr is not None else np.zeros(n + 1, dtype=np.int64)
        self.sec_ids = sec_ids if sec_ids is not None else np.zeros(n, dtype=np.int32)
        self.pages = pages if pages is not None else np.zeros(n, dtype=np.int32)
        self.sections: Sequence[Sections]
        if isinstance(sections, SavedSections):
            self.sections = sections  # decoded per document as read
        else:
            self.sections = list(sections) if sections is not None else [[] for _ in self.docs]
        self._doc_of = np.repeat(np.arange(len(self.docs), dtype=np.int32), np.diff(doc_ptr))
        self._ascii: np.ndarray | None = None  # surely_ascii of every passage, made on first use

    def __len__(self) -> int:
        return int(self.para_ptr.shape[0]) - 1

    def text(self, p: int) -> str:
        return self.blob[int(self.para_ptr[p]) : int(self.para_ptr[p + 1])].tobytes().decode("utf-8")

    def markdown(self, p: int) -> str:
        return self.md_blob[int(self.md_ptr[p]) : int(self.md_ptr[p + 1])].tobytes().decode("utf-8")

    def has_fence(self, p: int) -> bool:
        """Whether passage p's display Markdown holds a fence ("```"): a code block, or a
        table shown as one."""
        return b"```" in self.md_blob[int(self.md_ptr[p]) : int(self.md_ptr[p + 1])].tobytes()

    def releases(self) -> np.ndarray:
        """True for each passage of release history (documents/releases.py)."""
        return ReleaseFlags(self)[np.arange(len(self))]

    def surely_ascii(self, docs: np.ndarray) -> np.ndarray:
        """True where passage p's text is ASCII for sure, told from the offsets alone: its
        bytes are no more than the characters its last sentence ends at (False: maybe not)."""
        flags = self._ascii
        if flags is None:  # once for every passage (1 byte each): then one gather a question
            flags = self._ascii = self._ascii_flags()
        return flags[docs]

    def _ascii_flags(self) -> np.ndarray:
        last = self.sent_ptr[1:] - 1
        if self.sent_spans.shape[0] == 0:
            return np.zeros(last.shape[0], dtype=bool)
        has = last >= self.sent_ptr[:-1]
        ends = np.where(has, self.sent_spans[np.maximum(last, 0), 1], -1)
        return np.diff(self.para_ptr) == ends

    def text_and_sentence(self, p: int, s: int) -> tuple[str, str]:
        """Passage p's text and its sentence s (clamped), without building a Passage: the
        re-ranking reads these for every candidate of every question."""
        text = self.text(p)
        return text, self.sentence_of(p, s, text)

    def sentence_of(self, p: int, s: int, text: str) -> str:
        """Sentence s (clamped) of passage p, whose text the caller has read already."""
        a, b = int(self.sent_ptr[p]), int(self.sent_ptr[p + 1])
        if b <= a:
            return text
        start, end = self.sent_spans[a + min(max(s, 0), b - a - 1)].tolist()
        return text[start:end]

    def __getitem__(self, p):
        if isinstance(p, slice):
            return [self[i] for i in range(len(self))[p]]
        if p < 0:
            p += len(self)
        if not 0 <= p < len(self):
            raise IndexError(p)
        d = int(self._doc_of[p])
        path, title, source = self.docs[d]
        text = self.text(p)
        spans = self.sent_spans[int(self.sent_ptr[p]) : int(self.sent_ptr[p + 1])].tolist()
        section, url = self.section_row(d, int(self.sec_ids[p]))
        page = int(self.pages[p])
        return Passage(
            path,
            title,
            source,
            p - int(self.doc_ptr[d]) + 1,
            text,
            tuple(text[a:b] for a, b in spans),
            section,
            self.markdown(p),
            page or None,
            url,
        )

    def documents(
        self,
        signatures: Sequence[tuple[int, int] | None],
        notes: Sequence[tuple[str, ...]] | None = None,
        links: Sequence[tuple[tuple[str, str, int], ...]] | None = None,
        labels: Sequence[tuple[tuple[str, int], ...]] | None = None,
        depends: Sequence[tuple[tuple[str, tuple[int, int] | None], ...]] | None = None,
        titles: Sequence[tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str | None], ...]]] | None = None,
    ) -> tuple[Document, ...]:
        notes = notes if notes is not None else [()] * len(self.docs)
        links = links if links is not None else [()] * len(self.docs)
        labels = labels if labels is not None else [()] * len(self.docs)
        depends = depends if depends is not None else [()] * len(self.docs)
        titles = titles if titles is not None else [((), ())] * len(self.docs)
        return tuple(
            Document(
                path,
                title,
                source,
                _ParagraphView(self, int(self.doc_ptr[d]), int(self.doc_ptr[d + 1])),
                sig,
                tuple(n),
                tuple(k),
                tuple(lb),
                tuple(dp),
                tuple(tt[0]),
                tuple(tt[1]),
            )
            for d, ((path, title, source), sig, n, k, lb, dp, tt) in enumerate(
                zip(self.docs, signatures, notes, links, labels, depends, titles)
            )
        )

    def section_row(self, d: int, s: int) -> Row:
        """Row s of document d's sections (heading path, deep link); ((), None) for none.
        A saved table reads that row alone."""
        sections = self.sections
        if isinstance(sections, SavedSections):
            return sections.row(d, s)
        rows = sections[d]
        return rows[s] if 0 <= s < len(rows) else NO_ROW

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "doc_ptr": self.doc_ptr,
            "blob": self.blob,
            "para_ptr": self.para_ptr,
            "sent_ptr": self.sent_ptr,
            "sent_spans": self.sent_spans,
            "md_blob": self.md_blob,
            "md_ptr": self.md_ptr,
            "sec_ids": self.sec_ids,
            "pages": self.pages,
            **section_arrays(self.sections),
        }


def fenced_passages(passages: Sequence[Passage]) -> FenceFlags | np.ndarray:
    """Which passages show a fenced block (code, a command, a table) in their display
    Markdown: in documentation these hold the example a how-to question asks for. For a
    PassageTable judged as questions need them (FenceFlags), with no Passage objects."""
    if isinstance(passages, PassageTable):
        return FenceFlags(passages)
    return np.array(["```" in p.markdown for p in passages], dtype=bool)


class LazyFlags:
    """One flag per passage of a PassageTable, judged the first time a question's candidates
    need it (a few hundred a question). Judged all at once, a saved index of a million
    Markdown passages spent seconds before its first answer (release headings ~2 s, fences
    ~0.4 s) and read every page of its Markdown."""

    _UNKNOWN, _NO, _YES = 0, 1, 2

    def __init__(self, table: PassageTable) -> None:
        self._table = table
        self._known = np.zeros(len(table), dtype=np.int8)

    def __getitem__(self, docs: np.ndarray) -> np.ndarray:
        known = self._known[docs]
        # Threads asking at once may judge a passage twice; both write the same flag.
        for p in np.unique(docs[known == self._UNKNOWN]).tolist():
            self._known[p] = self._YES if self._judge(p) else self._NO
        return self._known[docs] == self._YES

    def _judge(self, p: int) -> bool:
        raise NotImplementedError


class FenceFlags(LazyFlags):
    """Which passages show a fenced block (PassageTable.has_fence)."""

    def _judge(self, p: int) -> bool:
        return self._table.has_fence(p)


class ReleaseFlags(LazyFlags):
    """Which passages are release history (documents/releases.py), judged per document and
    heading row."""

    def __init__(self, table: PassageTable) -> None:
        super().__init__(table)
        self._documents: dict[int, bool] = {}
        self._headings: dict[str, bool] = {}  # a heading shared by many rows is judged once
        self._rows_may: dict[int, bool] = {}  # a saved document's rows may name a release

    def _judge(self, p: int) -> bool:
        t = self._table
        d = int(t._doc_of[p])
        whole = self._documents.get(d)
        if whole is None:
            path, title, _source = t.docs[d]
            whole = self._documents[d] = is_release_document(path, title) or self._heading(title)
        if whole:
            return True
        saved = t.sections
        if isinstance(saved, SavedSections) and saved.known(d) is None:
            # Not decoded yet: most documents' rows hold no release heading at all, and
            # decoding them for that (~1.5 ms per 1,000 rows) made the first questions after
            # a start or reload at a million passages take 35-65 ms instead of ~2.
            may = self._rows_may.get(d)
            if may is None:
                may = self._rows_may[d] = may_name_a_release(saved.raw(d).decode("utf-8"))
            if not may:
                return False
        # A row out of range is no section, as __getitem__ reads it.
        return any(self._heading(h) for h in t.section_row(d, int(t.sec_ids[p]))[0])

    def _heading(self, heading: str) -> bool:
        got = self._headings.get(heading)
        if got is None:
            got = self._headings[heading] = is_release_heading(heading)
        return got


def release_passages(passages: Sequence[Passage]) -> ReleaseFlags | np.ndarray:
    """Which passages are release history (documents/releases.py); for a PassageTable
    judged as questions need them (ReleaseFlags), with no Passage objects."""
    if isinstance(passages, PassageTable):
        return ReleaseFlags(passages)
    return np.array([is_release_passage(p.document, p.title, p.section) for p in passages], dtype=bool)


class ContinuationFlags(LazyFlags):
    """Which passages continue the section of the passage before them (PassageTable)."""

    def _judge(self, p: int) -> bool:
        t = self._table
        if p == 0 or t._doc_of[p] != t._doc_of[p - 1] or t.sec_ids[p] != t.sec_ids[p - 1]:
            return False
        return bool(t.section_row(int(t._doc_of[p]), int(t.sec_ids[p]))[0])


def continued_passages(passages: Sequence[Passage]) -> ContinuationFlags | np.ndarray:
    """Which passages continue a section the passage before them began (a long section cut
    into several passages): all of them carry the section's heading, so a question that
    names the heading would find the shortest part first, where the first part is what the
    heading introduces. Text under no heading is never a continuation. For a PassageTable
    judged as questions need them (ContinuationFlags)."""
    if isinstance(passages, PassageTable):
        return ContinuationFlags(passages)
    return np.array(
        [
            i > 0
            and bool(p.section)
            and passages[i - 1].document == p.document
            and passages[i - 1].section == p.section
            and passages[i - 1].url == p.url
            for i, p in enumerate(passages)
        ],
        dtype=bool,
    )


@dataclass(frozen=True)
class TablePart:
    """One document's rows of a PassageTable, made where the document was read: bytes and
    small arrays, cheap to send from a build worker (no Passage objects, no text twice)."""

    doc: tuple[str, str, str | None]  # (path, title, source)
    text: bytes | bytearray  # every passage's UTF-8 text, back to back
    text_lens: np.ndarray  # int64 bytes per passage
    sent_counts: np.ndarray  # int64 sentences per passage
    spans: np.ndarray  # int32 (n, 2): each sentence's (start, end) in its passage, in characters
    md: bytes | bytearray  # display Markdown, back to back ("" where it is the escaped text)
    md_lens: np.ndarray  # int64
    sections: Sections  # the document's (heading path, deep link) rows
    sec_ids: np.ndarray  # int32: each passage's row
    pages: np.ndarray  # int32: 1-based page, 0 when none

    def __len__(self) -> int:
        return int(self.text_lens.shape[0])

    def sentences(self) -> Iterator[str]:
        """Every passage's sentences, in order, cut from the stored text one passage at a time."""
        view = memoryview(self.text)
        pos = s = 0
        for size, count in zip(self.text_lens.tolist(), self.sent_counts.tolist()):
            text = str(view[pos : pos + size], "utf-8")
            pos += size
            # Spans as Python numbers one passage at a time: a million at once is 100+ MB.
            for a, b in self.spans[s : s + count].tolist():
                yield text[a:b]
            s += count

    def headings(self) -> list[str]:
        """Every passage's heading path as one string (what the heading field indexes)."""
        paths = [" ".join(path) for path, _ in self.sections]
        return [paths[i] for i in self.sec_ids.tolist()]


def table_part(doc: Document, passages: Iterable[Passage]) -> TablePart:
    """A document's passages as table rows (see TablePart); `passages` is read once, so a
    caller may hand over an iterator that lets each passage go once it is stored."""
    lens = array("q")
    md_lens = array("q")
    counts = array("q")
    pages = array("i")
    ids = array("i")
    # Grown in place, not joined at the end: a huge file's text is not held twice over.
    text = bytearray()
    mds = bytearray()
    spans = array("i")  # (start, end) of every sentence, flat
    table: Sections = []
    row: dict[tuple[tuple[str, ...], str | None], int] = {}
    for p in passages:
        encoded = p.text.encode("utf-8")
        text += encoded
        lens.append(len(encoded))
        # Markdown that is only the escaped text is not stored twice.
        md = b"" if not p.markdown or p.markdown == escape(p.text) else p.markdown.encode("utf-8")
        mds += md
        md_lens.append(len(md))
        pos = 0
        find = p.text.find
        for sent in p.sentences:
            start = find(sent, pos)
            if start < 0:  # cannot happen for Punkt output; keep the sentence findable
                start = pos
            pos = start + len(sent)
            spans.append(start)
            spans.append(pos)
        counts.append(len(p.sentences))
        key = (tuple(p.section), p.url)
        r = row.get(key)
        if r is None:
            r = row[key] = len(table)
            table.append(key)
        ids.append(r)
        pages.append(p.page or 0)
    return TablePart(
        (doc.path, doc.title, doc.source),
        text,
        np.array(lens, dtype=np.int64),
        np.array(counts, dtype=np.int64),
        np.array(spans, dtype=np.int32).reshape(-1, 2),
        mds,
        np.array(md_lens, dtype=np.int64),
        table,
        np.array(ids, dtype=np.int32),
        np.array(pages, dtype=np.int32),
    )


class TableWriter:
    """Assembles a PassageTable document by document, from new text or an old table. The
    text goes to a file-backed spool (in `spool_dir`, else the system's temporary folder)."""

    def __init__(self, spool_dir: Path | None = None) -> None:
        self.docs: list[tuple[str, str, str | None]] = []
        # Each document's section rows as JSON with their starts (SavedSections), and those
        # known decoded.
        self._sections: list[tuple[bytes, np.ndarray]] = []
        self._decoded: dict[int, Sections] = {}
        self._blobs = ByteSpool(spool_dir)
        self._para_lens: list[np.ndarray] = []
        self._sent_counts: list[np.ndarray] = []
        self._spans: list[np.ndarray] = []
        self._md_blobs = ByteSpool(spool_dir)
        self._md_lens: list[np.ndarray] = []
        self._sec_ids: list[np.ndarray] = []
        self._pages: list[np.ndarray] = []
        self._passages: list[int] = []

    def add(self, doc: Document, passages: Sequence[Passage]) -> None:
        self.add_part(table_part(doc, passages))

    def add_part(self, part: TablePart) -> None:
        """Append one document's rows (made in a worker process, or by `add`)."""
        self._decoded[len(self.docs)] = part.sections
        self._sections.append(encode_rows(part.sections))
        self.docs.append(part.doc)
        self._blobs.append(part.text)
        self._para_lens.append(part.text_lens)
        self._sent_counts.append(part.sent_counts)
        self._spans.append(part.spans)
        self._md_blobs.append(part.md)
        self._md_lens.append(part.md_lens)
        self._sec_ids.append(part.sec_ids)
        self._pages.append(part.pages)
        self._passages.append(len(part))

    def copy(self, table: PassageTable, d: int) -> None:
        """Take document d of an existing table as it is."""
        p0, p1 = int(table.doc_ptr[d]), int(table.doc_ptr[d + 1])
        sections = table.sections
        if isinstance(sections, SavedSections):  # carried over as bytes: not decoded here
            self._sections.append((sections.raw(d), sections.raw_starts(d)))
            rows = sections.known(d)
        else:
            rows = sections[d]
            self._sections.append(encode_rows(rows))
        if rows is not None:
            self._decoded[len(self.docs)] = rows
        self.docs.append(table.docs[d])
        self._blobs.append(table.blob[int(table.para_ptr[p0]) : int(table.para_ptr[p1])])
        self._para_lens.append(np.diff(table.para_ptr[p0 : p1 + 1]))
        self._sent_counts.append(np.diff(table.sent_ptr[p0 : p1 + 1]))
        self._spans.append(table.sent_spans[int(table.sent_ptr[p0]) : int(table.sent_ptr[p1])])
        self._md_blobs.append(table.md_blob[int(table.md_ptr[p0]) : int(table.md_ptr[p1])])
        self._md_lens.append(np.diff(table.md_ptr[p0 : p1 + 1]))
        self._sec_ids.append(np.asarray(table.sec_ids[p0:p1]))
        self._pages.append(np.asarray(table.pages[p0:p1]))
        self._passages.append(p1 - p0)

    def finish(self) -> PassageTable:
        """The table; the writer's parts are released as they are joined, so the text is
        held twice only one buffer at a time."""

        def ptr(parts: list[np.ndarray]) -> np.ndarray:
            out = np.zeros(sum(len(x) for x in parts) + 1, dtype=np.int64)
            if len(out) > 1:
                np.cumsum(np.concatenate(parts), out=out[1:])
            parts.clear()
            return out

        def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            out: np.ndarray = np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)
            parts.clear()
            return out

        doc_ptr = np.zeros(len(self._passages) + 1, dtype=np.int64)
        np.cumsum(np.array(self._passages, dtype=np.int64), out=doc_ptr[1:])
        blob = self._blobs.array()
        md_blob = self._md_blobs.array()
        spans = np.concatenate(self._spans) if self._spans else np.zeros((0, 2), dtype=np.int32)
        self._spans.clear()
        sections = _joined_sections(self._sections, self._decoded)
        self._sections.clear()
        return PassageTable(
            self.docs,
            doc_ptr,
            blob,
            ptr(self._para_lens),
            ptr(self._sent_counts),
            spans,
            md_blob,
            ptr(self._md_lens),
            cat(self._sec_ids, np.int32),
            cat(self._pages, np.int32),
            sections,
        )
