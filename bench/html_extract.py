"""Main-content extraction on scraped HTML pages: the HTML reader's tag rule against
trafilatura and readability-lxml (when installed), on the fixture pages in tests/core/data.

For each page, `KEEP` phrases are article text and `JUNK` phrases page furniture (cookie
banner, menus, comments, related links, footer). Printed: phrases kept / junk let through.

    python bench/html_extract.py
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.documents.model import ReadOptions, walk_sections
from bot.documents.readers import html as html_reader
from bot.documents.scraped import DEFAULT_JUNK_MARKERS

DATA = ROOT / "tests" / "core" / "data"

PAGES: dict[str, tuple[list[str], list[str]]] = {
    "news-article.html": (
        [
            "Riverside town council has voted",
            "funded mostly by a regional transport grant",
            "safer for everyone",
            "Concerns from traders",
            "loss of twelve parking spaces",
            "on display at the library until the end of June",
            "where the first lane will be built",
        ],
        [
            "We use cookies",
            "Accept all",
            "Sport",
            "Share on Facebook",
            "Bus fares frozen",
            "morning briefing",
            "Topics:",
            "terrifying at rush hour",
            "nobody cycles in winter",
            "Fire at the old mill",
            "All rights reserved",
            "Advertisement",
            "Home",
        ],
    ),
    "news-divsoup.html": (
        [
            "return to Porthwen this weekend",
            "ten thousand visitors",
            "storm damage to the quay wall",
            "400,000",
            "fireworks display closes the festival",
        ],
        [
            "uses cookies",
            "Log in",
            "What's On",
            "Contact us",
            "Posted by admin",
            "Facebook",
            "Quay wall repairs finished",
            "we go every year",
            "parking will be a nightmare",
            "Lifeboat crew",
            "Holiday cottages",
            "Registered in England",
            "Privacy policy",
        ],
    ),
    # Written after the reader's class/id furniture words were chosen: a held-out page.
    "blog-wordpress.html": (
        [
            "whether they should dig up their dahlias",
            "cut the stems down to about fifteen centimetres",
            "Drying and storing",
            "Label every clump with its variety",
            "Mist shrivelled tubers",
            "plant out after the last frost",
        ],
        [
            "Skip to content",
            "Muddy boots",
            "About me",
            "Plot map",
            "Posted on",
            "Spread the word",
            "Similar posts",
            "Why my leeks bolted",
            "Tagged",
            "Previous post",
            "lost all mine last year",
            "thick mulch of straw",
            "Recent Posts",
            "Follow the blog",
            "Proudly powered by WordPress",
        ],
    ),
    "docs-page.html": (
        [
            "reads its settings from a TOML file",
            "The config file",
            "widgetry.toml",
            "--config /etc/widgetry.toml",
            "size_mb = 64",
            "Keep secrets out of the file",
            "WIDGETRY_SERVER_PORT",
            "Port the server listens on",
            "Precedence",
            "including those from a .env file",
            "The config file",
        ],
        [
            "Skip to content",
            "Introduction",
            "Installation",
            "FAQ",
            "Made with Material",
            "Previous:",
            "Environment variablesEnvironment",
        ],
    ),
}


def tag_rule(markup: str) -> str:
    """The reader without trafilatura's boilerplate judgement."""
    keep = html_reader.main_text
    html_reader.main_text = lambda markup, path: None  # type: ignore[assignment]
    try:
        return ours(markup)
    finally:
        html_reader.main_text = keep


def ours(markup: str) -> str:
    tree = html_reader.read("page.html", markup.encode(), ReadOptions(junk_markers=DEFAULT_JUNK_MARKERS))
    parts = [tree.title or ""]
    for _, section in walk_sections(tree.root):
        parts.append(section.heading)
        parts.extend(html_reader._event_text(b) for b in section.blocks)
    return "\n".join(parts)


def trafilatura_text(markup: str) -> str:
    import trafilatura  # type: ignore[import-untyped,unused-ignore]

    return (
        trafilatura.extract(
            markup, output_format="markdown", include_tables=True, include_comments=False, include_formatting=False
        )
        or ""
    )


def readability_text(markup: str) -> str:
    import lxml.html  # type: ignore[import-untyped,unused-ignore]
    from readability import Document  # type: ignore[import-untyped,unused-ignore]

    doc = Document(markup)
    return doc.title() + "\n" + lxml.html.fromstring(doc.summary()).text_content()


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("`", "").replace("*", "").replace("\\", "")).casefold()


def main() -> None:
    extractors: dict[str, Callable[[str], str]] = {"html reader, tag rule": tag_rule}
    candidates: tuple[tuple[str, Callable[[str], str], str], ...] = (
        ("html reader + trafilatura", ours, "trafilatura"),
        ("trafilatura alone", trafilatura_text, "trafilatura"),
        ("readability-lxml", readability_text, "readability"),
    )
    for name, fn, module in candidates:
        try:
            __import__(module)
        except ImportError:
            print(f"{name}: not installed, skipped")
            continue
        extractors[name] = fn
    for page, (keep, junk) in PAGES.items():
        markup = (DATA / page).read_text(encoding="utf-8")
        print(f"\n{page}: {len(keep)} article phrases, {len(junk)} junk phrases")
        for name, fn in extractors.items():
            text = norm(fn(markup))
            kept = [k for k in keep if norm(k) in text]
            let = [j for j in junk if re.search(r"\b" + re.escape(norm(j)) + r"\b", text)]
            missing = [k for k in keep if k not in kept]
            print(
                f"  {name:26} kept {len(kept)}/{len(keep)}  junk {len(let)}/{len(junk)}  missing={missing}  junk={let}"
            )


if __name__ == "__main__":
    main()
