"""End to end: growing the knowledge base from Discord through the loopback fake and the real
discord.py client. Teaching (the Teach KB Bot message command, the Teach an answer button,
the modal and its submit), /kb add|remove|list|show with files served by the fake's CDN,
autocomplete, /gaps with page buttons and a CSV, /forget-me, and refusals for members who
lack the role. ``running_bot`` checks after each scenario that no route was unknown and
that nothing the bot sent could ping anyone.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import re
import shutil
from pathlib import Path

import pytest

from tests.fakes.e2e_helpers import (
    FOLLOWUP_ROUTE,
    button_id,
    copy_knowledge,
    custom_ids,
    embed_of,
    running_bot,
)
from tests.fakes.fake_discord import FakeDiscord, RecordedRequest, payloads

RELAY_QUESTION = "what colour is the orbital relay badge?"
RELAY_ANSWER = "The orbital relay badge is cobalt blue with a silver star."
UPLOAD = "# Orbital relay station\n\nThe relay station crew rotates every ninety days at the Kestrel outpost.\n"


@pytest.fixture
async def fake():
    async with FakeDiscord() as server:
        yield server


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under the knowledge folder (the saved index lives elsewhere)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


async def followup_of(fake: FakeDiscord, interaction: dict, timeout: float = 10.0) -> RecordedRequest:
    return await fake.wait_for_request(
        lambda r: r.matches("POST", FOLLOWUP_ROUTE) and r.params["token"] == interaction["token"], timeout
    )


async def reply_of(fake: FakeDiscord, interaction: dict, timeout: float = 10.0) -> dict:
    """The message body the bot finally answered ``interaction`` with (direct or after deferring)."""
    response = await fake.wait_for_interaction_response(interaction, timeout)
    if response.type == 5:
        return (await followup_of(fake, interaction, timeout)).json
    assert response.type == 4, response
    assert response.ephemeral
    return response.data


def text_of(body: dict) -> str:
    parts = [body.get("content") or ""]
    for e in body.get("embeds") or []:
        parts += [e.get("title") or "", e.get("description") or "", (e.get("footer") or {}).get("text") or ""]
        parts += [f"{f['name']}\n{f['value']}" for f in e.get("fields") or []]
    return "\n".join(parts)


def kb_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"DATA_DIR": str(tmp_path / "data"), **extra}


# ---------------------------------------------------------------------------- teaching


async def test_teach_from_a_reply_under_no_answer_then_the_question_is_answered(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    teacher_role = fake.make_role("Teacher")
    carol = fake.make_user("carol", role_ids=[teacher_role["id"]])
    kdir = copy_knowledge(tmp_path)
    async with running_bot(
        fake, tmp_path, knowledge_dir=kdir, TEACHER_ROLE_IDS=teacher_role["id"], **kb_env(tmp_path)
    ) as run:
        question, no_answer = await run.ask_mention(RELAY_QUESTION)
        assert embed_of(no_answer)["footer"]["text"].startswith("Confidence: no answer")
        assert f"kb:teach:{question['id']}" in custom_ids(no_answer)

        slash = await fake.send_slash_command("ask", {"question": "who paints the relay station?"})
        slash_reply = (await fake.wait_for_interaction_response(slash)).message
        assert slash_reply is not None
        gaps = await reply_of(fake, await fake.send_slash_command("gaps", {"days": 7}, user=fake.owner))
        listed = text_of(gaps)
        assert RELAY_QUESTION in listed
        # Each gap links to where it was asked: the member's message, or a slash command's reply.
        base = f"https://discord.com/channels/{fake.guild_id}/{fake.channel_id}"
        assert f"{base}/{question['id']}" in listed and f"{base}/{slash_reply['id']}" in listed

        answer = await fake.send_message(RELAY_ANSWER, author=carol, reply_to=no_answer)
        menu = await fake.send_message_command("Teach KB Bot", answer, user=carol)
        modal = await fake.wait_for_interaction_response(menu)
        assert modal.type == 9 and modal.data["title"] == "Teach KB Bot"
        fields = fake.modal_fields(modal)
        assert fields["question"]["value"] == RELAY_QUESTION  # from the no-answer reply it was under
        assert fields["answer"]["value"] == RELAY_ANSWER

        submit = await fake.submit_modal(modal, {"answer": RELAY_ANSWER + " It was chosen in 2019."})
        taught = await reply_of(fake, submit, timeout=20)
        assert "Learned" in text_of(taught)
        [learned] = (kdir / "learned").glob("*.md")
        saved = learned.read_text(encoding="utf-8")
        jump = f"https://discord.com/channels/{fake.guild_id}/{fake.channel_id}/{answer['id']}"
        assert f'source: "{jump}"' in saved or f"source: {jump}" in saved
        assert "It was chosen in 2019." in saved and carol["id"] not in saved  # taught-by is a hash

        # Later questions, the same and reworded, are answered from the learned answer.
        for later in (RELAY_QUESTION, "orbital relay badge colour?"):
            _, reply = await run.ask_mention(later, author=fake.make_user("dave"))
            embed = embed_of(reply)
            assert embed["footer"]["text"].startswith("Confidence:") and "no answer" not in embed["footer"]["text"]
            assert "cobalt blue" in embed["description"]
            assert "Learned answer · taught on" in text_of(reply)
        gaps = await reply_of(fake, await fake.send_slash_command("gaps", {"days": 7}, user=fake.owner))
        assert RELAY_QUESTION not in text_of(gaps)  # the gap was resolved


async def test_teaching_a_follow_up_prefills_the_question_it_follows_too(fake: FakeDiscord, tmp_path: Path) -> None:
    """Under the answer to "why Ramstein?", "and who painted its hangars?" has no answer; the
    form teaches the two together, not "who painted its hangars?" for every later question."""
    kdir = copy_knowledge(tmp_path)
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, **kb_env(tmp_path)) as run:
        _, answer = await run.ask_mention("why Ramstein?")
        reply = await fake.send_message("and who painted its hangars?", reply_to=answer)
        no_answer = await fake.wait_for_reply(reply)
        assert embed_of(no_answer)["footer"]["text"].startswith("Confidence: no answer")
        followed = "why Ramstein? → and who painted its hangars?"
        for opened in (
            await fake.click_button(no_answer, f"kb:teach:{reply['id']}", user=fake.owner),
            await fake.send_message_command(
                "Teach KB Bot",
                await fake.send_message("Blue Team did.", author=fake.owner, reply_to=no_answer),
                user=fake.owner,
            ),
        ):
            modal = await fake.wait_for_interaction_response(opened)
            assert fake.modal_fields(modal)["question"]["value"] == followed


async def test_teach_an_answer_button_opens_the_modal_with_the_question(fake: FakeDiscord, tmp_path: Path) -> None:
    kdir = copy_knowledge(tmp_path)
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, **kb_env(tmp_path)) as run:
        question, no_answer = await run.ask_mention(RELAY_QUESTION)
        click = await fake.click_button(no_answer, f"kb:teach:{question['id']}", user=fake.owner)  # admins may teach
        modal = await fake.wait_for_interaction_response(click)
        assert modal.type == 9
        fields = fake.modal_fields(modal)
        assert fields["question"]["value"] == RELAY_QUESTION and not fields["answer"].get("value")
        pinging = f"{RELAY_ANSWER} Tell @everyone and <@{fake.default_user['id']}>."
        taught = await reply_of(fake, await fake.submit_modal(modal, {"answer": pinging}), timeout=20)
        assert "Learned" in text_of(taught)
        _, reply = await run.ask_mention(RELAY_QUESTION)
        description = embed_of(reply)["description"]
        assert "cobalt blue" in description
        # A learned answer is shown like any passage: its mentions cannot ping (running_bot
        # also checks allowed_mentions and the raw text of everything sent).
        assert "@everyone" not in description and f"<@{fake.default_user['id']}>" not in description

        # An answer under the bot's reply to /ask: the question comes from the slash command.
        slash = await fake.send_slash_command("ask", {"question": "what is the relay station's call sign?"})
        slash_reply = (await fake.wait_for_interaction_response(slash)).message
        assert slash_reply is not None
        under = await fake.send_message("Its call sign is Kestrel One.", author=fake.owner, reply_to=slash_reply)
        modal = await fake.wait_for_interaction_response(
            await fake.send_message_command("Teach KB Bot", under, user=fake.owner)
        )
        assert fake.modal_fields(modal)["question"]["value"] == "what is the relay station's call sign?"

        # An answer given straight under a member's question: the question comes from there.
        asked = await fake.send_message("who keeps the relay station logbook?")
        direct = await fake.send_message("The duty officer keeps it.", author=fake.owner, reply_to=asked)
        modal = await fake.wait_for_interaction_response(
            await fake.send_message_command("Teach KB Bot", direct, user=fake.owner)
        )
        assert fake.modal_fields(modal)["question"]["value"] == "who keeps the relay station logbook?"


async def test_the_teaching_form_names_the_people_a_question_mentions(fake: FakeDiscord, tmp_path: Path) -> None:
    """ "Who has @Bob's key?" was prefilled as "Who has's key?": the question's mentions were
    dropped (the search drops them; the form is for people). They read as the names members
    saw, not as pings, whether the question comes from the member's message, from the bot's
    no-answer reply under it, or from that reply's Teach an answer button."""
    bob = fake.make_user("bob")
    kdir = copy_knowledge(tmp_path)
    named = "who has @Bob's key to the banana bread cupboard?"  # bob's display name
    asked = f"who has <@{bob['id']}>'s key to the banana bread cupboard?"
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, PREFIX_COMMANDS="true", **kb_env(tmp_path)) as run:

        async def prefilled(message: dict) -> str:
            menu = await fake.send_message_command("Teach KB Bot", message, user=fake.owner)
            return fake.modal_fields(await fake.wait_for_interaction_response(menu))["question"]["value"]

        plain = await fake.send_message(asked)  # asked of the channel, answered by a member
        assert await prefilled(await fake.send_message("Alice has it.", author=fake.owner, reply_to=plain)) == named

        question, no_answer = await run.ask_mention(asked)
        assert embed_of(no_answer)["footer"]["text"].startswith("Confidence: no answer")
        assert await prefilled(await fake.send_message("Alice has it.", author=fake.owner, reply_to=no_answer)) == named

        click = await fake.click_button(no_answer, f"kb:teach:{question['id']}", user=fake.owner)
        fields = fake.modal_fields(await fake.wait_for_interaction_response(click))
        assert fields["question"]["value"] == named

        # Asked with `!ask`: the command is not part of the question.
        prefixed = await fake.send_message(f"!ask {asked}")
        under = await fake.wait_for_reply(prefixed)
        assert await prefilled(await fake.send_message("Alice has it.", author=fake.owner, reply_to=under)) == named


async def test_a_taught_chat_message_with_mentions_stores_their_names_not_raw_ids(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """Teaching a chat reply such as "<@dave> it is cobalt blue" saved `<@dave's id>` in the
    learned file: a raw user id on disk (and "<@…>" shown in later answers). Then mentions
    typed into the form were dropped ("Ask <@erin> or <@&staff>" was saved as "Ask or") and
    channel mentions kept as raw ids, which later answers showed as "<#1577…>". Every
    mention is saved as members read it now, on the prefill's path and the form's alike."""
    dave = fake.make_user("dave")
    staff = fake.make_role("Staff")
    kdir = copy_knowledge(tmp_path)
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, **kb_env(tmp_path)) as run:
        erin = fake.make_user("erin")  # joined after the bot connected: in no cache
        question, no_answer = await run.ask_mention(RELAY_QUESTION)
        channel = f"<#{fake.channel_id}>"
        reply = await fake.send_message(
            f"<@{dave['id']}> {RELAY_ANSWER} See {channel}.", author=fake.owner, reply_to=no_answer
        )
        modal = await fake.wait_for_interaction_response(
            await fake.send_message_command("Teach KB Bot", reply, user=fake.owner)
        )
        prefilled = fake.modal_fields(modal)["answer"]["value"]
        assert prefilled == f"@Dave {RELAY_ANSWER} See #general."  # the names, as members saw them
        # Typed or pasted into the form, a mention is a bare id: the bot looks it up.
        nobody = fake.snowflake()  # no such user
        typed = f"{prefilled} Ask <@!{erin['id']}> or <@&{staff['id']}> in {channel}, not <@{nobody}>."
        taught = await reply_of(fake, await fake.submit_modal(modal, {"answer": typed}), timeout=20)
        assert "Learned" in text_of(taught)
        assert fake.requests_to("GET", f"/guilds/{fake.guild_id}/members/{erin['id']}")
        [learned] = (kdir / "learned").glob("*.md")
        saved = learned.read_text(encoding="utf-8")
        assert f"{prefilled} Ask @Erin or @Staff in #general, not @unknown-user." in saved
        for raw in ("<@", "<#", dave["id"], erin["id"], staff["id"], nobody):
            assert raw not in saved, raw
        assert fake.channel_id not in saved.split("\n# ", 1)[1]  # only in the source link
        _, later = await run.ask_mention(RELAY_QUESTION, author=fake.make_user("frank"))
        shown = embed_of(later)["description"].replace("\\", "")  # as Discord draws its escapes
        assert "See #general. Ask @Erin or @Staff in #general" in shown and "<" not in shown


async def test_teaching_under_a_slash_command_names_the_people_its_question_mentions(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """ "/ask who has @Bob's key…" reaches the bot as "who has <@id>'s key…" and the search
    drops the mention: the Teach an answer button, and Teach KB Bot on a reply under the
    answer, prefilled the question from what was remembered, "who has 's key…", and the
    learned answer was saved under it. (Asked by message, the question was read from the
    member's message and kept its names.)"""
    kdir = copy_knowledge(tmp_path)
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, **kb_env(tmp_path)):
        bob = fake.make_user("bob")  # joined after the bot connected: in no cache
        asked = f"who has <@{bob['id']}>'s key to the banana bread cupboard?"
        named = "who has @Bob's key to the banana bread cupboard?"
        slash = await fake.send_slash_command("ask", {"question": asked})
        no_answer = (await fake.wait_for_interaction_response(slash)).message
        assert no_answer is not None and embed_of(no_answer)["footer"]["text"].startswith("Confidence: no answer")
        # Anyone may ask: the question itself looks nobody up (a teaching form does, below).
        member_route = f"/guilds/{fake.guild_id}/members/{bob['id']}"
        assert not fake.requests_to("GET", member_route)

        click = await fake.click_button(no_answer, f"kb:teach:{slash['id']}", user=fake.owner)
        from_button = await fake.wait_for_interaction_response(click)
        assert fake.modal_fields(from_button)["question"]["value"] == named
        assert len(fake.requests_to("GET", member_route)) == 1

        under = await fake.send_message("Alice has it.", author=fake.owner, reply_to=no_answer)
        menu = await fake.send_message_command("Teach KB Bot", under, user=fake.owner)
        assert fake.modal_fields(await fake.wait_for_interaction_response(menu))["question"]["value"] == named

        taught = await reply_of(fake, await fake.submit_modal(from_button, {"answer": "Alice has it."}), timeout=20)
        assert "Learned" in text_of(taught)
        [learned] = (kdir / "learned").glob("*.md")
        saved = learned.read_text(encoding="utf-8")
        assert f"question: {json.dumps(named)}" in saved and bob["id"] not in saved


async def test_a_teaching_form_submitted_late_or_after_a_restart_is_saved(
    fake: FakeDiscord, tmp_path: Path, monkeypatch
) -> None:
    """discord.py forgets a modal after its timeout (and on restart) and drops its submit:
    the teacher's answer was lost and Discord said "This interaction failed"."""
    from bot.discord import teaching

    monkeypatch.setattr(teaching, "MODAL_TIMEOUT_S", 0.05)  # discord.py forgets the form at once
    kdir = copy_knowledge(tmp_path)
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, **kb_env(tmp_path)) as run:
        question, no_answer = await run.ask_mention(RELAY_QUESTION)
        late = await fake.wait_for_interaction_response(
            await fake.click_button(no_answer, f"kb:teach:{question['id']}", user=fake.owner)
        )
        answer = await fake.send_message(RELAY_ANSWER, author=fake.owner, reply_to=no_answer)
        opened = await fake.wait_for_interaction_response(
            await fake.send_message_command("Teach KB Bot", answer, user=fake.owner)
        )
        await asyncio.sleep(0.2)
        taught = await reply_of(fake, await fake.submit_modal(late, {"answer": RELAY_ANSWER}), timeout=20)
        assert "Learned" in text_of(taught)
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, **kb_env(tmp_path)):
        retaught = await reply_of(
            fake, await fake.submit_modal(opened, {"question": "relay badge colour?"}), timeout=20
        )
        assert "Learned" in text_of(retaught)
    saved = {p.name: p.read_text(encoding="utf-8") for p in (kdir / "learned").glob("*.md")}
    base = f"https://discord.com/channels/{fake.guild_id}/{fake.channel_id}"
    assert len(saved) == 2 and all("cobalt blue" in text for text in saved.values())
    # Each cites the message it was taught from: the no-answer reply, the member's answer.
    assert f'source: "{base}/{no_answer["id"]}"' in "".join(saved.values())
    assert f'source: "{base}/{answer["id"]}"' in "".join(saved.values())


async def test_a_slow_fetch_of_the_replied_to_message_still_opens_the_teaching_form(
    fake: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The message a teacher's answer replies under is fetched when Discord did not send it
    along; that fetch had no time limit, so a slow Discord held the form past the 3 s Discord
    waits for it ("This interaction failed"). Now it is given up at the form's deadline."""
    kdir = copy_knowledge(tmp_path)
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, **kb_env(tmp_path)) as run:
        question, no_answer = await run.ask_mention(RELAY_QUESTION)
        # Discord sends a reply's referenced message one level deep: the member's question
        # under the no-answer reply comes only by a fetch, slowly here.
        answer = await fake.send_message(RELAY_ANSWER, author=fake.owner, reply_to=no_answer)
        slow = fake.delay_next("GET", f"/channels/{fake.channel_id}/messages/{question['id']}", 5.0)
        caplog.set_level(logging.INFO, logger="bot.discord.teaching")
        loop = asyncio.get_running_loop()
        started = loop.time()
        modal = await fake.wait_for_interaction_response(
            await fake.send_message_command("Teach KB Bot", answer, user=fake.owner)
        )
        assert loop.time() - started < 2.0 and slow.hits == 1
        assert modal.type == 9  # the form opened, its question from the no-answer reply's title
        assert fake.modal_fields(modal)["question"]["value"] == RELAY_QUESTION
        assert fake.modal_fields(modal)["answer"]["value"] == RELAY_ANSWER
        assert any("replied-to message" in r.getMessage() for r in caplog.records)


async def test_a_network_failure_fetching_the_replied_to_message_still_opens_the_teaching_form(
    fake: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fetch of the message a teacher's answer replies under caught only Discord's
    refusals: a connection dropped under it failed the form ("Something went wrong"). Now the
    form opens as if that message were gone, its question from the no-answer reply's title,
    from the message command and from the Teach an answer button alike."""
    import aiohttp
    import discord

    async def offline(self: object, message_id: int) -> discord.Message:
        raise aiohttp.ClientOSError(104, "Connection reset by peer")

    kdir = copy_knowledge(tmp_path)
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, **kb_env(tmp_path)) as run:
        question, no_answer = await run.ask_mention(RELAY_QUESTION)
        # One level deep: the question under the no-answer reply comes only by a fetch.
        answer = await fake.send_message(RELAY_ANSWER, author=fake.owner, reply_to=no_answer)
        monkeypatch.setattr(discord.abc.Messageable, "fetch_message", offline)
        modal = await fake.wait_for_interaction_response(
            await fake.send_message_command("Teach KB Bot", answer, user=fake.owner)
        )
        assert modal.type == 9, modal  # the form, not an error message
        assert fake.modal_fields(modal)["question"]["value"] == RELAY_QUESTION
        assert fake.modal_fields(modal)["answer"]["value"] == RELAY_ANSWER
        # Discord may also leave a message's own referenced_message out (its backend did not
        # load it): then the button's question, too, comes only by a fetch.
        fake.messages[no_answer["id"]].pop("referenced_message")
        teach = button_id(no_answer, "teach")
        modal = await fake.wait_for_interaction_response(
            await fake.click_button(fake.messages[no_answer["id"]], teach, user=fake.owner)
        )
        assert modal.type == 9, modal
        assert fake.modal_fields(modal)["question"]["value"] == RELAY_QUESTION


async def test_teaching_refusals_leave_the_knowledge_folder_unchanged(fake: FakeDiscord, tmp_path: Path) -> None:
    teacher_role = fake.make_role("Teacher")
    carol = fake.make_user("carol", role_ids=[teacher_role["id"]])
    kdir = copy_knowledge(tmp_path)
    before = snapshot(kdir)
    async with running_bot(
        fake, tmp_path, knowledge_dir=kdir, TEACHER_ROLE_IDS=teacher_role["id"], **kb_env(tmp_path)
    ) as run:
        question, no_answer = await run.ask_mention(RELAY_QUESTION)
        answer = await fake.send_message(RELAY_ANSWER, reply_to=no_answer)

        # A member without the role: refused at once, with the reason, and no modal.
        for interaction in (
            await fake.send_message_command("Teach KB Bot", answer),
            await fake.click_button(no_answer, f"kb:teach:{question['id']}"),
        ):
            refusal = await fake.wait_for_interaction_response(interaction)
            assert refusal.type == 4 and refusal.ephemeral
            assert "teacher role" in refusal.data["content"]
        # A teacher cannot teach the bot's own message, nor a message of only pings.
        own = await fake.wait_for_interaction_response(
            await fake.send_message_command("Teach KB Bot", no_answer, user=carol)
        )
        assert own.type == 4 and "written by a bot" in own.data["content"]
        # Another bot's (a webhook's, an integration's) message: refused as a bot's, not as "the bot's own".
        other_bot = await fake.send_message("The relay badge is cobalt blue.", author=fake.make_user("ci", bot=True))
        other = await fake.wait_for_interaction_response(
            await fake.send_message_command("Teach KB Bot", other_bot, user=carol)
        )
        assert "written by a bot" in other.data["content"] and "own" not in other.data["content"]
        pings = await fake.send_message(f"<@{fake.default_user['id']}> @everyone", author=carol)
        only_pings = await fake.wait_for_interaction_response(
            await fake.send_message_command("Teach KB Bot", pings, user=carol)
        )
        assert only_pings.type == 4 and only_pings.ephemeral and "Sorry" in only_pings.data["content"]

        # A teacher's modal with a blank answer, or one the Discord client would never send.
        modal = await fake.wait_for_interaction_response(
            await fake.send_message_command("Teach KB Bot", answer, user=carol)
        )
        blank = await reply_of(fake, await fake.submit_modal(modal, {"answer": "   "}))
        assert "Nothing was changed" in text_of(blank)
        modal = await fake.wait_for_interaction_response(
            await fake.send_message_command("Teach KB Bot", answer, user=carol)
        )
        huge = await reply_of(fake, await fake.submit_modal(modal, {"answer": "x" * 10_000}, check_limits=False))
        assert "4,000" in text_of(huge) or "4000" in text_of(huge)
    assert snapshot(kdir) == before


async def test_no_teaching_form_opens_while_no_learned_answer_can_be_saved(fake: FakeDiscord, tmp_path: Path) -> None:
    """With a file in place of knowledge/learned/ the form opened, and the teacher learned
    only on submit that nothing could be saved. Now the message command and the Teach an
    answer button say so at once, in the words the submit uses."""
    kdir = copy_knowledge(tmp_path)
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, **kb_env(tmp_path)) as run:
        question, no_answer = await run.ask_mention(RELAY_QUESTION)
        answer = await fake.send_message(RELAY_ANSWER, author=fake.owner, reply_to=no_answer)
        modal = await fake.wait_for_interaction_response(
            await fake.send_message_command("Teach KB Bot", answer, user=fake.owner)
        )
        assert modal.type == 9, modal  # opened while learned/ could still be made
        (kdir / "learned").write_text("not a folder")
        before = snapshot(kdir)
        submitted = text_of(await reply_of(fake, await fake.submit_modal(modal, {})))
        assert "ask whoever runs the bot to move that file away" in submitted.replace("\\", ""), submitted
        for interaction in (
            await fake.send_message_command("Teach KB Bot", answer, user=fake.owner),
            await fake.click_button(fake.messages[no_answer["id"]], button_id(no_answer, "teach"), user=fake.owner),
        ):
            refusal = await fake.wait_for_interaction_response(interaction)
            assert refusal.type == 4 and refusal.ephemeral, refusal  # no form
            assert text_of(refusal.data) == submitted
    assert snapshot(kdir) == before


# ---------------------------------------------------------------------------- /kb


async def test_kb_add_a_good_file_then_list_show_autocomplete_and_remove(fake: FakeDiscord, tmp_path: Path) -> None:
    kdir = copy_knowledge(tmp_path)
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, **kb_env(tmp_path)) as run:
        upload = fake.make_attachment("relay.md", UPLOAD, content_type="text/markdown")
        added = await reply_of(
            fake, await fake.send_slash_command("kb add", {"file": upload}, user=fake.owner), timeout=20
        )
        assert "uploads/relay.md" in text_of(added)
        assert (kdir / "uploads" / "relay.md").read_text(encoding="utf-8") == UPLOAD
        assert [r.path for r in fake.cdn_requests] == ["/" + upload["url"].split("/", 3)[3]]  # the URL Discord gave
        _, reply = await run.ask_mention("how often does the relay station crew rotate?")
        assert "ninety days" in embed_of(reply)["description"]

        choices = fake.choices_of(
            await fake.wait_for_interaction_response(
                await fake.send_autocomplete("kb remove", {"document": "rel"}, "document", user=fake.owner)
            )
        )
        assert {"name": "uploads/relay.md", "value": "uploads/relay.md"} in choices
        hidden = fake.choices_of(
            await fake.wait_for_interaction_response(
                await fake.send_autocomplete("kb remove", {"document": "rel"}, "document")
            )
        )
        assert hidden == []  # members who are not admins learn nothing from autocomplete

        listed = await reply_of(fake, await fake.send_slash_command("kb list", user=fake.owner))
        assert "uploads/relay.md" in text_of(listed) and "Page 1/1" in text_of(listed)
        shown = await reply_of(
            fake, await fake.send_slash_command("kb show", {"document": "uploads/relay.md"}, user=fake.owner)
        )
        assert "Orbital relay station" in text_of(shown)

        removed = await reply_of(
            fake,
            await fake.send_slash_command("kb remove", {"document": "uploads/relay.md"}, user=fake.owner),
            timeout=20,
        )
        assert "Removed uploads/relay.md" in text_of(removed)
        assert not (kdir / "uploads" / "relay.md").exists()


async def test_kb_add_remove_and_teaching_without_the_knowledge_folder_say_what_an_admin_can_do(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """The folder gone from the bot's host: /kb add made it again with only the upload in it
    (the knowledge base became that one file), and the replies gave the command line's advice
    (set KNOWLEDGE_DIR or pass --knowledge), which an admin in Discord can follow neither of.
    Now nothing is written and each reply says whom to ask, as /reload's does."""
    kdir = copy_knowledge(tmp_path)
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, **kb_env(tmp_path)) as run:
        upload = fake.make_attachment("relay.md", UPLOAD, content_type="text/markdown")
        added = await reply_of(
            fake, await fake.send_slash_command("kb add", {"file": upload}, user=fake.owner), timeout=20
        )
        assert "uploads/relay.md" in text_of(added)
        question, no_answer = await run.ask_mention(RELAY_QUESTION)
        click = await fake.click_button(no_answer, f"kb:teach:{question['id']}", user=fake.owner)
        modal = await fake.wait_for_interaction_response(click)
        shutil.rmtree(kdir)

        again = fake.make_attachment("other.md", "# Other\n\nThe other station has a red badge.\n")
        replies = {
            "kb add": await reply_of(
                fake, await fake.send_slash_command("kb add", {"file": again}, user=fake.owner), timeout=20
            ),
            "kb remove": await reply_of(
                fake,
                await fake.send_slash_command("kb remove", {"document": "uploads/relay.md"}, user=fake.owner),
                timeout=20,
            ),
            "teaching": await reply_of(fake, await fake.submit_modal(modal, {"answer": RELAY_ANSWER}), timeout=20),
        }
        for command, body in replies.items():
            text = text_of(body).replace("\\", "")  # as Discord draws the escapes
            assert text.startswith("Sorry") and "Nothing was changed" in text, (command, text)
            assert str(kdir) in text and "no longer on the bot's host" in text, (command, text)
            assert "ask whoever runs the bot" in text and "restart the bot" in text, (command, text)
            assert "--knowledge" not in text and "pass" not in text, (command, text)
        assert not kdir.exists()
        _, reply = await run.ask_mention("how often does the relay station crew rotate?")
        assert "ninety days" in embed_of(reply)["description"]  # the knowledge base is as it was


@pytest.mark.parametrize(
    "filename,data,expect",
    [
        ("blob.md", bytes(range(256)) * 40, "binary"),
        ("../../x.md", b"# Escape\n\nTrying to climb out of the folder.\n", None),
        ("seed.md", None, "already"),
        ("CON.md", b"# Console\n\nA reserved device name on Windows.\n", "reserved"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj <</Type /Catalog>> garbage without pages\n", None),
        (
            "latin.txt",
            "Caf\u00e9 cr\u00e8me, na\u00efve r\u00e9sum\u00e9 text in Latin-1.\n".encode("latin-1"),
            "UTF-8",
        ),
    ],
)
async def test_kb_add_bad_files_leave_the_folder_and_answers_unchanged(
    fake: FakeDiscord, tmp_path: Path, filename: str, data: bytes | None, expect: str | None
) -> None:
    kdir = copy_knowledge(tmp_path)
    (kdir / "uploads").mkdir()
    (kdir / "uploads" / "seed.md").write_text(UPLOAD, encoding="utf-8")
    before = snapshot(kdir)
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, **kb_env(tmp_path)) as run:
        _, first = await run.ask_mention("why Ramstein?")
        attachment = fake.make_attachment(filename, data if data is not None else "# Other\n\nNew text.\n")
        refusal = await reply_of(
            fake, await fake.send_slash_command("kb add", {"file": attachment}, user=fake.owner), timeout=20
        )
        text = text_of(refusal)
        assert text.startswith("Sorry") and "Nothing was changed" in text
        if expect:
            assert expect in text
        _, again = await run.ask_mention("why Ramstein?")
        assert embed_of(again)["description"] == embed_of(first)["description"]
    assert snapshot(kdir) == before
    assert not (tmp_path / "x.md").exists()


async def test_kb_add_too_big_is_refused_before_downloading(fake: FakeDiscord, tmp_path: Path) -> None:
    kdir = copy_knowledge(tmp_path)
    before = snapshot(kdir)
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, MAX_FILE_MB="0.01", **kb_env(tmp_path)):
        big = fake.make_attachment("big.md", "# Big\n\n" + "word " * 5000)
        refusal = await reply_of(fake, await fake.send_slash_command("kb add", {"file": big}, user=fake.owner))
        assert "Sorry" in text_of(refusal)
        # Discord says 10 bytes; the CDN serves 25 kB: the download stops at the limit.
        liar = fake.make_attachment("liar.md", "# Liar\n\n" + "word " * 5000, size=10)
        lied = await reply_of(
            fake, await fake.send_slash_command("kb add", {"file": liar}, user=fake.owner), timeout=20
        )
        assert "Sorry" in text_of(lied)
    assert [r.path.rsplit("/", 1)[-1] for r in fake.cdn_requests] == ["liar.md"]  # big.md never downloaded
    assert snapshot(kdir) == before


async def test_kb_add_with_a_file_in_place_of_the_uploads_folder_says_whom_to_ask(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """The reply read "the file could not be saved (File exists)", after the download. Now it is
    refused before downloading, with what an admin in Discord can do about it."""
    kdir = copy_knowledge(tmp_path)
    (kdir / "uploads").write_text("not a folder")
    before = snapshot(kdir)
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, **kb_env(tmp_path)):
        upload = fake.make_attachment("relay.md", UPLOAD, content_type="text/markdown")
        body = await reply_of(fake, await fake.send_slash_command("kb add", {"file": upload}, user=fake.owner))
        text = text_of(body).replace("\\", "")
        assert text.startswith("Sorry, the bot cannot list the folder uploads/ in its knowledge directory"), text
        assert "(Not a directory)" in text and "ask whoever runs the bot" in text, text
        assert "Nothing was changed" in text, text
    assert not fake.cdn_requests  # refused before the download
    assert snapshot(kdir) == before


async def test_members_without_the_role_are_refused_with_a_reason(fake: FakeDiscord, tmp_path: Path) -> None:
    kdir = copy_knowledge(tmp_path)
    before = snapshot(kdir)
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, **kb_env(tmp_path)):
        upload = fake.make_attachment("relay.md", UPLOAD)
        for name, options in (
            ("gaps", {}),
            ("kb list", {}),
            ("kb add", {"file": upload}),
            ("kb remove", {"document": "nato-space-center-ramstein.txt"}),
            ("kb show", {"document": "nato-space-center-ramstein.txt"}),
        ):
            body = await reply_of(fake, await fake.send_slash_command(name, options))
            assert body.get("content", "").startswith("Sorry") and "admin" in body["content"], (name, body)
        # The commands are hidden from members without Manage Server by default.
        synced = {c["name"]: c for c in fake.commands[fake.guild_id]}
        assert synced["gaps"]["default_member_permissions"] == str(payloads.MANAGE_GUILD)
        assert synced["kb"]["default_member_permissions"] == str(payloads.MANAGE_GUILD)
        assert synced["forget-me"]["default_member_permissions"] is None
        assert {c["name"] for c in fake.commands[fake.guild_id] if c["type"] == 3} == {"Teach KB Bot"}
    assert fake.cdn_requests == []  # nothing was downloaded for a refused member
    assert snapshot(kdir) == before


# ---------------------------------------------------------------------------- /gaps, pages, /forget-me


async def test_gaps_pages_and_csv(fake: FakeDiscord, tmp_path: Path) -> None:
    topics = [
        "banana bread",
        "tidal turbines",
        "opera houses",
        "chess openings",
        "glacier caves",
        "sourdough starters",
        "violin varnish",
    ]
    async with running_bot(fake, tmp_path, **kb_env(tmp_path)) as run:
        for topic in topics:
            await run.ask_mention(f"what is the history of {topic}?")
        interaction = await fake.send_slash_command("gaps", {"days": 30, "csv": True}, user=fake.owner)
        await fake.wait_for_interaction_response(interaction)
        first = (await followup_of(fake, interaction)).response
        page1 = text_of(first)
        assert "Page 1/2" in page1 and "last 30 days" in page1
        ids = custom_ids(first)
        assert "kb:page:gaps:30:2" in ids and "kb:csv:30" in ids and not any(":0" == i[-2:] for i in ids)
        [attachment] = first["attachments"]
        rows = list(csv.reader(io.StringIO(fake.attachment_bytes(attachment).decode("utf-8"))))
        assert len(rows) == 1 + len(topics)  # a header and one row per gap

        turn = await fake.click_button(first, "kb:page:gaps:30:2", user=fake.owner)
        update = await fake.wait_for_interaction_response(turn)
        assert update.type == 7
        page2 = text_of(fake.messages[first["id"]])
        assert "Page 2/2" in page2
        shown = [t for t in topics if t in page1] + [t for t in topics if t in page2]
        assert sorted(shown) == sorted(topics)  # every gap on exactly one page
        back = await fake.click_button(fake.messages[first["id"]], "kb:page:gaps:30:1", user=fake.owner)
        await fake.wait_for_interaction_response(back)
        assert "Page 1/2" in text_of(fake.messages[first["id"]])

        csv_reply = await fake.wait_for_interaction_response(
            await fake.click_button(first, "kb:csv:30", user=fake.owner)
        )
        assert csv_reply.type == 4 and csv_reply.ephemeral and csv_reply.message is not None
        assert fake.attachment_bytes(csv_reply.message["attachments"][0]) == fake.attachment_bytes(attachment)


async def test_kb_list_pages_with_buttons(fake: FakeDiscord, tmp_path: Path) -> None:
    kdir = copy_knowledge(tmp_path)
    for i in range(12):
        (kdir / f"note-{i:02d}.md").write_text(f"# Note {i}\n\nNote number {i} mentions zebra {i}.\n", encoding="utf-8")
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, **kb_env(tmp_path)):
        interaction = await fake.send_slash_command("kb list", user=fake.owner)
        first = (await fake.wait_for_interaction_response(interaction)).message
        assert first is not None
        page1 = text_of(first)  # the fake edits the stored message in place: keep its text now
        assert "Page 1/2" in page1 and custom_ids(first) == ["kb:page:kb:0:2"]
        update = await fake.wait_for_interaction_response(
            await fake.click_button(first, "kb:page:kb:0:2", user=fake.owner)
        )
        assert update.type == 7
        second = fake.messages[first["id"]]
        page2 = text_of(second)
        assert "Page 2/2" in page2 and custom_ids(second) == ["kb:page:kb:0:1"]
        listed = re.findall(r"note-\d\d\.md", page1 + page2)
        assert len(listed) == len(set(listed)) == 12  # each document on exactly one page


async def test_forget_me_says_how_many_rows_went(fake: FakeDiscord, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path, **kb_env(tmp_path)) as run:
        interaction = await fake.send_slash_command("ask", {"question": "why Ramstein?"})
        answer = (await fake.wait_for_interaction_response(interaction)).message
        await run.ask_mention("what is the recipe for banana bread?")
        await fake.wait_for_interaction_response(await fake.click_button(answer, button_id(answer, "up")))
        first = await reply_of(fake, await fake.send_slash_command("forget-me"))
        assert "3" in first["content"]  # two questions and one vote
        again = await reply_of(fake, await fake.send_slash_command("forget-me"))
        assert "0" in again["content"] or "nothing" in again["content"].lower()


async def test_without_a_usable_database_the_bot_answers_and_says_what_was_not_saved(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """DATA_DIR is a file, not a folder: no database can be opened. Questions are still
    answered; an admin action is done and says it could not be written to the audit log;
    /forget-me says nothing could be deleted."""
    blocked = tmp_path / "data"
    blocked.write_text("not a folder", encoding="utf-8")
    kdir = copy_knowledge(tmp_path)
    async with running_bot(fake, tmp_path, knowledge_dir=kdir, DATA_DIR=str(blocked)) as run:
        _, reply = await run.ask_mention("why Ramstein?")
        assert "two considerations" in embed_of(reply)["description"]
        upload = fake.make_attachment("relay.md", UPLOAD)
        added = await reply_of(
            fake, await fake.send_slash_command("kb add", {"file": upload}, user=fake.owner), timeout=20
        )
        assert "uploads/relay.md" in text_of(added) and "could not be written to the audit log" in text_of(added)
        forgot = await reply_of(fake, await fake.send_slash_command("forget-me"))
        assert "could not delete" in forgot["content"]
    assert blocked.read_text(encoding="utf-8") == "not a folder"
