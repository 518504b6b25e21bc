"""Release history: changelogs, release notes and release announcements in a documentation
folder. They name every feature in a line or two ("Add the `sources` environment option…"),
so they match members' questions in words and in meaning while the page that explains the
feature is elsewhere; the ranking counts them a little less (rerank.RankParams.release_weight).

Told from names alone, so a saved index of a million passages needs no text: a document
whose file or title says so (CHANGELOG.md, HISTORY.rst, "Release notes"), or a passage under
a heading that is a release ("v4.58.0 (2026-07-21)", "[1.18.0] - 2026-08-11", "Unreleased",
"Hatch v1.10.0", an announcement's "pytest-9.2.0").
"""

from __future__ import annotations

import re

_KINDS = r"change[-_ ]?log|changes|history|news|release[-_ ]?notes|releases|whats[-_ ]?new"
# The file's name without its extension, in any folder: CHANGELOG.md, docs/history.rst; or
# one release's own page: announce/release-9.2.0.rst, notes/v2.1.0.md (a version of two dots,
# so "release-2.0.md" about migrating stays a page).
_FILE = re.compile(
    rf"(?:^|/)(?:(?:{_KINDS})|(?:release[-_]?)?v?\d+\.\d+\.\d+(?:[-.]?(?:rc|a|b|alpha|beta|dev|post)\d*)?)(?:\.[^/.\d]*)?$",
    re.IGNORECASE,
)
# A title naming the kind: "Changelog", "Changes", "Release History", "What's new", or after
# the project's name "Hatch history", "Tool changelog". "Changes" and "News" only alone: after
# a word they are plain English ("Gauging changes", black's guide to its style changes).
_TITLE = re.compile(
    r"^(?:(?:[\w.-]+\s+)?(?:change\s?log|history|release\s+(?:history|notes)|releases|what'?s\s+new)|changes|news)$",
    re.IGNORECASE,
)
# A heading that starts with a version: "v4.58.0 (2026-07-21)", "1.18.0 - 2026-08-11",
# "Version 2.0", "Release 1.2".
_STARTS_WITH_VERSION = re.compile(r"^\W*(?:(?:version|release|v)\s*)?\d+\.\d+(?:\.\d+)*\b", re.IGNORECASE)
# A short heading with a marked version: "Hatch v1.10.0", "Poetry version 1.2". A bare
# number in a longer heading ("Installing on Python 3.8 and older") is not a release.
_MARKED_VERSION = re.compile(r"\b(?:v|version\s+|release\s+)\d+\.\d+", re.IGNORECASE)
# A short heading opened by a name joined to a full version, as release announcements are
# titled ("pytest-9.2.0"); "Upgrading from pre-3.0.0 style" names no release.
_NAMED_VERSION = re.compile(r"^\W*[^\W\d_][\w.]*-\d+\.\d+\.\d+\b")
_SHORT_WORDS = 4
# What every release heading holds ("unreleased", or a digit, a dot and a digit in both
# version patterns above): text without it names no release. Keep it in step with them.
_MAY_NAME_A_RELEASE = re.compile(r"\d\.\d|unreleased", re.IGNORECASE)


def is_release_document(path: str, title: str) -> bool:
    """A changelog or release-notes file, by its file name or its title."""
    return bool(_FILE.search(path) or _TITLE.match(title.strip()))


def is_release_heading(heading: str) -> bool:
    """A heading that names a release (a version, or "Unreleased")."""
    h = heading.strip()
    if h.casefold() == "unreleased":
        return True
    if _STARTS_WITH_VERSION.match(h):
        return True
    return len(h.split()) <= _SHORT_WORDS and bool(_MARKED_VERSION.search(h) or _NAMED_VERSION.match(h))


def may_name_a_release(text: str) -> bool:
    """False only when no heading inside `text` (any text holding headings, e.g. a
    document's section rows as JSON) can be a release heading: a cheap pre-check."""
    return _MAY_NAME_A_RELEASE.search(text) is not None


def is_release_passage(path: str, title: str, section: tuple[str, ...]) -> bool:
    """A passage of release history: in such a document, or under a release heading (the
    document's title counts as its top heading)."""
    return is_release_document(path, title) or any(is_release_heading(h) for h in (title, *section))
