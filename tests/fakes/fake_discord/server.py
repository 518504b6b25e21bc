"""A loopback fake of Discord's REST API (v10) and JSON gateway, for end-to-end tests.

The real, unmodified discord.py client talks to this server over real HTTP and websockets on
127.0.0.1, so tests exercise the bot exactly as production does: login, command sync, gateway
events, replies, interaction callbacks, reconnects and rate limits.

Typical use::

    async with FakeDiscord() as fake, fake.patch_discord_py():
        bot = make_my_bot()                      # pass guild_ready_timeout=0.05 and make
        async with fake.run_client(bot):         # before_identify_hook not sleep
            msg = await fake.send_message("what is BM25?", mentions_bot=True)
            reply = await fake.wait_for_reply(msg)
            assert "BM25" in reply["content"]
        assert fake.unknown_routes == []

Interactions beyond slash commands: ``send_message_command`` (a message context-menu command,
application command type 3, with ``target_id`` and ``resolved.messages``), ``send_autocomplete``
(interaction type 4; read the type 8 answer with ``choices_of``), ``click_button`` (type 3, also
for page buttons on the bot's own ephemeral messages, answered with callback 7),
``fake.modals`` / ``modal_fields`` / ``submit_modal`` (callback 9 and the type 5 submit), and
``make_attachment`` (a file on the loopback CDN at ``/attachments/...``; pass it as an attachment
option, type 11, or in ``send_message(attachments=...)``; ``cdn_requests`` records downloads).
``role_ids`` / ``member_permissions`` on every interaction let tests check refusals.

``patch_discord_py()`` points ``discord.http.Route.BASE`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` at the fake and restores them afterwards.
Everything the client sends is recorded: ``fake.requests`` (REST), ``fake.gateway_log``
(both directions), ``fake.bot_messages`` (messages the bot created by any route) and
``fake.interaction_responses``. Faults are injected with ``fail_next`` (HTTP status for the next
N matching requests), ``close_gateway``, ``drop_gateway``, ``invalidate_session``,
``request_reconnect`` and ``reject_token``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import re
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

from . import payloads as p
from .gateway import (
    OP_HEARTBEAT,
    OP_HEARTBEAT_ACK,
    OP_HELLO,
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    OP_PRESENCE_UPDATE,
    OP_RECONNECT,
    OP_REQUEST_GUILD_MEMBERS,
    OP_RESUME,
    OP_VOICE_STATE_UPDATE,
    GatewayConnection,
    GatewayFrame,
    GatewaySession,
)
from .validation import (
    validate_choices,
    validate_commands,
    validate_message_body,
    validate_modal,
)

JSON = dict[str, Any]
T = TypeVar("T")

log = logging.getLogger("tests.fakes.fake_discord")

# The REST request being handled (each aiohttp request runs in a task of its own).
_HANDLING: contextvars.ContextVar[RecordedRequest | None] = contextvars.ContextVar("fake_discord_request", default=None)
# Loop turns that let the client finish with a response already written to it: the client
# runs on the same event loop, so this is a count of turns, not a wait on the clock.
_SETTLE_TURNS = 50

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway"
# READY's resume_gateway_url uses a distinct path so tests can see the client honoured it.
RESUME_GATEWAY_PATH = "/gateway-resume"
# Attachments (uploaded by users via make_attachment, or by the bot) are served here, like
# Discord's cdn.discordapp.com/attachments/{channel}/{id}/{filename}, but on loopback.
ATTACHMENTS_PATH = "/attachments"
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
_MENTION_USER_RE = re.compile(r"<@!?(\d+)>")
_MENTION_ROLE_RE = re.compile(r"<@&(\d+)>")


@dataclass
class RecordedRequest:
    """One REST request as the fake received it (faulted ones included)."""

    method: str
    path: str  # relative to /api/v10, e.g. "/channels/123/messages"
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None  # decoded JSON body (or multipart payload_json), else None
    files: list[JSON] = field(default_factory=list)  # multipart file parts: field, filename, size, data
    route: str | None = None  # matched template, e.g. "/channels/{channel_id}/messages"
    params: dict[str, str] = field(default_factory=dict)
    status: int | None = None  # response status, set once the response is ready
    response: Any = None  # response JSON (None for 204s / non-JSON)
    time: float = field(default_factory=time.monotonic)

    def matches(self, method: str, route: str) -> bool:
        """True if this is ``method`` on ``route`` (a template or a concrete path)."""
        return self.method == method.upper() and _route_regex(route).fullmatch(self.path) is not None


@dataclass
class InteractionResponse:
    """A recorded POST /interactions/{id}/{token}/callback."""

    interaction_id: str
    type: int  # 4 message, 5 deferred message, 6 deferred update, 7 update message, 8/9 ...
    data: JSON
    message: JSON | None  # the message created (4/5) or updated (7)
    request: RecordedRequest

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.data.get("flags") or 0) & p.MESSAGE_FLAG_EPHEMERAL)


@dataclass
class Fault:
    """An injected REST failure: the next ``times`` matching requests get ``status``."""

    method: str
    route: str
    status: int | None  # None = only ``delay``, then handle normally
    times: int
    retry_after: float = 0.05
    is_global: bool = False
    body: Any = None
    delay: float = 0.0
    # True: handle the request normally (e.g. create the message) and only then answer ``status``,
    # like a Discord 5xx after the write happened. Retries must then not double-post.
    after_handling: bool = False
    hits: int = 0
    _regex: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        self._regex = _route_regex(self.route)

    def matches(self, request: RecordedRequest) -> bool:
        return self.hits < self.times and request.method == self.method and bool(self._regex.fullmatch(request.path))


@dataclass
class _Interaction:
    payload: JSON
    created: float
    response_type: int | None = None
    original_message_id: str | None = None


@dataclass
class _Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: Callable[[RecordedRequest], Awaitable[web.StreamResponse]]
    auth: bool  # needs "Authorization: Bot <token>" (interaction/webhook routes use their token instead)


def _route_regex(template: str) -> re.Pattern[str]:
    """Compile "/channels/{channel_id}/messages" to a regex; concrete paths match literally."""
    parts = re.split(r"(\{[^}]+\})", template)
    pattern = "".join(f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(pattern)


def _json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py only decodes JSON when the header equals that string,
    # and aiohttp's json_response would append "; charset=utf-8".
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json", **(headers or {})}
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json_response({"message": message, "code": code}, status)


def _no_content() -> web.Response:
    return web.Response(status=204)


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "yes")


class FakeDiscord:
    """Loopback Discord REST + gateway server. Use as ``async with FakeDiscord() as fake:``."""

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_name: str = "kb-bot",
        shards: int = 1,
        heartbeat_interval_ms: int = 41_250,
        granted_intents: int = p.PRIVILEGED_INTENTS,
        echo_bot_messages: bool = True,
        interaction_deadline: float = 3.0,
        guild_name: str = "Test Guild",
        channel_name: str = "general",
    ) -> None:
        """
        granted_intents: privileged intents the "developer portal" allows; asking for others at
            IDENTIFY closes the gateway with 4014, as on Discord.
        echo_bot_messages: dispatch MESSAGE_CREATE/UPDATE for the bot's own messages, as Discord does.
        interaction_deadline: seconds a bot has for the initial interaction callback before Discord
            answers 404 "Unknown interaction" (10062).
        """
        self.snowflake = p.SnowflakeFactory()
        self.token = token or f"{secrets.token_urlsafe(18)}.{secrets.token_urlsafe(4)}.{secrets.token_urlsafe(27)}"
        self.shard_count = shards
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.granted_intents = granted_intents
        self.echo_bot_messages = echo_bot_messages
        self.interaction_deadline = interaction_deadline
        self.ack_heartbeats = True  # set False to simulate a zombied connection
        self.token_rejected = False

        self.users: dict[str, JSON] = {}
        self.members: dict[str, JSON] = {}  # user id -> member payload with "user"
        self.roles: dict[str, JSON] = {}
        self.channels: dict[str, JSON] = {}
        self.messages: dict[str, JSON] = {}
        self.commands: dict[str | None, list[JSON]] = {}  # None = global, else guild id

        self.bot_user = p.user_payload(self.snowflake(), bot_name, bot=True)
        self.application_id: str = self.bot_user["id"]  # Discord bots: application id == bot user id
        self.users[self.bot_user["id"]] = self.bot_user
        self.guild_id = self.snowflake()
        self.guild_name = guild_name
        self.guild_joined_at = p.iso_now()
        # @everyone's id is the guild id, as on Discord.
        self.roles[self.guild_id] = p.role_payload(
            self.guild_id, "@everyone", permissions=p.DEFAULT_EVERYONE_PERMISSIONS, position=0
        )
        # Discord gives every bot a managed role carrying the permissions from its invite link.
        bot_role = p.role_payload(
            self.snowflake(),
            bot_name,
            permissions=p.DEFAULT_EVERYONE_PERMISSIONS | p.MANAGE_MESSAGES,
            position=1,
            managed=True,
            bot_id=self.bot_user["id"],
        )
        self.roles[bot_role["id"]] = bot_role
        self.channel_id = self.snowflake()
        self.channels[self.channel_id] = p.text_channel_payload(self.channel_id, self.guild_id, channel_name)
        self.owner = self.make_user("owner")
        self.default_user = self.make_user("alice")
        self._add_member(self.bot_user, [bot_role["id"]])

        self.requests: list[RecordedRequest] = []
        self.unknown_routes: list[RecordedRequest] = []
        self.gateway_log: list[GatewayFrame] = []
        self.bot_messages: list[JSON] = []  # every message the bot created, in order
        self._made_by: dict[str, RecordedRequest] = {}  # bot message id -> the request that created it
        self.message_edits: list[tuple[str, JSON]] = []  # (message id, PATCH body)
        self.interaction_responses: list[InteractionResponse] = []
        self.dropped_events: list[tuple[str, JSON]] = []  # dispatches no session could receive
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[GatewayConnection] = []  # live websockets
        self.connection_history: dict[int, GatewayConnection] = {}  # every websocket ever, by id
        self.identify_count = 0  # READYs sent
        self.resume_count = 0  # RESUMEDs sent
        self.faults: list[Fault] = []
        self.cdn: dict[str, tuple[bytes, str]] = {}  # attachment URL path -> (bytes, content type)
        self.cdn_requests: list[RecordedRequest] = []  # every GET on the loopback CDN

        self._interactions: dict[str, _Interaction] = {}
        self._nonces: dict[str, str] = {}  # nonce -> id of the bot message created with it
        self._interaction_by_token: dict[str, str] = {}
        self._routes: list[_Route] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._connection_ids = 0
        # Cleared during a simulated outage: new websockets are accepted but get no HELLO yet.
        self._gateway_open = asyncio.Event()
        self._gateway_open.set()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._register_routes()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(GATEWAY_PATH, self._handle_gateway)
        app.router.add_get(RESUME_GATEWAY_PATH, self._handle_gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._handle_rest)
        app.router.add_get(ATTACHMENTS_PATH + "/{channel_id}/{attachment_id}/{filename}", self._handle_cdn)
        app.router.add_route("*", "/{tail:.*}", self._handle_outside_api)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        # Port 0: the OS picks a free port; only ever bind loopback.
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        for conn in list(self.connections):
            await conn.close(1001, "fake server shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{RESUME_GATEWAY_PATH}"

    @contextlib.contextmanager
    def patch_discord_py(self) -> Iterator[None]:
        """Point discord.py's REST base and default gateway at this fake; restore on exit."""
        import discord.gateway
        import discord.http
        import yarl

        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    @contextlib.asynccontextmanager
    async def run_client(self, client: Any, *, ready_timeout: float = 5.0) -> AsyncIterator[asyncio.Task[None]]:
        """Run ``client.start(token)`` in a task until the client is ready; close it on exit.

        Readiness is polled with ``client.is_ready()`` because ``wait_until_ready()`` raises if
        called before login has happened.
        """
        task = asyncio.create_task(client.start(self.token), name="fake-discord-client")
        try:
            deadline = time.monotonic() + ready_timeout
            while not client.is_ready():
                if task.done():
                    task.result()  # re-raise the client's startup error
                    raise RuntimeError("client.start() returned before the client became ready")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"client not ready after {ready_timeout}s")
                await asyncio.sleep(0.005)
            yield task
        finally:
            await client.close()
            try:
                await asyncio.wait_for(task, timeout=5.0)
            except (asyncio.CancelledError, Exception) as exc:  # noqa: BLE001 - reported, not hidden
                if not task.cancelled() and not isinstance(exc, asyncio.CancelledError):
                    log.debug("client task ended with %r", exc)

    # ------------------------------------------------------------------ waiting

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait_until(self, probe: Callable[[], T | None], timeout: float = 5.0, what: str = "condition") -> T:
        """Return ``probe()``'s first truthy value. Re-checked on every change the fake records
        and every 10 ms, so probes may also look at bot-side state."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = probe()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append(fut)
            await asyncio.wait({fut}, timeout=min(remaining, 0.01))
            if not fut.done():
                self._waiters.remove(fut)

    async def wait_identified(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until ``count`` IDENTIFYs have been answered with READY (+ GUILD_CREATE)."""
        await self.wait_until(lambda: self.identify_count >= count, timeout, f"{count} IDENTIFY/READY")

    async def wait_resumed(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until ``count`` RESUMEs have been answered with RESUMED."""
        await self.wait_until(lambda: self.resume_count >= count, timeout, f"{count} RESUMED")

    async def wait_for_request(
        self, predicate: Callable[[RecordedRequest], bool], timeout: float = 5.0, *, start: int = 0
    ) -> RecordedRequest:
        """First completed request (status set) at index >= ``start`` matching ``predicate``."""

        def probe() -> RecordedRequest | None:
            return next((r for r in self.requests[start:] if r.status is not None and predicate(r)), None)

        return await self.wait_until(probe, timeout, "a matching request")

    async def wait_for_gateway(
        self, predicate: Callable[[GatewayFrame], bool], timeout: float = 5.0, *, start: int = 0
    ) -> GatewayFrame:
        """First gateway frame (either direction) at index >= ``start`` matching ``predicate``."""
        return await self.wait_until(
            lambda: next((f for f in self.gateway_log[start:] if predicate(f)), None), timeout, "a gateway frame"
        )

    async def wait_for_messages(self, n: int = 1, *, timeout: float = 5.0, channel_id: str | None = None) -> list[JSON]:
        """Wait until the bot has created at least ``n`` messages (in ``channel_id`` if given)."""

        def probe() -> list[JSON] | None:
            msgs = [
                m for m in self.bot_messages if (channel_id is None or m["channel_id"] == channel_id) and self._sent(m)
            ]
            return msgs if len(msgs) >= n else None

        return await self.wait_until(probe, timeout, f"{n} bot message(s)")

    async def wait_for_reply(self, message: JSON | str, timeout: float = 5.0) -> JSON:
        """The first bot message that replies to (references) ``message``."""
        message_id = message if isinstance(message, str) else message["id"]

        def probe() -> JSON | None:
            return next(
                (
                    m
                    for m in self.bot_messages
                    if (m.get("message_reference") or {}).get("message_id") == message_id and self._sent(m)
                ),
                None,
            )

        return await self.wait_until(probe, timeout, f"a reply to message {message_id}")

    async def wait_for_interaction_response(self, interaction: JSON | str, timeout: float = 5.0) -> InteractionResponse:
        """The callback the bot sent for ``interaction`` (payload or id)."""
        interaction_id = interaction if isinstance(interaction, str) else interaction["id"]
        return await self.wait_until(
            lambda: next((r for r in self.interaction_responses if r.interaction_id == interaction_id), None),
            timeout,
            f"a callback for interaction {interaction_id}",
        )

    def requests_to(self, method: str, route: str) -> list[RecordedRequest]:
        """Recorded requests for ``method`` + ``route`` (template or concrete path)."""
        return [r for r in self.requests if r.matches(method, route)]

    def gateway_frames(
        self, direction: str | None = None, *, op: int | None = None, event: str | None = None
    ) -> list[GatewayFrame]:
        return [
            f
            for f in self.gateway_log
            if (direction is None or f.direction == direction)
            and (op is None or f.op == op)
            and (event is None or f.event == event)
        ]

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        route: str,
        status: int,
        *,
        times: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
        body: Any = None,
        delay: float = 0.0,
        after_handling: bool = False,
    ) -> Fault:
        """Answer the next ``times`` ``method`` requests on ``route`` with ``status``.

        ``route`` is a template ("/channels/{channel_id}/messages") or a concrete path. A 429 gets
        a realistic body (retry_after, global) and the ``Via`` header discord.py requires to treat
        it as a rate limit rather than a Cloudflare ban; 502 gets an HTML body like Cloudflare's.
        With ``after_handling`` the request takes effect first and only the response fails.
        """
        fault = Fault(method, route, status, times, retry_after, is_global, body, delay, after_handling)
        self.faults.append(fault)
        return fault

    def delay_next(self, method: str, route: str, seconds: float, *, times: int = 1) -> Fault:
        """Delay the next ``times`` matching requests by ``seconds``, then handle them normally."""
        fault = Fault(method, route, None, times, delay=seconds)
        self.faults.append(fault)
        return fault

    def reject_token(self, rejected: bool = True) -> None:
        """401 on every bot-authenticated route (login fails) and 4004 on IDENTIFY."""
        self.token_rejected = rejected

    def _live_connections(self, shard_id: int | None) -> list[GatewayConnection]:
        return [
            c
            for c in self.connections
            if c.live and (shard_id is None or (c.session is not None and c.session.shard_id == shard_id))
        ]

    def _detach(self, conn: GatewayConnection) -> None:
        """Stop routing events to ``conn`` first, so events dispatched meanwhile are buffered."""
        conn.closing = True
        if conn.session is not None and conn.session.connection is conn:
            conn.session.connection = None

    async def close_gateway(self, code: int = 4000, reason: str = "", *, shard_id: int | None = None) -> int:
        """Close live gateway connections with ``code`` (4000 → client resumes, 4014 → fatal...)."""
        conns = self._live_connections(shard_id)
        for conn in conns:
            self._detach(conn)
        for conn in conns:
            await conn.close(code, reason)
        return len(conns)

    async def drop_gateway(self, *, shard_id: int | None = None) -> int:
        """Abort the TCP connections under live gateway websockets, with no close frame."""
        conns = self._live_connections(shard_id)
        for conn in conns:
            self._detach(conn)
            conn.drop()
        return len(conns)

    async def invalidate_session(self, *, resumable: bool = False, shard_id: int | None = None) -> int:
        """Send op 9. With ``resumable=False`` the session is forgotten and the client must IDENTIFY."""
        conns = self._live_connections(shard_id)
        for conn in conns:
            if conn.session is not None and not resumable:
                conn.session.invalidated = True
            await conn.send({"op": OP_INVALID_SESSION, "d": resumable})
        return len(conns)

    @contextlib.asynccontextmanager
    async def gateway_outage(self) -> AsyncIterator[None]:
        """While inside, reconnecting clients wait for HELLO, so events dispatched meanwhile are
        buffered and must be replayed by RESUME (rather than racing the reconnect)."""
        self._gateway_open.clear()
        try:
            yield
        finally:
            self._gateway_open.set()

    async def request_reconnect(self, *, shard_id: int | None = None) -> int:
        """Send op 7 RECONNECT; the client closes and resumes."""
        conns = self._live_connections(shard_id)
        for conn in conns:
            await conn.send({"op": OP_RECONNECT, "d": None})
        return len(conns)

    # ------------------------------------------------------------------ users, roles, members

    def make_user(
        self,
        username: str,
        *,
        user_id: str | None = None,
        bot: bool = False,
        join_guild: bool = True,
        role_ids: Iterable[str] = (),
    ) -> JSON:
        """Register a user (and by default a guild member with ``role_ids``); returns the user object.

        Members added after the bot connected are not announced (no GUILD_MEMBER_ADD), but their
        member data travels inside each MESSAGE_CREATE / INTERACTION_CREATE, which is all
        discord.py needs.
        """
        user = p.user_payload(user_id or self.snowflake(), username, bot=bot)
        self.users[user["id"]] = user
        if join_guild:
            self._add_member(user, role_ids)
        return user

    def make_role(self, name: str, permissions: int | str = 0) -> JSON:
        """Add a guild role (permissions as int or string bitfield). Create roles before the bot
        connects for them to appear in GUILD_CREATE; later ones are only known by id."""
        role = p.role_payload(self.snowflake(), name, permissions=permissions, position=len(self.roles))
        self.roles[role["id"]] = role
        return role

    def _add_member(self, user: JSON, role_ids: Iterable[str]) -> JSON:
        member = p.member_payload(user, role_ids=role_ids, joined_at=p.iso_now())
        self.members[user["id"]] = member
        return member

    def permissions_for(self, user_id: str, role_ids: Iterable[str] | None = None) -> int:
        """Resolved guild permissions: owner and administrators get everything."""
        if user_id == self.owner["id"]:
            return p.ALL_PERMISSIONS
        if role_ids is None:
            role_ids = (self.members.get(user_id) or {}).get("roles", [])
        perms = int(self.roles[self.guild_id]["permissions"])
        for role_id in role_ids:
            role = self.roles.get(str(role_id))
            if role is not None:
                perms |= int(role["permissions"])
        return p.ALL_PERMISSIONS if perms & p.ADMINISTRATOR else perms

    def member_payload(
        self,
        user: JSON,
        *,
        role_ids: Iterable[str] | None = None,
        permissions: int | str | None = None,
        include_user: bool = True,
    ) -> JSON:
        """Member object for ``user``; ``permissions`` (resolved, as in interactions) if given."""
        stored = self.members.get(user["id"]) or self._add_member(user, role_ids or ())
        roles = list(role_ids) if role_ids is not None else stored["roles"]
        return p.member_payload(
            user if include_user else None, role_ids=roles, joined_at=stored["joined_at"], permissions=permissions
        )

    def guild_payload(self) -> JSON:
        """The GUILD_CREATE body for the fake guild (channels, roles, every member)."""
        channels = [
            c for c in self.channels.values() if c.get("guild_id") == self.guild_id and c["type"] == p.GUILD_TEXT
        ]
        threads = [
            c
            for c in self.channels.values()
            if c.get("guild_id") == self.guild_id and c["type"] in (p.PUBLIC_THREAD, p.PRIVATE_THREAD)
        ]
        return {
            "id": self.guild_id,
            "name": self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": self.owner["id"],
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "features": [],
            "roles": list(self.roles.values()),
            "emojis": [],
            "stickers": [],
            "application_id": None,
            "system_channel_id": self.channel_id,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "joined_at": self.guild_joined_at,
            "large": False,
            "lazy": True,
            "unavailable": False,
            # Equal to len(members): discord.py then considers the guild fully chunked.
            "member_count": len(self.members),
            "members": list(self.members.values()),
            "channels": [{k: v for k, v in c.items() if k != "guild_id"} for c in channels],
            "threads": threads,
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "incidents_data": None,
            "version": int(time.time() * 1000),
        }

    # ------------------------------------------------------------------ gateway dispatch

    def _event_allowed(self, session: GatewaySession, event: str, data: JSON) -> bool:
        """Discord only sends events whose intent the session asked for."""
        in_guild = data.get("guild_id") is not None
        if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK"):
            need = p.INTENT_GUILD_MESSAGES if in_guild else p.INTENT_DIRECT_MESSAGES
        elif event.startswith("MESSAGE_REACTION"):
            need = (1 << 10) if in_guild else (1 << 13)
        elif event == "TYPING_START":
            need = (1 << 11) if in_guild else (1 << 14)
        elif event in ("GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE"):
            need = p.INTENT_GUILD_MEMBERS
        elif event.startswith(("GUILD_", "CHANNEL_", "THREAD_")):
            need = p.INTENT_GUILDS
        else:
            need = 0
        return need == 0 or bool(session.intents & need)

    def _redact_for(self, session: GatewaySession, event: str, data: JSON) -> JSON:
        """Without the MESSAGE_CONTENT intent Discord blanks content/embeds/attachments/components,
        except in DMs, in the bot's own messages and in messages that mention the bot."""
        if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or session.intents & p.INTENT_MESSAGE_CONTENT:
            return data
        bot_id = self.bot_user["id"]
        if data.get("guild_id") is None or (data.get("author") or {}).get("id") == bot_id:
            return data
        if any(u.get("id") == bot_id for u in data.get("mentions", [])):
            return data
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    async def dispatch(self, event: str, data: JSON) -> int:
        """Send a dispatch event to every session that should receive it (buffering for sessions
        whose connection is down). Returns how many sessions it went to."""
        guild_id = data.get("guild_id")
        delivered = 0
        for session in list(self.sessions.values()):
            if session.invalidated or not session.owns_guild(guild_id):
                continue
            if not self._event_allowed(session, event, data):
                log.warning("fake discord: session %s lacks the intent for %s; not sent", session.session_id, event)
                continue
            await session.dispatch(event, self._redact_for(session, event, data))
            delivered += 1
        if delivered == 0:
            log.warning("fake discord: no gateway session could receive %s; dropped", event)
            self.dropped_events.append((event, data))
        self._notify()
        return delivered

    # ------------------------------------------------------------------ injected user actions

    def _channel_or_raise(self, channel_id: str) -> JSON:
        try:
            return self.channels[channel_id]
        except KeyError:
            raise LookupError(f"unknown channel {channel_id}") from None

    def _mentions_in(self, content: str, allowed: JSON | None = None) -> tuple[list[JSON], list[str], bool]:
        """Users, roles and @everyone a message actually pings, honouring allowed_mentions."""
        parse = set(allowed.get("parse", [])) if allowed is not None else {"users", "roles", "everyone"}
        allowed_users = set(allowed.get("users", [])) if allowed is not None else set()
        allowed_roles = set(allowed.get("roles", [])) if allowed is not None else set()
        users: list[JSON] = []
        for uid in dict.fromkeys(_MENTION_USER_RE.findall(content)):
            user = self.users.get(uid)
            if user is not None and ("users" in parse or uid in allowed_users):
                mention = dict(user)
                if uid in self.members:
                    mention["member"] = self.member_payload(user, include_user=False)
                users.append(mention)
        roles = [
            rid
            for rid in dict.fromkeys(_MENTION_ROLE_RE.findall(content))
            if rid in self.roles and ("roles" in parse or rid in allowed_roles)
        ]
        everyone = ("@everyone" in content or "@here" in content) and "everyone" in parse
        return users, roles, everyone

    def _dm_channel_for(self, user: JSON) -> JSON:
        for channel in self.channels.values():
            if channel["type"] == p.DM and channel["recipients"][0]["id"] == user["id"]:
                return channel
        channel = p.dm_channel_payload(self.snowflake(), user)
        self.channels[channel["id"]] = channel
        return channel

    async def send_message(
        self,
        content: str,
        *,
        author: JSON | None = None,
        mentions_bot: bool = False,
        channel_id: str | None = None,
        role_ids: Iterable[str] | None = None,
        reply_to: JSON | str | None = None,
        reply_ping: bool = True,
        dm: bool = False,
        embeds: list[JSON] | None = None,
        attachments: list[JSON] | None = None,
    ) -> JSON:
        """A user posts a message: dispatch MESSAGE_CREATE and return the message object.
        ``attachments`` are objects from ``make_attachment`` (served by the loopback CDN).
        A reply (``reply_to``) pings the author replied to, as Discord's client does unless
        the member turns that off (``reply_ping``): they are in its ``mentions``.

        ``mentions_bot`` prefixes ``<@bot_id>`` (what Discord's client inserts for an @mention);
        ``dm`` sends it in the author's DM channel with the bot instead of a guild channel.
        """
        author = author or self.default_user
        if mentions_bot and f"<@{self.bot_user['id']}>" not in content:
            content = f"<@{self.bot_user['id']}> {content}"
        if dm:
            channel = self._dm_channel_for(author)
        else:
            channel = self._channel_or_raise(channel_id or self.channel_id)
        guild_id = channel.get("guild_id")
        member = None
        if guild_id is not None:
            member = self.member_payload(author, role_ids=role_ids, include_user=False)
        mentions, mention_roles, everyone = self._mentions_in(content)
        reference, referenced = None, None
        if reply_to is not None:
            referenced = self.messages[reply_to if isinstance(reply_to, str) else reply_to["id"]]
            replied_to = (referenced.get("author") or {}).get("id")
            if reply_ping and replied_to in self.users and all(u["id"] != replied_to for u in mentions):
                mentions = [*mentions, dict(self.users[replied_to])]
            reference = {
                "type": 0,
                "message_id": referenced["id"],
                "channel_id": referenced["channel_id"],
                "guild_id": guild_id,
            }
        message = p.message_payload(
            message_id=self.snowflake(),
            channel_id=channel["id"],
            guild_id=guild_id,
            author=author,
            member=member,
            content=content,
            embeds=embeds,
            mentions=mentions,
            mention_roles=mention_roles,
            mention_everyone=everyone,
            message_reference=reference,
            referenced_message=referenced,
            attachments=attachments,
        )
        self._store_message(message)
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    def _find_command(self, name: str, guild_id: str | None) -> tuple[JSON, str | None] | None:
        """A registered chat-input command visible in ``guild_id``: guild commands first."""
        for scope in ([guild_id] if guild_id else []) + [None]:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return command, scope
        return None

    @staticmethod
    def _option_type_for(value: Any) -> int:
        if isinstance(value, bool):
            return 5
        if isinstance(value, int):
            return 4
        if isinstance(value, float):
            return 10
        return 3

    def _build_options(
        self,
        schema: list[JSON] | None,
        values: dict[str, Any],
        resolved: JSON | None = None,
        focused: str | None = None,
    ) -> list[JSON]:
        """Interaction options with the types declared at sync time (falls back to Python types).

        An attachment option (type 11) takes the attachment object from ``make_attachment``: the
        option's value is its id and the object goes into ``resolved["attachments"]``, as on
        Discord. ``focused`` marks the option being typed in an autocomplete interaction (its
        value is then the partial text, a string whatever the option's type).
        """
        declared = {o["name"]: o for o in schema or []}
        options = []
        for name, value in values.items():
            spec = declared.get(name)
            if schema is not None and spec is None:
                raise LookupError(f"option {name!r} is not declared; declared: {sorted(declared)}")
            option_type = spec["type"] if spec else self._option_type_for(value)
            option: JSON = {"name": name, "type": option_type}
            if name == focused:
                option.update(value=str(value), focused=True)
            elif option_type == 11:
                if not isinstance(value, dict) or "id" not in value:
                    raise TypeError(f"option {name!r} is an attachment: pass the object make_attachment() returned")
                if resolved is None:
                    raise ValueError("attachment options need a resolved dict")
                resolved.setdefault("attachments", {})[value["id"]] = value
                option["value"] = value["id"]
            elif option_type in (3, 4, 5, 10):
                option["value"] = value
            else:
                raise NotImplementedError(f"option type {option_type} needs resolved data; pass raw_options/resolved")
            options.append(option)
        missing = [o["name"] for o in schema or [] if o.get("required") and o["name"] not in values]
        if missing and focused is None:
            # The Discord client will not send a command with a required option missing.
            raise ValueError(f"required option(s) {missing} missing")
        return options

    def _interaction_base(
        self,
        interaction_type: int,
        data: JSON,
        *,
        user: JSON | None,
        member_permissions: int | str | None,
        role_ids: Iterable[str] | None,
        channel_id: str | None,
        locale: str,
        message: JSON | None = None,
    ) -> JSON:
        user = user or self.default_user
        channel = self._channel_or_raise(channel_id or self.channel_id)
        guild_id = channel.get("guild_id")
        interaction_id = self.snowflake()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)  # Discord tokens start "interaction:" in base64
        payload: JSON = {
            "id": interaction_id,
            "application_id": self.application_id,
            "type": interaction_type,
            "token": token,
            "version": 1,
            "data": data,
            "channel_id": channel["id"],
            "channel": channel,
            "app_permissions": str(self.permissions_for(self.bot_user["id"])),
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if guild_id is not None:
            roles = list(role_ids) if role_ids is not None else None
            perms = member_permissions if member_permissions is not None else self.permissions_for(user["id"], roles)
            payload.update(
                guild_id=guild_id,
                guild={"id": guild_id, "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=self.member_payload(user, role_ids=roles, permissions=perms),
                authorizing_integration_owners={"0": guild_id},
                context=0,  # GUILD
            )
        else:
            payload.update(user=user, authorizing_integration_owners={"0": guild_id or "0"}, context=1)
        if message is not None:
            payload["message"] = message
        self._interactions[interaction_id] = _Interaction(payload, time.monotonic())
        self._interaction_by_token[token] = interaction_id
        return payload

    async def send_slash_command(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: JSON | None = None,
        user_id: str | None = None,
        member_permissions: int | str | None = None,
        role_ids: Iterable[str] | None = None,
        channel_id: str | None = None,
        locale: str = "en-US",
        raw_options: list[JSON] | None = None,
        resolved: JSON | None = None,
        require_registered: bool = True,
        _interaction_type: int = 2,
        _focused: str | None = None,
    ) -> JSON:
        """A user runs ``/name`` (use "group sub" for subcommands): dispatch INTERACTION_CREATE
        type 2 and return its payload (keep it to await the callback).

        Option types come from the commands the bot synced; an unsynced command raises
        LookupError, since on Discord users cannot invoke it either (``require_registered=False``
        to skip). ``member_permissions`` overrides the permissions resolved from roles. An
        attachment option takes the object ``make_attachment`` returned.
        """
        interaction_type, focused = _interaction_type, _focused
        if user is None and user_id is not None:
            user = self.users[user_id]
        top, *subs = name.split()
        guild_id = self._channel_or_raise(channel_id or self.channel_id).get("guild_id")
        found = self._find_command(top, guild_id)
        if found is None and require_registered:
            raise LookupError(f"/{top} is not registered (did the bot sync its command tree?)")
        command: JSON
        scope: str | None
        if found is not None:
            command, scope = found
        else:
            command, scope = {"id": self.snowflake(), "name": top}, None

        schema: list[JSON] | None = command.get("options", []) if found is not None else None
        chain: list[JSON] = []  # subcommand-group / subcommand wrappers, outermost first
        for sub in subs:
            spec = next((o for o in schema or [] if o["name"] == sub and o["type"] in (1, 2)), None)
            if spec is None and found is not None:
                raise LookupError(f"/{top} has no subcommand {sub!r}")
            chain.append({"name": sub, "type": spec["type"] if spec else 1, "options": []})
            schema = spec.get("options", []) if spec else None
        resolved = dict(resolved) if resolved is not None else {}
        if raw_options is not None:
            leaf = raw_options
        else:
            leaf = self._build_options(schema, options or {}, resolved, focused=focused)
        for wrapper in reversed(chain):
            wrapper["options"] = leaf
            leaf = [wrapper]

        data: JSON = {"id": command["id"], "name": top, "type": 1, "options": leaf}
        if scope is not None:
            data["guild_id"] = scope  # present for guild-scoped commands; discord.py looks it up
        if resolved:
            data["resolved"] = resolved
        payload = self._interaction_base(
            interaction_type,
            data,
            user=user,
            member_permissions=member_permissions,
            role_ids=role_ids,
            channel_id=channel_id,
            locale=locale,
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def send_autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        focused: str,
        *,
        user: JSON | None = None,
        role_ids: Iterable[str] | None = None,
        member_permissions: int | str | None = None,
        channel_id: str | None = None,
        require_registered: bool = True,
    ) -> JSON:
        """A user types in option ``focused`` of ``/name`` (``options[focused]`` is the text so
        far): dispatch INTERACTION_CREATE type 4 (APPLICATION_COMMAND_AUTOCOMPLETE). Await the
        bot's type 8 callback with ``wait_for_interaction_response``; ``choices_of`` reads it."""
        if focused not in options:
            raise ValueError(f"the focused option {focused!r} must be in options")
        return await self.send_slash_command(
            name,
            options,
            user=user,
            role_ids=role_ids,
            member_permissions=member_permissions,
            channel_id=channel_id,
            require_registered=require_registered,
            _interaction_type=4,
            _focused=focused,
        )

    @staticmethod
    def choices_of(response: InteractionResponse) -> list[JSON]:
        """The choices of an autocomplete (type 8) callback."""
        if response.type != 8:
            raise ValueError(f"callback type {response.type} is not an autocomplete result")
        return list(response.data.get("choices") or [])

    def _find_context_menu(self, name: str, guild_id: str | None, command_type: int) -> tuple[JSON, str | None] | None:
        for scope in ([guild_id] if guild_id else []) + [None]:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == command_type:
                    return command, scope
        return None

    async def send_message_command(
        self,
        name: str,
        target: JSON | str,
        *,
        user: JSON | None = None,
        role_ids: Iterable[str] | None = None,
        member_permissions: int | str | None = None,
        locale: str = "en-US",
    ) -> JSON:
        """A user picks Apps → ``name`` on message ``target``: dispatch INTERACTION_CREATE type 2
        with a message command (application command type 3): ``target_id`` and the message in
        ``resolved.messages``. The command must have been synced (type 3, that name)."""
        target_id = target if isinstance(target, str) else target["id"]
        message = self.messages.get(target_id)
        if message is None:
            raise LookupError(f"unknown message {target_id}")
        guild_id = self._channel_or_raise(message["channel_id"]).get("guild_id")
        found = self._find_context_menu(name, guild_id, 3)
        if found is None:
            raise LookupError(f"no message command {name!r} is registered (did the bot sync its command tree?)")
        command, scope = found
        data: JSON = {
            "id": command["id"],
            "name": name,
            "type": 3,
            "target_id": target_id,
            "resolved": {"messages": {target_id: message}},
        }
        if scope is not None:
            data["guild_id"] = scope
        payload = self._interaction_base(
            2,
            data,
            user=user,
            member_permissions=member_permissions,
            role_ids=role_ids,
            channel_id=message["channel_id"],
            locale=locale,
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    @property
    def modals(self) -> list[InteractionResponse]:
        """Every modal (callback type 9) the bot opened, in order."""
        return [r for r in self.interaction_responses if r.type == 9]

    @staticmethod
    def modal_fields(modal: InteractionResponse) -> dict[str, JSON]:
        """The text inputs of a modal by custom_id (inside action rows or labels)."""
        found: dict[str, JSON] = {}

        def walk(components: list[JSON], label: str | None) -> None:
            for c in components:
                if c.get("type") == 1:
                    walk(c.get("components") or [], label)
                elif c.get("type") == 18:
                    walk([c["component"]], c.get("label"))
                elif c.get("type") == 4:
                    found[c["custom_id"]] = {**c, **({"label": label} if label and not c.get("label") else {})}

        walk(list(modal.data.get("components") or []), None)
        return found

    async def submit_modal(
        self,
        modal: InteractionResponse,
        values: dict[str, str] | None = None,
        *,
        user: JSON | None = None,
        check_limits: bool = True,
    ) -> JSON:
        """The user presses Submit on ``modal``: dispatch INTERACTION_CREATE type 5 (MODAL_SUBMIT)
        whose components mirror the modal's, each text input carrying ``values[custom_id]`` or
        its prefilled value. Only the user the modal was shown to can submit it. With
        ``check_limits`` the Discord client's own checks apply (required, min/max length), so a
        value the client would never send raises ValueError; pass False to send it anyway, as
        a modified client could."""
        values = dict(values or {})
        opener = self._interactions[modal.interaction_id].payload
        opener_user = (opener.get("member") or {}).get("user") or opener.get("user") or {}
        user = user or self.users.get(opener_user.get("id", ""), self.default_user)
        if user["id"] != opener_user.get("id"):
            raise ValueError("only the user a modal was shown to can submit it")
        fields = self.modal_fields(modal)
        unknown = set(values) - set(fields)
        if unknown:
            raise LookupError(f"modal has no text input(s) {sorted(unknown)}; has {sorted(fields)}")

        def submitted(c: JSON) -> JSON:
            value = values.get(c["custom_id"], c.get("value") or "")
            if check_limits:
                if c.get("required", True) and not value:
                    raise ValueError(f"{c['custom_id']!r} is required; the client will not submit it empty")
                if value and not int(c.get("min_length") or 0) <= len(value) <= int(c.get("max_length") or 4000):
                    raise ValueError(f"{c['custom_id']!r}: {len(value)} characters is outside the input's limits")
            return {"type": 4, "id": c.get("id", 0), "custom_id": c["custom_id"], "value": value}

        def mirror(components: list[JSON]) -> list[JSON]:
            out: list[JSON] = []
            for c in components:
                if c.get("type") == 1:
                    out.append({"type": 1, "id": c.get("id", 0), "components": mirror(c.get("components") or [])})
                elif c.get("type") == 18:
                    out.append({"type": 18, "id": c.get("id", 0), "component": mirror([c["component"]])[0]})
                elif c.get("type") == 4:
                    out.append(submitted(c))
            return out

        data: JSON = {
            "custom_id": modal.data["custom_id"],
            "components": mirror(list(modal.data.get("components") or [])),
        }
        opened_on = opener.get("message")
        message = self.messages.get(opened_on["id"]) if opened_on else None
        payload = self._interaction_base(
            5,
            data,
            user=user,
            member_permissions=(opener.get("member") or {}).get("permissions"),
            role_ids=(opener.get("member") or {}).get("roles"),
            channel_id=opener["channel_id"],
            locale=opener.get("locale", "en-US"),
            message=message,
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    def make_attachment(
        self,
        filename: str,
        data: bytes | str,
        *,
        content_type: str | None = None,
        channel_id: str | None = None,
        size: int | None = None,
    ) -> JSON:
        """A file a user attached (to a message or an attachment option), served by the fake's
        loopback CDN at its ``url``. ``size`` overrides the size Discord reports (it is the
        real length of ``data`` otherwise)."""
        raw = data.encode() if isinstance(data, str) else bytes(data)
        attachment_id = self.snowflake()
        channel_id = channel_id or self.channel_id
        path = f"{ATTACHMENTS_PATH}/{channel_id}/{attachment_id}/{filename}"
        url = f"{self.base_url}{path}"
        self.cdn[path] = (raw, content_type or "application/octet-stream")
        attachment: JSON = {
            "id": attachment_id,
            "filename": filename,
            "size": len(raw) if size is None else size,
            "url": url,
            "proxy_url": url,
        }
        if content_type is not None:
            attachment["content_type"] = content_type
        return attachment

    def attachment_bytes(self, attachment: JSON) -> bytes:
        """The bytes behind an attachment URL (e.g. a CSV file the bot sent)."""
        path = "/" + attachment["url"].split("/", 3)[3]
        return self.cdn[path][0]

    @staticmethod
    def _walk_components(components: list[JSON]) -> Iterator[JSON]:
        for component in components:
            yield component
            yield from FakeDiscord._walk_components(component.get("components") or [])
            if isinstance(component.get("accessory"), dict):
                yield component["accessory"]

    async def click_button(
        self,
        message: JSON | str,
        custom_id: str,
        *,
        user: JSON | None = None,
        member_permissions: int | str | None = None,
        role_ids: Iterable[str] | None = None,
        values: list[str] | None = None,
        locale: str = "en-US",
    ) -> JSON:
        """A user clicks a button (or picks ``values`` in a select) on a message: dispatch
        INTERACTION_CREATE type 3 and return its payload. The component must exist on the
        message's current version and not be disabled, or LookupError/ValueError is raised."""
        message_id = message if isinstance(message, str) else message["id"]
        current = self.messages.get(message_id)
        if current is None:
            raise LookupError(f"unknown message {message_id}")
        component = next(
            (c for c in self._walk_components(current.get("components", [])) if c.get("custom_id") == custom_id), None
        )
        if component is None:
            ids = [
                c.get("custom_id") for c in self._walk_components(current.get("components", [])) if c.get("custom_id")
            ]
            raise LookupError(f"message {message_id} has no component {custom_id!r}; has {ids}")
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled; a user cannot click it")
        if current["flags"] & p.MESSAGE_FLAG_EPHEMERAL:
            # Only the user an ephemeral message was for can see it, so only they can click on it.
            invoker = ((current.get("interaction_metadata") or {}).get("user") or {}).get("id")
            if invoker is not None and (user or self.default_user)["id"] != invoker:
                raise ValueError(f"message {message_id} is ephemeral: only its user can click on it")
        data: JSON = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None:
            data["values"] = values
        payload = self._interaction_base(
            3,
            data,
            user=user,
            member_permissions=member_permissions,
            role_ids=role_ids,
            channel_id=current["channel_id"],
            locale=locale,
            message=current,
        )
        # discord.py routes a click by the message id its send() or edit() got back: let it
        # read the response that made the component first, as no person clicks faster.
        for _ in range(_SETTLE_TURNS):
            await asyncio.sleep(0)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    # ------------------------------------------------------------------ REST plumbing

    def _route(
        self,
        method: str,
        template: str,
        handler: Callable[[RecordedRequest], Awaitable[web.StreamResponse]],
        *,
        auth: bool = True,
    ) -> None:
        self._routes.append(_Route(method, template, _route_regex(template), handler, auth))

    def _register_routes(self) -> None:
        r = self._route
        # Specific literals ("@me") before the {param} routes they would also match.
        r("GET", "/users/@me", self._get_me)
        r("POST", "/users/@me/channels", self._create_dm)
        r("GET", "/users/{user_id}", self._get_user)
        r("GET", "/oauth2/applications/@me", self._get_application)
        r("GET", "/gateway", self._get_gateway, auth=False)
        r("GET", "/gateway/bot", self._get_gateway_bot)
        r("GET", "/applications/{application_id}/commands", self._get_commands)
        r("PUT", "/applications/{application_id}/commands", self._put_commands)
        r("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self._get_commands)
        r("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self._put_commands)
        r("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member)
        r("GET", "/channels/{channel_id}", self._get_channel)
        r("GET", "/channels/{channel_id}/messages", self._get_messages)
        r("POST", "/channels/{channel_id}/messages", self._post_message)
        r("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message)
        r("PATCH", "/channels/{channel_id}/messages/{message_id}", self._patch_message)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message)
        r("POST", "/channels/{channel_id}/messages/{message_id}/threads", self._thread_from_message)
        r("POST", "/channels/{channel_id}/threads", self._thread_without_message)
        r("POST", "/channels/{channel_id}/typing", self._typing)
        r("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self._react)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self._react)
        r("POST", "/interactions/{interaction_id}/{interaction_token}/callback", self._interaction_callback, auth=False)
        r("POST", "/webhooks/{application_id}/{token}", self._webhook_execute, auth=False)
        r("GET", "/webhooks/{application_id}/{token}/messages/{message_id}", self._webhook_get, auth=False)
        r("PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}", self._webhook_edit, auth=False)
        r("DELETE", "/webhooks/{application_id}/{token}/messages/{message_id}", self._webhook_delete, auth=False)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[JSON]]:
        if request.content_type.startswith("multipart/"):
            # discord.py sends files as multipart with the JSON in a "payload_json" part.
            body: Any = None
            files: list[JSON] = []
            reader = await request.multipart()
            async for part in reader:
                data = await part.read()  # type: ignore[union-attr]
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body = json.loads(data)
                else:
                    files.append(
                        {"field": part.name, "filename": part.filename, "size": len(data), "data": bytes(data)}
                    )  # type: ignore[union-attr]
            return body, files
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            return raw.decode(errors="replace"), []

    def _match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str], bool]:
        """(route, params, path_known). path_known without a route means wrong method (405)."""
        path_known = False
        for route in self._routes:
            m = route.regex.fullmatch(path)
            if m is None:
                continue
            path_known = True
            if route.method == method:
                return route, m.groupdict(), True
        return None, {}, path_known

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body, files = await self._read_body(request)
        rec = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            headers=dict(request.headers),
            json=body,
            files=files,
        )
        self.requests.append(rec)
        handling = _HANDLING.set(rec)
        try:
            response = await self._respond(rec, request)
        except Exception:  # a bug in the fake must surface as a 500 the test sees, not a hang
            log.exception("fake discord: handler for %s %s crashed", rec.method, rec.path)
            response = _error(500, 0, "500: Internal Server Error (fake handler crashed)")
        finally:
            _HANDLING.reset(handling)
        rec.status = response.status
        if isinstance(response, web.Response) and response.content_type == "application/json" and response.body:
            rec.response = json.loads(response.body)  # type: ignore[arg-type]
        self._notify()
        return response

    async def _respond(self, rec: RecordedRequest, request: web.Request) -> web.StreamResponse:
        route, params, path_known = self._match(rec.method, rec.path)
        rec.route = route.template if route else None
        rec.params = params

        fault = next((f for f in self.faults if f.matches(rec)), None)
        if fault is not None:
            fault.hits += 1
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status is not None and not fault.after_handling:
                return self._fault_response(fault)

        if route is None:
            self.unknown_routes.append(rec)
            if path_known:
                log.warning("fake discord: method not allowed: %s %s", rec.method, rec.path)
                return _error(405, 0, "405: Method Not Allowed")
            log.warning("fake discord: unknown route %s %s", rec.method, rec.path)
            return _error(404, 0, "404: Not Found")

        if route.auth and (self.token_rejected or request.headers.get("Authorization") != f"Bot {self.token}"):
            return _error(401, 0, "401: Unauthorized")
        response = await route.handler(rec)
        if fault is not None and fault.after_handling and fault.status is not None:
            return self._fault_response(fault)
        return response

    @staticmethod
    def _fault_response(fault: Fault) -> web.Response:
        status = fault.status or 500
        if fault.body is not None:
            if isinstance(fault.body, str):
                return web.Response(text=fault.body, status=status)
            return _json_response(fault.body, status)
        if status == 429:
            body = {
                "message": "You are being rate limited.",
                "retry_after": fault.retry_after,
                "global": fault.is_global,
                "code": 0,
            }
            headers = {
                # discord.py treats a 429 without Via as a Cloudflare ban and raises instead of retrying.
                "Via": "1.1 google",
                "Retry-After": str(max(1, round(fault.retry_after))),
                "X-RateLimit-Scope": "global" if fault.is_global else "user",
            }
            if fault.is_global:
                headers["X-RateLimit-Global"] = "true"
            return _json_response(body, 429, headers)
        if status == 502:
            # Cloudflare's 502 is HTML, not JSON.
            return web.Response(
                text="<html><head><title>502 Bad Gateway</title></head></html>", status=502, content_type="text/html"
            )
        reasons = {
            400: "400: Bad Request",
            401: "401: Unauthorized",
            403: "Missing Permissions",
            404: "404: Not Found",
            500: "500: Internal Server Error",
            503: "503: Service Unavailable",
        }
        return _error(status, 0, reasons.get(status, f"{status}: Error"))

    async def _handle_cdn(self, request: web.Request) -> web.StreamResponse:
        rec = RecordedRequest(
            method=request.method, path=request.path, query=dict(request.query), headers=dict(request.headers)
        )
        self.cdn_requests.append(rec)
        found = self.cdn.get(request.path)
        if found is None:
            rec.status = 404
            self._notify()
            return web.Response(status=404, text="Not Found")
        data, content_type = found
        rec.status = 200
        self._notify()
        return web.Response(body=data, status=200, headers={"Content-Type": content_type})

    async def _handle_outside_api(self, request: web.Request) -> web.StreamResponse:
        rec = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=dict(request.headers),
            status=404,
        )
        self.requests.append(rec)
        self.unknown_routes.append(rec)
        log.warning("fake discord: unknown route %s %s (outside %s)", request.method, request.path, API_PREFIX)
        self._notify()
        return _error(404, 0, "404: Not Found")

    # ------------------------------------------------------------------ REST: identity & gateway

    async def _get_me(self, rec: RecordedRequest) -> web.StreamResponse:
        return _json_response(p.self_user_payload(self.bot_user))

    async def _get_user(self, rec: RecordedRequest) -> web.StreamResponse:
        user = self.users.get(rec.params["user_id"])
        return _json_response(user) if user is not None else _error(404, 10013, "Unknown User")

    async def _create_dm(self, rec: RecordedRequest) -> web.StreamResponse:
        user = self.users.get(str((rec.json or {}).get("recipient_id")))
        if user is None:
            return _error(400, 50007, "Cannot send messages to this user")
        return _json_response(self._dm_channel_for(user))

    def application_flags(self) -> int:
        """Flags telling the client which privileged intents the app may use."""
        flags = p.APP_FLAG_APPLICATION_COMMAND_BADGE
        if self.granted_intents & p.INTENT_GUILD_PRESENCES:
            flags |= p.APP_FLAG_GATEWAY_PRESENCE_LIMITED
        if self.granted_intents & p.INTENT_GUILD_MEMBERS:
            flags |= p.APP_FLAG_GATEWAY_GUILD_MEMBERS_LIMITED
        if self.granted_intents & p.INTENT_MESSAGE_CONTENT:
            flags |= p.APP_FLAG_GATEWAY_MESSAGE_CONTENT_LIMITED
        return flags

    async def _get_application(self, rec: RecordedRequest) -> web.StreamResponse:
        return _json_response(
            {
                "id": self.application_id,
                "name": self.bot_user["username"],
                "icon": None,
                "description": "Fake application for tests",
                "summary": "",
                "type": None,
                "hook": True,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": secrets.token_hex(32),
                "flags": self.application_flags(),
                "owner": self.owner,
                "team": None,
                "bot": p.self_user_payload(self.bot_user),
                "guild_id": None,
                "tags": [],
                "redirect_uris": [],
                # Must be null: with an endpoint URL, Discord would POST interactions there instead of
                # sending them over the gateway (discord.py warns about exactly that).
                "interactions_endpoint_url": None,
                "role_connections_verification_url": None,
                "approximate_guild_count": 1,
                "approximate_user_install_count": 0,
                "integration_types_config": {"0": {}},
                "install_params": None,
                "custom_install_url": None,
                "terms_of_service_url": None,
                "privacy_policy_url": None,
                "rpc_origins": [],
                "cover_image": None,
                "primary_sku_id": None,
                "slug": None,
            }
        )

    async def _get_gateway(self, rec: RecordedRequest) -> web.StreamResponse:
        return _json_response({"url": self.gateway_url})

    async def _get_gateway_bot(self, rec: RecordedRequest) -> web.StreamResponse:
        return _json_response(
            {
                "url": self.gateway_url,
                "shards": self.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    # ------------------------------------------------------------------ REST: application commands

    def _command_scope(self, rec: RecordedRequest) -> tuple[str | None, web.StreamResponse | None]:
        if rec.params["application_id"] != self.application_id:
            return None, _error(403, 50001, "Missing Access")
        guild_id = rec.params.get("guild_id")
        if guild_id is not None and guild_id != self.guild_id:
            return None, _error(403, 50001, "Missing Access")
        return guild_id, None

    async def _get_commands(self, rec: RecordedRequest) -> web.StreamResponse:
        scope, err = self._command_scope(rec)
        return err or _json_response(self.commands.get(scope, []))

    async def _put_commands(self, rec: RecordedRequest) -> web.StreamResponse:
        scope, err = self._command_scope(rec)
        if err is not None:
            return err
        body = rec.json if isinstance(rec.json, list) else []
        invalid = validate_commands(body)
        if invalid is not None:
            return _json_response(invalid, 400)
        # Discord keeps a command's id across overwrites when name and type are unchanged.
        previous = {(c.get("type", 1), c["name"]): c["id"] for c in self.commands.get(scope, [])}
        stored = []
        for command in body:
            ctype = command.get("type", 1)
            echoed: JSON = {
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "dm_permission": True,
                "nsfw": False,
                "contexts": None,
                "integration_types": [0],
                **command,
                "type": ctype,
                "id": previous.get((ctype, command["name"])) or self.snowflake(),
                "application_id": self.application_id,
                "version": self.snowflake(),
            }
            if scope is not None:
                echoed["guild_id"] = scope
            if echoed["default_member_permissions"] is not None:
                # Discord sends permission bitfields as strings, whatever type the client used.
                echoed["default_member_permissions"] = str(echoed["default_member_permissions"])
            stored.append(echoed)
        self.commands[scope] = stored
        return _json_response(stored)

    # ------------------------------------------------------------------ REST: channels & messages

    async def _get_member(self, rec: RecordedRequest) -> web.StreamResponse:
        member = self.members.get(rec.params["user_id"])
        if rec.params["guild_id"] != self.guild_id or member is None:
            return _error(404, 10007, "Unknown Member")
        return _json_response(member)

    async def _get_channel(self, rec: RecordedRequest) -> web.StreamResponse:
        channel = self.channels.get(rec.params["channel_id"])
        return _json_response(channel) if channel is not None else _error(404, 10003, "Unknown Channel")

    def _message_in(self, rec: RecordedRequest) -> JSON | None:
        message = self.messages.get(rec.params["message_id"])
        if message is None or message["channel_id"] != rec.params["channel_id"]:
            return None
        return message

    async def _get_messages(self, rec: RecordedRequest) -> web.StreamResponse:
        if rec.params["channel_id"] not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        limit = int(rec.query.get("limit", 50))
        history = [m for m in self.messages.values() if m["channel_id"] == rec.params["channel_id"]]
        history.sort(key=lambda m: int(m["id"]), reverse=True)  # newest first, like Discord
        return _json_response(history[:limit])

    async def _get_message(self, rec: RecordedRequest) -> web.StreamResponse:
        message = self._message_in(rec)
        return _json_response(message) if message is not None else _error(404, 10008, "Unknown Message")

    def _store_message(self, message: JSON) -> None:
        self.messages[message["id"]] = message
        channel = self.channels.get(message["channel_id"])
        if channel is not None:
            channel["last_message_id"] = message["id"]
        if message["author"]["id"] == self.bot_user["id"]:
            self.bot_messages.append(message)
            rec = _HANDLING.get()
            if rec is not None:
                self._made_by[message["id"]] = rec

    def _sent(self, message: JSON) -> bool:
        """Whether the response to the request that created a bot message has been sent: a
        test that looks at the message before then races the bot (which has not seen its id)."""
        rec = self._made_by.get(message["id"])
        return rec is None or rec.status is not None

    def _attachments_for(self, body: JSON, files: list[JSON], channel_id: str) -> list[JSON]:
        attachments = []
        for i, upload in enumerate(files):
            declared: JSON = next((a for a in body.get("attachments") or [] if str(a.get("id")) == str(i)), {})
            filename = declared.get("filename") or upload["filename"] or f"file{i}"
            attachment = self.make_attachment(
                filename, upload.get("data", b""), channel_id=channel_id, content_type="application/octet-stream"
            )
            if declared.get("description"):
                attachment["description"] = declared["description"]
            attachments.append(attachment)
        return attachments

    async def _create_bot_message(
        self,
        channel: JSON,
        body: JSON,
        files: list[JSON],
        *,
        webhook: bool = False,
        interaction: _Interaction | None = None,
        flags: int | None = None,
    ) -> JSON | web.Response:
        """Build, store and (unless ephemeral) echo a message authored by the bot."""
        invalid = validate_message_body(body, files=len(files))
        if invalid is not None:
            return _json_response(invalid, 400)
        guild_id = channel.get("guild_id")
        reference = referenced = None
        if body.get("message_reference"):
            ref = body["message_reference"]
            referenced = self.messages.get(str(ref.get("message_id")))
            if referenced is None and ref.get("fail_if_not_exists", True):
                return _json_response(
                    {
                        "code": 50035,
                        "message": "Invalid Form Body",
                        "errors": {
                            "message_reference": {
                                "_errors": [{"code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "message": "Unknown message"}]
                            }
                        },
                    },
                    400,
                )
            if referenced is not None:
                reference = {
                    "type": 0,
                    "message_id": referenced["id"],
                    "channel_id": referenced["channel_id"],
                    "guild_id": guild_id,
                }
        mentions, mention_roles, everyone = self._mentions_in(body.get("content") or "", body.get("allowed_mentions"))
        interaction_metadata = None
        message_type = None
        if interaction is not None:
            ipayload = interaction.payload
            invoker = (ipayload.get("member") or {}).get("user") or ipayload.get("user")
            interaction_metadata = {
                "id": ipayload["id"],
                "type": ipayload["type"],
                "user": invoker,
                "authorizing_integration_owners": ipayload.get("authorizing_integration_owners", {}),
            }
            if ipayload["type"] == 2:
                interaction_metadata["name"] = ipayload["data"]["name"]
                interaction_metadata["command_type"] = ipayload["data"].get("type", 1)
                # CHAT_INPUT_COMMAND, or CONTEXT_MENU_COMMAND for user/message commands.
                message_type = 20 if ipayload["data"].get("type", 1) == 1 else 23
            elif ipayload.get("message") is not None:
                interaction_metadata["interacted_message_id"] = ipayload["message"]["id"]
        message = p.message_payload(
            message_id=self.snowflake(),
            channel_id=channel["id"],
            guild_id=guild_id,
            author=self.bot_user,
            member=None if webhook or guild_id is None else self.member_payload(self.bot_user, include_user=False),
            content=body.get("content") or "",
            embeds=body.get("embeds"),
            components=body.get("components"),
            mentions=mentions,
            mention_roles=mention_roles,
            mention_everyone=everyone,
            attachments=self._attachments_for(body, files, channel["id"]),
            flags=int(flags if flags is not None else body.get("flags") or 0),
            message_reference=reference,
            referenced_message=referenced,
            nonce=body.get("nonce"),
            tts=bool(body.get("tts")),
            webhook_id=self.application_id if webhook else None,
            application_id=self.application_id if webhook else None,
            interaction_metadata=interaction_metadata,
            message_type=message_type,
        )
        self._store_message(message)
        if self.echo_bot_messages and not message["flags"] & p.MESSAGE_FLAG_EPHEMERAL:
            await self.dispatch("MESSAGE_CREATE", message)
        self._notify()
        return message

    async def _post_message(self, rec: RecordedRequest) -> web.StreamResponse:
        channel = self.channels.get(rec.params["channel_id"])
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        body = rec.json or {}
        nonce = body.get("nonce")
        if body.get("enforce_nonce") and nonce is not None and str(nonce) in self._nonces:
            # discord.py sends enforce_nonce=true: Discord then returns the message already created
            # with that nonce instead of posting a duplicate (what makes send() retries safe).
            existing = self.messages.get(self._nonces[str(nonce)])
            if existing is not None:
                return _json_response(existing)
        result = await self._create_bot_message(channel, body, rec.files)
        if isinstance(result, web.Response):
            return result
        if nonce is not None:
            self._nonces[str(nonce)] = result["id"]
        return _json_response(result)

    async def _apply_edit(self, message: JSON, body: JSON, files: list[JSON]) -> JSON | web.Response:
        invalid = validate_message_body(body, files=len(files), partial=True)
        if invalid is not None:
            return _json_response(invalid, 400)
        for key in ("content", "embeds", "components"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
        if "embeds" in body:
            message["embeds"] = [{"type": "rich", **e} for e in message["embeds"]]
        if "attachments" in body or files:
            kept = {str(a.get("id")) for a in body.get("attachments") or []}
            message["attachments"] = [a for a in message["attachments"] if a["id"] in kept]
            message["attachments"] += self._attachments_for(body, files, message["channel_id"])
        if "content" in body:
            message["mentions"], message["mention_roles"], message["mention_everyone"] = self._mentions_in(
                message["content"], body.get("allowed_mentions")
            )
        # An edit completes a deferred ("thinking...") response.
        message["flags"] = int(message["flags"]) & ~p.MESSAGE_FLAG_LOADING
        message["edited_timestamp"] = p.iso_now()
        self.message_edits.append((message["id"], body))
        if self.echo_bot_messages and not message["flags"] & p.MESSAGE_FLAG_EPHEMERAL:
            await self.dispatch("MESSAGE_UPDATE", message)
        self._notify()
        return message

    async def _patch_message(self, rec: RecordedRequest) -> web.StreamResponse:
        message = self._message_in(rec)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        if message["author"]["id"] != self.bot_user["id"]:
            return _error(403, 50005, "Cannot edit a message authored by another user")
        result = await self._apply_edit(message, rec.json or {}, rec.files)
        return result if isinstance(result, web.Response) else _json_response(result)

    async def _delete_message(self, rec: RecordedRequest) -> web.StreamResponse:
        message = self._message_in(rec)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        del self.messages[message["id"]]
        event = {"id": message["id"], "channel_id": message["channel_id"]}
        if message.get("guild_id"):
            event["guild_id"] = message["guild_id"]
        await self.dispatch("MESSAGE_DELETE", event)
        return _no_content()

    async def _create_thread(self, parent: JSON, thread_id: str, body: JSON, thread_type: int) -> web.StreamResponse:
        name = body.get("name") or ""
        if not 1 <= len(name) <= 100:
            return _json_response(
                {
                    "code": 50035,
                    "message": "Invalid Form Body",
                    "errors": {
                        "name": {
                            "_errors": [
                                {"code": "BASE_TYPE_BAD_LENGTH", "message": "Must be between 1 and 100 in length."}
                            ]
                        }
                    },
                },
                400,
            )
        thread = p.thread_payload(
            thread_id,
            guild_id=self.guild_id,
            parent_id=parent["id"],
            owner_id=self.bot_user["id"],
            name=name,
            thread_type=thread_type,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        self.channels[thread_id] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return _json_response(thread, 201)

    async def _thread_from_message(self, rec: RecordedRequest) -> web.StreamResponse:
        parent = self.channels.get(rec.params["channel_id"])
        message = self._message_in(rec)
        if parent is None or message is None:
            return _error(404, 10008, "Unknown Message")
        if message.get("thread") or message["id"] in self.channels:
            return _error(400, 160004, "A thread has already been created for this message")
        # A thread started from a message shares the message's id.
        response = await self._create_thread(parent, message["id"], rec.json or {}, p.PUBLIC_THREAD)
        if response.status == 201:
            message["thread"] = self.channels[message["id"]]
        return response

    async def _thread_without_message(self, rec: RecordedRequest) -> web.StreamResponse:
        parent = self.channels.get(rec.params["channel_id"])
        if parent is None:
            return _error(404, 10003, "Unknown Channel")
        body = rec.json or {}
        return await self._create_thread(parent, self.snowflake(), body, int(body.get("type") or p.PRIVATE_THREAD))

    async def _typing(self, rec: RecordedRequest) -> web.StreamResponse:
        if rec.params["channel_id"] not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        return _no_content()

    async def _react(self, rec: RecordedRequest) -> web.StreamResponse:
        return _no_content() if self._message_in(rec) is not None else _error(404, 10008, "Unknown Message")

    # ------------------------------------------------------------------ REST: interactions & webhooks

    async def _interaction_callback(self, rec: RecordedRequest) -> web.StreamResponse:
        interaction = self._interactions.get(rec.params["interaction_id"])
        if interaction is None or interaction.payload["token"] != rec.params["interaction_token"]:
            return _error(404, 10062, "Unknown interaction")
        age = time.monotonic() - interaction.created
        if interaction.response_type is None and age > self.interaction_deadline:
            log.warning(
                "fake discord: interaction %s answered after %.2fs (> %.2fs deadline)",
                rec.params["interaction_id"],
                age,
                self.interaction_deadline,
            )
            return _error(404, 10062, "Unknown interaction")
        if interaction.response_type is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        body = rec.json or {}
        cb_type = int(body.get("type", 0))
        data: JSON = body.get("data") or {}
        ipayload = interaction.payload
        channel = self.channels[ipayload["channel_id"]]
        message: JSON | None = None
        callback: JSON = {"interaction": {"id": ipayload["id"], "type": ipayload["type"]}}

        itype = ipayload["type"]
        if itype == 4 and cb_type != 8:
            return _error(400, 40043, "Interaction callback type is not valid for this interaction type")
        if cb_type == 8 and itype != 4:
            return _error(400, 40043, "Interaction callback type is not valid for this interaction type")
        if cb_type == 9 and itype not in (2, 3):
            # A modal cannot be answered with another modal (nor an autocomplete with one).
            return _error(400, 40043, "Interaction callback type is not valid for this interaction type")
        invalid = validate_modal(data) if cb_type == 9 else validate_choices(data) if cb_type == 8 else None
        if invalid is not None:
            return _json_response(invalid, 400)

        if cb_type in (4, 5):
            flags = int(data.get("flags") or 0)
            result: JSON | web.Response
            if cb_type == 5:
                # Deferred: Discord shows a "thinking..." placeholder (LOADING flag) the bot edits later.
                result = await self._placeholder_message(channel, interaction, flags)
            else:
                result = await self._create_bot_message(
                    channel, data, rec.files, webhook=True, interaction=interaction, flags=flags
                )
            if isinstance(result, web.Response):
                return result
            message = result
            interaction.original_message_id = message["id"]
            callback["interaction"].update(
                response_message_id=message["id"],
                response_message_loading=cb_type == 5,
                response_message_ephemeral=bool(flags & p.MESSAGE_FLAG_EPHEMERAL),
            )
            callback["resource"] = {"type": cb_type, "message": message}
        elif cb_type in (6, 7):
            # Updates go to the message a component sits on (also when a modal opened from a
            # component is submitted; that submit carries the message).
            if ipayload["type"] not in (3, 5) or "message" not in ipayload:
                return _error(400, 40043, "Interaction callback type is not valid for this interaction type")
            target = self.messages.get(ipayload["message"]["id"])
            if target is None:
                return _error(404, 10008, "Unknown Message")
            interaction.original_message_id = target["id"]
            if cb_type == 7:
                result = await self._apply_edit(target, data, rec.files)
                if isinstance(result, web.Response):
                    return result
                message = result
                callback["interaction"].update(
                    response_message_id=target["id"],
                    response_message_loading=False,
                    response_message_ephemeral=bool(target["flags"] & p.MESSAGE_FLAG_EPHEMERAL),
                )
                callback["resource"] = {"type": 7, "message": message}
        elif cb_type in (8, 9, 12):  # autocomplete result, modal, launch activity: recorded only
            pass
        else:
            return _error(400, 50035, f"Invalid interaction callback type {cb_type}")

        interaction.response_type = cb_type
        self.interaction_responses.append(InteractionResponse(ipayload["id"], cb_type, data, message, rec))
        self._notify()
        if _truthy(rec.query.get("with_response")):
            return _json_response(callback)
        return _no_content()

    async def _placeholder_message(self, channel: JSON, interaction: _Interaction, flags: int) -> JSON:
        """The empty "thinking..." message a deferred (type 5) response creates."""
        ipayload = interaction.payload
        invoker = (ipayload.get("member") or {}).get("user") or ipayload.get("user")
        message = p.message_payload(
            message_id=self.snowflake(),
            channel_id=channel["id"],
            guild_id=channel.get("guild_id"),
            author=self.bot_user,
            member=None,
            flags=flags | p.MESSAGE_FLAG_LOADING,
            webhook_id=self.application_id,
            application_id=self.application_id,
            interaction_metadata={
                "id": ipayload["id"],
                "type": ipayload["type"],
                "user": invoker,
                "authorizing_integration_owners": ipayload.get("authorizing_integration_owners", {}),
            },
            message_type=20 if ipayload["type"] == 2 else 0,
        )
        self._store_message(message)
        if self.echo_bot_messages and not flags & p.MESSAGE_FLAG_EPHEMERAL:
            await self.dispatch("MESSAGE_CREATE", message)
        return message

    def _webhook_interaction(self, rec: RecordedRequest) -> _Interaction | None:
        if rec.params["application_id"] != self.application_id:
            return None
        interaction_id = self._interaction_by_token.get(rec.params["token"])
        return self._interactions.get(interaction_id) if interaction_id else None

    def _webhook_message(self, rec: RecordedRequest, interaction: _Interaction) -> JSON | None:
        message_id = rec.params["message_id"]
        if message_id == "@original":
            message_id = interaction.original_message_id or ""
        return self.messages.get(message_id)

    async def _webhook_execute(self, rec: RecordedRequest) -> web.StreamResponse:
        """Interaction follow-up (POST /webhooks/{app}/{token})."""
        interaction = self._webhook_interaction(rec)
        if interaction is None or interaction.response_type is None:
            return _error(404, 10015, "Unknown Webhook")
        body = rec.json or {}
        original = self.messages.get(interaction.original_message_id or "")
        if original is not None and original["flags"] & p.MESSAGE_FLAG_LOADING:
            # Discord quirk: the first follow-up after a deferred response replaces the
            # "thinking..." placeholder instead of creating a new message.
            result: JSON | web.Response = await self._apply_edit(original, body, rec.files)
        else:
            channel = self.channels[interaction.payload["channel_id"]]
            result = await self._create_bot_message(channel, body, rec.files, webhook=True, interaction=interaction)
        if isinstance(result, web.Response):
            return result
        return _json_response(result) if _truthy(rec.query.get("wait")) else _no_content()

    async def _webhook_get(self, rec: RecordedRequest) -> web.StreamResponse:
        interaction = self._webhook_interaction(rec)
        if interaction is None:
            return _error(404, 10015, "Unknown Webhook")
        message = self._webhook_message(rec, interaction)
        return _json_response(message) if message is not None else _error(404, 10008, "Unknown Message")

    async def _webhook_edit(self, rec: RecordedRequest) -> web.StreamResponse:
        interaction = self._webhook_interaction(rec)
        if interaction is None:
            return _error(404, 10015, "Unknown Webhook")
        message = self._webhook_message(rec, interaction)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        result = await self._apply_edit(message, rec.json or {}, rec.files)
        return result if isinstance(result, web.Response) else _json_response(result)

    async def _webhook_delete(self, rec: RecordedRequest) -> web.StreamResponse:
        interaction = self._webhook_interaction(rec)
        message = self._webhook_message(rec, interaction) if interaction is not None else None
        if message is None:
            return _error(404, 10008, "Unknown Message")
        del self.messages[message["id"]]
        return _no_content()

    # ------------------------------------------------------------------ gateway

    def _record_frame(self, frame: GatewayFrame) -> None:
        self.gateway_log.append(frame)
        self._notify()

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        # timeout = how long close() waits for the client's close reply.
        ws = web.WebSocketResponse(timeout=2.0, max_msg_size=0)
        transport = request.transport
        await ws.prepare(request)
        compress = request.query.get("compress")
        if compress not in (None, "zlib-stream"):
            # zstd-stream is only requested when a zstd module is installed; plain text frames
            # are always accepted by discord.py, so fall back to them.
            log.warning("fake discord: unsupported gateway compression %r; sending plain JSON", compress)
            compress = None
        self._connection_ids += 1
        conn = GatewayConnection(
            self._connection_ids, ws, transport, compress=compress, path=request.path, record=self._record_frame
        )
        self.connections.append(conn)
        self.connection_history[conn.id] = conn
        try:
            await self._gateway_open.wait()
            if request.query.get("encoding", "json") != "json":
                await conn.close(4002, "only encoding=json is supported by the fake")
                return ws
            await conn.send(
                {"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake-gateway"]}}
            )
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                try:
                    payload = json.loads(msg.data)
                except ValueError:
                    await conn.close(4002, "Error while decoding payload.")
                    break
                self._record_frame(GatewayFrame("recv", conn.id, payload))
                await self._on_gateway_payload(conn, payload)
        finally:
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
            # A client that closes with 1000/1001 ends its session: it cannot be resumed.
            if session is not None and not conn.closing and ws.close_code in (1000, 1001):
                session.invalidated = True
            conn.closing = True
            self.connections.remove(conn)
            self._notify()
        return ws

    async def _on_gateway_payload(self, conn: GatewayConnection, payload: JSON) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == OP_HEARTBEAT:
            if self.ack_heartbeats:
                await conn.send({"op": OP_HEARTBEAT_ACK})
        elif op == OP_IDENTIFY:
            await self._identify(conn, data or {})
        elif op == OP_RESUME:
            await self._resume(conn, data or {})
        elif op == OP_REQUEST_GUILD_MEMBERS:
            await self._request_members(conn, data or {})
        elif op in (OP_PRESENCE_UPDATE, OP_VOICE_STATE_UPDATE):
            pass  # recorded in gateway_log; nothing to answer
        else:
            await conn.close(4001, "Unknown opcode.")

    async def _identify(self, conn: GatewayConnection, data: JSON) -> None:
        if conn.session is not None:
            await conn.close(4005, "Already authenticated.")
            return
        if self.token_rejected or data.get("token") != self.token:
            await conn.close(4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await conn.close(4013, "Invalid intent(s).")
            return
        if intents & p.PRIVILEGED_INTENTS & ~self.granted_intents:
            await conn.close(4014, "Disallowed intent(s).")
            return
        shard_id, shard_count = data.get("shard") or [0, 1]
        if not 0 <= shard_id < shard_count:
            await conn.close(4010, "Invalid shard.")
            return
        # A new IDENTIFY for a shard supersedes older sessions of that shard.
        for old in self.sessions.values():
            if old.shard_id == shard_id:
                old.invalidated = True
        session = GatewaySession(uuid.uuid4().hex, shard_id, shard_count, intents)
        self.sessions[session.session_id] = session
        async with session.lock:
            session.connection = conn
            conn.session = session
            ready: JSON = {
                "v": 10,
                "user": p.self_user_payload(self.bot_user),
                "user_settings": {},
                "guilds": [{"id": self.guild_id, "unavailable": True}] if session.owns_guild(self.guild_id) else [],
                "session_id": session.session_id,
                "session_type": "normal",
                "resume_gateway_url": self.resume_gateway_url,
                "application": {"id": self.application_id, "flags": self.application_flags()},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": ["us-east"],
                "auth_session_id_hash": secrets.token_hex(16),
                "_trace": ["fake-gateway"],
            }
            if "shard" in data:
                ready["shard"] = [shard_id, shard_count]
            await conn.send(session.next_dispatch("READY", ready))
            if session.owns_guild(self.guild_id) and intents & p.INTENT_GUILDS:
                await conn.send(session.next_dispatch("GUILD_CREATE", self.guild_payload()))
        self.identify_count += 1
        self._notify()

    async def _resume(self, conn: GatewayConnection, data: JSON) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or session.invalidated or data.get("token") != self.token or self.token_rejected:
            # Discord answers an unresumable session with op 9 d=false; the client then IDENTIFYs.
            await conn.send({"op": OP_INVALID_SESSION, "d": False})
            return
        async with session.lock:
            old = session.connection
            session.connection = conn
            conn.session = session
            client_seq = int(data.get("seq") or 0)
            for payload in [m for m in session.sent if m["s"] > client_seq]:
                await conn.send(payload)
            await conn.send(session.next_dispatch("RESUMED", {"_trace": ["fake-gateway"]}))
        if old is not None and old is not conn and old.live:
            old.closing = True
            await old.close(4000, "Session resumed elsewhere.")
        self.resume_count += 1
        self._notify()

    async def _request_members(self, conn: GatewayConnection, data: JSON) -> None:
        session = conn.session
        if session is None:
            await conn.close(4003, "Not authenticated.")
            return
        query = str(data.get("query") or "").lower()
        user_ids = {str(u) for u in data.get("user_ids") or []}
        members = [
            m
            for m in self.members.values()
            if (not user_ids or m["user"]["id"] in user_ids) and m["user"]["username"].lower().startswith(query)
        ]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: JSON = {
            "guild_id": str(data.get("guild_id")),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": sorted(user_ids - {m["user"]["id"] for m in members}),
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await session.dispatch("GUILD_MEMBERS_CHUNK", chunk)
