"""Which text of a scraped web page is its main content, as trafilatura judges it.

trafilatura (optional: the `html` extra) scores a page's blocks for boilerplate: comment
threads, share bars, newsletter boxes, cookie banners and menus that sit inside the page's
content area, which a tag rule cannot tell from the article. Asked only for pages that do
not mark their main content (readers/html.py): inside a marked one it dropped real docs.
Its own output is flat text without anchors, code languages or admonitions, so the HTML
reader keeps its own tree and only asks here whether a block's text is part of what
trafilatura kept.
"""

from __future__ import annotations

import logging
import re

from ..errors import ReaderTimeout
from .librarylog import collected

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
_N = 3  # word n-grams: long enough to place a block, short enough to survive re-flowing
# trafilatura's time grows faster than the page (here: 0.3 s at 75 kB, 1.2 s at 300 kB, 10 s at
# 1.2 MB). Scraped articles are far smaller; bigger pages are exported manuals, whose markup
# the tag rule reads well, so they skip it.
MAX_MARKUP_CHARS = 512 * 1024


class MainText:
    """The main text of one page, for asking whether a block belongs to it."""

    def __init__(self, text: str) -> None:
        words = _words(text)
        self._grams = {k: set(_ngrams(words, k)) for k in range(1, _N + 1)}

    def covers(self, text: str) -> bool:
        """True when at least half of the block's word n-grams are in the main text."""
        words = _words(text)
        if not words:
            return False
        n = min(_N, len(words))
        grams = _ngrams(words, n)
        found = sum(1 for g in grams if g in self._grams[n])
        return 2 * found >= len(grams)


def main_text(markup: str, path: str) -> MainText | None:
    """trafilatura's main text of the page; None when it is not installed, finds nothing or
    fails (the caller then keeps its whole content area)."""
    try:
        import trafilatura
    except ImportError:
        return None
    if len(markup) > MAX_MARKUP_CHARS:
        log.info("%s: page too big for boilerplate scoring; reading the whole content area", path)
        return None
    try:
        with collected("trafilatura") as complaints:  # its ERROR lines name no file
            text = trafilatura.extract(
                markup,
                output_format="txt",
                include_comments=False,
                include_tables=True,
                include_images=False,
                include_links=False,
                include_formatting=False,
            )
    except ReaderTimeout:  # the caller's time limit (readers/html.py): not trafilatura's failure
        raise
    except Exception as exc:  # noqa: BLE001 - a third-party failure must not lose the file
        log.warning("%s: trafilatura failed (%s); reading the whole content area", path, exc)
        return None
    if not text or not text.strip():
        why = f" ({complaints[0][:200]})" if complaints else ""
        log.info("%s: trafilatura found no main text%s; reading the whole content area", path, why)
        return None
    return MainText(text)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _ngrams(words: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
