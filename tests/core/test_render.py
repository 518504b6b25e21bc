"""Rendering: answers as embeds, citations, Discord's limits, and the terminal drawing."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answer import Answer, Citation, Result
from bot.discord.send import to_embed
from bot.documents.registry import SUPPORTED_SUFFIXES
from bot.errors import FolderProblem
from bot.mentions import MentionNames
from bot.outcomes import (
    KNOWLEDGE_DIR_UNUSABLE,
    LEARNED_NOT_A_FOLDER,
    LEARNED_UNUSABLE,
    LOOKUP_FAILED,
    NOT_RESTORED,
    NOT_SAVED,
    RELOAD_FAILED,
    UNPARSEABLE,
    UPLOADS_UNREADABLE,
    Leftover,
    Refused,
    Reread,
    Stranded,
)
from bot.rendering.citation import citation_label
from bot.rendering.discord import (
    COMMAND_DESCRIPTION_LIMIT,
    COMMAND_HELP,
    OPTION_HELP,
    file_option_help,
    render_discord_refused,
    render_discord_reload_failed,
)
from bot.rendering.kb import render_refused, render_reload_refused
from bot.rendering.markdown import (
    compose,
    defuse_mentions,
    markup_states,
    safe_url,
    scrub,
    truncate,
    units,
)
from bot.rendering.messages import (
    COLOR_HIGH,
    COLOR_MEDIUM,
    NAMED,
    citation_markdown,
    example_question,
    follow_up_question,
    question_from_title,
    question_title,
    render_answer,
    render_cooldown,
    render_empty_question,
    render_full_passage,
    render_help,
    render_more_results,
    render_no_answer,
    render_reload,
    render_reload_failed,
    render_sources,
)
from bot.rendering.reply import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FIELDS_LIMIT,
    TITLE_LIMIT,
    EmbedData,
    FieldData,
    ReplyData,
    fit_embed,
    fit_reply,
    reply_as_markdown,
)
from bot.rendering.terminal import (
    TerminalStyle,
    display_width,
    markdown_to_terminal,
    render_terminal,
    to_text,
)
from bot.retrieval.snippets import Snippet, escape_markdown
from bot.service import KnowledgeService, SourceInfo
from bot.text import strip_mention_syntax
from tests.fakes.handler_fakes import make_knowledge


def assert_within_limits(reply: ReplyData) -> None:
    assert reply.content is None or len(reply.content) <= CONTENT_LIMIT
    total = 0
    for e in reply.embeds:
        assert e.title is None or len(e.title) <= TITLE_LIMIT
        assert e.description is None or len(e.description) <= DESCRIPTION_LIMIT
        assert len(e.fields) <= FIELDS_LIMIT
        for f in e.fields:
            assert 0 < len(f.name) <= FIELD_NAME_LIMIT and 0 < len(f.value) <= FIELD_VALUE_LIMIT
        total += e.total_chars()
        assert len(to_embed(e)) == e.total_chars()  # we count what discord.py counts
    assert total <= EMBED_TOTAL_LIMIT


def unescape(md: str) -> str:
    return re.sub(r"\\(.)", r"\1", md)


# ------------------------------------------------------------------------------- answers


def test_answer_embed_cites_the_best_passage(service):
    answer = service.ask("why Ramstein?")
    reply = render_answer(answer)
    [e] = reply.embeds
    assert e.title == "why Ramstein?"
    assert e.description.endswith("— New progress in NATO’s space force construction · ¶3")
    assert "**" in e.description  # matched words in bold
    assert re.fullmatch(r"Confidence: \d{1,3} %( · check the cited passage)?", e.footer)
    assert [b.text for b in reply.buttons] == ["Full passage", "More results", "👍", "👎"]
    assert len(e.fields) == min(2, len(answer.results) - 1)
    for f, r in zip(e.fields, answer.results[1:]):
        assert f.name == escape_markdown(citation_label(r.citation))
    assert not reply.ephemeral and render_answer(answer, ephemeral=True).ephemeral
    assert_within_limits(reply)


def test_answer_footer_and_colour_say_how_sure(service):
    """At 80 % and above the answer is green and asks no check; below, yellow with the hint."""
    answer = service.ask("why Ramstein?")
    assert answer.answered
    sure = render_answer(dataclasses.replace(answer, confidence=0.8)).embeds[0]
    assert (sure.footer, sure.color) == ("Confidence: 80 %", COLOR_HIGH)
    unsure = render_answer(dataclasses.replace(answer, confidence=0.794)).embeds[0]
    assert (unsure.footer, unsure.color) == ("Confidence: 79 % · check the cited passage", COLOR_MEDIUM)


def test_citation_links_to_the_source_when_known(tmp_path):
    kdir = make_knowledge(
        tmp_path / "k",
        {
            "page.md": "source: https://example.org/wiki/Space_(centre)\n\n# Orbital Relay [Notes]\n\n"
            "The orbital relay station is staffed by twelve engineers.\n\n"
            "The relay station handles satellite telemetry for the alliance.\n"
        },
        article=False,
    )
    service = KnowledgeService.open(kdir)
    reply = render_answer(service.ask("who staffs the orbital relay station?"))
    [e] = reply.embeds
    assert e.url is not None and "(" not in e.url and ")" not in e.url
    assert re.search(
        r"— \[Orbital Relay \\\[Notes\\\] · ¶1\]\(https://example\.org/wiki/Space_%28centre%29", e.description
    )


def test_no_answer_is_plain_and_points_to_sources(service):
    for q in ("???", "zebra quantum lasagna recipe"):
        answer = service.ask(q)
        reply = render_answer(answer)
        if answer.answered:
            continue
        [e] = reply.embeds
        assert "/sources" in e.description
        assert e.footer.startswith("Confidence: no answer")
        assert not reply.buttons
        assert_within_limits(reply)


def test_no_answer_notice_and_covers():
    answer = Answer(
        "what?",
        False,
        (),
        0.0,
        reason="no_answer",
        covers=tuple(f"Doc {i}" for i in range(6)),
    )
    text = render_no_answer(answer).embeds[0].description
    assert text.startswith("The knowledge base has no answer to that.")
    assert "*Doc 0*" in text and "3 more" in text


def test_markdown_and_mentions_in_passages_render_as_written(tmp_path):
    kdir = make_knowledge(
        tmp_path / "k",
        {
            "odd.txt": "Odd\n\nThe *secret* `code` is __not__ ~~here~~ "
            "and @everyone with <@123> reads the ramstein > memo.\n"
        },
        article=False,
    )
    service = KnowledgeService.open(kdir)
    reply = render_answer(service.ask("who reads the ramstein memo?"))
    desc = reply.embeds[0].description
    assert "\\*secret\\*" in desc and "\\`code\\`" in desc and "\\_\\_not\\_\\_" in desc
    # Mentions read as written but are defused in the text itself (a zero-width space after "@").
    assert "@\u200beveryone" in desc and "<@\u200b123\\>" in desc
    assert "@everyone" not in desc and "<@123" not in desc


# ------------------------------------------------------------------------------- limits

HUGE_WORD = "x" * 5000


def _huge_kb(tmp_path):
    long_title = " ".join(["Extraordinarily"] * 40)
    # A paragraph is kept whole up to 4 x MAX_PROSE (4,800) characters: longer than an embed's
    # description; a list or table that long is cut into passages.
    words = "\n".join(f"- ramstein{i % 7} base word{i}" for i in range(3000))
    paragraph = " ".join(f"ramstein{i % 7} base term{i}" for i in range(190))
    files = {
        "huge.md": f"source: https://example.org/{'p' * 300}\n\n# {long_title}\n\n{words}\n\n{paragraph}\n\n"
        f"{HUGE_WORD} ramstein\n",
    }
    for i in range(60):
        # Markdown: a .txt first line that long is a paragraph, not a title.
        files[f"doc{i:02}.md"] = f"# {long_title} {i}\n\nramstein base paragraph {i} " + "filler " * 200 + "\n"
    return KnowledgeService.open(make_knowledge(tmp_path / "k", files))


def test_huge_passages_titles_and_urls_stay_within_limits(tmp_path):
    service = _huge_kb(tmp_path)
    answer = service.ask("ramstein base word")
    reply = render_answer(answer)
    assert_within_limits(reply)
    for r in answer.results:
        full = render_full_passage(r)
        assert_within_limits(full)
        desc = full.embeds[0].description
        assert desc.endswith(f" · ¶{r.citation.paragraph}") or desc.endswith(")")  # citation intact
        assert f"· ¶{r.citation.paragraph}" in desc
    more = render_more_results(service.ask("ramstein base word", 25))
    assert_within_limits(more)
    sources = render_sources(service.sources())
    assert_within_limits(sources)
    desc = sources.embeds[0].description
    assert desc.splitlines()[-1].startswith("…and ") and "more documents" in desc
    for line in desc.splitlines()[:-1]:
        assert line.startswith("• ") and "paragraph" in line  # whole lines only


def test_full_passage_says_when_shortened(tmp_path):
    service = _huge_kb(tmp_path)
    huge = max(service.knowledge.passages, key=lambda p: len(p.text))
    assert len(huge.text) > DESCRIPTION_LIMIT
    result = Result(
        huge, Citation(huge.document, huge.title, huge.number, huge.source), Snippet(huge.text[:100]), 1.0, 1.0, 1.0
    )
    reply = render_full_passage(result)
    assert_within_limits(reply)
    e = reply.embeds[0]
    assert "shortened to fit Discord; the source has the rest" in e.footer
    assert e.description.endswith(f"· ¶{huge.number}](https://example.org/{'p' * 300})")
    assert e.title.endswith(f"· ¶{huge.number}")


def test_fit_embed_drops_trailing_fields_first():
    e = EmbedData(
        title="t",
        description="d " * 1000,
        fields=tuple(FieldData(f"f{i}", "v " * 500) for i in range(30)),
        footer="foot",
    )
    fitted = fit_embed(e)
    assert fitted.total_chars() <= EMBED_TOTAL_LIMIT and len(fitted.fields) <= FIELDS_LIMIT
    assert fitted.description == e.description.strip() or fitted.description == e.description
    assert [f.name for f in fitted.fields] == [f"f{i}" for i in range(len(fitted.fields))]


def test_fit_reply_shares_the_6000_budget_between_embeds():
    e = EmbedData(description="word " * 900)
    reply = fit_reply(ReplyData(content="c " * 2000, embeds=(e, e, e)))
    assert len(reply.content) <= CONTENT_LIMIT
    assert sum(x.total_chars() for x in reply.embeds) <= EMBED_TOTAL_LIMIT


def test_truncate_keeps_links_bold_and_escapes_whole():
    link = "[A long title · ¶3](https://example.org/a/very/long/path)"
    text = "intro words " * 5 + link + " trailing words" * 10
    for limit in range(20, len(text), 7):
        out = truncate(text, limit)
        assert len(out) <= limit
        if "[" in out:
            assert link in out
    assert truncate("**bold words here and more**", 18).count("**") % 2 == 0
    out = truncate("a \\* b " * 10, 9)
    assert not re.search(r"(?<!\\)\\ …$", out) and len(out) <= 9


def test_compose_never_cuts_the_tail():
    tail = "\n\n— Title · ¶12"
    out = compose("word " * 500, tail, 100)
    assert out.endswith(tail) and len(out) <= 100
    assert compose("short", tail, 100) == "short" + tail


def test_citation_markdown_shortens_only_the_title():
    c = Citation("d.txt", "Word " * 200, 7, "https://example.org/x")
    for limit in (40, 100, 256, 1024):
        out = citation_markdown(c, limit)
        assert len(out) <= limit and "· ¶7" in out
    assert citation_markdown(Citation("d", "T", 2, None)) == "T · ¶2"
    assert citation_markdown(Citation("d", "T", 2, "javascript:alert(1)")) == "T · ¶2"
    assert safe_url("https://x.org/a b(c)") == "https://x.org/a%20b%28c%29"


words = st.lists(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=" \n"), min_size=1, max_size=12),
    min_size=1,
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(words=words, limit=st.integers(min_value=5, max_value=300))
def test_truncate_cuts_on_word_boundaries(words, limit):
    text = " ".join(words)
    out = truncate(text, limit)
    assert len(out) <= limit
    if out == text:
        return
    assert out.endswith(" …")
    head = out[:-2]
    if head.endswith("**") and not text.startswith(head):
        head = head[:-2]  # a bold span we closed
    head = head.rstrip(",;:")
    kept = head.split(" ") if head else []
    # Every kept word is a whole word of the original, in order (unless one giant word).
    if len(words[0]) + 4 < limit:
        assert kept == words[: len(kept)] or kept[:-1] == words[: len(kept) - 1]


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=3000), limit=st.integers(min_value=1, max_value=1100))
def test_truncate_always_fits(text, limit):
    assert units(truncate(text, limit)) <= limit


def _code_passage(lines: int) -> str:
    code = "\n".join(f"poetry add package-{i} --group dev" for i in range(lines))
    return f"Install the tools with:\n\n```bash\n{code}\n```\n\nThen run **poetry install**."


def test_truncate_cuts_code_at_a_line_end_and_closes_the_fence():
    text = _code_passage(60)
    for limit in range(30, len(text), 37):
        out = truncate(text, limit)
        assert units(out) <= limit
        assert out.count("```") % 2 == 0  # every fence is closed
        if "```bash" in out:
            body = out.split("```bash\n", 1)[1].split("\n```", 1)[0]
            # Whole code lines only: never cut mid-line.
            assert all(
                line.startswith("poetry add package-") and line.endswith("--group dev") for line in body.split("\n")
            ), body
            assert body  # a fence is never left empty


def test_truncate_never_cuts_inside_a_code_span_or_markup():
    text = "Set `virtualenvs.in-project true` and *always* run it " * 10
    for limit in range(10, 200, 3):
        out = truncate(text, limit)
        assert units(out) <= limit
        assert out.count("`") % 2 == 0 and markup_states(out)[-1] == 0, out


def test_limits_count_utf16_units_like_discord():
    # 256 emoji are 512 UTF-16 units: Discord rejects them as a title.
    title = question_title("😀" * 300)
    assert title.startswith("😀") and len(title) < units(title) <= TITLE_LIMIT
    e = fit_embed(EmbedData(title="😀" * 300, description="😀 " * 3000, footer="x"))
    assert units(e.title) <= TITLE_LIMIT and units(e.description) <= DESCRIPTION_LIMIT
    assert e.total_chars() == units(e.title) + units(e.description) + 1 <= EMBED_TOTAL_LIMIT
    reply = fit_reply(ReplyData(content="🚀" * 1500))
    assert units(reply.content) <= CONTENT_LIMIT


def test_lone_surrogates_are_never_echoed():
    reply = render_no_answer(Answer("why \ud83d Ramstein\udc00?", False, (), 0.0))
    title = reply.embeds[0].title
    assert "\ufffd" in title and not re.search("[\ud800-\udfff]", title)
    assert scrub("a\ud83d\ude00b") == "a😀b"  # a split pair is joined, not replaced
    reply = fit_reply(ReplyData(content="x\udfff", embeds=(EmbedData(footer="\ud800"),)))
    assert reply.content == "x\ufffd" and reply.embeds[0].footer == "\ufffd"


RAW_MENTION = re.compile(r"@(?:everyone|here)|<@[!&]?\d", re.IGNORECASE)


def test_mentions_are_defused_in_every_text_the_bot_sends():
    pings = "@everyone @here @Everyone <@123> <@!123> <@&456> \\<@789>"
    reply = fit_reply(
        ReplyData(
            content=pings,
            embeds=(EmbedData(title=pings, description=pings, footer=pings, fields=(FieldData(pings, pings),)),),
        )
    )
    e = reply.embeds[0]
    for text in (
        reply.content,
        e.title,
        e.description,
        e.footer,
        e.fields[0].name,
        e.fields[0].value,
        reply_as_markdown(reply),
    ):
        assert not RAW_MENTION.search(text) and "@\u200beveryone" in text, text
    assert fit_reply(reply) == reply  # idempotent: the Discord layer fits again before sending
    assert defuse_mentions("mail me at a@b.org, @someone") == "mail me at a@b.org, @someone"


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("@<>!&0123456789everyonhr \u200b\\*`")), max_size=80))
def test_no_mention_token_survives_fitting(text):
    out = fit_reply(ReplyData(content=text)).content or ""
    assert not RAW_MENTION.search(out)


# ------------------------------------------------------------------------------- other replies


def test_sources_lists_titles_counts_and_links():
    reply = render_sources(
        [SourceInfo("a.txt", "Alpha", 1, None), SourceInfo("b.html", "Beta [draft]", 12, "https://example.org/b")]
    )
    desc = reply.embeds[0].description
    assert "**Alpha** — 1 paragraph · a.txt" in desc
    assert "[Beta \\[draft\\]](https://example.org/b) — 12 paragraphs" in desc
    assert reply.embeds[0].footer.startswith("2 documents · 13 paragraphs")
    assert reply.ephemeral


def test_help_mentions_the_ways_to_ask():
    discord_help = render_help(prefix="!", answer_channels=True).embeds[0].description
    for needle in ("/ask", "private", "Mention me", "!ask", "answer channels", "/sources", "/reload"):
        assert needle in discord_help
    console_help = render_help(console=True).embeds[0].description
    for needle in ("/full", "/more", "/good", "/bad", "/quit"):
        assert needle in console_help


def test_reload_reports_counts_changes_and_time(service):
    report = service.reload()
    reply = render_reload(report)
    e = reply.embeds[0]
    assert "Reloaded 1 document, 6 paragraphs" in unescape(e.description) and "nothing changed" in e.description
    assert [f.name for f in e.fields[:3]] == ["Documents", "Paragraphs", "Took"]
    assert reply.ephemeral
    err = render_reload_failed("knowledge directory /x does not exist")
    assert "still answering" in err.embeds[0].description and "/x does not exist" in err.embeds[0].description


def test_an_unlistable_knowledge_directory_is_worded_for_an_admin_in_discord():
    folder = FolderProblem("unlistable", Path("/srv/kb"), "Permission denied")
    refused = Refused(
        "reload", RELOAD_FAILED, "cannot list knowledge directory /srv/kb: Permission denied", folder=folder
    )
    why = unescape(render_discord_reload_failed(refused).embeds[0].description).split("Why:** ", 1)[1]
    assert why.startswith("the bot cannot list its knowledge directory /srv/kb (Permission denied)")
    assert "ask whoever runs the bot" in why and "--knowledge" not in why
    # Any other reason reads as the console gives it.
    other = render_discord_reload_failed(dataclasses.replace(refused, folder=None))
    assert other == render_reload_refused(dataclasses.replace(refused, folder=None))


def test_a_failed_reload_not_written_to_the_audit_log_says_so():
    """A failed /reload dropped audit_saved: the admin was not told the audit log missed it."""
    folder = FolderProblem("unlistable", Path("/srv/kb"), "Permission denied")
    refused = Refused("reload", RELOAD_FAILED, "the disk is failing", audit_saved=False)
    for reply in (
        render_reload_refused(refused),
        render_discord_reload_failed(refused),
        render_discord_reload_failed(dataclasses.replace(refused, folder=folder)),
    ):
        assert "could not be written to the audit log" in reply.embeds[0].footer, reply
    assert "audit log" not in render_reload_refused(dataclasses.replace(refused, audit_saved=True)).embeds[0].footer


@pytest.mark.parametrize("action", ["kb add", "kb remove", "teach"])
def test_a_change_without_its_knowledge_directory_is_worded_for_an_admin_in_discord(action):
    """/kb add, /kb remove and teaching showed the command line's advice in Discord."""
    cli = "knowledge directory /srv/kb does not exist: create it and add documents, or set KNOWLEDGE_DIR (or pass --knowledge DIR) to the folder of your documents"
    gone = Refused(action, KNOWLEDGE_DIR_UNUSABLE, cli, folder=FolderProblem("missing", Path("/srv/kb")))
    text = unescape(render_discord_refused(gone).content)
    assert text == (
        "Sorry, the knowledge directory /srv/kb is no longer on the bot's host (moved, deleted or unmounted since "
        "the bot started): ask whoever runs the bot to put it back, or to set KNOWLEDGE_DIR to where the documents "
        "are now and restart the bot. Nothing was changed: the knowledge base is as it was."
    )
    # The console's user runs the bot: the command line's advice is theirs.
    assert (
        unescape(render_refused(gone).content) == f"Sorry, {cli}. Nothing was changed: the knowledge base is as it was."
    )
    unlistable = Refused(
        action,
        RELOAD_FAILED,
        "cannot list knowledge directory /srv/kb: Permission denied",
        folder=FolderProblem("unlistable", Path("/srv/kb"), "Permission denied"),
    )
    text = unescape(render_discord_refused(unlistable).content)
    assert text.startswith(
        "Sorry, the reload failed (the bot cannot list its knowledge directory /srv/kb (Permission denied)"
    )
    assert "ask whoever runs the bot" in text and "--knowledge" not in text
    # Any other refusal reads as the console gives it.
    for other in (
        dataclasses.replace(unlistable, folder=None),
        Refused(action, "not_saved", "No space left on device"),
    ):
        assert render_discord_refused(other) == render_refused(other)


def test_every_command_and_option_description_fits_discords_limit():
    texts = [*COMMAND_HELP.values(), *(text for options in OPTION_HELP.values() for text in options.values())]
    too_long = [text for text in texts if not 1 <= len(text) <= COMMAND_DESCRIPTION_LIMIT]
    assert too_long == []


def test_the_kb_add_file_help_names_every_type_the_readers_take():
    """It listed types by hand and missed .markdown and .htm."""
    shown = OPTION_HELP["kb add"]["file"]
    missing = [suffix for suffix in SUPPORTED_SUFFIXES if not re.search(re.escape(suffix) + r"(?![\w.])", shown)]
    assert missing == [], shown
    # A list too long for Discord gives way to a shorter text that is still true, never a cut one.
    long_list = " ".join(f".type{n}" for n in range(30))
    fallback = file_option_help(long_list)
    assert len(fallback) <= COMMAND_DESCRIPTION_LIMIT and ".type" not in fallback
    assert "refused" in fallback


def test_an_uploads_folder_that_cannot_be_listed_says_who_can_fix_it():
    """The console's user runs the bot and is told what to do; an admin in Discord whom to ask."""
    refused = Refused("kb add", UPLOADS_UNREADABLE, "Permission denied")
    assert unescape(render_refused(refused).content) == (
        "Sorry, the bot cannot list the folder uploads/ in the knowledge directory (Permission denied): make it a "
        "folder the bot's user can read and write, then try again. Nothing was changed: the knowledge base is as it was."
    )
    assert unescape(render_discord_refused(refused).content) == (
        "Sorry, the bot cannot list the folder uploads/ in its knowledge directory (Permission denied): ask whoever "
        "runs the bot to make it a folder the bot's user can read and write on its host. Nothing was changed: the "
        "knowledge base is as it was."
    )


def test_a_removal_whose_file_could_not_be_put_back_says_where_it_is_not_nothing_changed():
    """A failed /kb remove that could not move its file back must not read "Nothing was changed"."""
    home, copy = Path("/srv/kb/uploads/guide.md"), Path("/srv/kb/uploads/.removing-1a2b-guide.md")
    kept = Refused(
        "kb remove",
        NOT_RESTORED,
        "knowledge directory /srv/kb has no documents",
        stranded=Stranded(home, copy, "Input/output error", True),
    )
    assert unescape(render_refused(kept).content) == (
        "Sorry, the reload failed (knowledge directory /srv/kb has no documents), and the file could not be put "
        "back (Input/output error). It is kept at `/srv/kb/uploads/.removing-1a2b-guide.md`. The knowledge base is "
        "as it was for now, but a later reload drops the document: to keep it, move it back to "
        "`/srv/kb/uploads/guide.md`."
    )
    text = unescape(render_discord_refused(kept).content)
    assert "It is kept on the bot's host at `/srv/kb/uploads/.removing-1a2b-guide.md`." in text
    assert "to keep it, ask whoever runs the bot to move it back to `/srv/kb/uploads/guide.md`." in text
    assert "Nothing was changed" not in text
    # The folder went at the same moment: its problem worded for Discord, and the copy gone with it.
    gone = dataclasses.replace(
        kept,
        detail="knowledge directory /srv/kb does not exist: create it and add documents, or set KNOWLEDGE_DIR",
        folder=FolderProblem("missing", home.parents[1]),
        stranded=Stranded(home, copy, "No such file or directory", False),
    )
    text = unescape(render_discord_refused(gone).content)
    assert text.startswith("Sorry, the reload failed (the knowledge directory /srv/kb is no longer on the bot's host")
    assert (
        "could not be put back (No such file or directory). Its copy `/srv/kb/uploads/.removing-1a2b-guide.md` is gone too."
        in text
    )
    assert "ask whoever runs the bot to restore `/srv/kb/uploads/guide.md` from a backup" in text
    assert "Nothing was changed" not in text and "set KNOWLEDGE_DIR (" not in text
    assert "to keep it, restore `/srv/kb/uploads/guide.md` from a backup." in unescape(render_refused(gone).content)


def test_a_replacement_whose_old_file_could_not_be_put_back_says_where_it_is():
    """A failed /kb add replace or teaching that could not move the previous file back read
    "Nothing was changed": it says what failed first, where the old file is, and how to keep it."""
    home, copy = Path("/srv/kb/uploads/guide.md"), Path("/srv/kb/uploads/.backup-1a2b-guide.md")
    stranded = Stranded(home, copy, "Input/output error", True, NOT_SAVED)
    saved = Refused("kb add", NOT_RESTORED, "No space left on device", stranded=stranded)
    assert unescape(render_refused(saved).content) == (
        "Sorry, the file could not be saved (No space left on device), and the file it replaced could not be put "
        "back (Input/output error). It is kept at `/srv/kb/uploads/.backup-1a2b-guide.md`. The knowledge base is "
        "as it was for now, but a later reload drops the document: to keep it, move it back to "
        "`/srv/kb/uploads/guide.md`."
    )
    text = unescape(render_discord_refused(saved).content)
    assert "It is kept on the bot's host at `/srv/kb/uploads/.backup-1a2b-guide.md`." in text
    assert "ask whoever runs the bot to move it back to `/srv/kb/uploads/guide.md`." in text
    assert "Nothing was changed" not in text
    unread = Refused("kb add", NOT_RESTORED, "no text", stranded=dataclasses.replace(stranded, failed=UNPARSEABLE))
    assert unescape(render_refused(unread).content).startswith(
        "Sorry, the file could not be read as a document (no text), and the file it replaced could not be put back"
    )
    taught = Refused(
        "teach",
        NOT_RESTORED,
        "the disk is failing",
        stranded=dataclasses.replace(stranded, kept=False, failed=RELOAD_FAILED),
    )
    text = unescape(render_discord_refused(taught).content)
    assert text.startswith("Sorry, the reload failed (the disk is failing), and the file it replaced could not be put")
    assert "Its copy `/srv/kb/uploads/.backup-1a2b-guide.md` is gone too." in text
    assert "ask whoever runs the bot to restore `/srv/kb/uploads/guide.md` from a backup" in text


def test_a_new_file_that_could_not_be_deleted_says_it_is_still_there():
    """A failed /kb add or teaching of a new file that could not delete it read "Nothing was
    changed", though a later reload reads that file."""
    home = Path("/srv/kb/uploads/new.md")
    refused = Refused("kb add", RELOAD_FAILED, "the disk is failing", leftover=Leftover(home, "Permission denied"))
    assert unescape(render_refused(refused).content) == (
        "Sorry, the reload failed (the disk is failing). The new file could not be deleted (Permission denied): "
        "it is still at `/srv/kb/uploads/new.md`. The knowledge base is as it was for now, but a later reload "
        "reads that file: to keep the knowledge base as it is, delete it."
    )
    text = unescape(render_discord_refused(refused).content)
    assert "it is still on the bot's host at `/srv/kb/uploads/new.md`." in text
    assert text.endswith("to keep the knowledge base as it is, ask whoever runs the bot to delete it.")
    assert "Nothing was changed" not in text


_HOME, _COPY = Path("/srv/kb/uploads/guide.md"), Path("/srv/kb/uploads/.backup-1a2b-guide.md")


@pytest.mark.parametrize(
    ("kept", "deleted", "remote", "expected"),
    [
        (True, True, False, "It is kept at `{copy}`. The knowledge base is as it was for now, but a later reload drops the document: to keep it, move it back to `{home}`."),
        (False, True, False, "Its copy `{copy}` is gone too. The knowledge base is as it was for now, but a later reload drops the document: to keep it, restore `{home}` from a backup."),
        (True, False, False, "It is kept at `{copy}`, and the new file could not be deleted (Permission denied): it is still at `{home}`. The knowledge base is as it was for now, but a later reload reads the new file in place of the previous one: to keep the previous one, move `{copy}` back to `{home}`, over the new file."),
        (False, False, False, "Its copy `{copy}` is gone too, and the new file could not be deleted (Permission denied): it is still at `{home}`. The knowledge base is as it was for now, but a later reload reads the new file in place of the previous one: to keep the previous one, restore `{home}` from a backup."),
        (True, True, True, "It is kept on the bot's host at `{copy}`. The knowledge base is as it was for now, but a later reload drops the document: to keep it, ask whoever runs the bot to move it back to `{home}`."),
        (False, True, True, "Its copy `{copy}` is gone too. The knowledge base is as it was for now, but a later reload drops the document: to keep it, ask whoever runs the bot to restore `{home}` from a backup."),
        (True, False, True, "It is kept on the bot's host at `{copy}`, and the new file could not be deleted (Permission denied): it is still at `{home}`. The knowledge base is as it was for now, but a later reload reads the new file in place of the previous one: to keep the previous one, ask whoever runs the bot to move `{copy}` back to `{home}`, over the new file."),
        (False, False, True, "Its copy `{copy}` is gone too, and the new file could not be deleted (Permission denied): it is still at `{home}`. The knowledge base is as it was for now, but a later reload reads the new file in place of the previous one: to keep the previous one, ask whoever runs the bot to restore `{home}` from a backup."),
    ],
)  # fmt: skip
def test_a_replacement_not_undone_says_what_a_later_reload_reads(kept, deleted, remote, expected):
    """The previous file could not be put back (its copy kept or gone) and the new file was
    deleted or not: with the new file still there, the reply said "a later reload drops the
    document", though that reload reads the new file."""
    stranded = Stranded(_HOME, _COPY, "Input/output error", kept)
    left = None if deleted else Leftover(_HOME, "Permission denied")
    refused = Refused("kb add", NOT_RESTORED, "the disk is failing", stranded=stranded, leftover=left)
    text = unescape((render_discord_refused(refused) if remote else render_refused(refused)).content or "")
    assert text == (
        "Sorry, the reload failed (the disk is failing), and the file it replaced could not be put back "
        "(Input/output error). " + expected.format(home=_HOME, copy=_COPY)
    )


def test_a_failed_reload_after_an_undone_change_says_what_to_do():
    """The folder was put back after a file that is no document, and the reload that should
    read it again failed: that read "Nothing was changed"."""
    refused = Refused("kb add", UNPARSEABLE, "no text", reread=Reread("the disk is failing"))
    assert unescape(render_refused(refused).content) == (
        "Sorry, the file could not be read as a document (no text). The folder is as it was, but the reload that "
        "should read it again failed (the disk is failing): the knowledge base from before the change keeps "
        "answering. Run /reload to read the folder again once that is fixed."
    )
    # The folder itself gone by then: worded for an admin in Discord, as /reload words it.
    cli = "knowledge directory /srv/kb does not exist: create it and add documents, or set KNOWLEDGE_DIR (or pass --knowledge DIR)"
    gone = dataclasses.replace(refused, reread=Reread(cli, FolderProblem("missing", Path("/srv/kb"))))
    text = unescape(render_discord_refused(gone).content)
    assert (
        "the reload that should read it again failed (the knowledge directory /srv/kb is no longer on the bot's host"
        in text
    )
    assert "--knowledge" not in text and text.startswith("Sorry, the file could not be read as a document (no text).")
    assert "Run /reload to read the folder again once that is fixed." in text and "Nothing was changed" not in text


_UNCHANGED = " Nothing was changed: the knowledge base is as it was."


@pytest.mark.parametrize(
    ("refused", "console", "remote"),
    [
        (
            Refused("teach", LEARNED_NOT_A_FOLDER, "learned"),
            "Sorry, `learned` in the knowledge directory is a file, not a folder, so no learned answer can be saved: "
            "move that file away (the bot makes the folder), then try again.",
            "ask whoever runs the bot to move that file away on its host",
        ),
        (
            Refused("teach", LEARNED_UNUSABLE, "Permission denied"),
            "Sorry, the bot cannot open the folder learned/ in the knowledge directory (Permission denied), so no "
            "learned answer can be saved: make it a folder the bot's user can read and write, then try again.",
            "ask whoever runs the bot to make it a folder the bot's user can read and write on its host",
        ),
        (
            Refused("kb add", LOOKUP_FAILED, "Input/output error"),
            "Sorry, the bot could not check whether uploads/ already holds a file of that name (Input/output "
            "error): check the knowledge directory's disk and folders, then try again.",
            "ask whoever runs the bot to check the disk and the folders of its knowledge directory on its host",
        ),
        (
            Refused("teach", LOOKUP_FAILED, "Input/output error"),
            "Sorry, the bot could not check whether this question's answer is saved already (Input/output error): "
            "check the knowledge directory's disk and folders, then try again.",
            "ask whoever runs the bot to check the disk",
        ),
    ],
)
def test_a_knowledge_folder_problem_says_what_to_fix_or_whom_to_ask(refused, console, remote):
    """The console's user runs the bot and is told what to do; an admin in Discord whom to ask
    (a file where learned/ belongs read "File exists")."""
    assert unescape(render_refused(refused).content) == console + _UNCHANGED
    text = unescape(render_discord_refused(refused).content)
    assert remote in text and text.endswith(_UNCHANGED) and "File exists" not in text


def test_cooldown_message_is_friendly():
    text = render_cooldown(12.2, 5, 60).content
    assert "5 questions every 60 seconds" in text and "13 seconds" in text and text.startswith("You're asking")
    assert "1 second" in render_cooldown(0.01, 1, 300).content and "5 minutes" in render_cooldown(1, 1, 300).content


def test_question_title_round_trips():
    q = "what is *this* [x] `y`?"
    assert question_from_title(question_title(q)) == q
    assert question_from_title(question_title("word " * 100)) is None


def test_a_follow_up_is_read_with_the_question_it_follows_and_its_title_gives_both_back():
    followed = follow_up_question("how do I install it?", "and on windows?")
    assert followed == "how do I install it? → and on windows?"
    assert question_from_title(question_title(followed)) == followed
    # A long chain keeps the end of what it follows, so its title stays whole.
    chain = follow_up_question("word " * 80 + "install?", "and on windows?")
    assert chain.startswith("…") and chain.endswith("install? → and on windows?") and len(chain) < 200
    assert question_from_title(question_title(chain)) == chain


# ------------------------------------------------------------------------------- terminal


def test_terminal_rendering_fits_80_columns_and_shows_buttons(service):
    reply = render_answer(service.ask("why Ramstein?"))
    text = render_terminal(reply)
    lines = text.splitlines()
    assert all(display_width(line) <= 80 for line in lines)
    assert lines[0].startswith("╭") and lines[-2].startswith("╰")
    assert lines[-1] == "[ Full passage ] [ More results ] [ 👍 ] [ 👎 ]"
    assert "why Ramstein?" in lines[1]
    assert "New progress in NATO’s space force construction · ¶3" in text
    assert re.search(r"Confidence: \d{1,3} %", text)
    assert "**" not in text and "\x1b" not in text
    assert to_text(reply) == text


def test_terminal_colour_and_ascii_modes(service):
    reply = render_answer(service.ask("why Ramstein?"))
    coloured = render_terminal(reply, TerminalStyle(width=60, color=True))
    assert "\x1b[1m" in coloured
    assert all(display_width(line) <= 60 for line in coloured.splitlines())
    plain = render_terminal(reply, TerminalStyle(width=50, ascii=True))
    plain.encode("ascii")
    assert plain.startswith("+---")


def test_terminal_handles_wide_characters_and_long_words():
    e = EmbedData(
        title="日本語のタイトル 👍",
        description="x" * 200 + " 漢字" * 50,
        fields=(FieldData("a", "1", True), FieldData("b", "2", True), FieldData("c", "3", True)),
        footer="f",
    )
    out = render_terminal(ReplyData(content="hi", embeds=(e,), ephemeral=True), TerminalStyle(width=40))
    assert out.splitlines()[0] == "(only you can see this)"
    assert all(display_width(line) <= 40 for line in out.splitlines())


def test_markdown_to_terminal():
    assert markdown_to_terminal("a **b** \\*c\\* [T · ¶3](https://x.org)") == "a b *c* T · ¶3 <https://x.org>"
    assert markdown_to_terminal("**b**", color=True) == "\x1b[1mb\x1b[0m"


def test_discord_embed_conversion_matches(service):
    reply = render_answer(service.ask("why Ramstein?"))
    e = reply.embeds[0]
    embed = to_embed(e)
    assert isinstance(embed, discord.Embed)
    assert embed.title == e.title and embed.description == e.description and embed.footer.text == e.footer
    assert [(f.name, f.value) for f in embed.fields] == [(f.name, f.value) for f in e.fields]


def test_terminal_box_stays_aligned_with_emoji_sequences():
    wcwidth = __import__("pytest").importorskip("wcwidth")
    e = EmbedData(title="✔️ done 👨‍👩‍👧 family", description="日本語 and 👍🏽 and e\u0301 and \u200b zero", footer="🇩🇪")
    lines = render_terminal(ReplyData(embeds=(e,)), TerminalStyle(width=40)).splitlines()
    # Every row of the box ends in the same column as the terminal draws it.
    assert {wcwidth.wcswidth(line) for line in lines} == {40}, lines


def test_example_question_comes_from_the_knowledge_base_or_the_setting():
    sources = [
        SourceInfo("a.md", "Managing environments in depth", 4, None),
        SourceInfo("b.md", "Dependency `groups`", 2, None),
    ]
    example = example_question(sources)
    assert example == "tell me about Dependency 'groups'"  # the shortest title; no backtick in code
    help_text = render_help(example=example).embeds[0].description
    assert "`@me tell me about Dependency 'groups'`" in help_text and "Ramstein" not in help_text
    assert "Ramstein" not in render_help(console=True, example=example).embeds[0].description
    empty = render_empty_question(example).content
    assert "`@me tell me about Dependency 'groups'`" in empty
    assert "`!ask tell me about" in render_empty_question(example, how="!ask ").content
    assert example_question(sources, "  how do I   reset it? ") == "how do I reset it?"
    assert example_question([]) == "what can you answer?"
    long_title = SourceInfo("c.md", " ".join(f"w{i}" for i in range(20)), 1, None)
    assert example_question([long_title]) == "tell me about w0 w1 w2 w3 w4 w5 w6 w7"


def test_example_question_for_the_seed_article_is_answered(service):
    example = example_question(service.sources())
    assert service.ask(example).answered


def test_terminal_works_without_wcwidth(monkeypatch):
    from bot.rendering import terminal

    monkeypatch.setattr(terminal, "_WCWIDTH", None)  # a broken install: unicodedata estimates
    assert display_width("日本 👍 é") == 4 + 1 + 2 + 1 + 1
    out = render_terminal(ReplyData(embeds=(EmbedData(title="日本語", description="x"),)), TerminalStyle(width=30))
    assert all(display_width(line) == 30 for line in out.splitlines())


def test_a_title_names_the_mentions_the_search_left_out():
    """Discord draws no mention in an embed title: "<@1> what did <@&2> say in <#3>?" showed
    "what did say in ?". Named from what is known, unknown ones in the project's words, a
    custom emoji as ":name:", never a raw id; read back as the question searched."""
    asked = "<@1> what did <@&2> say in <#3>? <:kek:44> <@99> <@&98> <#97> @everyone"
    names = MentionNames({1: "Bob *B*"}, {2: "duty officers"}, {3: "general"})
    searched = strip_mention_syntax(asked)
    title = question_title(searched, asked, names)
    assert title.replace(NAMED, "") == (
        r"@Bob \*B\* what did @duty officers say in \#general? :kek: @unknown-user @unknown-role \#unknown-channel"
    )
    assert "<" not in title and "44" not in title and "everyone" not in title
    assert question_from_title(title) == searched == "what did say in ?"
    # Through render_answer (no answer here) and fit_reply: the same title.
    reply = render_no_answer(
        Answer(question=searched, answered=False, results=(), confidence=0.0), asked=asked, names=names
    )
    assert reply.embeds[0].title == title
    # Without mentions, or without what was asked: the question searched, as before.
    assert question_title("why Ramstein?", "why Ramstein?", names) == "why Ramstein?"
    assert question_title(searched) == "what did say in ?"
    # Only mentions: nothing was searched, and the title says no answer.
    assert (
        render_no_answer(Answer(question="", answered=False, results=(), confidence=0.0), asked="<@1>", names=names)
        .embeds[0]
        .title
        == "No answer"
    )


def test_a_named_title_cut_short_cannot_be_read_back():
    asked = "<@1> " + "word " * 100
    title = question_title(strip_mention_syntax(asked), asked, MentionNames({1: "Bob"}))
    assert title.startswith(f"{NAMED}@Bob{NAMED} word") and question_from_title(title) is None


def test_names_that_would_cut_a_title_give_way_to_the_question_searched():
    question = "why " + "word " * 48 + "Ramstein?"  # 253 characters: fits alone
    asked = f"<@1> {question}"
    title = question_title(strip_mention_syntax(asked).strip(), asked, MentionNames({1: "Bartholomew"}))
    assert title == question and question_from_title(title) == question


def test_a_name_cannot_break_the_marks_around_it():
    """A name holding the mark (or other invisible characters) loses them: the mark is the
    only one, so the question read back is still the one searched."""
    asked = "<@1> why Ramstein?"
    title = question_title("why Ramstein?", asked, MentionNames({1: f"B{NAMED}o\u200bb"}))
    assert title == f"{NAMED}@Bob{NAMED} why Ramstein?" and question_from_title(title) == "why Ramstein?"
