"""Mentions as members read them (bot/mentions.py): what a learned answer and a teaching
form's question hold instead of raw ids."""

from __future__ import annotations

from bot.mentions import MentionIds, MentionNames, mentioned_ids, readable_mentions
from bot.rendering.markdown import defuse_mentions

NAMES = MentionNames({1: "Bob", 2: "Dee  Dee"}, {3: "Staff", 9: "@everyone"}, {4: "front-desk"})


def test_each_kind_of_mention_reads_as_its_name():
    text = "Ask <@1> or <@!2> (<@&3>) in <#4>."
    assert readable_mentions(text, NAMES) == "Ask @Bob or @Dee Dee (@Staff) in #front-desk."
    assert mentioned_ids(text, "<@5> <#6>") == MentionIds(frozenset({1, 2, 5}), frozenset({3}), frozenset({4, 6}))
    assert not mentioned_ids("no mentions, <@x>, <@>, @Bob, <:emoji:123>, <t:1700000000>")


def test_unknown_mentions_read_as_unknown_never_as_ids():
    assert readable_mentions("<@7> <@!7> <@&8> <#10>") == "@unknown-user @unknown-user @unknown-role #unknown-channel"
    assert readable_mentions("<@7>", MentionNames({7: "  "})) == "@unknown-user"  # a blank name is none
    # Other syntax is not a mention of anyone: it stays as written.
    assert readable_mentions("<:blob:123> <t:1700000000> <@x>", NAMES) == "<:blob:123> <t:1700000000> <@x>"


def test_a_name_cannot_make_a_mention_or_a_ping_of_its_own():
    tricky = MentionNames({1: "<@42>", 2: "#\nline"}, {9: "@everyone"}, {4: "#general"})
    text = readable_mentions("<@1> <@2> <@&9> <#4>", tricky)
    assert text == "@42 @# line @everyone #general"  # the server's @everyone role has its own "@"
    assert "<@" not in text and "\n" not in text
    assert "@\u200beveryone" in defuse_mentions(text)  # shown, it is defused like any @everyone


def test_a_name_in_markdown_reads_as_the_name_not_as_markup():
    """A learned answer is Markdown: "@__bob__" was saved as is and shown as "@" and a bold
    "bob"; a name "[Free Nitro](https://…)" became a link, "`" opened code. A thread named
    "# news" at the start of a line made the line a heading ("# news")."""
    tricky = MentionNames({1: "__bob__", 2: "[Nitro](https://evil.example/x)", 3: "`a|b~*"}, {}, {4: "# news"})
    text = readable_mentions("<@1> <@2> <@3>\n<#4> is here", tricky, markdown=True)
    assert text == "@\\_\\_bob\\_\\_ @\\[Nitro\\](https://evil.example/x) @\\`a\\|b\\~\\*\n#news is here"
    # Plain text (a question, a form's field) keeps the name as it is, bar the heading's space.
    assert readable_mentions("<@1> <#4>", tricky) == "@__bob__ #news"
