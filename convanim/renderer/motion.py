"""Helpers for visuals that move pieces between blocks (NumPy only, no manim).

Channel slabs of a block, the free region between two blocks in frame coordinates, staggered
progress of many pieces, and the phase an actor's phased events are in at time t.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from convanim.renderer.geometry import box_faces
from convanim.renderer.layout import Layout, Region, Viewport
from convanim.renderer.state import smooth
from convanim.storyboard.timeline import Event


def slab_faces(shape: tuple[int, int, int], channel: int, inset: float = 0.08) -> np.ndarray:
    """World faces (front, top, right), shape (3, 4, 3), of one channel layer of a block."""
    _, h, w = shape
    return box_faces(0.0, float(w), -float(h), 0.0, -channel - 1.0 + inset, -channel - inset)


def region_between(layout: Layout, left: int, right: int, vp: Viewport, margin: float) -> Region:
    """Frame region between the blocks of slots ``left`` and ``right`` (shrunk by ``margin``).

    Vertically it spans the world region (the band between the title and the bottom panel).
    """
    a = layout.anchors[left]
    b = layout.anchors[right]
    box_a, box_b = layout.local_boxes[left], layout.local_boxes[right]
    x0 = a[0] + box_a[1]
    x1 = b[0] + box_b[0]
    pts = vp.apply(np.array([[x0, 0.0], [x1, 0.0]]))
    world = layout.world
    return Region(
        float(pts[0, 0]) + margin,
        float(pts[1, 0]) - margin,
        world.y0 + margin + 0.1,
        world.y1 - margin,
    )


def staggered(u: float, order: np.ndarray, count: int, spread: float = 0.45) -> np.ndarray:
    """Eased progress of ``count`` pieces at overall progress u, piece ``order[i]`` starting later.

    Piece with rank r starts at ``spread * r / (count - 1)`` and takes ``1 - spread``.
    """
    if count <= 1:
        return np.full(len(order), smooth(u))
    start = spread * np.asarray(order, dtype=float) / (count - 1)
    v = np.clip((u - start) / (1.0 - spread), 0.0, 1.0)
    return v * v * (3 - 2 * v)


def scale_about(polys: np.ndarray, center: np.ndarray, factor: float, to: np.ndarray) -> np.ndarray:
    """Polygons scaled by ``factor`` about ``center``, moved so that ``center`` lands on ``to``."""
    return (polys - center) * factor + to


@dataclass(frozen=True)
class PhaseState:
    """Where phased events stand at time t.

    ``done`` counts the phases finished; ``current`` is the running phase (or None) and ``u`` its
    progress in [0, 1].
    """

    done: tuple[str, ...]
    current: str | None
    u: float

    def reached(self, phase: str) -> bool:
        """True once ``phase`` has started."""
        return phase in self.done or phase == self.current

    def progress(self, phase: str) -> float:
        """0 before ``phase``, its progress while it runs, 1 after."""
        if phase in self.done:
            return 1.0
        if phase == self.current:
            return self.u
        return 0.0


def phase_state(events: Sequence[Event], t: float) -> PhaseState:
    """The :class:`PhaseState` of events carrying ``data["phase"]``, at time t."""
    done: list[str] = []
    current, u = None, 0.0
    for e in events:
        if t < e.start:
            break
        phase = str(e.data["phase"])
        if t >= e.end:
            done.append(phase)
        else:
            current, u = phase, (t - e.start) / e.duration if e.duration > 0 else 1.0
    return PhaseState(tuple(done), current, float(u))
