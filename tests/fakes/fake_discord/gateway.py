"""Gateway-side bookkeeping: one GatewaySession per IDENTIFY, one GatewayConnection per websocket.

A session outlives its connection so RESUME can replay what the client missed, as on real
Discord: events dispatched while the session has no live connection are buffered and sent
(in sequence order) when the client resumes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

JSON = dict[str, Any]

log = logging.getLogger("tests.fakes.fake_discord")

# Gateway opcodes.
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

ZLIB_SUFFIX = b"\x00\x00\xff\xff"


@dataclass
class GatewayFrame:
    """One gateway payload, recorded in either direction (``"send"`` = fake → client)."""

    direction: Literal["send", "recv"]
    connection_id: int
    payload: JSON
    time: float = field(default_factory=time.monotonic)

    @property
    def op(self) -> int | None:
        return self.payload.get("op")

    @property
    def event(self) -> str | None:
        return self.payload.get("t")


class GatewayConnection:
    """A single websocket to a client. Serialises sends so the zlib stream stays in order."""

    def __init__(
        self,
        connection_id: int,
        ws: web.WebSocketResponse,
        transport: asyncio.BaseTransport | None,
        *,
        compress: str | None,
        path: str,
        record: Callable[[GatewayFrame], None],
    ) -> None:
        self.id = connection_id
        self.ws = ws
        self.transport = transport
        self.compress = compress
        self.path = path
        self.session: GatewaySession | None = None
        # Set as soon as the fake decides to end this connection, so nothing more is sent on it.
        self.closing = False
        self._record = record
        self._send_lock = asyncio.Lock()
        # One compression context per connection: zlib-stream is a single deflate stream whose
        # messages each end with a Z_SYNC_FLUSH marker (00 00 ff ff).
        self._compressor = zlib.compressobj() if compress == "zlib-stream" else None

    @property
    def live(self) -> bool:
        return not self.closing and not self.ws.closed

    async def send(self, payload: JSON) -> bool:
        """Send one payload; returns False if the connection was already gone."""
        async with self._send_lock:
            if not self.live:
                return False
            text = json.dumps(payload, separators=(",", ":"))
            try:
                if self._compressor is not None:
                    data = self._compressor.compress(text.encode()) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(text)
            except (ConnectionError, RuntimeError) as exc:
                log.debug("gateway connection %s: send failed: %r", self.id, exc)
                return False
            self._record(GatewayFrame("send", self.id, payload))
            return True

    async def close(self, code: int, message: str = "") -> None:
        self.closing = True
        try:
            await self.ws.close(code=code, message=message.encode())
        except (ConnectionError, RuntimeError) as exc:
            log.debug("gateway connection %s: close failed: %r", self.id, exc)

    def drop(self) -> None:
        """Kill the TCP connection without a close frame (like a network failure)."""
        self.closing = True
        if self.transport is not None:
            self.transport.abort()  # type: ignore[attr-defined]


@dataclass
class GatewaySession:
    """State Discord keeps per IDENTIFY: sequence numbers and the events sent, for RESUME."""

    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    seq: int = 0
    # Every dispatch (op 0) payload with its "s", kept so RESUME can replay from any seq.
    sent: list[JSON] = field(default_factory=list)
    connection: GatewayConnection | None = None
    invalidated: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def next_dispatch(self, event: str, data: JSON) -> JSON:
        self.seq += 1
        payload: JSON = {"op": OP_DISPATCH, "t": event, "s": self.seq, "d": data}
        self.sent.append(payload)
        return payload

    async def dispatch(self, event: str, data: JSON) -> JSON:
        """Sequence an event and send it now, or buffer it for RESUME if no connection is live."""
        async with self.lock:
            payload = self.next_dispatch(event, data)
            if self.connection is not None and self.connection.live:
                await self.connection.send(payload)
            else:
                log.debug("session %s has no live connection; buffered %s (s=%d)", self.session_id, event, self.seq)
            return payload

    def owns_guild(self, guild_id: str | None) -> bool:
        """Discord routes a guild's events to shard ``(guild_id >> 22) % shard_count``; DMs go to shard 0."""
        if guild_id is None:
            return self.shard_id == 0
        return (int(guild_id) >> 22) % self.shard_count == self.shard_id
