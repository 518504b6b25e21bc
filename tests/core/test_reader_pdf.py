"""The PDF reader: page text joined into paragraphs that know their page; clear reasons for
PDFs that cannot be used."""

from __future__ import annotations

import io
import logging
import random
import time

import pytest

from bot.documents import inline
from bot.documents.model import (
    Code,
    DocTree,
    ListBlock,
    Paragraph,
    ReadOptions,
    Table,
    walk_sections,
)
from bot.documents.readers.pdf import read
from bot.documents.scraped import DEFAULT_JUNK_MARKERS
from bot.errors import KnowledgeError
from tests.core.pdf_bytes import make_pdf

RULES = [
    [
        "Community rules for the server",
        "Members must be kind to each other at all times, and every exam-",
        "ple of harassment is reported to the moderators of the server.",
        "Warnings come first.",
        "Repeated spam leads to a ban from every channel of the server, and",
        "the moderators decide how long the ban lasts after they have",
    ],
    [
        "looked at the messages in question and at earlier warnings.",
        "Appeals",
        "Appeals go to the admin team by direct message, and the team",
        "answers within a week. A well-",
        "Known member may vouch for you.",
    ],
]


def paras(tree: DocTree) -> list[tuple[int | None, str]]:
    assert not tree.root.children
    assert all(isinstance(b, Paragraph) for b in tree.root.blocks)
    return [(b.page, inline.to_plain(b.md)) for b in tree.root.blocks]  # type: ignore[union-attr]


def test_two_pages_paragraphs_know_their_page():
    tree = read("rules.pdf", make_pdf(RULES), ReadOptions())
    assert tree.paged and tree.source is None and tree.notes == ()
    assert tree.title == "Community rules for the server"  # no metadata title: the first line
    assert paras(tree) == [
        (
            1,
            (
                "Members must be kind to each other at all times, and every example of harassment is "
                "reported to the moderators of the server. Warnings come first."
            ),
        ),
        # runs on over the page break: cited by the page it starts on
        (
            1,
            (
                "Repeated spam leads to a ban from every channel of the server, and the moderators decide "
                "how long the ban lasts after they have looked at the messages in question and at earlier warnings."
            ),
        ),
        (2, "Appeals"),
        (
            2,
            (
                "Appeals go to the admin team by direct message, and the team answers within a week. "
                "A well-Known member may vouch for you."
            ),
        ),
    ]


def test_metadata_title_wins_and_is_not_repeated_as_a_paragraph():
    tree = read("r.pdf", make_pdf(RULES, title="Server Rules"), ReadOptions())
    assert tree.title == "Server Rules"
    assert paras(tree)[0] == (1, "Community rules for the server")
    same = read("r.pdf", make_pdf(RULES, title="Community rules for the server"), ReadOptions())
    assert paras(same)[0][1].startswith("Members must be kind")
    named = read("r.pdf", make_pdf(RULES, title="Microsoft Word - rules.docx"), ReadOptions())
    assert named.title == "Community rules for the server"


def test_no_title_when_the_first_line_is_a_sentence():
    tree = read("p.pdf", make_pdf([["This document has no title line at all.", "It starts with text."]]), ReadOptions())
    assert tree.title is None
    assert paras(tree) == [(1, "This document has no title line at all. It starts with text.")]


def test_page_numbers_running_heads_and_contents_lines_dropped():
    ends = {1: "Short end.", 2: "Brief end.", 3: "Last words."}
    pages = [
        ["Rule book", f"Rule {n} says members keep the channel on topic, page after page.", ends[n], str(n)]
        for n in range(1, 4)
    ]
    pages[0].insert(1, "1 Introduction . . . . . . . . . . 1")
    tree = read("book.pdf", make_pdf(pages, title="The rule book"), ReadOptions())
    texts = [t for _, t in paras(tree)]
    assert texts == [f"Rule {n} says members keep the channel on topic, page after page. {ends[n]}" for n in (1, 2, 3)]
    assert [p for p, _ in paras(tree)] == [1, 2, 3]


def test_contents_lines_with_wide_dot_leaders_are_dropped():
    # pypdf gives the ReportLab guide's leaders as ".  .  .  ." (two spaces between dots).
    pages = [["Rule 1 says members keep the channel on topic.", "2.1 Syntax .  .  .  .  .  .  .  . 6"]]
    tree = read("book.pdf", make_pdf(pages, title="The rule book"), ReadOptions())
    assert [t for _, t in paras(tree)] == ["Rule 1 says members keep the channel on topic."]


def test_running_heads_given_last_and_changing_per_chapter_are_dropped():
    # The ReportLab guide draws "User Guide" and "Chapter N ..." last on each page, at one place.
    chapters = ["Chapter 1 Rules"] * 3 + ["Chapter 2 Bans"] * 3
    words = ["one", "two", "three", "four", "five", "six"]
    pages = [[f"Rule {w} says members keep the channel on topic.", "User Guide", c] for w, c in zip(words, chapters)]
    data = make_pdf(pages, title="Guide", x={"Chapter": 300}, beside=frozenset(chapters))
    tree = read("guide.pdf", data, ReadOptions())
    assert [t for _, t in paras(tree)] == [f"Rule {w} says members keep the channel on topic." for w in words]


def test_running_feet_that_carry_the_page_number_are_dropped():
    # Sphinx's feet: "12 Chapter 1. Rules" on even pages, "1.2. Bans 13" on odd ones, each
    # naming its chapter or section, so no text recurs; the page number counts on.
    feet = ["1.1. Warnings 11", "12 Chapter 1. Rules", "1.2. Bans 13", "14 Chapter 2. Appeals"]
    words = ["one", "two", "three", "four"]
    pages = [[f"Rule {w} says members keep the channel on topic.", "", foot] for w, foot in zip(words, feet)]
    tree = read("feet.pdf", make_pdf(pages, title="Guide"), ReadOptions())
    assert [t for _, t in paras(tree)] == [f"Rule {w} says members keep the channel on topic." for w in words]


def test_numeric_rows_that_open_pages_are_not_running_lines():
    # Every page's top line stands at one height; once digits are ignored, table rows look
    # alike ("2019 1,234 5.6%", "2021 3,456 7.8%"), but they are no running head.
    rows = ["2019 1,234 5.6%", "2021 3,456 7.8%"]
    pages = [
        ["Sales rose in the first year we measured.", "The table goes on over the page."],
        [rows[0], "That year the shop opened a second branch in town."],
        ["Costs fell once the new supplier delivered.", "The table goes on over the page again."],
        [rows[1], "That year the online shop took most orders."],
    ]
    tree = read("report.pdf", make_pdf(pages), ReadOptions())
    texts = " ".join(t for _, t in paras(tree))
    assert all(row in texts for row in rows)


def test_pages_made_from_one_template_keep_their_text():
    # Every page's first and last lines match once digits are ignored, as running heads
    # do; taking them for running heads left nothing, and the PDF was "scanned pages?".
    pages = [[f"Step {n}", f"Run part {n} of the installer before the next step."] for n in range(1, 6)]
    tree = read("steps.pdf", make_pdf(pages), ReadOptions())
    texts = " ".join(t for _, t in paras(tree))
    assert all(f"Run part {n} of the installer before the next step." in texts for n in range(1, 6))


def _cpu_read(n_lines: int) -> tuple[float, DocTree]:
    """(this process's CPU seconds, not the wall clock other work on the host stretches,
    the tree) for reading a page of so many lines."""
    data = make_pdf([[f"Line {n} of the long list of text" for n in range(n_lines)]])
    t0 = time.process_time()
    tree = read("long.pdf", data, ReadOptions(timeout_s=600))
    return time.process_time() - t0, tree


def test_a_page_of_many_lines_reads_in_linear_time():
    # Joining a paragraph's lines searched the whole paragraph so far at every line: a page
    # of 20,000 short lines took over two minutes, past any time limit (none is checked there).
    # Growth, not a time: 8 times the lines take about 8 times as long (64 if quadratic). A
    # wall-clock limit failed under load with linear code.
    small = min(_cpu_read(500)[0] for _ in range(2))
    seconds, tree = _cpu_read(4_000)
    assert seconds < small * 24
    text = " ".join(t for _, t in paras(tree))
    assert "Line 1 of the long list of text Line 2 of" in text and text.endswith("Line 3999 of the long list of text")


def test_bullets_and_numbered_headings_start_paragraphs():
    tree = read(
        "l.pdf",
        make_pdf(
            [
                [
                    "The bot answers questions from the knowledge folder of the server:",
                    "• it cites the passage it used for every answer it gives",
                    "• it says so when the knowledge base has no answer",
                    "1.2. Reloading the knowledge base after an edit",
                    "Run the reload command after changing files in the folder.",
                ]
            ]
        ),
        ReadOptions(),
    )
    assert tree.root.blocks == (
        Paragraph("The bot answers questions from the knowledge folder of the server:", page=1),
        ListBlock(
            items=(
                (Paragraph("it cites the passage it used for every answer it gives", page=1),),
                (Paragraph("it says so when the knowledge base has no answer", page=1),),
            ),
            page=1,
        ),
        Paragraph("1.2. Reloading the knowledge base after an edit", page=1),
        Paragraph("Run the reload command after changing files in the folder.", page=1),
    )


def test_junk_markers_never_apply_to_pdf():
    lines = [f"Line {n} of the rules, long enough to look like a full line of text." for n in range(6)]
    lines.append("Read more about bans in the appeals section of the rules.")
    tree = read("j.pdf", make_pdf([lines]), ReadOptions(junk_markers=DEFAULT_JUNK_MARKERS))
    assert "Read more about bans" in paras(tree)[-1][1] and tree.notes == ()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"not a pdf at all", "not a PDF"),
        (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "damaged"),
        (b"%PDF-1.7\n%%EOF", "damaged"),
        (make_pdf(RULES)[:300], "damaged"),
        (make_pdf(RULES).replace(b"/Pages 2 0 R", b"/Pages 9 0 R"), "damaged"),
    ],
)
def test_broken_files_are_a_knowledge_error(data, reason, caplog):
    with caplog.at_level(logging.WARNING), pytest.raises(KnowledgeError, match=reason):
        read("broken.pdf", data, ReadOptions())
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
    pypdf_log = logging.getLogger("pypdf")
    assert pypdf_log.propagate and not pypdf_log.handlers  # left as found, error or not


def test_pdf_without_text_says_it_may_be_scanned():
    with pytest.raises(KnowledgeError, match=r"no extractable text \(scanned pages\?\)"):
        read("scan.pdf", make_pdf([[], ["   "]]), ReadOptions())
    with pytest.raises(KnowledgeError, match="no extractable text"):
        read("numbers.pdf", make_pdf([["1"], ["2"]]), ReadOptions())


def _encrypted(user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(RULES))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_password_protected_pdf_is_a_knowledge_error_but_owner_only_locks_are_read():
    with pytest.raises(KnowledgeError, match="password-protected"):
        read("locked.pdf", _encrypted("secret"), ReadOptions())
    tree = read("restricted.pdf", _encrypted(""), ReadOptions())
    assert paras(tree)[0][1].startswith("Members must be kind")


def test_pypdf_complaints_become_one_log_line(caplog):
    data = make_pdf(RULES)
    wrong_xref = data.replace(b"startxref\n", b"startxref\n1").replace(b"0000000", b"0000001", 3)
    with caplog.at_level(logging.DEBUG):
        tree = read("odd.pdf", wrong_xref, ReadOptions())
    assert paras(tree)[0][1].startswith("Members must be kind")
    ours = [r for r in caplog.records if r.name == "bot.documents.readers.pdf" and r.levelno == logging.WARNING]
    assert len(ours) == 1 and "odd.pdf" in ours[0].getMessage() and "pypdf" in ours[0].getMessage()
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
    pypdf_log = logging.getLogger("pypdf")
    assert pypdf_log.propagate and not pypdf_log.handlers  # left as found, error or not


def test_a_hanging_indents_run_on_lines_stay_in_their_paragraph():
    # A definition list or bibliography: the term starts the first line, its run-on lines
    # stand further in; a word may break over the first line's end.
    lines: list[str | tuple[str, int]] = [
        "detached The proof attempt is no longer tied to a task. The reason might be that a goal disap-",
        "peared, or that there is a syntax error in the current file, which makes nodes detached",
        "until the error is fixed.",
        "obsolete The prover has not been run on the current task, but on an earlier version of",
        "Its task. You need to replay the proof attempt to update the answer of the prover.",
    ]
    tree = read("terms.pdf", make_pdf([lines], title="Terms", x={"peared": 25, "until": 25, "Its": 25}), ReadOptions())
    assert [t for _, t in paras(tree)] == [
        "detached The proof attempt is no longer tied to a task. The reason might be that a goal disappeared,"
        " or that there is a syntax error in the current file, which makes nodes detached until the error is fixed.",
        "obsolete The prover has not been run on the current task, but on an earlier version of"
        " Its task. You need to replay the proof attempt to update the answer of the prover.",
    ]


def test_a_compound_the_document_writes_with_its_hyphen_keeps_it():
    tree = read(
        "h.pdf",
        make_pdf(
            [
                [
                    "A well-known rule of the server that every member knows about,",
                    "and the second well-",
                    "known rule, both exam-",
                    "ples of good rules.",
                ]
            ]
        ),
        ReadOptions(),
    )
    assert paras(tree)[-1][1].endswith("and the second well-known rule, both examples of good rules.")


def test_bigger_type_is_headings_and_gaps_end_paragraphs():
    body = "Members must be kind to each other at all times, in every channel and"
    pages: list[list[str | tuple[str, int]]] = [
        [
            ("Server handbook", 20),
            "",
            ("Joining", 15),
            body,
            "in every voice chat, and they read these rules before they post.",
            "",  # a gap, though the line above is a full one
            "New members get the visitor role until a moderator checks them over.",
            ("Roles", 15),
            body,
            "they ask before they ping a role.",
        ],
        [
            ("Moderators", 13),
            "Moderators are picked by the admins every year.",
            "The moderators keep a log of every warning.",
            ("Contents", 15),
            "Joining . . . . . . . . 1",
            "Roles . . . . . . . . . 1",
        ],
    ]
    tree = read("handbook.pdf", make_pdf(pages), ReadOptions())
    assert tree.title == "Server handbook"
    sections = {path: s for path, s in walk_sections(tree.root)}
    assert list(sections) == [(), ("Joining",), ("Roles",), ("Roles", "Moderators")]
    assert [s.level for s in sections.values()] == [0, 2, 2, 3]
    assert tree.root.blocks == ()
    joining = [(b.page, inline.to_plain(b.md)) for b in sections[("Joining",)].blocks]  # type: ignore[union-attr]
    assert joining == [
        (1, f"{body} in every voice chat, and they read these rules before they post."),
        (1, "New members get the visitor role until a moderator checks them over."),
    ]
    moderators = sections[("Roles", "Moderators")].blocks
    assert [b.page for b in moderators] == [2]  # type: ignore[union-attr]


def test_a_bold_line_of_text_size_set_apart_is_a_heading_below_the_others():
    # LaTeX's subsubsection: bold, the text's size, space above, its text close below.
    page: list[str | tuple[str, int]] = [
        ("Options", 14),
        "The bot reads these options when it starts, from the file beside the documents,",
        "and again when an admin reloads the documents without a restart of the bot.",
        "",
        "Set timeout",
        "The timeout option sets how long one read of a document may take.",
        "",
        "Never share your token in the channel.",  # bold, but a sentence
        "",
        "Set channel",
        "The channel option names the channel where the bot answers.",
    ]
    bold = frozenset({"Set timeout", "Set channel", "Never share your token in the channel."})
    tree = read("options.pdf", make_pdf([page], title="Bot", bold=bold), ReadOptions())
    assert [(s.heading, s.level) for _, s in walk_sections(tree.root)][1:] == [
        ("Options", 1),
        ("Set timeout", 2),
        ("Set channel", 2),
    ]
    timeout = tree.root.children[0].children[0]
    assert [inline.to_plain(b.md) for b in timeout.blocks] == [  # type: ignore[union-attr]
        "The timeout option sets how long one read of a document may take.",
        "Never share your token in the channel.",
    ]


def test_a_tables_bold_first_cell_is_no_heading_but_a_terms_is():
    # A bold first cell with its neighbour's text far to its right below it is in a table;
    # a term with its description indented a little under it heads the description.
    page: list[str | tuple[str, int]] = [
        "The bot's settings are described below, each with what it changes in the bot.",
        "",
        "Timeout",
        "How long one read of a document may take before it is abandoned.",
        "",
        "Channel",
        "The channel where the bot answers members' questions.",
    ]
    for shift, headings in (
        (
            200,
            [
                "",
            ],
        ),
        (30, ["", "Timeout", "Channel"]),
    ):
        x = {"How": shift, "The channel": shift}
        data = make_pdf([page], title="Bot", bold=frozenset({"Timeout", "Channel"}), x=x)
        tree = read("settings.pdf", data, ReadOptions())
        assert [s.heading for _, s in walk_sections(tree.root)] == headings, shift


def test_one_off_display_type_and_captions_are_not_headings():
    # The ReportLab guide: an 85 pt demo word took level 1, every real heading sat at 6.
    body = "Members must be kind to each other at all times, in every channel."
    names = [f"Topic {chr(ord('A') + n)}{chr(ord('a') + n)}" for n in range(26)]  # not alike as running heads
    pages: list[list[str | tuple[str, int]]] = [[(names[0], 15), body, body]]
    for name in names[1:]:
        pages.append([(name, 15), body, ("Figure 2-1: A big word", 15), f"{body} {name}"])
    pages[4][1:1] = [("SPUMONI", 40), body]
    pages[5][2:2] = [("Hello World", 15), "", "", "", "", body]  # type in a figure, far above the text
    tree = read("guide.pdf", make_pdf(pages, title="Guide"), ReadOptions())
    sections = {path: s for path, s in walk_sections(tree.root)}
    assert list(sections) == [(), *((name,) for name in names)]
    assert {s.level for path, s in sections.items() if path} == {1}
    text = " ".join(inline.to_plain(b.md) for b in sections[(names[4],)].blocks)  # type: ignore[union-attr]
    assert "SPUMONI" in text and "Figure 2-1: A big word" in text


def test_a_heading_wrapped_over_lines_is_one_heading_among_tight_code_lines():
    # The ReportLab guide, p. 92: "9.1 Preformatted(text, ..." over three 14 pt lines above 8 pt code.
    code = [(f"line_{n} = {n}", 0) for n in range(12)]
    # 20 pt heading lines 28 pt apart: twice the page's usual (code) line step, 1.4 of their ems.
    page: list[str | tuple[str, int]] = [("Preformatted(text, style,", 20), "", ("dedent=0)", 20), "Makes a block."]
    pages = [[*page, *code], [("Other flowables", 20), "More text here."]]
    tree = read("guide.pdf", make_pdf(pages, title="Guide"), ReadOptions())
    sections = [path for path, _ in walk_sections(tree.root)]
    assert ("Preformatted(text, style, dedent=0)",) in sections


def test_damaged_copies_of_a_good_pdf_never_raise_anything_but_knowledge_error():
    base = make_pdf(RULES, title="Rules")
    rng = random.Random(9)
    for _ in range(60):
        data = bytearray(base)
        for _ in range(rng.randint(1, 6)):
            pos = rng.randrange(len(data))
            if rng.random() < 0.5:
                data[pos] = rng.randrange(256)
            else:
                del data[pos : pos + rng.randint(1, 40)]
        try:
            tree = read("damaged.pdf", bytes(data), ReadOptions())
        except KnowledgeError:
            continue
        assert tree.paged


def test_a_read_over_its_time_limit_is_abandoned():
    from bot.errors import ReaderTimeout

    with pytest.raises(ReaderTimeout, match="longer than"):
        read("slow.pdf", make_pdf(RULES), ReadOptions(timeout_s=0.0))


def test_the_time_limit_holds_within_one_page(monkeypatch):
    """A page whose extraction goes on and on (many text pieces) is stopped at the limit,
    not only between pages; the broad except that keeps other pages must not swallow it."""
    import time

    from pypdf import PageObject

    from bot.errors import ReaderTimeout

    def endless(self, *args, visitor_text=None, **kwargs):
        end = time.monotonic() + 5.0  # bounded: the old code returns after 5 s and fails
        while time.monotonic() < end:
            visitor_text("more", [1, 0, 0, 1, 0, 0], [1, 0, 0, 1, 72, 700], {}, 11.0)
        return ""

    monkeypatch.setattr(PageObject, "extract_text", endless)
    start = time.monotonic()
    with pytest.raises(ReaderTimeout, match="longer than"):
        read("one-long-page.pdf", make_pdf([["a page"]]), ReadOptions(timeout_s=0.2))
    assert time.monotonic() - start < 4.0


def test_a_page_running_away_without_text_is_interrupted(monkeypatch):
    """No text piece reaches the cooperative check: the watchdog ends the read."""
    import time

    from pypdf import PageObject

    from bot.errors import ReaderTimeout

    def spin(self, *args, **kwargs):
        end = time.monotonic() + 6.0
        while time.monotonic() < end:
            pass
        return ""

    monkeypatch.setattr(PageObject, "extract_text", spin)
    start = time.monotonic()
    with pytest.raises(ReaderTimeout, match="longer than"):
        read("spinning.pdf", make_pdf([["a page"]]), ReadOptions(timeout_s=0.2))
    assert time.monotonic() - start < 5.0


def test_monospaced_lines_are_code_with_their_indentation():
    pages: list[list[str | tuple[str, int]]] = [
        [
            "Members can ask the bot from the command line of the server with this:",
            ('kb-bot ask "how do I join"', 0),
            ("for q in questions:", 0),
            ("print(q)", 0),
            "It prints the answer and the passage it comes from, with the page number.",
        ]
    ]
    tree = read("code.pdf", make_pdf(pages, x={"print(q)": 24}), ReadOptions())  # 4 Courier widths in
    blocks = tree.root.blocks
    assert blocks[1] == Code('kb-bot ask "how do I join"\nfor q in questions:\n    print(q)', page=1)
    assert [b.page for b in blocks] == [1, 1, 1]
    assert isinstance(blocks[0], Paragraph) and isinstance(blocks[2], Paragraph)


def test_words_of_a_tight_tex_line_stay_apart():
    # pdfTeX's T1 fonts give code 32 the width of a visible space, twice a word gap.
    pages: list[list[str | tuple[str, int]]] = [
        [
            "Any declaration must occur inside a theory, which is named in the example.",
            "Every goal in it is proved.",
        ]
    ]
    tree = read("tight.pdf", make_pdf(pages, tex_gaps=True), ReadOptions())
    assert paras(tree) == [
        (1, "Any declaration must occur inside a theory, which is named in the example. Every goal in it is proved.")
    ]


def test_a_listing_broken_by_a_page_break_is_one_code_block_without_sphinxs_labels():
    pages: list[list[str | tuple[str, int]]] = [
        [
            "The bot reads its settings from this file, which you keep beside the documents:",
            ("[bot]", 0),
            ("token = 'abc'", 0),
            ("(continues on next page)", 8),
        ],
        [
            ("(continued from previous page)", 8),
            ("channel = 'questions'", 0),
            "Restart the bot after you change it, so that it reads the file again at start.",
        ],
    ]
    blocks = read("listing.pdf", make_pdf(pages, title="Settings"), ReadOptions()).root.blocks
    assert [type(b).__name__ for b in blocks] == ["Paragraph", "Code", "Paragraph"]
    assert blocks[1] == Code("[bot]\ntoken = 'abc'\nchannel = 'questions'", page=1)


def test_code_in_texs_typewriter_font_is_code():
    # Sphinx's LaTeX builder sets code in txtt: its fonts are named t1xtt and t1xbtt (bold).
    pages: list[list[str | tuple[str, int]]] = [
        [
            "Here is our first file, which holds a small set of goals to prove:",
            ("theory HelloProof", 0),
            ("goal G1: true", 0),
            ("end", 0),
            "Any declaration must occur inside a theory, which is named in the example.",
        ]
    ]
    for font in ("t1xtt", "t1xbtt", "CMTT10"):
        blocks = read("tex.pdf", make_pdf(pages, x={"goal": 10}, mono_font=font), ReadOptions()).root.blocks
        assert blocks[1] == Code("theory HelloProof\n  goal G1: true\nend", page=1), font


def test_control_characters_in_the_pdfs_text_are_dropped():
    data = make_pdf([["Bell\x07 Title", "", "The \x1b[31mred\x1b[0m text and a bell\x07 here."]])
    tree = read("a.pdf", data, ReadOptions())
    text = repr(tree)
    assert "\x1b" not in text and "\x07" not in text
    assert "The red text and a bell here." in text


def test_prose_that_names_code_inline_stays_prose():
    # The ReportLab guide, p. 84: "... converted to a" / "Python `string` or `Flowables` (or
    # lists of `Flowables`)." is mostly Courier, and left the paragraph as code.
    pages: list[list[str | tuple[str, int]]] = [
        [
            "Table cells can hold anything which can be converted to a",
            "Python `string` or `Flowables` (or lists of `Flowables`).",
            "The fonts come bundled with the distribution in the directory",
            "`reportlab/fonts`.",  # all Courier, but the sentence above runs on into it
            "Register one with this:",
            ("registerFont(TTFont('Vera', 'Vera.ttf'))", 0),
        ]
    ]
    tree = read("guide.pdf", make_pdf(pages, title="Guide", code_spans=True), ReadOptions())
    blocks = tree.root.blocks
    assert [inline.to_plain(b.md) for b in blocks if isinstance(b, Paragraph)] == [
        "Table cells can hold anything which can be converted to a Python string or Flowables (or lists of "
        "Flowables). The fonts come bundled with the distribution in the directory reportlab/fonts.",
        "Register one with this:",
    ]
    assert blocks[-1] == Code("registerFont(TTFont('Vera', 'Vera.ttf'))", page=1)


def test_prose_among_tight_code_lines_keeps_its_paragraphs():
    # The ReportLab guide: on a page of 8 pt code lines 8.8 pt apart, every 12 pt step of its
    # 10 pt prose read as a paragraph gap, and paragraphs ended mid-sentence.
    code = [(f"canvas.drawString({n}, {n}, 'line')", 0) for n in range(12)]
    prose = [
        "The canvas draws each string at the place it is given, in the",
        "current font, and the text object does the same for many lines",
        "at once.",
        "",  # a paragraph gap all the same
        "Fonts are set with setFont before the first string is drawn.",
    ]
    tree = read("guide.pdf", make_pdf([["Draw them like this:", *code, *prose]], steps={0: 9}), ReadOptions())
    texts = [inline.to_plain(b.md) for b in tree.root.blocks if isinstance(b, Paragraph)]
    assert texts == [
        "Draw them like this:",
        "The canvas draws each string at the place it is given, in the current font, and the text object "
        "does the same for many lines at once.",
        "Fonts are set with setFont before the first string is drawn.",
    ]


def test_a_property_table_keeps_its_courier_column():
    # The ReportLab guide's property tables: a Courier name beside its meaning; the names
    # were code blocks between the meanings ("Color of the axis Whether to draw axis ...").
    pages: list[list[str | tuple[str, int]]] = [
        [
            "An axis has the following editable properties:",
            ("visible", 0),
            "Should the axis be drawn at all?",
            "Defaults to drawing it.",
            ("strokeColor", 0),
            "Color of the axis",
            "After the table the text goes on as before, in full lines of prose.",
        ]
    ]
    shift = {"Should": 100, "Defaults": 100, "Color": 100}
    cells = frozenset({"Should the axis be drawn at all?", "Color of the axis"})
    tree = read("guide.pdf", make_pdf(pages, title="Guide", x=shift, cells=cells), ReadOptions())
    blocks = tree.root.blocks
    assert blocks[1] == Table(
        header=(),
        rows=(
            ("visible", "Should the axis be drawn at all? Defaults to drawing it."),
            ("strokeColor", "Color of the axis"),
        ),
        page=1,
    )
    assert [inline.to_plain(b.md) for b in blocks if isinstance(b, Paragraph)] == [
        "An axis has the following editable properties:",
        "After the table the text goes on as before, in full lines of prose.",
    ]


def test_chapter_entries_without_leaders_and_index_pages_are_dropped():
    # LaTeX sets a chapter's contents entry in bold without a leader ("1 Rules 2"); an index
    # page has no leaders at all, its terms in order, most with their pages.
    contents: list[str | tuple[str, int]] = [("Contents", 14), "1 Rules 2", "1.1 Warnings . . . . . . . . 2"]
    contents += ["2 Appeals 2", "2.1 Vouching . . . . . . . 2"]
    rules = [
        ("Rules", 14),
        "Members must be kind to each other at all times, and every example of harassment is reported.",
        ("Appeals", 14),
        "Appeals go to the admin team by direct message, and the team answers within a week.",
    ]
    terms = [
        "admin team, 2",
        "appeals, 2",
        "ban",
        "channel, 2",
        "harassment, 1, 2",
        "kindness, 2",
        "spam, 2",
        "warnings, 2",
    ]
    tree = read("book.pdf", make_pdf([contents, rules, [("Index", 14), *terms]], title="Rules"), ReadOptions())
    assert [s.heading for _, s in walk_sections(tree.root)] == ["", "Rules", "Appeals"]
    texts = [inline.to_plain(b.md) for _, s in walk_sections(tree.root) for b in s.blocks]  # type: ignore[union-attr]
    assert texts == [
        "Members must be kind to each other at all times, and every example of harassment is reported.",
        "Appeals go to the admin team by direct message, and the team answers within a week.",
    ]


def test_contents_entries_given_apart_from_their_leaders_are_dropped():
    # The ReportLab guide, pp. 2-5: pypdf gives each entry's leader and page number first,
    # as a line of its own, then the entry on the same baseline; the leaders went, the
    # entries stayed as headings and paragraphs of a "Table of contents" section.
    body = "Members must be kind to each other at all times, in every channel."
    contents: list[str | tuple[str, int]] = [
        ("Table of contents", 14),  # a chapter title
        "",
        "7",
        ("Chapter 1 Joining", 14),  # a chapter's entry has no leader
        ". . . . . . . . . . . . 2",
        "1.1 Rules for new members of the server",
        ". . 3",  # a long entry's leader is short
        "1.2 What the moderators check before they let a new member into the channels",
    ]
    cells = frozenset(str(line) for line in contents[5::2]) | {"Chapter 1 Joining"}  # each on its leader's baseline
    pages = [contents, [("Joining", 14), body, ("Rules for new members", 14), body]]
    tree = read("rules.pdf", make_pdf(pages, title="Rules", x={".": 300, "7": 400}, cells=cells), ReadOptions())
    assert [path for path, _ in walk_sections(tree.root)] == [(), ("Joining",), ("Rules for new members",)]
    assert tree.root.blocks == ()


def test_chapter_headings_on_two_pages_are_a_level_but_demo_type_is_not():
    # A 30-page document whose chapter headings (20 pt) are on 2 pages lost its chapter level
    # (a heading size must recur on 3 pages); the ReportLab guide's 85 pt "SPUMONI" is on 2
    # pages too, and at 2 it was the top heading of most passages.
    body = "Members must be kind to each other at all times, in every channel."
    names = [f"Topic {chr(ord('A') + n % 26)}{chr(ord('a') + n // 26)}" for n in range(30)]
    pages: list[list[str | tuple[str, int]]] = [["Server handbook", (name, 15), body, body] for name in names]
    pages[0][1:1] = [("Joining", 20), body]  # at the top of its page (under the running head)
    pages[15][4:4] = [("2 Roles", 20), body]  # numbered, mid-page
    for n in (5, 6):
        pages[n][4:4] = [("SPUMONI", 40), body]  # neither
    tree = read("handbook.pdf", make_pdf(pages, title="Handbook"), ReadOptions())
    sections = {path: s.level for path, s in walk_sections(tree.root) if path}
    assert [path for path in sections if len(path) == 1] == [("Joining",), ("2 Roles",)]
    assert set(sections.values()) == {1, 2}
    assert len(sections) == 32 and not any("SPUMONI" in part for path in sections for part in path)


def test_a_sphinx_chapter_head_is_a_heading_above_the_sections():
    # fncychap's Bjarne style, Sphinx's default: "CHAPTER", the number spelled out, the
    # title, far apart and no bigger than a section heading.
    def chapter(number: str, title: str, text: str, section: str) -> list[str | tuple[str, int]]:
        return ["CHAPTER", (number, 14), "", "", (title, 14), "", "", "", text, (section, 14), "It runs anywhere."]

    pages = [
        chapter("ONE", "FOREWORD", "The bot answers questions from the documents.", "1.1 Availability"),
        chapter("TWO", "GETTING STARTED", "Install it first, then ask it a question.", "2.1 Hello"),
    ]
    tree = read("sphinx.pdf", make_pdf(pages, title="Guide"), ReadOptions())
    assert [(s.heading, s.level) for _, s in walk_sections(tree.root)][1:] == [
        ("FOREWORD", 1),
        ("1.1 Availability", 2),
        ("GETTING STARTED", 1),
        ("2.1 Hello", 2),
    ]
    first = tree.root.children[0]
    assert [inline.to_plain(b.md) for b in first.blocks] == ["The bot answers questions from the documents."]  # type: ignore[union-attr]


def test_a_heading_directly_above_a_figure_is_still_a_heading():
    # A heading with no text within 3 ems below was taken for type in a drawing: one over a
    # figure lost its section. It stands at the text's left edge, numbered or above the
    # figure's caption; demo type in the drawing stands elsewhere.
    body = "Members must be kind to each other at all times, in every channel."
    figure = ["", "", "", "", ""]
    page: list[str | tuple[str, int]] = [
        ("Overview", 15),
        body,
        ("Architecture", 15),
        *figure,
        "Figure 1: The parts of the bot",
        body,
        ("2.1 Storage", 15),
        *figure,
        body,
        ("Hello World", 15),
        *figure,
        "Figure 2: A greeting the demo draws",
        body,
    ]
    tree = read("bot.pdf", make_pdf([page], title="Bot", x={"Hello": 150}), ReadOptions())
    sections = {path: s for path, s in walk_sections(tree.root)}
    assert list(sections) == [(), ("Overview",), ("Architecture",), ("2.1 Storage",)]
    text = [inline.to_plain(b.md) for b in sections[("2.1 Storage",)].blocks]  # type: ignore[union-attr]
    assert "Hello World" in text


def _parameter_table(header: tuple[str, str, str]) -> list[str | tuple[str, int]]:
    return [
        "The widget takes these parameters:",
        *header,
        "name",
        "the widget's name",
        "None",
        "tooltip",
        "The text shown when hovering over it",
        "None",
        "After the table the text goes on as before, in full lines of prose.",
    ]


PARAMETER_X = {"Meaning": 100, "the": 100, "The": 100, "Default": 300, "None": 300}
PARAMETER_CELLS = frozenset({"Meaning", "Default", "the widget's name", "The text shown when hovering over it", "None"})


def _read_parameter_pages(pages: list[list[str | tuple[str, int]]], bold: frozenset[str]) -> DocTree:
    return read(
        "guide.pdf", make_pdf(pages, title="Guide", x=PARAMETER_X, cells=PARAMETER_CELLS, bold=bold), ReadOptions()
    )


def test_a_tables_bold_first_row_is_its_header():
    # The ReportLab guide's parameter tables set their first row in bold over rows in the
    # text font: the column names were read as one more row.
    header = ("Parameter", "Meaning", "Default")
    pages = [_parameter_table(header)]
    bold = frozenset({*header, "name", "tooltip"})  # a bold first column is not a header
    tree = _read_parameter_pages(pages, bold)
    assert tree.root.blocks[1] == Table(
        header=header,
        rows=(("name", "the widget's name", "None"), ("tooltip", "The text shown when hovering over it", "None")),
        page=1,
    )
    # Without bold type, or with every row bold, nothing sets the first row apart.
    for bold in (frozenset(), frozenset({*header, "name", "tooltip", "None"} | PARAMETER_CELLS)):
        table = _read_parameter_pages(pages, bold).root.blocks[1]
        assert isinstance(table, Table) and table.header == () and table.rows[0] == header


def test_a_one_letter_or_number_cell_is_no_page_number():
    # The ReportLab guide's acroform tables have an "x" row (a Roman ten) and defaults "0"
    # and "20": every line like a page number was dropped wherever it stood, so the table
    # broke in two at "x" and lost its numbers. Page numbers stand at a page's bottom (or
    # top) and recur there.
    table = _parameter_table(("Parameter", "Meaning", "Default"))
    table[7:7] = ["x", "the horizontal position", "0"]
    prose = "Members must be kind to each other at all times, in every channel."
    # Page numbers stand at one height on every page: the table's cells share baselines, so
    # its 14 lines take 6 line steps.
    pages = [[*table, "1"], [prose, *[""] * 5, "2"], [prose, "", "", "iii"]]
    cells = PARAMETER_CELLS | {"the horizontal position", "0"}
    data = make_pdf(pages, title="Guide", x={**PARAMETER_X, "0": 300}, cells=cells)
    blocks = read("guide.pdf", data, ReadOptions()).root.blocks
    assert blocks[1] == Table(
        header=(),
        rows=(
            ("Parameter", "Meaning", "Default"),
            ("name", "the widget's name", "None"),
            ("x", "the horizontal position", "0"),
            ("tooltip", "The text shown when hovering over it", "None"),
        ),
        page=1,
    )
    # The page numbers went; "iii" below the last page's text, well above where the
    # others' numbers stand, stays: nothing like it recurs there.
    assert [inline.to_plain(b.md) for b in blocks[2:] if isinstance(b, Paragraph)] == [
        "After the table the text goes on as before, in full lines of prose.",
        prose,
        prose,
        "iii",
    ]


def test_a_first_cell_over_two_lines_stays_in_its_row():
    # The ReportLab guide's encryption table: "Owner Password" / "set?" heads its first
    # column; the cell's second line ended the table, whose header lost "Owner Password".
    # The prose line a line step above, in the text font, is no part of the cell.
    header: list[str | tuple[str, int]] = [
        "Owner password",
        "needed?",
        ("User password", 12),  # (12 pt lines go up a line: beside "Owner password")
        "given?",
        ("Result", 12),
        "",
    ]
    rows = ["yes", "none", "Anyone may open the file.", "no", "set", "The user password opens it."]
    pages = [["Who may open the file:", *header, *rows, "Then the text goes on in full lines of prose."]]
    shift = {"User": 100, "given": 100, "none": 100, "set": 100, "Result": 250, "Anyone": 250, "The user": 250}
    bold = frozenset(str(line if isinstance(line, str) else line[0]) for line in header)
    cells = frozenset(rows) - {"yes", "no"}
    data = make_pdf(pages, title="Guide", x=shift, cells=cells, bold=bold, steps={12: -14})
    blocks = read("guide.pdf", data, ReadOptions()).root.blocks
    assert blocks[1] == Table(
        header=("Owner password needed?", "User password given?", "Result"),
        rows=(("yes", "none", "Anyone may open the file."), ("no", "set", "The user password opens it.")),
        page=1,
    )


def test_a_table_over_a_page_break_is_one_table():
    # The ReportLab guide's parameter tables go on over the page, their title line and
    # header repeated: each was two tables, the second under the first one's section.
    header = ("Parameter", "Meaning", "Default")
    title = "widget parameters"
    first = [title, *header, "name", "the widget's name", "None"]
    second = [title, *header, "tooltip", "The text shown when hovering over it", "None"]
    prose = "After the table the text goes on as before, in full lines of prose."
    pages: list[list[str | tuple[str, int]]] = [["The widget takes these parameters:", "", *first], [*second, prose]]
    bold = frozenset({*header, "name", "tooltip"})
    tree = _read_parameter_pages(pages, bold)
    assert tree.root.blocks[2] == Table(
        header=header,
        rows=(("name", "the widget's name", "None"), ("tooltip", "The text shown when hovering over it", "None")),
        page=1,
    )
    assert [inline.to_plain(b.md) for b in tree.root.blocks if isinstance(b, Paragraph)] == [
        "The widget takes these parameters:",
        title,
        prose,
    ]
    # Without its header in bold, the header repeated is found all the same.
    table = _read_parameter_pages(pages, frozenset()).root.blocks[2]
    assert isinstance(table, Table) and table.header == header and len(table.rows) == 2
    # Prose between the parts, or columns elsewhere, keep the tables apart.
    pages[0].append("Some words end the page.")
    assert sum(isinstance(b, Table) for b in _read_parameter_pages(pages, bold).root.blocks) == 2
    pages[0].pop()
    pages[1] = [
        "tooltip",
        "The text shown when hovering over it",
        "Nothing",
        "dashLen",
        "the dash length",
        "Nothing",
        prose,
    ]
    for column, tables in ((300, 1), (250, 2)):  # (no header again: the rows go on, or not)
        x = {**PARAMETER_X, "Nothing": column}
        data = make_pdf(pages, title="Guide", x=x, cells=PARAMETER_CELLS | {"Nothing", "the dash length"}, bold=bold)
        assert sum(isinstance(b, Table) for b in read("guide.pdf", data, ReadOptions()).root.blocks) == tables


def test_a_line_only_partly_in_bigger_type_is_no_heading():
    # The ReportLab guide's <font size=14> demo: "malice of forethought, publish" had most
    # of its characters in 14 pt and opened a section that held the rest of the chapter.
    body = "Members must be kind to each other at all times, in every channel."
    tail = ", publish it."  # (shorter than the big part: most characters are 15 pt)
    page: list[str | tuple[str, int]] = [
        ("Overview", 15),
        body,
        "You are charged that on that day you did, willfully and with",
        ("malice of forethought", 15),
        tail,
        "with intent to cause a breach of the peace.",
        ("Appeals", 15),
        body,
    ]
    tree = read("court.pdf", make_pdf([page], title="Court", x={tail: 160}, beside=frozenset({tail})), ReadOptions())
    sections = {path: s for path, s in walk_sections(tree.root)}
    assert list(sections) == [(), ("Overview",), ("Appeals",)]
    text = " ".join(inline.to_plain(b.md) for b in sections[("Overview",)].blocks)  # type: ignore[union-attr]
    assert "with malice of forethought" in text and "publish it. with intent" in text


def test_a_header_alone_at_a_pages_foot_heads_the_table_on_the_next():
    # The ReportLab guide's axis tables (pp. 106, 108): the bold header row ends a page and
    # the rows start the next; one row is no table, so "Property" and "Meaning" were two
    # paragraphs and the table had no header.
    header = ("Parameter", "Meaning", "Default")
    rows = ["name", "the widget's name", "None", "tooltip", "The text shown when hovering over it", "None"]
    prose = "After the table the text goes on as before, in full lines of prose."
    pages: list[list[str | tuple[str, int]]] = [["The widget takes these parameters:", "", *header], [*rows, prose]]
    bold = frozenset({*header, "name", "tooltip"})
    blocks = _read_parameter_pages(pages, bold).root.blocks
    assert blocks[1] == Table(
        header=header,
        rows=(("name", "the widget's name", "None"), ("tooltip", "The text shown when hovering over it", "None")),
        page=1,
    )
    # With no table going on from it, the row is its cells' lines as before.
    pages[1] = [prose]
    texts = [inline.to_plain(b.md) for b in _read_parameter_pages(pages, bold).root.blocks]  # type: ignore[union-attr]
    assert texts == ["The widget takes these parameters:", *header, prose]


def test_big_type_right_above_a_figures_caption_off_the_edge_is_in_the_figure():
    # The ReportLab guide's demo drawings: 14 pt text set in the figure (p. 53's "This is in
    # Times-Roman and this is in magenta Vera!", p. 35's poem) stands close above the
    # figure's caption, so it led into it as a heading and opened a section of its own.
    body = "Members must be kind to each other at all times, in every channel."
    page: list[str | tuple[str, int]] = [
        ("Overview", 15),
        body,
        ("Hello from the demo", 15),
        "Figure 1: A greeting the demo draws",
        body,
        ("Architecture", 15),
        body,
    ]
    tree = read("bot.pdf", make_pdf([page], title="Bot", x={"Hello": 150}), ReadOptions())
    sections = {path: s for path, s in walk_sections(tree.root)}
    assert list(sections) == [(), ("Overview",), ("Architecture",)]
    text = [inline.to_plain(b.md) for b in sections[("Overview",)].blocks]  # type: ignore[union-attr]
    assert "Hello from the demo" in text


def test_an_alphabetical_reference_of_lines_ending_in_numbers_is_no_index():
    # Review (fuzzing helper): settings in alphabetical order, each with its default, read as
    # an index page and vanished; an index gives pages after a comma.
    settings = [
        f"{name}: the maximum number of {name} kept, default {n}"
        for name, n in (
            ("buffers", 12),
            ("caches", 3),
            ("channels", 40),
            ("clients", 7),
            ("files", 9),
            ("hosts", 2),
            ("jobs", 30),
            ("links", 5),
            ("queues", 11),
            ("threads", 4),
        )
    ]
    pages = [
        [("Settings reference", 14), *settings],
        *[[f"Page {k} says something else entirely."] for k in range(2, 45)],
    ]
    tree = read("ref.pdf", make_pdf(pages, title="Reference"), ReadOptions())
    text = " ".join(inline.to_plain(b.md) for _, s in walk_sections(tree.root) for b in s.blocks)  # type: ignore[union-attr]
    assert "default 12" in text and "threads kept, default 4" in text
