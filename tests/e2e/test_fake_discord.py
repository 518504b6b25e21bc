"""Proves tests.fakes.fake_discord against the real, unmodified discord.py client.

A tiny commands.Bot defined here logs in over loopback HTTP, connects to the fake gateway,
answers messages, slash commands and button clicks, and recovers from injected faults.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fakes.fake_discord import FakeDiscord, payloads

MESSAGES_ROUTE = "/channels/{channel_id}/messages"


class AnswerView(discord.ui.View):
    """A feedback button under an answer; records who clicked it."""

    def __init__(self, clicks: list[int]) -> None:
        # timeout=None: no timer task left pending when the test's event loop closes.
        super().__init__(timeout=None)
        self.clicks = clicks

    @discord.ui.button(label="Helpful", style=discord.ButtonStyle.success, custom_id="helpful")
    async def helpful(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        self.clicks.append(interaction.user.id)
        await interaction.response.edit_message(content="Thanks for the feedback!", view=None)

    @discord.ui.button(label="More", custom_id="more")
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        # Type 6 (deferred update), then edit the message the button sits on via @original.
        await interaction.response.defer()
        await interaction.edit_original_response(content="Here is more detail.")


class SmallBot(commands.Bot):
    """Answers mentions with an embed, offers a button, and has /ask and /slow slash commands."""

    def __init__(self, guild_id: str, *, intents: discord.Intents | None = None, **options: Any) -> None:
        if intents is None:
            intents = discord.Intents.default()
            intents.message_content = True
        # guild_ready_timeout: on_ready otherwise waits 2 s after the last GUILD_CREATE.
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.05, **options)
        self.guild = discord.Object(id=int(guild_id))
        self.seen: list[tuple[str, str]] = []  # (channel type, content) of every message received
        self.clicks: list[int] = []
        self.command_errors: list[BaseException] = []
        self.slow_delay = 0.0

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py sleeps 5 s before every re-IDENTIFY; tests don't need to be polite.
        return None

    async def setup_hook(self) -> None:
        bot = self

        @app_commands.command(name="ask", description="Ask the knowledge base a question")
        @app_commands.describe(question="What you want to know", top_k="How many passages")
        async def ask(interaction: discord.Interaction, question: str, top_k: int = 3) -> None:
            await interaction.response.send_message(f"Q: {question} (k={top_k})", ephemeral=True)

        @app_commands.command(name="slow", description="Deferred answer")
        async def slow(interaction: discord.Interaction) -> None:
            await asyncio.sleep(bot.slow_delay)
            await interaction.response.defer(thinking=True)
            await interaction.followup.send("done thinking")

        @self.tree.error
        async def on_tree_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
            bot.command_errors.append(error)

        self.tree.add_command(ask, guild=self.guild)
        self.tree.add_command(slow, guild=self.guild)
        await self.tree.sync(guild=self.guild)

    async def on_message(self, message: discord.Message) -> None:
        if not message.author.bot:
            self.seen.append((str(message.channel.type), message.content))
        if message.author.bot or self.user is None or self.user not in message.mentions:
            return
        if "button" in message.content:
            await message.reply("Was this helpful?", view=AnswerView(self.clicks))
            return
        embed = discord.Embed(title="Answer", description=f"You said: {message.clean_content}")
        embed.add_field(name="Source", value="seed article, passage 1")
        await message.reply(embed=embed, mention_author=False)


class ShardedBot(commands.AutoShardedBot):
    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.05)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None

    async def on_message(self, message: discord.Message) -> None:
        if not message.author.bot:
            await message.channel.send(f"shard {message.guild.shard_id if message.guild else None}")


@contextlib.asynccontextmanager
async def serving(**kwargs: Any) -> AsyncIterator[FakeDiscord]:
    """A started fake with discord.py pointed at it; globals restored afterwards."""
    async with FakeDiscord(**kwargs) as fake:
        with fake.patch_discord_py():
            yield fake


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    async with serving() as server:
        yield server
    assert discord.http.Route.BASE == base
    assert discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY == gateway


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[SmallBot]:
    client = SmallBot(fake.guild_id)
    async with fake.run_client(client):
        yield client


async def test_login_message_and_embed_reply(fake: FakeDiscord, bot: SmallBot) -> None:
    me = fake.requests_to("GET", "/users/@me")[0]
    assert me.headers["Authorization"] == f"Bot {fake.token}"
    assert fake.requests_to("GET", "/oauth2/applications/@me")[0].status == 200
    assert bot.user is not None and str(bot.user.id) == fake.bot_user["id"]
    assert bot.application_id == int(fake.application_id)
    assert bot.get_guild(int(fake.guild_id)) is not None

    assert fake.gateway_frames("recv", op=2)[0].payload["d"]["intents"] == bot.intents.value

    msg = await fake.send_message("what is bm25?", mentions_bot=True)
    reply = await fake.wait_for_reply(msg)

    assert reply["embeds"][0]["title"] == "Answer"
    assert reply["embeds"][0]["fields"][0]["name"] == "Source"
    post = fake.requests_to("POST", MESSAGES_ROUTE)[0]
    assert post.params["channel_id"] == fake.channel_id
    assert post.json["message_reference"]["message_id"] == int(msg["id"])
    assert post.json["allowed_mentions"]["replied_user"] is False
    assert post.headers["Content-Type"] == "application/json"
    assert fake.unknown_routes == []


async def test_a_referenced_message_comes_one_level_deep(fake: FakeDiscord, bot: SmallBot) -> None:
    """Discord sends a reply's referenced_message without that message's own referenced_message
    (its message_reference stays); the fake nested them all the way up."""
    first = await fake.send_message("first")
    second = await fake.send_message("second", reply_to=first)
    asked = await fake.send_message("what is bm25?", mentions_bot=True, reply_to=second)
    reply = await fake.wait_for_reply(asked)  # the bot's, posted over REST
    for message, parent in ((second, first), (asked, second), (reply, asked)):
        referenced = message["referenced_message"]
        assert referenced["id"] == parent["id"] and "referenced_message" not in referenced, message
    assert asked["referenced_message"]["message_reference"]["message_id"] == first["id"]
    assert fake.messages[second["id"]]["referenced_message"]["id"] == first["id"]  # its own level stays


async def test_gateway_uses_zlib_stream_and_plain_json(fake: FakeDiscord) -> None:
    # discord.py connects with compress=zlib-stream ...
    client = SmallBot(fake.guild_id)
    async with fake.run_client(client):
        pass
    first = fake.connection_history[1]
    assert (first.path, first.compress) == ("/gateway", "zlib-stream")

    # ... and a client without compression gets plain text frames.
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(fake.gateway_url + "?v=10&encoding=json") as ws:
            hello = await ws.receive(timeout=2)
            assert hello.type is aiohttp.WSMsgType.TEXT and json.loads(hello.data)["op"] == 10
            await ws.send_json({"op": 2, "d": {"token": fake.token, "intents": 1, "properties": {}}})
            ready = json.loads((await ws.receive(timeout=2)).data)
            assert ready["t"] == "READY" and ready["d"]["resume_gateway_url"].startswith("ws://127.0.0.1:")
        async with session.ws_connect(fake.gateway_url + "?v=10&encoding=json&compress=zlib-stream") as ws:
            frame = await ws.receive(timeout=2)
            assert frame.type is aiohttp.WSMsgType.BINARY and frame.data.endswith(b"\x00\x00\xff\xff")
            assert json.loads(zlib.decompressobj().decompress(frame.data))["op"] == 10


async def test_slash_command_synced_and_answered(fake: FakeDiscord, bot: SmallBot) -> None:
    put = fake.requests_to("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")[0]
    assert {c["name"] for c in put.json} == {"ask", "slow"}
    assert put.response[0]["application_id"] == fake.application_id and "version" in put.response[0]

    interaction = await fake.send_slash_command("ask", {"question": "What is BM25?", "top_k": 2})
    assert interaction["data"]["options"][1] == {"name": "top_k", "type": 4, "value": 2}
    response = await fake.wait_for_interaction_response(interaction)

    assert response.type == 4 and response.ephemeral
    assert response.data["content"] == "Q: What is BM25? (k=2)"
    assert response.request.query.get("with_response") == "1"
    assert "Authorization" not in response.request.headers  # callbacks authenticate by token
    assert response.message is not None and response.message["interaction_metadata"]["name"] == "ask"

    with pytest.raises(LookupError):
        await fake.send_slash_command("not-synced")
    assert fake.unknown_routes == []


async def test_deferred_slash_command_follow_up(fake: FakeDiscord, bot: SmallBot) -> None:
    interaction = await fake.send_slash_command("slow")
    response = await fake.wait_for_interaction_response(interaction)
    assert response.type == 5

    followup = await fake.wait_for_request(lambda r: r.matches("POST", "/webhooks/{application_id}/{token}"))
    assert followup.status == 200 and followup.json["content"] == "done thinking"
    # Discord quirk emulated: the first follow-up after a defer replaces the "thinking..." message.
    assert response.message is not None and followup.response["id"] == response.message["id"]
    assert not followup.response["flags"] & payloads.MESSAGE_FLAG_LOADING


async def test_interaction_answered_too_late_is_unknown(fake: FakeDiscord, bot: SmallBot) -> None:
    fake.interaction_deadline = 0.05
    bot.slow_delay = 0.2  # the command forgets to defer in time
    interaction = await fake.send_slash_command("slow")
    late = await fake.wait_for_request(
        lambda r: r.matches("POST", "/interactions/{interaction_id}/{interaction_token}/callback")
    )
    assert late.status == 404 and late.response["code"] == 10062
    await fake.wait_until(lambda: bot.command_errors, 2.0, "the command error")
    assert isinstance(bot.command_errors[0].__cause__, discord.NotFound)
    assert interaction["id"] not in {r.interaction_id for r in fake.interaction_responses}


async def test_button_click_reaches_view_callback(fake: FakeDiscord, bot: SmallBot) -> None:
    msg = await fake.send_message("show me a button", mentions_bot=True)
    answer = await fake.wait_for_reply(msg)
    assert answer["components"][0]["components"][0]["custom_id"] == "helpful"

    click = await fake.click_button(answer, "helpful")
    response = await fake.wait_for_interaction_response(click)

    assert bot.clicks == [int(fake.default_user["id"])]
    assert response.type == 7
    assert fake.messages[answer["id"]]["content"] == "Thanks for the feedback!"
    assert fake.messages[answer["id"]]["components"] == []
    with pytest.raises(LookupError):
        await fake.click_button(answer, "helpful")  # the button is gone now


async def test_button_deferred_update_edits_original(fake: FakeDiscord, bot: SmallBot) -> None:
    msg = await fake.send_message("button please", mentions_bot=True)
    answer = await fake.wait_for_reply(msg)
    click = await fake.click_button(answer, "more")
    assert (await fake.wait_for_interaction_response(click)).type == 6
    edit = await fake.wait_for_request(
        lambda r: r.matches("PATCH", "/webhooks/{application_id}/{token}/messages/@original")
    )
    assert edit.status == 200 and edit.response["id"] == answer["id"]
    assert fake.messages[answer["id"]]["content"] == "Here is more detail."


async def test_interaction_callback_protocol(fake: FakeDiscord, bot: SmallBot) -> None:
    # An interaction the bot ignores (unknown command), answered by hand without ?with_response.
    interaction = await fake.send_slash_command("unknown", require_registered=False)
    await fake.wait_until(lambda: bot.command_errors, 2.0, "CommandNotFound")
    url = f"{fake.api_base}/interactions/{interaction['id']}/{interaction['token']}/callback"
    body = {"type": 4, "data": {"content": "by hand"}}
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json=body) as resp:
            assert resp.status == 204
        async with session.post(url, json=body) as resp:
            assert resp.status == 400 and (await resp.json())["code"] == 40060
        headers = {"Authorization": f"Bot {fake.token}"}
        async with session.get(f"{fake.api_base}/applications/{fake.application_id}/commands", headers=headers) as resp:
            assert resp.status == 200 and resp.headers["Content-Type"] == "application/json"
            assert await resp.json() == []  # the bot only synced guild commands
    assert [r.type for r in fake.interaction_responses] == [4]


async def test_close_4000_resumes_and_replays_missed_message(fake: FakeDiscord, bot: SmallBot) -> None:
    async with fake.gateway_outage():
        assert await fake.close_gateway(4000) == 1
        msg = await fake.send_message("sent while disconnected", mentions_bot=True)
    reply = await fake.wait_for_reply(msg)

    assert "sent while disconnected" in reply["embeds"][0]["description"]
    assert (fake.identify_count, fake.resume_count) == (1, 1)
    resume = fake.gateway_frames("recv", op=6)[0]
    # The client resumed on READY's resume_gateway_url and the missed event was replayed.
    assert fake.connection_history[resume.connection_id].path == "/gateway-resume"
    replayed = [f.event for f in fake.gateway_frames("send") if f.connection_id == resume.connection_id and f.op == 0]
    assert replayed[:2] == ["MESSAGE_CREATE", "RESUMED"]


async def test_tcp_drop_resumes(fake: FakeDiscord, bot: SmallBot) -> None:
    async with fake.gateway_outage():
        assert await fake.drop_gateway() == 1
        msg = await fake.send_message("after the cable was pulled", mentions_bot=True)
    await fake.wait_for_reply(msg)
    assert (fake.identify_count, fake.resume_count) == (1, 1)


async def test_invalid_session_reidentifies(fake: FakeDiscord, bot: SmallBot) -> None:
    await fake.invalidate_session()
    await fake.wait_identified(2)
    msg = await fake.send_message("after re-identify", mentions_bot=True)
    await fake.wait_for_reply(msg)
    assert fake.resume_count == 0
    assert len(fake.gateway_frames("recv", op=2)) == 2


async def test_429_is_retried_and_posted_once(fake: FakeDiscord, bot: SmallBot) -> None:
    fake.fail_next("POST", MESSAGES_ROUTE, 429, retry_after=0.05)
    msg = await fake.send_message("rate limit me", mentions_bot=True)
    await fake.wait_for_reply(msg)
    assert [r.status for r in fake.requests_to("POST", MESSAGES_ROUTE)] == [429, 200]
    assert len(fake.bot_messages) == 1


async def test_500_then_success_posts_once(fake: FakeDiscord, bot: SmallBot) -> None:
    fake.fail_next("POST", MESSAGES_ROUTE, 500)
    msg = await fake.send_message("server error first", mentions_bot=True)
    await fake.wait_for_reply(msg)  # discord.py sleeps 1 s before retrying a 5xx
    assert [r.status for r in fake.requests_to("POST", MESSAGES_ROUTE)] == [500, 200]
    assert len(fake.bot_messages) == 1


async def test_5xx_after_write_is_deduplicated_by_nonce(fake: FakeDiscord, bot: SmallBot) -> None:
    # Discord created the message but the response was a 502; discord.py retries the POST with the
    # same nonce and enforce_nonce=true, so the fake (like Discord) returns the existing message.
    fake.fail_next("POST", MESSAGES_ROUTE, 502, after_handling=True)
    msg = await fake.send_message("flaky proxy", mentions_bot=True)
    await fake.wait_for_request(lambda r: r.matches("POST", MESSAGES_ROUTE) and r.status == 200)
    posts = fake.requests_to("POST", MESSAGES_ROUTE)
    assert [r.status for r in posts] == [502, 200]
    assert posts[0].json["nonce"] == posts[1].json["nonce"] and posts[1].json["enforce_nonce"] is True
    assert len(fake.bot_messages) == 1 and (await fake.wait_for_reply(msg))["id"] == posts[1].response["id"]


async def test_close_4014_raises_privileged_intents_required(fake: FakeDiscord) -> None:
    client = SmallBot(fake.guild_id)
    task = asyncio.create_task(client.start(fake.token))
    try:
        await fake.wait_identified()
        await fake.close_gateway(4014, "Disallowed intent(s).")
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await asyncio.wait_for(task, 5)
    finally:
        await client.close()


async def test_ungranted_privileged_intent_is_refused() -> None:
    async with serving(granted_intents=0) as fake:
        client = SmallBot(fake.guild_id)  # asks for message_content
        try:
            with pytest.raises(discord.PrivilegedIntentsRequired):
                await asyncio.wait_for(client.start(fake.token), 5)
        finally:
            await client.close()
        assert fake.identify_count == 0


async def test_rejected_token_raises_login_failure(fake: FakeDiscord) -> None:
    fake.reject_token()
    client = SmallBot(fake.guild_id)
    try:
        with pytest.raises(discord.LoginFailure):
            await asyncio.wait_for(client.start(fake.token), 5)
    finally:
        await client.close()
    assert fake.requests_to("GET", "/users/@me")[0].status == 401


async def test_unknown_route_is_404_and_recorded(
    fake: FakeDiscord, bot: SmallBot, caplog: pytest.LogCaptureFixture
) -> None:
    route = discord.http.Route("GET", "/guilds/{guild_id}/audit-logs", guild_id=int(fake.guild_id))
    with caplog.at_level(logging.WARNING, logger="tests.fakes.fake_discord"):
        with pytest.raises(discord.NotFound):
            await bot.http.request(route)
    assert [(r.method, r.path) for r in fake.unknown_routes] == [("GET", f"/guilds/{fake.guild_id}/audit-logs")]
    assert any(f"GET /guilds/{fake.guild_id}/audit-logs" in rec.getMessage() for rec in caplog.records)


async def test_overlong_message_is_rejected_like_discord(fake: FakeDiscord, bot: SmallBot) -> None:
    channel = bot.get_channel(int(fake.channel_id))
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as excinfo:
        await channel.send("x" * 2001)
    assert excinfo.value.status == 400 and excinfo.value.code == 50035
    assert fake.bot_messages == []


async def test_rest_surface_bots_commonly_use(fake: FakeDiscord, bot: SmallBot) -> None:
    channel = bot.get_channel(int(fake.channel_id))
    assert isinstance(channel, discord.TextChannel)
    async with channel.typing():
        sent = await channel.send("long answer attached", file=discord.File(io.BytesIO(b"passage text"), "answer.txt"))
    assert sent.attachments[0].filename == "answer.txt" and sent.attachments[0].size == 12
    thread = await sent.create_thread(name="Follow-up questions")
    assert isinstance(thread, discord.Thread) and thread.id == sent.id and thread.parent_id == channel.id
    in_thread = await thread.send("more detail")
    edited = await sent.edit(content="long answer (edited)")
    assert edited.content == "long answer (edited)" and edited.edited_at is not None
    assert (await channel.fetch_message(sent.id)).content == "long answer (edited)"
    await sent.add_reaction("\N{THUMBS UP SIGN}")
    history = [m.id async for m in channel.history(limit=10)]
    assert history[0] == sent.id
    user = await bot.fetch_user(int(fake.default_user["id"]))
    dm_message = await user.send("a private answer")
    assert isinstance(dm_message.channel, discord.DMChannel)
    await in_thread.delete()

    assert fake.requests_to("POST", "/channels/{channel_id}/typing")
    assert fake.requests_to("POST", MESSAGES_ROUTE)[0].files[0]["filename"] == "answer.txt"
    assert fake.channels[str(thread.id)]["name"] == "Follow-up questions"
    assert in_thread.id not in {int(m) for m in fake.messages}
    assert fake.unknown_routes == []


async def test_dm_and_message_content_intent(fake: FakeDiscord) -> None:
    # Without the privileged MESSAGE_CONTENT intent Discord blanks guild messages that don't
    # mention the bot; DMs and mentions keep their content.
    client = SmallBot(fake.guild_id, intents=discord.Intents.default())
    async with fake.run_client(client):
        await fake.send_message("no mention here")
        await fake.send_message("in a DM", dm=True)
        mention = await fake.send_message("with a mention", mentions_bot=True)
        await fake.wait_for_reply(mention)
    assert client.seen == [
        ("text", ""),
        ("private", "in a DM"),
        ("text", f"<@{fake.bot_user['id']}> with a mention"),
    ]


async def test_missing_heartbeat_acks_make_the_client_resume() -> None:
    async with serving(heartbeat_interval_ms=50) as fake:
        fake.ack_heartbeats = False  # a zombied connection: heartbeats go unanswered
        client = SmallBot(fake.guild_id, heartbeat_timeout=0.3)
        async with fake.run_client(client):
            await fake.wait_resumed()
            fake.ack_heartbeats = True
            msg = await fake.send_message("still there?", mentions_bot=True)
            await fake.wait_for_reply(msg)
        assert fake.identify_count == 1


async def test_auto_sharded_bot_uses_gateway_bot() -> None:
    async with serving(shards=2) as fake:
        client = ShardedBot()
        async with fake.run_client(client):
            assert fake.requests_to("GET", "/gateway/bot")
            shards = sorted(tuple(f.payload["d"]["shard"]) for f in fake.gateway_frames("recv", op=2))
            assert shards == [(0, 2), (1, 2)]
            msg = await fake.send_message("hello shards")
            [reply] = await fake.wait_for_messages(1)
            expected_shard = (int(fake.guild_id) >> 22) % 2
            assert reply["content"] == f"shard {expected_shard}"
            assert msg["id"] != reply["id"]
        assert fake.unknown_routes == []


async def test_a_reply_is_waited_for_until_the_bot_has_its_response(
    fake: FakeDiscord, bot: SmallBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reply stored while its POST is not yet answered: the bot does not know its id yet, so
    # a click then finds no view (this raced under load). Waiting ends once it is answered.
    create = FakeDiscord._create_bot_message

    async def slow(self: FakeDiscord, *args: Any, **kwargs: Any) -> Any:
        message = await create(self, *args, **kwargs)
        await asyncio.sleep(0.2)
        return message

    monkeypatch.setattr(FakeDiscord, "_create_bot_message", slow)
    msg = await fake.send_message("show me a button", mentions_bot=True)
    answer = await fake.wait_for_reply(msg)
    assert fake.requests_to("POST", MESSAGES_ROUTE)[-1].status == 200
    click = await fake.click_button(answer, "helpful")
    assert (await fake.wait_for_interaction_response(click)).type == 7
