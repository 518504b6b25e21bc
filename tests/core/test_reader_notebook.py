"""Jupyter notebooks: Markdown cells read as Markdown, code cells as code, outputs left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.documents.loader import load_knowledge
from bot.documents.model import Code, DocTree, Paragraph, ReadOptions
from bot.documents.readers import notebook
from bot.errors import KnowledgeError
from tests.core.tree_helpers import prose, tree_blocks


def nb(cells: list[dict], **extra: object) -> bytes:
    doc = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"language_info": {"name": "python"}}, "cells": cells}
    doc.update(extra)
    return json.dumps(doc).encode()


def md(*lines: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": [f"{ln}\n" for ln in lines]}


def code(text: str, outputs: list | None = None) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": text, "outputs": outputs or [], "execution_count": 1}


def read(data: bytes) -> DocTree:
    return notebook.read("tour.ipynb", data, ReadOptions())


def test_markdown_cells_are_markdown_and_code_cells_code_with_their_text_output_only() -> None:
    image = {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo" * 1000, "text/plain": ["<Figure>"]}}
    printed = {"output_type": "stream", "name": "stdout", "text": ["Loaded 42 rows\n"]}
    tree = read(
        nb(
            [
                md("# A quick tour", "", "This notebook loads the **sample data**."),
                code("import pandas as pd\ndf = pd.read_csv('rows.csv')", [printed, image]),
                md("## Plotting", "", "Call `df.plot()` to draw it."),
                code("df.plot()"),
                {"cell_type": "raw", "metadata": {}, "source": "raw text nobody sees"},
            ]
        )
    )
    assert tree.title == "A quick tour"
    assert [s.heading for s in tree.root.children] == ["Plotting"]
    assert prose(tree) == "This notebook loads the sample data.\nCall df.plot() to draw it."
    codes = [b for b in tree_blocks(tree) if isinstance(b, Code)]
    assert [(c.lang, c.text) for c in codes] == [
        ("python", "import pandas as pd\ndf = pd.read_csv('rows.csv')"),
        ("text", "Loaded 42 rows"),  # what it printed, shown, not indexed (code is not)
        ("python", "df.plot()"),
    ]
    everything = prose(tree) + " ".join(c.text for c in codes)
    assert "iVBOR" not in everything and "Figure" not in everything and "raw text" not in everything


def test_an_unclosed_fence_in_one_cell_does_not_swallow_the_next() -> None:
    tree = read(nb([md("# Notes", "", "```bash", "pip install x"), md("After the example, plain text.")]))
    assert "After the example, plain text." in prose(tree)


def test_a_cell_with_backtick_fences_inside_its_code_stays_one_block() -> None:
    source = 's = """\n```\nnot a fence of ours\n```\n"""'
    tree = read(nb([md("# Doc", "", "Text."), code(source)]))
    (block,) = [b for b in tree_blocks(tree) if isinstance(b, Code)]
    assert block.text == source


def test_nbformat_3_worksheets_and_heading_cells() -> None:
    data = json.dumps(
        {
            "nbformat": 3,
            "metadata": {},
            "worksheets": [
                {
                    "cells": [
                        {"cell_type": "heading", "level": 1, "source": ["Old notebook"]},
                        {"cell_type": "markdown", "source": ["Still *readable*."]},
                        {"cell_type": "code", "input": ["print(1)"], "language": "python", "outputs": []},
                    ]
                }
            ],
        }
    ).encode()
    tree = read(data)
    assert tree.title == "Old notebook" and prose(tree) == "Still readable."
    assert [b.text for b in tree_blocks(tree) if isinstance(b, Code)] == ["print(1)"]


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2, 3]", "no cells"),
        (b'{"cells": 5}', "no cells"),
        (b'{"nbformat": 3, "worksheets": [{"cells": -1}, {"cells": "text"}, null]}', "no text"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),  # too deep for the JSON parser
        (nb([md("   "), code("\n\n")]), "no text"),
        (b"\xff\xfe\x00garbage", ""),  # not text at all: the decoder's own reason
    ],
)
def test_a_file_that_is_no_usable_notebook_says_why(data: bytes, why: str) -> None:
    with pytest.raises(KnowledgeError) as err:
        read(data)
    assert why in str(err.value)


def test_a_notebook_in_the_knowledge_folder_is_answered_from(tmp_path: Path) -> None:
    (tmp_path / "tour.ipynb").write_bytes(
        nb([md("# Tour", "", "The sample data has forty two rows of weather readings."), code("df.head()")])
    )
    (tmp_path / "broken.ipynb").write_bytes(b"{oops")
    kb = load_knowledge(tmp_path)
    assert [d.title for d in kb.documents] == ["Tour"]
    assert any("broken.ipynb" in s.path and "not valid JSON" in s.reason for s in kb.skipped)


@pytest.mark.parametrize("cells", [5, True, "abc", None])
def test_nbformat_3_worksheet_cells_that_are_no_list_read_as_no_cells(cells: object) -> None:
    data = json.dumps({"nbformat": 3, "worksheets": [{"cells": cells}]}).encode()
    with pytest.raises(KnowledgeError) as err:
        read(data)
    assert "no " in str(err.value)


def test_a_backtick_fence_shown_inside_a_tilde_fence_does_not_open_one_for_the_next_cell() -> None:
    tree = read(nb([md("# Fences", "", "Write:", "", "~~~", "```", "~~~"), md("After the example, plain text.")]))
    assert "After the example, plain text." in prose(tree)
    assert [b.text for b in tree_blocks(tree) if isinstance(b, Code)] == ["```"]


def test_a_fence_closed_by_a_longer_fence_counts_as_closed() -> None:
    tree = read(nb([md("# Doc", "", "```", "x", "`````"), md("After the example, plain text.")]))
    assert "After the example, plain text." in prose(tree)


@pytest.mark.parametrize("language", ["py`x", "{note}", "python 3 {x}"])
def test_an_odd_kernel_language_does_not_break_the_code_fences(language: str) -> None:
    data = nb([md("# Doc"), code("x = 1"), md("After the code.")], metadata={"language_info": {"name": language}})
    tree = read(data)
    assert prose(tree) == "After the code."
    assert [b.text for b in tree_blocks(tree) if isinstance(b, Code)] == ["x = 1"]


def test_a_lone_surrogate_escape_in_a_cell_is_no_crash() -> None:
    data = b'{"cells": [{"cell_type": "markdown", "source": "# Doc\\n\\nhi \\ud800 there"}]}'
    assert "there" in prose(read(data))


def test_json_escapes_of_a_lone_surrogate_or_a_control_character_do_not_break_the_notebook() -> None:
    data = b'{"cells": [{"cell_type": "markdown", "source": "# Odd\\n\\nA \\ud800 lone half, a \\u0000 NUL, \\u001b[1mbold."}]}'
    tree = read(data)
    assert tree.title == "Odd"
    assert prose(tree) == "A \ufffd lone half, a NUL, bold."


@pytest.mark.parametrize(
    "cell",
    [
        ["<!-- a note to self, never closed", "", "still hidden"],
        [":::{note}", "A box left open."],
        ["::: tip", "Another box left open."],
        [":::::{tab-set}", "::::{tab-item} A", "```python", "x = 1"],
    ],
)
def test_a_comment_or_box_left_open_in_one_cell_does_not_swallow_the_next(cell: list[str]) -> None:
    # Jupyter renders each cell on its own; an unclosed "<!--" hid every cell after it.
    tree = read(nb([md(*cell), md("## Next step", "", "Plain text after it.")]))
    (section,) = tree.root.children
    assert section.heading == "Next step" and section.blocks == (Paragraph("Plain text after it."),)


def test_the_value_a_cell_gives_and_the_error_it_raises_are_shown_under_it() -> None:
    # Python Data Science Handbook 03.01: "they cannot be modified via the normal means:"
    # and the TypeError is the point; "The values are simply a NumPy array:" and the array.
    value = {"output_type": "execute_result", "execution_count": 2, "metadata": {}}
    value["data"] = {"text/plain": ["array([0.25, 0.5 ])"], "text/html": ["<b>array</b>"]}
    error = {
        "output_type": "error",
        "ename": "TypeError",
        "evalue": "Index does not support mutable operations",
        "traceback": ["\x1b[0;31m---------\x1b[0m", "\x1b[0;31mTypeError\x1b[0m: Index does not support"],
    }
    warning = {"output_type": "stream", "name": "stderr", "text": "UserWarning: deprecated\n"}
    bar = {"output_type": "stream", "name": "stdout", "text": "10%\r50%\r100% done\n"}
    widget = {
        "output_type": "display_data",
        "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": ["IntSlider(value=0)"]},
    }
    cells = [
        md("# Index", "", "The values are simply an array:"),
        code("data.values", [value]),
        md("Indices are immutable:"),
        code("ind[1] = 0", [warning, error]),
        code("train()", [bar, widget]),
    ]
    codes = [(b.lang, b.text) for b in tree_blocks(read(nb(cells))) if isinstance(b, Code)]
    assert codes == [
        ("python", "data.values"),
        ("text", "array([0.25, 0.5 ])"),
        ("python", "ind[1] = 0"),
        ("text", "TypeError: Index does not support mutable operations"),
        ("python", "train()"),
        ("text", "100% done"),
    ]


def test_a_long_output_is_cut_and_an_output_with_a_fence_in_it_stays_one_block() -> None:
    table = {"output_type": "stream", "name": "stdout", "text": [f"row {i}\n" for i in range(500)]}
    fenced = {"output_type": "execute_result", "data": {"text/plain": "```\nnot ours\n```"}}
    tree = read(nb([md("# Rows"), code("print_rows()", [table]), code("show()", [fenced]), md("After them.")]))
    outputs = [b.text for b in tree_blocks(tree) if isinstance(b, Code) and b.lang == "text"]
    assert outputs[0].split("\n") == [f"row {i}" for i in range(20)] + ["..."]
    assert outputs[1] == "```\nnot ours\n```"
    assert prose(tree) == "After them."


@pytest.mark.parametrize(
    "outputs",
    [
        5,
        [5, None, "x"],
        [{"output_type": "stream"}],
        [{"output_type": "error", "ename": 3}],
        [{"output_type": "pyout"}],
    ],
)
def test_outputs_of_any_shape_are_no_crash(outputs: object) -> None:
    cell = {"cell_type": "code", "source": "x", "outputs": outputs}
    assert [b.text for b in tree_blocks(read(nb([md("# Doc"), cell]))) if isinstance(b, Code)] == ["x"]


def test_nbformat_3_outputs_are_shown_too() -> None:
    outs = [{"output_type": "pyout", "text": ["42"]}, {"output_type": "stream", "stream": "stdout", "text": ["hi\n"]}]
    data = json.dumps(
        {"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "code", "input": "f()", "outputs": outs}]}]}
    ).encode()
    assert [b.text for b in tree_blocks(read(data)) if isinstance(b, Code)] == ["f()", "42\nhi"]


def test_a_rich_display_shows_its_markdown_or_latex_not_the_placeholder_text() -> None:
    # MyST-NB's complex_outputs notebook: display(Markdown(...)), Latex(...), an HTML object.
    def shown(data: dict) -> dict:
        return {"output_type": "display_data", "metadata": {}, "data": data}

    cells = [
        md("# Displays"),
        code(
            "display(Markdown('**some** markdown'))",
            [shown({"text/markdown": "**some** markdown", "text/plain": "<IPython.core.display.Markdown object>"})],
        ),
        code(
            "Latex('$$ a = b+c $$')",
            [shown({"text/latex": "$$ a = b+c $$", "text/plain": "<IPython.core.display.Latex object>"})],
        ),
        code(
            "HTML('<b>hi</b>')", [shown({"text/html": "<b>hi</b>", "text/plain": "<IPython.core.display.HTML object>"})]
        ),
        code(
            "df.groupby('key')", [shown({"text/plain": "<pandas.core.groupby.DataFrameGroupBy object at 0x11d241e20>"})]
        ),
    ]
    codes = [b.text for b in tree_blocks(read(nb(cells))) if isinstance(b, Code)]
    assert codes == [
        "display(Markdown('**some** markdown'))",
        "**some** markdown",
        "Latex('$$ a = b+c $$')",
        "$$ a = b+c $$",
        "HTML('<b>hi</b>')",
        "df.groupby('key')",
        "<pandas.core.groupby.DataFrameGroupBy object at 0x11d241e20>",  # the only form: the point made
    ]


def test_a_table_with_colab_metadata_is_shown_and_a_plot_or_progress_widget_is_not() -> None:
    def shown(data: dict) -> dict:
        return {"output_type": "execute_result", "metadata": {}, "data": data}

    table = "   a  b\n0  1  2"
    colab = {"text/plain": table, "text/html": "<table/>", "application/vnd.google.colaboratory.intrinsic+json": {}}
    plot = {"application/vnd.plotly.v1+json": {}, "text/html": "<div/>", "text/plain": "Figure({'data': []})"}
    bar = {"application/vnd.jupyter.widget-view+json": {"model_id": "m"}, "text/plain": "  0%|          | 0/9"}
    cells = [md("# Data"), code("df", [shown(colab)]), code("fig", [shown(plot)]), code("tqdm(x)", [shown(bar)])]
    assert [b.text for b in tree_blocks(read(nb(cells))) if isinstance(b, Code)] == ["df", table, "fig", "tqdm(x)"]
