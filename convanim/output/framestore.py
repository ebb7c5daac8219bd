"""A spill file for frames that must be read again later (the GIF encoder's passes).

Frames are kept on disk, each distinct frame once, compressed with zlib (flat-coloured frames
shrink 20-100×), so a long video costs little disk and almost no memory: only the index and the
most recent frame live in RAM. A frame equal to the one before it is stored as a reference.
"""

from __future__ import annotations

import zlib
from array import array
from pathlib import Path
from typing import BinaryIO

import numpy as np

__all__ = ["FrameStore"]


class FrameStore:
    """Append-only store of RGB frames of one size, in a file.

    Parameters
    ----------
    path : Path
        The spill file (created or truncated). The caller owns it and deletes it.
    width, height : int
        Frame size.
    """

    def __init__(self, path: Path, width: int, height: int) -> None:
        self.path = path
        self.width = width
        self.height = height
        self._file: BinaryIO | None = open(path, "w+b")  # noqa: SIM115 - closed by close()
        self._offsets = array("q")
        self._lengths = array("q")
        self._frame_to_unique = array("l")
        self._last: np.ndarray | None = None
        self._end = 0

    def __len__(self) -> int:
        """Number of frames appended."""
        return len(self._frame_to_unique)

    @property
    def unique_count(self) -> int:
        """Number of distinct consecutive frames stored."""
        return len(self._offsets)

    def unique_index(self, frame: int) -> int:
        """The stored frame that frame ``frame`` shows (equal indices mean equal frames)."""
        return self._frame_to_unique[frame]

    def append(self, rgb: np.ndarray) -> None:
        """Add a frame, ``uint8`` of shape (height, width, 3)."""
        if self._file is None:
            raise ValueError("the frame store is closed")
        if self._last is not None and np.array_equal(rgb, self._last):
            self._frame_to_unique.append(len(self._offsets) - 1)
            return
        data = zlib.compress(np.ascontiguousarray(rgb).tobytes(), 1)
        self._file.seek(self._end)
        self._file.write(data)
        self._offsets.append(self._end)
        self._lengths.append(len(data))
        self._end += len(data)
        self._last = np.array(rgb, copy=True)
        self._frame_to_unique.append(len(self._offsets) - 1)

    def read(self, unique: int) -> np.ndarray:
        """Stored frame number ``unique`` (see :meth:`unique_index`), shape (height, width, 3)."""
        if self._file is None:
            raise ValueError("the frame store is closed")
        self._file.seek(self._offsets[unique])
        data = zlib.decompress(self._file.read(self._lengths[unique]))
        return np.frombuffer(data, dtype=np.uint8).reshape(self.height, self.width, 3)

    def close(self) -> None:
        """Close the file (the caller deletes it)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._last = None
