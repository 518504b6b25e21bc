"""👍/👎 feedback, appended to a local JSONL file an admin can read or load into a sheet.

User ids are stored as salted SHA-256 hashes: enough to tell votes apart, not to identify
anyone. The salt is random, created once next to the feedback file (FEEDBACK_FILE.salt)
and never leaves the machine.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..answer import Answer, Result

log = logging.getLogger(__name__)

VOTES = ("up", "down")


class FeedbackLog:
    """Appends one JSON object per vote. Thread-safe; call `record` off the event loop."""

    def __init__(self, path: Path, salt: bytes | None = None) -> None:
        self.path = Path(path)
        self._salt = salt
        self._lock = threading.Lock()

    @property
    def salt_path(self) -> Path:
        return self.path.with_name(self.path.name + ".salt")

    def _get_salt(self) -> bytes:
        if self._salt is None:
            try:
                self._salt = bytes.fromhex(self.salt_path.read_text().strip())
            except (OSError, ValueError):
                self._salt = secrets.token_bytes(16)
                self.salt_path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.salt_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w") as fh:
                    fh.write(self._salt.hex() + "\n")
        return self._salt

    def hash_user(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        return hashlib.sha256(self._get_salt() + str(int(user_id)).encode()).hexdigest()

    def record(
        self,
        *,
        question: str,
        results: Sequence[Result],
        vote: str,
        user_id: int | None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        message_id: int | None = None,
        answer: Answer | None = None,
    ) -> dict[str, Any]:
        """Append one vote and return the record written."""
        if vote not in VOTES:
            raise ValueError(f"vote must be one of {VOTES}, got {vote!r}")
        with self._lock:
            entry: dict[str, Any] = {
                "time": datetime.now(UTC).isoformat(timespec="seconds"),
                "vote": vote,
                "question": question,
                "cited": [
                    {"citation": r.citation.label, "document": r.citation.document,
                     "paragraph": r.citation.paragraph, "source": r.citation.source}
                    for r in results
                ],
                "answered": None if answer is None else answer.answered,
                "confidence": None if answer is None else round(answer.confidence, 3),
                "guild_id": guild_id,
                "channel_id": channel_id,
                "message_id": message_id,
                "user": self.hash_user(user_id),
            }
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        log.info("feedback %s recorded for %r", vote, question[:80])
        return entry
