"""Who is acting and where, as the application layer wants it (bot/outcomes.py): decided at
run time from the interaction Discord sent, never from what the command tree showed."""

from __future__ import annotations

from typing import Any

import discord

from ..config import Settings
from ..outcomes import Actor, Where
from .checks import admin_standing


def holds_teacher_role(user: Any, settings: Settings) -> bool:
    """A member with one of TEACHER_ROLE_IDS (in a DM there are no roles)."""
    roles = getattr(user, "roles", None) or ()
    return any(getattr(r, "id", None) in settings.teacher_role_ids for r in roles)


def actor_for(interaction: discord.Interaction) -> Actor:
    # Interactions reach us through KnowledgeBot, which carries the settings (discord.Client does not).
    settings: Settings = interaction.client.settings  # type: ignore[attr-defined]
    user = interaction.user
    admin, not_home = admin_standing(interaction)
    return Actor(user.id, admin=admin, teacher=holds_teacher_role(user, settings), not_home=not_home)


def where_for(interaction: discord.Interaction, message: discord.Message | None = None) -> Where:
    """The interaction's place; with `message`, that message's id and jump link."""
    return Where(
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id,
        message_id=message.id if message is not None else None,
        jump_url=message.jump_url if message is not None else None,
    )
