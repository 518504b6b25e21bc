"""Passages with structure (Passage.markdown) rendered for Discord and the terminal:
code fenced with its language, lists as lists, inline markup kept, highlights only in prose,
long code shortened at line ends with the fence closed, lead-ins bringing their code."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answer import Answer, Citation, Result
from bot.documents.inline import escape, to_plain
from bot.knowledge import Passage
from bot.rendering.markdown import markup_states, truncate, units
from bot.rendering.messages import (
    render_answer,
    render_full_passage,
    render_more_results,
)
from bot.rendering.passage import fit_code, fit_passage, parse_blocks, snippet_markdown
from bot.rendering.reply import DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT, FIELD_VALUE_LIMIT
from bot.rendering.terminal import TerminalStyle, display_width, render_terminal
from bot.retrieval.snippets import Snippet

LEAD = (
    "Poetry keeps **virtual environments** outside the project. To create them inside the "
    "project, set `virtualenvs.in-project` and install it with:"
)
CODE = "```bash\npoetry config virtualenvs.in-project true\npoetry install\n```"
LIST = (
    "- `--no-root` skips installing the project itself\n"
    "  - useful for *libraries* in CI\n"
    "- `--sync` removes packages that are not in the lock file"
)
MD = f"{LEAD}\n\n{CODE}\n\nThe install command accepts options:\n\n{LIST}"


def passage(md: str, *, number: int = 2, title: str = "Managing environments") -> Passage:
    text = to_plain(md.replace("```bash", "").replace("```", ""))
    sentences = tuple(s.strip() for s in re.split(r"(?<=[.:])\s+", text) if s.strip())
    return Passage(
        "docs/managing-environments.md",
        title,
        None,
        number,
        text,
        sentences,
        section=("Activating the environment",),
        markdown=md,
    )


def highlighted(text: str, *words: str) -> Snippet:
    spans = sorted(m.span() for w in words for m in re.finditer(re.escape(w), text))
    return Snippet(text, tuple(spans))


def result(p: Passage, snippet: Snippet, score: float = 1.0) -> Result:
    c = Citation(p.document, p.title, p.number, p.source, p.section, p.url, p.page)
    return Result(p, c, snippet, score, score, 1.0)


def answer(*results: Result, question: str = "how do I keep the virtualenv in the project?") -> Answer:
    return Answer(question, True, tuple(results), 0.9)


def lead_in_snippet() -> Snippet:
    p = passage(MD)
    text = f"{p.sentences[0]} {p.sentences[1]}"
    return highlighted(text, "project", "virtualenvs", "install", "environments")


def test_answer_embed_of_a_passage_with_code_and_a_list():
    p = passage(MD)
    reply = render_answer(answer(result(p, lead_in_snippet())))
    desc = reply.embeds[0].description
    # Inline markup reads as written: bold and code spans kept, not escaped.
    assert "Poetry keeps **virtual environments** outside" in desc and "\\*\\*" not in desc
    assert "`virtualenvs.in-project`" in desc
    # The best sentence is a lead-in to code: the code comes with it, fenced with its language.
    assert "it with:\n\n```bash\npoetry config virtualenvs.in-project true\npoetry install\n```" in desc
    assert desc.count("```") == 2
    assert "Managing environments › Activating the environment · ¶2" in desc

    full = render_full_passage(result(p, lead_in_snippet())).embeds[0].description
    # The full view shows the whole structure: code block, the list with its nesting.
    assert CODE in full and LIST in full and "The install command accepts options:" in full
    assert full.index(CODE) < full.index(LIST)


def test_highlights_never_go_inside_code_or_existing_markup():
    p = passage(MD)
    desc = render_answer(answer(result(p, lead_in_snippet()))).embeds[0].description
    assert "**project**" in desc and "**install**" in desc  # prose words are highlighted
    assert "`virtualenvs.in-project`" in desc  # ...but not inside a code span
    assert "**virtual environments**" in desc and "****" not in desc  # nor inside bold
    fence = desc[desc.index("```bash") :]
    assert "**" not in fence[: fence.index("```", 3)]  # nor in the code block
    # Every opened markup is closed.
    assert markup_states(desc)[-1] == 0


def test_long_code_is_shortened_at_a_line_end_with_the_fence_closed():
    lines = [f"poetry add package-{i} --group dev" for i in range(200)]
    md = "Add the development tools with:\n\n```bash\n" + "\n".join(lines) + "\n```"
    p = passage(md)
    snip = Snippet(p.sentences[0])
    desc = render_answer(answer(result(p, snip))).embeds[0].description
    assert desc.count("```") == 2 and "```bash\n" in desc
    body = desc.split("```bash\n", 1)[1].split("\n```", 1)[0].split("\n")
    assert 1 <= len(body) < 200 and all(line in lines for line in body)  # whole lines only
    left = 200 - len(body)
    assert f"… {left} more lines" in desc

    full = render_full_passage(result(p, snip))
    fdesc = full.embeds[0].description
    assert units(fdesc) <= DESCRIPTION_LIMIT and fdesc.count("```") == 2
    kept = fdesc.split("```bash\n", 1)[1].split("\n```", 1)[0].split("\n")
    assert all(line in lines for line in kept) and len(kept) > len(body)
    assert "more lines" in fdesc and "shortened to fit Discord" in full.embeds[0].footer


def test_fit_code_and_fit_passage_keep_whole_lines():
    block = parse_blocks("```python\n" + "\n".join(f"x{i} = {i}" for i in range(50)) + "\n```")[0]
    assert block.kind == "code" and block.lang == "python" and len(block.code_lines) == 50
    out = fit_code(block, 10, 10_000)
    assert out.startswith("```python\nx0 = 0\n") and "x9 = 9\n```\n-# … 40 more lines" in out
    text, shortened = fit_passage("Intro.\n\n" + block.md, 120)
    assert shortened and text.count("```") == 2 and units(text) <= 120


def test_blank_lines_inside_a_fence_do_not_split_the_block():
    md = "Run:\n\n```python\ndef f():\n\n    return 1\n```\n\nDone."
    kinds = [(b.kind, b.md) for b in parse_blocks(md)]
    assert kinds == [("text", "Run:"), ("code", "```python\ndef f():\n\n    return 1\n```"), ("text", "Done.")]


def test_scraped_text_stays_escaped_and_cannot_inject_links():
    raw = "Click [here](https://evil.example) or **shout** <@123> now. Ramstein hosts the centre."
    p = passage(escape(raw))  # .txt/HTML readers escape their text
    snip = highlighted(p.text, "Ramstein")
    desc = render_answer(answer(result(p, snip))).embeds[0].description
    assert "\\[here\\]\\(https://evil.example\\)" in desc and "\\*\\*shout\\*\\*" in desc
    assert "**Ramstein**" in desc and "<@123" not in desc
    # No display Markdown at all: the plain text, escaped, as before.
    bare = Passage("a.txt", "A", None, 1, raw, (raw,))
    assert "\\[here\\]" in render_answer(answer(result(bare, Snippet(raw)))).embeds[0].description


def test_snippet_falls_back_to_plain_text_when_sentences_are_not_found():
    p = passage(MD)
    snip = Snippet("A sentence that is nowhere in the passage.")
    assert snippet_markdown(p, snip) == snip.markdown()


def test_further_passages_and_more_results_stay_within_field_limits():
    p = passage(MD)
    other = passage(MD, number=5)
    reply = render_answer(answer(result(p, lead_in_snippet()), result(other, lead_in_snippet(), 0.5)))
    field = reply.embeds[0].fields[0]
    assert units(field.value) <= FIELD_VALUE_LIMIT and field.value.count("```") % 2 == 0
    assert "`virtualenvs.in-project`" in field.value
    more = render_more_results(answer(result(p, lead_in_snippet()), result(other, lead_in_snippet())))
    assert all(f.value.count("```") % 2 == 0 for f in more.embeds[0].fields)


def test_console_draws_code_blocks_and_lists():
    p = passage(MD)
    full = render_full_passage(result(p, lead_in_snippet()))
    out = render_terminal(full, TerminalStyle(width=60))
    lines = out.splitlines()
    assert all(display_width(line) <= 60 for line in lines)
    assert any(line.startswith("│ ╭─ bash") for line in lines)
    assert any(line.startswith("│ │ poetry config virtualenvs.in-project true") for line in lines)
    assert any(line.startswith("│ • `--no-root` skips") for line in lines)
    assert any(line.startswith("│   • useful for libraries in CI") for line in lines)  # nested by 2
    ascii_out = render_terminal(full, TerminalStyle(width=50, ascii=True))
    ascii_out.encode("ascii")
    assert "| | poetry install" in ascii_out


# ------------------------------------------------------------------------------- properties

_word = st.text(alphabet="abcdefgh", min_size=1, max_size=7)


@st.composite
def _inline(draw) -> str:
    words = draw(st.lists(_word, min_size=1, max_size=4))
    kind = draw(st.sampled_from(["plain", "bold", "italic", "code", "escaped"]))
    text = " ".join(words)
    return {
        "plain": text,
        "bold": f"**{text}**",
        "italic": f"*{text}*",
        "code": f"`{text}`",
        "escaped": escape(f"*{text}* [x](y)"),
    }[kind]


@st.composite
def _block(draw) -> str:
    kind = draw(st.sampled_from(["text", "text", "code", "list"]))
    if kind == "code":
        # A line that would close the fence is never inside one: the passage builder makes the
        # fence longer than any backtick run in the code (documents.passages.fence).
        line = st.text(alphabet="abc *`_=()", max_size=30).filter(lambda t: not t.lstrip(" ").startswith("```"))
        lines = draw(st.lists(line, min_size=1, max_size=30))
        return "```python\n" + "\n".join(lines) + "\n```"
    if kind == "list":
        items = draw(st.lists(_inline(), min_size=1, max_size=4))
        return "\n".join(("  " if i % 2 else "") + f"- {x}" for i, x in enumerate(items))
    sentences = draw(st.lists(st.lists(_inline(), min_size=1, max_size=4), min_size=1, max_size=3))
    end = draw(st.sampled_from([".", ":"]))
    return " ".join(" ".join(s) + "." for s in sentences)[:-1] + end


@settings(max_examples=100, deadline=None)
@given(blocks=st.lists(_block(), min_size=1, max_size=5), pick=st.integers(0, 50), hl=st.integers(0, 5))
def test_any_snippet_renders_balanced_markup_and_closed_fences(blocks, pick, hl):
    md = "\n\n".join(blocks)
    p = passage(md)
    sentence = p.sentences[pick % len(p.sentences)]
    words = re.findall(r"[a-h]+", sentence)
    snip = highlighted(sentence, *words[:hl])
    out = snippet_markdown(p, snip)
    assert markup_states(out)[-1] == 0, out  # nothing left open: bold, italic, code, fence
    for m in re.finditer(r"(?s)```python\n(.*?)\n```", out):
        code_lines = [line for b in parse_blocks(md) if b.kind == "code" for line in b.code_lines]
        assert all(line in code_lines for line in m.group(1).split("\n"))  # whole code lines


@settings(max_examples=100, deadline=None)
@given(blocks=st.lists(_block(), min_size=1, max_size=6), limit=st.integers(20, 600))
def test_truncating_balanced_markdown_keeps_it_balanced(blocks, limit):
    md = "\n\n".join(blocks)
    if markup_states(md)[-1] != 0:
        return
    out = truncate(md, limit)
    assert units(out) <= limit and markup_states(out)[-1] == 0, out


def test_sentences_either_side_of_code_and_a_label_are_found_and_shown_as_written():
    # The plain text (what is indexed and split into sentences) leaves out code blocks and
    # admonition labels; the display Markdown has them between the sentences.
    md = (
        "The `install` command reads the `pyproject.toml` file and installs the dependencies.\n\n"
        "```bash\npoetry install\n```\n\n"
        "**Note:** If there is a `poetry.lock` file, it uses the exact versions from there."
    )
    text = (
        "The install command reads the pyproject.toml file and installs the dependencies. "
        "If there is a poetry.lock file, it uses the exact versions from there."
    )
    sentences = (text[: text.index(" If")], text[text.index("If") :])
    p = Passage("docs/cli.md", "Commands", None, 3, text, sentences, section=("install",), markdown=md)
    snip = highlighted(text, "installs", "versions")
    out = snippet_markdown(p, snip)
    assert snippet_markdown(p, snip, fallback=False) == out  # found, not the escaped fallback
    assert "The `install` command reads the `pyproject.toml` file and **installs** the" in out
    assert "```bash\npoetry install\n```" in out  # the code between the two sentences
    assert "**Note:** If there is a `poetry.lock` file, it uses the exact **versions** from there." in out
    assert markup_states(out)[-1] == 0


def test_real_documentation_answers_render_as_written():
    from bot.service import KnowledgeService
    from tests.conftest import shared_file

    root = shared_file("docs-poetry")
    questions = [json.loads(line) for line in shared_file("docs-poetry-questions.jsonl").read_text().splitlines()]
    service = KnowledgeService.open(root)
    if not any(p.markdown for p in service.knowledge.passages):
        pytest.skip("passages carry no display Markdown yet (structure-aware passage builder not merged)")
    fallbacks = code_shown = 0
    for q in questions:
        answer = service.ask(q["q"])
        for r in answer.results:
            if r.passage.markdown and snippet_markdown(r.passage, r.snippet, fallback=False) is None:
                fallbacks += 1
        reply = render_answer(answer)
        assert sum(e.total_chars() for e in reply.embeds) <= EMBED_TOTAL_LIMIT
        for e in reply.embeds:
            assert units(e.description or "") <= DESCRIPTION_LIMIT
            assert all(units(f.value) <= FIELD_VALUE_LIMIT for f in e.fields)
            for part in (e.description or "", *(f.value for f in e.fields)):
                assert markup_states(part)[-1] == 0, part  # fences, code spans, bold all closed
                code_shown += "```" in part
    assert code_shown > 0
    assert fallbacks <= len(questions) // 20, fallbacks  # sentences are found in the Markdown


def test_code_inside_list_items_and_quotes_is_cut_and_closed_as_it_was_opened():
    lines = "\n".join(f"  echo step {i}" for i in range(40))
    md = f"- Run the steps:\n  ```bash\n{lines}\n  ```\n- Then check the output."
    out = truncate(md, 200)
    assert "\n  ```\n…" in out and markup_states(out)[-1] == 0  # the list item's own fence
    quoted = "> Run:\n> ```bash\n" + "\n".join(f"> echo {i}" for i in range(40)) + "\n> ```"
    out = truncate(quoted, 120)
    assert "\n> ```\n…" in out and markup_states(out)[-1] == 0


def test_a_markdown_file_read_built_and_rendered(tmp_path):
    """The whole way: a Markdown file through the reader and passage builder to the embed."""
    from bot.service import KnowledgeService

    kdir = tmp_path / "knowledge"
    kdir.mkdir()
    (kdir / "setup.md").write_text(
        "# Project setup\n\n## Installing the toolchain\n\n"
        "The toolchain installs into a **private** folder. To install the toolchain, run:\n\n"
        '```bash\ncurl -sSL https://example.org/install.sh | sh\n\nexport PATH="$HOME/.tool/bin:$PATH"\n```\n\n'
        "The installer accepts options:\n\n"
        "- `--prefix DIR` installs somewhere else\n"
        "  - the folder must be writable\n"
        "- `--quiet` prints nothing\n",
        encoding="utf-8",
    )
    service = KnowledgeService.open(kdir)
    answer = service.ask("how do I install the toolchain into a private folder?")
    assert answer.best is not None
    desc = render_answer(answer).embeds[0].description
    assert "run:\n\n```bash\ncurl -sSL https://example.org/install.sh | sh\n\nexport PATH=" in desc
    assert "**private**" in desc and "\\*\\*" not in desc
    assert "Project setup › Installing the toolchain" in desc
    full = render_full_passage(answer.best).embeds[0].description
    assert (
        "- `--prefix DIR` installs somewhere else\n  - the folder must be writable\n- `--quiet` prints nothing" in full
    )
