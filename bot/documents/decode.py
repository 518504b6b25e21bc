"""Bytes of a text-based file to str, with the reason when they are not text."""

from __future__ import annotations

from ..errors import KnowledgeError
from ..text import clean_invisible


def decode_text(data: bytes) -> str:
    """UTF-8 text (BOM dropped, line ends as "\\n", invisible characters removed);
    KnowledgeError says why bytes are not usable text."""
    if not data.strip():
        raise KnowledgeError("the file is empty")
    if b"\x00" in data[:8192]:
        raise KnowledgeError("the file looks binary, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KnowledgeError(f"the file is not UTF-8 text (bad byte at offset {exc.start})") from None
    return clean_invisible(text.replace("\r\n", "\n").replace("\r", "\n"))
