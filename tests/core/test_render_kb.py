"""Wording of the application layer's results: every refusal reads as a sentence, gaps and
lists fit Discord and link their questions, nothing a member typed can ping."""

from __future__ import annotations

from datetime import date

import pytest

from bot import outcomes as o
from bot.rendering.kb import gaps_text, render_gaps, render_refused, render_taught, render_vote
from bot.rendering.messages import citation_markdown
from bot.rendering.reply import ACTION_CSV, ACTION_NEXT, ACTION_PREV
from bot.service import KnowledgeDiff, ReloadReport

# Every reason code of Refused (vote statuses and NOT_ADMIN's NOT_HOME_* details are not reasons).
REASONS = [
    v
    for k, v in vars(o).items()
    if k.isupper() and isinstance(v, str) and not k.startswith(("VOTE_", "NOT_HOME_")) and k != "CONSOLE_ACTOR"
]


def test_a_manage_server_member_refused_outside_the_home_server_is_told_why():
    """Not "only server admins can use /gaps" to someone who has Manage Server: why it does
    not count in this server, and what the bot's operator can set; each reason its own."""
    whys = (o.NOT_HOME_LISTED, o.NOT_HOME_INFERRED, o.NOT_HOME_CONNECTING)
    texts = [render_refused(o.Refused("gaps", o.NOT_ADMIN, detail=why)).content or "" for why in whys]
    for text in texts:
        assert text.startswith("Sorry, /gaps was not run. Manage Server makes you an admin of this bot only in")
        assert "GUILD_IDS" in text and "only server admins" not in text
    assert len(set(texts)) == len(whys)


@pytest.mark.parametrize("reason", REASONS)
def test_every_refusal_reason_has_its_own_sentence(reason):
    text = render_refused(o.Refused("kb add", reason, detail="x.md", limit=20)).content or ""
    assert text.startswith("Sorry, ") and "None" not in text
    assert not text.startswith(f"Sorry, {reason}.")  # a sentence, not the bare reason code


def test_refusal_sentences_are_distinct_and_name_limits():
    texts = {r: render_refused(o.Refused("teach", r, detail="answer", limit=4000)).content for r in REASONS}
    assert len(set(texts.values())) == len(REASONS)
    assert "4,000 characters" in texts[o.TOO_LONG]
    assert "Nothing was changed" in texts[o.EMPTY]


def test_an_answer_of_emoji_or_punctuation_is_not_called_only_mentions():
    # check_teaching gives ONLY_PINGS to "👍 !!!" as much as to "<@1> @everyone".
    text = render_refused(o.Refused("teach", o.ONLY_PINGS, detail="answer")).content or ""
    assert "no words to learn" in text and "emoji" in text


def test_a_refusal_whose_audit_failed_says_so():
    text = render_refused(o.Refused("kb remove", o.NOT_FOUND, "x", audit_saved=False)).content or ""
    assert "could not be written to the audit log" in text


def test_vote_outcomes():
    assert render_vote(o.VoteOutcome("up", o.VOTE_RECORDED)).content == "Thanks for the 👍!"
    assert "already rated" in (render_vote(o.VoteOutcome("down", o.VOTE_ALREADY)).content or "")
    # Not the generic "something went wrong": the member learns the vote is not counted and why.
    not_saved = render_vote(o.VoteOutcome("down", o.VOTE_NOT_SAVED)).content or ""
    assert "👎 could not be saved" in not_saved and "database" in not_saved and "try again" in not_saved
    assert "too old" in (render_vote(o.VoteOutcome("up", o.VOTE_STALE)).content or "")


def _gap(q: str, n: int = 1, link: str | None = None) -> o.Gap:
    return o.Gap(q, "t", n, "2026-12-01T10:00:00+00:00", link, n, (q, "other wording"))


def test_gaps_page_links_questions_and_offers_pages_and_csv():
    page = o.GapsPage(7, (_gap("where do I park @everyone?", 3, "https://discord.com/channels/1/2/3"),), 2, 3, 11, 20)
    reply = render_gaps(page)
    embed = reply.embeds[0]
    assert "[where do I park" in (embed.description or "") and "(https://discord.com/channels/1/2/3)" in (
        embed.description or ""
    )
    assert "@everyone" not in (embed.description or "")  # defused: shown, never a ping
    assert [b.action for b in reply.buttons] == [ACTION_PREV, ACTION_NEXT, ACTION_CSV]
    assert embed.footer and "Page 2/3" in embed.footer and reply.ephemeral
    text = gaps_text(page)
    assert "3 times (3 unanswered, 0 👎)" in text and "also: other wording" in text


def test_learned_citation_links_the_teaching_message():
    from bot.answer import Citation

    info = o.LearnedInfo("learned/x.md", "Q?", date(2026, 12, 1), "https://discord.com/channels/1/2/3")
    md = citation_markdown(Citation("learned/x.md", "Q?", 1), learned=info)
    assert md == "[Learned answer · taught on 2026-12-01](https://discord.com/channels/1/2/3)"
    console = o.LearnedInfo("learned/x.md", "Q?", date(2026, 12, 1), "console")
    assert (
        citation_markdown(Citation("learned/x.md", "Q?", 1), learned=console) == "Learned answer · taught on 2026-12-01"
    )


def test_taught_reply_names_file_citation_and_closed_gaps():
    report = ReloadReport(2, 7, KnowledgeDiff(documents_added=("learned/q.md",), paragraphs_added=1), 0.01)
    info = o.LearnedInfo("learned/q.md", "Where <@123>?", date(2026, 12, 1), "console")
    reply = render_taught(o.Taught(info, report, 2, False))
    fields = {f.name: f.value for f in reply.embeds[0].fields}
    assert fields["Cited as"] == "Learned answer · taught on 2026-12-01" and fields["Gaps closed"] == "2 questions"
    assert "<@123>" not in fields["Question"]


def test_gaps_of_one_day_say_day():
    one = o.GapsPage(1, (_gap("where is lunch?"),), 1, 1, 1, 1)
    assert render_gaps(one).embeds[0].title == "Knowledge gaps · last 1 day"
    assert gaps_text(one).startswith("Knowledge gaps, last 1 day: 1 gap from 1 question")
    empty = o.GapsPage(1, (), 1, 1, 0, 0)
    assert "in the last 1 day:" in (render_gaps(empty).content or "")
    assert "last 7 days" in gaps_text(o.GapsPage(7, (), 1, 1, 0, 0))


ODD_NAMES = ("new\nline.md", "tick`s.md", "esc\x1b[2J.md", "bell\x07.txt")


def test_odd_file_names_stay_on_their_line_and_inside_their_code_span():
    from bot.knowledge import SkippedFile
    from bot.rendering.kb import render_kb_list, render_kb_show
    from bot.rendering.messages import render_reload, render_sources
    from bot.service import SourceInfo

    entries = tuple(o.KbEntry(n, "Title", 1, "folder", None) for n in ODD_NAMES)
    texts = [
        render_kb_list(o.KbPage(entries, 1, 1, 4, 4, True)).embeds[0].description or "",
        render_sources([SourceInfo(n, "Title", 1, None) for n in ODD_NAMES]).embeds[0].description or "",
    ]
    report = ReloadReport(
        1,
        1,
        KnowledgeDiff(documents_added=ODD_NAMES),
        0.1,
        tuple(SkippedFile(n, "the file is empty") for n in ODD_NAMES),
    )
    texts += [f.value for f in render_reload(report).embeds[0].fields if f.name.startswith(("Added", "Skipped"))]
    for text in texts:
        assert len(text.splitlines()) == 4, text  # one line a file
        assert not any(ch in text for ch in "\x1b\x07"), text
    for line in texts[0].splitlines():
        assert line.count("`") == 2, line
    show = render_kb_show(o.KbDocument(entries[1], ()))
    assert [f.value for f in show.embeds[0].fields if f.name == "File"][0].count("`") == 2


def test_reload_report_lists_skipped_files_once():
    from bot.knowledge import SkippedFile
    from bot.rendering.messages import render_reload

    skipped = tuple(SkippedFile(f"img{i}.png", "unsupported type; supported: .md .txt") for i in range(40))
    embed = render_reload(ReloadReport(3, 9, KnowledgeDiff(), 0.1, skipped)).embeds[0]
    assert "img0.png" not in (embed.description or "") and "40 files skipped" in (embed.description or "")
    assert "img0.png" in [f.value for f in embed.fields if f.name == "Skipped (40)"][0]
    info = o.LearnedInfo("learned/q.md", "Q?", date(2026, 12, 1), "console")
    taught = render_taught(o.Taught(info, ReloadReport(3, 9, KnowledgeDiff(), 0.1, skipped), 0, False)).embeds[0]
    assert "img0.png" not in (taught.description or "") and "40 files skipped" in (taught.description or "")
