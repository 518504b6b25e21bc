"""Checks for a document an admin uploads: a safe file name, a supported type, checked by
content rather than by name, and a size limit. Pure functions over the name and bytes."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

from .documents.decode import decode_page, text_encoding, utf16_without_bom
from .documents.registry import SUPPORTED_SUFFIXES
from .errors import KnowledgeError
from .outcomes import (
    BAD_NAME,
    BINARY,
    EMPTY,
    NOT_PDF,
    NOT_UTF8,
    RESERVED_NAME,
    TOO_BIG,
    UNSUPPORTED_TYPE,
)
from .rendering import errors as wording

UPLOADS_DIR = "uploads"
_PAGE_SUFFIXES = (".html", ".htm")  # may declare a charset other than UTF-8
NAME_MAX = 120
# Windows device names: "CON.md" cannot be created (or read back) on Windows, whatever
# the extension; refuse them everywhere so a knowledge folder stays portable.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_ALLOWED = re.compile(r"^[\w\-. ()+,]+$")
# Magic numbers of common binary formats that are sometimes renamed to .txt or .md.
_BINARY_MAGIC = (
    b"%PDF-",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"7z\xbc\xaf",
    b"Rar!",
    b"\x7fELF",
    b"MZ",
    b"\xd0\xcf\x11\xe0",
    b"RIFF",
    b"OggS",
    b"ID3",
    b"\x00\x00\x01\x00",
)


@dataclass(frozen=True, slots=True)
class UploadProblem:
    reason: str
    detail: str | None = None
    limit: int | None = None


def safe_name(name: str) -> str | UploadProblem:
    """The file name to save an upload as, or why the name is refused. Spaces become
    "-"; anything that could leave the uploads folder or clash with a device is refused."""
    raw = unicodedata.normalize("NFC", name or "").strip()
    if not raw or "/" in raw or "\\" in raw or "\x00" in raw or raw in (".", "..") or ".." in raw:
        return UploadProblem(BAD_NAME, raw[:NAME_MAX])
    if raw.startswith(".") or not _ALLOWED.match(raw) or len(raw) > NAME_MAX:
        return UploadProblem(BAD_NAME, raw[:NAME_MAX])
    clean = re.sub(r"\s+", "-", raw).strip("-. ")
    stem = PurePosixPath(clean).stem
    if not stem or not clean:
        return UploadProblem(BAD_NAME, raw[:NAME_MAX])
    if stem.split(".")[0].casefold() in _RESERVED:
        return UploadProblem(RESERVED_NAME, raw[:NAME_MAX])
    if PurePosixPath(clean).suffix.lower() not in SUPPORTED_SUFFIXES:
        return UploadProblem(UNSUPPORTED_TYPE, PurePosixPath(clean).suffix or raw[:NAME_MAX])
    return clean


def check_content(name: str, data: bytes, max_bytes: int) -> UploadProblem | None:
    """Why these bytes are not a usable file of the type its name says, or None."""
    if len(data) > max_bytes:
        return UploadProblem(TOO_BIG, limit=max_bytes)
    if not data.strip():
        return UploadProblem(EMPTY)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".pdf":
        # The PDF header may follow a little junk, but must come within the first kilobyte.
        return None if b"%PDF-" in data[:1024] else UploadProblem(NOT_PDF)
    encoding = text_encoding(data)
    if encoding != "utf-8-sig":  # UTF-16/32 with a byte order mark: NUL bytes are normal
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            return UploadProblem(NOT_UTF8, wording.upload_bad_unicode(encoding))
        return None
    head = data[:8192]
    if b"\x00" in head and utf16_without_bom(data):
        return UploadProblem(NOT_UTF8, wording.UTF16_WITHOUT_BOM)
    if b"\x00" in head or _mostly_control(head):
        return UploadProblem(BINARY)
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Magic numbers count only here: "MZ", "ID3" or "GIF8" also begin lines of text.
        if any(data.startswith(m) for m in _BINARY_MAGIC):
            return UploadProblem(BINARY)
        if suffix in _PAGE_SUFFIXES and _declared_charset_reads(data):
            return None  # a web page saved in the charset it declares: the reader takes it
        return UploadProblem(NOT_UTF8, wording.upload_bad_byte(exc.start))
    return None


def _declared_charset_reads(data: bytes) -> bool:
    try:
        decode_page(data)
    except KnowledgeError:
        return False
    return True


def _mostly_control(head: bytes) -> bool:
    # ESC starts the colour codes of pasted terminal output, which the readers drop.
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > max(8, len(head) // 100)
