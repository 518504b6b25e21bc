"""A citation as plain text: "Title › Section · ¶N" (with "p. N" for paged documents)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only the type: bot/answer.py stays free of rendering at import time
    from ..answer import Citation


def citation_where(citation: Citation) -> str:
    """The place within the document: "¶N", or "p. N · ¶N" for paged documents."""
    if citation.page is not None:
        return f"p. {citation.page} · ¶{citation.paragraph}"
    return f"¶{citation.paragraph}"


def citation_label(citation: Citation) -> str:
    """ "Title › Section › Subsection · ¶N": the heading path, then the place."""
    head = " › ".join((citation.title, *citation.section))
    return f"{head} · {citation_where(citation)}"
