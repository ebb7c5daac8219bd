"""Play a Timeline into frames with manim's Cairo camera.

The frame at time t is a pure function of (timeline, t): :class:`TimelineState` says what each
actor looks like, a drawer per actor kind turns that into mobjects, and manim's Cairo
:class:`~manim.Camera` draws them. Actors that no running event touches are drawn once into a
static background for each stretch between event boundaries (as manim's own renderer does for
static mobjects); per frame only the moving ones are drawn on top.

We drive the camera directly rather than through ``Scene.play``: every frame is addressable on its
own, so a video can be rendered in segments by several processes and joined, and frames go straight
to our encoder.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
from manim import Camera, ManimColor, Mobject

from convanim.renderer.frame_format import FrameFormat, frame_count
from convanim.renderer.framing import Framing
from convanim.renderer.items import DrawnItem
from convanim.renderer.layout import FRAME_HEIGHT, Layout, Region, Viewport, blend
from convanim.renderer.manim.draw_overlay import OverlayDrawer
from convanim.renderer.manim.registry import DRAWERS
from convanim.renderer.manim.stage import Drawer, Stage
from convanim.renderer.projection import Projector
from convanim.renderer.state import TimelineState
from convanim.renderer.theme import THEMES
from convanim.renderer.volumes import display_of
from convanim.storyboard.common import whole_numbers
from convanim.storyboard.timeline import BlockActor, Timeline

__all__ = ["FrameFormat", "FrameRenderer"]


class FrameRenderer:
    """Renders the frames of one Timeline in one format; it needs nothing else.

    Camera angles, zoom, theme and ground plane are the Timeline's ``view``.
    """

    def __init__(self, timeline: Timeline, fmt: FrameFormat) -> None:
        view = timeline.view
        self.timeline = timeline
        self.fmt = fmt
        self.theme_name = view.theme
        self.ground = view.ground
        self.zoom = float(view.zoom)
        projector = Projector.from_camera(view.phi, view.theta)
        # Keep the perspective gentle for big blocks: the camera backs off with their size.
        largest = max(
            (
                max(getattr(display_of(a.shape), "lod", display_of(a.shape)).display_shape)
                for a in timeline.actors
                if isinstance(a, BlockActor)
            ),
            default=0,
        )
        projector = replace(projector, distance=max(projector.distance, 2.6 * largest))
        self.base_projector = projector
        self.state = TimelineState(timeline)
        self.actors = {a.id: a for a in timeline.actors}
        self._orbits = [e for e in timeline.events if e.kind == "orbit"]
        self._stages: dict[float, tuple[Stage, Layout, dict[str, Drawer]]] = {}
        self._bands: tuple[float | None, float | None] = (None, None)
        self._use_projector(projector)
        self.framing = self._framing()
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
        # Actors drawn over the frame's still part in a layer of their own (a close-up panel):
        # their beats redraw that layer only, not the blocks under it.
        self._panels = {a.id for a in timeline.actors if getattr(DRAWERS[a.kind], "panel", False)}
        bounds = {0.0, timeline.duration}
        for e in timeline.events:
            if e.target not in self._panels:
                bounds.update((round(e.start, 6), round(e.end, 6)))
        self._base_bounds = sorted(bounds)
        self._panel_key: tuple[object, ...] | None = None
        self._panel_image: np.ndarray | None = None

    def _use_projector(self, projector: Projector) -> None:
        """Point layout, stage and drawers at a camera (cached for the base view)."""
        key = round(projector.azimuth, 4)
        cached = self._stages.get(key)
        if cached is None:
            timeline = self.timeline
            blocks = [a for a in timeline.actors if isinstance(a, BlockActor)]
            # Actors that draw between two blocks reserve room there: ``gap_slot`` and ``gap``.
            gaps = {
                int(a.gap_slot): float(a.gap)
                for a in timeline.actors
                if hasattr(a, "gap_slot") and hasattr(a, "gap")
            }
            layout = Layout(
                [replace(b, padding=self._widest_padding(b)) for b in blocks],
                projector,
                self.fmt.frame_width,
                bool(timeline.title),
                gaps,
                self.zoom,
            )
            stage = Stage(
                timeline=timeline,
                fmt=self.fmt,
                theme=THEMES[self.theme_name],
                state=self.state,
                projector=projector,
                layout=layout,
                blocks={b.id: b for b in blocks},
                arrays={b.id: timeline.values(b) for b in blocks},
                ground=self.ground,
            )
            drawers = {kind: cls(stage) for kind, cls in DRAWERS.items()}
            if not self._stages:  # the first stage measures the title and bottom panel for all
                overlays = drawers["overlay"]
                assert isinstance(overlays, OverlayDrawer)
                self._bands = (overlays.panel_top(), overlays.title_bottom())
            layout.fit_between(*self._bands)
            cached = (stage, layout, drawers)
            if key == round(self.base_projector.azimuth, 4) or not self._stages:
                self._stages[key] = cached  # only the resting view is worth keeping
        self.stage, self.layout, self.drawers = cached

    def _widest_padding(self, block: BlockActor) -> tuple[int, int, int, int]:
        """The widest padding ring a block shows in the video (its own or a later ``pad``):
        the framing leaves room for it from the start."""
        rings = [block.padding] + [
            tuple(int(v) for v in e.data["padding"])
            for e in self.timeline.events
            if e.kind == "pad" and e.target == block.id
        ]
        top, bottom, left, right = (max(r[i] for r in rings) for i in range(4))
        return (top, bottom, left, right)

    def _framing(self) -> Framing:
        """Which blocks the camera shows when (:mod:`convanim.renderer.framing`)."""
        layout = self.layout
        inset = self.fmt.safe_inset[0]
        half = self.fmt.frame_width / 2 - inset
        world = layout.world
        stage = Region(
            -half, half, world.y0 + layout.LABEL_BAND_BELOW, world.y1 - layout.LABEL_BAND
        )
        return Framing(self.timeline, layout, stage)

    def _opacity(self, actor_id: str, t: float) -> float:
        """An actor's opacity at time t: its own, and for a block how much the camera shows it."""
        opacity = self.state.opacity(actor_id, t)
        actor = self.actors[actor_id]
        if opacity > 0.001 and isinstance(actor, BlockActor):
            opacity *= self.framing.visibility(actor.slot, t)
        return opacity

    def _orbit_degrees(self, t: float) -> float:
        """How far the camera has swung around the vertical axis at time t (out and back)."""
        for e in self._orbits:
            if e.start <= t < e.end and e.duration > 0:
                u = (t - e.start) / e.duration
                return float(e.data.get("degrees", 40.0)) * math.sin(math.pi * u)
        return 0.0

    @staticmethod
    def count_frames(timeline: Timeline, fps: int) -> int:
        """Number of frames of a timeline's video at ``fps``."""
        return frame_count(timeline.duration, fps)

    @property
    def frame_count(self) -> int:
        """Number of frames of the whole video."""
        return self.count_frames(self.timeline, self.fmt.fps)

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        """Yield RGBA uint8 frames (H, W, 4) for frame indices [start, stop)."""
        stop = self.frame_count if stop is None else min(stop, self.frame_count)
        for index in range(start, stop):
            yield self.frame_at(index / self.fmt.fps)

    def frame_at(self, t: float) -> np.ndarray:
        """The frame at time t, RGBA uint8 (H, W, 4)."""
        with whole_numbers(self.timeline.view.whole_numbers):
            return self._frame_at(t)

    def _frame_at(self, t: float) -> np.ndarray:
        degrees = self._orbit_degrees(t)
        self._use_projector(self.base_projector.turned(degrees))
        viewport, moving_camera = self._viewport(t)
        moving_camera = moving_camera or degrees != 0.0
        dynamic: set[str] = set()
        for e in self.state.active(t):
            if e.kind in ("camera", "orbit"):
                continue
            if e.kind == "sweep" and self.state.holding(e, t):
                continue  # the kernel stands still while a close-up plays: drawn once
            dynamic.add(e.target)
            if e.kind == "sweep":
                dynamic.add(str(e.data["output"]))
            # Events that change other actors too name them in data["also"].
            dynamic.update(str(extra) for extra in e.data.get("also", ()))
        actor_ids = [a.id for a in self.timeline.actors]
        for a in self.timeline.actors:  # blocks fading in or out at the edge of the stage
            if isinstance(a, BlockActor) and 0.0 < self.framing.visibility(a.slot, t) < 1.0:
                dynamic.add(a.id)
        if moving_camera:
            static_ids: list[str] = []
            dynamic_ids = actor_ids
        else:
            static_ids = [a for a in actor_ids if a not in dynamic]
            dynamic_ids = [a for a in actor_ids if a in dynamic]
        panel_ids = [a for a in static_ids if a in self._panels]
        base_ids = [a for a in static_ids if a not in self._panels]
        interval = bisect.bisect_right(self._base_bounds, round(t, 6))
        key = (interval, viewport.key(), tuple(base_ids), degrees)
        if key != self._static_key or self._static_image is None:
            self.camera.reset()
            self.camera.capture_mobjects(self._mobjects(base_ids, t, viewport))
            self._static_image = self.camera.pixel_array.copy()
            self._static_key = key
            self._panel_key = None
        image = self._static_image
        if panel_ids:
            panel_key = (key, self.state.interval(t), tuple(panel_ids))
            if panel_key != self._panel_key or self._panel_image is None:
                self.camera.set_frame_to_background(self._static_image)
                self.camera.capture_mobjects(self._mobjects(panel_ids, t, viewport))
                self._panel_image = self.camera.pixel_array.copy()
                self._panel_key = panel_key
            image = self._panel_image
        self.camera.set_frame_to_background(image)
        if dynamic_ids:
            self.camera.capture_mobjects(self._mobjects(dynamic_ids, t, viewport))
        return np.array(self.camera.pixel_array, copy=True)

    def items_at(self, t: float) -> list[DrawnItem]:
        """What the frame at time t shows, as named boxes in pixels (nothing is drawn).

        Every visible actor's drawer builds its mobjects as for :meth:`frame_at`; their extents
        become :class:`~convanim.renderer.items.DrawnItem` s (:mod:`.frame_items`).
        """
        with whole_numbers(self.timeline.view.whole_numbers):
            return self._items_at(t)

    def _items_at(self, t: float) -> list[DrawnItem]:
        from convanim.renderer.manim.frame_items import describe

        self._use_projector(self.base_projector.turned(self._orbit_degrees(t)))
        viewport, _ = self._viewport(t)
        items: list[DrawnItem] = []
        for actor in self.timeline.actors:
            opacity = self._opacity(actor.id, t)
            if opacity <= 0.001:
                continue
            mobs = self.drawers[actor.kind].draw(actor, t, viewport, opacity)
            items.extend(describe(actor, mobs, opacity, self.fmt))
        return items

    def _viewport(self, t: float) -> tuple[Viewport, bool]:
        before, after, u = self.state.view_slots(t)
        a, b = self.layout.frame(before), self.layout.frame(after)
        return blend(a, b, u), 0.0 < u < 1.0

    def _mobjects(self, ids: list[str], t: float, vp: Viewport) -> list[Mobject]:
        out: list[Mobject] = []
        position = {actor_id: n for n, actor_id in enumerate(ids)}
        ordered = sorted(ids, key=lambda i: (self.drawers[self.actors[i].kind].layer, position[i]))
        for actor_id in ordered:
            opacity = self._opacity(actor_id, t)
            if opacity <= 0.001:
                continue
            actor = self.actors[actor_id]
            out.extend(self.drawers[actor.kind].draw(actor, t, vp, opacity))
        return out
