"""The auto-reload watcher sees what the loader reads, and nothing else."""

from __future__ import annotations

import errno
import os

import pytest

from bot import watch
from bot.documents.loader import scan_knowledge
from bot.errors import KnowledgeDirError
from bot.watch import KnowledgeWatcher, snapshot

TEXT = "Title\n\nReal text about the topic, long enough to stand as a paragraph.\n"


def _touch(path, text: str) -> None:
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # a change even on a coarse clock


def test_a_file_in_a_linked_folder_is_watched_and_an_excluded_one_is_not(tmp_path):
    kb, shared = tmp_path / "kb", tmp_path / "shared"
    kb.mkdir()
    shared.mkdir()
    (kb / "a.txt").write_text(TEXT)
    (shared / "b.md").write_text("# B\n\nShared text.\n")
    (kb / "shared").symlink_to(shared, target_is_directory=True)  # the loader reads shared/b.md
    (kb / "kb.toml").write_text('exclude = ["drafts/"]\n')
    (kb / "drafts").mkdir()
    (kb / "drafts" / "d.md").write_text("# D\n\nDraft.\n")
    assert {"a.txt", "shared/b.md", "kb.toml"} <= set(snapshot(kb)) and "drafts/d.md" not in snapshot(kb)
    watcher = KnowledgeWatcher(kb)
    _touch(kb / "drafts" / "d.md", "# D\n\nAnother draft.\n")
    assert not watcher.poll(settle=False)
    _touch(shared / "b.md", "# B\n\nShared text, edited.\n")
    assert watcher.poll(settle=False)


def test_a_missing_or_empty_folder_is_an_empty_snapshot(tmp_path):
    assert snapshot(tmp_path / "nowhere") == {}
    assert snapshot(tmp_path) == {}


def test_a_folder_that_cannot_be_looked_up_is_an_empty_snapshot(tmp_path, monkeypatch):
    """Under a parent that can be listed but not entered, Path.exists() of the knowledge folder
    raises PermissionError on Python 3.11 (simulated: the tests run as root), which escaped
    the watcher's poll."""
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "a.txt").write_text(TEXT)
    stat = os.stat

    def denied(path, *args, **kwargs):
        if os.fspath(path).startswith(str(kb)):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", denied)
    with pytest.raises(KnowledgeDirError):  # the scan's own check says so, not an OSError
        scan_knowledge(kb, quiet=True, compare=False)
    assert snapshot(kb) == {}


def test_a_file_system_error_the_scan_does_not_catch_is_an_empty_snapshot(tmp_path, monkeypatch):
    """A raise from the watcher's poll would fail every console line typed after it."""

    def failing(*args, **kwargs):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(watch, "scan_knowledge", failing)
    assert snapshot(tmp_path) == {}
