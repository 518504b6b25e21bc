"""Bytes kept in a temporary file instead of memory, read back as a memory-mapped array.

A build appends every paragraph's text here, so a million paragraphs' text never sits in
memory at once (nor twice, as a final concatenation would need); answering reads it
through the page cache. Saving the index copies the file by descriptor (`copy_to`), which
does not page the mapping into this process either.
"""

from __future__ import annotations

import mmap
import os
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

_COPY_BYTES = 16 * 2**20
_PAGE = mmap.PAGESIZE
# id(mapping) -> (the mapping, its file): every array viewing a spool's mapping is copied from the file
_FILES: dict[int, tuple[weakref.ref, BinaryIO]] = {}


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

    def array(self, dtype: type[np.generic] = np.uint8) -> np.ndarray:
        """The bytes so far as one read-only array of `dtype` (its size must divide them)."""
        itemsize = np.dtype(dtype).itemsize
        if self.size % itemsize:
            raise ValueError(f"{self.size} bytes are not a whole number of {np.dtype(dtype)}")
        if self._file is None or self.size == 0:
            return np.zeros(0, dtype=dtype)
        self._file.flush()
        arr = np.memmap(self._file, dtype=dtype, mode="r", shape=(self.size // itemsize,))
        file = self._file
        mm = arr._mmap  # type: ignore[attr-defined]
        key = id(mm)
        _FILES[key] = (weakref.ref(mm), file)
        self._closer.detach()  # the file now lives as long as the mapping (any view of it)
        weakref.finalize(mm, _release, key, file)
        # A plain ndarray view (same mapping, no copy), as the store gives a saved index's
        # arrays: np.memmap's Python-level slicing hooks cost more than the look-ups
        # themselves on the question path (each passage text a question reads).
        return arr.view(np.ndarray)


def pieces(arr: np.ndarray, step: int) -> Iterator[tuple[int, np.ndarray]]:
    """(start, arr[start:start + step]) over a 1-D array, each piece's pages released
    (`release`) once the caller is done with it."""
    n = arr.shape[0]
    for start in range(0, n, step):
        stop = min(n, start + step)
        yield start, arr[start:stop]
        release(arr, start, stop)


def release(arr: np.ndarray, start: int = 0, stop: int | None = None) -> None:
    """When `arr` is mapped from a file (a spool, a saved index), hand back the pages of
    arr[start:stop] (whole pages only): a pass over 500 MB of tokens then leaves them in the
    page cache, not in this process's resident memory, where they would count with
    everything else a build holds. A later read maps them in again."""
    region = _mapped_region(arr)
    if region is None:
        return
    mm, base = region
    stop = arr.shape[0] if stop is None else stop
    a = -(-(base + start * arr.itemsize) // _PAGE) * _PAGE
    b = min(len(mm), (base + stop * arr.itemsize) // _PAGE * _PAGE)
    if stop * arr.itemsize + base >= len(mm):
        b = len(mm)  # the mapping's last, partial page
    if b > a:
        mm.madvise(mmap.MADV_DONTNEED, a, b - a)


def _mapped_region(arr: np.ndarray) -> tuple[mmap.mmap, int] | None:
    """The file mapping under `arr` and where arr's data starts in it, if any (and if the
    system can give pages back)."""
    if not hasattr(mmap, "MADV_DONTNEED") or not arr.flags.c_contiguous:
        return None
    obj: object = arr
    while isinstance(obj, np.ndarray):  # a view of a view of ... an np.memmap
        mm = getattr(obj, "_mmap", None)
        obj = mm if isinstance(mm, mmap.mmap) else obj.base
    if not isinstance(obj, mmap.mmap):
        return None
    start = np.frombuffer(obj, dtype=np.uint8).ctypes.data
    return obj, arr.ctypes.data - start


def _release(key: int, file: BinaryIO) -> None:
    _FILES.pop(key, None)
    file.close()


def copy_to(arr: np.ndarray, out: BinaryIO) -> bool:
    """Write the bytes of an array viewing a spool (the whole spool or a contiguous part) to
    `out` from its file, without paging the mapping in (False if `arr` is no such view)."""
    region = _mapped_region(arr)
    if region is None or not hasattr(os, "pread"):
        return False
    mm, offset = region
    entry = _FILES.get(id(mm))
    if entry is None or entry[0]() is not mm:
        return False
    fd, pos, end = entry[1].fileno(), offset, offset + arr.nbytes
    while pos < end:
        chunk = os.pread(fd, min(_COPY_BYTES, end - pos), pos)  # no shared file position
        if not chunk:
            raise OSError(f"spool file ended at {pos} of {end} bytes")
        out.write(chunk)
        pos += len(chunk)
    return True
