"""PNG outputs: a poster frame (``png``) and a folder of numbered frames (``png-seq``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from convanim.output.atomic import commit, discard, prepare_folder, temp_path
from convanim.output.base import Frame, FrameWriter
from convanim.output.formats import OutputReport

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

__all__ = ["PosterWriter", "SequenceWriter", "sequence_name"]


def _image(frame: Frame, transparent: bool) -> PILImage:
    from PIL import Image

    if transparent:
        if frame.shape[2] == 3:
            return Image.fromarray(np.ascontiguousarray(frame), "RGB").convert("RGBA")
        return Image.fromarray(np.ascontiguousarray(frame), "RGBA")
    return Image.fromarray(np.ascontiguousarray(frame[:, :, :3]), "RGB")


class PosterWriter(FrameWriter):
    """A single PNG: the last frame written is the poster (RGBA when transparent).

    Only the most recent frame is kept, so a renderer may stream a whole video through it or
    write just the frame it wants.
    """

    def __init__(
        self, path: Path, width: int, height: int, fps: int, *, transparent: bool = False
    ) -> None:
        super().__init__(path, "png", width, height, fps)
        self._transparent = transparent
        self._last: np.ndarray | None = None
        prepare_folder(path)
        self._temp = temp_path(path)

    def _write(self, frame: Frame) -> None:
        self._last = np.array(frame, copy=True)

    def _finish(self) -> OutputReport:
        assert self._last is not None
        _image(self._last, self._transparent).save(self._temp, format="PNG")
        commit(self._temp, self.path)
        return OutputReport(
            path=self.path,
            format="png",
            bytes=self.path.stat().st_size,
            frames=1,
            fps=float(self.fps),
            width=self.width,
            height=self.height,
        )

    def _discard(self) -> None:
        self._last = None
        discard(self._temp)


def sequence_name(index: int) -> str:
    """File name of frame ``index`` (0-based) in a PNG sequence: ``frame_000000.png``."""
    return f"frame_{index:06d}.png"


class SequenceWriter(FrameWriter):
    """A folder of numbered PNGs (``frame_000000.png``, ...), filled in a temporary folder and
    renamed into place when complete."""

    def __init__(
        self, path: Path, width: int, height: int, fps: int, *, transparent: bool = False
    ) -> None:
        super().__init__(path, "png-seq", width, height, fps)
        self._transparent = transparent
        prepare_folder(path, is_dir=True)
        self._temp = temp_path(path, suffix="", is_dir=True)
        self._bytes = 0

    def _write(self, frame: Frame) -> None:
        target = self._temp / sequence_name(self.frames_written)
        _image(frame, self._transparent).save(target, format="PNG", compress_level=4)
        self._bytes += target.stat().st_size

    def _finish(self) -> OutputReport:
        commit(self._temp, self.path)
        return OutputReport(
            path=self.path,
            format="png-seq",
            bytes=self._bytes,
            frames=self.frames_written,
            fps=float(self.fps),
            width=self.width,
            height=self.height,
        )

    def _discard(self) -> None:
        discard(self._temp)
