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
from ..outcomes import NOT_HOME_CONNECTING, NOT_HOME_INFERRED, NOT_HOME_LISTED

log = logging.getLogger(__name__)

T = TypeVar("T")


class NotAdmin(app_commands.CheckFailure):
    """Raised by the admin check; the error handler turns it into a polite refusal. `not_home`:
    the member has Manage Server, which does not count in this server (outcomes.NOT_HOME_*)."""

    def __init__(self, command: str = "reload", not_home: str | None = None) -> None:
        super().__init__(f"not allowed to use /{command}")
        self.command = command
        self.not_home = not_home


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


def not_home(guild_id: int, settings: Settings, servers: Collection[int], complete: bool = True) -> str | None:
    """None when Manage Server in this server says who runs the bot's knowledge base, else
    why not (outcomes.NOT_HOME_*). Home is one of GUILD_IDS when set, else the bot's only
    server (`servers`: the ids of the servers the bot is in, `complete`: whether that list
    is whole, i.e. every shard has connected). The knowledge base, its gaps and audit are the
    bot's, not a server's: once the bot is in several servers, anyone who invites it to their
    own would otherwise be an admin of everyone's knowledge base. The id, not the count: the
    app's commands can be added to a server without the bot (the applications.commands scope
    alone), and that server's interactions come to the bot all the same."""
    if settings.guild_ids:
        # Named: nothing is inferred, so shards still connecting change nothing.
        return None if guild_id in settings.guild_ids else NOT_HOME_LISTED
    if not complete:
        # Servers of shards not yet connected are missing from the list: "its only server"
        # cannot be told yet (it could be one of several), so not yet.
        return NOT_HOME_CONNECTING
    return None if set(servers) == {guild_id} else NOT_HOME_INFERRED


_WARNED: set[int] = set()  # servers whose Manage Server members were told off in the log


def admin_standing(interaction: discord.Interaction) -> tuple[bool, str | None]:
    """Whether the member is an admin here, and if not while holding Manage Server, why that
    does not count here (outcomes.NOT_HOME_*; the refusal says so, not "you are no admin")."""
    settings: Settings = interaction.client.settings  # type: ignore[attr-defined]
    # interaction.permissions is resolved by Discord for the member in this channel, so it
    # is right even when the guild's roles are not cached; in DMs only the user ids count.
    guild_id = interaction.guild_id
    perms = interaction.permissions if guild_id is not None else None
    if perms is None or guild_id is None:
        return interaction.user.id in settings.admin_user_ids, None
    client = interaction.client
    servers = [g.id for g in getattr(client, "guilds", ()) or ()]
    why = not_home(guild_id, settings, servers, complete=client.is_ready())
    if why is None:
        return is_admin(interaction.user, settings, perms), None
    # Configured users and roles still count (a role id names one server's role).
    if is_admin(interaction.user, settings, discord.Permissions.none()):
        return True, None
    if not (perms.manage_guild or perms.administrator):
        return False, None
    if why != NOT_HOME_CONNECTING and guild_id not in _WARNED:
        _WARNED.add(guild_id)  # once per server: autocomplete asks at every keystroke
        log.warning(
            "Manage Server in server %s does not make an admin here: it is not the bot's only "
            "server (the bot is in %d) and GUILD_IDS does not list it",
            guild_id,
            len(servers),
        )
    return False, why


def interaction_is_admin(interaction: discord.Interaction) -> bool:
    return admin_standing(interaction)[0]


async def admin_predicate(interaction: discord.Interaction) -> bool:
    admin, why = admin_standing(interaction)
    if admin:
        return True
    name = interaction.command.name if interaction.command is not None else "reload"
    raise NotAdmin(name, why)


def admin_only() -> Callable[[T], T]:
    """Decorator for admin app commands: hidden from non-admins, and checked when run."""

    def decorator(func: T) -> T:
        func = app_commands.default_permissions(manage_guild=True)(func)
        return app_commands.check(admin_predicate)(func)

    return decorator
