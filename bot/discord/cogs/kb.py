"""/gaps, /kb add|remove|list|show (admins) and /forget-me (anyone): thin dispatchers over
the application layer, which checks permissions at run time and writes the audit log. Every
app call that may touch the database or the disk (the audit log too) runs off the event loop.

The commands are hidden from members without Manage Server (default_permissions), but
server owners can change that, so nothing here trusts it: the Actor's `admin` is decided
from the interaction (bot/discord/checks.py) and the application layer refuses others.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from ...outcomes import GapsCsv, GapsPage, KbAdded, KbDocument, KbPage, KbRemoved
from ...rendering.discord import COMMAND_HELP, OPTION_HELP, render_discord_refused, render_download_failed
from ...rendering.kb import (
    render_forgotten,
    render_kb_added,
    render_kb_removed,
    render_kb_show,
    render_refused,
)
from ..actors import actor_for
from ..attachments import DownloadFailed, TooBig, download
from ..checks import interaction_is_admin
from ..pages import GAPS, KB, CsvButton, PageButton, page_reply
from ..replies import reply_with, text_file

if TYPE_CHECKING:
    from ..client import KnowledgeBot

log = logging.getLogger(__name__)

ADMIN_DEFAULT = discord.Permissions(manage_guild=True)
CHOICE_LIMIT = 100  # Discord's limit for an autocomplete choice's name and value
CHOICES_MAX = 25


class KnowledgeCog(commands.Cog, name="Knowledge"):
    kb = app_commands.Group(
        name="kb",
        description=COMMAND_HELP["kb"],
        default_permissions=ADMIN_DEFAULT,
    )

    def __init__(self, bot: KnowledgeBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PageButton, CsvButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PageButton, CsvButton)

    # ------------------------------------------------------------------ /gaps

    @app_commands.command(name="gaps", description=COMMAND_HELP["gaps"])
    @app_commands.describe(**OPTION_HELP["gaps"])
    @app_commands.default_permissions(manage_guild=True)
    async def gaps(self, interaction: discord.Interaction, days: Literal[7, 30] = 7, csv: bool = False) -> None:
        app = self.bot.app
        actor = actor_for(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await asyncio.to_thread(app.gaps, actor, days, 1)
        if not isinstance(result, GapsPage):
            await reply_with(interaction, render_refused(result))
            return
        reply, view = page_reply(result, GAPS, days)
        file = None
        if csv:
            full = await asyncio.to_thread(app.gaps_csv, actor, days)
            if isinstance(full, GapsCsv):
                file = text_file(full.filename, full.text)
        await reply_with(interaction, reply, view=view, file=file)

    # ------------------------------------------------------------------ /kb

    @kb.command(name="add", description=COMMAND_HELP["kb add"])
    @app_commands.describe(**OPTION_HELP["kb add"])
    async def kb_add(self, interaction: discord.Interaction, file: discord.Attachment, replace: bool = False) -> None:
        app = self.bot.app
        actor = actor_for(interaction)
        # Permission, name and the size Discord reports are checked before anything is downloaded.
        refused = await asyncio.to_thread(app.kb_precheck, actor, file.filename, file.size, replace)
        if refused is not None:
            await reply_with(interaction, render_discord_refused(refused))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            data = await download(file, app.max_file_bytes)
        except TooBig:
            # Discord reported a smaller size than it served: refuse it as too big all the same.
            refused = await asyncio.to_thread(app.kb_precheck, actor, file.filename, app.max_file_bytes + 1, replace)
            await reply_with(
                interaction,
                render_discord_refused(refused) if refused is not None else render_download_failed("too big"),
            )
            return
        except DownloadFailed as exc:
            log.warning("could not download %s: %s", file.filename, exc)
            await reply_with(interaction, render_download_failed(str(exc)))
            return
        result = await asyncio.to_thread(app.kb_add, actor, file.filename, data, replace)
        await reply_with(
            interaction, render_kb_added(result) if isinstance(result, KbAdded) else render_discord_refused(result)
        )

    @kb.command(name="remove", description=COMMAND_HELP["kb remove"])
    @app_commands.describe(**OPTION_HELP["kb remove"])
    async def kb_remove(self, interaction: discord.Interaction, document: str) -> None:
        actor = actor_for(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await asyncio.to_thread(self.bot.app.kb_remove, actor, document)
        await reply_with(
            interaction, render_kb_removed(result) if isinstance(result, KbRemoved) else render_discord_refused(result)
        )

    @kb.command(name="list", description=COMMAND_HELP["kb list"])
    async def kb_list(self, interaction: discord.Interaction) -> None:
        result = await asyncio.to_thread(self.bot.app.kb_list, actor_for(interaction), 1)
        if not isinstance(result, KbPage):
            await reply_with(interaction, render_refused(result))
            return
        reply, view = page_reply(result, KB, 0)
        await reply_with(interaction, reply, view=view)

    @kb.command(name="show", description=COMMAND_HELP["kb show"])
    @app_commands.describe(**OPTION_HELP["kb show"])
    async def kb_show(self, interaction: discord.Interaction, document: str) -> None:
        result = await asyncio.to_thread(self.bot.app.kb_show, actor_for(interaction), document)
        await reply_with(
            interaction, render_kb_show(result) if isinstance(result, KbDocument) else render_refused(result)
        )

    @kb_remove.autocomplete("document")
    @kb_show.autocomplete("document")
    async def document_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if not interaction_is_admin(interaction):
            return []  # document names are admin business
        paths = self.bot.app.kb_documents(current, CHOICES_MAX)
        return [app_commands.Choice(name=p, value=p) for p in paths if len(p) <= CHOICE_LIMIT][:CHOICES_MAX]

    # ------------------------------------------------------------------ /forget-me

    @app_commands.command(name="forget-me", description=COMMAND_HELP["forget-me"])
    async def forget_me(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await asyncio.to_thread(self.bot.app.forget_me, actor_for(interaction))
        await reply_with(interaction, render_forgotten(result))
