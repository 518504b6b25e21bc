"""Changing the knowledge folder as one step with its reload: a file is written (or
removed) and the knowledge base reloaded; when the file does not become a document or the
reload fails, the folder is put back exactly as it was (the previous file with its times,
or none, and no folder left behind) and with it the knowledge base. A knowledge directory
that is gone or no directory is not recreated: nothing is written, and the problem is said."""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from dataclasses import dataclass
from dataclasses import replace as replace_field
from pathlib import Path

from .builder import Built
from .documents.loader import check_knowledge_root
from .errors import FolderProblem, KnowledgeDirError, KnowledgeError, folder_problem
from .outcomes import (
    EXISTS,
    KNOWLEDGE_DIR_UNUSABLE,
    LEARNED_NOT_A_FOLDER,
    LEARNED_UNUSABLE,
    LOOKUP_FAILED,
    NOT_RESTORED,
    NOT_SAVED,
    RELOAD_FAILED,
    UNPARSEABLE,
    UPLOADS_UNREADABLE,
    Leftover,
    Reread,
    Stranded,
)
from .rendering import errors as wording
from .service import KnowledgeService, ReloadReport
from .teach import LEARNED_DIR
from .uploads import UPLOADS_DIR

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FileProblem:
    """Why a change of the knowledge folder was not made (it is as it was)."""

    reason: str  # a reason code of bot/outcomes.py
    detail: str | None = None
    folder: FolderProblem | None = None  # the knowledge directory itself is missing or unreadable
    stranded: Stranded | None = None  # NOT_RESTORED: the file is not as it was, and where it is
    leftover: Leftover | None = None  # the new file could not be deleted: a later reload reads it
    reread: Reread | None = None  # the folder was put back, but the reload that reads it again failed


@dataclass(frozen=True, slots=True)
class _Undone:
    """What undoing a failed write could not put back (nothing: the folder is as it was), or
    that reading the folder again failed."""

    stranded: Stranded | None = None
    leftover: Leftover | None = None
    reread: Reread | None = None

    def problem(self, reason: str, detail: str | None, folder: FolderProblem | None) -> FileProblem:
        """Why the change was not made: `reason`, and what its undoing left."""
        if self.stranded is not None:
            stranded = replace_field(self.stranded, failed=reason)
            return FileProblem(NOT_RESTORED, detail, folder, stranded, self.leftover)
        return FileProblem(reason, detail, folder, leftover=self.leftover, reread=self.reread)


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` (its folder must exist) so readers see the old file or the new
    one, never half. The temporary file is hidden (a dot name), so a reload running meanwhile
    skips it."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class KnowledgeFiles:
    """Writes and removes files of one knowledge directory, reloading the service."""

    def __init__(self, service: KnowledgeService) -> None:
        self.service = service

    def _has_document(self, rel: str) -> bool:
        return any(d.path == rel for d in self.service.knowledge.documents)

    def _skip_reason(self, rel: str) -> str | None:
        return next((s.reason for s in self.service.knowledge.skipped if s.path == rel), None)

    def _unusable_root(self) -> FileProblem | None:
        try:
            check_knowledge_root(self.service.knowledge_dir)
        except KnowledgeDirError as exc:
            return FileProblem(KNOWLEDGE_DIR_UNUSABLE, str(exc), exc.problem)
        return None

    def upload_names(self) -> list[str] | FileProblem:
        """The names in the uploads folder (none while it is not there: the first upload makes
        it), or why it cannot be listed: a file in its place, no permission, a disk error."""
        folder = self.service.knowledge_dir / UPLOADS_DIR
        try:
            names = [p.name for p in folder.iterdir()]
            _enter(folder)
            return names
        except FileNotFoundError:
            return self._unusable_root() or []  # no uploads folder yet: the first upload makes it
        except OSError as exc:
            log.warning("cannot list the uploads folder %s: %s", folder, exc)
            return self._unusable_root() or FileProblem(UPLOADS_UNREADABLE, exc.strerror or str(exc))

    def learned_folder(self) -> FileProblem | None:
        """Why no learned answer can be saved: something other than a folder (a file) is where
        knowledge/learned/ belongs, so making it would read "File exists", or the knowledge
        directory itself is gone. None: it is a folder, or not there yet (the first answer
        makes it)."""
        folder = self.service.knowledge_dir / LEARNED_DIR
        try:
            if not os.path.lexists(folder):
                return self._unusable_root()
            if folder.is_dir():
                _enter(folder)
                return None
        except OSError as exc:
            log.warning("cannot save learned answers in %s: %s", folder, exc)
            return self._unusable_root() or FileProblem(LEARNED_UNUSABLE, exc.strerror or str(exc))
        log.warning("cannot save learned answers: %s is not a folder", folder)
        return self._unusable_root() or FileProblem(LEARNED_NOT_A_FOLDER, LEARNED_DIR)

    def present(self, rel: str) -> bool | FileProblem:
        """Whether a file is at `rel` (in the knowledge directory), or why that cannot be told:
        Path.exists() raises on a disk error (EIO) or a folder on the way that cannot be entered."""
        try:
            return (self.service.knowledge_dir / rel).exists()
        except OSError as exc:
            log.warning("cannot look up %s in the knowledge directory: %s", rel, exc)
            return self._unusable_root() or FileProblem(LOOKUP_FAILED, exc.strerror or str(exc))

    def put(self, rel: str, data: bytes, replace: bool) -> ReloadReport | FileProblem:
        """Write a knowledge file (`rel`: at the top of the knowledge directory or one folder
        down, that folder made if missing) atomically and reload; if the file does not become a document or the
        reload fails, put the folder back as it was (the previous file, with its time, or
        none) and the knowledge base with it. Should the previous file not go back to its
        place, NOT_RESTORED says where it is kept; should the new file not be deleted, the
        problem's `leftover` says so; either way the knowledge base stays the one from
        before. The caller serialises changes."""
        # A knowledge directory that went away (deleted, unmounted) must not come back with
        # just this file in it: the reload would then swap the whole knowledge base for it.
        unusable = self._unusable_root()
        if unusable is not None:
            return unusable
        path = self.service.knowledge_dir / rel
        try:
            made_folder = not path.parent.exists()  # removed again on failure: "as it was"
            present = path.exists()
        except OSError as exc:  # a folder on the way cannot be entered: Python 3.11 raises
            return self._unusable_root() or FileProblem(NOT_SAVED, exc.strerror or str(exc))
        backup: Path | None = None
        if present:
            if not replace:
                return FileProblem(EXISTS, rel)
            backup = path.with_name(f".backup-{secrets.token_hex(4)}-{path.name}")
            try:
                os.replace(path, backup)  # keeps its mtime: restoring it restores the signature
            except OSError as exc:  # os.replace is atomic: the file is still in its place
                return self._unusable_root() or FileProblem(NOT_SAVED, exc.strerror or str(exc))
        previous = self.service.built
        try:
            path.parent.mkdir(exist_ok=True)  # not parents=True: never the knowledge directory itself
            write_atomically(path, data)
        except OSError as exc:
            why = exc.strerror or str(exc)
            undone = self._undo(path, backup, made_folder, f"writing it failed ({why})")
            unusable = self._unusable_root()  # the folder itself may have gone meanwhile
            if unusable is not None:
                return undone.problem(unusable.reason, unusable.detail, unusable.folder)
            return undone.problem(NOT_SAVED, why, None)
        try:
            report = self.service.reload()
        except KnowledgeError as exc:  # the service kept the old knowledge base
            undone = self._undo(path, backup, made_folder, f"the reload failed ({exc})")
            return undone.problem(RELOAD_FAILED, str(exc), folder_problem(exc))
        current = self.service.built  # what this reload made (restore swaps only that one back)
        if not self._has_document(rel):
            reason = self._skip_reason(rel) or wording.NO_READER_YET
            undone = self._undo(path, backup, made_folder, f"it is not a document ({reason})", (previous, current))
            return undone.problem(UNPARSEABLE, reason, None)
        if backup is not None:
            backup.unlink(missing_ok=True)
        return report

    @staticmethod
    def _drop_folder(folder: Path, made: bool) -> None:
        if made:
            try:
                folder.rmdir()
            except OSError:
                pass

    def _undo(
        self,
        path: Path,
        backup: Path | None,
        made_folder: bool,
        failure: str,
        swapped: tuple[Built, Built] | None = None,
    ) -> _Undone:
        """Put the folder back as it was after `failure` (and, with `swapped`, the knowledge
        base the reload replaced: (before, after)). The result says what could not be put
        back: the previous file, which stays set aside (the new file is then deleted, so that
        a later reload cannot read it in the old one's place), and the new file, which could
        not be deleted; in either case the knowledge base stays the one from before the
        change. With the folder put back, a failed reload of it is said too (Reread): the
        knowledge base from before is served meanwhile. An empty folder that cannot be
        removed is left: a reload finds nothing in it."""
        stranded: Stranded | None = None
        if backup is not None:
            try:
                os.replace(backup, path)
            except OSError as undo:  # its folder went at the same moment, a disk error
                what = f"writing {path}: {failure}, and putting its previous version back"
                stranded = _left_aside(path, backup, what, undo)
        leftover = self._delete_new(path, failure) if backup is None or stranded is not None else None
        if stranded is not None or leftover is not None:
            if swapped is not None:  # the reload went through, reading a folder that is not as it was
                self.service.restore(*swapped)
            return _Undone(stranded, leftover)
        self._drop_folder(path.parent, made_folder)
        if swapped is not None:
            try:
                self.service.reload()
            except KnowledgeError as exc:
                # The service kept the knowledge base that read the new file (without the
                # document it replaced): the one from before is what the folder holds again.
                log.error("could not reload after putting %s back as it was: %s", path, exc)
                self.service.restore(*swapped)
                return _Undone(reread=Reread(str(exc), folder_problem(exc)))
        return _Undone()

    @staticmethod
    def _delete_new(path: Path, failure: str) -> Leftover | None:
        """Delete the file a failed change wrote; a Leftover when it stays (logged)."""
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.error("could not delete the new %s after %s: a later reload reads it (%s)", path, failure, exc)
            return Leftover(path, exc.strerror or str(exc))
        return None

    def remove(self, rel: str) -> ReloadReport | FileProblem:
        """Delete a knowledge file and reload; a failed reload puts the file back (if that
        fails too, NOT_RESTORED says where the file is: the knowledge base is as it was)."""
        unusable = self._unusable_root()
        if unusable is not None:
            return unusable
        path = self.service.knowledge_dir / rel
        aside = path.with_name(f".removing-{secrets.token_hex(4)}-{path.name}")
        try:
            os.replace(path, aside)
        except OSError as exc:
            return self._unusable_root() or FileProblem(NOT_SAVED, exc.strerror or str(exc))
        try:
            report = self.service.reload()
        except KnowledgeError as exc:
            try:
                os.replace(aside, path)
            except OSError as undo:  # its folder went at the same moment, a disk error
                return self._stranded(path, aside, exc, undo)
            return FileProblem(RELOAD_FAILED, str(exc), folder_problem(exc))
        aside.unlink(missing_ok=True)
        return report

    @staticmethod
    def _stranded(path: Path, aside: Path, exc: KnowledgeError, undo: OSError) -> FileProblem:
        """The reload after setting `path` aside failed, and so did moving it back. The
        knowledge base is still the old one, but a later reload would drop the document."""
        what = f"the reload after removing {path} failed ({exc}), and putting the file back"
        return FileProblem(NOT_RESTORED, str(exc), folder_problem(exc), _left_aside(path, aside, what, undo))


def _enter(folder: Path) -> None:
    """OSError unless files in `folder` can be looked up: a folder that can be listed (r) may
    not be enterable (x), and Path.exists() of a file in it then raises on Python 3.11."""
    os.stat(os.path.join(folder, os.curdir))


def _left_aside(path: Path, copy: Path, what: str, undo: OSError) -> Stranded:
    """`what` (the step that failed, in words) could not move `copy` back to `path`: logged
    with where the copy is, or that it is gone too."""
    kept = os.path.lexists(copy)  # False on any error, too: never claim a copy that may be gone
    where = f"it is kept at {copy}; move it back to keep the document" if kept else f"its copy {copy} is gone as well"
    log.error("%s failed too (%s): %s", what, undo, where)
    return Stranded(path, copy, undo.strerror or str(undo), kept)
