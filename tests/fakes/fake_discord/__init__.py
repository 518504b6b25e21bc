"""Loopback fake Discord (REST v10 + JSON gateway) for end-to-end tests with the real discord.py.

    from tests.fakes.fake_discord import FakeDiscord

    async with FakeDiscord() as fake, fake.patch_discord_py():
        async with fake.run_client(bot):
            msg = await fake.send_message("hi", mentions_bot=True)
            reply = await fake.wait_for_reply(msg)

See ``tests/fakes/fake_discord/server.py`` for the full API and ``tests/e2e/test_fake_discord.py`` for examples.
"""

from . import payloads
from .gateway import GatewayFrame
from .server import FakeDiscord, Fault, InteractionResponse, RecordedRequest

__all__ = ["FakeDiscord", "Fault", "GatewayFrame", "InteractionResponse", "RecordedRequest", "payloads"]
