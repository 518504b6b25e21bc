"""Notice when files under the knowledge directory change (polling; no new dependency)."""

from __future__ import annotations

import logging
from pathlib import Path

from .documents.loader import scan_knowledge
from .errors import KnowledgeError

log = logging.getLogger(__name__)

Snapshot = dict[str, tuple[int, int]]


def snapshot(root: Path) -> Snapshot:
    """Path -> (size, mtime_ns) of everything a build looks at: the loader's own scan, so
    linked folders are watched and excluded or hidden files are not. A missing or empty
    directory is an empty snapshot, and so is one that cannot be looked up."""
    try:
        scan = scan_knowledge(Path(root), quiet=True, compare=False)
    except KnowledgeError:  # missing, empty, or not to be entered or listed: the scan says which
        return {}
    except OSError:  # one the scan does not catch (EIO, say): raised, it would fail every console line
        return {}
    return dict(scan.entries())


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
