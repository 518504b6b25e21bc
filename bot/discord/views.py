"""The buttons under an answer: Full passage, More results, 👍 and 👎.

Custom ids are stable strings, `kb:<action>:<key>`, where key is the id of the interaction
or message that asked. One registered `DynamicItem` handles every click, so buttons keep
working across restarts; the answer itself is kept by the application layer (bot/app.py),
and when it is gone (restart, evicted) the question is recovered from the embed title and
asked again. This module only adapts clicks to the app and its results to messages.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from ..outcomes import Actor, Stale, Where
from ..rendering.kb import render_vote
from ..rendering.messages import (
    question_from_title,
    render_error,
    render_full_passage,
    render_more_results,
    render_stale,
)
from ..rendering.reply import ACTION_DOWN, ACTION_FULL, ACTION_MORE, ACTION_UP
from .messages import answer_title
from .send import respond

if TYPE_CHECKING:
    from .client import KnowledgeBot

log = logging.getLogger(__name__)

CUSTOM_ID = re.compile(r"kb:(?P<action>full|more|up|down):(?P<key>[0-9]{1,20})")


def custom_id(action: str, key: str) -> str:
    return f"kb:{action}:{key}"


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=CUSTOM_ID):
    """One answer button; every click on any answer lands in `callback`."""

    def __init__(
        self,
        action: str,
        key: str,
        *,
        label: str | None = None,
        emoji: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        super().__init__(discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=custom_id(action, key)))
        self.action = action
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        return cls(match["action"], match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await handle_button(interaction, self.action, self.key)


async def _known(bot: KnowledgeBot, interaction: discord.Interaction, key: str) -> bool:
    """Whether the app knows the answer behind `key`, recovering it from the embed title
    after a restart."""
    if bot.app.answer_state(key) is not None:
        return True
    question = question_from_title(answer_title(interaction.message))
    if question is None:
        return False
    await asyncio.to_thread(bot.app.recover, key, question)
    return True


async def handle_button(interaction: discord.Interaction, action: str, key: str) -> None:
    """Full passage / More results reply only to the clicker; votes go to the database."""
    bot = cast("KnowledgeBot", interaction.client)  # this bot's interactions come from this client
    app = bot.app
    try:
        if not await _known(bot, interaction, key):
            await respond(interaction, render_stale())
            return
        if action == ACTION_FULL:
            full = app.full(key)
            reply = (
                render_stale() if isinstance(full, Stale) else render_full_passage(full.result, learned=full.learned)
            )
        elif action == ACTION_MORE:
            more = await asyncio.to_thread(app.more, key)
            reply = (
                render_stale() if isinstance(more, Stale) else render_more_results(more.answer, learned=more.learned)
            )
        elif action in (ACTION_UP, ACTION_DOWN):
            message = interaction.message
            # Checked and recorded at once, before anything is awaited: fast repeat clicks count once.
            outcome = app.vote(
                Actor(interaction.user.id),
                key,
                action,
                Where(interaction.guild_id, interaction.channel_id, message.id if message is not None else None),
            )
            reply = render_vote(outcome)
        else:  # the template only matches known actions; be polite anyway
            reply = render_stale()
        await respond(interaction, reply)
    except Exception:
        log.exception("button %s failed", action)
        try:
            await respond(interaction, render_error())
        except discord.HTTPException:
            pass
