"""The SQLite store: schema and migrations, WAL, purge, forget-me, salted hashes, and the
failures it must survive (corrupt file, unwritable disk, locked database)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage import DB_NAME, Store, StoreError
from bot.storage.migrations import SCHEMA_VERSION


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _question(
    store: Store, asker: str | None, text: str = "where do I park?", answered: bool = False, key: str | None = None
) -> int:
    return store.log_question(asker=asker, question=text, terms="park", answered=answered, answer_key=key)


def _vote(store: Store, voter: str, key: str = "k1", vote: str = "down") -> bool:
    return store.record_vote(
        voter=voter,
        answer_key=key,
        vote=vote,
        question="where do I park?",
        terms="park",
        cited=[],
        answered=False,
        confidence=0.0,
    )


def test_new_database_has_the_schema_wal_and_a_salt_inside(tmp_path):
    store = Store.in_dir(tmp_path / "data")
    assert store.path == tmp_path / "data" / DB_NAME
    assert store.schema_version() == SCHEMA_VERSION
    assert store.journal_mode() == "wal"
    [(salt,)] = sqlite3.connect(store.path).execute("SELECT value FROM meta WHERE key='salt'").fetchall()
    assert len(bytes.fromhex(salt)) == 16
    assert sorted(p.name for p in (tmp_path / "data").iterdir() if "salt" in p.name) == []  # no salt file beside it
    # The same salt after reopening: hashes stay stable across restarts.
    h = store.hash_user(123)
    store.close()
    assert Store.in_dir(tmp_path / "data").hash_user(123) == h
    assert Store.in_dir(tmp_path / "other").hash_user(123) != h  # another database, another salt


def test_migrations_upgrade_an_older_file_and_refuse_a_newer_one(tmp_path):
    path = tmp_path / DB_NAME
    sqlite3.connect(path).execute("CREATE TABLE unrelated (x)").connection.commit()  # schema version 0
    store = Store(path)
    assert store.connection_ok() and store.schema_version() == SCHEMA_VERSION
    store.close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    newer = Store(path)
    assert not newer.connection_ok() and "newer" in (newer.problem or "")
    assert path.exists()  # a newer schema is not corruption: the file is left alone


def test_no_raw_user_ids_on_disk(tmp_path):
    store = Store.in_dir(tmp_path)
    asker = store.hash_user(987654321012345678)
    assert asker is not None and len(asker) == 64 and "987654321012345678" not in asker
    _question(store, asker)
    _vote(store, asker)
    store.audit(actor=asker, action="teach", target="learned/x.md", result="ok")
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"987654321012345678" not in raw


def test_purge_deletes_only_old_questions(tmp_path):
    clock = Clock()
    store = Store.in_dir(tmp_path, clock)
    _question(store, "a", "old question")
    clock.now += timedelta(days=89)
    _question(store, "a", "recent question")
    clock.now += timedelta(days=2)
    assert store.purge_questions(90) == 1
    assert store.count("questions") == 1
    assert store.purge_questions(90) == 0


def test_purge_deletes_old_votes_too(tmp_path):
    clock = Clock()
    store = Store.in_dir(tmp_path, clock)
    _vote(store, "a", "k-old")
    clock.now += timedelta(days=89)
    _vote(store, "b", "k-new")
    clock.now += timedelta(days=2)
    assert store.purge_questions(90) == 1
    assert store.count("votes") == 1


def test_forget_deletes_the_members_questions_and_votes_and_counts_them(tmp_path):
    store = Store.in_dir(tmp_path)
    alice, bob = store.hash_user(1), store.hash_user(2)
    for i in range(3):
        _question(store, alice, key=f"k{i}")
    _question(store, bob)
    assert _vote(store, alice, "k0") and _vote(store, alice, "k1") and _vote(store, bob, "k0")
    assert store.forget([alice]) == 5
    assert store.count("questions") == 1 and store.count("votes") == 1
    assert store.forget([alice]) == 0


def test_a_vote_is_stored_once_per_member_and_answer(tmp_path):
    store = Store.in_dir(tmp_path)
    assert _vote(store, "a", "k1") is True
    assert _vote(store, "a", "k1", "up") is False  # the unique index holds, whatever the vote
    assert _vote(store, "b", "k1") is True and _vote(store, "a", "k2") is True
    assert [v["vote"] for v in store.votes()] == ["down", "down", "down"]


def test_feedback_jsonl_is_imported_once(tmp_path):
    old = tmp_path / "feedback.jsonl"
    old.write_text(
        "\n".join(
            [
                json.dumps(
                    {
                        "time": "2026-11-30T10:00:00+00:00",
                        "vote": "down",
                        "question": "wifi?",
                        "cited": [],
                        "user": "h" * 64,
                        "answered": True,
                        "confidence": 0.9,
                    }
                ),
                "not json",
                json.dumps({"vote": "sideways", "question": "x"}),
                json.dumps({"time": "2026-11-30T11:00:00+00:00", "vote": "up", "question": "why Ramstein?"}),
            ]
        )
        + "\n"
    )
    store = Store.in_dir(tmp_path / "data")
    assert store.import_feedback(old, lambda q: q.rstrip("?")) == 2
    assert store.import_feedback(old, lambda q: q) is None  # remembered: not imported twice
    votes = store.votes()
    assert [(v["vote"], v["question"], v["user"]) for v in votes] == [
        ("down", "wifi?", "h" * 64),
        ("up", "why Ramstein?", None),
    ]


def test_corrupt_file_is_moved_aside_and_replaced(tmp_path, caplog):
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_NAME).write_bytes(b"this is not a database, just garbage " * 100)
    with caplog.at_level("WARNING", logger="bot.storage.db"):
        store = Store.in_dir(data)
    assert store.connection_ok()
    aside = [p.name for p in data.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1 and aside[0].startswith(DB_NAME + ".corrupt-")
    assert (data / aside[0]).read_bytes().startswith(b"this is not a database")
    assert _question(store, "a") > 0  # the new database works
    assert len([r for r in caplog.records if "corrupt" in r.getMessage()]) == 1  # one log line


def test_unwritable_place_makes_every_write_fail_with_store_error(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    store = Store.in_dir(blocker)
    assert not store.connection_ok() and store.problem
    with pytest.raises(StoreError):
        _question(store, "a")
    with pytest.raises(StoreError):
        store.gap_rows(7)
    assert store.hash_user(1) is not None  # hashing still works (with a temporary salt)


def test_read_only_database_fails_writes_cleanly(tmp_path):
    store = Store.in_dir(tmp_path)
    _question(store, "a")
    store.close()
    # What a read-only disk does: SQLite opens the file but refuses to write it.
    store._conn = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None)
    with pytest.raises(StoreError, match="could not be written"):
        _question(store, "a")
    assert store.count("questions") == 1  # reads still work


def test_locked_database_fails_fast_with_store_error(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.storage.db.BUSY_TIMEOUT_S", 0.05)
    store = Store.in_dir(tmp_path)
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with pytest.raises(StoreError):
            _question(store, "a")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert _question(store, "a") > 0  # free again


def test_gap_rows_cover_unanswered_and_downvoted_within_the_window(tmp_path):
    clock = Clock()
    store = Store.in_dir(tmp_path, clock)
    store.log_question(asker="a", question="old", terms="old", answered=False)
    clock.now += timedelta(days=10)
    store.log_question(asker="a", question="unanswered", terms="unanswer", answered=False)
    store.log_question(asker="a", question="answered fine", terms="fine", answered=True, answer_key="k1")
    store.log_question(asker="a", question="answered badly", terms="bad", answered=True, answer_key="k2")
    store.record_vote(
        voter="b",
        answer_key="k2",
        vote="down",
        question="answered badly",
        terms="bad",
        cited=[],
        answered=True,
        confidence=1.0,
    )
    store.record_vote(
        voter="b",
        answer_key="k1",
        vote="up",
        question="answered fine",
        terms="fine",
        cited=[],
        answered=True,
        confidence=1.0,
    )
    rows = store.gap_rows(7)
    assert sorted(r.question for r in rows) == ["answered badly", "unanswered"]
    assert {r.question: r.downvoted for r in rows} == {"answered badly": True, "unanswered": False}
    assert sorted(r.question for r in store.gap_rows(30)) == ["answered badly", "old", "unanswered"]
    assert store.resolve(["bad"]) == 2  # the question and its 👎
    assert [r.question for r in store.gap_rows(7)] == ["unanswered"]


def test_store_text_survives_broken_surrogates(tmp_path):
    store = Store.in_dir(tmp_path)
    store.log_question(asker="a", question="why \ud83d Ramstein?", terms="ramstein", answered=False)
    [row] = store.gap_rows(7)
    assert row.question == "why \ufffd Ramstein?"


def test_path_is_a_directory_under_data_dir(tmp_path: Path):
    assert Store.in_dir(tmp_path / "nested" / "dir").connection_ok()
    assert (tmp_path / "nested" / "dir" / DB_NAME).is_file()


def test_a_rejected_value_is_a_store_error_not_corruption(tmp_path):
    store = Store.in_dir(tmp_path)
    _question(store, "a")
    with pytest.raises(StoreError):
        store.log_question(asker="a", question=None, terms="x", answered=False)  # type: ignore[arg-type]  # NOT NULL
    assert store.count("questions") == 1 and not list(tmp_path.glob("*.corrupt-*"))


def test_corruption_found_while_running_starts_a_new_file(tmp_path):
    store = Store.in_dir(tmp_path)
    _question(store, "a")
    store.close()
    store.path.write_bytes(b"\x00" * 4096 + b"scribbled over")
    for side in tmp_path.glob(f"{DB_NAME}-*"):
        side.unlink()
    assert store.connection_ok()  # reopened: moved aside, new file
    assert store.count("questions") == 0 and len(list(tmp_path.glob("*.corrupt-*"))) == 1


def test_forget_finds_votes_imported_with_the_old_salt(tmp_path):
    import hashlib

    salt = bytes(range(16))
    old = tmp_path / "feedback.jsonl"
    (tmp_path / "feedback.jsonl.salt").write_text(salt.hex() + "\n")
    old_hash = hashlib.sha256(salt + b"4242").hexdigest()  # what the old FeedbackLog wrote
    old.write_text(
        json.dumps({"vote": "down", "question": "wifi?", "user": old_hash})
        + "\n"
        + json.dumps({"vote": "up", "question": "why?", "user": "someone else"})
        + "\n"
    )
    store = Store.in_dir(tmp_path / "data")
    assert store.import_feedback(old, lambda q: q) == 2
    assert store.forget(store.hashes_of(4242)) == 1
    assert [v["user"] for v in store.votes()] == ["someone else"]
