"""The bot's own records in one SQLite file: questions asked, votes, learned answers and
the audit log of admin actions.

Standard-library `sqlite3` in WAL mode (readers never wait for the one writer). User ids
are stored only as salted SHA-256 hashes; the salt is created once inside the database,
so an export of the rows never carries it. Failures never stop the bot answering: a
locked or read-only database raises `StoreError` for the caller to report, and a corrupt
file is moved aside (`*.corrupt-<time>`) and replaced by a new one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..errors import BotError
from ..rendering import errors as wording
from .migrations import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)

DB_NAME = "kb-bot.sqlite3"
BUSY_TIMEOUT_S = 1.0  # a vote is written on the event loop: never wait long for a lock
REOPEN_AFTER_S = 30.0  # an unavailable database is tried again this often


class StoreError(BotError):
    """The database could not be read or written (locked, read-only, gone)."""


def clean_text(text: str | None) -> str | None:
    """Text SQLite can store: a lone surrogate (a broken emoji pasted from somewhere)
    cannot be encoded as UTF-8 and becomes U+FFFD."""
    if text is None:
        return None
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace") if not text.isascii() else text


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class QuestionRow:
    asked_at: str
    question: str
    terms: str
    answered: bool
    jump_url: str | None
    downvoted: bool


class Store:
    """All reads and writes of the database. Thread-safe (one connection behind a lock)."""

    def __init__(self, path: Path, clock: Callable[[], datetime] = utc_now, *, warn: bool = True) -> None:
        self.path = Path(path)
        self._warn = warn  # False: the caller reports problems itself (the CLI)
        self._clock = clock
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._salt: bytes | None = None
        self._fallback_salt = secrets.token_bytes(16)  # only while the database is unavailable
        self._last_try = -REOPEN_AFTER_S
        self.problem: str | None = None  # why the database is unavailable, for logs and admins

    @classmethod
    def in_dir(cls, data_dir: Path, clock: Callable[[], datetime] = utc_now, *, warn: bool = True) -> Store:
        store = cls(Path(data_dir) / DB_NAME, clock, warn=warn)
        store.connection_ok()
        return store

    # ------------------------------------------------------------------ connection

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            check = conn.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(wording.db_integrity_failed(check[0] if check else "?"))
            self._migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.OperationalError(wording.db_schema_newer(version, SCHEMA_VERSION))
        for v in range(version, SCHEMA_VERSION):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(MIGRATIONS[v]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version={v + 1}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            log.info("database %s migrated to schema %d", self.path, v + 1)
        row = conn.execute("SELECT value FROM meta WHERE key='salt'").fetchone()
        if row is None:
            salt = secrets.token_bytes(16)
            conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('salt', ?)", (salt.hex(),))
            row = conn.execute("SELECT value FROM meta WHERE key='salt'").fetchone()
        self._salt = bytes.fromhex(row[0])

    def _move_aside(self) -> Path:
        stamp = self._clock().strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        os.replace(self.path, target)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                os.replace(side, target.with_name(target.name + suffix))
        return target

    def connection_ok(self) -> bool:
        """Open the database if it is not open (moving a corrupt file aside); False when
        it cannot be used now. Tries again at most every REOPEN_AFTER_S seconds."""
        with self._lock:
            if self._conn is not None:
                return True
            now = time.monotonic()
            if now - self._last_try < REOPEN_AFTER_S and self.problem is not None:
                return False
            self._last_try = now
            try:
                try:
                    self._conn = self._open()
                except sqlite3.DatabaseError as exc:
                    if not _is_corruption(exc) or not self.path.exists():
                        raise
                    target = self._move_aside()
                    log.error(
                        "database %s was corrupt (%s): moved it to %s and started a new one",
                        self.path,
                        exc,
                        target.name,
                    )
                    self._conn = self._open()
            except (sqlite3.Error, OSError) as exc:
                self.problem = wording.db_problem(exc)
                if self._warn:
                    log.warning("database %s cannot be used (%s); answering goes on without it", self.path, exc)
                return False
            self.problem = None
            return True

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; StoreError when the database cannot take it."""
        with self._lock:
            if not self.connection_ok():
                raise StoreError(wording.db_unavailable(self.problem))
            conn = self._conn
            assert conn is not None
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if _is_corruption(exc):
                    # Corruption found while running: start over with a new file next time.
                    self.close()
                    self._last_try = -REOPEN_AFTER_S
                    self.problem = None
                    try:
                        target = self._move_aside()
                        log.error("database %s became corrupt (%s): moved it to %s", self.path, exc, target.name)
                    except OSError:
                        pass
                raise StoreError(wording.db_unwritable(exc)) from exc

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            if not self.connection_ok():
                raise StoreError(wording.db_unavailable(self.problem))
            assert self._conn is not None
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(wording.db_unreadable(exc)) from exc

    def journal_mode(self) -> str:
        return str(self._read("PRAGMA journal_mode")[0][0])

    def schema_version(self) -> int:
        return int(self._read("PRAGMA user_version")[0][0])

    # ------------------------------------------------------------------ identities

    def hashes_of(self, user: int | str) -> list[str]:
        """Every hash that may stand for `user`: today's, and those made with the salt of
        an imported feedback file (so /forget-me finds imported votes too)."""
        out = [self.hash_user(user) or ""]
        try:
            rows = self._read("SELECT value FROM meta WHERE key LIKE 'legacy_salt:%'")
        except StoreError:
            rows = []
        for (hex_salt,) in rows:
            try:
                salt = bytes.fromhex(hex_salt)
            except ValueError:
                continue
            out.append(hashlib.sha256(salt + str(user).encode()).hexdigest())
        return out

    def hash_user(self, user: int | str | None) -> str | None:
        """The salted hash that stands for a user in every table (None stays None)."""
        if user is None:
            return None
        with self._lock:
            if self._salt is None:
                self.connection_ok()
            salt = self._salt or self._fallback_salt
        return hashlib.sha256(salt + str(user).encode()).hexdigest()

    # ------------------------------------------------------------------ questions

    def log_question(
        self,
        *,
        asker: str | None,
        question: str,
        terms: str,
        answered: bool,
        answer_key: str | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        jump_url: str | None = None,
        best_document: str | None = None,
        best_paragraph: int | None = None,
        confidence: float | None = None,
    ) -> int:
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO questions(asked_at, asker, guild_id, channel_id, jump_url, answer_key, question,"
                " terms, answered, best_document, best_paragraph, confidence) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    iso(self._clock()),
                    asker,
                    guild_id,
                    channel_id,
                    clean_text(jump_url),
                    answer_key,
                    clean_text(question),
                    clean_text(terms),
                    int(answered),
                    clean_text(best_document),
                    best_paragraph,
                    confidence,
                ),
            )
            return int(cur.lastrowid or 0)

    def set_jump_url(self, answer_key: str, jump_url: str) -> None:
        """The link to the question's message, once the adapter knows it."""
        with self._tx() as c:
            c.execute("UPDATE questions SET jump_url=? WHERE answer_key=? AND jump_url IS NULL", (jump_url, answer_key))

    def purge_questions(self, days: int) -> int:
        """Delete questions and votes older than `days` days (a vote repeats its question's
        words and the voter's hash); returns how many rows went. The audit log stays: it
        is the admins' record of who changed the knowledge base."""
        cutoff = iso(self._clock() - timedelta(days=days))
        with self._tx() as c:
            n = c.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,)).rowcount
            return n + c.execute("DELETE FROM votes WHERE voted_at < ?", (cutoff,)).rowcount

    def gap_rows(self, days: int) -> list[QuestionRow]:
        """Unresolved questions of the last `days` days that had no answer or got a 👎,
        and 👎 votes whose question is not logged (imported feedback), newest first."""
        since = iso(self._clock() - timedelta(days=days))
        rows = self._read(
            "SELECT q.asked_at, q.question, q.terms, q.answered, q.jump_url,"
            " EXISTS(SELECT 1 FROM votes v WHERE v.answer_key = q.answer_key AND v.vote = 'down') AS down"
            " FROM questions q WHERE q.asked_at >= ? AND q.resolved_at IS NULL"
            " AND (q.answered = 0 OR down)"
            " UNION ALL"
            " SELECT v.voted_at, v.question, v.terms, COALESCE(v.answered, 1), NULL, 1 FROM votes v"
            " WHERE v.vote = 'down' AND v.voted_at >= ? AND v.resolved_at IS NULL"
            " AND (v.answer_key IS NULL OR NOT EXISTS(SELECT 1 FROM questions q WHERE q.answer_key = v.answer_key))"
            " ORDER BY 1 DESC",
            (since, since),
        )
        return [QuestionRow(r[0], r[1], r[2], bool(r[3]), r[4], bool(r[5])) for r in rows]

    def resolve(self, terms: Sequence[str]) -> int:
        """Mark the questions (and 👎 votes) with these term keys as covered now."""
        if not terms:
            return 0
        now = iso(self._clock())
        marks = ",".join("?" * len(terms))
        with self._tx() as c:
            n = c.execute(
                f"UPDATE questions SET resolved_at=? WHERE resolved_at IS NULL AND terms IN ({marks})", (now, *terms)
            ).rowcount
            n += c.execute(
                f"UPDATE votes SET resolved_at=? WHERE resolved_at IS NULL AND terms IN ({marks})", (now, *terms)
            ).rowcount
            return n

    # ------------------------------------------------------------------ votes

    def record_vote(
        self,
        *,
        voter: str | None,
        answer_key: str | None,
        vote: str,
        question: str,
        terms: str,
        cited: Sequence[dict[str, Any]],
        answered: bool | None,
        confidence: float | None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        message_id: int | None = None,
        voted_at: str | None = None,
    ) -> bool:
        """Store one vote; False (and nothing written) when this voter already voted on
        this answer. Atomic in the database, so it holds across threads and restarts."""
        with self._tx() as c:
            cur = c.execute(
                "INSERT OR IGNORE INTO votes(voted_at, voter, answer_key, vote, question, terms, cited, answered,"
                " confidence, guild_id, channel_id, message_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    voted_at or iso(self._clock()),
                    voter,
                    answer_key,
                    vote,
                    clean_text(question),
                    clean_text(terms),
                    clean_text(json.dumps(list(cited), ensure_ascii=False)),
                    None if answered is None else int(answered),
                    confidence,
                    guild_id,
                    channel_id,
                    message_id,
                ),
            )
            return cur.rowcount == 1

    def votes(self) -> list[dict[str, Any]]:
        """Every vote, oldest first, in the shape feedback.jsonl had."""
        rows = self._read(
            "SELECT voted_at, vote, question, cited, answered, confidence, guild_id, channel_id,"
            " message_id, voter, answer_key FROM votes ORDER BY id"
        )
        return [
            {
                "time": r[0],
                "vote": r[1],
                "question": r[2],
                "cited": json.loads(r[3]),
                "answered": None if r[4] is None else bool(r[4]),
                "confidence": r[5],
                "guild_id": r[6],
                "channel_id": r[7],
                "message_id": r[8],
                "user": r[9],
                "answer_key": r[10],
            }
            for r in rows
        ]

    def import_feedback(self, path: Path, terms_of: Callable[[str], str]) -> int | None:
        """Import a feedback.jsonl once (remembered in `meta`); returns the votes imported,
        or None when it was imported before or does not exist. Bad lines are skipped."""
        path = Path(path)
        if not path.is_file():
            return None
        key = f"imported:{path.resolve()}"
        if self._read("SELECT 1 FROM meta WHERE key=?", (key,)):
            return None
        n = 0
        with self._tx() as c:
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    e = json.loads(line)
                    vote, question = e["vote"], str(e["question"])
                    if vote not in ("up", "down"):
                        continue
                except (ValueError, KeyError, TypeError):
                    continue
                c.execute(
                    "INSERT INTO votes(voted_at, voter, answer_key, vote, question, terms, cited, answered,"
                    " confidence, guild_id, channel_id, message_id) VALUES (?,?,NULL,?,?,?,?,?,?,?,?,?)",
                    (
                        str(e.get("time") or iso(self._clock())),
                        e.get("user"),
                        vote,
                        clean_text(question),
                        clean_text(terms_of(question)),
                        clean_text(json.dumps(e.get("cited") or [], ensure_ascii=False)),
                        e.get("answered"),
                        e.get("confidence"),
                        e.get("guild_id"),
                        e.get("channel_id"),
                        e.get("message_id"),
                    ),
                )
                n += 1
            c.execute("INSERT INTO meta(key, value) VALUES (?, ?)", (key, iso(self._clock())))
            legacy = _legacy_salt(path)
            if legacy is not None:
                c.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                    (f"legacy_salt:{path.resolve()}", legacy.hex()),
                )
        log.info(
            "imported %d votes from %s into %s; the file (and its .salt) may now be deleted", n, path, self.path.name
        )
        return n

    # ------------------------------------------------------------------ members

    def forget(self, user_hashes: Sequence[str]) -> int:
        """Delete every question and vote of these users; returns the rows deleted."""
        if not user_hashes:
            return 0
        marks = ",".join("?" * len(user_hashes))
        with self._tx() as c:
            n = c.execute(f"DELETE FROM questions WHERE asker IN ({marks})", tuple(user_hashes)).rowcount
            n += c.execute(f"DELETE FROM votes WHERE voter IN ({marks})", tuple(user_hashes)).rowcount
            return n

    # ------------------------------------------------------------------ learned answers, audit

    def add_learned(
        self, *, path: str, question: str, terms: str, taught_by: str | None, taught_at: str, source: str
    ) -> None:
        with self._tx() as c:
            c.execute("DELETE FROM learned WHERE path=?", (path,))
            c.execute(
                "INSERT INTO learned(path, question, terms, taught_by, taught_at, source) VALUES (?,?,?,?,?,?)",
                (path, clean_text(question), clean_text(terms), taught_by, taught_at, clean_text(source)),
            )

    def remove_learned(self, path: str) -> None:
        with self._tx() as c:
            c.execute("DELETE FROM learned WHERE path=?", (path,))

    def audit(
        self, *, actor: str | None, action: str, target: str | None, result: str, detail: str | None = None
    ) -> None:
        with self._tx() as c:
            c.execute(
                "INSERT INTO audit(at, actor, action, target, result, detail) VALUES (?,?,?,?,?,?)",
                (iso(self._clock()), actor, action, clean_text(target), result, clean_text(detail)),
            )

    def audit_rows(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._read(
            "SELECT at, actor, action, target, result, detail FROM audit ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [dict(zip(("at", "actor", "action", "target", "result", "detail"), r, strict=True)) for r in rows]

    def count(self, table: str) -> int:
        if table not in ("questions", "votes", "learned", "audit"):
            raise ValueError(table)
        return int(self._read(f"SELECT COUNT(*) FROM {table}")[0][0])


def _legacy_salt(feedback_file: Path) -> bytes | None:
    """The salt the old feedback log kept beside its file (FEEDBACK_FILE.salt), if any."""
    try:
        return bytes.fromhex(feedback_file.with_name(feedback_file.name + ".salt").read_text().strip())
    except (OSError, ValueError):
        return None


def _is_corruption(exc: BaseException) -> bool:
    """A damaged or foreign file, as opposed to a lock, a read-only disk or a bad value
    (sqlite3 raises the base DatabaseError for "file is not a database" and "malformed")."""
    return type(exc) is sqlite3.DatabaseError


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit on its own)."""
    out, buf = [], []
    for line in script.splitlines():
        code = line.split("--", 1)[0]
        buf.append(code)
        if code.rstrip().endswith(";"):
            stmt = "\n".join(buf).strip()
            if stmt.rstrip(";").strip():
                out.append(stmt)
            buf = []
    rest = "\n".join(buf).strip()
    if rest:
        out.append(rest)
    return out
