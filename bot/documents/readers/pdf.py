"""PDF files (.pdf): the text of each page (pypdf), its lines joined into paragraphs, each
paragraph knowing the page it starts on (citations show "p. N").

PDF text has no paragraph marks: a paragraph ends at a blank line, at a line that starts
further in than the one before (an indented first line), before a list bullet, or after a
sentence-ending line that stops well short of the page's usual line length. Words broken at
a line end ("exam-\\nple") are joined again. Page numbers and running heads or feet (the same
line at the top or bottom of most pages) are dropped; runs of bullet lines become a list.
Where pypdf gives each piece of text its place and font size, a gap wider than the usual
line step of text that size also ends a paragraph, and lines in a font clearly bigger than
the body text are headings that open sections (largest = level 1), and runs of lines in a
monospaced font are code blocks, indented as they stand on the page (a line that is only
partly monospaced, or goes on with the sentence above it, is prose naming code). Rows of
short lines at one left edge with their cells' lines beside them are a table, its first row
the header when it is set in bold over rows that are not. Bold lines of the text's size set
apart are headings below the sized ones; a Sphinx chapter head ("CHAPTER" / "TWO" / title)
is a chapter; contents and index pages, Sphinx's "(continued from previous page)" labels
and feet that carry the page number go; a code block broken by a page break is one.
"""

from __future__ import annotations

import io
import itertools
import logging
import math
import re
import statistics
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from ...errors import KnowledgeError, ReaderTimeout
from ...rendering import errors as wording
from .. import inline
from ..deadline import Deadline
from ..decode import drop_controls
from ..librarylog import collected
from ..model import Block, Code, DocTree, ListBlock, Paragraph, ReadOptions, Section, Table
from ..outline import Heading, build_sections
from ..scraped import fold_spaces

log = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)\]]*$")
# A list item or a numbered heading ("1.2. Scope") starts a paragraph.
_GLYPH_BULLET = re.compile(r"^[•●▪◦‣∙·*\-–—]\s+")
_NUMBER_MARK = r"\(?\d{1,3}[.)]\s|\d{1,3}(?:\.\d{1,3})+\.?\s"
_NUMBERED = re.compile(rf"^\s*(?:{_NUMBER_MARK})")
_BULLET = re.compile(rf"^\s*(?:[•●▪◦‣∙·*\-–—]\s|\(?[a-z][.)]\s|{_NUMBER_MARK})")
_PAGE_NUMBER = re.compile(
    r"^\s*(?:(?:page|p\.|seite)\s*)?(?:\d{1,4}(?:\s*(?:/|of|von)\s*\d{1,4})?|(?-i:[ivxlc]{1,6}))\s*$", re.IGNORECASE
)
# A table of contents line: dot leaders to a page number ("2.1 Syntax . . . . . 2").
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d+\s*$")
# Sphinx labels a code block or table broken by a page break (sphinxlatexliterals.sty,
# sphinxlatextables.sty), in English unless the document's language is set.
_CONTINUED = re.compile(
    r"^\(?(?:continued from previous page|continues on next page|continued on next page)\)?$", re.IGNORECASE
)
# A contents or index entry ends in its page number: "Copyright 21", "clip, 24, 81, 137".
_ENTRY_END = re.compile(r"\S\s+(\d{1,4})$")
_INDEX_PAGES = re.compile(r",\s*\d{1,4}(?:\s*[,–-]\s*\d{1,4})*$")  # an index term's pages
_ENTRY_PAGE_LINES = 6  # entries on a page without leaders that make it a contents or index page...
_ENTRY_PAGE_SHARE = 0.4  # ... and the share of its lines they are at least (an index has terms alone)
_ENTRY_ORDER_SHARE = 0.8  # ... in order (page numbers or words) from one to the next at least
_SHORT_LEADER = re.compile(r"^(?:\.\s*){1,3}\d+$")  # ". . 92": an entry that fills its line
_ENTRY_LINES = 3  # lines of a contents entry pypdf gives after its leader, at most
_WORD = re.compile(r"\w+(?:-\w+)*-?")
_HYPHENATED = re.compile(r"[^\W\d_]-$")
_DIGITS = re.compile(r"\d+")
_A_WORD = re.compile(r"[^\W\d_]{2}")
_FILE_NAME_TITLE = re.compile(
    r"(?:\.(?:docx?|odt|rtf|pdf|tex|indd|pages|pptx?|xlsx?)$)|^(?:untitled|microsoft word\b)", re.IGNORECASE
)
# A paragraph's last line is "short" below this share of the page's usual line length.
_SHORT_LINE = 0.75
_TITLE_MAX_CHARS = 120
_TITLE_MAX_LINES = 3
# Text this much bigger than the body text is a heading.
_HEADING_SCALE = 1.15
# A bold heading of the text's size may be this much smaller (a word processor's 10.5 pt
# labels over 12 pt text).
_BOLD_HEAD_SCALE = 0.85
_TERM_INDENT_EMS = 4.0  # ... and the text under it starts at most this many ems further in
# A heading's text starts within this many of its ems below it.
_LEAD_EMS = 3.0
# A font size is a heading size when its heading lines are on this many pages (fewer in
# short documents).
_HEADING_MIN_PAGES = 3
# A heading size on fewer pages than that still is one, on two pages at least, when each of
# its lines is numbered ("Chapter 2 ...", "2. Results", "2.1 Scope") or opens its page.
_CHAPTER_MIN_PAGES = 2
_CHAPTER = re.compile(
    rf"^(?:(?:chapter|part|appendix|section|lesson|unit)\s+(?:\d+|[A-Z]|[IVXLC]+)\b|{_NUMBER_MARK}|\d{{1,3}}\s+(?-i:[A-Z]))",
    re.IGNORECASE,
)
# fncychap's Bjarne chapter head (Sphinx's LaTeX default): "CHAPTER", "TWO", the title.
_CHAPTER_WORD = re.compile(r"^(?:chapter|appendix)$", re.IGNORECASE)
_CHAPTER_NUMBER = re.compile(r"^(?:[A-Z]+(?:-[A-Z]+)?|\d{1,3})$")
# "Figure 2-3: ..." or "Table 4. ...": a caption, not a heading, whatever its size.
_CAPTION = re.compile(r"^(?:figure|fig\.|table|listing|example)\s+[A-Z]?\d+(?:[.\-–]\d+)*\s*[:.]", re.IGNORECASE)
# Lines of one heading stand at most this many of its ems apart.
_HEADING_STEP_EMS = 1.6
# A gap above a line of more than this many usual line steps starts a paragraph.
_PARAGRAPH_GAP = 1.3
_INDENT_EMS = 0.8
# A table has this many rows at least; a row's cell starts no more than this many ems below
# its first cell's baseline; a first cell's characters are this many ems wide at least.
_TABLE_MIN_ROWS = 2
_TABLE_BESIDE_EMS = 0.5
_TABLE_CHAR_EMS = 0.4
_TABLE_CELL_LINES = 3  # lines of a first cell, at most
# Baselines of one paragraph's lines stand at most this many ems apart (leading is 1.2 ems
# or so; 1.5 is double spacing's 1.2 x 1.25 at most).
_LINE_STEP_EMS = 1.5
# Pieces whose baselines differ by more than this many ems are on different lines
# (superscripts and subscripts move less).
_SAME_LINE_EMS = 0.6
# TeX names its typewriter fonts by the Berry scheme: CMTT10, SFTT1000, and txtt's t1xtt and
# t1xbtt (bold), which Sphinx's LaTeX builder sets code in; pcrr8r is Courier, TeX Gyre Cursor too.
_MONO_NAME = re.compile(
    r"mono|courier|cursor|consol|menlo|monaco|inconsolata|code|typewriter|^(?:cm|sf|lm|ec|t1x|tx)b?tt|^pcr[rb]",
    re.IGNORECASE,
)
# (TeX's Berry names: CMBX10, CMSSBX10, SFBX1000 are bold extended, CMB10 bold.)
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi|^(?:cm|sf|ec)(?:ss)?b(?:x|\d)", re.IGNORECASE)
_BOLD_CHARS = 0.9  # a line is bold when this share of its characters is
# A line is in one size when this share of its characters is: a heading is; prose with a
# phrase in bigger type ("with <font size=14>malice of forethought</font>, publish") is not.
_ONE_SIZE_CHARS = 0.9
_BOLD_WEIGHT = 600  # a font descriptor's /FontWeight this heavy at least is bold
_FORCE_BOLD = 1 << 18  # the descriptor flag for bold type
_MONO_ADVANCE_EMS = 0.6  # width of one character of a monospaced font, for code indentation
# A line is code when this share of its letters is monospaced: prose that names code inline
# ("converted to a Python `string` or `Flowables`") has words of its own in the text font.
_CODE_LETTERS = 0.9
# A line at the top or bottom of this share of the pages (3 pages at least) is a running head.
_RUNNING_SHARE = 0.5
_RUNNING_MIN_PAGES = 3
_FOLIO_SLACK = 2  # points: page numbers of two pages stand at one height, give or take this
_RUNNING_MIN_REPEATS = 3  # pages a line at a running edge must recur on
# A word gap is half of this many thousandths of an em at least, for a font that has no space
# glyph (pypdf's own fallback is 200: a kern like "AV"'s -111 came near): a quarter em is the
# word space of Times, and TeX shrinks Computer Modern's third of an em no further than 0.22.
_WORD_SPACE = 250
_SPACE_CODE = 32
_FOLIO_IN_LINE = re.compile(r"^(\d{1,4})\s+[^\W\d_]|[^\W\d_][.:)]?\s+(\d{1,4})$")
_RUNNING_MIN_LETTERS = 4  # ... and letters it must have: numeric table rows look alike once digits go


@dataclass(frozen=True, slots=True)
class _Line:
    text: str  # stripped
    indent: float  # where the line starts: x in points, or leading spaces without geometry
    y: float | None = None  # baseline height on the page (grows upwards), when known
    size: float | None = None  # font size of most of the line's characters, when known
    mono: bool = False  # (nearly) all its letters are in a monospaced font: code
    raw: str = ""  # the line with its inner spacing, for code
    leads: bool = True  # text follows it closely below, as under a heading (not display type)
    bold: bool = False  # (nearly) all its characters are in a bold font
    folio: str = ""  # "top" or "bottom": like a page number, and at that edge of its page
    one_size: bool = True  # (nearly) all its characters are in its main font size
    chapter: bool = False  # the title of a chapter head set off by its own lines (level 1)
    bold_head: bool = False  # a bold line of text size standing alone: a heading below the sized ones


_Piece = tuple[str, float | None, float | None, float | None, bool, bool]  # text, x, y, size, mono, bold


def read(path: str, data: bytes, options: ReadOptions) -> DocTree:
    # Junk markers are for scraped web text: never applied to PDF (options.junk_markers unused).
    deadline = Deadline(options.timeout_s)
    # One PDF at a time (librarylog.collected): pypdf is pure Python, threads gain nothing.
    # The watchdog (`with deadline`) is for one page whose extraction runs away between two
    # text pieces; it is disarmed before _quiet_pypdf logs, so it never lands in logging.
    with _quiet_pypdf(path), deadline:
        title, pages, failed = _extract(data, deadline)
    lines = []
    for pieces in pages:
        deadline.check()
        lines.append(_lines(pieces))
    lines = _drop_folios(lines)
    if not any(page for page in lines):
        if failed:
            raise KnowledgeError(wording.PDF_NO_PAGE_TEXT)
        raise KnowledgeError(wording.PDF_NO_TEXT)
    level_of = _heading_levels(lines)
    # Before running heads go: the title is often one.
    title = title or _title_from_heading(lines, level_of) or _title_from_first_line(lines)
    lines = _drop_running_lines(lines)
    if title is not None:
        _drop_title_lines(lines, title)
    lines = [_without_entries(page, level_of, len(lines)) for page in lines]
    lines = [_with_chapter_head(page, level_of) for page in lines]
    lines = _with_bold_heads(lines)
    if any(ln.chapter for page in lines for ln in page):
        level_of = {size: min(level + 1, 6) for size, level in level_of.items()}  # chapters above them
    events = _joined_code(_joined_tables(_events(lines, level_of)))
    if not events:
        raise KnowledgeError(wording.PDF_NO_TEXT)
    notes = tuple(wording.note_pdf_page(n) for n in failed)
    return DocTree(title=title, root=_without_empty(build_sections(_blocks(events))), notes=notes, paged=True)


def _without_empty(section: Section) -> Section:
    """Without headings that have nothing under them ("Contents" once its dot-leader lines
    are gone, a title page's big-type lines)."""
    children = tuple(c for c in (_without_empty(c) for c in section.children) if c.blocks or c.children)
    return replace(section, children=children)


def _blocks(events: list[tuple[int, str | Heading | Code | Table]]) -> list[tuple[int | None, Block | Heading]]:
    """Paragraphs (runs of bullet paragraphs "• ..." as one list), code and headings."""
    out: list[tuple[int | None, Block | Heading]] = []
    items: list[Paragraph] = []

    def end_list() -> None:
        if items:
            out.append((None, ListBlock(items=tuple((item,) for item in items), page=items[0].page)))
            items.clear()

    for page, text in events:
        if isinstance(text, Heading):
            end_list()
            out.append((None, text))
            continue
        if isinstance(text, (Code, Table)):
            end_list()
            out.append((None, replace(text, page=page)))
            continue
        bullet = _GLYPH_BULLET.match(text)
        if bullet and text[bullet.end() :].strip():
            items.append(Paragraph(md=inline.escape(text[bullet.end() :]), page=page))
            continue
        end_list()
        out.append((None, Paragraph(md=inline.escape(text), page=page)))
    end_list()
    return out


def _extract(data: bytes, deadline: Deadline) -> tuple[str | None, list[list[_Piece]], list[int]]:
    """(metadata title, text pieces of each page with their place, pages whose extraction
    failed)."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    if not data.strip():
        raise KnowledgeError(wording.FILE_EMPTY)
    if b"%PDF-" not in data[:1024]:  # where the PDF standard lets the header stand
        raise KnowledgeError(wording.PDF_NO_HEADER)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):  # an empty user password opens many
            raise KnowledgeError(wording.PDF_PASSWORD)
        page_list = list(reader.pages)
        title = _metadata_title(reader)
    except KnowledgeError:
        raise
    except DependencyError:
        raise KnowledgeError(wording.PDF_NEEDS_CRYPTOGRAPHY) from None
    except FileNotDecryptedError:
        raise KnowledgeError(wording.PDF_PASSWORD) from None
    except PyPdfError as exc:
        raise KnowledgeError(wording.pdf_damaged(exc)) from None
    except Exception as exc:  # noqa: BLE001 - pypdf raises plain errors on broken files too
        raise KnowledgeError(wording.pdf_damaged(exc, with_type=True)) from None
    pages: list[list[_Piece]] = []
    failed: list[int] = []
    seen_fonts: set[int] = set()
    for number, page in enumerate(page_list, start=1):
        deadline.check()
        pieces: list[_Piece] = []
        try:
            _without_phantom_spaces(page, seen_fonts)
            text = page.extract_text(visitor_text=_visitor(pieces, deadline), space_width=_WORD_SPACE) or ""
        except ReaderTimeout:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad page must not lose the others
            log.debug("page %d: text extraction failed: %s", number, exc)
            pages.append([])
            failed.append(number)
            continue
        if "".join(p[0] for p in pieces) != text:  # the places do not add up: text alone
            pieces = [(text, None, None, None, False, False)]
        pages.append([(drop_controls(p[0]), *p[1:]) for p in pieces])
    return title, pages, failed


def _without_phantom_spaces(page: object, seen: set[int]) -> None:
    """Gives the page's fonts that have no space glyph no space width either, so that pypdf
    falls back to `_WORD_SPACE` for the gaps between words.

    TeX never shows a space: a word gap is a move in a TJ array. pypdf takes a gap for a
    space when it is half the width the font gives code 32, but pdfTeX writes the widths of
    its metrics for every code, used or not, and a T1-encoded font (Sphinx's LaTeX builder
    uses T1) has its visible space "␣" there, 500 units wide: the gaps of tight lines
    (about 200) were missed and their words read as one ("Anydeclarationmustoccur"). A
    subset font whose /CharSet lists no space has no space glyph, whatever its widths say."""
    from pypdf.generic import NumberObject

    try:
        fonts = page["/Resources"]["/Font"].get_object()  # type: ignore[index]
        for ref in fonts.values():
            font = ref.get_object()
            if id(font) in seen:
                continue
            seen.add(id(font))
            descriptor = font.get("/FontDescriptor")
            charset = descriptor.get_object().get("/CharSet") if descriptor is not None else None
            widths = font.get("/Widths")
            if charset is None or widths is None or "space" in str(charset).split("/"):
                continue
            widths = widths.get_object()
            at = _SPACE_CODE - int(font.get("/FirstChar", 0))
            if 0 <= at < len(widths):
                widths[at] = NumberObject(0)
    except Exception:  # noqa: BLE001 - fonts we cannot inspect are read as pypdf reads them
        return


def _metadata_title(reader: object) -> str | None:
    try:
        meta = reader.metadata  # type: ignore[attr-defined]
        raw = meta.title if meta is not None else None
    except Exception:  # noqa: BLE001 - a broken info dictionary just means no title
        return None
    title = fold_spaces(drop_controls(str(raw))) if raw else ""
    if not any(ch.isalnum() for ch in title) or _FILE_NAME_TITLE.search(title):
        return None  # "Microsoft Word - notes.docx" names a file, not the document
    return title


@contextmanager
def _quiet_pypdf(path: str) -> Iterator[None]:
    """pypdf warns (log records and warnings) for every oddity of a file; one line per file."""
    with collected("pypdf") as problems:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                yield
            problems.extend(str(w.message) for w in caught)
        finally:
            if problems:
                log.warning(
                    "%s: pypdf reported %d problem(s) reading it, e.g. %s", path, len(problems), problems[0][:200]
                )


def _visitor(
    pieces: list[_Piece], deadline: Deadline
) -> Callable[[str, list[float], list[float], object, float], None]:
    kinds: dict[int, tuple[object, tuple[bool, bool]]] = {}  # by id: a page has few fonts

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        # Within a page too: pypdf took 19 s for one page of 100,000 lines (5.6 MB).
        deadline.check()
        if text:
            known = kinds.get(id(font))
            if known is None or known[0] is not font:  # (the font kept: its id is not reused)
                known = kinds[id(font)] = (font, _font_kind(font))
            pieces.append((text, *_place(cm, tm, size), *known[1]))

    return visit


def _font_kind(font: object) -> tuple[bool, bool]:
    """Is the font fixed-pitch, is it bold (its descriptor says so, or its name: Courier,
    CMTT, ...Mono; ...-Bold, ...Black)?"""
    try:
        name = str(font.get("/BaseFont", "")).split("+")[-1].lstrip("/")  # type: ignore[attr-defined]
        descriptor = font.get("/FontDescriptor")  # type: ignore[attr-defined]
        described = descriptor.get_object() if descriptor is not None else {}
        flags = int(described.get("/Flags", 0))
        weight = float(described.get("/FontWeight", 0))
        mono = bool(_MONO_NAME.search(name)) or bool(flags & 1)
        return mono, bool(_BOLD_NAME.search(name)) or bool(flags & _FORCE_BOLD) or weight >= _BOLD_WEIGHT
    except Exception:  # noqa: BLE001 - a font we cannot inspect is read as plain prose
        return False, False


def _place(cm: list[float], tm: list[float], size: float) -> tuple[float | None, float | None, float | None]:
    """(x, y, font size) of a text piece in page space: the text matrix times the CTM."""
    try:
        a, b, c, d, e, f = (float(v) for v in cm)
        _, _, tc, td, te, tf = (float(v) for v in tm)
        x = te * a + tf * c + e
        y = te * b + tf * d + f
        scale = ((tc * a + td * c) ** 2 + (tc * b + td * d) ** 2) ** 0.5
        height = float(size) * scale
    except (TypeError, ValueError, OverflowError):
        return None, None, None
    if not all(math.isfinite(v) for v in (x, y, height)):  # a broken matrix places nothing
        return None, None, None
    return round(x, 1), round(y, 1), round(height, 1) or None


def _lines(pieces: list[_Piece]) -> list[_Line]:
    """The page's lines, each with where it starts and its main font size."""
    out: list[_Line] = []
    parts: list[str] = []
    start: tuple[float | None, float | None] | None = None
    sizes: Counter[float] = Counter()
    # Letters in a monospaced font, all letters; the same for characters; bold characters.
    mono = [0, 0, 0, 0, 0]
    found: list[tuple[_Line, bool, bool]] = []  # each line, a dot leader?, like a page number?

    def finish() -> None:
        raw = "".join(parts).expandtabs(4).rstrip()
        stripped = raw.strip()
        x, y = start if start is not None else (None, None)
        # Folded before the dot-leader test: pypdf may put two spaces between the dots.
        leader = bool(stripped and _DOT_LEADER.search(fold_spaces(stripped)))
        indent = x if x is not None else float(len(raw) - len(raw.lstrip()))  # no places: spaces
        size, in_size = sizes.most_common(1)[0] if sizes else (None, 0)
        one_size = in_size >= sum(sizes.values()) * _ONE_SIZE_CHARS
        bold = mono[3] > 0 and mono[4] >= mono[3] * _BOLD_CHARS
        line = _Line(
            fold_spaces(stripped), indent, y, size, _mostly_mono(*mono[:4]), stripped, bold=bold, one_size=one_size
        )
        found.append((line, leader, bool(stripped and _PAGE_NUMBER.match(stripped))))

    for text, x, y, size, is_mono, is_bold in pieces:
        if (
            start is not None
            and start[1] is not None
            and y is not None
            and size is not None
            and abs(y - start[1]) > size * _SAME_LINE_EMS
            and text.strip()
        ):
            finish()  # pypdf sometimes runs two lines together when the font changes between them
            parts, start, sizes, mono = [], None, Counter(), [0, 0, 0, 0, 0]
        for i, seg in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
            if i:
                finish()
                parts, start, sizes, mono = [], None, Counter(), [0, 0, 0, 0, 0]
            parts.append(seg)
            if seg.strip():
                if start is None:
                    # (A space pypdf puts before a piece it saw moved right is already in x.)
                    start = (x, y)
                if size is not None:
                    sizes[size] += len(seg.strip())
                letters = sum(map(str.isalpha, seg))
                chars = len(seg.strip())
                mono[0] += letters if is_mono else 0
                mono[1] += letters
                mono[2] += chars if is_mono else 0
                mono[3] += chars
                mono[4] += chars if is_bold else 0
    finish()
    # Page numbers: (the line after, or the line if kept, baseline, a dot leader?, kept?)
    marks: list[tuple[int, float, bool, bool]] = []
    # A contents page's numbers stand anywhere on it; elsewhere a number ("3", "iv") at the
    # page's top or bottom is a page number where other pages have one there too
    # (_drop_folios), and one mid-page is a table's cell ("x", "20") when text stands on its
    # baseline; alone there, a chart's tick label or a demo's digit.
    contents = any(leader for _, leader, _ in found)
    sides = {} if contents else _number_sides(found)
    cells = set() if contents else _number_cells(found)
    for k, (line, leader, number) in enumerate(found):
        # (On a contents page, a chapter's entry without a leader, as LaTeX sets it, goes too.)
        entry = contents and bool(_ENTRY_END.search(line.text)) and not _SENTENCE_END.search(line.text)
        label = bool(_CONTINUED.match(line.text))
        dropped = leader or entry or label or (number and k not in sides and k not in cells)
        if line.y is not None and (dropped or _SHORT_LEADER.match(line.raw)):
            marks.append((len(out), line.y, leader, not dropped))
        if not dropped:
            out.append(replace(line, folio=sides[k]) if k in sides else line)
    # Leads first: a contents page's title leads into its entries (a heading left empty).
    out = _without_contents_entries(_with_leads(out), marks)
    while out and not out[0].text:
        out.pop(0)
    while out and not out[-1].text:
        out.pop()
    return out


def _number_sides(found: list[tuple[_Line, bool, bool]]) -> dict[int, str]:
    """The page-number-like lines at the page's top or bottom (no other text above or below
    them), by their index: "top" or "bottom"."""
    others = [k for k, (ln, _, number) in enumerate(found) if ln.text and not number]
    ys = [found[k][0].y for k in others]
    top = max((y for y in ys if y is not None), default=-math.inf)
    bottom = min((y for y in ys if y is not None), default=math.inf)
    out = {}
    for k, (line, _, number) in enumerate(found):
        if not number:
            continue
        if line.y is None:  # without places, the first or last line
            above = not others or k < others[0]
            below = not others or k > others[-1]
        else:
            above, below = top <= line.y + _FOLIO_SLACK, bottom >= line.y - _FOLIO_SLACK
        if above or below:
            out[k] = "top" if above else "bottom"
    return out


def _number_cells(found: list[tuple[_Line, bool, bool]]) -> set[int]:
    """The page-number-like lines with words on their baseline (a table row's other cells;
    a glyph chart's row of single characters has none), by their index."""
    texts = Counter(
        round(ln.y) for ln, _, number in found if not number and ln.y is not None and _A_WORD.search(ln.text)
    )
    return {
        k
        for k, (ln, _, number) in enumerate(found)
        if number and ln.y is not None and any(texts[round(ln.y) + d] for d in (-1, 0, 1))
    }


def _drop_folios(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Without page numbers: lines like one at the top or bottom of their page that another
    page has at that edge too (at about that height, where places are known); a lone one
    is text ("x" ending a page, a figure's "1")."""
    at: Counter[tuple[str, int | None]] = Counter()
    for page in pages:
        at.update({(ln.folio, None if ln.y is None else round(ln.y)) for ln in page if ln.folio})

    def recurs(line: _Line) -> bool:
        if line.y is None:
            return at[(line.folio, None)] > 1
        y = round(line.y)
        return sum(at[(line.folio, v)] for v in range(y - _FOLIO_SLACK, y + _FOLIO_SLACK + 1)) > 1

    return [
        [replace(ln, folio="") if ln.folio else ln for ln in page if not (ln.folio and recurs(ln))] for page in pages
    ]


def _without_contents_entries(lines: list[_Line], marks: list[tuple[int, float, bool, bool]]) -> list[_Line]:
    """A contents page without its entries whose text pypdf gives apart from their dot
    leader and page number (after them, a wrapped entry's first line between): on a page
    with dot leaders, the lines from a page number (a leader, a short one) to the next one on
    its baseline."""
    if not any(leader for _, _, leader, _ in marks):
        return lines
    drop: set[int] = set()
    for where, y, _, kept in marks:
        for k in range(where + kept, min(where + kept + _ENTRY_LINES, len(lines))):
            at = lines[k].y
            if at is not None and abs(at - y) < 1:
                drop.update(range(where, k + 1))
                break
    return [line for k, line in enumerate(lines) if k not in drop]


def _mostly_mono(mono_letters: int, letters: int, mono_chars: int, chars: int) -> bool:
    """Is a line code: its letters (its characters, when it has none: "});") monospaced?"""
    if letters:
        return mono_letters >= letters * _CODE_LETTERS
    return 2 * mono_chars > chars


def _with_leads(lines: list[_Line]) -> list[_Line]:
    """Marks lines that text follows closely below (a line of the same size continues it):
    headings lead into their text; demo type in a figure stands apart from what follows.
    A heading over a figure leads into it: at the page's left edge, numbered or with the
    figure's caption next."""
    out = list(lines)
    edges = Counter(round(ln.indent) for ln in lines if ln.text and not ln.folio)
    edge = edges.most_common(1)[0][0] if edges else None
    after: _Line | None = None  # the next line with text (a page number is furniture)
    for k in range(len(out) - 1, -1, -1):
        line = out[k]
        if not line.text or line.folio:
            continue
        if after is None or after.size != line.size:
            leads = after is None or _close_below(line, after) or _over_figure(line, after, edge)
            # Type right above a figure's caption, off the text's left edge, is in the figure.
            leads = leads and not (after is not None and _CAPTION.match(after.text) and not _at_edge(line, edge))
        else:
            leads = after.leads
        out[k] = line = replace(line, leads=leads)
        after = line
    return out


def _at_edge(line: _Line, edge: int | None) -> bool:
    return edge is None or abs(round(line.indent) - edge) <= 1


def _over_figure(line: _Line, after: _Line, edge: int | None) -> bool:
    if line.y is None or after.y is None or not _at_edge(line, edge):
        return False  # (demo type stands anywhere in its drawing)
    return after.y < line.y and bool(_CHAPTER.match(line.text) or _CAPTION.match(after.text))


def _close_below(line: _Line, after: _Line) -> bool:
    if line.y is None or after.y is None or line.size is None:
        return True  # without places, no evidence against
    return 0 < line.y - after.y <= line.size * _LEAD_EMS


def _body_size(pages: list[list[_Line]]) -> float | None:
    """The size most characters have (None when the PDF gives no sizes)."""
    body: Counter[float] = Counter()
    for page in pages:
        for line in page:
            if line.size is not None:
                body[line.size] += len(line.text)
    return body.most_common(1)[0][0] if body else None


def _heading_levels(pages: list[list[_Line]]) -> dict[float, int]:
    """Heading level by font size: sizes clearly above the body text's (the size most
    characters have), largest first; empty when the PDF gives no sizes."""
    body_size = _body_size(pages)
    if body_size is None:
        return {}
    pages_of: dict[float, set[int]] = {}
    heads: dict[float, list[tuple[int, _Line]]] = {}  # a size's heading lines but wrapped ones' second
    for number, page in enumerate(pages):
        above: _Line | None = None
        for ln in page:
            if ln.size is not None and ln.size >= body_size * _HEADING_SCALE and _heading_like(ln):
                pages_of.setdefault(ln.size, set()).add(number)
                if not (above is not None and above.size == ln.size and not _heading_gap(above, ln)):
                    heads.setdefault(ln.size, []).append((number, ln))
            above = ln if ln.text else above
    recurring: Counter[tuple[int, str]] = Counter()  # counted only if a size needs it

    def chapter_like(size: float) -> bool:
        """Is every heading line of the size numbered or at the top of its page?"""
        if not recurring:
            recurring.update((round(ln.y), _DIGITS.sub("#", ln.text)) for pg in pages for ln in pg if ln.y is not None)
        return all(_CHAPTER.match(ln.text) or _opens_page(ln, pages[n], recurring) for n, ln in heads[size])

    # A size used for headings recurs; one-off display type (a demo's 85 pt word) does not,
    # and ranking it would push every real heading down to level 6. A short document's
    # chapters may be on two pages only: numbered, or each at the top of its page, unlike
    # demo type (SPUMONI twice, mid-page).
    need = min(_HEADING_MIN_PAGES, max(1, len(pages) // 10))
    bigger = sorted(
        (
            size
            for size, where in pages_of.items()
            if len(where) >= need or (len(where) >= _CHAPTER_MIN_PAGES and chapter_like(size))
        ),
        reverse=True,
    )
    return {size: min(level, 6) for level, size in enumerate(bigger, start=1)}


def _opens_page(line: _Line, page: list[_Line], recurring: Counter[tuple[int, str]]) -> bool:
    """Is the line the top text of its page, but for lines that recur at their height on
    other pages (running heads, not yet dropped)?"""
    if line.y is None:
        return False
    return all(
        recurring[(round(ln.y), _DIGITS.sub("#", ln.text))] > 1
        for ln in page
        if ln.text and ln.y is not None and ln.y > line.y
    )


def _heading_like(line: _Line) -> bool:
    text = line.text
    return (
        len(text) <= _TITLE_MAX_CHARS
        and any(ch.isalpha() for ch in text)
        and line.leads
        and not _CAPTION.match(text)
        and not _PAGE_NUMBER.match(text)  # a list's Roman number "ii", a table's "x"
        and line.one_size
    )


def _level(line: _Line, levels: dict[float, int]) -> int:
    if line.chapter:
        return 1
    if line.bold_head:
        return min(max(levels.values(), default=0) + 1, 6)
    return levels.get(line.size, 0) if line.size is not None and _heading_like(line) else 0


def _without_entries(page: list[_Line], levels: dict[float, int], page_count: int) -> list[_Line]:
    """The page without its entries when it is a contents or index page that has no dot
    leaders (gnuplot's 19 pages of contents, "Copyright 21"): most of its lines end in a
    page number, and in order, by page (contents) or by word (an index). From the first
    entry to the last, all but headings go: an index's terms without a page of their own
    ("--output" over "why3-doc command line option, 79") too."""
    texted = [ln for ln in page if ln.text]
    entries = [k for k, ln in enumerate(page) if _entry_page(ln.text, page_count) is not None]
    if len(entries) < _ENTRY_PAGE_LINES or len(entries) < len(texted) * _ENTRY_PAGE_SHARE:
        return page
    numbers = [_entry_page(page[k].text, page_count) or 0 for k in entries]
    words = [next((ord(ch) for ch in page[k].text.casefold() if ch.isalpha()), 0) for k in entries]  # first letters
    # An index gives a term's pages after a comma ("harassment, 1, 2"): alphabetical lines
    # ending in a number after a word ("buffer_size: items, default 12") are a reference.
    indexed = sum(_INDEX_PAGES.search(page[k].text) is not None for k in entries)
    if not (_in_order(numbers) or (_in_order(words) and indexed >= len(entries) * _ENTRY_ORDER_SHARE)):
        return page
    first, last, entry = entries[0], entries[-1], set(entries)
    return [ln for k, ln in enumerate(page) if not (first <= k <= last and (k in entry or not _level(ln, levels)))]


def _in_order(keys: list[int]) -> bool:
    """Do the keys mostly rise (or stay) from one to the next?"""
    rising = sum(a <= b for a, b in itertools.pairwise(keys))
    return rising >= (len(keys) - 1) * _ENTRY_ORDER_SHARE


def _entry_page(text: str, page_count: int) -> int | None:
    found = _ENTRY_END.search(text)
    if found is None or _SENTENCE_END.search(text):
        return None
    number = int(found.group(1))
    return number if 0 < number <= page_count else None


def _with_bold_heads(pages: list[list[_Line]]) -> list[list[_Line]]:
    """The pages with their bold headings in the text's size marked, where they recur.

    LaTeX sets a subsubsection in bold type of the text's size ("Set datafile missing"
    in gnuplot's manual), a word processor a label in bold type no bigger than the text's:
    a bold line without final punctuation, alone on its baseline, set off by space above
    (or opening the page) and leading into lighter text close below, not far to its right
    (a description may be indented under its term, as Gutenprint's are)."""
    body = _body_size(pages)
    if body is None:
        return pages
    marked: list[set[int]] = []
    for page in pages:
        texted = [k for k, ln in enumerate(page) if ln.text]
        baselines = Counter(round(y) for k in texted if (y := page[k].y) is not None)
        found = set()
        for i, k in enumerate(texted):
            line = page[k]
            above = page[texted[i - 1]] if i else None
            below = page[texted[i + 1]] if i + 1 < len(texted) else None
            if _bold_head_like(line, above, below, body) and baselines[round(line.y or 0)] == 1:
                found.add(k)
        marked.append(found)
    need = min(_HEADING_MIN_PAGES, max(1, len(pages) // 10))
    if sum(bool(found) for found in marked) < need:
        return pages
    return [
        [replace(ln, bold_head=True) if k in found else ln for k, ln in enumerate(page)]
        for page, found in zip(pages, marked, strict=True)
    ]


def _bold_head_like(line: _Line, above: _Line | None, below: _Line | None, body: float) -> bool:
    if not (line.bold and line.one_size and line.size is not None and line.y is not None and _heading_like(line)):
        return False
    if not body * _BOLD_HEAD_SCALE <= line.size < body * _HEADING_SCALE or line.chapter:
        return False
    if _SENTENCE_END.search(line.text) or _BULLET.match(line.text + " ") or line.mono:
        return False
    if below is None or below.bold or below.y is None or not 0 < line.y - below.y <= line.size * _LEAD_EMS:
        return False
    if below.indent > line.indent + line.size * _TERM_INDENT_EMS:
        return False  # (text far to its right: a table's bold first cell beside the others)
    return above is None or above.y is None or above.y - line.y > line.size * _LINE_STEP_EMS


def _with_chapter_head(page: list[_Line], levels: dict[float, int]) -> list[_Line]:
    """The page with the chapter head it opens with, if any, as its title alone, marked.

    Sphinx's LaTeX builder heads a chapter in fncychap's Bjarne style: "CHAPTER" (or
    "APPENDIX") in small type, the chapter's number spelled out ("TWO") or its letter in
    heading type, then the title in that type, set well apart: no line of it leads into
    text closely enough to be taken for a heading, and the title is often no bigger than a
    section's, so it holds a level of its own above theirs."""
    texted = [k for k, ln in enumerate(page) if ln.text][: 2 + _TITLE_MAX_LINES]
    if len(texted) < 3 or not _CHAPTER_WORD.match(page[texted[0]].text):
        return page
    number = page[texted[1]]
    if not _CHAPTER_NUMBER.match(number.text) or number.size not in levels:
        return page
    title: list[int] = []
    above = number
    for k in texted[2:]:
        line = page[k]
        if line.size != number.size or not line.one_size or (title and _heading_gap(above, line)):
            break
        title.append(k)
        above = line
    if not title:
        return page
    marked = {k: replace(page[k], chapter=True) for k in title}
    return [marked.get(k, ln) for k, ln in enumerate(page) if k not in texted[:2]]


def _title_from_heading(pages: list[list[_Line]], levels: dict[float, int]) -> str | None:
    """The heading the first page opens with (its lines joined), if it opens with one."""
    page = next((p for p in pages if p), [])
    if not page or not _level(page[0], levels):
        return None
    parts = []
    for line in page[:_TITLE_MAX_LINES]:
        if line.size != page[0].size or not line.text:
            break
        parts.append(line.text)
    return fold_spaces(" ".join(parts)) or None


def _drop_title_lines(pages: list[list[_Line]], title: str) -> None:
    """The title is not a paragraph of its own: drop the lines at the start that spell it."""
    first = next((p for p in pages if p), None)
    if first is None:
        return
    rest = title.casefold()
    while first and first[0].text and rest.startswith(first[0].text.casefold()):
        rest = rest[len(first[0].text) :].strip()
        first.pop(0)
        if not rest:
            return


def _drop_running_lines(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Without running heads/feet: a first or last line (digits ignored) that most pages
    share, or, where pypdf gives places, a line at the top or bottom edge
    most pages have text at whose text recurs there (a chapter's running title changes per
    chapter, and pypdf may give it last though it stands at the top); the pages as they are
    when nothing else would be left."""
    if len(pages) < _RUNNING_MIN_PAGES:
        return pages
    need = max(_RUNNING_MIN_PAGES, int(len(pages) * _RUNNING_SHARE) + 1)
    ends = [_page_ends(page) for page in pages]
    texts: Counter[str] = Counter()
    edges: Counter[float] = Counter()
    at_edge: Counter[tuple[float, str]] = Counter()
    for lines, edge_lines in ends:
        texts.update({_DIGITS.sub("#", ln.text) for ln in lines})
        edges.update({round(ln.y) for ln in edge_lines if ln.y is not None})
        at_edge.update({(round(ln.y), _DIGITS.sub("#", ln.text)) for ln in edge_lines if ln.y is not None})
    running_texts = {text for text, n in texts.items() if n >= need}
    running_edges = {y for y, n in edges.items() if n >= need}
    # Page numbers counted from a page before the first: most pages' edge lines give one.
    offsets: Counter[int] = Counter()
    for number, (_, edge_lines) in enumerate(ends):
        offsets.update({number - folio for ln in edge_lines if (folio := _folio_of(ln.text)) is not None})
    running_offsets = {k for k, n in offsets.items() if n >= need}

    def running(line: _Line, edge: bool, number: int) -> bool:
        text = _DIGITS.sub("#", line.text)
        if text in running_texts:
            return True
        if not edge or line.y is None or round(line.y) not in running_edges:
            return False
        # "4 Chapter 1. Foreword", "3.1. Problem 0: Einstein's Problem 15": a Sphinx manual's
        # feet name the chapter or section and carry the page number, which counts on.
        folio = _folio_of(line.text)
        if folio is not None and number - folio in running_offsets:
            return True
        letters = sum(ch.isalpha() for ch in text)
        return letters >= _RUNNING_MIN_LETTERS and at_edge[(round(line.y), text)] >= _RUNNING_MIN_REPEATS

    out = []
    for number, (page, (lines, edge_lines)) in enumerate(zip(pages, ends, strict=True)):
        drop = {id(ln) for ln in lines if running(ln, False, number)}
        drop |= {id(ln) for ln in edge_lines if running(ln, True, number)}
        out.append([ln for ln in page if id(ln) not in drop])
    # Pages made from one template (a line per step, a form) match on every line: had
    # nothing been running, the document would be lost, read as "scanned pages?".
    return out if any(out) else pages


def _folio_of(text: str) -> int | None:
    """The page number a running line starts or ends with, beside words of its own."""
    found = _FOLIO_IN_LINE.search(text)
    if found is None:
        return None
    return int(found.group(1) or found.group(2))


def _page_ends(page: list[_Line]) -> tuple[list[_Line], list[_Line]]:
    """(the first and last lines with text, the lines with text at its top and bottom)."""
    texted = [ln for ln in page if ln.text]
    lines = texted[:1] + texted[1:][-1:]
    ys = [ln.y for ln in texted if ln.y is not None]
    edge_lines = [ln for ln in texted if ys and ln.y in (max(ys), min(ys))]
    return lines, edge_lines


def _title_from_first_line(pages: list[list[_Line]]) -> str | None:
    """The first line of the first page with text, when it looks like a title: short, no
    final period, followed by more text."""
    page = next((p for p in pages if p), [])
    if len(page) < 2:
        return None
    first = page[0].text
    if (
        len(first) > _TITLE_MAX_CHARS
        or first.endswith((".", ",", ";", ":"))
        or _BULLET.match(first)
        or not any(ch.isalpha() for ch in first)
    ):
        return None
    return first


def _events(
    pages: list[list[_Line]], levels: dict[float, int]
) -> Iterator[tuple[int, str | Heading | Code | _TablePart]]:
    """(page, paragraph text or heading), in reading order; a paragraph that runs on over a
    page break belongs to the page it starts on."""
    vocabulary = {w.casefold() for page in pages for line in page for w in _WORD.findall(line.text)}

    def join(lines: list[str]) -> str:
        return _join(lines, vocabulary)

    current: list[str] = []
    start_page = 1
    size_steps = _steps_by_size(pages)
    for number, page in enumerate(pages, start=1):
        usual = _usual_length(page)
        page_step = _usual_step(page)
        prev: _Line | None = None
        heading: list[str] = []
        heading_level = 0
        code: list[_Line] = []
        tables = _tables(page, levels)
        skip_to = 0
        for k, line in enumerate(page):
            if k < skip_to:
                continue
            table = tables.get(k)
            level = 0 if table else _level(line, levels)
            is_code = (
                not table
                and line.mono
                and bool(line.text)
                and not level
                and not _GLYPH_BULLET.match(line.text)
                and not (current and _runs_on_in_line(prev, line))
            )
            if code and not is_code:
                yield number, _code(code)
                code = []
                prev = None
            if table or is_code:  # (a bullet list of monospaced names is still a list)
                if heading:
                    yield number, Heading(level=heading_level, text=fold_spaces(" ".join(heading)))
                    heading = []
                if current:
                    yield start_page, join(current)
                    current = []
                if table:
                    skip_to = table[0]
                    alone = tuple(join([ln.text for ln in cell]) for cell in table[1][0]) if len(table[1]) == 1 else ()
                    yield number, _TablePart(_table(table[1], join), _columns(table[1]), alone)
                else:
                    code.append(line)  # code lines stay lines, whatever the gaps between them
                continue
            if heading and (level != heading_level or not line.text or _heading_gap(prev, line)):
                yield number, Heading(level=heading_level, text=fold_spaces(" ".join(heading)))
                heading = []
            if level and line.text:
                if current:
                    yield start_page, join(current)
                    current = []
                heading.append(line.text)  # a heading may run over two lines
                heading_level = level
                prev = line
                continue
            if not line.text:
                if current:
                    yield start_page, join(current)
                    current = []
                prev = None
                continue
            # The step of the text's own size: a page of 8 pt code has 8.8 pt steps, which every
            # 12 pt step of its 10 pt prose would exceed.
            step = page_step
            if prev is not None and line.size is not None and prev.size == line.size:
                step = size_steps.get(line.size, page_step)
            if current and prev is not None and (_gap(prev, line, step) or _starts_paragraph(prev, line, usual)):
                yield start_page, join(current)
                current = []
            if current and prev is None and not _runs_on(current[-1], line):
                yield start_page, join(current)  # a page break (or a heading) ends a paragraph
                current = []
            if not current:
                start_page = number
            current.append(line.text)
            prev = line
        if heading:
            yield number, Heading(level=heading_level, text=fold_spaces(" ".join(heading)))
        if code:
            yield number, _code(code)
    if current:
        yield start_page, join(current)


@dataclass(frozen=True, slots=True)
class _TablePart:
    """A table as it stands on one page, with where its columns start (x in points)."""

    table: Table
    columns: tuple[float, ...]
    # A bold row alone at the page's foot: its cells' text, which is a table's header only
    # if the table goes on from it on the next page.
    alone: tuple[str, ...] = ()


def _columns(rows: list[list[list[_Line]]]) -> tuple[float, ...]:
    """Where the columns of the table's fullest row start."""
    widest = max(rows, key=len)
    return tuple(cell[0].indent for cell in widest)


def _joined_tables(
    events: Iterator[tuple[int, str | Heading | Code | _TablePart]],
) -> list[tuple[int, str | Heading | Code | Table]]:
    """The events with each table that goes on over a page break as one: a table ending a
    page and one opening the next (nothing but running heads and feet, gone by now, and the
    table's title line again between them) with their columns at the same places. A header
    repeated on the next page is left out there; a first row repeated there is the header."""
    out: list[tuple[int, str | Heading | Code | Table]] = []
    # The table the last event is: its last page, its part so far, the line above it.
    last: tuple[int, _TablePart, str | None] | None = None
    title: tuple[int, str] | None = None  # that line again at the top of the next page

    def settle() -> None:  # a header row alone that no table goes on from: its cells' text
        if last is not None and last[1].alone:
            out[-1:] = [(last[0], text) for text in last[1].alone]

    for page, event in events:
        if isinstance(event, str) and last is not None and title is None and (page, event) == (last[0] + 1, last[2]):
            title = (page, event)
            continue
        joined = None
        if isinstance(event, _TablePart) and last is not None and page == last[0] + 1:
            joined = _join_parts(last[1], event)
        if joined is None:
            settle()
        if title is not None and joined is None:
            out.append(title)
        title = None
        if joined is not None and last is not None:
            out[-1] = (out[-1][0], joined.table)
            last = (page, joined, last[2])
        elif isinstance(event, _TablePart):
            above = out[-1][1] if out and isinstance(out[-1][1], str) else None
            out.append((page, event.table))
            last = (page, event, above)
        else:
            out.append((page, event))
            last = None
    settle()
    if title is not None:
        out.append(title)
    return out


def _joined_code(
    events: list[tuple[int, str | Heading | Code | Table]],
) -> list[tuple[int, str | Heading | Code | Table]]:
    """The events with a code block that ends a page and one that opens the next as one
    (running heads and feet, and Sphinx's "(continued from previous page)", gone by now):
    a listing broken by a page break."""
    out: list[tuple[int, str | Heading | Code | Table]] = []
    last_page = 0  # the page the last code part stands on
    for page, event in events:
        before = out[-1][1] if out else None
        if isinstance(event, Code) and isinstance(before, Code) and page == last_page + 1:
            out[-1] = (out[-1][0], replace(before, text=f"{before.text}\n{event.text}"))
        else:
            out.append((page, event))
        last_page = page
    return out


def _join_parts(before: _TablePart, after: _TablePart) -> _TablePart | None:
    """The two parts as one table, or None when they are not one: their columns differ, or
    the second has a header of its own."""
    if len(before.columns) != len(after.columns):
        return None
    if any(abs(a - b) > _FOLIO_SLACK for a, b in zip(before.columns, after.columns, strict=True)):
        return None
    head, rows = before.table.header, before.table.rows
    if before.alone:
        head, rows = rows[0], ()
    more = (after.table.header, *after.table.rows) if after.table.header else after.table.rows
    if head and more[:1] == (head,):
        more = more[1:]  # the header again
    elif not head and rows[:1] == more[:1]:
        head, rows, more = rows[0], rows[1:], more[1:]  # a first row repeated: the header
    elif after.table.header:
        return None
    return _TablePart(replace(before.table, header=head, rows=(*rows, *more)), before.columns)


def _table(rows: list[list[list[_Line]]], join: Callable[[list[str]], str]) -> Table:
    cells = [[inline.escape(join([ln.text for ln in cell])) for cell in row] for row in rows]
    width = max(len(row) for row in cells)
    padded = [tuple(row + [""] * (width - len(row))) for row in cells]
    if _header_set_apart(rows):
        return Table(header=padded[0], rows=tuple(padded[1:]))
    return Table(header=(), rows=tuple(padded))


def _header_set_apart(rows: list[list[list[_Line]]]) -> bool:
    """Is the first row a header: bold in every cell, over a column whose other cells are
    mostly not bold (a table set all in bold, or with a bold first column only, has none)?"""
    first, body = rows[0], rows[1:]
    if not body or not all(ln.bold for cell in first for ln in cell):
        return False
    for column in range(len(first)):
        cells = [row[column] for row in body if column < len(row)]
        if cells and 2 * sum(all(ln.bold for ln in cell) for cell in cells) < len(cells):
            return True
    return False


def _tables(page: list[_Line], levels: dict[float, int]) -> dict[int, tuple[int, list[list[list[_Line]]]]]:
    """Tables of the page by the index of their first line: (the index after their last
    line, their rows, each row's cells, each cell's lines)."""
    out: dict[int, tuple[int, list[list[list[_Line]]]]] = {}
    k = 0
    while k < len(page):
        end, rows = _table_at(page, k, levels)
        # (A header whose table starts on the next page: a bold row ending the page.)
        header = len(rows) == 1 and end == len(page) and all(ln.bold for cell in rows[0] for ln in cell)
        if len(rows) >= _TABLE_MIN_ROWS or header:
            out[k] = (end, rows)
            k = end
        else:
            k += 1
    return out


def _table_at(page: list[_Line], k: int, levels: dict[float, int]) -> tuple[int, list[list[list[_Line]]]]:
    """The rows of a table starting at line k (empty when none does) and the index after it.

    A property table ("strokeColor | Color of the axis"): each row a short line at the
    table's left edge (its first cell, set vertically in the middle of the row) and the lines
    of its other cells, further right, beside it: from the first cell's baseline up, one
    line step apart in each column. pypdf gives a row's cells one after another. A bullet's
    run-on lines start further right too, but below the bullet line, not beside it. A first
    cell may wrap ("Owner Password" / "set?"): lines at the edge in one font, a line step
    apart, before the row's other cells."""

    def usable(line: _Line) -> bool:
        return bool(line.text) and line.y is not None and line.size is not None and not _level(line, levels)

    rows: list[list[list[_Line]]] = []
    left = page[k].indent
    j = k

    def beside_soon(j: int) -> bool:  # (cheap: a page of prose lines at one edge has none)
        return any(line.indent > left + 1 for line in page[j + 1 : j + 1 + _TABLE_CELL_LINES])

    while j + 1 < len(page) and abs(page[j].indent - left) < 1 and beside_soon(j) and usable(page[j]):
        first = [page[j]]
        i = j + 1
        while (
            i < len(page)
            and len(first) < _TABLE_CELL_LINES
            and abs(page[i].indent - left) < 1
            and usable(page[i])
            and (page[i].size, page[i].bold) == (first[0].size, first[0].bold)  # (not prose above)
            and _in_cell(first[0], first, page[i])
        ):
            first.append(page[i])
            i += 1
        columns: dict[float, list[_Line]] = {}
        while i < len(page) and page[i].indent > left + 1 and usable(page[i]):
            column = next((x for x in columns if abs(x - page[i].indent) < 1), page[i].indent)
            if not _in_cell(first[-1], columns.get(column, []), page[i]):
                break
            columns.setdefault(column, []).append(page[i])
            i += 1
        if not _a_row(first, columns):
            break
        rows.append([first, *(columns[x] for x in sorted(columns))])
        j = i
    return j, rows


def _in_cell(first: _Line, cell: list[_Line], line: _Line) -> bool:
    """Does the line go on in this cell of the row (a line step below its last line), or
    start it (beside the first cell, or above it)?"""
    if line.y is None or line.size is None or first.y is None or first.size is None:
        return False
    if not cell:
        return line.y >= first.y - first.size * _TABLE_BESIDE_EMS
    above = cell[-1].y
    return above is not None and 0 < above - line.y <= line.size * _LINE_STEP_EMS


def _a_row(first: list[_Line], columns: dict[float, list[_Line]]) -> bool:
    """Do the cells stand beside the first one: it has a letter or digit, fits before the
    next column, and its baselines lie within their lines' height?"""
    top, bottom = first[0], first[-1]
    if not columns or top.y is None or bottom.y is None or top.size is None:
        return False
    if not any(ch.isalnum() for ln in first for ch in ln.text):
        return False  # (a bullet or glyph beside its text is a list's mark, not a cell)
    if max(len(ln.text) for ln in first) * top.size * _TABLE_CHAR_EMS > min(columns) - top.indent:
        return False
    ys = [ln.y for lines in columns.values() for ln in lines if ln.y is not None]
    slack = top.size * _TABLE_BESIDE_EMS
    if len(first) == 1:
        return min(ys) - slack <= top.y <= max(ys) + slack
    # A wrapped first cell starts no higher than the others, but for half a line (a row set
    # in its middle): a line a step above every cell is a title over the table, no cell.
    return top.y <= max(ys) + top.size * _LINE_STEP_EMS / 2 and bottom.y >= min(ys) - slack


def _runs_on_in_line(prev: _Line | None, line: _Line) -> bool:
    """Does a monospaced line go on with the prose line above it: that line's sentence not
    ended (nor a colon leading into code), the same size and left edge, no more than a line
    step between them ("... converted to a" / "`reportlab/fonts`.")? Code stands apart: set
    off by space, indented or smaller."""
    if prev is None or prev.y is None or line.y is None or line.size is None or prev.size != line.size:
        return False
    if _SENTENCE_END.search(prev.text) or abs(line.indent - prev.indent) > _indent_step(line):
        return False
    return 0 < prev.y - line.y <= line.size * _LINE_STEP_EMS


def _code(lines: list[_Line]) -> Code:
    """Monospaced lines as a code block, indented as they stand on the page."""
    left = min(ln.indent for ln in lines)
    out = []
    for ln in lines:
        width = (ln.size or 10.0) * _MONO_ADVANCE_EMS
        out.append(" " * round((ln.indent - left) / width) + ln.raw)
    return Code(text="\n".join(out))


def _usual_step(page: list[_Line]) -> float | None:
    """The page's usual distance from one baseline to the next, when the PDF gives places."""
    steps = [
        a.y - b.y
        for a, b in itertools.pairwise(page)
        if a.y is not None and b.y is not None and a.text and b.text and a.y > b.y
    ]
    return statistics.median(steps) if steps else None


def _steps_by_size(pages: list[list[_Line]]) -> dict[float, float]:
    """The document's usual baseline step between two prose lines of each font size."""
    steps: dict[float, list[float]] = {}
    for page in pages:
        for a, b in itertools.pairwise(page):
            if a.y is None or b.y is None or a.size is None or a.size != b.size or not (a.text and b.text):
                continue
            if a.y > b.y and not (a.mono or b.mono):
                steps.setdefault(a.size, []).append(a.y - b.y)
    return {size: statistics.median(found) for size, found in steps.items()}


def _gap(prev: _Line | None, line: _Line, step: float | None) -> bool:
    """More space above the line than between lines, or a jump up (a new column or box)."""
    if prev is None or step is None or prev.y is None or line.y is None:
        return False
    return prev.y - line.y > step * _PARAGRAPH_GAP or line.y > prev.y + step / 2


def _heading_gap(prev: _Line | None, line: _Line) -> bool:
    """Between two heading lines of one size: more space than a wrapped heading's line step.
    (The page's usual step may be 8 pt code lines, which a 14 pt heading always exceeds.)"""
    if prev is None or prev.y is None or line.y is None or line.size is None:
        return False
    return prev.y - line.y > line.size * _HEADING_STEP_EMS or line.y > prev.y


def _usual_length(page: list[_Line]) -> int:
    lengths = [len(ln.text) for ln in page if ln.text]
    if not lengths:
        return 0
    # The longer half: full lines, not the short last lines and headings between them.
    lengths.sort()
    return int(statistics.median(lengths[len(lengths) // 2 :]))


def _starts_paragraph(prev: _Line, line: _Line, usual: int) -> bool:
    if _BULLET.match(line.text + " "):
        return True
    if line.indent > prev.indent + _indent_step(line) and not _BULLET.match(prev.text + " "):
        # An indented first line (a list item's run-on lines are indented too), unless the
        # sentence above runs on into it: a hanging indent, as a bibliography entry's or a
        # definition's run-on lines ("[BCCL08] ... Implementing Polymor-" / "phism in ...").
        return bool(_SENTENCE_END.search(prev.text)) or not (
            line.text[:1].islower() or len(prev.text) >= usual * _SHORT_LINE
        )
    opens_sentence = line.text[:1].isupper() or line.text[:1].isdigit()
    if prev.text.endswith("-"):
        return False  # a word broken at the line end
    if _NUMBERED.match(prev.text + " ") and not _SENTENCE_END.search(prev.text) and opens_sentence:
        return True  # "1.2 Scope" then its first sentence
    if len(prev.text) >= usual * _SHORT_LINE:
        # A full line ending a sentence, then a short line without final punctuation: a heading.
        return (
            bool(_SENTENCE_END.search(prev.text))
            and len(line.text) < usual * _SHORT_LINE
            and not _SENTENCE_END.search(line.text)
        )
    if _SENTENCE_END.search(prev.text):
        return True  # a short line that ends a sentence ends its paragraph
    # A short line without final punctuation is a heading when a sentence starts after it;
    # before a lower-case word it is a line of ragged text.
    return opens_sentence


def _indent_step(line: _Line) -> float:
    # With places, an indented first line starts about an em in; in text, any extra space.
    return line.size * _INDENT_EMS if line.size is not None else 0.0


def _runs_on(previous: str, line: _Line) -> bool:
    """Does the paragraph ending a page continue on the next page's first line?"""
    return not _SENTENCE_END.search(previous) and line.text[:1].islower()


_WORD_MAX = 200  # characters: the broken word is looked for in the end of the line this long


def _join(lines: list[str], vocabulary: set[str]) -> str:
    # Pieces joined once at the end, each line looked at alone: the whole paragraph so far
    # searched and copied at every line made a page of 20,000 lines take minutes.
    pieces = [lines[0]]  # the last one ends the paragraph so far (a broken word's halves are one)
    for line in lines[1:]:
        last = pieces[-1]
        if _HYPHENATED.search(last, len(last) - 2):  # a letter and "-" end it
            head = _WORD.findall(last[-_WORD_MAX:])[-1].removesuffix("-")
            tail = _WORD.findall(line)[0] if _WORD.search(line) else ""
            # "exam-" + "ple" is one word broken at the line end, unless the document writes
            # the compound with its hyphen elsewhere ("well-known") and never without it.
            compound = f"{head}-{tail}".casefold()
            keep = not line[:1].islower() or (compound in vocabulary and compound.replace("-", "") not in vocabulary)
            pieces[-1] = (last if keep else last[:-1]) + line
        else:
            pieces.append(" ")
            pieces.append(line)
    return fold_spaces("".join(pieces))
