"""The reStructuredText reader: docutils structure, Sphinx markup tolerated, errors never prose."""

from __future__ import annotations

import textwrap

import pytest
from docutils.parsers.rst import states, tableparser
from docutils.statemachine import StringList

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
from bot.documents.readers import rst
from bot.errors import KnowledgeError, ReaderTimeout
from bot.rendering import errors as wording
from tests.conftest import shared_file
from tests.core.tree_helpers import prose, tree_blocks


def read(text: str, **options: object) -> DocTree:
    return rst.read("doc.rst", textwrap.dedent(text).encode(), ReadOptions(**options))  # type: ignore[arg-type]


def test_title_and_sections() -> None:
    tree = read("""\
        =========
        The Guide
        =========

        Intro.

        .. _install-label:

        Installation
        ============

        Install it.

        From source
        -----------

        Build it.

        Usage
        =====
        """)
    assert tree.title == "The Guide"
    assert tree.root.blocks == (Paragraph("Intro."),)
    paths = [path for path, _ in walk_sections(tree.root)]
    assert paths == [(), ("Installation",), ("Installation", "From source"), ("Usage",)]
    install = tree.root.children[0]
    assert (install.anchor, install.line, install.level) == ("installation", 9, 1)
    assert install.children[0].blocks == (Paragraph("Build it."),)
    assert tree.root.children[1].blocks == ()


def test_lone_subsection_stays_a_section() -> None:
    # docutils' own title promotion would make "Only child" a subtitle and lose the heading.
    tree = read("Title\n=====\n\nOnly child\n----------\n\nText.\n")
    assert tree.title == "Title"
    assert [s.heading for s in tree.root.children] == ["Only child"]


def test_admonitions_and_code_block() -> None:
    tree = read("""\
        .. note:: A note with ``code``.

        .. warning::

           Careful *now*.

        .. admonition:: Custom title

           Body.

        .. code-block:: python
           :linenos:

           def f():

               return 1

        Literal::

           plain literal
        """)
    assert tree.root.blocks == (
        Admonition("note", None, (Paragraph("A note with `code`."),)),
        Admonition("warning", None, (Paragraph("Careful *now*."),)),
        Admonition("note", "Custom title", (Paragraph("Body."),)),
        Code("def f():\n\n    return 1", "python"),
        Paragraph("Literal:"),
        Code("plain literal", None),
    )


def test_sphinx_roles_read_as_their_text() -> None:
    tree = read(
        "Use :func:`open`, :py:meth:`~pkg.Mod.run`, :ref:`Getting started <start>`, "
        ":doc:`../usage`, :class:`!Thing`, :data:`.session` and :madeup:`whatever`.\n"
    )
    assert tree.root.blocks == (
        Paragraph("Use `open`, `run`, Getting started, usage, `Thing`, `session` and whatever."),
    )


def test_pep_and_rfc_roles_take_a_title_and_an_anchor_as_sphinx_does() -> None:
    # Django's docs: ":pep:`WSGI middleware <3333#middleware-components>`", ":rfc:`ETag <9110#section-8.8.3>`";
    # docutils' own roles take a bare number only, and their error showed the source.
    tree = read(
        "See :pep:`WSGI middleware <3333#middleware>`, :rfc:`ETag <9110#section-8.8.3>`, :pep:`8`, "
        ":pep:`8#naming`, :rfc:`9110` and :pep:`not a number`.\n"
    )
    assert tree.root.blocks == (
        Paragraph("See WSGI middleware, ETag, PEP 8, PEP 8\\#naming, RFC 9110 and not a number."),
    )


def test_sphinx_and_unknown_directives_do_not_fail() -> None:
    tree = read("""\
        .. toctree::
           :maxdepth: 2

           intro

        .. automodule:: pkg.mod
           :members:

        .. frobnicate:: some argument
           :weird-option: 1

           Body of an unknown directive.

        .. versionadded:: 2.0
           The thing was added.

        .. seealso:: :doc:`other`

        .. only:: html

           Only-html text.

        .. function:: open(file, mode='r')

           Open a file.

        .. index:: single: thing

        .. highlight:: python

        Kept.
        """)
    assert tree.root.blocks == (
        Paragraph("**some argument**"),
        Paragraph("Body of an unknown directive."),
        Admonition("versionadded", "New in version 2.0", (Paragraph("The thing was added."),)),
        Admonition("seealso", "See also", (Paragraph("other"),)),
        Paragraph("Only-html text."),
        Paragraph("`open(file, mode='r')`"),
        Paragraph("Open a file."),
        Paragraph("Kept."),
    )


def test_errors_never_become_prose() -> None:
    tree = read("""\
        Title
        =====

        Broken *emphasis and `backtick and |undefined| substitution.

        .. include:: other.rst

        .. raw:: html

           <b>raw</b>

        .. image:: pic.png
           :alt: not prose

        Fine.
        """)
    text = prose(tree)
    assert "Fine." in text
    for junk in ("ERROR", "WARNING", "System Message", "include", "raw", "not prose", "|undefined|"):
        assert junk not in text


def test_tables() -> None:
    tree = read("""\
        +--------+---------+
        | Option | Meaning |
        +========+=========+
        | ``-v`` | verbose |
        +--------+---------+

        =====  =====
        A      B
        =====  =====
        1      2
        =====  =====
        """)
    assert tree.root.blocks == (
        Table(("Option", "Meaning"), (("`-v`", "verbose"),)),
        Table(("A", "B"), (("1", "2"),)),
    )


def test_a_malformed_grid_table_keeps_its_text_and_says_so() -> None:
    # docutils reports a grid table whose rows do not line up with its borders as an error
    # holding the table's source; the reader dropped error reports, so the table vanished.
    tree = read("""\
        Intro.

        +--------+---------+
        | Option | Meaning |
        +========+=========+
        | ``-v`` | verbose output, one line per file |
        +--------+---------+
        | ``-q`` | quiet   |
        +--------+---------+

        After.
        """)
    assert tree.root.blocks == (
        Paragraph("Intro."),
        Table(
            ("Option", "Meaning"),
            (("\\`\\`-v\\`\\`", "verbose output, one line per file"), ("\\`\\`-q\\`\\`", "quiet")),
        ),
        Paragraph("After."),
    )
    [note] = tree.notes
    assert note.startswith("line 6: a malformed table") and "Right border not aligned" in note


def test_a_malformed_grid_table_of_uneven_rows_is_not_padded_into_a_huge_one() -> None:
    # One row of many "|" and many rows of one: padding every row to the widest made a
    # 90 KB file hold 80 million cells (670 MB); its text is kept as lines instead.
    wide, tall = 20_000, 4_000
    tree = read("+---+\n|" + "a|" * wide + "\n+---+\n" + "|bbb|\n+---+\n" * tall)
    [block] = tree.root.blocks
    assert isinstance(block, Paragraph)
    lines = block.md.split("\n")
    assert len(lines) == tall + 1 and lines[0] == " ".join(["a"] * wide) and set(lines[1:]) == {"bbb"}
    assert tree.notes[0].startswith("line 2: a malformed table")


def test_a_table_with_a_broken_border_and_a_malformed_simple_table_keep_their_text() -> None:
    tree = read("""\
        +-------+-------+
        | alpha | beta  |
        +-------+----
        | gamma | delta |
        +-------+-------+

        =====  =====
        A      B
        =====  =====
        1      2
        x    yyyyy zz
        =====  =====
        """)
    assert tree.root.blocks == (
        Table((), (("alpha", "beta"), ("gamma", "delta"))),
        Paragraph("A B\n1 2\nx yyyyy zz"),
    )
    # One note for the kind, however many tables: the line docutils points at in the first
    # (its broken border), and a count.
    assert tree.notes == (
        wording.note_rst_salvaged("table", 3, "Malformed table. Right border not aligned or missing.", 1),
    )
    assert tree.notes[0].endswith("; 1 more like it in the file")


def test_directive_and_title_errors_keep_their_text_with_one_note_per_kind() -> None:
    tree = read("""\
        Title
        =====

        Section
        -------

        .. note::
           :nosuchoption: 1

           The note's own text.

        .. list-table:: Limits
           :header-rows: 1

           * - Name
             - Value
           * not a sublist

        Sub
        ~~~

        Back
        ----

        Skipped level
        ^^^^^^^^^^^^^

        Body under it.

        - item

          Inner title
          -----------

          more
        """)
    text = prose(tree)
    for kept in ("The note's own text.", "Limits", "Name Value not a sublist", "Skipped level", "Inner title"):
        assert kept in text
    assert ":nosuchoption:" not in text and "^^^" not in text and "---" not in text
    assert "**Skipped level**" in [b.md for b in tree_blocks(tree) if isinstance(b, Paragraph)]
    notes = tree.notes
    assert len(notes) == 2, notes
    assert notes[0].startswith("line 7: a directive with an error") and 'unknown option: "nosuchoption"' in notes[0]
    assert notes[0].endswith("; 1 more like it in the file")
    assert notes[1].startswith("line 25: a section title") and "skip from level 2 to 4" in notes[1]
    assert notes[1].endswith("; 1 more like it in the file")


def test_a_salvaged_table_with_a_long_broken_border_reads_in_linear_time() -> None:
    # The border test was a backtracking regex, quadratic on a long "-----x" line.
    border = "+" + "-" * 200_000 + "x"
    tree = rst.read(
        "doc.rst", f"+---+---+\n| a | b |\n{border}\n| c | d |\n+---+---+\n".encode(), ReadOptions(timeout_s=5)
    )
    assert any(isinstance(b, Table) for b in tree.root.blocks) and len(tree.notes) == 1


def test_references_to_no_target_read_as_written_and_in_linear_time() -> None:
    tree = read("See Foo_, [1]_ and [C]_ but not ok_.\n\n.. _ok: https://example.com\n")
    assert prose(tree) == "See Foo_, [1]_ and [C]_ but not ok."
    # docutils replaced them one by one, each looked up in the paragraph: 4 s for 8000.
    tree = read("x_ " * 12_000, timeout_s=8)
    assert prose(tree) == " ".join(["x_"] * 12_000)
    # More anonymous references than targets: all of them, as written, the same way.
    assert prose(read("See `this`__ and `that`__.\n\n.. __: https://example.com\n")) == "See `this`__ and `that`__."
    tree = read("x__ " * 12_000 + "\n\n.. __: https://example.com\n", timeout_s=8)
    assert prose(tree) == " ".join(["x__"] * 12_000)


def test_a_long_paragraph_is_parsed_inline_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    # docutils copies the rest of a paragraph after each construct: quadratic (900 kB of
    # "x_ " reached the time limit), so a long one is given to it a piece at a time.
    longest = 0
    whole = states.Inliner.parse

    def parse(self: states.Inliner, text: str, *args: object) -> object:
        nonlocal longest
        longest = max(longest, len(text))
        return whole(self, text, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(states.Inliner, "parse", parse)
    monkeypatch.setattr(rst, "_INLINE_PIECE", 200)
    words = [f"*w{i}* x_ ``c{i}``" for i in range(200)]
    tree = read("T\n=\n\n" + "\n".join(" ".join(words[i : i + 4]) + "." for i in range(0, 200, 4)) + "\n")
    assert longest <= 200
    assert prose(tree) == " ".join(" ".join(f"w{i} x_ c{i}" for i in range(j, j + 4)) + "." for j in range(0, 200, 4))
    (paragraph,) = tree_blocks(tree)  # the markup of every piece read as markup
    assert isinstance(paragraph, Paragraph) and paragraph.md.count("*w") == 200 and paragraph.md.count("`c") == 200


def test_inline_pieces_cut_after_a_sentence_line_else_a_space() -> None:
    text = "One. Two three.\nfour five\nsix seven eight nine ten"
    assert rst._inline_pieces(text, 20) == ["One. Two three.\n", "four five\nsix seven ", "eight nine ten"]
    assert rst._inline_pieces("abcdefghij kl\nmn op qr", 20) == ["abcdefghij kl\n", "mn op qr"]
    assert rst._inline_pieces("x" * 10 + "\\" + "y" * 6, 11) == ["x" * 10, "\\" + "y" * 6]
    assert rst._inline_pieces("short", 16) == ["short"]


def test_markup_far_denser_than_prose_is_refused_early(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rst, "_INLINE_NODES_MIN", 100)
    with pytest.raises(KnowledgeError, match="inline markup is too dense to be prose"):
        read("T\n=\n\n" + "x_ " * 200 + "\n")
    assert prose(read("T\n=\n\n" + "See x_ and *y*. " * 40 + "\n")).startswith("See x_ and y. See")


def test_a_wide_grid_table_reads_in_time_and_combining_characters_still_align() -> None:
    # docutils listed every line's character indices again for each cell: 10 s for 4000 columns.
    n = 3000
    tree = read(
        "+" + "---+" * n + "\n|" + "".join(f"{i % 10:^3}|" for i in range(n)) + "\n+" + "---+" * n + "\n", timeout_s=4
    )
    (table,) = tree_blocks(tree)
    assert isinstance(table, Table) and len(table.rows[0]) == n and table.rows[0][:3] == ("0", "1", "2")
    tree = read("+-----+----+\n| ta\u0306b | x  |\n+-----+----+\n")
    (table,) = tree_blocks(tree)
    assert isinstance(table, Table) and table.rows == (("t\u0103b", "x"),)  # composed on reading


def test_grid_tables_parse_as_docutils_parses_them_with_a_heap_of_corners() -> None:
    # docutils sorted its list of cell corners again after every cell: quadratic in a wide
    # row. The heap gives the same cells in the same order, spans included.
    table = textwrap.dedent("""\
        +-----+-----+-----+
        | a   | b         |
        +-----+-----+-----+
        | c   | d   | e   |
        +     +-----+-----+
        |     | f         |
        +-----+-----+-----+
        """).splitlines()
    assert tableparser.GridTableParser is rst._GridTableParser
    ours = rst._GridTableParser().parse(StringList(table))
    theirs = rst._GridTableParser.__bases__[0]().parse(StringList(table))  # docutils' own
    assert repr(ours) == repr(theirs)
    assert ours[2][1][0][:3] == (1, 0, 3) and list(ours[2][1][0][3]) == ["c", "", ""]  # c spans two rows


def test_warnings_and_inline_errors_add_no_note() -> None:
    # Their text stays where it was (an unexpected unindent, a short underline, broken
    # inline markup): nothing to salvage, nothing to say.
    tree = read("""\
        Title
        ====

        - item
         unexpected unindent

        Broken *emphasis and |undefined| substitution.

        .. |sub| replace::
        """)
    assert tree.notes == ()
    assert "unexpected unindent" in prose(tree)


def test_lists_and_definitions() -> None:
    tree = read("""\
        - a

          - nested

        3. three
        4. four

        Term
           Definition.

        :param x: The x.

        -v, --verbose  Talk more.
        """)
    bullet, enum, deflist, fields, options = tree.root.blocks
    assert bullet == ListBlock(((Paragraph("a"), ListBlock(((Paragraph("nested"),),))),))
    assert enum == ListBlock(((Paragraph("three"),), (Paragraph("four"),)), ordered=True, start=3)
    assert deflist == ListBlock(((Paragraph("**Term** — Definition."),),))
    assert fields == ListBlock(((Paragraph("**param x** — The x."),),))
    assert options == ListBlock(((Paragraph("**`-v, --verbose`** — Talk more."),),))


def test_block_quote_and_footnote() -> None:
    tree = read("""\
        Text [#n]_.

            Quoted.

            -- Someone

        .. [#n] The note.
        """)
    assert tree.root.blocks == (
        Paragraph(r"Text \[1\]."),
        Quote((Paragraph("Quoted."), Paragraph("— Someone"))),
        Paragraph(r"\[1\] The note."),
    )


def test_leading_field_list_is_page_metadata() -> None:
    tree = read(":orphan:\n:tocdepth: 2\n\nTitle\n=====\n\nText.\n")
    assert tree.title == "Title"
    assert prose(tree) == "Text."


def test_contents_directive_dropped() -> None:
    tree = read("Title\n=====\n\n.. contents::\n\nA\n-\n\nText.\n")
    assert [s.heading for s in tree.root.children] == ["A"]
    assert prose(tree) == "Text."


def test_no_text_is_an_error() -> None:
    with pytest.raises(KnowledgeError, match="no readable text"):
        read(".. toctree::\n\n   a\n")
    with pytest.raises(KnowledgeError, match="empty"):
        read("")
    with pytest.raises(KnowledgeError, match="only includes other files"):
        read("Authors\n=======\n\n.. include:: ../AUTHORS.rst\n")


def test_timeout_abandons_the_parse() -> None:
    with pytest.raises(ReaderTimeout):
        read("para\n\n" * 500, timeout_s=0.0)


def test_registration_is_idempotent() -> None:
    src = ".. frobnicate:: x\n\n   Body.\n\nText :madeup:`y`.\n"
    first = read(src)
    assert read(src) == first


def test_any_text_reads_or_fails_cleanly() -> None:
    # Markdown is not reStructuredText, but reading it must still give text, never a crash.
    folder = shared_file("docs-poetry")
    for path in sorted(folder.glob("*.md")):
        tree = rst.read(str(path), path.read_bytes(), ReadOptions())
        text = prose(tree)
        assert text, path.name
        assert "System Message" not in text and "ERROR/" not in text, path.name


# The watchdog's interruption can land inside a garbage-collector callback (a WeakSet's
# _remove, seen on a loaded host), where CPython reports it as "Exception ignored" and drops
# it; the watchdog then raises it again (_REPEAT_S), so the parse still ends in time.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_runaway_inline_parse_is_interrupted() -> None:
    # docutils' inline parsing of this one paragraph is quadratic (minutes at this size);
    # the line checks never run inside it, so this needs the watchdog.
    with pytest.raises(ReaderTimeout):
        read("*a **a " * 20000, timeout_s=0.2)


def test_deep_nesting_is_a_clear_error() -> None:
    text = "".join("  " * i + "- a\n" for i in range(2000))
    with pytest.raises(KnowledgeError, match="nested too deeply|took longer"):
        read(text)


def test_unicode_substitutions_cannot_make_surrogates_or_control_characters() -> None:
    # docutils' unicode directive makes any code point: a lone surrogate crashed saving the
    # index (UTF-8 cannot encode it), a control character would reach the console raw.
    text = "Title\n=====\n\nThe sign |s| is odd.\n\n.. |s| unicode:: U+D800 U+0007 U+001B U+00A9\n"
    tree = rst.read("s.rst", text.encode(), ReadOptions())
    shown = repr(tree)
    assert "\\ud800" not in shown and "\\x07" not in shown and "\\x1b" not in shown
    assert "The sign \ufffd© is odd." in shown


def test_a_linked_figure_reads_as_its_caption() -> None:
    # Sphinx's own front page: logos as figures with :target:, which docutils wraps in a
    # reference holding the image (the file failed to read at all before).
    tree = read("""\
        As used by:

        .. figure:: _static/python-logo.png
           :alt: Python Logo
           :target: https://docs.python.org

           Python

        .. image:: badge.svg
           :target: https://pypi.org/project/x

        More.
        """)
    assert tree.root.blocks == (Paragraph("As used by:"), Paragraph("Python"), Paragraph("More."))


def test_autodoc_content_written_in_the_source_is_kept() -> None:
    # Scrapy's request-response.rst describes Request's attributes under its autoclass; the
    # docstring itself is not in the source, so a bare autoclass still goes.
    tree = read("""\
        .. autoclass:: scrapy.Request(url, callback=None)
           :members:

           A Request object represents an HTTP request.

           .. attribute:: Request.url

              A string containing the URL of this request.

        .. autofunction:: scrapy.utils.log.configure_logging

        Kept.
        """)
    assert tree.root.blocks == (
        Paragraph("`scrapy.Request(url, callback=None)`"),
        Paragraph("A Request object represents an HTTP request."),
        Paragraph("`Request.url`"),
        Paragraph("A string containing the URL of this request."),
        Paragraph("Kept."),
    )


EXAMPLE_PY = """\
import sys


@register
def setup(
    app,
):
    app.add_role("hello", HelloRole())

    return {"version": "0.1"}


class HelloDirective(SphinxDirective):
    # a comment at the class's level
    def run(self):
        return [nodes.paragraph(text="Hello")]

    def helper(self):
        return None
"""


def test_literalinclude_shows_the_part_its_options_pick() -> None:
    # The shapes of Sphinx's own tutorials (doc/development/tutorials/*.rst): :pyobject:
    # (a function, a method), :lines:, :start-after:/:end-before:, :dedent:, :caption:.
    files = {"examples/hello.py": EXAMPLE_PY}
    asked: list[str] = []

    def opener(path: str) -> str | None:
        asked.append(path)
        return files.get(path)

    tree = read(
        """\
        The setup function:

        .. literalinclude:: examples/hello.py
           :language: python
           :linenos:
           :pyobject: setup

        The directive's run method:

        .. literalinclude:: examples/hello.py
           :pyobject: HelloDirective.run
           :dedent:
           :caption: hello.py

        .. literalinclude:: examples/hello.py
           :lines: 1, 5-6, 99

        .. literalinclude:: examples/hello.py
           :start-after: class HelloDirective
           :end-before: def helper
           :dedent: 4

        .. literalinclude:: examples/hello.py
           :pyobject: Missing

        .. literalinclude:: missing.py

        Kept.
        """,
        related=opener,
    )
    assert tree.root.blocks == (
        Paragraph("The setup function:"),
        Code(
            '@register\ndef setup(\n    app,\n):\n    app.add_role("hello", HelloRole())\n\n'
            '    return {"version": "0.1"}',
            "python",
        ),
        Paragraph("The directive's run method:"),
        Paragraph("**hello.py**"),
        Code('def run(self):\n    return [nodes.paragraph(text="Hello")]'),
        Code("import sys\ndef setup(\n    app,"),
        Code('# a comment at the class\'s level\ndef run(self):\n    return [nodes.paragraph(text="Hello")]\n'),
        Paragraph("Kept."),
    )
    assert asked == ["examples/hello.py"] * 5 + ["missing.py"]


def test_literalinclude_without_an_opener_shows_nothing() -> None:
    tree = read("Intro.\n\n.. literalinclude:: examples/hello.py\n   :pyobject: setup\n")
    assert tree.root.blocks == (Paragraph("Intro."),)


def test_a_ref_without_a_title_shows_the_title_of_its_section_in_the_same_file() -> None:
    # As Sphinx shows it (Scrapy's pages: "see :ref:`topics-request-meta`"); a label in
    # another file keeps its text, and so does a heading's own name (no explicit label).
    tree = read("""\
        Guide
        =====

        See :ref:`install-groups`, :ref:`the groups <install-groups>`, :ref:`elsewhere`
        and :ref:`usage`.

        .. _install-groups:

        Installing *dependency* groups
        ------------------------------

        Text.

        Usage
        -----

        More.
        """)
    assert tree.root.blocks == (Paragraph("See Installing dependency groups, the groups, elsewhere and usage."),)


def test_a_target_directive_over_its_own_heading_shows_nothing() -> None:
    # Scrapy's (and Django's) settings pages: ".. setting:: NAME" marks the heading "NAME"
    # as a cross-reference target; its name had ended the section before, as if it were
    # that setting's. A bare description anywhere else still shows its signature.
    tree = read("""\
        Middleware settings
        ===================

        .. setting:: COMPRESSION_ENABLED

        COMPRESSION_ENABLED
        -------------------

        Whether the Compression middleware will be enabled.

        .. setting:: COMPRESSION_MAX_SIZE

        COMPRESSION_MAX_SIZE
        --------------------

        .. confval:: other_name

        The limit.
        """)
    first, second = tree.root.children
    assert tree.root.blocks == ()
    assert first.blocks == (Paragraph("Whether the Compression middleware will be enabled."),)
    assert second.blocks == (Paragraph("`other_name`"), Paragraph("The limit."))


def test_target_directives_over_terms_go_and_their_list_is_one() -> None:
    # Scrapy's stats reference: ".. stat:: NAME" (a directive of its own) over each term.
    tree = read("""\
        Stats:

        .. stat:: depth/request_ignored_count

        ``depth/request_ignored_count``
            Requests dropped for exceeding the depth limit.

        .. stat:: start_time

        ``start_time``
            When the spider opened.

        .. stat:: a label of its own

        Text.
        """)
    assert tree.root.blocks == (
        Paragraph("Stats:"),
        ListBlock(
            items=(
                (Paragraph("**`depth/request_ignored_count`** — Requests dropped for exceeding the depth limit."),),
                (Paragraph("**`start_time`** — When the spider opened."),),
            )
        ),
        Paragraph("**a label of its own**"),
        Paragraph("Text."),
    )


def test_a_lines_spec_repeating_the_file_shows_it_at_most_once_over() -> None:
    """`:lines: 1-,1-,...` a thousand times made a 33 kB page a 33 MB code block (1 GB in
    memory): anyone who may add a page could exhaust the bot's memory."""
    from bot.documents.literalinclude import included_text, line_numbers

    text = "\n".join(f"line {i}" for i in range(50))
    shown = included_text(text, {"lines": ",".join(["1-"] * 1000)})
    assert shown is not None and shown.count("\n") < 50
    assert line_numbers("1-3,2-5", 50) == [0, 1, 2, 1, 2, 3, 4]  # a repeat within the file's length stays
    assert len(line_numbers(",".join(["1-"] * 1000), 50)) == 50
