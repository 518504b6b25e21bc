"""Anchor text: the Markdown reader records internal links, the loader and the saved index
keep them on the Document, and incoming_anchors hands each linked section's first passage
the texts that link to it."""

from __future__ import annotations

import textwrap
from pathlib import Path

from bot.builder import build_knowledge
from bot.documents.links import incoming_anchors
from bot.documents.loader import load_knowledge
from bot.documents.model import ReadOptions, walk_sections
from bot.documents.readers import markdown
from bot.documents.urls import internal_href, local_href
from bot.knowledge import KnowledgeBase
from bot.store import load_built, save_built

CLI = """\
---
title: Commands
---

# Commands

## install

The install command reads the lock file. See [Dependency groups]({{< relref "managing-dependencies#dependency-groups" >}})
for more, and the [sync](#sync) command.

## sync

Sync makes the environment match the lock file exactly. Use [the other one](#install) otherwise,
or [`update`](#update-latest). Back to [sync](#sync) and to [the guide](managing-dependencies.md).

## update latest

Updates to the latest versions [allowed by the constraints](https://python-poetry.org/docs/x/#y).
"""

# Enough prose for the section to be cut into more than one passage.
LONG = "\n\n".join(f"Paragraph {i} about groups: " + "optional dependencies stay out. " * 12 for i in range(6))

GUIDE = """\
# Managing dependencies

Poetry groups dependencies.

## Dependency groups

Groups organise dependencies by purpose.

### Installing group dependencies

Install only some groups with `--only`.

{long}

## Using the @ operator

Pin with `@`; the [install][cmd] command and [groups](./managing-dependencies.md#installing-group-dependencies) too.

[cmd]: cli.md#install
""".replace("{long}", LONG)

NESTED = """\
# Setup

Read [the @ operator](../managing-dependencies.md#using-the-operator) first, then
[nothing](#no-such-heading) and [a missing page](gone.md#x).
"""


def write_docs(root: Path) -> Path:
    root.mkdir()
    (root / "cli.md").write_text(CLI)
    (root / "managing-dependencies.md").write_text(GUIDE)
    (root / "guide").mkdir()
    (root / "guide" / "setup.md").write_text(NESTED)
    (root / "notes.txt").write_text("Notes\n\nA plain paragraph, see [sync](cli.md#sync).\n")  # text: no links
    return root


def by_section(kb: KnowledgeBase, anchors: dict[int, tuple[str, ...]]) -> dict[tuple[str, tuple[str, ...]], list[str]]:
    out = {}
    for p, texts in anchors.items():
        passage = kb.passages[p]
        out[(passage.document, tuple(passage.section))] = sorted(texts)
    return out


def test_markdown_reader_records_internal_links_per_section() -> None:
    tree = markdown.read("cli.md", textwrap.dedent(CLI).encode(), ReadOptions())
    links = {path: s.links for path, s in walk_sections(tree.root)}
    assert links[("install",)] == (
        ("managing-dependencies#dependency-groups", "Dependency groups"),
        ("#sync", "sync"),
    )
    assert links[("sync",)][:2] == (("#install", "the other one"), ("#update-latest", "update"))
    # A full URL may be the site itself: kept for the loader to judge against base_url.
    assert links[("update latest",)] == (("https://python-poetry.org/docs/x/#y", "allowed by the constraints"),)
    # The link's target is kept aside; the text reads as before.
    assert "See Dependency groups for more" in tree_text(tree)


def tree_text(tree) -> str:
    return " ".join(b.md for _, s in walk_sections(tree.root) for b in s.blocks if hasattr(b, "md"))


def test_reference_links_and_relative_paths() -> None:
    tree = markdown.read("managing-dependencies.md", GUIDE.encode(), ReadOptions())
    links = {path: s.links for path, s in walk_sections(tree.root)}
    assert links[("Using the @ operator",)] == (
        ("cli.md#install", "install"),
        ("./managing-dependencies.md#installing-group-dependencies", "groups"),
    )


def test_internal_href() -> None:
    assert internal_href("#sync") and internal_href("cli.md#x") and internal_href("../a/b/")
    assert internal_href("/docs/cli/#add")
    for href in ("https://example.org/#x", "mailto:a@b.c", "//cdn.example.org/x", "", "  "):
        assert not internal_href(href)


def test_local_href_takes_full_urls_under_base_url_as_paths_from_the_folder() -> None:
    base = "https://Site.example/docs/"
    assert local_href("https://site.example/docs/cli/#add", base, "docs") == "/docs/cli/#add"
    assert local_href("HTTP://SITE.EXAMPLE/docs#x", base, "") == "/#x"
    assert local_href("https://site.example/docs/a.html?v=1#x", base, "") == "/a.html?v=1#x"
    assert local_href("cli.md#add", base, "docs") == "cli.md#add"  # internal: as it is
    for other in ("https://site.example/docs-old/cli/#add", "https://other.example/docs/#x", "mailto:a@b.c"):
        assert local_href(other, base, "docs") is None
    assert local_href("https://site.example/docs/cli/#add", None, "") is None  # no base_url: another site


def test_incoming_anchors_go_to_the_first_passage_of_the_linked_section(tmp_path: Path) -> None:
    kdir = write_docs(tmp_path / "kb")
    built = build_knowledge(kdir)
    got = by_section(built.kb, incoming_anchors(built.kb))
    assert got == {
        # Hugo relref by page name; the heading's own passage is the section's first
        ("managing-dependencies.md", ("Dependency groups",)): ["Dependency groups"],
        # "#sync" from the install section; the link to sync from inside sync is left out
        ("cli.md", ("sync",)): ["sync"],
        ("cli.md", ("install",)): ["install", "the other one"],
        ("cli.md", ("update latest",)): ["update"],
        # a "./" path from the page itself, from outside the linked subsection
        ("managing-dependencies.md", ("Dependency groups", "Installing group dependencies")): ["groups"],
        # "../" from a subfolder; Hugo makes "using-the--operator", MkDocs "using-the-operator"
        ("managing-dependencies.md", ("Using the @ operator",)): ["the @ operator"],
    }
    # Only the first passage of a section gets them.
    section = [i for i, p in enumerate(built.kb.passages) if p.section[-1:] == ("Installing group dependencies",)]
    assert len(section) > 1
    assert section[0] in incoming_anchors(built.kb) and not set(section[1:]) & set(incoming_anchors(built.kb))


def test_saved_index_and_plain_load_give_the_same_anchors(tmp_path: Path) -> None:
    kdir = write_docs(tmp_path / "kb")
    built = build_knowledge(kdir)
    save_built(built, kdir, "k")
    loaded = load_built(kdir, "k")
    assert loaded is not None
    assert [d.links for d in loaded.kb.documents] == [d.links for d in built.kb.documents]
    assert [d.labels for d in loaded.kb.documents] == [d.labels for d in built.kb.documents]
    expected = incoming_anchors(built.kb)
    assert expected and incoming_anchors(loaded.kb) == expected
    plain = load_knowledge(kdir)  # passages as a tuple, not a table
    assert incoming_anchors(plain) == expected


def test_reload_keeps_links_of_unchanged_files(tmp_path: Path) -> None:
    kdir = write_docs(tmp_path / "kb")
    built = build_knowledge(kdir)
    (kdir / "notes.txt").write_text("Notes\n\nA different paragraph now.\n")
    again = build_knowledge(kdir, previous=built)
    assert again.files_read == 1
    assert by_section(again.kb, incoming_anchors(again.kb)) == by_section(built.kb, incoming_anchors(built.kb))


def test_no_links_no_anchors(tmp_path: Path) -> None:
    kdir = tmp_path / "plain"
    kdir.mkdir()
    (kdir / "a.md").write_text("# A\n\n## One\n\nText about one.\n\n## Two\n\nSee [one](https://x.org/#one).\n")
    (kdir / "b.txt").write_text("B\n\nA paragraph.\n")
    built = build_knowledge(kdir)
    assert all(d.links == () for d in built.kb.documents)
    assert incoming_anchors(built.kb) == {}


def test_relref_link_with_a_title_reads_as_its_text() -> None:
    # Before the relref became the destination, `( "title")` was left behind as text.
    src = 'Change the [`cache-dir`]({{< relref "configuration#cache-dir" >}} "cache-dir docs") value.\n'
    tree = markdown.read("basic-usage.md", src.encode(), ReadOptions())
    assert tree_text(tree) == "Change the `cache-dir` value."
    assert tree.root.links == (("configuration#cache-dir", "cache-dir"),)


CLI_HTML = """<html><head><title>Commands</title></head><body><main>
<h1>Commands</h1>
<h2 id="add">add <a class="headerlink" href="#add">&para;</a></h2>
<p>The add command adds packages. See <a href="../dependency-specification/#git-dependencies">git
dependencies</a> and <a href="https://pypi.org">PyPI</a>.</p>
<ul><li>Run <a href="#install">the install command</a> after.</li></ul>
<h2 id="install">install</h2>
<p>Installs what the lock file says.</p>
</main></body></html>"""

SPEC_HTML = """<html><head><title>Dependency specification</title></head><body><main>
<h1>Dependency specification</h1>
<p>Constraints say which versions are allowed.</p>
<h2 id="git-dependencies">git dependencies</h2>
<p>Depend on a library in a git repository.</p>
</main></body></html>"""


def test_html_pages_link_by_href(tmp_path: Path) -> None:
    kdir = tmp_path / "site"
    (kdir / "cli").mkdir(parents=True)
    (kdir / "dependency-specification").mkdir()
    (kdir / "cli" / "index.html").write_text(CLI_HTML)
    (kdir / "dependency-specification" / "index.html").write_text(SPEC_HTML)
    built = build_knowledge(kdir)
    cli = next(d for d in built.kb.documents if d.path == "cli/index.html")
    # The heading's permalink mark is no link text; the other site is not this documentation.
    assert [(h, t) for h, t, _ in cli.links] == [
        ("../dependency-specification/#git-dependencies", "git dependencies"),
        ("#install", "the install command"),
    ]
    assert by_section(built.kb, incoming_anchors(built.kb)) == {
        ("dependency-specification/index.html", ("git dependencies",)): ["git dependencies"],
        ("cli/index.html", ("install",)): ["the install command"],
    }


GUIDE_RST = """\
Guide
=====

Groups are covered below.

.. _install_groups:

Installing groups
-----------------

Install only some groups. See `Other section`_ for the rest.

Other section
-------------

More about other things.
"""

CLI_RST = """\
Commands
========

install
-------

Installs. For groups see :ref:`the group options <install_groups>`, or
:ref:`install_groups` again, and `the other section <guide.html#other-section>`_,
:ref:`no_such_label` and :doc:`guide`.
"""


def test_rst_ref_labels_and_section_references(tmp_path: Path) -> None:
    kdir = tmp_path / "sphinx"
    kdir.mkdir()
    (kdir / "guide.rst").write_text(GUIDE_RST)
    (kdir / "cli.rst").write_text(CLI_RST)
    built = build_knowledge(kdir)
    guide = next(d for d in built.kb.documents if d.path == "guide.rst")
    assert ("install_groups", 2) in guide.labels  # the label's section starts at passage 2
    assert by_section(built.kb, incoming_anchors(built.kb)) == {
        # a label on another page, with and without a title of its own (then its section's)
        ("guide.rst", ("Installing groups",)): ["Installing groups", "the group options"],
        # a hyperlink to the built page's anchor, and docutils' "`Other section`_" on its page
        ("guide.rst", ("Other section",)): ["Other section", "the other section"],
    }
    # The text reads as Sphinx shows it: the role's title, else the section's, no target.
    install = next(p for p in built.kb.passages if p.document == "cli.rst")
    assert "see the group options, or Installing groups again" in install.text


def test_markdown_heading_ids_name_sections(tmp_path: Path) -> None:
    kdir = tmp_path / "md"
    kdir.mkdir()
    (kdir / "envs.md").write_text("# Environments\n\n## Deleting the environments {#remove-envs}\n\nUse remove.\n")
    (kdir / "faq.md").write_text("# FAQ\n\nHow to [drop an environment](envs.md#remove-envs)?\n")
    built = build_knowledge(kdir)
    assert by_section(built.kb, incoming_anchors(built.kb)) == {
        ("envs.md", ("Deleting the environments",)): ["drop an environment"]
    }


REPEATS = """\
# Install

Intro.

## Example

First example.

## Example

Second example.

## Tools

Tools.

### Example

The tools example.
"""


def test_repeated_headings_link_by_the_generators_numbered_anchors(tmp_path: Path) -> None:
    # The generators number a repeated heading's anchor over all the page's headings; the
    # second "## Example" has the first one's heading path, so the passages alone cannot
    # say which it is (they made "#example-1" the tools example's).
    kdir = tmp_path / "md"
    kdir.mkdir()
    (kdir / "a.md").write_text(REPEATS)
    (kdir / "b.md").write_text(
        "# B\n\nSee [first](a.md#example), [second hugo](a.md#example-1), [second mkdocs](a.md#example_1),"
        " [tools hugo](a.md#example-2) and [tools mkdocs](a.md#example_2).\n"
    )
    built = build_knowledge(kdir)
    got = {built.kb.passages[p].text: sorted(texts) for p, texts in incoming_anchors(built.kb).items()}
    assert got == {
        "First example.": ["first"],
        "Second example.": ["second hugo", "second mkdocs"],
        "The tools example.": ["tools hugo", "tools mkdocs"],
    }


def test_a_query_alone_is_the_page_itself_and_dot_is_the_folder_index(tmp_path: Path) -> None:
    kdir = tmp_path / "site"
    kdir.mkdir()
    (kdir / "index.md").write_text("# Home\n\n## Usage\n\nHow to use it.\n\n## Setup\n\nSetting up.\n")
    (kdir / "cli.md").write_text(
        "# CLI\n\n## add\n\nAdds. See [sync it](?v=2#sync).\n\n## sync\n\nSyncs. [Use](./#usage)\n"
    )
    built = build_knowledge(kdir)
    assert by_section(built.kb, incoming_anchors(built.kb)) == {
        ("cli.md", ("sync",)): ["sync it"],
        ("index.md", ("Usage",)): ["Use"],
    }


def test_hugo_relref_in_either_shortcode_form_is_the_destination() -> None:
    # `{{% relref %}}` is Hugo's other delimiter for the same shortcode.
    src = 'Use [groups]({{% relref "managing-dependencies#dependency-groups" %}}) and [sync]({{< ref "cli#sync" >}}).\n'
    tree = markdown.read("faq.md", src.encode(), ReadOptions())
    assert tree.root.links == (
        ("managing-dependencies#dependency-groups", "groups"),
        ("cli#sync", "sync"),
    )
    assert tree_text(tree) == "Use groups and sync."


def test_full_urls_to_the_site_itself_resolve_like_relative_links(tmp_path: Path) -> None:
    # "https://site/docs/cli/#add" with the folder's base_url "https://site/docs/" was taken
    # for another site: its words never reached the section.
    root = tmp_path / "kb"
    docs = root / "docs"
    (docs / "guide").mkdir(parents=True)
    (root / "about.md").write_text("# About\n\nSee [adding things](https://site.example/docs/cli/#add).\n")
    (docs / "kb.toml").write_text('base_url = "https://site.example/docs"\nurl_style = "hugo"\n')
    (docs / "_index.md").write_text("# Docs\n\n## Welcome\n\nStart here with the tool.\n")
    (docs / "cli.md").write_text("# Commands\n\n## add\n\nAdds a package.\n\n## remove\n\nRemoves one.\n")
    (docs / "guide" / "start.md").write_text(
        "# Start\n\n"
        "Use [the add command](https://site.example/docs/cli/#add) or [remove](http://SITE.example/docs/cli#remove),"
        " read [the welcome](https://site.example/docs/#welcome), not [old docs](https://site.example/docs-old/cli/#add)"
        " nor [another site](https://other.example/docs/cli/#add).\n"
    )
    built = build_knowledge(root)
    got = by_section(built.kb, incoming_anchors(built.kb))
    assert got == {
        ("docs/cli.md", ("add",)): ["the add command"],  # about.md is outside base_url's folder: another page
        ("docs/cli.md", ("remove",)): ["remove"],
        ("docs/_index.md", ("Welcome",)): ["the welcome"],
    }
    [start] = [d for d in built.kb.documents if d.path == "docs/guide/start.md"]
    assert len(start.links) == 3  # links to other sites are not kept
