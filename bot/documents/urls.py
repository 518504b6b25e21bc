"""Deep links: a file's page URL on the documentation site and its headings' anchors,
made the way each site generator makes them (kb.toml `url_style`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import PurePosixPath

from docutils.nodes import make_id

URL_STYLES = ("mkdocs", "html", "sphinx", "hugo")
_INDEX_STEMS = {"index", "readme", "_index"}
# Published as they are by a site generator, so linked under their own name. (A .txt is
# usually a page's text saved by hand: it stands for the page.)
_AS_IS = {".pdf", ".html", ".htm"}


def page_url(base_url: str, rel: str, style: str) -> str:
    """The URL of the page built from `rel` (path relative to the folder `base_url` serves).

    mkdocs: `advanced/ssl.md` -> `advanced/ssl/`, `index.md` -> ``; html and sphinx:
    `advanced/ssl.html`; hugo: as mkdocs, lower-cased, `_index.md` -> its folder. PDF and
    HTML files keep their own name.
    """
    p = PurePosixPath(rel)
    parent = "" if str(p.parent) == "." else f"{p.parent}/"
    if p.suffix.lower() in _AS_IS:
        return base_url.rstrip("/") + "/" + rel
    stem = p.stem
    if style in ("html", "sphinx"):
        page = f"{parent}{stem}.html"
    else:
        page = parent if stem.lower() in _INDEX_STEMS else f"{parent}{stem}/"
        if style == "hugo":
            page = page.lower()
    return base_url.rstrip("/") + "/" + page


# The href of a link to a label (Sphinx's :ref:), which names a section on any page.
LABEL_REF = "ref:"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def internal_href(href: str) -> bool:
    """Whether a link's destination is a place in the same documentation (a relative path,
    a page of this site or `#anchor`), not another site, a mail address or nothing."""
    href = href.strip()
    return bool(href) and not href.startswith("//") and not _SCHEME.match(href)


_WEB = re.compile(r"^https?://", re.IGNORECASE)


def linkable_href(href: str) -> bool:
    """Whether a link may lead to a place in the same documentation: an internal one, or a
    full http(s) URL, which may be a page of the site itself (readers record these; the
    loader keeps those under the folder's base_url, `local_href`)."""
    return internal_href(href) or bool(_WEB.match(href.strip()))


def local_href(href: str, base_url: str | None, base_dir: str) -> str | None:
    """A recorded link as the documentation's own: an internal one as it is; a full URL
    under `base_url` (scheme and host in any case, http or https) as a path from the
    knowledge folder ("https://site/docs/cli/#add", base_url "https://site/docs/" served
    from folder "docs" -> "/docs/cli/#add"), which links resolve as relative ones; None
    for another site."""
    href = href.strip()
    if internal_href(href):
        return href
    if base_url is None:
        return None
    site, at = _site(href), _site(base_url.rstrip("/"))
    if site is None or at is None or site[0] != at[0] or not site[1].startswith(at[1]):
        return None
    rest = site[1][len(at[1]) :]
    if rest and rest[0] not in "/#?":
        return None  # "/docs-old/..." is not under "/docs"
    return "/" + (f"{base_dir}/" if base_dir else "") + rest.lstrip("/")


def _site(url: str) -> tuple[str, str] | None:
    """(host lower-cased, the rest) of an http(s) URL."""
    m = _WEB.match(url)
    if m is None:
        return None
    host, slash, rest = url[m.end() :].partition("/")
    return host.lower(), slash + rest


def slug(heading: str, style: str) -> str:
    """The anchor a generator gives a heading (without de-duplication)."""
    if style == "sphinx":
        return make_id(heading)  # docutils' own function: what Sphinx uses for section ids
    if style == "hugo":
        return _github_slug(heading)
    return _toc_slug(heading)  # mkdocs and plain html exports (Python-Markdown's toc)


def anchors(headings: Sequence[tuple[str, str | None]], style: str) -> list[str | None]:
    """Anchors of a document's headings in reading order: the source's own id when it gives
    one, else the generator's slug, de-duplicated as that generator does ("", None: none)."""
    seen: dict[str, int] = {}
    out: list[str | None] = []
    for heading, explicit in headings:
        if explicit:
            out.append(explicit)
            seen.setdefault(explicit, 0)
            continue
        if not heading:
            out.append(None)
            continue
        base = slug(heading, style)
        if not base:
            out.append(None)
            continue
        anchor = base
        if base in seen and style != "sphinx":  # docutils numbers duplicates globally ("id1")
            n = seen[base]
            while True:
                n += 1
                anchor = f"{base}_{n}" if style in ("mkdocs", "html") else f"{base}-{n}"
                if anchor not in seen:
                    break
            seen[base] = n
        seen.setdefault(anchor, 0)
        out.append(anchor)
    return out


def repeat_anchors(headings: Sequence[tuple[str, str | None]]) -> dict[int, tuple[str, ...]]:
    """Position of each heading whose text another heading of the page repeats -> the
    anchors the numbering generators (MkDocs "_1", Hugo "-1") give it ({} without repeats,
    the usual case, after one pass). A page's headings as passages keep them cannot number
    them again: a heading without passages or the title's H1 is not among them, and
    repeats with one heading path are one section there (documents/links.py)."""
    counts: dict[str, int] = {}
    for heading, explicit in headings:
        if heading and not explicit:
            key = " ".join(heading.casefold().split())
            counts[key] = counts.get(key, 0) + 1
    repeated = {key for key, n in counts.items() if n > 1}
    if not repeated:
        return {}
    styles = [anchors(headings, style) for style in ("mkdocs", "hugo")]
    out: dict[int, tuple[str, ...]] = {}
    for k, (heading, explicit) in enumerate(headings):
        if heading and not explicit and " ".join(heading.casefold().split()) in repeated:
            out[k] = tuple(dict.fromkeys(a for marks in styles if (a := marks[k])))
    return out


def _toc_slug(value: str) -> str:
    # Python-Markdown's toc.slugify (MkDocs' default): ASCII-folded, punctuation dropped,
    # lower-cased, runs of spaces and hyphens made one hyphen.
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return re.sub(r"[-\s]+", "-", value)


def _github_slug(value: str) -> str:
    # goldmark's GitHub-style auto heading ids (Hugo's default): letters and digits
    # lower-cased, spaces to hyphens, "-" and "_" kept, everything else dropped.
    out = []
    for ch in value.strip():
        if ch.isalnum():
            out.append(ch.lower())
        elif ch.isspace():
            out.append("-")
        elif ch in "-_":
            out.append(ch)
    return "".join(out)
