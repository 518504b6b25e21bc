"""Builders for realistic Discord API v10 JSON objects (users, roles, members, channels, messages).

Every id is a snowflake string and every timestamp an ISO-8601 string, as Discord sends them,
so discord.py parses these payloads exactly as it would parse the real thing.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CHANGE_NICKNAME = 1 << 26
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
# Every permission bit Discord currently defines; an administrator resolves to this.
ALL_PERMISSIONS = (1 << 51) - 1

# What a fresh guild grants @everyone (close to Discord's real default).
DEFAULT_EVERYONE_PERMISSIONS = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | MENTION_EVERYONE
    | USE_EXTERNAL_EMOJIS
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)

# Gateway intents (https://discord.com/developers/docs/events/gateway#gateway-intents).
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Application flags saying which privileged intents the app is allowed ("limited" = verified-less bots).
APP_FLAG_GATEWAY_PRESENCE_LIMITED = 1 << 13
APP_FLAG_GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 15
APP_FLAG_GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19
APP_FLAG_APPLICATION_COMMAND_BADGE = 1 << 23

# Channel types.
GUILD_TEXT = 0
DM = 1
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12

# Message flags.
MESSAGE_FLAG_EPHEMERAL = 1 << 6
MESSAGE_FLAG_LOADING = 1 << 7


class SnowflakeFactory:
    """Generates increasing, realistic snowflakes (creation time encoded in the top bits)."""

    def __init__(self) -> None:
        self._counter = itertools.count()
        self._lock = threading.Lock()
        self._last = 0

    def __call__(self) -> str:
        with self._lock:
            ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
            value = (ms << 22) | (1 << 17) | (next(self._counter) & 0xFFF)
            # Keep ids strictly increasing even if the 12-bit counter wraps within one millisecond.
            value = max(value, self._last + 1)
            self._last = value
            return str(value)


def iso_now() -> str:
    """Timestamp formatted the way Discord does: ``2024-05-01T12:00:00.123000+00:00``."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def perm_int(value: int | str) -> int:
    """Accept permissions as int or as Discord's string bitfield."""
    return int(value)


def user_payload(user_id: str, username: str, *, bot: bool = False, global_name: str | None = None) -> JSON:
    """A public user object, as embedded in messages, members and interactions."""
    payload: JSON = {
        "id": user_id,
        "username": username,
        "discriminator": "0" if not bot else "1234",
        "global_name": global_name if global_name is not None else (None if bot else username.title()),
        "avatar": None,
        "avatar_decoration_data": None,
        "banner": None,
        "accent_color": None,
        "public_flags": 0,
        "flags": 0,
        "primary_guild": None,
        "collectibles": None,
        "clan": None,
    }
    if bot:
        payload["bot"] = True
    return payload


def self_user_payload(user: JSON) -> JSON:
    """The bot's own user object (GET /users/@me, READY.user) carries a few private fields."""
    return {**user, "verified": True, "mfa_enabled": False, "email": None, "locale": "en-US", "premium_type": 0}


def role_payload(
    role_id: str,
    name: str,
    *,
    permissions: int | str,
    position: int,
    managed: bool = False,
    bot_id: str | None = None,
) -> JSON:
    payload: JSON = {
        "id": role_id,
        "name": name,
        "description": None,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(perm_int(permissions)),
        "managed": managed,
        "mentionable": False,
        "flags": 0,
    }
    if bot_id is not None:
        payload["tags"] = {"bot_id": bot_id}
    return payload


def member_payload(
    user: JSON | None,
    *,
    role_ids: Iterable[str] = (),
    joined_at: str,
    permissions: int | str | None = None,
) -> JSON:
    """A guild member. ``user`` is omitted inside MESSAGE_CREATE (the author sits beside it) and
    ``permissions`` is only present in interaction payloads (resolved channel permissions)."""
    payload: JSON = {
        "avatar": None,
        "banner": None,
        "communication_disabled_until": None,
        "deaf": False,
        "flags": 0,
        "joined_at": joined_at,
        "mute": False,
        "nick": None,
        "pending": False,
        "premium_since": None,
        "roles": [str(r) for r in role_ids],
        "unusual_dm_activity_until": None,
    }
    if user is not None:
        payload["user"] = user
    if permissions is not None:
        payload["permissions"] = str(perm_int(permissions))
    return payload


def text_channel_payload(channel_id: str, guild_id: str, name: str, *, position: int = 0) -> JSON:
    return {
        "id": channel_id,
        "type": GUILD_TEXT,
        "guild_id": guild_id,
        "name": name,
        "topic": None,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "rate_limit_per_user": 0,
        "parent_id": None,
        "last_message_id": None,
        "last_pin_timestamp": None,
        "flags": 0,
    }


def dm_channel_payload(channel_id: str, recipient: JSON) -> JSON:
    return {"id": channel_id, "type": DM, "last_message_id": None, "flags": 0, "recipients": [recipient]}


def thread_payload(
    thread_id: str,
    *,
    guild_id: str,
    parent_id: str,
    owner_id: str,
    name: str,
    thread_type: int = PUBLIC_THREAD,
    auto_archive_duration: int = 1440,
) -> JSON:
    now = iso_now()
    return {
        "id": thread_id,
        "type": thread_type,
        "guild_id": guild_id,
        "parent_id": parent_id,
        "owner_id": owner_id,
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "total_message_sent": 0,
        "member_count": 1,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": auto_archive_duration,
            "archive_timestamp": now,
            "locked": False,
            "create_timestamp": now,
            **({"invitable": True} if thread_type == PRIVATE_THREAD else {}),
        },
        "member": {"id": thread_id, "user_id": owner_id, "join_timestamp": now, "flags": 1},
    }


def one_level(message: JSON | None) -> JSON | None:
    """A message as another's ``referenced_message``: Discord sends it one level deep, without
    its own ``referenced_message`` (its ``message_reference`` stays); None when it is gone."""
    if message is None:
        return None
    return {key: value for key, value in message.items() if key != "referenced_message"}


def message_payload(
    *,
    message_id: str,
    channel_id: str,
    guild_id: str | None,
    author: JSON,
    member: JSON | None,
    content: str = "",
    embeds: list[JSON] | None = None,
    components: list[JSON] | None = None,
    mentions: list[JSON] | None = None,
    mention_roles: list[str] | None = None,
    mention_everyone: bool = False,
    attachments: list[JSON] | None = None,
    flags: int = 0,
    message_reference: JSON | None = None,
    referenced_message: JSON | None = None,
    nonce: str | int | None = None,
    tts: bool = False,
    webhook_id: str | None = None,
    application_id: str | None = None,
    interaction_metadata: JSON | None = None,
    message_type: int | None = None,
) -> JSON:
    """A full message object as sent by REST replies and MESSAGE_CREATE."""
    if message_type is None:
        # 19 = REPLY, 20 = CHAT_INPUT_COMMAND (a slash-command response), 0 = DEFAULT.
        message_type = 19 if message_reference is not None else 0
    payload: JSON = {
        "id": message_id,
        "type": message_type,
        "channel_id": channel_id,
        "author": author,
        "content": content,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": tts,
        "mention_everyone": mention_everyone,
        "mentions": mentions or [],
        "mention_roles": mention_roles or [],
        "attachments": attachments or [],
        "embeds": [{"type": "rich", **e} for e in (embeds or [])],
        "pinned": False,
        "flags": flags,
        "components": components or [],
    }
    if guild_id is not None:
        payload["guild_id"] = guild_id
    if member is not None:
        payload["member"] = member
    if message_reference is not None:
        payload["message_reference"] = message_reference
        payload["referenced_message"] = one_level(referenced_message)
    if nonce is not None:
        payload["nonce"] = nonce
    if webhook_id is not None:
        payload["webhook_id"] = webhook_id
    if application_id is not None:
        payload["application_id"] = application_id
    if interaction_metadata is not None:
        payload["interaction_metadata"] = interaction_metadata
    return payload
