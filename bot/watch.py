"""Notice when files under the knowledge directory change (polling; no new dependency)."""

from __future__ import annotations

import logging
from pathlib import Path

from .documents.kbtoml import KB_TOML
from .documents.registry import SUPPORTED_SUFFIXES

log = logging.getLogger(__name__)

Snapshot = dict[str, tuple[int, int]]


def snapshot(root: Path) -> Snapshot:
    """Path -> (mtime_ns, size) of every knowledge file under `root` (hidden ones skipped,
    as the loader skips them). A missing directory is an empty snapshot."""
    out: Snapshot = {}
    root = Path(root)
    if not root.is_dir():
        return out
    for p in root.rglob("*"):
        try:
            rel = p.relative_to(root)
            if any(part.startswith(".") for part in rel.parts) or (
                p.suffix.lower() not in SUPPORTED_SUFFIXES and p.name != KB_TOML
            ):
                continue
            st = p.stat()
        except OSError:
            continue  # deleted while we looked
        if p.is_file():
            out[rel.as_posix()] = (st.st_mtime_ns, st.st_size)
    return out


class KnowledgeWatcher:
    """Reports a change once the files have stopped changing.

    `poll()` is cheap (a stat per file; run it off the event loop for big directories).
    With `settle=True` a change is reported only when two consecutive polls agree, so a
    reload never reads a file an editor is still writing.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._applied = snapshot(self.root)
        self._pending: Snapshot | None = None

    def poll(self, settle: bool = True) -> bool:
        now = snapshot(self.root)
        if now == self._applied:
            self._pending = None
            return False
        if settle and now != self._pending:
            self._pending = now
            return False
        self._applied = now
        self._pending = None
        return True
