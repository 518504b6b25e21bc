"""Asking: /ask, mentioning the bot, DMs, `!ask` (optional) and answer channels (optional)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, NamedTuple

import discord
from discord import app_commands
from discord.ext import commands

from ...answer import MAX_QUESTION_CHARS
from ...mentions import MentionNames, mentioned_ids
from ...outcomes import Actor, CoolingDown, Where
from ...rendering.discord import COMMAND_HELP, OPTION_HELP
from ...rendering.messages import (
    example_question,
    follow_up_question,
    render_answer,
    render_cooldown,
    render_empty_question,
    render_error,
    render_role_mention_unreadable,
)
from ...rendering.reply import ReplyData
from ...retrieval.chat import asks_for_help
from ..mentions import cached_mention_names
from ..messages import (
    Followed,
    asks_more,
    clean_question,
    followed_answer,
    looks_like_question,
    mentions_user,
    message_names,
    own_role_mentioned,
    replies_to,
    spoken_text,
    strip_mention,
    strip_prefix_command,
    thread_name,
    thread_question,
)
from ..send import reply_to, respond, send_to
from ..views import button_key

if TYPE_CHECKING:
    from ..client import KnowledgeBot

log = logging.getLogger(__name__)

# An interaction must be answered within 3 s; if the answer isn't ready by then, defer
# ("Bot is thinking…") and follow up.
DEFER_AFTER = 2.0
COOLDOWN_NOTICE_SECONDS = 15.0  # cooldown notes in channels delete themselves
_ANSWERED_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class Rendered(NamedTuple):
    reply: ReplyData
    answered: bool
    repeated: bool = False  # a cooldown notice this member already got in this wait
    asked_something: bool = True  # False: a greeting, "ok?", "what?": nothing was searched for
    buttons: str | None = None  # what the reply's buttons carry (views.button_key); None: no buttons


class AskCog(commands.Cog, name="Ask"):
    def __init__(self, bot: KnowledgeBot) -> None:
        self.bot = bot

    def example(self) -> str:
        """A question to suggest, made from the knowledge base (or EXAMPLE_QUESTION)."""
        return example_question(self.bot.service.sources(), self.bot.settings.example_question)

    # ------------------------------------------------------------------ shared

    async def answer(
        self,
        user_id: int,
        question: str,
        key: str,
        *,
        ephemeral: bool = False,
        where: Where | None = None,
        spoken: str | None = None,
        names: MentionNames | None = None,
        follows: str | None = None,
        read: str | None = None,
    ) -> Rendered:
        """Ask the app (rate limit, answer, button state, question log) off the event loop
        and render: the reply, whether it is an answer (False: a cooldown notice), and
        whether that notice was already given in this wait. `spoken`, `follows`, `read`:
        App.ask; `names`: the question's mentions, named in the answer's title."""
        outcome = await asyncio.to_thread(
            self.bot.app.ask,
            Actor(user_id),
            clean_question(question),
            key,
            where,
            spoken=spoken,
            follows=follows,
            read=read,
        )
        if isinstance(outcome, CoolingDown):
            return Rendered(
                render_cooldown(outcome.retry_after, outcome.questions, outcome.seconds), False, not outcome.first
            )
        return Rendered(
            render_answer(
                outcome.answer,
                ephemeral=ephemeral,
                learned=outcome.learned,
                teach=outcome.teachable,
                asked=follow_up_question(follows, question) if follows else question,
                names=names,
            ),
            True,
            asked_something=outcome.asked_something,
            buttons=button_key(key, outcome.shown),
        )

    # ------------------------------------------------------------------ /ask

    @app_commands.command(name="ask", description=COMMAND_HELP["ask"])
    @app_commands.describe(**OPTION_HELP["ask"])
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
        private: bool = False,
    ) -> None:
        key = str(interaction.id)
        where = Where(interaction.guild_id, interaction.channel_id)
        task = asyncio.ensure_future(self._slash_answer(interaction, question, key, private, where))
        try:
            rendered = await asyncio.wait_for(asyncio.shield(task), DEFER_AFTER)
        except TimeoutError:
            await interaction.response.defer(ephemeral=private, thinking=True)
            rendered = await task
        # An interaction is answered, even with a repeated notice.
        sent = await respond(interaction, rendered.reply, rendered.buttons)
        if sent is not None and not private:
            # /gaps links to the question; for a slash command that is the public reply.
            await asyncio.to_thread(self.bot.app.link_answer, key, sent.jump_url)

    async def _slash_answer(
        self, interaction: discord.Interaction, question: str, key: str, private: bool, where: Where
    ) -> Rendered:
        # An option's mentions come as bare ids, and the search drops them: the answer keeps
        # the question as typed (in memory only), and a teaching form opened on it names them
        # then (bot/discord/teaching.py). Not here: anyone can ask, and every look-up is a
        # request to Discord. The title names them from the guild's cache, which costs none.
        me = self.bot.user.id if self.bot.user is not None else 0
        asked = strip_mention(question, me)
        spoken = (asked or None) if mentioned_ids(question) else None
        # Without the members intent hardly any member is cached: the asker's own name is free.
        asker = {interaction.user.id: interaction.user.display_name}
        names = cached_mention_names(interaction.guild, (asked,), users=asker)
        return await self.answer(
            interaction.user.id, asked, key, ephemeral=private, where=where, spoken=spoken, names=names
        )

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
        role = own_role_mentioned(message, me.id)
        # A reply to one of the bot's answers follows up its question ("and on windows?"),
        # and asks for more than the passage that answer showed; so does a question in the
        # thread the bot opened for an answer channel's question, but not a reply there under
        # another of the bot's messages (a no-answer, where a teacher writes the answer).
        followed = followed_answer(message, me.id)
        if followed is not None:
            state = self.bot.app.answer_state(followed.key) if followed.key else None  # never cut
            followed = followed._replace(question=state.question) if state is not None else followed
        elif not replies_to(message, me.id):
            asked = thread_question(message, me.id, settings.answer_channel_ids)
            followed = Followed(asked, None, None) if asked else None
        if mentions_user(content, me.id) or is_dm or role is not None:
            if role is not None and not content:
                # Discord withheld the text: a role mention does not count as mentioning the bot.
                await self._hint(message, render_role_mention_unreadable())
                return
            question = strip_mention(content, me.id, role)
            if not question or asks_for_help(question):  # "@KB Bot help" is no search either
                # In a DM no mention is needed: suggest the question alone.
                await self._hint(message, render_empty_question(self.example(), how="" if is_dm else "@me "))
                return
            await self._reply(message, question, followed)
            return
        if followed is not None and asks_more(content) and self.bot.app.terms(content):
            # No mention needed, so only a question of its own: members talk under answers
            # and in threads too ("Have you tried restarting it", "ok?").
            await self._reply(message, content.strip(), followed, quiet=True)
            return
        if message.channel.id in settings.answer_channel_ids and looks_like_question(content):
            await self._answer_in_thread(message, content.strip())

    async def _hint(self, message: discord.Message, hint: ReplyData) -> None:
        """A hint instead of an answer, under the same cooldown as answers: one notice per
        wait once the member is over the limit, then nothing."""
        cooling = self.bot.app.cooling_down(Actor(message.author.id))
        if cooling is None:
            await reply_to(message, hint)
        elif cooling.first:
            notice = render_cooldown(cooling.retry_after, cooling.questions, cooling.seconds)
            await reply_to(message, notice, delete_after=COOLDOWN_NOTICE_SECONDS)

    async def _answer_message(
        self, message: discord.Message, question: str, followed: Followed | None = None
    ) -> Rendered:
        """`answer` for a question asked in a message: keyed by the message, its mentions
        spoken and named from it; `followed`: the answer it follows up, whose question it is
        read with (App.ask's `follows`)."""
        return await self.answer(
            message.author.id,
            question,
            str(message.id),
            where=_where(message),
            spoken=_spoken(message, question),
            names=_names(message, question),
            follows=followed.question if followed is not None else None,
            read=followed.shown if followed is not None else None,
        )

    async def _reply(
        self, message: discord.Message, question: str, followed: Followed | None = None, *, quiet: bool = False
    ) -> None:
        """Answer in place; `quiet`: a message that did not ask the bot by name gets no
        reply for chatter the engine recognises (thanks, greetings), as in answer channels."""
        rendered = await self._answer_message(message, question, followed)
        if rendered.repeated or (quiet and rendered.answered and not rendered.asked_something):
            return  # one cooldown notice per wait: a flood must not make the bot flood the channel
        notice_for = None if rendered.answered else COOLDOWN_NOTICE_SECONDS
        await reply_to(message, rendered.reply, rendered.buttons, delete_after=notice_for)

    async def _answer_in_thread(self, message: discord.Message, question: str) -> None:
        rendered = await self._answer_message(message, question)
        reply, buttons = rendered.reply, rendered.buttons
        if rendered.repeated or (rendered.answered and not rendered.asked_something):
            return  # chatter that ends in "?" ("ok?", "lol?", "what?"): no thread for it
        if not rendered.answered:
            await reply_to(message, reply, delete_after=COOLDOWN_NOTICE_SECONDS)
            return
        try:
            thread = await message.create_thread(name=thread_name(question), auto_archive_duration=1440)
        except discord.HTTPException as exc:
            # No Create Public Threads permission, or the channel type has no threads:
            # answer in the channel rather than not at all.
            log.warning("cannot open a thread in channel %s (%s); replying in the channel", message.channel.id, exc)
            await reply_to(message, reply, buttons)
            return
        if await send_to(thread, reply, buttons) is None:
            # No Send Messages in Threads (the thread was allowed, posting in it not): answer
            # in the channel rather than leave the question unanswered.
            await reply_to(message, reply, buttons)


def _spoken(message: discord.Message, question: str) -> str | None:
    """The question with its mentions named from the message (Discord sends their names
    with it), for a teaching form opened on the answer when the message itself is gone."""
    return spoken_text(question, message_names(message)) or None


def _names(message: discord.Message, question: str) -> MentionNames:
    """The question's mentions named for its answer's title: members from the message (Discord
    sends them with it), the rest from the guild's cache, as for /ask."""
    return cached_mention_names(message.guild, (question,), users=message_names(message).users)


def _where(message: discord.Message) -> Where:
    """Where a message question was asked, with its jump link for the gaps list."""
    return Where(message.guild.id if message.guild else None, message.channel.id, message.id, message.jump_url)


class PrefixAskCog(commands.Cog, name="PrefixAsk"):
    """`!ask question`, loaded only when PREFIX_COMMANDS is on."""

    def __init__(self, bot: KnowledgeBot, asker: AskCog) -> None:
        self.bot = bot
        self.asker = asker

    @commands.command(name="ask", help=COMMAND_HELP["ask"])
    async def ask_prefix(self, ctx: commands.Context, *, question: str = "") -> None:
        question = question.strip()
        if not question:
            how = f"{self.bot.settings.command_prefix}ask "
            await self.asker._hint(ctx.message, render_empty_question(self.asker.example(), how=how))
            return
        await self.asker._reply(ctx.message, question)
