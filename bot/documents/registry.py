"""Which reader reads which file type. Adding a format (say .docx) is one new reader module
and one line here; readers never import each other."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType

from .model import DocTree, ReadOptions

ReadFn = Callable[[str, bytes, ReadOptions], DocTree]

# suffix -> reader module (imported on first use). Each module has
# `read(path: str, data: bytes, options: ReadOptions) -> DocTree`, raising KnowledgeError
# with a reason a person can act on when the file cannot be used.
_READERS: dict[str, str] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdx": "markdown",  # Docusaurus' Markdown with components: read as Markdown (see _markdown_source)
    ".rst": "rst",
    ".txt": "text",
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
    name = _READERS.get(suffix.lower())
    if name is None:
        return None
    module: ModuleType = importlib.import_module(f"{__package__}.readers.{name}")
    return module.read
