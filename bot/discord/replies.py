"""Answering an interaction with a rendered reply plus a view or a file of the adapter's
own (pager buttons, a CSV): `send.message_kwargs` builds the message, so every reply
still carries AllowedMentions.none()."""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable

import discord

from ..rendering.messages import render_error
from ..rendering.reply import ReplyData
from .send import message_kwargs

log = logging.getLogger(__name__)


def text_file(name: str, text: str) -> discord.File:
    return discord.File(io.BytesIO(text.encode("utf-8")), filename=name)


async def reply_with(
    interaction: discord.Interaction,
    reply: ReplyData,
    *,
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
) -> None:
    """A new (ephemeral when the reply says so) message, or a follow-up once deferred."""
    kwargs = message_kwargs(reply)  # no key: the adapter supplies the view, if any
    if view is not None:
        kwargs["view"] = view
    if file is not None:
        kwargs["file"] = file
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=reply.ephemeral, **kwargs)
    else:
        await interaction.response.send_message(ephemeral=reply.ephemeral, **kwargs)


async def replace_with(
    interaction: discord.Interaction, reply: ReplyData, *, view: discord.ui.View | None = None
) -> None:
    """Edit the message the clicked button sits on (a page turn: callback type 7)."""
    kwargs = message_kwargs(reply)
    kwargs.setdefault("content", None)
    kwargs.setdefault("embeds", [])
    kwargs["view"] = view
    await interaction.response.edit_message(**kwargs)


async def guarded(interaction: discord.Interaction, what: str, action: Awaitable[None]) -> None:
    """Run a button's or modal's work; an unexpected error becomes the short error message
    (the log keeps the traceback), never a silent "This interaction failed"."""
    try:
        await action
    except Exception:
        log.exception("%s failed", what)
        try:
            await reply_with(interaction, render_error())
        except discord.HTTPException:
            log.warning("could not tell the member that %s failed", what)
