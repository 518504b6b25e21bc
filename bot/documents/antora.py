"""Antora's component layout (docs.antora.org: "Component version descriptor", "Resource
IDs"), for AsciiDoc pages kept as Antora keeps them: a component folder holds `antora.yml`
and `modules/<module>/{pages,partials,examples,attachments}/`.

- A resource ID `[module:]family$path` (`partial$note.adoc`, `cli:example$app.rb`) names a
  file in that module's family folder; one naming another component cannot be found here.
- `antora.yml`'s `asciidoc.attributes` are set on every page of the component (a trailing
  "@" only lets a page change them).
"""

from __future__ import annotations

import re
from collections.abc import Callable

Opener = Callable[[str], str | None]

_FAMILIES = {"partial": "partials", "example": "examples", "page": "pages", "attachment": "attachments"}
_MAX_ATTRIBUTES = 1_000
_ENTRY = re.compile(r"([ ]{1,12})([A-Za-z0-9_][\w-]{0,80}):[ \t]*(.{0,2000})")


def _component(path: str) -> tuple[list[str], int]:
    """The path's parts and the index of its last "modules" folder with a module and a
    family folder under it (-1: the page is not in a component)."""
    parts = path.replace("\\", "/").split("/")
    return parts, max((k for k, p in enumerate(parts[:-3]) if p == "modules"), default=-1)


def opener(path: str, related: Opener | None) -> Opener | None:
    """`related` (ReadOptions.related) for the page at `path`, reading resource IDs as the
    files they name and any other path as written."""
    if related is None:
        return None
    parts, at = _component(path)

    def open_(written: str) -> str | None:
        if "$" not in written:
            return related(written)
        coordinates, _, relative = written.partition("$")
        names = coordinates.split(":")
        if at < 0 or len(names) > 2 or names[-1] not in _FAMILIES:
            return None
        module = names[0] if len(names) == 2 else parts[at + 1]
        return related("/" + "/".join([*parts[:at], "modules", module, _FAMILIES[names[-1]], relative]))

    return open_


def component_attributes(path: str, related: Opener | None) -> dict[str, str]:
    """The `asciidoc.attributes` of the antora.yml of the component the page is in ({} when
    it is in none). A line-based read of that one mapping: the file is small YAML."""
    parts, at = _component(path)
    text = related("/" + "/".join([*parts[:at], "antora.yml"])) if related is not None and at >= 0 else None
    if not text:
        return {}
    out: dict[str, str] = {}
    section = ""  # "asciidoc", then "attributes" under it
    indent = ""
    for line in text.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            section = "asciidoc" if line.rstrip() == "asciidoc:" else ""
            continue
        if section == "asciidoc" and line.strip() == "attributes:":
            section, indent = "attributes", ""
            continue
        m = _ENTRY.fullmatch(line.rstrip()) if section == "attributes" else None
        if m is None:
            if section == "attributes" and indent and not line.startswith(indent):
                section = ""
            continue
        indent = indent or m.group(1)
        if m.group(1) != indent:
            continue
        value = m.group(3).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[m.group(2).lower()] = value.removesuffix("@")
        if len(out) >= _MAX_ATTRIBUTES:
            break
    return out
