"""Who may run admin commands: members with Manage Server in the bot's home server (the
one GUILD_IDS names, or its only server), plus configured users and roles.

`admin_only()` both hides the command from other members (default_permissions) and checks
at run time, because server owners can change command permissions in their settings and
configured admins may lack Manage Server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import discord
from discord import app_commands

from ..config import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")


class NotAdmin(app_commands.CheckFailure):
    """Raised by the admin check; the error handler turns it into a polite refusal."""

    def __init__(self, command: str = "reload") -> None:
        super().__init__(f"not allowed to use /{command}")
        self.command = command


def is_admin(user: Any, settings: Settings, permissions: discord.Permissions | None = None) -> bool:
    """True for a configured admin user, a member with a configured admin role, or a member
    with Manage Server (or Administrator) in `permissions` or in their guild permissions."""
    if user is None:
        return False
    if getattr(user, "id", None) in settings.admin_user_ids:
        return True
    perms = permissions if permissions is not None else getattr(user, "guild_permissions", None)
    if perms is not None and (perms.manage_guild or perms.administrator):
        return True
    roles = getattr(user, "roles", None) or ()
    return any(getattr(r, "id", None) in settings.admin_role_ids for r in roles)


def home_server(guild_id: int, settings: Settings, servers: Collection[int]) -> bool:
    """Whether Manage Server in this server says who runs the bot's knowledge base: one of
    GUILD_IDS when set, else the bot's only server (`servers`: the ids of the servers the
    bot is in). The knowledge base, its gaps and audit are the bot's, not a server's: once
    the bot is in several servers, anyone who invites it to their own would otherwise be an
    admin of everyone's knowledge base. The id, not the count: the app's commands can be
    added to a server without the bot (the applications.commands scope alone), and that
    server's interactions come to the bot all the same."""
    if settings.guild_ids:
        return guild_id in settings.guild_ids
    return set(servers) == {guild_id}


_WARNED: set[int] = set()  # servers whose Manage Server members were told off in the log


def interaction_is_admin(interaction: discord.Interaction) -> bool:
    settings: Settings = interaction.client.settings  # type: ignore[attr-defined]
    # interaction.permissions is resolved by Discord for the member in this channel, so it
    # is right even when the guild's roles are not cached; in DMs only the user ids count.
    guild_id = interaction.guild_id
    perms = interaction.permissions if guild_id is not None else None
    if perms is None or guild_id is None:
        return interaction.user.id in settings.admin_user_ids
    servers = [g.id for g in getattr(interaction.client, "guilds", ()) or ()]
    if not home_server(guild_id, settings, servers):
        # Configured users and roles still count (a role id names one server's role).
        if (perms.manage_guild or perms.administrator) and guild_id not in _WARNED:
            _WARNED.add(guild_id)  # once per server: autocomplete asks at every keystroke
            log.warning(
                "Manage Server in server %s does not make an admin here: it is not the bot's only "
                "server (the bot is in %d) and GUILD_IDS does not list it",
                guild_id,
                len(servers),
            )
        return is_admin(interaction.user, settings, discord.Permissions.none())
    return is_admin(interaction.user, settings, perms)


async def admin_predicate(interaction: discord.Interaction) -> bool:
    if interaction_is_admin(interaction):
        return True
    name = interaction.command.name if interaction.command is not None else "reload"
    raise NotAdmin(name)


def admin_only() -> Callable[[T], T]:
    """Decorator for admin app commands: hidden from non-admins, and checked when run."""

    def decorator(func: T) -> T:
        func = app_commands.default_permissions(manage_guild=True)(func)
        return app_commands.check(admin_predicate)(func)

    return decorator
