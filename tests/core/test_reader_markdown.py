"""The Markdown reader: structure kept, site-generator syntax and page furniture dropped."""

from __future__ import annotations

import random
import textwrap

import pytest
from markdown_it.helpers import parse_link_destination, parseLinkDestination
from markdown_it.parser_inline import ParserInline
from markdown_it.rules_inline import StateInline

from bot.documents.inline import escape, to_plain
from bot.documents.model import (
    Admonition,
    Block,
    Code,
    DocTree,
    ListBlock,
    Paragraph,
    Quote,
    ReadOptions,
    Section,
    Table,
    walk_sections,
)
from bot.documents.readers import markdown
from bot.errors import KnowledgeError, ReaderTimeout
from tests.conftest import shared_file
from tests.core.tree_helpers import prose, tree_blocks


def read(text: str, **options: object) -> DocTree:
    return markdown.read("doc.md", textwrap.dedent(text).encode(), ReadOptions(**options))  # type: ignore[arg-type]


def test_front_matter_title_and_dropped() -> None:
    tree = read("""\
        ---
        title: "Managing environments"
        weight: 3
        ---

        Poetry makes project environment isolation one of its core features.
        """)
    assert tree.title == "Managing environments"
    assert tree.root.blocks == (Paragraph("Poetry makes project environment isolation one of its core features."),)
    assert "weight" not in prose(tree)


def test_toml_front_matter() -> None:
    tree = read("""\
        +++
        title = "Resource limits"
        draft = false
        +++

        Text.
        """)
    assert tree.title == "Resource limits"
    assert prose(tree) == "Text."


def test_first_h1_is_title_and_its_content_the_root() -> None:
    tree = read("""\
        # Guide

        Intro text.

        ## Install
        Run it.
        """)
    assert tree.title == "Guide"
    assert tree.root.blocks == (Paragraph("Intro text."),)
    assert [s.heading for s in tree.root.children] == ["Install"]
    assert tree.root.children[0].line == 5


def test_no_heading_no_title() -> None:
    assert read("Just text.\n").title is None


def test_source_line_taken() -> None:
    tree = read("""\
        # Title
        source: https://example.org/page

        Body.
        """)
    assert tree.source == "https://example.org/page"
    assert "example.org" not in prose(tree)


def test_heading_path_and_consecutive_headings_stay_apart() -> None:
    tree = read("""\
        # Doc
        ## Managing environments
        ### Activating the environment
        Use `poetry env activate`.
        ## Other
        """)
    paths = [path for path, _ in walk_sections(tree.root)]
    assert paths == [
        (),
        ("Managing environments",),
        ("Managing environments", "Activating the environment"),
        ("Other",),
    ]
    env = tree.root.children[0]
    assert env.blocks == ()
    assert env.children[0].blocks == (Paragraph("Use `poetry env activate`."),)


def test_heading_id_anchor() -> None:
    tree = read("""\
        ## Client side certificates {#client-certs}

        Text.

        ## Plain {: #plain .cls }
        """)
    first, second = tree.root.children
    assert (first.heading, first.anchor) == ("Client side certificates", "client-certs")
    assert (second.heading, second.anchor) == ("Plain", "plain")


def test_closing_hashes_before_an_attribute_block_are_not_heading_text() -> None:
    # hatch's changelog: `## [1.18.0](url) - 2026-08-11 ## {: #hatch-v1.18.0 }`
    tree = read("""\
        ## [1.18.0](https://example.org/v1.18.0) - 2026-08-11 ## {: #hatch-v1.18.0 }

        Text.

        ## C# {: #csharp }

        More.
        """)
    first, second = tree.root.children
    assert (first.heading, first.anchor) == ("1.18.0 - 2026-08-11", "hatch-v1.18.0")
    assert (second.heading, second.anchor) == ("C#", "csharp")


def test_mkdocs_admonitions() -> None:
    tree = read("""\
        !!! note "Read this"
            The body with **bold**.

        ??? tip
            Collapsed tip.
        """)
    note, tip = tree.root.blocks
    assert note == Admonition("note", "Read this", (Paragraph("The body with **bold**."),))
    assert tip == Admonition("tip", None, (Paragraph("Collapsed tip."),))


def test_colon_container() -> None:
    tree = read("""\
        ::: warning Be careful
        Inside the box.
        :::

        After.
        """)
    assert tree.root.blocks == (
        Admonition("warning", "Be careful", (Paragraph("Inside the box."),)),
        Paragraph("After."),
    )


def test_github_alert_is_admonition() -> None:
    tree = read("> [!WARNING]\n> Do not do this.\n")
    assert tree.root.blocks == (Admonition("warning", None, (Paragraph("Do not do this."),)),)


def test_fence_with_blank_lines_is_one_code_block() -> None:
    tree = read("""\
        Install it with:

        ```toml
        [tool.poetry]
        name = "x"

        [tool.poetry.dependencies]
        python = "^3.11"
        ```
        """)
    lead, code = tree.root.blocks
    assert lead == Paragraph("Install it with:")
    assert code == Code('[tool.poetry]\nname = "x"\n\n[tool.poetry.dependencies]\npython = "^3.11"', "toml")


def test_indented_code() -> None:
    tree = read("Text.\n\n    x = 1\n\n    y = 2\n")
    assert tree.root.blocks[1] == Code("x = 1\n\ny = 2", None)


def test_nested_and_ordered_lists() -> None:
    tree = read("""\
        3. first
           - inner a
           - inner b
        4. second

           ```sh
           run
           ```
        """)
    (lst,) = tree.root.blocks
    assert isinstance(lst, ListBlock) and lst.ordered and lst.start == 3
    first, second = lst.items
    assert first[0] == Paragraph("first")
    assert first[1] == ListBlock(((Paragraph("inner a"),), (Paragraph("inner b"),)))
    assert second == (Paragraph("second"), Code("run", "sh"))


def test_table() -> None:
    tree = read("""\
        | Option | Meaning |
        |--------|---------|
        | `-v`   | **verbose** output |
        | `-q`   | quiet |
        """)
    assert tree.root.blocks == (Table(("Option", "Meaning"), (("`-v`", "**verbose** output"), ("`-q`", "quiet"))),)


def test_links_keep_text_reference_definitions_dropped() -> None:
    tree = read("""\
        See [the guide][g] and [docs](https://example.org "t").

        [g]: https://example.org/guide
        """)
    assert tree.root.blocks == (Paragraph("See the guide and docs."),)


def test_image_only_paragraph_and_alt_text_dropped() -> None:
    tree = read("""\
        ![A diagram of the build](build.png)

        [![badge](https://img/badge.svg)](https://ci)

        Text ![icon](i.png) here.
        """)
    assert tree.root.blocks == (Paragraph("Text here."),)


def test_html_comments_blocks_and_toc_dropped() -> None:
    tree = read("""\
        [TOC]

        <!-- a comment
        over lines -->

        <div class="x">
        </div>

        * TOC
        {:toc}

        [[_TOC_]]

        Kept <kbd>Ctrl</kbd>.
        """)
    assert tree.root.blocks == (Paragraph("Kept Ctrl."),)


def test_shortcodes_dropped_content_kept() -> None:
    tree = read("""\
        {{< tabs tabTotal="2" >}}
        {{< tab tabID="one" >}}
        Tab one text, see [pyproject]({{< relref "pyproject#packages" >}}).
        {{< /tab >}}
        {{< /tabs >}}

        {% raw %}
        Raw text.
        {% endraw %}

        Shown as code: `{{% note %}}`, see [the docs]({{ '/docs/' | relative_url }}).
        """)
    assert prose(tree) == ("Tab one text, see pyproject.\nRaw text.\nShown as code: {{% note %}}, see the docs.")


def test_a_shortcode_over_two_lines_inside_a_paragraph_keeps_the_lines_after_it_in_place() -> None:
    # Dropped with its line break, the tag shortened the file by a line under the pass
    # walking it: the fence below was found a line late, and the pass ran off the end.
    tree = read("""\
        See {{% foo
        bar %}} here.

        ```
        code
        ```

        After.
        """)
    assert tree.root.blocks == (Paragraph("See here."), Code("code"), Paragraph("After."))


def test_note_shortcode_becomes_admonition() -> None:
    tree = read("""\
        {{% note %}}
        Outer note.
        {{% warning %}}
        Inner warning.
        {{% /warning %}}
        {{% /note %}}
        """)
    assert tree.root.blocks == (
        Admonition(
            "note", None, (Paragraph("Outer note."), Admonition("warning", None, (Paragraph("Inner warning."),)))
        ),
    )


def test_shortcodes_inside_code_fences_kept_verbatim() -> None:
    tree = read("""\
        ```go-html-template
        {{< tab "x" >}}
        ```
        """)
    assert tree.root.blocks == (Code('{{< tab "x" >}}', "go-html-template"),)


def test_jekyll_highlight_becomes_code() -> None:
    tree = read("""\
        {% highlight python %}
        print("hi")
        {% endhighlight %}
        """)
    assert tree.root.blocks == (Code('print("hi")', "python"),)


def test_mkdocstrings_directive_dropped() -> None:
    tree = read("""\
        ## API

        ::: mypackage.module.function
            handler: python
            options:
              show_source: false

        The function above.
        """)
    assert tree.root.children[0].blocks == (Paragraph("The function above."),)


def test_definition_list() -> None:
    tree = read("""\
        Term
        : The definition.
        """)
    assert tree.root.blocks == (ListBlock(((Paragraph("**Term** — The definition."),),)),)


def test_footnote_goes_to_its_section() -> None:
    tree = read("""\
        ## One
        Text[^n] here.

        [^n]: The note.

        ## Two
        More.
        """)
    one, two = tree.root.children
    assert one.blocks == (Paragraph(r"Text\[n\] here."), Paragraph(r"\[n\] The note."))
    assert two.blocks == (Paragraph("More."),)


def test_inline_markup_is_safe_markdown() -> None:
    tree = read("Use **bold**, *it*, `code`, <b>html</b>, <@123> and a_b\nnext  \nline<br>last.\n")
    (para,) = tree.root.blocks
    assert isinstance(para, Paragraph)
    # HTML tags go (<br> as a line break); a mention is not HTML: it stays as inert text.
    assert para.md == "Use **bold**, *it*, `code`, html, \\<@123\\> and a\\_b next\nline\nlast."


def test_headings_inside_boxes_read_as_bold_paragraphs() -> None:
    tree = read("!!! note\n    ## Inside\n    Text.\n")
    assert tree.root.blocks == (Admonition("note", None, (Paragraph("**Inside**"), Paragraph("Text."))),)
    assert tree.root.children == ()


def test_only_markup_is_an_error() -> None:
    with pytest.raises(KnowledgeError, match="no readable text"):
        read("---\ntitle: x\n---\n\n![img](a.png)\n")
    with pytest.raises(KnowledgeError, match="empty"):
        read("")


def test_timeout_abandons_the_parse() -> None:
    with pytest.raises(ReaderTimeout):
        read("para\n\n" * 2000, timeout_s=0.0)


def test_unclosed_brackets_are_not_scanned_as_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each `[` no `]` closes cost markdown-it about maxNesting token steps (a 900 kB line of
    # "![" took ~26 s); such brackets now fail as labels at once and read as text.
    steps = 0
    skip_token = ParserInline.skipToken

    def counted(self: ParserInline, state: StateInline) -> None:
        nonlocal steps
        steps += 1
        skip_token(self, state)

    monkeypatch.setattr(ParserInline, "skipToken", counted)
    tree = read("# H\n\nstart " + "![" * 500 + "[x] ^[" * 50 + " end\n")
    assert steps < 500  # 40 000 before
    text = tree.root.blocks[0].md
    assert to_plain(text).startswith("start ![![") and text.endswith(" end")


def test_plain_inline_text_skips_the_inline_parser_and_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    # A table of short cells spent a third of its time in markdown-it's inline parser,
    # which for text without any character an inline rule starts at makes one text token.
    cells = ["alpha", "1.2", "Dr. (z)", "naïve 日本語", "x?", "", "a, b; c"]
    parsed: list[str] = []
    parse = ParserInline.parse

    def counted(self: ParserInline, src: str, *args: object) -> object:
        parsed.append(src)
        return parse(self, src, *args)  # type: ignore[arg-type]

    md = markdown._parser()
    for cell in cells:
        (*_, inline) = (t for t in md.parse(f"| h |\n|---|\n| {cell} |\n") if t.type == "inline")
        parsed_alone = md.parseInline(cell)[0].children or [] if cell else []
        assert [(t.type, t.content, t.level) for t in inline.children or []] == [
            (t.type, t.content, t.level) for t in parsed_alone
        ], cell
    monkeypatch.setattr(ParserInline, "parse", counted)
    full = [c for c in cells if c]
    rows = "".join(f"| {c} | **{c}** |\n" for c in full)
    tree = read(f"| A | B |\n|---|---|\n{rows}")
    assert tree.root.blocks == (Table(("A", "B"), tuple((escape(c), f"**{escape(c)}**") for c in full)),)
    assert parsed == [f"**{c}**" for c in full]  # the header and plain cells not parsed


def test_link_destinations_parse_as_markdown_it_parses_them_in_fewer_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    # markdown-it walked a destination a character at a time: each `[a](` of a 900 kB line
    # of them scanned ~130 characters (to its 32-bracket limit) in ~270 Python calls.
    rng = random.Random(18)
    for _ in range(3000):
        src = "".join(rng.choice("ab/()\\< >\n\x01\x7f[]é") for _ in range(rng.randint(0, 12)))
        pos, end = rng.randint(0, len(src)), rng.randint(0, len(src))
        want, got = parseLinkDestination(src, pos, end), markdown._link_destination(src, pos, end)
        assert (got.ok, got.pos, got.str) == (want.ok, want.pos, want.str), (src, pos, end)
    deep = "(" * 40 + "x" + ")" * 40
    assert markdown._link_destination(deep, 0, len(deep)).ok is parseLinkDestination(deep, 0, len(deep)).ok is False
    steps = 0
    char_code_at = parse_link_destination.charCodeAt

    def counted(src: str, pos: int) -> int | None:
        nonlocal steps
        steps += 1
        return char_code_at(src, pos)

    monkeypatch.setattr(parse_link_destination, "charCodeAt", counted)
    tree = read("# H\n\nstart " + "[a](" * 200 + " [link](https://example.org/a_(b)) end\n")
    assert steps < 100  # 27,000 before
    assert tree.root.blocks[0].md.endswith(" link end")


def test_links_next_to_unclosed_brackets_still_read() -> None:
    assert markdown._unclosed_brackets("[a `[` b](u) <a title='['> \\[ [ [ [ [") == frozenset({30, 32, 34, 36})
    assert markdown._unclosed_brackets("[ [ [ x") == frozenset()  # so few are left to markdown-it
    tree = read("See [a `[` b](https://x) and ![i](i.png) [[[[[ here.\n")
    assert tree.root.blocks == (Paragraph(r"See a `[` b and \[\[\[\[\[ here."),)


def test_large_file_parsed_in_pieces_keeps_structure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(markdown, "_CHUNK_CHARS", 200)
    text = "".join(f"## S{i}\n\nText {i} with [ref].\n\n```\ncode\n\n# not a heading\n```\n\n" for i in range(30))
    tree = read(text + "[ref]: https://x\n")
    assert [s.heading for s in tree.root.children] == [f"S{i}" for i in range(30)]
    assert all(
        isinstance(s.blocks[1], Code) and s.blocks[1].text == "code\n\n# not a heading" for s in tree.root.children
    )
    assert tree.root.children[29].line == 29 * 10 + 1
    # The reference defined at the very end resolves in the first piece too.
    assert tree.root.children[0].blocks[0] == Paragraph("Text 0 with ref.")


def test_poetry_docs_read_cleanly() -> None:
    folder = shared_file("docs-poetry")
    files = sorted(folder.glob("*.md"))
    assert files
    for path in files:
        tree = markdown.read(str(path), path.read_bytes(), ReadOptions())
        assert tree.title, path.name
        blocks = tree_blocks(tree)
        assert any(isinstance(b, Paragraph) for b in blocks), path.name
        for b in blocks:
            if isinstance(b, Paragraph):
                text = to_plain(b.md)
                assert not text.startswith("{{"), (path.name, text)
                assert "{{%" not in text and "{{<" not in text and "%}}" not in text, (path.name, text)
                assert not text.startswith(("title:", "---", "menu:")), (path.name, text)


def test_h1_other_than_front_matter_title_stays_a_section() -> None:
    same = read("---\ntitle: Guide\n---\n# Guide\n\nIntro.\n")
    assert same.title == "Guide" and same.root.children == ()
    other = read("---\ntitle: Guide\n---\n# Welcome\n\nIntro.\n")
    assert other.title == "Guide"
    assert [s.heading for s in other.root.children] == ["Welcome"]


def test_mkdocs_content_tabs_snippets_and_decorations() -> None:
    tree = read("""\
        === "pip"

            ```sh
            pip install x
            ```

        --8<-- "includes/abbreviations.md"

        [Subscribe](#){ .md-button } :material-heart: thanks.
        """)
    assert tree.root.blocks == (Paragraph("**pip**"), Code("pip install x", "sh"), Paragraph("Subscribe thanks."))


def test_attribute_lists_with_key_values_are_dropped_but_placeholders_stay() -> None:
    tree = read("""\
        ![logo](logo.svg){ role="img" } Badges [![CI](ci.svg){ loading=lazy .off-glb }](https://ci)

        ## Setup { data-toc-label='Set up' #setup }

        Use {name} and {env:PATH:DEFAULT} here, ${VAR=default}, f"{x=}" and {PATH=/usr/bin}.
        """)
    assert tree.root.blocks == (Paragraph("Badges"),)
    (setup,) = tree.root.children
    assert (setup.heading, setup.anchor) == ("Setup", "setup")
    assert setup.blocks == (
        Paragraph('Use {name} and {env:PATH:DEFAULT} here, ${VAR=default}, f"{x=}" and {PATH=/usr/bin}.'),
    )


def test_hugo_tabs_lead_with_their_labels() -> None:
    tree = read("""\
        {{< tabs tabTotal="2" tabID1="pipx" tabID2="manual" tabName1="With pipx" tabName2="Manually (advanced)" >}}
        {{< tab tabID="pipx" >}}
        Use pipx.
        {{< /tab >}}
        {{< tab tabID="manual" >}}

        Use pip.
        {{< /tab >}}
        {{< /tabs >}}

        {{< tab "Linux" >}}
        Use apt.
        {{< /tab >}}
        """)
    assert tree.root.blocks == (
        Paragraph("**With pipx**"),
        Paragraph("Use pipx."),
        Paragraph(r"**Manually \(advanced\)**"),
        Paragraph("Use pip."),
        Paragraph("**Linux**"),
        Paragraph("Use apt."),
    )


def test_front_matter_source() -> None:
    tree = read("---\nquestion: Where?\nsource: https://example.org/faq\n---\n# Where?\n\nHere.\n")
    assert (tree.title, tree.source) == ("Where?", "https://example.org/faq")
    assert read("---\nsource: not a url\n---\nText.\n").source is None


def test_front_matter_description_leads_the_page() -> None:
    # Starlight/Docusaurus/Mintlify write it in YAML (Nextra wraps it onto indented lines),
    # Hugo in TOML; sites show it under the title.
    tree = read("""\
        ---
        title: Cards
        description:
          Learn how to add *cards*
          to a page.
        ---

        ## Import

        Import the component.
        """)
    assert tree.title == "Cards"
    assert tree.root.blocks == (Paragraph("Learn how to add \\*cards\\* to a page."),)
    assert tree.root.children[0].blocks == (Paragraph("Import the component."),)
    toml = read('+++\ntitle = "Limits"\ndescription = "How much a job may use."\n+++\n\nJobs have limits.\n')
    assert toml.root.blocks == (Paragraph("How much a job may use."), Paragraph("Jobs have limits."))
    # Copied into the first paragraph, it is said once; alone it is still no page.
    copied = read('---\ndescription: "Jobs have limits."\n---\n\nJobs have limits. They are set per job.\n')
    assert copied.root.blocks == (Paragraph("Jobs have limits. They are set per job."),)
    with pytest.raises(KnowledgeError):
        read("---\ndescription: Only this.\n---\n\n<Cards />\n")
    assert read("---\ntitle: A\n  wrapped title\n---\nText.\n").title == "A wrapped title"


def test_details_summary_label_kept() -> None:
    tree = read("""\
        <details>
        <summary>How do I <b>reset</b> it?</summary>

        Run `reset`.

        </details>
        """)
    assert tree.root.blocks == (Paragraph("**How do I reset it?**"), Paragraph("Run `reset`."))


def test_reference_definitions_whose_target_is_a_shortcode_still_dropped() -> None:
    # Hugo docs (python-poetry's contributing.md) define links as `[Blog]: {{< ref "/blog" >}}`.
    # Dropping the tag must not leave `[Blog]:` without a target: that line would stop being a
    # definition, and with it every definition after it, which then became a paragraph.
    tree = read("""\
        Check the [FAQ] and [Discussions].

          [Blog]: {{< ref "/blog" >}}
          [FAQ]: {{< relref "faq" >}}
          [Docs]: {{ '/docs/' | relative_url }}
          [Discussions]: https://github.com/python-poetry/poetry/discussions
        """)
    assert tree.root.blocks == (Paragraph("Check the FAQ and Discussions."),)


def test_docusaurus_mdx() -> None:
    tree = read("""\
        import Tabs from '@theme/Tabs';
        import TabItem from '@theme/TabItem';

        :::tip My tip
        Be brief.
        :::

        :::danger[Take care]
        Really.
        :::

        <Tabs>
        <TabItem value="apt" label="Ubuntu">

        Use apt.

        </TabItem>
        </Tabs>
        """)
    assert tree.root.blocks == (
        Admonition("tip", "My tip", (Paragraph("Be brief."),)),
        Admonition("danger", "Take care", (Paragraph("Really."),)),
        Paragraph("**Ubuntu**"),
        Paragraph("Use apt."),
    )


def test_mdx_module_statements_over_several_lines_and_jsx_comments_are_no_text() -> None:
    tree = read("""\
        import {
          Tabs,
          TabItem,
        } from '@theme/Tabs';
        import Admonition from '@theme/Admonition';
        Prose right below an import is prose.

        export const meta = {
          author: 'x',
        };

        Text with {/* a note to the authors */} no comment.

        {/* a comment
        over two lines */}

        import your data first, then export const values.
        """)
    assert tree.root.blocks == (
        Paragraph("Prose right below an import is prose."),
        Paragraph("Text with no comment."),
        Paragraph("import your data first, then export const values."),
    )
    commented = read("""\
        Before.

        {/* The old example:

        ```yaml
        image: postgres:17
        ```

        */}
        After.

        <DocCardList
          items={[
            { type: "link", href: "/a", label: "A > B" },
          ]}
        />
        <Card title="Inline">text on the line</Card>
        """)
    assert commented.root.blocks == (
        Paragraph("Before."),
        Paragraph("After."),
        Paragraph("**Inline** — text on the line"),
    )
    kept = read("""\
        Write `{/* x */}` in MDX.

        ```jsx
        {/* kept in code */}
        ```
        """)
    assert kept.root.blocks == (Paragraph("Write `{/* x */}` in MDX."), Code("{/* kept in code */}", "jsx"))


def test_an_mdx_export_holding_a_fence_line_ends_at_its_blank_line() -> None:
    # Nextra's pages compile an example from a template literal of Markdown: its "~~~`" line
    # opened a fence that ran to the end of the page, and the page had no text.
    text = (
        "import { compileMdx } from 'nextra/compile'\n\n"
        "export async function Example() {\n"
        '  const raw = `~~~jsx filename="page.jsx"\n${source}\n~~~`\n'
        "  return <MDXRemote compiledSource={await compileMdx(raw)} />\n"
        "}\n\n"
        "# Remote content\n\nFetch the page at build time.\n\n<Example />\n"
    )
    tree = markdown.read("page.mdx", text.encode(), ReadOptions())
    assert tree.title == "Remote content"
    assert tree.root.blocks == (Paragraph("Fetch the page at build time."),)


def test_an_mdx_export_runs_over_blank_lines_until_it_is_complete() -> None:
    # Mintlify declares components with blank lines in their bodies, Nextra template literals
    # of Markdown: the code after the first blank line stood as text ("const increment = …").
    text = (
        "Declare components in MDX:\n\n"
        "export const Counter = () => {\n  const [count, setCount] = useState(0)\n\n"
        "  const increment = () => setCount(count + 1)\n\n  return (\n    <p>Don't {count}</p>\n  )\n}\n\n"
        "export const raw = `~~~js\nlet a = 1\n\nlet b = 2 // it's ${a}\n~~~`\n\n"
        "Use <Counter /> anywhere.\n\n"
        "export const broken = () => {\n\nAfter a broken export, prose.\n\n"
        "export const worse = {\n\nOptions a) and b).\n\n## Heading\n\nKept.\n"
    )
    blocks = markdown.read("x.mdx", text.encode(), ReadOptions()).root.blocks
    assert blocks == (
        Paragraph("Declare components in MDX:"),
        Paragraph("Use anywhere."),
        Paragraph("After a broken export, prose."),
        Paragraph("Options a\\) and b\\)."),
    )


def test_mdx_has_no_indented_code_but_plain_markdown_keeps_it() -> None:
    body = '<Tabs>\n  <TabItem value="a" label="macOS">\n\n    Use brew on a mac.\n\n  </TabItem>\n</Tabs>\n'
    mdx = markdown.read("guide.mdx", body.encode(), ReadOptions())
    assert mdx.root.blocks == (Paragraph("**macOS**"), Paragraph("Use brew on a mac."))
    # A .md file Docusaurus reads as MDX says so by importing its components.
    imports = markdown.read("guide.md", ("import Tabs from '@theme/Tabs';\n\n" + body).encode(), ReadOptions())
    assert imports.root.blocks == mdx.root.blocks
    plain = markdown.read("guide.md", b"Run:\n\n    make test\n    <Note>\n", ReadOptions())
    assert plain.root.blocks == (Paragraph("Run:"), Code("make test\n<Note>"))


def test_mdx_components_keep_their_content_callouts_are_boxes_and_titles_lead() -> None:
    tree = markdown.read(
        "quickstart.mdx",
        textwrap.dedent("""\
            Set up the client.

            <Note>
              You need an API key.
            </Note>

            <Steps>
              <Step title="Install the SDK">
                Run the installer.
              </Step>
            </Steps>

            <Accordion
              title="How do I rotate my key?"
              icon="key"
            >
              Delete the old key.
            </Accordion>

            <ParamField path="project_id" type="string" required>
              The project to read.
            </ParamField>

            <Admonition type="warning" title='Careful'>
            Really.
            </Admonition>

            <Aside type="caution">
            Starlight's.
            </Aside>

            <Card title="Unclosed card">
            Still read.

            <DocCardList />
            <div class="x">
            html stays html
            </div>
            """).encode(),
        ReadOptions(),
    )
    assert tree.root.blocks == (
        Paragraph("Set up the client."),
        Admonition("note", None, (Paragraph("You need an API key."),)),
        Paragraph("**Install the SDK**"),
        Paragraph("Run the installer."),
        Paragraph("**How do I rotate my key?**"),
        Paragraph("Delete the old key."),
        Paragraph("**project\\_id \\(string\\)**"),
        Paragraph("The project to read."),
        Admonition("warning", "Careful", (Paragraph("Really."),)),
        Admonition("caution", None, (Paragraph("Starlight's."),)),
        Paragraph("Still read."),
    )


def test_a_component_in_plain_markdown_is_read_but_leaves_indented_code_alone() -> None:
    for extra in ("<Note>\nA note.\n</Note>", "{/* a note\nto self */}", "<YOUR_API_KEY>"):
        tree = read(f"Run:\n\n    make test\n\n{extra}\n\nLater.\n")
        assert tree.root.blocks[:2] == (Paragraph("Run:"), Code("make test")), extra
    placeholder = read("Set the key:\n\n<YOUR_API_KEY>\n")
    assert placeholder.root.blocks == (Paragraph("Set the key:"), Paragraph("\\<YOUR\\_API\\_KEY\\>"))


def test_mdx_by_name_reads_an_indented_first_component_and_recovers_after_a_broken_tag() -> None:
    text = "1. Install\n\n    <Tip>\n    tip text\n    </Tip>\n\n2. Run\n"
    tip = markdown.read("x.mdx", text.encode(), ReadOptions())
    assert Admonition("tip", None, (Paragraph("tip text"),)) in tree_blocks(tip)
    broken = "<Zz title={foo>\n\nPara one.\n\n<Note>\nImportant note.\n</Note>\n"
    tree = markdown.read("x.mdx", broken.encode(), ReadOptions())
    assert Admonition("note", None, (Paragraph("Important note."),)) in tree.root.blocks


def test_an_indented_list_in_mdx_keeps_its_items() -> None:
    text = (
        '<Accordion title="Why 403">\n    Check:\n\n    - Token auth is on.\n    - Domains are limited.\n</Accordion>\n'
    )
    mdx = markdown.read("x.mdx", text.encode(), ReadOptions())
    lists = [b for b in tree_blocks(mdx) if isinstance(b, ListBlock)]
    assert [len(b.items) for b in lists] == [2]
    # CommonMark's reading stays in plain Markdown: its "- e" four spaces in is text of "d".
    plain = read("- a\n - b\n  - c\n   - d\n    - e\n")
    [lst] = [b for b in tree_blocks(plain) if isinstance(b, ListBlock)]
    assert len(lst.items) == 4 and lst.items[3] == (Paragraph("d - e"),)


def test_a_component_inside_a_list_item_stays_in_the_item() -> None:
    text = "1. Install it.\n\n   <Warning>\n     Keep tokens secret.\n   </Warning>\n\n2. Run it.\n"
    for name in ("x.mdx", "x.md"):
        [lst] = markdown.read(name, text.encode(), ReadOptions()).root.blocks
        assert isinstance(lst, ListBlock) and len(lst.items) == 2, name
        assert lst.items[0][1] == Admonition("warning", None, (Paragraph("Keep tokens secret."),))


def test_a_component_opening_a_list_item_or_a_quote_line_keeps_its_content() -> None:
    # CommonMark read "- <Note>" as an item holding an HTML block: the note's text went with it.
    note = Admonition("note", None, (Paragraph("Keep it."),))
    item = markdown.read("x.mdx", b"- <Note>\n  Keep it.\n  </Note>\n- Next.\n", ReadOptions()).root.blocks
    assert item == (ListBlock(((note,), (Paragraph("Next."),))),)
    quote = markdown.read("x.md", b"> <Note>\n> Keep it.\n> </Note>\n", ReadOptions()).root.blocks
    assert quote == (Quote((note,)),)
    deep = markdown.read("x.mdx", b'> 1. <Step title="Install">\n>    Keep it.\n>    </Step>\n', ReadOptions())
    assert prose(deep) == "Install\nKeep it."


def test_a_box_closed_outside_the_item_it_opened_in_leaves_no_marker() -> None:
    # The closing tag at the margin is outside the item: its container marker closed nothing
    # and stood as text ("Keep it. ::::::::"), on its own or continuing a paragraph.
    for text in (
        "- <Note>\n  Keep it.\n</Note>\n",
        "> <Note>\n> Keep it.\n\n</Note>\n",
        "- a\n\n  <Tip>\n  Keep it.\n\n- b\n</Tip>\n",
    ):
        tree = markdown.read("x.mdx", text.encode(), ReadOptions())
        assert "::" not in repr(tree_blocks(tree)) and "Keep it." in prose(tree), text
    assert prose(read("Ratio\n\na :: b\n\n:::\n")) == "Ratio\na :: b\n:::"  # an author's colons stay


def test_a_titled_component_on_one_line_keeps_its_title() -> None:
    # Its title was an attribute of inline HTML, dropped; only the text between the tags stayed.
    text = (
        "<Steps>\n"
        '<Step title="Install *it*">Run the `installer`.</Step>\n\n'
        '\t<TabItem label="Moons">Io, Europa</TabItem>\n\n'
        "- <Accordion title='Why?'>Because.</Accordion>\n\n"
        "<Tip>Keep it short.</Tip>\n\n"
        '<Tab title="a">A</Tab> <Tab title="b">B</Tab>\n'
        "</Steps>\n"
    )
    blocks = markdown.read("x.mdx", text.encode(), ReadOptions()).root.blocks
    assert blocks == (
        Paragraph("**Install \\*it\\*** — Run the `installer`."),
        Paragraph("**Moons** — Io, Europa"),
        ListBlock(((Paragraph("**Why?** — Because."),),)),
        Paragraph("Keep it short."),
        Paragraph("A B"),
    )


def test_an_mdx_tag_may_span_a_blank_line_in_an_expression_and_take_an_html_name() -> None:
    # Starlight's <Code code={`…`} /> holds a template literal of Markdown with a blank line:
    # the tag was no tag, and it leaked as text ("<Code slot=… code={`## Welcome …").
    text = 'Before.\n\n<Code\n\tcode={`## Welcome\n\nHello from **space**!`}\n\tlang="md"\n/>\n\nAfter.\n'
    tree = markdown.read("x.mdx", text.encode(), ReadOptions())
    assert tree.root.blocks == (Paragraph("Before."), Paragraph("After."))
    boxed = markdown.read("x.mdx", b'<Video src="a.mp4" />\n<Button title="Go">\nText.\n</Button>\n', ReadOptions())
    assert boxed.root.blocks == (Paragraph("**Go**"), Paragraph("Text."))
    # Outside MDX an HTML name stays HTML.
    assert prose(read('<Button title="Go">\nHidden by HTML.\n</Button>\n\nAfter.\n')) == "After."


def test_mdx_strings_are_their_text_and_fragments_show_nothing() -> None:
    # Nextra: "{'Become a Sponsor'}" in a button, "<>[![logo](…)](…)</>" in cards, "©{' '}".
    text = "<>[![logo](a.png)](https://x.org) Linked</>\n\n{'Become a *Sponsor*'}\n\nMIT ©{' '}\n<b>Nextra</b>. Use `{'x'}`.\n"
    blocks = markdown.read("x.mdx", text.encode(), ReadOptions()).root.blocks
    assert blocks == (
        Paragraph("Linked"),
        Paragraph("Become a \\*Sponsor\\*"),
        Paragraph("MIT © Nextra. Use `{'x'}`."),
    )
    assert prose(read("a <> b {'c'}\n")) == "a <> b {'c'}"  # in plain Markdown, text as written


def test_inline_code_drops_rehype_pretty_codes_language() -> None:
    # Nextra highlights `search: false{:js}` as JavaScript: the "{:js}" is not shown.
    tree = read("Set `search: false{:js}` or `'a'{:.string}`; keep `{:js}` and `a {:b c}`.\n")
    assert tree.root.blocks == (Paragraph("Set `search: false` or `'a'`; keep `{:js}` and `a {:b c}`."),)


def test_a_self_closing_link_card_is_its_link() -> None:
    # Starlight's <LinkCard> (Nextra's <Cards.Card>) shows its title as a link, with its
    # description; self-closing, it was dropped. Docusaurus' <DocCardList /> has nothing to read.
    text = (
        "## Next\n\n"
        '<LinkCard\n\ttitle="Customizing *Starlight*"\n\tdescription="Make it yours."\n\thref="/guides/customization/"\n/>\n'
        '- <Cards.Card title="Components" href="/components/" />\n\n'
        '<Cards.Card title="No page" href={href} />\n<DocCardList />\n<Badge text="New" />\n'
    )
    [section] = markdown.read("x.mdx", text.encode(), ReadOptions()).root.children
    assert section.blocks == (
        Paragraph("Customizing \\*Starlight\\* — Make it yours."),
        ListBlock(((Paragraph("Components"),),)),
    )
    assert section.links == (("/guides/customization/", "Customizing *Starlight*"), ("/components/", "Components"))


def test_nextra_tabs_give_their_items_to_their_tabs_in_order() -> None:
    # Nextra names a set's tabs in the set (<Tabs items={[…]}>), not in each <Tabs.Tab>.
    text = (
        "<Tabs items={['npm', \"Server `builds`\", <b>JSX</b>, 'pnpm',]}>\n"
        "  <Tabs.Tab>\n  ```sh\n  npm i next\n  ```\n  </Tabs.Tab>\n"
        "  <Tabs.Tab>\n  Build on a server.\n  </Tabs.Tab>\n"
        "  <Tabs.Tab>\n  No label to give.\n  </Tabs.Tab>\n"
        "  <Tabs.Tab>\n  Use pnpm.\n  </Tabs.Tab>\n"
        "  <Tabs.Tab>\n  One too many.\n  </Tabs.Tab>\n"
        "</Tabs>\n\n<Tab>\nOutside any set.\n</Tab>\n"
    )
    blocks = markdown.read("x.mdx", text.encode(), ReadOptions()).root.blocks
    assert blocks == (
        Paragraph("**npm**"),
        Code("npm i next", "sh"),
        Paragraph("**Server builds**"),
        Paragraph("Build on a server."),
        Paragraph("No label to give."),
        Paragraph("**pnpm**"),
        Paragraph("Use pnpm."),
        Paragraph("One too many."),
        Paragraph("Outside any set."),
    )
    unclosed = markdown.read("x.mdx", b"<Tabs items={['a', 'b'}>\n<Tab>\nText.\n</Tab>\n", ReadOptions())
    assert unclosed.root.blocks == (Paragraph("Text."),)


def test_a_fence_title_leads_its_code() -> None:
    text = '```js title="jest.config.js" {1,3}\nmodule.exports = {};\n```\n\n```bash npm\nnpm i x\n```\n'
    md = markdown.read("x.md", text.encode(), ReadOptions()).root.blocks
    assert md == (Paragraph("**jest.config.js**"), Code("module.exports = {};", "js"), Code("npm i x", "bash"))
    mdx = markdown.read("x.mdx", text.encode(), ReadOptions()).root.blocks  # Mintlify: "bash npm"
    assert mdx == md[:2] + (Paragraph("**npm**"), Code("npm i x", "bash"))
    plain = markdown.read("x.mdx", b'```python linenums="1"\nx = 1\n```\n', ReadOptions()).root.blocks
    assert plain == (Code("x = 1", "python"),)


def test_fence_markers_and_flags_are_no_title_but_a_nextra_filename_is() -> None:
    # Nextra writes ```js filename="app/layout.jsx" and flags (npm2yarn, copy); Starlight's
    # Expressive Code marks text ('syncKey="x"', /word/, ins={3}): no title, but they stood as one.
    fences = {
        '```js filename="app/layout.jsx" copy\n': "**app/layout.jsx**",
        "```bash npm2yarn showLineNumbers\n": None,
        '```mdx \'syncKey="constellations"\' /Tabs/ ins={3} "x"\n': None,
        "```bash /etc/hosts {2}\n": "**/etc/hosts**",
    }
    for fence, label in fences.items():
        blocks = markdown.read("x.mdx", (fence + "npm i x\n```\n").encode(), ReadOptions()).root.blocks
        assert blocks[-1] == Code("npm i x", fence[3:].split()[0]), fence
        assert [b.md for b in blocks[:-1] if isinstance(b, Paragraph)] == ([label] if label else []), fence


def test_mdx_titles_read_as_shown() -> None:
    text = (
        '<TabItem value="npm">\nnpm i\n</TabItem>\n\n'
        '<Accordion title="Line one\n  line two">\nBody.\n</Accordion>\n\n'
        '<Step title={"It\'s done"}>\nDone.\n</Step>\n'
    )
    blocks = markdown.read("x.mdx", text.encode(), ReadOptions()).root.blocks
    assert [b.md for b in blocks if isinstance(b, Paragraph) and b.md.startswith("**")] == [
        "**npm**",
        "**Line one line two**",
        "**It's done**",
    ]


def test_generic_hugo_boxes_take_their_kind_from_the_argument() -> None:
    tree = read("""\
        {{< hint warning >}}
        Mind the gap.
        {{< /hint >}}

        {{< alert color="danger" title="Stop" >}}
        Do not.
        {{< /alert >}}

        {{% note %}}
        Never closed, so no box.
        """)
    assert tree.root.blocks == (
        Admonition("warning", None, (Paragraph("Mind the gap."),)),
        Admonition("danger", "Stop", (Paragraph("Do not."),)),
        Paragraph("Never closed, so no box."),
    )


def test_text_nested_past_the_parsers_limit_is_noted_not_dropped_silently() -> None:
    # markdown-it stops at its nesting limit and drops what is deeper without a word.
    deep_list = "".join("  " * i + f"- item {i}\n" for i in range(12))
    tree = read(f"# Doc\n\nIntro.\n\n{deep_list}")
    assert "item 8" in repr(tree_blocks(tree))  # what is within the limit stays
    assert any("nested too deeply" in n for n in tree.notes)
    assert not read("# Doc\n\n- a\n  - b\n\n> quote\n").notes
    with pytest.raises(KnowledgeError, match="nested too deeply"):
        read(">" * 30 + " deep quote\n")


def test_a_huge_table_is_parsed_in_pieces_each_with_its_header(monkeypatch: pytest.MonkeyPatch) -> None:
    # markdown-it makes ~4 tokens of a few hundred bytes per cell: a 1 MB table of short
    # cells took 650 MB to parse in one piece, and the memory grew with the file.
    monkeypatch.setattr(markdown, "_CHUNK_CHARS", 200)
    head = "| Name | Room |\n|---|---|\n"
    rows = "".join(f"| person {i} | R{i} |\n" for i in range(60))
    text = f"# People\n\nWho sits where.\n\n{head}{rows}\nAfter the table.\n"
    chunks = [c for _, c in markdown._chunks(text)]
    assert len(chunks) > 3 and max(len(c) for c in chunks) < 200 + 2 * len(head)
    assert all(c.startswith(head) for c in chunks[1:])
    tables = [b for b in tree_blocks(read(text)) if isinstance(b, Table)]
    assert [r for t in tables for r in t.rows] == [(f"person {i}", f"R{i}") for i in range(60)]
    assert {t.header for t in tables} == {("Name", "Room")}
    assert "After the table." in prose(read(text))


def test_a_big_file_without_headings_is_parsed_in_pieces_and_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pieces were cut before top-level headings only: 5 MB of heading-less prose took
    # 220 MB to parse at once (20 MB: ~900 MB).
    parts = [
        "Plain paragraph one with *emphasis* and a [link][ref].",
        "- a loose list item\n\n  its second paragraph\n- another item",
        "> a quote\n>\n> over two paragraphs",
        "<!-- a comment\n\nOver two paragraphs: Hidden text.\n\n-->",
        "<pre>\nraw block\n\nWith a blank line\n</pre>",
        "    indented code\n\n    after a blank line",
        "Setext title\n------------",
        "Term\n: its definition",
        "1. ordered\n\n2. loose",
    ]
    text = "\n\n".join(f"{p}\n\nFiller paragraph {i} that is plain prose." for i in range(12) for p in parts)
    text += "\n\n[ref]: https://example.org\n"
    whole = tree_blocks(read(text))
    for size in range(40, 400, 7):  # pieces cut at every place the rule allows
        monkeypatch.setattr(markdown, "_CHUNK_CHARS", size)
        assert len(list(markdown._chunks(text))) > 10
        assert tree_blocks(read(text)) == whole, size
    assert "Hidden text" not in repr(whole) and "raw block" not in repr(whole)


def _links(section: Section) -> list[tuple[str, str]]:
    return [*section.links, *(link for child in section.children for link in _links(child))]


def test_reference_links_of_a_file_read_in_pieces_keep_their_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    # The labels collected for all pieces carried no target, and markdown-it keeps the first
    # definition: in a big file every reference-style link had href "" and was not recorded.
    text = "".join(
        f"## S{i}\n\nSee [part {i}][p{i}] and [the end][last].\n\n[p{i}]: <page {i}.md#x>\n\n" for i in range(20)
    )
    text += "[last]: end.md#top\n[last]: other.md\n"
    whole = _links(read(text).root)
    assert ("page%200.md#x", "part 0") in whole and ("end.md#top", "the end") in whole
    monkeypatch.setattr(markdown, "_CHUNK_CHARS", 200)
    assert len(list(markdown._chunks(text))) > 3
    assert _links(read(text).root) == whole


def test_footnotes_of_a_file_read_in_pieces_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # A footnote defined in a later piece than its reference (notes at the end of a long
    # page) was dropped as unreferenced there, and its reference read as "[^n]".
    filler = "".join(f"Filler paragraph {i} plain prose.\n\n" for i in range(40))
    text = f"## One\n\nIntro with a note[^n] here.\n\n## Two\n\n{filler}[^n]: The footnote text.\n"
    whole = tree_blocks(read(text))
    assert Paragraph(r"\[n\] The footnote text.") in whole and Paragraph(r"Intro with a note\[n\] here.") in whole
    monkeypatch.setattr(markdown, "_CHUNK_CHARS", 200)
    assert len(list(markdown._chunks(text))) > 3
    assert tree_blocks(read(text)) == whole


# --- MyST (Markdown for Sphinx) --------------------------------------------------------------

MYST = """\
    # Options

    (option-counting)=
    ## Counting

    Set `count=True`. See {ref}`the flags <option-flags>`, {func}`~click.echo` and {kbd}`Ctrl+C`.

    ```{note}
    Short option names are **not** combined.
    ```

    ```{versionadded} 4.0
    The tuple form.
    ```

    ```{code-block} python
    :caption: example
    :linenos:

    @click.option("-v", count=True)
    ```

    ```{toctree}
    :maxdepth: 2

    quickstart
    ```

    :::{tip}
    :class: hint
    Longer names read better.
    :::

    ````{tab-set}
    ```{tab-item} pip
    Install with pip.
    ```
    ```{tab-item} uv
    Install with uv.
    ```
    ````

    (option-flags)=
    ## Boolean flags

    % a comment Sphinx never shows
    Flags are on or off.
    """


def test_myst_directives_read_as_sphinx_shows_them() -> None:
    tree = read(MYST)
    counting, flags = tree.root.children
    blocks = tree_blocks(tree)
    assert [b.lang for b in blocks if isinstance(b, Code)] == ["python"]  # toctree dropped, options too
    (code,) = [b for b in blocks if isinstance(b, Code)]
    assert code.text == '@click.option("-v", count=True)'
    boxes = {b.kind: b for b in counting.blocks if isinstance(b, Admonition)}
    assert set(boxes) == {"note", "tip"}
    assert to_plain(boxes["tip"].blocks[0].md) == "Longer names read better."  # ":class: hint" is no text
    text = prose(tree)
    assert "Short option names are not combined." in text  # a box's body is prose, not code
    assert "New in version 4.0" in render(tree) and "The tuple form." in text
    assert "**pip**" in render(tree) and "Install with uv." in text  # tabs unboxed behind their label
    assert "quickstart" not in text and "maxdepth" not in render(tree)
    assert "comment" not in render(tree)
    assert flags.labels == ("option-flags",) and counting.labels == ("option-counting",)


def test_myst_roles_read_as_their_text_and_refs_are_links() -> None:
    tree = read(MYST)
    counting = tree.root.children[0]
    first = to_plain(counting.blocks[0].md)
    assert first == "Set count=True. See the flags, echo and Ctrl+C."
    assert "`echo`" in counting.blocks[0].md  # a code role reads as code
    assert ("ref:option-flags", "the flags") in counting.links


def test_a_percent_line_is_text_outside_myst() -> None:
    assert prose(read("# Guide\n\n%APPDATA% holds the settings.\n")) == "%APPDATA% holds the settings."


@pytest.mark.parametrize(
    ("text", "myst"),
    [
        ("See {func}`open`.", True),
        ("(my-label)=\n# X", True),
        ("(contribute/testing)=\n# Testing", True),  # sphinx-book-theme's docs: a label like a path
        ("```{note}\nx\n```", True),
        (":::{tip}\nx\n:::", True),
        ("Run `repair --dest {dest_dir} {wheel}` on each wheel.", False),  # placeholders, no role
        ("Wheels are named `py3-none-{platform}`.", False),
        ("%APPDATA% holds the settings.", False),
        ("```python\nx = {a}\n```", False),
        ("```{python}\nprint(1)\n```", False),  # Quarto / R Markdown: a language in braces
        ("```{r}\nsummary(x)\n```", False),
        ("```{py:function} open(file)\nOpens it.\n```", True),
        ("```{code-cell} ipython3\nx = 1\n```", True),
        ("::::{dropdown} More\nx\n::::", True),
    ],
)
def test_myst_is_recognised_by_its_own_syntax(text: str, myst: bool) -> None:
    assert markdown._is_myst(text) is myst


def test_myst_directives_nested_past_the_limit_stay_code() -> None:
    depth = 20
    text = "# Deep\n\n"
    for k in range(depth):
        text += "`" * (3 + depth - k) + "{note}\n"
    text += "Inside.\n"
    for k in reversed(range(depth)):
        text += "`" * (3 + depth - k) + "\n"
    tree = markdown.read("doc.md", text.encode(), ReadOptions())  # no RecursionError, nothing lost
    assert "Inside." in prose(tree) + " ".join(b.text for b in tree_blocks(tree) if isinstance(b, Code))


def render(tree: DocTree) -> str:
    from bot.documents.passages import render_blocks

    return "\n".join(render_blocks(s.blocks) for _, s in walk_sections(tree.root))


@pytest.mark.parametrize("run", ["<", " "])
def test_a_role_full_of_angle_brackets_or_spaces_reads_in_linear_time(run: str) -> None:
    import time

    from bot.documents import sphinx

    text = "a" + run * 100_000 + "b"
    start = time.monotonic()
    assert sphinx.shown_text(text) == text and sphinx.ref_label("ref", text) == text
    assert time.monotonic() - start < 2  # quadratic: minutes
    assert sphinx.shown_text("Title <target>") == "Title" and sphinx.ref_label("ref", "Title <target>") == "target"


@pytest.mark.parametrize(
    ("text", "shown", "label"),
    [
        ("Title <target>", "Title", "target"),
        ("Title  <a<b>", "Title  <a", "b"),
        ("<target>", "<target>", "<target>"),
        ("  <target>", "  <target>", "<target>"),
        ("Title \x00<target>", "Title \x00<target>", "Title \x00<target>"),
        ("Title <target>\n", "Title", "target"),
    ],
)
def test_explicit_titles_split_as_sphinx_splits_them(text: str, shown: str, label: str) -> None:
    from bot.documents import sphinx

    assert (sphinx.shown_text(text), sphinx.ref_label("ref", text)) == (shown, label)


def test_a_percent_line_is_text_beside_a_language_fence_in_braces() -> None:
    text = "# Guide\n\n```{python}\nprint(1)\n```\n\n%APPDATA% holds the settings.\n"
    assert prose(read(text)) == "%APPDATA% holds the settings."


def test_myst_colon_fence_options_as_a_yaml_block_are_no_text() -> None:
    text = "# T\n\nSee {ref}`x`.\n\n:::{note}\n---\nclass: tip\nname: my-note\n---\nText in the note.\n:::\n"
    tree = read(text)
    assert prose(tree) == "See x.\nText in the note."
    assert "class" not in render(tree)


@pytest.mark.parametrize(
    "body",
    [
        "{code-block} python\n:linenos:\n\n# not a heading\nx = *y*\n\n- not a list",
        "{code-cell} ipython3\nprint(1)",
        "{eval-rst}\n.. note:: RST, shown as written",
        "{code-block} jinja\n{% raw %}\n{% if user %}Hello {{ user }}{% endif %}",  # template tags are code
    ],
)
@pytest.mark.parametrize("lead", ["See {ref}`x`.", "Plain text."])
def test_a_myst_colon_fence_of_code_reads_as_its_backtick_form(body: str, lead: str) -> None:
    """`:::{code-block} python` was read as a box of prose: its "# comment" a heading, its code
    as paragraphs."""
    colon = read(f"# T\n\n{lead}\n\n:::{body}\n:::\n\nAfter.\n")
    backtick = read(f"# T\n\n{lead}\n\n```{body}\n```\n\nAfter.\n")
    assert tree_blocks(colon) == tree_blocks(backtick)
    assert any(isinstance(b, Code) for b in tree_blocks(colon))


@pytest.mark.parametrize("name", ["{div} note-box", "{prf:theorem} Pythagoras", "{highlight-me} text"])
def test_a_colon_fence_no_table_names_is_prose(name: str) -> None:
    """MyST recommends colon fences for directives whose body is Markdown: an unknown name
    (`:::{div}`, sphinx-proof's `:::{prf:theorem}`) reads as prose, not as a code block."""
    blocks = tree_blocks(read(f"# T\n\n:::{name}\nSome **bold** prose.\n:::\n"))
    assert not any(isinstance(b, Code) for b in blocks)
    assert "Some **bold** prose." in str(blocks)


def test_a_myst_colon_fence_of_code_inside_a_box_or_a_list_is_code() -> None:
    text = (
        "# T\n\n::::{note}\nRun:\n:::{code-block} python\n# setup\nx = 1\n:::\n::::\n\n"
        "- item\n\n  :::{code-block} python\n  y = 2\n      z = 3\n  :::\n"
    )
    box, listed = read(text).root.blocks
    assert isinstance(box, Admonition) and box.blocks[1] == Code(text="# setup\nx = 1", lang="python")
    assert isinstance(listed, ListBlock) and listed.items[0][1] == Code(text="y = 2\n    z = 3", lang="python")


@pytest.mark.parametrize(
    "text",
    [
        "# T\n\n```{admonition} My *title* with a_b\nBody.\n```\n",
        "# T\n\n:::{admonition} My *title* with a_b\nBody.\n:::\n",
        "# T\n\n::: warning My *title* with a_b\nBody.\n:::\n",
    ],
)
def test_a_box_title_on_a_fence_line_reads_its_markup_as_a_heading_does(text: str) -> None:
    """`{admonition} My *title*` showed its asterisks: the title was escaped as written."""
    (box,) = read(text).root.blocks
    assert isinstance(box, Admonition) and box.title == r"My title with a\_b"


def test_text_on_a_myst_fence_line_reads_its_markup() -> None:
    text = (
        "# T\n\n```{note} See *this*.\n```\n\n```{versionadded} 4.0 The *tuple* form.\n```\n\n"
        "````{tab-set}\n```{tab-item} **pip**\nInstall.\n```\n````\n"
    )
    note, version, label, _ = read(text).root.blocks
    assert isinstance(note, Admonition) and note.blocks == (Paragraph("See *this*."),)
    assert isinstance(version, Admonition) and version.blocks == (Paragraph("The *tuple* form."),)
    assert label == Paragraph("**pip**")  # a tab's label in bold once, not "****pip****"


def test_a_colon_fence_with_an_unclosed_yaml_block_keeps_its_text() -> None:
    text = "# T\n\n:::{note}\n---\nText in the note.\n:::\n"
    assert "Text in the note." in prose(read(text))


def test_a_myst_target_inside_a_box_or_list_names_the_section_holding_it() -> None:
    text = (
        "# Page\n\n## First\n\nSee {ref}`x`.\n\n```{note}\n(in-note)=\nA note.\n```\n\n"
        "- item\n\n  (in-list)=\n\n  more\n\n## Second\n\nOther text.\n"
    )
    first, second = read(text).root.children
    assert first.labels == ("in-note", "in-list") and second.labels == ()


@pytest.mark.parametrize(
    "text",
    [
        "# T\n\n## A\n\nFirst.\n\n## B\n\n```{note}\nSee the spec[^1].\n```\n\nText.\n\n[^1]: The spec text.\n",
        "# T\n\n## A\n\nFirst.\n\n## B\n\n```{note}\nSee the spec[^1].\n\n[^1]: The spec text.\n```\n\nText.\n",
        "# T\n\n## A\n\nFirst.\n\n## B\n\n````{tab-set}\n```{tab-item} pip\nSee the spec[^1].\n\n[^1]: The spec text.\n```\n````\n",
    ],
)
def test_a_footnote_referenced_or_defined_in_a_myst_directive_is_kept_in_its_section(text: str) -> None:
    a, b = read(text).root.children
    assert "The spec text." in prose_of(b.blocks) and "spec text" not in prose_of(a.blocks)
    assert prose(read(text)).count("The spec text.") == 1


def test_a_footnote_used_in_two_myst_directives_is_kept_once() -> None:
    text = "# T\n\n```{note}\nIn[^2].\n```\n\n```{tip}\nAgain[^2].\n\n[^2]: Two.\n```\n"
    assert prose(read(text)) == "In[2].\nAgain[2].\n[2] Two."


def test_inline_footnotes_are_each_kept_under_the_number_their_reference_shows() -> None:
    assert prose(read("# T\n\nText^[inline one] and^[inline two].\n")) == (
        "Text[0] and[1].\n[0] inline one\n[1] inline two"
    )


def prose_of(blocks: tuple[Block, ...]) -> str:
    from bot.documents.passages import render_blocks

    return render_blocks(blocks)


@pytest.mark.parametrize("name", ["margin", "exercise", "solution"])
def test_myst_prose_directives_of_the_book_theme_read_as_prose(name: str) -> None:
    tree = read(f"# T\n\n```{{{name}}}\nSide text about *this*.\n```\n")
    assert prose(tree) == "Side text about this." and not [b for b in tree_blocks(tree) if isinstance(b, Code)]


def test_a_myst_ref_without_a_title_shows_the_title_of_the_section_its_label_names() -> None:
    # MyST-Parser's docs (syntax/reference.md): "See {ref}`syntax/directives` for more
    # details." shows "Directives - a block-level extension point", as Sphinx's :ref: does.
    tree = read(
        """\
        # Tokens

        See {ref}`Extended-Block-Tokens`, {ref}`the list <extended-block-tokens>`,
        {ref}`syntax/directives` and {ref}`gone`.

        (extended-block-tokens)=
        ## Extended *block* tokens

        Text.

        (not-a-section)=
        A paragraph.
        """,
        ref_titles={"syntax/directives": "Directives", "extended-block-tokens": "Stale"},
    )
    (first,) = [b for b in tree.root.blocks if isinstance(b, Paragraph)]
    assert to_plain(first.md) == "See Extended block tokens, the list, Directives and gone."
    assert tree.label_titles == (("extended-block-tokens", "Extended block tokens"),)
    assert tree.ref_titles == (("gone", None), ("syntax/directives", "Directives"))  # what a build checks
    assert ("ref:syntax/directives", "Directives") in tree.root.links


def test_a_myst_doc_without_a_title_shows_the_pages_title() -> None:
    tree = markdown.read(
        "guide/page.md",
        b"# Page\n\nSee {doc}`../intro`, {doc}`the intro <../intro>` and {doc}`/missing/page`.\n\n"
        b"```{note}\nBack to {doc}`/intro`.\n```\n",
        ReadOptions(ref_titles={"doc:/intro": "Get Started"}),
    )
    assert prose(tree) == "See Get Started, the intro and page.\nBack to Get Started."
    assert tree.ref_titles == (("doc:/intro", "Get Started"), ("doc:/missing/page", None))


def test_a_myst_link_without_text_shows_the_title_of_what_it_names() -> None:
    # MyST-Parser's "implicit text" (docs/syntax/cross-referencing.md): `[](#label)`,
    # `<project:#label>`, `[](../intro.md)` and a bare `[](syntax/roles)` show the title of the
    # section or page; unknown, the destination itself. A link with text keeps it.
    tree = markdown.read(
        "guide/page.md",
        b"# Page\n\n(own-part)=\n## Own part\n\n"
        b"See [](#own-part), [](<#Other Label>), <project:#own-part>, [](../intro.md), [](margin:block),"
        b" [](#nowhere), [](xref:guide/math), [](https://example.com) and [the part](#own-part).\n",
        ReadOptions(ref_titles={"other label": "Other", "doc:/intro": "Get started", "margin:block": "Margins"}),
    )
    (section,) = tree.root.children
    assert to_plain(section.blocks[0].md) == (
        "See Own part, Other, Own part, Get started, Margins, nowhere, guide/math, https://example.com and the part."
    )
    assert ("../intro.md", "Get started") in section.links and ("#nowhere", "nowhere") not in section.links
    assert tree.ref_titles == (
        ("doc:/intro", "Get started"),
        ("margin:block", "Margins"),
        ("nowhere", None),
        ("other label", "Other"),
    )
    plain = read("# Page\n\nSee [](#own-part) here.\n")  # not MyST: nothing to show, as before
    assert to_plain(plain.root.blocks[0].md) == "See here."


def test_myst_literalinclude_shows_the_part_its_options_pick() -> None:
    # MyST-Parser's docs (syntax/code_and_apis.md): options as ":key: value" lines or as a
    # YAML block, the same as RST's (documents/literalinclude.py).
    files = {"examples/example.py": '"""Doc."""\n\n# start example\nclass MyClass:\n    x = 1\n# end example\n'}
    asked: list[str] = []

    def opener(path: str) -> str | None:
        asked.append(path)
        return files.get(path)

    tree = read(
        """\
        # Code

        ```{literalinclude} examples/example.py
        :start-after: start example
        :end-before: end example
        :language: python
        ```

        ```{literalinclude} examples/example.py
        ---
        lines: 1
        caption: The *example*
        ---
        ```

        :::{literalinclude} examples/example.py
        :pyobject: MyClass
        :dedent:
        :::

        ```{literalinclude} missing.py
        ```
        """,
        related=opener,
    )
    assert tree.root.blocks == (
        Code("class MyClass:\n    x = 1", "python"),
        Paragraph("**The example**"),
        Code('"""Doc."""'),
        Code("class MyClass:\n    x = 1"),
    )
    assert asked == ["examples/example.py"] * 3 + ["missing.py"]
    no_opener = read("# Code\n\nText.\n\n```{literalinclude} examples/example.py\n```\n")
    assert no_opener.root.blocks == (Paragraph("Text."),)


def test_myst_autodoc_content_written_in_the_source_is_kept() -> None:
    # As in RST: the docstring is not in the source, what is written under the directive is.
    tree = read(
        """\
        # API

        ```{autoclass} pkg.Request(url)
        :members:

        A Request represents an HTTP request.
        ```

        :::{autofunction} pkg.configure
        :noindex:
        Sets *logging* up.
        :::

        ```{autoclass} pkg.Response
        :members:
        ```

        Kept.
        """
    )
    assert tree.root.blocks == (
        Paragraph("**`pkg.Request(url)`**"),
        Paragraph("A Request represents an HTTP request."),
        Paragraph("**`pkg.configure`**"),
        Paragraph("Sets *logging* up."),
        Paragraph("Kept."),
    )


def test_tables_over_the_cell_limit_are_refused_counting_the_cells_short_rows_are_filled_with(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A 500-column header over 3,000 rows of a few cells each: 1.5 M cells, mostly the
    # empty ones markdown-it fills short rows with, ran into the time limit (3.8 MB).
    monkeypatch.setattr(markdown, "_MAX_TABLE_CELLS", 60)
    wide = "|" + "|".join(f"h{i}" for i in range(20)) + "|\n|" + "---|" * 20 + "\n"
    with pytest.raises(KnowledgeError, match="tables are too big"):
        read("# T\n\n" + wide + "|a|\n" * 3)
    # The budget is the file's, not a table's nor a piece's.
    small = "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
    assert read(small * 10).root.blocks == (Table(("a", "b"), (("1", "2"),)),) * 10
    with pytest.raises(KnowledgeError, match="tables are too big"):
        read(small * 11)


def test_a_table_still_ends_a_paragraph() -> None:
    tree = read("Some text\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert tree.root.blocks == (Paragraph("Some text"), Table(("a", "b"), (("1", "2"),)))
