"""Safe Markdown inline text (see model.py): escaping raw text, and back to plain text."""

from __future__ import annotations

import re

_CODE_SPAN = re.compile(r"`([^`]*)`")
_ESCAPED = re.compile(r"\\(.)")
_EMPHASIS = re.compile(r"(?<!\\)(\*\*|\*)")

# Characters Discord reads as Markdown (and "<" for <@id> mentions, "@" is defused at render).
# The backslash comes first, so the backslashes added for the others are not escaped again.
_SPECIALS = "\\*_`~|>[]()#<"


def escape(text: str) -> str:
    """Raw text as safe Markdown: every Markdown-special character escaped. One
    str.replace per special character the text contains: it runs on every paragraph of a
    build, and str.translate with multi-character replacements walks the text in Python-
    object steps (20x slower on 1 KB paragraphs)."""
    for ch in _SPECIALS:
        if ch in text:
            text = text.replace(ch, "\\" + ch)
    return text


def code_span(text: str) -> str:
    """Inline code as safe Markdown."""
    text = _fold(text.replace("`", "'"))
    return f"`{text}`" if text else ""


def to_plain(md: str) -> str:
    """Safe Markdown to plain text: markers dropped, escapes undone, whitespace folded."""
    if "`" not in md and "*" not in md and "\\\\" not in md and "\\\n" not in md and not md.endswith("\\"):
        # Escaped plain text (every .txt paragraph): each backslash escapes the character
        # after it, so dropping them all is what the regexes would do, several times faster.
        return _fold(md.replace("\\", ""))
    out: list[str] = []
    pos = 0
    for m in _CODE_SPAN.finditer(md):
        if _odd_backslashes(md, m.start()):
            continue
        out.append(_plain_text_part(md[pos : m.start()]))
        out.append(m.group(1))
        pos = m.end()
    out.append(_plain_text_part(md[pos:]))
    return _fold("".join(out))


def _fold(text: str) -> str:
    # str.split() splits on exactly what the regex \s matches (checked over all of
    # Unicode) and is several times faster on every passage of a build.
    return " ".join(text.split())


def _plain_text_part(md: str) -> str:
    return _ESCAPED.sub(r"\1", _EMPHASIS.sub("", md))


def _odd_backslashes(text: str, i: int) -> bool:
    n = 0
    while i > 0 and text[i - 1] == "\\":
        n += 1
        i -= 1
    return n % 2 == 1
