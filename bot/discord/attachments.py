"""Downloading a file an admin attached to a slash command.

Only from the URL Discord put in the interaction (`attachment.url`, never one a member
typed), only http(s), only after the size Discord reports passed the limit, and never more
than the limit even if that size was wrong: the body is read in chunks and the download
stops one byte past `max_bytes`.
"""

from __future__ import annotations

import logging

import aiohttp
import discord

log = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT_S = 30.0
CHUNK = 64 * 1024


class DownloadFailed(Exception):
    """The file could not be fetched; the message says why, for the log and the admin."""


class TooBig(Exception):
    """The body turned out bigger than allowed (the reported size was wrong)."""


async def download(attachment: discord.Attachment, max_bytes: int) -> bytes:
    """The attachment's bytes. Raises TooBig or DownloadFailed."""
    url = attachment.url
    if not url.startswith(("https://", "http://")):
        raise DownloadFailed(f"unexpected attachment URL scheme in {url[:40]!r}")
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT_S)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as resp:
            if resp.status != 200:
                raise DownloadFailed(f"HTTP {resp.status}")
            data = bytearray()
            async for chunk in resp.content.iter_chunked(CHUNK):
                data += chunk
                if len(data) > max_bytes:
                    raise TooBig()
            return bytes(data)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise DownloadFailed(f"{type(exc).__name__}: {exc}"[:200]) from None
