"""Learned answers: a trusted member's answer to a question, saved as a Markdown file under
`knowledge/learned/` that the readers index like any other document.

The file is readable by a plain Markdown reader too:

    ---
    question: "Why Ramstein?"
    taught_by: "<salted hash>"
    date: 2026-12-01
    source: "https://discord.com/channels/1/2/3"
    ---
    source: https://discord.com/channels/1/2/3
    # Why Ramstein?

    ## Why Ramstein?

    The answer, as taught.

The `##` heading repeats the question so it joins the answer's first paragraph: retrieval
then finds the answer by the question's own words as well as by the answer's.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from markdown_it import MarkdownIt

from .answer import MAX_QUESTION_CHARS
from .outcomes import BOT_MESSAGE, EMPTY, ONLY_PINGS, TOO_LONG, LearnedInfo
from .text import strip_mention_syntax

LEARNED_DIR = "learned"
MAX_ANSWER_CHARS = 4000  # what one Discord modal text field holds
_FRONT_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*?)\s*$")
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")
SLUG_MAX = 60


@dataclass(frozen=True, slots=True)
class TeachProblem:
    reason: str
    field: str  # "question" | "answer"
    limit: int | None = None


def check_teaching(question: str | None, answer: str, *, from_bot: bool = False) -> TeachProblem | None:
    """Why this cannot become a learned answer, or None when it can (question None: only
    the answer is checked, e.g. before a form asks for the question)."""
    if from_bot:
        return TeachProblem(BOT_MESSAGE, "answer")
    checks = [("question", question, MAX_QUESTION_CHARS)] if question is not None else []
    for name, text, limit in (*checks, ("answer", answer, MAX_ANSWER_CHARS)):
        if not text.strip():
            return TeachProblem(EMPTY, name)
        if len(text) > limit:
            return TeachProblem(TOO_LONG, name, limit)
        if not any(ch.isalnum() for ch in strip_mention_syntax(text)):
            return TeachProblem(ONLY_PINGS, name)
    return None


# A user or role mention as Discord sends it: the raw id of a member (or role) in the text.
_ID_MENTION = re.compile(r"[ \t]*<@[!&]?\d+>")


def without_id_mentions(text: str) -> str:
    """The text without `<@id>`, `<@!id>` and `<@&id>`, for the audit log, which stores no
    raw user id (a learned answer names them instead: mentions.readable_mentions)."""
    return _ID_MENTION.sub("", text).strip()


def question_key(question: str) -> str:
    """What makes two questions one for a learned answer: case, spacing and the closing
    ? ! . aside ("What is X?" and "what is x" are one; "C++ help?" and "C help?" are not)."""
    return " ".join(question.casefold().split()).rstrip("?!.？！。 ")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def slugify(question: str) -> str:
    """A safe file stem from the question ("Why Ramstein?" -> "why-ramstein"); questions
    without Latin letters get a stable hash instead."""
    slug = _SLUG_CHARS.sub("-", _ascii(question)).strip("-")
    if not slug:
        return "answer-" + _digest(question_key(question))[:12]
    if len(slug) > SLUG_MAX:
        # Two long questions that start alike must not replace each other's answer.
        slug = slug[: SLUG_MAX - 9].strip("-") + "-" + _digest(slug)[:8]
    return slug


def learned_path(question: str, *, distinct: bool = False) -> str:
    """The learned answer's path relative to the knowledge directory; `distinct` adds the
    question's own hash, for a question whose plain name another question already holds
    ("C++ help?" and "C help?" are both "c-help")."""
    slug = slugify(question)
    if distinct:
        slug = f"{slug}-{_digest(question_key(question))[:8]}"
    return f"{LEARNED_DIR}/{slug}.md"


def learned_names(question: str) -> tuple[str, ...]:
    """Every path this question's learned answer may already be saved at: its plain name,
    its `distinct` one, and the name the bot gave questions without Latin letters before
    the closing "?" stopped counting (the hash of the whole question), so teaching such a
    question again replaces its older file instead of adding a second answer."""
    names = [learned_path(question), learned_path(question, distinct=True)]
    if not _SLUG_CHARS.sub("-", _ascii(question)).strip("-"):
        names.append(f"{LEARNED_DIR}/answer-{_digest(question.strip().casefold())[:12]}.md")
    return tuple(dict.fromkeys(names))


def _one_line(text: str) -> str:
    return " ".join(text.split())


# A `<` that can open HTML in Markdown (a tag, a closing tag, a comment, <!DOCTYPE>, <?...?>),
# not an autolink (<https://...>), an email, or Discord's <#channel> and <:emoji:id>.
_HTML_START = re.compile(r"<(?=[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)|/[A-Za-z]|!|\?)")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)")
_NEWLINES = re.compile(r"\r\n?")


def _escape_html(line: str) -> str:
    """`line` with every `<` that could open HTML escaped, except in code spans and where
    it is escaped already (no double escape)."""
    spans = [m.span() for m in _CODE_SPAN.finditer(line)]
    out: list[str] = []
    last = 0
    for m in _HTML_START.finditer(line):
        at = m.start()
        if any(a <= at < b for a, b in spans) or (at - len(line[:at].rstrip("\\"))) % 2:
            continue
        out.append(line[last:at] + "\\")
        last = at
    out.append(line[last:])
    return "".join(out)


def as_discord_showed_it(answer: str) -> str:
    """The answer written as Markdown that reads the way Discord showed it. Discord has no
    HTML and no underlined (setext) headings: `<details>`, `<yourname>` or a `---` under a
    line of text are text there, but Markdown readers drop HTML (a block with the lines it
    swallows, up to a blank line) and turn the text into a heading, losing words or leaving
    nothing to learn. markdown-it finds exactly those lines (never inside code): each `<`
    that opens HTML there is escaped, the underline set off by a blank line. Escaping a
    block's first line can let a later line (`</details>`) open a block of its own, so this
    repeats until markdown-it finds none."""
    text = _NEWLINES.sub("\n", answer)  # markdown-it's own line breaks, so its line numbers fit
    md = MarkdownIt("commonmark")
    for _ in range(text.count("\n") + 2):  # each round fixes at least one line
        lines = text.split("\n")
        for token in md.parse(text):
            if token.map is None:
                continue
            start, end = token.map
            html = token.type == "html_block" or (
                token.type == "inline" and any(c.type == "html_inline" for c in token.children or ())
            )
            if html:
                for i in range(start, end):
                    lines[i] = _escape_html(lines[i])
            elif token.type == "heading_open" and token.markup in ("=", "-"):
                lines[end - 1] = "\n" + lines[end - 1]
        fixed = "\n".join(lines)
        if fixed == text:
            break
        text = fixed
    return text


def learned_markdown(question: str, answer: str, taught_by: str | None, taught_on: date, source: str) -> str:
    q = _one_line(question)
    front = {"question": q, "taught_by": taught_by or "", "date": taught_on.isoformat(), "source": source}
    lines = ["---"]
    for key, value in front.items():
        lines.append(f"{key}: {value}" if key == "date" else f"{key}: {json.dumps(value, ensure_ascii=False)}")
    lines.append("---")
    if source.startswith(("http://", "https://")) and not any(c.isspace() for c in source):
        # Also as a plain `source:` line: readers that drop front matter whole still cite it.
        lines.append(f"source: {source}")
    lines += [
        f"# {_heading_text(q)}",
        "",
        f"## {_heading_text(q)}",
        "",
        as_discord_showed_it(answer.strip().replace("\r\n", "\n")),
        "",
    ]
    return "\n".join(lines)


def _heading_text(text: str) -> str:
    # A trailing "#" would be read as the heading's closing sequence.
    return text.rstrip("#").rstrip() or text


def read_front_matter(text: str) -> dict[str, str]:
    """The `key: value` lines of a leading `---` block (values unquoted); {} without one."""
    lines = text.lstrip("\ufeff").split("\n", 40)
    if not lines or lines[0].strip() != "---":
        return {}
    out: dict[str, str] = {}
    for line in lines[1:40]:
        if line.strip() in ("---", "..."):
            return out
        m = _FRONT_LINE.match(line)
        if m:
            value = m["value"]
            if value.startswith('"'):
                try:
                    value = str(json.loads(value))
                except ValueError:
                    value = value.strip('"')
            elif value.startswith("'") and value.endswith("'") and len(value) >= 2:
                value = value[1:-1].replace("''", "'")
            out[m["key"].lower()] = value
    return {}  # no closing line: not front matter


def learned_info(document: str, text: str) -> LearnedInfo | None:
    """The origin of a learned answer file, or None when its front matter lacks it."""
    meta = read_front_matter(text)
    try:
        taught_on = date.fromisoformat(meta.get("date", "")[:10])
    except ValueError:
        return None
    question = meta.get("question", "")
    if not question:
        return None
    return LearnedInfo(document, question, taught_on, meta.get("source") or "console", meta.get("taught_by") or None)
