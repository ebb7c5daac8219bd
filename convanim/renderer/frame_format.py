"""The size and rate of the frames a renderer produces (no manim needed)."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["FRAME_HEIGHT", "FrameFormat", "frame_count"]

FRAME_HEIGHT = 8.0
"""Height of every frame in manim units; the width follows the aspect ratio."""


@dataclass(frozen=True)
class FrameFormat:
    """Pixel size and frame rate of the frames to produce, and whether the background is clear."""

    width: int
    height: int
    fps: int
    transparent: bool = False

    @property
    def frame_width(self) -> float:
        """Width of the frame in manim units (the height is always 8)."""
        return FRAME_HEIGHT * self.width / self.height


def frame_count(duration: float, fps: int) -> int:
    """Number of frames of a video of ``duration`` seconds at ``fps`` (at least one)."""
    return max(1, int(math.ceil(duration * fps)))
