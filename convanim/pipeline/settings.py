"""What a render writes: the output settings, and the progress callback's type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from convanim.output import Quality
    from convanim.renderer import FrameFormat

__all__ = ["OutputSettings", "ProgressCallback"]

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(frames_done, frames_total)``."""


@dataclass(frozen=True)
class OutputSettings:
    """Where and how to write a video: path, format, quality preset, GIF budget, transparency,
    and what goes with it: ``captions`` (a ``.vtt`` beside it), ``burn_captions`` (drawn into
    the frames), ``poster`` (``<stem>.poster.png`` beside an MP4 or WebM)."""

    output: Path
    format: str
    quality: Quality
    max_bytes: int | None = None
    transparent: bool = False
    captions: bool = False
    burn_captions: bool = False
    poster: bool = False

    @property
    def frame_format(self) -> FrameFormat:
        """The frames the renderer must produce for these settings."""
        from convanim.renderer import FrameFormat

        q = self.quality
        return FrameFormat(q.width, q.height, q.fps, self.transparent)
