"""The part of a file Sphinx's `.. literalinclude::` (MyST's ```{literalinclude}) shows, by its options, in Sphinx's order
(sphinx/directives/code.py, LiteralIncludeReader): :pyobject:, :start-after: / :start-at:,
:end-before: / :end-at:, :lines:, :dedent:, then :prepend: and :append:. Where Sphinx warns
and shows nothing (a pattern or object not found, a bad line spec, :diff:), so does this.

:pyobject: is found by indentation (Sphinx tokenizes the module): the `def` or `class` line
of each dotted part at its scope's level, with its decorators, to the last line indented
deeper (a bracket closing a long signature continues it; blank and comment lines do not
end it). Every step is one pass over the lines.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Mapping

_DEF = re.compile(r"([ \t]*)(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)")
_MAX_SPEC_PARTS = 1_000


def include(opener: Callable[[str], str | None] | None, path: str, options: Mapping[str, str]) -> str | None:
    """What a literalinclude of the file written as `path` shows, when `opener` (the loader's,
    ReadOptions.related) may open it; None for nothing, as Sphinx shows for a missing file."""
    whole = opener(path) if opener is not None and path.strip() else None
    return included_text(whole, options) if whole is not None else None


def included_text(text: str, options: Mapping[str, str]) -> str | None:
    """What the directive shows of `text`; None for nothing."""
    if "diff" in options:
        return None
    lines = text.splitlines()
    if options.get("pyobject"):
        span = object_span(lines, options["pyobject"].strip())
        if span is None:
            return None
        lines = lines[span[0] : span[1]]
    picked = _between(lines, options)
    if picked is None:
        return None
    lines = picked
    if options.get("lines"):
        numbers = line_numbers(options["lines"], len(lines))
        if not numbers:
            return None
        lines = [lines[n] for n in numbers]
    if "dedent" in options:
        lines = _dedent(lines, options["dedent"])
    if options.get("prepend"):
        lines.insert(0, options["prepend"])
    if options.get("append"):
        lines.append(options["append"])
    out = "\n".join(lines)
    return out if out.strip() else None


def _between(lines: list[str], options: Mapping[str, str]) -> list[str] | None:
    start = options.get("start-at") or options.get("start-after")
    if start:
        at = next((i for i, line in enumerate(lines) if start in line), None)
        if at is None:
            return None
        lines = lines[at if options.get("start-at") else at + 1 :]
    end = options.get("end-at") or options.get("end-before")
    if end:
        inclusive = bool(options.get("end-at"))
        # Sphinx: end-before never matches the first line.
        at = next((i for i, line in enumerate(lines) if end in line and (inclusive or i > 0)), None)
        if at is None:
            return None
        lines = lines[: at + 1 if inclusive else at]
    return lines


def line_numbers(spec: str, total: int) -> list[int]:
    """0-based line numbers of a :lines: spec ("1,3,5-10,20-", 1-based), those past the end
    left out (Sphinx warns and drops them); [] for a spec Sphinx rejects. At most `total`
    of them: a spec that repeats the file ("1-,1-,1-", a thousand times) would otherwise
    show it a thousand times over, gigabytes from one uploaded page."""
    out: list[int] = []
    parts = spec.split(",")
    if len(parts) > _MAX_SPEC_PARTS:
        return []
    for part in parts:
        ends = part.strip().split("-")
        try:
            if len(out) >= total:
                break
            if len(ends) == 1:
                n = int(ends[0]) - 1
                if 0 <= n < total:
                    out.append(n)
            elif len(ends) == 2 and ends != ["", ""]:
                first = int(ends[0] or 1)
                last = int(ends[1] or max(first, total))
                if first > last or first < 1:
                    return []
                out.extend(range(first - 1, min(last, total))[: total - len(out)])  # bounded by the file
            else:
                return []
        except ValueError:
            return []
    return out


def _dedent(lines: list[str], amount: str) -> list[str]:
    if not amount.strip():
        return textwrap.dedent("\n".join(lines)).split("\n")
    try:
        n = int(amount)
    except ValueError:
        return lines
    return [line[n:] for line in lines] if n > 0 else lines


def object_span(lines: list[str], dotted: str) -> tuple[int, int] | None:
    """(first, end) line numbers of a Python object ("func", "Class.method") in a module's
    lines, decorators included; None when it is not found."""
    lo, hi, level = 0, len(lines), 0
    found: tuple[int, int] | None = None
    for name in dotted.split("."):
        if not name:
            return None
        found = None
        for i in range(lo, hi):
            m = _DEF.match(lines[i])
            if m and m.group(2) == name and _width(m.group(1)) == level:
                found = (i, _block_end(lines, i, hi, level))
                break
        if found is None:
            return None
        lo, hi = found[0] + 1, found[1]
        level = _body_level(lines, lo, hi, level)
    assert found is not None
    first = found[0]
    while (
        first > 0 and lines[first - 1].strip().startswith("@") and _indent(lines[first - 1]) == _indent(lines[found[0]])
    ):
        first -= 1
    return first, found[1]


def _block_end(lines: list[str], head: int, hi: int, level: int) -> int:
    last = head
    for j in range(head + 1, hi):
        stripped = lines[j].strip()
        if not stripped or stripped.startswith("#"):
            continue
        if _width(_indent(lines[j])) <= level and stripped[0] not in ")]}":
            break
        last = j
    return last + 1


def _body_level(lines: list[str], lo: int, hi: int, level: int) -> int:
    """The indentation of the first line of a block's body (deeper than `level`)."""
    for j in range(lo, hi):
        stripped = lines[j].strip()
        width = _width(_indent(lines[j]))
        if stripped and not stripped.startswith("#") and width > level:
            return width
    return level + 1


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _width(indent: str) -> int:
    return len(indent.expandtabs(8))
