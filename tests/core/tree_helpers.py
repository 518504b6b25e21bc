"""Looking into document trees in reader tests."""

from __future__ import annotations

from bot.documents.inline import to_plain
from bot.documents.model import (
    Admonition,
    Block,
    DocTree,
    ListBlock,
    Paragraph,
    Quote,
    walk_sections,
)


def all_blocks(blocks: tuple[Block, ...] | list[Block]) -> list[Block]:
    """Blocks with everything nested in lists, boxes and quotes, in reading order."""
    out: list[Block] = []
    for b in blocks:
        out.append(b)
        if isinstance(b, ListBlock):
            for item in b.items:
                out.extend(all_blocks(item))
        elif isinstance(b, (Admonition, Quote)):
            out.extend(all_blocks(b.blocks))
    return out


def tree_blocks(tree: DocTree) -> list[Block]:
    return [b for _, s in walk_sections(tree.root) for b in all_blocks(s.blocks)]


def prose(tree: DocTree) -> str:
    """The plain text of every paragraph, one a line."""
    return "\n".join(to_plain(b.md) for b in tree_blocks(tree) if isinstance(b, Paragraph))
