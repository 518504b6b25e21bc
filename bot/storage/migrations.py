"""The database schema, one migration per version. A migration only ever adds: the store
applies the ones newer than `PRAGMA user_version` in order, each in one transaction."""

from __future__ import annotations

# Index i upgrades the schema from version i to i + 1.
MIGRATIONS: tuple[str, ...] = (
    # 1: questions, votes, learned answers, audit log, and the salt in `meta`.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE questions (
        id INTEGER PRIMARY KEY,
        asked_at TEXT NOT NULL,          -- ISO 8601, UTC
        asker TEXT,                      -- salted hash, never the raw id
        guild_id INTEGER,
        channel_id INTEGER,
        jump_url TEXT,
        answer_key TEXT,                 -- what the answer's buttons carry
        question TEXT NOT NULL,
        terms TEXT NOT NULL,             -- analysed content terms: questions that say the same share it
        answered INTEGER NOT NULL,
        best_document TEXT,
        best_paragraph INTEGER,
        confidence REAL,
        resolved_at TEXT                 -- a learned answer now covers it
    );
    CREATE INDEX questions_asked_at ON questions(asked_at);
    CREATE INDEX questions_asker ON questions(asker);
    CREATE INDEX questions_answer_key ON questions(answer_key);
    CREATE INDEX questions_terms ON questions(terms);
    CREATE TABLE votes (
        id INTEGER PRIMARY KEY,
        voted_at TEXT NOT NULL,
        voter TEXT,
        answer_key TEXT,
        vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
        question TEXT NOT NULL,
        terms TEXT NOT NULL,
        cited TEXT NOT NULL,             -- JSON list of {citation, document, paragraph, source}
        answered INTEGER,
        confidence REAL,
        guild_id INTEGER,
        channel_id INTEGER,
        message_id INTEGER,
        resolved_at TEXT
    );
    -- One vote per member and answer, enforced where it is stored.
    CREATE UNIQUE INDEX votes_once ON votes(answer_key, voter) WHERE answer_key IS NOT NULL;
    CREATE INDEX votes_voter ON votes(voter);
    CREATE TABLE learned (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,              -- relative to the knowledge directory
        question TEXT NOT NULL,
        terms TEXT NOT NULL,
        taught_by TEXT,
        taught_at TEXT NOT NULL,
        source TEXT NOT NULL
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT,
        action TEXT NOT NULL,
        target TEXT,
        result TEXT NOT NULL,            -- ok | refused | failed
        detail TEXT
    );
    CREATE INDEX audit_at ON audit(at);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
