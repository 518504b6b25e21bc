"""Changing the knowledge folder as one step with its reload: a file is written (or
removed) and the knowledge base reloaded; when the file does not become a document or the
reload fails, the folder is put back exactly as it was (the previous file with its times,
or none, and no folder left behind) and with it the knowledge base."""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from pathlib import Path

from .errors import KnowledgeError
from .outcomes import EXISTS, NOT_SAVED, RELOAD_FAILED, UNPARSEABLE
from .rendering import errors as wording
from .service import KnowledgeService, ReloadReport

log = logging.getLogger(__name__)

Problem = tuple[str, str | None]  # (reason code, detail)


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so readers see the old file or the new one, never half.
    The temporary file is hidden (a dot name), so a reload running meanwhile skips it."""
    path.parent.mkdir(parents=True, exist_ok=True)
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

    def put(self, rel: str, data: bytes, replace: bool) -> ReloadReport | Problem:
        """Write a knowledge file atomically and reload; if the file does not become a
        document or the reload fails, put the folder back as it was (the previous file, with
        its time, or none) and the knowledge base with it. Returns the reload report, or
        (reason, detail). The caller serialises changes."""
        path = self.service.knowledge_dir / rel
        made_folder = not path.parent.exists()  # removed again on failure: "as it was"
        backup: Path | None = None
        if path.exists():
            if not replace:
                return EXISTS, rel
            backup = path.with_name(f".backup-{secrets.token_hex(4)}-{path.name}")
            os.replace(path, backup)  # keeps its mtime: restoring it restores the signature
        try:
            write_atomically(path, data)
        except OSError as exc:
            if backup is not None:
                os.replace(backup, path)
            self._drop_folder(path.parent, made_folder)
            return NOT_SAVED, exc.strerror or str(exc)
        try:
            report = self.service.reload()
        except KnowledgeError as exc:
            self._undo(path, backup, made_folder, reload=False)
            return RELOAD_FAILED, str(exc)
        if not self._has_document(rel):
            reason = self._skip_reason(rel) or wording.NO_READER_YET
            self._undo(path, backup, made_folder, reload=True)
            return UNPARSEABLE, reason
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

    def _undo(self, path: Path, backup: Path | None, made_folder: bool, *, reload: bool) -> None:
        try:
            if backup is not None:
                os.replace(backup, path)
            else:
                path.unlink(missing_ok=True)
            self._drop_folder(path.parent, made_folder)
            if reload:
                self.service.reload()
        except (OSError, KnowledgeError) as exc:
            log.error("could not put %s back as it was: %s", path, exc)

    def remove(self, rel: str) -> ReloadReport | Problem:
        """Delete a knowledge file and reload; a failed reload puts the file back."""
        path = self.service.knowledge_dir / rel
        aside = path.with_name(f".removing-{secrets.token_hex(4)}-{path.name}")
        try:
            os.replace(path, aside)
        except OSError as exc:
            return NOT_SAVED, exc.strerror or str(exc)
        try:
            report = self.service.reload()
        except KnowledgeError as exc:
            os.replace(aside, path)
            return RELOAD_FAILED, str(exc)
        aside.unlink(missing_ok=True)
        return report
