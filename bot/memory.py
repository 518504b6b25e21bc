"""Handing freed heap memory back to the system while a huge file is read and indexed."""

from __future__ import annotations

import ctypes

# Files at least this big trim as they go: their freed text would otherwise stay resident.
HUGE_FILE_BYTES = 16 * 2**20
TRIM_EVERY = 20_000  # passages (about 20 MB of text) between trims within a huge file


def release_memory() -> None:
    """Give freed heap memory back to the system (glibc keeps it otherwise: after a huge
    file, hundreds of MB of freed small blocks would stay resident while the index grows)."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to do
