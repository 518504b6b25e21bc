"""End to end: the real bot (create_bot / `python -m bot run`), configured through
DISCORD_API_BASE and DISCORD_GATEWAY_URL, driven through the real, unmodified discord.py
client by the loopback fake Discord (tests/fakes/fake_discord).

Every scenario ends with two checks made by ``running_bot``: no request hit a route the fake
does not know, and every message body the bot sent (channel messages, edits, interaction
callbacks, follow-ups) carries allowed_mentions that ping nobody. Fault scenarios live in
test_e2e_faults.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import signal
import time
from pathlib import Path

import pytest

from bot.discord.cogs import ask as ask_cog
from bot.rendering.messages import NAMED
from tests.fakes.e2e_helpers import (
    ARTICLE,
    ARTICLE_TITLE,
    FOLLOWUP_ROUTE,
    MESSAGE_ROUTE,
    MESSAGES_ROUTE,
    PYTHON,
    assert_no_pings,
    base_env,
    button_id,
    copy_knowledge,
    custom_ids,
    database_bytes,
    database_read_only,
    embed_of,
    feedback_lines,
    running_bot,
    subprocess_env,
)
from tests.fakes.fake_discord import FakeDiscord, RecordedRequest, payloads

RELAY_DOC = (
    "Orbital relay station\n\n"
    "The orbital relay station badge is cobalt blue with a silver star.\n\n"
    "The relay station crew rotates every ninety days.\n"
)
RELAY_QUESTION = "what colour is the orbital relay station badge?"
NO_ANSWER_QUESTION = "what is the recipe for banana bread?"


@pytest.fixture
async def fake():
    async with FakeDiscord() as server:
        yield server


def assert_ramstein_answer(embed: dict, paragraph: int = 3) -> None:
    """The answer to "why Ramstein?": the article's paragraph cited, "two considerations" quoted."""
    description = embed["description"]
    snippet, _, citation = description.rpartition("\n\n— ")
    assert "two considerations" in snippet
    assert citation == f"{ARTICLE_TITLE} · ¶{paragraph}"
    assert embed["footer"]["text"].startswith("Confidence: ")


async def followup_of(fake: FakeDiscord, interaction: dict, timeout: float = 5.0) -> RecordedRequest:
    """The follow-up message the bot posted for a deferred interaction."""
    return await fake.wait_for_request(
        lambda r: r.matches("POST", FOLLOWUP_ROUTE) and r.params["token"] == interaction["token"], timeout
    )


# ---------------------------------------------------------------------------- asking


async def test_slash_ask_cites_paragraph_3_with_buttons(fake: FakeDiscord, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path):
        interaction = await fake.send_slash_command("ask", {"question": "why Ramstein?"})
        response = await fake.wait_for_interaction_response(interaction)

        assert response.type == 4 and not response.ephemeral  # answered at once, for everyone
        embed = embed_of(response.data)
        assert embed["title"] == "why Ramstein?"
        assert_ramstein_answer(embed)
        assert response.message is not None
        key = interaction["id"]
        # `kb:<action>:<key>:<fingerprint of the passage shown>`
        ids = custom_ids(response.message)
        shown = ids[0].rsplit(":", 1)[1]
        assert len(shown) == 12 and int(shown, 16) >= 0
        assert ids == [f"kb:{action}:{key}:{shown}" for action in ("full", "more", "up", "down")]
        # Commands were synced to the configured guild (GUILD_IDS), where the user ran /ask.
        put = fake.requests_to("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
        assert put and put[0].params["guild_id"] == fake.guild_id
        assert {"ask", "reload", "sources", "help"} <= {c["name"] for c in put[0].json}


async def test_mention_gets_a_cited_answer(fake: FakeDiscord, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path) as run:
        msg, reply = await run.ask_mention("what did Stoltenberg say?")

        embed = embed_of(reply)
        assert embed["title"] == "what did Stoltenberg say?"
        snippet, _, citation = embed["description"].rpartition("\n\n— ")
        assert "**Stoltenberg**" in snippet
        assert citation.startswith(f"{ARTICLE_TITLE} · ¶")
        assert custom_ids(reply)[0].startswith(f"kb:full:{msg['id']}:")
        post = fake.requests_to("POST", MESSAGES_ROUTE)[0]
        assert post.json["message_reference"]["message_id"] == int(msg["id"])
        assert post.json["message_reference"]["fail_if_not_exists"] is False
        assert len(fake.bot_messages) == 1

        # Other bots are ignored, even when they mention it (events are handled in order,
        # so once the next human question is answered the bot's would have been too).
        robot = fake.make_user("other-bot", bot=True)
        from_bot = await fake.send_message("why Ramstein?", mentions_bot=True, author=robot)
        await run.ask_mention("why Ramstein?")
        assert [
            m for m in fake.bot_messages if (m.get("message_reference") or {}).get("message_id") == from_bot["id"]
        ] == []

        # A direct message needs no mention.
        dm = await fake.send_message("why Ramstein?", dm=True)
        dm_reply = await fake.wait_for_reply(dm)
        assert dm_reply["channel_id"] == dm["channel_id"] != fake.channel_id
        assert_ramstein_answer(embed_of(dm_reply))


async def test_slow_answer_is_deferred_then_followed_up(
    fake: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer not ready in time: "thinking…" first (Discord allows 3 s), then the answer."""
    monkeypatch.setattr(ask_cog, "DEFER_AFTER", 0.05)  # 2 s in production
    async with running_bot(fake, tmp_path) as run:
        ask = run.service.ask
        run.service.ask = lambda *a, **k: time.sleep(0.3) or ask(*a, **k)  # type: ignore[method-assign]
        for private in (False, True):
            interaction = await fake.send_slash_command("ask", {"question": "why Ramstein?", "private": private})
            deferred = await fake.wait_for_interaction_response(interaction)
            assert deferred.type == 5 and deferred.ephemeral is private
            body = (await followup_of(fake, interaction)).json
            assert_ramstein_answer(embed_of(body))
            assert bool(body.get("flags", 0) & payloads.MESSAGE_FLAG_EPHEMERAL) is private
            # The follow-up replaced the "thinking…" placeholder, buttons and all.
            answer = fake.messages[deferred.message["id"]]
            assert custom_ids(answer)[0].startswith(f"kb:full:{interaction['id']}:")
            assert not answer["flags"] & payloads.MESSAGE_FLAG_LOADING
            click = await fake.click_button(answer, button_id(answer, "full"))
            assert embed_of((await fake.wait_for_interaction_response(click)).data)["title"] == f"{ARTICLE_TITLE} · ¶3"


async def test_sources_and_help(fake: FakeDiscord, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path):
        sources = await fake.wait_for_interaction_response(await fake.send_slash_command("sources"))
        help_ = await fake.wait_for_interaction_response(await fake.send_slash_command("help"))
    assert sources.ephemeral and help_.ephemeral
    listing = embed_of(sources.data)
    assert listing["title"] == "Sources"
    assert f"**{ARTICLE_TITLE}** — 6 paragraphs · {ARTICLE}" in listing["description"]
    assert listing["footer"]["text"].startswith("1 document · 6 paragraphs")
    assert "/ask" in embed_of(help_.data)["description"]


async def test_answer_channel_threads_and_prefix_command(fake: FakeDiscord, tmp_path: Path) -> None:
    """The optional modes that read ordinary messages (they turn on the Message Content intent)."""
    env = {"ANSWER_CHANNEL_IDS": fake.channel_id, "PREFIX_COMMANDS": "true"}
    async with running_bot(fake, tmp_path, **env) as run:
        assert run.bot.intents.message_content
        question = await fake.send_message("why Ramstein?")  # no mention: answered in a thread
        thread_post = await fake.wait_for_request(
            lambda r: r.matches("POST", MESSAGES_ROUTE) and r.params["channel_id"] == question["id"]
        )
        assert fake.channels[question["id"]]["name"] == "why Ramstein?"  # thread named after the question
        assert_ramstein_answer(embed_of(thread_post.json))
        assert custom_ids(thread_post.json)[0].startswith(f"kb:full:{question['id']}:")

        chatter = await fake.send_message("thanks, that helps")  # not a question: left alone
        prefixed = await fake.send_message("!ask why Ramstein?")
        assert_ramstein_answer(embed_of(await fake.wait_for_reply(prefixed)))
        assert not [
            m for m in fake.bot_messages if (m.get("message_reference") or {}).get("message_id") == chatter["id"]
        ]
        assert len(fake.requests_to("POST", "/channels/{channel_id}/messages/{message_id}/threads")) == 1


STATIONS = {
    "relay.md": "# Orbital relay station\n\nThe orbital relay station badge is cobalt blue.\n\n"
    "The relay station crew rotates every ninety days.\n",
    "lunar.md": "# Lunar base\n\nThe lunar base crew is a crew of six, relieved every thirty days.\n",
}


async def test_a_reply_to_an_answer_follows_up_its_question(fake: FakeDiscord, tmp_path: Path) -> None:
    """ "how often does the crew rotate?" alone is the lunar base's question; as a reply to the
    answer about the relay station it is the relay station's, with no mention needed, and
    without the Message Content intent (a reply pings whom it answers). The title shows what
    was searched."""
    kdir = tmp_path / "stations"
    kdir.mkdir()
    for name, text in STATIONS.items():
        (kdir / name).write_text(text, encoding="utf-8")
    follow_up = "what about the crew?"
    async with running_bot(fake, tmp_path, knowledge_dir=kdir) as run:
        _, alone = await run.ask_mention(follow_up)
        assert "thirty days" in embed_of(alone)["description"]
        _, answer = await run.ask_mention("what colour is the orbital relay station badge?")
        assert "cobalt blue" in embed_of(answer)["description"]

        reply = await fake.send_message(follow_up, reply_to=answer)
        followed = embed_of(await fake.wait_for_reply(reply))
        assert "ninety days" in followed["description"]
        assert followed["title"] == "what colour is the orbital relay station badge? → what about the crew?"

        # Not a question, a reply that pings nobody (no text without the intent), or a reply
        # under a no-answer (where teachers write answers): left alone.
        thanks = await fake.send_message("great, cobalt it is", reply_to=answer)
        quiet = await fake.send_message(follow_up, reply_to=answer, reply_ping=False)
        _, no_answer = await run.ask_mention("what is the recipe for banana bread?")
        under = await fake.send_message("how long does it bake?", reply_to=no_answer)
        await asyncio.sleep(0.3)
        ignored = {thanks["id"], quiet["id"], under["id"]}
        assert not [m for m in fake.bot_messages if (m.get("message_reference") or {}).get("message_id") in ignored]


async def test_a_question_in_an_answer_thread_follows_up_the_threads_question(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """In answer channels the bot answers in a thread named after the question; a further
    question posted there (no reply, no mention) follows that one up."""
    kdir = tmp_path / "stations"
    kdir.mkdir()
    for name, text in STATIONS.items():
        (kdir / name).write_text(text, encoding="utf-8")
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, ANSWER_CHANNEL_IDS=fake.channel_id) as run:
        question = await fake.send_message("what colour is the orbital relay station badge?")
        await fake.wait_for_request(
            lambda r: r.matches("POST", MESSAGES_ROUTE) and r.params["channel_id"] == question["id"]
        )
        more = await fake.send_message("what about the crew?", channel_id=question["id"])
        followed = embed_of(await fake.wait_for_reply(more))
        assert "ninety days" in followed["description"]
        assert followed["title"] == "what colour is the orbital relay station badge? → what about the crew?"
        # Asked by name, the same question keeps the thread's context.
        named = await fake.send_message("what about the crew?", channel_id=question["id"], mentions_bot=True)
        assert "ninety days" in embed_of(await fake.wait_for_reply(named))["description"]
        # Members talk in threads too: chatter, a question to one another without "?", and a
        # teacher's reply under a no-answer get nothing from the bot.
        _, no_answer = await run.ask_mention("what is the recipe for banana bread?", channel_id=question["id"])
        quiet = [
            await fake.send_message(text, channel_id=question["id"], **kw)
            for text, kw in (
                ("nice, thanks", {}),
                ("ok?", {}),
                ("what?", {}),
                ("Have you tried turning it off and on", {}),
                ("Do this: open Preferences, then Privacy. Does that help?", {"reply_to": no_answer}),
            )
        ]
        await asyncio.sleep(0.3)
        ids = {m["id"] for m in quiet}
        assert not [m for m in fake.bot_messages if (m.get("message_reference") or {}).get("message_id") in ids]


async def test_prefix_command_in_any_case_is_answered_once(fake: FakeDiscord, tmp_path: Path) -> None:
    """`!Ask` (a phone keyboard's capital) was skipped by the listener as a command and not
    run by discord.py (case-sensitive names): no reply at all."""
    async with running_bot(fake, tmp_path, PREFIX_COMMANDS="true"):
        for text in ("!Ask why Ramstein?", "!ASK why Ramstein?"):
            message = await fake.send_message(text)
            assert_ramstein_answer(embed_of(await fake.wait_for_reply(message)))
        await asyncio.sleep(0.2)
        assert len(fake.bot_messages) == 2  # one answer each: not the listener and the command both


def bot_role_id(fake: FakeDiscord) -> str:
    """The bot's managed role (what Discord's @ picker offers beside the bot itself)."""
    return next(r["id"] for r in fake.roles.values() if (r.get("tags") or {}).get("bot_id") == fake.bot_user["id"])


async def test_a_mention_of_the_bots_own_role_is_answered(fake: FakeDiscord, tmp_path: Path) -> None:
    """Typing "@KB Bot" and picking the bot's role sends `<@&role>`, not `<@bot>`: it was
    silently ignored."""
    async with running_bot(fake, tmp_path, MESSAGE_CONTENT="true"):
        message = await fake.send_message(f"<@&{bot_role_id(fake)}> why Ramstein?")
        assert_ramstein_answer(embed_of(await fake.wait_for_reply(message)))
        other = fake.make_role("Helpers")
        ignored = await fake.send_message(f"<@&{other['id']}> why Ramstein?")  # another role: not for the bot
        await asyncio.sleep(0.2)
        assert not [
            m for m in fake.bot_messages if (m.get("message_reference") or {}).get("message_id") == ignored["id"]
        ]


async def test_a_role_mention_whose_text_discord_withholds_gets_a_hint(fake: FakeDiscord, tmp_path: Path) -> None:
    """Without the Message Content intent a role mention may come with no text: say how to ask."""
    async with running_bot(fake, tmp_path):
        message = await fake.send_message(f"<@&{bot_role_id(fake)}> why Ramstein?")
        reply = await fake.wait_for_reply(message)
        assert "mention my role" in reply["content"] and "/ask" in reply["content"]


@pytest.mark.parametrize("hint", ["role mention", "empty mention"])
async def test_hints_share_the_cooldown_of_answers(
    fake: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hint: str
) -> None:
    """The role-mention hint (and "Ask me something" for a bare mention) had no cooldown: a
    member could make the bot post it as often as they liked. They count as replies now:
    within the limit each gets its hint, then one cooldown notice, then silence."""
    monkeypatch.setattr(ask_cog, "COOLDOWN_NOTICE_SECONDS", 0.2)
    async with running_bot(fake, tmp_path, COOLDOWN_QUESTIONS=2, COOLDOWN_SECONDS=60):

        async def poke() -> dict:
            if hint == "role mention":  # no Message Content intent: Discord withholds the text
                return await fake.send_message(f"<@&{bot_role_id(fake)}> why Ramstein?")
            return await fake.send_message("", mentions_bot=True)

        for _ in range(2):
            reply = await fake.wait_for_reply(await poke())
            assert ("mention my role" if hint == "role mention" else "Ask me something") in reply["content"]
        notice = await fake.wait_for_reply(await poke())
        assert notice["content"].startswith("You're asking quickly!")
        for _ in range(3):
            await poke()
        await asyncio.sleep(0.3)
        assert len(fake.requests_to("POST", MESSAGES_ROUTE)) == 3
        # Another member is not held back by the first one's hints.
        other = await fake.send_message("", mentions_bot=True, author=fake.make_user("bob"))
        assert (await fake.wait_for_reply(other))["content"].startswith("Ask me something")


async def test_answer_channel_without_send_in_threads_answers_in_the_channel(fake: FakeDiscord, tmp_path: Path) -> None:
    """The thread could be opened but not posted in (no Send Messages in Threads): the
    question went unanswered."""
    async with running_bot(fake, tmp_path, ANSWER_CHANNEL_IDS=fake.channel_id):
        fake.fail_next(
            "POST", "/channels/{channel_id}/messages", 403, body={"message": "Missing Permissions", "code": 50013}
        )
        question = await fake.send_message("why Ramstein?")
        reply = await fake.wait_for_reply(question)
        assert reply["channel_id"] == fake.channel_id
        assert_ramstein_answer(embed_of(reply))


async def test_slash_commands_in_a_direct_message(fake: FakeDiscord, tmp_path: Path) -> None:
    """Without GUILD_IDS the commands are global, so they work in DMs; there only
    ADMIN_USER_IDS can reload (no server permissions exist in a DM)."""
    admin = fake.make_user("dm-admin")
    async with running_bot(fake, tmp_path, GUILD_IDS="", ADMIN_USER_IDS=admin["id"]):
        assert fake.requests_to("PUT", "/applications/{application_id}/commands")
        assert not fake.requests_to("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
        dm = fake._dm_channel_for(fake.default_user)["id"]
        ask = await fake.send_slash_command("ask", {"question": "why Ramstein?"}, channel_id=dm)
        assert_ramstein_answer(embed_of((await fake.wait_for_interaction_response(ask)).data))

        refused = await fake.send_slash_command("reload", channel_id=dm)
        assert (
            (await fake.wait_for_interaction_response(refused)).data["content"].startswith("Sorry, only server admins")
        )
        admin_dm = fake._dm_channel_for(admin)["id"]
        allowed = await fake.send_slash_command("reload", user=admin, channel_id=admin_dm)
        assert embed_of((await followup_of(fake, allowed)).json)["title"] == "Knowledge base reloaded"


async def test_emoji_and_broken_surrogates_in_a_question_still_get_an_answer(fake: FakeDiscord, tmp_path: Path) -> None:
    """Discord counts embed limits in UTF-16 units (the fake does too): 300 emoji are 600
    units, more than a title holds; a lone surrogate from a broken client is not echoed."""
    async with running_bot(fake, tmp_path):
        question = "😀" * 300 + " \ud83d why Ramstein?"
        interaction = await fake.send_slash_command("ask", {"question": question})
        response = await fake.wait_for_interaction_response(interaction)
        embed = embed_of(response.data)
        title = embed["title"]
        assert title.startswith("😀") and len(title.encode("utf-16-le", "surrogatepass")) // 2 <= 256
        assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in title)
        assert_ramstein_answer(embed)


async def test_unanswerable_question_gets_the_no_answer_reply(fake: FakeDiscord, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path) as run:
        question, reply = await run.ask_mention(NO_ANSWER_QUESTION)
        interaction = await fake.send_slash_command("ask", {"question": NO_ANSWER_QUESTION, "private": True})
        response = await fake.wait_for_interaction_response(interaction)

    for embed in (embed_of(reply), embed_of(response.data)):
        assert embed["title"] == NO_ANSWER_QUESTION
        assert embed["description"].startswith("The knowledge base has no answer to that.")
        assert "¶" not in embed["description"]  # nothing cited
        assert embed["footer"]["text"].startswith("Confidence: no answer")
    # Nothing to show in full, more of or vote on: only the way to teach the bot an answer.
    assert custom_ids(reply) == [f"kb:teach:{question['id']}"]
    assert custom_ids(response.message) == [f"kb:teach:{interaction['id']}"]
    assert response.ephemeral  # private=True


# ---------------------------------------------------------------------------- buttons


async def test_buttons_full_passage_more_results_and_votes(fake: FakeDiscord, tmp_path: Path) -> None:
    bob = fake.make_user("bob")
    async with running_bot(fake, tmp_path) as run:
        interaction = await fake.send_slash_command("ask", {"question": "why Ramstein?"})
        answer = (await fake.wait_for_interaction_response(interaction)).message
        assert answer is not None

        full = await fake.wait_for_interaction_response(await fake.click_button(answer, button_id(answer, "full")))
        assert full.type == 4 and full.ephemeral
        embed = embed_of(full.data)
        assert embed["title"] == f"{ARTICLE_TITLE} · ¶3"
        paragraph = run.service.knowledge.documents[0].paragraphs[2]
        assert "two considerations" in paragraph
        assert embed["description"].startswith(paragraph[:200])
        assert embed["footer"]["text"] == f"{ARTICLE} · paragraph 3"

        more = await fake.wait_for_interaction_response(await fake.click_button(answer, button_id(answer, "more")))
        assert more.type == 4 and more.ephemeral
        embed = embed_of(more.data)
        assert embed["title"] == "More results: why Ramstein?"
        names = [f["name"] for f in embed["fields"]]
        assert names[0] == f"1. {ARTICLE_TITLE} · ¶3" and len(names) >= 2

        up = await fake.wait_for_interaction_response(await fake.click_button(answer, button_id(answer, "up")))
        down = await fake.wait_for_interaction_response(
            await fake.click_button(answer, button_id(answer, "down"), user=bob)
        )
        again = await fake.wait_for_interaction_response(await fake.click_button(answer, button_id(answer, "up")))
        assert up.ephemeral and up.data["content"] == "Thanks for the 👍!"
        assert down.ephemeral and down.data["content"].startswith("Thanks for the 👎!")
        assert again.ephemeral and again.data["content"] == "You already rated this answer. Thanks!"

        votes = feedback_lines(run)
        assert [v["vote"] for v in votes] == ["up", "down"]  # the repeat vote was not written
        for v in votes:
            assert v["question"] == "why Ramstein?"
            assert v["cited"][0]["paragraph"] == 3 and v["cited"][0]["document"] == ARTICLE
            assert v["message_id"] == int(answer["id"])
            assert v["guild_id"] == int(fake.guild_id) and v["channel_id"] == int(fake.channel_id)
        assert votes[0]["user"] != votes[1]["user"]
        raw = database_bytes(run)
        assert fake.default_user["id"].encode() not in raw and bob["id"].encode() not in raw  # user ids are hashed

        # The buttons under a mention's answer work the same way (keyed by the message id).
        msg, reply = await run.ask_mention("why Ramstein?")
        click = await fake.click_button(reply, button_id(reply, "more"))
        assert (
            embed_of((await fake.wait_for_interaction_response(click)).data)["title"] == "More results: why Ramstein?"
        )
        # Every button reply was ephemeral: the channel only ever saw the two answers.
        assert [m["id"] for m in fake.bot_messages if not m["flags"] & payloads.MESSAGE_FLAG_EPHEMERAL] == [
            answer["id"],
            reply["id"],
        ]


async def test_buttons_keep_working_after_a_restart(fake: FakeDiscord, tmp_path: Path) -> None:
    """Answers outlive the process that sent them: a new bot recovers the question from the
    embed title (the custom ids are handled by a registered dynamic item)."""
    async with running_bot(fake, tmp_path):
        interaction = await fake.send_slash_command("ask", {"question": "why Ramstein?"})
        answer = (await fake.wait_for_interaction_response(interaction)).message
    assert answer is not None
    async with running_bot(fake, tmp_path) as run:
        assert len(run.bot.answers) == 0
        full = await fake.wait_for_interaction_response(await fake.click_button(answer, button_id(answer, "full")))
        assert embed_of(full.data)["title"] == f"{ARTICLE_TITLE} · ¶3"
        up = await fake.wait_for_interaction_response(await fake.click_button(answer, button_id(answer, "up")))
        assert up.data["content"] == "Thanks for the 👍!"
        [vote] = feedback_lines(run)
        assert vote["question"] == "why Ramstein?" and vote["cited"][0]["paragraph"] == 3
    assert fake.identify_count == 2


async def test_slash_ask_title_names_its_mentions_from_the_cache_alone(fake: FakeDiscord, tmp_path: Path) -> None:
    """An /ask option's mentions come as bare ids, and Discord draws none in an embed title:
    the title names them from the guild's cache and the asker (no request for anyone's
    question), unknown ones in Discord's words; after a restart the buttons read back the question searched."""
    role = fake.make_role("duty-officers")
    bob = fake.make_user("bob", role_ids=[role["id"]])
    alice = fake.default_user  # the asker
    asked = f"<@{alice['id']}> <@&{role['id']}> <#{fake.channel_id}> <:kek:123> <@{bob['id']}> why Ramstein?"
    async with running_bot(fake, tmp_path):
        interaction = await fake.send_slash_command("ask", {"question": asked})
        response = await fake.wait_for_interaction_response(interaction)
        title = embed_of(response.data)["title"]
        # Bob is a member, but without the members intent discord.py caches none but the bot.
        assert title.replace(NAMED, "") == r"@Alice @duty-officers \#general :kek: @unknown-user why Ramstein?"
        assert_ramstein_answer(embed_of(response.data))
        lookups = [("GET", "/users/{user_id}"), ("GET", "/guilds/{guild_id}/members/{user_id}")]
        lookups.append(("GET", "/channels/{channel_id}"))
        assert not [r for r in fake.requests if (r.method, r.route) in lookups]
        answer = response.message
    assert answer is not None
    async with running_bot(fake, tmp_path) as run:
        more = await fake.wait_for_interaction_response(await fake.click_button(answer, button_id(answer, "more")))
        assert embed_of(more.data)["title"] == "More results: why Ramstein?"
        up = await fake.wait_for_interaction_response(await fake.click_button(answer, button_id(answer, "up")))
        assert up.data["content"] == "Thanks for the 👍!"
        [vote] = feedback_lines(run)
        assert vote["question"] == "why Ramstein?"


async def test_after_a_restart_buttons_refer_to_the_passage_shown_not_another(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """After a restart the buttons asked the title's question again; when the knowledge base
    had changed meanwhile, Full passage showed (and votes were recorded against) another
    passage than the answer showed. The buttons now name the passage shown: one that only
    moved is still found; one that is gone is said to be gone, and the vote is not counted."""
    kdir = copy_knowledge(tmp_path)
    relay = kdir / "relay.txt"
    relay.write_text(RELAY_DOC, encoding="utf-8")
    async with running_bot(fake, tmp_path, knowledge_dir=kdir):
        interaction = await fake.send_slash_command("ask", {"question": RELAY_QUESTION})
        answer = (await fake.wait_for_interaction_response(interaction)).message
    assert answer is not None and "cobalt blue" in embed_of(answer)["description"]

    # A paragraph is added above it: the same passage, now ¶2.
    relay.write_text(RELAY_DOC.replace("\n\n", "\n\nThe station has a crew of six.\n\n", 1), encoding="utf-8")
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, check_pings=False):
        full = await fake.wait_for_interaction_response(await fake.click_button(answer, button_id(answer, "full")))
        assert "cobalt blue" in embed_of(full.data)["description"]

    # The passage is rewritten: what was shown is no longer in the knowledge base.
    relay.write_text(RELAY_DOC.replace("cobalt blue with a silver star", "crimson with a gold star"), encoding="utf-8")
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, check_pings=False) as run:
        full = await fake.wait_for_interaction_response(await fake.click_button(answer, button_id(answer, "full")))
        assert full.ephemeral and full.data.get("embeds") in (None, [])
        assert "knowledge base has changed" in full.data["content"] and "/ask" in full.data["content"]
        up = await fake.wait_for_interaction_response(await fake.click_button(answer, button_id(answer, "up")))
        assert "knowledge base has changed" in up.data["content"]
        assert feedback_lines(run) == []  # no vote recorded against the crimson passage
        # More results asks the question again, as it always did: today's passages.
        more = await fake.wait_for_interaction_response(await fake.click_button(answer, button_id(answer, "more")))
        assert "crimson" in json.dumps(embed_of(more.data), ensure_ascii=False)
    assert_no_pings(fake)


async def test_a_vote_that_failed_to_save_can_be_retried(fake: FakeDiscord, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path) as run:
        interaction = await fake.send_slash_command("ask", {"question": "why Ramstein?"})
        answer = (await fake.wait_for_interaction_response(interaction)).message
        assert answer is not None
        with database_read_only(run.bot.app.store):  # the vote cannot be written
            first = await fake.wait_for_interaction_response(await fake.click_button(answer, button_id(answer, "up")))
        assert first.data["content"].startswith("Sorry, your 👍 could not be saved")
        assert "Please try again" in first.data["content"]

        # the disk problem is fixed; the user tries again, as asked
        again = await fake.wait_for_interaction_response(await fake.click_button(answer, button_id(answer, "up")))
        assert again.data["content"] == "Thanks for the 👍!"  # today: "You already rated this answer. Thanks!"
        assert [v["vote"] for v in feedback_lines(run)] == ["up"]


# ---------------------------------------------------------------------------- /reload


async def test_reload_by_admins_reports_counts(fake: FakeDiscord, tmp_path: Path) -> None:
    admin_role = fake.make_role("kb-admins")  # no permissions: only ADMIN_ROLE_IDS makes it admin
    by_role = fake.make_user("role-admin", role_ids=[admin_role["id"]])
    by_id = fake.make_user("listed-admin")
    manager = fake.make_user("manager")
    knowledge = copy_knowledge(tmp_path)
    env = {"ADMIN_ROLE_IDS": admin_role["id"], "ADMIN_USER_IDS": by_id["id"]}
    async with running_bot(fake, tmp_path, knowledge_dir=knowledge, **env) as run:
        _, before = await run.ask_mention(RELAY_QUESTION)
        assert embed_of(before)["footer"]["text"].startswith("Confidence: no answer")

        (knowledge / "relay.txt").write_text(RELAY_DOC, encoding="utf-8")
        manage_guild = payloads.DEFAULT_EVERYONE_PERMISSIONS | payloads.MANAGE_GUILD
        runs = [
            ("manage server", await fake.send_slash_command("reload", user=manager, member_permissions=manage_guild)),
        ]
        for label, who in (("ADMIN_ROLE_IDS", by_role), ("ADMIN_USER_IDS", by_id)):
            await followup_of(fake, runs[-1][1])
            runs.append((label, await fake.send_slash_command("reload", user=who)))
        for i, (label, interaction) in enumerate(runs):
            deferred = await fake.wait_for_interaction_response(interaction)
            assert deferred.type == 5 and deferred.ephemeral, label  # "thinking…", only the admin sees it
            body = (await followup_of(fake, interaction)).json
            assert body["flags"] & payloads.MESSAGE_FLAG_EPHEMERAL, label
            embed = embed_of(body)
            assert embed["title"] == "Knowledge base reloaded", label
            fields = {f["name"]: f["value"] for f in embed["fields"]}
            assert (fields["Documents"], fields["Paragraphs"]) == ("2", "8"), label
            assert embed["description"].startswith("Reloaded 2 documents, 8 paragraphs in "), label
            if i == 0:
                assert fields["Added (1)"] == "• relay.txt"
            else:
                assert "nothing changed" in embed["description"], label

        _, after = await run.ask_mention(RELAY_QUESTION)
        assert embed_of(after)["description"].endswith("— Orbital relay station · ¶1")


async def test_manage_server_in_the_only_server_counts_once_every_shard_is_up(tmp_path: Path) -> None:
    """Without GUILD_IDS, home is the bot's only server, which the bot can only tell once every
    shard has listed its servers (discord.py's readiness, which the admin rule waits for): with
    two shards, the real client is ready and Manage Server in the one server is an admin."""
    async with FakeDiscord(shards=2) as fake, running_bot(fake, tmp_path, GUILD_IDS="") as run:
        assert run.bot.shard_count == 2 and run.settings.guild_ids == ()
        manage_guild = payloads.DEFAULT_EVERYONE_PERMISSIONS | payloads.MANAGE_GUILD
        interaction = await fake.send_slash_command("reload", user=fake.owner, member_permissions=manage_guild)
        await fake.wait_for_interaction_response(interaction)
        assert embed_of((await followup_of(fake, interaction)).json)["title"] == "Knowledge base reloaded"


async def test_reload_by_non_admin_is_refused_and_nothing_reloads(fake: FakeDiscord, tmp_path: Path) -> None:
    knowledge = copy_knowledge(tmp_path)
    async with running_bot(fake, tmp_path, knowledge_dir=knowledge) as run:
        reloads = []
        original = run.service.reload
        run.service.reload = lambda: reloads.append(1) or original()  # type: ignore[method-assign]
        (knowledge / "relay.txt").write_text(RELAY_DOC, encoding="utf-8")

        interaction = await fake.send_slash_command("reload")  # alice: @everyone permissions only
        response = await fake.wait_for_interaction_response(interaction)
        assert response.type == 4 and response.ephemeral
        assert response.data["content"].startswith("Sorry, only server admins can use /reload")
        assert response.data["content"].endswith("Nothing was changed.")

        assert reloads == []
        assert len(run.service.knowledge.documents) == 1
        [audit] = run.bot.app.store.audit_rows()  # refused by the command's check, audited all the same
        assert (audit["action"], audit["result"]) == ("reload", "refused")
        assert audit["actor"] == run.bot.app.store.hash_user(int(fake.default_user["id"]))
        _, reply = await run.ask_mention(RELAY_QUESTION)
        assert embed_of(reply)["footer"]["text"].startswith("Confidence: no answer")


async def test_admin_commands_log_no_raw_user_id(fake: FakeDiscord, tmp_path: Path, caplog) -> None:
    """A refused /reload and an admin's /reload logged the member's raw id (the audit log
    keeps a salted hash: the log must not undo that)."""
    caplog.set_level(logging.INFO)
    manager = fake.make_user("manager")
    manage_guild = payloads.DEFAULT_EVERYONE_PERMISSIONS | payloads.MANAGE_GUILD
    async with running_bot(fake, tmp_path, knowledge_dir=copy_knowledge(tmp_path)):
        await fake.wait_for_interaction_response(await fake.send_slash_command("reload"))
        await followup_of(fake, await fake.send_slash_command("reload", user=manager, member_permissions=manage_guild))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "reload" in logged
    assert fake.default_user["id"] not in logged and manager["id"] not in logged


async def test_reload_of_a_broken_directory_is_refused_and_old_answers_stay(fake: FakeDiscord, tmp_path: Path) -> None:
    knowledge = copy_knowledge(tmp_path)
    manage_guild = payloads.DEFAULT_EVERYONE_PERMISSIONS | payloads.MANAGE_GUILD
    async with running_bot(fake, tmp_path, knowledge_dir=knowledge) as run:
        (knowledge / ARTICLE).write_bytes(b"")  # the only document is now empty
        (knowledge / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")  # and a binary one

        interaction = await fake.send_slash_command("reload", member_permissions=manage_guild)
        body = (await followup_of(fake, interaction)).json
        embed = embed_of(body)
        assert embed["title"] == "Reload failed"
        assert embed["description"].startswith("The previous knowledge base is still answering questions.")
        why = embed["description"].split("**Why:** ", 1)[1]
        assert "no usable documents" in why and "empty" in why and "binary" in why

        _, reply = await run.ask_mention("why Ramstein?")
        assert_ramstein_answer(embed_of(reply))
        interaction = await fake.send_slash_command("ask", {"question": "why Ramstein?"})
        assert_ramstein_answer(embed_of((await fake.wait_for_interaction_response(interaction)).data))


def _filler(paragraphs: int) -> str:
    """A big document of nonsense words (none of them in the article): makes a build slow."""
    rng = random.Random(20240601)
    vocab = [
        a + b
        for a in ("lor", "ips", "dol", "sit", "amet", "cons", "adip", "elit")
        for b in ("a", "o", "um", "is", "ex")
    ]
    return "Filler notes\n\n" + "\n\n".join(" ".join(rng.choices(vocab, k=60)) + "." for _ in range(paragraphs)) + "\n"


async def test_50_questions_in_flight_during_a_reload(fake: FakeDiscord, tmp_path: Path) -> None:
    """The new edition inserts a paragraph at the top, so the answer moves from ¶3 to ¶4: an
    answer cut from half an index (new citation, old text, or the reverse) cannot pass."""
    knowledge = copy_knowledge(tmp_path)
    manage_guild = payloads.DEFAULT_EVERYONE_PERMISSIONS | payloads.MANAGE_GUILD
    async with running_bot(fake, tmp_path, knowledge_dir=knowledge) as run:
        title, body = (knowledge / ARTICLE).read_text(encoding="utf-8").split("\n", 1)
        (knowledge / ARTICLE).write_text(
            f"{title}\n\nAn editor's note opens the new edition.\n\n{body}", encoding="utf-8"
        )
        (knowledge / "filler.txt").write_text(_filler(1500), encoding="utf-8")  # ~0.2 s of building

        reload = await fake.send_slash_command("reload", member_permissions=manage_guild)
        deferred = await fake.wait_for_interaction_response(reload)  # the build starts right after this
        started = deferred.request.time
        questions = []
        for i in range(50):
            user = fake.make_user(f"asker{i}")
            questions.append(await fake.send_message("why Ramstein?", mentions_bot=True, author=user))
            await asyncio.sleep(0.01)  # spread over the build
        replies = [await fake.wait_for_reply(q, timeout=10) for q in questions]
        done = await followup_of(fake, reload, timeout=10)

        assert embed_of(done.json)["title"] == "Knowledge base reloaded"
        posts = {str(r.json["message_reference"]["message_id"]): r for r in fake.requests_to("POST", MESSAGES_ROUTE)}
        versions = []
        for reply in replies:
            embed = embed_of(reply)
            citation = embed["description"].rpartition("\n\n— ")[2]
            assert citation in (f"{ARTICLE_TITLE} · ¶3", f"{ARTICLE_TITLE} · ¶4"), citation
            paragraph = 3 if citation.endswith("¶3") else 4
            assert_ramstein_answer(embed, paragraph)
            # The extra passage must come from the same edition: ¶1 in the old, ¶2 in the new.
            assert embed["fields"][0]["name"] == f"{ARTICLE_TITLE} · ¶{paragraph - 2}"
            versions.append(("old", "new")[paragraph == 4])
        in_flight = [q for q in questions if started < posts[q["id"]].time < done.time]
        assert in_flight, "no question was answered while the reload ran"
        assert len(replies) == len({r["id"] for r in replies}) == 50 == len(posts)
        print(
            f"reload {done.time - started:.3f}s; answers: {versions.count('old')} old index, {versions.count('new')} new, {len(in_flight)} during the reload"
        )

        _, reply = await run.ask_mention("why Ramstein?")
        assert_ramstein_answer(embed_of(reply), 4)


# ---------------------------------------------------------------------------- mentions


async def test_nothing_the_bot_sends_can_ping(fake: FakeDiscord, tmp_path: Path) -> None:
    """@everyone, @here, <@user> and <@&role> in questions and in a knowledge paragraph. The
    bot may not embed links here, so answers go out as plain text where a ping would work."""
    role = fake.make_role("duty-officers")
    victim = fake.make_user("victim", role_ids=[role["id"]])
    for r in fake.roles.values():
        r["permissions"] = str(int(r["permissions"]) & ~payloads.EMBED_LINKS)
    knowledge = copy_knowledge(tmp_path)
    (knowledge / "roster.txt").write_text(
        # Hidden forms too: text cleaning (NFKC, zero-width removal) turns them into real ones.
        "Roster notes\n\nThe briefing roster for the orbital relay station lists @everyone and @here, "
        "\uff20everyone and @\u200bhere, "
        f"and <@{victim['id']}> with <@&{role['id']}> as the duty officers who keep the orbital relay "
        "station roster.\n",
        encoding="utf-8",
    )
    pings = f"@everyone @here <@{victim['id']}> <@!{victim['id']}> <@&{role['id']}>"
    async with running_bot(fake, tmp_path, knowledge_dir=knowledge) as run:
        _, answer = await run.ask_mention(f"{pings} who keeps the briefing roster?")
        _, no_answer = await run.ask_mention(pings)
        _, empty = await run.ask_mention("")
        interaction = await fake.send_slash_command("ask", {"question": f"{pings} who keeps the briefing roster?"})
        slash = await fake.wait_for_interaction_response(interaction)
        assert slash.message is not None
        more = await fake.click_button(slash.message, button_id(slash.message, "more"))
        full = await fake.click_button(slash.message, button_id(slash.message, "full"))
        await fake.wait_for_interaction_response(more)
        await fake.wait_for_interaction_response(full)

        # Without Embed Links the answer is text, and it quotes the paragraph's @everyone/@here,
        # defused in the text itself (assert_no_pings checks no raw mention token is left).
        assert answer["embeds"] == [] and "@\u200beveryone and @\u200bhere" in answer["content"]
        assert "Roster notes · ¶1" in answer["content"]
        # A message of nothing but pings is not a question (and pings nobody).
        assert no_answer["embeds"] == [] and "doesn't look like a question" in no_answer["content"]
        assert empty["content"].startswith("Ask me something")
        assert "@\u200beveryone" in embed_of(slash.data)["description"]
        assert assert_no_pings(fake) == 6  # 3 replies, /ask, More, Full (checked again at the end)


async def test_sixth_question_in_a_minute_gets_the_friendly_refusal(
    fake: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ask_cog, "COOLDOWN_NOTICE_SECONDS", 0.2)  # the notice deletes itself (15 s in production)
    async with running_bot(fake, tmp_path, COOLDOWN_QUESTIONS=5, COOLDOWN_SECONDS=60) as run:
        for _ in range(5):
            _, reply = await run.ask_mention("why Ramstein?")
            assert_ramstein_answer(embed_of(reply))
        _, sixth = await run.ask_mention("why Ramstein?")
        assert sixth["embeds"] == [] and custom_ids(sixth) == []
        assert sixth["content"].startswith(
            "You're asking quickly! I answer up to 5 questions every 60 seconds per person"
        )
        assert "try again in" in sixth["content"]
        # More messages in the same wait get no more notices: a flood is not answered with one.
        for _ in range(3):
            await fake.send_message("why Ramstein?", mentions_bot=True)
        await asyncio.sleep(0.3)
        assert len(fake.requests_to("POST", MESSAGES_ROUTE)) == 6
        # /ask is limited too (only the asker sees that refusal) ...
        interaction = await fake.send_slash_command("ask", {"question": "why Ramstein?"})
        response = await fake.wait_for_interaction_response(interaction)
        assert response.ephemeral and response.data["content"].startswith("You're asking quickly!")
        # ... but per person: someone else still gets answers.
        _, other = await run.ask_mention("why Ramstein?", author=fake.make_user("bob"))
        assert_ramstein_answer(embed_of(other))
        # The channel notice cleans itself up.
        delete = await fake.wait_for_request(lambda r: r.matches("DELETE", MESSAGE_ROUTE))
        assert delete.params["message_id"] == sixth["id"] and delete.status == 204


async def test_default_start_logs_no_misleading_intent_warning(
    fake: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Mentions and slash commands need no Message Content intent, so a default start should
    not warn that "commands may not work"."""
    with caplog.at_level(logging.WARNING):
        async with running_bot(fake, tmp_path) as run:
            assert not run.bot.intents.message_content
            _, reply = await run.ask_mention("why Ramstein?")
            assert_ramstein_answer(embed_of(reply))
    assert [r.getMessage() for r in caplog.records if r.name == "discord.ext.commands.bot"] == []


# ---------------------------------------------------------------------------- as a process


async def _read_until(stream: asyncio.StreamReader, needle: str, seen: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        line = await asyncio.wait_for(stream.readline(), max(0.01, deadline - time.monotonic()))
        if not line:
            raise AssertionError(f"process ended before logging {needle!r}:\n" + "".join(seen))
        seen.append(line.decode(errors="replace"))
        if needle in seen[-1]:
            return


async def test_python_m_bot_run_answers_and_stops_on_sigterm(fake: FakeDiscord, tmp_path: Path) -> None:
    """The bot as users run it: `python -m bot run`, configured only through the environment."""
    env = subprocess_env(base_env(fake, Path("knowledge").resolve(), tmp_path, LOG_LEVEL="INFO"))
    env["KNOWLEDGE_DIR"] = str(copy_knowledge(tmp_path))
    proc = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    seen: list[str] = []
    try:
        # discord.py waits guild_ready_timeout (2 s, not configurable) before on_ready.
        await _read_until(proc.stderr, "logged in as", seen, timeout=20)  # type: ignore[arg-type]
        msg = await fake.send_message("why Ramstein?", mentions_bot=True)
        assert_ramstein_answer(embed_of(await fake.wait_for_reply(msg)))
        interaction = await fake.send_slash_command("ask", {"question": "why Ramstein?"})
        assert_ramstein_answer(embed_of((await fake.wait_for_interaction_response(interaction)).data))
        proc.send_signal(signal.SIGTERM)
        stdout, rest = await asyncio.wait_for(proc.communicate(), 10)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    stderr = "".join(seen) + rest.decode(errors="replace")
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr and fake.token not in stderr, stderr
    assert fake.identify_count == 1
    assert fake.unknown_routes == []
    assert_no_pings(fake)
    # It was configured by DISCORD_API_BASE/DISCORD_GATEWAY_URL alone: no patching in a child process.
    assert fake.requests_to("GET", "/users/@me")[0].headers["Authorization"] == f"Bot {fake.token}"
