"""Proves the interaction surface of tests.fakes.fake_discord against the real discord.py client:
message context-menu commands (application command type 3), modals (callback type 9) and their
submit (interaction type 5), attachment options served by the fake's loopback CDN, autocomplete
(interaction type 4 → callback type 8), pagination buttons on the bot's own (ephemeral)
messages (callback type 7), and member roles/permissions carried by interactions.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fakes.fake_discord import FakeDiscord, payloads

FRUITS = ["apple", "apricot", "banana", "blueberry", "cherry"]


class EchoModal(discord.ui.Modal, title="Edit the quote"):
    def __init__(self, bot: InteractionBot, text: str) -> None:
        super().__init__(timeout=None, custom_id="echo-modal")
        self.bot = bot
        self.text = discord.ui.TextInput(
            label="Text", style=discord.TextStyle.paragraph, default=text, max_length=100, custom_id="text"
        )
        self.add_item(self.text)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.bot.submitted.append(self.text.value)
        await interaction.response.send_message(f"saved: {self.text.value}", ephemeral=True)


class Pager(discord.ui.View):
    def __init__(self, page: int = 0) -> None:
        super().__init__(timeout=None)
        self.page = page
        self.prev.disabled = page == 0
        self.next.disabled = page == len(FRUITS) - 1

    @discord.ui.button(label="Previous", custom_id="prev")
    async def prev(self, interaction: discord.Interaction, button: discord.ui.Button[Pager]) -> None:
        await interaction.response.edit_message(content=FRUITS[self.page - 1], view=Pager(self.page - 1))

    @discord.ui.button(label="Next", custom_id="next")
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Pager]) -> None:
        await interaction.response.edit_message(content=FRUITS[self.page + 1], view=Pager(self.page + 1))


class InteractionBot(commands.Bot):
    def __init__(self, guild_id: str) -> None:
        super().__init__(command_prefix=[], intents=discord.Intents.default(), guild_ready_timeout=0.05)
        self.guild = discord.Object(id=int(guild_id))
        self.submitted: list[str] = []
        self.downloads: list[bytes] = []
        self.quoted: list[tuple[int, str]] = []

    async def setup_hook(self) -> None:
        bot = self

        @app_commands.context_menu(name="Quote Message")
        async def quote(interaction: discord.Interaction, message: discord.Message) -> None:
            bot.quoted.append((message.id, message.content))
            await interaction.response.send_modal(EchoModal(bot, message.content))

        @app_commands.command(name="upload", description="Read an attached file")
        async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
            data = await file.read()
            bot.downloads.append(data)
            await interaction.response.send_message(f"{file.filename}: {len(data)} bytes", ephemeral=True)

        async def fruit_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=f, value=f) for f in FRUITS if f.startswith(current)]

        @app_commands.command(name="pick", description="Pick a fruit")
        @app_commands.autocomplete(fruit=fruit_choices)
        async def pick(interaction: discord.Interaction, fruit: str) -> None:
            await interaction.response.send_message(f"picked {fruit}")

        @app_commands.command(name="pages", description="Paginated list")
        async def pages(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(FRUITS[0], view=Pager(), ephemeral=True)

        @app_commands.command(name="whoami", description="Roles and permissions")
        async def whoami(interaction: discord.Interaction) -> None:
            member = interaction.user
            roles = sorted(r.name for r in getattr(member, "roles", []) if not r.is_default())
            await interaction.response.send_message(
                f"roles={','.join(roles)} manage_guild={interaction.permissions.manage_guild}"
            )

        for command in (quote, upload, pick, pages, whoami):
            self.tree.add_command(command, guild=self.guild)
        await self.tree.sync(guild=self.guild)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord) -> AsyncIterator[InteractionBot]:
    with fake.patch_discord_py():
        client = InteractionBot(fake.guild_id)
        async with fake.run_client(client):
            yield client
    assert fake.unknown_routes == []


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


async def test_message_command_is_registered_with_type_3_and_gets_the_target(fake: FakeDiscord) -> None:
    async with running(fake) as bot:
        synced = fake.commands[fake.guild_id]
        quote = next(c for c in synced if c["name"] == "Quote Message")
        assert quote["type"] == 3 and quote["description"] == "" and quote["options"] == []
        msg = await fake.send_message("the badge is cobalt blue")
        interaction = await fake.send_message_command("Quote Message", msg)

        assert interaction["data"]["type"] == 3 and interaction["data"]["target_id"] == msg["id"]
        response = await fake.wait_for_interaction_response(interaction)
        assert response.type == 9
        assert bot.quoted == [(int(msg["id"]), "the badge is cobalt blue")]
        with pytest.raises(LookupError):
            await fake.send_message_command("No Such Command", msg)


async def test_modal_is_recorded_prefilled_and_its_submit_reaches_on_submit(fake: FakeDiscord) -> None:
    async with running(fake) as bot:
        msg = await fake.send_message("first draft")
        await fake.wait_for_interaction_response(await fake.send_message_command("Quote Message", msg))
        [modal] = fake.modals
        assert modal.data["title"] == "Edit the quote" and modal.data["custom_id"] == "echo-modal"
        assert fake.modal_fields(modal)["text"]["value"] == "first draft"

        submit = await fake.submit_modal(modal, {"text": "final text"})
        assert submit["type"] == 5 and submit["data"]["custom_id"] == "echo-modal"
        reply = await fake.wait_for_interaction_response(submit)
        assert reply.type == 4 and reply.ephemeral and reply.data["content"] == "saved: final text"
        assert bot.submitted == ["final text"]

        # The Discord client's own limits: another user cannot submit it, nor an over-long value.
        stranger = fake.make_user("mallory")
        with pytest.raises(ValueError):
            await fake.submit_modal(modal, {"text": "x"}, user=stranger)
        with pytest.raises(ValueError):
            await fake.submit_modal(modal, {"text": "x" * 101})
        with pytest.raises(LookupError):
            await fake.submit_modal(modal, {"nope": "x"})


async def test_a_modal_cannot_answer_a_modal_submit_and_bad_modals_are_rejected(fake: FakeDiscord) -> None:
    async with running(fake):
        msg = await fake.send_message("text")
        await fake.wait_for_interaction_response(await fake.send_message_command("Quote Message", msg))
        await fake.wait_for_interaction_response(await fake.submit_modal(fake.modals[0]))
        # The modal is finished once submitted: discord.py ignores a second submit, so it can be
        # answered by hand here.
        late_submit = await fake.submit_modal(fake.modals[0])
        ignored_command = await fake.send_slash_command("unknown", require_registered=False)
        ignored_autocomplete = await fake.send_autocomplete("unknown", {"q": "a"}, "q", require_registered=False)
        url = f"{fake.api_base}/interactions/{{}}/{{}}/callback"
        modal = {
            "type": 9,
            "data": {
                "custom_id": "m",
                "title": "A title",
                "components": [{"type": 1, "components": [{"type": 4, "custom_id": "a", "label": "A", "style": 1}]}],
            },
        }
        long_title = {"type": 9, "data": {**modal["data"], "title": "t" * 46}}
        choice = {"type": 8, "data": {"choices": [{"name": "n", "value": "v" * 101}]}}

        async def post(interaction: dict, body: dict) -> tuple[int, int]:
            async with session.post(url.format(interaction["id"], interaction["token"]), json=body) as resp:
                return resp.status, (await resp.json())["code"]

        async with aiohttp.ClientSession() as session:
            assert await post(late_submit, modal) == (400, 40043)  # no modal in answer to a modal
            assert await post(ignored_autocomplete, modal) == (400, 40043)  # nor to autocomplete
            assert await post(ignored_command, choice) == (400, 40043)  # choices only for autocomplete
            assert await post(ignored_autocomplete, choice) == (400, 50035)  # value over 100
            assert await post(ignored_command, long_title) == (400, 50035)  # title over 45
            async with session.post(url.format(ignored_command["id"], ignored_command["token"]), json=modal) as resp:
                assert resp.status == 204
        assert fake.modals[-1].data["title"] == "A title"


async def test_attachment_option_is_resolved_and_downloaded_from_the_loopback_cdn(fake: FakeDiscord) -> None:
    async with running(fake) as bot:
        attachment = fake.make_attachment("notes.md", "# Notes\n\nHello.\n", content_type="text/markdown")
        assert attachment["url"].startswith(f"http://127.0.0.1:{fake.port}/attachments/")
        interaction = await fake.send_slash_command("upload", {"file": attachment})
        assert interaction["data"]["options"] == [{"name": "file", "type": 11, "value": attachment["id"]}]
        assert interaction["data"]["resolved"]["attachments"][attachment["id"]] == attachment

        response = await fake.wait_for_interaction_response(interaction)
        assert response.data["content"] == "notes.md: 16 bytes"
        assert bot.downloads == [b"# Notes\n\nHello.\n"]
        assert [r.path for r in fake.cdn_requests] == ["/" + attachment["url"].split("/", 3)[3]]
        with pytest.raises(ValueError):
            await fake.send_slash_command("upload", {})  # required option missing
        with pytest.raises(TypeError):
            await fake.send_slash_command("upload", {"file": "notes.md"})


async def test_a_message_carries_attachments_the_client_can_download(fake: FakeDiscord) -> None:
    async with running(fake) as bot:
        note = fake.make_attachment("note.txt", b"plain text", content_type="text/plain")
        msg = await fake.send_message("see attached", attachments=[note])
        channel = bot.get_channel(int(fake.channel_id))
        fetched = await channel.fetch_message(int(msg["id"]))
        assert [a.filename for a in fetched.attachments] == ["note.txt"]
        assert await fetched.attachments[0].read() == b"plain text"


async def test_files_the_bot_sends_are_served_back(fake: FakeDiscord) -> None:
    async with running(fake) as bot:
        channel = bot.get_channel(int(fake.channel_id))
        await channel.send("csv", file=discord.File(__import__("io").BytesIO(b"a,b\n1,2\n"), filename="x.csv"))
        [message] = await fake.wait_for_messages(1)
        assert fake.attachment_bytes(message["attachments"][0]) == b"a,b\n1,2\n"
        async with aiohttp.ClientSession() as session:
            async with session.get(message["attachments"][0]["url"]) as resp:
                assert resp.status == 200 and await resp.read() == b"a,b\n1,2\n"
            async with session.get(f"{fake.base_url}/attachments/1/2/missing.txt") as resp:
                assert resp.status == 404


async def test_autocomplete_interaction_gets_choices(fake: FakeDiscord) -> None:
    async with running(fake):
        interaction = await fake.send_autocomplete("pick", {"fruit": "ap"}, "fruit")
        assert interaction["type"] == 4
        assert interaction["data"]["options"] == [{"name": "fruit", "type": 3, "value": "ap", "focused": True}]
        response = await fake.wait_for_interaction_response(interaction)
        assert response.type == 8
        assert fake.choices_of(response) == [
            {"name": "apple", "value": "apple"},
            {"name": "apricot", "value": "apricot"},
        ]


async def test_pagination_buttons_update_the_ephemeral_message(fake: FakeDiscord) -> None:
    async with running(fake):
        interaction = await fake.send_slash_command("pages")
        first = (await fake.wait_for_interaction_response(interaction)).message
        assert first is not None and first["content"] == "apple" and first["flags"] & payloads.MESSAGE_FLAG_EPHEMERAL
        with pytest.raises(ValueError):
            await fake.click_button(first, "prev")  # disabled on the first page
        click = await fake.click_button(first, "next")
        update = await fake.wait_for_interaction_response(click)
        assert update.type == 7 and fake.messages[first["id"]]["content"] == "apricot"
        await fake.wait_for_interaction_response(await fake.click_button(first, "next"))
        assert fake.messages[first["id"]]["content"] == "banana"
        await fake.wait_for_interaction_response(await fake.click_button(first, "prev"))
        assert fake.messages[first["id"]]["content"] == "apricot"
        # Only the user an ephemeral message was shown to can click on it.
        with pytest.raises(ValueError):
            await fake.click_button(first, "next", user=fake.make_user("bob"))


async def test_member_roles_and_permissions_travel_in_interactions(fake: FakeDiscord) -> None:
    teacher = fake.make_role("Teacher")
    moderator = fake.make_role("Moderator", payloads.MANAGE_GUILD)
    async with running(fake):
        carol = fake.make_user("carol", role_ids=[teacher["id"]])
        plain = await fake.send_slash_command("whoami", user=carol)
        assert (await fake.wait_for_interaction_response(plain)).data["content"] == "roles=Teacher manage_guild=False"
        mod = await fake.send_slash_command("whoami", user=carol, role_ids=[teacher["id"], moderator["id"]])
        assert (await fake.wait_for_interaction_response(mod)).data[
            "content"
        ] == "roles=Moderator,Teacher manage_guild=True"
        forced = await fake.send_slash_command("whoami", member_permissions=0)
        assert (await fake.wait_for_interaction_response(forced)).data["content"].endswith("manage_guild=False")
