"""Page buttons under /gaps and /kb list, and the CSV button under /gaps.

The custom id carries everything a click needs (`kb:page:<gaps|kb>:<days>:<page>`,
`kb:csv:<days>`), so buttons keep working after a restart; each click is checked again
(admins only) by the application layer before anything is shown.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from ..outcomes import GapsCsv, GapsPage, KbPage, Refused
from ..rendering.kb import render_gaps, render_gaps_csv, render_kb_list, render_refused
from ..rendering.reply import ACTION_CSV, ACTION_NEXT, ACTION_PREV, ReplyData
from .actors import actor_for
from .replies import guarded, replace_with, reply_with, text_file
from .send import button_style

if TYPE_CHECKING:
    from .client import KnowledgeBot

log = logging.getLogger(__name__)

GAPS, KB = "gaps", "kb"
PAGE_ID = r"kb:page:(?P<kind>gaps|kb):(?P<arg>[0-9]{1,3}):(?P<page>[0-9]{1,6})"
CSV_ID = r"kb:csv:(?P<days>[0-9]{1,3})"


def page_id(kind: str, arg: int, page: int) -> str:
    return f"kb:page:{kind}:{arg}:{page}"


def csv_id(days: int) -> str:
    return f"kb:csv:{days}"


def pager_view(reply: ReplyData, kind: str, arg: int, page: int) -> discord.ui.View | None:
    """The reply's previous/next/CSV buttons with custom ids for this list and page."""
    targets = {
        ACTION_PREV: page_id(kind, arg, page - 1),
        ACTION_NEXT: page_id(kind, arg, page + 1),
        ACTION_CSV: csv_id(arg),
    }
    view = discord.ui.View(timeout=None)
    for b in reply.buttons:
        custom = targets.get(b.action)
        if custom is not None:
            view.add_item(discord.ui.Button(label=b.label, emoji=b.emoji, style=button_style(b), custom_id=custom))
    # Clicks are dispatched by the registered dynamic items; a finished view is not kept in memory.
    view.stop()
    return view if view.children else None


async def load_page(interaction: discord.Interaction, kind: str, arg: int, page: int) -> GapsPage | KbPage | Refused:
    bot = cast("KnowledgeBot", interaction.client)  # this bot's interactions come from this client
    actor = actor_for(interaction)
    if kind == GAPS:
        return await asyncio.to_thread(bot.app.gaps, actor, arg, page)
    return await asyncio.to_thread(bot.app.kb_list, actor, page)


def page_reply(result: GapsPage | KbPage, kind: str, arg: int) -> tuple[ReplyData, discord.ui.View | None]:
    reply = render_gaps(result) if isinstance(result, GapsPage) else render_kb_list(result)
    return reply, pager_view(reply, kind, arg, result.page)


async def send_csv(interaction: discord.Interaction, days: int) -> None:
    bot = cast("KnowledgeBot", interaction.client)  # this bot's interactions come from this client
    result = await asyncio.to_thread(bot.app.gaps_csv, actor_for(interaction), days)
    if isinstance(result, GapsCsv):
        await reply_with(interaction, render_gaps_csv(result), file=text_file(result.filename, result.text))
    else:
        await reply_with(interaction, render_refused(result))


class PageButton(discord.ui.DynamicItem[discord.ui.Button], template=PAGE_ID):
    """A page turn: the message is edited to show the asked page."""

    def __init__(self, kind: str, arg: int, page: int) -> None:
        super().__init__(discord.ui.Button(custom_id=page_id(kind, arg, page)))
        self.kind, self.arg, self.page = kind, arg, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PageButton:
        return cls(match["kind"], int(match["arg"]), int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, "page button", self.turn(interaction))

    async def turn(self, interaction: discord.Interaction) -> None:
        result = await load_page(interaction, self.kind, self.arg, self.page)
        if isinstance(result, Refused):
            await reply_with(interaction, render_refused(result))
            return
        reply, view = page_reply(result, self.kind, self.arg)
        await replace_with(interaction, reply, view=view)


class CsvButton(discord.ui.DynamicItem[discord.ui.Button], template=CSV_ID):
    """The whole /gaps list as a CSV file, in a new private message."""

    def __init__(self, days: int) -> None:
        super().__init__(discord.ui.Button(custom_id=csv_id(days)))
        self.days = days

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CsvButton:
        return cls(int(match["days"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, "CSV button", send_csv(interaction, self.days))
