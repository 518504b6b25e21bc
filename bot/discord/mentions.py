"""Who and what a text's raw mentions name, for text the bot keeps (bot/mentions.py): from
the message they came with, discord.py's caches, and else a few REST look-ups. Text a member
types into a form or a slash command's option comes with no names at all, and without the
members intent few members are cached, so the look-ups are what name most of them there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

import discord

from ..mentions import MentionNames, mentioned_ids
from .messages import message_names

log = logging.getLogger(__name__)

FETCH_LIMIT = 8  # look-ups per text: a pasted list of mentions must not flood Discord
FORM_DEADLINE_S = 0.75  # before a form opens: Discord waits 3 s for it, for everything
SUBMIT_DEADLINE_S = 3.0  # after deferring: time enough, but a slow Discord must not hold the answer


async def mention_names(
    client: discord.Client,
    guild: discord.Guild | None,
    texts: Iterable[str],
    *,
    message: Any = None,
    deadline: float = SUBMIT_DEADLINE_S,
) -> MentionNames:
    """The names of everything `texts` mention, as far as they can be found within
    `deadline` seconds; `message`: the message they came with (its mentions are known).
    Never raises for Discord's refusals: what cannot be named reads as unknown."""
    wanted = mentioned_ids(*texts)
    known = message_names(message) if message is not None else MentionNames()
    if not wanted:
        return known
    users, roles, channels = dict(known.users), dict(known.roles), dict(known.channels)
    for uid in wanted.users - users.keys():
        cached = (guild.get_member(uid) if guild is not None else None) or client.get_user(uid)
        if cached is not None:
            users[uid] = cached.display_name
    for rid in wanted.roles - roles.keys():
        role = guild.get_role(rid) if guild is not None else None
        if role is not None:
            roles[rid] = role.name
    for cid in wanted.channels - channels.keys():
        name = getattr(client.get_channel(cid), "name", None)
        if name:
            channels[cid] = name
    # Roles come with the guild: one not there is gone, and there is nothing to look up.
    missing = [(True, uid) for uid in sorted(wanted.users - users.keys())]
    missing += [(False, cid) for cid in sorted(wanted.channels - channels.keys())]
    if missing:
        try:
            async with asyncio.timeout(deadline):
                for is_user, key in missing[:FETCH_LIMIT]:
                    name = await (_fetch_user(client, guild, key) if is_user else _fetch_channel(client, key))
                    if name:
                        (users if is_user else channels)[key] = name
        except TimeoutError:
            log.info("naming mentions: Discord did not answer within %.1f s; the rest read as unknown", deadline)
    return MentionNames(users, roles, channels)


async def _fetch_user(client: discord.Client, guild: discord.Guild | None, user_id: int) -> str | None:
    try:
        if guild is not None:
            try:
                return (await guild.fetch_member(user_id)).display_name  # the server's nickname, if any
            except discord.NotFound:
                pass  # not a member (any more): the user's own name
        return (await client.fetch_user(user_id)).display_name
    except (discord.HTTPException, discord.InvalidData) as exc:
        log.debug("no name for a mentioned user: %s", exc)
        return None


async def _fetch_channel(client: discord.Client, channel_id: int) -> str | None:
    try:
        channel = await client.fetch_channel(channel_id)
    except (discord.HTTPException, discord.InvalidData) as exc:
        log.debug("no name for a mentioned channel: %s", exc)
        return None
    return getattr(channel, "name", None)
