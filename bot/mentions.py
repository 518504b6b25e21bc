"""Discord mentions as members read them. In a message's text a mention is a raw id
(`<@id>`, `<@!id>`, `<@&id>`, `<#id>`) that Discord draws as "@name" or "#channel"; text the
bot keeps (a learned answer, a teaching form's question) holds the name instead, as plain
text: it reads the same in a file and in the console, and it pings nobody when shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .rendering.markdown import UNKNOWN_CHANNEL, UNKNOWN_ROLE, UNKNOWN_USER
from .text import MENTION_SYNTAX, clean_invisible

# A user (<@id>, or <@!id> from older clients), role (<@&id>) or channel (<#id>) mention.
MENTION = re.compile(r"<(@!?|@&|#)([0-9]{1,20})>")
CUSTOM_EMOJI = re.compile(r"<a?:(\w+):[0-9]+>")
_NAME_JUNK = re.compile(r"[<>]")  # a name must not make a mention of its own
# What Discord's Markdown reads inside a line: in a name it is a character of the name (the
# mention showed it so), not bold, code, a spoiler or a link ([text](url)).
_NAME_MARKUP = re.compile(r"([\\*_`~|\[\]])")


@dataclass(frozen=True, slots=True)
class MentionIds:
    """The ids a text mentions, by kind."""

    users: frozenset[int] = frozenset()
    roles: frozenset[int] = frozenset()
    channels: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.users or self.roles or self.channels)


@dataclass(frozen=True, slots=True)
class MentionNames:
    """The names of mentioned members (as members see them), roles and channels, by id;
    those not here read as unknown."""

    users: Mapping[int, str] = field(default_factory=dict)
    roles: Mapping[int, str] = field(default_factory=dict)
    channels: Mapping[int, str] = field(default_factory=dict)


def mentioned_ids(*texts: str) -> MentionIds:
    found: dict[str, set[int]] = {"users": set(), "roles": set(), "channels": set()}
    for text in texts:
        for m in MENTION.finditer(text or ""):
            found[_kind(m[1])].add(int(m[2]))
    return MentionIds(frozenset(found["users"]), frozenset(found["roles"]), frozenset(found["channels"]))


def _kind(sigil: str) -> str:
    return "channels" if sigil == "#" else "roles" if sigil == "@&" else "users"


def _clean(name: str | None, sign: str, markdown: bool) -> str | None:
    # Stripped again after the sign: a thread named "# news" reads "#news", not "# news" (a
    # Markdown heading at the start of a line).
    text = " ".join(_NAME_JUNK.sub("", name or "").split()).lstrip(sign).strip()
    if markdown:
        text = _NAME_MARKUP.sub(r"\\\1", text)
    return f"{sign}{text}" if text else None


def readable_mentions(text: str, names: MentionNames | None = None, *, markdown: bool = False) -> str:
    """`text` with each mention as members read it: "@name" for a member or role, "#name" for
    a channel, and "@unknown-user" (role, channel) for one `names` lacks; never a raw id.
    `markdown`: `text` is Markdown (a learned answer), so a name's markup characters are
    escaped: "@__bob__" reads as the name, not as "@" and a bold "bob"."""
    names = names or MentionNames()
    return MENTION.sub(lambda m: _named(m, names, markdown), text or "")


def _named(m: re.Match[str], names: MentionNames, markdown: bool) -> str:
    kind, key = _kind(m[1]), int(m[2])
    if kind == "channels":
        return _clean(names.channels.get(key), "#", markdown) or UNKNOWN_CHANNEL
    if kind == "roles":
        return _clean(names.roles.get(key), "@", markdown) or UNKNOWN_ROLE  # @everyone's name has its "@"
    return _clean(names.users.get(key), "@", markdown) or UNKNOWN_USER


def named_syntax(text: str, names: MentionNames | None = None, mark: str = "") -> str:
    """`text` with all the mention syntax the search drops (text.strip_mention_syntax) as
    members read it, for where Discord draws none of it (an embed title): mentions as
    readable_mentions names them, a custom emoji as ":name:"; @everyone and @here go.
    Each piece is wrapped in `mark`, which no name holds (invisible characters go), so that
    the question searched can be told from the names around it."""
    names = names or MentionNames()

    def one(m: re.Match[str]) -> str:
        mention = MENTION.fullmatch(m[0])
        emoji = CUSTOM_EMOJI.fullmatch(m[0])
        if mention is not None:
            piece = _named(mention, names, markdown=False)
        elif emoji is not None:
            piece = f":{emoji[1]}:"
        elif m[0].startswith("@"):
            return " "  # @everyone, @here: no one in particular to name
        else:  # an id too long to be one: unknown, as a mention of its kind
            piece = UNKNOWN_CHANNEL if m[0][1] == "#" else UNKNOWN_ROLE if m[0][2] == "&" else UNKNOWN_USER
        return f"{mark}{clean_invisible(piece)}{mark}"

    return " ".join(MENTION_SYNTAX.sub(one, clean_invisible(text or "")).split())
