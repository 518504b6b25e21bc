"""Discord's text rules: lengths as Discord counts them, shortening without breaking
Markdown, mention defusing, safe URLs.

Fitting rules: text is cut on word boundaries with an ellipsis, never inside a Markdown
link, an escape, a code span or a code line; open bold/italic spans and code fences are
closed. Citations are composed outside the cut text (see `compose`) so they are never cut.
"""

from __future__ import annotations

import re
from urllib.parse import quote

ELLIPSIS = " …"

_LINK = re.compile(r"(?<!\\)\[(?:\\.|[^\]\\\n])*\]\([^)\s]+\)")
# A fence line, also inside a list item (indented) or a block quote ("> ```").
_FENCE_LINE = re.compile(r"(?:> ?)* *(`{3,})[^\n`]*(?=\n|$)")
# "@everyone"/"@here" and the "@" of <@id>, <@!id> and <@&id>: what Discord turns into a ping.
_MENTION = re.compile(r"@(?=(?:everyone|here)\b)|(?<=<)@(?=[!&]?\d)", re.IGNORECASE)
ZWSP = "\u200b"
# How a mention reads when its member, role or channel is not known (gone, or out of sight):
# Discord's own words for them, never the raw id.
UNKNOWN_USER = "@unknown-user"
UNKNOWN_ROLE = "@unknown-role"
UNKNOWN_CHANNEL = "#unknown-channel"

# Markup state bits per character (see markup_states).
FENCE, CODE, BOLD, ITALIC, MARK = 1, 2, 4, 8, 16


def units(text: str) -> int:
    """Length as Discord counts it: UTF-16 code units, so an emoji outside the Basic
    Multilingual Plane counts 2. Counting every limit this way never exceeds what Discord
    counts, so nothing is rejected."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def prefix_within(text: str, limit: int) -> int:
    """The longest prefix of `text` (in code points) that is at most `limit` units."""
    if units(text) == len(text):
        return max(0, min(limit, len(text)))
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return i
    return len(text)


_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def scrub(text: str) -> str:
    """Lone surrogates (from a client's broken JSON escapes) replaced by U+FFFD, and split
    surrogate pairs joined: Discord rejects or garbles them, so they are never echoed.
    Control characters but newline and tab go (a file name can hold a terminal escape
    the console would run)."""
    return _CONTROLS.sub("", text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace"))


def defuse_mentions(text: str) -> str:
    """A zero-width space after the "@" of @everyone, @here, <@id>, <@!id> and <@&id>, so
    the text itself can never ping, whatever allowed_mentions says. Run it last: text
    cleaning (NFKC, zero-width removal) would turn "@\u200beveryone" back into a mention."""
    return _MENTION.sub("@" + ZWSP, text)


def markup_states(md: str) -> list[int]:
    """For each character of safe Markdown, the markup it is inside (FENCE, CODE, BOLD,
    ITALIC bits), plus MARK when the character is markup itself (a marker, an escape's
    backslash, a fence line). Index len(md) holds the state at the end."""
    out = [0] * (len(md) + 1)
    state = 0
    fence = ""
    i, n = 0, len(md)
    while i < n:
        if (i == 0 or md[i - 1] == "\n") and not state & CODE:
            m = _FENCE_LINE.match(md, i)
            if m and (not state & FENCE or (m.group(1).startswith(fence) and not md[m.end(1) : m.end()].strip())):
                fence = "" if state & FENCE else m.group(1)
                for j in range(i, m.end()):
                    out[j] = state | MARK
                state ^= FENCE
                i = m.end()
                continue
        ch = md[i]
        if state & FENCE or ch == "\n":
            out[i] = state
            i += 1
        elif state & CODE:
            if ch == "`":
                out[i] = state | MARK
                state ^= CODE
            else:
                out[i] = state
            i += 1
        elif ch == "\\" and i + 1 < n and md[i + 1] != "\n":
            out[i] = state | MARK
            out[i + 1] = state
            i += 2
        elif ch == "`":
            out[i] = state | MARK
            state ^= CODE
            i += 1
        elif md.startswith("**", i):
            out[i] = out[i + 1] = state | MARK
            state ^= BOLD
            i += 2
        elif ch == "*":
            out[i] = state | MARK
            state ^= ITALIC
            i += 1
        else:
            out[i] = state
            i += 1
    out[n] = state
    return out


_INLINE_MARKERS = ((BOLD, "**"), (ITALIC, "*"), (CODE, "`"))  # outermost first


def openers(state: int) -> str:
    """What reopens the inline markup of `state` at the start of a slice."""
    return "".join(m for bit, m in _INLINE_MARKERS if state & bit)


def closers(md: str, state: int | None = None) -> str:
    """What closes the markup open at the end of `md` (italic, bold, code span, fence)."""
    if state is None:
        state = markup_states(md)[-1]
    out = "".join(m for bit, m in reversed(_INLINE_MARKERS) if state & bit)
    if state & FENCE:
        # Closed as it was opened: same quote marks, indentation and backticks.
        opener = [m.group(1) for m in re.finditer(r"(?m)^((?:> ?)* *`{3,})", md)]
        out += ("" if md.endswith("\n") else "\n") + (opener[-1] if opener else "```")
    return out


def truncate(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """Cut Markdown `text` to at most `limit` units (see `units`) on a word boundary.

    Never cuts inside a word (unless one word alone is longer than the limit), a Markdown
    link, an escape or a code span; inside a code block it cuts at a line end and closes
    the fence. Open bold/italic spans are closed. Adds `ellipsis` when something was cut.
    """
    if limit <= 0:
        return ""
    if units(text) <= limit:
        return text
    ellipsis = ellipsis if units(ellipsis) < limit else ""
    states = markup_states(text)
    spans = [m.span() for m in _LINK.finditer(text)]
    reserve = 2
    while True:
        budget_units = limit - units(ellipsis) - reserve
        if budget_units <= 0:
            return text[: prefix_within(text, limit)]
        head = _cut(text, prefix_within(text, budget_units), states, spans)
        close = closers(head, states[len(head)] & ~MARK)
        tail = ellipsis
        last_line = (head + close).rsplit("\n", 1)[-1]
        if ellipsis and _FENCE_LINE.fullmatch(last_line):
            tail = "\n" + ellipsis.strip()  # after a fence the ellipsis needs its own line
        out = head + close + tail
        if units(out) <= limit or reserve > limit:
            return out if units(out) <= limit else text[: prefix_within(text, limit)]
        reserve += units(out) - limit


def _cut(text: str, budget: int, states: list[int], spans: list[tuple[int, int]]) -> str:
    """The head of `text` kept by a cut at or before code point `budget`."""

    def inside_span(i: int) -> bool:
        return any(a < i < b for a, b in spans)

    cut = -1
    for i in range(min(budget, len(text) - 1), 0, -1):
        if text[i].isspace() and not inside_span(i) and not states[i] & CODE:
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
    line_start = text.rfind("\n", 0, cut) + 1
    if states[line_start] & MARK and _FENCE_LINE.match(text, line_start):
        cut = max(0, line_start - 1)  # never inside a fence line: before it
    if states[cut] & FENCE:
        # Code is cut at a line end, never mid-line; a fence left with no code line is dropped.
        nl = text.rfind("\n", 0, cut + 1)
        prev_start = text.rfind("\n", 0, nl) + 1
        if states[prev_start] & MARK and not states[prev_start] & FENCE:
            return text[:prev_start].rstrip()
        return text[:nl]
    head = text[:cut].rstrip()
    # A trailing lone backslash would escape the ellipsis.
    while head.endswith("\\") and (len(head) - len(head.rstrip("\\"))) % 2 == 1:
        head = head[:-1].rstrip()
    return head.rstrip(",;:")


def compose(body: str, tail: str, limit: int) -> str:
    """`body` followed by `tail`, where only the body is shortened: tails hold citations."""
    if units(body) + units(tail) <= limit:
        return body + tail
    if units(tail) >= limit:
        return truncate(tail, limit)
    return truncate(body, limit - units(tail)) + tail


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
