"""/reload (admins), /sources and /help, and the optional auto-reload poller."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from ...errors import KnowledgeError
from ...outcomes import RELOAD_FAILED, Refused
from ...rendering.discord import COMMAND_HELP, render_discord_reload_failed
from ...rendering.kb import render_refused, render_reloaded
from ...rendering.messages import (
    example_question,
    render_help,
    render_sources,
)
from ...watch import KnowledgeWatcher
from ..actors import actor_for
from ..checks import admin_only
from ..send import respond

if TYPE_CHECKING:
    from ..client import KnowledgeBot

log = logging.getLogger(__name__)


class AdminCog(commands.Cog, name="Admin"):
    def __init__(self, bot: KnowledgeBot) -> None:
        self.bot = bot
        self._watch_task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        if self.bot.settings.auto_reload:
            self._watch_task = asyncio.create_task(self.watch_knowledge(), name="knowledge-auto-reload")

    async def cog_unload(self) -> None:
        if self._watch_task is not None:
            self._watch_task.cancel()

    @app_commands.command(name="reload", description=COMMAND_HELP["reload"])
    @admin_only()
    async def reload(self, interaction: discord.Interaction) -> None:
        # Reloading can take a while on a big directory: defer, rebuild in a thread, and
        # swap in the new base at once (the service does the atomic swap).
        await interaction.response.defer(ephemeral=True, thinking=True)
        user = interaction.user
        log.info("reload requested by %s", user)  # no raw user id in the log
        actor = actor_for(interaction)
        outcome = await asyncio.to_thread(self.bot.app.reload, actor)
        if isinstance(outcome, Refused):
            if outcome.reason != RELOAD_FAILED:
                await respond(interaction, render_refused(outcome))
                return
            log.warning("reload failed, keeping the old knowledge base: %s", outcome.detail)
            await respond(interaction, render_discord_reload_failed(outcome))
            return
        await respond(interaction, render_reloaded(outcome))

    @app_commands.command(name="sources", description=COMMAND_HELP["sources"])
    async def sources(self, interaction: discord.Interaction) -> None:
        await respond(interaction, render_sources(self.bot.service.sources()))

    @app_commands.command(name="help", description=COMMAND_HELP["help"])
    async def help(self, interaction: discord.Interaction) -> None:
        s = self.bot.settings
        await respond(
            interaction,
            render_help(
                prefix=s.command_prefix if s.prefix_commands else None,
                answer_channels=bool(s.answer_channel_ids),
                example=example_question(self.bot.service.sources(), s.example_question),
            ),
        )

    async def watch_knowledge(self) -> None:
        """Poll file mtimes and sizes; reload once the files have settled. A failed reload
        keeps the old base and is logged; the poller carries on."""
        service = self.bot.service
        interval = self.bot.settings.auto_reload_seconds
        watcher = await asyncio.to_thread(KnowledgeWatcher, service.knowledge_dir)
        log.info("auto-reload: watching %s every %.1f s", service.knowledge_dir, interval)
        while True:
            await asyncio.sleep(interval)
            try:
                if not await asyncio.to_thread(watcher.poll):
                    continue
                report = await asyncio.to_thread(service.reload)
                log.info("auto-reload: %s", report.diff.counts())
            except KnowledgeError as exc:
                log.warning("auto-reload failed, keeping the old knowledge base: %s", exc)
            except Exception:
                log.exception("auto-reload poll failed")
