"""Pure helpers for reading questions out of ordinary Discord messages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from ..mentions import MentionNames, readable_mentions
from ..rendering.markdown import defuse_mentions, scrub, truncate
from ..rendering.messages import question_from_title, title_of_text_reply
from ..text import strip_mention_syntax

_QUESTION_WORDS = frozenset(
    "who whom whose what when where why how which is are am was were can could should "
    "would will shall do does did has have had may might must isn't aren't can't won't "
    "doesn't don't didn't".split()
)
THREAD_NAME_LIMIT = 100
# The Full passage button: only a reply that answers has it (views.CUSTOM_ID's "full").
ANSWER_BUTTON = re.compile(r"kb:full:(?P<key>[0-9]{1,20})(?::(?P<shown>[0-9a-f]{1,32}))?")


def answer_title(message: Any) -> str | None:
    """The title of the bot's answer on `message`: its embed's, or the bold first line of
    the same answer sent as text where the bot may not embed links."""
    if message is None:
        return None
    embeds = getattr(message, "embeds", None) or []
    if embeds:
        return embeds[0].title
    return title_of_text_reply(getattr(message, "content", None))


class Followed(NamedTuple):
    """The answer a message follows up: its question, the passage it showed (the
    fingerprint its buttons carry) and its key, when known."""

    question: str
    shown: str | None
    key: str | None


def followed_answer(message: Any, bot_id: int) -> Followed | None:
    """The bot's answer that `message` replies to, read from the answer's title and buttons
    (Discord sends the message replied to along: no request); None when it replies to no
    answer of the bot's. A no-answer reply does not count: it is where a teacher writes the
    answer, not a question to follow up."""
    replied = _replied(message)
    if replied is None or getattr(getattr(replied, "author", None), "id", None) != bot_id:
        return None
    rows = getattr(replied, "components", None) or ()
    ids = (getattr(item, "custom_id", None) or "" for row in rows for item in getattr(row, "children", ()))
    full = next((m for i in ids if (m := ANSWER_BUTTON.fullmatch(i))), None)
    question = question_from_title(answer_title(replied)) if full is not None else None
    return Followed(question, full.group("shown"), full.group("key")) if full is not None and question else None


def replies_to(message: Any, user_id: int) -> bool:
    """Whether `message` replies to a message of `user_id` (as far as Discord sent it along)."""
    replied = _replied(message)
    return getattr(getattr(replied, "author", None), "id", None) == user_id


def _replied(message: Any) -> Any:
    ref = getattr(message, "reference", None)
    return getattr(ref, "resolved", None) if ref is not None else None


def asks_more(text: str) -> bool:
    """Whether a message nobody addressed to the bot asks it something: a question ending
    in "?" (a member's "Does not work like that, it is silver now." under an answer is not)."""
    return looks_like_question(text) and (text or "").rstrip().endswith("?")


def thread_question(message: Any, bot_id: int, answer_channels: Iterable[int]) -> str | None:
    """The question an answer thread was opened for (the bot names it after the question)
    when `message` is posted in one: a thread the bot started in an answer channel. Further
    questions there follow that one up."""
    channel = getattr(message, "channel", None)
    if getattr(channel, "owner_id", None) != bot_id or getattr(channel, "parent_id", None) not in set(answer_channels):
        return None
    name = getattr(channel, "name", None)
    return name.removesuffix("…") if isinstance(name, str) and name.strip() else None


def message_names(message: Any) -> MentionNames:
    """The names of the members, roles and channels `message` mentions, from what Discord
    sent with it (members as members saw them: their display names)."""
    return MentionNames(
        {u.id: u.display_name for u in getattr(message, "mentions", None) or ()},
        {r.id: r.name for r in getattr(message, "role_mentions", None) or ()},
        {c.id: c.name for c in getattr(message, "channel_mentions", None) or () if getattr(c, "name", None)},
    )


def own_role_mentioned(message: Any, bot_id: int) -> int | None:
    """The id of the bot's own managed role when the message mentions it: typing "@Bot"
    offers the bot and its role alike, and members often pick the role."""
    for role in getattr(message, "role_mentions", None) or ():
        tags = role.tags
        if tags is not None and tags.bot_id == bot_id:
            return int(role.id)
    return None


def spoken_question(message: Any, bot_id: int, prefix: str | None = None, names: MentionNames | None = None) -> str:
    """The question a member's message asks, as people read it (a teaching form's prefill):
    the bot's mention, or its role's, or the `!ask` command (`prefix`: when prefix commands
    are on) gone; other mentions as "@name" and "#channel" (text in a form pings nobody), from
    `names` (default: the message's own); the rest of the mention syntax stripped as for the
    search."""
    text = getattr(message, "content", None) or ""
    asked = strip_prefix_command(text, prefix) if prefix else None
    text = strip_mention(asked if asked is not None else text, bot_id, own_role_mentioned(message, bot_id))
    return spoken_text(text, names if names is not None else message_names(message))


def spoken_text(text: str, names: MentionNames | None = None) -> str:
    """A question's text as people read it: mentions as names, and without the syntax that
    is left (@everyone, @here, custom emoji)."""
    return clean_question(readable_mentions(text, names))


def mention_pattern(user_id: int, role_id: int | None = None) -> re.Pattern[str]:
    """`<@id>` or `<@!id>`; with `role_id`, also that role's `<@&id>`."""
    role = rf"|<@&{int(role_id)}>" if role_id is not None else ""
    return re.compile(rf"<@!?{int(user_id)}>{role}")


def mentions_user(content: str, user_id: int) -> bool:
    """True when the text itself mentions the user (a reply to them does not count)."""
    return bool(mention_pattern(user_id).search(content or ""))


def strip_mention(content: str, user_id: int, role_id: int | None = None) -> str:
    """The question around a mention of the bot (or of its own role, `role_id`):
    `@Bot why Ramstein?` -> `why Ramstein?`."""
    text = mention_pattern(user_id, role_id).sub(" ", content or "")
    return " ".join(text.split()).lstrip(",:;").strip()


def clean_question(text: str) -> str:
    """The question without Discord mention syntax, which would only add noise words
    ("everyone") to the search. A message of mentions alone leaves an empty question,
    which the engine answers with "that doesn't look like a question". Cleaned the way the
    engine cleans text first, so "@\u200beveryone" and "＠everyone" are stripped too."""
    return strip_mention_syntax(text)


def strip_prefix_command(content: str, prefix: str, name: str = "ask") -> str | None:
    """The question after `!ask`, or None when the message is not that command. Matched
    as discord.py matches it (the bot is built with case_insensitive=True): the prefix
    exactly, at the very start, the name in any case; whatever this calls the command, the
    command answers."""
    text = content or ""
    if not prefix or not text.startswith(prefix):
        return None
    rest = text[len(prefix) :]
    if rest[: len(name)].casefold() != name.casefold():
        return None
    rest = rest[len(name) :]
    if rest and not rest[0].isspace():
        return None  # `!asking` is not `!ask`
    return rest.strip()


def looks_like_question(text: str) -> bool:
    """A message in an answer channel that reads as a question: it ends with `?`, or
    starts with a question word and has a few words. Chatter ("thanks!", "lol") doesn't."""
    text = " ".join((text or "").split())
    words = re.findall(r"[\w'’]+", text.lower())
    if not words:
        return False
    if text.rstrip().endswith("?"):
        return True
    return words[0].replace("’", "'") in _QUESTION_WORDS and len(words) >= 3


def thread_name(question: str) -> str:
    """A thread title from the question, cut on a word boundary to Discord's 100 characters
    (UTF-16 units); mention tokens stripped and lone surrogates replaced, like every text
    the bot sends."""
    text = defuse_mentions(scrub(clean_question(question))) or "Answer"
    return truncate(text, THREAD_NAME_LIMIT, "…")
