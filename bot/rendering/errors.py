"""The texts of the errors the bot reports to a person: BotError and its kin (KnowledgeError,
ConfigError, IndexFormatError, StoreError, ReaderTimeout), the reasons a file is skipped and
the notes a reader leaves, all of which reach an admin in a reload report, at startup or on
the command line.

A leaf module: it imports nothing from `bot`, only the standard library, so the core
(loader, readers, store, service, config) imports it without a cycle and without pulling
in Discord or the rest of rendering. Callers pass plain values (paths, numbers, the
exception they caught) and raise the error with the text returned here.

The line: what a user or admin can cause (a missing folder, a bad file, a bad setting, a
locked database) is worded here; an error that only a bug can cause (RuntimeError "used
before open()", TypeError, a ValueError about array shapes, an assertion) is a diagnostic
for developers and stays beside the code that raises it, as do log messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

# --- the knowledge folder: startup, /reload, `python -m bot index` -------------------------


# Where the folder is set: a relative one depends on where the command was started.
_POINT_AT_FOLDER = "set KNOWLEDGE_DIR (or pass --knowledge DIR) to the folder of your documents"


def knowledge_dir_missing(root: Path) -> str:
    return f"knowledge directory {root} does not exist: create it and add documents, or {_POINT_AT_FOLDER}"


def knowledge_dir_not_a_dir(root: Path) -> str:
    return f"knowledge directory {root} is not a directory: {_POINT_AT_FOLDER}"


def knowledge_dir_unlistable(root: Path, why: object) -> str:
    return f"cannot list knowledge directory {root}: {why}"


def knowledge_dir_empty(root: Path, supported: str) -> str:
    return f"knowledge directory {root} has no documents ({supported}): add documents and reload"


REASONS_SHOWN = 10  # a folder of 3,000 images is not one 3,000-reason line


def no_usable_documents(root: Path, skipped: Sequence[tuple[str, str]]) -> str:
    """Every file was skipped: the first reasons, as (path, reason) pairs."""
    reasons = "; ".join(f"{path}: {reason}" for path, reason in skipped[:REASONS_SHOWN])
    if len(skipped) > REASONS_SHOWN:
        reasons += f"; and {len(skipped) - REASONS_SHOWN} more skipped"
    return f"no usable documents in knowledge directory {root} ({reasons})"


# --- why one file or folder is skipped: a line of the reload report ------------------------
# Each completes "skipped PATH: ...", so they start in lower case; PATH is the file itself
# (a reason names a file only when it is another one, or when it stands alone).


def folder_unlistable(why: object) -> str:
    return f"cannot list the folder: {why}"


NAME_NOT_UTF8 = "its name is not valid UTF-8: rename it"
LINK_TO_NOTHING = "it is a link to a file that does not exist"
NOT_A_REGULAR_FILE = "it is not a regular file"
LINK_TO_SYSTEM_FOLDER = "it links to a system folder, which is never read"
LINK_TO_HIDDEN_FOLDER = "it links to a hidden folder, and hidden folders are never read"
LINK_TO_KNOWLEDGE_FOLDER = "it links to the knowledge folder itself, which is read already"
LINK_TO_HIDDEN_FILE = "it links to a hidden file, and hidden files are never read"
LINK_OUTSIDE = "it links to a file outside the knowledge folder: copy the file in instead"


def link_to_folder_read(name: str) -> str:
    """A folder link to a folder read under another name (`name`, without its slash)."""
    return f"it links to the folder {name}/, which is read under that name"


def same_file_as(first: str) -> str:
    return f"it is the same file as {first}, which is read under that name"


def same_content_as(first: str) -> str:
    return f"it has the same content as {first}, which is read"


def unsupported_type(supported: str) -> str:
    return f"unsupported type; supported: {supported}"


def cannot_read_file(name: str, why: object) -> str:
    return f"cannot read {name}: {why}"


def too_big(size_bytes: int, max_file_mb: float) -> str:
    return f"{size_bytes / 1e6:.1f} MB is over the limit of MAX_FILE_MB={max_file_mb:g}"


def grew_past_limit(max_file_mb: float) -> str:
    return f"it grew past the limit of MAX_FILE_MB={max_file_mb:g} while it was read"


NO_TEXT_LEFT = "no text left after reading"
NO_TEXT_BUT_CODE = (
    "it holds only code, and code is found through the text that leads to it (a notebook of code "
    "cells only, a source listing): add a sentence saying what the code does"
)
NO_READER_YET = "no reader for this file type yet"  # an upload not read, and no skip reason says why
SENTENCES_TIMED_OUT = "sentence splitting timed out (the text is not prose)"
NESTED_TOO_DEEPLY = "the file is nested too deeply to read"


def reader_failed(exc: BaseException) -> str:
    """A reader's bug: only the exception's type (its text may be a traceback's worth)."""
    return f"could not be read ({type(exc).__name__})"


READING_TOO_LONG = "reading it took too long, so it was abandoned"


def reading_took_longer(seconds: float) -> str:
    return f"reading it took longer than {seconds:g} s, so it was abandoned"


# Bytes that are not usable text (.md, .rst, .txt, HTML).
FILE_EMPTY = "the file is empty"
FILE_BINARY = "the file looks binary, not text"
UTF16_WITHOUT_BOM = "it looks like UTF-16 without a byte order mark"  # also an upload's detail
UTF16_NOT_UTF8 = f"the file is not UTF-8 text ({UTF16_WITHOUT_BOM}): save it as UTF-8"


def not_utf8(offset: int) -> str:
    return f"the file is not UTF-8 text (bad byte at offset {offset}): save it as UTF-8"


def bad_unicode(encoding: str) -> str:
    """A UTF-16/32 byte order mark, then bytes that are not in that encoding."""
    return f"the file starts like {encoding.upper()} text but is not"


def page_not_in_charset(declared: str) -> str:
    return f"the page is neither UTF-8 nor the {declared} it declares"


# The detail of an upload refused as not UTF-8 before it is saved (/kb add).


def upload_bad_unicode(encoding: str) -> str:
    return f"it starts like {encoding.upper()} but is not"


def upload_bad_byte(offset: int) -> str:
    return f"bad byte at offset {offset}"


def paragraph_too_long(chars: int) -> str:
    return (
        f"one paragraph of {chars / 1e6:.1f} million characters is too long "
        "to be prose: separate its paragraphs with blank lines"
    )


# Markdown.
MARKDOWN_TOO_DEEP = "lists or quotes inside each other, about ten levels deep"
MARKDOWN_NO_TEXT = "it has no readable text (only markup, images or front matter)"
MARKDOWN_NESTED_TOO_DEEPLY = f"its text is nested too deeply to read ({MARKDOWN_TOO_DEEP})"


def markdown_table_too_big(cells: int) -> str:
    return (
        f"its tables are too big to read (over {cells:,} cells, counting the empty ones "
        "a row shorter than its table's header is filled with): it would take too long to read"
    )


# Jupyter notebooks.
NOTEBOOK_NOT_JSON = "it is not a Jupyter notebook (not valid JSON)"
NOTEBOOK_NO_CELLS = "it is not a Jupyter notebook (no cells)"
NOTEBOOK_NO_TEXT = "the notebook has no text: no Markdown or code cells with anything in them"


# reStructuredText.
RST_TOO_DEEP = "its markup is nested too deeply to read"
RST_ONLY_INCLUDES = (
    "it has no text of its own: it only includes other files, and includes are not followed (add those files instead)"
)
RST_NO_TEXT = "it has no readable text (only markup, directives or comments)"


# AsciiDoc.
ASCIIDOC_NO_TEXT = "it has no readable text (only a header, attributes, comments or includes)"
NOTE_ASCIIDOC_TOO_DEEP = "read blocks nested more than 8 deep as plain text"


def note_asciidoc_include(target: str, line: int, times: int = 1) -> str:
    where = f"at line {line}" if times == 1 else f"{times:,} times, first at line {line}"
    return (
        f"left out include::{target}[] {where} (not in the knowledge folder, too big, "
        "included too deeply, or past the page's share of other files)"
    )


NOTE_ASCIIDOC_ATTRIBUTES_TOO_BIG = (
    "some {attribute} references were left as written: their values would have grown the page past 2,000,000 characters"
)


def rst_markup_too_dense(markup: int, chars: int) -> str:
    return (
        f"its inline markup is too dense to be prose (over {markup:,} links, emphases and roles "
        f"in {chars / 1000:,.0f} kB of text): it would take too long to read"
    )


def rst_unparsable(exc: BaseException) -> str:
    return f"reStructuredText could not be parsed ({type(exc).__name__}: {exc})"


# HTML.
HTML_NESTING = "elements inside each other, more than 150 levels deep"  # html._MAX_DEPTH
HTML_TOO_DEEP = f"the HTML is nested too deeply to read ({HTML_NESTING})"


def html_unparsable(exc: BaseException) -> str:
    return f"the HTML cannot be parsed ({exc})"


# PDF.
PDF_NO_PAGE_TEXT = "no text could be extracted from the PDF's pages"
PDF_NO_TEXT = "the PDF has no extractable text (scanned pages?)"
PDF_NO_HEADER = "the file is not a PDF (no %PDF header)"
PDF_PASSWORD = "the PDF is password-protected"
PDF_NEEDS_CRYPTOGRAPHY = "the PDF is encrypted with AES; install the 'cryptography' package to read it"


def pdf_damaged(exc: BaseException, with_type: bool = False) -> str:
    """`with_type` for an exception that is not pypdf's own (its type says more)."""
    detail = f"{type(exc).__name__}: {exc}" if with_type else f"{exc}"
    return f"the PDF is damaged or incomplete ({detail})"


# --- what a reader cut or dropped from a file it read: notes in the reload report ----------

NOTE_FIELD_LIST = "dropped the file-wide field list (page metadata)"
NOTE_CONTENTS = "dropped a table of contents"
NOTE_MARKDOWN_TOO_DEEP = f"left out text nested too deeply ({MARKDOWN_TOO_DEEP})"
NOTE_HTML_TOO_DEEP = f"left out text nested too deeply ({HTML_NESTING})"


# reStructuredText markup docutils gave up on, by the reader's kind of it.
_RST_SALVAGED = {
    "table": "a malformed table (its rows do not line up with its borders) is kept, read from its source lines",
    "directive": "a directive with an error is kept as plain text",
    "title": "a section title that cannot be placed is kept as a bold line, not a heading",
    "markup": "markup that cannot be read is kept as plain text",
}


def note_rst_salvaged(kind: str, line: int | None, detail: str, more: int) -> str:
    """The first of a file's pieces of one kind, what docutils said of it, how many more."""
    where = f"line {line}: " if line else ""
    said = f" (docutils: {detail})" if detail else ""
    others = f"; {more} more like it in the file" if more else ""
    return f"{where}{_RST_SALVAGED[kind]}{said}{others}"


def note_read_as_plain_text(reason: str) -> str:
    """A .txt file that looked like reStructuredText, read as plain text instead."""
    return f"read as plain text: it looks like reStructuredText, but {reason}"


def rst_txt_too_big(limit: int) -> str:
    return f"it is over {limit / 1_000_000:g} MB, too big to parse as such in time (name it .rst to read it so)"


def note_junk_cut(line: int, marker: str) -> str:
    return f"cut page junk from line {line} ({marker!r})"


def note_pdf_page(page: int) -> str:
    return f"page {page}: its text could not be extracted"


# --- kb.toml: a skipped-file line of the reload report; `name` is its path -----------------


def kb_toml_unreadable(name: str, exc: BaseException) -> str:
    return f"cannot read {name}: {exc}"


def kb_toml_not_toml(name: str, exc: BaseException) -> str:
    return f"{name} is not valid TOML ({exc})"


def kb_toml_unknown_key(name: str, key: str, known: Sequence[str]) -> str:
    return f"{name}: unknown setting {key!r} (known: {', '.join(known)})"


def kb_toml_bad_base_url(name: str) -> str:
    return f"{name}: base_url must be an http(s) URL"


def kb_toml_bad_url_style(name: str, styles: Sequence[str]) -> str:
    return f"{name}: url_style must be one of {', '.join(styles)}"


def kb_toml_bad_pattern(name: str, pattern: str, exc: BaseException) -> str:
    return f"{name}: exclude pattern {pattern!r} is not a valid gitignore pattern ({exc})"


def kb_toml_not_strings(name: str, key: str) -> str:
    return f"{name}: {key} must be a list of strings"


# --- the service: the reply to /reload, `python -m bot index` ------------------------------


def reload_failed(exc: BaseException) -> str:
    return f"reload failed ({type(exc).__name__}: {exc}); the previous knowledge base is still in use"


def index_read_only(folder: Path) -> str:
    return f"cannot save the index: {folder} is read-only"


# --- a saved index that cannot be used: logged at startup, then rebuilt --------------------


def index_array_damaged(folder: Path, name: str) -> str:
    return f"saved index in {folder} is damaged ({name}.npy does not match its checksum)"


def index_array_inconsistent(folder: Path, name: str) -> str:
    return f"saved index in {folder} is damaged ({name}.npy is inconsistent)"


def index_vocabulary_damaged(folder: Path) -> str:
    return f"saved index in {folder} is damaged (vocabulary.txt does not match its checksum)"


def index_unreadable(folder: Path, exc: BaseException, hint: bool = False) -> str:
    """`hint`: the index itself (not its passages) is unreadable; say how to start over."""
    advice = ": delete the folder or run `python -m bot index` again" if hint else ""
    return f"saved index in {folder} is unreadable ({exc}){advice}"


def index_inconsistent(folder: Path) -> str:
    return f"saved index in {folder} is inconsistent (passages and index differ)"


# --- the database (votes, gaps, taught answers): replies to /gaps, /kb, votes --------------


def db_unavailable(problem: str | None) -> str:
    return f"the database is unavailable ({problem})"


def db_unwritable(exc: BaseException) -> str:
    return f"the database could not be written ({exc})"


def db_unreadable(exc: BaseException) -> str:
    return f"the database could not be read ({exc})"


def db_problem(exc: BaseException) -> str:
    """Why the database cannot be opened, kept until it is tried again."""
    return f"{type(exc).__name__}: {exc}"


def db_integrity_failed(check: str) -> str:
    return f"integrity check failed: {check}"


def db_schema_newer(version: int, supported: int) -> str:
    return f"database schema {version} is newer than this program ({supported})"


# --- configuration (.env and the environment): at startup, before anything runs ------------

SHARD_IDS_WITHOUT_COUNT = "SHARD_IDS is set but SHARD_COUNT is not: set both, e.g. SHARD_COUNT=4 SHARD_IDS=0,1"


def shard_id_too_big(shard_id: int, count: int) -> str:
    return f"SHARD_IDS has {shard_id}, but shard ids must be below SHARD_COUNT={count}"


def bad_semantic_model(models: Sequence[str], raw: str) -> str:
    return f"SEMANTIC_MODEL must be one of {', '.join(models)}, got {raw!r}"


def bad_threshold(raw: str) -> str:
    return f"ANSWER_THRESHOLD must be a number from 0 to 1 (or empty), got {raw!r}"


def not_whole_number(key: str, raw: str) -> str:
    return f"{key} must be a whole number, got {raw!r}"


def below_minimum(key: str, minimum: int, value: int) -> str:
    return f"{key} must be at least {minimum}, got {value}"


def above_maximum(key: str, maximum: int, value: int) -> str:
    return f"{key} must be at most {maximum}, got {value}"


def not_a_number(key: str, raw: str) -> str:
    return f"{key} must be a number, got {raw!r}"


def not_finite_at_least(key: str, minimum: float, raw: str) -> str:
    return f"{key} must be a finite number of at least {minimum}, got {raw!r}"


def not_a_bool(key: str, raw: str) -> str:
    return f"{key} must be true or false, got {raw!r}"


def not_ids(key: str, part: str) -> str:
    return f"{key} must be a comma-separated list of numeric IDs, got {part!r}"


def not_a_choice(key: str, choices: Sequence[str], raw: str) -> str:
    return f"{key} must be one of {', '.join(choices)}, got {raw!r}"


def bad_url_scheme(key: str, schemes: Sequence[str], raw: str) -> str:
    return f"{key} must start with {' or '.join(schemes)}, got {raw!r}"


# --- `python -m bot eval`: the question file -----------------------------------------------


def question_file_unreadable(path: Path, exc: BaseException) -> str:
    return f"cannot read question file {path}: {exc}"


def not_a_question_entry(path: Path, line: int, exc: BaseException) -> str:
    return f"{path}:{line}: not a question entry ({exc})"


def question_field_not_text(path: Path, line: int, key: str, optional: bool) -> str:
    what = "text (or null)" if optional else "text"
    return f'{path}:{line}: not a question entry ("{key}" must be {what})'


def question_entry_not_an_object(path: Path, line: int, kind: str) -> str:
    return f'{path}:{line}: not a question entry (a JSON object with "q" is expected, got a {kind})'


def no_questions(path: Path) -> str:
    return f"question file {path} has no questions"
