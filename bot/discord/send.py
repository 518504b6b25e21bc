"""Every message the bot sends goes through here: `ReplyData` becomes embeds and buttons,
and every send carries AllowedMentions.none(), so no question or knowledge paragraph can
ping anyone (the client default is none too; this guards against a future default change).
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from ..rendering.reply import (
    ButtonData,
    EmbedData,
    ReplyData,
    fit_reply,
    reply_as_markdown,
)

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()

_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}


def no_mentions() -> discord.AllowedMentions:
    """A fresh AllowedMentions that pings nobody (not @everyone, roles, users or the replied-to)."""
    return discord.AllowedMentions.none()


def to_embed(data: EmbedData) -> discord.Embed:
    embed = discord.Embed(title=data.title, description=data.description, url=data.url, colour=data.color)
    for f in data.fields:
        embed.add_field(name=f.name, value=f.value, inline=f.inline)
    if data.footer:
        embed.set_footer(text=data.footer)
    return embed


def button_style(button: ButtonData) -> discord.ButtonStyle:
    return _STYLES.get(button.style, discord.ButtonStyle.secondary)


def to_view(reply: ReplyData, key: str | None) -> discord.ui.View | None:
    """Buttons for a reply; their custom ids carry `key` (the id of the asking interaction
    or message) so clicks find the answer's state, even after a restart."""
    if not reply.buttons or key is None:
        return None
    view = discord.ui.View(timeout=None)
    for b in reply.buttons:
        # `kb:<action>:<key>`: whichever registered dynamic item's template matches handles the
        # click (AnswerButton for full/more/up/down, TeachButton for teach).
        view.add_item(
            discord.ui.Button(label=b.label, emoji=b.emoji, style=button_style(b), custom_id=f"kb:{b.action}:{key}")
        )
    # Clicks are dispatched by the registered dynamic items, not by this view; stopping it
    # keeps discord.py from holding one view per answer in memory forever.
    view.stop()
    return view


def message_kwargs(reply: ReplyData, key: str | None = None, *, as_text: bool = False) -> dict[str, Any]:
    """Keyword arguments for send/reply/send_message/followup.send."""
    reply = fit_reply(reply)  # the last step before sending: limits, no mentions (idempotent)
    kwargs: dict[str, Any] = {"allowed_mentions": no_mentions()}
    if as_text:
        kwargs["content"] = reply_as_markdown(reply)
    else:
        if reply.content:
            kwargs["content"] = reply.content
        if reply.embeds:
            kwargs["embeds"] = [to_embed(e) for e in reply.embeds]
    view = to_view(reply, key)
    if view is not None:
        kwargs["view"] = view
    return kwargs


async def respond(
    interaction: discord.Interaction, reply: ReplyData, key: str | None = None, *, ephemeral: bool | None = None
) -> discord.Message | None:
    """Answer an interaction, or follow up when it was already answered or deferred.
    Returns the message sent when Discord says which (it does for both, at no extra request)."""
    eph = reply.ephemeral if ephemeral is None else ephemeral
    kwargs = message_kwargs(reply, key)
    if interaction.response.is_done():
        return await interaction.followup.send(ephemeral=eph, wait=True, **kwargs)
    callback = await interaction.response.send_message(ephemeral=eph, **kwargs)
    resource = getattr(callback, "resource", None)
    return resource if isinstance(resource, discord.Message) else None


def _can_embed(channel: Any, guild: Any) -> bool:
    """Without Embed Links, Discord silently drops embeds: fall back to text then."""
    me = getattr(guild, "me", None)
    if guild is None or me is None or not hasattr(channel, "permissions_for"):
        return True
    try:
        return bool(channel.permissions_for(me).embed_links)
    except Exception:  # a partial channel may not know its overwrites
        return True


async def reply_to(
    message: discord.Message, reply: ReplyData, key: str | None = None, *, delete_after: float | None = None
) -> discord.Message | None:
    """Reply to a member's message without pinging them; still sends if it was deleted."""
    kwargs = message_kwargs(reply, key, as_text=not _can_embed(message.channel, message.guild))
    if delete_after is not None:  # discord.py takes a float or nothing, not None
        kwargs["delete_after"] = delete_after
    try:
        return await message.channel.send(
            reference=message.to_reference(fail_if_not_exists=False),
            **kwargs,
        )
    except discord.Forbidden:
        log.warning("no permission to reply in channel %s", getattr(message.channel, "id", "?"))
    return None


async def send_to(channel: Any, reply: ReplyData, key: str | None = None) -> discord.Message | None:
    kwargs = message_kwargs(reply, key, as_text=not _can_embed(channel, getattr(channel, "guild", None)))
    try:
        return await channel.send(**kwargs)
    except discord.Forbidden:
        log.warning("no permission to send in channel %s", getattr(channel, "id", "?"))
    return None
