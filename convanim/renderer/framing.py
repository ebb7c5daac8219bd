"""Which blocks the camera shows: a block is drawn only while it lies wholly in the stage.

The camera frames the blocks of the current op (:meth:`convanim.renderer.layout.Layout.frame`);
the others keep their slots in the row and may lie partly outside the frame (or, taller than the
framed ones, over the title band or the bottom panel). Such a block is hidden; a camera move that
carries a block out of the stage fades it out just before it reaches the edge, and one that
brings a block in fades it in once it is wholly inside. Everything is a pure function of the
time, read off the Timeline's camera events (NumPy only, no manim).
"""

from __future__ import annotations

import numpy as np

from convanim.renderer.layout import Layout, Region, Viewport, blend
from convanim.renderer.state import smooth
from convanim.storyboard.timeline import Timeline

__all__ = ["FADE", "Framing"]

FADE = 0.4
"""Seconds a block takes to fade out before it leaves the stage (or in after it has entered)."""
STEPS = 48
"""Samples of each camera move at which the blocks' places are tested."""


class Framing:
    """Visibility (0..1) of each slot's block at any time, from the camera moves.

    ``stage`` is the region (frame units) a block must lie in: the frame's safe area across,
    and between the bottom panel and the title band (the layout's world region less its label
    bands) up and down.
    """

    def __init__(self, timeline: Timeline, layout: Layout, stage: Region) -> None:
        self.layout = layout
        self.stage = stage
        moves = [e for e in timeline.events if e.kind == "camera" and e.target == "view"]
        self.intervals: dict[int, list[tuple[float, float]]] = {}
        if not moves:
            return
        times: list[float] = []
        views: list[Viewport] = []
        current = layout.frame(tuple(moves[0].data["slots"]))
        for e in moves:
            target = layout.frame(tuple(e.data["slots"]))
            if e.duration > 0:
                for k in range(STEPS + 1):
                    s = k / STEPS
                    times.append(e.start + s * e.duration)
                    views.append(blend(current, target, smooth(s)))
            else:
                times.append(e.start)
                views.append(target)
            current = target
        for slot in layout.slots:
            inside = [self._inside(slot, vp) for vp in views]
            self.intervals[slot] = _runs(times, inside)

    def _inside(self, slot: int, vp: Viewport) -> bool:
        """Whether the slot's block (its faces) lies wholly in the stage under ``vp``."""
        x0, x1, y0, y1 = self.layout.local_boxes[slot]
        ax, ay = self.layout.anchors[slot]
        corners = vp.apply(np.array([[ax + x0, ay + y0], [ax + x1, ay + y1]]))
        st, eps = self.stage, 1e-6
        return bool(
            corners[0, 0] >= st.x0 - eps
            and corners[1, 0] <= st.x1 + eps
            and corners[0, 1] >= st.y0 - eps
            and corners[1, 1] <= st.y1 + eps
        )

    def visibility(self, slot: int, t: float) -> float:
        """How much of the block at ``slot`` shows at time t (multiplies its own opacity)."""
        runs = self.intervals.get(slot)
        if runs is None:
            return 1.0
        best = 0.0
        for a, b in runs:
            if not a <= t <= b:
                continue
            rise = 1.0 if a == -np.inf else smooth((t - a) / FADE)
            fall = 1.0 if b == np.inf else smooth((b - t) / FADE)
            best = max(best, min(rise, fall))
        return best


def _runs(times: list[float], inside: list[bool]) -> list[tuple[float, float]]:
    """The stretches of time a block is inside: (entered, left), open-ended at either end.

    ``times`` are the camera samples (ascending), ``inside`` whether the block is inside at each;
    between samples the camera rests, so a block stays as it was at the last one.
    """
    runs: list[tuple[float, float]] = []
    start: float | None = None
    for n, (t, flag) in enumerate(zip(times, inside, strict=True)):
        if flag and start is None:
            start = -np.inf if n == 0 else t
        elif not flag and start is not None:
            runs.append((start, times[n - 1]))
            start = None
    if start is not None:
        runs.append((start, np.inf))
    return runs
