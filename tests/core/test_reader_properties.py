"""Any text a person drops in reads as a tree or fails with a reason: never a crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.documents.model import DocTree, ReadOptions
from bot.documents.readers import markdown, rst
from bot.errors import KnowledgeError

# Fragments of both markups, so the parsers meet their own syntax half-finished.
_PIECES = st.sampled_from(
    [
        "a",
        "b c",
        " ",
        "\n",
        "\n\n",
        "    ",
        "\t",
        "*",
        "**",
        "_",
        "`",
        "``",
        "```",
        "~~~",
        ":::",
        "!!! note",
        "??? tip",
        '=== "T"',
        "- ",
        "1. ",
        "> ",
        "# ",
        "## ",
        "---",
        "===",
        "+++",
        "|",
        "| a | b |",
        "|---|",
        "[x]",
        "(y)",
        "[^1]",
        "[^1]: ",
        "<br>",
        "<!--",
        "-->",
        "<div>",
        "{{% note %}}",
        "{{% /note %}}",
        '{{< tab "x" >}}',
        "{{< /tab >}}",
        "{% raw %}",
        "{{ x }}",
        "{#id}",
        ".. ",
        "::",
        ".. note::",
        ".. code-block:: python",
        ".. toctree::",
        ":func:`",
        ":ref:`a <b>`",
        "|x|",
        "_`",
        "`_",
        "[#]_",
        ".. [#] ",
        "\n   ",
        "::: a.b",
        "--8<--",
    ]
)
_TEXT = st.lists(_PIECES, max_size=60).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(_TEXT)
def test_readers_never_crash(text: str) -> None:
    for reader in (markdown, rst):
        try:
            tree = reader.read("doc", text.encode(), ReadOptions())
        except KnowledgeError as exc:
            assert str(exc) and "could not be parsed" not in str(exc), exc
        else:
            assert isinstance(tree, DocTree)
            assert tree.root.blocks or tree.root.children
