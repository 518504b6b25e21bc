"""The bot's SQLite database (questions, votes, learned answers, audit log)."""

from .db import DB_NAME, QuestionRow, Store, StoreError

__all__ = ["DB_NAME", "QuestionRow", "Store", "StoreError"]
