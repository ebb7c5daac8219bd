"""The frame writer protocol: ``write`` frames in order, then ``close`` (or ``abort``).

Frames are ``uint8`` arrays of shape ``(H, W, 4)`` (RGBA, straight alpha, as manim's Cairo camera
gives them) or ``(H, W, 3)`` (RGB).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType

import numpy as np

from convanim.errors import ConvanimError
from convanim.output.atomic import write_error
from convanim.output.formats import OutputReport

__all__ = ["Frame", "FrameWriter", "check_frame"]

Frame = np.ndarray
"""A video frame: ``uint8``, shape ``(H, W, 4)`` RGBA or ``(H, W, 3)`` RGB."""


def check_frame(frame: Frame, width: int, height: int) -> None:
    """Raise ``ValueError`` unless ``frame`` is a ``uint8`` (height, width, 3|4) array."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        kind = getattr(frame, "dtype", type(frame).__name__)
        raise ValueError(f"a frame must be a uint8 numpy array, got {kind}")
    if frame.ndim != 3 or frame.shape[2] not in (3, 4) or frame.shape[:2] != (height, width):
        raise ValueError(
            f"a frame must have shape ({height}, {width}, 4) or ({height}, {width}, 3), "
            f"got {frame.shape}"
        )


class FrameWriter(ABC):
    """Writes frames to one output, atomically.

    Use it as a context manager: leaving the ``with`` block with an exception aborts the writer
    (temporary files removed, any existing output untouched); leaving it normally closes it if
    :meth:`close` was not called yet.

    Parameters
    ----------
    path : Path
        The output file (a folder for ``png-seq``).
    fmt : str
        The format name.
    width, height : int
        Size of the frames that will be written.
    fps : int
        Frame rate of the frames that will be written.
    """

    def __init__(self, path: Path, fmt: str, width: int, height: int, fps: int) -> None:
        if width <= 0 or height <= 0 or fps <= 0:
            raise ValueError(
                f"width, height and fps must be positive, got {width}, {height}, {fps}"
            )
        self.path = path
        self.format = fmt
        self.width = width
        self.height = height
        self.fps = fps
        self.frames_written = 0
        self._report: OutputReport | None = None
        self._aborted = False

    # -- public protocol -------------------------------------------------------------------

    def write(self, frame: Frame) -> None:
        """Append one frame (``uint8``, shape ``(height, width, 4)`` or ``(height, width, 3)``)."""
        if self._report is not None or self._aborted:
            raise ConvanimError(f"cannot write to {self.path}: the writer is already closed")
        check_frame(frame, self.width, self.height)
        try:
            self._write(frame)
        except OSError as err:
            self.abort()
            raise write_error(self.path, err) from None
        self.frames_written += 1

    def close(self) -> OutputReport:
        """Finish the file, move it into place and return what was written.

        Calling it again returns the same report.
        """
        if self._report is not None:
            return self._report
        if self._aborted:
            raise ConvanimError(f"cannot close {self.path}: the writer was aborted")
        if self.frames_written == 0:
            self.abort()
            raise ConvanimError(f"no frames were written for {self.path}; nothing to save")
        try:
            self._report = self._finish()
        except OSError as err:
            self.abort()
            raise write_error(self.path, err) from None
        except BaseException:
            self.abort()
            raise
        return self._report

    def abort(self) -> None:
        """Stop and remove every temporary file; an existing output is left untouched."""
        if self._report is not None or self._aborted:
            return
        self._aborted = True
        self._discard()

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.abort()
        elif self._report is None and not self._aborted:
            self.close()

    # -- for subclasses --------------------------------------------------------------------

    @abstractmethod
    def _write(self, frame: Frame) -> None:
        """Take one checked frame."""

    @abstractmethod
    def _finish(self) -> OutputReport:
        """Complete the temporary output, commit it and return the report."""

    @abstractmethod
    def _discard(self) -> None:
        """Release resources and delete temporary files; must not raise."""
