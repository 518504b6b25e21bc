"""The buttons under an answer: Full passage, More results, 👍 and 👎.

Custom ids are stable strings, `kb:<action>:<key>:<shown>`, where key is the id of the
interaction or message that asked and shown the fingerprint of the passage the answer showed
(App.fingerprint). One registered `DynamicItem` handles every click, so buttons keep working
across restarts; the answer itself is kept by the application layer (bot/app.py), and when
it is gone (restart, evicted) the question is recovered from the embed title and asked again,
and the fingerprint finds the passage shown, or tells that the knowledge base has changed
(More results, which needs only the question, asks it without recovering the answer).
Buttons sent before fingerprints (`kb:<action>:<key>`) still work as they did. This module
only adapts clicks to the app and its results to messages.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from ..outcomes import Actor, KbChanged, Stale, Where
from ..rendering.kb import render_vote
from ..rendering.messages import (
    question_from_title,
    render_error,
    render_full_passage,
    render_kb_changed,
    render_more_results,
    render_stale,
)
from ..rendering.reply import ACTION_DOWN, ACTION_FULL, ACTION_MORE, ACTION_UP
from .messages import answer_title
from .send import respond

if TYPE_CHECKING:
    from .client import KnowledgeBot

log = logging.getLogger(__name__)

CUSTOM_ID = re.compile(r"kb:(?P<action>full|more|up|down):(?P<key>[0-9]{1,20})(?::(?P<shown>[0-9a-f]{1,32}))?")


def button_key(key: str, shown: str | None) -> str:
    """What an answer's buttons carry after `kb:<action>:`: the answer's key, and the
    fingerprint of the passage it shows (none when it shows none)."""
    return f"{key}:{shown}" if shown else key


def custom_id(action: str, key: str, shown: str | None = None) -> str:
    return f"kb:{action}:{button_key(key, shown)}"


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
        shown: str | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=custom_id(action, key, shown))
        )
        self.action = action
        self.key = key
        self.shown = shown

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        return cls(match["action"], match["key"], shown=match["shown"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await handle_button(interaction, self.action, self.key, self.shown)


async def _known(bot: KnowledgeBot, interaction: discord.Interaction, key: str, shown: str | None) -> bool:
    """Whether the app knows the answer behind `key`, recovering it from the embed title
    (and the passage shown, by its fingerprint) after a restart."""
    if bot.app.answer_state(key) is not None:
        return True
    question = question_from_title(answer_title(interaction.message))
    if question is None:
        return False
    await asyncio.to_thread(bot.app.recover, key, question, shown)
    return True


async def handle_button(interaction: discord.Interaction, action: str, key: str, shown: str | None = None) -> None:
    """Full passage / More results reply only to the clicker; votes go to the database."""
    bot = cast("KnowledgeBot", interaction.client)  # this bot's interactions come from this client
    app = bot.app
    try:
        if action == ACTION_MORE:
            # Only the question is needed (after a restart, from the message): recovering the
            # answer first would run it through the engine a second time.
            more = await asyncio.to_thread(app.more, key, question_from_title(answer_title(interaction.message)))
            reply = (
                render_stale() if isinstance(more, Stale) else render_more_results(more.answer, learned=more.learned)
            )
        elif not await _known(bot, interaction, key, shown):
            reply = render_stale()
        elif action == ACTION_FULL:
            full = app.full(key)
            if isinstance(full, Stale):
                reply = render_stale()
            elif isinstance(full, KbChanged):
                reply = render_kb_changed()
            else:
                reply = render_full_passage(full.result, learned=full.learned)
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
