"""A .txt file of reStructuredText (Django's docs, older Sphinx projects, the older PEPs) goes
to the RST reader; plain text, scraped articles, Vim help and git's AsciiDoc stay plain text."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.documents import inline, registry
from bot.documents.model import Code, DocTree, Paragraph, ReadOptions, walk_sections
from bot.documents.readers import rst, text
from bot.documents.rstsniff import SCAN_CHARS, looks_like_rst
from bot.documents.scraped import DEFAULT_JUNK_MARKERS
from bot.errors import KnowledgeError, NoTextError, ReaderTimeout
from bot.rendering import errors as wording
from tests.conftest import KNOWLEDGE, SEED_NAME
from tests.core.tree_helpers import prose, tree_blocks

DEFAULTS = ReadOptions(junk_markers=DEFAULT_JUNK_MARKERS)

# The shape of a Django docs page (docs/ref/*.txt): an overlined title, a target, a module
# directive, roles of Django's own (:setting:, :djadmin:) and Sphinx's, a code block.
DJANGO_PAGE = """\
========
Settings
========

.. module:: django.conf.settings
   :synopsis: Settings of a project.

.. _debug-setting:

Core settings
=============

Set :setting:`DEBUG` to ``False`` in production and run :djadmin:`check` first; see
:doc:`/howto/deployment/index`.

.. code-block:: python

    DEBUG = False

Then run::

    django-admin check --deploy
"""

# git's Documentation/*.txt (AsciiDoc): underlined titles, "term::" over indented text,
# linkgit: macros, ``quotes'', a listing between dashes.
GIT_ASCIIDOC = """\
git-frob(1)
===========

NAME
----
git-frob - Frob the index

OPTIONS
-------
--quiet::
-q::
\tSuppress ``progress'' output. See linkgit:git-config[1].

--exec <cmd>::

\tRun the command given.

EXAMPLES
--------
------------
$ git frob --quiet
------------
"""

VIM_HELP = (
    "*frob.txt*\tFrob files\n\n" + "=" * 78 + "\n1. Usage\t\t\t\t*frob-usage*\n\n"
    "Call it: >vim\n\tcall frob#it()\n<\nSee |frob-options| and `:help frob`.\n\n"
    " vim:tw=78:ts=8:ft=help:norl:\n"
)

PLAIN = "Meeting notes\n\nWe met at 10:00: the plan is ready.. maybe. Times: 9:30, 10:45.\n\nAgenda::\n\n    budget\n"


def read_txt(raw: str, options: ReadOptions = DEFAULTS) -> DocTree:
    read = registry.reader_for(".TXT")
    assert read is not None
    return read("page.txt", raw.encode("utf-8"), options)


def test_a_txt_file_of_restructuredtext_reads_as_restructuredtext() -> None:
    tree = read_txt(DJANGO_PAGE)
    assert tree.title == "Settings"
    assert [s.heading for _, s in walk_sections(tree.root) if s.level] == ["Core settings"]
    assert dict(tree.label_titles) == {"debug-setting": "Core settings"}
    # Django's own roles (Sphinx extension roles) keep their text.
    assert prose(tree).startswith("Set DEBUG to False in production and run check first; see")
    assert Code("DEBUG = False", "python") in tree_blocks(tree)
    assert Code("django-admin check --deploy", None) in tree_blocks(tree)
    assert ".." not in prose(tree) and "`" not in prose(tree)


@pytest.mark.parametrize(
    "raw",
    [
        # Several of one kind decide alone.
        "Use :func:`open`, :class:`Path` and :data:`sys.argv`.\n",
        ".. _a:\n\n.. _b:\n\nText.\n\n.. [1] A footnote.\n",
        # Two kinds.
        ".. note::\n\n   Read :doc:`intro` first.\n",
        "Read `the guide`_.\n\n.. _the guide: https://example.org/\n",
        # One, beside an underlined heading or a "::" literal block.
        "Usage\n=====\n\n.. code-block:: console\n\n    $ run\n",
        "See :ref:`usage`. For example::\n\n    run it\n",
        # A PEP's header says it (PEP 1: "Content-Type: text/x-rst").
        "PEP: 8\nTitle: Style Guide\nContent-Type: text/x-rst\n\nIntroduction\n============\n\nText.\n",
        # A release note's overlined title and an inline literal (Django's releases/*.txt),
        # or three under an underlined one.
        "==========\nDjango 1.0\n==========\n\nFixes ``urlize``.\n",
        "Django 1.0\n==========\n\nFixes ``urlize``, ``urlizetrunc`` and ``escape``.\n",
    ],
)
def test_restructuredtext_is_told_by_markup_only_it_writes(raw: str) -> None:
    assert looks_like_rst(raw.encode())


@pytest.mark.parametrize(
    "raw",
    [
        PLAIN,
        GIT_ASCIIDOC,
        VIM_HELP,
        # One piece of markup, nothing to back it up.
        "Notes\n\nA line with :ref:`x` in it.\n",
        "Notes\n\n.. note:: this looks like a directive\n",
        # Underlined headings, "::" literals and ``quotes`` without markup only RST writes.
        "Usage\n=====\n\nFor example::\n\n    run it\n\nSay ``hi`` and ``bye``.\n",
        "PEP: 1\nTitle: Plain\nContent-Type: text/plain\n\n    A plain-text PEP.\n",
        # Vim's quickref: a line between two rules, a "``" key; its modeline says Vim help.
        "-" * 40 + "\nN is a count.\n" + "-" * 40 + "\n|``|  ``  go back\n\n vim:tw=78:ft=help:norl:\n",
    ],
)
def test_plain_text_asciidoc_and_vim_help_are_no_restructuredtext(raw: str) -> None:
    assert not looks_like_rst(raw.encode())
    assert read_txt(raw) == text.read("page.txt", raw.encode(), DEFAULTS)


def test_the_seed_article_reads_as_plain_text_exactly_as_before() -> None:
    data = (KNOWLEDGE / SEED_NAME).read_bytes()
    assert not looks_like_rst(data)
    read = registry.reader_for(".txt")
    assert read is not None
    assert read(SEED_NAME, data, DEFAULTS) == text.read(SEED_NAME, data, DEFAULTS)


def test_markup_past_the_scanned_opening_does_not_count() -> None:
    roles = "Use :func:`open`, :class:`Path` and :data:`sys.argv`.\n"
    assert not looks_like_rst(("Plain words here.\n" * (SCAN_CHARS // 10) + roles).encode())
    assert looks_like_rst(("\ufeff" + roles).encode("utf-8"))


def test_a_file_docutils_gives_up_on_is_read_as_plain_text_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise ValueError("unbalanced markup")

    monkeypatch.setattr(rst, "publish_doctree", fail)
    tree = read_txt(DJANGO_PAGE)
    assert tree.notes[0] == (
        "read as plain text: it looks like reStructuredText, but reStructuredText could not be "
        "parsed (ValueError: unbalanced markup)"
    )
    assert tree.title == "Settings"
    assert any(isinstance(b, Paragraph) and ":setting:" in inline.to_plain(b.md) for b in tree_blocks(tree))


@pytest.mark.parametrize("error", [NoTextError("only a toctree"), ReaderTimeout()])
def test_a_file_of_markup_only_or_out_of_time_is_not_read_again(
    monkeypatch: pytest.MonkeyPatch, error: KnowledgeError
) -> None:
    def fail(*args: object, **kwargs: object) -> DocTree:
        raise error

    monkeypatch.setattr(rst, "read", fail)
    with pytest.raises(type(error)):
        read_txt(DJANGO_PAGE)


def test_an_index_page_of_only_a_toctree_has_no_text_as_its_rst_twin() -> None:
    with pytest.raises(NoTextError):
        read_txt("=====\nIndex\n=====\n\n.. toctree::\n   :maxdepth: 2\n\n   intro\n   usage\n")


def test_hostile_openings_are_judged_in_linear_time() -> None:
    for raw in ("`" * 2_000_000, ":a:`" * 500_000, ".. " * 700_000, "x::\n\n " * 300_000, "=\n" * 1_000_000):
        start = time.perf_counter()
        looks_like_rst(raw.encode())
        assert time.perf_counter() - start < 1.0, raw[:10]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(".:`_|[]#=- \n\tabc1")), max_size=400))
def test_any_text_is_judged_one_way_or_the_other(raw: str) -> None:
    assert looks_like_rst(raw.encode()) in (True, False)


def test_a_big_txt_file_of_restructuredtext_is_read_as_text_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    """docutils needs ~4 s and ~150x the file in memory per MB (review: 8 MB, 33 s, 1.1 GB);
    the text reader reads the same file in a fraction of a second."""
    monkeypatch.setattr(registry, "RST_TXT_MAX_BYTES", len(DJANGO_PAGE.encode()) - 1)
    tree = read_txt(DJANGO_PAGE)
    assert tree.notes[0] == wording.note_read_as_plain_text(wording.rst_txt_too_big(registry.RST_TXT_MAX_BYTES))
    assert Code("DEBUG = False", "python") not in tree_blocks(tree)  # read as text: no directive read
