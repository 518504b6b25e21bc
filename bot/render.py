"""What the bot posts, as plain data: embeds, fields and buttons, fitted to Discord's limits.

Everything here is pure (no discord import) so the Discord adapter and the local console
draw exactly the same replies, and tests can check them without a network. The Discord
layer turns `ReplyData` into `discord.Embed`/`discord.ui.View`; `render_terminal` draws it
as a box in a terminal.

Fitting rules: text is cut on word boundaries with an ellipsis, never inside a Markdown
link, an escape or a bold span, and citations are composed outside the cut text so they
are never cut in half.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import quote

from .answer import Answer, Citation, Result, escape_markdown
from .service import ReloadReport, SourceInfo

# Discord's documented limits (characters).
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
FIELDS_LIMIT = 25
EMBED_TOTAL_LIMIT = 6000  # title + description + field names/values + footer, all embeds of a message
EMBEDS_PER_MESSAGE = 10
BUTTONS_PER_MESSAGE = 25
BUTTON_LABEL_LIMIT = 80

ELLIPSIS = " …"
EXTRA_PASSAGES = 2  # passages shown as fields under the best one
EXTRA_SNIPPET_CHARS = 300  # keep the extra fields short: the best passage is the answer
MORE_RESULTS_K = 8  # how many passages "More results" lists

COLOR_HIGH = 0x2ECC71
COLOR_MEDIUM = 0xF1C40F
COLOR_NONE = 0x95A5A6
COLOR_INFO = 0x5865F2
COLOR_ERROR = 0xE74C3C

# Button actions: stable names the Discord layer puts in custom ids and the console maps
# to commands.
ACTION_FULL = "full"
ACTION_MORE = "more"
ACTION_UP = "up"
ACTION_DOWN = "down"


@dataclass(frozen=True, slots=True)
class FieldData:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class ButtonData:
    action: str  # one of the ACTION_* names
    label: str | None = None
    emoji: str | None = None
    style: str = "secondary"  # primary | secondary | success | danger

    @property
    def text(self) -> str:
        return " ".join(p for p in (self.emoji, self.label) if p)


@dataclass(frozen=True, slots=True)
class EmbedData:
    title: str | None = None
    description: str | None = None
    url: str | None = None
    fields: tuple[FieldData, ...] = ()
    footer: str | None = None
    color: int | None = None

    def total_chars(self) -> int:
        """What Discord counts towards the 6,000-character embed limit."""
        return (len(self.title or "") + len(self.description or "") + len(self.footer or "")
                + sum(len(f.name) + len(f.value) for f in self.fields))


@dataclass(frozen=True, slots=True)
class ReplyData:
    """One message: optional content, embeds and buttons; ephemeral replies only the asker sees."""

    content: str | None = None
    embeds: tuple[EmbedData, ...] = ()
    buttons: tuple[ButtonData, ...] = ()
    ephemeral: bool = False


# --------------------------------------------------------------------------- fitting

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


def _one_line(text: str) -> str:
    return " ".join(text.split())


def safe_url(url: str | None) -> str | None:
    """An http(s) URL made safe inside `[label](url)`: no spaces or parentheses to break it."""
    if not url:
        return None
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        return None
    return quote(url, safe=":/?#@!$&'*+,;=%-._~[]")


def citation_markdown(citation: Citation, limit: int = FIELD_VALUE_LIMIT, link: bool = True) -> str:
    """`Title · ¶3`, linked to the source when known; a long title is shortened, the
    paragraph mark never is."""
    mark = f" · ¶{citation.paragraph}"
    url = safe_url(citation.source) if link else None
    title = escape_markdown(_one_line(citation.title))
    if url:
        extra = len("[]()") + len(url) + len(mark)
        if extra + 12 <= limit:  # room for at least a few words of title
            return f"[{truncate(title, limit - extra)}{mark}]({url})"
    return truncate(title, max(1, limit - len(mark))) + mark


def fit_embed(embed: EmbedData, budget: int = EMBED_TOTAL_LIMIT) -> EmbedData:
    """Enforce every per-part limit, then the total: trailing fields go first (they are
    the least important), then the description is shortened."""
    title = truncate(_one_line(embed.title), TITLE_LIMIT) if embed.title else embed.title
    description = truncate(embed.description, DESCRIPTION_LIMIT) if embed.description else embed.description
    footer = truncate(embed.footer, FOOTER_LIMIT) if embed.footer else embed.footer
    fields = tuple(
        FieldData(truncate(_one_line(f.name), FIELD_NAME_LIMIT) or "\u200b",
                  truncate(f.value, FIELD_VALUE_LIMIT) or "\u200b", f.inline)
        for f in embed.fields[:FIELDS_LIMIT]
    )
    out = replace(embed, title=title, description=description, footer=footer, fields=fields)
    while out.total_chars() > budget and out.fields:
        out = replace(out, fields=out.fields[:-1])
    if out.total_chars() > budget and out.description:
        room = budget - (out.total_chars() - len(out.description))
        out = replace(out, description=truncate(out.description, max(0, room)) or None)
    if out.total_chars() > budget and out.footer:
        room = budget - (out.total_chars() - len(out.footer))
        out = replace(out, footer=truncate(out.footer, max(0, room)) or None)
    if out.total_chars() > budget and out.title:
        out = replace(out, title=truncate(out.title, max(1, budget)))
    return out


def fit_reply(reply: ReplyData) -> ReplyData:
    """Apply every message limit: content, number of embeds, their shared 6,000 budget, buttons."""
    content = truncate(reply.content, CONTENT_LIMIT) if reply.content else reply.content
    embeds: list[EmbedData] = []
    left = EMBED_TOTAL_LIMIT
    for e in reply.embeds[:EMBEDS_PER_MESSAGE]:
        if left <= 0:
            break
        fitted = fit_embed(e, left)
        embeds.append(fitted)
        left -= fitted.total_chars()
    buttons = tuple(
        replace(b, label=truncate(b.label, BUTTON_LABEL_LIMIT) if b.label else b.label)
        for b in reply.buttons[:BUTTONS_PER_MESSAGE]
    )
    return replace(reply, content=content, embeds=tuple(embeds), buttons=buttons)


# --------------------------------------------------------------------------- replies

ANSWER_BUTTONS = (
    ButtonData(ACTION_FULL, label="Full passage", style="primary"),
    ButtonData(ACTION_MORE, label="More results"),
    ButtonData(ACTION_UP, emoji="👍", style="success"),
    ButtonData(ACTION_DOWN, emoji="👎", style="danger"),
)


def question_title(question: str) -> str:
    """The embed title for a question: one line, Markdown-escaped, fitted."""
    return truncate(escape_markdown(_one_line(question)), TITLE_LIMIT) or "Your question"


def question_from_title(title: str | None) -> str | None:
    """Recover the question from an answer's title (buttons on answers sent before a
    restart); None when the title was shortened and the question cannot be recovered."""
    if not title or title.endswith(ELLIPSIS):
        return None
    return re.sub(r"\\(.)", r"\1", title)


def _percent(confidence: float) -> str:
    return f"{round(max(0.0, min(1.0, confidence)) * 100)}%"


def render_answer(answer: Answer, *, ephemeral: bool = False) -> ReplyData:
    """The reply to a question: best snippet with its citation, up to two more passages,
    confidence in the footer, and the answer buttons. No answer: say so plainly."""
    best = answer.best
    if not answer.answered or best is None:
        return render_no_answer(answer, ephemeral=ephemeral)
    description = compose(best.snippet.markdown(), "\n\n— " + citation_markdown(best.citation),
                          DESCRIPTION_LIMIT)
    fields = []
    for r in answer.results[1:1 + EXTRA_PASSAGES]:
        url = safe_url(r.citation.source)
        tail = f"\n[Source]({url})" if url and len(url) < 400 else ""
        snippet = truncate(r.snippet.markdown(), EXTRA_SNIPPET_CHARS)
        fields.append(FieldData(citation_markdown(r.citation, FIELD_NAME_LIMIT, link=False),
                                compose(snippet, tail, FIELD_VALUE_LIMIT)))
    label = answer.confidence_label
    footer = f"Confidence: {label} ({_percent(answer.confidence)})"
    if label == "medium":
        footer += " · check the cited passage"
    embed = EmbedData(
        title=question_title(answer.question),
        description=description,
        url=safe_url(best.citation.source),
        fields=tuple(fields),
        footer=footer,
        color=COLOR_HIGH if label == "high" else COLOR_MEDIUM,
    )
    return fit_reply(ReplyData(embeds=(embed,), buttons=ANSWER_BUTTONS, ephemeral=ephemeral))


def _covers_line(titles: Sequence[str], shown: int = 3) -> str:
    if not titles:
        return ""
    names = [f"*{escape_markdown(_one_line(t))}*" for t in titles[:shown]]
    more = len(titles) - shown
    if more > 0:
        names.append(f"{more} more")
    return "I can answer from: " + ", ".join(names) + "."


def render_no_answer(answer: Answer, *, ephemeral: bool = False) -> ReplyData:
    notice = answer.notice or "The knowledge base has no answer to that."
    parts = [escape_markdown(notice)]
    parts.append("Use **/sources** to see what I know about, or ask again with the words "
                 "those documents use.")
    covers = _covers_line(answer.covers)
    if covers:
        parts.append(covers)
    embed = EmbedData(
        title=question_title(answer.question) if answer.question.strip() else "No answer",
        description="\n\n".join(parts),
        footer="Confidence: no answer",
        color=COLOR_NONE,
    )
    return fit_reply(ReplyData(embeds=(embed,), ephemeral=ephemeral))


def render_full_passage(result: Result | None) -> ReplyData:
    """The whole paragraph behind a citation (ephemeral: only the clicker sees it)."""
    if result is None:
        return render_notice("There is no passage to show for this answer.")
    p = result.passage
    body = escape_markdown(p.text)
    tail = "\n\n— " + citation_markdown(result.citation)
    description = compose(body, tail, DESCRIPTION_LIMIT)
    footer = f"{p.document} · paragraph {p.number}"
    if len(body) + len(tail) > DESCRIPTION_LIMIT:
        footer += " · shortened to fit Discord" + ("; the source has the rest" if p.source else "")
    embed = EmbedData(
        title=citation_markdown(result.citation, TITLE_LIMIT, link=False),
        description=description,
        url=safe_url(p.source),
        footer=footer,
        color=COLOR_INFO,
    )
    return fit_reply(ReplyData(embeds=(embed,), ephemeral=True))


def render_more_results(answer: Answer) -> ReplyData:
    """Every passage found for the question, best first (ephemeral)."""
    if not answer.results:
        return render_notice(answer.notice or "No passages match that question.")
    fields = []
    for i, r in enumerate(answer.results, start=1):
        url = safe_url(r.citation.source)
        tail = f"\n[Source]({url})" if url and len(url) < 400 else ""
        snippet = truncate(r.snippet.markdown(), EXTRA_SNIPPET_CHARS + 100)
        fields.append(FieldData(f"{i}. " + citation_markdown(r.citation, FIELD_NAME_LIMIT - 4, link=False),
                                compose(snippet, tail, FIELD_VALUE_LIMIT)))
    n = len(answer.results)
    note = "" if answer.answered else " · none of them clearly answers the question"
    embed = EmbedData(
        title=truncate("More results: " + escape_markdown(_one_line(answer.question)), TITLE_LIMIT),
        fields=tuple(fields[:FIELDS_LIMIT]),
        footer=f"{n} passage{'s' * (n != 1)}, best first{note}",
        color=COLOR_INFO,
    )
    return fit_reply(ReplyData(embeds=(embed,), ephemeral=True))


def render_sources(sources: Sequence[SourceInfo]) -> ReplyData:
    """The documents the bot answers from, with paragraph counts and links."""
    if not sources:
        return render_notice("The knowledge base is empty: an admin can add documents and /reload.")
    lines = []
    for s in sources:
        title = escape_markdown(_one_line(s.title))
        url = safe_url(s.source)
        name = f"[{title}]({url})" if url and len(url) < 500 else f"**{title}**"
        n = s.paragraphs
        lines.append(truncate(f"• {name} — {n} paragraph{'s' * (n != 1)} · {escape_markdown(s.path)}", 900))
    # Whole lines only: a document is listed completely or counted in "and N more".
    shown: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        rest = len(lines) - i - 1
        reserve = len(f"\n…and {rest} more documents") if rest else 0
        if used + len(line) + 1 + reserve > DESCRIPTION_LIMIT - 40:
            shown.append(f"…and {len(lines) - i} more documents")
            break
        shown.append(line)
        used += len(line) + 1
    total = sum(s.paragraphs for s in sources)
    embed = EmbedData(
        title="Sources",
        description="\n".join(shown),
        footer=f"{len(sources)} document{'s' * (len(sources) != 1)} · {total} paragraph{'s' * (total != 1)}"
               " · answers cite them as Title · ¶paragraph",
        color=COLOR_INFO,
    )
    return fit_reply(ReplyData(embeds=(embed,), ephemeral=True))


def render_help(*, prefix: str | None = None, answer_channels: bool = False,
                console: bool = False) -> ReplyData:
    """How to ask; the console variant lists its typed commands instead of buttons."""
    if console:
        lines = [
            "Type a question and press Enter, e.g. `why Ramstein?`",
            "",
            "**Commands**",
            "`/sources` — the documents I answer from",
            "`/reload` — reload the knowledge base from disk",
            "`/help` — this help · `/quit` — leave (or Ctrl-D)",
            "",
            "**Buttons under an answer**",
            "`/full [N]` — Full passage (of result N, default 1)",
            "`/more` — More results",
            "`/good` · `/bad` — 👍 / 👎 feedback",
        ]
    else:
        lines = [
            "**/ask** `question` — ask anything about the documents I know; "
            "set `private` to True to get an answer only you can see.",
            "**Mention me** with a question, e.g. `@me why Ramstein?`",
        ]
        if prefix:
            lines.append(f"**{escape_markdown(prefix)}ask** `question` — the same, as a message.")
        if answer_channels:
            lines.append("In answer channels, just ask: I reply to questions in a thread.")
        lines += [
            "",
            "Every answer cites its passage as *Title · ¶paragraph*. Under it: "
            "**Full passage** shows the whole paragraph, **More results** lists other "
            "passages, and 👍 / 👎 tell the admins whether it helped.",
            "**/sources** — the documents I answer from.",
            "**/reload** — admins: reload the documents from disk.",
        ]
    embed = EmbedData(title="How to ask", description="\n".join(lines), color=COLOR_INFO,
                      footer="I only answer from the knowledge base, and I say so when it has no answer.")
    return fit_reply(ReplyData(embeds=(embed,), ephemeral=True))


def _names(paths: Sequence[str]) -> str:
    lines = [f"• {escape_markdown(p)}" for p in paths]
    out: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        if used + len(line) + 1 > FIELD_VALUE_LIMIT - 30:
            out.append(f"…and {len(lines) - i} more")
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out)


def render_reload(report: ReloadReport) -> ReplyData:
    """An admin's reload result: counts, what changed, how long it took."""
    diff = report.diff
    fields = [
        FieldData("Documents", str(report.documents), inline=True),
        FieldData("Paragraphs", str(report.paragraphs), inline=True),
        FieldData("Took", f"{report.seconds:.2f} s", inline=True),
    ]
    for label, paths in (("Added", diff.documents_added), ("Removed", diff.documents_removed),
                         ("Changed", diff.documents_changed)):
        if paths:
            fields.append(FieldData(f"{label} ({len(paths)})", _names(paths)))
    if report.skipped:
        fields.append(FieldData(f"Skipped ({len(report.skipped)})",
                                _names([f"{s.path}: {s.reason}" for s in report.skipped])))
    if report.notes:
        fields.append(FieldData(f"Cut ({len(report.notes)})",
                                _names([f"{path}: {note}" for path, note in report.notes])))
    embed = EmbedData(
        title="Knowledge base reloaded",
        description=escape_markdown(report.summary()),
        fields=tuple(fields),
        color=COLOR_HIGH,
    )
    return fit_reply(ReplyData(embeds=(embed,), ephemeral=True))


def render_reload_error(exc: BaseException) -> ReplyData:
    """A failed reload: the old knowledge base still answers, and why it failed."""
    embed = EmbedData(
        title="Reload failed",
        description=("The previous knowledge base is still answering questions.\n\n"
                     f"**Why:** {escape_markdown(str(exc) or type(exc).__name__)}"),
        footer="Fix the knowledge directory and run /reload again.",
        color=COLOR_ERROR,
    )
    return fit_reply(ReplyData(embeds=(embed,), ephemeral=True))


def render_not_admin(command: str = "reload") -> ReplyData:
    return render_notice(
        f"Sorry, only server admins can use /{command}: it needs the Manage Server permission "
        "or an admin role or user listed in the bot's settings. Nothing was changed."
    )


def render_cooldown(retry_after: float, questions: int, seconds: float) -> ReplyData:
    wait = max(1, round(retry_after + 0.49))
    per = f"{questions} question{'s' * (questions != 1)} every {_duration(seconds)}"
    return render_notice(f"You're asking quickly! I answer up to {per} per person, "
                         f"so please try again in {_duration(wait)}.")


def _duration(seconds: float) -> str:
    s = round(seconds)
    if s < 120:
        return f"{s} second{'s' * (s != 1)}"
    m = round(s / 60)
    return f"{m} minutes"


def render_feedback_thanks(vote: str, *, already: bool = False) -> ReplyData:
    if already:
        return render_notice("You already rated this answer. Thanks!")
    emoji = "👍" if vote == ACTION_UP else "👎"
    more = "" if vote == ACTION_UP else " The admins will look at what was missing."
    return render_notice(f"Thanks for the {emoji}!{more}")


def render_empty_question(example: str = "@me why Ramstein?") -> ReplyData:
    return render_notice(f"Ask me something, e.g. `{example}`, or use **/ask**. "
                         "**/help** explains more.", ephemeral=False)


def render_error() -> ReplyData:
    return render_notice("Sorry, something went wrong on my side. Please try again in a moment.")


def render_stale() -> ReplyData:
    return render_notice("This answer is too old for its buttons to work: ask again with **/ask**.")


def render_notice(text: str, *, ephemeral: bool = True) -> ReplyData:
    """A short plain message (no embed)."""
    return fit_reply(ReplyData(content=text, ephemeral=ephemeral))


def reply_as_markdown(reply: ReplyData) -> str:
    """The reply as message content, for channels where the bot may not embed links."""
    parts = [reply.content] if reply.content else []
    for e in reply.embeds:
        if e.title:
            parts.append(f"**{e.title}**")
        if e.description:
            parts.append(e.description)
        for f in e.fields:
            parts.append(f"**{f.name}**\n{f.value}")
        if e.footer:
            parts.append(f"-# {e.footer}")
    return truncate("\n\n".join(parts), CONTENT_LIMIT)


# --------------------------------------------------------------------------- terminal

_MD_TOKEN = re.compile(
    r"\\(.)|\*\*|(?<![\\*\w])\*(?=\S)|(?<=\S)\*(?![*\w])"
    r"|(?<!\\)\[((?:\\.|[^\]\\\n])*)\]\(([^)\s]+)\)|^-# ",
    re.MULTILINE,
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
BOLD, DIM, ITALIC, RESET = "\x1b[1m", "\x1b[2m", "\x1b[3m", "\x1b[0m"


def markdown_to_terminal(text: str, color: bool = False) -> str:
    """Discord Markdown as a terminal shows it: escapes removed, bold as ANSI bold (or
    plain), links as `label <url>`."""
    out: list[str] = []
    pos = 0
    bold = italic = False
    for m in _MD_TOKEN.finditer(text):
        out.append(text[pos:m.start()])
        tok = m.group(0)
        if m.group(1) is not None:
            out.append(m.group(1))
        elif tok == "**":
            bold = not bold
            if color:
                out.append(BOLD if bold else RESET + (ITALIC if italic else ""))
        elif tok == "*":
            italic = not italic
            if color:
                out.append(ITALIC if italic else RESET + (BOLD if bold else ""))
        elif m.group(3) is not None:
            label = markdown_to_terminal(m.group(2), color)
            out.append(f"{label} <{m.group(3)}>")
        pos = m.end()
    out.append(text[pos:])
    if color and (bold or italic):
        out.append(RESET)
    return "".join(out)


def display_width(text: str) -> int:
    """Terminal columns: wide (CJK, emoji) characters take two, combining marks none."""
    width = 0
    for ch in _ANSI.sub("", text):
        if unicodedata.combining(ch) or ch in "\u200b\u200d\ufe0f":
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap by display width, keeping explicit line breaks; words longer than
    a line are broken (a terminal has no other choice)."""
    lines: list[str] = []
    for para in text.split("\n"):
        current = ""
        for word in para.split(" "):
            if not word:
                continue
            candidate = f"{current} {word}" if current else word
            if display_width(candidate) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            while display_width(word) > width:
                cut = width
                while display_width(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return lines


@dataclass(frozen=True)
class _Box:
    tl: str = "╭"
    tr: str = "╮"
    bl: str = "╰"
    br: str = "╯"
    h: str = "─"
    v: str = "│"
    ml: str = "├"
    mr: str = "┤"


_UNICODE_BOX = _Box()
_ASCII_BOX = _Box("+", "+", "+", "+", "-", "|", "+", "+")


@dataclass
class TerminalStyle:
    width: int = 80
    color: bool = False
    ascii: bool = False
    _box: _Box = field(init=False)

    def __post_init__(self) -> None:
        self.width = max(30, self.width)
        self._box = _ASCII_BOX if self.ascii else _UNICODE_BOX


def _rgb(color: int | None) -> str:
    if color is None:
        return ""
    return f"\x1b[38;2;{(color >> 16) & 255};{(color >> 8) & 255};{color & 255}m"


def _bold(s: str, color: bool) -> str:
    return f"{BOLD}{s}{RESET}" if color else s


def render_terminal(reply: ReplyData, style: TerminalStyle | None = None) -> str:
    """Draw a reply the way Discord would show it: content, then each embed in a box
    (title, description, fields, footer), then the buttons."""
    style = style or TerminalStyle()
    b = style._box
    inner = style.width - 4
    out: list[str] = []

    def text(md: str) -> str:
        t = markdown_to_terminal(md, style.color)
        if style.ascii:
            t = t.encode("ascii", "replace").decode("ascii")
        return t

    def dim(s: str) -> str:
        return f"{DIM}{s}{RESET}" if style.color else s

    if reply.ephemeral:
        out.append(dim("(only you can see this)"))
    if reply.content:
        out.extend(wrap(text(reply.content), style.width))
    for e in reply.embeds:
        edge = _rgb(e.color) + b.v + RESET if style.color and e.color is not None else b.v

        def row(line: str, edge: str = edge) -> str:
            pad = inner - display_width(line)
            return f"{edge} {line}{' ' * max(0, pad)} {b.v}"

        def rule(left: str, right: str) -> str:
            return left + b.h * (style.width - 2) + right

        out.append(rule(b.tl, b.tr))
        head: list[str] = []
        if e.title:
            title = text(e.title)
            head += wrap(_bold(title, style.color), inner)
        if e.url:
            head += wrap(dim(e.url), inner)
        out += [row(x) for x in head]
        body: list[str] = []
        if e.description:
            body += wrap(text(e.description), inner)
        i = 0
        while i < len(e.fields):
            f = e.fields[i]
            if body:
                body.append("")
            if f.inline:
                # Discord puts up to three inline fields side by side: draw them as columns.
                group = [f]
                while len(group) < 3 and i + len(group) < len(e.fields) and e.fields[i + len(group)].inline:
                    group.append(e.fields[i + len(group)])
                col = (inner - 2 * (len(group) - 1)) // len(group)
                cols = [wrap(_bold(text(g.name), style.color), col) + wrap(text(g.value), col) for g in group]
                for r in range(max(len(c) for c in cols)):
                    parts = [(c[r] if r < len(c) else "") for c in cols]
                    body.append("  ".join(p + " " * (col - display_width(p)) for p in parts).rstrip())
                i += len(group)
                continue
            body += wrap(_bold(text(f.name), style.color), inner)
            body += ["  " + x for x in wrap(text(f.value), inner - 2)]
            i += 1
        if body:
            if head:
                out.append(rule(b.ml, b.mr))
            out += [row(x) for x in body]
        if e.footer:
            out.append(rule(b.ml, b.mr))
            out += [row(dim(x)) for x in wrap(text(e.footer), inner)]
        out.append(rule(b.bl, b.br))
    if reply.buttons:
        labels = [f"[ {text(btn.text)} ]" for btn in reply.buttons]
        out.extend(wrap(" ".join(labels), style.width))
    return "\n".join(out)


def to_text(reply: ReplyData, width: int = 80) -> str:
    """The reply as plain text (no colour), e.g. for `python -m bot ask`."""
    return render_terminal(reply, TerminalStyle(width=width))


__all__ = [
    "ACTION_DOWN",
    "ACTION_FULL",
    "ACTION_MORE",
    "ACTION_UP",
    "ANSWER_BUTTONS",
    "MORE_RESULTS_K",
    "ButtonData",
    "EmbedData",
    "FieldData",
    "ReplyData",
    "TerminalStyle",
    "citation_markdown",
    "compose",
    "display_width",
    "fit_embed",
    "fit_reply",
    "markdown_to_terminal",
    "question_from_title",
    "question_title",
    "render_answer",
    "render_cooldown",
    "render_empty_question",
    "render_error",
    "render_feedback_thanks",
    "render_full_passage",
    "render_help",
    "render_more_results",
    "render_no_answer",
    "render_not_admin",
    "render_notice",
    "render_reload",
    "render_reload_error",
    "render_sources",
    "render_stale",
    "render_terminal",
    "reply_as_markdown",
    "safe_url",
    "to_text",
    "truncate",
    "wrap",
]
