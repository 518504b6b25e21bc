"""The bot's replies: every user-facing wording, composed as `ReplyData`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ..answer import Answer, Citation, Result
from ..mentions import MentionNames, named_syntax
from ..outcomes import NOT_HOME_CONNECTING, NOT_HOME_INFERRED, NOT_HOME_LISTED, LearnedInfo
from ..retrieval.snippets import escape_markdown
from ..semantic.worker import SemanticStatus
from ..service import KnowledgeDiff, ReloadReport, SourceInfo
from ..text import MENTION_SYNTAX, clean_invisible
from .citation import citation_where
from .markdown import ELLIPSIS, compose, one_line, safe_url, truncate, units
from .passage import fit_passage, snippet_markdown
from .reply import (
    ACTION_DOWN,
    ACTION_FULL,
    ACTION_MORE,
    ACTION_TEACH,
    ACTION_UP,
    DESCRIPTION_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FIELDS_LIMIT,
    TITLE_LIMIT,
    ButtonData,
    EmbedData,
    FieldData,
    ReplyData,
    fit_reply,
)

EXTRA_PASSAGES = 2  # passages shown as fields under the best one
EXTRA_SNIPPET_CHARS = 300  # keep the extra fields short: the best passage is the answer
CLOSEST_PASSAGES = 3  # shown under "no answer": what was found, for the asker to judge
MORE_RESULTS_K = 8  # how many passages "More results" lists

# At or above this confidence an answer is shown as sure: green, and no "check the cited
# passage" in its footer. How sure to look is the reply's choice, so it lives here.
HIGH_CONFIDENCE = 0.8

COLOR_HIGH = 0x2ECC71
COLOR_MEDIUM = 0xF1C40F
COLOR_NONE = 0x95A5A6
COLOR_INFO = 0x5865F2
COLOR_ERROR = 0xE74C3C


def learned_label(info: LearnedInfo) -> str:
    return f"Learned answer · taught on {info.taught_on.isoformat()}"


def citation_markdown(
    citation: Citation, limit: int = FIELD_VALUE_LIMIT, link: bool = True, learned: LearnedInfo | None = None
) -> str:
    """`Title › Section · ¶3` (`· p. 4 · ¶3` for paged documents), linked to the place (or
    the source) when known; a long heading path is shortened, the paragraph mark never is.
    A learned answer is cited as "Learned answer · taught on <date>", linked to the message
    it was taught from."""
    if learned is not None:
        label = learned_label(learned)
        url = safe_url(learned.source) if link else None
        if url and units(url) + units(label) + 4 <= limit:
            return f"[{label}]({url})"
        return truncate(label, limit)
    mark = f" · {citation_where(citation)}"
    url = safe_url(citation.url or citation.source) if link else None
    title = " › ".join(escape_markdown(one_line(t)) for t in (citation.title, *citation.section) if t.strip())
    if url:
        extra = units("[]()") + units(url) + units(mark)
        if extra + 12 <= limit:  # room for at least a few words of title
            return f"[{truncate(title, limit - extra)}{mark}]({url})"
    return truncate(title, max(1, limit - units(mark))) + mark


def _short_snippet(r: Result, limit: int) -> str:
    """A further passage's snippet: short, with at most a few lines of lead-in code."""
    md = snippet_markdown(r.passage, r.snippet, code_lines=4, code_units=300)
    return truncate(md, limit + (300 if "```" in md else 0))


ANSWER_BUTTONS = (
    ButtonData(ACTION_FULL, label="Full passage", style="primary"),
    ButtonData(ACTION_MORE, label="More results"),
    ButtonData(ACTION_UP, emoji="👍", style="success"),
    ButtonData(ACTION_DOWN, emoji="👎", style="danger"),
)


# Around each mention a title names (WORD JOINER): invisible, never in a name or a question
# searched (text cleaning drops it), so question_from_title can leave the names out again.
NAMED = "\u2060"
_NAMED_SPAN = re.compile(f"{NAMED}[^{NAMED}]*{NAMED}")


def question_title(question: str, asked: str | None = None, names: MentionNames | None = None) -> str:
    """The embed title for a question: one line, Markdown-escaped, fitted. `asked`: the
    question as the member typed it, when its mentions (or custom emoji) were left out of
    `question`, the one searched: Discord draws none of them in a title, so they are named
    from `names` (unknown ones as "@unknown-user" etc.), marked for question_from_title."""
    plain = escape_markdown(one_line(question))
    if asked is not None and question.strip() and MENTION_SYNTAX.search(clean_invisible(asked)):
        named = escape_markdown(one_line(named_syntax(asked, names, mark=NAMED)))
        # Names that push a title past the limit would cut it, and a cut title cannot give
        # the question back to buttons after a restart: then the question searched alone.
        if units(named) <= TITLE_LIMIT or units(plain) > TITLE_LIMIT:
            plain = named
    return truncate(plain, TITLE_LIMIT) or "Your question"


FOLLOWS = " → "  # between the question a reply follows up and the reply's own words
FOLLOWED_CHARS = 150  # of the question followed at most: its end, the nearest context


def follow_up_question(previous: str, question: str) -> str:
    """A member's follow-up read with the question it follows ("how do I install it? →
    and on windows?"): its answer's question, shown so as its title. Of the question
    followed only its end, as much as leaves the title whole (a cut title gives no
    question back to buttons after a restart); an arrow of the member's own becomes "->",
    so the title's last one is this one."""
    own = one_line(question).replace("→", "->")
    room = TITLE_LIMIT - units(escape_markdown(own + FOLLOWS)) - 1
    head = one_line(previous)
    if len(head) > FOLLOWED_CHARS or units(escape_markdown(head)) > room:
        keep = min(FOLLOWED_CHARS, len(head))
        while keep > 0 and units(escape_markdown(head[-keep:])) > room:
            keep -= max(1, keep // 8)
        tail = head[-keep:] if keep > 0 else ""
        head = "…" + (tail.split(" ", 1)[-1] if " " in tail else tail)
    return f"{head}{FOLLOWS}{own}"


def split_follow_up(question: str) -> tuple[str | None, str]:
    """follow_up_question's parts again: (the question followed, the follow-up's own
    words); (None, question) for a question that follows none."""
    head, sep, own = question.rpartition(FOLLOWS)
    return (head, own) if sep and head.strip() and own.strip() else (None, question)


def question_from_title(title: str | None) -> str | None:
    """Recover the question searched from an answer's title (buttons on answers sent before
    a restart), without the mentions the title named (the search never had them); None when
    the title was shortened and the question cannot be recovered."""
    if not title or title.endswith(ELLIPSIS):
        return None
    if NAMED in title:
        title = one_line(_NAMED_SPAN.sub(" ", title))
    return re.sub(r"\\(.)", r"\1", title)


def title_of_text_reply(content: str | None) -> str | None:
    """The embed title a reply sent as text (no Embed Links permission, see
    reply.reply_as_markdown) shows as its bold first paragraph; None when there is none."""
    head = (content or "").split("\n\n", 1)[0]
    if len(head) > 4 and head.startswith("**") and head.endswith("**") and "\n" not in head:
        return head[2:-2]
    return None


def _percent(confidence: float) -> str:
    return f"{round(max(0.0, min(1.0, confidence)) * 100)} %"


def semantic_off_notice(model: str) -> str:
    """Said once at start-up when no embedding model runs."""
    return (
        f"Semantic matching is off: the {model} model is not installed here "
        "(pip install '.[semantic]'); answers match the documents' words only."
    )


def semantic_status_line(status: SemanticStatus) -> str:
    """How reloaded answers are matched: words and meaning, or words only (for now)."""
    if status.model is None:
        return "Answers match words only (semantic matching is off)."
    if status.ready:
        return "Answers match words and meaning."
    return (
        f"Answers match words only until {status.embedding} new or changed "
        f"passage{'s' * (status.embedding != 1)} are embedded (in the background); "
        "then words and meaning."
    )


def render_answer(
    answer: Answer,
    *,
    ephemeral: bool = False,
    learned: Mapping[str, LearnedInfo] | None = None,
    teach: bool = False,
    asked: str | None = None,
    names: MentionNames | None = None,
) -> ReplyData:
    """The reply to a question: best snippet with its citation, up to two more passages,
    confidence in the footer, and the answer buttons. No answer: say so plainly.
    `learned`: origins of cited learned answers, by document; `teach`: a no-answer reply
    offers the "Teach an answer" button; `asked`, `names`: the title's (question_title)."""
    if answer.small_talk is not None:
        return render_small_talk(answer, ephemeral=ephemeral)
    best = answer.best
    if not answer.answered or best is None:
        return render_no_answer(answer, ephemeral=ephemeral, teach=teach, asked=asked, names=names)
    learned = learned or {}
    description = compose(
        snippet_markdown(best.passage, best.snippet),
        "\n\n— " + citation_markdown(best.citation, learned=learned.get(best.citation.document)),
        DESCRIPTION_LIMIT,
    )
    fields = []
    for r in answer.results[1 : 1 + EXTRA_PASSAGES]:
        url = safe_url(r.citation.url or r.citation.source)
        tail = f"\n[Source]({url})" if url and len(url) < 400 else ""
        snippet = _short_snippet(r, EXTRA_SNIPPET_CHARS)
        fields.append(
            FieldData(
                citation_markdown(r.citation, FIELD_NAME_LIMIT, link=False, learned=learned.get(r.citation.document)),
                compose(snippet, tail, FIELD_VALUE_LIMIT),
            )
        )
    sure = answer.confidence >= HIGH_CONFIDENCE
    footer = f"Confidence: {_percent(answer.confidence)}"
    if not sure:
        footer += " · check the cited passage"
    embed = EmbedData(
        title=question_title(answer.question, asked, names),
        description=description,
        url=safe_url(best.citation.url or best.citation.source),
        fields=tuple(fields),
        footer=footer,
        color=COLOR_HIGH if sure else COLOR_MEDIUM,
    )
    return fit_reply(ReplyData(embeds=(embed,), buttons=ANSWER_BUTTONS, ephemeral=ephemeral))


def _covers_line(titles: Sequence[str], shown: int = 3) -> str:
    if not titles:
        return ""
    names = [f"*{escape_markdown(one_line(t))}*" for t in titles[:shown]]
    more = len(titles) - shown
    if more > 0:
        names.append(f"{more} more")
    return "I can answer from: " + ", ".join(names) + "."


def render_small_talk(answer: Answer, *, ephemeral: bool = False) -> ReplyData:
    """A reply in kind to a thank-you, a greeting or a poll of the channel (nothing was searched)."""
    if answer.small_talk == "thanks":
        text = "Glad I could help! Ask me again any time."
    elif answer.small_talk == "poll":
        text = "That one is for the people here: I only know what the knowledge base says."
    else:
        text = "Hi! I'm here: ask me a question and I'll answer from the knowledge base."
    covers = _covers_line(answer.covers)
    return fit_reply(ReplyData(content=f"{text} {covers}".strip(), ephemeral=ephemeral))


NO_ANSWER_TEXT = {
    "not_a_question": "That doesn't look like a question: type a few words about what you want to know.",
    "no_words": "Your question has no words I can search for: name the topic you're asking about.",
    "no_answer": "The knowledge base has no answer to that.",
}


def no_answer_text(answer: Answer) -> str:
    """Why there is no answer, in words for the asker."""
    return NO_ANSWER_TEXT[answer.reason or "no_answer"]


TEACH_BUTTON = ButtonData(ACTION_TEACH, label="Teach an answer", emoji="🎓")


def render_no_answer(
    answer: Answer,
    *,
    ephemeral: bool = False,
    teach: bool = False,
    asked: str | None = None,
    names: MentionNames | None = None,
) -> ReplyData:
    parts = [escape_markdown(no_answer_text(answer))]
    parts.append("Use **/sources** to see what I know about, or ask again with the words those documents use.")
    covers = _covers_line(answer.covers)
    if covers:
        parts.append(covers)
    # Below the answer threshold: still show what was found, clearly as "closest", not as an answer.
    fields = []
    if answer.results:
        lines = [
            f"• {citation_markdown(r.citation, FIELD_NAME_LIMIT, link=False)}: {truncate(r.snippet.markdown(), 160)}"
            for r in answer.results[:CLOSEST_PASSAGES]
        ]
        fields.append(
            FieldData("Closest passages (none clearly answers)", truncate("\n".join(lines), FIELD_VALUE_LIMIT))
        )
    footer = "Confidence: no answer"
    if answer.results:
        footer += f" ({_percent(answer.confidence)})"
    embed = EmbedData(
        title=question_title(answer.question, asked, names) if answer.question.strip() else "No answer",
        description="\n\n".join(parts),
        fields=tuple(fields),
        footer=footer,
        color=COLOR_NONE,
    )
    return fit_reply(ReplyData(embeds=(embed,), buttons=(TEACH_BUTTON,) if teach else (), ephemeral=ephemeral))


def render_full_passage(result: Result | None, *, learned: LearnedInfo | None = None) -> ReplyData:
    """The whole paragraph behind a citation (ephemeral: only the clicker sees it)."""
    if result is None:
        return render_notice("There is no passage to show for this answer.")
    p = result.passage
    tail = "\n\n— " + citation_markdown(result.citation, learned=learned)
    room = DESCRIPTION_LIMIT - units(tail)
    if p.markdown:
        body, shortened = fit_passage(p.markdown, room)
    else:
        body = escape_markdown(p.text)
        shortened = units(body) > room
    description = compose(body, tail, DESCRIPTION_LIMIT)
    footer = f"{p.document} · paragraph {p.number}"
    if shortened:
        footer += " · shortened to fit Discord" + ("; the source has the rest" if p.url or p.source else "")
    embed = EmbedData(
        title=citation_markdown(result.citation, TITLE_LIMIT, link=False, learned=learned),
        description=description,
        url=safe_url(p.url or p.source),
        footer=footer,
        color=COLOR_INFO,
    )
    return fit_reply(ReplyData(embeds=(embed,), ephemeral=True))


def render_more_results(answer: Answer, *, learned: Mapping[str, LearnedInfo] | None = None) -> ReplyData:
    """Every passage found for the question, best first (ephemeral)."""
    if not answer.results:
        return render_notice(no_answer_text(answer) if answer.reason else "No passages match that question.")
    learned = learned or {}
    fields = []
    for i, r in enumerate(answer.results, start=1):
        url = safe_url(r.citation.url or r.citation.source)
        tail = f"\n[Source]({url})" if url and len(url) < 400 else ""
        snippet = _short_snippet(r, EXTRA_SNIPPET_CHARS + 100)
        fields.append(
            FieldData(
                f"{i}. "
                + citation_markdown(
                    r.citation, FIELD_NAME_LIMIT - 4, link=False, learned=learned.get(r.citation.document)
                ),
                compose(snippet, tail, FIELD_VALUE_LIMIT),
            )
        )
    n = len(answer.results)
    note = "" if answer.answered else " · none of them clearly answers the question"
    embed = EmbedData(
        title=truncate("More results: " + escape_markdown(one_line(answer.question)), TITLE_LIMIT),
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
        title = escape_markdown(one_line(s.title))
        url = safe_url(s.source)
        name = f"[{title}]({url})" if url and len(url) < 500 else f"**{title}**"
        n = s.paragraphs
        lines.append(truncate(f"• {name} — {n} paragraph{'s' * (n != 1)} · {escape_markdown(one_line(s.path))}", 900))
    # Whole lines only: a document is listed completely or counted in "and N more".
    shown: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        rest = len(lines) - i - 1
        reserve = units(f"\n…and {rest} more documents") if rest else 0
        if used + units(line) + 1 + reserve > DESCRIPTION_LIMIT - 40:
            shown.append(f"…and {len(lines) - i} more documents")
            break
        shown.append(line)
        used += units(line) + 1
    total = sum(s.paragraphs for s in sources)
    embed = EmbedData(
        title="Sources",
        description="\n".join(shown),
        footer=f"{len(sources)} document{'s' * (len(sources) != 1)} · {total} paragraph{'s' * (total != 1)}"
        " · answers cite them as Title · ¶paragraph",
        color=COLOR_INFO,
    )
    return fit_reply(ReplyData(embeds=(embed,), ephemeral=True))


EXAMPLE_TOPIC_WORDS = 8
GENERIC_EXAMPLE = "what can you answer?"


def example_question(sources: Sequence[SourceInfo], configured: str | None = None) -> str:
    """The question /help and an empty mention suggest: the admin's EXAMPLE_QUESTION, else
    one made from the knowledge base itself (its shortest document title), so the example
    is one this bot can answer, whatever it holds."""
    if configured and configured.strip():
        return _code_text(configured)
    titles = [one_line(s.title) for s in sources if s.title.strip()]
    if not titles:
        return GENERIC_EXAMPLE
    _, _, topic = min((len(t.split()), i, t) for i, t in enumerate(titles))
    return _code_text("tell me about " + " ".join(topic.split()[:EXAMPLE_TOPIC_WORDS]))


def _code_text(text: str) -> str:
    """Text shown inside `code`: one line, no backtick to end the span early."""
    return one_line(text).replace("`", "'")


def render_help(
    *, prefix: str | None = None, answer_channels: bool = False, console: bool = False, example: str = GENERIC_EXAMPLE
) -> ReplyData:
    """How to ask; the console variant lists its typed commands instead of buttons.
    `example` is a question to suggest (see example_question)."""
    example = _code_text(example)
    if console:
        lines = [
            f"Type a question and press Enter, e.g. `{example}`",
            "",
            "**Commands**",
            "`/sources` — the documents I answer from",
            "`/reload` — reload the knowledge base from disk",
            "`/help` — this help · `/quit` — leave (or Ctrl-D)",
            "",
            "**Growing the knowledge base** (you are a local admin here)",
            "`/gaps [7|30] [PAGE]` — questions I could not answer or that got 👎",
            "`/teach QUESTION | ANSWER` — save a learned answer (source: console)",
            "`/kb list [PAGE]` · `/kb show DOCUMENT` — the documents",
            "`/kb add PATH [replace]` — add a file under knowledge/uploads/",
            "`/kb remove DOCUMENT` — delete a document",
            "`/forget-me` — delete the questions and votes stored about you",
            "",
            "**Buttons under an answer**",
            "`/full [N]` — Full passage (of result N, default 1)",
            "`/more` — More results",
            "`/good` · `/bad` — 👍 / 👎 feedback",
            "`/reply QUESTION` — follow the answer up, as a reply to it on Discord",
        ]
    else:
        lines = [
            "**/ask** `question` — ask anything about the documents I know; "
            "set `private` to True to get an answer only you can see.",
            f"**Mention me** with a question, e.g. `@me {example}`",
        ]
        if prefix:
            lines.append(f"**{escape_markdown(prefix)}ask** `question` — the same, as a message.")
        if answer_channels:
            lines.append("In answer channels, just ask: I reply to questions in a thread.")
        lines += [
            "",
            "Every answer cites its passage as *Title · ¶paragraph*. Under it: "
            "**Full passage** shows the whole paragraph, **More results** lists other "
            "passages, and 👍 / 👎 tell the admins whether it helped. **Reply** to an answer "
            'to follow it up ("and on Windows?"): no mention needed.',
            "**/sources** — the documents I answer from.",
            "**/reload** — admins: reload the documents from disk.",
        ]
    embed = EmbedData(
        title="How to ask",
        description="\n".join(lines),
        color=COLOR_INFO,
        footer="I only answer from the knowledge base, and I say so when it has no answer.",
    )
    return fit_reply(ReplyData(embeds=(embed,), ephemeral=True))


def _names(paths: Sequence[str]) -> str:
    lines = [f"• {escape_markdown(one_line(p))}" for p in paths]  # a name may hold a newline
    out: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        if used + units(line) + 1 > FIELD_VALUE_LIMIT - 30:
            out.append(f"…and {len(lines) - i} more")
            break
        out.append(line)
        used += units(line) + 1
    return "\n".join(out)


def diff_summary(diff: KnowledgeDiff) -> str:
    """What a reload changed: documents added, removed, changed, and the paragraphs."""
    if diff.unchanged:
        return "nothing changed"
    parts = []
    for label, docs in (
        ("added", diff.documents_added),
        ("removed", diff.documents_removed),
        ("changed", diff.documents_changed),
    ):
        if docs:
            parts.append(f"{len(docs)} document{'s' * (len(docs) != 1)} {label}")
    parts.append(f"paragraphs +{diff.paragraphs_added} −{diff.paragraphs_removed} ~{diff.paragraphs_changed}")
    return ", ".join(parts)


def reload_summary(report: ReloadReport) -> str:
    """One paragraph. Skipped files are only counted: the reload reply lists them in a
    field of their own."""
    text = (
        f"Reloaded {report.documents} document{'s' * (report.documents != 1)}, "
        f"{report.paragraphs} paragraph{'s' * (report.paragraphs != 1)} in {report.seconds:.2f} s: "
        f"{diff_summary(report.diff)}."
    )
    if report.skipped:
        text += f" {len(report.skipped)} file{'s' * (len(report.skipped) != 1)} skipped."
    return text


def render_reload(report: ReloadReport) -> ReplyData:
    """An admin's reload result: counts, what changed, how long it took."""
    diff = report.diff
    fields = [
        FieldData("Documents", str(report.documents), inline=True),
        FieldData("Paragraphs", str(report.paragraphs), inline=True),
        FieldData("Took", f"{report.seconds:.2f} s", inline=True),
    ]
    for label, paths in (
        ("Added", diff.documents_added),
        ("Removed", diff.documents_removed),
        ("Changed", diff.documents_changed),
    ):
        if paths:
            fields.append(FieldData(f"{label} ({len(paths)})", _names(paths)))
    if report.skipped:
        fields.append(
            FieldData(f"Skipped ({len(report.skipped)})", _names([f"{s.path}: {s.reason}" for s in report.skipped]))
        )
    if report.notes:
        fields.append(
            FieldData(
                f"Read with a note ({len(report.notes)})", _names([f"{path}: {note}" for path, note in report.notes])
            )
        )
    embed = EmbedData(
        title="Knowledge base reloaded",
        description=escape_markdown(reload_summary(report)) + "\n" + semantic_status_line(report.semantic),
        fields=tuple(fields),
        color=COLOR_HIGH,
    )
    return fit_reply(ReplyData(embeds=(embed,), ephemeral=True))


def render_reload_failed(why: str) -> ReplyData:
    """A failed reload, its reason `why` already worded (plain text: escaped here)."""
    embed = EmbedData(
        title="Reload failed",
        description=f"The previous knowledge base is still answering questions.\n\n**Why:** {escape_markdown(why)}",
        footer="Fix the knowledge directory and run /reload again.",
        color=COLOR_ERROR,
    )
    return fit_reply(ReplyData(embeds=(embed,), ephemeral=True))


_OR_LISTED = "or you to ADMIN_USER_IDS (or your role to ADMIN_ROLE_IDS)"
NOT_HOME_TEXT = {
    NOT_HOME_LISTED: (
        "Manage Server makes you an admin of this bot only in its home server, which its GUILD_IDS "
        "setting names, and this server is not one of those: ask whoever runs the bot to add this "
        f"server's id to GUILD_IDS, {_OR_LISTED}"
    ),
    NOT_HOME_INFERRED: (
        "Manage Server makes you an admin of this bot only in its home server. Its GUILD_IDS "
        "setting is not set, so its home is the one server it is in, and this server is not that "
        "(the bot is in others too, or only its commands were added here): ask whoever runs the "
        f"bot to set GUILD_IDS to the home server's id, {_OR_LISTED}"
    ),
    NOT_HOME_CONNECTING: (
        "Manage Server makes you an admin of this bot only in its home server, which (with no "
        "GUILD_IDS setting) is the one server it is in, and the bot is still connecting to "
        "Discord, so it cannot tell yet whether that is this one: try again in a minute. "
        "Setting GUILD_IDS to the home server's id avoids the wait"
    ),
}


def not_home_text(not_home: str | None) -> str | None:
    """Why Manage Server did not count in this server (outcomes.NOT_HOME_*), or None."""
    return NOT_HOME_TEXT.get(not_home or "")


def render_not_admin(command: str = "reload", not_home: str | None = None) -> ReplyData:
    """The refusal of an admin command; `not_home`: the member has Manage Server, which does
    not count here, and why (an admin elsewhere must not be told they are none)."""
    why = not_home_text(not_home)
    if why is not None:
        return render_notice(f"Sorry, /{command} was not run. {why}. Nothing was changed.")
    return render_notice(
        f"Sorry, only server admins can use /{command}: it needs the Manage Server permission "
        "(in the server the knowledge base belongs to, when the bot is in several) "
        "or an admin role or user listed in the bot's settings. Nothing was changed."
    )


def render_cooldown(retry_after: float, questions: int, seconds: float) -> ReplyData:
    wait = max(1, round(retry_after + 0.49))
    per = f"{questions} question{'s' * (questions != 1)} every {_duration(seconds)}"
    return render_notice(
        f"You're asking quickly! I answer up to {per} per person, so please try again in {_duration(wait)}."
    )


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


def render_vote_not_saved(vote: str) -> ReplyData:
    """The database could not take the vote: it is not counted, and clicking again may work."""
    emoji = "👍" if vote == ACTION_UP else "👎"
    return render_notice(
        f"Sorry, your {emoji} could not be saved: the bot's database is unavailable right now. "
        "Please try again in a moment."
    )


def render_empty_question(example: str = GENERIC_EXAMPLE, *, how: str = "@me ") -> ReplyData:
    """The reply to a mention (or !ask) without a question; `how` is how to ask ("@me ", "!ask ")."""
    return render_notice(
        f"Ask me something, e.g. `{how}{_code_text(example)}`, or use **/ask**. **/help** explains more.",
        ephemeral=False,
    )


def render_role_mention_unreadable() -> ReplyData:
    """A mention of the bot's role, whose text Discord did not show the bot (no Message
    Content intent): how to ask so that it can read the question."""
    return render_notice(
        "I can't read messages that mention my role. When you type @, pick me (the bot, not "
        "the role) and ask again, or use **/ask**.",
        ephemeral=False,
    )


def render_error() -> ReplyData:
    return render_notice("Sorry, something went wrong on my side. Please try again in a moment.")


def render_stale() -> ReplyData:
    return render_notice("This answer is too old for its buttons to work: ask again with **/ask**.")


def render_kb_changed() -> ReplyData:
    """Full passage after a restart, when the passage the answer showed is gone."""
    return render_notice(
        "The knowledge base has changed since this answer: the passage it showed is no longer "
        "there. Ask again with **/ask** for an answer from what it holds now."
    )


def render_vote_kb_changed() -> ReplyData:
    """A vote after a restart, when the passage the answer showed is gone: not recorded."""
    return render_notice(
        "The knowledge base has changed since this answer, so your vote was not recorded (the "
        "passage it showed is no longer there). Ask again with **/ask** and rate the new answer."
    )


def render_notice(text: str, *, ephemeral: bool = True) -> ReplyData:
    """A short plain message (no embed)."""
    return fit_reply(ReplyData(content=text, ephemeral=ephemeral))
