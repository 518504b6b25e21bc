"""Bytes kept in a temporary file instead of memory, read back as a memory-mapped array.

A build appends every paragraph's text here, so a million paragraphs' text never sits in
memory at once (nor twice, as a final concatenation would need); answering reads it
through the page cache. Saving the index copies the file by descriptor (`copy_to`), which
does not page the mapping into this process either.
"""

from __future__ import annotations

import os
import tempfile
import weakref
from pathlib import Path
from typing import BinaryIO

import numpy as np

_COPY_BYTES = 16 * 2**20
_FILES: dict[int, tuple[weakref.ref, BinaryIO, int]] = {}  # id(array) -> (array, file, size)


class ByteSpool:
    """Append bytes; `array()` maps them as one read-only uint8 array."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder
        self._file: BinaryIO | None = None
        self.size = 0

    def append(self, data: bytes | bytearray | np.ndarray | memoryview) -> None:
        view = (data.data if isinstance(data, np.ndarray) else memoryview(data)).cast("B")
        if not view.nbytes:
            return
        if self._file is None:
            if self._folder is not None:
                self._folder.mkdir(parents=True, exist_ok=True)
            # Unlinked at once on POSIX: nothing is left behind, even after kill -9.
            self._file = tempfile.TemporaryFile(dir=self._folder)  # noqa: SIM115 - closed with the array
            self._closer = weakref.finalize(self, self._file.close)
        self._file.write(view)
        self.size += view.nbytes

    def array(self) -> np.ndarray:
        if self._file is None or self.size == 0:
            return np.zeros(0, dtype=np.uint8)
        self._file.flush()
        arr = np.memmap(self._file, dtype=np.uint8, mode="r", shape=(self.size,))
        file = self._file
        key = id(arr)
        _FILES[key] = (weakref.ref(arr), file, self.size)
        self._closer.detach()  # the file now lives as long as the array
        weakref.finalize(arr, _release, key, file)
        return arr


def _release(key: int, file: BinaryIO) -> None:
    _FILES.pop(key, None)
    file.close()


def copy_to(arr: np.ndarray, out: BinaryIO) -> bool:
    """Write a spooled array's bytes to `out` from its file (False if `arr` is not one)."""
    entry = _FILES.get(id(arr))
    if entry is None or entry[0]() is not arr or not hasattr(os, "pread"):
        return False
    _, file, size = entry
    fd, pos = file.fileno(), 0
    while pos < size:
        chunk = os.pread(fd, min(_COPY_BYTES, size - pos), pos)  # no shared file position
        if not chunk:
            raise OSError(f"spool file ended at {pos} of {size} bytes")
        out.write(chunk)
        pos += len(chunk)
    return True
