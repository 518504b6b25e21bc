"""Asking: /ask, mentioning the bot, DMs, `!ask` (optional) and answer channels (optional)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from ...answer import MAX_QUESTION_CHARS
from ...rendering.messages import render_answer, render_cooldown, render_empty_question, render_error
from ...rendering.reply import ReplyData
from ..messages import clean_question, looks_like_question, mentions_user, strip_mention, strip_prefix_command, thread_name
from ..send import reply_to, respond, send_to
from ..views import AnswerState

if TYPE_CHECKING:
    from ..client import KnowledgeBot

log = logging.getLogger(__name__)

# An interaction must be answered within 3 s; if the answer isn't ready by then, defer
# ("Bot is thinking…") and follow up.
DEFER_AFTER = 2.0
COOLDOWN_NOTICE_SECONDS = 15.0  # cooldown notes in channels delete themselves
_ANSWERED_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class AskCog(commands.Cog, name="Ask"):
    def __init__(self, bot: KnowledgeBot) -> None:
        self.bot = bot

    # ------------------------------------------------------------------ shared

    async def answer(self, user_id: int, question: str, key: str,
                     *, ephemeral: bool = False) -> tuple[ReplyData, bool]:
        """Rate-limit, answer off the event loop, render, and remember the answer for its
        buttons. Returns the reply and whether it is an answer (False: cooldown notice)."""
        wait = self.bot.cooldown.hit(user_id)
        if wait > 0:
            s = self.bot.settings
            return render_cooldown(wait, s.cooldown_questions, s.cooldown_seconds), False
        question = clean_question(question)
        answer = await asyncio.to_thread(self.bot.service.ask, question, self.bot.settings.top_k)
        reply = render_answer(answer, ephemeral=ephemeral)
        if reply.buttons:
            self.bot.answers.put(key, AnswerState(question, answer))
        return reply, True

    # ------------------------------------------------------------------ /ask

    @app_commands.command(name="ask", description="Ask a question about the knowledge base")
    @app_commands.describe(question="What do you want to know?",
                           private="Only you see the answer (default: everyone in the channel)")
    async def ask(self, interaction: discord.Interaction,
                  question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
                  private: bool = False) -> None:
        key = str(interaction.id)
        task = asyncio.ensure_future(self.answer(interaction.user.id, question, key, ephemeral=private))
        try:
            reply, _ = await asyncio.wait_for(asyncio.shield(task), DEFER_AFTER)
        except TimeoutError:
            await interaction.response.defer(ephemeral=private, thinking=True)
            reply, _ = await task
        await respond(interaction, reply, key)

    # ------------------------------------------------------------------ messages

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Mentions and DMs always; answer channels when configured. Never raises."""
        try:
            await self._on_message(message)
        except Exception:
            log.exception("failed to answer message %s", message.id)
            try:
                await reply_to(message, render_error())
            except discord.HTTPException:
                pass

    async def _on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return
        if message.type not in _ANSWERED_TYPES:
            return
        settings = self.bot.settings
        content = message.content or ""
        if settings.prefix_commands and strip_prefix_command(content, settings.command_prefix) is not None:
            return  # the !ask command answers it
        is_dm = message.guild is None
        if mentions_user(content, me.id) or is_dm:
            question = strip_mention(content, me.id)
            if not question:
                await reply_to(message, render_empty_question())
                return
            await self._reply(message, question)
            return
        if message.channel.id in settings.answer_channel_ids and looks_like_question(content):
            await self._answer_in_thread(message, content.strip())

    async def _reply(self, message: discord.Message, question: str) -> None:
        key = str(message.id)
        reply, answered = await self.answer(message.author.id, question, key)
        await reply_to(message, reply, key, delete_after=None if answered else COOLDOWN_NOTICE_SECONDS)

    async def _answer_in_thread(self, message: discord.Message, question: str) -> None:
        key = str(message.id)
        reply, answered = await self.answer(message.author.id, question, key)
        if not answered:
            await reply_to(message, reply, delete_after=COOLDOWN_NOTICE_SECONDS)
            return
        try:
            thread = await message.create_thread(name=thread_name(question), auto_archive_duration=1440)
        except discord.HTTPException as exc:
            # No Create Public Threads permission, or the channel type has no threads:
            # answer in the channel rather than not at all.
            log.warning("cannot open a thread in channel %s (%s); replying in the channel",
                        message.channel.id, exc)
            await reply_to(message, reply, key)
            return
        await send_to(thread, reply, key)


class PrefixAskCog(commands.Cog, name="PrefixAsk"):
    """`!ask question`, loaded only when PREFIX_COMMANDS is on."""

    def __init__(self, bot: KnowledgeBot, asker: AskCog) -> None:
        self.bot = bot
        self.asker = asker

    @commands.command(name="ask", help="Ask a question about the knowledge base")
    async def ask_prefix(self, ctx: commands.Context, *, question: str = "") -> None:
        question = question.strip()
        if not question:
            await reply_to(ctx.message, render_empty_question(f"{self.bot.settings.command_prefix}ask why Ramstein?"))
            return
        await self.asker._reply(ctx.message, question)
