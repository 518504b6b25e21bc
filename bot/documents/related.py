"""Files a document reads besides itself (Sphinx's `.. literalinclude::`), and the record of
them that keeps a saved index honest.

A document may show another file's text, so its passages depend on that file: the loader
hands the reader a `RelatedFiles` for the document, which opens a file only when the scan of
the knowledge folder lists it (so everything the scan refuses stays unread: hidden files,
excluded ones, links out of the folder or to the system, a path climbing out with "..") and
it is at most MAX_BYTES (MAX_TOTAL_BYTES for all a page shows), and records every name asked for with the signature the scan gave
it (None when it was not there). The document keeps that record (Document.depends); a build
reuses the document only while every file in it still has that signature, and since each of
those files is in the scan, its change also changes the saved index's key.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Mapping
from pathlib import Path

from ..errors import KnowledgeError
from .decode import decode_text

log = logging.getLogger(__name__)

Signature = tuple[int, int]  # (size, mtime_ns), as the scan gives it
Depends = tuple[tuple[str, Signature | None], ...]

# An included example is a page's code block, never split: a bigger file is no example.
MAX_BYTES = 256_000
# And a page shows at most this much of other files, however often it includes them (a
# hostile page of 600,000 includes of one big file would otherwise hold 150 GB).
MAX_TOTAL_BYTES = 2_000_000


class RelatedFiles:
    """Opens the files one document names, by the path written in it: relative to the
    document's folder, or, starting with "/", to the knowledge folder (Sphinx's source
    folder)."""

    def __init__(self, root: Path, rel: str, listed: Mapping[str, Signature]) -> None:
        self._root = root
        self._folder = posixpath.dirname(rel)
        self._listed = listed
        self._asked: dict[str, Signature | None] = {}
        self._left = MAX_TOTAL_BYTES

    def resolve(self, written: str) -> str | None:
        """The knowledge-folder path `written` names, None when it leaves the folder."""
        written = written.strip().replace("\\", "/")
        if not written or "\x00" in written:
            return None
        joined = written.lstrip("/") if written.startswith("/") else posixpath.join(self._folder, written)
        path = posixpath.normpath(joined)
        if path in (".", "..") or path.startswith("../") or path.startswith("/"):
            return None
        return path

    def text(self, written: str) -> str | None:
        """The text of the file `written` names, None when it is not listed, too big, not
        text or unreadable (the reader then shows nothing of it)."""
        path = self.resolve(written)
        if path is None:
            return None
        sig = self._listed.get(path)
        self._asked[path] = sig
        if sig is None or sig[0] > min(MAX_BYTES, self._left):
            return None
        try:
            with (self._root / path).open("rb") as fh:
                data = fh.read(MAX_BYTES + 1)
            if len(data) > min(MAX_BYTES, self._left):
                return None
            self._left -= len(data)
            return decode_text(data)
        except (OSError, KnowledgeError) as exc:
            log.debug("%s: not read (%s)", path, exc)
            return None

    def depends(self) -> Depends:
        """Every file asked for, with the signature it had in the scan (None: not listed)."""
        return tuple(sorted(self._asked.items()))


def still_current(depends: Depends, listed: Mapping[str, Signature]) -> bool:
    """Whether every file a document read (or looked for) is as it was then."""
    return all(listed.get(path) == sig for path, sig in depends)
