"""What of a passage the embedding model reads."""

from __future__ import annotations

from ..knowledge import Passage

MAX_CHARS = 2000  # both models truncate (512 / 256 tokens); cutting first saves tokenising


def passage_text(p: Passage) -> str:
    """The passage with its document title and heading path in front: a paragraph often
    never names its topic ("It opened in 1976"), its title and headings do."""
    head = " › ".join((p.title, *p.section))
    return f"{head}: {p.text}"[:MAX_CHARS]
