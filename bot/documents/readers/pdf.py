"""PDF files (.pdf): the text of each page (pypdf), its lines joined into paragraphs, each
paragraph knowing the page it starts on (citations show "p. N").

PDF text has no paragraph marks: a paragraph ends at a blank line, at a line that starts
further in than the one before (an indented first line), before a list bullet, or after a
sentence-ending line that stops well short of the page's usual line length. Words broken at
a line end ("exam-\\nple") are joined again. Page numbers and running heads or feet (the same
line at the top or bottom of most pages) are dropped; runs of bullet lines become a list.
Everything lives in the root section: headings cannot be told from the text alone.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ...errors import KnowledgeError
from .. import inline
from ..model import Block, DocTree, ListBlock, Paragraph, ReadOptions, Section
from ..scraped import fold_spaces

log = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)\]]*$")
# A list item or a numbered heading ("1.2. Scope") starts a paragraph.
_GLYPH_BULLET = re.compile(r"^[•●▪◦‣∙·*\-–—]\s+")
_NUMBER_MARK = r"\(?\d{1,3}[.)]\s|\d{1,3}(?:\.\d{1,3})+\.?\s"
_NUMBERED = re.compile(rf"^\s*(?:{_NUMBER_MARK})")
_BULLET = re.compile(rf"^\s*(?:[•●▪◦‣∙·*\-–—]\s|\(?[a-z][.)]\s|{_NUMBER_MARK})")
_PAGE_NUMBER = re.compile(
    r"^\s*(?:(?:page|p\.|seite)\s*)?(?:\d{1,4}(?:\s*(?:/|of|von)\s*\d{1,4})?|(?-i:[ivxlc]{1,6}))\s*$", re.IGNORECASE)
# A table of contents line: dot leaders to a page number ("2.1 Syntax . . . . . 2").
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d+\s*$")
_WORD = re.compile(r"\w+(?:-\w+)*-?")
_HYPHENATED = re.compile(r"[^\W\d_]-$")
_DIGITS = re.compile(r"\d+")
_FILE_NAME_TITLE = re.compile(r"(?:\.(?:docx?|odt|rtf|pdf|tex|indd|pages|pptx?|xlsx?)$)|^(?:untitled|microsoft word\b)",
                              re.IGNORECASE)
# A paragraph's last line is "short" below this share of the page's usual line length.
_SHORT_LINE = 0.75
_TITLE_MAX_CHARS = 120
# A line at the top or bottom of this share of the pages (3 pages at least) is a running head.
_RUNNING_SHARE = 0.5
_RUNNING_MIN_PAGES = 3


@dataclass(frozen=True, slots=True)
class _Line:
    text: str  # stripped
    indent: int  # leading spaces in the extracted text


def read(path: str, data: bytes, options: ReadOptions) -> DocTree:
    # Junk markers are for scraped web text: never applied to PDF (options.junk_markers unused).
    with _quiet_pypdf(path):
        title, pages, failed = _extract(data)
    if not any(any(ch.isalnum() for ch in text) for text in pages):
        if failed:
            raise KnowledgeError("no text could be extracted from the PDF's pages")
        raise KnowledgeError("the PDF has no extractable text (scanned pages?)")
    lines = [_lines(text) for text in pages]
    title = title or _title_from_first_line(lines)  # before running heads go: it may be one
    lines = _drop_running_lines(lines)
    first = next((i for i, page in enumerate(lines) if page), None)
    if title is not None and first is not None and lines[first][0].text.casefold() == title.casefold():
        lines[first] = lines[first][1:]  # the title is not a paragraph of its own
    blocks = _blocks(_paragraphs(lines))
    if not blocks:
        raise KnowledgeError("the PDF has no extractable text (scanned pages?)")
    notes = tuple(f"page {n}: its text could not be extracted" for n in failed)
    return DocTree(title=title, root=Section(heading="", level=0, blocks=blocks), notes=notes, paged=True)


def _blocks(paragraphs: Iterator[tuple[int, str]]) -> tuple[Block, ...]:
    """Paragraphs, with runs of bullet paragraphs ("• ...") as one list."""
    out: list[Block] = []
    items: list[Paragraph] = []

    def end_list() -> None:
        if items:
            out.append(ListBlock(items=tuple((item,) for item in items), page=items[0].page))
            items.clear()

    for page, text in paragraphs:
        bullet = _GLYPH_BULLET.match(text)
        if bullet and text[bullet.end():].strip():
            items.append(Paragraph(md=inline.escape(text[bullet.end():]), page=page))
            continue
        end_list()
        out.append(Paragraph(md=inline.escape(text), page=page))
    end_list()
    return tuple(out)


def _extract(data: bytes) -> tuple[str | None, list[str], list[int]]:
    """(metadata title, text of each page, pages whose extraction failed)."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    if not data.strip():
        raise KnowledgeError("the file is empty")
    if b"%PDF-" not in data[:1024]:  # where the PDF standard lets the header stand
        raise KnowledgeError("the file is not a PDF (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):  # an empty user password opens many
            raise KnowledgeError("the PDF is password-protected")
        page_list = list(reader.pages)
        title = _metadata_title(reader)
    except KnowledgeError:
        raise
    except DependencyError:
        raise KnowledgeError("the PDF is encrypted with AES; install the 'cryptography' package to read it") from None
    except FileNotDecryptedError:
        raise KnowledgeError("the PDF is password-protected") from None
    except PyPdfError as exc:
        raise KnowledgeError(f"the PDF is damaged or incomplete ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - pypdf raises plain errors on broken files too
        raise KnowledgeError(f"the PDF is damaged or incomplete ({type(exc).__name__}: {exc})") from None
    pages: list[str] = []
    failed: list[int] = []
    for number, page in enumerate(page_list, start=1):
        try:
            pages.append(page.extract_text() or "")
        except Exception as exc:  # noqa: BLE001 - one bad page must not lose the others
            log.debug("page %d: text extraction failed: %s", number, exc)
            pages.append("")
            failed.append(number)
    return title, pages, failed


def _metadata_title(reader: object) -> str | None:
    try:
        meta = reader.metadata  # type: ignore[attr-defined]
        raw = meta.title if meta is not None else None
    except Exception:  # noqa: BLE001 - a broken info dictionary just means no title
        return None
    title = fold_spaces(str(raw)) if raw else ""
    if not any(ch.isalnum() for ch in title) or _FILE_NAME_TITLE.search(title):
        return None  # "Microsoft Word - notes.docx" names a file, not the document
    return title


@contextmanager
def _quiet_pypdf(path: str) -> Iterator[None]:
    """pypdf warns (log records and warnings) for every oddity of a file; one line per file."""
    problems: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            problems.append(record.getMessage())

    # pypdf logs on child loggers (pypdf._reader, ...): catch them at their parent and keep
    # them from propagating to the application's handlers while this file is read.
    pypdf_log = logging.getLogger("pypdf")
    collect = _Collect(logging.WARNING)
    propagate = pypdf_log.propagate
    pypdf_log.addHandler(collect)
    pypdf_log.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        problems.extend(str(w.message) for w in caught)
    finally:
        pypdf_log.removeHandler(collect)
        pypdf_log.propagate = propagate
        if problems:
            log.warning("%s: pypdf reported %d problem(s) reading it, e.g. %s", path, len(problems),
                        problems[0][:200])


def _lines(text: str) -> list[_Line]:
    out = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        raw = raw.expandtabs(4).rstrip()
        stripped = raw.strip()
        if stripped and (_PAGE_NUMBER.match(stripped) or _DOT_LEADER.search(stripped)):
            continue
        out.append(_Line(fold_spaces(stripped), len(raw) - len(raw.lstrip())))
    while out and not out[0].text:
        out.pop(0)
    while out and not out[-1].text:
        out.pop()
    return out


def _drop_running_lines(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Without a running head/foot: a first or last line (digits ignored) that most pages share."""
    if len(pages) < _RUNNING_MIN_PAGES:
        return pages
    counts: Counter[str] = Counter()
    for page in pages:
        ends = {_DIGITS.sub("#", ln.text) for ln in (page[:1] + page[-1:])}
        counts.update(ends)
    need = max(_RUNNING_MIN_PAGES, int(len(pages) * _RUNNING_SHARE) + 1)
    running = {text for text, n in counts.items() if n >= need}
    out = []
    for page in pages:
        page = list(page)
        if page and _DIGITS.sub("#", page[0].text) in running:
            page.pop(0)
        if page and _DIGITS.sub("#", page[-1].text) in running:
            page.pop()
        out.append(page)
    return out


def _title_from_first_line(pages: list[list[_Line]]) -> str | None:
    """The first line of the first page with text, when it looks like a title: short, no
    final period, followed by more text."""
    page = next((p for p in pages if p), [])
    if len(page) < 2:
        return None
    first = page[0].text
    if (len(first) > _TITLE_MAX_CHARS or first.endswith((".", ",", ";", ":")) or _BULLET.match(first)
            or not any(ch.isalpha() for ch in first)):
        return None
    return first


def _paragraphs(pages: list[list[_Line]]) -> Iterator[tuple[int, str]]:
    """(page the paragraph starts on, its text), in reading order; a paragraph that runs on
    over a page break belongs to the page it starts on."""
    vocabulary = {w.casefold() for page in pages for line in page for w in _WORD.findall(line.text)}

    def join(lines: list[str]) -> str:
        return _join(lines, vocabulary)

    current: list[str] = []
    start_page = 1
    for number, page in enumerate(pages, start=1):
        usual = _usual_length(page)
        prev: _Line | None = None
        for line in page:
            if not line.text:
                if current:
                    yield start_page, join(current)
                    current = []
                prev = None
                continue
            if current and prev is not None and _starts_paragraph(prev, line, usual):
                yield start_page, join(current)
                current = []
            if current and prev is None and not _runs_on(current[-1], line):
                yield start_page, join(current)  # a page break that ends a paragraph
                current = []
            if not current:
                start_page = number
            current.append(line.text)
            prev = line
    if current:
        yield start_page, join(current)


def _usual_length(page: list[_Line]) -> int:
    lengths = [len(ln.text) for ln in page if ln.text]
    if not lengths:
        return 0
    # The longer half: full lines, not the short last lines and headings between them.
    lengths.sort()
    return int(statistics.median(lengths[len(lengths) // 2:]))


def _starts_paragraph(prev: _Line, line: _Line, usual: int) -> bool:
    if _BULLET.match(line.text + " "):
        return True
    if line.indent > prev.indent and not _BULLET.match(prev.text + " "):
        return True  # an indented first line (a list item's run-on lines are indented too)
    opens_sentence = line.text[:1].isupper() or line.text[:1].isdigit()
    if prev.text.endswith("-"):
        return False  # a word broken at the line end
    if _NUMBERED.match(prev.text + " ") and not _SENTENCE_END.search(prev.text) and opens_sentence:
        return True  # "1.2 Scope" then its first sentence
    if len(prev.text) >= usual * _SHORT_LINE:
        # A full line ending a sentence, then a short line without final punctuation: a heading.
        return (bool(_SENTENCE_END.search(prev.text)) and len(line.text) < usual * _SHORT_LINE
                and not _SENTENCE_END.search(line.text))
    if _SENTENCE_END.search(prev.text):
        return True  # a short line that ends a sentence ends its paragraph
    # A short line without final punctuation is a heading when a sentence starts after it;
    # before a lower-case word it is a line of ragged text.
    return opens_sentence


def _runs_on(previous: str, line: _Line) -> bool:
    """Does the paragraph ending a page continue on the next page's first line?"""
    return not _SENTENCE_END.search(previous) and line.text[:1].islower()


def _join(lines: list[str], vocabulary: set[str]) -> str:
    out = lines[0]
    for line in lines[1:]:
        if _HYPHENATED.search(out):
            head = _WORD.findall(out)[-1].removesuffix("-")
            tail = _WORD.findall(line)[0] if _WORD.search(line) else ""
            # "exam-" + "ple" is one word broken at the line end, unless the document writes
            # the compound with its hyphen elsewhere ("well-known") and never without it.
            compound = f"{head}-{tail}".casefold()
            keep = not line[:1].islower() or (compound in vocabulary and compound.replace("-", "") not in vocabulary)
            out = (out if keep else out[:-1]) + line
        else:
            out = f"{out} {line}"
    return fold_spaces(out)
