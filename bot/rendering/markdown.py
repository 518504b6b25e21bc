"""Discord Markdown text composition: shortening without breaking markup, safe URLs.

Fitting rules: text is cut on word boundaries with an ellipsis, never inside a Markdown
link, an escape or a bold span, and citations are composed outside the cut text (see
`compose`) so they are never cut in half.
"""

from __future__ import annotations

import re
from urllib.parse import quote

ELLIPSIS = " …"

_LINK = re.compile(r"(?<!\\)\[(?:\\.|[^\]\\\n])*\]\([^)\s]+\)")
_BOLD = re.compile(r"(?<!\\)\*\*")


def _protected_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _LINK.finditer(text)]


def truncate(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """Cut Markdown `text` to at most `limit` characters on a word boundary.

    Never cuts inside a word (unless one word alone is longer than the limit), a Markdown
    link or an escape; an open `**` is closed. Adds `ellipsis` when something was cut.
    """
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    ellipsis = ellipsis if len(ellipsis) < limit else ""
    budget = limit - len(ellipsis) - 2  # 2: room to close a bold span
    if budget <= 0:
        return text[:limit]
    spans = _protected_spans(text)

    def inside_span(i: int) -> bool:
        return any(a < i < b for a, b in spans)

    cut = -1
    for i in range(min(budget, len(text) - 1), 0, -1):
        if text[i].isspace() and not inside_span(i):
            cut = i
            break
    if cut <= 0:
        # One enormous word: cut it (there is no boundary), but not inside a link.
        cut = budget
        for a, b in spans:
            if a < cut < b:
                cut = a
        if cut <= 0:
            cut = budget
    head = text[:cut].rstrip()
    # A trailing lone backslash would escape the ellipsis.
    while head.endswith("\\") and (len(head) - len(head.rstrip("\\"))) % 2 == 1:
        head = head[:-1].rstrip()
    head = head.rstrip(",;:")
    if len(_BOLD.findall(head)) % 2 == 1:
        head += "**"
    return head + ellipsis


def compose(body: str, tail: str, limit: int) -> str:
    """`body` followed by `tail`, where only the body is shortened: tails hold citations."""
    if len(body) + len(tail) <= limit:
        return body + tail
    if len(tail) >= limit:
        return truncate(tail, limit)
    return truncate(body, limit - len(tail)) + tail


def one_line(text: str) -> str:
    return " ".join(text.split())


def safe_url(url: str | None) -> str | None:
    """An http(s) URL made safe inside `[label](url)`: no spaces or parentheses to break it."""
    if not url:
        return None
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        return None
    return quote(url, safe=":/?#@!$&'*+,;=%-._~[]")
