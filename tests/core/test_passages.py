"""The passage builder's rules, on hand-built document trees (no reader involved)."""

from __future__ import annotations

import pytest

from bot.documents import inline
from bot.documents.model import (
    Admonition,
    Code,
    DocTree,
    ListBlock,
    Paragraph,
    Section,
    Table,
)
from bot.documents.passages import (
    MAX_PARAGRAPH,
    PassageError,
    ShapeOptions,
    build_passages,
    cut_paragraph,
)


def doc(*sections: Section, root_blocks: tuple = (), title: str = "Guide") -> DocTree:
    return DocTree(title=title, root=Section("", 0, root_blocks, tuple(sections)))


def para(text: str) -> Paragraph:
    return Paragraph(text)


def test_lead_in_and_its_code_travel_together_and_the_fence_is_never_split():
    code = "poetry install\n\n# a blank line above must not cut the block\npoetry run pytest"
    tree = doc(Section("Installing", 2, (para("Install it with:"), Code(code, "bash"), para("Then run the tests."))))
    [p] = build_passages(tree, "Guide")
    assert p.path == ("Installing",)
    assert p.markdown == f"Install it with:\n\n```bash\n{code}\n```\n\nThen run the tests."
    assert p.text == "Install it with: Then run the tests."  # code is shown, not indexed by default


def test_code_can_be_indexed():
    tree = doc(Section("Run", 2, (para("Run:"), Code("poetry   env\nuse 3.12"))))
    [p] = build_passages(tree, "Guide", ShapeOptions(index_code=True))
    assert p.pieces == ("Run:", "poetry env use 3.12")


def test_short_section_is_one_passage_and_long_one_splits_on_blocks_keeping_its_path():
    short = Section("Short", 2, (para("One."), para("Two."), ListBlock(((para("item"),),))))
    long_paras = tuple(para(f"Sentence number {i} " + "word " * 60 + ".") for i in range(8))
    long = Section("Long", 3, long_paras)
    tree = doc(Section("Guide", 1, (), (short, Section("Parent", 2, (), (long,)))))
    passages = build_passages(tree, "Guide")
    assert passages[0].path == ("Short",) and passages[0].pieces == ("One.", "Two.", "item")
    rest = passages[1:]
    assert len(rest) >= 2
    assert all(p.path == ("Parent", "Long") for p in rest)  # title H1 dropped, empty parent kept
    assert all(sum(len(x) for x in p.pieces) <= 1200 for p in rest)
    # every paragraph is in exactly one part, in order
    assert [x for p in rest for x in p.pieces] == [p.md.strip() for p in long_paras]
    sizes = [sum(len(x) for x in p.pieces) for p in rest]
    assert max(sizes) - min(sizes) < 600  # parts of similar size, not 1,200 + a scrap


def test_code_or_list_only_stretch_joins_the_prose_before_or_after():
    tree = doc(
        Section("A", 2, (Code("x = 1"), para("Explains the code above."), ListBlock(((para("a"),), (para("b"),)))))
    )
    [p] = build_passages(tree, "Guide")
    assert p.markdown.startswith("```\nx = 1\n```\n\nExplains")
    assert p.markdown.endswith("- a\n- b")
    only_code = doc(Section("B", 2, (Code("just code"),)))
    [q] = build_passages(only_code, "Guide", ShapeOptions(index_code=True))
    assert q.pieces == ("just code",)


def test_empty_sections_yield_nothing_but_stay_in_the_path():
    tree = doc(Section("Top", 2, (), (Section("Empty", 3, (), (Section("Deep", 4, (para("Text."),)),)),)))
    [p] = build_passages(tree, "Guide")
    assert p.path == ("Top", "Empty", "Deep")
    assert p.section == 3  # walk order: root, Top, Empty, Deep


def test_document_without_headings_has_a_passage_per_paragraph():
    tree = DocTree(title="T", root=Section("", 0, tuple(para("word " * 100) for _ in range(4))))
    assert len(build_passages(tree, "T")) == 4


def test_a_bold_label_leads_what_it_labels_and_is_never_a_passage_alone():
    # Tab labels and <details> summaries read as a bold-only paragraph before their content.
    flat = DocTree(
        title="T",
        root=Section(
            "",
            0,
            (
                para("Install it first."),
                para("**macOS**"),
                para("Use brew."),
                para("**npm**"),
                Code("npm i x", "bash"),
                para("**Yarn**"),
                Code("yarn add x", "bash"),
                para("Then run it."),
                para("**Why?**"),
            ),
        ),
    )
    texts = [p.text for p in build_passages(flat, "T")]
    assert texts == ["Install it first.", "macOS Use brew.", "npm Yarn Then run it.", "Why?"]
    [q] = build_passages(doc(Section("S", 2, (para("Intro."), para("**Linux**"), Code("apt install x")))), "Guide")
    assert q.markdown == "Intro.\n\n**Linux**\n\n```\napt install x\n```"  # order kept
    # A bold phrase inside a sentence, or two of them, is prose as before.
    for text in ("Use **brew** here.", "**a** and **b**"):
        assert [p.text for p in build_passages(DocTree("T", Section("", 0, (para(text), para("x.")))), "T")] == [
            inline.to_plain(text),
            "x.",
        ]


def test_labelled_code_after_a_lead_in_stays_with_it_and_a_labelled_tab_leads_its_prose():
    blocks = (para("Install:"), para("**npm**"), Code("npm i x"), para("**yarn**"), Code("yarn add x"))
    blocks += (para("Then run it."), para("Pick one:"), para("**Linux**"), para("Use apt."))
    texts = [p.text for p in build_passages(DocTree("T", Section("", 0, blocks)), "T")]
    assert texts == ["Install: npm yarn", "Then run it.", "Pick one:", "Linux Use apt."]


def test_in_a_page_without_headings_a_label_holds_the_paragraphs_up_to_the_next_one():
    blocks = (para("Intro."), para("**Step one**"), para("Click Add."), para("Click Save."), para("**Step two**"))
    blocks += (para("Done."), para("word " * 300))
    texts = [p.text for p in build_passages(DocTree("T", Section("", 0, blocks)), "T")]
    assert texts == ["Intro.", "Step one Click Add. Click Save.", "Step two Done.", ("word " * 300).strip()]


def test_lists_tables_and_admonitions_as_display_markdown():
    nested = ListBlock(((para("one"), ListBlock(((para("inner"),),), ordered=True)), (para("two"),)))
    table = Table(("Name", "Value"), (("a", "1"), ("long name", "22")))
    note = Admonition("note", None, (para("Be **careful**."),))
    tree = doc(Section("S", 2, (para("Intro:"), nested, table, note)))
    [p] = build_passages(tree, "Guide")
    assert "- one\n  1. inner\n- two" in p.markdown
    assert "```\nName       Value\n---------  -----\na          1\nlong name  22\n```" in p.markdown
    assert "**Note:** Be **careful**." in p.markdown
    assert p.pieces == ("Intro:", "one", "inner", "two", "Name Value", "a 1", "long name 22", "Be careful.")


def test_page_is_the_first_blocks_page():
    tree = DocTree(
        title="Rules",
        root=Section("", 0, (Paragraph("Page four text.", page=4), Paragraph("More.", page=5))),
        paged=True,
    )
    assert [p.page for p in build_passages(tree, "Rules")] == [4, 5]


def test_huge_paragraph_is_cut_at_sentence_ends_or_refused():
    text = " ".join(f"This is sentence {i} of a very long paragraph." for i in range(600))
    parts = cut_paragraph(text, 1200)
    assert len(parts) > 10 and all(len(p) <= 1200 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == text
    tree = doc(Section("S", 2, (para(text),)))
    passages = build_passages(tree, "Guide")
    assert len(passages) > 1 and all(p.path == ("S",) for p in passages)
    with pytest.raises(PassageError, match="too long to be prose"):
        cut_paragraph("x" * 1_000_001, 1200)


def test_a_paragraph_is_measured_by_its_text_not_its_escaped_form():
    """900,000 characters with many Markdown-special ones were refused as "1.4 million"."""
    text = "f(x)_y " * 130_000  # 910,000 characters; escaped, 1,300,000
    md = inline.escape(text)
    assert len(md) > MAX_PARAGRAPH >= len(text)
    assert len(cut_paragraph(md, 1200)) > 700
    with pytest.raises(PassageError, match=r"one paragraph of 1\.2 million characters"):
        cut_paragraph(inline.escape("f(x)_y " * 170_000), 1200)  # 1,190,000; escaped, 1,700,000


def test_only_the_titles_own_h1_leaves_the_path():
    # A learned answer: "# Q" is the title, "## Q" repeats it as a heading and stays findable.
    tree = DocTree(title="Q?", root=Section("", 0, (), (Section("Q?", 2, (para("Answer."),)),)))
    assert build_passages(tree, "Q?")[0].path == ("Q?",)
    h1 = DocTree(title="Q?", root=Section("", 0, (), (Section("Q?", 1, (para("Answer."),)),)))
    assert build_passages(h1, "Q?")[0].path == ()


def test_a_huge_list_or_table_is_cut_into_passages_of_prose_size():
    # A 20,000-term glossary was one passage of 900,000 characters: BM25's length norm buried
    # every term in it and "Full passage" showed a scrap of it.
    items = tuple((para(f"term {i}: what term number {i} means."),) for i in range(2000))
    rows = tuple((f"person {i}", f"room {i}") for i in range(2000))
    tree = doc(
        Section("Glossary", 2, (para("Every term:"), ListBlock(items, ordered=True))),
        Section("Rooms", 2, (Table(("Name", "Room"), rows),)),
    )
    passages = build_passages(tree, "Guide")
    glossary = [p for p in passages if p.path == ("Glossary",)]
    rooms = [p for p in passages if p.path == ("Rooms",)]
    assert len(glossary) > 20 and len(rooms) > 20
    assert all(len(p.text) <= 2 * 1200 for p in glossary + rooms)
    assert [x for p in glossary for x in p.pieces] == ["Every term:"] + [
        f"term {i}: what term number {i} means." for i in range(2000)
    ]
    assert glossary[0].markdown.startswith("Every term:\n\n1. term 0:")
    assert glossary[1].markdown.startswith(f"{len(glossary[0].pieces)}. term")  # numbering goes on
    assert all(p.markdown.startswith("```\nName") for p in rooms)  # each part keeps the header
    assert [x for p in rooms for x in p.pieces if x != "Name Room"] == [f"person {i} room {i}" for i in range(2000)]
    small = build_passages(doc(Section("S", 2, (para("Lead:"), ListBlock(items[:30])))), "Guide")
    assert len(small) == 1  # a list of ordinary size stays whole


def test_a_huge_table_of_only_a_header_is_kept():
    # The cut went by rows: a table without any lost its (huge) header, and with it the text.
    header = tuple(f"column {i} of the wide sheet" for i in range(250))
    tree = doc(Section("Sheet", 2, (para("The columns:"), Table(header, ()))))
    passages = build_passages(tree, "Guide")
    assert "column 249 of the wide sheet" in " ".join(p.text for p in passages)
