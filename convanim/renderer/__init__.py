"""Rendering: a Timeline played into frames (manim, Cairo).

The renderer knows a Timeline and a :class:`FrameFormat` and nothing else: not the spec, not the
engine's Plan, not where the frames go (``convanim.pipeline`` builds the Timeline and encodes
the frames). Its entry point is :func:`frame_renderer`.

Only this package imports manim, and only lazily (``convanim.renderer.manim`` is imported when a
render starts), so ``convanim inspect`` and the engine never pay for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from convanim.renderer.frame_format import FrameFormat, frame_count
from convanim.renderer.items import DrawnItem

if TYPE_CHECKING:
    from convanim.renderer.manim.frames import FrameRenderer
    from convanim.storyboard.timeline import Timeline

__all__ = [
    "DrawnItem",
    "FrameFormat",
    "drawn_items",
    "frame_count",
    "frame_renderer",
    "items_renderer",
    "poster_time",
]


def frame_renderer(timeline: Timeline, fmt: FrameFormat) -> FrameRenderer:
    """The renderer of a Timeline's frames in one format.

    ``frame_renderer(timeline, fmt).frames(start, stop)`` yields RGBA uint8 frames (H, W, 4),
    ``.frame_at(t)`` the frame at time t, ``.frame_count`` the number of frames of the video.

    Raises
    ------
    ConvanimError
        If manim, Cairo or Pango do not load (see :mod:`convanim.renderer.environment`).
    """
    from convanim.renderer.environment import load_frames_module

    renderer: FrameRenderer = load_frames_module().FrameRenderer(timeline, fmt)
    return renderer


def items_renderer(timeline: Timeline, fmt: FrameFormat) -> Callable[[float], list[DrawnItem]]:
    """A function time -> the items drawn at that time (names and pixel boxes, no pixels drawn).

    One renderer serves every call, so its caches (texts, block faces) are shared between times.
    """
    return frame_renderer(timeline, fmt).items_at


def drawn_items(timeline: Timeline, fmt: FrameFormat, t: float) -> list[DrawnItem]:
    """The items (:class:`DrawnItem`: texts, overlays, blocks) the frame at time t shows."""
    return items_renderer(timeline, fmt)(t)


def poster_time(timeline: Timeline) -> float:
    """The moment that best summarises a scene for a still image.

    The middle of the first fast-forwarded sweep: the kernel is on the input, beams point at the
    output and part of the output is computed. Scenes without a sweep use their last frame.
    """
    for event in timeline.events:
        if event.kind == "sweep" and not event.data.get("detail"):
            visits = int(event.data.get("visits", 1))
            slot = event.duration / max(visits, 1)
            # Late in a visit: the kernel has settled, its window is lit and the beams are drawn.
            return event.start + (visits // 2 + 0.8) * slot
    return max(0.0, timeline.duration - 1e-3)
