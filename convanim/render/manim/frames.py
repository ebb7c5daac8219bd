"""Play a Timeline into frames with manim's Cairo camera.

The frame at time t is a pure function of (timeline, plan, t): :class:`TimelineState` says what each
actor looks like, a drawer per actor kind turns that into mobjects, and manim's Cairo
:class:`~manim.Camera` draws them. Actors that no running event touches are drawn once into a
static background for each stretch between event boundaries (as manim's own renderer does for
static mobjects); per frame only the moving ones are drawn on top.

We drive the camera directly rather than through ``Scene.play``: every frame is addressable on its
own, so a video can be rendered in segments by several processes and joined, and frames go straight
to our encoder.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
from manim import Camera, ManimColor, Mobject

from convanim.render.layout import FRAME_HEIGHT, Layout, Viewport, blend
from convanim.render.manim.registry import DRAWERS
from convanim.render.manim.stage import FrameFormat, Stage, source_array
from convanim.render.projection import Projector
from convanim.render.state import TimelineState
from convanim.render.theme import THEMES
from convanim.storyboard.timeline import BlockActor, Timeline

if TYPE_CHECKING:
    from convanim.engine import Plan

__all__ = ["DRAWERS", "FrameFormat", "FrameRenderer"]

class FrameRenderer:
    """Renders the frames of one Timeline."""

    def __init__(
        self,
        timeline: Timeline,
        plan: Plan,
        fmt: FrameFormat,
        theme: str = "light",
        projector: Projector | None = None,
        ground: bool = True,
    ) -> None:
        self.timeline = timeline
        self.fmt = fmt
        projector = projector or Projector()
        blocks = [a for a in timeline.actors if isinstance(a, BlockActor)]
        self.state = TimelineState(timeline)
        # Actors that draw between two blocks reserve room there: ``gap_slot`` and ``gap``.
        gaps = {
            int(a.gap_slot): float(a.gap) for a in timeline.actors if hasattr(a, "gap_slot")
        }
        self.layout = Layout(blocks, projector, fmt.frame_width, bool(timeline.title), gaps)
        self.stage = Stage(
            timeline=timeline,
            plan=plan,
            fmt=fmt,
            theme=THEMES[theme],
            state=self.state,
            projector=projector,
            layout=self.layout,
            blocks={b.id: b for b in blocks},
            arrays={b.id: source_array(plan, b.source) for b in blocks},
            ground=ground,
        )
        self.drawers = {kind: cls(self.stage) for kind, cls in DRAWERS.items()}
        self.actors = {a.id: a for a in timeline.actors}
        self.camera = Camera(
            pixel_width=fmt.width,
            pixel_height=fmt.height,
            frame_width=fmt.frame_width,
            frame_height=FRAME_HEIGHT,
            background_color=ManimColor(self.stage.theme.background),
            background_opacity=0.0 if fmt.transparent else 1.0,
        )
        self._static_key: tuple[object, ...] | None = None
        self._static_image: np.ndarray | None = None

    @property
    def frame_count(self) -> int:
        """Number of frames of the whole video."""
        return max(1, int(math.ceil(self.timeline.duration * self.fmt.fps)))

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        """Yield RGBA uint8 frames (H, W, 4) for frame indices [start, stop)."""
        stop = self.frame_count if stop is None else min(stop, self.frame_count)
        for index in range(start, stop):
            yield self.frame_at(index / self.fmt.fps)

    def frame_at(self, t: float) -> np.ndarray:
        """The frame at time t, RGBA uint8 (H, W, 4)."""
        viewport, moving_camera = self._viewport(t)
        dynamic: set[str] = set()
        for e in self.state.active(t):
            if e.kind == "camera":
                continue
            dynamic.add(e.target)
            if e.kind == "sweep":
                dynamic.add(str(e.data["output"]))
            # Events that change other actors too name them in data["also"].
            dynamic.update(str(extra) for extra in e.data.get("also", ()))
        actor_ids = [a.id for a in self.timeline.actors]
        if moving_camera:
            static_ids: list[str] = []
            dynamic_ids = actor_ids
        else:
            static_ids = [a for a in actor_ids if a not in dynamic]
            dynamic_ids = [a for a in actor_ids if a in dynamic]
        key = (self.state.interval(t), viewport.key(), tuple(static_ids))
        if key != self._static_key or self._static_image is None:
            self.camera.reset()
            self.camera.capture_mobjects(self._mobjects(static_ids, t, viewport))
            self._static_image = self.camera.pixel_array.copy()
            self._static_key = key
        self.camera.set_frame_to_background(self._static_image)
        if dynamic_ids:
            self.camera.capture_mobjects(self._mobjects(dynamic_ids, t, viewport))
        return np.array(self.camera.pixel_array, copy=True)

    def _viewport(self, t: float) -> tuple[Viewport, bool]:
        before, after, u = self.state.view_slots(t)
        a, b = self.layout.frame(before), self.layout.frame(after)
        return blend(a, b, u), 0.0 < u < 1.0

    def _mobjects(self, ids: list[str], t: float, vp: Viewport) -> list[Mobject]:
        out: list[Mobject] = []
        position = {actor_id: n for n, actor_id in enumerate(ids)}
        ordered = sorted(ids, key=lambda i: (self.drawers[self.actors[i].kind].layer, position[i]))
        for actor_id in ordered:
            opacity = self.state.opacity(actor_id, t)
            if opacity <= 0.001:
                continue
            actor = self.actors[actor_id]
            out.extend(self.drawers[actor.kind].draw(actor, t, vp, opacity))
        return out
