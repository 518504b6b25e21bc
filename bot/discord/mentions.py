"""Who and what a text's raw mentions name, for text the bot keeps (bot/mentions.py): from
the message they came with, discord.py's caches, and else a few REST look-ups. Text a member
types into a form or a slash command's option comes with no names at all, and without the
members intent few members are cached, so the look-ups are what name most of them there.

Look-ups are made only for a member who may teach, when a teaching form opens or is
submitted (never for a question: anyone can ask, and a flood of look-ups of channels out of
sight, each refused with a 403, could get the bot's requests refused by Discord). One form's
look-ups share one budget (`Lookups`) of requests and time, however many texts they name.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord

from ..mentions import MentionNames, mentioned_ids
from .messages import message_names

log = logging.getLogger(__name__)

FETCH_LIMIT = 8  # REST requests per form: a pasted list of mentions must not flood Discord
FORM_DEADLINE_S = 0.75  # before a form opens: Discord waits 3 s for it, for everything
SUBMIT_DEADLINE_S = 3.0  # after deferring: time enough, but a slow Discord must not hold the answer
# What a look-up can fail with besides Discord's refusals: the network (naming is best
# effort, and so is teaching's fetch of a replied-to message).
LOOKUP_FAILED = (discord.HTTPException, discord.InvalidData, aiohttp.ClientError, OSError)


@dataclass(slots=True)
class Lookups:
    """What the look-ups of one form may still spend: REST requests, and the event loop's
    time they must be done by."""

    requests: int
    until: float

    @classmethod
    def start(cls, seconds: float, requests: int = FETCH_LIMIT) -> Lookups:
        return cls(requests, asyncio.get_running_loop().time() + seconds)

    def take(self) -> bool:
        """One request more, if any is left."""
        if self.requests <= 0:
            return False
        self.requests -= 1
        return True


def cached_mention_names(
    guild: discord.Guild | None, texts: Iterable[str], *, users: Mapping[int, str] | None = None
) -> MentionNames:
    """The names of what `texts` mention, from the guild's cache only (no request: for
    anyone's question, see above); `users`: members' names already known (a message's own
    mentions). A channel is named only when everyone in the server may see it: the name
    goes into a reply the whole channel reads. What is not found reads as unknown."""
    wanted = mentioned_ids(*texts)
    known = users or {}
    names: dict[int, str] = {uid: known[uid] for uid in wanted.users if known.get(uid)}
    if guild is None:
        return MentionNames(names)
    for uid in wanted.users - names.keys():
        member = guild.get_member(uid)
        if member is not None:
            names[uid] = member.display_name
    roles = {rid: role.name for rid in wanted.roles if (role := guild.get_role(rid)) is not None}
    channels = {
        cid: channel.name
        for cid in wanted.channels
        if (channel := guild.get_channel_or_thread(cid)) is not None and _seen_by_everyone(channel, guild)
    }
    return MentionNames(names, roles, channels)


def _seen_by_everyone(channel: discord.abc.GuildChannel | discord.Thread, guild: discord.Guild) -> bool:
    if isinstance(channel, discord.Thread) and channel.is_private():
        return False  # its members only, whatever the parent allows
    try:
        return channel.permissions_for(guild.default_role).view_channel
    except discord.ClientException:  # a thread whose parent is not cached
        return False


async def mention_names(
    client: discord.Client,
    guild: discord.Guild | None,
    texts: Iterable[str],
    *,
    message: Any = None,
    deadline: float = SUBMIT_DEADLINE_S,
    budget: Lookups | None = None,
) -> MentionNames:
    """The names of everything `texts` mention, as far as they can be found with `budget`
    (default: FETCH_LIMIT requests within `deadline` seconds); `message`: the message they
    came with (its mentions are known). Never raises for Discord's refusals or the
    network's failures: what cannot be named reads as unknown."""
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
    budget = budget if budget is not None else Lookups.start(deadline)
    if missing and budget.requests > 0:
        try:
            async with asyncio.timeout_at(budget.until):
                for is_user, key in missing:
                    if budget.requests <= 0:
                        break
                    name = await (
                        _fetch_user(client, guild, key, budget) if is_user else _fetch_channel(client, key, budget)
                    )
                    if name:
                        (users if is_user else channels)[key] = name
        except TimeoutError:
            log.info("naming mentions: Discord did not answer in time; the rest read as unknown")
    return MentionNames(users, roles, channels)


async def _fetch_user(client: discord.Client, guild: discord.Guild | None, user_id: int, budget: Lookups) -> str | None:
    try:
        if guild is not None and budget.take():
            try:
                return (await guild.fetch_member(user_id)).display_name  # the server's nickname, if any
            except discord.NotFound:
                pass  # not a member (any more): the user's own name
        return (await client.fetch_user(user_id)).display_name if budget.take() else None
    except LOOKUP_FAILED as exc:
        log.debug("no name for a mentioned user: %s", exc)
        return None


async def _fetch_channel(client: discord.Client, channel_id: int, budget: Lookups) -> str | None:
    if not budget.take():
        return None
    try:
        channel = await client.fetch_channel(channel_id)
    except LOOKUP_FAILED as exc:
        log.debug("no name for a mentioned channel: %s", exc)
        return None
    return getattr(channel, "name", None)
