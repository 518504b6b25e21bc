"""`kb.toml`: per-folder settings of a knowledge directory.

A `kb.toml` configures its folder and everything below it; a deeper one overrides the keys
it sets (junk markers add up). Keys:

    base_url = "https://python-poetry.org/docs/"   # where this folder's pages are published
    url_style = "mkdocs"        # mkdocs (page/) | html (page.html) | sphinx | hugo
    exclude = ["contributing.md", "CHANGELOG*"]   # gitignore patterns, relative to the folder
    junk_markers = ["Subscribe now"]             # extra end-of-article markers (.txt, HTML)
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import pathspec

from ..errors import KnowledgeError
from ..rendering import errors as wording
from .urls import URL_STYLES, page_url

KB_TOML = "kb.toml"
KEYS = ("base_url", "url_style", "exclude", "junk_markers")  # in the order the error lists them
# Three or more `*` in a row are one `*` to git ("other consecutive asterisks are regular
# asterisks"); pathspec makes each its own `[^/]*`, and the regular expression's backtracking
# on a file name grows as its length to the power of their number: "*" * 40 + ".md" hung.
_STAR_RUN = re.compile(r"(?<!\\)\*{3,}")


@dataclass(frozen=True)
class FolderConfig:
    """The settings in force for one folder (after every kb.toml above it)."""

    base_url: str | None = None
    base_dir: str = ""  # the folder (relative to the knowledge root) base_url serves
    url_style: str = "mkdocs"
    junk_markers: tuple[str, ...] = ()
    # (folder relative to the root, patterns) of every kb.toml on the way down
    excludes: tuple[tuple[str, pathspec.GitIgnoreSpec], ...] = field(default=())

    def excluded(self, rel: str) -> bool:
        """Whether a file (path relative to the knowledge root) is excluded."""
        for folder, spec in self.excludes:
            inner = rel[len(folder) + 1 :] if folder else rel
            if spec.match_file(inner):
                return True
        return False

    def url_of(self, rel: str) -> str | None:
        """The page URL of a file, when a base_url applies to it."""
        if self.base_url is None:
            return None
        inner = rel[len(self.base_dir) + 1 :] if self.base_dir else rel
        return page_url(self.base_url, inner, self.url_style)


def read_kb_toml(path: Path, folder: str, parent: FolderConfig) -> FolderConfig:
    """The settings for `folder` given its kb.toml; KnowledgeError says what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # Notepad may begin it with a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(wording.kb_toml_unreadable(_name(folder), exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeError(wording.kb_toml_not_toml(_name(folder), exc)) from None
    except RecursionError:  # tomllib recurses into each nested array or inline table
        raise KnowledgeError(wording.kb_toml_not_toml(_name(folder), ValueError("nested too deeply"))) from None
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise KnowledgeError(wording.kb_toml_unknown_key(_name(folder), unknown[0], KEYS))
    cfg = parent
    if "base_url" in data:
        url = data["base_url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise KnowledgeError(wording.kb_toml_bad_base_url(_name(folder)))
        cfg = _replace(cfg, base_url=url, base_dir=folder)
    if "url_style" in data:
        style = data["url_style"]
        if style not in URL_STYLES:
            raise KnowledgeError(wording.kb_toml_bad_url_style(_name(folder), URL_STYLES))
        cfg = _replace(cfg, url_style=style)
    if "exclude" in data:
        patterns = [_STAR_RUN.sub("*", p) for p in _strings(data["exclude"], "exclude", folder)]
        for pattern in patterns:  # one at a time, so the message can name the bad one
            try:
                pathspec.GitIgnoreSpec.from_lines([pattern])
            except ValueError as exc:
                raise KnowledgeError(wording.kb_toml_bad_pattern(_name(folder), pattern, exc)) from None
        spec = pathspec.GitIgnoreSpec.from_lines(patterns)
        cfg = _replace(cfg, excludes=(*cfg.excludes, (folder, spec)))
    if "junk_markers" in data:
        markers = tuple(m for m in _strings(data["junk_markers"], "junk_markers", folder) if m.strip())
        cfg = _replace(cfg, junk_markers=(*cfg.junk_markers, *markers))
    return cfg


def _strings(value: object, key: str, folder: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise KnowledgeError(wording.kb_toml_not_strings(_name(folder), key))


def _name(folder: str) -> str:
    return f"{folder}/{KB_TOML}" if folder else KB_TOML


def _replace(cfg: FolderConfig, **changes: object) -> FolderConfig:
    return replace(cfg, **changes)  # type: ignore[arg-type]
