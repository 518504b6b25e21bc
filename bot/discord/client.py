"""The Discord bot: construction, command sync, error handling, and `run_bot`.

`run_bot(settings, service)` is what `python -m bot run` calls; it returns an exit status
and turns the failures an operator can fix (no token, rejected token, Message Content
intent not enabled, Discord unreachable) into one line on stderr instead of a traceback.
The token is only ever passed to discord.py, and a log filter blanks it should any
library ever print it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands

from ..app import AnswerStore, App
from ..config import Settings
from ..cooldown import Cooldown
from ..outcomes import NOT_ADMIN, Actor
from ..rendering.messages import render_error, render_not_admin
from ..rendering.startup import (
    MALFORMED_TOKEN,
    MISSING_TOKEN,
    NEED_MESSAGE_CONTENT,
    REJECTED_TOKEN,
    cannot_reach,
    connection_closed,
    login_refused,
    no_answer_from_discord,
)
from ..service import KnowledgeService
from .checks import NotAdmin
from .send import respond
from .views import AnswerButton

log = logging.getLogger(__name__)

# Send Messages, Embed Links, Read Message History, Create Public Threads, Send Messages in Threads.
INVITE_PERMISSIONS = discord.Permissions(
    send_messages=True,
    embed_links=True,
    read_message_history=True,
    create_public_threads=True,
    send_messages_in_threads=True,
)
EXIT_OK, EXIT_FAILURE, EXIT_CONFIG = 0, 1, 2


def invite_url(application_id: int | str) -> str:
    """The OAuth2 URL that adds the bot with its slash commands and the permissions it needs."""
    return (
        f"https://discord.com/oauth2/authorize?client_id={application_id}"
        f"&scope=bot+applications.commands&permissions={INVITE_PERMISSIONS.value}"
    )


def build_intents(settings: Settings) -> discord.Intents:
    """Nothing privileged unless asked for: mentions and slash commands work without the
    Message Content intent; only `!ask` and answer channels need it."""
    intents = discord.Intents.default()
    intents.members = False
    intents.presences = False
    intents.typing = False  # typing events are noise for a Q&A bot
    intents.message_content = settings.message_content
    return intents


def apply_endpoints(settings: Settings) -> None:
    """Point discord.py at a Discord-compatible server (self-hosted, or a test fake)."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def _command_prefix(settings: Settings) -> list[str]:
    # An empty list, not a callable: discord.py then knows prefix commands are off and does
    # not warn about the message content intent on every start.
    return [settings.command_prefix] if settings.prefix_commands else []


def _no_voice_warnings() -> None:
    """This bot never joins voice: discord.py's "PyNaCl/davey is not installed, voice will
    NOT be supported" warning on every start is noise (the flags are discord.py's own)."""
    for flag in ("warn_nacl", "warn_dave"):
        if hasattr(discord.VoiceClient, flag):
            setattr(discord.VoiceClient, flag, False)


class KnowledgeBot(commands.AutoShardedBot):
    """The question-answering bot. AutoShardedBot so big installs can split guilds across
    processes with SHARD_COUNT / SHARD_IDS; a small one simply runs one shard."""

    def __init__(
        self, settings: Settings, service: KnowledgeService, *, app: App | None = None, cooldown: Cooldown | None = None
    ) -> None:
        _no_voice_warnings()
        super().__init__(
            command_prefix=_command_prefix(settings),
            # "!Ask" (phone keyboards capitalise) is `!ask` too; the listener skips it as a
            # command (messages.strip_prefix_command), so the command must run for it.
            case_insensitive=True,
            intents=build_intents(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            shard_count=settings.shard_count,
            # discord.py's stub says list[int], but None (its default) means "all shards".
            shard_ids=list(settings.shard_ids) if settings.shard_ids is not None else None,  # type: ignore[arg-type]
            max_messages=None,  # no message cache: every event we need carries its message
            chunk_guilds_at_startup=False,
        )
        self.settings = settings
        self.service = service
        # Everything the bot does lives in the application layer; this class only adapts it.
        self.app = app or App(service, settings, cooldown=cooldown)
        if settings.discord_gateway_url:
            self._pin_gateway(yarl.URL(settings.discord_gateway_url))

    @property
    def answers(self) -> AnswerStore:
        return self.app.answers

    @property
    def cooldown(self) -> Cooldown:
        return self.app.cooldown

    def _pin_gateway(self, url: yarl.URL) -> None:
        # Without SHARD_COUNT, AutoShardedBot asks GET /gateway/bot for the shard count and
        # connects to the URL in the reply; keep the count but use the configured gateway.
        original = self.http.get_bot_gateway

        async def get_bot_gateway(*args: Any, **kwargs: Any) -> Any:
            shards, _url, limits = await original(*args, **kwargs)
            return shards, str(url), limits

        # discord.py has no hook for the gateway URL it is told; wrapping the method is the seam.
        self.http.get_bot_gateway = get_bot_gateway  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        from .cogs.admin import AdminCog
        from .cogs.ask import AskCog, PrefixAskCog
        from .cogs.kb import KnowledgeCog
        from .teaching import TeachCog

        asker = AskCog(self)
        await self.add_cog(asker)
        await self.add_cog(AdminCog(self))
        await self.add_cog(KnowledgeCog(self))
        await self.add_cog(TeachCog(self))
        if self.settings.prefix_commands:
            await self.add_cog(PrefixAskCog(self, asker))
        self.add_dynamic_items(AnswerButton)
        self.tree.error(self.on_app_command_error)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Guild sync is instant (GUILD_IDS, for testing and private bots); global sync can
        take a while to show up in every server."""
        try:
            if self.settings.guild_ids:
                for gid in self.settings.guild_ids:
                    guild = discord.Object(id=gid)
                    self.tree.copy_global_to(guild=guild)
                    synced = await self.tree.sync(guild=guild)
                    log.info("synced %d commands to guild %s", len(synced), gid)
            else:
                synced = await self.tree.sync()
                log.info("synced %d global commands (they may take a while to appear)", len(synced))
        except discord.Forbidden:
            log.warning(
                "could not sync slash commands: the bot was invited without the "
                "applications.commands scope, or is not in guild(s) %s; re-invite it with %s",
                ",".join(map(str, self.settings.guild_ids)) or "-",
                "scope=bot+applications.commands",
            )
        except discord.HTTPException as exc:
            log.warning("could not sync slash commands (%s %s); the bot still answers mentions", exc.status, exc.text)

    async def on_ready(self) -> None:
        user = self.user
        log.info("logged in as %s (id %s) in %d server(s)", user, user.id if user else "?", len(self.guilds))
        if user is not None and not self.guilds:
            log.info("invite the bot to a server: %s", invite_url(self.application_id or user.id))

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Members see a short message, never a traceback; the log keeps the details."""
        if isinstance(error, NotAdmin):
            # The name only: no raw user id in the log (the audit log keeps a salted hash).
            log.info("refused /%s for %s: not an admin", error.command, interaction.user)
            # The check ran before the command could reach the app: audit the refusal here.
            actor = Actor(interaction.user.id, not_home=error.not_home)
            await asyncio.to_thread(self.app.refuse, actor, error.command, NOT_ADMIN)
            reply = render_not_admin(error.command, error.not_home)
        elif isinstance(error, app_commands.CheckFailure):
            reply = render_not_admin(interaction.command.name if interaction.command else "reload")
        else:
            cmd = interaction.command.name if interaction.command else "?"
            log.error("/%s failed", cmd, exc_info=error)
            reply = render_error()
        try:
            await respond(interaction, reply, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell the user about the error (interaction expired?)")

    async def on_command_error(self, context: commands.Context, exception: commands.CommandError, /) -> None:
        if isinstance(exception, (commands.CommandNotFound, commands.DisabledCommand)):
            return  # "!something" for another bot is none of our business
        log.error("prefix command failed", exc_info=exception)
        from .send import reply_to

        await reply_to(context.message, render_error())


async def create_bot(settings: Settings, service: KnowledgeService, **kwargs: Any) -> KnowledgeBot:
    """The configured bot, not yet started: `await bot.start(token)` (tests do this against
    a fake Discord server)."""
    apply_endpoints(settings)
    return KnowledgeBot(settings, service, **kwargs)


# ---------------------------------------------------------------------------- running


TOKEN_PART_MIN = 6  # shorter pieces would blank ordinary words; a real token's parts are far longer
REDACTED = "********"


def token_secrets(token: str) -> list[str]:
    """What must never be shown: the token and each of its dot-separated parts (a bot token is
    id.timestamp.hmac; an error body may echo just one part), longest first so the whole
    token is blanked as one."""
    if not token:
        return []
    parts = [part for part in token.split(".") if len(part) >= TOKEN_PART_MIN]
    return sorted({token, *parts}, key=len, reverse=True)


class TokenRedactor:
    """Blanks the token, and each part of it, in every log record whoever logs it (belt and
    braces: nothing in this bot logs it, but a library's debug output, an error body Discord
    echoes, or an exception message might). Tracebacks are kept, with the secrets blanked."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.secrets = token_secrets(token)
        self._previous: Callable[..., logging.LogRecord] | None = None

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def leaks(self, text: str) -> bool:
        return any(secret in text for secret in self.secrets)

    def install(self) -> None:
        previous = logging.getLogRecordFactory()
        self._previous = previous

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if not self.secrets:
                return record
            try:
                message = record.getMessage()
            except Exception:
                return record
            if self.leaks(message):
                record.msg, record.args = self.scrub(message), None
            if record.exc_info and record.exc_info[1] is not None:
                # Format the traceback now and keep the scrubbed text: handlers use exc_text
                # when it is set instead of formatting exc_info again.
                text = logging.Formatter().formatException(record.exc_info)
                if self.leaks(text):
                    record.exc_text = self.scrub(text)
            return record

        logging.setLogRecordFactory(factory)

    def remove(self) -> None:
        if self._previous is not None:
            logging.setLogRecordFactory(self._previous)
            self._previous = None


# discord.py's reconnect log lines and where each keeps the delay before the next attempt.
_RECONNECT_LOGS: dict[str, Callable[[tuple[Any, ...]], float]] = {
    "Attempting a reconnect in %.2fs": lambda args: float(args[0]),  # Client.connect
    "Attempting a reconnect for shard ID %s in %.2fs": lambda args: float(args[1]),  # a shard
    "Failed to connect for shard_id: %s. Retrying...": lambda args: 5.0,  # launching a shard
}


class ReconnectNotice(logging.Filter):
    """discord.py logs every failed reconnect attempt with a full traceback (every few
    seconds while Discord is unreachable); keep it to one warning line per attempt."""

    def filter(self, record: logging.LogRecord) -> bool:
        delay_of = _RECONNECT_LOGS.get(str(record.msg))
        if delay_of is None or not record.exc_info or record.exc_info[1] is None:
            return True
        exc = record.exc_info[1]
        try:
            delay = delay_of(tuple(record.args or ()))
        except (IndexError, TypeError, ValueError):
            return True
        # The first line only, cut short: a 5xx page from Discord's CDN is a whole HTML page.
        text = (str(exc).strip().splitlines() or [""])[0][:200]
        record.msg = "Lost the connection to Discord (%s); reconnecting in %.0f s"
        record.args = (f"{type(exc).__name__}: {text}" if text else type(exc).__name__, delay)
        record.exc_info, record.exc_text = None, None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


@contextlib.contextmanager
def _quiet_reconnects() -> Iterator[None]:
    notice = ReconnectNotice()
    loggers = [logging.getLogger("discord.client"), logging.getLogger("discord.shard")]
    for logger in loggers:
        logger.addFilter(notice)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(notice)


@contextlib.contextmanager
def _redacting(token: str) -> Iterator[TokenRedactor]:
    redactor = TokenRedactor(token)
    redactor.install()
    try:
        yield redactor
    finally:
        redactor.remove()


def _install_signal_handlers(bot: KnowledgeBot) -> None:
    """SIGTERM (docker stop, systemd) and SIGINT close the bot cleanly: exit status 0."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread, or Windows: Ctrl-C still ends the process


class Unreachable(Exception):
    """Discord (or what DISCORD_API_BASE / DISCORD_GATEWAY_URL name) accepted the connection
    but did not answer in time."""

    def __init__(self, what: str, where: str, seconds: float) -> None:
        # what: "login" or "gateway"; bot/rendering/startup.py words it for the admin
        super().__init__(what, where, seconds)
        self.what, self.where, self.seconds = what, where, seconds


async def start_within(bot: KnowledgeBot, token: str, timeout: float) -> None:
    """`bot.start(token)`, except that logging in and the first gateway READY must each come
    within `timeout` seconds: a server that accepts connections and never answers would
    otherwise leave the bot silent for minutes (aiohttp's 300 s default). Once connected,
    dropped connections are discord.py's to retry, as before."""
    settings = bot.settings
    try:
        await asyncio.wait_for(bot.login(token), timeout)
    except TimeoutError:
        raise Unreachable("login", settings.discord_api_base or "discord.com", timeout) from None
    connected = asyncio.ensure_future(bot.wait_for("connect"))
    running = asyncio.ensure_future(bot.connect(reconnect=True))
    try:
        done, _ = await asyncio.wait({connected, running}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if not done:
            raise Unreachable("gateway", settings.discord_gateway_url or "Discord's gateway", timeout)
    except BaseException:
        running.cancel()
        with contextlib.suppress(BaseException):
            await running
        raise
    finally:
        connected.cancel()
    await running


async def serve(settings: Settings, service: KnowledgeService, token: str, err: TextIO | None = None) -> int:
    """Run the bot until it is closed; one line on `err` and status 2 for fixable errors."""
    err = err or sys.stderr
    scrub = TokenRedactor(token).scrub
    bot = await create_bot(settings, service)
    _install_signal_handlers(bot)
    try:
        with _quiet_reconnects():
            async with bot:
                await start_within(bot, token, settings.connect_timeout)
    except discord.LoginFailure as exc:
        # Discord's own words, for the log (the redactor blanks any part of the token in them).
        log.info("login refused: %s", exc.__cause__ or exc)
        print(REJECTED_TOKEN, file=err)
        return EXIT_CONFIG
    except discord.PrivilegedIntentsRequired:
        print(NEED_MESSAGE_CONTENT, file=err)
        return EXIT_CONFIG
    except discord.ConnectionClosed as exc:
        # 4004: the token was reset while the bot ran; other fatal closes get one line too.
        if exc.code == 4004:
            print(REJECTED_TOKEN, file=err)
            return EXIT_CONFIG
        print(connection_closed(exc.code, scrub(exc.reason or "")), file=err)
        return EXIT_FAILURE
    except Unreachable as exc:
        print(no_answer_from_discord(exc.what, scrub(exc.where), exc.seconds), file=err)
        return EXIT_FAILURE
    except discord.HTTPException as exc:
        # Any other refusal at login (403, 400...): Discord's own words, without the token.
        text = scrub(" ".join((exc.text or "").split()))[:200]
        print(login_refused(exc.status, text), file=err)
        return EXIT_FAILURE
    except (TimeoutError, aiohttp.ClientConnectionError, discord.GatewayNotFound, OSError) as exc:
        where = settings.discord_api_base or "discord.com"
        print(cannot_reach(where, scrub(str(exc)) or type(exc).__name__), file=err)
        return EXIT_FAILURE
    return EXIT_OK


def well_formed_token(token: str) -> bool:
    """Printable ASCII without spaces, as every Discord bot token is."""
    return token.isascii() and token.isprintable() and not any(c.isspace() for c in token)


def run_bot(settings: Settings, service: KnowledgeService, err: TextIO | None = None) -> int:
    """`python -m bot run`: start the bot and block until it stops; returns the exit status."""
    err = err or sys.stderr
    token = settings.discord_token.reveal().strip() if settings.discord_token else ""
    if not token:
        print(MISSING_TOKEN, file=err)
        return EXIT_CONFIG
    if not well_formed_token(token):
        # A line break would make aiohttp refuse the header with a traceback; a space is a
        # pasted "Bot " prefix or two tokens.
        print(MALFORMED_TOKEN, file=err)
        return EXIT_CONFIG
    with _redacting(token):
        try:
            return asyncio.run(serve(settings, service, token, err))
        except KeyboardInterrupt:
            return EXIT_OK
