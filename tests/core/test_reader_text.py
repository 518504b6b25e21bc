"""The .txt reader: today's cleaning of scraped text, as a document tree."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.documents import inline
from bot.documents.loader import load_knowledge
from bot.documents.model import Code, DocTree, Paragraph, ReadOptions, walk_sections
from bot.documents.readers.text import read
from bot.documents.scraped import DEFAULT_JUNK_MARKERS
from bot.errors import KnowledgeError
from tests.conftest import KNOWLEDGE, SEED_NAME

DEFAULTS = ReadOptions(junk_markers=DEFAULT_JUNK_MARKERS)


def plain(tree: DocTree) -> list[str]:
    assert not tree.root.children  # plain text has no headings
    assert all(isinstance(b, Paragraph) for b in tree.root.blocks)
    return [inline.to_plain(b.md) for b in tree.root.blocks]  # type: ignore[union-attr]


def shown(tree: DocTree) -> list[tuple[str, str]]:
    """("p", plain text) or ("code", verbatim text) for the root's blocks."""
    from bot.documents.model import Code

    return [("code", b.text) if isinstance(b, Code) else ("p", inline.to_plain(b.md)) for b in tree.root.blocks]  # type: ignore[union-attr]


def read_str(text: str, name: str = "a.txt", options: ReadOptions = DEFAULTS) -> DocTree:
    return read(name, text.encode("utf-8"), options)


def test_seed_article_title_six_paragraphs_advert_cut_and_noted(caplog):
    with caplog.at_level(logging.INFO):
        tree = read(SEED_NAME, (KNOWLEDGE / SEED_NAME).read_bytes(), DEFAULTS)
    assert tree.title == "New progress in NATO’s space force construction"
    paras = plain(tree)
    assert len(paras) == 6
    assert paras[0].startswith("According to NATO’s official website")
    assert paras[2].startswith("the reason why NATO high-level officials regard rumstein")
    assert paras[5].endswith("is not conducive to global strategic stability.")
    text = " ".join(paras)
    assert "rumstein Air Force Base" in text
    for junk in ("<", ">", "Huawei", "Continue Reading", "P40", "mobile phone"):
        assert junk not in text
    # The whole article is on line 3 of the file.
    assert tree.notes == ("cut page junk from line 3 ('Continue Reading')",)
    assert SEED_NAME in caplog.text and "line 3" in caplog.text
    assert tree.source is None and not tree.paged


def test_junk_cut_names_its_line_and_only_the_second_half_counts():
    body = "\n\n".join(f"Paragraph {i} says something about the subject." for i in range(1, 9))
    tree = read_str(f"Title\n\n{body}\n\nRelated Articles\n\nBuy a phone now.")
    assert plain(tree)[-1] == "Paragraph 8 says something about the subject."
    assert tree.notes == ("cut page junk from line 19 ('Related Articles')",)
    early = read_str("T\n\nRead more about tokens below.\n\nTokens expire after one hour.\n\nRefresh them daily.")
    assert plain(early) == ["Read more about tokens below.", "Tokens expire after one hour.", "Refresh them daily."]
    assert early.notes == ()


def test_junk_markers_come_from_the_options():
    raw = "T\n\nReal text about the topic, long enough. Subscribe now! Buy things."
    assert plain(read_str(raw)) == ["Real text about the topic, long enough. Subscribe now! Buy things."]
    extra = ReadOptions(junk_markers=(*DEFAULT_JUNK_MARKERS, "Subscribe now!"))
    assert plain(read_str(raw, options=extra)) == ["Real text about the topic, long enough."]
    assert plain(read_str("T\n\nSome words. Continue Reading more words.", options=ReadOptions())) == [
        "Some words. Continue Reading more words."
    ]


def test_source_line_and_title():
    tree = read_str("source: https://example.org/a\nTitle\n\nBody.")
    assert (tree.source, tree.title, plain(tree)) == ("https://example.org/a", "Title", ["Body."])
    tree = read_str("Title\nSOURCE:  https://example.org/b \n\nBody.")
    assert (tree.source, tree.title, plain(tree)) == ("https://example.org/b", "Title", ["Body."])


def test_title_needs_a_blank_line_and_more_text_after_it():
    assert read_str("Title\n\nBody text.").title == "Title"
    tree = read_str("Line one\nline two.", name="my_notes.txt")
    assert tree.title is None and plain(tree) == ["Line one line two."]
    one = read_str("Paris is the capital of France.\n", name="paris.txt")
    assert one.title is None and plain(one) == ["Paris is the capital of France."]


@pytest.mark.parametrize(
    "first",
    [
        "Paris is the capital of France.",  # a sentence
        "Before you start:",  # a lead-in
        "Paris is the capital of France and the seat of its government, with many museums, parks and cafes along both banks of the river Seine",
    ],
)
def test_a_first_line_that_reads_as_a_paragraph_is_no_title(first):
    tree = read_str(f"{first}\n\nLyon is the second city.", name="cities.txt")
    assert tree.title is None  # the loader names the document after its file
    assert plain(tree) == [first, "Lyon is the second city."]


def test_a_first_paragraph_on_one_line_is_a_passage_of_a_file_named_document(tmp_path):
    (tmp_path / "french_cities.txt").write_text("Paris is the capital of France.\n\nLyon is the second city.\n")
    (doc,) = load_knowledge(tmp_path).documents
    assert doc.title == "French cities"
    assert tuple(doc.paragraphs) == ("Paris is the capital of France.", "Lyon is the second city.")


@pytest.mark.parametrize("first", ["Why NATO builds a space center?", "Release notes 2.1", "Big news!"])
def test_a_short_headline_is_the_title(first):
    tree = read_str(f"{first}\n\nBody text.")
    assert (tree.title, plain(tree)) == (first, ["Body text."])


@pytest.mark.parametrize("raw", ["a < / P > < p > b", "a < p > < p > b", "a</p><p>b", "a<BR/>b", "a <div class='x'> b"])
def test_mangled_block_tags_split_paragraphs(raw):
    assert plain(read_str("T\n\n" + raw)) == ["a", "b"]


def test_entities_decoded_once_and_angle_brackets_in_text_kept():
    tree = read_str("T\n\nUse the &lt;p&gt; tag, write &amp;amp; for &amp;. Tom &amp; Jerry &#8217;")
    assert plain(tree) == ["Use the <p> tag, write &amp; for &. Tom & Jerry ’"]
    tree = read_str("T\n\nIf a<b and c>d the claim holds. Use Vec<String> in Rust. <b>bold</b> <a href='x'>link</a>")
    assert plain(tree) == ["If a<b and c>d the claim holds. Use Vec<String> in Rust. bold link"]


def test_text_is_escaped_so_a_file_cannot_inject_markdown():
    tree = read_str("T\n\nSee [a link](http://x) **now** <@123>")
    md = tree.root.blocks[0].md  # type: ignore[union-attr]
    assert "\\[" in md and "\\*\\*" in md and "\\<@" in md
    assert plain(tree) == ["See [a link](http://x) **now** <@123>"]


def test_title_tags_and_entities():
    assert read_str("<b>Fish &amp; Chips</b>\n\nBody.").title == "Fish & Chips"


def test_unusable_bytes_are_a_knowledge_error():
    with pytest.raises(KnowledgeError, match="empty"):
        read("e.txt", b"  \n", DEFAULTS)
    with pytest.raises(KnowledgeError, match=r"not UTF-8 text \(bad byte at offset 3\): save it as UTF-8"):
        read("l.txt", "caf\xe9".encode("latin-1"), DEFAULTS)


def test_junk_line_is_the_source_line_whatever_tags_and_entities_came_before():
    body = "".join(f"Paragraph {i} &amp; more words < / P >\n< p class='x'\n> text\n" for i in range(8))
    tree = read_str(f"source: https://example.org/x\nTitle\n\n{body}Tail. Continue Reading: ads")
    assert tree.notes == ("cut page junk from line 28 ('Continue Reading')",)
    assert plain(tree)[-1] == "text Tail."


@settings(max_examples=150, deadline=None)
@given(raw=st.text(alphabet=st.sampled_from(list("<>/ =&;#pPdivbr\n\tax.")), max_size=120))
def test_any_text_reads_or_says_why(raw):
    try:
        tree = read_str(raw + " Continue Reading")
    except KnowledgeError:
        return
    for text in plain(tree):
        assert text and text == text.strip()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_text_with_a_byte_order_mark_reads(encoding):
    # Windows editors save "Unicode" text as UTF-16 with a BOM; it used to be called binary.
    import codecs

    text = "Café notes\n\nThe café opens at nine and closes at five.\n"
    bom = {"utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    tree = read("u.txt", bom + text.encode(encoding), DEFAULTS)
    assert tree.title == "Café notes"
    assert plain(tree) == ["The café opens at nine and closes at five."]
    with pytest.raises(KnowledgeError, match="empty"):
        read("e.txt", " \n".encode("utf-16"), DEFAULTS)


def test_a_junk_marker_opening_a_sentence_is_prose_not_furniture():
    body = "\n\n".join(f"Paragraph {i} says something about the subject." for i in range(1, 9))
    tree = read_str(f"Title\n\n{body}\n\nRead more about coverage.\n\nThe last word.\n\nRead more\n\nAds.")
    assert plain(tree)[-2:] == ["Read more about coverage.", "The last word."]
    assert tree.notes == ("cut page junk from line 23 ('Read more')",)


@pytest.mark.parametrize(
    "teaser",
    [
        "Read more from Jane Doe",
        "Read more stories like this from our newsroom.",
        "Read more articles",
        "Continue reading the main story",
    ],
)
def test_a_junk_marker_opening_a_teaser_still_cuts(teaser: str) -> None:
    body = "\n\n".join(f"Paragraph {i} says something about the subject." for i in range(1, 9))
    tree = read_str(f"Title\n\n{body}\n\n{teaser}\n\nAnother story.")
    assert plain(tree)[-1] == "Paragraph 8 says something about the subject."


def outline(tree: DocTree) -> list[tuple[int, str, list[str]]]:
    """(level, heading, paragraphs' plain text) of every section below the root, in order."""
    from bot.documents.model import walk_sections

    return [
        (s.level, s.heading, [inline.to_plain(b.md) for b in s.blocks if isinstance(b, Paragraph)])
        for _, s in walk_sections(tree.root)
        if s.level
    ]


def test_underlined_headings_are_sections_levelled_by_the_order_their_marks_appear():
    # A man page written as AsciiDoc (git's Documentation/*.txt): the two-line title, then
    # sections underlined with "-" and subsections with "~", the text straight under them.
    raw = (
        "git-commit(1)\n=============\n\nNAME\n----\ngit-commit - Record changes to the repository\n\n"
        "DESCRIPTION\n-----------\nCreate a new commit.\n\nCommit information\n~~~~~~~~~~~~~~~~~~\n\n"
        "Author and committer come from the config.\n\nSEE ALSO\n--------\nlinkgit:git-add[1]\n"
    )
    tree = read_str(raw, name="git-commit.txt")
    assert tree.title == "git-commit(1)"
    assert outline(tree) == [
        (1, "NAME", ["git-commit - Record changes to the repository"]),
        (1, "DESCRIPTION", ["Create a new commit."]),
        (2, "Commit information", ["Author and committer come from the config."]),
        (1, "SEE ALSO", ["linkgit:git-add[1]"]),
    ]
    assert not tree.root.blocks


def test_an_overlined_title_and_a_rule_across_the_page_over_a_title_are_headings():
    rule = "=" * 78
    raw = (
        "*usr_02.txt*\tFor Vim version 9.2\n\nThe first steps in Vim.\n\n"
        f"{rule}\n*02.1*\tRunning Vim for the First Time\n\nTo start Vim, enter this command.\n\n"
        "#######\nInstall\n#######\n\nRun the installer.\n"
    )
    tree = read_str(raw, name="usr_02.txt")
    assert tree.title == "*usr_02.txt* For Vim version 9.2"
    assert [inline.to_plain(b.md) for b in tree.root.blocks] == ["The first steps in Vim."]  # type: ignore[union-attr]
    assert outline(tree) == [
        (1, "*02.1* Running Vim for the First Time", ["To start Vim, enter this command."]),
        (2, "Install", ["Run the installer."]),
    ]


@pytest.mark.parametrize(
    ("listing", "before"),
    [
        ("------------\n$ git commit\n------------", []),  # AsciiDoc's listing block around a command
        ("Then:\n------------\n$ git add a.c\n$ git commit\n------------", [("p", "Then:")]),
    ],
)
def test_lines_between_two_same_lines_of_dashes_are_a_listing_not_a_heading(listing: str, before: list) -> None:
    tree = read_str(f"Committing\n\nStage the files first.\n\n{listing}\n\nThat records them.\n\n" + "-" * 78)
    assert not tree.root.children
    code = listing.split("------------")[1].strip("\n")
    assert shown(tree) == [("p", "Stage the files first."), *before, ("code", code), ("p", "That records them.")]


def test_a_short_line_of_dashes_over_a_line_is_no_heading_and_a_rule_alone_shows_nothing() -> None:
    tree = read_str("Committing\n\nStage the files first.\n\n------\n$ git commit\n\nThat records them.\n\n" + "-" * 78)
    assert plain(tree) == ["Stage the files first.", "$ git commit", "That records them."]


@settings(max_examples=150, deadline=None)
@given(raw=st.text(alphabet=st.sampled_from(list("=-~# \tab.:>\n")), max_size=160))
def test_any_arrangement_of_rules_and_lines_reads_or_says_why(raw: str):
    try:
        tree = read_str(raw)
    except KnowledgeError:
        return
    for level, heading, paras in outline(tree):
        assert 1 <= level <= 6 and heading == heading.strip() and heading
        assert all(p and p == p.strip() for p in paras)
    for kind, text in shown(tree):
        assert text.strip() and (kind == "code" or text == text.strip())


def test_an_indented_block_after_a_lead_in_is_its_code_across_blank_lines():
    # Vim's help marks a code block with " >" ending the line before it (`:help help-writing`);
    # git's and RFC-style text lead in with ":" and indent the command.
    raw = (
        "Starting\n\nTo start Vim, enter this command: >\n\n\tgvim file.txt\n\nIt opens a window.\n\n"
        "Put this in your vimrc:\n\n    if has('gui')\n\n      set lines=40\n    endif\n\nThen restart it.\n"
    )
    assert shown(read_str(raw)) == [
        ("p", "To start Vim, enter this command:"),
        ("code", "gvim file.txt"),
        ("p", "It opens a window."),
        ("p", "Put this in your vimrc:"),
        ("code", "if has('gui')\n\n  set lines=40\nendif"),  # indented as a whole
        ("p", "Then restart it."),
    ]


@pytest.mark.parametrize(
    "raw",
    [
        # An indented table of descriptions reads on in words: it is prose to find.
        "The valid cases are:\n\n\t-nargs=1    Exactly one argument is required, it includes spaces",
        # AsciiDoc's "term::" labels an indented description, not code.
        "--heads::\n\n\tLimit the list to refs/heads and show nothing else",
        # Indented text no lead-in introduces.
        "The list follows.\n\n\tgit log",
    ],
)
def test_indented_text_without_a_lead_in_or_reading_as_prose_stays_a_paragraph(raw: str):
    assert all(kind == "p" for kind, _ in shown(read_str("Notes\n\n" + raw)))


def test_a_vim_help_file_reads_as_its_help_shows_it():
    # `:help help-writing`: the modeline names the format; "=" and "-" rules over section
    # and subsection titles, a line ending in "~" a header, |links| and *tags* without marks,
    # ">vim" ending a line opens code; a table's column heads ("Name<tab>Meaning ~") are none.
    rule, sub = "=" * 78, "-" * 78
    raw = (
        "*myplugin.txt*\tFormat files on save\n\nSee |myplugin-usage| first.\n\n"
        f"{rule}\n1. Usage\t\t\t\t\t*myplugin-usage*\n\nCall it from your vimrc: >vim\n\tcall myplugin#setup()\n<\n"
        f"{sub}\n1.1 Options\n\nOptions ~\nThe *g:myplugin_width* option sets the width.\n\n"
        "Name\t\tMeaning ~\nwidth\t\tcolumns to fill\n\n"
        "Copyright: see |manual-copyright|  vim:tw=78:ts=8:noet:ft=help:norl:\n"
    )
    tree = read_str(raw, name="myplugin.txt")
    assert tree.title == "myplugin.txt Format files on save"
    assert shown(tree) == [("p", "See myplugin-usage first.")]
    assert [(lvl, h) for lvl, h, _ in outline(tree)] == [
        (1, "1. Usage myplugin-usage"),
        (2, "1.1 Options"),
        (3, "Options"),
    ]
    (usage, options, header) = (s for _, s in walk_sections(tree.root) if s.level)
    assert [type(b).__name__ for b in usage.blocks] == ["Paragraph", "Code"]
    assert usage.blocks[1] == Code(text="call myplugin#setup()")
    assert [inline.to_plain(b.md) for b in header.blocks] == [  # type: ignore[union-attr]
        "The g:myplugin_width option sets the width.",
        "Name Meaning ~ width columns to fill",
        "Copyright: see manual-copyright",
    ]


def test_bars_and_stars_are_kept_outside_vim_help_and_inside_words():
    tree = read_str("Notes\n\nRun |make| then a|b|c and 2*3*4 with *care*.\n")
    assert plain(tree) == ["Run |make| then a|b|c and 2*3*4 with *care*."]
    help_text = read_str("Notes\n\nRun |make| then a|b|c and 2*3*4 with *care*.\n\n vim:ft=help\n")
    assert plain(help_text) == ["Run make then a|b|c and 2*3*4 with care."]
