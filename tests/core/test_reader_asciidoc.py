"""The AsciiDoc reader: header, sections, blocks, lists, tables, inline markup, includes; the
shapes git's Documentation/*.adoc and Asciidoctor's Antora pages use."""

from __future__ import annotations

import textwrap

import pytest

from bot.documents.inline import to_plain
from bot.documents.model import (
    Admonition,
    Code,
    DocTree,
    ListBlock,
    Paragraph,
    Quote,
    ReadOptions,
    Table,
    walk_sections,
)
from bot.documents.readers import asciidoc
from bot.errors import KnowledgeError
from bot.rendering import errors as wording
from tests.core.tree_helpers import prose, tree_blocks


def read(text: str, **options: object) -> DocTree:
    return asciidoc.read("doc.adoc", textwrap.dedent(text).encode(), ReadOptions(**options))  # type: ignore[arg-type]


def headings(tree: DocTree) -> list[tuple[tuple[str, ...], int]]:
    return [(path, s.level) for path, s in walk_sections(tree.root) if s.heading]


def test_title_header_attributes_and_sections() -> None:
    tree = read("""\
        = The Guide
        Jane Doe <jane@example.com>
        :toc: left
        :product: Widget

        Intro to {product} and {unknown}.

        [[install]]
        == Install

        Run it.

        === From source

        Build it.

        ## Markdown style

        Also a section.
        """)
    assert tree.title == "The Guide"
    assert headings(tree) == [(("Install",), 1), (("Install", "From source"), 2), (("Markdown style",), 1)]
    assert prose(tree).splitlines() == ["Intro to Widget and {unknown}.", "Run it.", "Build it.", "Also a section."]
    assert tree.root.children[0].anchor == "install"


def test_git_style_two_line_titles() -> None:
    # git's Documentation/git-commit.adoc: "git-commit(1)" over "=====", "NAME" over "----".
    tree = read("""\
        git-commit(1)
        =============

        NAME
        ----
        git-commit - Record changes to the repository

        DESCRIPTION
        -----------
        Create a new commit.
        """)
    assert tree.title == "git-commit(1)"
    assert headings(tree) == [(("NAME",), 1), (("DESCRIPTION",), 1)]
    assert "Record changes" in prose(tree)


def test_a_listing_after_a_paragraph_is_code_not_a_title() -> None:
    tree = read("""\
        Run this:

        ----
        make install
        ----
        """)
    assert [b for b in tree_blocks(tree) if isinstance(b, Code)] == [Code("make install")]
    assert headings(tree) == []


def test_delimited_blocks() -> None:
    tree = read("""\
        [source,python]
        ----
        print("hi")
        ----

        ....
        literal  text
        ....

        ```js
        let x = 1;
        ```

        ////
        a comment
        ////

        ++++
        <div>raw</div>
        ++++

        ____
        A quoted line.
        ____

        ****
        Sidebar text.
        ****

        ====
        Example text.
        ====
        """)
    blocks = tree_blocks(tree)
    codes = [b for b in blocks if isinstance(b, Code)]
    assert codes == [Code('print("hi")', "python"), Code("literal  text"), Code("let x = 1;", "js")]
    assert any(isinstance(b, Quote) for b in blocks)
    assert prose(tree).splitlines() == ["A quoted line.", "Sidebar text.", "Example text."]
    assert "comment" not in prose(tree) and "raw" not in prose(tree)


def test_admonitions_paragraph_and_block() -> None:
    tree = read("""\
        NOTE: Mind the gap.

        .Careful now
        [WARNING]
        ====
        Hot surface.

        * really
        ====
        """)
    boxes = [b for b in tree_blocks(tree) if isinstance(b, Admonition)]
    assert [(b.kind, b.title) for b in boxes] == [("note", None), ("warning", "Careful now")]
    assert boxes[0].blocks == (Paragraph("Mind the gap."),)
    assert isinstance(boxes[1].blocks[1], ListBlock)


def test_block_title_labels_the_block() -> None:
    tree = read("""\
        .Installing on Linux
        ----
        apt install widget
        ----
        """)
    assert tree.root.blocks == (Paragraph("**Installing on Linux**"), Code("apt install widget"))


def test_lists_nest_by_marker() -> None:
    tree = read("""\
        * one
        ** one-a
        continued line
        ** one-b
        * two

        Then:

        . first
        . second
        .. second-a
        """)
    bullets, _, numbers = tree.root.blocks
    assert isinstance(bullets, ListBlock) and not bullets.ordered
    assert len(bullets.items) == 2
    nested = bullets.items[0][1]
    assert isinstance(nested, ListBlock)
    assert [to_plain(i[0].md) for i in nested.items] == ["one-a continued line", "one-b"]  # type: ignore[union-attr]
    assert isinstance(numbers, ListBlock) and numbers.ordered and len(numbers.items) == 2
    assert isinstance(numbers.items[1][1], ListBlock)


def test_list_continuation_attaches_the_next_block() -> None:
    tree = read("""\
        . Install it:
        +
        ----
        pip install widget
        ----
        . Run it.
        """)
    (lst,) = tree.root.blocks
    assert isinstance(lst, ListBlock)
    assert lst.items[0] == (Paragraph("Install it:"), Code("pip install widget"))
    assert len(lst.items) == 2


def test_description_lists_share_a_description_between_terms() -> None:
    # git's option lists: two spellings, then the description set in.
    tree = read("""\
        `-a`::
        `--all`::
        \tStage modified files.

        CPU:: The brain.
        """)
    (lst,) = tree.root.blocks
    assert isinstance(lst, ListBlock)
    assert [to_plain(i[0].md) for i in lst.items] == [  # type: ignore[union-attr]
        "-a, --all — Stage modified files.",
        "CPU — The brain.",
    ]


def test_tables_with_implicit_and_explicit_headers() -> None:
    tree = read("""\
        |===
        |Name |Value

        |a
        |1
        |b |2
        |===

        [%header,cols="1,2"]
        |===
        |K
        |V
        |x
        |y
        |===

        [cols="2*"]
        |===
        |no |header
        |===
        """)
    tables = [b for b in tree_blocks(tree) if isinstance(b, Table)]
    assert tables[0] == Table(("Name", "Value"), (("a", "1"), ("b", "2")))
    assert tables[1] == Table(("K", "V"), (("x", "y"),))
    assert tables[2] == Table((), (("no", "header"),))


def test_table_cell_specs_are_not_text() -> None:
    tree = read("""\
        [cols="2*"]
        |===
        a|first
        2+|wide
        |===
        """)
    (table,) = [b for b in tree_blocks(tree) if isinstance(b, Table)]
    assert table.rows == (("first", "wide"),)


def test_inline_markup_and_links() -> None:
    tree = read("""\
        :url: https://example.com

        Use *bold*, _em_, `mono`, +{literal}+ and #marked# text.
        See https://example.com[the site], link:guide.html[the guide], xref:page.adoc#id[a page],
        <<setup,Setup>>, {url}[attribute link], linkgit:git-add[1] and kbd:[Ctrl+T].
        Quoted ``like this''.
        """)
    (para,) = tree.root.blocks
    assert isinstance(para, Paragraph)
    assert "**bold**" in para.md and "*em*" in para.md and "`mono`" in para.md
    assert to_plain(para.md) == (
        "Use bold, em, mono, {literal} and marked text. See the site, the guide, a page, Setup, "
        'attribute link, git-add(1) and Ctrl+T. Quoted "like this".'
    )


def test_literal_paragraph_is_code() -> None:
    tree = read("""\
        Check the version:

         $ asciidoctor --version
        """)
    assert tree.root.blocks[1] == Code("$ asciidoctor --version")


def test_includes_are_read_through_related_with_tags() -> None:
    files = {
        "opts.adoc": "`-v`::\n\tBe verbose.\n",
        "code.py": "# tag::main[]\nprint(1)\n# end::main[]\nprint(2)\n",
    }
    tree = read(
        """\
        == Options

        include::opts.adoc[]

        ----
        include::code.py[tag=main]
        ----

        include::missing.adoc[]
        """,
        related=files.get,
    )
    blocks = tree_blocks(tree)
    assert any(isinstance(b, Paragraph) and "Be verbose" in b.md for b in blocks)
    assert Code("print(1)") in blocks
    assert tree.notes == (wording.note_asciidoc_include("missing.adoc", 9),)


def test_comments_conditionals_and_macros_are_dropped() -> None:
    tree = read("""\
        // a line comment
        ifdef::env-github[]
        Shown text.
        endif::[]

        image::diagram.png[A diagram]
        toc::[]
        """)
    assert prose(tree) == "Shown text."


def test_only_a_header_is_a_clear_error() -> None:
    with pytest.raises(KnowledgeError, match="no readable text"):
        read("= Title\n:toc:\n\n// only a comment\n")


@pytest.mark.parametrize(
    "text",
    [
        "====\n" * 5000,  # unclosed blocks in unclosed blocks
        "* a\n" + "** b\n*** c\n" * 3000,
        "|===\n" + "|" * 20000 + "\n",
        "*" * 50000 + "\n",
        "a::" * 20000 + "\n",
        "[" * 10000 + "\n" + "{x}" * 10000,
        "`+" * 20000,
        ".x\n[NOTE]\n" * 3000,
    ],
)
def test_garbled_input_gives_a_result_or_a_clear_error(text: str) -> None:
    try:
        read(text, timeout_s=10.0)
    except KnowledgeError:
        pass


def test_macro_text_may_hold_a_code_span_and_inline_anchors_go() -> None:
    # Asciidoctor's pages: xref:cli:index.adoc[`asciidoctor`]; git's "[[dco]]" in a sentence.
    tree = read("""\
        Use the xref:cli:index.adoc[`asciidoctor`] CLI; see the [[dco]]certificate.
        """)
    (para,) = tree.root.blocks
    assert isinstance(para, Paragraph)
    assert para.md == "Use the `asciidoctor` CLI; see the certificate."


def test_a_continuation_after_a_nested_list_ends_at_the_next_plus() -> None:
    # git's BreakingChanges.adoc: "* item", "+", a nested "**" list, "+", a paragraph, "+", ...
    tree = read("""\
        * Hash change.
        +
          ** attack one
          ** attack two
        +
        While we have protections.
        +
        An important requirement.
        """)
    paragraphs = [to_plain(b.md) for b in tree_blocks(tree) if isinstance(b, Paragraph)]
    assert "While we have protections." in paragraphs
    assert "An important requirement." in paragraphs


def test_antora_resource_ids_name_files_in_the_module() -> None:
    asked: list[str] = []

    def opener(path: str) -> str | None:
        asked.append(path)
        return "Shared words." if path.endswith("partials/note.adoc") else None

    text = (
        "Intro.\n\ninclude::partial$note.adoc[]\n\ninclude::api:example$x.rb[]\n\ninclude::comp:mod:partial$y.adoc[]\n"
    )
    tree = asciidoc.read("docs/modules/cli/pages/index.adoc", text.encode(), ReadOptions(related=opener))
    assert prose(tree).splitlines() == ["Intro.", "Shared words."]
    assert asked == ["/docs/modules/cli/partials/note.adoc", "/docs/modules/api/examples/x.rb", "/docs/antora.yml"]
    assert len(tree.notes) == 2


def test_antora_component_attributes_are_set_on_its_pages() -> None:
    # Asciidoctor's docs/antora.yml: asciidoc.attributes, a trailing "@" (soft set), quotes.
    files = {
        "/docs/antora.yml": (
            "name: asciidoctor\nversion: '2.1'\nasciidoc:\n  attributes:\n"
            "    release-version: '2.1.0'\n    url-ruby: https://www.ruby-lang.org@\n"
            "nav:\n- modules/ROOT/nav.adoc\n"
        )
    }
    text = "Version {release-version}, see {url-ruby}[Ruby]; {name} stays.\n"
    tree = asciidoc.read("docs/modules/ROOT/pages/index.adoc", text.encode(), ReadOptions(related=files.get))
    assert prose(tree) == "Version 2.1.0, see Ruby; {name} stays."


def test_curved_quotes_and_new_window_links() -> None:
    tree = read("""\
        The name "`Asciidoctor`" and the '`core`', a https://rubygems.org[gem^].
        """)
    (para,) = tree.root.blocks
    assert isinstance(para, Paragraph)
    assert para.md == "The name “Asciidoctor” and the ‘core’, a gem."


def test_a_cross_reference_without_text_shows_the_section_title() -> None:
    tree = read("""\
        See <<_getting_started>>, <<opts>> and <<elsewhere>>.

        == Getting Started

        [#opts]
        == The Options

        Text.
        """)
    assert to_plain(tree.root.blocks[0].md) == "See Getting Started, The Options and elsewhere."  # type: ignore[union-attr]


def test_attributes_referring_to_attributes_cannot_grow_a_page_without_bound() -> None:
    """39 lines of ':aN: {aN-1}{aN-1}' (666 bytes) took the process to 20 GB (review)."""
    chain = "".join(f":a{k}: {{a{k - 1}}}{{a{k - 1}}}\n" for k in range(1, 40))
    tree = asciidoc.read("doc.adoc", f"= T\n:a0: xxxxxxxxxx\n{chain}\nThe value: {{a39}}.\n".encode(), ReadOptions())
    text = " ".join(prose(tree))
    assert len(text) < 100_000
    fan = ":a: " + "x" * 5000 + "\n\n" + "{a} " * 2000 + "\n"
    fanned = asciidoc.read("doc.adoc", f"= T\n{fan}".encode(), ReadOptions())
    assert sum(len(p) for p in prose(fanned)) <= 2_100_000
    assert wording.NOTE_ASCIIDOC_ATTRIBUTES_TOO_BIG in fanned.notes


def test_a_line_of_escaped_separators_splits_in_linear_time() -> None:
    # Joining each escaped cell as it went was quadratic: 600 kB took 1.25 s, 2 MB timed out.
    import time

    def cpu(n: int) -> float:
        line = "a\\|" * n
        t = time.process_time()
        cells = asciidoc._split_cells(line, "|")
        spent = time.process_time() - t
        assert cells == [line.replace("\\|", "|")]
        return spent

    small, big = min(cpu(20_000) for _ in range(3)), min(cpu(80_000) for _ in range(3))
    assert big < 10 * max(small, 1e-4)  # four times the line: about four times the time, not sixteen
    assert asciidoc._split_cells("x|y\\|z|w", "|") == ["x", "y|z", "w"]


def test_an_include_left_out_many_times_is_one_note() -> None:
    tree = read("= T\n\ntext\n\n" + "include::self.adoc[]\n" * 500)
    assert tree.notes == (wording.note_asciidoc_include("self.adoc", 5, 500),)
