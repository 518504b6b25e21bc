"""Which reader reads which file type. Adding a format (say .docx) is one new reader module
and one line here; readers never import each other.

A .txt file may be reStructuredText (Django's docs, older Sphinx projects, the older PEPs):
its content decides (rstsniff), and the RST reader reads it; should docutils give up on it,
the plain-text reader reads it instead, with a note saying why, rather than skipping it.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
from collections.abc import Callable
from types import ModuleType

from ..errors import KnowledgeError, NoTextError, ReaderTimeout
from ..rendering import errors as wording
from .model import DocTree, ReadOptions
from .rstsniff import looks_like_rst

log = logging.getLogger(__name__)

RST_TXT_MAX_BYTES = 2_000_000  # a bigger .txt is read as text whatever it holds (rename it .rst)

ReadFn = Callable[[str, bytes, ReadOptions], DocTree]

# suffix -> reader module (imported on first use). Each module has
# `read(path: str, data: bytes, options: ReadOptions) -> DocTree`, raising KnowledgeError
# with a reason a person can act on when the file cannot be used.
_READERS: dict[str, str] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdx": "markdown",  # Docusaurus' Markdown with components: read as Markdown (see _markdown_source)
    ".rst": "rst",
    ".txt": "text",  # or "rst", by its content: _text_or_rst
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".ipynb": "notebook",
    ".adoc": "asciidoc",
    ".asciidoc": "asciidoc",
}

SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(_READERS)


def supported_list() -> str:
    """For messages: ".md .markdown .mdx .rst .txt .html .htm .pdf .ipynb .adoc .asciidoc"."""
    return " ".join(SUPPORTED_SUFFIXES)


def reader_for(suffix: str) -> ReadFn | None:
    """The read function for a file suffix ("." included, any case), or None."""
    suffix = suffix.lower()
    if suffix == ".txt":
        return _text_or_rst
    name = _READERS.get(suffix)
    return None if name is None else _module(name).read


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{__package__}.readers.{name}")


def _text_or_rst(path: str, data: bytes, options: ReadOptions) -> DocTree:
    """A .txt file read as reStructuredText when it is that, else as plain text."""
    text = _module("text").read
    if not looks_like_rst(data):
        return text(path, data, options)
    if len(data) > RST_TXT_MAX_BYTES:
        # docutils takes ~4 s and ~150x the file's size in memory per MB, the text reader
        # 0.2 s: a big .txt would time out as RST, where as text it reads. A .rst name says so.
        tree = text(path, data, options)
        note = wording.note_read_as_plain_text(wording.rst_txt_too_big(RST_TXT_MAX_BYTES))
        return dataclasses.replace(tree, notes=(note, *tree.notes))
    try:
        return _module("rst").read(path, data, options)
    except ReaderTimeout:
        raise  # the file's time is spent: reading it again would double the wait
    except NoTextError:
        raise  # read, and only markup (a toctree): skipped, as the same file named .rst is
    except KnowledgeError as exc:
        log.info("%s: not read as reStructuredText: %s", path, exc)
        tree = text(path, data, options)
        note = wording.note_read_as_plain_text(str(exc))
        return dataclasses.replace(tree, notes=(note, *tree.notes))
