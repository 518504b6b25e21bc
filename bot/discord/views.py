"""The buttons under an answer: Full passage, More results, 👍 and 👎.

Custom ids are stable strings, `kb:<action>:<key>`, where key is the id of the interaction
or message that asked. One registered `DynamicItem` handles every click, so buttons keep
working across restarts; the answer itself is kept in a bounded in-memory store, and when
it is gone (restart, evicted) the question is recovered from the embed title and asked again.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

from ..answer import Answer
from ..rendering.messages import (
    MORE_RESULTS_K,
    question_from_title,
    render_error,
    render_feedback_thanks,
    render_full_passage,
    render_more_results,
    render_stale,
)
from ..rendering.reply import ACTION_DOWN, ACTION_FULL, ACTION_MORE, ACTION_UP
from .send import respond

if TYPE_CHECKING:
    from .client import KnowledgeBot

log = logging.getLogger(__name__)

CUSTOM_ID = re.compile(r"kb:(?P<action>full|more|up|down):(?P<key>[0-9]{1,20})")
STORE_SIZE = 2000


@dataclass
class AnswerState:
    """What the buttons of one answer need."""

    question: str
    answer: Answer
    voters: set[int] = field(default_factory=set)


class AnswerStore:
    """The most recent answers by key, oldest evicted first (bounded memory)."""

    def __init__(self, size: int = STORE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[str, AnswerState] = OrderedDict()

    def put(self, key: str, state: AnswerState) -> None:
        self._items[key] = state
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def get(self, key: str) -> AnswerState | None:
        state = self._items.get(key)
        if state is not None:
            self._items.move_to_end(key)
        return state

    def __len__(self) -> int:
        return len(self._items)


def custom_id(action: str, key: str) -> str:
    return f"kb:{action}:{key}"


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=CUSTOM_ID):
    """One answer button; every click on any answer lands in `callback`."""

    def __init__(self, action: str, key: str, *, label: str | None = None, emoji: str | None = None,
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary) -> None:
        super().__init__(discord.ui.Button(label=label, emoji=emoji, style=style,
                                           custom_id=custom_id(action, key)))
        self.action = action
        self.key = key

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> AnswerButton:
        return cls(match["action"], match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await handle_button(interaction, self.action, self.key)


async def _state_for(bot: KnowledgeBot, interaction: discord.Interaction, key: str) -> AnswerState | None:
    state = bot.answers.get(key)
    if state is not None:
        return state
    message = interaction.message
    title = message.embeds[0].title if message is not None and message.embeds else None
    question = question_from_title(title)
    if question is None:
        return None
    answer = await asyncio.to_thread(bot.service.ask, question, bot.settings.top_k)
    state = AnswerState(question, answer)
    bot.answers.put(key, state)
    return state


async def handle_button(interaction: discord.Interaction, action: str, key: str) -> None:
    """Full passage / More results reply only to the clicker; votes go to the feedback file."""
    bot: KnowledgeBot = interaction.client  # type: ignore[assignment]
    try:
        state = await _state_for(bot, interaction, key)
        if state is None:
            await respond(interaction, render_stale())
            return
        if action == ACTION_FULL:
            await respond(interaction, render_full_passage(state.answer.best))
        elif action == ACTION_MORE:
            more = await asyncio.to_thread(bot.service.ask, state.question, MORE_RESULTS_K)
            await respond(interaction, render_more_results(more))
        elif action in (ACTION_UP, ACTION_DOWN):
            user_id = interaction.user.id
            if user_id in state.voters:
                await respond(interaction, render_feedback_thanks(action, already=True))
                return
            message = interaction.message
            # Count the vote only once it is saved, so a failed write can be retried.
            await asyncio.to_thread(
                bot.feedback.record,
                question=state.question,
                results=state.answer.results,
                vote=action,
                user_id=user_id,
                guild_id=interaction.guild_id,
                channel_id=interaction.channel_id,
                message_id=message.id if message is not None else None,
                answer=state.answer,
            )
            state.voters.add(user_id)
            await respond(interaction, render_feedback_thanks(action))
        else:  # the template only matches known actions; be polite anyway
            await respond(interaction, render_stale())
    except Exception:
        log.exception("button %s failed", action)
        try:
            await respond(interaction, render_error())
        except discord.HTTPException:
            pass
