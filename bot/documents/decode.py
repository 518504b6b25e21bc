"""Bytes of a text-based file to str, with the reason when they are not text."""

from __future__ import annotations

import codecs
import re

from ..errors import KnowledgeError
from ..rendering import errors as wording
from ..text import clean_invisible

# Windows editors save "Unicode" text as UTF-16 with a byte order mark: the mark says
# reliably how to read it (UTF-32's marks first: they begin with UTF-16's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def text_encoding(data: bytes) -> str:
    """The encoding to read `data` with: the one its UTF-16/32 byte order mark names, else
    UTF-8 (with or without its BOM)."""
    return next((enc for bom, enc in _BOMS if data.startswith(bom)), "utf-8-sig")


def decode_text(data: bytes) -> str:
    """UTF-8 text, or UTF-16/32 text with a byte order mark (BOM dropped, line ends as
    "\\n", invisible characters removed); KnowledgeError says why bytes are not usable text."""
    encoding = text_encoding(data)
    utf8 = encoding == "utf-8-sig"
    # isspace(), not strip(): a 100 MB file is not copied to learn that it has text.
    if utf8 and (not data or data.isspace()):
        raise KnowledgeError(wording.FILE_EMPTY)
    if utf8 and b"\x00" in data[:8192]:
        if utf16_without_bom(data):
            raise KnowledgeError(wording.UTF16_NOT_UTF8)
        raise KnowledgeError(wording.FILE_BINARY)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if utf8:
            raise KnowledgeError(wording.not_utf8(exc.start)) from None
        raise KnowledgeError(wording.bad_unicode(encoding)) from None
    if not text or text.isspace():
        raise KnowledgeError(wording.FILE_EMPTY)
    if "\x00" in text[:8192]:
        raise KnowledgeError(wording.FILE_BINARY)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not utf8 or _has_controls(data):
        text = drop_controls(text)
    return clean_invisible(text)


def utf16_without_bom(data: bytes) -> bool:
    """Whether `data` reads like UTF-16 text saved without its byte order mark: a NUL as
    every other byte (the high half of ASCII characters), the bytes between them text."""
    head = data[:1024]
    for zeros, chars in ((head[1::2], head[0::2]), (head[0::2], head[1::2])):  # LE, BE
        if len(zeros) >= 8 and zeros.count(0) >= 0.9 * len(zeros) and chars.count(0) == 0:
            return True
    return False


# Control characters but tab and line ends: a terminal runs them (colour, window title,
# clear screen: pasted command output has them) and Discord shows them as garbage.
_C0_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Escape sequences go whole (CSI "ESC [ 31 m", OSC "ESC ] 0;title BEL"), else the ESC and the
# character after it; bounded, so no pattern runs away.
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]{0,32}[ -/]{0,4}[@-~]|\][^\x07\x1b\n]{0,512}(?:\x07|\x1b\\)|[ -~]?)")
_SCAN_BYTES = 1 << 20


def _has_controls(data: bytes) -> bool:
    """Whether UTF-8 `data` holds a control character; a byte below 0x20 is always one,
    so a megabyte at a time is checked without decoding (a huge file is not copied)."""
    for start in range(0, len(data), _SCAN_BYTES):
        piece = data[start : start + _SCAN_BYTES]
        if len(piece.translate(None, _C0_BYTES)) != len(piece):
            return True
    return not data.isascii() and _C1_UTF8.search(data) is not None


def drop_controls(text: str) -> str:
    """`text` without terminal escape sequences and control characters (tab and newline
    kept; a vertical tab or form feed becomes a space), and a lone surrogate (a PDF's or a
    directive's code point that UTF-8 cannot encode, so no index could be saved) as U+FFFD."""
    if _CONTROL.search(text) is None:
        return text
    text = _ESCAPE.sub("", text).replace("\x0b", " ").replace("\x0c", " ")
    return _CONTROL.sub(_replacement, text)


def _replacement(m: re.Match[str]) -> str:
    return "\ufffd" if m.group() >= "\ud800" else ""


_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)


def decode_page(data: bytes) -> str:
    """An HTML page's text: UTF-8, or the charset the page declares (<meta charset>,
    http-equiv) when it is not (a page saved from the web keeps its bytes)."""
    try:
        return decode_text(data)
    except KnowledgeError:
        m = _META_CHARSET.search(data[:4096])
        if m is None:
            raise
        try:
            name = codecs.lookup(m.group(1).decode("ascii")).name
            # A <meta> is only readable in ASCII-like bytes: browsers never take UTF-16/32 or
            # UTF-7 from one, and decoding such a page as UTF-16 makes CJK garbage of it.
            if name.startswith(("utf-16", "utf-32", "utf-7")):
                raise LookupError(name)
            if name in ("iso8859-1", "ascii"):
                # Browsers read these as Windows-1252 (WHATWG Encoding), and such pages hold its
                # curly quotes (0x92): as Latin-1 they were C1 controls, dropped ("Dont").
                text = _windows_1252(data)
            else:
                text = data.decode(name)
        except (LookupError, UnicodeDecodeError):
            raise KnowledgeError(wording.page_not_in_charset(m.group(1).decode("ascii", "replace"))) from None
        return decode_text(text.encode("utf-8"))


def _cp1252_char(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)  # unassigned: the C1 code point, as browsers give it


# Windows-1252 as browsers decode it: Latin-1 but 0x80-0x9F, its five unassigned bytes kept.
_WINDOWS_1252 = str.maketrans({b: _cp1252_char(b) for b in range(0x80, 0xA0)})


def _windows_1252(data: bytes) -> str:
    return data.decode("latin-1").translate(_WINDOWS_1252)
