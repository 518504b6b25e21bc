"""Jupyter notebooks (.ipynb) to a document tree: the notebook's Markdown cells read as
Markdown and its code cells as code blocks in the notebook's language, in cell order, so a
tutorial notebook is cited like the Markdown page it renders as. A code cell's text output
is shown under it as a plain-text block, as Jupyter shows it: the value an expression gave
("array([0.25, 0.5 ])"), what it printed, the error it raised ("TypeError: Index does not
support mutable operations"), often the very point the text before it makes. Like all code it
is shown, not indexed: it is what running the code printed, not what the author wrote. Left
out: images and rich displays (widgets, plots; an embedded image alone is megabytes of base64)
and the text that stands for them ("<Figure size 640x480>", "<IPython.core.display.HTML
object>"; a Markdown or LaTeX display shows its source), stderr (warnings, progress bars),
tracebacks but their last line, and any output past _OUTPUT_LINES lines. nbformat 4 (`cells`)
and 3 (`worksheets`, with its `heading` cells) are read; raw cells are not shown by Jupyter
either.

The cells become one Markdown text read by the Markdown reader (through the registry:
readers never import each other), each cell fenced off from the next so an unclosed code
fence in one cell cannot swallow the cells after it."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from ...errors import KnowledgeError
from ...rendering import errors as wording
from .. import registry
from ..decode import decode_text, drop_controls
from ..model import DocTree, ReadOptions

log = logging.getLogger(__name__)

_FENCE_LINE = re.compile(r"^[ \t]{0,3}(`{3,}(?=[^`]*$)|~{3,})(.*)$")  # a backtick fence's info holds no backtick
_COLON_OPEN = re.compile(r"^[ \t]{0,3}(:{3,})[ \t]*[^\s:]")  # a MyST `:::{note}` or `::: tip` box
_COLON_CLOSE = re.compile(r"^[ \t]{0,3}(:{3,})[ \t]*$")
_COMMENT_OPEN = re.compile(r"^[ \t]{0,3}<!--")
_BACKTICKS = re.compile(r"`{3,}")
_LANGUAGE = re.compile(r"[\w+#.-]+")  # what a fence's info may name: no backtick, no MyST "{…}"
_ANSI = re.compile(r"\x1b\[[0-9;?]{0,32}[A-Za-z]")  # terminal colours in error messages
_PLACEHOLDER = re.compile(r"<[\w.]{1,200} object(?: at 0x[0-9a-fA-F]{1,16})?>")  # object.__repr__
# What a display draws instead of text: images (nbformat 3 names them "png"), widgets (a tqdm
# progress bar too) and interactive plots. Not any vendor type: Colab adds one to a table.
_PICTURES = (
    "image/",
    "png",
    "jpeg",
    "svg",
    "application/vnd.jupyter.widget",
    "application/vnd.plotly",
    "application/vnd.vega",
    "application/vnd.bokehjs",
    "application/vnd.holoviews",
)
_OUTPUT_LINES = 20  # a longer output (a whole table, a long log) is cut there
_OUTPUT_CHARS = 2000  # and so is a line-poor one (an array printed on a few long lines)
_OUTPUT_LANG = "text"


def read(path: str, data: bytes, options: ReadOptions) -> DocTree:
    """The notebook's document tree; KnowledgeError says why it cannot be used."""
    try:
        notebook = json.loads(decode_text(data))
    except (ValueError, RecursionError) as exc:  # json.JSONDecodeError is a ValueError
        raise KnowledgeError(wording.NOTEBOOK_NOT_JSON) from exc
    cells = _cells(notebook)
    if cells is None:
        raise KnowledgeError(wording.NOTEBOOK_NO_CELLS)
    language = _language(notebook)
    parts = [part for cell in cells if (part := _cell_markdown(cell, language))]
    if not parts:
        raise KnowledgeError(wording.NOTEBOOK_NO_TEXT)
    log.debug("%s: %d cells, %d with text", path, len(cells), len(parts))
    markdown = registry.reader_for(".md")
    assert markdown is not None  # the registry always has Markdown
    # JSON's escapes make what the file's bytes could not hold: "\\u0000" (which the Markdown
    # reader would take for a binary file) and a lone "\\ud800" (which UTF-8 cannot encode).
    return markdown(path, drop_controls("\n\n".join(parts)).encode("utf-8"), options)


def _cells(notebook: Any) -> list[dict[str, Any]] | None:
    """The cells, nbformat 4 or 3; None when `notebook` is no notebook."""
    if not isinstance(notebook, dict):
        return None
    cells = notebook.get("cells")
    if cells is None and isinstance(notebook.get("worksheets"), list):
        cells = [
            c
            for ws in notebook["worksheets"]
            if isinstance(ws, dict) and isinstance(ws.get("cells"), list)
            for c in ws["cells"]
        ]
    if not isinstance(cells, list):
        return None
    return [c for c in cells if isinstance(c, dict)]


def _language(notebook: dict[str, Any]) -> str:
    """The code cells' language for their fences ("python"), "" when the notebook does not say."""
    meta = notebook.get("metadata")
    if not isinstance(meta, dict):
        return ""
    for key, field in (("language_info", "name"), ("kernelspec", "language")):
        value = meta.get(key)
        if isinstance(value, dict) and isinstance(value.get(field), str):
            name = _LANGUAGE.match(value[field].strip())
            return name.group(0).lower() if name else ""
    return ""


def _source(cell: dict[str, Any], key: str = "source") -> str:
    """A cell's text: nbformat keeps it as one string or as a list of lines."""
    value = cell.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return ""


def _cell_markdown(cell: dict[str, Any], language: str) -> str:
    kind = cell.get("cell_type")
    if kind == "markdown":
        text = _source(cell).strip("\n")
        if not text.strip():
            return ""
        return text + _closers(text)
    if kind == "heading":  # nbformat 3
        level = cell.get("level")
        depth = level if isinstance(level, int) and 1 <= level <= 6 else 1
        title = " ".join(_source(cell).split())
        return f"{'#' * depth} {title}" if title else ""
    if kind == "code":
        code = (_source(cell) or _source(cell, "input")).strip("\n")
        if not code.strip():
            return ""
        shown = _fenced(code, language)
        output = _output_text(cell.get("outputs"))
        return f"{shown}\n\n{_fenced(output, _OUTPUT_LANG)}" if output else shown
    return ""  # raw cells and anything newer: Jupyter does not render them as text


def _closers(text: str) -> str:
    """What closes the code fence, HTML comment and `:::` boxes a Markdown cell leaves open
    ("" when none is): Jupyter renders each cell on its own, so the next cell must not end
    up inside them (an unclosed "<!--" hid every cell after it)."""
    fence = ""  # the open code fence's marker
    comment = False
    boxes: list[str] = []  # open `:::` markers, innermost last
    for line in text.split("\n"):
        if comment:
            comment = "-->" not in line
        elif fence:
            m = _FENCE_LINE.match(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not m.group(2).strip():
                fence = ""
        elif m := _FENCE_LINE.match(line):
            fence = m.group(1)
        elif _COMMENT_OPEN.match(line):
            comment = "-->" not in line.partition("<!--")[2]
        elif m := _COLON_OPEN.match(line):
            boxes.append(m.group(1))
        elif (m := _COLON_CLOSE.match(line)) and boxes and len(m.group(1)) >= len(boxes[-1]):
            boxes.pop()
    out = [fence] if fence else ["-->"] if comment else []
    return "".join(f"\n{closer}" for closer in [*out, *reversed(boxes)])


def _fenced(text: str, language: str) -> str:
    """`text` as a fenced code block, the fence longer than any backtick run inside it."""
    fence = "`" * max(3, 1 + max((len(m) for m in _BACKTICKS.findall(text)), default=0))
    return f"{fence}{language}\n{text}\n{fence}"


def _output_text(outputs: Any) -> str:
    """The text a code cell's outputs show, "" when none: see the module's docstring."""
    if not isinstance(outputs, list):
        return ""
    texts: list[str] = []
    for out in outputs:
        if isinstance(out, dict) and (text := _one_output(out).strip("\n")).strip():
            texts.append(text)
    text = "\n".join(texts)
    lines = text.split("\n", _OUTPUT_LINES)
    if len(lines) > _OUTPUT_LINES or len(text) > _OUTPUT_CHARS:
        text = "\n".join(lines[:_OUTPUT_LINES])[:_OUTPUT_CHARS].rstrip() + "\n..."
    return text


def _one_output(out: dict[str, Any]) -> str:
    kind = out.get("output_type")
    if kind == "stream":  # nbformat 3 names the stream "stream", 4 "name"
        if (out.get("name") or out.get("stream")) != "stdout":
            return ""
        # A progress bar rewrites its line with "\r": the terminal shows the last state.
        return "\n".join(line.rpartition("\r")[2] for line in _source(out, "text").split("\n"))
    if kind in ("execute_result", "display_data", "pyout"):
        bundle = out.get("data")
        data: dict[str, Any] = bundle if isinstance(bundle, dict) else out  # nbformat 3: flat
        if any(isinstance(k, str) and k.startswith(_PICTURES) for k in data):
            return ""  # a plot or widget: its text/plain is only a placeholder for it
        for rich in ("text/markdown", "text/latex"):  # what Jupyter shows over the plain text
            if (source := _source(data, rich)).strip():
                return source
        plain = _source(data, "text/plain") or _source(data, "text")
        if len(data) > 1 and _PLACEHOLDER.fullmatch(plain.strip()):
            return ""  # "<IPython.core.display.HTML object>": stands for the HTML Jupyter shows
        return plain
    if kind in ("error", "pyerr"):
        name, value = out.get("ename"), out.get("evalue")
        if isinstance(name, str) and isinstance(value, str):
            return _ANSI.sub("", f"{name}: {value}" if value else name)
    return ""
