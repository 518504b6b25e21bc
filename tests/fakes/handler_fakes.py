"""Fakes at the narrowest seam for the Discord handlers: just the attributes and coroutines
the cogs and buttons touch, recording every send so tests can inspect it. (Full-protocol
tests against a fake Discord server live in tests/fakes/fake_discord.)"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord

from bot.app import AnswerStore, App
from bot.config import Settings
from bot.cooldown import Cooldown
from bot.service import KnowledgeService

BOT_ID = 999
HOME_GUILD_ID = 77  # the server the fake interactions come from, by default
_ids = itertools.count(10_000)


@dataclass
class Sent:
    """One outgoing message, however it was sent."""

    via: str
    kwargs: dict[str, Any]

    @property
    def embeds(self) -> list[discord.Embed]:
        return list(self.kwargs.get("embeds") or [])

    @property
    def content(self) -> str | None:
        return self.kwargs.get("content")

    @property
    def ephemeral(self) -> bool:
        return bool(self.kwargs.get("ephemeral"))

    @property
    def view(self) -> discord.ui.View | None:
        return self.kwargs.get("view")

    def text(self) -> str:
        parts = [self.content or ""]
        for e in self.embeds:
            parts += [e.title or "", e.description or "", e.footer.text or ""]
            parts += [f"{f.name}\n{f.value}" for f in e.fields]
        return "\n".join(parts)


class Outbox(list[Sent]):
    def add(self, via: str, kwargs: dict[str, Any]) -> None:
        self.append(Sent(via, kwargs))


class FakeRole:
    def __init__(self, id: int) -> None:
        self.id = id


class FakeUser:
    def __init__(
        self, id: int = 1, *, bot: bool = False, roles: tuple[int, ...] = (), manage_guild: bool = False
    ) -> None:
        self.id = id
        self.bot = bot
        self.roles = [FakeRole(r) for r in roles]
        self.guild_permissions = discord.Permissions(manage_guild=manage_guild)
        self.display_name = f"user{id}"

    def __str__(self) -> str:
        return f"user{self.id}"


class FakeResponse:
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox
        self._done = False
        self.deferred: dict[str, Any] | None = None

    def is_done(self) -> bool:
        return self._done

    async def send_message(self, content: Any = None, **kwargs: Any) -> None:
        assert not self._done, "interaction answered twice"
        self._done = True
        self.outbox.add("response", {"content": content, **kwargs})

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> None:
        assert not self._done
        self._done = True
        self.deferred = {"ephemeral": ephemeral, "thinking": thinking}


class FakeFollowup:
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    async def send(self, content: Any = None, **kwargs: Any) -> None:
        self.outbox.add("followup", {"content": content, **kwargs})


class FakeEmbedMessage:
    """The message a button sits on."""

    def __init__(self, id: int, embeds: list[discord.Embed], content: str | None = None) -> None:
        self.id = id
        self.embeds = embeds
        self.content = content


def not_found(what: str) -> discord.NotFound:
    return discord.NotFound(SimpleNamespace(status=404, reason="Not Found"), f"Unknown {what}")


class FakeGuild:
    """A server with its caches (empty: no members intent) and member look-ups."""

    def __init__(self, id: int, members: dict[int, str] | None = None, me: Any = None) -> None:
        self.id = id
        self.members = members or {}
        self.me = me
        self.fetched: list[int] = []  # the members looked up

    def get_member(self, user_id: int) -> Any:
        return None

    def get_role(self, role_id: int) -> Any:
        return None

    def get_channel_or_thread(self, channel_id: int) -> Any:
        return None

    async def fetch_member(self, user_id: int) -> Any:
        self.fetched.append(user_id)
        if user_id not in self.members:
            raise not_found("Member")
        return SimpleNamespace(id=user_id, display_name=self.members[user_id])


class FakeInteraction:
    def __init__(
        self,
        client: Any,
        user: FakeUser | None = None,
        *,
        guild_id: int | None = HOME_GUILD_ID,
        channel_id: int = 55,
        permissions: discord.Permissions | None = None,
        command_name: str = "ask",
        message: FakeEmbedMessage | None = None,
    ) -> None:
        self.id = next(_ids)
        self.client = client
        self.user = user or FakeUser()
        self.guild_id = guild_id
        self.guild = FakeGuild(guild_id) if guild_id else None
        self.channel_id = channel_id
        self.outbox = Outbox()
        self.response = FakeResponse(self.outbox)
        self.followup = FakeFollowup(self.outbox)
        self.permissions = permissions if permissions is not None else discord.Permissions.none()
        self.command = SimpleNamespace(name=command_name)
        self.message = message


class FakeChannel:
    def __init__(
        self,
        id: int = 55,
        outbox: Outbox | None = None,
        *,
        embed_links: bool = True,
        thread_error: Exception | None = None,
    ) -> None:
        self.id = id
        self.outbox = outbox if outbox is not None else Outbox()
        self.embed_links = embed_links
        self.threads: list[FakeChannel] = []
        self.thread_error = thread_error

    def permissions_for(self, member: Any) -> discord.Permissions:
        return discord.Permissions(embed_links=self.embed_links, send_messages=True)

    async def send(self, content: Any = None, **kwargs: Any) -> SimpleNamespace:
        self.outbox.add(f"channel:{self.id}", {"content": content, **kwargs})
        return SimpleNamespace(id=next(_ids))


class FakeMessage:
    def __init__(
        self,
        content: str,
        *,
        author: FakeUser | None = None,
        channel: FakeChannel | None = None,
        guild: bool = True,
        type: discord.MessageType = discord.MessageType.default,
    ) -> None:
        self.id = next(_ids)
        self.content = content
        self.author = author or FakeUser()
        self.channel = channel or FakeChannel()
        self.guild = FakeGuild(77, me=FakeUser(BOT_ID, bot=True)) if guild else None
        self.type = type
        self.webhook_id = None
        self.role_mentions: list[Any] = []
        self.references: list[bool] = []

    @property
    def jump_url(self) -> str:  # as discord.Message builds it
        guild = self.guild.id if self.guild is not None else "@me"
        return f"https://discord.com/channels/{guild}/{self.channel.id}/{self.id}"

    def to_reference(self, *, fail_if_not_exists: bool = True) -> discord.MessageReference:
        self.references.append(fail_if_not_exists)
        return discord.MessageReference(
            message_id=self.id, channel_id=self.channel.id, fail_if_not_exists=fail_if_not_exists
        )

    async def create_thread(self, *, name: str, auto_archive_duration: int = 1440) -> FakeChannel:
        if self.channel.thread_error is not None:
            raise self.channel.thread_error
        thread = FakeChannel(next(_ids), self.channel.outbox)
        thread.name = name  # type: ignore[attr-defined]
        self.channel.threads.append(thread)
        return thread


class SpyService:
    """Wraps a real KnowledgeService, counting calls and the threads they ran on."""

    def __init__(self, service: KnowledgeService) -> None:
        self.inner = service
        self.ask_calls: list[tuple[str, int | None]] = []
        self.reload_calls = 0
        self.threads: list[int] = []
        self.delay = 0.0

    def ask(self, question: str, top_k: int | None = None, *, depth: int | None = None, exclude=None):  # noqa: ANN001, ANN201
        import threading
        import time

        self.threads.append(threading.get_ident())
        self.ask_calls.append((question, top_k))
        if self.delay:
            time.sleep(self.delay)
        return self.inner.ask(question, top_k, depth=depth, exclude=exclude)

    def reload(self):  # noqa: ANN201
        import threading

        self.threads.append(threading.get_ident())
        self.reload_calls += 1
        return self.inner.reload()

    def sources(self):  # noqa: ANN201
        return self.inner.sources()

    @property
    def knowledge(self):  # noqa: ANN201
        return self.inner.knowledge

    @property
    def knowledge_dir(self) -> Path:
        return self.inner.knowledge_dir


@dataclass
class FakeBot:
    """What the cogs and buttons use of the bot."""

    settings: Settings
    service: Any
    app: App = field(default=None)  # type: ignore[assignment]
    user: FakeUser = field(default_factory=lambda: FakeUser(BOT_ID, bot=True))
    # The servers the bot is in: the one the fake interactions come from.
    guilds: list[Any] = field(default_factory=lambda: [SimpleNamespace(id=HOME_GUILD_ID)])
    ready: bool = True  # False: shards still connecting (discord.py's is_ready), `guilds` may lack servers

    def __post_init__(self) -> None:
        if self.app is None:
            self.app = App(self.service, self.settings)

    def is_ready(self) -> bool:
        return self.ready

    # discord.py's caches and look-ups, for naming mentions: nobody is known.
    def get_user(self, user_id: int) -> Any:
        return None

    def get_channel(self, channel_id: int) -> Any:
        return None

    async def fetch_user(self, user_id: int) -> Any:
        raise not_found("User")

    async def fetch_channel(self, channel_id: int) -> Any:
        raise not_found("Channel")

    @property
    def answers(self) -> AnswerStore:
        return self.app.answers

    @property
    def cooldown(self) -> Cooldown:
        return self.app.cooldown


ARTICLE = Path(__file__).resolve().parents[2] / "knowledge" / "nato-space-center-ramstein.txt"


def make_knowledge(root: Path, extra: dict[str, str] | None = None, *, article: bool = True) -> Path:
    """A knowledge directory in a temp dir: the seed article plus `extra` files."""
    root.mkdir(parents=True, exist_ok=True)
    if article:
        (root / ARTICLE.name).write_text(ARTICLE.read_text(encoding="utf-8"), encoding="utf-8")
    for name, text in (extra or {}).items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def make_bot(tmp_path: Path, *, extra: dict[str, str] | None = None, article: bool = True, **settings: Any) -> FakeBot:
    kdir = make_knowledge(tmp_path / "knowledge", extra, article=article)
    settings.setdefault("data_dir", tmp_path / "data")
    s = Settings(knowledge_dir=kdir, feedback_file=tmp_path / "feedback.jsonl", **settings)
    service = SpyService(KnowledgeService.open(kdir))
    return FakeBot(s, service)
