"""The Discord handlers with fakes at the narrowest seam: interactions, messages and the
bot's state, checking what would be sent (and that it can ping nobody)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import shutil
import threading
from pathlib import Path
from types import SimpleNamespace

import discord
import pytest
from discord import app_commands

from bot.app import AnswerState, fingerprint
from bot.config import Secret, Settings
from bot.discord import client as client_mod
from bot.discord import teaching as teaching_mod
from bot.discord.checks import NotAdmin, admin_predicate, interaction_is_admin, is_admin
from bot.discord.client import KnowledgeBot, apply_endpoints, build_intents, create_bot
from bot.discord.cogs import ask as ask_mod
from bot.discord.cogs.admin import AdminCog
from bot.discord.cogs.ask import AskCog, PrefixAskCog
from bot.discord.mentions import Lookups
from bot.discord.messages import Followed, followed_answer, strip_prefix_command
from bot.discord.send import NO_MENTIONS, message_kwargs
from bot.discord.views import CUSTOM_ID, handle_button
from bot.rendering.messages import NAMED, question_from_title, render_answer
from tests.fakes.handler_fakes import (
    BOT_ID,
    FakeChannel,
    FakeEmbedMessage,
    FakeInteraction,
    FakeMessage,
    FakeUser,
    Sent,
    make_bot,
)

NONE = discord.AllowedMentions.none().to_dict()
MENTION_DOC = (
    "Roster notes\n\n"
    "The briefing roster for the orbital relay station lists @everyone and @here, and <@123> "
    "with <@&456> as the duty officers who keep the orbital relay station roster.\n"
)


RAW_MENTION = re.compile(r"@(?:everyone|here)|<@[!&]?\d", re.IGNORECASE)


def assert_no_pings(sends: list[Sent]) -> None:
    assert sends, "nothing was sent"
    for s in sends:
        am = s.kwargs.get("allowed_mentions")
        assert am is not None, f"{s.via} send without allowed_mentions"
        assert am.to_dict() == NONE
        assert not RAW_MENTION.search(s.text()), s.text()[:300]


def command_tree(bot, *cogs) -> app_commands.CommandTree:
    """The cogs' commands in a real discord.py CommandTree, errors routed to the bot's handler,
    as KnowledgeBot.setup_hook wires them."""
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    for cog in cogs:
        for command in cog.__cog_app_commands__:
            tree.add_command(command)

    async def on_error(interaction, error) -> None:
        await KnowledgeBot.on_app_command_error(bot, interaction, error)

    tree.error(on_error)
    return tree


async def invoke(bot, cog, name: str, interaction, **options) -> None:
    """Run /name as the command tree does, through its public surface: look the command up,
    run its checks, call its callback bound to the cog; errors go to the tree's handler."""
    tree = command_tree(bot, cog)
    top, *subs = name.split()
    command = tree.get_command(top)
    for sub in subs:  # "kb list": a group's subcommand
        assert isinstance(command, app_commands.Group), f"/{top} is not a group"
        command = command.get_command(sub)
    assert isinstance(command, app_commands.Command), f"/{name} is not in the tree"
    interaction.command = command
    try:
        for check in command.checks:
            if not await discord.utils.maybe_coroutine(check, interaction):
                raise app_commands.CheckFailure()
        await command.callback(command.binding, interaction, **options)
    except app_commands.AppCommandError as exc:
        await tree.on_error(interaction, exc)
    except Exception as exc:
        await tree.on_error(interaction, app_commands.CommandInvokeError(command, exc))


# ------------------------------------------------------------------------------- /ask


async def test_ask_public_reply_has_embed_citation_and_buttons(tmp_path):
    bot = make_bot(tmp_path)
    cog = AskCog(bot)
    it = FakeInteraction(bot)
    await invoke(bot, cog, "ask", it, question="why Ramstein?", private=False)
    [sent] = it.outbox
    assert sent.via == "response" and not sent.ephemeral
    [embed] = sent.embeds
    assert "· ¶3" in embed.description
    assert embed.footer.text.startswith("Confidence: ")
    assert len(embed.fields) <= 2
    ids = [c.custom_id for c in sent.view.children]
    shown = fingerprint(bot.answers.get(str(it.id)).answer.results[0])  # the passage shown, by name
    assert ids == [f"kb:{a}:{it.id}:{shown}" for a in ("full", "more", "up", "down")]
    assert bot.answers.get(str(it.id)) is not None
    assert_no_pings(it.outbox)


async def test_ask_private_is_ephemeral(tmp_path):
    bot = make_bot(tmp_path)
    cog = AskCog(bot)
    it = FakeInteraction(bot)
    await invoke(bot, cog, "ask", it, question="why Ramstein?", private=True)
    assert it.outbox[0].ephemeral


async def test_ask_runs_the_service_off_the_event_loop(tmp_path):
    bot = make_bot(tmp_path)
    cog = AskCog(bot)
    await invoke(bot, cog, "ask", FakeInteraction(bot), question="why Ramstein?", private=False)
    assert bot.service.threads and threading.get_ident() not in bot.service.threads


async def test_slow_answer_defers_then_follows_up(tmp_path, monkeypatch):
    monkeypatch.setattr(ask_mod, "DEFER_AFTER", 0.05)
    bot = make_bot(tmp_path)
    bot.service.delay = 0.3
    cog = AskCog(bot)
    it = FakeInteraction(bot)
    await invoke(bot, cog, "ask", it, question="why Ramstein?", private=True)
    assert it.response.deferred == {"ephemeral": True, "thinking": True}
    [sent] = it.outbox
    assert sent.via == "followup" and sent.ephemeral and "¶3" in sent.text()


async def test_no_answer_says_so_and_points_to_sources(tmp_path):
    bot = make_bot(tmp_path)
    cog = AskCog(bot)
    it = FakeInteraction(bot)
    await invoke(bot, cog, "ask", it, question="???", private=False)
    text = it.outbox[0].text()
    assert "/sources" in text and "no answer" in text.lower()
    assert it.outbox[0].view is None


async def test_cooldown_refuses_politely_without_asking(tmp_path):
    bot = make_bot(tmp_path, cooldown_questions=2, cooldown_seconds=60)
    cog = AskCog(bot)
    user = FakeUser(5)
    for _ in range(2):
        await invoke(bot, cog, "ask", FakeInteraction(bot, user), question="why Ramstein?", private=False)
    it = FakeInteraction(bot, user)
    await invoke(bot, cog, "ask", it, question="why Ramstein?", private=False)
    [sent] = it.outbox
    assert sent.ephemeral and "try again in" in sent.content and "2 questions every 60 seconds" in sent.content
    assert len(bot.service.ask_calls) == 2
    # Another member is not affected.
    other = FakeInteraction(bot, FakeUser(6))
    await invoke(bot, cog, "ask", other, question="why Ramstein?", private=False)
    assert other.outbox[0].embeds


# ------------------------------------------------------------------------------- mention safety


async def test_mentions_in_question_and_knowledge_ping_nobody(tmp_path):
    bot = make_bot(tmp_path, extra={"roster.txt": MENTION_DOC}, article=False)
    cog = AskCog(bot)
    it = FakeInteraction(bot)
    question = "@everyone <@123> who keeps the orbital relay station roster?"
    await invoke(bot, cog, "ask", it, question=question, private=False)
    sent = it.outbox[0]
    text = re.sub(r"\\(.)", r"\1", sent.text())  # as Discord shows it, escapes removed
    # Shown as written, defused in the text itself (a zero-width space after "@")...
    assert "@\u200beveryone" in text and "<@\u200b123>" in text and "<@\u200b&456>" in text
    assert not RAW_MENTION.search(text)
    assert_no_pings(it.outbox)  # ...and allowed_mentions pings nobody too
    # What discord.py would put on the wire, merged with the client default.
    params = discord.http.handle_message_parameters(
        content="@everyone",
        embeds=sent.embeds,
        allowed_mentions=sent.kwargs["allowed_mentions"],
        previous_allowed_mentions=discord.AllowedMentions.none(),
    )
    wire = params.payload["allowed_mentions"]
    assert wire["parse"] == [] and not wire.get("replied_user") and not wire.get("users") and not wire.get("roles")

    msg = FakeMessage(f"<@{BOT_ID}> {question}")
    await cog.on_message(msg)
    assert "@\u200beveryone" in msg.channel.outbox[0].text()
    assert_no_pings(msg.channel.outbox)
    # Every button reply too.
    for action in ("full", "more", "up"):
        click = FakeInteraction(bot, message=FakeEmbedMessage(1, sent.embeds))
        await handle_button(click, action, str(it.id))
        assert_no_pings(click.outbox)


@pytest.mark.parametrize(
    "question", ["@\u200beveryone why Ramstein?", "＠everyone why Ramstein?", "@here <@&5> why Ramstein?"]
)
async def test_hidden_mentions_are_stripped_from_questions(tmp_path, question):
    bot = make_bot(tmp_path)
    cog = AskCog(bot)
    it = FakeInteraction(bot)
    await invoke(bot, cog, "ask", it, question=question, private=False)
    # Read as the question "why Ramstein?": its title carries no mention, hidden or not; a
    # role not in the cache is named as unknown, and left out again when read back.
    title = it.outbox[0].embeds[0].title
    shown = "@unknown-role why Ramstein?" if "<@&5>" in question else "why Ramstein?"
    assert title.replace(NAMED, "") == shown
    assert question_from_title(title) == "why Ramstein?"
    assert_no_pings(it.outbox)


def test_client_default_allows_no_mentions(tmp_path):
    async def build():
        bot = make_bot(tmp_path)
        async with KnowledgeBot(bot.settings, bot.service) as real:
            return real.allowed_mentions.to_dict()

    assert asyncio.run(build()) == NONE
    assert NO_MENTIONS.to_dict() == NONE


async def test_message_kwargs_always_carry_allowed_mentions(tmp_path):
    bot = make_bot(tmp_path)
    reply = render_answer(bot.service.ask("why Ramstein?"))
    for key in ("1", None):
        for as_text in (False, True):
            assert message_kwargs(reply, key, as_text=as_text)["allowed_mentions"].to_dict() == NONE


# ------------------------------------------------------------------------------- messages


async def test_mention_is_answered_in_a_reply(tmp_path):
    bot = make_bot(tmp_path)
    cog = AskCog(bot)
    msg = FakeMessage(f"<@!{BOT_ID}> why Ramstein?")
    await cog.on_message(msg)
    [sent] = msg.channel.outbox
    assert "¶3" in sent.text()
    assert sent.kwargs["reference"].message_id == msg.id
    assert msg.references == [False]  # still answers if the question was deleted meanwhile
    assert bot.service.ask_calls == [("why Ramstein?", 3)]
    assert bot.answers.get(str(msg.id)) is not None


async def test_mention_syntax_does_not_spoil_the_search(tmp_path):
    bot = make_bot(tmp_path)
    cog = AskCog(bot)
    msg = FakeMessage(f"<@{BOT_ID}> why Ramstein? @everyone <@123>")
    await cog.on_message(msg)
    assert bot.service.ask_calls == [("why Ramstein?", 3)]
    assert "¶3" in msg.channel.outbox[0].text()


@pytest.mark.parametrize(
    "content,author",
    [
        ("why Ramstein?", FakeUser()),  # no mention, not an answer channel
        (f"<@{BOT_ID}> why Ramstein?", FakeUser(2, bot=True)),  # bots are ignored
    ],
)
async def test_messages_that_are_not_for_the_bot_are_ignored(tmp_path, content, author):
    bot = make_bot(tmp_path)
    cog = AskCog(bot)
    msg = FakeMessage(content, author=author)
    await cog.on_message(msg)
    assert msg.channel.outbox == [] and bot.service.ask_calls == []


async def test_system_messages_are_ignored(tmp_path):
    bot = make_bot(tmp_path)
    cog = AskCog(bot)
    msg = FakeMessage(f"<@{BOT_ID}> hi", type=discord.MessageType.pins_add)
    await cog.on_message(msg)
    assert msg.channel.outbox == []


async def test_bare_mention_gets_a_hint(tmp_path):
    bot = make_bot(tmp_path)
    cog = AskCog(bot)
    msg = FakeMessage(f"<@{BOT_ID}>")
    await cog.on_message(msg)
    assert "/ask" in msg.channel.outbox[0].content and bot.service.ask_calls == []


async def test_mention_asking_for_help_gets_the_hint_not_a_search(tmp_path):
    """ "@KB Bot help" was searched: "The knowledge base has no answer to that", and a
    knowledge gap "help" in /gaps. It gets the hint a bare mention gets."""
    bot = make_bot(tmp_path)
    cog = AskCog(bot)
    for text in (f"<@{BOT_ID}> help", f"<@{BOT_ID}> help?", f"<@{BOT_ID}> /help"):
        msg = FakeMessage(text)
        await cog.on_message(msg)
        assert "/help" in msg.channel.outbox[0].content and "no answer" not in msg.channel.outbox[0].content
    dm = FakeMessage("help me", guild=False)
    await cog.on_message(dm)
    assert "Ask me something" in dm.channel.outbox[0].content
    assert bot.service.ask_calls == []


async def test_direct_messages_need_no_mention(tmp_path):
    bot = make_bot(tmp_path)
    cog = AskCog(bot)
    msg = FakeMessage("why Ramstein?", guild=False)
    await cog.on_message(msg)
    assert "¶3" in msg.channel.outbox[0].text()
    sticker_only = FakeMessage("", guild=False)  # a sticker or a file alone
    await cog.on_message(sticker_only)
    hint = sticker_only.channel.outbox[0].content
    assert "Ask me something, e.g. `tell me about" in hint and "@me" not in hint  # no mention needed here


async def test_without_embed_links_the_answer_is_sent_as_text(tmp_path):
    bot = make_bot(tmp_path)
    cog = AskCog(bot)
    msg = FakeMessage(f"<@{BOT_ID}> why Ramstein?", channel=FakeChannel(embed_links=False))
    await cog.on_message(msg)
    [sent] = msg.channel.outbox
    assert not sent.embeds and "¶3" in sent.content and len(sent.content) <= 2000
    assert_no_pings(msg.channel.outbox)


async def test_message_handler_never_raises(tmp_path):
    bot = make_bot(tmp_path)

    def boom(*a, **k):
        raise RuntimeError("index exploded")

    bot.service.ask = boom
    cog = AskCog(bot)
    msg = FakeMessage(f"<@{BOT_ID}> why Ramstein?")
    await cog.on_message(msg)
    [sent] = msg.channel.outbox
    assert "went wrong" in sent.content and "exploded" not in sent.content


async def test_answer_channel_question_gets_a_thread(tmp_path):
    bot = make_bot(tmp_path, answer_channel_ids=frozenset({55}), message_content=True)
    cog = AskCog(bot)
    chan = FakeChannel(55)
    msg = FakeMessage("Why did NATO choose Ramstein for the space center?", channel=chan)
    await cog.on_message(msg)
    [thread] = chan.threads
    assert thread.name == "Why did NATO choose Ramstein for the space center?"
    [sent] = chan.outbox
    assert sent.via == f"channel:{thread.id}" and "¶3" in sent.text()
    assert_no_pings(chan.outbox)


async def test_answer_channel_ignores_chatter_and_other_channels(tmp_path):
    bot = make_bot(tmp_path, answer_channel_ids=frozenset({55}), message_content=True, cooldown_questions=0)
    cog = AskCog(bot)
    # Chatter that ends in "?" read as a question, got a thread each: a greeting for "ok?",
    # "that doesn't look like a question" for "what?".
    chatter = ("thanks, that helped", "ok?", "lol?", "what?", "why not?", "hi?", "what keyboard do you all use?")
    for content, cid in [*((c, 55) for c in chatter), ("why Ramstein?", 56)]:
        chan = FakeChannel(cid)
        await cog.on_message(FakeMessage(content, channel=chan))
        assert chan.outbox == [] and chan.threads == [], content


async def test_answer_channel_without_thread_permission_replies_in_channel(tmp_path):
    bot = make_bot(tmp_path, answer_channel_ids=frozenset({55}), message_content=True)
    cog = AskCog(bot)
    err = discord.Forbidden(_FakeHTTPResponse(403), "Missing Permissions")
    chan = FakeChannel(55, thread_error=err)
    msg = FakeMessage("why Ramstein?", channel=chan)
    await cog.on_message(msg)
    [sent] = chan.outbox
    assert sent.via == "channel:55" and sent.kwargs["reference"].message_id == msg.id


class _FakeHTTPResponse:
    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "Forbidden"


async def test_prefix_command(tmp_path):
    bot = make_bot(tmp_path, prefix_commands=True, message_content=True)
    asker = AskCog(bot)
    prefix = PrefixAskCog(bot, asker)
    msg = FakeMessage("!ask why Ramstein?")
    await asker.on_message(msg)  # the listener leaves it to the command
    assert msg.channel.outbox == []
    ctx = type("Ctx", (), {"message": msg})()
    await prefix.ask_prefix.callback(prefix, ctx, question="why Ramstein?")
    assert "¶3" in msg.channel.outbox[0].text()
    empty = FakeMessage("!ask")
    await prefix.ask_prefix.callback(prefix, type("Ctx", (), {"message": empty})(), question="")
    assert "`!ask tell me about New progress in NATO’s space force construction`" in empty.channel.outbox[0].content


def test_prefix_command_is_recognised_as_discord_py_runs_it():
    """The listener skips what discord.py runs as the command, and only that: the prefix
    exactly at the start, the name in any case (the bot is case_insensitive)."""
    assert strip_prefix_command("!Ask why Ramstein?", "!") == "why Ramstein?"
    assert strip_prefix_command("!ASK", "!") == ""
    assert strip_prefix_command("!asking why", "!") is None
    assert strip_prefix_command("KB!ask why", "kb!") is None  # discord.py's prefix match is exact
    assert strip_prefix_command("kb!ask why", "kb!") == "why"


async def test_an_answer_remembers_its_question_with_the_mentions_named(tmp_path):
    """The search drops mentions, so the remembered question of "who has <@5>'s key?" was
    "who has 's key?", and a teaching form opened on a slash command's answer showed that.
    The answer now also keeps the question as members read it."""
    bot = make_bot(tmp_path)
    msg = FakeMessage(f"<@{BOT_ID}> who has <@5>'s key in <#6>?")
    msg.mentions = [SimpleNamespace(id=5, display_name="Bob")]  # type: ignore[attr-defined]
    msg.channel_mentions = [SimpleNamespace(id=6, name="front-desk")]  # type: ignore[attr-defined]
    await AskCog(bot).on_message(msg)
    state = bot.answers.get(str(msg.id))
    assert state.question == "who has 's key in ?" and state.spoken == "who has @Bob's key in #front-desk?"

    it = FakeInteraction(bot)
    it.guild.members[5] = "Bob (nick)"  # an option's mention comes as a bare id
    await invoke(bot, AskCog(bot), "ask", it, question="who has <@5>'s key in <#6>?", private=False)
    # /ask looked the ids up before answering: anyone's question, 8 requests to Discord each
    # (403s for channels out of sight), before the cooldown was even checked. Kept as typed
    # now, in memory, and named when a teaching form opens on the answer.
    state = bot.answers.get(str(it.id))
    assert state.spoken == "who has <@5>'s key in <#6>?" and it.guild.fetched == []
    named = await teaching_mod._remembered(bot, it.guild, state, Lookups.start(1.0))
    assert named == "who has @Bob (nick)'s key in #unknown-channel?" and it.guild.fetched == [5]
    plain = FakeInteraction(bot)
    await invoke(bot, AskCog(bot), "ask", plain, question="why Ramstein?", private=False)
    assert bot.answers.get(str(plain.id)).spoken is None  # nothing to name: nothing looked up


# ------------------------------------------------------------------------------- buttons


async def _asked(bot) -> tuple[FakeInteraction, Sent]:
    cog = AskCog(bot)
    it = FakeInteraction(bot)
    await invoke(bot, cog, "ask", it, question="why Ramstein?", private=False)
    return it, it.outbox[0]


async def test_one_hundred_fast_clicks_by_one_member_record_one_vote(tmp_path):
    """Issue 11: the vote was written after an await, so concurrent clicks all passed the
    "already voted?" check (up to 12 of 100 were recorded). Also after a restart, when the
    clicks race to recover the answer first."""
    bot = make_bot(tmp_path)
    it, sent = await _asked(bot)
    user = FakeUser(4242)
    clicks = [FakeInteraction(bot, user, message=FakeEmbedMessage(99, sent.embeds)) for _ in range(100)]
    await asyncio.gather(*(handle_button(c, "up", str(it.id)) for c in clicks))
    assert len(bot.app.store.votes()) == 1
    replies = [c.outbox[0].content for c in clicks]
    assert replies.count("Thanks for the 👍!") == 1 and replies.count("You already rated this answer. Thanks!") == 99

    bot.app.answers._items.clear()  # as after a restart: the answer is recovered from the embed
    clicks = [FakeInteraction(bot, FakeUser(7), message=FakeEmbedMessage(99, sent.embeds)) for _ in range(50)]
    await asyncio.gather(*(handle_button(c, "down", str(it.id)) for c in clicks))
    assert [v["vote"] for v in bot.app.store.votes()] == ["up", "down"]


async def test_full_passage_button(tmp_path):
    bot = make_bot(tmp_path)
    it, sent = await _asked(bot)
    click = FakeInteraction(bot, message=FakeEmbedMessage(1, sent.embeds))
    await handle_button(click, "full", str(it.id))
    [reply] = click.outbox
    assert reply.ephemeral
    best = bot.answers.get(str(it.id)).answer.best
    assert best.passage.text[:60].split()[0] in reply.embeds[0].description
    assert reply.embeds[0].title.endswith("· ¶3")


async def test_more_results_button(tmp_path):
    bot = make_bot(tmp_path)
    it, sent = await _asked(bot)
    click = FakeInteraction(bot, message=FakeEmbedMessage(1, sent.embeds))
    await handle_button(click, "more", str(it.id))
    [reply] = click.outbox
    assert reply.ephemeral and reply.embeds[0].fields[0].name.startswith("1. ")
    assert bot.service.ask_calls[-1] == ("why Ramstein?", 8)


async def test_feedback_buttons_record_once_per_user(tmp_path):
    bot = make_bot(tmp_path)
    it, sent = await _asked(bot)
    # A snowflake-long id: a short one ("4242") turned up by chance in the hash or the time.
    user = FakeUser(918273645546372819)
    for action in ("up", "down"):
        click = FakeInteraction(bot, user, guild_id=7, channel_id=8, message=FakeEmbedMessage(99, sent.embeds))
        await handle_button(click, action, str(it.id))
    votes = bot.app.store.votes()
    assert len(votes) == 1
    rec = votes[0]
    assert rec["vote"] == "up" and rec["question"] == "why Ramstein?"
    assert rec["guild_id"] == 7 and rec["channel_id"] == 8 and rec["message_id"] == 99
    assert rec["cited"][0]["paragraph"] == 3 and rec["cited"][0]["citation"].endswith("· ¶3")
    assert rec["user"] != "918273645546372819" and len(rec["user"]) == 64
    assert "918273645546372819" not in json.dumps(rec)
    assert "already rated" in click.outbox[0].content


async def test_buttons_work_after_restart_by_asking_again(tmp_path):
    bot = make_bot(tmp_path)
    _, sent = await _asked(bot)
    fresh = make_bot(tmp_path / "restarted")  # empty answer store
    click = FakeInteraction(fresh, message=FakeEmbedMessage(1, sent.embeds))
    await handle_button(click, "full", "123456")
    assert click.outbox[0].embeds[0].title.endswith("· ¶3")


async def test_more_results_after_a_restart_asks_the_question_once(tmp_path):
    """More results on an old answer first recovered the answer (top 3, and 8 more when its
    passage ranked lower), then asked the question again for its 8: the engine ran it two
    or three times for one click. The reply is the same as without a restart."""
    bot = make_bot(tmp_path)
    it, sent = await _asked(bot)
    shown = fingerprint(bot.answers.get(str(it.id)).answer.best)
    remembered = FakeInteraction(bot, message=FakeEmbedMessage(1, sent.embeds))
    await handle_button(remembered, "more", str(it.id), shown)
    for passage in (shown, "0123456789ab"):  # the passage shown, or one that is gone
        fresh = make_bot(tmp_path / f"restarted-{passage}")  # empty answer store
        click = FakeInteraction(fresh, message=FakeEmbedMessage(1, sent.embeds))
        await handle_button(click, "more", str(it.id), passage)
        assert fresh.service.ask_calls == [("why Ramstein?", 8)]
        [reply] = click.outbox
        assert [e.to_dict() for e in reply.embeds] == [e.to_dict() for e in remembered.outbox[0].embeds]
        # The other buttons still recover the answer when they are clicked.
        full = FakeInteraction(fresh, message=FakeEmbedMessage(1, sent.embeds))
        await handle_button(full, "full", str(it.id), passage)
        assert len(fresh.service.ask_calls) == 2 and fresh.answers.get(str(it.id)) is not None


def test_answer_buttons_from_before_fingerprints_are_still_handled():
    """Answers sent before the passage fingerprint have `kb:<action>:<key>` buttons: the
    registered item still takes them (and handle_button asks the title again, as above)."""
    assert CUSTOM_ID.fullmatch("kb:up:123456")["shown"] is None
    assert CUSTOM_ID.fullmatch("kb:up:123456:0a1b2c3d4e5f")["shown"] == ("0a1b2c3d4e5f")


async def test_buttons_on_an_answer_sent_as_text_work_after_restart(tmp_path):
    """Where the bot may not embed links the answer is text: after a restart its buttons
    said "too old" although the question is its bold first line."""
    bot = make_bot(tmp_path)
    msg = FakeMessage(f"<@{BOT_ID}> why Ramstein?", channel=FakeChannel(embed_links=False))
    await AskCog(bot).on_message(msg)
    [sent] = msg.channel.outbox
    fresh = make_bot(tmp_path / "restarted")  # empty answer store
    click = FakeInteraction(fresh, message=FakeEmbedMessage(1, [], content=sent.content))
    await handle_button(click, "full", "123456")
    assert click.outbox[0].embeds[0].title.endswith("· ¶3")


async def test_buttons_on_unknown_answers_say_so(tmp_path):
    bot = make_bot(tmp_path)
    long_title = discord.Embed(title="x " * 126 + " …")
    click = FakeInteraction(bot, message=FakeEmbedMessage(1, [long_title]))
    await handle_button(click, "full", "1")
    assert "ask again" in click.outbox[0].content


# ------------------------------------------------------------------------------- admin


def test_is_admin_rules():
    s = Settings(admin_user_ids=frozenset({10}), admin_role_ids=frozenset({20}))
    assert is_admin(FakeUser(1, manage_guild=True), s)
    assert is_admin(FakeUser(10), s)
    assert is_admin(FakeUser(1, roles=(20,)), s)
    assert is_admin(FakeUser(1), s, discord.Permissions(administrator=True))
    assert not is_admin(FakeUser(1, roles=(21,)), s)
    assert not is_admin(None, s)


@pytest.mark.parametrize(
    "user,perms,guild",
    [
        (FakeUser(1), discord.Permissions(manage_guild=True), 77),  # Manage Server
        (FakeUser(10), discord.Permissions.none(), 77),  # configured user
        (FakeUser(1, roles=(20,)), discord.Permissions.none(), 77),  # configured role
        (FakeUser(10), discord.Permissions.none(), None),  # configured user, in a DM
    ],
)
async def test_admins_may_reload(tmp_path, user, perms, guild):
    bot = make_bot(tmp_path, admin_user_ids=frozenset({10}), admin_role_ids=frozenset({20}))
    cog = AdminCog(bot)
    it = FakeInteraction(bot, user, permissions=perms, guild_id=guild, command_name="reload")
    assert await admin_predicate(it)
    await invoke(bot, cog, "reload", it)
    assert bot.service.reload_calls == 1
    assert "Reloaded 1 document" in it.outbox[0].text()


@pytest.mark.parametrize("user,guild", [(FakeUser(1, roles=(21,)), 77), (FakeUser(1), None)])
async def test_others_are_refused_and_nothing_is_reloaded(tmp_path, user, guild):
    bot = make_bot(tmp_path, admin_user_ids=frozenset({10}), admin_role_ids=frozenset({20}))
    cog = AdminCog(bot)
    it = FakeInteraction(bot, user, guild_id=guild, command_name="reload")
    with pytest.raises(NotAdmin):
        await admin_predicate(it)
    await invoke(bot, cog, "reload", it)
    assert bot.service.reload_calls == 0
    [sent] = it.outbox
    assert sent.ephemeral and "only server admins" in sent.content and "Manage Server" in sent.content
    assert_no_pings(it.outbox)


INFERRED, LISTED, CONNECTING = "the one server it is in", "its GUILD_IDS setting names", "still connecting"


@pytest.mark.parametrize(
    "guild_ids,servers,ready,guild,refused",
    [
        ((), [77], True, 77, None),  # the bot's only server
        ((), [77, 78], True, 77, INFERRED),  # one of several, none named: Manage Server there says nothing
        # The app's commands added to a server without the bot (the applications.commands
        # scope alone): the bot's only server is another one.
        ((), [78], True, 77, INFERRED),
        ((), [], True, 77, INFERRED),
        # Shards still connecting: the servers of the others are not listed yet, so "its only
        # server" cannot be told (it was granted on the partial list, or refused as no admin).
        ((), [77], False, 77, CONNECTING),
        ((77,), [77, 78], True, 77, None),  # the server GUILD_IDS names
        ((77,), [], False, 77, None),  # ... whatever the shards have listed so far
        ((78,), [77, 78], True, 77, LISTED),
        ((78,), [77], True, 77, LISTED),  # GUILD_IDS names the home server even while the bot is in one
        ((78,), [], False, 77, LISTED),
    ],
)
async def test_manage_server_counts_only_in_the_bots_home_server(
    tmp_path, monkeypatch, guild_ids, servers, ready, guild, refused
):
    bot = make_bot(tmp_path, admin_user_ids=frozenset({10}), admin_role_ids=frozenset({20}), guild_ids=guild_ids)
    monkeypatch.setattr(bot, "guilds", [SimpleNamespace(id=g) for g in servers], raising=False)
    monkeypatch.setattr(bot, "ready", ready)
    manager = FakeInteraction(bot, FakeUser(1), permissions=discord.Permissions(manage_guild=True), guild_id=guild)
    assert interaction_is_admin(manager) is (refused is None)
    # Configured users and roles are admins in any server.
    for user in (FakeUser(10), FakeUser(1, roles=(20,))):
        assert interaction_is_admin(FakeInteraction(bot, user, permissions=discord.Permissions.none(), guild_id=guild))
    if refused is None:
        return
    # The refused admin is told why Manage Server does not count here, not that they are no admin:
    # by the command check (/reload) and by the application layer (/gaps) alike.
    from bot.discord.cogs.kb import KnowledgeCog

    for cog, command in ((AdminCog(bot), "reload"), (KnowledgeCog(bot), "gaps")):
        it = FakeInteraction(
            bot, FakeUser(1), permissions=discord.Permissions(manage_guild=True), guild_id=guild, command_name=command
        )
        await invoke(bot, cog, command, it)
        [sent] = it.outbox
        assert sent.ephemeral and refused in sent.content, sent.content
        assert "only server admins" not in sent.content
    assert bot.service.reload_calls == 0
    # A member without Manage Server still gets the plain refusal.
    plain = FakeInteraction(
        bot, FakeUser(2), permissions=discord.Permissions.none(), guild_id=guild, command_name="reload"
    )
    await invoke(bot, AdminCog(bot), "reload", plain)
    assert "only server admins" in plain.outbox[0].content


def test_reload_is_hidden_from_non_admins_by_default():
    perms = AdminCog.reload.default_permissions
    assert perms is not None and perms.manage_guild and perms.value == discord.Permissions(manage_guild=True).value
    assert admin_predicate in AdminCog.reload.checks
    assert AdminCog.sources.default_permissions is None and AskCog.ask.default_permissions is None


async def test_reload_reports_changes_off_the_event_loop(tmp_path):
    bot = make_bot(tmp_path, admin_user_ids=frozenset({10}))
    kdir = bot.settings.knowledge_dir
    (kdir / "extra.md").write_text("# Extra\n\nA new paragraph about orbital logistics.\n\nAnd another one.\n")
    cog = AdminCog(bot)
    it = FakeInteraction(bot, FakeUser(10), command_name="reload")
    await invoke(bot, cog, "reload", it)
    assert it.response.deferred == {"ephemeral": True, "thinking": True}
    [sent] = it.outbox
    text = sent.text()
    assert sent.ephemeral and "Reloaded 2 documents" in text and "1 document added" in text
    assert "extra.md" in text and " s" in text
    assert threading.get_ident() not in bot.service.threads
    assert len(bot.service.inner.sources()) == 2


async def test_failed_reload_keeps_the_old_knowledge_and_says_why(tmp_path):
    bot = make_bot(tmp_path, admin_user_ids=frozenset({10}))
    kdir = bot.settings.knowledge_dir
    for p in kdir.iterdir():
        p.unlink()
    cog = AdminCog(bot)
    it = FakeInteraction(bot, FakeUser(10), command_name="reload")
    await invoke(bot, cog, "reload", it)
    text = it.outbox[0].text()
    assert "Reload failed" in text and "still answering" in text and "has no documents" in text
    assert bot.service.inner.ask("why Ramstein?").best.citation.paragraph == 3


@pytest.mark.parametrize("gone", ["missing", "a file"])
async def test_a_reload_without_the_knowledge_folder_says_what_an_admin_in_discord_can_do(tmp_path, gone):
    """The reason was the command line's ("set KNOWLEDGE_DIR (or pass --knowledge DIR)"):
    an admin in Discord can do neither. It now says whom to ask, and what they would do."""
    bot = make_bot(tmp_path, admin_user_ids=frozenset({10}))
    kdir = bot.settings.knowledge_dir
    shutil.rmtree(kdir)
    if gone == "a file":
        kdir.write_text("not a folder")
    it = FakeInteraction(bot, FakeUser(10), command_name="reload")
    await invoke(bot, AdminCog(bot), "reload", it)
    text = it.outbox[0].text().replace("\\", "")  # as Discord draws the escapes
    assert "Reload failed" in text and "still answering" in text and str(kdir) in text
    assert "ask whoever runs the bot" in text and "KNOWLEDGE_DIR" in text and "restart the bot" in text
    assert "--knowledge" not in text and "pass" not in text
    assert bot.service.inner.ask("why Ramstein?").best.citation.paragraph == 3


async def test_sources_and_help(tmp_path):
    bot = make_bot(tmp_path, prefix_commands=True, message_content=True)
    cog = AdminCog(bot)
    it = FakeInteraction(bot)
    await invoke(bot, cog, "sources", it)
    assert "6 paragraphs" in it.outbox[0].text()
    it = FakeInteraction(bot)
    await invoke(bot, cog, "help", it)
    assert "/ask" in it.outbox[0].text() and "!ask" in it.outbox[0].text()


async def test_unexpected_errors_become_a_short_message(tmp_path):
    bot = make_bot(tmp_path)
    cog = AskCog(bot)

    def boom(*a, **k):
        raise RuntimeError("secret internals")

    bot.service.ask = boom
    it = FakeInteraction(bot)
    await invoke(bot, cog, "ask", it, question="why?", private=False)
    [sent] = it.outbox
    assert sent.ephemeral and "went wrong" in sent.content and "secret" not in sent.content


async def test_auto_reload_picks_up_changed_files(tmp_path):
    bot = make_bot(tmp_path, auto_reload=True, auto_reload_seconds=0.2)
    cog = AdminCog(bot)
    await cog.cog_load()
    try:
        await asyncio.sleep(0.3)
        (bot.settings.knowledge_dir / "new.txt").write_text("New\n\nOrbital logistics are handled elsewhere.\n")
        for _ in range(40):
            await asyncio.sleep(0.1)
            if len(bot.service.inner.sources()) == 2:
                break
        assert bot.service.reload_calls == 1
        assert len(bot.service.inner.sources()) == 2
    finally:
        await cog.cog_unload()


# ------------------------------------------------------------------------------- the bot


async def test_bot_setup_registers_commands_buttons_and_syncs_to_guilds(tmp_path, monkeypatch):
    fake = make_bot(tmp_path)
    settings = Settings(
        knowledge_dir=fake.settings.knowledge_dir,
        feedback_file=fake.settings.feedback_file,
        data_dir=fake.settings.data_dir,
        guild_ids=(1, 2),
    )
    bot = await create_bot(settings, fake.service)
    synced = []

    async def sync(*, guild=None):
        synced.append(guild.id if guild else None)
        return []

    monkeypatch.setattr(bot.tree, "sync", sync)
    async with bot:
        await bot.setup_hook()
        slash = sorted(c.name for c in bot.tree.get_commands(type=discord.AppCommandType.chat_input))
        assert slash == ["ask", "forget-me", "gaps", "help", "kb", "reload", "sources"]
        kb = bot.tree.get_command("kb")
        assert sorted(c.name for c in kb.commands) == ["add", "list", "remove", "show"]
        [menu] = bot.tree.get_commands(type=discord.AppCommandType.message)
        assert menu.name == "Teach KB Bot"
        templates = {pattern.pattern for pattern in bot._connection._view_store._dynamic_items}
        assert {r"kb:teach:(?P<key>[0-9]{1,20})", r"kb:csv:(?P<days>[0-9]{1,3})"} <= templates
        assert synced == [1, 2]
        assert [c.name for c in bot.tree.get_commands(guild=discord.Object(1))] != []
        assert bot.get_cog("PrefixAsk") is None  # off by default
        assert bot._connection._view_store._dynamic_items  # button clicks are routed


async def test_global_sync_without_guild_ids_and_sync_errors_do_not_crash(tmp_path, monkeypatch):
    fake = make_bot(tmp_path)
    bot = await create_bot(fake.settings, fake.service)
    calls = []

    async def sync(*, guild=None):
        calls.append(guild)
        raise discord.Forbidden(_FakeHTTPResponse(403), "Missing Access")

    monkeypatch.setattr(bot.tree, "sync", sync)
    async with bot:
        await bot.setup_hook()
        assert calls == [None]


def test_intents_are_unprivileged_unless_configured():
    plain = build_intents(Settings())
    assert not plain.message_content and not plain.members and not plain.presences
    assert plain.guilds and plain.guild_messages and plain.dm_messages
    assert build_intents(Settings.from_env({"PREFIX_COMMANDS": "true"})).message_content
    assert build_intents(Settings.from_env({"ANSWER_CHANNEL_IDS": "5"})).message_content


def test_sharding_settings_reach_the_bot(tmp_path):
    fake = make_bot(tmp_path)

    async def build():
        s = Settings.from_env({"SHARD_COUNT": "4", "SHARD_IDS": "0,1", "DATA_DIR": str(tmp_path / "data")})
        async with KnowledgeBot(s, fake.service) as bot:
            return bot.shard_count, bot.shard_ids

    assert asyncio.run(build()) == (4, [0, 1])


def test_custom_endpoints_are_applied(monkeypatch):
    import yarl

    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    )
    apply_endpoints(
        Settings.from_env(
            {"DISCORD_API_BASE": "http://127.0.0.1:9/api/v10", "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/gw"}
        )
    )
    assert discord.http.Route("GET", "/users/@me").url == "http://127.0.0.1:9/api/v10/users/@me"
    assert discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY == yarl.URL("ws://127.0.0.1:9/gw")


# ------------------------------------------------------------------------------- run_bot

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.fake-token-value-0123456789"


def _settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env(
        {
            "DISCORD_TOKEN": TOKEN,
            "KNOWLEDGE_DIR": str(tmp_path),
            "FEEDBACK_FILE": str(tmp_path / "fb.jsonl"),
            "DATA_DIR": str(tmp_path / "data"),
            **env,
        }
    )


def test_missing_token_is_one_line_and_status_2(tmp_path, capsys):
    fake = make_bot(tmp_path)
    assert client_mod.run_bot(Settings(), fake.service) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "DISCORD_TOKEN is not set" in err


@pytest.mark.parametrize("token", [TOKEN[:30] + "\n" + TOKEN[30:], "Bot " + TOKEN, TOKEN.replace("abc", "ab’c")])
def test_a_token_with_spaces_or_line_breaks_is_one_line_and_status_2(tmp_path, capsys, token):
    """A line break inside the token ended in aiohttp's "Forbidden control character"
    traceback; now a config error that says what to do, without the token."""
    fake = make_bot(tmp_path)
    settings = dataclasses.replace(_settings(tmp_path), discord_token=Secret(token))
    assert client_mod.run_bot(settings, fake.service) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "spaces, line breaks" in err and "Traceback" not in err
    assert TOKEN[:20] not in err and TOKEN[-20:] not in err


@pytest.mark.parametrize(
    "exc,expected",
    [
        (discord.LoginFailure("Improper token has been passed."), "Discord rejected the token (DISCORD_TOKEN)"),
        (discord.PrivilegedIntentsRequired(0), "Message Content Intent"),
    ],
)
def test_fixable_start_errors_are_one_line_and_status_2(tmp_path, monkeypatch, capsys, caplog, exc, expected):
    fake = make_bot(tmp_path)

    async def start_within(bot, token, timeout):
        assert token == TOKEN and timeout == 30.0
        raise exc

    monkeypatch.setattr(client_mod, "start_within", start_within)
    caplog.set_level("DEBUG")
    status = client_mod.run_bot(_settings(tmp_path, MESSAGE_CONTENT="true"), fake.service)
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and expected in err and "Traceback" not in err
    assert TOKEN not in err and TOKEN not in caplog.text
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        assert "Developer" in err or "developers" in err


async def test_rejected_token_against_a_real_http_endpoint(tmp_path, monkeypatch, caplog):
    """discord.py itself logs in against DISCORD_API_BASE, gets 401 and we exit 2."""
    from aiohttp import web

    seen = []

    async def me(request):
        seen.append(request.headers.get("Authorization"))
        return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)

    app = web.Application()
    app.router.add_get("/api/v10/users/@me", me)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    fake = make_bot(tmp_path)
    settings = _settings(tmp_path, DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10")
    caplog.set_level("DEBUG")
    import io

    err = io.StringIO()
    try:
        status = await asyncio.to_thread(client_mod.run_bot, settings, fake.service, err)
    finally:
        await runner.cleanup()
    assert status == 2
    assert seen == [f"Bot {TOKEN}"]
    assert err.getvalue().startswith("Discord rejected the token (DISCORD_TOKEN)")
    assert TOKEN not in err.getvalue() and TOKEN not in caplog.text


def test_token_redactor_blanks_the_token_in_any_log_record(caplog):
    import logging

    with client_mod._redacting(TOKEN):
        caplog.set_level("INFO")
        logging.getLogger("discord.http").info("sending %s", f"Bot {TOKEN}")
        try:
            raise ValueError(f"bad {TOKEN}")
        except ValueError:
            logging.getLogger("x").exception("failed")
    assert TOKEN not in caplog.text and "********" in caplog.text
    assert repr(Settings.from_env({"DISCORD_TOKEN": TOKEN})).count(TOKEN) == 0


async def test_reconnect_attempts_log_one_line_not_a_traceback(caplog):
    import logging
    import types

    from discord.shard import Shard

    caplog.set_level("INFO")
    # discord.py's own code path: a shard of our (auto-sharded) bot lost its connection.
    shard = types.SimpleNamespace(
        _dispatch=lambda *a: None,
        _reconnect=True,
        id=0,
        _queue_put=lambda item: None,
        _client=types.SimpleNamespace(is_closed=lambda: False),
        _backoff=types.SimpleNamespace(delay=lambda: 0.0),
    )
    with client_mod._redacting(TOKEN), client_mod._quiet_reconnects():
        try:
            raise OSError(111, "Connect call failed ('127.0.0.1', 9)")
        except OSError as exc:
            await Shard._handle_disconnect(shard, exc)  # type: ignore[arg-type]
        for text in ("503 Service Unavailable\n<div style='width:100%'>down</div>", ""):
            try:
                raise RuntimeError(text)  # like a 5xx page from Discord's CDN, '%' and all
            except Exception:
                logging.getLogger("discord.client").exception("Attempting a reconnect in %.2fs", 1.2)
        try:
            raise OSError("other")
        except OSError:
            logging.getLogger("discord.client").exception("Something else")
    reconnects = [r for r in caplog.records if "reconnecting" in r.getMessage()]
    assert [r.getMessage() for r in reconnects] == [
        "Lost the connection to Discord (ConnectionRefusedError: [Errno 111] Connect call failed "
        "('127.0.0.1', 9)); reconnecting in 0 s",
        "Lost the connection to Discord (RuntimeError: 503 Service Unavailable); reconnecting in 1 s",
        "Lost the connection to Discord (RuntimeError); reconnecting in 1 s",
    ]
    assert all(r.levelname == "WARNING" and r.exc_info is None for r in reconnects)
    assert [r.getMessage() for r in caplog.records if r.exc_info] == ["Something else"]
    other = [r for r in caplog.records if r.getMessage() == "Something else"]
    assert other and other[0].exc_info is not None  # other errors keep their traceback
    # Outside a run the library's own logging is untouched.
    assert not logging.getLogger("discord.client").filters and not logging.getLogger("discord.shard").filters


def test_answer_state_survives_only_within_bounds():
    from bot.app import AnswerStore

    store = AnswerStore(size=2)
    for k in "abc":
        store.put(k, AnswerState(k, None))  # type: ignore[arg-type]
    assert store.get("a") is None and store.get("c") is not None and len(store) == 2


def test_no_voice_warning_on_start(tmp_path, caplog, monkeypatch):
    """The bot never uses voice: discord.py's PyNaCl/davey warning is noise on every start."""
    for flag in ("warn_nacl", "warn_dave"):
        monkeypatch.setattr(discord.VoiceClient, flag, True, raising=False)
    fake = make_bot(tmp_path)
    with caplog.at_level(logging.WARNING):
        KnowledgeBot(fake.settings, fake.service)
    assert not [r for r in caplog.records if "voice will NOT be supported" in r.getMessage()]


# ------------------------------------------------------------------------------- /kb, /gaps, /forget-me


async def test_kb_commands_refuse_members_and_serve_admins(tmp_path):
    from bot.discord.cogs.kb import KnowledgeCog

    extra = {f"note-{i:02d}.md": f"# Note {i}\n\nNote {i} is about zebras number {i}.\n" for i in range(11)}
    bot = make_bot(tmp_path, extra=extra)
    cog = KnowledgeCog(bot)
    member = FakeInteraction(bot, FakeUser(3))
    await invoke(bot, cog, "kb list", member)
    [refusal] = member.outbox
    assert refusal.ephemeral and refusal.content.startswith("Sorry, only server admins")
    admin = FakeInteraction(bot, FakeUser(4), permissions=discord.Permissions(manage_guild=True))
    await invoke(bot, cog, "kb list", admin)
    [page] = admin.outbox
    assert page.ephemeral and "Page 1/2" in page.text()
    assert [c.custom_id for c in page.view.children] == ["kb:page:kb:0:2"]
    assert_no_pings(member.outbox + admin.outbox)


async def test_gaps_and_forget_me_through_the_tree(tmp_path):
    from bot.discord.cogs.kb import KnowledgeCog

    bot = make_bot(tmp_path)
    asker, kb = AskCog(bot), KnowledgeCog(bot)
    user = FakeUser(8)
    for question in ("what is the recipe for banana bread?", "why Ramstein?"):
        await invoke(bot, asker, "ask", FakeInteraction(bot, user), question=question, private=False)
    admin = FakeInteraction(bot, FakeUser(4), permissions=discord.Permissions(manage_guild=True))
    await invoke(bot, kb, "gaps", admin, days=7, csv=True)
    [gaps] = admin.outbox
    assert admin.response.deferred == {"ephemeral": True, "thinking": True}
    assert "banana bread" in gaps.text() and "Ramstein" not in gaps.text()
    assert gaps.kwargs["file"].filename.endswith(".csv")
    forget = FakeInteraction(bot, user)
    await invoke(bot, kb, "forget-me", forget)
    assert "deleted 2 rows" in forget.outbox[0].content
    assert_no_pings(admin.outbox + forget.outbox)


def test_thread_names_hold_no_mentions_and_fit_discord():
    from bot.discord.messages import thread_name
    from bot.rendering.markdown import units

    name = thread_name("@everyone <@123> ＠here why does the orbital relay station " + "roster " * 30)
    assert not RAW_MENTION.search(name) and name.startswith("why does the orbital") and name.endswith("…")
    assert units(name) <= 100
    assert units(thread_name("😀" * 80)) <= 100 and thread_name("<@1>") == "Answer"
    assert "\ud83d" not in thread_name("why \ud83d here?")


def _bot_reply(author_id: int, title: str, custom_ids: list[str]) -> SimpleNamespace:
    rows = [SimpleNamespace(children=[SimpleNamespace(custom_id=c) for c in custom_ids])]
    return SimpleNamespace(
        author=SimpleNamespace(id=author_id), embeds=[SimpleNamespace(title=title)], components=rows, content=""
    )


def test_a_reply_follows_up_only_an_answer_of_the_bots():
    answered = _bot_reply(7, "why Ramstein?", ["kb:full:123:abc", "kb:more:123:abc", "kb:up:123:abc"])

    def reply_to(message: object | None) -> SimpleNamespace:
        return SimpleNamespace(reference=None if message is None else SimpleNamespace(resolved=message))

    assert followed_answer(reply_to(answered), 7) == Followed("why Ramstein?", "abc", "123")
    assert followed_answer(reply_to(answered), 8) is None  # another bot's message
    # A no-answer reply is where a teacher writes the answer: not a question to follow up.
    assert followed_answer(reply_to(_bot_reply(7, "banana bread?", ["kb:teach:123"])), 7) is None
    assert followed_answer(reply_to(_bot_reply(7, "Knowledge base", [])), 7) is None  # a /kb report
    assert followed_answer(reply_to(None), 7) is None
    assert followed_answer(SimpleNamespace(reference=SimpleNamespace(resolved=None)), 7) is None  # not sent along
