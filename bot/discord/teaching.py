"""Teaching from Discord: the **Teach KB Bot** message command, the **Teach an answer**
button under no-answer replies, and the modal both open (question and answer prefilled,
editable). Submitting hands the text to the application layer, which checks who may teach,
saves the learned answer and reloads; this module only gathers the text and shows results.

Who may teach is checked when the command or button is used (so others never see the
modal) and again on submit (roles can change while a modal is open).

The form keeps nothing in memory: its custom id names the message it was opened from, and
every submit is handled by the cog's interaction listener, so an answer written slowly (past
discord.py's modal timeout) or across a restart is still saved, not dropped unanswered.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from ..answer import MAX_QUESTION_CHARS
from ..mentions import readable_mentions
from ..outcomes import Taught
from ..rendering.discord import (
    LABEL_LIMIT,
    MODAL_TITLE_LIMIT,
    PLACEHOLDER_LIMIT,
    TEACH_COMMAND,
    render_discord_refused,
    render_teach_modal,
)
from ..rendering.kb import render_taught
from ..rendering.messages import question_from_title, split_follow_up
from ..teach import MAX_ANSWER_CHARS
from .actors import actor_for
from .mentions import FORM_DEADLINE_S, LOOKUP_FAILED, Lookups, mention_names
from .messages import answer_title, spoken_question, spoken_text
from .replies import guarded, reply_with

if TYPE_CHECKING:
    from ..app import AnswerState
    from .client import KnowledgeBot

log = logging.getLogger(__name__)

TEACH_ID = r"kb:teach:(?P<key>[0-9]{1,20})"
# The form names the message it teaches from (its channel and id): the submit needs nothing else.
TEACH_MODAL_ID = re.compile(r"kb:teach-modal:(?P<channel>[0-9]{1,20}):(?P<message>[0-9]{1,20})")
# discord.py forgets a modal after this; the listener answers its submit all the same.
MODAL_TIMEOUT_S = 15 * 60.0
TEXT_INPUT_MAX = 4000  # Discord's limit for one text input


def teach_id(key: str) -> str:
    return f"kb:teach:{key}"


def teach_modal_id(channel_id: int, message_id: int) -> str:
    return f"kb:teach-modal:{int(channel_id)}:{int(message_id)}"


def jump_url(guild_id: int | None, channel_id: int | str, message_id: int | str) -> str:
    """A message's link, as discord.Message.jump_url builds it."""
    return f"https://discord.com/channels/{guild_id or '@me'}/{channel_id}/{message_id}"


def submitted_values(components: Any) -> dict[str, str]:
    """The text inputs of a modal submit by custom id (in action rows or labels)."""
    out: dict[str, str] = {}
    for c in components if isinstance(components, list) else ():
        if not isinstance(c, dict):
            continue
        if "components" in c:
            out.update(submitted_values(c["components"]))
        elif "component" in c:
            out.update(submitted_values([c["component"]]))
        elif isinstance(c.get("custom_id"), str) and isinstance(c.get("value"), str):
            out[c["custom_id"]] = c["value"]
    return out


class TeachModal(discord.ui.Modal):
    """Question and answer, prefilled and editable, for the message `channel_id`/`message_id`
    (the one taught from, or the no-answer reply). Submits go to TeachCog.on_interaction."""

    def __init__(self, question: str, answer: str, channel_id: int, message_id: int) -> None:
        text = render_teach_modal()
        super().__init__(
            title=text.title[:MODAL_TITLE_LIMIT],
            timeout=MODAL_TIMEOUT_S,
            custom_id=teach_modal_id(channel_id, message_id),
        )
        self.question: discord.ui.TextInput[TeachModal] = discord.ui.TextInput(
            label=text.question_label[:LABEL_LIMIT],
            placeholder=text.question_placeholder[:PLACEHOLDER_LIMIT],
            default=question[:MAX_QUESTION_CHARS] or None,
            max_length=min(MAX_QUESTION_CHARS, TEXT_INPUT_MAX),
            style=discord.TextStyle.short if len(question) <= 100 else discord.TextStyle.paragraph,
            required=True,
            custom_id="question",
        )
        self.answer: discord.ui.TextInput[TeachModal] = discord.ui.TextInput(
            label=text.answer_label[:LABEL_LIMIT],
            placeholder=text.answer_placeholder[:PLACEHOLDER_LIMIT],
            default=answer[:TEXT_INPUT_MAX] or None,
            max_length=min(MAX_ANSWER_CHARS, TEXT_INPUT_MAX),
            style=discord.TextStyle.paragraph,
            required=True,
            custom_id="answer",
        )
        self.add_item(self.question)
        self.add_item(self.answer)


async def submit_teaching(interaction: discord.Interaction, question: str, answer: str, source: str) -> None:
    bot = cast("KnowledgeBot", interaction.client)  # this bot's interactions come from this client
    actor = actor_for(interaction)  # again: roles may have changed while the modal was open
    # Saving reloads the knowledge base, which can take longer than Discord's 3 s.
    await interaction.response.defer(ephemeral=True, thinking=True)
    # What the form holds comes without names: a mention typed or pasted into it is a raw
    # id, named here (unknown ones read as such) so the file keeps the name, as the prefill does.
    names = await mention_names(bot, interaction.guild, (question, answer)) if actor.may_teach else None
    # A bot's message never gets this far: the form does not open for one (teach_precheck).
    result = await asyncio.to_thread(bot.app.teach, actor, question, answer, source, names=names)
    await reply_with(
        interaction, render_taught(result) if isinstance(result, Taught) else render_discord_refused(result)
    )


async def on_teach_submit(interaction: discord.Interaction) -> None:
    """A teaching form's submit, whenever it comes (the form's custom id says where from)."""
    data: Any = interaction.data or {}
    found = TEACH_MODAL_ID.fullmatch(str(data.get("custom_id", "")))
    if interaction.type is not discord.InteractionType.modal_submit or found is None:
        return
    values = submitted_values(data.get("components"))
    source = jump_url(interaction.guild_id, found["channel"], found["message"])
    await guarded(
        interaction,
        "teaching",
        submit_teaching(interaction, values.get("question", ""), values.get("answer", ""), source),
    )


async def _fetch(channel: Any, message_id: int | None) -> discord.Message | None:
    if message_id is None or not hasattr(channel, "fetch_message"):
        return None
    try:
        return await channel.fetch_message(message_id)
    except LOOKUP_FAILED as exc:  # gone, hidden or the network: the form opens without it
        log.info("teaching: the replied-to message could not be fetched (%s: %s)", type(exc).__name__, exc)
        return None


async def _referenced(message: discord.Message, budget: Lookups) -> discord.Message | None:
    """The message `message` replies to: sent along, else fetched by the form's deadline
    (Discord waits 3 s for the form); one that does not come in time counts as none."""
    ref = message.reference
    if ref is None:
        return None
    if isinstance(ref.resolved, discord.Message):
        return ref.resolved
    # The time only, not a request of the budget: at most two such fetches per form, while
    # the request limit is there for a pasted list of mentions.
    try:
        async with asyncio.timeout_at(budget.until):
            return await _fetch(message.channel, ref.message_id)
    except TimeoutError:
        log.info("teaching: the replied-to message did not come in time; the form opens without it")
        return None


def _me(bot: KnowledgeBot) -> int:
    return bot.user.id if bot.user is not None else 0


async def _spoken(bot: KnowledgeBot, message: discord.Message, budget: Lookups) -> str:
    settings = bot.settings
    names = await mention_names(bot, message.guild, (message.content or "",), message=message, budget=budget)
    return spoken_question(message, _me(bot), settings.command_prefix if settings.prefix_commands else None, names)


async def _remembered(bot: KnowledgeBot, guild: discord.Guild | None, state: AnswerState, budget: Lookups) -> str:
    """A remembered answer's question as its member wrote it: a slash command's option
    keeps its mentions as bare ids until a teaching form opens on it (only then are they
    looked up, for a member who may teach); a message's were named when it was asked."""
    if not state.spoken:
        return state.question
    names = await mention_names(bot, guild, (state.spoken,), budget=budget)
    return spoken_text(state.spoken, names) or state.question


async def _asked_under(bot: KnowledgeBot, reply: discord.Message | None, budget: Lookups) -> str | None:
    """The question the bot's `reply` answered, as the member wrote it, from the message it
    replies to: the remembered question and the title have lost its mentions (the search
    drops them), so "Who has @Bob's key?" would read "Who has's key?". None for a reply to
    a slash command (it references no message: AnswerState.spoken keeps its question) or
    when that message is gone."""
    asked = await _referenced(reply, budget) if reply is not None else None
    if asked is None or asked.author.bot:
        return None
    return await _spoken(bot, asked, budget) or None


async def question_for(bot: KnowledgeBot, message: discord.Message, budget: Lookups) -> str:
    """The question a message answers: typically it replies to the bot's no-answer reply,
    under the member's question (or remembered by key, or shown as its title); or it replies
    to the question itself. Empty when it replies to nothing (the teacher types the question)."""
    parent = await _referenced(message, budget)
    if parent is None:
        return ""
    if parent.author.id != _me(bot):
        return await _spoken(bot, parent, budget)
    # The answer's key: the member's message it replied to, or the slash command it answered.
    key = parent.reference.message_id if parent.reference is not None else None
    if key is None and parent.interaction_metadata is not None:
        key = parent.interaction_metadata.id
    state = bot.app.answer_state(str(key)) if key is not None else None
    followed = _follow_up_asked(state, parent)
    if followed is not None:
        return followed
    asked = await _asked_under(bot, parent, budget)
    if asked is not None:
        return asked
    if state is not None:
        return await _remembered(bot, message.guild, state, budget)
    return question_from_title(answer_title(parent)) or ""


def _follow_up_asked(state: AnswerState | None, reply: discord.Message | None) -> str | None:
    """A follow-up's question, the question it follows included ("…badge? → and who designed
    it?"), for a form opened on its answer: its own words alone ("and who designed it?")
    would teach an answer to every later "who designed …?". None for another question."""
    if state is not None:
        return state.question if state.follows else None
    titled = question_from_title(answer_title(reply))
    return titled if titled and split_follow_up(titled)[0] is not None else None


async def teach_from_message(interaction: discord.Interaction, message: discord.Message) -> None:
    bot = cast("KnowledgeBot", interaction.client)  # this bot's interactions come from this client
    actor = actor_for(interaction)
    content = message.content or ""
    refused = await asyncio.to_thread(bot.app.teach_precheck, actor, content, from_bot=message.author.bot)
    if refused is not None:
        await reply_with(interaction, render_discord_refused(refused))
        return
    budget = Lookups.start(FORM_DEADLINE_S)  # the question's look-ups and the answer's, together
    question = await question_for(bot, message, budget)
    # Mentions as "@name" and "#channel", not raw ids: the answer is saved to disk.
    names = await mention_names(bot, message.guild, (content,), message=message, budget=budget)
    text = readable_mentions(content, names, markdown=True)  # the answer is Markdown, as Discord showed it
    await interaction.response.send_modal(TeachModal(question, text, message.channel.id, message.id))


class TeachButton(discord.ui.DynamicItem[discord.ui.Button], template=TEACH_ID):
    """ "Teach an answer" under a no-answer reply: the modal with the question filled in."""

    def __init__(self, key: str) -> None:
        super().__init__(discord.ui.Button(custom_id=teach_id(key)))
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> TeachButton:
        return cls(match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, "teach button", self.open(interaction))

    async def open(self, interaction: discord.Interaction) -> None:
        bot = cast("KnowledgeBot", interaction.client)  # this bot's interactions come from this client
        refused = await asyncio.to_thread(bot.app.teach_precheck, actor_for(interaction))
        if refused is not None:
            await reply_with(interaction, render_discord_refused(refused))
            return
        state = bot.app.answer_state(self.key)
        message = interaction.message
        budget = Lookups.start(FORM_DEADLINE_S)
        question = _follow_up_asked(state, message) or await _asked_under(bot, message, budget)
        if question is None and state is not None:
            question = await _remembered(bot, interaction.guild, state, budget)  # a slash command's
        if question is None:
            question = question_from_title(answer_title(message))
        channel_id = message.channel.id if message is not None else interaction.channel_id or 0
        await interaction.response.send_modal(
            TeachModal(question or "", "", channel_id, message.id if message is not None else 0)
        )


class TeachCog(commands.Cog, name="Teach"):
    """Registers the message command (context menus cannot be declared inside a cog class)
    and the Teach an answer button."""

    def __init__(self, bot: KnowledgeBot) -> None:
        self.bot = bot
        self.menu = app_commands.ContextMenu(name=TEACH_COMMAND, callback=self.teach)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)
        self.bot.add_dynamic_items(TeachButton)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)
        self.bot.remove_dynamic_items(TeachButton)

    async def teach(self, interaction: discord.Interaction, message: discord.Message) -> None:
        await teach_from_message(interaction, message)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await on_teach_submit(interaction)
