"""End to end under faults: gateway closes, dropped connections, invalid sessions, REST
429/5xx, a refused privileged intent and a rejected token. The real bot, the real discord.py
client, the loopback fake Discord (see test_e2e.py for the happy paths).

discord.py sleeps 1 + 2*tries seconds before retrying a 500/502/504, so only one test
exercises that retry path (about 4 s); the persistent failure uses 503, which discord.py
does not retry, so it fails at once exactly as a 500 would after its fifth try (25 s later).
"""

from __future__ import annotations

import asyncio
import io
import logging
from pathlib import Path

import pytest

from bot.config import Settings
from bot.discord.client import EXIT_CONFIG, run_bot
from bot.rendering.startup import NEED_MESSAGE_CONTENT, REJECTED_TOKEN
from bot.service import KnowledgeService
from tests.fakes.e2e_helpers import (
    ARTICLE_TITLE,
    KNOWLEDGE,
    MESSAGES_ROUTE,
    PYTHON,
    assert_no_pings,
    base_env,
    discord_globals_restored,
    embed_of,
    running_bot,
    subprocess_env,
)
from tests.fakes.fake_discord import FakeDiscord, payloads


@pytest.fixture
async def fake():
    async with FakeDiscord() as server:
        yield server


def assert_ramstein(reply: dict) -> None:
    description = embed_of(reply)["description"]
    assert "two considerations" in description and description.endswith(f"— {ARTICLE_TITLE} · ¶3")


def replies_to(fake: FakeDiscord, message: dict) -> list[dict]:
    return [m for m in fake.bot_messages if (m.get("message_reference") or {}).get("message_id") == message["id"]]


async def assert_still_answers(fake: FakeDiscord) -> None:
    """A mention and a slash command both answered after the fault."""
    msg = await fake.send_message("why Ramstein?", mentions_bot=True)
    assert_ramstein(await fake.wait_for_reply(msg))
    interaction = await fake.send_slash_command("ask", {"question": "why Ramstein?"})
    assert_ramstein((await fake.wait_for_interaction_response(interaction)).data)


# ---------------------------------------------------------------------------- gateway


async def test_close_4000_resumes_and_replays_missed_events(fake: FakeDiscord, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path):
        async with fake.gateway_outage():  # the question arrives while the bot is away
            assert await fake.close_gateway(4000, "Unknown error.") == 1
            missed = await fake.send_message("why Ramstein?", mentions_bot=True)
        assert_ramstein(await fake.wait_for_reply(missed))

        assert (fake.identify_count, fake.resume_count) == (1, 1)
        resume = fake.gateway_frames("recv", op=6)[0]
        assert resume.payload["d"]["session_id"] in fake.sessions
        assert fake.connection_history[resume.connection_id].path == "/gateway-resume"
        replayed = [
            f.event for f in fake.gateway_frames("send") if f.connection_id == resume.connection_id and f.op == 0
        ]
        assert replayed[:2] == ["MESSAGE_CREATE", "RESUMED"]
        await assert_still_answers(fake)
        assert len(replies_to(fake, missed)) == 1


async def test_tcp_drop_without_close_frame_resumes(fake: FakeDiscord, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path):
        async with fake.gateway_outage():
            assert await fake.drop_gateway() == 1
            missed = await fake.send_message("why Ramstein?", mentions_bot=True)
        assert_ramstein(await fake.wait_for_reply(missed))
        assert (fake.identify_count, fake.resume_count) == (1, 1)
        await assert_still_answers(fake)
        assert len(replies_to(fake, missed)) == 1


async def test_invalid_session_identifies_afresh(fake: FakeDiscord, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path):
        assert await fake.invalidate_session() == 1
        await fake.wait_identified(2)
        assert fake.resume_count == 0 and len(fake.gateway_frames("recv", op=2)) == 2
        await assert_still_answers(fake)


# ---------------------------------------------------------------------------- REST


async def test_429_on_the_reply_is_retried_and_posted_once(fake: FakeDiscord, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path):
        fake.fail_next("POST", MESSAGES_ROUTE, 429, retry_after=0.05)
        msg = await fake.send_message("why Ramstein?", mentions_bot=True)
        assert_ramstein(await fake.wait_for_reply(msg))
        posts = fake.requests_to("POST", MESSAGES_ROUTE)
        assert [r.status for r in posts] == [429, 200]
        assert posts[1].time - posts[0].time >= 0.04  # it waited retry_after
        await asyncio.sleep(0.1)
        assert len(replies_to(fake, msg)) == 1 and len(fake.bot_messages) == 1


async def test_500_then_502_is_retried_and_answered_once(fake: FakeDiscord, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path):
        fake.fail_next("POST", MESSAGES_ROUTE, 500)
        # Discord wrote the message but the proxy answered 502: the retry must not post it twice.
        fake.fail_next("POST", MESSAGES_ROUTE, 502, after_handling=True)
        msg = await fake.send_message("why Ramstein?", mentions_bot=True)
        await fake.wait_for_request(lambda r: r.matches("POST", MESSAGES_ROUTE) and r.status == 200, timeout=10)
        posts = fake.requests_to("POST", MESSAGES_ROUTE)
        assert [r.status for r in posts] == [500, 502, 200]
        assert len({r.json["nonce"] for r in posts}) == 1 and posts[-1].json["enforce_nonce"] is True
        [reply] = replies_to(fake, msg)
        assert_ramstein(reply)
        assert posts[-1].response["id"] == reply["id"] and len(fake.bot_messages) == 1


async def test_persistent_5xx_is_logged_and_the_bot_keeps_answering(
    fake: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(fake, tmp_path):
        fault = fake.fail_next("POST", MESSAGES_ROUTE, 503, times=100)
        msg = await fake.send_message("why Ramstein?", mentions_bot=True)
        # The answer fails, then the apology fails too; both are given up on.
        await fake.wait_until(lambda: fault.hits >= 2, 5, "the answer and the apology to fail")
        await fake.wait_until(
            lambda: any(r.getMessage() == f"failed to answer message {msg['id']}" for r in caplog.records), 5, "the log"
        )
        record = next(r for r in caplog.records if r.getMessage() == f"failed to answer message {msg['id']}")
        assert record.levelno == logging.ERROR and record.exc_info is not None
        assert "503" in str(record.exc_info[1])
        assert fake.bot_messages == []

        fault.times = fault.hits  # Discord recovers
        await assert_still_answers(fake)
        assert fault.hits == 2


# ---------------------------------------------------------------------------- fatal: one line, no traceback


def _settings(fake: FakeDiscord, tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env(base_env(fake, KNOWLEDGE, tmp_path, **env))


async def test_token_revoked_while_running_is_one_clear_line(tmp_path: Path) -> None:
    """The token is reset in the Developer Portal while the bot runs: Discord closes the
    gateway with 4004 "Authentication failed". discord.py does not reconnect after 4004 and
    raises ConnectionClosed from start(); run_bot should say so in one line and exit 2,
    as it does when the token is rejected at start."""
    async with FakeDiscord() as fake:
        settings = _settings(fake, tmp_path)
        service = KnowledgeService.open(settings.knowledge_dir)
        err = io.StringIO()
        with discord_globals_restored():
            running = asyncio.ensure_future(asyncio.to_thread(run_bot, settings, service, err))
            await fake.wait_identified()
            fake.reject_token()
            await fake.close_gateway(4004, "Authentication failed.")
            status = await asyncio.wait_for(running, 20)  # raises discord.ConnectionClosed today
        assert status == EXIT_CONFIG
        assert err.getvalue() == REJECTED_TOKEN + "\n"


async def test_privileged_intent_refused_is_one_clear_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """run_bot in-process (in a thread: it runs its own event loop) with MESSAGE_CONTENT=true
    against a portal where the Message Content intent is off: the gateway closes with 4014."""
    async with FakeDiscord(granted_intents=0) as fake:
        settings = _settings(fake, tmp_path, MESSAGE_CONTENT="true")
        service = KnowledgeService.open(settings.knowledge_dir)
        err = io.StringIO()
        with discord_globals_restored():
            status = await asyncio.wait_for(asyncio.to_thread(run_bot, settings, service, err), 20)
        assert status == EXIT_CONFIG == 2
        assert err.getvalue() == NEED_MESSAGE_CONTENT + "\n"
        assert "Message Content Intent" in err.getvalue() and "discord.com/developers/applications" in err.getvalue()
        [identify] = fake.gateway_frames("recv", op=2)  # asked for Message Content, got 4014, no READY
        assert identify.payload["d"]["intents"] & payloads.INTENT_MESSAGE_CONTENT
        assert fake.identify_count == 0 and fake.unknown_routes == []
    assert not [r for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]


def assert_one_clear_line(stderr: str, line: str) -> None:
    """stderr (which also carries the log, INFO by default) ends with ``line``, says it once,
    and shows no traceback."""
    lines = stderr.splitlines()
    assert lines and lines[-1] == line, stderr
    assert lines.count(line) == 1 and "Traceback" not in stderr, stderr


async def test_discord_unreachable_is_one_clear_line(tmp_path: Path) -> None:
    """Nothing listens at DISCORD_API_BASE: one line naming it, exit status 1."""
    async with FakeDiscord() as fake:
        settings = _settings(fake, tmp_path)
    # The fake has stopped: its port now refuses connections.
    service = KnowledgeService.open(settings.knowledge_dir)
    err = io.StringIO()
    with discord_globals_restored():
        status = await asyncio.wait_for(asyncio.to_thread(run_bot, settings, service, err), 20)
    assert status == 1
    [line] = err.getvalue().splitlines()
    assert line.startswith(f"Cannot reach Discord at {fake.api_base}: ")
    assert line.endswith("Check the network (and DISCORD_API_BASE if set), then start the bot again.")
    assert fake.token not in line


async def _run_process(fake: FakeDiscord, tmp_path: Path, **env: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=subprocess_env(base_env(fake, KNOWLEDGE, tmp_path, **env)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


async def test_rejected_token_exits_2_with_one_line(tmp_path: Path) -> None:
    async with FakeDiscord() as fake:
        fake.reject_token()
        status, out, err = await _run_process(fake, tmp_path)
        assert status == 2, err
        assert_one_clear_line(err, REJECTED_TOKEN)
        assert out == ""
        assert "Traceback" not in err and fake.token not in err
        assert fake.requests_to("GET", "/users/@me")[0].status == 401
        assert fake.connection_history == {} and fake.unknown_routes == []


async def test_privileged_intent_refused_in_a_process_exits_2(tmp_path: Path) -> None:
    async with FakeDiscord(granted_intents=0) as fake:
        status, out, err = await _run_process(fake, tmp_path, MESSAGE_CONTENT="true")
        assert status == 2, err
        assert_one_clear_line(err, NEED_MESSAGE_CONTENT)
        assert out == ""
        assert "Traceback" not in err and fake.token not in err
        assert fake.unknown_routes == []
        assert_no_pings(fake)


# ---------------------------------------------------------------------------- token parts, silent servers


def token_parts(token: str) -> list[str]:
    parts = token.split(".")
    assert len(parts) == 3 and all(len(p) >= 6 for p in parts), token
    return parts


@pytest.mark.parametrize("status", [401, 403])
async def test_an_error_body_echoing_a_token_part_is_redacted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    """Discord answers the login with an error body quoting one part of the token (as its
    "Invalid signature part ..." errors do). Neither the log (DEBUG, where discord.py prints
    response bodies) nor the one line on stderr shows any part of the token."""
    async with FakeDiscord() as fake:
        first, middle, last = token_parts(fake.token)
        body = {"message": f"Invalid signature part {last} (after {middle})", "code": 0}
        fake.fail_next("GET", "/users/@me", status, body=body)
        settings = _settings(fake, tmp_path, LOG_LEVEL="DEBUG")
        service = KnowledgeService.open(settings.knowledge_dir)
        err = io.StringIO()
        caplog.set_level("DEBUG")
        with discord_globals_restored():
            code = await asyncio.wait_for(asyncio.to_thread(run_bot, settings, service, err), 20)
        assert fake.requests_to("GET", "/users/@me")[0].status == status
    line = err.getvalue()
    assert code == (EXIT_CONFIG if status == 401 else 1)
    assert line.count("\n") == 1, line
    if status == 403:
        assert line.startswith("Discord refused to log the bot in (403: Invalid signature part ********")
    logged = caplog.text
    assert "Invalid signature part ********" in logged + line  # the body was shown...
    for part in (first, middle, last):
        assert part not in logged and part not in line  # ...with every part of the token blanked


def test_token_parts_are_redacted_in_messages_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    from bot.discord.client import TokenRedactor, _redacting

    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.fake-token-value-0123456789"
    first, middle, last = token.split(".")
    caplog.set_level("INFO")
    with _redacting(token):
        logging.getLogger("discord.http").info("body: %s", {"message": f"bad part {middle}"})
        try:
            try:
                raise ValueError(f"signature {last} rejected")
            except ValueError as inner:
                raise RuntimeError("login failed") from inner
        except RuntimeError:
            logging.getLogger("x").exception("could not log in with %s", first)
    text = caplog.text
    assert "bad part ********" in text and "signature ******** rejected" in text  # traceback kept
    assert "Traceback" in text and all(p not in text for p in (first, middle, last))
    # Short pieces (under 6 characters) are not secrets on their own: ordinary words survive.
    assert TokenRedactor("abc.defghij.klmnopqrst").scrub("abc defghij") == "abc ********"


async def _silent_server() -> tuple[asyncio.AbstractServer, list[asyncio.StreamWriter]]:
    """A loopback socket that accepts connections, reads what is sent, and never answers."""
    writers: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        while await reader.read(4096):
            pass

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    return server, writers


async def _close_silent(server: asyncio.AbstractServer, writers: list[asyncio.StreamWriter]) -> None:
    for writer in writers:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_a_server_that_never_answers_the_login_is_one_line_and_status_1(tmp_path: Path) -> None:
    server, writers = await _silent_server()
    port = server.sockets[0].getsockname()[1]
    api = f"http://127.0.0.1:{port}/api/v10"
    env = {
        "DISCORD_TOKEN": "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.fake-token-value-0123456789",
        "DISCORD_API_BASE": api,
        "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{port}/gateway",
        "KNOWLEDGE_DIR": str(KNOWLEDGE),
        "FEEDBACK_FILE": str(tmp_path / "fb.jsonl"),
        "CONNECT_TIMEOUT": "0.5",
    }
    try:
        proc = await asyncio.create_subprocess_exec(
            PYTHON,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=subprocess_env(env),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, errb = await asyncio.wait_for(proc.communicate(), 20)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    finally:
        await _close_silent(server, writers)
    assert writers, "the bot never connected to the silent server"
    assert proc.returncode == 1, errb
    assert_one_clear_line(
        errb.decode(),
        (
            f"Discord did not answer (logging in at {api}: no answer within 0.5 s). Check the network "
            "(and DISCORD_API_BASE / DISCORD_GATEWAY_URL if set), then start the bot again."
        ),
    )
    assert out == b"" and b"fake-token-value" not in errb


async def test_a_gateway_that_never_says_hello_is_one_line_and_status_1(tmp_path: Path) -> None:
    """REST answers, the websocket is accepted, but no HELLO ever comes."""
    async with FakeDiscord() as fake:
        settings = _settings(fake, tmp_path, CONNECT_TIMEOUT="0.5")
        service = KnowledgeService.open(settings.knowledge_dir)
        err = io.StringIO()
        async with fake.gateway_outage():
            with discord_globals_restored():
                code = await asyncio.wait_for(asyncio.to_thread(run_bot, settings, service, err), 20)
            assert fake.connection_history, "the bot never opened the websocket"
        assert fake.identify_count == 0
    assert code == 1
    assert err.getvalue() == (
        f"Discord did not answer (the gateway at {fake.gateway_url}: no answer within 0.5 s). Check the "
        "network (and DISCORD_API_BASE / DISCORD_GATEWAY_URL if set), then start the bot again.\n"
    )
