"""Shared plumbing for the end-to-end tests: the real bot (bot.discord.client.create_bot),
configured the way a user configures it (DISCORD_API_BASE / DISCORD_GATEWAY_URL through
Settings.from_env), talking to the loopback fake Discord through the real discord.py client.

Only two test knobs touch the bot object, both discord.py options the bot does not expose:
``guild_ready_timeout`` (discord.py otherwise waits 2 s after GUILD_CREATE before READY) and
``before_identify_hook`` (discord.py otherwise sleeps 5 s before a re-IDENTIFY).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord

from bot.config import Settings
from bot.discord.client import KnowledgeBot, create_bot
from bot.service import KnowledgeService
from tests.fakes.fake_discord import FakeDiscord, RecordedRequest

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"
ARTICLE = "nato-space-center-ramstein.txt"
ARTICLE_TITLE = "New progress in NATO’s space force construction"

MESSAGES_ROUTE = "/channels/{channel_id}/messages"
MESSAGE_ROUTE = "/channels/{channel_id}/messages/{message_id}"
CALLBACK_ROUTE = "/interactions/{interaction_id}/{interaction_token}/callback"
FOLLOWUP_ROUTE = "/webhooks/{application_id}/{token}"
WEBHOOK_MESSAGE_ROUTE = "/webhooks/{application_id}/{token}/messages/{message_id}"

JSON = dict[str, Any]


def copy_knowledge(tmp_path: Path, name: str = "knowledge") -> Path:
    """A private copy of knowledge/ (without any saved index) that a test may change."""
    target = tmp_path / name
    shutil.copytree(KNOWLEDGE, target, ignore=shutil.ignore_patterns(".*"))
    return target


def base_env(fake: FakeDiscord, knowledge_dir: Path, tmp_path: Path, **overrides: Any) -> dict[str, str]:
    """The environment a user would set to point the bot at ``fake``."""
    env = {
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "KNOWLEDGE_DIR": str(knowledge_dir),
        "FEEDBACK_FILE": str(tmp_path / "feedback.jsonl"),
        "DATA_DIR": str(tmp_path / "data"),
        "GUILD_IDS": fake.guild_id,
        "COOLDOWN_QUESTIONS": "0",  # off unless a test is about the cooldown
    }
    env.update({k: str(v) for k, v in overrides.items()})
    return env


@contextlib.contextmanager
def discord_globals_restored() -> Iterator[None]:
    """create_bot() points discord.py's module globals at DISCORD_API_BASE/GATEWAY_URL, as it
    does in production; put them back so later tests start clean."""
    base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    try:
        yield
    finally:
        discord.http.Route.BASE = base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


async def _no_identify_wait(shard_id: int | None, *, initial: bool = False) -> None:
    return None


def quicken(bot: discord.Client) -> None:
    """Test speed only: no 2 s wait for more guilds, no 5 s pause before re-IDENTIFY."""
    bot._connection.guild_ready_timeout = 0.05  # type: ignore[attr-defined]
    bot.before_identify_hook = _no_identify_wait  # type: ignore[method-assign]


@dataclass
class Running:
    fake: FakeDiscord
    bot: KnowledgeBot
    service: KnowledgeService
    settings: Settings
    knowledge_dir: Path
    feedback_file: Path

    async def ask_mention(self, question: str, **kwargs: Any) -> tuple[JSON, JSON]:
        """Post ``@bot question``; returns (the user's message, the bot's reply)."""
        msg = await self.fake.send_message(question, mentions_bot=True, **kwargs)
        return msg, await self.fake.wait_for_reply(msg)


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeDiscord,
    tmp_path: Path,
    *,
    knowledge_dir: Path | None = None,
    service: KnowledgeService | None = None,
    check_pings: bool = True,
    **env: Any,
) -> AsyncIterator[Running]:
    """The real bot, started against ``fake`` and ready; on exit, checks that no route was
    unknown and that nothing the bot sent could ping anyone."""
    knowledge_dir = knowledge_dir or KNOWLEDGE
    settings = Settings.from_env(base_env(fake, knowledge_dir, tmp_path, **env))
    service = service or KnowledgeService.open(settings.knowledge_dir)
    with discord_globals_restored():
        bot = await create_bot(settings, service)
        # The bot itself pointed discord.py at the fake: no patch_discord_py() here.
        assert discord.http.Route.BASE == fake.api_base
        assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == fake.gateway_url
        quicken(bot)
        async with fake.run_client(bot):
            yield Running(fake, bot, service, settings, Path(knowledge_dir), settings.feedback_file)
    assert fake.unknown_routes == [], [(r.method, r.path) for r in fake.unknown_routes]
    if check_pings:
        assert_no_pings(fake)


# ---------------------------------------------------------------------------- assertions


def _message_bodies(fake: FakeDiscord) -> Iterator[tuple[RecordedRequest, JSON]]:
    """Every message body the bot sent: channel messages and edits, interaction callbacks
    that carry a message (types 4 and 7), follow-ups and webhook edits."""
    for rec in fake.requests:
        if rec.method not in ("POST", "PATCH") or not isinstance(rec.json, dict):
            continue
        if rec.route in (MESSAGES_ROUTE, MESSAGE_ROUTE, FOLLOWUP_ROUTE, WEBHOOK_MESSAGE_ROUTE):
            yield rec, rec.json
        elif rec.route == CALLBACK_ROUTE and rec.json.get("type") in (4, 7):
            yield rec, rec.json.get("data") or {}


RAW_MENTION = re.compile(r"@(?:everyone|here)|<@[!&]?\d", re.IGNORECASE)


def assert_no_pings(fake: FakeDiscord) -> int:
    """Every outgoing message says allowed_mentions = ping nobody, and none pinged anyone."""
    checked = 0
    for rec, body in _message_bodies(fake):
        where = f"{rec.method} {rec.route}"
        am = body.get("allowed_mentions")
        assert am is not None, f"{where} without allowed_mentions: {body}"
        assert am.get("parse") == [], f"{where}: {am}"
        assert not am.get("users") and not am.get("roles"), f"{where}: {am}"
        assert am.get("replied_user", False) is False, f"{where}: {am}"
        # The text itself holds no mention token either (issue 12: defused, not only disallowed).
        texts = [body.get("content") or ""] + [json.dumps(e, ensure_ascii=False) for e in body.get("embeds") or []]
        for t in texts:
            assert not RAW_MENTION.search(t), f"{where}: mention token in {t[:300]!r}"
        checked += 1
    for message in fake.bot_messages:
        assert message["mentions"] == [] and message["mention_roles"] == [], message
        assert message["mention_everyone"] is False, message
    return checked


def embed_of(message_or_body: JSON) -> JSON:
    embeds = message_or_body.get("embeds") or []
    assert len(embeds) == 1, message_or_body
    return embeds[0]


def custom_ids(message: JSON) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row.get("components") or []]


def button_id(message: JSON, action: str) -> str:
    """The custom id of the message's `action` button ("full", "up", ...): `kb:<action>:<key>`,
    and for an answer's buttons a fingerprint of the passage shown after it."""
    found = [c for c in custom_ids(message) if c.startswith(f"kb:{action}:")]
    assert len(found) == 1, (action, custom_ids(message))
    return found[0]


def feedback_lines(run: Running) -> list[JSON]:
    """The votes the bot stored, oldest first (the shape feedback.jsonl had)."""
    return run.bot.app.store.votes()


def database_bytes(run: Running) -> bytes:
    """Everything the database holds on disk (main file and write-ahead log)."""
    path = run.bot.app.store.path
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())


@contextlib.contextmanager
def database_read_only(store: Any) -> Iterator[None]:
    """The database as on a read-only disk: writes fail inside SQLite, reads work.
    (chmod does not stop root, who runs these tests in some containers.)"""
    import sqlite3

    with store._lock:
        original = store._conn
        store._conn = sqlite3.connect(
            f"file:{store.path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
        )
    try:
        yield
    finally:
        with store._lock:
            store._conn.close()
            store._conn = original


def subprocess_env(extra: Mapping[str, str]) -> dict[str, str]:
    """A clean environment for `python -m bot run`: PATH and friends, none of the caller's
    bot settings, then ``extra``."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = str(ROOT)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1"
    env["SEMANTIC_MODEL"] = "off"  # the real model has its own test (tests/core/test_semantic_model.py)
    env.update(extra)
    return env


PYTHON = sys.executable
