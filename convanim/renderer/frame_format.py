"""The size and rate of the frames a renderer produces (no manim needed)."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["FRAME_HEIGHT", "SAFE_MARGIN", "FrameFormat", "frame_count"]

FRAME_HEIGHT = 8.0
"""Height of every frame in manim units; the width follows the aspect ratio."""
SAFE_MARGIN = 0.03
"""Share of the frame's width and height kept free of texts and blocks at each edge (the safe
area; ``convanim check`` reports what leaves it)."""


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

    @property
    def safe_inset(self) -> tuple[float, float]:
        """The safe area's margin in frame units: (at the left and right, at the top and bottom)."""
        return (SAFE_MARGIN * self.frame_width, SAFE_MARGIN * FRAME_HEIGHT)


def frame_count(duration: float, fps: int) -> int:
    """Number of frames of a video of ``duration`` seconds at ``fps`` (at least one)."""
    return max(1, int(math.ceil(duration * fps)))
