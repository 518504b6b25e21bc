"""What the bot posts, as plain data (embeds, fields, buttons), fitted to Discord's limits.

Everything here is pure (no discord import) so the Discord adapter and the local console
draw exactly the same replies, and tests can check them without a network. The Discord
layer turns `ReplyData` into `discord.Embed`/`discord.ui.View`; bot.rendering.terminal
draws it as a box in a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .markdown import defuse_mentions, one_line, scrub, truncate, units

# Discord's documented limits, counted in UTF-16 code units (see markdown.units).
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
FIELDS_LIMIT = 25
EMBED_TOTAL_LIMIT = 6000  # title + description + field names/values + footer, all embeds of a message
EMBEDS_PER_MESSAGE = 10
BUTTONS_PER_MESSAGE = 25
BUTTON_LABEL_LIMIT = 80


# Button actions: stable names the Discord layer puts in custom ids and the console maps
# to commands.
ACTION_FULL = "full"
ACTION_MORE = "more"
ACTION_UP = "up"
ACTION_DOWN = "down"
# The application layer's buttons: teach under a no-answer reply, pages and CSV of lists.
ACTION_TEACH = "teach"
ACTION_PREV = "prev"
ACTION_NEXT = "next"
ACTION_CSV = "csv"


@dataclass(frozen=True, slots=True)
class FieldData:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class ButtonData:
    action: str  # one of the ACTION_* names
    label: str | None = None
    emoji: str | None = None
    style: str = "secondary"  # primary | secondary | success | danger

    @property
    def text(self) -> str:
        return " ".join(p for p in (self.emoji, self.label) if p)


@dataclass(frozen=True, slots=True)
class EmbedData:
    title: str | None = None
    description: str | None = None
    url: str | None = None
    fields: tuple[FieldData, ...] = ()
    footer: str | None = None
    color: int | None = None

    def total_chars(self) -> int:
        """What Discord counts towards the 6,000-character embed limit (UTF-16 units)."""
        return (
            units(self.title or "")
            + units(self.description or "")
            + units(self.footer or "")
            + sum(units(f.name) + units(f.value) for f in self.fields)
        )


@dataclass(frozen=True, slots=True)
class ReplyData:
    """One message: optional content, embeds and buttons; ephemeral replies only the asker sees."""

    content: str | None = None
    embeds: tuple[EmbedData, ...] = ()
    buttons: tuple[ButtonData, ...] = ()
    ephemeral: bool = False


def fit_embed(embed: EmbedData, budget: int = EMBED_TOTAL_LIMIT) -> EmbedData:
    """Enforce every per-part limit, then the total: trailing fields go first (they are
    the least important), then the description is shortened."""
    title = truncate(one_line(embed.title), TITLE_LIMIT) if embed.title else embed.title
    description = truncate(embed.description, DESCRIPTION_LIMIT) if embed.description else embed.description
    footer = truncate(embed.footer, FOOTER_LIMIT) if embed.footer else embed.footer
    fields = tuple(
        FieldData(
            truncate(one_line(f.name), FIELD_NAME_LIMIT) or "\u200b",
            truncate(f.value, FIELD_VALUE_LIMIT) or "\u200b",
            f.inline,
        )
        for f in embed.fields[:FIELDS_LIMIT]
    )
    out = replace(embed, title=title, description=description, footer=footer, fields=fields)
    while out.total_chars() > budget and out.fields:
        out = replace(out, fields=out.fields[:-1])
    if out.total_chars() > budget and out.description:
        room = budget - (out.total_chars() - units(out.description))
        out = replace(out, description=truncate(out.description, max(0, room)) or None)
    if out.total_chars() > budget and out.footer:
        room = budget - (out.total_chars() - units(out.footer))
        out = replace(out, footer=truncate(out.footer, max(0, room)) or None)
    if out.total_chars() > budget and out.title:
        out = replace(out, title=truncate(out.title, max(1, budget)))
    return out


def _safe(text: str | None) -> str | None:
    return defuse_mentions(scrub(text)) if text else text


def _safe_embed(e: EmbedData) -> EmbedData:
    return replace(
        e,
        title=_safe(e.title),
        description=_safe(e.description),
        footer=_safe(e.footer),
        url=scrub(e.url) if e.url else e.url,
        fields=tuple(FieldData(_safe(f.name) or "", _safe(f.value) or "", f.inline) for f in e.fields),
    )


def fit_reply(reply: ReplyData) -> ReplyData:
    """Make a reply sendable: no lone surrogates, no mention tokens in any text (defused
    after every normalisation, since this is the last step), then every message limit:
    content, number of embeds, their shared 6,000 budget, buttons. Idempotent."""
    content = truncate(_safe(reply.content) or "", CONTENT_LIMIT) if reply.content else reply.content
    embeds: list[EmbedData] = []
    left = EMBED_TOTAL_LIMIT
    for e in (_safe_embed(x) for x in reply.embeds[:EMBEDS_PER_MESSAGE]):
        if left <= 0:
            break
        fitted = fit_embed(e, left)
        embeds.append(fitted)
        left -= fitted.total_chars()
    buttons = tuple(
        replace(b, label=truncate(_safe(b.label) or "", BUTTON_LABEL_LIMIT) if b.label else b.label)
        for b in reply.buttons[:BUTTONS_PER_MESSAGE]
    )
    return replace(reply, content=content, embeds=tuple(embeds), buttons=buttons)


def reply_as_markdown(reply: ReplyData) -> str:
    """The reply as message content, for channels where the bot may not embed links."""
    reply = fit_reply(reply)
    parts = [reply.content] if reply.content else []
    for e in reply.embeds:
        if e.title:
            parts.append(f"**{e.title}**")
        if e.description:
            parts.append(e.description)
        for f in e.fields:
            parts.append(f"**{f.name}**\n{f.value}")
        if e.footer:
            parts.append(f"-# {e.footer}")
    return truncate("\n\n".join(parts), CONTENT_LIMIT)
