"""Downloading an attached file: only http(s), only a 200, never past the limit (served by
the fake Discord's loopback CDN)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.discord.attachments import DownloadFailed, TooBig, download
from tests.fakes.fake_discord import FakeDiscord


async def test_download_reads_the_attachment_url_and_stops_at_the_limit() -> None:
    async with FakeDiscord() as fake:
        small = fake.make_attachment("a.md", b"# A\n\nshort\n")
        assert await download(SimpleNamespace(url=small["url"]), 1000) == b"# A\n\nshort\n"  # type: ignore[arg-type]
        big = fake.make_attachment("b.md", b"x" * 300_000, size=10)  # Discord's size says 10 bytes
        with pytest.raises(TooBig):
            await download(SimpleNamespace(url=big["url"]), 1000)  # type: ignore[arg-type]
        with pytest.raises(DownloadFailed, match="HTTP 404"):
            await download(SimpleNamespace(url=f"{fake.base_url}/attachments/1/2/gone.md"), 1000)  # type: ignore[arg-type]
        assert [r.status for r in fake.cdn_requests] == [200, 200, 404]
    with pytest.raises(DownloadFailed, match="scheme"):
        await download(SimpleNamespace(url="file:///etc/passwd"), 1000)  # type: ignore[arg-type]
    with pytest.raises(DownloadFailed):
        await download(SimpleNamespace(url=small["url"]), 1000)  # type: ignore[arg-type]  # the server is gone
