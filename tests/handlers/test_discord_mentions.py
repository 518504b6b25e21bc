"""Naming the mentions of text the bot keeps (bot/discord/mentions.py): from the message,
discord.py's caches, then a bounded number of look-ups within a deadline."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
import pytest

from bot.discord import mentions as mentions_mod
from bot.discord import teaching as teaching_mod
from bot.discord.mentions import cached_mention_names, mention_names
from tests.fakes.handler_fakes import FakeGuild, not_found


class Client:
    """discord.py's caches and look-ups, counting the look-ups."""

    def __init__(self, users: dict[int, str] | None = None, delay: float = 0.0) -> None:
        self.users = users or {}
        self.delay = delay
        self.fetched: list[int] = []

    def get_user(self, user_id: int) -> Any:
        return SimpleNamespace(display_name="Cached") if user_id == 1 else None

    def get_channel(self, channel_id: int) -> Any:
        return SimpleNamespace(name="general") if channel_id == 40 else None

    async def fetch_user(self, user_id: int) -> Any:
        self.fetched.append(user_id)
        await asyncio.sleep(self.delay)
        if user_id not in self.users:
            raise not_found("User")
        return SimpleNamespace(display_name=self.users[user_id])

    async def fetch_channel(self, channel_id: int) -> Any:
        self.fetched.append(channel_id)
        if channel_id == 41:
            return SimpleNamespace(name="a-thread")
        raise discord.Forbidden(SimpleNamespace(status=403, reason="Forbidden"), "Missing Access")


async def test_names_come_from_the_message_then_the_caches_then_look_ups():
    client = Client({3: "Erin"})
    guild = FakeGuild(99, members={2: "Dee (nick)"})
    guild.get_role = lambda rid: SimpleNamespace(name="Staff") if rid == 30 else None
    message = SimpleNamespace(
        mentions=[SimpleNamespace(id=5, display_name="Bob")], role_mentions=[], channel_mentions=[]
    )
    text = "<@5> <@1> <@2> <@3> <@4> <@&30> <@&31> <#40> <#41> <#42>"
    names = await mention_names(client, guild, (text,), message=message)
    assert dict(names.users) == {5: "Bob", 1: "Cached", 2: "Dee (nick)", 3: "Erin"}
    assert dict(names.roles) == {30: "Staff"} and dict(names.channels) == {40: "general", 41: "a-thread"}
    # Looked up: who the caches lack (a member's nickname first), and channels out of sight;
    # not the message's mentions, nor roles (they come with the server).
    assert client.fetched == [3, 4, 41, 42]
    assert await mention_names(client, guild, ("no mentions",)) == mentions_mod.MentionNames()


async def test_look_ups_are_bounded_in_number_and_time():
    client = Client()
    many = " ".join(f"<@{100 + i}>" for i in range(50))
    names = await mention_names(client, None, (many,))
    assert not names.users and len(client.fetched) == mentions_mod.FETCH_LIMIT

    slow = Client({7: "Slow"}, delay=5.0)
    t0 = time.monotonic()
    names = await mention_names(slow, None, ("<@7> <@8>",), deadline=0.05)
    assert time.monotonic() - t0 < 1.0 and not names.users  # what did not come in time reads as unknown


async def test_the_limit_counts_requests_and_one_form_shares_it():
    """FETCH_LIMIT counted ids, and a user not in the server cost two requests (the member,
    then the user): 16 for a pasted list. And a form named its question and its answer each
    with a budget of its own: 0.75 s and 8 ids twice before the form could open."""
    client = Client()
    guild = FakeGuild(99)  # nobody is a member: every user costs the member look-up too
    many = " ".join(f"<@{100 + i}>" for i in range(20))
    await mention_names(client, guild, (many,))
    assert len(guild.fetched) + len(client.fetched) == mentions_mod.FETCH_LIMIT
    assert guild.fetched == [100, 101, 102, 103] and client.fetched == [100, 101, 102, 103]

    client, guild = Client(), FakeGuild(99)
    budget = mentions_mod.Lookups.start(5.0)
    await mention_names(client, guild, ("<@1> " + many,), budget=budget)  # the question
    await mention_names(client, guild, ("<#50> <#51>",), budget=budget)  # the answer: nothing left
    assert len(guild.fetched) + len(client.fetched) == mentions_mod.FETCH_LIMIT and budget.requests == 0

    slow = Client({7: "Slow"}, delay=5.0)
    budget = mentions_mod.Lookups.start(0.05)
    t0 = time.monotonic()
    await mention_names(slow, None, ("<@7>",), budget=budget)
    await mention_names(slow, None, ("<@8>",), budget=budget)  # the time is spent too
    assert time.monotonic() - t0 < 1.0 and slow.fetched == [7, 8]


class Offline(Client):
    """The network fails under the look-ups (discord.py lets these through)."""

    async def fetch_user(self, user_id: int) -> Any:
        self.fetched.append(user_id)
        raise aiohttp.ClientConnectionError("Server disconnected")

    async def fetch_channel(self, channel_id: int) -> Any:
        self.fetched.append(channel_id)
        raise ConnectionResetError("Connection reset by peer")


async def test_a_network_failure_leaves_the_mentions_unknown_instead_of_failing_the_teaching():
    """Only Discord's refusals were caught: a dropped connection went up through the form,
    which then failed ("Something went wrong") instead of saving with unknown names."""
    client = Offline()
    names = await mention_names(client, None, ("<@7> in <#8>",))
    assert not names.users and not names.channels and client.fetched == [7, 8]


class OfflineChannel:
    """A channel whose fetch of a message fails under discord.py, on the network or in its reply."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.fetched: list[int] = []

    async def fetch_message(self, message_id: int) -> Any:
        self.fetched.append(message_id)
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        aiohttp.ClientOSError(104, "Connection reset by peer"),
        aiohttp.ServerDisconnectedError(),
        ConnectionResetError("Connection reset by peer"),
        discord.InvalidData("malformed message"),
        not_found("Message"),
    ],
    ids=lambda e: type(e).__name__,
)
async def test_teaching_fetches_the_replied_to_message_at_best_as_mentions_are_named(error, caplog):
    """Only Discord's refusals were caught: a dropped connection while fetching the message a
    teacher's answer replies under went up through the form ("Something went wrong")."""
    channel = OfflineChannel(error)
    caplog.set_level("INFO", logger="bot.discord.teaching")
    assert await teaching_mod._fetch(channel, 12) is None
    assert channel.fetched == [12]
    assert any("replied-to message could not be fetched" in r.getMessage() for r in caplog.records)


class CachedGuild(FakeGuild):
    """A server whose cache holds one member, one role and two channels, one of them hidden
    from @everyone; any look-up fails the test (a question must cost no request)."""

    def __init__(self) -> None:
        super().__init__(5)
        self.default_role = SimpleNamespace(id=5)
        public = SimpleNamespace(name="general", permissions_for=lambda role: discord.Permissions(view_channel=True))
        hidden = SimpleNamespace(name="mods-only", permissions_for=lambda role: discord.Permissions(view_channel=False))
        self.channels = {3: public, 4: hidden}

    def get_member(self, user_id: int) -> Any:
        return SimpleNamespace(display_name="Bob") if user_id == 1 else None

    def get_role(self, role_id: int) -> Any:
        return SimpleNamespace(name="duty officers") if role_id == 2 else None

    def get_channel_or_thread(self, channel_id: int) -> Any:
        return self.channels.get(channel_id)

    async def fetch_member(self, user_id: int) -> Any:
        raise AssertionError("a question's mentions are named from the cache only")


def test_a_questions_mentions_are_named_from_the_guild_cache_only():
    names = cached_mention_names(CachedGuild(), ("<@1> <@7> <@&2> <@&8> <#3> <#4> <#9>",), users={7: "Carol"})
    assert names.users == {1: "Bob", 7: "Carol"}  # a message's own mentions count too
    assert names.roles == {2: "duty officers"}
    # A channel's name goes into a reply the whole channel reads: only one everyone may see.
    assert names.channels == {3: "general"}
    # In a DM nothing is cached but what the message brought.
    assert cached_mention_names(None, ("<@1> <@7>",), users={7: "Carol"}).users == {7: "Carol"}
